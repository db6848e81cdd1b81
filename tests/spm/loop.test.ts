/**
 * The 9-parameter hysteresis-loop model against BGlib's loop_fit_function
 * evaluated with scipy.special.erf (the formula copied into
 * tests/spm/loop_reference.py), and loop fits on synthetic loops with known
 * parameters.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { rng } from "../../src/core/random";
import { invert } from "../../src/core/linalg";
import { fitLoops, loopModel } from "../../src/spm";

const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(resolve(__dirname, "..", ".."), ".venv", "bin", "python");
const N = 64;
// Branch 1 sweeps up from -10 V to 10 V, branch 2 down again.
const vdc = Float64Array.from({ length: 2 * N }, (_, i) => (i < N ? -10 + (20 * i) / (N - 1) : 10 - (20 * (i - N)) / (N - 1)));
const truth = [-1, 2, 3, -2, 0.01, 1.5, 2, 1.2, 1.8];

test("loopModel equals BGlib's loop_fit_function (scipy erf) to 1e-12", () => {
  if (!existsSync(PYTHON)) throw new Error(`needs the project venv's Python at ${PYTHON} (numpy, scipy): run \`node scripts/venv.mjs\``);
  const coefs = [truth, [0.5, -3, -1.2, 4.1, -0.02, 0.3, 0.7, 2.5, 0.9]];
  const ref = JSON.parse(execFileSync(PYTHON, [join(__dirname, "loop_reference.py")], { input: JSON.stringify({ vdc: Array.from(vdc), coefs }), encoding: "utf8" })) as number[][];
  coefs.forEach((c, k) => {
    const ours = loopModel(vdc, c);
    for (let i = 0; i < vdc.length; i++) expect(Math.abs(ours[i] - ref[k][i])).toBeLessThan(1e-12);
  });
});

test("noiseless loops: all nine coefficients recovered to 1e-6, imprint and coercive width derived", () => {
  const y = loopModel(vdc, truth);
  const fit = fitLoops(vdc, y);
  expect(fit.failures).toEqual([]);
  for (let j = 0; j < 9; j++) expect(Math.abs(fit.coefficients[j] - truth[j])).toBeLessThan(1e-6 * Math.max(1, Math.abs(truth[j])));
  expect(fit.imprint[0]).toBeCloseTo(0.5, 6);
  expect(fit.coerciveWidth[0]).toBeCloseTo(5, 6);
  expect(fit.switchable[0]).toBeCloseTo(2, 6);
});

test("noisy loops (sd 2 % of the switchable response): every fit reaches an RSS no worse than the true parameters; offset, height and imprint close", () => {
  // The switching voltages trade off against the asymmetric widths b (the model's known near-degeneracy),
  // so single-loop coercive voltages scatter by a few tenths of a volt; the fit itself must reach the optimum.
  const P = 6;
  const g = rng(5);
  const clean = loopModel(vdc, truth);
  const loops = new Float64Array(P * vdc.length);
  for (let q = 0; q < P; q++) for (let i = 0; i < vdc.length; i++) loops[q * vdc.length + i] = clean[i] + g.normal(0, 0.04);
  const fit = fitLoops(vdc, loops);
  expect(fit.failures).toEqual([]);
  const rss = (y: Float64Array, c: ArrayLike<number>): number => loopModel(vdc, Array.from(c)).reduce((s, m, i) => s + (m - y[i]) ** 2, 0);
  let imprint = 0;
  for (let q = 0; q < P; q++) {
    const y = loops.subarray(q * vdc.length, (q + 1) * vdc.length);
    const c = fit.coefficients.subarray(9 * q, 9 * q + 9);
    expect(rss(y, c)).toBeLessThanOrEqual(rss(y, truth) * (1 + 1e-9));
    expect(Math.abs(c[0] + 1)).toBeLessThan(0.03);
    expect(Math.abs(c[1] - 2)).toBeLessThan(0.05);
    expect(Math.abs(fit.coerciveBranch1[q] - 3)).toBeLessThan(0.5);
    expect(Math.abs(fit.coerciveBranch2[q] + 2)).toBeLessThan(0.5);
    expect(fit.rSquared[q]).toBeGreaterThan(0.99);
    imprint += fit.imprint[q] / P;
  }
  expect(Math.abs(imprint - 0.5)).toBeLessThan(0.15);
});

test("a loop with non-finite values is reported, not fitted; inputs are checked", () => {
  const y = loopModel(vdc, truth);
  const two = new Float64Array(2 * vdc.length);
  two.set(y);
  two.set(y, vdc.length);
  two[vdc.length + 3] = NaN;
  const fit = fitLoops(vdc, two);
  expect(fit.failures).toEqual([{ pixel: 1, reason: "non-finite loop values" }]);
  expect(Number.isNaN(fit.imprint[1])).toBe(true);
  expect(() => fitLoops(vdc, new Float64Array(5))).toThrow(/fitLoops: loops has 5 values, not a multiple of vdc.length = 128/);
});

test("noisy loops (Gaussian sd 0.02, 200 loops): coercive voltages unbiased, their spread within 0.8–1.25 of the Cramér–Rao bound", () => {
  // The bound from a finite-difference Fisher information of loopModel (independent of the fitter's Jacobian).
  const sigma = 0.02, P = 200, n = vdc.length;
  const J = truth.map((_, j) => {
    const h = 1e-6 * Math.max(1, Math.abs(truth[j]));
    const up = truth.slice(), dn = truth.slice();
    up[j] += h;
    dn[j] -= h;
    const a = loopModel(vdc, up), b = loopModel(vdc, dn);
    return Array.from(a, (v, i) => (v - b[i]) / (2 * h));
  });
  const F = new Float64Array(81);
  for (let a = 0; a < 9; a++) for (let b = 0; b < 9; b++) F[a * 9 + b] = J[a].reduce((s, v, i) => s + v * J[b][i], 0) / sigma ** 2;
  const C = invert(F, 9)!;
  const clean = loopModel(vdc, truth);
  const g = rng(3);
  const loops = new Float64Array(P * n);
  for (let q = 0; q < P; q++) for (let i = 0; i < n; i++) loops[q * n + i] = clean[i] + g.normal(0, sigma);
  const fit = fitLoops(vdc, loops);
  expect(fit.failures).toEqual([]);
  for (const [j, values] of [[2, fit.coerciveBranch1], [3, fit.coerciveBranch2]] as const) {
    const bound = Math.sqrt(C[j * 10]);
    const mean = values.reduce((s, v) => s + v, 0) / P;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (P - 1));
    expect(Math.abs(mean - truth[j])).toBeLessThan((4 * bound) / Math.sqrt(P));
    expect(sd / bound).toBeGreaterThan(0.8);
    expect(sd / bound).toBeLessThan(1.25);
  }
});
