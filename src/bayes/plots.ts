/**
 * Pictures of Bayesian results as vega-lite charts (static PNG/SVG fallback
 * included by `display.chart`): MCMC trace and per-chain density plots; a
 * structured GP's prior against its posterior.
 */
import { Rng, quantiles } from "../core";
import { normPpf } from "../causal/stats";
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
