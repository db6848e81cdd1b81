/**
 * Drift between scan lines, measured from a pair of scans of the same area
 * taken one after the other in opposite slow-scan directions (an "up" frame
 * then a "down" frame, as Nanonis' alternating scan records them), and the
 * drift-free image reconstructed from one scan.
 *
 * Why a pair: Gwyddion's "Compensate Drift" (modules/process/drift.c)
 * correlates each row of ONE image with its neighbours and integrates the
 * offsets. Neighbouring rows see different cross-sections of the features,
 * so each offset carries an error set by the structure, not the drift, and
 * the integration turns small systematic errors into large ones (our first
 * row-correlation attempt was biased by up to 1 px on a blob field); a
 * single frame also cannot tell drift from a sample that is really sheared.
 * In an up/down pair every sample line is scanned twice, at times that
 * differ by an amount that depends linearly on the row, so constant drift
 * turns into a relative affine distortion of one frame against the other
 * that is zero-mean in the structure (the approach of scan-pair drift
 * correction, e.g. Ophus, Ciston & Nelson, Ultramicroscopy 162, 1 (2016),
 * with opposite instead of orthogonal slow-scan directions).
 *
 * Model (pixels, time in scan lines = one trace + retrace): the sample's
 * features move by `velocity` [vx, vy] px per line relative to the scan
 * frame (x = column to the right, y = row downwards), so a frame reads
 * I(x, y) = S(x − vx·t(y), y − vy·t(y)) with t(y) the time row y was
 * scanned (an "up" frame scans its bottom row first). The time across one
 * line (≤ 1/w of a line per pixel) is neglected: it scales x by vx/(2w).
 */
import type { Image } from "../image/image";
import { gaussianFilter } from "../image/filters";
import { invert } from "../core/linalg";
import { checkChoice } from "../core/options";
import { checkImage } from "./level";

/** Slow-scan direction of a frame: "up" scans the bottom row first (Nanonis `SCAN_DIR up`), "down" the top row first. */
export type SlowScan = "up" | "down";
const SLOW: readonly SlowScan[] = ["up", "down"];

/** Options of {@link measureScanDrift}. */
export interface ScanDriftOptions {
  /** Slow-scan direction of the FIRST frame (default "up"); the second scans the other way. */
  first?: SlowScan;
  /** Largest accepted standard error of the drift accumulated over one frame (h lines), px, either axis (default 0.1). */
  tolerance?: number;
  /** Smallest accepted correlation between the second frame and the first one warped onto it (default 0.5). */
  minCorrelation?: number;
  /** Gauss–Newton iterations on the last level (σ = 1 px) at most (default 30; at most 20 on each coarser level). */
  maxIterations?: number;
}

/** The drift {@link measureScanDrift} found. */
export interface ScanDrift {
  /** [vx, vy]: px per scan line that the features move relative to the frame (x right, y down). */
  velocity: [number, number];
  /** Standard errors of velocity from the fit residuals (px per line). */
  standardError: [number, number];
  /** Correlation of the second frame with the first warped onto it, 0..1. */
  correlation: number;
}

/** Keys cubic convolution kernel (a = −0.5) and its derivative, t ≥ 0. */
function keys(t: number): number {
  return t <= 1 ? (1.5 * t - 2.5) * t * t + 1 : t < 2 ? ((-0.5 * t + 2.5) * t - 4) * t + 2 : 0;
}
function keysDerivative(t: number): number {
  return t <= 1 ? (4.5 * t - 5) * t : t < 2 ? (-1.5 * t + 5) * t - 4 : 0;
}

/**
 * Bicubic (Keys) value and gradient of `data` at (x, y) into out[0..2];
 * false outside [0, w−1] × [0, h−1] or on a NaN neighbour. Edge rows and
 * columns are repeated for the 4 × 4 support. @internal
 */
export function bicubic(data: Float32Array, w: number, h: number, x: number, y: number, out: Float64Array): boolean {
  if (!(x >= 0 && y >= 0 && x <= w - 1 && y <= h - 1)) return false;
  const ix = Math.max(0, Math.min(Math.floor(x), w - 2)), iy = Math.max(0, Math.min(Math.floor(y), h - 2));
  const fx = x - ix, fy = y - iy;
  const wx0 = keys(fx + 1), wx1 = keys(fx), wx2 = keys(1 - fx), wx3 = keys(2 - fx);
  const dx0 = keysDerivative(fx + 1), dx1 = keysDerivative(fx), dx2 = -keysDerivative(1 - fx), dx3 = -keysDerivative(2 - fx);
  const c0 = Math.max(0, ix - 1), c1 = ix, c2 = Math.min(w - 1, ix + 1), c3 = Math.min(w - 1, ix + 2);
  let v = 0, gx = 0, gy = 0;
  for (let j = 0; j < 4; j++) {
    const row = Math.min(h - 1, Math.max(0, iy + j - 1)) * w;
    const z0 = data[row + c0], z1 = data[row + c1], z2 = data[row + c2], z3 = data[row + c3];
    const s = wx0 * z0 + wx1 * z1 + wx2 * z2 + wx3 * z3;
    const sd = dx0 * z0 + dx1 * z1 + dx2 * z2 + dx3 * z3;
    const t = fy + 1 - j; // distance from row j of the support
    const wy = keys(Math.abs(t)), dy = t >= 0 ? keysDerivative(t) : -keysDerivative(-t);
    v += wy * s;
    gx += wy * sd;
    gy += dy * s;
  }
  if (v !== v) return false;
  out[0] = v; out[1] = gx; out[2] = gy;
  return true;
}

/**
 * Smoothing (Gaussian σ, px) of the coarse-to-fine levels. The last is not 0:
 * interpolating unsmoothed noise averages it by an amount that depends on
 * the fractional position, which biases the fit towards warps that land
 * between pixels (measured: −0.34 px over a 128-line frame at noise 20 % of
 * the feature height with σ = 0, within 0.05 px with σ = 1).
 */
const LEVELS = [4, 2, 1];

const P = 6; // parameters: a0, a1 (x' = x + a0 + a1·ỹ), b0, b1 (y' = yc + b0 + b1·ỹ), c0, c1 (level c0 + c1·ỹ)

/** One Gauss–Newton pass of the second frame against the first warped by p: normal matrix, gradient, residual sum of squares, count. */
function normalEquations(I1: Float32Array, I2: Float32Array, w: number, h: number, p: Float64Array): { G: Float64Array; g: Float64Array; rss: number; n: number; sgx: number; sgy: number } {
  const G = new Float64Array(P * P), g = new Float64Array(P), J = new Float64Array(P), s = new Float64Array(3);
  const yc = (h - 1) / 2;
  let rss = 0, n = 0, sgx = 0, sgy = 0;
  for (let y = 0; y < h; y++) {
    const t = y - yc;
    const ys = yc + p[2] + p[3] * t;
    for (let x = 0; x < w; x++) {
      const z = I2[y * w + x];
      if (z !== z || !bicubic(I1, w, h, x + p[0] + p[1] * t, ys, s)) continue;
      const r = s[0] + p[4] + p[5] * t - z;
      J[0] = s[1]; J[1] = s[1] * t; J[2] = s[2]; J[3] = s[2] * t; J[4] = 1; J[5] = t;
      for (let a = 0; a < P; a++) {
        g[a] += J[a] * r;
        for (let b = a; b < P; b++) G[a * P + b] += J[a] * J[b];
      }
      rss += r * r;
      sgx += s[1] * s[1];
      sgy += s[2] * s[2];
      n++;
    }
  }
  for (let a = 0; a < P; a++) for (let b = 0; b < a; b++) G[a * P + b] = G[b * P + a];
  return { G, g, rss, n, sgx, sgy };
}

/** √(1 − rss / Σ(z − mean)²) over the finite values z. */
function correlationOf(z: Float32Array, rss: number): number {
  let mean = 0, ss = 0, m = 0;
  for (const v of z) if (v === v) { mean += v; m++; }
  mean /= m;
  for (const v of z) if (v === v) ss += (v - mean) ** 2;
  return Math.sqrt(Math.max(0, 1 - rss / ss));
}

function checkCorrelation(fn: string, correlation: number, min: number): void {
  if (!(correlation >= min)) throw new RangeError(`${fn}: the second frame matches the warped first one with correlation ${correlation.toFixed(3)} (< options.minCorrelation ${min}): not two scans of one area, or noise only; drift cannot be measured`);
}

/**
 * Measure constant drift from two frames of the same area scanned one after
 * the other with opposite slow-scan directions (`options.first`: the first
 * frame's direction, default "up"; both frames in the readers' orientation,
 * row 0 at the top). Level both first (levelPlane / alignRows): a level
 * difference c0 + c1·y between the frames is fitted, nothing else.
 *
 * Method: the second frame is matched by least squares (Gauss–Newton,
 * Lucas–Kanade style, bicubic interpolation with its exact gradient) to the
 * first warped by x' = x + a0 + a1·y, y' = b0 + b1·y, the map constant drift
 * produces between opposite scans, on copies smoothed with σ = 4, 2 and
 * finally 1 px (see LEVELS: unsmoothed noise biases the fit); the standard
 * errors use the frames' own residual variance. The velocity follows from a1 and b1
 * (vx = −a1/(s(1+b1)), vy = (1−b1)/(s(1+b1)), s = +1 when the first frame
 * is "up"). The frame-to-frame offset (a0, b0) absorbs any pause between
 * the frames. No peak interpolation, so no pull towards whole pixels.
 *
 * Refuses (RangeError naming the reason) instead of returning a wrong
 * number when: the frames carry no structure along x or y (flat, or stripes
 * along one axis); the fit does not converge; the warped first frame
 * correlates with the second below `minCorrelation` (different areas, noise
 * only); the standard error of the drift over one frame exceeds `tolerance`
 * px. Returns `{ velocity, standardError, correlation }`; correct either
 * frame with {@link correctScanDrift}. Cost: O(w·h) per iteration (16 taps
 * per pixel), a few tens of iterations.
 *
 * @example
 *   const { velocity } = measureScanDrift(upFrame, downFrame);      // px per line
 *   const { image } = correctScanDrift(upFrame, velocity, { slowScan: "up" });
 */
export function measureScanDrift(first: Image, second: Image, options: ScanDriftOptions = {}): ScanDrift {
  const fn = "measureScanDrift";
  checkImage(fn, first);
  checkImage(fn, second);
  const { width: w, height: h } = first;
  if (second.width !== w || second.height !== h) throw new RangeError(`${fn}: the frames differ in size (${w} × ${h} and ${second.width} × ${second.height}); they must be scans of the same frame`);
  if (w < 8 || h < 8) throw new RangeError(`${fn}: frames of ${w} × ${h} pixels are too small to measure drift (at least 8 × 8)`);
  const s = (checkChoice(fn, "first", options.first, SLOW) ?? "up") === "up" ? 1 : -1;
  const tolerance = options.tolerance ?? 0.1;
  if (!(tolerance > 0)) throw new RangeError(`${fn}: options.tolerance must be > 0 px, got ${options.tolerance}`);
  const minCorrelation = options.minCorrelation ?? 0.5;
  if (!(minCorrelation >= 0 && minCorrelation < 1)) throw new RangeError(`${fn}: options.minCorrelation must be in [0, 1), got ${options.minCorrelation}`);
  const maxIterations = options.maxIterations ?? 30;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new RangeError(`${fn}: options.maxIterations must be a positive integer, got ${options.maxIterations}`);

  const p = Float64Array.from([0, 0, 0, 1, 0, 0]);
  let G: Float64Array = new Float64Array(P * P);
  for (const sigma of LEVELS) {
    const final = sigma === LEVELS[LEVELS.length - 1];
    const I1 = gaussianFilter(first, sigma).data;
    const I2 = gaussianFilter(second, sigma).data;
    let converged = false;
    for (let it = 0; it < (final ? maxIterations : Math.min(20, maxIterations)) && !converged; it++) {
      const { G, g, n, sgx, sgy } = normalEquations(I1, I2, w, h, p);
      if (n < (w * h) / 4) throw new RangeError(`${fn}: the frames overlap on only ${n} of ${w * h} pixels at the drift tried; they are not two scans of one area (or the drift exceeds a quarter of the frame)`);
      const tiny = 1e-9 * (sgx + sgy);
      if (!(sgx > tiny && sgy > tiny)) throw new RangeError(`${fn}: the frames carry no structure along ${!(sgx > tiny) && !(sgy > tiny) ? "x or y (flat)" : !(sgx > tiny) ? "x (the fast axis: features constant along rows)" : "y (the slow axis: features constant along columns)"}; drift cannot be measured`);
      const inv = invert(G, P);
      if (!inv) throw new RangeError(`${fn}: the drift parameters are not determined by these frames (singular normal equations)`);
      let step = 0;
      for (let a = 0; a < P; a++) {
        let d = 0;
        for (let b = 0; b < P; b++) d -= inv[a * P + b] * g[b];
        p[a] += d;
        if (a < 4) step = Math.max(step, Math.abs(d) * (a % 2 ? h / 2 : 1)); // px at the frame's edge
      }
      if (!p.every(Number.isFinite)) throw new RangeError(`${fn}: the fit diverged; the frames are not two scans of one area`);
      converged = step < 1e-4;
    }
    if (!converged && final) throw new RangeError(`${fn}: the fit did not converge in ${maxIterations} iterations; raise options.maxIterations, or the frames are not two scans of one area`);
    const at = normalEquations(I1, I2, w, h, p);
    // Smoothing only raises the correlation of two scans of one area: refuse early when even the smoothed frames do not match.
    checkCorrelation(fn, correlationOf(I2, at.rss), minCorrelation);
    G = at.G;
  }
  // Covariance of the smoothed fit: white noise of variance σ² (the residual
  // variance of the frames themselves) smoothed by a kernel of unit sum gives
  // Var(Jᵀr) ≈ σ²·JᵀJ for gradients smooth over the kernel, so cov ≈ σ²·(JᵀJ)⁻¹
  // with J from the smoothed frames (checked by repeated noise draws).
  const raw = normalEquations(first.data, second.data, w, h, p);
  const inv = invert(G, P);
  if (!inv) throw new RangeError(`${fn}: the drift parameters are not determined by these frames (singular normal equations)`);
  const correlation = correlationOf(second.data, raw.rss);
  checkCorrelation(fn, correlation, minCorrelation);
  const sigma2 = raw.rss / Math.max(1, raw.n - P);
  const [a1, b1] = [p[1], p[3]];
  const q = s * (1 + b1);
  const vx = -a1 / q, vy = (1 - b1) / q;
  // Delta method: gradients of (vx, vy) with respect to (a1, b1).
  const gx = [-1 / q, (a1 * s) / (q * q)], gy = [0, (-2 * s) / (q * q)];
  const cov = (i: number, j: number): number => sigma2 * inv[i * P + j];
  const se = (d: number[]): number => Math.sqrt(d[0] * d[0] * cov(1, 1) + 2 * d[0] * d[1] * cov(1, 3) + d[1] * d[1] * cov(3, 3));
  const standardError: [number, number] = [se(gx), se(gy)];
  const worst = Math.max(...standardError) * h;
  if (!(worst <= tolerance)) throw new RangeError(`${fn}: the drift over one frame is uncertain by ±${worst.toFixed(3)} px (standard error; options.tolerance ${tolerance} px): too little structure or too much noise to measure it`);
  return { velocity: [vx, vy], standardError, correlation };
}

/** Options of {@link correctScanDrift}. */
export interface CorrectScanDriftOptions {
  /** Slow-scan direction of `image` (required: "up" scans the bottom row first, "down" the top row first). */
  slowScan: SlowScan;
}

/**
 * Undo constant drift `velocity` ([vx, vy] px per scan line, as
 * {@link measureScanDrift} gives it) in one frame: resample it (bicubic,
 * Keys) onto the sample as it was when the frame's middle row was scanned,
 * so straight sample edges come out straight and the frame's scale along y
 * is restored. Pixels whose source lies outside the frame are NaN.
 * Returns `{ image, sourceRow, shift }`: for each output row, the input row
 * (fractional) it was taken from and the x shift applied (px; output
 * column u reads input column u + shift). O(w·h).
 */
export function correctScanDrift(image: Image, velocity: [number, number], options: CorrectScanDriftOptions): { image: Image; sourceRow: Float64Array; shift: Float64Array } {
  const fn = "correctScanDrift";
  checkImage(fn, image);
  if (!Array.isArray(velocity) || velocity.length !== 2 || !velocity.every(Number.isFinite)) throw new TypeError(`${fn}: velocity must be [vx, vy] (finite px per line), got ${JSON.stringify(velocity)}`);
  const slow = checkChoice(fn, "slowScan", options?.slowScan, SLOW);
  if (slow === undefined) throw new TypeError(`${fn}: options.slowScan is required ("up" or "down"): the order the rows were scanned in`);
  const beta = slow === "up" ? -1 : 1; // t(y) − t(middle) = beta·(y − yc)
  const [vx, vy] = velocity;
  if (!(Math.abs(vy) < 1)) throw new RangeError(`${fn}: |vy| must be < 1 px per line, got ${vy}`);
  const { width: w, height: h, data } = image;
  const yc = (h - 1) / 2;
  const out = new Float32Array(w * h), sourceRow = new Float64Array(h), shift = new Float64Array(h), s = new Float64Array(3);
  for (let r = 0; r < h; r++) {
    const y = yc + (r - yc) / (1 - vy * beta);
    const dx = vx * beta * (y - yc);
    sourceRow[r] = y;
    shift[r] = dx;
    for (let u = 0; u < w; u++) out[r * w + u] = bicubic(data, w, h, u + dx, y, s) ? s[0] : NaN;
  }
  const img: Image = { data: out, width: w, height: h };
  if (image.calibration) img.calibration = { ...image.calibration };
  return { image: img, sourceRow, shift };
}
