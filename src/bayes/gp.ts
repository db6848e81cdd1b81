/**
 * Exact Gaussian-process regression (Rasmussen & Williams, Gaussian
 * Processes for Machine Learning, 2006, Algorithm 2.1 and §5.4): Cholesky of
 * K(X, X) + jitter·I, posterior mean and variance at new points, the log
 * marginal likelihood and its analytic gradient ½ tr((ααᵀ − K⁻¹) ∂K/∂θ).
 * Hyperparameters by maximum marginal likelihood (bounded L-BFGS in
 * θ = log value, seeded restarts, as scikit-learn's
 * GaussianProcessRegressor) or fully Bayesian by NUTS over θ with priors
 * (as GPax's ExactGP), predictions then averaging over posterior draws.
 *
 * Normalisation: targets are standardised, (y − mean)/sd (sd with ddof 0,
 * as scikit-learn's normalize_y=True), unless `normalizeY: false`; kernel
 * variances (signal variance, white noise) therefore refer to standardised
 * y, and predictions come back in y's units. Inputs are not rescaled:
 * lengthscales and periods are in the units of X; the default kernels start
 * and bound each lengthscale from the span of that input column.
 * Cost: O(n³) per likelihood evaluation (n³/2 multiply-adds with the
 * gradient), O(n²) memory; predictions O(n²) per point for sd.
 */
import { cholesky, choleskyBlocked, choleskyInverse, choleskySolve, solveLower, median, Rng } from "../core";
import { checkChoice } from "../core/options";
import { Kernel, constant, rbf, matern32, matern52, white } from "./kernels";
import { minimizeLbfgsb } from "./lbfgs";
import { nuts, type NutsResult } from "./nuts";
import { halfNormal, logNormal, type Prior } from "./priors";
import { laplaceLogEvidence } from "./laplace";

/** Named default kernels: variance · k(ℓ, ARD) + white noise. */
export type KernelName = "rbf" | "matern32" | "matern52";

/** Options of {@link gaussianProcess}. */
export interface GaussianProcessOptions {
  /** Number of input dimensions when X is a flat Float64Array (row-major n×dims). */
  dims?: number;
  /** A named kernel (default "rbf": variance · RBF(ARD lengthscales) + white noise) or a composed {@link Kernel}, whose values are the starting point. */
  kernel?: KernelName | Kernel;
  /** "map" (default): maximum marginal likelihood; "nuts": posterior draws of all hyperparameters. */
  inference?: "map" | "nuts";
  /** Seed of the restarts and of NUTS (default 0). */
  seed?: number;
  /** Extra optimiser starts drawn log-uniformly within the bounds, or from the priors with `fitObjective: "posterior"` (default 2); with "nuts" the MAP fit initialises the chains. */
  restarts?: number;
  /**
   * What inference "map" maximises: "likelihood" (default, type-II maximum likelihood log p(y | θ), as
   * scikit-learn) or "posterior" (log p(y | θ) + Σ log p(θ) with `priors` over θ = log value, the
   * hyperpriors' mode, as GPyTorch/BoTorch's fit of a model with priors).
   */
  fitObjective?: "likelihood" | "posterior";
  /** false: keep the given kernel's hyperparameters (no fit). Default true. */
  optimize?: boolean;
  /** Standardise y before fitting (default true). */
  normalizeY?: boolean;
  /** Added to K(X, X)'s diagonal for numerical safety (default 1e-10, scikit-learn's alpha). */
  jitter?: number;
  /** Priors per hyperparameter name (see `model.hyperparameterNames`); defaults: LogNormal(0, 1) on variances, HalfNormal(1) on noise, LogNormal(log(starting value), 1) on lengthscales (the named kernels start at span/2 of each input column) and LogNormal(log(starting value), 1.5) otherwise — never centred on the data's MAP. */
  priors?: Record<string, Prior>;
  /** NUTS settings: chains (default 4), warmup (300), samples (300), targetAccept (0.8). */
  chains?: number;
  warmup?: number;
  samples?: number;
  targetAccept?: number;
  /** Posterior draws used per prediction with "nuts" (default 100, evenly thinned). */
  predictDraws?: number;
  /** A physical model as the mean function (a structured GP, GPax's sGP): its parameters are fitted (MAP) or sampled (NUTS) jointly with the kernel's hyperparameters, and the GP models what the law leaves unexplained. */
  mean?: MeanFunction;
}

/**
 * The mean function of a structured GP: m(x; params) in y's units at one
 * point x (its coordinates, X's units), priors on its parameters by name
 * (`normal`, `logNormal`, `halfNormal`, `uniform`), optional starting values
 * (default: each prior's median).
 *
 * @example { fn: (x, p) => p.a * Math.exp(-x[0] / p.tau), priors: { a: normal(0, 5), tau: logNormal(0, 1) } }
 */
export interface MeanFunction {
  fn: (x: number[], params: Record<string, number>) => number;
  priors: Record<string, Prior>;
  init?: Record<string, number>;
}

/** Options of {@link GaussianProcess.predict}. */
export interface PredictOptions {
  /** Include the white-noise variance in sd (the spread of a new measurement) — default false (the latent function's sd). */
  noise?: boolean;
}

/** A conditioned GP: one set of hyperparameters and its Cholesky factor. */
interface Posterior {
  kernel: Kernel;
  L: Float64Array;
  alpha: Float64Array;
  lml: number;
  /** The mean function's parameters (θ coordinates) of this posterior, structured GPs only. */
  phi?: Float64Array;
}

/**
 * A checked mean function: parameter names and priors in order, and the
 * standardised offsets (m(x; φ) − yMean)/yScale at a set of points. @internal
 */
export class MeanTerm {
  readonly names: string[];
  readonly priors: Prior[];
  constructor(readonly spec: MeanFunction, reserved: string[], private readonly where: string) {
    if (!spec || typeof spec.fn !== "function") throw new TypeError(`${where}(options.mean.fn): expected a function (x: number[], params: Record<string, number>) => number`);
    if (!spec.priors || typeof spec.priors !== "object") throw new TypeError(`${where}(options.mean.priors): expected { name: Prior } for every parameter of the mean function`);
    this.names = Object.keys(spec.priors);
    this.priors = this.names.map((name) => {
      const p = spec.priors[name];
      if (!p || typeof p.logDensity !== "function" || typeof p.toValue !== "function") throw new TypeError(`${where}(options.mean.priors.${name}): expected a Prior (normal, logNormal, halfNormal, uniform)`);
      if (reserved.includes(name)) throw new RangeError(`${where}(options.mean.priors.${name}): the kernel has a hyperparameter of that name; rename the mean function's parameter`);
      return p;
    });
    for (const key of Object.keys(spec.init ?? {})) if (!this.names.includes(key)) throw new RangeError(`${where}(options.mean.init.${key}): no prior of that name (the mean function's parameters are ${this.names.join(", ") || "none"})`);
  }
  /** θ coordinates of the starting values. */
  start(): Float64Array {
    return Float64Array.from(this.names, (name, j) => {
      const v = this.spec.init?.[name];
      if (v === undefined) return this.priors[j].center;
      try {
        return this.priors[j].toTheta(v);
      } catch (e) {
        throw new RangeError(`${this.where}(options.mean.init.${name}): ${(e as Error).message}`);
      }
    });
  }
  /** Parameter values by name from θ coordinates. */
  values(phi: ArrayLike<number>): Record<string, number> {
    const out: Record<string, number> = {};
    this.names.forEach((name, j) => (out[name] = this.priors[j].toValue(phi[j])));
    return out;
  }
  /** (m(xᵢ; φ) − shift)/scale at the rows of X; throws naming `what` (e.g. "X", "Xnew") for a mean function that throws or returns a non-finite value. */
  offsets(X: Float64Array, n: number, d: number, phi: ArrayLike<number>, shift: number, scale: number, what: string): Float64Array {
    const params = this.values(phi), out = new Float64Array(n), x = new Array<number>(d);
    const show = (): string => JSON.stringify(params);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) x[k] = X[i * d + k];
      let v: number;
      try {
        v = this.spec.fn(x.slice(), { ...params });
      } catch (e) {
        throw new RangeError(`${this.where}(options.mean.fn): threw at ${what}[${i}] = [${x.join(", ")}] with params ${show()}: ${(e as Error).message}`);
      }
      if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`${this.where}(options.mean.fn): returned ${v} at ${what}[${i}] = [${x.join(", ")}] with params ${show()}; expected a finite number`);
      out[i] = (v - shift) / scale;
    }
    return out;
  }
}

/** Points as a row-major Float64Array n×d from number[][] or a flat array with `dims`; names the argument on bad input. */
export function toPoints(X: number[][] | Float64Array, dims: number | undefined, what: string): { data: Float64Array; n: number; d: number } {
  if (X instanceof Float64Array) {
    if (!Number.isInteger(dims) || (dims as number) < 1) throw new RangeError(`${what}: a flat Float64Array needs options.dims (a positive integer), got ${dims}`);
    const d = dims as number;
    if (X.length % d !== 0 || X.length === 0) throw new RangeError(`${what}: ${X.length} values is not a positive multiple of dims = ${d}`);
    for (let i = 0; i < X.length; i++) if (!Number.isFinite(X[i])) throw new RangeError(`${what}: value ${i} (point ${Math.floor(i / d)}) is not finite (${X[i]})`);
    return { data: X, n: X.length / d, d };
  }
  if (!Array.isArray(X) || X.length === 0) throw new RangeError(`${what}: expected a non-empty array of points (number[][]) or a Float64Array with options.dims`);
  const d = Array.isArray(X[0]) ? X[0].length : -1;
  if (d < 1) throw new RangeError(`${what}[0]: a point must be a non-empty array of numbers`);
  if (dims !== undefined && dims !== d) throw new RangeError(`${what}: points have ${d} coordinates, options.dims is ${dims}`);
  const data = new Float64Array(X.length * d);
  X.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== d) throw new RangeError(`${what}[${i}]: has ${Array.isArray(row) ? row.length : "no"} coordinates, point 0 has ${d}`);
    row.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new RangeError(`${what}[${i}][${j}] is not finite (${v})`);
      data[i * d + j] = v;
    });
  });
  return { data, n: X.length, d };
}

/** @internal */
export function checkTargets(y: Float64Array | number[], n: number): Float64Array {
  if (!(y instanceof Float64Array) && !Array.isArray(y)) throw new TypeError("gaussianProcess(y): expected a Float64Array (or number[])");
  if (y.length !== n) throw new RangeError(`gaussianProcess(y): ${y.length} values for ${n} points in X`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(y[i])) throw new RangeError(`gaussianProcess(y): y[${i}] is not finite (${y[i]})`);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { lo = Math.min(lo, y[i]); hi = Math.max(hi, y[i]); }
  if (lo === hi) throw new RangeError(`gaussianProcess(y): y is constant (every value ${lo}); there is nothing to model`);
  return Float64Array.from(y);
}

/** The first two identical rows of the n×d row-major `X` (in sorted order), lower index first, or null. O(n log n · d). @internal */
export function duplicateRows(X: ArrayLike<number>, n: number, d: number): [number, number] | null {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    for (let k = 0; k < d; k++) if (X[a * d + k] !== X[b * d + k]) return X[a * d + k] - X[b * d + k];
    return a - b;
  });
  for (let s = 1; s < n; s++) {
    const a = order[s - 1], b = order[s];
    let same = true;
    for (let k = 0; k < d && same; k++) same = X[a * d + k] === X[b * d + k];
    if (same) return [Math.min(a, b), Math.max(a, b)];
  }
  return null;
}

function checkDuplicates(X: Float64Array, n: number, d: number): void {
  const pair = duplicateRows(X, n, d);
  if (pair) throw new RangeError(`gaussianProcess(X): rows ${pair[0]} and ${pair[1]} are the same point [${Array.from(X.subarray(pair[0] * d, pair[0] * d + d)).join(", ")}]; average repeated measurements into one row of X and y`);
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Centre and scale `y` in place to mean 0, sd 1 (population sd) when `normalize`; returns what was removed (0 and 1 otherwise). @internal */
export function standardizeTargets(y: Float64Array, normalize: boolean): { yMean: number; yScale: number } {
  const n = y.length;
  if (!normalize) return { yMean: 0, yScale: 1 };
  let yMean = 0;
  for (let i = 0; i < n; i++) yMean += y[i];
  yMean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (y[i] - yMean) ** 2;
  const yScale = Math.sqrt(v / n);
  for (let i = 0; i < n; i++) y[i] = (y[i] - yMean) / yScale;
  return { yMean, yScale };
}

/** Cholesky of K(X, X) + jitter·I; a string naming the failure instead of a factor when K is not positive definite. */
function condition(kernel: Kernel, X: Float64Array, n: number, d: number, y: Float64Array, jitter: number): Posterior | string {
  const L = kernel.self(X, n, d);
  for (let i = 0; i < n; i++) L[i * n + i] += jitter;
  const pivot = choleskyBlocked(L, n);
  if (pivot >= 0) return `K(X, X) + ${jitter}·I is not positive definite (Cholesky fails at row ${pivot}; kernel ${kernel}): add a white-noise term or raise options.jitter`;
  const alpha = choleskySolve(L, n, y);
  let lml = -0.5 * n * LOG_2PI;
  for (let i = 0; i < n; i++) lml += -0.5 * y[i] * alpha[i] - Math.log(L[i * n + i]);
  return { kernel, L, alpha, lml };
}

/** Log marginal likelihood at θ and its gradient (written to grad; K⁻¹y to alphaOut when given); −Infinity when K is not positive definite. @internal */
export function lmlAndGradient(base: Kernel, theta: Float64Array, grad: Float64Array, X: Float64Array, n: number, d: number, y: Float64Array, jitter: number, alphaOut?: Float64Array): number {
  grad.fill(0);
  if (theta.some((t) => !(Math.abs(t) < 700))) return -Infinity; // e^θ would overflow or vanish (a far NUTS leapfrog step)
  const kernel = base.withTheta(theta);
  const post = condition(kernel, X, n, d, y, jitter);
  if (typeof post === "string") return -Infinity;
  const W = choleskyInverse(post.L, n), a = post.alpha;
  alphaOut?.set(a);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[i * n + j] = 0.5 * (a[i] * a[j] - W[i * n + j]);
  kernel.contract(X, n, d, W, grad, 0);
  return post.lml;
}

/**
 * log p(y | X, θ) of a GP with `kernel` (its current hyperparameters; y not
 * standardised) and the gradient with respect to θ = log of each free
 * hyperparameter (scikit-learn's `log_marginal_likelihood(theta,
 * eval_gradient=True)`); −Infinity with a zero gradient when K(X, X) +
 * jitter·I is not positive definite. O(n³).
 */
export function logMarginalLikelihood(kernel: Kernel, X: number[][] | Float64Array, y: Float64Array | number[], options: { dims?: number; jitter?: number } = {}): { value: number; gradient: Float64Array } {
  const { data, n, d } = toPoints(X, options.dims, "logMarginalLikelihood(X)");
  const yy = checkTargets(y, n);
  const gradient = new Float64Array(kernel.size);
  const value = lmlAndGradient(kernel, kernel.theta, gradient, data, n, d, yy, options.jitter ?? 1e-10);
  return { value, gradient };
}

/** @internal */
export function defaultKernel(name: KernelName, X: Float64Array, n: number, d: number, where = "gaussianProcess"): Kernel {
  checkChoice(where, "kernel", name, ["rbf", "matern32", "matern52"] as const);
  const spans = Array.from({ length: d }, (_, k) => {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { lo = Math.min(lo, X[i * d + k]); hi = Math.max(hi, X[i * d + k]); }
    return hi > lo ? hi - lo : 1;
  });
  const smallest = Math.min(...spans), largest = Math.max(...spans);
  const bounds: [number, number] = [smallest * 1e-3, largest * 1e3];
  const l = spans.map((s) => s / 2);
  const make = { rbf, matern32, matern52 }[name];
  return constant(1, [1e-3, 1e3]).times(make(d === 1 ? l[0] : l, bounds)).plus(white(1e-2, [1e-8, 1e1]));
}

/** @internal */
export function defaultPrior(name: string, value: number): Prior {
  if (name.startsWith("variance")) return logNormal(0, 1);
  if (name.startsWith("noise")) return halfNormal(1);
  if (name.startsWith("lengthscale")) return logNormal(Math.log(value), 1);
  return logNormal(Math.log(value), 1.5);
}

/**
 * A fitted Gaussian process: `predict` for mean and sd at new points,
 * `sample` for posterior function draws, the fitted `kernel`, the
 * `logMarginalLikelihood` (in y's units, i.e. including −n·log sd_y when y
 * was standardised) and, with NUTS, `mcmc` (draws of θ = log values, R-hat,
 * ESS, divergences).
 */
export class GaussianProcess {
  /** @internal */
  constructor(
    /** The MAP kernel (hyperparameters for standardised y when normalizeY). */
    readonly kernel: Kernel,
    readonly inference: "map" | "nuts",
    private readonly X: Float64Array,
    /** y as given (y's units). */
    private readonly Y: Float64Array,
    readonly n: number,
    readonly dims: number,
    /** Mean and sd used to standardise y (0 and 1 without normalizeY). */
    readonly yMean: number,
    readonly yScale: number,
    private readonly posteriors: Posterior[],
    /** log p(y | X, θ̂) at the MAP hyperparameters, in y's units. */
    readonly logMarginalLikelihood: number,
    /** NUTS draws and diagnostics (inference "nuts"; a structured GP's mean-function parameters follow the kernel's, in θ coordinates). */
    readonly mcmc?: NutsResult & { priors: Record<string, string> },
    private readonly meanTerm?: MeanTerm,
    private readonly evidence?: () => number | string,
  ) {}

  /** The training points as { x (first coordinate), coords, y } rows (y's units), for plots. */
  measurements(): Array<{ x: number; coords: number[]; y: number }> {
    const d = this.dims;
    return Array.from({ length: this.n }, (_, i) => ({ x: this.X[i * d], coords: Array.from(this.X.subarray(i * d, i * d + d)), y: this.Y[i] }));
  }
  /** The structured GP's mean function (options.mean), if any. */
  get mean(): MeanFunction | undefined {
    return this.meanTerm?.spec;
  }
  /** Names of the mean function's parameters (empty without options.mean). */
  get meanParameterNames(): string[] {
    return this.meanTerm ? this.meanTerm.names.slice() : [];
  }
  /** The mean function's parameters by name: the posterior mode (MAP) or the posterior medians (NUTS), in their own units. */
  get meanParameters(): Record<string, number> {
    if (!this.meanTerm) return {};
    if (!this.mcmc) return this.meanTerm.values(this.posteriors[0].phi!);
    const draws = this.meanParameterDraws(), out: Record<string, number> = {};
    for (const [name, v] of Object.entries(draws)) out[name] = median(v);
    return out;
  }
  /** Posterior draws of the mean function's parameters by name (their own units, all chains in order); NUTS fits only. */
  meanParameterDraws(): Record<string, Float64Array> {
    if (!this.meanTerm || !this.mcmc) throw new RangeError("meanParameterDraws(): needs a structured GP (options.mean) fitted with inference: \"nuts\"");
    const m = this.mcmc, k = this.kernel.size, out: Record<string, Float64Array> = {};
    this.meanTerm.names.forEach((name, j) => {
      const prior = this.meanTerm!.priors[j], v = new Float64Array(m.draws.length * m.samples);
      m.draws.forEach((dr, c) => { for (let s = 0; s < m.samples; s++) v[c * m.samples + s] = prior.toValue(dr[s * m.dim + k + j]); });
      out[name] = v;
    });
    return out;
  }
  /**
   * log p(y | model) by the Laplace approximation over the kernel's θ (default
   * priors of inference "nuts", or options.priors) and the mean function's
   * parameters (their priors), at the posterior mode: the score that ranks
   * competing structured GPs (as {@link compareModels}). y's units. Cost: a
   * few L-BFGS steps from the fit plus 2D likelihood gradients.
   */
  logEvidence(): number {
    if (!this.evidence) throw new RangeError("logEvidence(): available for fits with options.optimize (the default)");
    const v = this.evidence();
    if (typeof v === "string") throw new RangeError(`logEvidence(): ${v}`);
    return v;
  }

  /** Names of the free hyperparameters (keys of options.priors and of `hyperparameters`). */
  get hyperparameterNames(): string[] {
    return this.kernel.thetaNames;
  }
  /** Fitted values (MAP) or posterior medians (NUTS) by name. */
  get hyperparameters(): Record<string, number> {
    const names = this.kernel.thetaNames, theta = this.kernel.theta, out: Record<string, number> = {};
    names.forEach((name, i) => {
      if (!this.mcmc) { out[name] = Math.exp(theta[i]); return; }
      const v = this.mcmc.draws.flatMap((dr) => Array.from({ length: this.mcmc!.samples }, (_, s) => dr[s * this.mcmc!.dim + i])).sort((a, b) => a - b);
      out[name] = Math.exp(v[Math.floor(v.length / 2)]);
    });
    return out;
  }

  /**
   * Posterior mean and standard deviation at new points (y's units); with
   * NUTS the mixture over thinned posterior draws. `noise: true` adds the
   * white-noise variance (the spread of a new measurement). O(m·n²).
   */
  predict(Xnew: number[][] | Float64Array, options: PredictOptions = {}): { mean: Float64Array; sd: Float64Array } {
    const { data, n: m, d } = toPoints(Xnew, this.dims, "predict(Xnew)");
    if (d !== this.dims) throw new RangeError(`predict(Xnew): points have ${d} coordinates, the model was fitted on ${this.dims}`);
    const mean = new Float64Array(m), second = new Float64Array(m), n = this.n, v = new Float64Array(n);
    for (const post of this.posteriors) {
      const Ks = post.kernel.cross(data, m, this.X, n, d), kss = post.kernel.diag(data, m, d, options.noise ?? false);
      const off = this.offsets(post, data, m, d, "predict(Xnew)");
      for (let i = 0; i < m; i++) {
        const row = Ks.subarray(i * n, i * n + n);
        let mu = off ? off[i] : 0;
        for (let j = 0; j < n; j++) mu += row[j] * post.alpha[j];
        solveLower(post.L, n, row, v);
        let vv = 0;
        for (let j = 0; j < n; j++) vv += v[j] * v[j];
        const variance = Math.max(0, kss[i] - vv);
        mean[i] += mu;
        second[i] += variance + mu * mu;
      }
    }
    const P = this.posteriors.length, sd = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const mu = mean[i] / P;
      sd[i] = Math.sqrt(Math.max(0, second[i] / P - mu * mu)) * this.yScale;
      mean[i] = this.yMean + this.yScale * mu;
    }
    return { mean, sd };
  }

  /**
   * `count` draws of the latent function at the points Xnew (each a
   * Float64Array of length m, y's units), from the joint posterior
   * (Cholesky of the m×m posterior covariance + jitter·I, jitter 1e-10, 1e-8
   * or 1e-6 of the standardised variance, the first that works); with NUTS each draw
   * uses the next thinned hyperparameter draw. O(m³ + m²n).
   */
  sample(Xnew: number[][] | Float64Array, count: number, seed = 0): Float64Array[] {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`sample(count): must be a positive integer, got ${count}`);
    const { data, n: m, d } = toPoints(Xnew, this.dims, "sample(Xnew)");
    if (d !== this.dims) throw new RangeError(`sample(Xnew): points have ${d} coordinates, the model was fitted on ${this.dims}`);
    const r = new Rng(seed), n = this.n, out: Float64Array[] = [];
    for (let c = 0; c < count; c++) {
      const post = this.posteriors[c % this.posteriors.length];
      const Ks = post.kernel.cross(data, m, this.X, n, d), C = post.kernel.cross(data, m, data, m, d);
      const V = new Float64Array(m * n), mu = this.offsets(post, data, m, d, "sample(Xnew)") ?? new Float64Array(m);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) mu[i] += Ks[i * n + j] * post.alpha[j];
        solveLower(post.L, n, Ks.subarray(i * n, i * n + n), V.subarray(i * n, i * n + n));
      }
      for (let i = 0; i < m; i++) {
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += V[i * n + k] * V[j * n + k];
          C[i * m + j] -= s;
        }
      }
      let pivot = 0, jitter = 1e-10;
      const Cov = C.slice();
      for (; jitter <= 1e-6; jitter *= 100) {
        C.set(Cov);
        for (let i = 0; i < m; i++) C[i * m + i] += jitter;
        pivot = cholesky(C, m);
        if (pivot < 0) break;
      }
      if (pivot >= 0) throw new RangeError(`sample(Xnew): the posterior covariance is not positive definite at point ${pivot} even with 1e-6 added to its diagonal (repeated or too close points?)`);
      const z = Float64Array.from({ length: m }, () => r.normal()), f = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        let s = mu[i];
        for (let j = 0; j <= i; j++) s += C[i * m + j] * z[j];
        f[i] = this.yMean + this.yScale * s;
      }
      out.push(f);
    }
    return out;
  }

  /**
   * The log-likelihood matrix for {@link loo} and {@link waic}: row s,
   * column i holds log p(yᵢ | y₋ᵢ, θ_s), the GP's leave-one-out predictive
   * density at posterior draw s (y's units), from the diagonal of K⁻¹:
   * −½ log(2π/[K⁻¹]ᵢᵢ) − αᵢ²/(2[K⁻¹]ᵢᵢ) (Rasmussen & Williams eq. 5.10–5.12).
   * For these non-factorised models importance sampling with 1/p(yᵢ | y₋ᵢ, θ)
   * is exact LOO over θ (Bürkner, Gabry & Vehtari, Comput. Stat. 36, 1243,
   * 2021). Rows: the `predictDraws` thinned NUTS draws (one row for MAP).
   * O(S·n³).
   */
  pointwiseLogLikelihood(): Float64Array[] {
    const n = this.n;
    return this.posteriors.map((post) => {
      const W = choleskyInverse(post.L, n);
      return Float64Array.from({ length: n }, (_, i) => {
        const kii = W[i * n + i];
        return -0.5 * Math.log((2 * Math.PI) / kii) - (post.alpha[i] * post.alpha[i]) / (2 * kii) - Math.log(this.yScale);
      });
    });
  }

  /** Standardised mean-function values at m points for one posterior (null without a mean function). */
  private offsets(post: Posterior, data: Float64Array, m: number, d: number, what: string): Float64Array | null {
    if (!this.meanTerm) return null;
    try {
      return this.meanTerm.offsets(data, m, d, post.phi!, this.yMean, this.yScale, "Xnew");
    } catch (e) {
      throw new RangeError(`${what}: ${(e as Error).message}`);
    }
  }

  toString(): string {
    const law = this.meanTerm ? `, mean ${Object.entries(this.meanParameters).map(([k, v]) => `${k}=${+v.toPrecision(4)}`).join(" ")}` : "";
    return `GaussianProcess(${this.inference}, n=${this.n}, dims=${this.dims}, kernel: ${this.kernel}${law}, log marginal likelihood ${this.logMarginalLikelihood.toFixed(3)})`;
  }
}

/**
 * Fit a Gaussian process to points X (number[][] or row-major Float64Array
 * with options.dims) and targets y. With inference "map" (default) the
 * hyperparameters maximise the log marginal likelihood (analytic gradient,
 * bounded L-BFGS from the kernel's values plus `restarts` seeded starts);
 * with "nuts" they are sampled (priors per hyperparameter, several chains,
 * R-hat/ESS/divergences in `model.mcmc`).
 * With `options.mean` (a structured GP, GPax's sGP) the GP models
 * y − m(x; φ): the mean function's parameters φ join the hyperparameters,
 * at the posterior mode (MAP: maximum of the marginal likelihood times φ's
 * prior) or sampled jointly by NUTS; ∂/∂φ of the likelihood is αᵀ∂m/∂φ
 * with ∂m/∂φ by central differences (2·n·p calls of m per gradient).
 * Errors name the argument for non-finite or mismatched inputs, repeated
 * points, a constant y, a kernel matrix that is not positive definite and
 * a mean function that throws or returns a non-finite value.
 * Reference: Rasmussen & Williams (2006), ch. 2 and 5 (§2.7 for explicit
 * mean functions); scikit-learn GaussianProcessRegressor; GPax ExactGP and
 * sGP (Ziatdinov et al., npj Comput. Mater. 8, 2022).
 *
 * @example const gp = gaussianProcess([[0], [1], [2]], Float64Array.of(0, 1, 0), { kernel: "matern52", seed: 1 });
 *          const { mean, sd } = gp.predict([[0.5]], { noise: true });
 * @example const sgp = gaussianProcess(X, y, { mean: { fn: (x, p) => p.a * x[0] ** p.b, priors: { a: normal(1, 2), b: normal(0, 2) } }, inference: "nuts" });
 */
export function gaussianProcess(X: number[][] | Float64Array, y: Float64Array | number[], options: GaussianProcessOptions = {}): GaussianProcess {
  const { data, n, d } = toPoints(X, options.dims, "gaussianProcess(X)");
  const yy = checkTargets(y, n), y0 = Float64Array.from(yy);
  if (n < 2) throw new RangeError(`gaussianProcess(X): needs at least 2 points, got ${n}`);
  checkDuplicates(data, n, d);
  const inference = checkChoice("gaussianProcess", "inference", options.inference, ["map", "nuts"] as const) ?? "map";
  const jitter = options.jitter ?? 1e-10;
  if (!(jitter >= 0)) throw new RangeError(`gaussianProcess(options.jitter): must be >= 0, got ${jitter}`);
  const restarts = options.restarts ?? 2;
  if (!Number.isInteger(restarts) || restarts < 0) throw new RangeError(`gaussianProcess(options.restarts): must be a non-negative integer, got ${restarts}`);
  const withPriors = (checkChoice("gaussianProcess", "fitObjective", options.fitObjective, ["likelihood", "posterior"] as const) ?? "likelihood") === "posterior";
  let kernel = typeof options.kernel === "object" ? options.kernel : defaultKernel(options.kernel ?? "rbf", data, n, d);
  if (!(kernel instanceof Kernel)) throw new TypeError("gaussianProcess(options.kernel): expected a kernel name or a Kernel value");
  if (kernel.inputDims && kernel.inputDims !== d) throw new RangeError(`gaussianProcess(options.kernel): has ${kernel.inputDims} lengthscales, X has ${d} dimensions`);
  const names = kernel.thetaNames;
  const userPriors = options.priors ?? {};
  for (const key of Object.keys(userPriors)) if (!names.includes(key)) throw new RangeError(`gaussianProcess(options.priors): no hyperparameter "${key}" (the kernel has ${names.join(", ")})`);
  const meanTerm = options.mean === undefined ? undefined : new MeanTerm(options.mean, names, "gaussianProcess");
  const { yMean, yScale } = standardizeTargets(yy, options.normalizeY ?? true);
  const k = kernel.size, p = meanTerm?.names.length ?? 0, D = k + p;
  const rng = new Rng(options.seed ?? 0), start = kernel.theta;
  const kernelPriors = names.map((name, i) => {
    const pr = userPriors[name] ?? defaultPrior(name, Math.exp(start[i]));
    if (pr.support !== "positive") throw new RangeError(`gaussianProcess(options.priors.${name}): a kernel hyperparameter is positive; use logNormal or halfNormal, not ${pr.description}`);
    return pr;
  });
  const allPriors = [...kernelPriors, ...(meanTerm?.priors ?? [])];
  // the residual y − m(X; φ) (standardised), or y itself
  const residual = (phi: Float64Array): Float64Array | null => {
    if (!meanTerm) return yy;
    try {
      const off = meanTerm.offsets(data, n, d, phi, yMean, yScale, "X");
      return Float64Array.from(yy, (v, i) => v - off[i]);
    } catch {
      return null; // a trial point outside the mean function's domain
    }
  };
  const alpha = new Float64Array(n), gk = new Float64Array(k);
  // log p(y | z) (+ log priors: of φ with `phiPrior`, of θ with `thetaPrior`) and its gradient over z = (θ, φ)
  const logJoint = (z: Float64Array, g: Float64Array, thetaPrior: boolean, phiPrior: boolean): number => {
    g.fill(0);
    const theta = z.subarray(0, k), phi = z.subarray(k);
    const r = residual(phi);
    if (!r) return -Infinity;
    const f = lmlAndGradient(kernel, theta, gk, data, n, d, r, jitter, alpha);
    if (!Number.isFinite(f)) return -Infinity;
    g.set(gk);
    let lp = f;
    for (let j = 0; j < p; j++) {
      // ∂ log p(y | z)/∂φⱼ = αᵀ ∂off/∂φⱼ (off = standardised mean-function values)
      const h = 1e-6 * Math.max(1, Math.abs(phi[j])), up = Float64Array.from(phi), dn = Float64Array.from(phi);
      up[j] += h;
      dn[j] -= h;
      const ru = residual(up), rd = residual(dn);
      if (!ru || !rd) return -Infinity;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (alpha[i] * (rd[i] - ru[i])) / (2 * h);
      g[k + j] = sum;
    }
    for (let i = 0; i < D; i++) {
      if (i < k ? !thetaPrior : !phiPrior) continue;
      const [v, dv] = allPriors[i].logDensity(z[i]);
      lp += v;
      g[i] += dv;
    }
    return lp;
  };
  let z: Float64Array = Float64Array.from([...start, ...(meanTerm?.start() ?? [])]);
  if (meanTerm) meanTerm.offsets(data, n, d, z.subarray(k), yMean, yScale, "X"); // names a mean function that fails at the start
  const b = kernel.thetaBounds;
  const lower = Float64Array.from({ length: D }, (_, i) => (i < k ? b[2 * i] : -Infinity));
  const upper = Float64Array.from({ length: D }, (_, i) => (i < k ? b[2 * i + 1] : Infinity));
  const maximise = (starts: Float64Array[], thetaPrior: boolean): { x: Float64Array; f: number } | null => {
    const negative = (t: Float64Array, g: Float64Array): number => {
      const f = logJoint(t, g, thetaPrior, true);
      for (let i = 0; i < D; i++) g[i] = -g[i];
      return -f;
    };
    let best: { x: Float64Array; f: number } | null = null;
    for (const x0 of starts) {
      let res;
      try {
        res = minimizeLbfgsb(negative, x0, { lower, upper });
      } catch {
        continue; // a start where K is not positive definite or the mean function fails
      }
      if (!best || res.f < best.f) best = res;
    }
    return best;
  };
  const optimize = (options.optimize ?? true) && D > 0;
  if (optimize) {
    const starts = [z];
    const draw = (i: number): number => Math.min(upper[i], Math.max(lower[i], allPriors[i].sample(() => rng.normal())));
    for (let r = 0; r < restarts; r++) starts.push(Float64Array.from({ length: D }, (_, i) => (i < k && !withPriors ? rng.range(lower[i], upper[i]) : draw(i))));
    const best = maximise(starts, withPriors);
    if (!best) throw new RangeError(`gaussianProcess: ${meanTerm ? "no starting point gives a finite likelihood (K(X, X) not positive definite or the mean function failing)" : "K(X, X) is not positive definite at any starting hyperparameters"} (kernel ${kernel}): add a white-noise term or raise options.jitter`);
    z = best.x;
  }
  const conditionAt = (zz: Float64Array): Posterior | string => {
    const r = residual(zz.subarray(k));
    if (!r) return "the mean function fails at these parameters";
    const post = condition(kernel.withTheta(zz.subarray(0, k)), data, n, d, r, jitter);
    if (typeof post !== "string" && meanTerm) post.phi = Float64Array.from(zz.subarray(k));
    return post;
  };
  kernel = kernel.withTheta(z.subarray(0, k));
  const map = conditionAt(z);
  if (typeof map === "string") throw new RangeError(`gaussianProcess: ${map}`);
  const lmlY = map.lml - n * Math.log(yScale);
  // Laplace evidence: the mode of the full posterior (kernel priors included), from the fit
  const evidence = optimize ? (): number | string => {
    const mode = maximise([Float64Array.from(z)], true);
    if (!mode) return "the log posterior is not finite at the fitted parameters";
    const lz = laplaceLogEvidence((t, g) => {
      const f = logJoint(t, g, true, true);
      for (let i = 0; i < D; i++) g[i] = -g[i];
      return -f;
    }, mode.x, mode.f);
    return typeof lz === "string" ? lz : lz - n * Math.log(yScale);
  } : undefined;
  if (inference === "map") return new GaussianProcess(kernel, "map", data, y0, n, d, yMean, yScale, [map], lmlY, undefined, meanTerm, evidence);

  const allNames = [...names, ...(meanTerm?.names ?? [])];
  const logPost = (t: Float64Array, g: Float64Array): number => logJoint(t, g, true, true);
  const chains = options.chains ?? 4;
  const init = Array.from({ length: chains }, () => Float64Array.from(z, (t) => t + 0.1 * rng.normal()));
  const result = nuts(logPost, D, { chains, warmup: options.warmup ?? 300, samples: options.samples ?? 300, seed: options.seed ?? 0, targetAccept: options.targetAccept, init, names: allNames });
  const total = chains * result.samples, want = Math.min(total, options.predictDraws ?? 100);
  const posteriors: Posterior[] = [];
  for (let s = 0; s < want; s++) {
    const idx = Math.floor((s * total) / want), c = Math.floor(idx / result.samples), row = idx % result.samples;
    const post = conditionAt(result.draws[c].subarray(row * D, row * D + D));
    if (typeof post !== "string") posteriors.push(post);
  }
  const priorText: Record<string, string> = {};
  allNames.forEach((name, i) => (priorText[name] = allPriors[i].description));
  return new GaussianProcess(kernel, "nuts", data, y0, n, d, yMean, yScale, posteriors, lmlY, { ...result, priors: priorText }, meanTerm, evidence);
}
