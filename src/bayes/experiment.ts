/**
 * Automated experiments: a simulated microscope (a ground-truth property map
 * measured point by point, with noise and a cost) and hypothesis learning
 * (GPax; Ziatdinov et al., "Hypothesis learning in automated experiment:
 * application to combinatorial materials libraries", Adv. Mater. 34,
 * 2201345, 2022): several structured GPs, each with a physical law as its
 * mean function, compete as measurements arrive; the one with the highest
 * evidence chooses the next measurement where it is most uncertain.
 */
import { Rng } from "../core";
import type { Image } from "../image/image";
import { gaussianProcess, type GaussianProcess, type KernelName, type MeanFunction } from "./gp";

/** Options of {@link simulatedMicroscope}. */
export interface SimulatedMicroscopeOptions {
  /** Standard deviation of the Gaussian measurement noise, in the map's units (default 0). */
  noise?: number;
  /** Seed of the noise (default 0). */
  seed?: number;
  /** Cost of one measurement (default 1; e.g. seconds of acquisition). */
  costPerMeasurement?: number;
  /** Cost per unit of stage travel from the previous measured point (default 0). */
  costPerDistance?: number;
}

/** A ground truth as a function of a point with the box it is defined on. */
export interface TruthFunction {
  fn: (x: number[]) => number;
  bounds: Array<[number, number]>;
}

/** An instrument stand-in: `measure` (async, as a live instrument), the noise-free `truthAt`, and what was spent. */
export interface SimulatedMicroscope {
  /** [lo, hi] per coordinate where measuring is possible. */
  readonly bounds: Array<[number, number]>;
  /** Measure at x: the truth there plus seeded Gaussian noise; adds to `count`, `cost` and `path`. */
  measure(x: number[]): Promise<number>;
  /** The noise-free property at x. */
  truthAt(x: number[]): number;
  readonly count: number;
  readonly cost: number;
  /** Measured points in order. */
  readonly path: number[][];
}

/**
 * A simulated microscope over a ground-truth property map: an Image (x =
 * column, y = row, pixels; bilinear interpolation between pixel centres;
 * bounds [0, width − 1] × [0, height − 1]) or a function with bounds. Each
 * measurement returns the truth plus N(0, noise²) (seeded) and costs
 * costPerMeasurement + costPerDistance · (distance from the previous
 * point). A point outside the bounds is an error naming it.
 *
 * @example const scope = simulatedMicroscope(domainImage, { noise: 0.05, seed: 1 }); const v = await scope.measure([12.5, 40]);
 */
export function simulatedMicroscope(truth: Image | TruthFunction, options: SimulatedMicroscopeOptions = {}): SimulatedMicroscope {
  const noise = options.noise ?? 0, perPoint = options.costPerMeasurement ?? 1, perDistance = options.costPerDistance ?? 0;
  for (const [name, v] of [["noise", noise], ["costPerMeasurement", perPoint], ["costPerDistance", perDistance]] as const) if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`simulatedMicroscope(options.${name}): must be a finite number >= 0, got ${v}`);
  let fn: (x: number[]) => number, bounds: Array<[number, number]>;
  if (isImage(truth)) {
    const { data, width, height } = truth;
    if (!(width >= 2 && height >= 1) || data.length !== width * height) throw new RangeError(`simulatedMicroscope(truth): an image needs width >= 2 and data.length = width·height, got ${width}×${height} and ${data?.length}`);
    bounds = [[0, width - 1], [0, height - 1]];
    fn = ([x, y]) => {
      const x0 = Math.min(Math.floor(x), width - 2), y0 = Math.min(Math.floor(y), Math.max(0, height - 2)), y1 = Math.min(y0 + 1, height - 1);
      const tx = x - x0, ty = y - y0;
      const a = data[y0 * width + x0] * (1 - tx) + data[y0 * width + x0 + 1] * tx;
      const b = data[y1 * width + x0] * (1 - tx) + data[y1 * width + x0 + 1] * tx;
      return a * (1 - ty) + b * ty;
    };
  } else if (truth && typeof (truth as TruthFunction).fn === "function" && Array.isArray((truth as TruthFunction).bounds)) {
    fn = (truth as TruthFunction).fn;
    bounds = (truth as TruthFunction).bounds;
    bounds.forEach((b, k) => { if (!Array.isArray(b) || !(b[0] < b[1])) throw new RangeError(`simulatedMicroscope(truth.bounds[${k}]): expected [lo, hi] with lo < hi, got ${JSON.stringify(b)}`); });
  } else throw new TypeError("simulatedMicroscope(truth): expected an Image { data, width, height } or { fn, bounds }");
  const check = (x: number[], where: string): void => {
    if (!Array.isArray(x) || x.length !== bounds.length) throw new RangeError(`${where}(x): expected ${bounds.length} coordinates, got ${JSON.stringify(x)}`);
    x.forEach((v, k) => { if (!(v >= bounds[k][0] && v <= bounds[k][1])) throw new RangeError(`${where}(x): coordinate ${k} = ${v} is outside [${bounds[k][0]}, ${bounds[k][1]}]`); });
  };
  const rng = new Rng(options.seed ?? 0), path: number[][] = [];
  let cost = 0;
  return {
    bounds,
    truthAt: (x) => { check(x, "truthAt"); return fn(x); },
    async measure(x) {
      check(x, "measure");
      const prev = path[path.length - 1];
      cost += perPoint + (prev ? perDistance * Math.hypot(...x.map((v, k) => v - prev[k])) : 0);
      path.push(x.slice());
      return fn(x) + (noise > 0 ? noise * rng.normal() : 0);
    },
    get count() { return path.length; },
    get cost() { return cost; },
    get path() { return path.map((p) => p.slice()); },
  };
}

function isImage(t: unknown): t is Image {
  return typeof t === "object" && t !== null && "data" in t && "width" in t;
}

/** Options of {@link hypothesisLearning}. */
export interface HypothesisLearningOptions {
  /** The competing hypotheses: structured-GP mean functions by name (at least two). */
  models: Record<string, MeanFunction>;
  /** The points where the instrument may measure. */
  candidates: number[][];
  /** Total measurements, initial ones included (default 20). */
  budget?: number;
  /** Random initial measurements among the candidates (default 4). */
  initial?: number;
  /** Residual GP kernel (default "rbf"). */
  kernel?: KernelName;
  seed?: number;
  /** Called after each step. */
  onStep?: (step: HypothesisStep) => void;
}

/** One step of hypothesis learning: every model's log evidence and mean predictive sd over the candidates, the model that chose, and where. */
export interface HypothesisStep {
  /** Number of measurements the models were fitted to. */
  measurements: number;
  logEvidence: Record<string, number>;
  /** Mean over the candidates of each model's predictive sd (y's units). */
  uncertainty: Record<string, number>;
  /** The model that chose the next point (highest evidence). */
  leader: string;
  next: number[];
}

/** Result of {@link hypothesisLearning}. */
export interface HypothesisLearningResult {
  history: { x: number[][]; y: number[] };
  steps: HypothesisStep[];
  /** The model with the highest final evidence, and the posterior probability of each model (equal prior odds). */
  best: string;
  probabilities: Record<string, number>;
  /** Every model fitted to all measurements. */
  fits: Record<string, GaussianProcess>;
}

/**
 * Hypothesis learning: measure `initial` seeded random candidates, then at
 * each step fit every structured GP (MAP) to all measurements, score them by
 * their Laplace log evidence, and let the leader measure next at the
 * unmeasured candidate where its predictive sd is largest (uncertainty
 * exploration, as GPax's hypothesis-learning loop). The result names the
 * best-supported law and each law's posterior probability. `measure` may be
 * async (a live instrument or {@link simulatedMicroscope}).
 * Cost per step: one structured-GP fit and Laplace evidence per model,
 * O(n³) per likelihood evaluation, plus one predict over the candidates.
 *
 * @example const r = await hypothesisLearning((x) => scope.measure(x), { models: { exponential, power }, candidates, budget: 15 });
 */
export async function hypothesisLearning(measure: (x: number[]) => number | Promise<number>, options: HypothesisLearningOptions): Promise<HypothesisLearningResult> {
  if (typeof measure !== "function") throw new TypeError("hypothesisLearning(measure): expected a function of x: number[]");
  const names = Object.keys(options?.models ?? {});
  if (names.length < 2) throw new RangeError(`hypothesisLearning(options.models): needs at least two named models, got ${names.length}`);
  const cand = options.candidates;
  if (!Array.isArray(cand) || cand.length < 2 || !cand.every((c) => Array.isArray(c) && c.length === cand[0].length && c.every(Number.isFinite))) throw new RangeError("hypothesisLearning(options.candidates): expected at least two points (number[][]) of equal length with finite coordinates");
  const budget = options.budget ?? 20, initial = options.initial ?? 4;
  if (!Number.isInteger(budget) || budget < 3 || budget > cand.length) throw new RangeError(`hypothesisLearning(options.budget): must be an integer in [3, ${cand.length} candidates], got ${budget}`);
  if (!Number.isInteger(initial) || initial < 2 || initial > budget) throw new RangeError(`hypothesisLearning(options.initial): must be an integer in [2, budget = ${budget}], got ${initial}`);
  const rng = new Rng(options.seed ?? 0), measured = new Set<number>(), history = { x: [] as number[][], y: [] as number[] }, steps: HypothesisStep[] = [];
  const take = async (i: number): Promise<void> => {
    const x = cand[i].slice(), y = await measure(x.slice());
    if (typeof y !== "number" || !Number.isFinite(y)) throw new RangeError(`hypothesisLearning(measure): returned ${y} at x = [${x.join(", ")}]; expected a finite number`);
    measured.add(i);
    history.x.push(x);
    history.y.push(y);
  };
  while (measured.size < initial) {
    const i = rng.int(cand.length);
    if (!measured.has(i)) await take(i);
  }
  const fitAll = (): { fits: Record<string, GaussianProcess>; evidence: Record<string, number> } => {
    const fits: Record<string, GaussianProcess> = {}, evidence: Record<string, number> = {};
    for (const name of names) {
      fits[name] = gaussianProcess(history.x, history.y, { mean: options.models[name], kernel: options.kernel ?? "rbf", seed: options.seed ?? 0, restarts: 1 });
      try {
        evidence[name] = fits[name].logEvidence();
      } catch {
        evidence[name] = -Infinity; // the mode is not a strict maximum: this law is not identified by the data yet
      }
    }
    return { fits, evidence };
  };
  let current = fitAll();
  while (history.y.length < budget) {
    const leader = names.reduce((a, b) => (current.evidence[b] > current.evidence[a] ? b : a));
    const uncertainty: Record<string, number> = {};
    let next = -1, sdLeader: Float64Array | null = null;
    for (const name of names) {
      const sd = current.fits[name].predict(cand).sd;
      uncertainty[name] = sd.reduce((a, b) => a + b, 0) / sd.length;
      if (name === leader) sdLeader = sd;
    }
    for (let i = 0; i < cand.length; i++) if (!measured.has(i) && (next < 0 || sdLeader![i] > sdLeader![next])) next = i;
    const step: HypothesisStep = { measurements: history.y.length, logEvidence: { ...current.evidence }, uncertainty, leader, next: cand[next].slice() };
    steps.push(step);
    options.onStep?.(step);
    await take(next);
    current = fitAll();
  }
  const best = names.reduce((a, b) => (current.evidence[b] > current.evidence[a] ? b : a));
  const top = current.evidence[best], probabilities: Record<string, number> = {};
  let z = 0;
  for (const name of names) z += Math.exp(current.evidence[name] - top);
  for (const name of names) probabilities[name] = Math.exp(current.evidence[name] - top) / z;
  return { history, steps, best, probabilities, fits: current.fits };
}
