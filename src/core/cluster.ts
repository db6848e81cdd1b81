/**
 * Clustering of points in ℝ^dim (row-major `data`, n × dim): k-means (Lloyd
 * iterations from k-means++ seeding, D. Arthur & S. Vassilvitskii, SODA 2007,
 * or from given centroids), its 1-D case with a deterministic start, and
 * Gaussian mixtures with full covariances fitted by EM (A. Dempster, N. Laird
 * & D. Rubin, JRSS B 39, 1977) from a k-means start. Randomness takes a
 * `seed` (the one generator of `random.ts`).
 */
import { rng } from "./random";
import { cholesky } from "./linalg";

/** Result of {@link kmeans}: labels 0..k−1, centroids (k × dim, row-major), inertia (sum of squared distances to the assigned centroid) and Lloyd iterations of the kept run. */
export interface KMeansResult {
  labels: Int32Array;
  centroids: Float64Array;
  inertia: number;
  iterations: number;
}

/** Options of {@link kmeans}. */
export interface KMeansOptions {
  /** Seed of the k-means++ seeding and of the re-seeding of emptied clusters (default 0). */
  seed?: number;
  /** Maximum Lloyd iterations per run (default 100). */
  iterations?: number;
  /** Runs from independent k-means++ seedings; the lowest inertia is kept (default 4; 1 when `init` is given). */
  restarts?: number;
  /** Initial centroids (k × dim) instead of k-means++: one deterministic run. */
  init?: ArrayLike<number>;
  /** Label order: "size" (default: 0 = largest cluster, ties by first index, for reproducible colours) or "none" (as found). */
  order?: "size" | "none";
}

function checkPoints(where: string, data: ArrayLike<number>, n: number, dim: number, k: number): void {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(dim) && dim >= 1)) throw new RangeError(`${where}: n and dim must be positive integers, got n = ${n}, dim = ${dim}`);
  if (data.length !== n * dim) throw new RangeError(`${where}: data has ${data.length} values, n×dim = ${n}×${dim} = ${n * dim}`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`${where}: k must be an integer in [1, ${n}], got ${k}`);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new RangeError(`${where}: data[${i}] (point ${Math.floor(i / dim)}) is not finite (${data[i]})`);
}

/**
 * k-means (Lloyd's algorithm) on n points of dimension `dim`: k-means++
 * seeding and the best of `restarts` runs (lowest inertia), or one run from
 * `options.init`. A cluster that empties is re-seeded at a random point.
 * Labels are renumbered by decreasing cluster size unless `order: "none"`.
 * O(restarts · iterations · n · k · dim). Throws, naming the argument, on a
 * bad k, a size mismatch or a non-finite coordinate.
 *
 * @example const { labels, centroids } = kmeans(scores, nFrames, 6, 3, { seed: 1 });
 */
export function kmeans(data: ArrayLike<number>, n: number, dim: number, k: number, options: KMeansOptions = {}): KMeansResult {
  checkPoints("kmeans", data, n, dim, k);
  const init = options.init;
  if (init && init.length !== k * dim) throw new RangeError(`kmeans: options.init has ${init.length} values, k×dim = ${k}×${dim} = ${k * dim}`);
  const r = rng(options.seed ?? 0);
  const maxIter = options.iterations ?? 100;
  let best: KMeansResult | undefined;
  const runs = init ? 1 : (options.restarts ?? 4);
  for (let rep = 0; rep < runs; rep++) {
    const C = new Float64Array(k * dim);
    if (init) for (let i = 0; i < k * dim; i++) C[i] = init[i];
    else seedPlusPlus(data, n, dim, k, C, r.int(n), () => r.uniform());
    const labels = new Int32Array(n);
    let inertia = 0, it = 0;
    for (it = 1; it <= maxIter; it++) {
      let changed = 0;
      inertia = 0;
      for (let i = 0; i < n; i++) {
        let bl = 0, bd = Infinity;
        for (let c = 0; c < k; c++) {
          let s = 0;
          for (let j = 0; j < dim; j++) s += (data[i * dim + j] - C[c * dim + j]) ** 2;
          if (s < bd) { bd = s; bl = c; }
        }
        if (labels[i] !== bl || it === 1) changed++;
        labels[i] = bl; inertia += bd;
      }
      const cnt = new Float64Array(k);
      C.fill(0);
      for (let i = 0; i < n; i++) { cnt[labels[i]]++; for (let j = 0; j < dim; j++) C[labels[i] * dim + j] += data[i * dim + j]; }
      for (let c = 0; c < k; c++) {
        if (cnt[c] === 0) { const i = r.int(n); for (let j = 0; j < dim; j++) C[c * dim + j] = data[i * dim + j]; }
        else for (let j = 0; j < dim; j++) C[c * dim + j] /= cnt[c];
      }
      if (changed === 0) break;
    }
    if (!best || inertia < best.inertia) best = { labels, centroids: C, inertia, iterations: it };
  }
  return (options.order ?? "size") === "size" ? relabelBySize(best!, k, dim) : best!;
}

/** k-means++: first centroid = point `first`, each next one drawn with probability ∝ squared distance to the nearest chosen centroid. */
function seedPlusPlus(data: ArrayLike<number>, n: number, dim: number, k: number, C: Float64Array, first: number, uniform: () => number): void {
  const d2 = new Float64Array(n).fill(Infinity);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < dim; j++) C[c * dim + j] = data[first * dim + j];
    let tot = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += (data[i * dim + j] - C[c * dim + j]) ** 2;
      if (s < d2[i]) d2[i] = s;
      tot += d2[i];
    }
    let u = uniform() * tot;
    first = n - 1;
    for (let i = 0; i < n; i++) { u -= d2[i]; if (u <= 0) { first = i; break; } }
  }
}

function relabelBySize<T extends { labels: Int32Array; centroids: Float64Array }>(res: T, k: number, dim: number): T {
  const cnt = new Array(k).fill(0);
  for (const l of res.labels) cnt[l]++;
  const order = cnt.map((c, i) => [c, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map((x) => x[1]);
  const map = new Int32Array(k);
  order.forEach((old, nw) => (map[old] = nw));
  const labels = res.labels.map((l) => map[l]);
  const centroids = new Float64Array(k * dim);
  order.forEach((old, nw) => centroids.set(res.centroids.subarray(old * dim, (old + 1) * dim), nw * dim));
  return { ...res, labels, centroids };
}

/**
 * 1-D k-means of `values` with a deterministic start (the (c + ½)/k
 * quantiles of the sorted values), as {@link kmeans} with `init`; labels
 * are renumbered so that the centres ascend (label 0 = smallest centre).
 * k ≤ 1 or no values: one cluster at the mean. O(iterations · n · k + n log n).
 */
export function kmeans1d(values: ArrayLike<number>, k: number, iterations = 100): { labels: Int32Array; centers: Float64Array } {
  const n = values.length;
  if (k <= 1 || n === 0) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[i];
    return { labels: new Int32Array(n), centers: Float64Array.of(n ? s / n : NaN) };
  }
  const sorted = Float64Array.from(values).sort();
  const init = new Float64Array(k);
  for (let c = 0; c < k; c++) init[c] = sorted[Math.min(n - 1, Math.floor(((c + 0.5) / k) * n))];
  const km = kmeans(values, n, 1, k, { init, iterations, order: "none" });
  const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => km.centroids[a] - km.centroids[b]);
  const remap = new Int32Array(k);
  order.forEach((c, rank) => (remap[c] = rank));
  const labels = km.labels.map((l) => remap[l]);
  return { labels, centers: Float64Array.from(order, (c) => km.centroids[c]) };
}

/** Result of {@link gmm}: hard labels, means (k × dim), covariances (k blocks of dim × dim), weights, posteriors (n × k), total log-likelihood and EM iterations. */
export interface GMMResult {
  labels: Int32Array;
  means: Float64Array;
  covariances: Float64Array;
  weights: Float64Array;
  probabilities: Float64Array;
  logLikelihood: number;
  iterations: number;
  /** Same array as `means` (the name k-means results use). */
  centroids: Float64Array;
}

/**
 * Gaussian mixture with full covariances fitted by EM from a k-means start
 * (labels of {@link kmeans} with the same seed as hard responsibilities); a
 * ridge of 1e-6 × the mean per-coordinate variance keeps covariances
 * positive definite. `probabilities[i·k + c]` is the posterior of component c
 * for point i; `logLikelihood` is Σᵢ log Σ_c w_c N(xᵢ; μ_c, Σ_c). Stops when
 * the log-likelihood changes by less than `tolerance` (relative, default
 * 1e-6) or after `iterations` (default 100). O(iterations · n · k · dim²).
 *
 * @example const g = gmm(scores, nFrames, 2, 3, { seed: 1 }); g.means; g.covariances;
 */
export function gmm(data: ArrayLike<number>, n: number, dim: number, k: number, options: { seed?: number; iterations?: number; tolerance?: number } = {}): GMMResult {
  checkPoints("gmm", data, n, dim, k);
  const km = kmeans(data, n, dim, k, { seed: options.seed });
  const means = Float64Array.from(km.centroids), weights = new Float64Array(k).fill(1 / k);
  const dd = dim * dim;
  const covs = new Float64Array(k * dd), L = new Float64Array(k * dd), logdet = new Float64Array(k);
  let varMean = 0;
  for (let j = 0; j < dim; j++) { let m = 0, s = 0; for (let i = 0; i < n; i++) m += data[i * dim + j]; m /= n; for (let i = 0; i < n; i++) s += (data[i * dim + j] - m) ** 2; varMean += s / n / dim; }
  const ridge = 1e-6 * (varMean || 1);
  const R = new Float64Array(n * k);
  for (let i = 0; i < n; i++) R[i * k + km.labels[i]] = 1;
  let ll = -Infinity, it = 0;
  const mu = new Float64Array(dim), z = new Float64Array(dim), lp = new Float64Array(k);
  for (it = 1; it <= (options.iterations ?? 100); it++) {
    // M step: weights, means, covariances (+ ridge) from the responsibilities.
    for (let c = 0; c < k; c++) {
      let nc = 0;
      mu.fill(0);
      for (let i = 0; i < n; i++) { const w = R[i * k + c]; nc += w; for (let j = 0; j < dim; j++) mu[j] += w * data[i * dim + j]; }
      nc = Math.max(nc, 1e-10);
      for (let j = 0; j < dim; j++) mu[j] /= nc;
      const S = covs.subarray(c * dd, (c + 1) * dd);
      S.fill(0);
      for (let i = 0; i < n; i++) {
        const w = R[i * k + c];
        if (w < 1e-12) continue;
        for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) S[a * dim + b] += w * (data[i * dim + a] - mu[a]) * (data[i * dim + b] - mu[b]);
      }
      for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) { const v = S[a * dim + b] / nc + (a === b ? ridge : 0); S[a * dim + b] = v; S[b * dim + a] = v; }
      means.set(mu, c * dim); weights[c] = nc / n;
      // Cholesky factor for the E step (S is positive definite by the ridge unless the data are numerically degenerate).
      const Lc = L.subarray(c * dd, (c + 1) * dd);
      Lc.set(S);
      const fail = cholesky(Lc, dim);
      if (fail >= 0) throw new RangeError(`gmm: the covariance of component ${c} is singular at coordinate ${fail} even with the ridge ${ridge}; the points are numerically degenerate (reduce dim or k)`);
      let ld = 0;
      for (let a = 0; a < dim; a++) ld += 2 * Math.log(Lc[a * dim + a]);
      logdet[c] = ld;
    }
    // E step: log N(xᵢ; μ_c, Σ_c) by forward substitution with L_c, then normalised posteriors.
    let total = 0;
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let c = 0; c < k; c++) {
        const o = c * dd;
        let q = 0;
        for (let a = 0; a < dim; a++) {
          let s = data[i * dim + a] - means[c * dim + a];
          for (let b = 0; b < a; b++) s -= L[o + a * dim + b] * z[b];
          z[a] = s / L[o + a * dim + a]; q += z[a] * z[a];
        }
        lp[c] = Math.log(weights[c] + 1e-300) - 0.5 * (q + logdet[c] + dim * Math.log(2 * Math.PI));
        if (lp[c] > mx) mx = lp[c];
      }
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(lp[c] - mx);
      const lse = mx + Math.log(s);
      total += lse;
      for (let c = 0; c < k; c++) R[i * k + c] = Math.exp(lp[c] - lse);
    }
    const change = total - ll;
    ll = total;
    if (Math.abs(change) < (options.tolerance ?? 1e-6) * Math.abs(total)) break;
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) { let b = 0; for (let c = 1; c < k; c++) if (R[i * k + c] > R[i * k + b]) b = c; labels[i] = b; }
  return { labels, means, covariances: covs, weights, probabilities: R, logLikelihood: ll, iterations: it, centroids: means };
}
