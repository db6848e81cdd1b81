/**
 * `findAtoms`: every atomic column of a STEM/STM image, found and refined to
 * sub-pixel precision, as a columnar table. Pipeline:
 *  1. scale: nearest-neighbour spacing (shortest distance between two
 *     columns, any sublattice: from the lattice-averaged unit cell) and
 *     column width (`estimateSpacing`) unless given (`spacing`, `sigma`).
 *     Where the averaged cell shows dumbbells without a dip between their
 *     columns (`SpacingEstimate.pairs`), each maximum on such a pair is
 *     seeded as its two columns (`splitPairs`) and fitted with round
 *     Gaussians; the estimate's doubts (elongated columns it cannot resolve)
 *     go to `parameters.warnings`;
 *  2. detection: local maxima of the Gaussian-smoothed (or LoG-filtered)
 *     image with a minimum separation (as `skimage.feature.peak_local_max`,
 *     which Atomap's `get_atom_positions` wraps) and a noise-based
 *     significance threshold (adaptive, from the candidates' contrast
 *     distribution, with the Poisson noise of low-count images:
 *     `adaptiveSnr`, `pixelNoise`), plus a stricter second pass on the
 *     background-subtracted image for columns on a sloping background
 *     (`slopeColumns`: a nanoparticle's thickness profile);
 *  3. refinement: iterated centre of mass, then Levenberg–Marquardt fits of
 *     elliptical Gaussians with overlapping neighbours fitted jointly
 *     (`refine.ts`), with a per-atom 1-sd positional uncertainty in every
 *     refine mode (fit covariance; centre of mass: pixel noise propagated;
 *     integer peaks: that combined with the 1/√12-px quantisation);
 *  4. dim columns, when the lattice-averaged cell says columns were missed:
 *     the fitted model subtracted and the residual searched (`dimColumnPeaks`),
 *     then everything refined again;
 *  5. sublattices: intensity or geometry split (`sublattice.ts`).
 * Coordinates: x = column, y = row, pixels, origin at the centre of the
 * top-left pixel.
 */
import { Image, Calibration } from "../image/image";
import { pcaDenoise } from "./pca";

import { Table, table } from "../table";
import { estimateSpacing, estimateNoise, detectPeaks, DetectOptions, Peaks, SpacingEstimate } from "./detect";
import { subtractBackground } from "../image/filters";
import { refineCenterOfMass, fitGaussians, leftColumn, GaussianState, PixelSource, PixelNoise, propagationNoise } from "./refine";
import { PointGrid } from "./grid";
import { quickselect } from "../core/select";
import { splitSublattices } from "./sublattice";
import { renameOptions, checkChoice } from "../core/options";
import type { FindAtomsParameters } from "./parameters";
import { findAtomsDeep } from "./deep/find";
import type { FindAtomsDeepOptions, DeepAtomTable } from "./deep/find";

export type { FindAtomsParameters } from "./parameters";

/** Options of {@link findAtoms}. Lengths in pixels. */
export interface FindAtomsOptions {
  /** Expected column width σ (pixels). Default: estimated from the autocorrelation. Sets the smoothing and the fit's start value. */
  sigma?: number;
  /** @deprecated since 0.2: `sigma` (one name per concept, docs/conventions.md). */
  scale?: number;
  /** "classical" (default: this pipeline) or "deep" (the learned finder). */
  method?: "classical" | "deep";
  /** Nearest-neighbour spacing (pixels): the shortest distance between two columns, any sublattice (`estimateSpacing`). Sets the contrast ring (½ spacing), the default `minDistance` and `smoothing`. Default: estimated from the image. */
  spacing?: number;
  /** Minimum distance between columns (pixels), as `min_distance` of `peak_local_max` / `separation` of Atomap. Default 0.35 × `spacing`. Changes only the peak separation, never the spacing. */
  minDistance?: number;
  /** Relative threshold in [0, 1] (scikit-image's `threshold_rel`): drop peaks whose prominence is below this fraction of the 95th-percentile prominence (default 0). */
  thresholdRel?: number;
  /** @deprecated since 0.2: `thresholdRel`. */
  threshold?: number;
  /** Significance: minimum prominence over the noise sd of the filtered image. Default: adaptive, the largest contrast expected of the noise maxima among the candidates, their number read off the contrast distribution (`adaptiveSnr`, 3–6), with the Poisson noise of the counts for `noise` "poisson". */
  snr?: number;
  /** "gaussian" (default): centre of mass then joint Gaussian fits; "com": centre of mass only; false: integer peak positions. */
  refine?: "com" | "gaussian" | false;
  /** Number of sublattices to split the columns into (default 1); 0 = brightest. */
  sublattices?: number;
  /** Feature for the sublattice split: "contrast" (default: detection contrast of the smoothed image, robust) or "intensity" (fitted integrated intensity). */
  sublatticeFeature?: "contrast" | "intensity";
  /** Noise model of the Gaussian fit: "poisson" (counts), "gaussian" (uniform weights), or "auto" (poisson when all pixels are non-negative integers). */
  noise?: "poisson" | "gaussian" | "auto";
  /** Detection filter: "gaussian" smoothing (default) or "log" (Laplacian of Gaussian). */
  filter?: "gaussian" | "log";
  /** Smoothing σ for detection (pixels; 0: none, as Atomap after `pca`). Default min(σ, 0.2 × spacing). */
  smoothing?: number;
  /** Fit/centre-of-mass window radius (pixels). Default per atom: half the distance to its nearest neighbour, at most 3.5σ. */
  fitRadius?: number;
  /** Columns closer than this are fitted jointly (pixels). Default 3σ. */
  jointDistance?: number;
  /** Fit-window background: "constant" (default) or "plane" (for columns on a sloping support such as a nanoparticle). */
  background?: "constant" | "plane";
  /** Denoise before detection by keeping this many principal components of the image (its rank-`components` truncated SVD, as Atomap's `pca=True`, which keeps 22): the exact truncation (`pcaDenoise`, Lanczos: ~0.05 s at 504×479, ~0.3 s at 1024², ~0.9 s at 2048² for 22 components); default none. Refinement uses the raw pixels. */
  components?: number;
  /** @deprecated since 0.2: `components`. */
  denoise?: number;
  /** Fit elliptical, rotated Gaussians (default true, except where unresolved pairs were split: there round ones, see `estimateSpacing`'s `pairs`) or circular ones. */
  elliptical?: boolean;
  /** Significance (contrast over the filtered image's noise sd) required of columns found only on the background-subtracted image, i.e. on a sloping background such as a nanoparticle's edge (default 3 × snr, 18 when snr is adaptive; Infinity: no such pass; no such pass after `components` denoising, whose low-rank image has no white-noise sd to test against, nor where σ > spacing / 3, as for close pairs, whose flanks the background subtraction at σ = spacing / 2 would turn into maxima). */
  slopeSnr?: number;
  /** Ignore peaks this close to the image border (pixels, default 0). */
  excludeBorder?: number;
  /** Second pass for dim columns: subtract the fitted Gaussians of the columns found and search the residual (`dimColumnPeaks`; Atomap's "subtract the first sublattice, find the second"). Default: when clearly needed, i.e. when the first pass found fewer than 90 % of the columns that the lattice-averaged unit cell of `estimateSpacing` puts in the cells that the found columns occupy (`cellOccupancy`; needs the estimate: not when both `spacing` and `sigma` are given); true: always; false: never. Only with `refine` "gaussian" (the model it subtracts) and without `components`. What it adds is noted in `parameters.warnings`. */
  dimColumns?: boolean;
}

/** Default minimum distance between columns as a fraction of the nearest-neighbour spacing. */
const MIN_DISTANCE_FACTOR = 0.35;

/** Default significance of the slope pass ({@link FindAtomsOptions.slopeSnr}) as a multiple of `snr`. */
const SLOPE_SNR_FACTOR = 3;

/** The `snr` that the slope pass's default multiplies when `snr` is adaptive: the background-subtracted image turns support texture into maxima, which the white-noise statistics of the adaptive threshold do not describe, so the slope pass keeps the fixed 3 × 6 sd. */
const SLOPE_BASE_SNR = 6;

/** A slope-pass column's contrast on the background-subtracted image, at least this fraction of the median contrast there of the first-pass columns. */
const SLOPE_RELATIVE = 0.2;

/**
 * Second detection pass for columns on a sloping background (a nanoparticle's
 * thickness profile, a wedge): there a column is a shoulder, not a local
 * maximum, of the smoothed image, so the first pass misses it. The image minus
 * its Gaussian blur of σ = spacing/2 (`subtractBackground`) turns those
 * shoulders into maxima; the ones farther than `minDistance` from every
 * first-pass peak are added if their contrast reaches `snr` noise sd (stricter
 * than the first pass: support texture and edge noise become maxima there too)
 * and 0.2 × the median contrast there of the first-pass columns (at high dose the
 * subtraction's ripples between bright columns, ~6 % of their contrast on
 * dumbbells at 10⁵ e⁻/column, pass any noise test).
 * On a flat background the two passes find the same maxima.
 */
function slopeColumns(image: Image, first: Peaks, options: DetectOptions, spacing: number, snr: number): Peaks {
  if (!(snr < Infinity) || options.filter === "log" || !(spacing > 0) || Math.min(image.width, image.height) < 8) return first;
  const second = detectPeaks(subtractBackground(image, 0.5 * spacing), { ...options, snr, pixelNoise: first.pixelNoise });
  const grid = new PointGrid(first.x, first.y, Math.max(2, options.minDistance));
  const add: number[] = [];
  const coinciding: number[] = [];
  for (let i = 0; i < second.x.length; i++) (grid.within(second.x[i], second.y[i], options.minDistance).length === 0 ? add : coinciding).push(i);
  // Relative to the columns: the subtraction's ripples between bright columns (at high dose far above the noise) are a
  // few per cent of the columns' contrast there; a column on a slope is a column.
  const ref = coinciding.length ? quickselect(Float64Array.from(coinciding, (i) => second.prominence[i]), coinciding.length >> 1) : 0;
  for (let k = add.length - 1; k >= 0; k--) if (second.prominence[add[k]] < SLOPE_RELATIVE * ref) add.splice(k, 1);
  if (!add.length) return first;
  const cat = <T extends Int32Array | Float64Array>(a: T, b: T): T => { const o = new (a.constructor as { new (n: number): T })(a.length + add.length); o.set(a); add.forEach((i, k) => { o[a.length + k] = b[i]; }); return o; };
  return { ...first, x: cat(first.x, second.x), y: cat(first.y, second.y), value: cat(first.value, second.value), prominence: cat(first.prominence, second.prominence) };
}

/** Minimum distance of a dim column from every first-pass column, as a fraction of the nearest-neighbour spacing. */
const DIM_MIN_SEPARATION = 0.7;

/** The dim-column pass runs by default when the first pass found fewer than this fraction of the columns expected in the cells it occupies (`cellOccupancy`). */
const DIM_PASS_FRACTION = 0.9;

/**
 * Dim columns, Atomap-style (M. Nord et al., Adv. Struct. Chem. Imaging 3, 9,
 * 2017: find the bright sublattice, subtract its model, find the dim one):
 * the fitted Gaussians of the first pass (without their background) are
 * subtracted from the image and the residual is searched with the same
 * detection (its own adaptive threshold; the pixel noise sd `pixelNoise` of
 * the image, since the residual's level no longer measures it). A maximum counts as a new column
 * when it lies at least 0.7 × the nearest-neighbour spacing from every
 * first-pass column (a column is no closer to another than the spacing;
 * imperfect subtraction leaves its artefacts within ~2σ of the bright
 * columns). Dim B sites of a HAADF perovskite hide beside columns ten times
 * brighter: their contrast ring crosses the bright tails and the first pass's
 * threshold is set by the bright ones' noise. O(wh + n·window).
 */
function dimColumnPeaks(img: Image, state: GaussianState, options: DetectOptions, spacing: number, pixelNoise: number): Peaks {
  const { width: w, height: h } = img;
  const res = Float32Array.from(img.data);
  for (let i = 0; i < state.x.length; i++) {
    const a = state.pa[i], b = state.pb[i], c = state.pc[i], det = a * c - b * b, amp = state.amp[i];
    if (!(det > 0) || !(amp > 0) || !Number.isFinite(state.x[i] + state.y[i])) continue;
    const r = Math.ceil(4 * Math.sqrt(Math.max(a, c) / det));
    const cx = state.x[i], cy = state.y[i];
    for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(h - 1, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(w - 1, Math.ceil(cx + r)); x++) {
        const dx = x - cx, dy = y - cy;
        res[y * w + x] -= amp * Math.exp(-0.5 * (a * dx * dx + 2 * b * dx * dy + c * dy * dy));
      }
    }
  }
  const found = detectPeaks({ data: res, width: w, height: h }, { ...options, pixelNoise });
  const grid = new PointGrid(state.x, state.y, Math.max(2, spacing));
  const keep: number[] = [];
  for (let k = 0; k < found.x.length; k++) if (grid.within(found.x[k], found.y[k], DIM_MIN_SEPARATION * spacing).length === 0) keep.push(k);
  const pick = <T extends Int32Array | Float64Array>(a: T): T => { const o = new (a.constructor as { new (n: number): T })(keep.length); keep.forEach((k, j) => { o[j] = a[k]; }); return o; };
  return { ...found, x: pick(found.x), y: pick(found.y), value: pick(found.value), prominence: pick(found.prominence) };
}

/**
 * Fraction of the expected columns that were found, over the unit cells that
 * lie wholly inside the image and hold at least one found column: found ÷
 * (cells × sites per cell). Cells are cut where no site of the averaged cell
 * is near (the origin offset farthest from every site, on a 12 × 12 grid of
 * fractions), so each column falls in one cell. 1 when the lattice is
 * complete; ½ for a perovskite whose B sites were all missed; unaffected by a
 * crystal that fills only part of the image (a nanoparticle). O(n).
 */
function cellOccupancy(x: ArrayLike<number>, y: ArrayLike<number>, cell: NonNullable<SpacingEstimate["cell"]>, w: number, h: number): number {
  const { a1, a2, sites } = cell, det = a1[0] * a2[1] - a1[1] * a2[0];
  const wrap = (d: number) => d - Math.round(d);
  let ou = 0, ov = 0, far = -1;
  for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) {
    const u = i / 12, v = j / 12;
    const d = Math.min(...sites.map(([su, sv]) => Math.hypot(wrap(su - u) * Math.hypot(...a1), wrap(sv - v) * Math.hypot(...a2))));
    if (d > far) { far = d; ou = u; ov = v; }
  }
  const inside = (u: number, v: number) => { const px = u * a1[0] + v * a2[0], py = u * a1[1] + v * a2[1]; return px >= 0 && py >= 0 && px <= w - 1 && py <= h - 1; };
  const count = new Map<string, number>();
  for (let k = 0; k < x.length; k++) {
    const i = Math.floor((x[k] * a2[1] - y[k] * a2[0]) / det - ou), j = Math.floor((a1[0] * y[k] - a1[1] * x[k]) / det - ov);
    if (!inside(i + ou, j + ov) || !inside(i + 1 + ou, j + ov) || !inside(i + ou, j + 1 + ov) || !inside(i + 1 + ou, j + 1 + ov)) continue;
    const key = `${i},${j}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  if (!count.size) return NaN;
  let found = 0;
  for (const c of count.values()) found += Math.min(c, sites.length);
  return found / (count.size * sites.length);
}

/**
 * Maxima that are unresolved pairs, split: where the lattice-averaged cell of
 * `estimateSpacing` found columns to be pairs with no dip between them
 * (`pairs`), the smoothed image has one maximum per pair, near the pair's
 * centre (or, where noise or a shallow dip shows them, maxima near its
 * columns). Each maximum within half a pair's half-separation of a pair centre
 * or of one of its columns (periodically, in the cell `cell`) votes for that
 * pair's centre; votes within the half-separation are averaged, and each pair
 * is seeded as two peaks at ± its half vector, which the joint Gaussian fit
 * then refines (the two are closer than 3σ, so they are fitted together).
 * Other maxima are kept. Returns the peaks, the number of pairs seeded and
 * which peaks are seeds (1).
 * O(peaks · (pairs + seeded)).
 */
function splitPairs(peaks: Peaks, cell: NonNullable<SpacingEstimate["cell"]>, pairs: SpacingEstimate["pairs"]): { peaks: Peaks; split: number; seeded: Uint8Array } {
  const { a1, a2 } = cell, det = a1[0] * a2[1] - a1[1] * a2[0];
  // The centre of the pair that the maximum at (x, y) belongs to: the maximum itself when it lies within half the
  // half-separation of a pair's centre in the averaged cell (periodically), or ∓ the half vector when it lies as
  // near one of its columns (a shallow dip or noise shows the columns); null when neither.
  const centreOf = (x: number, y: number): { x: number; y: number; pair: SpacingEstimate["pairs"][number] } | null => {
    const u = (x * a2[1] - y * a2[0]) / det, v = (a1[0] * y - a1[1] * x) / det;
    for (const pair of pairs) {
      const du = u - pair.centre[0] - Math.round(u - pair.centre[0]), dv = v - pair.centre[1] - Math.round(v - pair.centre[1]);
      const dx = du * a1[0] + dv * a2[0], dy = du * a1[1] + dv * a2[1], r = 0.5 * Math.hypot(...pair.half);
      for (const sgn of [0, 1, -1]) if (Math.hypot(dx - sgn * pair.half[0], dy - sgn * pair.half[1]) < r) return { x: x - sgn * pair.half[0], y: y - sgn * pair.half[1], pair };
    }
    return null;
  };
  // Pairs: the centres voted for by one or more maxima, merged within the half-separation and averaged.
  const found: Array<{ x: number; y: number; n: number; k: number; pair: SpacingEstimate["pairs"][number] }> = [];
  const X: number[] = [], Y: number[] = [], V: number[] = [], P: number[] = [];
  for (let k = 0; k < peaks.x.length; k++) {
    const c = centreOf(peaks.x[k], peaks.y[k]);
    if (!c) { X.push(peaks.x[k]); Y.push(peaks.y[k]); V.push(peaks.value[k]); P.push(peaks.prominence[k]); continue; }
    const same = found.find((f) => Math.hypot(f.x / f.n - c.x, f.y / f.n - c.y) < Math.hypot(...c.pair.half));
    if (same) { same.x += c.x; same.y += c.y; same.n++; if (peaks.prominence[k] > peaks.prominence[same.k]) same.k = k; }
    else found.push({ x: c.x, y: c.y, n: 1, k, pair: c.pair });
  }
  const seeded = new Uint8Array(X.length + 2 * found.length).fill(1, X.length);
  for (const f of found) for (const sgn of [-1, 1]) {
    X.push(Math.round(f.x / f.n + sgn * f.pair.half[0])); Y.push(Math.round(f.y / f.n + sgn * f.pair.half[1]));
    V.push(peaks.value[f.k]); P.push(peaks.prominence[f.k]);
  }
  return { peaks: { ...peaks, x: Int32Array.from(X), y: Int32Array.from(Y), value: Float64Array.from(V), prominence: Float64Array.from(P) }, split: found.length, seeded };
}

/** The peaks of `a` followed by those of `b` (noise figures of `a`). */
function concatPeaks(a: Peaks, b: Peaks): Peaks {
  const cat = <T extends Int32Array | Float64Array>(p: T, q: T): T => { const o = new (p.constructor as { new (n: number): T })(p.length + q.length); o.set(p); o.set(q, p.length); return o; };
  return { ...a, x: cat(a.x, b.x), y: cat(a.y, b.y), value: cat(a.value, b.value), prominence: cat(a.prominence, b.prominence) };
}



/**
 * The table returned by {@link findAtoms}: one row per column, with columns
 * `x`, `y` (pixels; x = column), `sublattice` (0 = brightest),
 * `intensity` (integrated Gaussian volume 2πA·σ1σ2, image units × px²; the
 * background-subtracted window sum for "com"), `amplitude`, `background`,
 * `sigma` (geometric mean of the principal widths, px), `sigmaX`, `sigmaY`
 * (widths along x and y, px), `rotation` (major axis angle, degrees from +x
 * towards +y), `uncertaintyX`, `uncertaintyY` (1-sd positional uncertainty,
 * px: from the fit covariance scaled by χ²/dof for a kept Gaussian fit; for
 * a centre of mass, the pixel noise — variance ∝ value for `noise`
 * "poisson" (`propagationNoise`), `parameters.imageNoise`² for "gaussian" —
 * propagated to first order through it (`refineCenterOfMass`); for an integer peak,
 * √(1/12 + that²) at the peak, the 1/12 px² being the variance of the
 * pixel quantisation. On synthetic perovskites, 10²–10⁵ e⁻/column, the
 * centre-of-mass and integer-peak values are 0.74–1.10 × the RMS error
 * against the truth, tests/atoms/synthetic.test.ts. All are statistical:
 * white pixel noise only, no scan distortion or model bias — on the SrTiO3
 * HAADF EMD the A-site lattice's second-difference scatter, 0.7 px, is
 * mostly scan jitter and exceeds every mode's median), `uncertainty`
 * (√((σx²+σy²)/2)), `converged`
 * (1/0), `prominence` (detection strength). `parameters` records the
 * settings used.
 */
export type AtomTable = Table & { readonly parameters: FindAtomsParameters };

function validate(image: Image): void {
  if (!image || !(image.data instanceof Float32Array) || !Number.isInteger(image.width) || !Number.isInteger(image.height) || image.data.length !== image.width * image.height) {
    throw new TypeError("findAtoms(image): image must be an Image { data: Float32Array, width, height } with data.length = width*height (see makeImage / readImage)");
  }
  if (image.width < 3 || image.height < 3) {
    throw new RangeError(`findAtoms(image): image is ${image.width}×${image.height} pixels; at least 3×3 is needed to find a column`);
  }
}

/**
 * Find and refine every atomic column in an image.
 *
 * Non-finite pixels are replaced by the median for detection and excluded
 * from the fits (noted in `parameters.warnings`). A blank (constant) image,
 * a 1- or 2-pixel-wide image, and an image where no column is significant
 * are errors that say why and what to try (never an empty table).
 * `method: "deep"` runs the learned finder instead (`findAtomsDeep`, a U-Net
 * ensemble; its options are `FindAtomsDeepOptions`) and returns a Promise of
 * the same kind of table: `await findAtoms(image, { method: "deep" })`.
 * The classical finder returns the table directly (awaiting it is harmless).
 * Cost: O(wh log wh) for the scale estimate, O(wh·σ) filtering, and
 * O(n · window · iterations) for n columns.
 *
 * @example
 * const atoms = findAtoms(image, { sublattices: 2 });
 * atoms.numeric("x"); atoms.numeric("uncertainty");
 */
export function findAtoms(image: Image, options: FindAtomsDeepOptions & { method: "deep" }): Promise<DeepAtomTable>;
export function findAtoms(image: Image, options?: FindAtomsOptions): AtomTable;
export function findAtoms(image: Image, options: FindAtomsOptions | (FindAtomsDeepOptions & { method: "deep" }) = {}): AtomTable | Promise<DeepAtomTable> {
  checkChoice("findAtoms", "method", options.method, ["classical", "deep"] as const);
  if (options.method === "deep") {
    const { method: _deep, ...deepOptions } = options as FindAtomsDeepOptions & { method: "deep" };
    return findAtomsDeep(image, deepOptions);
  }
  return findClassical(image, options as FindAtomsOptions);
}

/** The classical pipeline of {@link findAtoms} (see the module comment). */
function findClassical(image: Image, options: FindAtomsOptions): AtomTable {
  options = renameOptions(options, { scale: "sigma", threshold: "thresholdRel", denoise: "components" }, "findAtoms");
  validate(image);
  const { width: w, height: h } = image;
  const warnings: string[] = [];
  const refineMode = checkChoice("findAtoms", "refine", options.refine, ["gaussian", "com", false] as const) ?? "gaussian";
  checkChoice("findAtoms", "sublatticeFeature", options.sublatticeFeature, ["contrast", "intensity"] as const);
  checkChoice("findAtoms", "noise", options.noise, ["poisson", "gaussian", "auto"] as const);
  checkChoice("findAtoms", "filter", options.filter, ["gaussian", "log"] as const);
  checkChoice("findAtoms", "background", options.background, ["constant", "plane"] as const);
  checkChoice("findAtoms", "elliptical", options.elliptical, [true, false] as const);
  const sigmaOpt = options.sigma;
  for (const [k, v] of Object.entries({ sigma: sigmaOpt, spacing: options.spacing, minDistance: options.minDistance, fitRadius: options.fitRadius, jointDistance: options.jointDistance })) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new RangeError(`findAtoms: options.${k} must be a positive number of pixels, got ${v}`);
  }
  if (options.smoothing !== undefined && !(Number.isFinite(options.smoothing) && options.smoothing >= 0)) throw new RangeError(`findAtoms: options.smoothing must be a number of pixels ≥ 0 (0: none), got ${options.smoothing}`);
  if (options.slopeSnr !== undefined && !(options.slopeSnr > 0)) throw new RangeError(`findAtoms: options.slopeSnr must be a positive number of noise sd (Infinity: no slope pass), got ${options.slopeSnr}`);
  if (options.thresholdRel !== undefined && !(options.thresholdRel >= 0 && options.thresholdRel <= 1)) throw new RangeError(`findAtoms: options.thresholdRel must be in [0, 1] (relative to the 95th-percentile prominence), got ${options.thresholdRel}`);
  const nSub = options.sublattices ?? 1;
  if (!Number.isInteger(nSub) || nSub < 1) throw new RangeError(`findAtoms: options.sublattices must be a positive integer, got ${nSub}`);

  // Non-finite pixels.
  let valid: Uint8Array | null = null;
  let data = image.data;
  // One pass: non-finite pixels, range, and whether the data are counts (non-negative integers).
  let nBad = 0, lo = Infinity, hi = -Infinity, allCounts = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v || v === Infinity || v === -Infinity) { nBad++; continue; }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (allCounts && (v < 0 || v !== Math.round(v))) allCounts = false;
  }
  if (nBad === data.length) throw new RangeError(`findAtoms(image): all ${data.length} pixels are NaN or infinite`);
  if (nBad) {
    valid = new Uint8Array(data.length);
    const finite: number[] = [];
    for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) { valid[i] = 1; finite.push(data[i]); }
    const med = Float64Array.from(finite).sort()[finite.length >> 1];
    data = Float32Array.from(data, (v) => (Number.isFinite(v) ? v : med));
    warnings.push(`${nBad} non-finite pixel(s) replaced by the median for detection and excluded from the fits`);
  }
  const img: Image = { data, width: w, height: h };
  const noiseModel = options.noise === undefined || options.noise === "auto" ? (allCounts ? "poisson" : "gaussian") : options.noise;
  const params: FindAtomsParameters = { sigma: NaN, spacing: NaN, minDistance: NaN, smoothing: NaN, snr: NaN, noise: noiseModel, refine: refineMode, sublatticeMethod: "none", sublatticeSeparation: NaN, imageNoise: NaN, width: w, height: h, warnings, ...(image.calibration ? { calibration: image.calibration } : {}) };
  if (!(hi > lo)) throw new RangeError(`findAtoms(image): the image is constant (every finite pixel is ${lo}): no columns to find`);

  // 1. Scale: the nearest-neighbour spacing (given, or estimated even when minDistance is given:
  // minDistance is the peak separation only) and the column width.
  let spacing = options.spacing ?? NaN, sigma = sigmaOpt ?? NaN;
  let cell: SpacingEstimate["cell"] = null;
  // Unresolved pairs of the averaged cell (only when the spacing is the estimate's).
  let pairs: SpacingEstimate["pairs"] = [];
  if (options.spacing === undefined || sigmaOpt === undefined) {
    try {
      const est = estimateSpacing(img);
      cell = est.cell;
      warnings.push(...est.warnings);
      if (!(spacing > 0)) { spacing = est.spacing; pairs = est.pairs; }
      // The autocorrelation's central peak is narrowed by pixel-correlated (scan) noise: keep σ within the range of real
      // images; the σ fitted to unresolved pairs is wider than that range by definition.
      if (!(sigma > 0)) sigma = pairs.length ? est.sigma : Math.min(Math.max(est.sigma, 0.12 * spacing), 0.3 * spacing);
    } catch (e) {
      const why = (e as Error).message.replace(/^estimateSpacing: /, "");
      if (!(spacing > 0) && options.minDistance === undefined) throw new RangeError(`findAtoms: could not estimate the column spacing (${why}); pass options.spacing (nearest-neighbour distance, px) and options.sigma`);
      if (!(spacing > 0)) { spacing = options.minDistance! / MIN_DISTANCE_FACTOR; warnings.push(`no lattice periodicity found: spacing set to minDistance / ${MIN_DISTANCE_FACTOR} = ${spacing.toFixed(2)} px (pass options.spacing)`); }
      if (!(sigma > 0)) { sigma = Math.max(0.5, 0.12 * spacing); warnings.push("no lattice periodicity found: sigma set to 0.12 × spacing (pass options.sigma)"); }
    }
  }
  const minDistance = options.minDistance ?? Math.max(1, MIN_DISTANCE_FACTOR * spacing);
  const smoothing = options.smoothing ?? Math.max(0.5, Math.min(sigma, 0.2 * spacing));
  Object.assign(params, { sigma, spacing, minDistance, smoothing });

  // 2. Detection (optionally on a low-rank denoised copy).
  if (options.components !== undefined && !(Number.isInteger(options.components) && options.components >= 1)) throw new RangeError(`findAtoms: options.components must be a positive integer (principal components kept), got ${options.components}`);
  const detImg = options.components ? pcaDenoise(img, options.components) : img;
  const detectOptions: DetectOptions = { minDistance, smoothing, filter: options.filter, snr: options.snr, noise: options.components ? "gaussian" : noiseModel, thresholdRel: options.thresholdRel, excludeBorder: options.excludeBorder, ringRadius: Math.max(1.5, 0.5 * spacing) };
  const first = detectPeaks(detImg, detectOptions);
  params.snr = first.threshold;
  const paired = cell && pairs.length ? splitPairs(first, cell, pairs) : { peaks: first, split: 0, seeded: new Uint8Array(0) };
  if (paired.split) warnings.push(`${paired.split} unresolved pairs (estimateSpacing's pairs) seeded from the maxima on them as two columns ${(2 * Math.hypot(...pairs[0].half)).toFixed(2)} px apart and fitted jointly${options.elliptical === undefined ? " with round Gaussians (the widths of two overlapping elliptical ones trade off against their positions)" : ""}`);
  // No slope pass where σ exceeds a third of the spacing (close pairs; the estimate's σ is at most 0.3 × spacing
  // otherwise): the background it removes, a blur of σ = spacing/2, would cut into the columns themselves and turn
  // their flanks into maxima.
  let peaks = slopeColumns(detImg, paired.peaks, detectOptions, spacing, options.components || 3 * sigma > spacing ? Infinity : options.slopeSnr ?? SLOPE_SNR_FACTOR * (options.snr ?? SLOPE_BASE_SNR));
  // Pixel noise of the input (the detection image's, unless that is a low-rank denoised copy).
  params.imageNoise = options.components ? estimateNoise(img) : peaks.imageNoise;
  if (peaks.x.length === 0) {
    throw new RangeError(`findAtoms: no columns found: none of the ${first.candidates} local maxima (separation ${minDistance.toFixed(1)} px, smoothing ${smoothing.toFixed(2)} px) reaches the significance threshold (${first.threshold.toFixed(1)} × the filtered image's noise sd ${first.noise.toPrecision(3)}${options.thresholdRel ? `, and thresholdRel ${options.thresholdRel}` : ""}); the nearest-neighbour spacing used was ${spacing.toFixed(2)} px${options.spacing === undefined && !warnings.some((m) => m.startsWith("no lattice periodicity")) ? " (estimated)" : ""}. Try: options.spacing (the true nearest-neighbour distance, px) and options.sigma, a lower options.snr, options.components (e.g. 22) to denoise, or options.filter "log"`);
  }
  checkChoice("findAtoms", "dimColumns", options.dimColumns, [true, false] as const);
  // Default: only where clearly needed, i.e. when the first pass found fewer than 90 % of the columns that the
  // lattice-averaged cell puts in the cells it occupies (dim columns beside bright ones were missed).
  const dimWanted = options.dimColumns ?? (cell !== null && cellOccupancy(peaks.x, peaks.y, cell, w, h) < DIM_PASS_FRACTION);
  const dimColumns = dimWanted && refineMode === "gaussian" && !options.components;
  const src: PixelSource = { data, width: w, height: h, valid };
  const pixelNoise = propagationNoise(img, noiseModel, params.imageNoise);
  // 3. Refinement of a set of detected peaks (run again when the dim-column pass adds some).
  const refineAll = (peaks: Peaks, notes: string[]) => {
    const n = peaks.x.length;
    // Per-atom window radius: half the distance to the nearest detected neighbour, ≤ 3.5σ, ≥ 1.5 px (the centre of
    // mass's); the Gaussian fit's is at least 1.25σ, since a neighbour closer than 3σ is fitted jointly (unresolved
    // pairs, closer than 2σ: a window smaller than σ would make every fit "leave its column").
    const grid0 = new PointGrid(peaks.x, peaks.y, Math.max(2, spacing));
    const radius = new Float64Array(n), near = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = grid0.nearest(peaks.x[i], peaks.y[i], 1, i);
      const dnn = r.distance.length ? r.distance[0] : 2 * spacing;
      near[i] = options.fitRadius ?? Math.max(1.5, Math.min(0.5 * dnn, 3.5 * sigma));
      radius[i] = options.fitRadius ?? Math.max(1.5, Math.min(Math.max(0.5 * dnn, 1.25 * sigma), 3.5 * sigma));
    }
    const comRadius = Float64Array.from(near, (r) => Math.max(1.5, Math.min(r, 2.5 * sigma)));
    const X: Float64Array = Float64Array.from(peaks.x), Y: Float64Array = Float64Array.from(peaks.y);
    const state: GaussianState = {
      x: X, y: Y, amp: new Float64Array(n), pa: new Float64Array(n).fill(1 / (sigma * sigma)), pb: new Float64Array(n), pc: new Float64Array(n).fill(1 / (sigma * sigma)),
      bg: new Float64Array(n), uncX: new Float64Array(n).fill(NaN), uncY: new Float64Array(n).fill(NaN), converged: new Uint8Array(n), fitted: new Uint8Array(n),
    };
    const intensity = new Float64Array(n);
    // Integer peaks: uniform quantisation within the pixel (sd 1/√12 per axis) combined with the
    // noise scatter of the column's location (centre-of-mass propagation in the window at the peak).
    const atPeak = refineCenterOfMass(src, peaks.x, peaks.y, comRadius, pixelNoise, 1);
    for (let i = 0; i < n; i++) {
      state.uncX[i] = Math.sqrt(1 / 12 + (atPeak.uncX[i] || 0) ** 2);
      state.uncY[i] = Math.sqrt(1 / 12 + (atPeak.uncY[i] || 0) ** 2);
    }
    if (refineMode !== false) {
      const com = refineCenterOfMass(src, peaks.x, peaks.y, comRadius, pixelNoise);
      // Keep COM only where it stayed near the peak, and not for the seeds of unresolved pairs (each window holds
      // half the partner, which pulls the centre of mass towards it).
      for (let i = 0; i < n; i++) if (!paired.seeded[i] && Math.hypot(com.x[i] - peaks.x[i], com.y[i] - peaks.y[i]) < 0.5 * near[i]) { X[i] = com.x[i]; Y[i] = com.y[i]; state.uncX[i] = com.uncX[i]; state.uncY[i] = com.uncY[i]; }
    }
    // Start values: background = window minimum, amplitude = nearest pixel − background.
    for (let i = 0; i < n; i++) {
      const r = radius[i], cx = X[i], cy = Y[i];
      const xa = Math.max(0, Math.ceil(cx - r)), xb = Math.min(w - 1, Math.floor(cx + r)), yb = Math.min(h - 1, Math.floor(cy + r));
      let mn = Infinity, sum = 0, cnt = 0;
      for (let y = Math.max(0, Math.ceil(cy - r)); y <= yb; y++) for (let x = xa; x <= xb; x++) {
        const dx = x - cx, dy = y - cy;
        if (dx * dx + dy * dy > r * r) continue;
        const v = data[y * w + x];
        if (v < mn) mn = v;
        sum += v; cnt++;
      }
      state.bg[i] = mn;
      state.amp[i] = Math.max(data[Math.round(Y[i]) * w + Math.round(X[i])] - mn, 1e-6 * (hi - lo));
      intensity[i] = sum - cnt * mn;
    }
    if (refineMode === "gaussian") {
      const reach = new Float64Array(n);
      for (let i = 0; i < n; i++) reach[i] = radius[i] + 4 * sigma;
      const maxReach = Math.max(...reach);
      const grid = new PointGrid(X, Y, Math.max(2, spacing));
      const neigh: number[][] = [];
      for (let i = 0; i < n; i++) neigh.push(grid.within(X[i], Y[i], Math.min(maxReach, reach[i] + 2)).filter((j) => j !== i));
      const start = { x: Float64Array.from(X), y: Float64Array.from(Y), amp: Float64Array.from(state.amp), bg: Float64Array.from(state.bg), pa: Float64Array.from(state.pa), pb: Float64Array.from(state.pb), pc: Float64Array.from(state.pc), uncX: Float64Array.from(state.uncX), uncY: Float64Array.from(state.uncY) };
      fitGaussians(src, state, (i) => neigh[i], { radius, jointDistance: options.jointDistance ?? 3 * sigma, weights: noiseModel === "poisson" ? "poisson" : "uniform", elliptical: options.elliptical ?? !paired.split, background: options.background });
      // A fit whose Gaussian outgrew its window (major-axis σ above the window radius) or whose centre
      // moved by more than half the radius modelled the background, not the column (weak columns on a
      // nanoparticle's thickness profile): keep the centre of mass and flag it.
      let left = 0;
      for (let i = 0; i < n; i++) {
        if (!state.fitted[i]) continue;
        if (!leftColumn(state.x[i], state.y[i], state.pa[i], state.pb[i], state.pc[i], start.x[i], start.y[i], radius[i])) continue;
        state.x[i] = start.x[i]; state.y[i] = start.y[i]; state.amp[i] = start.amp[i]; state.bg[i] = start.bg[i];
        state.pa[i] = start.pa[i]; state.pb[i] = start.pb[i]; state.pc[i] = start.pc[i];
        state.uncX[i] = start.uncX[i]; state.uncY[i] = start.uncY[i]; state.converged[i] = 0; state.fitted[i] = 0;
        left++;
      }
      if (left) notes.push(`${left} Gaussian fit(s) left their column (σ above the window radius or centre moved by more than half of it): centre of mass kept, converged = 0`);
      for (let i = 0; i < n; i++) {
        const det = state.pa[i] * state.pc[i] - state.pb[i] ** 2;
        if (state.fitted[i] && det > 0) intensity[i] = (2 * Math.PI * state.amp[i]) / Math.sqrt(det);
      }
      const failed = n - state.converged.reduce((s, v) => s + v, 0);
      if (failed) notes.push(`${failed} Gaussian fit(s) did not converge (flagged converged = 0)`);
    }
    return { state, intensity, n };
  };
  let notes: string[] = [];
  let { state, intensity, n } = refineAll(peaks, notes);
  // 4. Dim columns (Atomap-style: find the bright sublattice, subtract its fitted model, find the dim one).
  if (dimColumns) {
    const extra = dimColumnPeaks(img, state, detectOptions, spacing, first.pixelNoise);
    if (extra.x.length) {
      const all = concatPeaks(peaks, extra);
      notes = [`dim-column pass: ${extra.x.length} column(s) found on the image minus the fitted model of the first ${n}`];
      ({ state, intensity, n } = refineAll(all, notes));
      peaks = all;
    }
  }
  warnings.push(...notes);
  let X = state.x, Y = state.y;
  // Widths from the inverse covariance [[a, b], [b, c]].
  const sigmaX = new Float64Array(n), sigmaY = new Float64Array(n), sig = new Float64Array(n), rot = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = state.pa[i], b = state.pb[i], c = state.pc[i], det = a * c - b * b;
    const sxx = c / det, syy = a / det, sxy = -b / det;
    sigmaX[i] = Math.sqrt(sxx); sigmaY[i] = Math.sqrt(syy);
    sig[i] = Math.pow(det, -0.25);
    rot[i] = (0.5 * Math.atan2(2 * sxy, sxx - syy) * 180) / Math.PI;
    if (refineMode !== "gaussian") sigmaX[i] = sigmaY[i] = sig[i] = rot[i] = NaN;
  }
  const unc = Float64Array.from({ length: n }, (_, i) => Math.sqrt(0.5 * (state.uncX[i] ** 2 + state.uncY[i] ** 2)));
  // Sublattices.
  // Split on the detection contrast (filtered peak minus its ring: robust to noise and background) unless told otherwise.
  const feature = options.sublatticeFeature === "intensity" ? intensity : Float64Array.from(peaks.prominence);
  const split = splitSublattices(X, Y, feature, nSub);
  params.sublatticeMethod = split.method;
  params.sublatticeSeparation = split.separation;
  const t = table({
    x: Float64Array.from(X), y: Float64Array.from(Y), sublattice: split.labels, intensity, amplitude: Float64Array.from(state.amp), background: Float64Array.from(state.bg),
    sigma: sig, sigmaX, sigmaY, rotation: rot, uncertaintyX: Float64Array.from(state.uncX), uncertaintyY: Float64Array.from(state.uncY), uncertainty: unc,
    converged: refineMode === "gaussian" ? Uint8Array.from(state.converged) : new Uint8Array(n).fill(1), prominence: Float64Array.from(peaks.prominence),
  });
  return Object.assign(t, { parameters: params }) as AtomTable;
}
