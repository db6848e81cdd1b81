/**
 * Pictures of Bayesian results as vega-lite charts (static PNG/SVG fallback
 * included by `display.chart`): MCMC trace and per-chain density plots, rank
 * plots; simple regret and uncertainty against the number of measurements; a
 * structured GP's prior against its posterior.
 */
import { Rng, quantiles } from "../core";
import { normPpf } from "../core/special";
import { chart, type Chart } from "../display";
import { toPoints, type GaussianProcess } from "./gp";
import type { NutsResult } from "./nuts";

/**
 * Trace (draw against iteration, one colour per chain) and per-chain
 * density of every coordinate of a NUTS result, one row per parameter, with
 * R-hat and ESS in the row title. Chains that mix overlap in both panels.
 * `exp: true` plots e^value (a GP's `model.mcmc` holds θ = log of each
 * hyperparameter). At most `maxDraws` (default 500) evenly thinned draws per chain.
 *
 * @example cs.bayes.traceChart(gp.mcmc, { exp: true })
 */
export function traceChart(result: NutsResult, options: { exp?: boolean; maxDraws?: number } = {}): Chart {
  if (!result || !Array.isArray(result.draws) || !(result.dim >= 1)) throw new TypeError("traceChart(result): expected a NUTS result (nuts(...) or model.mcmc)");
  const keep = Math.min(result.samples, options.maxDraws ?? 500), step = result.samples / keep;
  const rows = result.names.map((name, p) => {
    const values: Array<{ chain: string; draw: number; value: number }> = [];
    result.draws.forEach((d, c) => {
      for (let k = 0; k < keep; k++) {
        const s = Math.floor(k * step), v = d[s * result.dim + p];
        values.push({ chain: String(c + 1), draw: s, value: options.exp ? Math.exp(v) : v });
      }
    });
    const title = `${name}: R-hat ${result.rhat[p].toFixed(3)}, ESS ${Math.round(result.ess[p])}`;
    const color = { field: "chain", type: "nominal", title: "chain" };
    return {
      title,
      data: { values },
      hconcat: [
        { width: 320, height: 90, mark: { type: "line", strokeWidth: 0.8, opacity: 0.8 }, encoding: { x: { field: "draw", type: "quantitative" }, y: { field: "value", type: "quantitative", title: name, scale: { zero: false } }, color } },
        { width: 160, height: 90, transform: [{ density: "value", groupby: ["chain"] }], mark: { type: "line" }, encoding: { x: { field: "value", type: "quantitative", title: name, scale: { zero: false } }, y: { field: "density", type: "quantitative" }, color } },
      ],
    };
  });
  return chart({ vconcat: rows });
}

/** Options of {@link priorPosteriorChart}. */
export interface PriorPosteriorOptions {
  /** Prior draws of the mean function's parameters (default 1000). */
  priorDraws?: number;
  /** Seed of the prior draws (default 0). */
  seed?: number;
  /** Central probability of both bands (default 0.9). */
  level?: number;
}

/**
 * What the data changed in a structured GP fitted with NUTS: top row, one
 * panel per mean-function parameter with its prior density (from
 * `priorDraws` seeded prior draws, the central 99 % shown) and its posterior
 * density (all NUTS draws); bottom, over the 1-D points `Xgrid`, the prior
 * predictive band of the mean function (pointwise quantiles of m(x; φ),
 * φ drawn from the priors) and the posterior band of the fitted GP
 * (mean ± z·sd of `predict`, the latent function), with the measurements.
 * Cost: priorDraws · |Xgrid| mean-function calls plus one predict.
 *
 * @example cs.bayes.priorPosteriorChart(sgp, Array.from({ length: 100 }, (_, i) => [i / 10]))
 */
export function priorPosteriorChart(model: GaussianProcess, Xgrid: number[][] | Float64Array, options: PriorPosteriorOptions = {}): Chart {
  const spec = model?.mean;
  if (!spec || !model.mcmc) throw new TypeError("priorPosteriorChart(model): expected a structured GP (options.mean) fitted with inference: \"nuts\"");
  if (model.dims !== 1) throw new RangeError(`priorPosteriorChart(model): the predictive band needs 1-D inputs, the model has ${model.dims}`);
  const { data: grid, n: m } = toPoints(Xgrid, 1, "priorPosteriorChart(Xgrid)");
  const S = options.priorDraws ?? 1000, level = options.level ?? 0.9;
  if (!Number.isInteger(S) || S < 10) throw new RangeError(`priorPosteriorChart(options.priorDraws): must be an integer >= 10, got ${S}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`priorPosteriorChart(options.level): must lie in (0, 1), got ${level}`);
  const names = model.meanParameterNames, rng = new Rng(options.seed ?? 0);
  const priorDraws = names.map((name) => Float64Array.from({ length: S }, () => spec.priors[name].toValue(spec.priors[name].sample(() => rng.normal()))));
  const posterior = model.meanParameterDraws();
  const densities = names.map((name, j) => {
    const [lo, hi] = quantiles(priorDraws[j], [0.005, 0.995]);
    const values = [
      ...Array.from(priorDraws[j]).filter((v) => v >= lo && v <= hi).map((value) => ({ stage: "prior", value })),
      ...Array.from(posterior[name], (value) => ({ stage: "posterior", value })),
    ];
    return {
      width: 200, height: 120, title: `${name}: ${spec.priors[name].description}`, data: { values },
      transform: [{ density: "value", groupby: ["stage"], steps: 200 }],
      mark: { type: "area", opacity: 0.5 },
      encoding: { x: { field: "value", type: "quantitative", title: name, scale: { zero: false } }, y: { field: "density", type: "quantitative", stack: null }, color: { field: "stage", type: "nominal", title: "", scale: { domain: ["prior", "posterior"] } } },
    };
  });
  const z = normPpf(0.5 + level / 2), qLo = (1 - level) / 2;
  const curves = Array.from({ length: m }, () => new Float64Array(S));
  for (let s = 0; s < S; s++) {
    const params: Record<string, number> = {};
    names.forEach((name, j) => (params[name] = priorDraws[j][s]));
    for (let i = 0; i < m; i++) {
      const v = spec.fn([grid[i]], { ...params });
      if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`priorPosteriorChart: options.mean.fn returned ${v} at Xgrid[${i}] = ${grid[i]} with prior draw ${JSON.stringify(params)}`);
      curves[i][s] = v;
    }
  }
  const post = model.predict(grid);
  const band: Array<{ stage: string; x: number; lo: number; mid: number; hi: number }> = [];
  for (let i = 0; i < m; i++) {
    const [lo, mid, hi] = quantiles(curves[i], [qLo, 0.5, 1 - qLo]);
    band.push({ stage: "prior", x: grid[i], lo, mid, hi });
  }
  for (let i = 0; i < m; i++) band.push({ stage: "posterior", x: grid[i], lo: post.mean[i] - z * post.sd[i], mid: post.mean[i], hi: post.mean[i] + z * post.sd[i] });
  const measured = model.measurements();
  const color = { field: "stage", type: "nominal", title: "", scale: { domain: ["prior", "posterior"] } };
  const pct = Math.round(level * 100);
  return chart({
    vconcat: [
      { hconcat: densities },
      {
        width: 640, height: 240, title: `${pct} % bands: prior predictive of the mean function, posterior of the GP`,
        layer: [
          { data: { values: band }, mark: { type: "area", opacity: 0.3 }, encoding: { x: { field: "x", type: "quantitative", title: "x" }, y: { field: "lo", type: "quantitative", title: "y" }, y2: { field: "hi" }, color } },
          { data: { values: band }, mark: { type: "line" }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "mid", type: "quantitative" }, color } },
          { data: { values: measured }, mark: { type: "point", filled: true, color: "black", size: 20 }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } },
        ],
      },
    ],
  });
}

/**
 * Per-chain histograms of the ranks of parameter `p`'s draws among all
 * chains' draws pooled (rank 1 = smallest; ties share their mean rank), over
 * `bins` equal-width bins of [1, S + 1) for S = chains·samples draws. Chains drawing from the
 * same distribution give flat histograms. @internal
 */
export function rankCounts(result: NutsResult, p: number, bins: number): number[][] {
  const { draws, samples, dim } = result, S = draws.length * samples;
  const order = Array.from({ length: S }, (_, i) => i);
  const value = (i: number): number => draws[Math.floor(i / samples)][(i % samples) * dim + p];
  order.sort((a, b) => value(a) - value(b));
  const counts = draws.map(() => new Array<number>(bins).fill(0));
  for (let i = 0; i < S; ) {
    let j = i + 1;
    while (j < S && value(order[j]) === value(order[i])) j++;
    const rank = (i + 1 + j) / 2; // mean rank of the tie group i..j−1 (1-based)
    const bin = Math.min(bins - 1, Math.floor(((rank - 1) / S) * bins));
    for (let t = i; t < j; t++) counts[Math.floor(order[t] / samples)][bin]++;
    i = j;
  }
  return counts;
}

/**
 * Rank plots of a NUTS result (Vehtari, Gelman, Simpson, Carpenter &
 * Bürkner, "Rank-normalization, folding, and localization: an improved R̂",
 * Bayesian Anal. 16, 667, 2021; ArviZ's `plot_rank`): one row per parameter
 * (R-hat and ESS in its title), one histogram per chain of the ranks of its
 * draws among all chains' draws, with the count a uniform histogram would
 * have (samples/bins) as a dashed rule. Chains that sample the same
 * distribution give flat histograms; a chain stuck high or low piles its
 * ranks at one end. Cost: O(S log S) per parameter for S draws in all.
 *
 * @example cs.bayes.rankChart(gp.mcmc, { bins: 20 })
 */
export function rankChart(result: NutsResult, options: { bins?: number } = {}): Chart {
  if (!result || !Array.isArray(result.draws) || !(result.dim >= 1)) throw new TypeError("rankChart(result): expected a NUTS result (nuts(...) or model.mcmc)");
  const bins = options.bins ?? 20, S = result.draws.length * result.samples;
  if (!Number.isInteger(bins) || bins < 2 || bins > result.samples) throw new RangeError(`rankChart(options.bins): must be an integer in [2, samples per chain = ${result.samples}], got ${bins}`);
  const expected = result.samples / bins;
  const rows = result.names.map((name, p) => {
    const counts = rankCounts(result, p, bins);
    const panels = counts.map((chainCounts, c) => ({
      width: 140, height: 80, title: `chain ${c + 1}`,
      data: { values: chainCounts.map((count, b) => ({ from: 1 + (b * S) / bins, to: 1 + ((b + 1) * S) / bins, count })) },
      layer: [
        { mark: { type: "rect", color: "#4c78a8", stroke: "white", strokeWidth: 0.5 }, encoding: { x: { field: "from", type: "quantitative", title: "rank", scale: { domain: [1, S + 1] } }, x2: { field: "to" }, y: { field: "count", type: "quantitative", title: "draws" }, y2: { datum: 0 } } },
        { mark: { type: "rule", strokeDash: [4, 3], color: "black" }, encoding: { y: { datum: expected } } },
      ],
    }));
    return { title: `${name}: R-hat ${result.rhat[p].toFixed(3)}, ESS ${Math.round(result.ess[p])}`, hconcat: panels };
  });
  return chart({ vconcat: rows });
}

/** One sequence of measurements for {@link regretChart}: the values in order, optionally the predictive sd at each point when it was chosen, and a label shared by the runs (seeds) of one method. */
export interface MeasurementRun {
  y: ArrayLike<number>;
  sd?: ArrayLike<number>;
  label?: string;
}

/** Options of {@link regretChart}. */
export interface RegretChartOptions {
  /** The known minimum of the objective: plots the simple regret (best so far − optimum) on a log axis; without it, the best value so far. */
  optimum?: number;
}

/**
 * Simple regret (the best value after k measurements minus the known
 * minimum, or the best value itself when the minimum is unknown) and the
 * predictive uncertainty at the measured point, against the number of
 * measurements k. Runs with the same `label` (e.g. 10 seeds of one
 * acquisition) are summarised per k by their median and 25–75 % band;
 * a `bayesianOptimization` result's `history` is a run as it is (its
 * `sd` is the surrogate's sd at each chosen point, NaN for the initial
 * design). The lower panel appears when some run carries `sd`. Minimisation.
 *
 * @example cs.bayes.regretChart(seeds.map((s) => ({ ...s.history, label: "EI" })), { optimum: 0.397887 })
 */
export function regretChart(runs: MeasurementRun | MeasurementRun[], options: RegretChartOptions = {}): Chart {
  const list = Array.isArray(runs) ? runs : [runs];
  if (list.length === 0) throw new RangeError("regretChart(runs): expected at least one run { y, sd?, label? }");
  const optimum = options.optimum;
  if (optimum !== undefined && !Number.isFinite(optimum)) throw new RangeError(`regretChart(options.optimum): must be a finite number, got ${optimum}`);
  list.forEach((run, r) => {
    if (!run || run.y == null || typeof run.y.length !== "number" || run.y.length === 0) throw new TypeError(`regretChart(runs[${r}].y): expected a non-empty array of measured values`);
    for (let i = 0; i < run.y.length; i++) if (!Number.isFinite(run.y[i])) throw new RangeError(`regretChart(runs[${r}].y[${i}]): expected a finite number, got ${run.y[i]}`);
    if (optimum !== undefined) for (let i = 0; i < run.y.length; i++) if (run.y[i] < optimum) throw new RangeError(`regretChart(runs[${r}].y[${i}]): ${run.y[i]} is below options.optimum = ${optimum}`);
    if (run.sd != null && run.sd.length !== run.y.length) throw new RangeError(`regretChart(runs[${r}].sd): ${run.sd.length} values for ${run.y.length} measurements`);
  });
  const labels = [...new Set(list.map((run) => run.label ?? "run"))];
  const regret: Array<{ label: string; measurements: number; median: number; lo: number; hi: number; runs: number }> = [];
  const uncertainty: Array<{ label: string; measurements: number; sd: number }> = [];
  for (const label of labels) {
    const mine = list.filter((run) => (run.label ?? "run") === label);
    const best = mine.map((run) => {
      let b = Infinity;
      return Array.from(run.y, (v) => (b = Math.min(b, v)) - (optimum ?? 0));
    });
    const N = Math.max(...mine.map((run) => run.y.length));
    for (let k = 0; k < N; k++) {
      const at = best.filter((b) => k < b.length).map((b) => b[k]);
      const [lo, median, hi] = quantiles(at, [0.25, 0.5, 0.75]);
      regret.push({ label, measurements: k + 1, median, lo, hi, runs: at.length });
      const sds = mine.filter((run) => run.sd != null && k < run.sd.length).map((run) => run.sd![k]);
      const [sd] = quantiles(sds, [0.5]);
      if (Number.isFinite(sd)) uncertainty.push({ label, measurements: k + 1, sd });
    }
  }
  const logAxis = optimum !== undefined && regret.every((r) => r.lo > 0);
  const yTitle = optimum !== undefined ? "simple regret (best − optimum)" : "best value so far";
  const color = { field: "label", type: "nominal", title: "", scale: { domain: labels } };
  const x = { field: "measurements", type: "quantitative", title: "measurements" };
  const panels: unknown[] = [{
    width: 420, height: 220, title: list.length > labels.length ? "median and 25–75 % band over runs" : "",
    data: { values: regret },
    layer: [
      { mark: { type: "area", opacity: 0.2 }, encoding: { x, y: { field: "lo", type: "quantitative", title: yTitle, scale: logAxis ? { type: "log" } : { zero: false } }, y2: { field: "hi" }, color } },
      { mark: { type: "line", point: { size: 12 } }, encoding: { x, y: { field: "median", type: "quantitative" }, color } },
    ],
  }];
  if (uncertainty.length) panels.push({
    width: 420, height: 160, data: { values: uncertainty },
    mark: { type: "line", point: { size: 12 } },
    encoding: { x, y: { field: "sd", type: "quantitative", title: "predictive sd at the measured point", scale: { zero: false } }, color },
  });
  return chart({ vconcat: panels });
}
