/**
 * Pairwise causal direction between two variables (the cause–effect methods
 * used on STEM/SPM descriptors, e.g. Ziatdinov et al., npj Comput. Mater. 2020):
 *
 * - "igci": information-geometric causal inference (Daniusis et al. 2010;
 *   Janzing et al. 2012), slope estimator with the uniform reference measure:
 *   both variables rescaled to [0, 1], C(x→y) = mean log |Δy/Δx| over the
 *   x-sorted sample; x → y when C(x→y) < C(y→x). For deterministic or
 *   near-deterministic relations. score = C(y→x) − C(x→y).
 * - "anm": additive noise model (Hoyer et al. 2009): nonparametric regression
 *   (Nadaraya–Watson, Gaussian kernel, leave-one-out bandwidth choice) each
 *   way, then HSIC (Gretton et al. 2005, Gaussian kernels, median heuristic)
 *   between residual and putative cause; x → y when the forward residuals are
 *   more independent. score = HSIC(y→x) − HSIC(x→y) (normalised HSIC).
 *   O(n²); samples above `maxRows` (default 500) are subsampled with `seed`.
 * - "lingam": pairwise LiNGAM likelihood-ratio measure (Hyvärinen & Smith
 *   2013; the DirectLiNGAM pairwise measure); x → y when positive. For linear
 *   non-Gaussian relations.
 */
import { toVector } from "./data";
import { entropyApprox, pairwiseLingamMeasure } from "./lingam";
import { Rng } from "../core/random";

export interface DirectionResult {
  direction: "x->y" | "y->x";
  /** Positive evidence for the returned direction (method-specific units; larger = more confident). */
  score: number;
  method: "igci" | "anm" | "lingam";
  /** Method-specific details (both directions' statistics). */
  details: Record<string, number>;
}

function rescale01(x: Float64Array): Float64Array {
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of x) {
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  return Float64Array.from(x, (v) => (v - mn) / (mx - mn));
}

function igciSlope(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b]);
  let s = 0;
  let m = 0;
  for (let k = 0; k < n - 1; k++) {
    const dx = x[idx[k + 1]] - x[idx[k]];
    const dy = y[idx[k + 1]] - y[idx[k]];
    if (dx !== 0 && dy !== 0) {
      s += Math.log(Math.abs(dy / dx));
      m++;
    }
  }
  return m ? s / m : 0;
}

function standardize(x: Float64Array): Float64Array {
  const n = x.length;
  let m = 0;
  for (const v of x) m += v;
  m /= n;
  let s = 0;
  for (const v of x) s += (v - m) ** 2;
  const sd = Math.sqrt(s / n);
  return Float64Array.from(x, (v) => (v - m) / sd);
}

/** Nadaraya–Watson fit of y on x with bandwidth chosen by leave-one-out CV over a small grid. */
function kernelRegressionResiduals(x: Float64Array, y: Float64Array): Float64Array {
  const n = x.length;
  let sd = 0;
  let m = 0;
  for (const v of x) m += v;
  m /= n;
  for (const v of x) sd += (v - m) ** 2;
  sd = Math.sqrt(sd / n);
  const h0 = 1.06 * sd * Math.pow(n, -0.2);
  let bestH = h0;
  let bestErr = Infinity;
  for (const f of [0.25, 0.5, 1, 2]) {
    const h = h0 * f;
    let err = 0;
    for (let i = 0; i < n; i++) {
      let sw = 0;
      let swy = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const w = Math.exp(-0.5 * ((x[i] - x[j]) / h) ** 2);
        sw += w;
        swy += w * y[j];
      }
      const pred = sw > 1e-300 ? swy / sw : y[i];
      err += (y[i] - pred) ** 2;
    }
    if (err < bestErr) {
      bestErr = err;
      bestH = h;
    }
  }
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sw = 0;
    let swy = 0;
    for (let j = 0; j < n; j++) {
      const w = Math.exp(-0.5 * ((x[i] - x[j]) / bestH) ** 2);
      sw += w;
      swy += w * y[j];
    }
    r[i] = y[i] - swy / sw;
  }
  return r;
}

function gram(x: Float64Array): Float64Array {
  const n = x.length;
  // median heuristic on a subsample of pairs
  const d: number[] = [];
  for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 100))) for (let j = i + 1; j < n; j += Math.max(1, Math.floor(n / 100))) d.push(Math.abs(x[i] - x[j]));
  d.sort((a, b) => a - b);
  const med = d[Math.floor(d.length / 2)] || 1;
  const g = 1 / (2 * med * med);
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) K[i * n + j] = K[j * n + i] = Math.exp(-g * (x[i] - x[j]) ** 2);
  // centre: HKH
  const rm = new Float64Array(n);
  let tm = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += K[i * n + j];
    rm[i] = s / n;
    tm += s;
  }
  tm /= n * n;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) K[i * n + j] += tm - rm[i] - rm[j];
  return K;
}

/** Normalised HSIC (centred kernel alignment) of two samples, in [0, 1]. */
export function hsic(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  const Kx = gram(x);
  const Ky = gram(y);
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < n * n; i++) {
    xy += Kx[i] * Ky[i];
    xx += Kx[i] * Kx[i];
    yy += Ky[i] * Ky[i];
  }
  return xy / Math.sqrt(xx * yy);
}

/**
 * Which of x → y and y → x the data favour; see module comment.
 * Example: `causalDirection(df.volume, df.polarization, { method: "anm" })`.
 */
export function causalDirection(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: { method?: "igci" | "anm" | "lingam"; maxRows?: number; seed?: number } = {},
): DirectionResult {
  const fn = "causalDirection";
  let xv = toVector(x, "x", fn);
  let yv = toVector(y, "y", fn);
  if (xv.length !== yv.length) throw new Error(`${fn}: x has ${xv.length} values, y has ${yv.length}`);
  if (xv.length < 10) throw new Error(`${fn}: need at least 10 paired values, got ${xv.length}`);
  const method = options.method ?? "anm";
  for (const [name, v] of [["x", xv], ["y", yv]] as const) {
    let mn = Infinity;
    let mx = -Infinity;
    for (const a of v) {
      if (a < mn) mn = a;
      if (a > mx) mx = a;
    }
    if (mn === mx) throw new Error(`${fn}: ${name} is constant; no direction can be inferred`);
  }
  if (method === "igci") {
    const xs = rescale01(xv);
    const ys = rescale01(yv);
    const cxy = igciSlope(xs, ys);
    const cyx = igciSlope(ys, xs);
    const s = cyx - cxy;
    return { direction: s >= 0 ? "x->y" : "y->x", score: Math.abs(s), method, details: { cxy, cyx } };
  }
  if (method === "lingam") {
    const xs = standardize(xv);
    const ys = standardize(yv);
    const dm = pairwiseLingamMeasure(xs, ys, entropyApprox(xs), entropyApprox(ys));
    return { direction: dm >= 0 ? "x->y" : "y->x", score: Math.abs(dm), method, details: { measure: dm } };
  }
  if (method === "anm") {
    const maxRows = options.maxRows ?? 500;
    if (xv.length > maxRows) {
      const rng = new Rng(options.seed ?? 0);
      const idx = rng.shuffle(Array.from({ length: xv.length }, (_, i) => i)).slice(0, maxRows);
      xv = Float64Array.from(idx, (i) => xv[i]);
      yv = Float64Array.from(idx, (i) => yv[i]);
    }
    const xs = standardize(xv);
    const ys = standardize(yv);
    const hxy = hsic(xs, kernelRegressionResiduals(xs, ys));
    const hyx = hsic(ys, kernelRegressionResiduals(ys, xs));
    const s = hyx - hxy;
    return { direction: s >= 0 ? "x->y" : "y->x", score: Math.abs(s), method, details: { hsicForward: hxy, hsicBackward: hyx } };
  }
  throw new Error(`${fn}: unknown method "${method as string}"; expected "igci", "anm" or "lingam"`);
}
