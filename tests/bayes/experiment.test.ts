/**
 * Automated experiments (src/bayes/experiment.ts): the simulated microscope
 * returns bilinear values of its ground-truth image (exact at pixel
 * centres), seeded noise with the requested sd, and counts measurements and
 * cost; hypothesis learning on a 1-D property that follows one of two laws
 * (power law or exponential decay) names the true law on every seed, with
 * posterior probability > 0.85 after 16 measurements, and measures each candidate at most once.
 */
import { simulatedMicroscope, hypothesisLearning, normal, logNormal, type MeanFunction } from "../../src/bayes";

describe("simulatedMicroscope", () => {
  const width = 4, height = 3, data = Float32Array.from({ length: 12 }, (_, i) => i * i);
  it("bilinear over an image (x = column, y = row), seeded noise, cost and path", async () => {
    const clean = simulatedMicroscope({ data, width, height }, { costPerMeasurement: 2, costPerDistance: 0.5 });
    expect(clean.bounds).toEqual([[0, 3], [0, 2]]);
    expect(await clean.measure([2, 1])).toBe(36);
    expect(await clean.measure([2, 2])).toBe(100);
    expect(await clean.measure([3, 2])).toBe(121);
    // between pixel centres: the bilinear blend of the four neighbours
    expect(clean.truthAt([0.5, 0.5])).toBeCloseTo((0 + 1 + 16 + 25) / 4, 5);
    expect(clean.count).toBe(3);
    expect(clean.cost).toBeCloseTo(3 * 2 + 0.5 * (1 + 1), 12);
    expect(clean.path).toEqual([[2, 1], [2, 2], [3, 2]]);
    const noisy = simulatedMicroscope({ fn: ([x]) => x, bounds: [[0, 1]] }, { noise: 0.1, seed: 3 });
    const v: number[] = [];
    for (let i = 0; i < 4000; i++) v.push((await noisy.measure([0.5])) - 0.5);
    const m = v.reduce((a, b) => a + b, 0) / v.length, sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    expect(Math.abs(m)).toBeLessThan(4 * 0.1 / Math.sqrt(4000));
    expect(Math.abs(sd - 0.1)).toBeLessThan(0.005);
    await expect(clean.measure([4, 0])).rejects.toThrow(/measure\(x\): coordinate 0 = 4 is outside \[0, 3\]/);
    expect(() => simulatedMicroscope({ data, width: 5, height })).toThrow(/data.length = width·height/);
  });
});

describe("hypothesisLearning picks the law that generated the data", () => {
  const models: Record<string, MeanFunction> = {
    power: { fn: (x, p) => p.a * Math.pow(x[0], -p.b), priors: { a: normal(0, 5), b: logNormal(0, 1) } },
    exponential: { fn: (x, p) => p.a * Math.exp(-x[0] / p.tau), priors: { a: normal(0, 5), tau: logNormal(0, 1) } },
  };
  const truths = { power: (x: number) => 2 * Math.pow(x, -1.5), exponential: (x: number) => 2 * Math.exp(-x / 0.8) };
  const candidates = Array.from({ length: 46 }, (_, i) => [0.5 + i * 0.1]);
  it.each(["power", "exponential"] as const)("truth %s: chosen on 3 of 3 seeds after 16 measurements with probability > 0.85; no candidate measured twice", async (truth) => {
    for (let seed = 0; seed < 3; seed++) {
      const scope = simulatedMicroscope({ fn: ([x]) => truths[truth](x), bounds: [[0.5, 5]] }, { noise: 0.02, seed });
      const r = await hypothesisLearning((x) => scope.measure(x), { models, candidates, budget: 16, initial: 4, seed });
      expect(r.best).toBe(truth);
      expect(r.probabilities[truth]).toBeGreaterThan(0.85);
      expect(r.history.y).toHaveLength(16);
      expect(scope.count).toBe(16);
      expect(new Set(r.history.x.map(([x]) => x.toFixed(6))).size).toBe(16);
      expect(r.steps).toHaveLength(12);
      expect(r.steps[11].leader).toBe(truth);
      expect(Object.keys(r.steps[0].logEvidence)).toEqual(["power", "exponential"]);
    }
  });
  it("names bad options", async () => {
    await expect(hypothesisLearning(() => 0, { models: { one: models.power }, candidates })).rejects.toThrow(/options.models\): needs at least two named models, got 1/);
    await expect(hypothesisLearning(() => 0, { models, candidates, budget: 100 })).rejects.toThrow(/options.budget\): must be an integer in \[3, 46 candidates\], got 100/);
    await expect(hypothesisLearning(() => NaN, { models, candidates })).rejects.toThrow(/measure\): returned NaN at x = \[/);
  });
});
