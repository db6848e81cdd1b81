/**
 * WAIC and PSIS-LOO (src/bayes/loo.ts) against ArviZ 0.23 (tests/bayes/arviz_loo.py,
 * venv from requirements/bayes.txt) on the same log-likelihood matrices:
 * a normal model's posterior draws with and without a gross outlier (k̂ > 0.7
 * there), two relative efficiencies, and a tiny matrix whose tails are too
 * short to smooth (k̂ = ∞). Elpd, se, p, pointwise values, k̂ and the smoothed
 * log weights agree to 1e-9. Then on structured GPs: PSIS-LOO of the
 * GP's leave-one-out densities prefers the true law.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loo, waic, gaussianProcess, normal, logNormal } from "../../src/bayes";
import { psisSmooth } from "../../src/bayes/loo";
import { Rng } from "../../src/core";

const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(resolve(__dirname, "..", ".."), ".venv", "bin", "python");
interface Elpd { elpd: number; se: number; p: number; pointwise: number[]; pareto_k?: Array<number | null> }
interface Ref { waic: Elpd; loo: Elpd; psis0: { logWeights: number[]; k: number | null } }
function arviz(requests: Array<{ logLik: Float64Array[]; chains: number; reff: number }>): Ref[] {
  if (!existsSync(PYTHON)) throw new Error(`loo tests need the project venv's Python at ${PYTHON} (arviz): run \`node scripts/venv.mjs\``);
  const input = JSON.stringify(requests.map((r) => ({ ...r, logLik: r.logLik.map((row) => Array.from(row)) })));
  return JSON.parse(execFileSync(PYTHON, [join(__dirname, "arviz_loo.py")], { input, encoding: "utf8", stdio: ["pipe", "pipe", "inherit"], maxBuffer: 1 << 28 }));
}

/** log N(yᵢ | μ_s, σ_s) for S posterior draws of a normal model (μ | σ, y conjugate with a flat prior, σ² scaled inverse-χ²). */
function normalModel(y: number[], S: number, seed: number): Float64Array[] {
  const r = new Rng(seed), n = y.length, m = y.reduce((a, b) => a + b, 0) / n, s2 = y.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
  return Array.from({ length: S }, () => {
    let chi = 0;
    for (let k = 0; k < n - 1; k++) chi += r.normal() ** 2;
    const sigma = Math.sqrt(((n - 1) * s2) / chi), mu = m + (sigma / Math.sqrt(n)) * r.normal();
    return Float64Array.from(y, (v) => -0.5 * Math.log(2 * Math.PI * sigma * sigma) - ((v - mu) ** 2) / (2 * sigma * sigma));
  });
}
const close = (a: number, b: number, tol = 1e-9): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describe("WAIC and PSIS-LOO equal ArviZ's on the same log-likelihood matrices", () => {
  const r = new Rng(1);
  const clean = Array.from({ length: 40 }, () => 3 + r.normal());
  const outlier = [...clean.slice(0, 39), 12];
  const tiny = [Float64Array.of(-1, -2, -0.5), Float64Array.of(-1.2, -2.5, -0.4), Float64Array.of(-0.9, -1, -0.7), Float64Array.of(-1.1, -3, -0.6)];
  const cases = [
    { name: "normal model, 1000 draws (4 chains), reff 1", logLik: normalModel(clean, 1000, 2), chains: 4, reff: 1 },
    { name: "normal model, 1000 draws, reff 0.6", logLik: normalModel(clean, 1000, 2), chains: 4, reff: 0.6 },
    { name: "one gross outlier (y = 12), 2000 draws", logLik: normalModel(outlier, 2000, 3), chains: 2, reff: 1 },
    { name: "4 draws: tails too short to smooth", logLik: tiny, chains: 2, reff: 1 },
  ];
  const refs = arviz(cases);
  it.each(cases.map((c, i) => [c.name, i] as const))("%s", (_, i) => {
    const { logLik, reff } = cases[i], ref = refs[i];
    const w = waic(logLik), l = loo(logLik, { reff });
    for (const [ours, theirs] of [[w, ref.waic], [l, ref.loo]] as const) {
      close(ours.elpd, theirs.elpd);
      close(ours.se, theirs.se);
      close(ours.p, theirs.p);
      ours.pointwise.forEach((v, j) => close(v, theirs.pointwise[j]));
    }
    l.paretoK!.forEach((k, j) => (ref.loo.pareto_k![j] === null ? expect(k).toBe(Infinity) : close(k, ref.loo.pareto_k![j]!)));
    const col0 = Float64Array.from(logLik, (row) => -row[0]), s = psisSmooth(col0, reff);
    s.logWeights.forEach((v, j) => close(v, ref.psis0.logWeights[j]));
    if (ref.psis0.k === null) expect(s.k).toBe(Infinity);
    else close(s.k, ref.psis0.k);
  });
  it("flags the outlier by k̂ > 0.7 (and only it), not the clean data", () => {
    const withOutlier = loo(cases[2].logLik), plain = loo(cases[0].logLik);
    expect(withOutlier.flagged).toEqual([39]);
    expect(withOutlier.paretoK![39]).toBeGreaterThan(0.7);
    expect(plain.flagged).toEqual([]);
    expect(Math.max(...plain.paretoK!)).toBeLessThan(0.5);
    expect(waic(cases[2].logLik).flagged).toContain(39);
  });
  it("names bad input", () => {
    expect(() => loo([Float64Array.of(1)])).toThrow(/loo\(logLik\): expected at least 2 rows/);
    expect(() => waic([Float64Array.of(1, 2), Float64Array.of(1)])).toThrow(/waic\(logLik\[1\]\): has 1 values, row 0 has 2/);
    expect(() => loo([Float64Array.of(1, NaN), Float64Array.of(1, 2)])).toThrow(/loo\(logLik\[0\]\[1\]\) is not finite/);
    expect(() => loo(cases[0].logLik, { reff: 0 })).toThrow(/loo\(options.reff\): must be a positive number/);
  });
});

describe("PSIS-LOO of structured GPs", () => {
  it("GP leave-one-out densities: the MAP row equals the brute-force leave-one-out predictive density; LOO prefers the true law", () => {
    const r = new Rng(8);
    const X = Array.from({ length: 25 }, (_, i) => [(3 * i) / 24]);
    const y = Float64Array.from(X, ([x]) => 2 * Math.exp(-x / 1.5) + 0.05 * r.normal());
    const exp = gaussianProcess(X, y, { mean: { fn: (x, p) => p.a * Math.exp(-x[0] / p.tau), priors: { a: normal(0, 5), tau: logNormal(0, 1) } }, inference: "nuts", seed: 1, chains: 2, warmup: 100, samples: 100 });
    const lin = gaussianProcess(X, y, { mean: { fn: (x, p) => p.a + p.b * x[0], priors: { a: normal(0, 5), b: normal(0, 5) } }, inference: "nuts", seed: 1, chains: 2, warmup: 100, samples: 100 });
    const a = loo(exp.pointwiseLogLikelihood()), b = loo(lin.pointwiseLogLikelihood());
    expect(a.elpd).toBeGreaterThan(b.elpd);
    expect(a.pointwise).toHaveLength(25);
    // brute force at fixed hyperparameters: refit without point i, predict it
    const map = gaussianProcess(X, y, { kernel: "matern52", seed: 1 });
    const ll = map.pointwiseLogLikelihood()[0];
    for (const i of [0, 12, 24]) {
      const keep = X.map((_, j) => j).filter((j) => j !== i);
      // the same standardisation as the full fit: shift and scale y by map's yMean/yScale
      const ys = keep.map((j) => (y[j] - map.yMean) / map.yScale);
      const g2 = gaussianProcess(keep.map((j) => X[j]), ys, { kernel: map.kernel, optimize: false, normalizeY: false });
      const p = g2.predict([X[i]], { noise: true }), m = map.yMean + map.yScale * p.mean[0], s = map.yScale * p.sd[0];
      close(ll[i], -0.5 * Math.log(2 * Math.PI * s * s) - ((y[i] - m) ** 2) / (2 * s * s), 1e-8);
    }
  });
});
