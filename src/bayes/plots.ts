/**
 * Pictures of Bayesian results as vega-lite charts (static PNG/SVG fallback
 * included by `display.chart`): MCMC trace and per-chain density plots.
 */
import { chart, type Chart } from "../display";
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
