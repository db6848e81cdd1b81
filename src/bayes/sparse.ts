/**
 * Sparse Gaussian-process regression for 10⁴–10⁵ points: Titsias'
 * variational inducing-point approximation (SGPR; Titsias, AISTATS 2009;
 * GPflow's `SGPR`). m inducing points Z (k-means centres of X, or a grid
 * over its bounding box) summarise the data: with A = L_m⁻¹K_mn/σ and
 * B = I + AAᵀ (L_m, L_B their Cholesky factors, c = L_B⁻¹Ay/σ), the
 * predictive mean is K_*m L_m⁻ᵀ L_B⁻ᵀ c and the variance
 * k_** − ‖L_m⁻¹k_m*‖² + ‖L_B⁻¹L_m⁻¹k_m*‖², and the collapsed evidence lower
 * bound is log N(y | 0, Q_nn + σ²I) − tr(K_nn − Q_nn)/(2σ²). With Z = X it
 * is the exact GP.
 * Hyperparameters: by exact maximum marginal likelihood (analytic
 * gradient, as `gaussianProcess`) on a seeded random subset of `fitSubset`
 * points of the standardised data (a subset-of-data estimate; the bound is
 * reported, not maximised), then held fixed for the posterior over all n.
 * Cost: O(n·m²) time and O(m² + m·block) memory for the posterior (K_mn
 * is streamed in blocks of 1024 points, never an n×n matrix), O(s³) for
 * the subset fit, O(m²) per predicted point.
 */
import { Rng, cholesky, kmeans, solveLower } from "../core";
import { checkChoice } from "../core/options";
import { Kernel } from "./kernels";
import { checkTargets, defaultKernel, gaussianProcess, standardizeTargets, toPoints, type KernelName } from "./gp";

/** Options of {@link sparseGaussianProcess}. */
export interface SparseGaussianProcessOptions {
  /** Input dimensions when X is a flat Float64Array. */
  dims?: number;
  /** Number of inducing points (default min(n, 200)), or the points themselves (number[][]). */
  inducing?: number | number[][];
  /** Where a number of inducing points go: "kmeans" (default: k-means centres of X, seeded) or "grid" (a regular grid over X's bounding box, ⌈m^(1/d)⌉ per axis, m rounded up). */
  placement?: "kmeans" | "grid";
  /** Named kernel (default "rbf") or a Kernel with a white-noise term. */
  kernel?: KernelName | Kernel;
  /** Points of the random subset the hyperparameters are fitted on (default min(n, 300)). */
  fitSubset?: number;
  /** false: keep the kernel's values (no subset fit). Default true. */
  optimize?: boolean;
  /** Seed of the subset, the k-means and the restarts (default 0). */
  seed?: number;
  /** Standardise y (default true). */
  normalizeY?: boolean;
  /** Added to K_mm's diagonal (default 1e-8, standardised units). */
  jitter?: number;
}

const BLOCK = 1024;
const LOG_2PI = Math.log(2 * Math.PI);

/** A fitted sparse GP: `predict`, the kernel, the inducing points and the evidence lower bound. */
export class SparseGaussianProcess {
  /** @internal */
  constructor(
    readonly kernel: Kernel,
    /** Inducing points, row-major m×dims. */
    readonly inducing: Float64Array,
    readonly m: number,
    readonly n: number,
    readonly dims: number,
    readonly yMean: number,
    readonly yScale: number,
    private readonly Lm: Float64Array,
    private readonly LB: Float64Array,
    private readonly c: Float64Array,
    /** Titsias' collapsed lower bound on log p(y) at the fitted hyperparameters, y's units. */
    readonly elbo: number,
  ) {}

  /** Posterior mean and sd at new points (y's units); `noise: true` adds the white-noise variance. O(m²) per point. */
  predict(Xnew: number[][] | Float64Array, options: { noise?: boolean } = {}): { mean: Float64Array; sd: Float64Array } {
    const { data, n: s, d } = toPoints(Xnew, this.dims, "predict(Xnew)");
    if (d !== this.dims) throw new RangeError(`predict(Xnew): points have ${d} coordinates, the model was fitted on ${this.dims}`);
    const m = this.m, mean = new Float64Array(s), sd = new Float64Array(s), t1 = new Float64Array(m), t2 = new Float64Array(m);
    const kss = this.kernel.diag(data, s, d, options.noise ?? false);
    for (let b0 = 0; b0 < s; b0 += BLOCK) {
      const nb = Math.min(BLOCK, s - b0), Ksm = this.kernel.cross(data.subarray(b0 * d, (b0 + nb) * d), nb, this.inducing, m, d);
      for (let i = 0; i < nb; i++) {
        solveLower(this.Lm, m, Ksm.subarray(i * m, i * m + m), t1);
        solveLower(this.LB, m, t1, t2);
        let mu = 0, q = 0, r = 0;
        for (let j = 0; j < m; j++) { mu += t2[j] * this.c[j]; q += t1[j] * t1[j]; r += t2[j] * t2[j]; }
        mean[b0 + i] = this.yMean + this.yScale * mu;
        sd[b0 + i] = this.yScale * Math.sqrt(Math.max(0, kss[b0 + i] - q + r));
      }
    }
    return { mean, sd };
  }

  toString(): string {
    return `SparseGaussianProcess(n=${this.n}, m=${this.m} inducing, dims=${this.dims}, kernel: ${this.kernel}, ELBO ${this.elbo.toFixed(3)})`;
  }
}

function gridPoints(X: Float64Array, n: number, d: number, m: number): { Z: Float64Array; m: number } {
  const per = Math.max(2, Math.ceil(m ** (1 / d) - 1e-9)), total = per ** d, Z = new Float64Array(total * d);
  const lo = new Float64Array(d).fill(Infinity), hi = new Float64Array(d).fill(-Infinity);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) { lo[k] = Math.min(lo[k], X[i * d + k]); hi[k] = Math.max(hi[k], X[i * d + k]); }
  for (let g = 0; g < total; g++) {
    let rest = g;
    for (let k = 0; k < d; k++) {
      const idx = rest % per;
      rest = Math.floor(rest / per);
      Z[g * d + k] = lo[k] + ((hi[k] - lo[k]) * idx) / (per - 1);
    }
  }
  return { Z, m: total };
}

/**
 * Fit a sparse GP (SGPR) to n points X (number[][] or flat with dims) and
 * targets y: hyperparameters from an exact GP on a seeded subset, inducing
 * points by k-means (or a grid, or given), then the variational posterior
 * over all points in O(n·m²) time and O(m²) memory beyond the data.
 * Reference: Titsias, "Variational learning of inducing variables in sparse
 * Gaussian processes", AISTATS 2009; Hensman et al. / GPflow SGPR.
 *
 * @example const sgp = sparseGaussianProcess(X, y, { inducing: 200, seed: 1 }); const { mean, sd } = sgp.predict(Xgrid);
 */
export function sparseGaussianProcess(X: number[][] | Float64Array, y: Float64Array | number[], options: SparseGaussianProcessOptions = {}): SparseGaussianProcess {
  const { data, n, d } = toPoints(X, options.dims, "sparseGaussianProcess(X)");
  const yy = checkTargets(y, n);
  if (n < 2) throw new RangeError(`sparseGaussianProcess(X): needs at least 2 points, got ${n}`);
  const placement = checkChoice("sparseGaussianProcess", "placement", options.placement, ["kmeans", "grid"] as const) ?? "kmeans";
  const seed = options.seed ?? 0, jitter = options.jitter ?? 1e-8;
  if (!(jitter >= 0)) throw new RangeError(`sparseGaussianProcess(options.jitter): must be >= 0, got ${jitter}`);
  const { yMean, yScale } = standardizeTargets(yy, options.normalizeY ?? true);
  // inducing points
  let Z: Float64Array, m: number;
  const ind = options.inducing ?? Math.min(n, 200);
  if (Array.isArray(ind)) {
    ({ data: Z, n: m } = toPoints(ind, d, "sparseGaussianProcess(options.inducing)"));
  } else {
    if (!Number.isInteger(ind) || ind < 1 || ind > n) throw new RangeError(`sparseGaussianProcess(options.inducing): a count must be an integer in [1, n = ${n}], got ${ind}`);
    if (placement === "grid") ({ Z, m } = gridPoints(data, n, d, ind));
    else if (ind === n) { Z = Float64Array.from(data); m = n; }
    else { Z = kmeans(data, n, d, ind, { seed, restarts: 1, iterations: 30, order: "none" }).centroids; m = ind; }
  }
  // hyperparameters on a subset
  let kernel = typeof options.kernel === "object" ? options.kernel : defaultKernel(options.kernel ?? "rbf", data, n, d, "sparseGaussianProcess");
  if (!(kernel instanceof Kernel)) throw new TypeError("sparseGaussianProcess(options.kernel): expected a kernel name or a Kernel value");
  if (options.optimize ?? true) {
    const s = options.fitSubset ?? Math.min(n, 300);
    if (!Number.isInteger(s) || s < 2 || s > n) throw new RangeError(`sparseGaussianProcess(options.fitSubset): must be an integer in [2, n = ${n}], got ${s}`);
    const rng = new Rng(seed), idx = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < s; i++) { const j = i + rng.int(n - i); [idx[i], idx[j]] = [idx[j], idx[i]]; }
    const sub = idx.slice(0, s).sort((a, b) => a - b), Xs = new Float64Array(s * d);
    sub.forEach((i, r) => Xs.set(data.subarray(i * d, i * d + d), r * d));
    kernel = gaussianProcess(Xs, Float64Array.from(sub, (i) => yy[i]), { dims: d, kernel, normalizeY: false, seed, restarts: 1 }).kernel;
  }
  const latent = kernel.diag(data.subarray(0, d), 1, d, false)[0], noisy = kernel.diag(data.subarray(0, d), 1, d, true)[0];
  const sigma2 = noisy - latent;
  if (!(sigma2 > 0)) throw new RangeError(`sparseGaussianProcess(options.kernel): needs a white-noise term (kernel ${kernel})`);
  const sigma = Math.sqrt(sigma2);
  const Lm = kernel.cross(Z, m, Z, m, d);
  for (let i = 0; i < m; i++) Lm[i * m + i] += jitter;
  const pivot = cholesky(Lm, m);
  if (pivot >= 0) throw new RangeError(`sparseGaussianProcess: K(Z, Z) + ${jitter}·I is not positive definite at inducing point ${pivot} (repeated inducing points? raise options.jitter)`);
  // stream K_mn in blocks: AAᵀ, A·y/σ, Σ diag(K_nn) and Σ‖aᵢ‖²
  const AAt = new Float64Array(m * m), Ay = new Float64Array(m), col = new Float64Array(m);
  let traceK = 0, yy2 = 0;
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const nb = Math.min(BLOCK, n - b0), Kbm = kernel.cross(data.subarray(b0 * d, (b0 + nb) * d), nb, Z, m, d);
    const kd = kernel.diag(data.subarray(b0 * d, (b0 + nb) * d), nb, d, false);
    const Ab = new Float64Array(nb * m); // row i = L_m⁻¹ k_m(xᵢ) / σ
    for (let i = 0; i < nb; i++) {
      solveLower(Lm, m, Kbm.subarray(i * m, i * m + m), col);
      const yi = yy[b0 + i] / sigma;
      for (let j = 0; j < m; j++) { const a = col[j] / sigma; Ab[i * m + j] = a; Ay[j] += a * yi; }
      traceK += kd[i];
      yy2 += yy[b0 + i] * yy[b0 + i];
    }
    for (let i = 0; i < nb; i++) {
      const row = Ab.subarray(i * m, i * m + m);
      for (let p = 0; p < m; p++) { const ap = row[p]; if (ap === 0) continue; const q0 = p * m; for (let q = 0; q <= p; q++) AAt[q0 + q] += ap * row[q]; }
    }
  }
  let traceAAt = 0;
  for (let p = 0; p < m; p++) traceAAt += AAt[p * m + p];
  const LB = new Float64Array(m * m);
  for (let p = 0; p < m; p++) for (let q = 0; q <= p; q++) LB[p * m + q] = LB[q * m + p] = AAt[p * m + q] + (p === q ? 1 : 0);
  if (cholesky(LB, m) >= 0) throw new RangeError("sparseGaussianProcess: I + AAᵀ is not positive definite (numerical failure; raise options.jitter)");
  const c = solveLower(LB, m, Ay, new Float64Array(m));
  let logDetB = 0, cc = 0;
  for (let j = 0; j < m; j++) { logDetB += 2 * Math.log(LB[j * m + j]); cc += c[j] * c[j]; }
  const elbo = -0.5 * n * LOG_2PI - 0.5 * logDetB - 0.5 * n * Math.log(sigma2) - (0.5 * yy2) / sigma2 + 0.5 * cc - (0.5 * traceK) / sigma2 + 0.5 * traceAAt - n * Math.log(yScale);
  return new SparseGaussianProcess(kernel, Z, m, n, d, yMean, yScale, Lm, LB, c, elbo);
}
