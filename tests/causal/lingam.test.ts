/**
 * DirectLiNGAM's fast paths give the plain computation's answers:
 * - the table kernels for log cosh u and u·exp(−u²/2) (lingam-entropy.ts in
 *   JavaScript, lingam-simd.ts in WebAssembly SIMD) against
 *   Math.log(Math.cosh(u)) and Math.exp on uniform, Gaussian, Laplace and
 *   heavy-tailed (Student t₂, Cauchy: standardised values beyond the table's
 *   end at |u| = 20) samples;
 * - the branch-and-bound search of the causal order against lingam's
 *   `_search_causal_order` written out plainly (every ordered pair, plain
 *   Math functions), with and without prior knowledge.
 * (B against the lingam package itself: agreement.test.ts.)
 */
import { prepareData, randomLinearSEM, sampleLinearSEM } from "../../src/causal";
import { dot, entropyApprox, residualEntropies, scaleInto, subtractScaled, sum, sumSquaredDeviations, wasmColumns } from "../../src/causal/lingam-entropy";
import { directLingamCore, mostExogenous, pairwiseLingamMeasure } from "../../src/causal/lingam";
import { Knowledge } from "../../src/causal/prior";

/** mulberry32: a small seeded generator of uniforms in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const gauss = (u: () => number) => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

function standardize(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - m) ** 2;
  const sd = Math.sqrt(s / n);
  return Float64Array.from(x, (v) => (v - m) / sd);
}

/** lingam's `_entropy`, plainly. */
function plainEntropy(u: ArrayLike<number>): number {
  let a = 0;
  let b = 0;
  for (let i = 0; i < u.length; i++) {
    a += Math.log(Math.cosh(u[i]));
    b += u[i] * Math.exp(-(u[i] * u[i]) / 2);
  }
  a /= u.length;
  b /= u.length;
  return (1 + Math.log(2 * Math.PI)) / 2 - 79.047 * (a - 0.37457) ** 2 - 7.4129 * b * b;
}

const n = 3000;
const samples: Record<string, (u: () => number) => number> = {
  uniform: (u) => u() - 0.5,
  gaussian: gauss,
  laplace: (u) => (u() < 0.5 ? 1 : -1) * Math.log(1 - u()),
  t2: (u) => gauss(u) / Math.sqrt((gauss(u) ** 2 + gauss(u) ** 2) / 2),
  cauchy: (u) => Math.tan(Math.PI * (u() - 0.5)),
};

describe("entropy kernel", () => {
  test.each(Object.keys(samples))("table kernels (JavaScript and WebAssembly SIMD) equal Math.log(Math.cosh) / Math.exp on %s samples", (name) => {
    const u = rng(11);
    const x = standardize(Float64Array.from({ length: n }, () => samples[name](u)));
    const z = standardize(Float64Array.from({ length: n }, () => samples[name](u)));
    if (name === "cauchy") expect(Math.max(...x.map(Math.abs))).toBeGreaterThan(20); // the t ≥ 20 branch is exercised
    const inWasm = wasmColumns([n, n])!; // Node ≥ 20 has WebAssembly SIMD
    expect(inWasm).not.toBeNull();
    for (const rows of [n, n - 1]) {
      // an odd row count exercises the SIMD passes' last single row
      const xs0 = x.subarray(0, rows);
      expect(Math.abs(entropyApprox(xs0) - plainEntropy(xs0))).toBeLessThan(1e-13);
      for (const r of [0, 0.3, -0.9, 0.999]) {
        const xs = standardize(xs0.map((v, k) => v + r * z[k]));
        const y = standardize(z.subarray(0, rows));
        // lingam's residuals ri_j = xi − ρ xj (ρ = mean xi·xj), each divided by its ddof-0 standard deviation
        let rho = 0;
        for (let k = 0; k < rows; k++) rho += xs[k] * y[k];
        rho /= rows;
        const unit = (v: Float64Array) => {
          const m = v.reduce((s, q) => s + q, 0) / rows;
          const sd = Math.sqrt(v.reduce((s, q) => s + (q - m) ** 2, 0) / rows);
          return v.map((q) => q / sd);
        };
        const h1 = plainEntropy(unit(xs.map((v, k) => v - rho * y[k])));
        const h2 = plainEntropy(unit(y.map((v, k) => v - rho * xs[k])));
        const js = new Float64Array(2);
        residualEntropies(xs, y, js);
        const wx = inWasm[0].subarray(0, rows);
        const wy = inWasm[1].subarray(0, rows);
        wx.set(xs);
        wy.set(y);
        const simd = new Float64Array(2);
        residualEntropies(wx, wy, simd);
        for (const out of [js, simd]) {
          expect(Math.abs(out[0] - h1)).toBeLessThan(1e-13);
          expect(Math.abs(out[1] - h2)).toBeLessThan(1e-13);
        }
        expect(Math.abs(entropyApprox(wx) - plainEntropy(xs))).toBeLessThan(1e-13);
      }
    }
  });

  test.each([1, 2, 999, 1000])("column passes in WebAssembly memory equal the JavaScript loops (n = %i)", (rows) => {
    const u = rng(rows);
    const x = Float64Array.from({ length: rows }, () => gauss(u) * 3 + 1);
    const y = Float64Array.from({ length: rows }, () => u() - 0.2);
    const [wx, wy, wo] = wasmColumns([rows, rows, rows])!;
    wx.set(x);
    wy.set(y);
    const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(b)));
    close(sum(wx), x.reduce((s, v) => s + v, 0));
    close(dot(wx, wy), x.reduce((s, v, k) => s + v * y[k], 0));
    close(sumSquaredDeviations(wx, 0.7), x.reduce((s, v) => s + (v - 0.7) ** 2, 0));
    close(sum(x), x.reduce((s, v) => s + v, 0));
    scaleInto(wx, 0.7, 1.9, wo);
    const scaled = x.map((v) => (v - 0.7) / 1.9);
    expect(Array.from(wo)).toEqual(Array.from(scaled));
    const after = x.map((v, k) => v - 0.3 * y[k]);
    close(subtractScaled(wx, wy, 0.3), after.reduce((s, v) => s + v, 0));
    expect(Array.from(wx)).toEqual(Array.from(after));
    const js = Float64Array.from(x);
    close(subtractScaled(js, y, 0.3), after.reduce((s, v) => s + v, 0));
    expect(Array.from(js)).toEqual(Array.from(after));
  });

  test("per value: log cosh and u·exp(−u²/2) within 4e-15 of Math over 0 ≤ |u| ≤ 40", () => {
    // a sample of one value u is standardised only in name: entropyApprox([u]) = H0 − k1 (log cosh u − γ)² − k2 (u e^(−u²/2))²
    const u = rng(3);
    for (let k = 0; k < 20000; k++) {
      const x = (u() - 0.5) * (k < 10000 ? 8 : 80);
      const a = Math.log(Math.cosh(x));
      const b = x * Math.exp(-(x * x) / 2);
      const h = entropyApprox([x]);
      const h0 = plainEntropy([x]);
      // invert the quadratic's sensitivity: |dH| ≤ 2 k1 |a − γ| |da| + 2 k2 |b| |db| + rounding of H
      const bound = 2 * 79.047 * (Math.abs(a - 0.37457) + 1e-3) * 4e-15 + 2 * 7.4129 * (Math.abs(b) + 1e-3) * 4e-15 + 8e-16 * Math.abs(h0);
      expect(Math.abs(h - h0)).toBeLessThanOrEqual(bound);
    }
  });
});

/** lingam's causal-order search (`fit` up to `_estimate_adjacency_matrix`), plainly: every ordered pair, every step. */
function plainOrder(cols: Float64Array[], K?: Knowledge): number[] {
  const p = cols.length;
  const X = cols.map((c) => Float64Array.from(c));
  const mean = (v: Float64Array) => v.reduce((s, q) => s + q, 0) / v.length;
  const cov = (a: Float64Array, b: Float64Array) => {
    const ma = mean(a);
    const mb = mean(b);
    return a.reduce((s, q, k) => s + (q - ma) * (b[k] - mb), 0) / a.length;
  };
  const before = (a: number, b: number) => !!K && (K.required(a, b) || (K.forbidden(b, a) && !K.forbidden(a, b)));
  let U = Array.from({ length: p }, (_, i) => i);
  const order: number[] = [];
  while (U.length) {
    const Uc = U.filter((i) => !U.some((j) => j !== i && before(j, i)));
    let m = Uc[0];
    if (Uc.length > 1) {
      const M = Uc.map((i) => {
        let s = 0;
        const xi = standardize(X[i]);
        for (const j of U) {
          if (j === i) continue;
          const xj = standardize(X[j]);
          const cij = cov(xi, xj) / cov(xj, xj);
          const cji = cov(xj, xi) / cov(xi, xi);
          const rij = Float64Array.from(xi, (v, k) => v - cij * xj[k]);
          const rji = Float64Array.from(xj, (v, k) => v - cji * xi[k]);
          const sij = Math.sqrt(cov(rij, rij));
          const sji = Math.sqrt(cov(rji, rji));
          const dm = plainEntropy(xj) + plainEntropy(rij.map((v) => v / sij)) - plainEntropy(xi) - plainEntropy(rji.map((v) => v / sji));
          s += Math.min(0, dm) ** 2;
        }
        return -s;
      });
      m = Uc[M.indexOf(Math.max(...M))];
    }
    for (const i of U) {
      if (i === m) continue;
      const c = cov(X[i], X[m]) / cov(X[m], X[m]);
      X[i] = Float64Array.from(X[i], (v, k) => v - c * X[m][k]);
    }
    order.push(m);
    U = U.filter((i) => i !== m);
  }
  return order;
}

describe("DirectLiNGAM causal order", () => {
  const cases: [number, number, "uniform" | "laplace" | "exponential", number][] = [
    [8, 500, "uniform", 1],
    [10, 400, "laplace", 2],
    [12, 300, "exponential", 3],
    [12, 300, "uniform", 4],
  ];
  test.each(cases)("branch and bound gives the plain search's order (p = %i, n = %i, %s noise, seed %i)", (p, rows, noise, seed) => {
    const sem = randomLinearSEM(p, { seed, expectedDegree: 2 });
    const d = prepareData(sampleLinearSEM(sem, rows, { seed: seed + 100, noise }), { dataType: "continuous" });
    const { order } = directLingamCore(d);
    expect(order).toEqual(plainOrder(d.columns as Float64Array[]));
  });

  test("one step's choice does not depend on the guesses that order the branch and bound", () => {
    for (const seed of [1, 2, 3]) {
      const p = 10;
      const sem = randomLinearSEM(p, { seed, expectedDegree: 2 });
      const d = prepareData(sampleLinearSEM(sem, 300, { seed: seed + 50, noise: "uniform" }), { dataType: "continuous" });
      const std = (d.columns as Float64Array[]).map(standardize);
      const U = Array.from({ length: p }, (_, i) => i);
      for (const Uc of [U, [1, 3, 4, 8]]) {
        // every pair computed: M(i) = Σ_j min(0, dm(i, j))² in U order; the first smallest in Uc order
        const dm = (i: number, j: number) => (i < j ? pairwiseLingamMeasure(std[i], std[j]) : -pairwiseLingamMeasure(std[j], std[i]));
        const M = Uc.map((i) => U.reduce((s, j) => (j === i ? s : s + Math.min(0, dm(i, j)) ** 2), 0));
        const expected = Uc[M.indexOf(Math.min(...M))];
        const u = rng(seed);
        for (let trial = 0; trial < 6; trial++) {
          // guesses: none (all 0), then random ones, often pointing at the wrong candidate first
          const memo = { p, dm: Float64Array.from({ length: p * p }, () => (trial ? gauss(u) * 0.05 : 0)), stamp: new Int32Array(p * p).fill(-1), loss: new Float64Array(p * p) };
          expect(mostExogenous(std, U, Uc, memo, 0)).toBe(expected);
        }
      }
    }
  });

  test("with prior knowledge (tiers restrict the candidates)", () => {
    const sem = randomLinearSEM(10, { seed: 9, expectedDegree: 2 });
    const d = prepareData(sampleLinearSEM(sem, 400, { seed: 19, noise: "uniform" }), { dataType: "continuous" });
    const K = new Knowledge(d.names, { tiers: [d.names.slice(5), d.names.slice(0, 5)] });
    const { order } = directLingamCore(d, K);
    expect(order).toEqual(plainOrder(d.columns as Float64Array[], K));
    // every variable of the first tier precedes every variable of the second
    const pos = (name: string) => order.indexOf(d.names.indexOf(name));
    for (const a of d.names.slice(5)) for (const b of d.names.slice(0, 5)) expect(pos(a)).toBeLessThan(pos(b));
  });
});
