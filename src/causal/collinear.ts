/**
 * Exact linear dependence among continuous columns (an error: partial
 * correlations, Gaussian scores and LiNGAM's regressions are undefined), and
 * the greedy search for the columns that explain one column, shared with the
 * near-determinism warnings of guard.ts. Pure functions over correlation
 * matrices (row-major, unit diagonal).
 */
import { cholesky } from "../core/linalg";
import { correlationFromCov } from "./stats";

/** Ridge added to the diagonal of a correlation matrix so that exactly singular ones invert (R² then ≈ 1 − 1e-9). */
export const RIDGE = 1e-9;

/**
 * Columns that explain column `j` of the k×k correlation matrix `R` (among
 * `candidates`) to R² ≥ `r2`, chosen greedily (forward selection by sweeps:
 * each step adds the candidate with the largest drop in j's residual
 * variance). O(k²) per step.
 */
export function explainingColumns(R: Float64Array, k: number, j: number, candidates: number[], r2: number): number[] {
  const M = Float64Array.from(R);
  for (let i = 0; i < k; i++) M[i * k + i] += RIDGE;
  const chosen: number[] = [];
  const left = candidates.filter((c) => c !== j);
  while (left.length && M[j * k + j] / (1 + RIDGE) > 1 - r2) {
    let best = -1;
    let gain = -1;
    for (let t = 0; t < left.length; t++) {
      const c = left[t];
      const g = (M[j * k + c] * M[j * k + c]) / M[c * k + c];
      if (g > gain) {
        gain = g;
        best = t;
      }
    }
    const c = left.splice(best, 1)[0];
    chosen.push(c);
    const d = M[c * k + c];
    for (let a = 0; a < k; a++) {
      const f = M[a * k + c] / d;
      if (f === 0 || a === c) continue;
      for (let b = 0; b < k; b++) M[a * k + b] -= f * M[c * k + b];
    }
    for (let b = 0; b < k; b++) M[c * k + b] = 0;
    for (let a = 0; a < k; a++) M[a * k + c] = 0;
    M[c * k + c] = 1;
  }
  return chosen;
}

/**
 * Throws when a continuous column is (numerically) a linear combination of
 * earlier ones: Cholesky of the correlation matrix (from the covariance `C`,
 * O(p³) after the O(n p²) covariance); a pivot below 1e-10 means the column's
 * residual variance given the earlier columns is < 1e-10 of its variance.
 * The message names the column and the earlier columns it is a combination of.
 */
export function checkCollinear(names: string[], C: Float64Array, fn: string): void {
  const p = names.length;
  const R = correlationFromCov(C, p);
  const L = Float64Array.from(R);
  // Unit diagonal (a correlation matrix): the relative pivot tolerance is absolute.
  const j = cholesky(L, p, 1e-10);
  if (j < 0) return;
  const by = explainingColumns(R, p, j, Array.from({ length: j }, (_, i) => i), 1 - 1e-6);
  const list = by.map((i) => `"${names[i]}"`).join(", ");
  throw new Error(`${fn}: column "${names[j]}" is perfectly collinear with ${list}: it is (numerically) ${by.length === 1 ? "a multiple of it plus a constant" : "a linear combination of them"}, so partial correlations and Gaussian scores are undefined; drop "${names[j]}" or one of ${list}`);
}
