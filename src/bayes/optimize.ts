/**
 * Bayesian optimisation (Jones, Schonlau & Welch, J. Global Optim. 13, 455,
 * 1998; Shahriari et al., Proc. IEEE 104, 148, 2016): a GP surrogate
 * (Matérn 5/2 with ARD by default, refitted by maximum marginal likelihood
 * after every measurement) and an acquisition function maximised within the
 * bounds by multi-start bounded L-BFGS (starts: the best of a seeded random
 * sample plus the incumbent; gradients by central differences), or by
 * Thompson sampling. Minimises.
 * Inputs are mapped to the unit cube internally; the objective always sees
 * points in the user's units. Cost per iteration: one GP fit (O(n³) per
 * likelihood evaluation) plus O(n²) per acquisition evaluation.
 */
import { Rng } from "../core";
import { checkChoice } from "../core/options";
import { normCdf } from "../causal/stats";
import { gaussianProcess, type GaussianProcess, type KernelName } from "./gp";
import { minimizeLbfgsb } from "./lbfgs";

/** Acquisition functions: expected improvement, upper (lower, for minimisation) confidence bound, probability of improvement, maximum predictive uncertainty (pure exploration), Thompson sampling (the minimiser of one posterior draw). */
export type AcquisitionName = "ei" | "ucb" | "pi" | "uncertainty" | "thompson";
const ACQUISITIONS: AcquisitionName[] = ["ei", "ucb", "pi", "uncertainty", "thompson"];

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
  /** Exploration margin of EI and PI in units of the standardised objective (default 0.01). */
  xi?: number;
  /** κ of the confidence bound μ − κσ (default 2). */
  kappa?: number;
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
export function acquisitionValue(name: Exclude<AcquisitionName, "thompson">, mu: number, sigma: number, best: number, xi = 0.01, kappa = 2): number {
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
  const batchSize = options.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`bayesianOptimization(options.batchSize): must be a positive integer, got ${batchSize}`);
  const rng = new Rng(options.seed ?? 0), xi = options.xi ?? 0.01, kappa = options.kappa ?? 2;
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
      const fitted = gaussianProcess(U, ys, { kernel: options.kernel ?? "matern52", seed: rng.int(2 ** 31), restarts: 1 });
      model = fitted;
      const lipschitz = q > 1 && acquisition !== "thompson" ? meanLipschitz(fitted, d, rng) : 0;
      for (let b = 0; b < q; b++) {
        const taken = [...U, ...batch];
        batch.push(acquisition === "thompson" ? thompsonPoint(fitted, taken, d, rng) : maximizeAcquisition(fitted, taken, bestI, history.y[bestI], acquisition, xi, kappa, d, rng, batch, lipschitz));
      }
      sd = fitted.predict(batch).sd;
    }
    await evaluate(batch, sd);
  }
  return { x: history.x[bestI].slice(), y: history.y[bestI], history, model };
}

/** argmax of the acquisition over the unit cube: 512 random candidates, L-BFGS from the best 5 and the incumbent (best measured point); a fresh random point if the result repeats a measured one. */
function maximizeAcquisition(model: GaussianProcess, U: number[][], incumbent: number, bestY: number, name: Exclude<AcquisitionName, "thompson">, xi: number, kappa: number, d: number, rng: Rng, pending: number[][] = [], lipschitz = 0): number[] {
  const best = (bestY - model.yMean) / model.yScale;
  // local penalisation of the points already in the batch: centre, standardised mean and sd there
  const centres = pending.length ? model.predict(pending) : null;
  const value = (pts: Float64Array, m: number): Float64Array => {
    const p = model.predict(pts, {});
    return Float64Array.from({ length: m }, (_, i) => {
      const a = acquisitionValue(name, (p.mean[i] - model.yMean) / model.yScale, p.sd[i] / model.yScale, best, xi, kappa);
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
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => a[j] - a[i]);
  const starts = order.slice(0, 5).map((i) => cand.subarray(i * d, i * d + d));
  starts.push(Float64Array.from(U[incumbent]));
  const h = 1e-6, lower = new Float64Array(d), upper = new Float64Array(d).fill(1);
  const fg = (x: Float64Array, g: Float64Array): number => {
    const pts = new Float64Array((2 * d + 1) * d);
    for (let k = 0; k < 2 * d + 1; k++) pts.set(x, k * d);
    for (let k = 0; k < d; k++) {
      pts[(2 * k + 1) * d + k] = Math.min(1, x[k] + h);
      pts[(2 * k + 2) * d + k] = Math.max(0, x[k] - h);
    }
    const v = value(pts, 2 * d + 1);
    for (let k = 0; k < d; k++) g[k] = -(v[2 * k + 1] - v[2 * k + 2]) / (pts[(2 * k + 1) * d + k] - pts[(2 * k + 2) * d + k]);
    return -v[0];
  };
  let bestX: Float64Array = starts[0], bestF = Infinity;
  for (const s of starts) {
    const r = minimizeLbfgsb(fg, s, { lower, upper, maxIterations: 50, gtol: 1e-9 });
    if (r.f < bestF) { bestF = r.f; bestX = r.x; }
  }
  const tooClose = U.some((u) => u.every((v, k) => Math.abs(v - bestX[k]) < 1e-7));
  return tooClose ? Array.from({ length: d }, () => rng.uniform()) : Array.from(bestX);
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
