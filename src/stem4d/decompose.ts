/**
 * Decomposition and clustering of diffraction patterns: PCA (randomized
 * SVD, Halko, Martinsson & Tropp, SIAM Rev. 53 (2011) 217), NMF
 * (coordinate descent / HALS, Cichocki & Phan, IEICE Trans. E92-A (2009)
 * 708, started from NNDSVDa, Boutsidis & Gallopoulos, Pattern Recogn. 41
 * (2008) 1350 — scikit-learn's `NMF(solver="cd")`), k-means (k-means++
 * seeding, Arthur & Vassilvitskii 2007) and Gaussian mixtures (EM, full
 * covariance) on the PCA scores, giving cluster maps of phases/orientations
 * (as in py4DSTEM's and HyperSpy's decomposition/clustering workflows).
 *
 * Patterns are first binned by `bin` × `bin` detector pixels (summed; edge
 * bins partial) and optionally square-root transformed (`transform:
 * "sqrt"`, the Poisson variance-stabilising transform, default), so that
 * the bright-field disk does not dominate. One streamed pass over the data
 * (on the worker pool) gives this n × d feature matrix, held in memory
 * (n·d float64, at most 2^28 values: choose `bin` accordingly); everything
 * after it works on that matrix. All randomness takes a `seed`.
 */
import { makeImage, type Image } from "../image";
import { rng } from "../core/random";
import { symmetricEigen } from "../core/linalg";
import { kmeans, gmm } from "../core/cluster";
import type { Dataset4D } from "./dataset";
import { scanImage } from "./analyses";
import { runUDF, type DatasetMeta, type RunOptions, type UDF } from "./udf";
import type { TaskRef } from "../core/pool";
import { renameOptions } from "../core/options";

/** Reference to a process function of this module (for worker threads). */
const here = (name: string): TaskRef => ({ module: __filename, export: name });

/** Largest feature matrix (frames × features) held in memory: 2^28 float64 values = 2 GiB. */
const MAX_FEATURE_VALUES = 2 ** 28;

export interface FeatureOptions extends RunOptions {
  /** Detector binning factor (default: the smallest giving ≤ 1024 features). */
  bin?: number;
  /** "sqrt" (default), "log" (log1p) or "none", applied after binning. */
  transform?: "sqrt" | "log" | "none";
}

interface FeatureParams { bin: number; bw: number; bh: number; transform: number }

function featureShape(ds: Dataset4D, options: FeatureOptions): FeatureParams {
  const [ky, kx] = ds.detShape;
  const bin = options.bin ?? Math.max(1, Math.ceil(Math.sqrt((kx * ky) / 1024)));
  if (!Number.isInteger(bin) || bin < 1) throw new RangeError(`options.bin must be a positive integer, got ${bin}`);
  const t = options.transform ?? "sqrt";
  const transform = t === "none" ? 0 : t === "sqrt" ? 1 : t === "log" ? 2 : -1;
  if (transform < 0) throw new TypeError(`options.transform must be "sqrt", "log" or "none", got ${JSON.stringify(t)}`);
  return { bin, bw: Math.ceil(kx / bin), bh: Math.ceil(ky / bin), transform };
}

/** Process function of the features UDF: binned, transformed features of n frames, d = bw·bh values per frame. */
export function processFeatures(frames: Float32Array, n: number, _start: number, b: Record<string, Float64Array>, p: FeatureParams, meta: DatasetMeta): void {
  const [ky, kx] = meta.detShape, d = p.bw * p.bh, out = b.out;
  const col = Int32Array.from({ length: kx }, (_, x) => Math.floor(x / p.bin));
  for (let i = 0; i < n; i++) {
    const o = i * kx * ky, v = out.subarray(i * d, (i + 1) * d);
    for (let y = 0; y < ky; y++) {
      const by = Math.floor(y / p.bin) * p.bw, row = o + y * kx;
      for (let x = 0; x < kx; x++) v[by + col[x]] += frames[row + x];
    }
    if (p.transform === 1) for (let j = 0; j < d; j++) v[j] = Math.sqrt(Math.max(0, v[j]));
    else if (p.transform === 2) for (let j = 0; j < d; j++) v[j] = Math.log1p(Math.max(0, v[j]));
  }
}

/** The n × d feature matrix of `ds` (row-major, frame-major), after the size check naming `fn`. */
async function patternFeatures(fn: string, ds: Dataset4D, fp: FeatureParams, options: RunOptions): Promise<Float64Array> {
  const d = fp.bw * fp.bh;
  if (ds.nFrames * d > MAX_FEATURE_VALUES) throw new RangeError(`${fn}: ${ds.nFrames} frames × ${d} features (bin ${fp.bin}) is more than the 2^28 values held in memory; increase options.bin`);
  const udf: UDF<Float64Array, FeatureParams> = {
    name: "patternFeatures",
    params: fp,
    buffers: () => ({ out: { kind: "nav", extra: d } }),
    process: here("processFeatures"),
    finalize: (b) => b.out,
  };
  return runUDF(ds, udf, options);
}

/**
 * out (l × n) = A·Xᵀ for A l × d and X n × d (row-major): out[c·n + f] =
 * Σ_j A[c, j]·X[f, j], dot products over contiguous rows, four rows of A at
 * a time so that each X value loaded serves four products. O(n·d·l).
 */
function mulXt(A: Float64Array, l: number, X: Float64Array, n: number, d: number, out: Float64Array): void {
  for (let f = 0; f < n; f++) {
    const xo = f * d;
    let c = 0;
    for (; c + 3 < l; c += 4) {
      const a0 = c * d, a1 = a0 + d, a2 = a1 + d, a3 = a2 + d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < d; j++) {
        const x = X[xo + j];
        s0 += A[a0 + j] * x; s1 += A[a1 + j] * x; s2 += A[a2 + j] * x; s3 += A[a3 + j] * x;
      }
      out[c * n + f] = s0; out[(c + 1) * n + f] = s1; out[(c + 2) * n + f] = s2; out[(c + 3) * n + f] = s3;
    }
    for (; c < l; c++) {
      const a0 = c * d;
      let s0 = 0;
      for (let j = 0; j < d; j++) s0 += A[a0 + j] * X[xo + j];
      out[c * n + f] = s0;
    }
  }
}

/**
 * out (l × d) = B·X for B l × n and X n × d (row-major): each row of out
 * accumulates rows of X, four rows of X at a time so that each out value
 * loaded and stored serves four products. O(n·d·l).
 */
function mulX(B: Float64Array, l: number, X: Float64Array, n: number, d: number, out: Float64Array): void {
  out.fill(0);
  let f = 0;
  for (; f + 3 < n; f += 4) {
    const x0 = f * d, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d;
    for (let c = 0; c < l; c++) {
      const b0 = B[c * n + f], b1 = B[c * n + f + 1], b2 = B[c * n + f + 2], b3 = B[c * n + f + 3], o = c * d;
      for (let j = 0; j < d; j++) out[o + j] += b0 * X[x0 + j] + b1 * X[x1 + j] + b2 * X[x2 + j] + b3 * X[x3 + j];
    }
  }
  for (; f < n; f++) {
    const x0 = f * d;
    for (let c = 0; c < l; c++) {
      const b0 = B[c * n + f], o = c * d;
      for (let j = 0; j < d; j++) out[o + j] += b0 * X[x0 + j];
    }
  }
}

/** out (k × k) = A·Aᵀ for A k × m row-major. O(k²·m). */
function gramRows(A: Float64Array, k: number, m: number, out: Float64Array): void {
  for (let a = 0; a < k; a++) for (let b = a; b < k; b++) {
    let t = 0;
    for (let i = 0; i < m; i++) t += A[a * m + i] * A[b * m + i];
    out[a * k + b] = t; out[b * k + a] = t;
  }
}

/**
 * Orthonormalise the l rows (length m) of A in place: modified Gram–Schmidt,
 * run twice for orthogonality to rounding. A row that is (numerically) in
 * the span of the previous ones becomes zero. O(l²·m).
 */
function orthonormalizeRows(A: Float64Array, l: number, m: number): void {
  const first = new Float64Array(l);
  for (let c = 0; c < l; c++) { let t = 0; for (let i = 0; i < m; i++) t += A[c * m + i] ** 2; first[c] = Math.sqrt(t); }
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < l; c++) {
      const o = c * m;
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += A[p * m + i] * A[o + i];
        if (dot !== 0) for (let i = 0; i < m; i++) A[o + i] -= dot * A[p * m + i];
      }
      let t = 0;
      for (let i = 0; i < m; i++) t += A[o + i] ** 2;
      const norm = Math.sqrt(t), inv = norm > 1e-10 * first[c] && norm > 0 ? 1 / norm : 0;
      for (let i = 0; i < m; i++) A[o + i] *= inv;
    }
  }
}

/** Leading singular triplets of a matrix, strongest first. */
export interface TruncatedSVD {
  /** Singular values (k). */
  s: Float64Array;
  /** Left singular vectors as rows, k × n row-major (row c is u_c). */
  U: Float64Array;
  /** Right singular vectors as rows, k × d row-major (row c is v_c). */
  V: Float64Array;
}

/**
 * The k leading singular values and vectors of the n × d row-major matrix
 * X, or of X with `mean` subtracted from every row (PCA), without forming
 * the centred matrix: randomized subspace iteration (Halko, Martinsson &
 * Tropp 2011, Algorithms 4.4 and 5.1; scikit-learn's `randomized_svd`)
 * with l = k + `oversample` (default 10) Gaussian test vectors (from
 * `seed`) and `iterations` (default 7, as scikit-learn) power iterations,
 * re-orthonormalised at every step. The error decays as
 * (σ_{l+1}/σ_k)^(2·iterations+1), so the leading subspace is exact to
 * rounding where the spectrum has a gap. Singular values beyond X's rank
 * come out 0 with zero vectors. Time O((2·iterations + 2)·n·d·l), memory
 * O((n + d)·l) besides X.
 *
 * @example const { s, V } = randomizedSVD(X, nFrames, nFeatures, 8, { mean, seed: 0 });
 */
export function randomizedSVD(X: Float64Array, n: number, d: number, k: number, options: { mean?: Float64Array; seed?: number; oversample?: number; iterations?: number } = {}): TruncatedSVD {
  if (X.length !== n * d) throw new RangeError(`randomizedSVD: X has ${X.length} values, n × d = ${n} × ${d} needs ${n * d}`);
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, d)) throw new RangeError(`randomizedSVD: k must be an integer in 1..min(n, d) = ${Math.min(n, d)}, got ${k}`);
  const mean = options.mean;
  if (mean && mean.length !== d) throw new RangeError(`randomizedSVD: options.mean has ${mean.length} values, d = ${d}`);
  const l = Math.min(k + (options.oversample ?? 10), n, d), iterations = options.iterations ?? 7;
  const r = rng(options.seed ?? 0);
  const Qt = new Float64Array(l * n), Zt = Float64Array.from({ length: l * d }, () => r.normal());
  // (X − 1·meanᵀ) products as X products minus the rank-one mean term.
  const centredXt = (): void => {
    mulXt(Zt, l, X, n, d, Qt);
    if (mean) for (let c = 0; c < l; c++) { let m = 0; for (let j = 0; j < d; j++) m += Zt[c * d + j] * mean[j]; for (let f = 0; f < n; f++) Qt[c * n + f] -= m; }
  };
  const centredX = (): void => {
    mulX(Qt, l, X, n, d, Zt);
    if (mean) for (let c = 0; c < l; c++) { let q = 0; for (let f = 0; f < n; f++) q += Qt[c * n + f]; for (let j = 0; j < d; j++) Zt[c * d + j] -= q * mean[j]; }
  };
  centredXt();
  orthonormalizeRows(Qt, l, n);
  for (let it = 0; it < iterations; it++) {
    centredX();
    orthonormalizeRows(Zt, l, d);
    centredXt();
    orthonormalizeRows(Qt, l, n);
  }
  // B = Qᵀ(X − 1·meanᵀ) = Zt (l × d); its SVD from the eigenvectors of B·Bᵀ (l × l).
  centredX();
  const BBt = new Float64Array(l * l);
  gramRows(Zt, l, d, BBt);
  const { values, vecs } = symmetricEigen(BBt, l);
  const order = Array.from(values, (v, i) => [v, i]).sort((a, b) => b[0] - a[0]).map((x) => x[1]);
  const s = new Float64Array(k), U = new Float64Array(k * n), V = new Float64Array(k * d);
  const top = Math.sqrt(Math.max(0, values[order[0]]));
  for (let c = 0; c < k; c++) {
    const u = vecs.subarray(order[c] * l, (order[c] + 1) * l), sc = Math.sqrt(Math.max(0, values[order[c]]));
    if (!(sc > 1e-12 * top)) continue; // beyond the rank: s = 0, zero vectors
    s[c] = sc;
    for (let a = 0; a < l; a++) {
      const w = u[a];
      for (let j = 0; j < d; j++) V[c * d + j] += (w * Zt[a * d + j]) / sc;
      for (let f = 0; f < n; f++) U[c * n + f] += w * Qt[a * n + f];
    }
  }
  return { s, U, V };
}

export interface PCAResult {
  /** Score maps, one scan-sized image per component (strongest first). */
  maps: Image[];
  /** Components as binned detector images (bw × bh). */
  components: Image[];
  /** Variance of each component and its fraction of the total. */
  variance: Float64Array;
  explained: Float64Array;
  /** Scores, frame-major: scores[f * k + c]. */
  scores: Float32Array;
  /** Mean binned pattern. */
  mean: Image;
  bin: number;
}

/**
 * Principal component analysis of the (binned, transformed) patterns, as
 * scikit-learn's `PCA(svd_solver="randomized")`: one streamed pass gives
 * the n × d feature matrix, {@link randomizedSVD} of the centred matrix its
 * `components` (default 8) leading principal axes, and the scores are the
 * centred features projected on them. Variance = σ²/(n − 1); explained =
 * variance / total variance of the features (exact, from all of them).
 * Time O(16·n·d·(k + 10)) after the pass; memory n·d float64. Component
 * signs are fixed so that each component's largest-magnitude entry is
 * positive. `seed` (default 0) draws the random test vectors; other seeds
 * change the result only at the level of the approximation error.
 *
 * @example const { maps, explained } = await patternPCA(ds, { components: 4, bin: 4 });
 */
export async function patternPCA(ds: Dataset4D, options: FeatureOptions & { components?: number; seed?: number } = {}): Promise<PCAResult> {
  const fs = featureShape(ds, options);
  const d = fs.bw * fs.bh, n = ds.nFrames;
  const k = Math.min(options.components ?? 8, d, n);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`patternPCA: options.components must be a positive integer, got ${options.components}`);
  const X = await patternFeatures("patternPCA", ds, fs, options);
  const mean = new Float64Array(d);
  for (let f = 0; f < n; f++) for (let j = 0; j < d; j++) mean[j] += X[f * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  let total = 0;
  for (let f = 0; f < n; f++) for (let j = 0; j < d; j++) total += (X[f * d + j] - mean[j]) ** 2;
  const { s, U, V } = randomizedSVD(X, n, d, k, { mean, seed: options.seed });
  const variance = new Float64Array(k), explained = new Float64Array(k), scores = new Float32Array(n * k);
  for (let c = 0; c < k; c++) {
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(V[c * d + j]) > Math.abs(big)) big = V[c * d + j];
    const sgn = big < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) V[c * d + j] *= sgn;
    for (let f = 0; f < n; f++) scores[f * k + c] = sgn * s[c] * U[c * n + f];
    variance[c] = (s[c] * s[c]) / Math.max(1, n - 1);
    explained[c] = total > 0 ? (s[c] * s[c]) / total : 0;
  }
  const maps = Array.from({ length: k }, (_, c) => scanImage(ds, Float32Array.from({ length: n }, (_, f) => scores[f * k + c])));
  const components = Array.from({ length: k }, (_, c) => makeImage(Float32Array.from(V.subarray(c * d, (c + 1) * d)), fs.bw, fs.bh));
  return { maps, components, variance, explained, scores, mean: makeImage(Float32Array.from(mean), fs.bw, fs.bh), bin: fs.bin };
}

export interface NMFResult {
  /** Abundance maps, one scan-sized image per component. */
  maps: Image[];
  /** Components as binned detector images (bw × bh). */
  components: Image[];
  /** Relative Frobenius reconstruction error ‖X − WH‖/‖X‖. */
  error: number;
  iterations: number;
}

/**
 * NNDSVDa start of NMF (Boutsidis & Gallopoulos 2008; scikit-learn's
 * `init="nndsvda"`): from the k leading singular triplets (u, σ, v) of X,
 * the larger of the positive and negative parts of each pair (the first
 * pair is of one sign: |u|, |v|), scaled by √(σ · ‖part of u‖ · ‖part of v‖);
 * entries below 1e-6 are then set to X's mean. Writes Wᵀ (k × n) and H (k × d).
 */
function nndsvda(X: Float64Array, n: number, d: number, k: number, seed: number | undefined, Wt: Float64Array, H: Float64Array): void {
  const { s, U, V } = randomizedSVD(X, n, d, k, { seed });
  let avg = 0;
  for (let i = 0; i < X.length; i++) avg += X[i];
  avg /= X.length;
  const sq = (a: Float64Array, o: number, m: number, positive: boolean): number => {
    let t = 0;
    for (let i = o; i < o + m; i++) if (a[i] > 0 === positive) t += a[i] * a[i];
    return t;
  };
  for (let c = 0; c < k; c++) {
    const up = sq(U, c * n, n, true), un = sq(U, c * n, n, false), vp = sq(V, c * d, d, true), vn = sq(V, c * d, d, false);
    const sign = c === 0 ? 0 : Math.sqrt(up * vp) > Math.sqrt(un * vn) ? 1 : -1; // 0: both signs, as |u|, |v|
    const part = (x: number): number => (sign === 0 ? Math.abs(x) : Math.max(0, sign * x));
    const su = Math.sqrt(sign === 0 ? up + un : sign > 0 ? up : un), sv = Math.sqrt(sign === 0 ? vp + vn : sign > 0 ? vp : vn);
    const lambda = Math.sqrt(s[c] * su * sv);
    for (let i = 0; i < n; i++) Wt[c * n + i] = su > 0 ? (lambda * part(U[c * n + i])) / su : 0;
    for (let j = 0; j < d; j++) H[c * d + j] = sv > 0 ? (lambda * part(V[c * d + j])) / sv : 0;
  }
  for (let i = 0; i < Wt.length; i++) if (Wt[i] < 1e-6) Wt[i] = avg;
  for (let i = 0; i < H.length; i++) if (H[i] < 1e-6) H[i] = avg;
}

/**
 * One coordinate-descent (HALS) sweep over the k rows of A (k × m) for
 * min ‖Y − Bᵀ·A‖ with B fixed, given P = B·Y (k × m) and G = B·Bᵀ (k × k):
 * A[t,i] ← max(0, A[t,i] − (Σ_r G[t,r]·A[r,i] − P[t,i]) / G[t,t]), t in
 * order (each update uses the ones before it, as scikit-learn's "cd").
 * Columns are independent, so the sweep runs column by column. O(m·k²).
 */
function halsSweep(A: Float64Array, k: number, m: number, P: Float64Array, G: Float64Array): void {
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < k; t++) {
      const hess = G[t * k + t];
      if (hess === 0) continue;
      let grad = -P[t * m + i];
      for (let r = 0; r < k; r++) grad += G[t * k + r] * A[r * m + i];
      A[t * m + i] = Math.max(0, A[t * m + i] - grad / hess);
    }
  }
}

/**
 * Non-negative matrix factorisation X ≈ W·H of the binned, transformed
 * patterns (X: n frames × d features, non-negative; W: n × k abundances,
 * H: k × d components) for the Frobenius norm, as scikit-learn's
 * `NMF(init="nndsvda", solver="cd")`: NNDSVDa start (seeded randomized
 * SVD), then coordinate descent (HALS) sweeps over W and H, stopped when
 * the relative error changes by less than `tolerance` (default 1e-5,
 * relative) over 10 sweeps or after `iterations` (default 200). Time
 * O(2·n·d·k) per sweep; memory n·d float64. Abundances W and components
 * H are determined up to a scale exchanged between them, as in any NMF.
 *
 * @example const { maps, components, error } = await patternNMF(ds, { components: 3, bin: 4 });
 */
export async function patternNMF(ds: Dataset4D, options: FeatureOptions & { components?: number; iterations?: number; seed?: number; tolerance?: number } = {}): Promise<NMFResult> {
  const fs = featureShape(ds, options);
  const d = fs.bw * fs.bh, n = ds.nFrames, k = options.components ?? 4;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, d)) throw new RangeError(`patternNMF: options.components must be an integer in 1..min(frames, features) = ${Math.min(n, d)}, got ${k}`);
  const X = await patternFeatures("patternNMF", ds, fs, options);
  for (let i = 0; i < X.length; i++) if (!(X[i] >= 0)) throw new RangeError(`patternNMF: frame ${Math.floor(i / d)} has a negative or NaN feature (${X[i]}); NMF needs non-negative data`);
  const Wt = new Float64Array(k * n), H = new Float64Array(k * d);
  nndsvda(X, n, d, k, options.seed, Wt, H);
  const iters = options.iterations ?? 200, tol = options.tolerance ?? 1e-5;
  let xnorm = 0;
  for (let i = 0; i < X.length; i++) xnorm += X[i] * X[i];
  // HXt = H·Xᵀ (k × n), HHt = H·Hᵀ, WtX = Wᵀ·X (k × d), WtW = Wᵀ·W
  const HXt = new Float64Array(k * n), HHt = new Float64Array(k * k), WtX = new Float64Array(k * d), WtW = new Float64Array(k * k);
  mulXt(H, k, X, n, d, HXt);
  gramRows(H, k, d, HHt);
  let err = Infinity, it = 0;
  for (it = 1; it <= iters; it++) {
    halsSweep(Wt, k, n, HXt, HHt);
    gramRows(Wt, k, n, WtW);
    mulX(Wt, k, X, n, d, WtX);
    halsSweep(H, k, d, WtX, WtW);
    mulXt(H, k, X, n, d, HXt);
    gramRows(H, k, d, HHt);
    if (it % 10 === 0 || it === iters) {
      // ‖X − WH‖² = ‖X‖² − 2 tr(Wᵀ X Hᵀ) + tr(WᵀW HHᵀ)
      let cross = 0, quad = 0;
      for (let i = 0; i < k * n; i++) cross += Wt[i] * HXt[i];
      for (let i = 0; i < k * k; i++) quad += WtW[i] * HHt[i];
      const e = Math.sqrt(Math.max(0, xnorm - 2 * cross + quad) / Math.max(xnorm, 1e-300));
      if (Math.abs(err - e) < tol * Math.max(e, 1e-12)) { err = e; break; }
      err = e;
    }
  }
  const maps = Array.from({ length: k }, (_, a) => scanImage(ds, Float32Array.from(Wt.subarray(a * n, (a + 1) * n))));
  const components = Array.from({ length: k }, (_, a) => makeImage(Float32Array.from(H.subarray(a * d, (a + 1) * d)), fs.bw, fs.bh));
  return { maps, components, error: err, iterations: Math.min(it, iters) };
}

export interface ClusterResult {
  /** Scan-sized map of cluster labels 0..k−1 (largest cluster 0 for k-means). */
  labels: Image;
  /** Mean binned, transformed feature pattern of each cluster. */
  centroids: Image[];
  /** The PCA the clustering ran on. */
  pca: PCAResult;
  /** GMM posteriors (frame-major, k per frame), when method is "gmm". */
  probabilities?: Float64Array;
}

/**
 * Cluster the patterns into `clusters` groups (default 2; phases, orientations, thicknesses):
 * PCA to `components` dimensions (default 6), then k-means (default) or a
 * Gaussian mixture on the scores. Returns a label map and the cluster-mean
 * (binned) patterns.
 *
 * @example const { labels } = await clusterPatterns(ds, { clusters: 2, seed: 1 });
 */
export async function clusterPatterns(ds: Dataset4D, options: FeatureOptions & { clusters?: number; components?: number; method?: "kmeans" | "gmm"; seed?: number; /** @deprecated since 0.2: `clusters` */ k?: number } = {}): Promise<ClusterResult> {
  options = renameOptions(options, { k: "clusters" }, "clusterPatterns");
  const k = options.clusters ?? 2;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`clusterPatterns: options.clusters must be a positive integer, got ${options.clusters}`);
  const pca = await patternPCA(ds, { ...options, components: options.components ?? 6 });
  const dim = pca.maps.length, n = ds.nFrames;
  const method = options.method ?? "kmeans";
  let labels: Int32Array, probabilities: Float64Array | undefined;
  if (method === "kmeans") labels = kmeans(pca.scores, n, dim, k, { seed: options.seed }).labels;
  else if (method === "gmm") { const g = gmm(pca.scores, n, dim, k, { seed: options.seed }); labels = g.labels; probabilities = g.probabilities; }
  else throw new TypeError(`clusterPatterns: options.method must be "kmeans" or "gmm", got ${JSON.stringify(method)}`);
  // cluster means in feature space = mean + basis · mean score
  const d = pca.mean.data.length, centroids: Image[] = [];
  for (let c = 0; c < k; c++) {
    const ms = new Float64Array(dim);
    let cnt = 0;
    for (let i = 0; i < n; i++) if (labels[i] === c) { cnt++; for (let q = 0; q < dim; q++) ms[q] += pca.scores[i * dim + q]; }
    const out = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      let v = pca.mean.data[j];
      for (let q = 0; q < dim; q++) v += (cnt ? ms[q] / cnt : 0) * pca.components[q].data[j];
      out[j] = v;
    }
    centroids.push(makeImage(out, pca.mean.width, pca.mean.height));
  }
  return { labels: scanImage(ds, Float32Array.from(labels)), centroids, pca, probabilities };
}
