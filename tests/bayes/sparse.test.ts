/**
 * Sparse GP (SGPR, src/bayes/sparse.ts) against the exact GP at n = 300 with
 * the same fixed kernel: with the inducing points at the data it is the
 * exact GP (mean, sd and evidence to 1e-6); with 150 k-means or 100 grid
 * inducing points the predictions stay within 1e-2 of y's sd and the bound
 * stays below the exact log marginal likelihood. At n = 20 000 (hyperparameters
 * fitted on a 200-point subset) the posterior mean is within 0.03 of the
 * noise-free truth and the fit allocates < 64 MB of array buffers (an
 * exact GP's K alone would be 3.2 GB).
 */
import { gaussianProcess, sparseGaussianProcess, constant, rbf, white } from "../../src/bayes";
import { Rng } from "../../src/core";

const truth = (x: number[]): number => Math.sin(2 * x[0]) + 0.5 * x[1] * x[1];
function data(n: number, seed: number): { X: number[][]; y: Float64Array } {
  const r = new Rng(seed);
  const X = Array.from({ length: n }, () => [r.range(-2, 2), r.range(-2, 2)]);
  return { X, y: Float64Array.from(X, (x) => truth(x) + 0.2 * r.normal()) };
}
const maxDiff = (a: Float64Array, b: Float64Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe("sparseGaussianProcess against the exact GP (n = 300, fixed kernel)", () => {
  const { X, y } = data(300, 1), Xs = data(100, 2).X;
  const kernel = constant(40).times(rbf([1.7, 4.3])).plus(white(0.05));
  const exact = gaussianProcess(X, y, { kernel, optimize: false, jitter: 1e-8 });
  const pe = exact.predict(Xs, { noise: true }), sdY = exact.yScale;
  it("inducing points = X: the exact posterior and log marginal likelihood (to 1e-6)", () => {
    const sp = sparseGaussianProcess(X, y, { kernel, optimize: false, inducing: X });
    const ps = sp.predict(Xs, { noise: true });
    expect(maxDiff(ps.mean, pe.mean) / sdY).toBeLessThan(1e-6);
    expect(maxDiff(ps.sd, pe.sd) / sdY).toBeLessThan(1e-6);
    expect(Math.abs(sp.elbo - exact.logMarginalLikelihood)).toBeLessThan(1e-6 * Math.abs(exact.logMarginalLikelihood));
  });
  it.each([["kmeans", 150], ["grid", 100]] as const)("%s, %i inducing points: predictions within 1e-2 sd_y, bound below the exact evidence", (placement, m) => {
    const sp = sparseGaussianProcess(X, y, { kernel, optimize: false, inducing: m, placement, seed: 3 });
    expect(sp.m).toBe(m);
    const ps = sp.predict(Xs, { noise: true });
    expect(maxDiff(ps.mean, pe.mean) / sdY).toBeLessThan(1e-2);
    expect(maxDiff(ps.sd, pe.sd) / sdY).toBeLessThan(1e-2);
    expect(sp.elbo).toBeLessThanOrEqual(exact.logMarginalLikelihood + 1e-9);
    expect(sp.elbo).toBeGreaterThan(exact.logMarginalLikelihood - 5);
  });
  it("names bad options", () => {
    expect(() => sparseGaussianProcess(X, y, { placement: "random" as "grid" })).toThrow(/sparseGaussianProcess: options.placement must be one of "kmeans", "grid"; got "random"/);
    expect(() => sparseGaussianProcess(X, y, { inducing: 301 })).toThrow(/options.inducing\): a count must be an integer in \[1, n = 300\], got 301/);
    expect(() => sparseGaussianProcess(X, y, { kernel: rbf(1), optimize: false })).toThrow(/needs a white-noise term/);
    expect(() => sparseGaussianProcess(X, y, { inducing: [[0, 0, 0]] })).toThrow(/options.inducing\).*3 coordinates.*2/);
  });
});

describe("sparseGaussianProcess at n = 20 000", () => {
  it("fits with hyperparameters from a 200-point subset: mean within 0.03 of the truth, < 64 MB of array buffers", () => {
    const { X, y } = data(20000, 3), test = data(2000, 4);
    const before = process.memoryUsage().arrayBuffers;
    const sp = sparseGaussianProcess(X, y, { seed: 1, fitSubset: 200 });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64e6);
    const p = sp.predict(test.X);
    const rmse = Math.sqrt(test.X.reduce((s, x, i) => s + (p.mean[i] - truth(x)) ** 2, 0) / 2000);
    expect(rmse).toBeLessThan(0.03);
  });
});
