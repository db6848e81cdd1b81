import { fitSEM, effect, simulate, doIntervention, simpson, partialCorrelations, causalDirection, bootstrap, bootstrapAsync, dag, learnStructure, readBIF, sampleBayesNet, randomLinearSEM, sampleLinearSEM, compareGraphs } from "../../src/causal";
import { Rng } from "../../src/core/random";
import { bif } from "./helpers";

/** z -> x -> y, z -> y with known coefficients. */
function confounded(n: number, seed = 3) {
  const r = new Rng(seed);
  const z = Float64Array.from({ length: n }, () => r.normal());
  const x = Float64Array.from(z, (v) => 1.5 * v + r.normal());
  const y = Float64Array.from(x, (v, i) => 0.5 * v - 2 * z[i] + r.normal());
  return { z, x, y };
}

describe("fitSEM / effect / simulate", () => {
  const d = confounded(4000);
  const g = dag(["z", "x", "y"], ["z->x", "z->y", "x->y"]);
  const m = fitSEM(g, d);

  test("recovers the structural coefficients", () => {
    const ey = m.equation("y");
    expect([...ey.parents].sort()).toEqual(["x", "z"]);
    expect(ey.coefficients[ey.parents.indexOf("x")]).toBeCloseTo(0.5, 1);
    expect(ey.coefficients[ey.parents.indexOf("z")]).toBeCloseTo(-2, 1);
    expect(m.equation("x").coefficients[0]).toBeCloseTo(1.5, 1);
    expect(m.equation("y").residualVariance).toBeCloseTo(1, 1);
    expect(String(m)).toContain("y = ");
  });

  test("effect adjusts for the confounder (back-door) and its CI covers the truth; the naive slope does not", () => {
    const e = effect(m, { treatment: "x", outcome: "y" });
    expect(e.adjust).toEqual(["z"]);
    expect(e.ci[0]).toBeLessThan(0.5);
    expect(e.ci[1]).toBeGreaterThan(0.5);
    expect(e.ci[1] - e.ci[0]).toBeLessThan(0.2);
    const naive = effect(m, { treatment: "x", outcome: "y", adjust: [] });
    expect(naive.ci[1]).toBeLessThan(0); // confounded: the sign even flips
  });

  test("CI coverage over repeated samples is near 95%", () => {
    let cover = 0;
    const R = 60;
    for (let k = 0; k < R; k++) {
      const dk = confounded(300, 100 + k);
      const e = effect(fitSEM(g, dk), { treatment: "x", outcome: "y" });
      if (e.ci[0] < 0.5 && 0.5 < e.ci[1]) cover++;
    }
    expect(cover / R).toBeGreaterThan(0.85);
  });

  test("do(): interventional means and simulation", () => {
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const means = doIntervention(m, { x: 2 });
    expect(means.y).toBeCloseTo(m.equation("y").intercept + 2 * m.equation("y").coefficients[m.equation("y").parents.indexOf("x")] + m.equation("y").coefficients[m.equation("y").parents.indexOf("z")] * means.z, 8);
    const s = simulate(m, 20000, { seed: 1, intervene: { x: 2 } }) as Record<string, Float64Array>;
    expect(s.x.every((v) => v === 2)).toBe(true);
    expect(mean(s.y)).toBeCloseTo(means.y, 1);
    const s2 = simulate(m, 10, { seed: 1 });
    const s3 = simulate(m, 10, { seed: 1 });
    expect(s2).toEqual(s3);
  });

  test("discrete: CPTs and adjusted risk difference on asia", () => {
    const net = readBIF(bif("asia"), "asia");
    const data = sampleBayesNet(net, 20000, { seed: 4 });
    const mm = fitSEM(net.graph, data);
    expect(mm.discrete).toBe(true);
    const lung = mm.cpts!.find((c) => c.node === "lung")!;
    // P(lung=yes | smoke=yes) = 0.1 in the network; levels are sorted: ["no", "yes"]
    const yes = lung.levels.indexOf("yes");
    const smokeYes = lung.parentLevels[0].indexOf("yes");
    expect(lung.probs[smokeYes * 2 + yes]).toBeCloseTo(0.1, 1);
    // effect of smoking on dysp (risk difference), true value from the CPTs is positive
    const e = effect(mm, { treatment: "smoke", outcome: "dysp", treatmentLevels: ["no", "yes"], outcomeLevel: "yes", bootstrap: 100, seed: 2 });
    expect(e.effect).toBeGreaterThan(0.1);
    expect(e.ci[0]).toBeLessThan(e.effect);
    expect(e.ci[1]).toBeGreaterThan(e.effect);
    const sim = simulate(mm, 2000, { seed: 1, intervene: { smoke: "yes" } }) as Record<string, string[]>;
    expect(sim.smoke.every((v) => v === "yes")).toBe(true);
  });
});

describe("Simpson's paradox", () => {
  /** Within each session y rises with x, but sessions with larger x have much lower y. */
  function sessions(seed = 5) {
    const r = new Rng(seed);
    const x: number[] = [];
    const y: number[] = [];
    const s: string[] = [];
    for (let k = 0; k < 4; k++)
      for (let i = 0; i < 150; i++) {
        const xv = 2 * k + r.normal() * 0.6;
        x.push(xv);
        y.push(0.8 * (xv - 2 * k) - 3 * k + 0.3 * r.normal());
        s.push(`session${k}`);
      }
    return { x, y, session: s };
  }
  test("flags a reversal across sessions", () => {
    const res = simpson(sessions(), { x: "x", y: "y", by: "session" });
    expect(res.pooled.slope).toBeLessThan(0);
    expect(res.withinSlope).toBeCloseTo(0.8, 1);
    expect(res.reversal).toBe(true);
    expect(res.fractionOpposite).toBe(1);
    expect(res.strata).toHaveLength(4);
    expect(res.message).toMatch(/Simpson's reversal/);
    const b = res.toMimeBundle();
    expect(b["image/svg+xml"]).toMatch(/^<svg/);
    expect(b["text/plain"]).toBe(res.message);
  });
  test("no reversal without confounding", () => {
    const r = new Rng(1);
    const x = Array.from({ length: 400 }, () => r.normal());
    const y = x.map((v) => v + r.normal());
    const by = x.map((_, i) => (i % 2 ? "a" : "b"));
    const res = simpson({ x, y, by }, { x: "x", y: "y", by: "by" });
    expect(res.reversal).toBe(false);
  });
  test("continuous 'by' is binned", () => {
    const r = new Rng(2);
    const c = Array.from({ length: 800 }, (_, i) => (i % 8) + 0.01 * r.normal()); // 8 sessions with a drifting offset
    const x = c.map((v) => 2 * v + 0.5 * r.normal());
    const y = x.map((v, i) => 0.5 * (v - 2 * c[i]) - 3 * c[i] + 0.1 * r.normal());
    const res = simpson({ x, y, c }, { x: "x", y: "y", by: "c", bins: 8 });
    expect(res.strata).toHaveLength(8);
    expect(res.pooled.slope).toBeLessThan(0);
    expect(res.withinSlope).toBeGreaterThan(0);
  });
  test("partial correlations: x ⟂ y | z in a fork", () => {
    const r = new Rng(7);
    const z = Array.from({ length: 3000 }, () => r.normal());
    const x = z.map((v) => v + r.normal());
    const y = z.map((v) => v + r.normal());
    const pc = partialCorrelations({ x, y, z });
    expect(Math.abs(pc.matrix[1])).toBeLessThan(0.05);
    const marg = partialCorrelations({ x, y, z }, { given: [] });
    expect(marg.matrix[1]).toBeCloseTo(0.5, 1);
  });
});

describe("pairwise causal direction", () => {
  test("IGCI on a deterministic nonlinear map, both argument orders", () => {
    const r = new Rng(3);
    const x = Float64Array.from({ length: 500 }, () => r.uniform());
    const y = Float64Array.from(x, (v) => Math.pow(v, 3) + 0.5 * v);
    expect(causalDirection(x, y, { method: "igci" }).direction).toBe("x->y");
    expect(causalDirection(y, x, { method: "igci" }).direction).toBe("y->x");
  });
  test("ANM on a nonlinear additive-noise model", () => {
    const r = new Rng(4);
    const x = Float64Array.from({ length: 400 }, () => r.normal());
    const y = Float64Array.from(x, (v) => v + Math.pow(v, 3) / 2 + 0.5 * r.normal());
    expect(causalDirection(x, y, { method: "anm" }).direction).toBe("x->y");
    expect(causalDirection(y, x, { method: "anm" }).direction).toBe("y->x");
  });
  test("pairwise LiNGAM on linear non-Gaussian data", () => {
    const r = new Rng(5);
    let ok = 0;
    for (let k = 0; k < 10; k++) {
      const x = Float64Array.from({ length: 1000 }, () => r.uniform() - 0.5);
      const y = Float64Array.from(x, (v) => 1.2 * v + 0.5 * (r.uniform() - 0.5));
      if (causalDirection(x, y, { method: "lingam" }).direction === "x->y") ok++;
    }
    expect(ok).toBeGreaterThanOrEqual(9);
  });
});

describe("bootstrap", () => {
  test("edge frequencies: true edges frequent, consensus graph carries confidences", () => {
    const sem = randomLinearSEM(6, { seed: 11, expectedDegree: 1.5 });
    const data = sampleLinearSEM(sem, 800, { seed: 12 });
    const res = bootstrap(data, { algorithm: "pc", seed: 1 }, 20);
    expect(res.n).toBe(20);
    for (const e of sem.graph.edges) {
      const f = res.edges.find((q) => (q.from === e.from && q.to === e.to) || (q.from === e.to && q.to === e.from));
      expect(f?.frequency ?? 0).toBeGreaterThan(0.5);
    }
    expect(res.graph.edges.every((e) => typeof e.confidence === "number" && e.confidence >= 0.5)).toBe(true);
    const again = bootstrap(data, { algorithm: "pc", seed: 1 }, 20);
    expect(again.edges).toEqual(res.edges);
    const m = compareGraphs(res.graph, sem.graph);
    expect(m.adjacencyRecall).toBe(1);
    expect(String(res.toMimeBundle()["text/plain"])).toMatch(/Bootstrap edge frequencies over 20 resamples/);
  });
  test("bootstrapAsync gives the same frequencies (resample b seeded by (seed, b))", async () => {
    const sem = randomLinearSEM(5, { seed: 13, expectedDegree: 1.5 });
    const data = sampleLinearSEM(sem, 500, { seed: 14 });
    const a = bootstrap(data, { algorithm: "hc", seed: 4 }, 6);
    const b = await bootstrapAsync(data, { algorithm: "hc", seed: 4, workers: 2 }, 6);
    expect(b.edges).toEqual(a.edges);
    // workers as everywhere (docs/conventions.md): 0 = the calling thread
    expect((await bootstrapAsync(data, { algorithm: "hc", seed: 4, workers: 0 }, 6)).edges).toEqual(a.edges);
    await expect(bootstrapAsync(data, { workers: -1 }, 2)).rejects.toThrow(/options.workers must be a non-negative integer or "auto", got -1/);
  });
  test("direction frequencies with LiNGAM on non-Gaussian data", () => {
    const sem = randomLinearSEM(4, { seed: 3, expectedDegree: 1.5 });
    const data = sampleLinearSEM(sem, 1500, { seed: 4, noise: "uniform" });
    const res = bootstrap(data, { algorithm: "lingam", seed: 2 }, 10);
    for (const e of sem.graph.edges) {
      const f = res.edges.find((q) => (q.from === e.from && q.to === e.to) || (q.from === e.to && q.to === e.from))!;
      const right = f.from === e.from ? f.forward : f.backward;
      expect(right).toBeGreaterThanOrEqual(0.8);
    }
  });
  test("learnStructure works on learned graphs end to end", () => {
    const g = learnStructure(confounded(500), { algorithm: "pc" });
    expect(g.edges).toHaveLength(3);
  });
});
