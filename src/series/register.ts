/**
 * Rigid registration of images and series by (phase) cross-correlation
 * with sub-pixel accuracy: the integer peak of the cross-power spectrum's
 * inverse transform, refined by a matrix-multiply DFT upsampled around it
 * (M. Guizar-Sicairos, S. T. Thurman, J. R. Fienup, "Efficient subpixel
 * image registration algorithms", Opt. Lett. 33, 156 (2008)), as
 * scikit-image's `phase_cross_correlation`. Frames are shifted by the
 * Fourier shift theorem (as scipy.ndimage.fourier_shift).
 *
 * Defaults chosen for atomic-resolution frames, measured on synthetic
 * lattice series (tests/series/register.test.ts): phase normalisation
 * weights every frequency alike, so on a lattice (signal in a few Bragg
 * peaks) under shot noise it follows the noise (errors of 0.4-1 px at 1000
 * e⁻/column); plain cross-correlation ("none") weights the Bragg peaks by
 * their power. A Hann window (mean removed first) stops the periodic-edge
 * discontinuity from pulling the peak to zero shift; the window's own pull
 * is removed by registering once more after moving the frame back by the
 * first estimate. { normalization: "phase", window: "none" } is
 * scikit-image's arithmetic exactly.
 *
 * Sign convention (x = column, y = row, pixels): a displacement [dx, dy]
 * says that content at (x, y) in the reference is at (x + dx, y + dy) in
 * the moving image, i.e. the drift; scikit-image reports the opposite
 * (the shift that registers the moving image) in (row, column) order.
 */
import type { Image } from "../image/image";
import { fft2dInPlace, fftFreq, type ComplexImage } from "../image/fft";
import { checkChoice } from "../core/options";
import { seriesOf, type Series } from "./series";
import { tileGrid, tileOf, warpImage, type TileGrid } from "./warp";

/** Options of {@link phaseCorrelation}. */
export interface PhaseCorrelationOptions {
  /** Sub-pixel precision 1/upsampleFactor pixels (default 100; 1 = integer pixels only). */
  upsampleFactor?: number;
  /**
   * Look for the correlation peak only within `radius` pixels (per axis) of
   * this displacement [dx, dy]: resolves the lattice-period ambiguity of
   * periodic images when a prediction is known (`alignSeries` uses it).
   */
  near?: [number, number];
  /** Half-width of the `near` search window, pixels (default 3). */
  radius?: number;
  /** "none" (default): plain cross-correlation; "phase": each frequency divided by its magnitude (scikit-image's default). */
  normalization?: "none" | "phase";
  /** "hann" (default): mean removed and a Hann window applied, then one refinement pass (see the module comment); "none": the images as periodic. */
  window?: "hann" | "none";
}

/** A displacement found by phase correlation. */
export interface PhaseCorrelation {
  /** [dx, dy]: content at (x, y) in the reference is at (x + dx, y + dy) in the moving image, pixels. */
  shift: [number, number];
  /** Height of the normalised correlation peak, 0..1 (1: the images are shifted copies). */
  peak: number;
}

/** The 2-D FFT of an image; with `window`, of (image − mean) × Hann(x) × Hann(y). */
function spectrum(image: Image, window = false): ComplexImage {
  const W = image.width, H = image.height, n = W * H;
  const re = Float64Array.from(image.data);
  if (window) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += re[i];
    mean /= n;
    const hx = Float64Array.from({ length: W }, (_, x) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (x + 0.5)) / W));
    for (let y = 0; y < H; y++) {
      const hy = 0.5 - 0.5 * Math.cos((2 * Math.PI * (y + 0.5)) / H);
      for (let x = 0; x < W; x++) re[y * W + x] = (re[y * W + x] - mean) * hx[x] * hy;
    }
  }
  return fft2dInPlace({ re, im: new Float64Array(n), width: W, height: H });
}

/** ref · conj(mov), with `phase` divided by its magnitude (floored at 100 ε, as scikit-image). */
function crossPower(a: ComplexImage, b: ComplexImage, phase: boolean): ComplexImage {
  const n = a.re.length, re = new Float64Array(n), im = new Float64Array(n);
  const floor = 100 * Number.EPSILON;
  for (let k = 0; k < n; k++) {
    const pr = a.re[k] * b.re[k] + a.im[k] * b.im[k];
    const pi = a.im[k] * b.re[k] - a.re[k] * b.im[k];
    const m = phase ? Math.max(Math.hypot(pr, pi), floor) : 1;
    re[k] = pr / m;
    im[k] = pi / m;
  }
  return { re, im, width: a.width, height: a.height };
}

/**
 * Σ_k P[ky, kx] e^{2πi (kx·x_u/W + ky·y_v/H)} at x_u = sx + (u − c)/f,
 * y_v = sy + (v − c)/f for u, v < r: the inverse DFT of P on an r × r grid
 * of spacing 1/f around (sx, sy) (scikit-image's `_upsampled_dft` of the
 * conjugate, conjugated). |value|² for each point, row-major [v, u].
 * Cost O(r·W·H + r²·H).
 */
function upsampledMagnitude(P: ComplexImage, sx: number, sy: number, r: number, f: number, c: number): Float64Array {
  const { width: W, height: H } = P;
  const tr = new Float64Array(H * r), ti = new Float64Array(H * r);
  const er = new Float64Array(W), ei = new Float64Array(W);
  for (let u = 0; u < r; u++) {
    const x = sx + (u - c) / f;
    for (let kx = 0; kx < W; kx++) {
      const a = 2 * Math.PI * fftFreq(kx, W) * x;
      er[kx] = Math.cos(a);
      ei[kx] = Math.sin(a);
    }
    for (let ky = 0; ky < H; ky++) {
      let sr = 0, si = 0;
      const o = ky * W;
      for (let kx = 0; kx < W; kx++) {
        const pr = P.re[o + kx], pi = P.im[o + kx];
        sr += pr * er[kx] - pi * ei[kx];
        si += pr * ei[kx] + pi * er[kx];
      }
      tr[ky * r + u] = sr;
      ti[ky * r + u] = si;
    }
  }
  const out = new Float64Array(r * r);
  const fr = new Float64Array(H), fi = new Float64Array(H);
  for (let v = 0; v < r; v++) {
    const y = sy + (v - c) / f;
    for (let ky = 0; ky < H; ky++) {
      const a = 2 * Math.PI * fftFreq(ky, H) * y;
      fr[ky] = Math.cos(a);
      fi[ky] = Math.sin(a);
    }
    for (let u = 0; u < r; u++) {
      let sr = 0, si = 0;
      for (let ky = 0; ky < H; ky++) {
        const a = tr[ky * r + u], b = ti[ky * r + u];
        sr += a * fr[ky] - b * fi[ky];
        si += a * fi[ky] + b * fr[ky];
      }
      out[v * r + u] = sr * sr + si * si;
    }
  }
  return out;
}

/** Signed wrap of an index k of n to (−n/2, n/2] as scikit-image: k > fix(n/2) → k − n. */
function signed(k: number, n: number): number {
  return k > Math.trunc(n / 2) ? k - n : k;
}

function checkUpsample(fn: string, f: number | undefined): number {
  if (f === undefined) return 100;
  if (!Number.isFinite(f) || f < 1) throw new RangeError(`${fn}: options.upsampleFactor must be a number ≥ 1, got ${f}`);
  return f;
}

/** How two images are compared (see the module comment). */
interface Method { f: number; phase: boolean; window: boolean; radius: number }

/** A frame ready to be registered: its pixels and its (windowed) spectrum. */
interface Prepared { image: Image; spec: ComplexImage; power: number }

function prepare(image: Image, m: Method): Prepared {
  const spec = spectrum(image, m.window);
  let power = 0;
  for (let k = 0; k < spec.re.length; k++) power += spec.re[k] * spec.re[k] + spec.im[k] * spec.im[k];
  return { image, spec, power };
}

/**
 * One registration of two spectra (see `phaseCorrelation`), in
 * scikit-image's sign (the shift that registers `mov` with `ref`) as
 * [col, row], and the normalised peak (|cc| over its Cauchy–Schwarz bound).
 */
function estimate(ref: Prepared, mov: Prepared, m: Method, near: [number, number] | undefined, radius: number): { s: [number, number]; peak: number } {
  const { width: W, height: H } = ref.spec;
  const P = crossPower(ref.spec, mov.spec, m.phase);
  const bound = m.phase ? W * H : Math.sqrt(ref.power * mov.power) || 1;
  const cc = fft2dInPlace({ re: P.re.slice(), im: P.im.slice(), width: W, height: H }, true);
  let best = -1, bx = 0, by = 0;
  const consider = (x: number, y: number) => {
    const k = y * W + x, v = cc.re[k] * cc.re[k] + cc.im[k] * cc.im[k];
    if (v > best) { best = v; bx = x; by = y; }
  };
  if (near) {
    // registering shift = −displacement
    const cx = Math.round(-near[0]), cy = Math.round(-near[1]);
    const rx = Math.min(radius, (W - 1) >> 1), ry = Math.min(radius, (H - 1) >> 1);
    for (let dy = -ry; dy <= ry; dy++) for (let dx = -rx; dx <= rx; dx++) consider((((cx + dx) % W) + W) % W, (((cy + dy) % H) + H) % H);
  } else {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) consider(x, y);
  }
  let sx = signed(bx, W), sy = signed(by, H);
  let value = Math.sqrt(best) * W * H; // the inverse FFT divided by W·H
  if (m.f > 1) {
    sx = Math.round(sx * m.f) / m.f;
    sy = Math.round(sy * m.f) / m.f;
    const r = Math.ceil(m.f * 1.5), c = Math.trunc(r / 2);
    const mag = upsampledMagnitude(P, sx, sy, r, m.f, c);
    let k = 0;
    for (let i = 1; i < mag.length; i++) if (mag[i] > mag[k]) k = i;
    sx += ((k % r) - c) / m.f;
    sy += (Math.floor(k / r) - c) / m.f;
    value = Math.sqrt(mag[k]);
  }
  return { s: [sx, sy], peak: Math.min(1, value / bound) };
}

/**
 * The displacement [dx, dy] of `mov` relative to `ref` (see `phaseCorrelation`).
 * With a window: a coarse estimate (to 1/10 px), then the full-precision one
 * after moving `mov` back by it, which removes the window's pull towards
 * zero shift (the pull scales with the shift left).
 */
function displacement(ref: Prepared, mov: Prepared, m: Method, near: [number, number] | undefined): { d: [number, number]; peak: number } {
  if (!m.window) {
    const e = estimate(ref, mov, m, near, m.radius);
    return { d: [-e.s[0] + 0, -e.s[1] + 0], peak: e.peak };
  }
  const c = estimate(ref, mov, { ...m, f: Math.min(m.f, 10) }, near, m.radius);
  const back = prepare(fourierShift(mov.image, [c.s[0], c.s[1]]), m);
  const r = estimate(ref, back, m, [0, 0], 1);
  return { d: [-c.s[0] - r.s[0] + 0, -c.s[1] - r.s[1] + 0], peak: r.peak };
}

function checkPair(fn: string, a: Image, b: Image): void {
  for (const [name, im] of [["reference", a], ["moving", b]] as const) {
    if (!im || !(im.data instanceof Float32Array) || im.data.length !== im.width * im.height || im.width < 2 || im.height < 2) {
      throw new TypeError(`${fn}: ${name} must be an Image of at least 2×2 pixels`);
    }
  }
  if (a.width !== b.width || a.height !== b.height) throw new RangeError(`${fn}: images of different sizes: reference ${a.width}×${a.height}, moving ${b.width}×${b.height}`);
}

/** The registration method from the options shared by `phaseCorrelation` and `alignSeries`. */
function method(fn: string, options: { upsampleFactor?: number; radius?: number; normalization?: string; window?: string }): Method {
  const radius = options.radius ?? 3;
  if (!Number.isInteger(radius) || radius < 0) throw new RangeError(`${fn}: options.radius must be a non-negative integer, got ${radius}`);
  const phase = (checkChoice(fn, "normalization", options.normalization, ["none", "phase"] as const) ?? "none") === "phase";
  const window = (checkChoice(fn, "window", options.window, ["hann", "none"] as const) ?? "hann") === "hann";
  return { f: checkUpsample(fn, options.upsampleFactor), phase, window, radius };
}

/**
 * The rigid displacement of `moving` relative to `reference` by
 * cross-correlation (default) or phase correlation, to 1/upsampleFactor
 * pixel (Guizar-Sicairos et al. 2008). With { normalization: "phase",
 * window: "none" } the arithmetic is scikit-image
 * `phase_cross_correlation`'s (whose result is −shift, in [row, col]
 * order); the defaults (no normalisation, Hann window, one refinement)
 * suit noisy lattice images (see the module comment).
 * Cost: 2 forward and 1 inverse FFT of the image plus O(r·W·H) for the
 * upsampled DFT (r = ⌈1.5·upsampleFactor⌉); with the window 4 FFTs more.
 *
 * @example
 *   const { shift } = phaseCorrelation(frame0, frame5); // [dx, dy] drift, pixels
 */
export function phaseCorrelation(reference: Image, moving: Image, options: PhaseCorrelationOptions = {}): PhaseCorrelation {
  const fn = "phaseCorrelation";
  checkPair(fn, reference, moving);
  const m = method(fn, options);
  if (options.near !== undefined && !(Array.isArray(options.near) && options.near.length === 2 && options.near.every(Number.isFinite))) {
    throw new TypeError(`${fn}: options.near must be [dx, dy] (finite pixels), got ${JSON.stringify(options.near)}`);
  }
  const { d, peak } = displacement(prepare(reference, m), prepare(moving, m), m, options.near);
  return { shift: d, peak };
}

/**
 * `image` moved by [dx, dy] pixels (content at (x, y) goes to (x + dx, y + dy)),
 * by the Fourier shift theorem: exact for band-limited periodic images;
 * content leaving one edge re-enters at the other. Cost: 2 FFTs.
 */
export function fourierShift(image: Image, shift: [number, number]): Image {
  const { width: W, height: H } = image;
  const c = spectrum(image);
  const [dx, dy] = shift;
  for (let ky = 0; ky < H; ky++) {
    const py = -2 * Math.PI * fftFreq(ky, H) * dy;
    for (let kx = 0; kx < W; kx++) {
      const a = py - 2 * Math.PI * fftFreq(kx, W) * dx, cr = Math.cos(a), ci = Math.sin(a), k = ky * W + kx;
      const re = c.re[k], im = c.im[k];
      c.re[k] = re * cr - im * ci;
      c.im[k] = re * ci + im * cr;
    }
  }
  fft2dInPlace(c, true);
  const out: Image = { data: Float32Array.from(c.re), width: W, height: H };
  if (image.calibration) out.calibration = { ...image.calibration };
  return out;
}

/** Options of {@link alignSeries}. */
export interface AlignSeriesOptions {
  /** Sub-pixel precision 1/upsampleFactor pixels (default 100). */
  upsampleFactor?: number;
  /**
   * "first" (default): every frame registered to frame 0, the peak searched
   * within `radius` px of the drift predicted by chaining consecutive frames
   * (no lattice-period jumps, no accumulated error); "previous": consecutive
   * frames registered and the shifts summed (for series whose content changes
   * too much for frame 0 to be a reference; errors add up as √frames).
   */
  reference?: "first" | "previous";
  /** Half-width of the search window around the predicted drift, pixels (default 3; reference "first"). */
  radius?: number;
  /** As `phaseCorrelation`: "none" (default) or "phase". */
  normalization?: "none" | "phase";
  /** As `phaseCorrelation`: "hann" (default) or "none". */
  window?: "hann" | "none";
  /**
   * Non-rigid correction after the rigid one: each rigidly aligned frame is
   * cut into `tiles` × `tiles` half-overlapping tiles (default 4), each tile
   * registered against the same tile of frame 0 (within 2 px), and the
   * frame resampled through the field interpolated between tile centres
   * (bilinear). For slowly varying distortion (scan distortion, specimen
   * bending); a tile needs several unit cells.
   */
  nonRigid?: { tiles?: number };
}

/** What {@link alignSeries} returns. */
export interface AlignedSeries {
  /** One [dx, dy] per frame, pixels (x = column): the drift of frame i relative to frame 0 ([0, 0] for frame 0). */
  shifts: number[][];
  /** Normalised correlation peak of each frame's registration, 0..1 (1 for frame 0); low values flag frames that did not match. */
  peaks: number[];
  /** The frames moved back by their shifts (Fourier shift, computed when a frame is read; edges wrap around). */
  series: Series;
  /** The rectangle every aligned frame covers with real content (x, y, width, height in pixels; crop to it). */
  valid: { x: number; y: number; width: number; height: number };
  /**
   * With `nonRigid`: the tile centres (pixels) and, per frame, the residual
   * displacement [dx, dy] of each tile (index ty·tiles + tx) after the rigid
   * shift, relative to frame 0 (all [0, 0] for frame 0).
   */
  nonRigid?: { centers: { x: number[]; y: number[] }; shifts: number[][][] };
}

/**
 * Rigid drift correction of a series by sub-pixel cross-correlation (see
 * `phaseCorrelation`; Guizar-Sicairos et al. 2008, as scikit-image
 * `phase_cross_correlation`). Returns the drift of every frame relative to
 * frame 0 and the aligned series, whose frames are shifted back (Fourier
 * shift) when read, so nothing is held in memory.
 * Measured (tests/series/register.test.ts): 128² square lattice (a = 12 px)
 * with vacancies, 1000 e⁻/column, drift up to ±4 px: error < 0.05 px; with
 * `nonRigid` (4 × 4 tiles) a shear of up to ±1 px is measured to 0.1 px at
 * the tile centres.
 * Cost: one pass over the series; per frame about 6 FFTs of the frame and
 * one upsampled DFT (O(1.5·upsampleFactor·W·H)).
 *
 * @example
 *   const { shifts, series: aligned } = await alignSeries(movie);
 *   shifts[9]; // [dx, dy] of frame 9, pixels
 */
export async function alignSeries(series: Series, options: AlignSeriesOptions = {}): Promise<AlignedSeries> {
  const fn = "alignSeries";
  if (!series || typeof series.frame !== "function" || !Number.isInteger(series.length)) throw new TypeError(`${fn}: series must be a Series (from readSeries or makeSeries)`);
  const m = method(fn, options);
  const mode = checkChoice(fn, "reference", options.reference, ["first", "previous"] as const) ?? "first";
  const grid = options.nonRigid ? nonRigidGrid(fn, series, options.nonRigid) : undefined;
  const first = prepare(series.frame(0), m);
  const shifts: number[][] = [[0, 0]];
  const peaks = [1];
  let prev = first;
  for (let i = 1; i < series.length; i++) {
    const cur = prepare(series.frame(i), m);
    const last = shifts[i - 1];
    let d: [number, number], peak: number;
    if (mode === "previous") {
      const step = displacement(prev, cur, m, undefined);
      d = [last[0] + step.d[0], last[1] + step.d[1]];
      peak = step.peak;
    } else {
      // the chained whole-pixel step predicts where to look against frame 0
      const e = estimate(prev, cur, { ...m, f: 1 }, undefined, m.radius);
      ({ d, peak } = displacement(first, cur, m, [last[0] - e.s[0], last[1] - e.s[1]]));
    }
    shifts.push(d);
    peaks.push(peak);
    prev = cur;
  }
  const fields = grid ? tileShifts(series, shifts, grid, m) : undefined;
  const xs = shifts.map((s) => s[0]), ys = shifts.map((s) => s[1]);
  const x0 = Math.max(0, Math.ceil(-Math.min(...xs))), x1 = Math.min(series.width, Math.floor(series.width - Math.max(...xs)));
  const y0 = Math.max(0, Math.ceil(-Math.min(...ys))), y1 = Math.min(series.height, Math.floor(series.height - Math.max(...ys)));
  const aligned = seriesOf(fn, {
    length: series.length, width: series.width, height: series.height, source: `${series.source} aligned`,
    calibration: series.calibration, times: series.times, timeUnit: series.timeUnit, warnings: series.warnings.slice(),
    read: (i) => {
      const s = shifts[i];
      const img = series.frame(i);
      const rigid = s[0] === 0 && s[1] === 0 ? img : fourierShift(img, [-s[0], -s[1]]);
      return grid && fields ? warpImage(rigid, grid, fields[i]) : rigid;
    },
    close: () => series.close(),
  });
  const out: AlignedSeries = { shifts, peaks, series: aligned, valid: { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) } };
  if (grid && fields) out.nonRigid = { centers: { x: grid.cx.slice(), y: grid.cy.slice() }, shifts: fields };
  return out;
}

/** The tile grid of `nonRigid`, checked: at least 2 tiles per side, tiles of at least 16 px. */
function nonRigidGrid(fn: string, series: Series, o: { tiles?: number }): TileGrid {
  const n = o.tiles ?? 4;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`${fn}: options.nonRigid.tiles must be an integer ≥ 2, got ${n}`);
  const g = tileGrid(series.width, series.height, n);
  if (Math.min(...g.size) < 16) throw new RangeError(`${fn}: options.nonRigid.tiles = ${n} gives tiles of ${g.size[0]}×${g.size[1]} px on ${series.width}×${series.height} frames; tiles need at least 16 px (use fewer tiles)`);
  return g;
}

/** Per frame, the displacement of each tile of the rigidly aligned frame relative to frame 0's tile (one pass). */
function tileShifts(series: Series, shifts: number[][], g: TileGrid, m: Method): number[][][] {
  const f0 = series.frame(0);
  const tm: Method = { ...m, radius: 2 };
  const refs: Prepared[] = [];
  for (let ty = 0; ty < g.n; ty++) for (let tx = 0; tx < g.n; tx++) refs.push(prepare(tileOf(f0, g, tx, ty), tm));
  const out: number[][][] = [refs.map(() => [0, 0])];
  for (let i = 1; i < series.length; i++) {
    const rigid = fourierShift(series.frame(i), [-shifts[i][0], -shifts[i][1]]);
    const field: number[][] = [];
    for (let ty = 0; ty < g.n; ty++) for (let tx = 0; tx < g.n; tx++) field.push(displacement(refs[ty * g.n + tx], prepare(tileOf(rigid, g, tx, ty), tm), tm, [0, 0]).d);
    out.push(field);
  }
  return out;
}
