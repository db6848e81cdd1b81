/**
 * Per-atom classes of the deep finder's columns (`findAtomsDeep`, column
 * `class`): "host", "dopant" (a column brighter or dimmer than the columns of
 * its own sublattice: substitutional Z-contrast) and "vacancy" (a lattice
 * site with no column, or a much weaker one), each with a class probability.
 *
 * Pipeline (README.md, "Classes"):
 *  1. the lattice: the two shortest translations that map most found columns
 *     onto found columns (`latticeTranslations`); translations, not
 *     neighbour bonds, so that a site's peers are columns of its own
 *     sublattice on every lattice (perovskite A and B, both honeycomb sites,
 *     both columns of a dumbbell);
 *  2. sites: every found column, and every vacancy candidate, a site one
 *     translation away from a found column where no column was found,
 *     merged over the columns that predict it (`siteFeatures`);
 *  3. per site, 9 dimensionless features from the raw pixels: its aperture
 *     intensity against the median of its up to 8 peers (ratio over the local
 *     background, difference in noise sd, and the ratio's deviation in units
 *     of the image's median relative peer spread), the peers' contrast in
 *     noise sd (a dose proxy) and relative spread, how many peers and opposite
 *     peer pairs exist, whether the detector found it and its
 *     probability-map value;
 *  4. a small multilayer perceptron (`models/classes.ts`, trained by
 *     scripts/train-atom-classes.mjs on `synth` ground truth) gives the three
 *     class probabilities (`classifySites`).
 * A column without a lattice (too few columns, no translation that most
 * columns share, e.g. noise), with fewer than 2 peers or within half a
 * spacing of the image edge is "unknown" with
 * class probability NaN. x = column, y = row, pixels of the input image.
 */
import type { Image } from "../../image/image";
import { PointGrid } from "../grid";
import { quickselect } from "../../core/select";
import type { PixelNoise } from "../refine";
import { CLASS_MODEL as SHIPPED_CLASS_MODEL } from "./models/classes";

/** Class names, in the order of the model's outputs. */
export const ATOM_CLASSES = ["host", "dopant", "vacancy"] as const;
export type AtomClass = (typeof ATOM_CLASSES)[number];

/** Number of features per site (`siteFeatures`), the classifier's input width. */
export const SITE_FEATURES = 9;

/** Two lattice translations (pixels) and the fraction of found columns each maps onto a found column. */
export interface LatticeTranslations {
  t1: [number, number];
  t2: [number, number];
  score: [number, number];
}

/** Fewest found columns for a lattice: fewer cannot show two translations shared by most of them. */
const MIN_LATTICE_COLUMNS = 8;
/** Fraction of the found columns a translation must map onto found columns: at least this (random points reach ~0.15) ... */
const MIN_TRANSLATION_SCORE = 0.4;
/** ... and at least this fraction of the best candidate's (vacancies, missed columns and a particle's edge lower every translation's alike; a basis vector such as honeycomb A→B reaches only half of a translation's). */
const RELATIVE_TRANSLATION_SCORE = 0.7;
/** Matching tolerance of a predicted site, in nearest-neighbour spacings. */
const SITE_TOLERANCE = 0.3;
/** Columns and vacancy sites closer than this many spacings to the image edge are not classified (a column cut by the edge looks dimmer or, found off its centre, brighter than its peers). */
const EDGE = 0.5;
/** No found column within this many spacings of a predicted site: a vacancy candidate. */
const EMPTY_RADIUS = 0.45;

/**
 * The lattice of a set of found columns: the shortest translation t1 and the
 * shortest non-collinear t2 (angle ≥ 17°) that each map at least 40 % of the
 * columns, and at least 0.7 × the best candidate's fraction, onto a column
 * (within 0.3 spacing) of the same intensity. Candidates
 * are the modes of the 2-D histogram of neighbour vectors up to 3.2 spacings
 * (bins of 0.15 spacing, folded onto a half-plane), refined as the mean of the
 * vectors within 0.3 spacing; "the same intensity": the median |value
 * difference| of the pairs a candidate matches is at most 2 × the smallest
 * over the candidates (those matching at least max(5, n/4) pairs), so that a vector between two sublattices that form one
 * point lattice (perovskite A and B along [001]) is not taken for a
 * translation. Null when there are fewer than 8 columns or no such pair.
 * `value`: per-column intensity (any unit); `spacing`: nearest-neighbour
 * distance, px. O(n · neighbours).
 */
export function latticeTranslations(x: Float64Array, y: Float64Array, value: Float64Array, spacing: number, width: number, height: number): LatticeTranslations | null {
  const n = x.length;
  if (n < MIN_LATTICE_COLUMNS) return null;
  const grid = new PointGrid(x, y, spacing);
  const R = 3.2 * spacing, bin = 0.15 * spacing, nb = Math.ceil(R / bin);
  const hx = 2 * nb + 1, hist = new Float64Array(hx * (nb + 1));
  const vx: number[] = [], vy: number[] = [];
  const stride = Math.max(1, Math.floor(n / 400));
  for (let i = 0; i < n; i += stride) {
    for (const j of grid.within(x[i], y[i], R)) {
      let dx = x[j] - x[i], dy = y[j] - y[i];
      if (j === i || Math.hypot(dx, dy) < 0.5 * spacing) continue;
      if (dy < 0 || (dy === 0 && dx < 0)) { dx = -dx; dy = -dy; }
      vx.push(dx); vy.push(dy);
      hist[Math.round(dy / bin) * hx + Math.round(dx / bin) + nb]++;
    }
  }
  // Modes: bins that are the maximum of their 3×3 neighbourhood, with at least a tenth of the sampled columns.
  const sampled = Math.ceil(n / stride), cand: Array<[number, number, number, number, number]> = [];
  for (let by = 0; by <= nb; by++) for (let bx = 0; bx < hx; bx++) {
    const c = hist[by * hx + bx];
    if (c < Math.max(3, 0.1 * sampled)) continue;
    let isMax = true;
    for (let dy = -1; dy <= 1 && isMax; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = by + dy, xx = bx + dx;
      if ((dx || dy) && yy >= 0 && yy <= nb && xx >= 0 && xx < hx && hist[yy * hx + xx] > c) { isMax = false; break; }
    }
    if (!isMax) continue;
    const cx = (bx - nb) * bin, cy = by * bin;
    let sx = 0, sy = 0, k = 0;
    for (let m = 0; m < vx.length; m++) if (Math.hypot(vx[m] - cx, vy[m] - cy) <= SITE_TOLERANCE * spacing) { sx += vx[m]; sy += vy[m]; k++; }
    if (k) cand.push([sx / k, sy / k, ...translationScore(grid, x, y, value, sx / k, sy / k, spacing, width, height)]);
  }
  const top = Math.max(0, ...cand.map((c) => c[2]));
  const shared = cand.filter((c) => c[2] >= MIN_TRANSLATION_SCORE && c[2] >= RELATIVE_TRANSLATION_SCORE * top && c[4] >= Math.max(5, 0.25 * n));
  const least = Math.min(...shared.map((c) => c[3]));
  const good = shared.filter((c) => c[3] <= 2 * least).sort((a, b) => Math.hypot(a[0], a[1]) - Math.hypot(b[0], b[1]));
  if (!good.length) return null;
  const a = good[0], la = Math.hypot(a[0], a[1]);
  const b = good.find((c) => Math.abs(a[0] * c[1] - a[1] * c[0]) / (la * Math.hypot(c[0], c[1])) > 0.3);
  if (!b) return null;
  return { t1: [a[0], a[1]], t2: [b[0], b[1]], score: [a[2], b[2]] };
}

/** Fraction of the columns whose translate by (tx, ty) lies inside the image and within 0.3 spacing of a column, the median |value difference| of those pairs, and their number (over every column up to 2000, else an even sample of about 2000). */
function translationScore(grid: PointGrid, x: Float64Array, y: Float64Array, value: Float64Array, tx: number, ty: number, spacing: number, w: number, h: number): [number, number, number] {
  const tol = SITE_TOLERANCE * spacing, diff: number[] = [];
  let tried = 0;
  const stride = x.length > 2000 ? Math.floor(x.length / 2000) : 1;
  for (let i = 0; i < x.length; i += stride) {
    const px = x[i] + tx, py = y[i] + ty;
    if (px < tol || py < tol || px > w - 1 - tol || py > h - 1 - tol) continue;
    tried++;
    const j = closest(grid, px, py, tol);
    if (j >= 0 && Number.isFinite(value[i] - value[j])) diff.push(Math.abs(value[i] - value[j]));
  }
  return tried && diff.length ? [diff.length / tried, median(diff), diff.length * stride] : [0, Infinity, 0];
}

/** Index of the point of `grid` nearest to (px, py) within r, or −1. */
function closest(grid: PointGrid, px: number, py: number, r: number): number {
  let best = -1, bd = Infinity;
  for (const j of grid.within(px, py, r)) {
    const d = (grid.x[j] - px) ** 2 + (grid.y[j] - py) ** 2;
    if (d < bd) { bd = d; best = j; }
  }
  return best;
}

/** The 8 peer offsets of a site: ±t1, ±t2, ±(t1 + t2), ±(t1 − t2), opposite offsets adjacent. */
function peerOffsets(t: LatticeTranslations): Array<[number, number]> {
  const [a, b] = [t.t1, t.t2];
  const out: Array<[number, number]> = [];
  for (const [ox, oy] of [a, b, [a[0] + b[0], a[1] + b[1]], [a[0] - b[0], a[1] - b[1]]]) out.push([ox, oy], [-ox, -oy]);
  return out;
}

/** What {@link siteFeatures} measures on. */
export interface SiteInput {
  /** Raw image (non-finite pixels already replaced) and its validity mask (null: all valid). */
  image: Image;
  valid: Uint8Array | null;
  /** Found columns, px. */
  x: Float64Array;
  y: Float64Array;
  /** 1-sd position uncertainty of the found columns, px (used for the vacancy sites' uncertainty). */
  uncertainty: Float64Array;
  /** Nearest-neighbour spacing, px. */
  spacing: number;
  /** Pixel noise: Var(pixel) = max(gain · value, floor). */
  noise: PixelNoise;
  /** The detector's column-probability map at the input's pixels. */
  probabilityMap: Image;
}

/** Sites to classify: the found columns (rows 0..n−1, in their order), then the vacancy candidates. */
export interface Sites {
  lattice: LatticeTranslations | null;
  x: Float64Array;
  y: Float64Array;
  /** 1 for a found column, 0 for a vacancy candidate. */
  detected: Uint8Array;
  /** Peers found (0–8): columns one translation away. */
  peers: Uint8Array;
  /** Position uncertainty, px: the found column's, or for a candidate the sd of its predictions over √(predictions), at least the predicting columns' median uncertainty. */
  uncertainty: Float64Array;
  /** Row-major features, SITE_FEATURES per site (see the module comment). */
  features: Float32Array;
}

/**
 * The sites of a found lattice and their features (module comment, steps
 * 1–3). Vacancy candidates are sites one peer offset from a found column,
 * inside the image by 0.5 spacing, with no found column within 0.45 spacing,
 * predicted by at least 2 columns and with at least one opposite pair of
 * peers (not past the edge of a particle); predictions within 0.3 spacing
 * are merged. Without a lattice only the found columns are returned.
 * Cost: O(sites · spacing²).
 */
export function siteFeatures(input: SiteInput): Sites {
  const { image, x, y, spacing } = input;
  const { width: w, height: h } = image;
  const n = x.length;
  const ra = Math.max(1, 0.25 * spacing);
  const columnAperture = Float64Array.from(x, (_, i) => apertureMean(input, x[i], y[i], ra));
  const lattice = latticeTranslations(x, y, columnAperture, spacing, w, h);
  const sx = Array.from(x), sy = Array.from(y), unc = Array.from(input.uncertainty);
  const det: number[] = new Array(n).fill(1);
  const grid = new PointGrid(x, y, spacing);
  const tol = SITE_TOLERANCE * spacing;
  if (lattice) {
    const offs = peerOffsets(lattice), margin = EDGE * spacing;
    const px: number[] = [], py: number[] = [], from: number[] = [];
    for (let i = 0; i < n; i++) for (const [ox, oy] of offs) {
      const cx = x[i] + ox, cy = y[i] + oy;
      if (cx < margin || cy < margin || cx > w - 1 - margin || cy > h - 1 - margin) continue;
      if (closest(grid, cx, cy, EMPTY_RADIUS * spacing) >= 0) continue;
      px.push(cx); py.push(cy); from.push(i);
    }
    // Merge predictions of the same site (greedy, in order).
    const pg = new PointGrid(px, py, spacing), used = new Uint8Array(px.length);
    for (let k = 0; k < px.length; k++) {
      if (used[k]) continue;
      const group = pg.within(px[k], py[k], tol).filter((m) => !used[m]);
      group.forEach((m) => (used[m] = 1));
      if (new Set(group.map((m) => from[m])).size < 2) continue;
      let mx = 0, my = 0;
      for (const m of group) { mx += px[m]; my += py[m]; }
      mx /= group.length; my /= group.length;
      const has = (k: number) => closest(grid, mx + offs[k][0], my + offs[k][1], tol) >= 0;
      if (![0, 2, 4, 6].some((k) => has(k) && has(k + 1))) continue;
      let v = 0;
      for (const m of group) v += (px[m] - mx) ** 2 + (py[m] - my) ** 2;
      const u = Float64Array.from(group, (m) => input.uncertainty[from[m]]);
      const uMed = quickselect(u, u.length >> 1);
      sx.push(mx); sy.push(my); det.push(0);
      unc.push(Math.max(uMed, Math.sqrt(v / (2 * Math.max(1, group.length - 1)) / group.length)));
    }
  }
  const m = sx.length;
  const features = new Float32Array(m * SITE_FEATURES), peers = new Uint8Array(m);
  const aperture = Float64Array.from(sx, (_, i) => (i < n ? columnAperture[i] : apertureMean(input, sx[i], sy[i], ra)));
  const apVar = Float64Array.from(sx, (_, i) => apertureVariance(input, sx[i], sy[i], ra));
  const offs = lattice ? peerOffsets(lattice) : [];
  for (let i = 0; i < m; i++) {
    const pa: number[] = [], pv: number[] = [], occupied: boolean[] = [];
    for (const [ox, oy] of offs) {
      const j = closest(grid, sx[i] + ox, sy[i] + oy, tol);
      occupied.push(j >= 0);
      if (j >= 0) { pa.push(aperture[j]); pv.push(apVar[j]); }
    }
    peers[i] = pa.length;
    let opposite = 0;
    for (let k = 0; k < occupied.length; k += 2) if (occupied[k] && occupied[k + 1]) opposite++;
    const f = features.subarray(i * SITE_FEATURES, (i + 1) * SITE_FEATURES);
    f[6] = det[i];
    f[7] = bilinear(input.probabilityMap, sx[i], sy[i]);
    f[4] = pa.length / 8;
    f[5] = opposite / 4;
    if (pa.length < 2) continue;
    const med = median(pa), varMed = (Math.PI / 2) * median(pv) / pa.length;
    const bg = localBackground(input, sx[i], sy[i], 1.5 * spacing);
    const dev = pa.map((v) => Math.abs(v - med));
    const sdA = Math.sqrt(apVar[i] + varMed), sdP = Math.sqrt(median(pv));
    const contrast = med - bg;
    f[0] = clamp(contrast > 0 ? (aperture[i] - bg) / contrast : 0, -1, 3);
    f[1] = clamp(sdA > 0 ? (aperture[i] - med) / sdA : 0, -20, 20) / 5;
    f[2] = Math.log10(1 + Math.max(0, sdP > 0 ? contrast / sdP : 0));
    f[3] = clamp(contrast > 0 ? (1.4826 * median(dev)) / contrast : 2, 0, 2);
  }
  // The ratio's deviation from 1 in units of the image's typical relative peer spread (pooled over every site: noise
  // whatever its source, no noise model).
  const spreads: number[] = [];
  for (let i = 0; i < m; i++) if (peers[i] >= 2) spreads.push(features[i * SITE_FEATURES + 3]);
  const spread = spreads.length ? median(spreads) : 0;
  for (let i = 0; i < m; i++) if (peers[i] >= 2 && spread > 0) features[i * SITE_FEATURES + 8] = clamp((features[i * SITE_FEATURES] - 1) / spread, -20, 20) / 5;
  return { lattice, x: Float64Array.from(sx), y: Float64Array.from(sy), detected: Uint8Array.from(det), peers, uncertainty: Float64Array.from(unc), features };
}

const clamp = (v: number, lo: number, hi: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : 0);
const median = (v: number[]) => quickselect(Float64Array.from(v), v.length >> 1);

/** Mean of the valid pixels within r of (cx, cy); NaN when there are none. */
function apertureMean(input: SiteInput, cx: number, cy: number, r: number): number {
  const k = diskValues(input, cx, cy, r);
  let s = 0;
  for (let i = 0; i < k; i++) s += disk[i];
  return k ? s / k : NaN;
}

/** Variance of {@link apertureMean} under the pixel noise model. */
function apertureVariance(input: SiteInput, cx: number, cy: number, r: number): number {
  const k = diskValues(input, cx, cy, r), { gain, floor } = input.noise;
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.max(gain * disk[i], floor);
  return k ? s / (k * k) : NaN;
}

/** 10th percentile of the valid pixels within r of (cx, cy): the local background under the lattice. */
function localBackground(input: SiteInput, cx: number, cy: number, r: number): number {
  const k = diskValues(input, cx, cy, r);
  return k ? quickselect(disk.subarray(0, k), Math.floor(0.1 * (k - 1))) : NaN;
}

/** Scratch buffer of {@link diskValues}. */
let disk = new Float64Array(1024);

/** The valid pixels within r of (cx, cy), copied to `disk` in raster order; returns their number. */
function diskValues(input: SiteInput, cx: number, cy: number, r: number): number {
  const { data, width: w, height: h } = input.image, valid = input.valid;
  const need = (2 * Math.ceil(r) + 1) ** 2;
  if (disk.length < need) disk = new Float64Array(need);
  let k = 0;
  for (let py = Math.max(0, Math.ceil(cy - r)); py <= Math.min(h - 1, Math.floor(cy + r)); py++) {
    for (let px = Math.max(0, Math.ceil(cx - r)); px <= Math.min(w - 1, Math.floor(cx + r)); px++) {
      const j = py * w + px;
      if ((px - cx) ** 2 + (py - cy) ** 2 <= r * r && (!valid || valid[j])) disk[k++] = data[j];
    }
  }
  return k;
}

function bilinear(img: Image, x: number, y: number): number {
  const { data, width: w, height: h } = img;
  const X = Math.min(w - 1, Math.max(0, x)), Y = Math.min(h - 1, Math.max(0, y));
  const x0 = Math.min(w - 2, Math.floor(X)), y0 = Math.min(h - 2, Math.floor(Y)), fx = X - x0, fy = Y - y0;
  if (x0 < 0 || y0 < 0) return data[Math.round(Y) * w + Math.round(X)];
  return (data[y0 * w + x0] * (1 - fx) + data[y0 * w + x0 + 1] * fx) * (1 - fy) + (data[(y0 + 1) * w + x0] * (1 - fx) + data[(y0 + 1) * w + x0 + 1] * fx) * fy;
}

/** A trained class model: feature standardisation and dense layers (ReLU between, softmax at the end). */
export interface ClassModel {
  /** What generated it (script, seed, data). */
  generatedBy: string;
  classes: readonly string[];
  featureMean: number[];
  featureSd: number[];
  /** Dense layers: `kernel` row-major [inputs × units], `bias` [units]. */
  layers: Array<{ units: number; kernel: number[]; bias: number[] }>;
}

/** The shipped class model (models/classes.ts), checked against ClassModel here. */
const CLASS_MODEL: ClassModel = SHIPPED_CLASS_MODEL;

/**
 * Class probabilities of sites (rows × 3, in ATOM_CLASSES order) from the
 * multilayer perceptron `model` (default: the shipped one, models/classes.ts).
 * Plain JavaScript, O(rows · weights).
 */
export function classifySites(features: Float32Array, model: ClassModel = CLASS_MODEL): Float32Array {
  const F = model.featureMean.length, rows = features.length / F, last = model.layers.length - 1, C = model.layers[last].units;
  const width = Math.max(F, ...model.layers.map((l) => l.units));
  let a = new Float64Array(width), b = new Float64Array(width);
  const out = new Float32Array(rows * C);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < F; k++) a[k] = (features[r * F + k] - model.featureMean[k]) / model.featureSd[k];
    let inputs = F;
    for (let li = 0; li <= last; li++) {
      const { units, kernel, bias } = model.layers[li];
      for (let u = 0; u < units; u++) {
        let s = bias[u];
        for (let k = 0; k < inputs; k++) s += a[k] * kernel[k * units + u];
        b[u] = li < last ? Math.max(0, s) : s;
      }
      const t = a; a = b; b = t;
      inputs = units;
    }
    let mx = -Infinity, z = 0;
    for (let c = 0; c < C; c++) mx = Math.max(mx, a[c]);
    for (let c = 0; c < C; c++) z += Math.exp(a[c] - mx);
    for (let c = 0; c < C; c++) out[r * C + c] = Math.exp(a[c] - mx) / z;
  }
  return out;
}

/** Classes of the found columns and the vacancy sites (`atomClasses`). */
export interface AtomClasses {
  /** Per found column: "host", "dopant", "vacancy" (a found column much weaker than its peers) or "unknown". */
  columnClass: string[];
  /** Probability of that class (NaN for "unknown"). */
  columnProbability: Float64Array;
  /** Vacancy sites where no column was found: position (px), probability of "vacancy", position uncertainty (px). */
  vacancies: { x: Float64Array; y: Float64Array; probability: Float64Array; uncertainty: Float64Array };
  /** The lattice found (null: none, every column "unknown"). */
  lattice: LatticeTranslations | null;
}

/**
 * Classify the found columns and add the vacancy sites (module comment):
 * each column gets the most probable class and its probability; a vacancy
 * candidate becomes a vacancy row when "vacancy" is its most probable class.
 * `lattice: false` (e.g. columns not significant on the raw pixels) marks
 * every column "unknown" without looking for a lattice.
 */
export function atomClasses(input: SiteInput, options: { model?: ClassModel; lattice?: boolean } = {}): AtomClasses {
  const n = input.x.length;
  const unknown = (): AtomClasses => ({
    columnClass: new Array(n).fill("unknown"), columnProbability: new Float64Array(n).fill(NaN),
    vacancies: { x: new Float64Array(0), y: new Float64Array(0), probability: new Float64Array(0), uncertainty: new Float64Array(0) }, lattice: null,
  });
  if (options.lattice === false) return unknown();
  const sites = siteFeatures(input);
  if (!sites.lattice) return unknown();
  const p = classifySites(sites.features, options.model), C = ATOM_CLASSES.length;
  const best = (i: number) => { let c = 0; for (let k = 1; k < C; k++) if (p[i * C + k] > p[i * C + c]) c = k; return c; };
  const columnClass: string[] = [], columnProbability = new Float64Array(n).fill(NaN);
  const { width: w, height: h } = input.image, edge = EDGE * input.spacing;
  for (let i = 0; i < n; i++) {
    const x = input.x[i], y = input.y[i];
    if (sites.peers[i] < 2 || x < edge || y < edge || x > w - 1 - edge || y > h - 1 - edge) { columnClass.push("unknown"); continue; }
    const c = best(i);
    columnClass.push(ATOM_CLASSES[c]);
    columnProbability[i] = p[i * C + c];
  }
  const vac: number[] = [];
  for (let i = n; i < sites.x.length; i++) if (sites.peers[i] >= 2 && ATOM_CLASSES[best(i)] === "vacancy") vac.push(i);
  return {
    columnClass, columnProbability, lattice: sites.lattice,
    vacancies: {
      x: Float64Array.from(vac, (i) => sites.x[i]), y: Float64Array.from(vac, (i) => sites.y[i]),
      probability: Float64Array.from(vac, (i) => p[i * C + 2]), uncertainty: Float64Array.from(vac, (i) => sites.uncertainty[i]),
    },
  };
}
