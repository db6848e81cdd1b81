/**
 * Drift between scan lines and between frames.
 *
 * - measureScanDrift / correctScanDrift: CONSTANT drift from a pair of scans
 *   of the same area taken one after the other in opposite slow-scan
 *   directions (an "up" frame then a "down" frame, as Nanonis' alternating
 *   scan records them), and the drift-free image reconstructed from one scan.
 * - measureDriftCurve / correctDriftCurve: drift that CHANGES IN TIME
 *   (settling after the approach, piezo creep) as a polynomial in scan time,
 *   from three or more frames scanned alternately up and down; all frames
 *   corrected onto one reference.
 * - measureRowDrift / correctRowDrift: x drift within ONE frame by
 *   row-neighbourhood matching, as Gwyddion's "Compensate Drift", with its
 *   limits stated.
 *
 * Why pairs and sequences: Gwyddion's "Compensate Drift"
 * (modules/process/drift.c) correlates each row of ONE image with its
 * neighbours and integrates the offsets. Neighbouring rows see different
 * cross-sections of the features, so each offset carries an error set by the
 * structure, not the drift, and the integration turns small systematic
 * errors into large ones (on a field of overlapping blobs, 1–2 px over a
 * 96-row frame); a single frame also cannot tell drift from a sample that
 * is really sheared. In an up/down pair every sample line is scanned twice,
 * at times that differ by an amount that depends linearly on the row, so
 * constant drift turns into a relative affine distortion of one frame
 * against the other that is zero-mean in the structure (the approach of
 * scan-pair drift correction, e.g. Ophus, Ciston & Nelson, Ultramicroscopy
 * 162, 1 (2016), with opposite instead of orthogonal slow-scan directions).
 * The two visits of a line are symmetric about the pair's turnaround c, so a
 * pair measures only D(c + s) − D(c − s): the part of the drift velocity
 * symmetric about c. Drift whose velocity changes steadily (the leading term
 * of settling) is invisible to a pair; measureScanDrift refuses pairs whose
 * map is visibly not affine, and measureDriftCurve needs a third frame,
 * whose second turnaround resolves the rest.
 *
 * Model (pixels, time in scan lines = one trace + retrace): the sample's
 * features move by D(t) = [Dx, Dy] px relative to the scan frame (x = column
 * to the right, y = row downwards), so a frame reads
 * I(x, y) = S(x − Dx(t(y)), y − Dy(t(y))) with t(y) the time row y was
 * scanned (an "up" frame scans its bottom row first); constant drift is
 * D = velocity·t. The time across one line (≤ 1/w of a line per pixel) is
 * neglected: it scales x by vx/(2w).
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
  /** Largest accepted standard error of the drift accumulated over one frame (h lines), and largest accepted departure of row blocks from the constant-drift map, px, either axis (default 0.1). */
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
 * The coarse-to-fine affine match of `second` to `first` (see LEVELS and
 * {@link measureScanDrift}): the parameters p and the normal matrix of the
 * last level. Throws as measureScanDrift documents.
 */
function fitAffine(fn: string, first: Image, second: Image, maxIterations: number, minCorrelation: number): { p: Float64Array; G: Float64Array } {
  const { width: w, height: h } = first;
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
  return { p, G };
}

/** One row block's translation on top of a warp: where it applies and how well it is known. */
interface BlockShift {
  /** Rows of the moving frame where the x and y shifts apply (gradient-energy weighted centre of the block). */
  yx: number;
  yy: number;
  /** Shift (px) added to the warp's x and y at those rows, and its variances (px²). */
  dx: number;
  dy: number;
  varX: number;
  varY: number;
}

/**
 * Normal equations of one block (rows y0..y1−1 of the moving frame I2)
 * for a translation (dx, dy) and level dc on top of the affine warp p:
 * the moving pixel (x, y) is matched to I1 at (x + p0 + p1·t + dx,
 * yc + p2 + p3·t + dy), t = y − yc.
 */
function blockEquations(I1: Float32Array, I2: Float32Array, w: number, h: number, p: Float64Array, y0: number, y1: number, d: Float64Array): { G: Float64Array; g: Float64Array; rss: number; n: number; yx: number; yy: number } {
  const G = new Float64Array(9), g = new Float64Array(3), s = new Float64Array(3);
  const yc = (h - 1) / 2;
  let rss = 0, n = 0, wx = 0, wy = 0, ywx = 0, ywy = 0;
  for (let y = y0; y < y1; y++) {
    const t = y - yc;
    const ys = yc + p[2] + p[3] * t + d[1];
    for (let x = 0; x < w; x++) {
      const z = I2[y * w + x];
      if (z !== z || !bicubic(I1, w, h, x + p[0] + p[1] * t + d[0], ys, s)) continue;
      const r = s[0] + p[4] + p[5] * t + d[2] - z;
      const gx = s[1], gy = s[2];
      G[0] += gx * gx; G[1] += gx * gy; G[2] += gx; G[4] += gy * gy; G[5] += gy; G[8] += 1;
      g[0] += gx * r; g[1] += gy * r; g[2] += r;
      rss += r * r;
      wx += gx * gx; ywx += y * gx * gx; wy += gy * gy; ywy += y * gy * gy;
      n++;
    }
  }
  G[3] = G[1]; G[6] = G[2]; G[7] = G[5];
  return { G, g, rss, n, yx: wx > 0 ? ywx / wx : (y0 + y1 - 1) / 2, yy: wy > 0 ? ywy / wy : (y0 + y1 - 1) / 2 };
}

/** Smoothing (σ, px) of the levels of the block refinement: from the affine warp, the blocks' own shifts are found at σ = 2, then 1 (see LEVELS). */
const BLOCK_LEVELS = [2, 1];

/**
 * Local registration of `second` against `first` by row blocks: starting
 * from the affine warp p (fitAffine), each of `count` blocks of whole rows
 * gets its own translation and level (Gauss–Newton, bicubic with exact
 * gradient, at σ = 2 then 1 px). Variances σ²·(JᵀJ)⁻¹ as in
 * measureScanDrift, σ² pooled from the raw frames' residuals at the final
 * shifts. A block that leaves the frame or carries no structure gets NaN
 * shifts. Also returns the raw residual sum of squares over all blocks.
 * O(w·h) per iteration, ≤ 20 iterations per level.
 */
function blockShifts(first: Image, second: Image, p: Float64Array, count: number): { blocks: BlockShift[]; rss: number } {
  const { width: w, height: h } = first;
  const bounds = Array.from({ length: count + 1 }, (_, b) => Math.round((b * h) / count));
  const d = Array.from({ length: count }, () => new Float64Array(3));
  const ok = new Array<boolean>(count).fill(true);
  let last: ReturnType<typeof blockEquations>[] = [];
  for (const sigma of BLOCK_LEVELS) {
    const I1 = gaussianFilter(first, sigma).data, I2 = gaussianFilter(second, sigma).data;
    last = bounds.slice(0, count).map((y0, b) => {
      const y1 = bounds[b + 1];
      let eq = blockEquations(I1, I2, w, h, p, y0, y1, d[b]);
      for (let it = 0; it < 20 && ok[b]; it++) {
        const inv = eq.n >= (w * (y1 - y0)) / 2 ? invert(eq.G, 3) : null;
        if (!inv) { ok[b] = false; break; }
        let step = 0;
        for (let a = 0; a < 3; a++) {
          const delta = -(inv[a * 3] * eq.g[0] + inv[a * 3 + 1] * eq.g[1] + inv[a * 3 + 2] * eq.g[2]);
          d[b][a] += delta;
          if (a < 2) step = Math.max(step, Math.abs(delta));
        }
        if (!d[b].every(Number.isFinite) || Math.abs(d[b][0]) > 8 || Math.abs(d[b][1]) > 8) { ok[b] = false; break; }
        eq = blockEquations(I1, I2, w, h, p, y0, y1, d[b]);
        if (step < 1e-4) break;
      }
      return eq;
    });
  }
  let rss = 0, dof = 0;
  const raws = bounds.slice(0, count).map((y0, b) => {
    const raw = blockEquations(first.data, second.data, w, h, p, y0, bounds[b + 1], d[b]);
    rss += raw.rss;
    if (ok[b]) dof += Math.max(0, raw.n - 3);
    return raw;
  });
  const sigma2 = dof > 0 ? raws.reduce((s, r, b) => s + (ok[b] ? r.rss : 0), 0) / dof : NaN;
  const blocks = last.map((eq, b): BlockShift => {
    const inv = ok[b] && eq.n >= (w * (bounds[b + 1] - bounds[b])) / 2 ? invert(eq.G, 3) : null;
    if (!inv || !(inv[0] > 0 && inv[4] > 0)) return { yx: eq.yx, yy: eq.yy, dx: NaN, dy: NaN, varX: NaN, varY: NaN };
    return { yx: eq.yx, yy: eq.yy, dx: d[b][0], dy: d[b][1], varX: sigma2 * inv[0], varY: sigma2 * inv[4] };
  });
  return { blocks, rss };
}

/** Number of row blocks of the local registration for a frame of h rows: about 8 rows each, at most 16. */
function blockCount(h: number): number {
  return Math.max(2, Math.min(16, Math.floor(h / 8)));
}

/**
 * z-score of a χ² statistic with ν degrees of freedom (Wilson–Hilferty
 * cube-root approximation; Johnson, Kotz & Balakrishnan, Continuous
 * Univariate Distributions 1, eq. 18.24).
 */
function chiSquareZ(chi2: number, nu: number): number {
  const v = 2 / (9 * nu);
  return (Math.cbrt(chi2 / nu) - (1 - v)) / Math.sqrt(v);
}

/** Significance (z of the χ² of the blocks' misfit) above which a drift model is rejected, when the misfit also exceeds the tolerance. */
const MISFIT_Z = 3;

/** The registration options both drift measurements share, checked: tolerance (px, default 0.1), minCorrelation (default 0.5), maxIterations (default 30). */
function registrationOptions(fn: string, options: { tolerance?: number; minCorrelation?: number; maxIterations?: number }): { tolerance: number; minCorrelation: number; maxIterations: number } {
  const tolerance = options.tolerance ?? 0.1;
  if (!(tolerance > 0)) throw new RangeError(`${fn}: options.tolerance must be > 0 px, got ${options.tolerance}`);
  const minCorrelation = options.minCorrelation ?? 0.5;
  if (!(minCorrelation >= 0 && minCorrelation < 1)) throw new RangeError(`${fn}: options.minCorrelation must be in [0, 1), got ${options.minCorrelation}`);
  const maxIterations = options.maxIterations ?? 30;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new RangeError(`${fn}: options.maxIterations must be a positive integer, got ${options.maxIterations}`);
  return { tolerance, minCorrelation, maxIterations };
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
 * px; the drift changed during the scans visibly: blocks of about 8 rows,
 * registered on top of the affine map, depart from it by more than
 * `tolerance` px and significantly (χ² z-score > 3). Drift whose velocity
 * changes steadily passes that test unseen (a pair measures only the
 * velocity's part symmetric about the turnaround; the result is then the
 * velocity at the turnaround): use {@link measureDriftCurve} on three or
 * more alternating frames when the drift may be settling. Returns
 * `{ velocity, standardError, correlation }`; correct either frame with
 * {@link correctScanDrift}. Cost: O(w·h) per iteration (16 taps per pixel),
 * a few tens of iterations, and as many again for the block check.
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
  const { tolerance, minCorrelation, maxIterations } = registrationOptions(fn, options);

  const { p, G } = fitAffine(fn, first, second, maxIterations, minCorrelation);
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
  // Constant drift maps one frame onto the other affinely; drift that changed
  // during the scans bends that map. Register blocks of rows on top of the
  // affine map and refuse when they depart from it, significantly and by more
  // than the tolerance.
  let chi2 = 0, nu = -4, worstShift = 0, where = "";
  for (const b of blockShifts(first, second, p, blockCount(h)).blocks) {
    if (!(b.varX > 0 && b.varY > 0)) continue;
    chi2 += (b.dx * b.dx) / b.varX + (b.dy * b.dy) / b.varY;
    nu += 2;
    for (const [axis, v] of [["x", b.dx], ["y", b.dy]] as const) if (Math.abs(v) > worstShift) { worstShift = Math.abs(v); where = `${axis} near row ${Math.round(axis === "x" ? b.yx : b.yy)}`; }
  }
  if (nu > 0 && worstShift > tolerance && chiSquareZ(chi2, nu) > MISFIT_Z) {
    throw new RangeError(`${fn}: the frames depart from the map constant drift produces by up to ${worstShift.toFixed(3)} px (${where} of the second frame; χ²/ν = ${(chi2 / nu).toFixed(1)} over ${nu + 4} block shifts; options.tolerance ${tolerance} px): the drift changed during the scans. A pair of opposite scans cannot measure drift that changes in time (it sees only the part of the drift velocity that is symmetric about the turnaround); scan three or more frames alternately up and down and use measureDriftCurve`);
  }
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
export function correctScanDrift(image: Image, velocity: [number, number], options: CorrectScanDriftOptions): DriftCorrected {
  const fn = "correctScanDrift";
  checkImage(fn, image);
  if (!Array.isArray(velocity) || velocity.length !== 2 || !velocity.every(Number.isFinite)) throw new TypeError(`${fn}: velocity must be [vx, vy] (finite px per line), got ${JSON.stringify(velocity)}`);
  const slow = checkChoice(fn, "slowScan", options?.slowScan, SLOW);
  if (slow === undefined) throw new TypeError(`${fn}: options.slowScan is required ("up" or "down"): the order the rows were scanned in`);
  const beta = slow === "up" ? -1 : 1; // t(y) − t(middle) = beta·(y − yc)
  const [vx, vy] = velocity;
  if (!(Math.abs(vy) < 1)) throw new RangeError(`${fn}: |vy| must be < 1 px per line, got ${vy}`);
  const h = image.height, yc = (h - 1) / 2;
  const sourceRow = new Float64Array(h), shift = new Float64Array(h);
  for (let r = 0; r < h; r++) {
    const y = yc + (r - yc) / (1 - vy * beta);
    sourceRow[r] = y;
    shift[r] = vx * beta * (y - yc);
  }
  return resample(image, sourceRow, shift);
}

/** What the drift corrections return. */
export interface DriftCorrected {
  /** The resampled frame (bicubic, Keys), NaN where the source lies outside the input; calibration kept. */
  image: Image;
  /** For each output row, the input row (fractional) it was read from. */
  sourceRow: Float64Array;
  /** For each output row, the x shift applied (px): output column u reads input column u + shift. */
  shift: Float64Array;
}

/** Output (u, r) = input (u + shift[r], sourceRow[r]), bicubic (Keys); NaN outside the input. O(w·h). */
function resample(image: Image, sourceRow: Float64Array, shift: Float64Array): DriftCorrected {
  const { width: w, height: h, data } = image;
  const out = new Float32Array(w * h), s = new Float64Array(3);
  for (let r = 0; r < h; r++) for (let u = 0; u < w; u++) out[r * w + u] = bicubic(data, w, h, u + shift[r], sourceRow[r], s) ? s[0] : NaN;
  const img: Image = { data: out, width: w, height: h };
  if (image.calibration) img.calibration = { ...image.calibration };
  return { image: img, sourceRow, shift };
}

/** Legendre polynomials P1..PK at u into out[0..K−1], and their derivatives into der when given. */
function legendre(u: number, K: number, out: Float64Array, der?: Float64Array): void {
  let p0 = 1, p1 = u, d0 = 0, d1 = 1;
  for (let k = 1; k <= K; k++) {
    out[k - 1] = p1;
    if (der) der[k - 1] = d1;
    const p2 = ((2 * k + 1) * u * p1 - k * p0) / (k + 1), d2 = d0 + (2 * k + 1) * p1;
    p0 = p1; p1 = p2; d0 = d1; d1 = d2;
  }
}

function checkDegree(fn: string, degree: unknown, fallback: number): number {
  const d = degree ?? fallback;
  if (!(typeof d === "number" && Number.isInteger(d) && d >= 1 && d <= 8)) throw new RangeError(`${fn}: options.degree must be an integer from 1 to 8 (the polynomial degree of the displacement; 1 = constant velocity), got ${String(degree)}`);
  return d;
}

/** Options of {@link measureDriftCurve}. */
export interface DriftCurveOptions {
  /** Slow-scan direction of frames[0] (default "up"); the frames alternate from there. */
  first?: SlowScan;
  /** Degree of the displacement polynomial in time (default 3; 1 = constant velocity, 2 = velocity changing linearly, ...), 1–8. */
  degree?: number;
  /** Scan lines' worth of time between the last line of one frame and the first line of the next (default 0). Take it from the instrument's timing: a wrong pause bends the time axis and biases the curve, often within the misfit test (24 lines ignored between 96-line frames: 0.2 px RMS in tests/spm/drift-curve). */
  pause?: number;
  /** Largest accepted standard error of the displacement at any row of any frame, and largest accepted RMS misfit of the model, px (default 0.1). */
  tolerance?: number;
  /** Smallest accepted correlation of each frame with the one before it, warped onto it (default 0.5). */
  minCorrelation?: number;
  /** Gauss–Newton iterations of each pair's affine match on its last level (default 30). */
  maxIterations?: number;
}

/** One frame's row-by-row displacement in a {@link DriftCurve}. */
export interface DriftTrace {
  /** Time each row was scanned, in scan lines from the first line of frames[0]. */
  time: Float64Array;
  /** Displacement of the features (px, x right, y down) when each row was scanned, relative to the reference. */
  x: Float64Array;
  y: Float64Array;
  /** Standard errors of x and y (px). */
  xError: Float64Array;
  yError: Float64Array;
}

/** The drift {@link measureDriftCurve} found: displacement D(t) + o_frame, a polynomial in time plus one offset per frame. */
export interface DriftCurve {
  first: SlowScan;
  pause: number;
  /** Rows per frame. */
  height: number;
  degree: number;
  /** Time is normalised as u = (t − timeCenter) / timeHalfSpan ∈ [−1, 1] over the sequence (t in lines). */
  timeCenter: number;
  timeHalfSpan: number;
  /** [x, y]: coefficients of the Legendre polynomials P1..P_degree(u), px. */
  coefficients: [Float64Array, Float64Array];
  /** [x, y]: offset of each frame (px; a jump between frames, frames[0] = 0). */
  offsets: [Float64Array, Float64Array];
  /** Displacements are relative to the middle row of this frame (the middle frame), scanned at this time. */
  reference: { frame: number; time: number };
  /** Per frame: the displacement at each row with its standard error. */
  frames: DriftTrace[];
  /** RMS (px) of the block shifts against the model, and the χ² of that misfit with its degrees of freedom. */
  misfit: number;
  chiSquare: number;
  dof: number;
  /** Correlation of each frame with the one before it, warped onto it by the measured shifts. */
  correlation: number[];
}

/** Scan time (lines from the first line of frames[0]) of row y of frame j, and dt/dy. */
function scanTime(curve: Pick<DriftCurve, "first" | "pause" | "height">, j: number, y: number): [number, number] {
  const up = (j % 2 === 0) === (curve.first === "up");
  const h = curve.height;
  return [j * (h + curve.pause) + (up ? h - 1 - y : y), up ? -1 : 1];
}

/**
 * Displacement [x, y] of frame j at (fractional) row y relative to the
 * reference, and d(y displacement)/dy, into out[0..2].
 */
function displacementAt(curve: DriftCurve, j: number, y: number, out: Float64Array): void {
  const K = curve.degree, P0 = new Float64Array(K), P = new Float64Array(K), D = new Float64Array(K);
  legendre((curve.reference.time - curve.timeCenter) / curve.timeHalfSpan, K, P0);
  const [t, dtdy] = scanTime(curve, j, y);
  legendre((t - curve.timeCenter) / curve.timeHalfSpan, K, P, D);
  const ref = curve.reference.frame;
  for (let axis = 0; axis < 2; axis++) {
    const c = curve.coefficients[axis], o = curve.offsets[axis];
    let v = o[j] - o[ref], dv = 0;
    for (let k = 0; k < K; k++) { v += c[k] * (P[k] - P0[k]); dv += c[k] * D[k]; }
    out[axis] = v;
    if (axis === 1) out[2] = (dv * dtdy) / curve.timeHalfSpan;
  }
}

/**
 * Measure drift that changes in time (thermal drift settling after the
 * approach, piezo creep) from a sequence of three or more frames of the same
 * area scanned alternately up and down (Nanonis' continuous alternating
 * scan; `options.first`: the direction of frames[0]). Level the frames
 * first; a level offset and slope between frames is fitted, nothing else.
 *
 * Model (pixels, time t in scan lines from the first line of frames[0],
 * `options.pause` lines between frames): the features move by D(t) + o_j
 * relative to the scan frame while frame j is scanned, D a polynomial of
 * `options.degree` in t (Legendre basis over the sequence), o_j a jump
 * between frames (o_0 = 0). Method: each frame is registered on the one
 * before it, first affinely (as {@link measureScanDrift}, coarse to fine),
 * then by blocks of about 8 whole rows (at most 16 blocks), each with its
 * own translation on top of the affine map (Gauss–Newton, bicubic with exact
 * gradient, smoothing σ = 2 then 1 px); every block shift is the difference
 * of D between the two times its rows were scanned, so D and the o_j follow
 * from all block shifts by weighted linear least squares (weights: the
 * blocks' variances σ²(JᵀJ)⁻¹, σ² from the frames' residuals). Standard
 * errors from that fit, scaled up by √(χ²/ν) when the misfit exceeds the
 * noise.
 *
 * Why three frames: in a pair of opposite scans every sample line is seen at
 * two times symmetric about the turnaround, so the pair measures only
 * D(c + s) − D(c − s): the part of the drift velocity that is symmetric
 * about the turnaround c. A velocity that changes steadily (the leading term
 * of settling drift) is invisible to a pair, and shows in both frames as the
 * same bend, like a curved sample. A third frame has a second turnaround,
 * which fixes it; more frames constrain higher degrees better.
 *
 * Refuses (RangeError naming the reason) when: fewer than 3 frames; a pair
 * cannot be registered (flat or striped frames, not the same area, see
 * measureScanDrift); the block shifts depart from the polynomial by more
 * than `tolerance` px RMS, significantly (χ² z-score > 3: raise `degree`, or
 * `first`/`pause` are wrong); the displacement at some row is uncertain by
 * more than `tolerance` px (standard error: too little structure or too
 * much noise for this degree). Correct each frame with
 * {@link correctDriftCurve}. Cost: per pair, the affine match plus ≤ 40
 * block iterations of O(w·h).
 *
 * @example
 *   const curve = measureDriftCurve([up0, down1, up2], { first: "up", degree: 3 });
 *   const aligned = [0, 1, 2].map((j) => correctDriftCurve(frames[j], curve, { frame: j }).image);
 */
export function measureDriftCurve(frames: Image[], options: DriftCurveOptions = {}): DriftCurve {
  const fn = "measureDriftCurve";
  if (!Array.isArray(frames)) throw new TypeError(`${fn}: frames must be an array of Images (three or more, scanned alternately up and down)`);
  frames.forEach((f, j) => {
    try { checkImage(fn, f); } catch { throw new TypeError(`${fn}: frames[${j}] is not an Image (Float32Array data of width × height > 0 pixels)`); }
  });
  if (frames.length < 3) throw new RangeError(`${fn}: ${frames.length} frame(s) given; at least 3 scanned alternately up and down are needed (a pair of opposite scans sees only the part of the drift velocity that is symmetric about its turnaround; measureScanDrift measures constant drift from a pair)`);
  const { width: w, height: h } = frames[0];
  frames.forEach((f, j) => {
    if (f.width !== w || f.height !== h) throw new RangeError(`${fn}: frames[${j}] is ${f.width} × ${f.height}, frames[0] ${w} × ${h}; they must be scans of the same frame`);
  });
  if (w < 8 || h < 16) throw new RangeError(`${fn}: frames of ${w} × ${h} pixels are too small to measure drift by row blocks (at least 8 × 16)`);
  const first = checkChoice(fn, "first", options.first, SLOW) ?? "up";
  const K = checkDegree(fn, options.degree, 3);
  const pause = options.pause ?? 0;
  if (!(pause >= 0 && Number.isFinite(pause))) throw new RangeError(`${fn}: options.pause must be a finite number of scan lines >= 0, got ${options.pause}`);
  const { tolerance, minCorrelation, maxIterations } = registrationOptions(fn, options);

  const n = frames.length, yc = (h - 1) / 2, q = K + n - 1;
  const timing = { first, pause, height: h };
  const tEnd = (n - 1) * (h + pause) + h - 1; // the last line of the sequence
  const timeCenter = tEnd / 2, timeHalfSpan = tEnd / 2;
  const u = (t: number): number => (t - timeCenter) / timeHalfSpan;
  // Rows of the least-squares problem: design a (q), value v, weight, axis.
  const eqs: { a: Float64Array; v: number; wt: number; axis: number }[] = [];
  const correlation: number[] = [];
  const Pr = new Float64Array(K), Pm = new Float64Array(K);
  for (let j = 0; j + 1 < n; j++) {
    const where = `${fn} (frames[${j}] and frames[${j + 1}])`;
    const { p } = fitAffine(where, frames[j], frames[j + 1], maxIterations, minCorrelation);
    const { blocks, rss } = blockShifts(frames[j], frames[j + 1], p, blockCount(h));
    const corr = correlationOf(frames[j + 1].data, rss);
    checkCorrelation(where, corr, minCorrelation);
    correlation.push(corr);
    for (const b of blocks) {
      if (!(b.varX > 0 && b.varY > 0)) continue;
      for (let axis = 0; axis < 2; axis++) {
        const ym = axis === 0 ? b.yx : b.yy, t = ym - yc;
        const yr = yc + p[2] + p[3] * t + b.dy; // the row of frames[j] that this row of frames[j + 1] saw
        const v = axis === 0 ? p[0] + p[1] * t + b.dx : yr - ym;
        legendre(u(scanTime(timing, j, yr)[0]), K, Pr);
        legendre(u(scanTime(timing, j + 1, ym)[0]), K, Pm);
        const a = new Float64Array(q);
        for (let k = 0; k < K; k++) a[k] = Pr[k] - Pm[k];
        if (j > 0) a[K + j - 1] += 1;
        a[K + j] -= 1;
        eqs.push({ a, v, wt: 1 / (axis === 0 ? b.varX : b.varY), axis });
      }
    }
  }
  const m = eqs.length / 2;
  if (m <= q) throw new RangeError(`${fn}: only ${m} usable row blocks for ${q} unknowns per axis (degree ${K} and ${n - 1} frame offsets): too little structure, or lower options.degree`);
  const coefficients: [Float64Array, Float64Array] = [new Float64Array(K), new Float64Array(K)];
  const offsets: [Float64Array, Float64Array] = [new Float64Array(n), new Float64Array(n)];
  const covariance: Float64Array[] = [];
  let chiSquare = 0, ss = 0;
  for (let axis = 0; axis < 2; axis++) {
    const N = new Float64Array(q * q), r = new Float64Array(q);
    for (const e of eqs) {
      if (e.axis !== axis) continue;
      for (let a = 0; a < q; a++) {
        r[a] += e.wt * e.a[a] * e.v;
        for (let b = 0; b < q; b++) N[a * q + b] += e.wt * e.a[a] * e.a[b];
      }
    }
    const C = invert(N, q);
    if (!C) throw new RangeError(`${fn}: the drift polynomial of degree ${K} is not determined by these frames (singular normal equations); lower options.degree`);
    const x = new Float64Array(q);
    for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) x[a] += C[a * q + b] * r[b];
    for (const e of eqs) {
      if (e.axis !== axis) continue;
      let res = e.v;
      for (let a = 0; a < q; a++) res -= e.a[a] * x[a];
      chiSquare += e.wt * res * res;
      ss += res * res;
    }
    coefficients[axis].set(x.subarray(0, K));
    offsets[axis].set(x.subarray(K), 1);
    covariance.push(C);
  }
  const dof = 2 * (m - q);
  const misfit = Math.sqrt(ss / (2 * m));
  if (misfit > tolerance && chiSquareZ(chiSquare, dof) > MISFIT_Z) throw new RangeError(`${fn}: the measured row-block shifts depart from a drift polynomial of degree ${K} by ${misfit.toFixed(3)} px RMS (χ²/ν = ${(chiSquare / dof).toFixed(1)}, ν = ${dof}; options.tolerance ${tolerance} px): raise options.degree, or check options.first and options.pause (frames scanned alternately, back to back)`);
  const scale = Math.max(1, chiSquare / dof);
  const refFrame = Math.floor((n - 1) / 2), refTime = scanTime(timing, refFrame, yc)[0];
  const curve: DriftCurve = { first, pause, height: h, degree: K, timeCenter, timeHalfSpan, coefficients, offsets, reference: { frame: refFrame, time: refTime }, frames: [], misfit, chiSquare, dof, correlation };
  const P0 = new Float64Array(K), P = new Float64Array(K), g = new Float64Array(q), at = new Float64Array(3);
  legendre(u(refTime), K, P0);
  let worst = 0;
  for (let j = 0; j < n; j++) {
    const trace: DriftTrace = { time: new Float64Array(h), x: new Float64Array(h), y: new Float64Array(h), xError: new Float64Array(h), yError: new Float64Array(h) };
    for (let y = 0; y < h; y++) {
      const t = scanTime(timing, j, y)[0];
      legendre(u(t), K, P);
      g.fill(0);
      for (let k = 0; k < K; k++) g[k] = P[k] - P0[k];
      if (j > 0) g[K + j - 1] += 1;
      if (refFrame > 0) g[K + refFrame - 1] -= 1;
      displacementAt(curve, j, y, at);
      trace.time[y] = t;
      trace.x[y] = at[0];
      trace.y[y] = at[1];
      for (let axis = 0; axis < 2; axis++) {
        const C = covariance[axis];
        let v = 0;
        for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) v += g[a] * C[a * q + b] * g[b];
        const se = Math.sqrt(Math.max(0, v) * scale);
        (axis === 0 ? trace.xError : trace.yError)[y] = se;
        worst = Math.max(worst, se);
      }
    }
    curve.frames.push(trace);
  }
  if (!(worst <= tolerance)) throw new RangeError(`${fn}: the displacement is uncertain by up to ±${worst.toFixed(3)} px (standard error; options.tolerance ${tolerance} px): too little structure or too much noise for a drift polynomial of degree ${K}; lower options.degree or scan more frames`);
  return curve;
}

/** Options of {@link correctDriftCurve}. */
export interface CorrectDriftCurveOptions {
  /** Index of `image` in the sequence the curve was measured on (required). */
  frame: number;
}

/**
 * Undo the drift {@link measureDriftCurve} measured in frame
 * `options.frame` of the sequence: resample it (bicubic, Keys) onto the
 * sample as it was at the curve's reference (the middle row of the middle
 * frame), so all corrected frames of the sequence show the sample in the
 * same place, undistorted, and can be compared or averaged pixel by pixel.
 * Output row r reads the input row y where y − Dy(y) = r (Newton's method),
 * shifted in x by Dx(y). Pixels whose source lies outside the frame are NaN.
 * Throws when the drift along y reaches 1 px per line (rows would fold).
 * O(w·h).
 */
export function correctDriftCurve(image: Image, curve: DriftCurve, options: CorrectDriftCurveOptions): DriftCorrected {
  const fn = "correctDriftCurve";
  checkImage(fn, image);
  if (!curve || !Array.isArray(curve.frames) || !Array.isArray(curve.coefficients) || curve.coefficients.length !== 2) throw new TypeError(`${fn}: curve must be what measureDriftCurve returns`);
  if (image.height !== curve.height) throw new RangeError(`${fn}: the image has ${image.height} rows, the curve was measured on frames of ${curve.height}`);
  const j = options?.frame;
  if (!(typeof j === "number" && Number.isInteger(j) && j >= 0 && j < curve.frames.length)) throw new RangeError(`${fn}: options.frame must be the image's index in the measured sequence, an integer from 0 to ${curve.frames.length - 1}, got ${String(j)}`);
  const h = image.height, sourceRow = new Float64Array(h), shift = new Float64Array(h), at = new Float64Array(3);
  for (let r = 0; r < h; r++) {
    let y = r;
    for (let it = 0; it < 50; it++) {
      displacementAt(curve, j, y, at);
      const f = y - at[1] - r, fp = 1 - at[2];
      if (!(fp > 0)) throw new RangeError(`${fn}: the drift along y reaches ${(1 - fp).toFixed(2)} px per line near row ${y.toFixed(1)} of frame ${j}; rows would fold, the frame cannot be corrected`);
      y -= f / fp;
      if (Math.abs(f) < 1e-9) break;
    }
    displacementAt(curve, j, y, at);
    sourceRow[r] = y;
    shift[r] = at[0];
  }
  return resample(image, sourceRow, shift);
}

/** Options of {@link measureRowDrift}. */
export interface RowDriftOptions {
  /** Each row is matched with the next `range` rows (default 12, Gwyddion's default search range), 1 ≤ range < height. */
  range?: number;
  /** Degree of the drift polynomial in the row index (default 3), 1–8. */
  degree?: number;
  /** Largest shift between two matched rows that is searched for, px (default 3). */
  maxShift?: number;
  /** Largest accepted standard error of the drift at any row, px (default 0.25). */
  tolerance?: number;
}

/** The x drift {@link measureRowDrift} found in one frame. */
export interface RowDrift {
  /** Per row: x displacement of the features (px, to the right) relative to the middle row. */
  shift: Float64Array;
  /** Per row: its standard error (px; jackknife deleting one row's matches at a time). */
  standardError: Float64Array;
  /** Coefficients of the Legendre polynomials P1..P_degree of u = (y − yc)/yc, yc = (h − 1)/2 (px). */
  coefficients: Float64Array;
  /** Row pairs whose match was used, of those tried. */
  pairs: number;
  tried: number;
}

/** Keys cubic value and derivative of row[off .. off + w − 1] at x into out[0..1]; false outside [0, w − 1]. */
function cubicRow(row: Float32Array, off: number, w: number, x: number, out: Float64Array): boolean {
  if (!(x >= 0 && x <= w - 1)) return false;
  const i = Math.min(Math.floor(x), w - 2), f = x - i;
  const z0 = row[off + Math.max(0, i - 1)], z1 = row[off + i], z2 = row[off + i + 1], z3 = row[off + Math.min(w - 1, i + 2)];
  out[0] = keys(f + 1) * z0 + keys(f) * z1 + keys(1 - f) * z2 + keys(2 - f) * z3;
  out[1] = keysDerivative(f + 1) * z0 + keysDerivative(f) * z1 - keysDerivative(1 - f) * z2 - keysDerivative(2 - f) * z3;
  return true;
}

/**
 * Shift d (px) with row b(x + d) ≈ row a(x) (+ a level), from the best
 * whole-pixel lag within ±L refined by Gauss–Newton on the Keys cubic; its
 * variance from the residuals, and R² of the match. null when the rows do
 * not match (R² < 0.36, i.e. correlation < 0.6 as Gwyddion's weights cut
 * off) or the refinement leaves the lag's neighbourhood.
 */
function matchRows(Z: Float32Array, w: number, ia: number, ib: number, L: number): { d: number; variance: number } | null {
  const oa = ia * w, ob = ib * w;
  let best = -Infinity, lag = 0;
  for (let l = -L; l <= L; l++) {
    let s = 0, n = 0;
    for (let x = Math.max(0, -l); x < Math.min(w, w - l); x++) { s += Z[oa + x] * Z[ob + x + l]; n++; }
    if (n >= w / 2 && s / n > best) { best = s / n; lag = l; }
  }
  const v = new Float64Array(2);
  let d = lag, c = 0, rss = 0, ssa = 0, g00 = 0, g01 = 0, g11 = 0;
  for (let it = 0; it < 10; it++) {
    let b0 = 0, b1 = 0, n = 0, ma = 0;
    rss = 0; ssa = 0; g00 = 0; g01 = 0; g11 = 0;
    for (let x = 0; x < w; x++) {
      if (!cubicRow(Z, ob, w, x + d, v)) continue;
      const r = v[0] + c - Z[oa + x];
      g00 += v[1] * v[1]; g01 += v[1]; g11 += 1;
      b0 += v[1] * r; b1 += r;
      rss += r * r; ma += Z[oa + x]; ssa += Z[oa + x] * Z[oa + x];
      n++;
    }
    if (n < w / 2) return null;
    ssa -= (ma * ma) / n;
    const det = g00 * g11 - g01 * g01;
    if (!(det > 0)) return null;
    const step = -(g11 * b0 - g01 * b1) / det;
    c += -(g00 * b1 - g01 * b0) / det;
    d += step;
    if (!(Math.abs(d - lag) <= 1)) return null;
    if (Math.abs(step) < 1e-5) break;
  }
  if (!(ssa > 0) || 1 - rss / ssa < 0.36) return null;
  return { d, variance: (rss / Math.max(1, g11 - 2)) * (g11 / (g00 * g11 - g01 * g01)) };
}

/**
 * Measure x drift along the slow scan within ONE frame, as Gwyddion's
 * "Compensate Drift" (Data Process → Correct Data; modules/process/drift.c)
 * does: each row is matched with each of the next `range` rows (after a
 * Gaussian σ = 1 px along x and normalising every row to mean 0, RMS 1):
 * the best whole-pixel lag within ±`maxShift`, refined by Gauss–Newton on
 * the Keys cubic (no parabola, so no pull towards whole pixels). Where
 * Gwyddion fits a local slope per row and integrates it, here all row-pair
 * shifts d(i, i+k) = D(i+k) − D(i) are fitted at once by weighted least
 * squares with D a polynomial of `degree` in the row index (weights: the
 * matches' variances); standard errors by a jackknife that deletes all
 * matches of one row at a time, because matches that share a row are not
 * independent.
 *
 * Limits, stated rather than hidden: (1) one frame cannot tell drift from a
 * sample that is really sheared or whose features run obliquely: an
 * inclined step edge or a lattice whose rows are not along y comes out as
 * drift (Gwyddion's "exclude linear skew" option exists for that reason);
 * the method assumes the features have no preferred inclination. (2) Only
 * x: drift along y stretches the row spacing, which one frame cannot see.
 * (3) Rows that cross different parts of the features do not match exactly,
 * so the shifts carry structure-dependent errors that the fit averages but
 * does not remove. Use an up/down pair ({@link measureScanDrift}) or an
 * alternating sequence ({@link measureDriftCurve}) when they exist.
 *
 * Refuses (RangeError naming the reason) when fewer than a quarter of the
 * row pairs match (flat frames, rows without structure along x, noise
 * only) or the drift at some row is uncertain by more than `tolerance` px.
 * Correct with {@link correctRowDrift}. Cost: O(h·range·w·(2·maxShift + 10)).
 *
 * @example
 *   const drift = measureRowDrift(image, { range: 12, degree: 3 });
 *   const { image: straight } = correctRowDrift(image, drift);
 */
export function measureRowDrift(image: Image, options: RowDriftOptions = {}): RowDrift {
  const fn = "measureRowDrift";
  checkImage(fn, image);
  const { width: w, height: h } = image;
  if (w < 8 || h < 16) throw new RangeError(`${fn}: an image of ${w} × ${h} pixels is too small to measure row drift (at least 8 × 16)`);
  const range = options.range ?? Math.min(12, h - 1);
  if (!(Number.isInteger(range) && range >= 1 && range < h)) throw new RangeError(`${fn}: options.range must be an integer from 1 to ${h - 1} (rows), got ${options.range}`);
  const K = checkDegree(fn, options.degree, 3);
  const L = options.maxShift ?? 3;
  if (!(Number.isInteger(L) && L >= 0 && L < w / 2)) throw new RangeError(`${fn}: options.maxShift must be an integer from 0 to ${Math.ceil(w / 2) - 1} px, got ${options.maxShift}`);
  const tolerance = options.tolerance ?? 0.25;
  if (!(tolerance > 0)) throw new RangeError(`${fn}: options.tolerance must be > 0 px, got ${options.tolerance}`);

  const Z = gaussianFilter(image, 1, 0).data;
  for (let y = 0; y < h; y++) {
    let m = 0, s = 0, n = 0;
    for (let x = 0; x < w; x++) { const z = Z[y * w + x]; if (z === z) { m += z; n++; } }
    m /= Math.max(1, n);
    for (let x = 0; x < w; x++) { const z = Z[y * w + x]; if (z === z) s += (z - m) ** 2; }
    const scale = s > 0 ? Math.sqrt(n / s) : 0;
    for (let x = 0; x < w; x++) Z[y * w + x] = (Z[y * w + x] - m) * scale;
  }
  const yc = (h - 1) / 2;
  const basis = Array.from({ length: h }, (_, y) => { const P = new Float64Array(K); legendre((y - yc) / yc, K, P); return P; });
  const matches: { i: number; j: number; a: Float64Array; d: number; wt: number }[] = [];
  let tried = 0;
  for (let i = 0; i < h; i++) for (let k = 1; k <= range && i + k < h; k++) {
    tried++;
    const mt = matchRows(Z, w, i, i + k, L);
    if (!mt || !(mt.variance > 0)) continue;
    const a = new Float64Array(K);
    for (let c = 0; c < K; c++) a[c] = basis[i + k][c] - basis[i][c];
    // b(x + d) = a(x): the features of row i + k sit d px right of row i's, d = D(i + k) − D(i).
    matches.push({ i, j: i + k, a, d: mt.d, wt: 1 / mt.variance });
  }
  if (matches.length < tried / 4) throw new RangeError(`${fn}: only ${matches.length} of ${tried} row pairs match (correlation ≥ 0.6 within ±${L} px): too little structure along the rows, or noise only; row drift cannot be measured`);
  // Weighted least squares on all matches, then once without each row's matches (jackknife over rows).
  const fit = (skip: number): Float64Array | null => {
    const N = new Float64Array(K * K), r = new Float64Array(K);
    for (const m of matches) {
      if (m.i === skip || m.j === skip) continue;
      for (let a = 0; a < K; a++) {
        r[a] += m.wt * m.a[a] * m.d;
        for (let b = 0; b < K; b++) N[a * K + b] += m.wt * m.a[a] * m.a[b];
      }
    }
    const C = invert(N, K);
    if (!C) return null;
    const x = new Float64Array(K);
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) x[a] += C[a * K + b] * r[b];
    return x;
  };
  const coefficients = fit(-1);
  const folds = Array.from({ length: h }, (_, y) => fit(y));
  if (!coefficients || folds.some((f) => !f)) throw new RangeError(`${fn}: the drift polynomial of degree ${K} is not determined by the matched rows (singular normal equations); lower options.degree`);
  const P0 = new Float64Array(K);
  legendre(0, K, P0);
  const at = (c: Float64Array, y: number): number => { let v = 0; for (let k = 0; k < K; k++) v += c[k] * (basis[y][k] - P0[k]); return v; };
  const shift = new Float64Array(h), standardError = new Float64Array(h);
  let worst = 0;
  for (let y = 0; y < h; y++) {
    shift[y] = at(coefficients, y);
    const v = folds.map((f) => at(f as Float64Array, y)), mean = v.reduce((s, x) => s + x, 0) / h;
    standardError[y] = Math.sqrt(((h - 1) / h) * v.reduce((s, x) => s + (x - mean) ** 2, 0));
    worst = Math.max(worst, standardError[y]);
  }
  if (!(worst <= tolerance)) throw new RangeError(`${fn}: the row drift is uncertain by up to ±${worst.toFixed(3)} px (jackknife standard error; options.tolerance ${tolerance} px): the rows' structure does not determine it; lower options.degree`);
  return { shift, standardError, coefficients, pairs: matches.length, tried };
}

/**
 * Undo the x drift {@link measureRowDrift} found: row y is shifted so
 * that its features sit where the middle row's would (output column u reads
 * input column u + shift[y], Keys cubic; NaN outside the row). Returns
 * `{ image, sourceRow, shift }` as the other drift corrections. O(w·h).
 */
export function correctRowDrift(image: Image, drift: RowDrift): DriftCorrected {
  const fn = "correctRowDrift";
  checkImage(fn, image);
  if (!drift || !(drift.shift instanceof Float64Array) || drift.shift.length !== image.height || !drift.shift.every(Number.isFinite)) throw new TypeError(`${fn}: drift must be what measureRowDrift returned for an image of ${image.height} rows (finite shift per row)`);
  return resample(image, Float64Array.from({ length: image.height }, (_, y) => y), Float64Array.from(drift.shift));
}
