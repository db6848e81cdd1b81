/**
 * Dense linear algebra (src/core/linalg.ts) against known answers: a
 * textbook Cholesky factor, reconstructions (L·Lᵀ = A, Q·R = A,
 * U·diag(s)·Vᵀ = A, A·v = λ·v), inverses (A·A⁻¹ = I), exact solutions of
 * consistent systems, least squares against the normal equations, and the
 * closed-form eigenvalues of the second-difference matrix. The blocked
 * Cholesky and the inverse from a factor: textbook answers, the WebAssembly
 * SIMD path bit-identical to the JavaScript path, the upper triangle neither
 * read nor written.
 */
import { cholesky, choleskyBlocked, choleskyInverse, denseBlocked, solveLower, solveLowerTransposed, choleskySolve, invertSPD, invert, solve, qr, lstsq, ols, symmetricEigen, svd } from "../../src/core/linalg";
import { Rng } from "../../src/core/random";

function randomMatrix(m: number, n: number, seed: number): Float64Array {
  const r = new Rng(seed);
  return Float64Array.from({ length: m * n }, () => r.normal());
}
function matmul(A: Float64Array, B: Float64Array, m: number, k: number, n: number, transB = false): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let q = 0; q < k; q++) s += A[i * k + q] * (transB ? B[j * k + q] : B[q * n + j]); C[i * n + j] = s; }
  return C;
}
/** A random SPD matrix BᵀB + n·I. */
function randomSPD(n: number, seed: number): Float64Array {
  const B = randomMatrix(n, n, seed), A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = i === j ? n : 0; for (let q = 0; q < n; q++) s += B[q * n + i] * B[q * n + j]; A[i * n + j] = s; }
  return A;
}
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
const lower = (L: Float64Array, n: number) => L.map((v, i) => (i % n <= Math.floor(i / n) ? v : 0));
const transpose = (A: Float64Array, n: number) => A.map((_, i) => A[(i % n) * n + Math.floor(i / n)]);
/** [index, a, b] of every element where a and b differ as bit patterns (Object.is: NaN = NaN, 0 ≠ −0). */
const bitDifferences = (a: Float64Array, b: Float64Array) => Array.from(a).flatMap((v, i) => (Object.is(v, b[i]) ? [] : [[i, v, b[i]]]));
/** (row, column) of every upper-triangle element of an n × n matrix that is not NaN. */
const upperNotNaN = (A: Float64Array, n: number) => Array.from(A).flatMap((v, i) => (i % n > Math.floor(i / n) && !Number.isNaN(v) ? [[Math.floor(i / n), i % n]] : []));

describe("cholesky and triangular solves", () => {
  it("factors the textbook matrix exactly: [[4,12,-16],[12,37,-43],[-16,-43,98]] = L·Lᵀ, L = [[2],[6,1],[-8,5,3]]", () => {
    const a = Float64Array.of(4, 12, -16, 12, 37, -43, -16, -43, 98);
    expect(cholesky(a, 3)).toBe(-1);
    expect(Array.from(lower(a, 3))).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
    expect(a[1]).toBe(12); // upper triangle untouched
  });
  it("reproduces a random 20×20 SPD matrix to 1e-12 relative; solves A x = b", () => {
    const n = 20, A = randomSPD(n, 3), L = Float64Array.from(A);
    expect(cholesky(L, n)).toBe(-1);
    const Lo = lower(L, n);
    expect(maxAbsDiff(matmul(Lo, Lo, n, n, n, true), A) / n).toBeLessThan(1e-12 * n);
    const x = randomMatrix(n, 1, 4), b = matmul(A, x, n, n, 1);
    expect(maxAbsDiff(choleskySolve(L, n, b), x)).toBeLessThan(1e-10);
    const y = solveLower(L, n, b, new Float64Array(n));
    expect(maxAbsDiff(matmul(Lo, y, n, n, 1), b)).toBeLessThan(1e-9);
    const z = solveLowerTransposed(L, n, b, new Float64Array(n));
    const Lt = new Float64Array(n * n); for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Lt[i * n + j] = Lo[j * n + i];
    expect(maxAbsDiff(matmul(Lt, z, n, n, 1), b)).toBeLessThan(1e-9);
  });
  it("returns the first failing pivot: not positive definite, or dependent within relTol", () => {
    expect(cholesky(Float64Array.of(1, 2, 2, 4), 2)).toBe(1); // rank 1: pivot 1 is 0
    expect(cholesky(Float64Array.of(-1, 0, 0, 1), 2)).toBe(0);
    const nearly = Float64Array.of(1, 0.999999, 0.999999, 1); // pivot 1 ≈ 2e-6 of its diagonal
    expect(cholesky(Float64Array.from(nearly), 2)).toBe(-1);
    expect(cholesky(Float64Array.from(nearly), 2, 1e-4)).toBe(1);
  });
});

describe("inverses and solves", () => {
  it("invertSPD: A·A⁻¹ = I to 1e-12; null for an indefinite matrix", () => {
    const n = 12, A = randomSPD(n, 5), inv = invertSPD(A, n)!;
    const I = matmul(A, inv, n, n, n);
    expect(maxAbsDiff(I, Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)))).toBeLessThan(1e-12);
    expect(invertSPD(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
  });
  it("invert (general, pivoting): A·A⁻¹ = I for a non-symmetric matrix with a zero leading entry; null when singular", () => {
    const A = Float64Array.of(0, 2, 1, 1, 1, 0, 3, 0, 1), inv = invert(A, 3)!;
    expect(maxAbsDiff(matmul(A, inv, 3, 3, 3), [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeLessThan(1e-15);
    expect(invert(Float64Array.of(1, 2, 2, 4), 2)).toBeNull();
  });
  it("solve: the exact solution of [[2,1,-1],[-3,-1,2],[-2,1,2]] x = [8,-11,-3] is (2, 3, -1); null when singular or below pivotTol", () => {
    const x = solve([2, 1, -1, -3, -1, 2, -2, 1, 2], [8, -11, -3], 3)!;
    expect(maxAbsDiff(x, [2, 3, -1])).toBeLessThan(1e-14);
    expect(solve([1, 2, 2, 4], [1, 2], 2)).toBeNull();
    expect(solve([1, 0, 0, 1e-12], [1, 1], 2, 1e-9)).toBeNull();
    expect(solve([1, 0, 0, 1e-12], [1, 1], 2)).not.toBeNull();
  });
});

describe("qr and least squares", () => {
  const m = 40, n = 5, A = randomMatrix(m, n, 7);
  it("qr: Q has orthonormal columns, R is upper triangular with a non-negative diagonal, Q·R = A", () => {
    const { Q, R } = qr(A, m, n);
    const QtQ = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let r = 0; r < m; r++) s += Q[r * n + i] * Q[r * n + j]; QtQ[i * n + j] = s; }
    expect(maxAbsDiff(QtQ, Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)))).toBeLessThan(1e-14);
    for (let i = 0; i < n; i++) { expect(R[i * n + i]).toBeGreaterThanOrEqual(0); for (let j = 0; j < i; j++) expect(R[i * n + j]).toBe(0); }
    expect(maxAbsDiff(matmul(Q, R, m, n, n), A)).toBeLessThan(1e-13);
    expect(() => qr(A, n, m)).toThrow(/rows m >= columns n/);
  });
  it("lstsq recovers the exact solution of a consistent system and matches the normal equations on a noisy one", () => {
    const x0 = Float64Array.of(1, -2, 0.5, 3, 0);
    const b = matmul(A, x0, m, n, 1);
    const exact = lstsq(A, m, n, b);
    expect(maxAbsDiff(exact.x, x0)).toBeLessThan(1e-13);
    expect(exact.rss).toBeLessThan(1e-24);
    const r = new Rng(8), noisy = b.map((v) => v + 0.1 * r.normal());
    const AtA = new Float64Array(n * n), Atb = new Float64Array(n);
    for (let i = 0; i < n; i++) { for (let j = 0; j < n; j++) { let s = 0; for (let q = 0; q < m; q++) s += A[q * n + i] * A[q * n + j]; AtA[i * n + j] = s; } let s = 0; for (let q = 0; q < m; q++) s += A[q * n + i] * noisy[q]; Atb[i] = s; }
    const ne = solve(AtA, Atb, n)!, ls = lstsq(A, m, n, noisy);
    expect(maxAbsDiff(ls.x, ne)).toBeLessThan(1e-12);
    let rss = 0; for (let q = 0; q < m; q++) { let e = noisy[q]; for (let j = 0; j < n; j++) e -= A[q * n + j] * ne[j]; rss += e * e; }
    expect(Math.abs(ls.rss - rss)).toBeLessThan(1e-12 * rss);
  });
  it("lstsq names a rank-deficient design instead of returning a number", () => {
    const D = new Float64Array(10 * 3);
    for (let i = 0; i < 10; i++) { D[i * 3] = 1; D[i * 3 + 1] = i; D[i * 3 + 2] = 2 * i + 1; } // column 2 = 2·col1 + col0
    expect(() => lstsq(D, 10, 3, new Float64Array(10))).toThrow(/rank-deficient: column 2/);
  });
  it("ols: exact coefficients of y = 1 + 2·x1 − 3·x2, equal to lstsq on [1, x1, x2]; collinear regressors throw", () => {
    const r = new Rng(2), k = 50;
    const x1 = Float64Array.from({ length: k }, () => r.normal()), x2 = Float64Array.from({ length: k }, () => r.normal());
    const y = x1.map((v, i) => 1 + 2 * v - 3 * x2[i]);
    const fit = ols(y, [x1, x2]);
    expect(maxAbsDiff(fit.coef, [2, -3])).toBeLessThan(1e-13);
    expect(fit.intercept).toBeCloseTo(1, 13);
    expect(fit.df).toBe(k - 3);
    const noisy = y.map((v) => v + r.normal());
    const f2 = ols(noisy, [x1, x2]), design = new Float64Array(k * 3);
    for (let i = 0; i < k; i++) design.set([1, x1[i], x2[i]], i * 3);
    const ls = lstsq(design, k, 3, noisy);
    expect(maxAbsDiff([f2.intercept, ...f2.coef], ls.x)).toBeLessThan(1e-12);
    expect(Math.abs(f2.rss - ls.rss)).toBeLessThan(1e-10 * ls.rss);
    expect(() => ols(y, [x1, x1.map((v) => 2 * v)])).toThrow(/collinear/);
  });
});

describe("symmetricEigen and svd", () => {
  it("A·v = λ·v to 1e-10 and orthonormal vectors for random symmetric matrices (n = 2, 7, 40)", () => {
    for (const n of [2, 7, 40]) {
      const B = randomMatrix(n, n, n), A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = B[i * n + j] + B[j * n + i];
      const { values, vecs } = symmetricEigen(Float64Array.from(A), n);
      for (let c = 0; c < n; c++) {
        const v = vecs.subarray(c * n, (c + 1) * n), Av = matmul(A, Float64Array.from(v), n, n, 1);
        expect(maxAbsDiff(Av, v.map((x) => values[c] * x))).toBeLessThan(1e-10);
        for (let d = 0; d < n; d++) { let s = 0; for (let i = 0; i < n; i++) s += v[i] * vecs[d * n + i]; expect(Math.abs(s - (c === d ? 1 : 0))).toBeLessThan(1e-12); }
      }
    }
  });
  it("the second-difference matrix tridiag(−1, 2, −1) of size 9 has eigenvalues 2 − 2cos(kπ/10)", () => {
    const n = 9, A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) { A[i * n + i] = 2; if (i > 0) A[i * n + i - 1] = A[(i - 1) * n + i] = -1; }
    const got = Array.from(symmetricEigen(A, n).values).sort((a, b) => a - b);
    const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-14);
  });
  it("svd: U·diag(s)·Vᵀ = A, s descending, s² = eigenvalues of AᵀA, rank of a rank-2 product is 2", () => {
    const m = 9, n = 6, A = randomMatrix(m, n, 12);
    const { U, s, V, rank } = svd(A, m, n);
    const US = U.map((u, i) => u * s[i % n]);
    expect(maxAbsDiff(matmul(US, V, m, n, n, true), A)).toBeLessThan(1e-13);
    for (let i = 1; i < n; i++) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
    expect(rank).toBe(n);
    const AtA = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let t = 0; for (let q = 0; q < m; q++) t += A[q * n + i] * A[q * n + j]; AtA[i * n + j] = t; }
    const ev = Array.from(symmetricEigen(AtA, n).values).sort((a, b) => b - a);
    expect(maxAbsDiff(ev, Array.from(s, (x) => x * x))).toBeLessThan(1e-11 * ev[0]);
    const low = matmul(randomMatrix(m, 2, 1), randomMatrix(2, n, 2), m, 2, n);
    expect(svd(low, m, n).rank).toBe(2);
    expect(svd(randomMatrix(4, 7, 3), 4, 7).s.length).toBe(4);
  });
});

describe("choleskyBlocked and choleskyInverse (WebAssembly SIMD and JavaScript paths)", () => {
  it("factor and invert the textbook matrix: L = [[2],[6,1],[-8,5,3]], A⁻¹ = [[49.361,-13.556,2.111],[-13.556,3.778,-0.556],[2.111,-0.556,0.111]]", () => {
    const A = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    for (const [factor, inverse] of [[choleskyBlocked, choleskyInverse], [denseBlocked.simd.choleskyBlocked, denseBlocked.simd.choleskyInverse], [denseBlocked.js.choleskyBlocked, denseBlocked.js.choleskyInverse]] as const) {
      const L = Float64Array.from(A);
      expect(factor(L, 3, 0, 2)).toBe(-1);
      expect(Array.from(lower(L, 3))).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
      const inv = inverse(L, 3); // A⁻¹ = (1/36)·[[1777, -488, 76], [-488, 136, -20], [76, -20, 4]]
      expect(maxAbsDiff(inv, [1777, -488, 76, -488, 136, -20, 76, -20, 4].map((v) => v / 36))).toBeLessThan(1e-12);
    }
  });

  it.each([[1, 16], [2, 16], [3, 16], [7, 4], [48, 48], [49, 16], [97, 48], [131, 32], [200, 48]])("k = %i, block %i: SIMD equals JavaScript bit for bit; the upper triangle is neither read nor written; A·A⁻¹ = I", (k, block) => {
    const A = randomSPD(k, 100 + k), a = Float64Array.from(A), b = Float64Array.from(A);
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) a[i * k + j] = b[i * k + j] = NaN; // only the lower triangle is read
    expect(denseBlocked.simd.choleskyBlocked(a, k, 0, block)).toBe(-1);
    expect(denseBlocked.js.choleskyBlocked(b, k, 0, block)).toBe(-1);
    expect(bitDifferences(a, b)).toEqual([]);
    expect(upperNotNaN(a, k)).toEqual([]);
    const inv = denseBlocked.simd.choleskyInverse(a, k), invJs = denseBlocked.js.choleskyInverse(b, k);
    expect(bitDifferences(inv, invJs)).toEqual([]);
    expect(bitDifferences(inv, transpose(inv, k))).toEqual([]);
    expect(maxAbsDiff(matmul(A, inv, k, k, k), Float64Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 1 : 0)))).toBeLessThan(1e-12);
  });

  it("report the failing pivot of a singular matrix as cholesky does, on every path", () => {
    const k = 70, B = randomMatrix(k, k, 9), A = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) { let s = 0; for (let q = 0; q < 61; q++) s += B[q * k + i] * B[q * k + j]; A[i * k + j] = s; } // rank 61
    expect(cholesky(Float64Array.from(A), k, 1e-10)).toBe(61);
    expect(choleskyBlocked(Float64Array.from(A), k, 1e-10, 16)).toBe(61);
    expect(denseBlocked.simd.choleskyBlocked(Float64Array.from(A), k, 1e-10, 16)).toBe(61);
    expect(denseBlocked.js.choleskyBlocked(Float64Array.from(A), k, 1e-10, 16)).toBe(61);
    const negative = randomSPD(5, 4);
    negative[3 * 5 + 3] = -1;
    expect(choleskyBlocked(negative, 5)).toBe(3);
  });

  it("k = 300 (the SIMD path of the public functions): factor equals cholesky's, A·A⁻¹ = I, upper triangle untouched", () => {
    const k = 300, A = randomSPD(k, 7), a = Float64Array.from(A), ref = Float64Array.from(A);
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) a[i * k + j] = NaN;
    expect(choleskyBlocked(a, k)).toBe(-1);
    expect(cholesky(ref, k)).toBe(-1);
    expect(maxAbsDiff(lower(a, k), lower(ref, k))).toBeLessThan(1e-12 * Math.sqrt(2 * k));
    expect(upperNotNaN(a, k)).toEqual([]);
    const inv = choleskyInverse(a, k);
    expect(maxAbsDiff(matmul(A, inv, k, k, k), Float64Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 1 : 0)))).toBeLessThan(1e-12);
  });
});
