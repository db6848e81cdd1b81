/**
 * traceChart (src/bayes/plots.ts): one row per parameter with its R-hat and
 * ESS, every chain's thinned draws (exponentiated on request), and a PNG
 * rendering. rankChart: rank histograms of hand-made chains with known ranks
 * (ties sharing their mean rank), flat for chains of one distribution.
 * regretChart: per-k median and quartiles of the best-so-far regret of
 * hand-made runs, the sd panel from a BO history. priorPosteriorChart: prior and posterior densities per
 * mean-function parameter, the prior predictive band (a constant mean
 * a ~ Normal(1, 2): 5–95 % quantiles 1 ∓ 1.645·2 within Monte Carlo error)
 * and the posterior band equal to predict's mean ± 1.645 sd.
 */
import { PNG } from "pngjs";
import { nuts, traceChart, rankChart, regretChart, priorPosteriorChart, gaussianProcess, normal, bayesianOptimization, type NutsResult } from "../../src/bayes";
import { rankCounts } from "../../src/bayes/plots";
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

describe("rankChart", () => {
  // two chains of 100 draws: chain 1 holds 0..99, chain 2 holds 100..199 (a chain stuck above the other); parameter b: chain 1 = chain 2 (all ties)
  const fake = (): NutsResult => {
    const draws = [0, 1].map((c) => Float64Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 100 * c + i / 2 : (i >> 1) % 7)));
    return { draws, samples: 100, dim: 2, names: ["a", "b"], rhat: Float64Array.of(3.1, 1), ess: Float64Array.of(4, 200) } as unknown as NutsResult;
  };
  it("counts ranks per chain among all chains' draws; ties share their mean rank", () => {
    const r = fake();
    expect(rankCounts(r, 0, 4)).toEqual([[50, 50, 0, 0], [0, 0, 50, 50]]);
    // b: each value v in 0..6 appears equally in both chains, so both chains get identical histograms summing to 100
    const b = rankCounts(r, 1, 5);
    expect(b[0]).toEqual(b[1]);
    expect(b[0].reduce((s, v) => s + v, 0)).toBe(100);
    // value 0 occurs 15 times per chain (i>>1 = 0, 7, …, 98): ranks 1..30, mean 15.5, first bin [1, 41)
    expect(b[0][0]).toBeGreaterThanOrEqual(15);
  });
  it("one row per parameter, one histogram per chain with the uniform count as a rule; flat for well-mixed NUTS chains; renders to PNG", async () => {
    const c = rankChart(fake(), { bins: 4 });
    type Panel = { title: string; data: { values: Array<{ from: number; to: number; count: number }> }; layer: Array<{ encoding: { y: { datum?: number } } }> };
    const rows = (c.spec as { vconcat: Array<{ title: string; hconcat: Panel[] }> }).vconcat;
    expect(rows.map((row) => row.title)).toEqual(["a: R-hat 3.100, ESS 4", "b: R-hat 1.000, ESS 200"]);
    expect(rows[0].hconcat.map((p) => p.data.values.map((v) => v.count))).toEqual([[50, 50, 0, 0], [0, 0, 50, 50]]);
    expect(rows[0].hconcat[0].data.values[1]).toEqual({ from: 51, to: 101, count: 50 });
    expect(rows[0].hconcat[0].layer[1].encoding.y.datum).toBe(25);
    // well-mixed chains of a standard normal (2 × 300 draws): every bin within 5 binomial sds of 300/10
    const r = nuts((q, g) => { g[0] = -q[0]; return -0.5 * q[0] ** 2; }, 1, { seed: 5, chains: 2, warmup: 100, samples: 300 });
    const mixed = rankCounts(r, 0, 10).flat(), sd = Math.sqrt(300 * 0.1 * 0.9);
    for (const v of mixed) expect(Math.abs(v - 30)).toBeLessThan(5 * sd);
    const png = PNG.sync.read(Buffer.from(await rankChart(r).toPng()));
    expect(png.width).toBeGreaterThan(300);
    expect(() => rankChart({} as never)).toThrow(/rankChart\(result\): expected a NUTS result/);
    expect(() => rankChart(fake(), { bins: 1 })).toThrow(/rankChart\(options.bins\): must be an integer in \[2, samples per chain = 100\], got 1/);
  });
});

describe("regretChart", () => {
  it("median and quartiles over runs of the best-so-far regret per number of measurements, log axis with a known optimum", async () => {
    const runs = [{ y: [5, 3, 4, 1], label: "A" }, { y: [4, 4, 2, 2], label: "A" }, { y: [9, 1, 1, 1], label: "A" }, { y: [6, 6, 6, 6], label: "B" }];
    const c = regretChart(runs, { optimum: 0.5 });
    type Row = { label: string; measurements: number; median: number; lo: number; hi: number; runs: number };
    const spec = c.spec as { vconcat: Array<{ data: { values: Row[] }; layer: Array<{ encoding: { y: { scale: { type?: string } } } }> }> };
    expect(spec.vconcat).toHaveLength(1); // no sd anywhere: no uncertainty panel
    const a = spec.vconcat[0].data.values.filter((v) => v.label === "A");
    // best so far − 0.5: run 1 [4.5, 2.5, 2.5, 0.5], run 2 [3.5, 3.5, 1.5, 1.5], run 3 [8.5, 0.5, 0.5, 0.5]
    expect(a.map((v) => v.median)).toEqual([4.5, 2.5, 1.5, 0.5]);
    expect(a[0].lo).toBe(4); // quartiles of {3.5, 4.5, 8.5}: 4 and 6.5 (linear interpolation)
    expect(a[0].hi).toBe(6.5);
    expect(a[3]).toEqual({ label: "A", measurements: 4, median: 0.5, lo: 0.5, hi: 1, runs: 3 });
    expect(spec.vconcat[0].data.values.filter((v) => v.label === "B").map((v) => v.median)).toEqual([5.5, 5.5, 5.5, 5.5]);
    expect(spec.vconcat[0].layer[0].encoding.y.scale.type).toBe("log");
    expect(() => regretChart([{ y: [1, 0.2] }], { optimum: 0.5 })).toThrow(/regretChart\(runs\[0\].y\[1\]\): 0.2 is below options.optimum = 0.5/);
    expect(() => regretChart([{ y: [1, NaN] }])).toThrow(/regretChart\(runs\[0\].y\[1\]\): expected a finite number, got NaN/);
    expect(() => regretChart([{ y: [1, 2], sd: [1] }])).toThrow(/regretChart\(runs\[0\].sd\): 1 values for 2 measurements/);
  });
  it("takes a bayesianOptimization history as a run: the sd panel holds the surrogate's sd at each chosen point; renders to PNG", async () => {
    const f = (x: number[]): number => (x[0] - 0.3) ** 2;
    const res = await bayesianOptimization(f, { bounds: [[-1, 2]], budget: 9, initial: 4, seed: 4 });
    expect(res.history.sd).toHaveLength(9);
    expect(res.history.sd.slice(0, 4).every(Number.isNaN)).toBe(true);
    // the last point's sd is that of the final surrogate (fitted to the first 8 points, inputs on the unit interval) there
    expect(res.model!.n).toBe(8);
    expect(Math.abs(res.model!.predict([[(res.history.x[8][0] + 1) / 3]]).sd[0] - res.history.sd[8])).toBeLessThan(1e-8); // x went to user units and back
    for (const v of res.history.sd.slice(4)) expect(v).toBeGreaterThan(0);
    const c = regretChart({ ...res.history, label: "EI" }, { optimum: 0 });
    const spec = c.spec as { vconcat: Array<{ data: { values: Array<{ measurements: number; sd: number }> } }> };
    expect(spec.vconcat).toHaveLength(2);
    expect(spec.vconcat[1].data.values.map((v) => v.measurements)).toEqual([5, 6, 7, 8, 9]);
    expect(spec.vconcat[1].data.values.map((v) => v.sd)).toEqual(res.history.sd.slice(4));
    const png = PNG.sync.read(Buffer.from(await c.toPng()));
    expect(png.height).toBeGreaterThan(300);
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
