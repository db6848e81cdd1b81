/**
 * Nucleation prediction (`survivalRows`, `fitHazard`, `predictHazard`,
 * `rocAuc`, `evaluateNucleation`, `baselineScores`): known answers for the
 * AUC (scikit-learn), the hit rates and the logistic fit, then the honest
 * evaluation on held-out simulated movies against the baselines, and the
 * negative control (a hazard that ignores the descriptors) where the method
 * must not claim skill.
 */
import { table } from "../../src/table";
import { rng } from "../../src/core/random";
import { survivalRows, fitHazard, predictHazard, rocAuc, evaluateNucleation, baselineScores } from "../../src/transitions";
import { FEATURES, movies, trainingRows, testScores } from "./pipeline";

describe("rocAuc and evaluateNucleation", () => {
  it("equals scikit-learn's roc_auc_score, ties at ½", () => {
    // sklearn.metrics.roc_auc_score([0,1,0,1,0,0,1,0], [0.1,0.4,0.35,0.8,0.4,0.2,0.4,0.9]) = 0.7333333333333333
    expect(rocAuc([0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.4, 0.9], [0, 1, 0, 1, 0, 0, 1, 0])).toBeCloseTo(0.7333333333333333, 14);
    expect(rocAuc([1, 1, 1], [0, 1, 0])).toBe(0.5);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
    expect(() => rocAuc([NaN, 1], [0, 1])).toThrow(/scores\[0\] is NaN/);
  });

  it("gives chance for a constant score and 1 for a perfect one, with exact hit rates", () => {
    const truth = [3, 0, 7, 5];
    const flat = truth.map(() => new Float64Array(10));
    const e = evaluateNucleation(flat, truth, { topK: [1, 5], resamples: 50 });
    expect(e.auc).toBe(0.5);
    expect(e.aucInterval).toEqual([0.5, 0.5]);
    expect(e.topK.map((h) => h.hitRate)).toEqual([0.1, 0.5]); // k / n
    const perfect = truth.map((t) => Float64Array.from({ length: 10 }, (_, i) => (i === t ? 1 : 0)));
    const p = evaluateNucleation(perfect, truth, { topK: [1], resamples: 50 });
    expect(p.auc).toBe(1);
    expect(p.topK[0].hitRate).toBe(1);
    expect(() => evaluateNucleation(flat, [3, 0, 7, 10])).toThrow(/truth\[3\] must be a row of scores\[3\] \(0\.\.9\), got 10/);
    // the pooled AUC equals rocAuc over all candidates of all movies (ties included)
    const r = rng(2), sc = truth.map(() => Float64Array.from({ length: 10 }, () => Math.round(r.uniform() * 6)));
    expect(evaluateNucleation(sc, truth, { resamples: 10 }).auc).toBeCloseTo(rocAuc(sc.flatMap((s) => Array.from(s)), sc.flatMap((s, m) => Array.from(s, (_, i) => (i === truth[m] ? 1 : 0)))), 14);
  });
});

describe("survivalRows and fitHazard", () => {
  it("lays out person-period rows: frames before the event, one event row", () => {
    const f = (n: number, v: number) => table({ a: new Float64Array(n).fill(v) });
    const rows = survivalRows([f(3, 0), f(2, 1), f(4, 2)], { frame: 2, row: 1 });
    expect(Array.from(rows.numeric("frame"))).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(rows.numeric("event"))).toEqual([0, 0, 0, 0, 1]);
    expect(survivalRows([f(3, 0), f(2, 1)], null).numRows).toBe(5);
    expect(() => survivalRows([f(3, 0), f(2, 1)], { frame: 2, row: 3 })).toThrow(/event\.row must be a row of frames\[1\] \(0\.\.1\), got 3/);
    expect(() => survivalRows([f(3, 0), table({ b: [1] })], { frame: 2, row: 0 })).toThrow(/frames\[1\] has columns b; frames\[0\] has a/);
  });

  it("recovers known logistic coefficients within their Laplace intervals", () => {
    const r = rng(5), n = 20000, beta = [-3, 0.8, -0.5];
    const u = new Float64Array(n), v = new Float64Array(n), ev = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      u[i] = r.normal(); v[i] = r.normal(2, 3);
      const eta = beta[0] + beta[1] * u[i] + beta[2] * ((v[i] - 2) / 3);
      ev[i] = r.uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    }
    const m = fitHazard(table({ u, v, event: ev }), { features: ["u", "v"], priorSd: 10 });
    // coefficients are per sample sd of the feature: rescale the truth by the sample sd/mean
    const truthStd = [beta[1] * m.scale[0], beta[2] * (m.scale[1] / 3)];
    for (let j = 0; j < 2; j++) {
      expect(m.lower[j + 1]).toBeLessThan(truthStd[j]);
      expect(m.upper[j + 1]).toBeGreaterThan(truthStd[j]);
      expect(m.sd[j + 1]).toBeLessThan(0.05);
    }
    const p = predictHazard(m, table({ u: [0, 2], v: [2, 2] }));
    expect(Math.abs(p[0] - 1 / (1 + Math.exp(3)))).toBeLessThan(0.01);
    expect(Math.abs(p[1] - 1 / (1 + Math.exp(3 - 1.6)))).toBeLessThan(0.01);
    expect(() => fitHazard(table({ u, event: new Uint8Array(n) }), { features: ["u"] })).toThrow(/no events in 20000 rows/);
    expect(() => fitHazard(table({ u: [1, NaN], event: [0, 1] }), { features: ["u"] })).toThrow(/column "u" row 1 is not finite/);
  });
});

describe("nucleation prediction on held-out simulated movies", () => {
  const sim = { size: [12, 12] as [number, number], frames: 25 };

  it("beats uniform, nearest-defect and strain-alone baselines, with an AUC interval above ½", () => {
    const model = fitHazard(trainingRows(movies(24, 0, sim)), { features: FEATURES, priorSd: 1 });
    const test = movies(24, 10000, sim), truth = test.map((d) => d.row);
    const score = (f: (t: import("../../src/table").Table) => Float64Array) => evaluateNucleation(test.map((d) => testScores(d, f)), truth, { resamples: 1000, topK: [5] });
    const ours = score((t) => predictHazard(model, t));
    const base = (["uniform", "nearestDefect", "strain"] as const).map((b) => score((t) => baselineScores(t, b)));
    // measured: model 0.843 [0.753, 0.908], top-5 0.42; uniform 0.500 (0.04), nearest defect 0.767, strain 0.705
    expect(ours.aucInterval[0]).toBeGreaterThan(0.7);
    for (const b of base) expect(ours.auc).toBeGreaterThan(b.auc + 0.04);
    expect(ours.topK[0].hitRate).toBeGreaterThan(3 * base[0].topK[0].hitRate);
    // the vacancy count and the strain carry the hazard: their 95 % intervals exclude 0
    expect(model.lower[1]).toBeGreaterThan(0);
    expect(model.lower[3]).toBeGreaterThan(0);
  });

  it("claims no skill when the hazard ignores the descriptors (negative control)", () => {
    const ctl = { ...sim, hazard: { model: "uniform" as const } };
    const model = fitHazard(trainingRows(movies(24, 0, ctl)), { features: FEATURES, priorSd: 1 });
    const test = movies(24, 10000, ctl);
    const e = evaluateNucleation(test.map((d) => testScores(d, (t) => predictHazard(model, t))), test.map((d) => d.row), { resamples: 1000 });
    // measured: 0.527 [0.429, 0.629]
    expect(e.aucInterval[0]).toBeLessThan(0.5);
    expect(e.aucInterval[1]).toBeGreaterThan(0.5);
  });
});
