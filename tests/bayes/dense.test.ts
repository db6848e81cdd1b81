/**
 * The large-matrix routines added to src/core/linalg.ts for the GPs:
 * choleskyBlocked equals cholesky (to rounding) at sizes around and across
 * block edges and reports the same failing pivot; choleskyInverse equals
 * invertSPD and gives A·A⁻¹ = I.
 */
import { cholesky, choleskyBlocked, choleskyInverse, invertSPD, Rng } from "../../src/core";

function spd(k: number, seed: number): Float64Array {
  const r = new Rng(seed), X = Float64Array.from({ length: 2 * k }, () => r.range(-3, 3)), A = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) A[i * k + j] = Math.exp(-0.5 * ((X[2 * i] - X[2 * j]) ** 2 + (X[2 * i + 1] - X[2 * j + 1]) ** 2)) + (i === j ? 0.01 : 0);
  return A;
}

describe("choleskyBlocked and choleskyInverse", () => {
  it.each([1, 5, 47, 48, 49, 97, 150])("k = %i: factor equals cholesky's to 1e-12, inverse equals invertSPD's and A·A⁻¹ = I to 1e-9", (k) => {
    const A = spd(k, k), a = Float64Array.from(A), b = Float64Array.from(A);
    expect(cholesky(a, k)).toBe(-1);
    expect(choleskyBlocked(b, k, 0, 16)).toBe(-1);
    let factorDiff = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) factorDiff = Math.max(factorDiff, Math.abs(a[i * k + j] - b[i * k + j]) / Math.max(1, Math.abs(a[i * k + j])));
    expect(factorDiff).toBeLessThan(1e-12);
    const inv = choleskyInverse(b, k), ref = invertSPD(A, k)!;
    let worst = 0, scale = 0;
    for (let i = 0; i < k * k; i++) { worst = Math.max(worst, Math.abs(inv[i] - ref[i])); scale = Math.max(scale, Math.abs(ref[i])); }
    expect(worst).toBeLessThan(1e-9 * scale);
    let residual = 0;
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let m = 0; m < k; m++) s += A[i * k + m] * inv[m * k + j];
        residual = Math.max(residual, Math.abs(s - (i === j ? 1 : 0)));
      }
    expect(residual).toBeLessThan(1e-9 * scale);
  });
  it("reports the same failing pivot as cholesky on a matrix that is not positive definite", () => {
    const k = 60, A = spd(k, 3);
    for (let j = 0; j < k; j++) { A[53 * k + j] = A[20 * k + j]; A[j * k + 53] = A[j * k + 20]; }
    A[53 * k + 53] = A[20 * k + 20];
    expect(choleskyBlocked(Float64Array.from(A), k, 1e-12, 16)).toBe(cholesky(Float64Array.from(A), k, 1e-12));
    expect(cholesky(Float64Array.from(A), k, 1e-12)).toBe(53);
  });
});
