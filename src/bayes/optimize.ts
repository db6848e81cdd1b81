/**
 * Bayesian optimisation (Jones, Schonlau & Welch, J. Global Optim. 13, 455,
 * 1998; Shahriari et al., Proc. IEEE 104, 148, 2016): a GP surrogate
 * (Matérn 5/2 with ARD by default, refitted by maximum marginal likelihood
 * after every measurement, or at the posterior mode under BoTorch's
 * dimension-scaled priors) and an acquisition function maximised within the
 * bounds as BoTorch's `optimize_acqf` does: 512 random raw samples, 10
 * bounded L-BFGS starts drawn among them by a Boltzmann rule, EI maximised
 * as log EI (Ament et al., NeurIPS 2023); gradients by forward differences.
 * Or Thompson sampling. Minimises.
 * Inputs are mapped to the unit cube internally; the objective always sees
 * points in the user's units. Cost per iteration: one GP fit (O(n³) per
 * likelihood evaluation) plus O(n²) per acquisition evaluation.
 */
import { Rng } from "../core";
import { checkChoice } from "../core/options";
import { normCdf } from "../core/special";
import { gaussianProcess, type GaussianProcess, type KernelName } from "./gp";
import { matern32, matern52, rbf, white } from "./kernels";
import { minimizeLbfgsb } from "./lbfgs";
import { logNormal, type Prior } from "./priors";

/** Acquisition functions: expected improvement, upper (lower, for minimisation) confidence bound, probability of improvement, maximum predictive uncertainty (pure exploration), Thompson sampling (the minimiser of one posterior draw). */
export type AcquisitionName = "ei" | "ucb" | "pi" | "uncertainty" | "thompson";
const ACQUISITIONS: AcquisitionName[] = ["ei", "ucb", "pi", "uncertainty", "thompson"];
const KERNELS: KernelName[] = ["rbf", "matern32", "matern52"];
/** Surrogate fits: "none" (type-II maximum likelihood), "dimension-scaled" (BoTorch's priors, see {@link BayesianOptimizationOptions.hyperpriors}). */
export type HyperpriorName = "none" | "dimension-scaled";
const HYPERPRIORS: HyperpriorName[] = ["none", "dimension-scaled"];

/** Options of {@link bayesianOptimization}. */
export interface BayesianOptimizationOptions {
  /** [lo, hi] per input dimension (lo < hi, finite). */
  bounds: Array<[number, number]>;
  /** Total number of objective evaluations, initial design included (default 30). */
  budget?: number;
  /** Random (Latin hypercube) initial evaluations (default min(budget, max(5, dims + 1))). */
  initial?: number;
  /** Acquisition function (default "ei"). */
  acquisition?: AcquisitionName;
  /** Seed of the initial design and the acquisition starts (default 0). */
  seed?: number;
  /** GP kernel (default "matern52"). */
  kernel?: KernelName;
  /** Exploration margin of EI and PI in units of the standardised objective (default 0, as BoTorch; 0.01 before 2026-12-07, which kept EI from refining below ~1 % of the objective's spread). */
  xi?: number;
  /** κ of the confidence bound μ − κσ (default 2). */
  kappa?: number;
  /**
   * Hyperparameters of the surrogate: "none" (default) maximises the marginal likelihood (variance · kernel(ARD) +
   * white noise ≥ 1e-8, scikit-learn's fit); "dimension-scaled" is BoTorch ≥ 0.12's SingleTaskGP (Hvarfner,
   * Hellsten & Nardi, ICML 2024): unit signal variance, lengthscales ≥ 0.025 (unit cube) with the prior
   * LogNormal(√2 + ½ log d, √3), noise variance ≥ 1e-4 with LogNormal(−4, 1), fitted at the posterior mode. On the
   * noise-free Branin and Hartmann-6 benchmarks "none" reached lower regret (bench/bayes/RESULTS.md); the priors
   * guard against overfitting few noisy measurements.
   */
  hyperpriors?: HyperpriorName;
  /**
   * Points chosen per surrogate fit (default 1). With q > 1 the first point
   * maximises the acquisition and each next one the acquisition times the
   * local penalties of the points already in the batch (González et al.,
   * AISTATS 2016); with Thompson sampling, q independent posterior draws.
   * The q objective calls of a batch start together (Promise.all).
   */
  batchSize?: number;
  /** Called after every evaluation (e.g. to plot progress or stop an instrument). */
  onEvaluation?: (info: { x: number[]; y: number; iteration: number; best: number }) => void;
}

/**
 * Result of {@link bayesianOptimization}: the best point and value, every
 * evaluation in order (with `sd`, the surrogate's predictive sd of the latent
 * objective at each point when it was chosen, in the objective's units; NaN
 * for the initial design and while the values were all equal), and the last surrogate.
 */
export interface BayesianOptimizationResult {
  x: number[];
  y: number;
  history: { x: number[][]; y: number[]; sd: number[] };
  model: GaussianProcess | null;
}

/**
 * Acquisition value (to be maximised) for minimisation at standardised
 * predictive mean mu and sd sigma, best standardised value so far `best`.
 * EI = (best − μ − ξ)Φ(z) + σφ(z), z = (best − μ − ξ)/σ; PI = Φ(z);
 * UCB = −(μ − κσ); uncertainty = σ.
 */
export function acquisitionValue(name: Exclude<AcquisitionName, "thompson">, mu: number, sigma: number, best: number, xi = 0, kappa = 2): number {
  switch (name) {
    case "ei": {
      if (!(sigma > 0)) return Math.max(0, best - mu - xi);
      const imp = best - mu - xi, z = imp / sigma;
      return imp * normCdf(z) + (sigma * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
    }
    case "pi":
      return sigma > 0 ? normCdf((best - mu - xi) / sigma) : best - mu - xi > 0 ? 1 : 0;
    case "ucb":
      return -(mu - kappa * sigma);
    case "uncertainty":
      return sigma;
    default:
      throw new RangeError(`acquisitionValue(name): unknown "${name}" (expected ei, ucb, pi or uncertainty)`);
  }
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log h(z), h(z) = φ(z) + zΦ(z), the expected improvement of a unit-variance
 * normal at standardised improvement z (EI = σ·h(z)), to ~1e-14 relative
 * for every finite z (tests/bayes against mpmath): directly for z > −3, else log φ(z) − log D₁ −
 * log D₂ from Laplace's continued fraction of the Mills ratio,
 * Φ(−t)/φ(t) = 1/D₁, Dₖ = t + k/Dₖ₊₁ (t = −z, 50 terms), since
 * h(z) = φ(t)(1 − t/D₁) = φ(t)/(D₁D₂). The flat tail where EI underflows
 * keeps a slope, the point of LogEI (Ament et al., NeurIPS 2023, BoTorch's
 * `LogExpectedImprovement`). O(1). @internal
 */
export function logH(z: number): number {
  if (z > -3) return Math.log(Math.exp(-0.5 * z * z - LOG_SQRT_2PI) + z * normCdf(z));
  const t = -z;
  let d1 = t, d2 = t;
  for (let k = 50; k >= 1; k--) {
    d2 = d1;
    d1 = t + k / d1;
  }
  return -0.5 * t * t - LOG_SQRT_2PI - Math.log(d1) - Math.log(d2);
}

/**
 * log EI for minimisation at standardised predictive mean mu, sd sigma and
 * best value `best`: log σ + log h((best − μ − ξ)/σ) ({@link logH}); log of
 * max(0, best − μ − ξ) (−∞ when none) at σ = 0. Same maximiser as EI; what
 * "ei" maximises. @internal
 */
export function logExpectedImprovement(mu: number, sigma: number, best: number, xi = 0): number {
  if (!(sigma > 0)) return Math.log(Math.max(0, best - mu - xi));
  return Math.log(sigma) + logH((best - mu - xi) / sigma);
}

function latinHypercube(count: number, d: number, rng: Rng): number[][] {
  const pts = Array.from({ length: count }, () => new Array<number>(d));
  for (let k = 0; k < d; k++) {
    const perm = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) { const j = rng.int(i + 1); [perm[i], perm[j]] = [perm[j], perm[i]]; }
    for (let i = 0; i < count; i++) pts[i][k] = (perm[i] + rng.uniform()) / count;
  }
  return pts;
}

/**
 * Minimise `objective(x)` (sync or async: an instrument that measures at
 * x) within `bounds` in `budget` evaluations: a Latin-hypercube initial
 * design, then one evaluation per iteration at the maximiser of the
 * acquisition function of a GP fitted to all evaluations so far.
 * A non-finite objective value stops the loop with an error naming x.
 *
 * @example const r = await bayesianOptimization(([a, b]) => (a - 1) ** 2 + (b + 2) ** 2, { bounds: [[-5, 5], [-5, 5]], budget: 25, seed: 1 });
 */
export async function bayesianOptimization(objective: (x: number[]) => number | Promise<number>, options: BayesianOptimizationOptions): Promise<BayesianOptimizationResult> {
  if (typeof objective !== "function") throw new TypeError("bayesianOptimization(objective): expected a function of x: number[]");
  const bounds = options?.bounds;
  if (!Array.isArray(bounds) || bounds.length === 0) throw new RangeError("bayesianOptimization(options.bounds): expected [[lo, hi], …], one pair per dimension");
  bounds.forEach((b, k) => {
    if (!Array.isArray(b) || b.length !== 2 || !Number.isFinite(b[0]) || !Number.isFinite(b[1]) || !(b[0] < b[1])) throw new RangeError(`bayesianOptimization(options.bounds[${k}]): expected [lo, hi] with finite lo < hi, got ${JSON.stringify(b)}`);
  });
  const d = bounds.length, budget = options.budget ?? 30;
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`bayesianOptimization(options.budget): must be a positive integer, got ${budget}`);
  const initial = options.initial ?? Math.min(budget, Math.max(5, d + 1));
  if (!Number.isInteger(initial) || initial < 2 || initial > budget) throw new RangeError(`bayesianOptimization(options.initial): must be an integer in [2, budget = ${budget}], got ${initial}`);
  const acquisition = checkChoice("bayesianOptimization", "acquisition", options.acquisition, ACQUISITIONS) ?? "ei";
  const kernelName = checkChoice("bayesianOptimization", "kernel", options.kernel, KERNELS) ?? "matern52";
  const hyperpriors = checkChoice("bayesianOptimization", "hyperpriors", options.hyperpriors, HYPERPRIORS) ?? "none";
  const batchSize = options.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`bayesianOptimization(options.batchSize): must be a positive integer, got ${batchSize}`);
  const rng = new Rng(options.seed ?? 0), xi = options.xi ?? 0, kappa = options.kappa ?? 2;
  const toUser = (u: ArrayLike<number>): number[] => Array.from(u, (v, k) => bounds[k][0] + v * (bounds[k][1] - bounds[k][0]));
  const U: number[][] = [], history = { x: [] as number[][], y: [] as number[], sd: [] as number[] };
  let bestI = -1;
  const evaluate = async (batch: number[][], sd?: Float64Array): Promise<void> => {
    const xs = batch.map(toUser), ys = await Promise.all(xs.map((x) => objective(x.slice())));
    batch.forEach((u, b) => {
      const x = xs[b], y = ys[b];
      if (typeof y !== "number" || !Number.isFinite(y)) throw new RangeError(`bayesianOptimization(objective): returned ${y} at x = [${x.join(", ")}]; expected a finite number`);
      U.push(u);
      history.x.push(x);
      history.y.push(y);
      history.sd.push(sd ? sd[b] : NaN);
      if (bestI < 0 || y < history.y[bestI]) bestI = history.y.length - 1;
      options.onEvaluation?.({ x, y, iteration: history.y.length - 1, best: history.y[bestI] });
    });
  };
  for (const u of latinHypercube(initial, d, rng)) await evaluate([u]);
  let model: GaussianProcess | null = null;
  while (history.y.length < budget) {
    const ys = Float64Array.from(history.y), q = Math.min(batchSize, budget - history.y.length);
    let spread = 0;
    for (const v of ys) spread = Math.max(spread, Math.abs(v - ys[0]));
    const batch: number[][] = [];
    let sd: Float64Array | undefined;
    if (spread === 0) {
      for (let b = 0; b < q; b++) batch.push(Array.from({ length: d }, () => rng.uniform()));
    } else {
      const fitted = fitSurrogate(U, ys, kernelName, hyperpriors, d, rng.int(2 ** 31));
      model = fitted;
      const lipschitz = q > 1 && acquisition !== "thompson" ? meanLipschitz(fitted, d, rng) : 0;
      for (let b = 0; b < q; b++) {
        const taken = [...U, ...batch];
        batch.push(acquisition === "thompson" ? thompsonPoint(fitted, taken, d, rng) : maximizeAcquisition(fitted, taken, history.y[bestI], acquisition, xi, kappa, d, rng, batch, lipschitz));
      }
      sd = fitted.predict(batch).sd;
    }
    await evaluate(batch, sd);
  }
  return { x: history.x[bestI].slice(), y: history.y[bestI], history, model };
}

/**
 * The surrogate GP on the unit cube. hyperpriors "none": `gaussianProcess` with the named kernel (variance ·
 * kernel(ARD) + white noise, maximum marginal likelihood, one restart). "dimension-scaled": BoTorch ≥ 0.12's
 * SingleTaskGP (Hvarfner, Hellsten & Nardi, ICML 2024): unit signal variance, ARD lengthscales ℓ ≥ 0.025 with
 * the prior LogNormal(√2 + ½ log d, √3), noise variance ≥ 1e-4 with LogNormal(−4, 1), fitted at the posterior
 * mode from the priors' modes plus one start drawn from the priors. GPyTorch's mode is of the density over the
 * value v: log p_v(e^θ) = log p_θ(θ) − θ, which for LogNormal(μ, σ) is LogNormal(μ − σ², σ) over θ = log v, the
 * form our priors take.
 */
function fitSurrogate(U: number[][], ys: Float64Array, name: KernelName, hyperpriors: HyperpriorName, d: number, seed: number): GaussianProcess {
  if (hyperpriors === "none") return gaussianProcess(U, ys, { kernel: name, seed, restarts: 1 });
  const mu = Math.SQRT2 + 0.5 * Math.log(d), s2 = 3, l0 = Math.exp(mu - s2);
  const lengthscale = logNormal(mu - s2, Math.sqrt(s2)), noise = logNormal(-5, 1);
  const kernel = { rbf, matern32, matern52 }[name](d === 1 ? l0 : new Array<number>(d).fill(l0), [0.025, 1e3]).plus(white(Math.exp(-5), [1e-4, 10]));
  const priors: Record<string, Prior> = {};
  for (const n of kernel.thetaNames) priors[n] = n === "noise" ? noise : lengthscale;
  return gaussianProcess(U, ys, { kernel, priors, fitObjective: "posterior", seed, restarts: 1 });
}

/**
 * argmax of the acquisition over the unit cube, as BoTorch's `optimize_acqf`: 512 random raw samples, 10 L-BFGS
 * starts among them drawn with weights exp(standardised acquisition) (the best always; `initialize_q_batch`), each
 * run up to 200 iterations (gradients by forward differences, step 1e-6); EI is maximised as log EI. Cost: ≈ 10 × a
 * few dozen × (d + 1) predictions, O(n²) each. A fresh random point if the result repeats a measured one.
 */
function maximizeAcquisition(model: GaussianProcess, U: number[][], bestY: number, name: Exclude<AcquisitionName, "thompson">, xi: number, kappa: number, d: number, rng: Rng, pending: number[][] = [], lipschitz = 0): number[] {
  const best = (bestY - model.yMean) / model.yScale;
  // local penalisation of the points already in the batch: centre, standardised mean and sd there
  const centres = pending.length ? model.predict(pending) : null;
  const value = (pts: Float64Array, m: number): Float64Array => {
    const p = model.predict(pts, {});
    return Float64Array.from({ length: m }, (_, i) => {
      const mu = (p.mean[i] - model.yMean) / model.yScale, sd = p.sd[i] / model.yScale;
      if (name === "ei") {
        let v = logExpectedImprovement(mu, sd, best, xi);
        pending.forEach((c, j) => {
          let r2 = 0;
          for (let k = 0; k < d; k++) r2 += (pts[i * d + k] - c[k]) ** 2;
          v += Math.log(Math.max(1e-300, localPenalty(Math.sqrt(r2), lipschitz, (centres!.mean[j] - model.yMean) / model.yScale, centres!.sd[j] / model.yScale, best)));
        });
        return v;
      }
      const a = acquisitionValue(name, mu, sd, best, xi, kappa);
      if (!centres) return a;
      // local penalties on a positive transform of the acquisition (softplus for UCB)
      let v = name === "ucb" ? Math.log1p(Math.exp(-Math.abs(a))) + Math.max(a, 0) : a;
      pending.forEach((c, j) => {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += (pts[i * d + k] - c[k]) ** 2;
        v *= localPenalty(Math.sqrt(r2), lipschitz, (centres.mean[j] - model.yMean) / model.yScale, centres.sd[j] / model.yScale, best);
      });
      return v;
    });
  };
  const m = 512, cand = new Float64Array(m * d);
  for (let i = 0; i < cand.length; i++) cand[i] = rng.uniform();
  const a = value(cand, m);
  const starts = boltzmannStarts(a, 10, rng).filter((i) => Number.isFinite(a[i])).map((i) => cand.subarray(i * d, i * d + d));
  const h = 1e-6, lower = new Float64Array(d), upper = new Float64Array(d).fill(1);
  const fg = (x: Float64Array, g: Float64Array): number => {
    const pts = new Float64Array((d + 1) * d);
    for (let k = 0; k <= d; k++) pts.set(x, k * d);
    for (let k = 0; k < d; k++) pts[(k + 1) * d + k] = x[k] + (x[k] + h <= 1 ? h : -h);
    const v = value(pts, d + 1);
    for (let k = 0; k < d; k++) g[k] = -(v[k + 1] - v[0]) / (pts[(k + 1) * d + k] - x[k]) || 0;
    return -v[0];
  };
  let bestX: Float64Array | null = null, bestF = Infinity;
  for (const s of starts) {
    const r = minimizeLbfgsb(fg, s, { lower, upper, maxIterations: 200 });
    if (r.f < bestF) { bestF = r.f; bestX = r.x; }
  }
  const found = bestX;
  const tooClose = !found || U.some((u) => u.every((v, k) => Math.abs(v - found[k]) < 1e-7));
  return tooClose ? Array.from({ length: d }, () => rng.uniform()) : Array.from(found);
}

/**
 * `count` distinct indices of `values` (acquisition at raw samples): the largest, then draws without replacement
 * with weights exp(z), z the values standardised (BoTorch's `initialize_q_batch`, η = 1); −∞ values only when
 * nothing else is left. @internal
 */
export function boltzmannStarts(values: Float64Array, count: number, rng: Rng): number[] {
  const m = values.length, finite = Array.from(values).filter(Number.isFinite);
  let top = 0;
  for (let i = 1; i < m; i++) if (values[i] > values[top]) top = i;
  const mean = finite.reduce((s, v) => s + v, 0) / Math.max(1, finite.length);
  const sd = Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, finite.length)) || 1;
  const w = Float64Array.from(values, (v) => (Number.isFinite(v) ? Math.exp(Math.min(50, (v - mean) / sd)) : 0));
  const out = [top];
  w[top] = 0;
  while (out.length < Math.min(count, m)) {
    let total = 0;
    for (const v of w) total += v;
    let pick = -1;
    if (total > 0) {
      let u = rng.uniform() * total;
      for (let i = 0; i < m && pick < 0; i++) if (w[i] > 0 && (u -= w[i]) <= 0) pick = i;
      if (pick < 0) for (let i = m - 1; i >= 0 && pick < 0; i--) if (w[i] > 0) pick = i;
    } else {
      for (let i = 0; i < m && pick < 0; i++) if (!out.includes(i)) pick = i;
    }
    out.push(pick);
    w[pick] = 0;
  }
  return out;
}

/**
 * Local penalty of a point at `distance` from a batch point xⱼ whose
 * predicted mean and sd are mu, sd (standardised, minimisation, best value
 * `best`): Φ((L·distance − (mu − best))/sd), the probability that xⱼ's ball
 * of radius (mu − best)/L, where f cannot reach below best given the
 * Lipschitz constant L, does not contain the point (González et al., AISTATS
 * 2016, eq. 3, written for minimisation). @internal
 */
export function localPenalty(distance: number, lipschitz: number, mu: number, sd: number, best: number): number {
  return normCdf((lipschitz * distance - (mu - best)) / Math.max(sd, 1e-9));
}

/** The largest norm of the standardised posterior mean's gradient over 512 random points of the unit cube (central differences, floor 1e-7): the Lipschitz constant L of local penalisation. */
function meanLipschitz(model: GaussianProcess, d: number, rng: Rng): number {
  const m = 512, h = 1e-4, pts = new Float64Array(m * 2 * d * d);
  for (let i = 0; i < m; i++) {
    const x = Array.from({ length: d }, () => h + (1 - 2 * h) * rng.uniform());
    for (let k = 0; k < d; k++)
      for (const [s, sign] of [[0, 1], [1, -1]] as const) {
        const row = (i * 2 * d + 2 * k + s) * d;
        for (let j = 0; j < d; j++) pts[row + j] = x[j];
        pts[row + k] += sign * h;
      }
  }
  const mean = model.predict(pts).mean;
  let L = 1e-7;
  for (let i = 0; i < m; i++) {
    let g2 = 0;
    for (let k = 0; k < d; k++) g2 += ((mean[i * 2 * d + 2 * k] - mean[i * 2 * d + 2 * k + 1]) / (2 * h * model.yScale)) ** 2;
    L = Math.max(L, Math.sqrt(g2));
  }
  return L;
}

/** Thompson sampling: one joint posterior draw of the latent function on 256 random points of the unit cube; its minimiser (a fresh random point if that repeats a measured one). Russo et al., Found. Trends Mach. Learn. 11, 1 (2018). */
function thompsonPoint(model: GaussianProcess, U: number[][], d: number, rng: Rng): number[] {
  const m = 256, cand = new Float64Array(m * d);
  for (let i = 0; i < cand.length; i++) cand[i] = rng.uniform();
  const [f] = model.sample(cand, 1, rng.int(2 ** 31));
  let best = 0;
  for (let i = 1; i < m; i++) if (f[i] < f[best]) best = i;
  const x = Array.from(cand.subarray(best * d, best * d + d));
  return U.some((u) => u.every((v, k) => Math.abs(v - x[k]) < 1e-7)) ? Array.from({ length: d }, () => rng.uniform()) : x;
}
