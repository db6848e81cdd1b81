/**
 * Structured GPs (options.mean of src/bayes/gp.ts, GPax's sGP): data from a
 * known law (a·exp(−x/τ), a = 2, τ = 1.5) plus a small smooth deviation and
 * white noise. The MAP fit recovers the law's parameters; NUTS samples them
 * jointly with the kernel's hyperparameters and its 95 % intervals cover the
 * truth; beyond the data the structured GP extrapolates far better than a
 * zero-mean GP; the Laplace evidence prefers the true law (by a log Bayes
 * factor of about 1.6 only: the residual GP absorbs much of the difference) and equals
 * compareModels' on the same models; priors map θ ↔ value with the right
 * Jacobian; a failing mean function is named.
 */
import { gaussianProcess, compareModels, normal, logNormal, halfNormal, uniform, type MeanFunction, type Prior } from "../../src/bayes";
import { Rng } from "../../src/core";

const law = (x: number): number => 2 * Math.exp(-x / 1.5);
const r = new Rng(5);
const X = Array.from({ length: 30 }, (_, i) => [(3 * i) / 29]);
const y = Float64Array.from(X, ([x]) => law(x) + 0.03 * Math.sin(4 * x) + 0.05 * r.normal());
const exponential: MeanFunction = { fn: (x, p) => p.a * Math.exp(-x[0] / p.tau), priors: { a: normal(0, 5), tau: logNormal(0, 1) } };
const far = Array.from({ length: 21 }, (_, i) => [4 + (2 * i) / 20]);
const rmse = (m: Float64Array): number => Math.sqrt(far.reduce((s, [x], i) => s + (m[i] - law(x)) ** 2, 0) / far.length);

describe("structured GP: a physical law as the mean function", () => {
  const map = gaussianProcess(X, y, { mean: exponential, seed: 1 });
  const plain = gaussianProcess(X, y, { seed: 1 });
  // 4 chains × 500 draws: the amplitude trades off against the residual GP's variance (ESS ≈ 0.15 per draw), so 2 × 200
  // left split R-hat of a at 1.02–1.04 depending on the MAP start; with 4 × 500, seeds 2–4 give 1.000–1.011 (ESS ≈ 500)
  const sampled = gaussianProcess(X, y, { mean: exponential, inference: "nuts", kernel: "matern52", seed: 2, chains: 4, warmup: 300, samples: 500 });
  it("MAP recovers a and τ; extrapolation to x in [4, 6] has < 1/4 of the zero-mean GP's error", () => {
    expect(map.meanParameterNames).toEqual(["a", "tau"]);
    const { a, tau } = map.meanParameters;
    expect(Math.abs(a - 2)).toBeLessThan(0.1);
    expect(Math.abs(tau - 1.5)).toBeLessThan(0.15);
    const ours = rmse(map.predict(far).mean), zero = rmse(plain.predict(far).mean);
    expect(ours).toBeLessThan(0.05);
    expect(ours).toBeLessThan(zero / 4);
    expect(map.toString()).toMatch(/mean a=\S+ tau=\S+/);
    // posterior function draws carry the mean function: their average and spread match predict beyond the data
    const pts = [[3.5], [5]], p = map.predict(pts), draws = map.sample(pts, 2000, 4);
    pts.forEach((_, j) => {
      const v = draws.map((f) => f[j]), m = v.reduce((a, b) => a + b, 0) / v.length;
      expect(Math.abs(m - p.mean[j])).toBeLessThan((4 * p.sd[j]) / Math.sqrt(2000));
    });
  });
  it("NUTS: joint posterior converges (R-hat < 1.02 for a and τ, < 1.1 for the residual GP's hyperparameters), 95 % intervals of a and τ cover the truth, extrapolation beats the zero-mean GP", () => {
    const m = sampled.mcmc!;
    expect(m.names).toEqual(["variance", "lengthscale", "noise", "a", "tau"]);
    expect(m.priors.a).toBe("Normal(0, 5)");
    for (let i = 0; i < 5; i++) expect(m.rhat[i]).toBeLessThan(i < 3 ? 1.1 : 1.02);
    const draws = sampled.meanParameterDraws();
    expect(draws.a).toHaveLength(2000);
    // 95 % prior widths: a ~ Normal(0, 5): 19.6; τ ~ LogNormal(0, 1): e^1.96 − e^−1.96 = 6.96; the data must at least halve them
    for (const [name, truth, priorWidth] of [["a", 2, 19.6], ["tau", 1.5, 6.96]] as const) {
      const v = Float64Array.from(draws[name]).sort();
      expect(v[Math.floor(0.025 * v.length)]).toBeLessThan(truth);
      expect(v[Math.floor(0.975 * v.length)]).toBeGreaterThan(truth);
      expect(v[Math.floor(0.975 * v.length)] - v[Math.floor(0.025 * v.length)]).toBeLessThan(priorWidth / 2);
    }
    const p = sampled.predict(far);
    expect(rmse(p.mean)).toBeLessThan(rmse(plain.predict(far).mean) / 4);
    // the truth lies inside the ±3 sd band everywhere beyond the data
    far.forEach(([x], i) => expect(Math.abs(p.mean[i] - law(x))).toBeLessThan(3 * p.sd[i] + 0.02));
  });
  it("Laplace evidence prefers the true law and equals compareModels' on the same models", () => {
    const power: MeanFunction = { fn: (x, p) => p.a / (1 + x[0]) ** p.b, priors: { a: normal(0, 5), b: normal(0, 2) } };
    const ePow = gaussianProcess(X, y, { mean: power, seed: 1 }).logEvidence(), eExp = map.logEvidence();
    expect(eExp).toBeGreaterThan(ePow);
    const withNormalPriors: MeanFunction = { fn: (x, p) => p.a * Math.exp(-x[0] / Math.exp(p.logTau)), priors: { a: normal(0, 5), logTau: normal(0, 1) } };
    const c = compareModels(X, y, {
      exponential: { fn: (x, [a, logTau]) => a * Math.exp(-x[0] / Math.exp(logTau)), init: [0, 0], prior: [[0, 5], [0, 1]] },
      power: { fn: (x, [a, b]) => a / (1 + x[0]) ** b, init: [0, 0], prior: [[0, 5], [0, 2]] },
    });
    expect(Math.abs(gaussianProcess(X, y, { mean: withNormalPriors, seed: 1 }).logEvidence() - c.models.exponential.logEvidence)).toBeLessThan(1e-3);
    expect(Math.abs(ePow - c.models.power.logEvidence)).toBeLessThan(1e-3);
  });
  it("names a mean function that throws or returns NaN, clashing names, bad init and a real-valued prior on a kernel hyperparameter", () => {
    const spec = (fn: MeanFunction["fn"]): MeanFunction => ({ fn, priors: { a: normal(0, 1) } });
    expect(() => gaussianProcess(X, y, { mean: spec(() => { throw new Error("boom"); }) })).toThrow(/gaussianProcess\(options.mean.fn\): threw at X\[0\] = \[0\] with params \{"a":0\}: boom/);
    expect(() => gaussianProcess(X, y, { mean: spec((x) => (x[0] > 1 ? NaN : 0)) })).toThrow(/gaussianProcess\(options.mean.fn\): returned NaN at X\[10\] = \[1.03\d+\] with params \{"a":0\}; expected a finite number/);
    const fitted = gaussianProcess(X, y, { mean: spec((x, p) => (x[0] > 5 ? NaN : p.a)), optimize: false });
    expect(() => fitted.predict([[1], [6]])).toThrow(/predict\(Xnew\): gaussianProcess\(options.mean.fn\): returned NaN at Xnew\[1\] = \[6\]/);
    expect(() => gaussianProcess(X, y, { mean: { fn: () => 0, priors: { noise: normal(0, 1) } } })).toThrow(/options.mean.priors.noise\): the kernel has a hyperparameter of that name/);
    expect(() => gaussianProcess(X, y, { mean: { ...exponential, init: { tau: -1 } } })).toThrow(/options.mean.init.tau\): LogNormal\(0, 1\): value must be positive/);
    expect(() => gaussianProcess(X, y, { mean: { ...exponential, init: { b: 1 } } })).toThrow(/options.mean.init.b\): no prior of that name \(the mean function's parameters are a, tau\)/);
    expect(() => gaussianProcess(X, y, { mean: { fn: "x" as never, priors: {} } })).toThrow(/options.mean.fn\): expected a function/);
    expect(() => gaussianProcess(X, y, { inference: "nuts", priors: { noise: normal(0, 1) } })).toThrow(/options.priors.noise\): a kernel hyperparameter is positive; use logNormal or halfNormal, not Normal\(0, 1\)/);
    expect(() => gaussianProcess(X, y, { inference: "mcmc" as "nuts" })).toThrow(/gaussianProcess: options.inference must be one of "map", "nuts"; got "mcmc"/);
  });
});

describe("priors in unconstrained coordinates", () => {
  it.each<[string, Prior, number[]]>([
    ["normal", normal(1, 2), [-3, 0.5, 4]],
    ["logNormal", logNormal(0.3, 0.7), [0.2, 1, 5]],
    ["halfNormal", halfNormal(2), [0.1, 1, 3]],
    ["uniform", uniform(-1, 3), [-0.9, 0, 2.99]],
  ])("%s: θ ↔ value round trip, derivative matches central differences, density of the value integrates to 1", (_, prior, values) => {
    for (const v of values) {
      const t = prior.toTheta(v);
      expect(prior.toValue(t)).toBeCloseTo(v, 12);
      const h = 1e-6, fd = (prior.logDensity(t + h)[0] - prior.logDensity(t - h)[0]) / (2 * h);
      expect(Math.abs(prior.logDensity(t)[1] - fd)).toBeLessThan(1e-6);
    }
    // ∫ p(θ) dθ = 1 (trapezoid over a wide θ grid)
    let s = 0;
    for (let t = -30; t < 30; t += 0.002) s += 0.002 * Math.exp(prior.logDensity(t + 0.001)[0]);
    expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    const rng = new Rng(1), draws = Array.from({ length: 20000 }, () => prior.toValue(prior.sample(() => rng.normal()))).sort((a, b) => a - b);
    expect(Math.abs(draws[10000] - prior.toValue(prior.center))).toBeLessThan(0.05 * (draws[15000] - draws[5000]));
  });
});
