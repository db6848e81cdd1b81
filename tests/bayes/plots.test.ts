/**
 * traceChart (src/bayes/plots.ts): one row per parameter with its R-hat and
 * ESS, every chain's thinned draws (exponentiated on request), and a PNG
 * rendering. priorPosteriorChart: prior and posterior densities per
 * mean-function parameter, the prior predictive band (a constant mean
 * a ~ Normal(1, 2): 5–95 % quantiles 1 ∓ 1.645·2 within Monte Carlo error)
 * and the posterior band equal to predict's mean ± 1.645 sd.
 */
import { PNG } from "pngjs";
import { nuts, traceChart, priorPosteriorChart, gaussianProcess, normal } from "../../src/bayes";
import { Rng } from "../../src/core";

describe("traceChart", () => {
  const r = nuts((q, g) => { g[0] = -q[0]; g[1] = -q[1] / 4; return -0.5 * q[0] ** 2 - q[1] ** 2 / 8; }, 2, { seed: 1, chains: 2, warmup: 100, samples: 300, names: ["a", "b"] });
  it("has a row per parameter titled with R-hat and ESS, every chain's draws, thinned and exponentiated on request, and renders to PNG", async () => {
    const c = traceChart(r, { exp: true, maxDraws: 100 });
    const rows = (c.spec as { vconcat: Array<{ title: string; data: { values: Array<{ chain: string; draw: number; value: number }> } }> }).vconcat;
    expect(rows.map((row) => row.title)).toEqual([`a: R-hat ${r.rhat[0].toFixed(3)}, ESS ${Math.round(r.ess[0])}`, `b: R-hat ${r.rhat[1].toFixed(3)}, ESS ${Math.round(r.ess[1])}`]);
    expect(rows[1].data.values).toHaveLength(200);
    expect(rows[1].data.values[1]).toEqual({ chain: "1", draw: 3, value: Math.exp(r.draws[0][3 * 2 + 1]) });
    const png = PNG.sync.read(Buffer.from(await c.toPng()));
    expect(png.width).toBeGreaterThan(400);
    expect(png.height).toBeGreaterThan(200);
    expect(() => traceChart({} as never)).toThrow(/traceChart\(result\): expected a NUTS result/);
  });
});

describe("priorPosteriorChart", () => {
  const r = new Rng(2);
  const X = Array.from({ length: 15 }, (_, i) => [i / 2]);
  const y = Float64Array.from(X, ([x]) => 0.5 + 0.1 * Math.sin(x) + 0.05 * r.normal());
  const model = gaussianProcess(X, y, { mean: { fn: (_x, p) => p.a, priors: { a: normal(1, 2) } }, inference: "nuts", seed: 1, chains: 2, warmup: 60, samples: 60 });
  it("prior vs posterior densities per parameter, prior predictive band from prior draws, posterior band from predict; renders to PNG", async () => {
    const grid = [[0], [3], [7]];
    const c = priorPosteriorChart(model, grid, { priorDraws: 4000, seed: 3 });
    type Band = { stage: string; x: number; lo: number; mid: number; hi: number };
    const spec = c.spec as { vconcat: [{ hconcat: Array<{ title: string; data: { values: Array<{ stage: string; value: number }> } }> }, { layer: Array<{ data: { values: Array<Band | { x: number; y: number }> } }> }] };
    const [dens] = spec.vconcat[0].hconcat;
    expect(spec.vconcat[0].hconcat).toHaveLength(1);
    expect(dens.title).toBe("a: Normal(1, 2)");
    expect(dens.data.values.filter((v) => v.stage === "posterior")).toHaveLength(120);
    expect(dens.data.values.filter((v) => v.stage === "prior").length).toBeGreaterThan(3900);
    const band = spec.vconcat[1].layer[0].data.values as Band[], p = model.predict(grid);
    for (let i = 0; i < 3; i++) {
      const prior = band[i], post = band[3 + i];
      expect(prior.stage).toBe("prior");
      expect(Math.abs(prior.lo - (1 - 1.6448536 * 2))).toBeLessThan(0.25);
      expect(Math.abs(prior.hi - (1 + 1.6448536 * 2))).toBeLessThan(0.25);
      expect(Math.abs(prior.mid - 1)).toBeLessThan(0.15);
      expect(post.stage).toBe("posterior");
      expect(post.x).toBe(grid[i][0]);
      expect(post.mid).toBe(p.mean[i]);
      expect(Math.abs(post.lo - (p.mean[i] - 1.6448536269514722 * p.sd[i]))).toBeLessThan(1e-9);
      expect(Math.abs(post.hi - (p.mean[i] + 1.6448536269514722 * p.sd[i]))).toBeLessThan(1e-9);
    }
    expect(spec.vconcat[1].layer[2].data.values).toHaveLength(15);
    const png = PNG.sync.read(Buffer.from(await c.toPng()));
    expect(png.width).toBeGreaterThan(400);
    expect(() => priorPosteriorChart(gaussianProcess(X, y), grid)).toThrow(/priorPosteriorChart\(model\): expected a structured GP/);
  });
});
