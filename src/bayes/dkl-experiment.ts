/**
 * Active learning with deep kernel learning over a fixed set of candidate
 * patches (GPax's DKL-driven automated experiment: Ziatdinov, Liu, Kelley &
 * Kalinin, ACS Nano 16, 13492, 2022; Roccapriore et al., ACS Nano 16, 7605,
 * 2022): the structure image is known everywhere, the property is measured
 * one patch at a time (an expensive spectrum, a hysteresis loop). After each
 * measurement a DKL model is trained on the measured patches and predicts
 * the property with its uncertainty at every unmeasured patch; the next
 * measurement goes to the patch that maximises the acquisition function
 * (`acquisitionValue`: EI, UCB, PI or pure uncertainty, for minimisation,
 * as `bayesianOptimization`).
 * Cost: one `deepKernelLearning` fit per measurement after the initial ones
 * (O(epochs·m³) with m measured patches) plus one prediction over the
 * candidates (O(n·m²)).
 */
import { Rng } from "../core";
import { checkChoice } from "../core/options";
import { deepKernelLearning, toPatchMatrix, type DeepKernelModel, type DeepKernelOptions, type Patches } from "./dkl";
import { acquisitionValue, type AcquisitionName } from "./optimize";

/** Options of {@link deepKernelActiveLearning}: the loop's and those of each {@link deepKernelLearning} fit. */
export interface DeepKernelActiveLearningOptions extends Omit<DeepKernelOptions, "onEpoch"> {
  /** Total measurements, initial ones included (default 20, at most the number of patches). */
  budget?: number;
  /** Patches measured first, chosen at random (default 5, at least 3). */
  initial?: number;
  /** Acquisition function (default "ei"); Thompson sampling is not offered here. */
  acquisition?: Exclude<AcquisitionName, "thompson">;
  /** Exploration margin of EI and PI, standardised units (default 0.01). */
  xi?: number;
  /** κ of the confidence bound μ − κσ (default 2). */
  kappa?: number;
  /** Called after every measurement. */
  onMeasurement?: (info: { index: number; y: number; iteration: number; best: number }) => void;
}

/** Result of {@link deepKernelActiveLearning}: the best measured patch, every measurement in order, and the last model. */
export interface DeepKernelActiveLearningResult {
  /** Index of the patch with the smallest measured value, and that value. */
  index: number;
  y: number;
  history: { index: number[]; y: number[] };
  /** The DKL model of the last choice (null when the budget was spent by the initial measurements). */
  model: DeepKernelModel | null;
}

/**
 * Minimise a property over candidate patches by measuring as few as
 * possible: `initial` random patches, then one measurement per iteration at
 * the unmeasured patch with the largest acquisition value under a DKL model
 * of all measurements so far (trained anew each time with `options.seed`).
 * `measure(i)` returns the property at patch i (sync or async: a live
 * instrument, or a `simulatedMicroscope` measuring at the patch's centre);
 * negate it to maximise. A non-finite value stops the loop with an error
 * naming the patch.
 *
 * @example
 * const { patches, size } = atoms.atomPatches(image, x, y, 5);
 * const scope = simulatedMicroscope(propertyMap, { noise: 0.05 });
 * const run = await deepKernelActiveLearning(patches, (i) => scope.measure([x[i], y[i]]).then((v) => -v), { dims: size * size, budget: 30, acquisition: "ei", seed: 1 });
 */
export async function deepKernelActiveLearning(patches: Patches, measure: (index: number) => number | Promise<number>, options: DeepKernelActiveLearningOptions = {}): Promise<DeepKernelActiveLearningResult> {
  const fn = "deepKernelActiveLearning";
  if (typeof measure !== "function") throw new TypeError(`${fn}(measure): expected a function of the patch index`);
  const { data, n, d } = toPatchMatrix(patches, options.dims, `${fn}(patches)`);
  const budget = options.budget ?? Math.min(20, n), initial = options.initial ?? Math.min(5, budget);
  if (!Number.isInteger(budget) || budget < 1 || budget > n) throw new RangeError(`${fn}(options.budget): must be an integer in [1, ${n}] (the number of patches), got ${budget}`);
  if (!Number.isInteger(initial) || initial < 3 || initial > budget) throw new RangeError(`${fn}(options.initial): must be an integer in [3, budget = ${budget}], got ${initial}`);
  const acquisition = checkChoice(fn, "acquisition", options.acquisition, ["ei", "ucb", "pi", "uncertainty"] as const) ?? "ei";
  const xi = options.xi ?? 0.01, kappa = options.kappa ?? 2;
  const { embeddingDim, hidden, kernel, epochs, learningRate, weightPrior, seed, onMeasurement } = options;
  const fit: DeepKernelOptions = { dims: d, embeddingDim, hidden, kernel, epochs, learningRate, weightPrior, seed };
  const rng = new Rng(seed ?? 0), measured = new Uint8Array(n), history = { index: [] as number[], y: [] as number[] };
  let best = -1;
  const evaluate = async (i: number): Promise<void> => {
    const y = await measure(i);
    if (typeof y !== "number" || !Number.isFinite(y)) throw new RangeError(`${fn}(measure): returned ${y} at patch ${i}; expected a finite number`);
    measured[i] = 1;
    history.index.push(i);
    history.y.push(y);
    if (best < 0 || y < history.y[best]) best = history.y.length - 1;
    onMeasurement?.({ index: i, y, iteration: history.y.length - 1, best: history.y[best] });
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  for (const i of order.slice(0, initial)) await evaluate(i);
  let model: DeepKernelModel | null = null;
  while (history.y.length < budget) {
    const ys = Float64Array.from(history.y);
    const rows = new Float32Array(history.index.length * d);
    history.index.forEach((i, k) => rows.set(data.subarray(i * d, (i + 1) * d), k * d));
    const free = order.filter((i) => !measured[i]);
    let next = free[0];
    if (ys.some((v) => v !== ys[0])) {
      model = await deepKernelLearning(rows, ys, fit);
      const cand = new Float32Array(free.length * d);
      free.forEach((i, k) => cand.set(data.subarray(i * d, (i + 1) * d), k * d));
      const p = model.predict(cand);
      const { yMean, yScale } = model.gp, incumbent = (history.y[best] - yMean) / yScale;
      let top = -Infinity;
      free.forEach((i, k) => {
        const a = acquisitionValue(acquisition, (p.mean[k] - yMean) / yScale, p.sd[k] / yScale, incumbent, xi, kappa);
        if (a > top) { top = a; next = i; }
      });
    }
    await evaluate(next);
  }
  return { index: history.index[best], y: history.y[best], history, model };
}
