/**
 * Decomposition and clustering of diffraction patterns: PCA (streamed
 * covariance, one pass + one projection pass), NMF (Lee & Seung
 * multiplicative updates, Nature 401 (1999) 788), k-means (k-means++
 * seeding, Arthur & Vassilvitskii 2007) and Gaussian mixtures (EM, full
 * covariance) on the PCA scores, giving cluster maps of phases/orientations
 * (as in py4DSTEM's and HyperSpy's decomposition/clustering workflows).
 *
 * Patterns are first binned by `bin` × `bin` detector pixels (summed; edge
 * bins partial) and optionally square-root transformed (`transform:
 * "sqrt"`, the Poisson variance-stabilising transform, default), so that
 * the bright-field disk does not dominate. All randomness takes a `seed`.
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

export interface FeatureOptions extends RunOptions {
  /** Detector binning factor (default: the smallest giving ≤ 1024 features). */
  bin?: number;
  /** "sqrt" (default), "log" (log1p) or "none", applied after binning. */
  transform?: "sqrt" | "log" | "none";
}

interface FeatureParams { bin: number; bw: number; bh: number; transform: number; mean: Float64Array | null; basis: Float64Array | null; k: number }

function featureShape(ds: Dataset4D, options: FeatureOptions): { bin: number; bw: number; bh: number; transform: number } {
  const [ky, kx] = ds.detShape;
  const bin = options.bin ?? Math.max(1, Math.ceil(Math.sqrt((kx * ky) / 1024)));
  if (!Number.isInteger(bin) || bin < 1) throw new RangeError(`options.bin must be a positive integer, got ${bin}`);
  const t = options.transform ?? "sqrt";
  const transform = t === "none" ? 0 : t === "sqrt" ? 1 : t === "log" ? 2 : -1;
  if (transform < 0) throw new TypeError(`options.transform must be "sqrt", "log" or "none", got ${JSON.stringify(t)}`);
  return { bin, bw: Math.ceil(kx / bin), bh: Math.ceil(ky / bin), transform };
}

/** Feature extraction of the UDFs below: bins frame i and applies the transform into `out` (length bw*bh). */
function featuresOf(frames: Float32Array, i: number, p: FeatureParams, kx: number, ky: number, out: Float64Array): void {
  out.fill(0);
  const o = i * kx * ky;
  for (let y = 0; y < ky; y++) {
    const by = Math.floor(y / p.bin) * p.bw;
    for (let x = 0; x < kx; x++) out[by + Math.floor(x / p.bin)] += frames[o + y * kx + x];
  }
  if (p.transform === 1) for (let j = 0; j < out.length; j++) out[j] = Math.sqrt(Math.max(0, out[j]));
  else if (p.transform === 2) for (let j = 0; j < out.length; j++) out[j] = Math.log1p(Math.max(0, out[j]));
}

/** Process function of the covariance UDF: sums and upper-triangle cross-products of the features of n frames. */
export function processFeatureMoments(frames: Float32Array, n: number, _start: number, b: Record<string, Float64Array>, p: FeatureParams, meta: DatasetMeta): void {
  const d = p.bw * p.bh, v = new Float64Array(d), s = b.s, ss = b.ss;
  for (let i = 0; i < n; i++) {
    featuresOf(frames, i, p, meta.detShape[1], meta.detShape[0], v);
    for (let a = 0; a < d; a++) {
      const va = v[a];
      s[a] += va;
      if (va === 0) continue;
      const row = a * d;
      for (let c = a; c < d; c++) ss[row + c] += va * v[c];
    }
  }
}

/** Process function of the features UDF: features of n frames, projected on `p.basis` (k scores per frame) or raw (d values). */
export function processFeatures(frames: Float32Array, n: number, _start: number, b: Record<string, Float64Array>, p: FeatureParams, meta: DatasetMeta): void {
  const d = p.bw * p.bh, v = new Float64Array(d), out = b.out;
  const w = p.basis ? p.k : d;
  for (let i = 0; i < n; i++) {
    featuresOf(frames, i, p, meta.detShape[1], meta.detShape[0], v);
    if (!p.basis) { for (let j = 0; j < d; j++) out[i * w + j] = v[j]; continue; }
    for (let c = 0; c < p.k; c++) {
      let s = 0;
      const bo = c * d;
      for (let j = 0; j < d; j++) s += (v[j] - p.mean![j]) * p.basis[bo + j];
      out[i * w + c] = s;
    }
  }
}

/** UDF: sums and cross-products of the features (for the covariance). */
function covarianceUDF(fp: FeatureParams): UDF<{ mean: Float64Array; cov: Float64Array; d: number }, FeatureParams> {
  const d = fp.bw * fp.bh;
  return {
    name: "patternCovariance",
    params: fp,
    buffers: () => ({ s: { kind: "single", length: d }, ss: { kind: "single", length: d * d } }),
    process: here("processFeatureMoments"),
    finalize: (b, meta) => {
      const n = meta.nFrames, mean = new Float64Array(d), cov = new Float64Array(d * d);
      for (let a = 0; a < d; a++) mean[a] = b.s[a] / n;
      for (let a = 0; a < d; a++) for (let c = a; c < d; c++) {
        const v = (b.ss[a * d + c] - n * mean[a] * mean[c]) / Math.max(1, n - 1);
        cov[a * d + c] = v; cov[c * d + a] = v;
      }
      return { mean, cov, d };
    },
  };
}

/** UDF: features of every frame, projected on a basis (k scores per frame) or raw (basis null: d values per frame). */
function featuresUDF(fp: FeatureParams, width: number): UDF<Float64Array, FeatureParams> {
  return {
    name: "patternFeatures",
    params: fp,
    buffers: () => ({ out: { kind: "nav", extra: width } }),
    process: here("processFeatures"),
    finalize: (b) => b.out,
  };
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
 * Principal component analysis of the (binned, transformed) patterns: a
 * streaming pass accumulates the d × d covariance (d = binned pixels), its
 * eigenvectors are the components, and a second pass projects every
 * pattern. Memory O(d² + n·k); time O(n·d²/2 + d³). Component signs are
 * fixed so that each component's largest-magnitude entry is positive.
 */
export async function patternPCA(ds: Dataset4D, options: FeatureOptions & { components?: number } = {}): Promise<PCAResult> {
  const fs = featureShape(ds, options);
  const d = fs.bw * fs.bh;
  if (d > 4096) throw new RangeError(`patternPCA: ${d} features after binning by ${fs.bin}; use options.bin to get at most 4096`);
  const k = Math.min(options.components ?? 8, d);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`patternPCA: options.components must be a positive integer, got ${options.components}`);
  const base = { ...fs, mean: null, basis: null, k };
  const { mean, cov } = await runUDF(ds, covarianceUDF(base), options);
  const { values: vals, vecs } = symmetricEigen(Float64Array.from(cov), d);
  const order = Array.from(vals, (v, i) => [v, i]).sort((a, b) => b[0] - a[0]).map((x) => x[1]);
  const basis = new Float64Array(k * d), variance = new Float64Array(k), explained = new Float64Array(k);
  const total = vals.reduce((s, v) => s + Math.max(0, v), 0);
  for (let c = 0; c < k; c++) {
    const col = order[c];
    let big = 0;
    for (let j = 0; j < d; j++) { const v = vecs[col * d + j]; if (Math.abs(v) > Math.abs(big)) big = v; }
    const sgn = big < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) basis[c * d + j] = sgn * vecs[col * d + j];
    variance[c] = Math.max(0, vals[col]); explained[c] = total > 0 ? variance[c] / total : 0;
  }
  const sc = await runUDF(ds, featuresUDF({ ...base, mean, basis }, k), options);
  const scores = Float32Array.from(sc);
  const n = ds.nFrames;
  const maps = Array.from({ length: k }, (_, c) => scanImage(ds, Float32Array.from({ length: n }, (_, f) => scores[f * k + c])));
  const components = Array.from({ length: k }, (_, c) => makeImage(Float32Array.from(basis.subarray(c * d, (c + 1) * d)), fs.bw, fs.bh));
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
 * Non-negative matrix factorisation X ≈ W·H of the binned, transformed
 * patterns (X: n frames × d features, non-negative) by Lee–Seung
 * multiplicative updates for the Frobenius norm, seeded random start.
 * Holds X in memory (n·d float64): choose `bin` accordingly.
 */
export async function patternNMF(ds: Dataset4D, options: FeatureOptions & { components?: number; iterations?: number; seed?: number; tolerance?: number } = {}): Promise<NMFResult> {
  const fs = featureShape(ds, options);
  const d = fs.bw * fs.bh, n = ds.nFrames, k = options.components ?? 4;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`patternNMF: options.components must be a positive integer, got ${k}`);
  if (n * d > 2 ** 28) throw new RangeError(`patternNMF: ${n} frames × ${d} features is too large to hold; increase options.bin`);
  const X = await runUDF(ds, featuresUDF({ ...fs, mean: null, basis: null, k }, d), options);
  for (let i = 0; i < X.length; i++) if (!(X[i] >= 0)) throw new RangeError(`patternNMF: frame ${Math.floor(i / d)} has a negative or NaN feature (${X[i]}); NMF needs non-negative data`);
  const r = rng(options.seed ?? 0);
  let xmean = 0;
  for (let i = 0; i < X.length; i++) xmean += X[i];
  xmean /= X.length;
  const s = Math.sqrt(xmean / k);
  const W = Float64Array.from({ length: n * k }, () => s * (0.1 + r.uniform()));
  const H = Float64Array.from({ length: k * d }, () => s * (0.1 + r.uniform()));
  const iters = options.iterations ?? 200, tol = options.tolerance ?? 1e-5, eps = 1e-12;
  let xnorm = 0;
  for (let i = 0; i < X.length; i++) xnorm += X[i] * X[i];
  let err = Infinity, it = 0;
  const WtX = new Float64Array(k * d), WtW = new Float64Array(k * k), XHt = new Float64Array(n * k), HHt = new Float64Array(k * k);
  for (it = 1; it <= iters; it++) {
    // H ← H ∘ (WᵀX) / (WᵀW H)
    WtX.fill(0); WtW.fill(0);
    for (let f = 0; f < n; f++) for (let a = 0; a < k; a++) {
      const w = W[f * k + a];
      if (w === 0) continue;
      for (let j = 0; j < d; j++) WtX[a * d + j] += w * X[f * d + j];
      for (let b = 0; b < k; b++) WtW[a * k + b] += w * W[f * k + b];
    }
    for (let a = 0; a < k; a++) for (let j = 0; j < d; j++) {
      let den = 0;
      for (let b = 0; b < k; b++) den += WtW[a * k + b] * H[b * d + j];
      H[a * d + j] *= WtX[a * d + j] / (den + eps);
    }
    // W ← W ∘ (X Hᵀ) / (W H Hᵀ)
    XHt.fill(0); HHt.fill(0);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) { let t = 0; for (let j = 0; j < d; j++) t += H[a * d + j] * H[b * d + j]; HHt[a * k + b] = t; }
    for (let f = 0; f < n; f++) for (let a = 0; a < k; a++) { let t = 0; for (let j = 0; j < d; j++) t += X[f * d + j] * H[a * d + j]; XHt[f * k + a] = t; }
    for (let f = 0; f < n; f++) for (let a = 0; a < k; a++) {
      let den = 0;
      for (let b = 0; b < k; b++) den += W[f * k + b] * HHt[b * k + a];
      W[f * k + a] *= XHt[f * k + a] / (den + eps);
    }
    if (it % 10 === 0 || it === iters) {
      // ‖X − WH‖² = ‖X‖² − 2 tr(Wᵀ X Hᵀ) + tr(WᵀW HHᵀ)
      let cross = 0, quad = 0;
      for (let f = 0; f < n; f++) for (let a = 0; a < k; a++) cross += W[f * k + a] * XHt[f * k + a];
      WtW.fill(0);
      for (let f = 0; f < n; f++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) WtW[a * k + b] += W[f * k + a] * W[f * k + b];
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) quad += WtW[a * k + b] * HHt[b * k + a];
      const e = Math.sqrt(Math.max(0, xnorm - 2 * cross + quad) / Math.max(xnorm, eps));
      if (Math.abs(err - e) < tol * Math.max(e, eps)) { err = e; break; }
      err = e;
    }
  }
  const maps = Array.from({ length: k }, (_, a) => scanImage(ds, Float32Array.from({ length: n }, (_, f) => W[f * k + a])));
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
