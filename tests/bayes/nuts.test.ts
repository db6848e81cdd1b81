/**
 * NUTS (src/bayes/nuts.ts) on posteriors with known moments: means,
 * standard deviations and a correlation within Monte Carlo error (4 MCSE,
 * from the reported ESS), split R-hat < 1.01, no divergences; then the
 * fully Bayesian GP: converged hyperparameter chains whose posterior
 * contains the true noise, predictions averaged over draws.
 */
import { nuts, gaussianProcess, logNormal, halfNormal } from "../../src/bayes";
import { Rng } from "../../src/core";

describe("nuts on known posteriors", () => {
  it("independent Gaussian, scales 1, 5, 0.2: means and sds within Monte Carlo error, R-hat < 1.01, no divergences", () => {
    const mu = [0, 1, 2], sd = [1, 5, 0.2];
    const r = nuts((q, g) => {
      let s = 0;
      for (let i = 0; i < 3; i++) { g[i] = -(q[i] - mu[i]) / sd[i] ** 2; s -= 0.5 * ((q[i] - mu[i]) / sd[i]) ** 2; }
      return s;
    }, 3, { seed: 1, warmup: 500, samples: 1000 });
    for (let i = 0; i < 3; i++) {
      expect(r.rhat[i]).toBeLessThan(1.01);
      expect(r.ess[i]).toBeGreaterThan(800);
      expect(Math.abs(r.mean[i] - mu[i])).toBeLessThan((4 * sd[i]) / Math.sqrt(r.ess[i]));
      // sd's Monte Carlo error ≈ sd/√(2 ESS)
      expect(Math.abs(r.sd[i] - sd[i])).toBeLessThan((4 * sd[i]) / Math.sqrt(2 * r.ess[i]));
    }
    expect(r.divergences.reduce((a, b) => a + b, 0)).toBe(0);
    expect(nuts((q, g) => { g[0] = -q[0]; return -0.5 * q[0] ** 2; }, 1, { seed: 1, warmup: 50, samples: 20 }).draws).toEqual(nuts((q, g) => { g[0] = -q[0]; return -0.5 * q[0] ** 2; }, 1, { seed: 1, warmup: 50, samples: 20 }).draws);
  });
  it("correlated Gaussian (ρ = 0.95, sds 1 and 3): moments and correlation within Monte Carlo error", () => {
    const rho = 0.95, s1 = 1, s2 = 3, det = 1 - rho * rho;
    const r = nuts((q, g) => {
      const a = q[0] / s1, b = q[1] / s2;
      g[0] = -(a - rho * b) / det / s1;
      g[1] = -(b - rho * a) / det / s2;
      return (-0.5 * (a * a - 2 * rho * a * b + b * b)) / det;
    }, 2, { seed: 2, warmup: 500, samples: 1000 });
    [s1, s2].forEach((s, i) => {
      expect(r.rhat[i]).toBeLessThan(1.01);
      expect(Math.abs(r.mean[i])).toBeLessThan((4 * s) / Math.sqrt(r.ess[i]));
      expect(Math.abs(r.sd[i] - s)).toBeLessThan((4 * s) / Math.sqrt(2 * r.ess[i]));
    });
    let c = 0, k = 0;
    for (const d of r.draws) for (let s = 0; s < r.samples; s++, k++) c += ((d[2 * s] - r.mean[0]) * (d[2 * s + 1] - r.mean[1])) / (r.sd[0] * r.sd[1]);
    const corr = c / (k - 1);
    // MCSE of a correlation ≈ (1 − ρ²)/√ESS
    expect(Math.abs(corr - rho)).toBeLessThan((4 * (1 - rho * rho)) / Math.sqrt(Math.min(r.ess[0], r.ess[1])));
    expect(r.divergences.reduce((a, b) => a + b, 0)).toBe(0);
  });
  it("counts divergences and names bad arguments", () => {
    // Neal's funnel with a too-large fixed-ish step: the neck produces divergent transitions
    const funnel = nuts((q, g) => {
      const v = q[0], x = q[1];
      g[0] = -v / 9 - 0.5 + (0.5 * x * x) * Math.exp(-v);
      g[1] = -x * Math.exp(-v);
      return (-v * v) / 18 - 0.5 * v - 0.5 * x * x * Math.exp(-v);
    }, 2, { seed: 3, warmup: 100, samples: 500, chains: 2 });
    expect(funnel.divergences.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(() => nuts(() => 0, 0)).toThrow(/nuts\(dim\): must be a positive integer/);
    expect(() => nuts(() => 0, 1, { chains: 2, init: [[0]] })).toThrow(/options.init\): 1 initial points for 2 chains/);
    expect(() => nuts(() => -Infinity, 1)).toThrow(/no initial point with a finite log density/);
  });
});

describe("fully Bayesian GP (inference: nuts)", () => {
  const r = new Rng(3);
  const X = Array.from({ length: 40 }, () => [r.range(0, 5)]);
  const y = Float64Array.from(X, (x) => Math.sin(2 * x[0]) + 0.2 * r.normal());
  const gp = gaussianProcess(X, y, { inference: "nuts", seed: 1, warmup: 200, samples: 250 });
  it("converges (R-hat < 1.01, ESS > 250 of 1000 draws per hyperparameter), no divergences, true noise inside the 95 % interval", () => {
    const m = gp.mcmc!;
    expect(m.names).toEqual(["variance", "lengthscale", "noise"]);
    for (let i = 0; i < 3; i++) {
      expect(m.rhat[i]).toBeLessThan(1.01);
      expect(m.ess[i]).toBeGreaterThan(250);
    }
    expect(m.divergences.reduce((a, b) => a + b, 0)).toBe(0);
    const noise = m.draws.flatMap((d) => Array.from({ length: m.samples }, (_, s) => Math.exp(d[s * 3 + 2]) * gp.yScale ** 2)).sort((a, b) => a - b);
    expect(noise[Math.floor(0.025 * noise.length)]).toBeLessThan(0.04);
    expect(noise[Math.floor(0.975 * noise.length)]).toBeGreaterThan(0.04);
    expect(m.priors).toEqual({ variance: "LogNormal(0, 1)", lengthscale: expect.stringMatching(/^LogNormal/), noise: "HalfNormal(1)" });
  });
  it("predicts by averaging over draws: close to the MAP mean, sd at least as wide, truth inside ±3 sd", () => {
    const map = gaussianProcess(X, y, { seed: 1 });
    const Xs = [[0.5], [2.5], [4.5]], p = gp.predict(Xs), q = map.predict(Xs);
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(p.mean[i] - q.mean[i])).toBeLessThan(q.sd[i]);
      expect(p.sd[i]).toBeGreaterThan(0.9 * q.sd[i]);
      expect(Math.abs(p.mean[i] - Math.sin(2 * Xs[i][0]))).toBeLessThan(3 * p.sd[i]);
    }
  });
  it("takes user priors by hyperparameter name and refuses unknown names", () => {
    const tight = gaussianProcess(X, y, { inference: "nuts", seed: 2, warmup: 100, samples: 100, chains: 2, priors: { noise: logNormal(Math.log(0.5), 0.01) } });
    expect(tight.hyperparameters.noise).toBeGreaterThan(0.45);
    expect(tight.hyperparameters.noise).toBeLessThan(0.55);
    expect(() => gaussianProcess(X, y, { inference: "nuts", priors: { period: halfNormal(1) } })).toThrow(/options.priors\): no hyperparameter "period" \(the kernel has variance, lengthscale, noise\)/);
  });
});
