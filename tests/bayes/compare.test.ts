/**
 * Bayesian model comparison of structured GPs (src/bayes/compare.ts): a
 * power law against an exponential decay as mean functions. With small
 * noise (evidence gap large) the true model is chosen on every seed, with
 * its parameters recovered; with noise that hides the difference the answer
 * is "undecided" and never the wrong model. Mean functions that throw or
 * return NaN, and priors that do not match, are named.
 */
import { compareModels, type MeanModel } from "../../src/bayes";
import { Rng } from "../../src/core";

const models: Record<string, MeanModel> = {
  power: { fn: (x, [a, b]) => a * Math.pow(x[0], b), init: [1, -1], prior: [[0, 5], [0, 2]] },
  exponential: { fn: (x, [a, logTau]) => a * Math.exp(-x[0] / Math.exp(logTau)), init: [1, 0], prior: [[0, 5], [0, 2]] },
};
const X = Array.from({ length: 40 }, (_, i) => [0.5 + (4.5 * i) / 39]);
function observe(truth: "power" | "exponential", noise: number, seed: number): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from(X, ([x]) => (truth === "power" ? 2 * Math.pow(x, -1.5) : 2 * Math.exp(-x / 0.8)) + noise * r.normal());
}

describe("compareModels: power law vs exponential decay", () => {
  it.each(["power", "exponential"] as const)("truth %s, noise 0.02: chosen on 10 of 10 seeds (log Bayes factor >= log 20), parameters recovered", (truth) => {
    for (let seed = 0; seed < 10; seed++) {
      const c = compareModels(X, observe(truth, 0.02, seed), models, { seed });
      expect(c.decision).toBe(truth);
      expect(c.logBayesFactor).toBeGreaterThan(Math.log(20));
      const [a, b] = c.models[truth].params;
      expect(Math.abs(a - 2)).toBeLessThan(0.2);
      expect(Math.abs(b - (truth === "power" ? -1.5 : Math.log(0.8)))).toBeLessThan(0.1);
    }
  });
  it("noise 1 (the curves differ by less than the noise): undecided on at least 8 of 10 seeds, never the wrong model", () => {
    let undecided = 0;
    for (let seed = 0; seed < 10; seed++) {
      const c = compareModels(X, observe("power", 1, seed), models, { seed });
      expect(c.decision).not.toBe("exponential");
      if (c.decision === "undecided") undecided++;
    }
    expect(undecided).toBeGreaterThanOrEqual(8);
  });
  it("names a mean function that throws or returns NaN, mismatched priors and a single model", () => {
    const y = observe("power", 0.02, 1);
    const throws: MeanModel = { fn: () => { throw new Error("boom"); }, init: [1], prior: [[0, 1]] };
    const nan: MeanModel = { fn: () => NaN, init: [1], prior: [[0, 1]] };
    expect(() => compareModels(X, y, { power: models.power, bad: throws })).toThrow(/compareModels\(models.bad.fn\): threw at X\[0\] with params \[1\]: boom/);
    expect(() => compareModels(X, y, { power: models.power, bad: nan })).toThrow(/compareModels\(models.bad.fn\): returned NaN at X\[0\]/);
    expect(() => compareModels(X, y, { power: models.power, bad: { ...models.exponential, prior: [[0, 1]] } })).toThrow(/models.bad.prior\): needs one \[mean, sd > 0\] per parameter \(2\)/);
    expect(() => compareModels(X, y, { power: models.power })).toThrow(/needs at least two named models, got 1/);
  });
});
