/**
 * Statistics helpers shared by the causal module: means, variances,
 * covariance and correlation matrices. The distribution functions live in
 * `src/core/special.ts`, the random generator and the linear algebra
 * (Cholesky, inverses, OLS) in `src/core/`. Nothing here allocates
 * inside per-test loops unless it returns a new array.
 */

/** Mean of a column. */
export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Variance with denominator n - ddof. */
export function variance(x: ArrayLike<number>, ddof = 0): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - m;
    s += d * d;
  }
  return s / (x.length - ddof);
}

/** Sample covariance matrix (denominator n - 1), p×p row-major, of the given columns. Two-pass (centred) for accuracy. */
export function covarianceMatrix(cols: Float64Array[]): Float64Array {
  const p = cols.length;
  const n = p ? cols[0].length : 0;
  const centred = cols.map((c) => {
    const m = mean(c);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = c[i] - m;
    return out;
  });
  const S = new Float64Array(p * p);
  const dots = new Float64Array(4);
  for (let a = 0; a < p; a++) {
    // four columns per pass over column a (each sum still runs i = 0..n-1 in order: same values)
    for (let b = a; b < p; b += 4) {
      const w = Math.min(4, p - b);
      dot4(centred[a], centred[b], centred[b + (w > 1 ? 1 : 0)], centred[b + (w > 2 ? 2 : 0)], centred[b + (w > 3 ? 3 : 0)], n, dots);
      for (let t = 0; t < w; t++) {
        const s = dots[t] / (n - 1);
        S[a * p + b + t] = s;
        S[(b + t) * p + a] = s;
      }
    }
  }
  return S;
}

/** out[t] = Σᵢ a[i]·b_t[i] for the four columns b0..b3, each sum in index order. */
function dot4(a: Float64Array, b0: Float64Array, b1: Float64Array, b2: Float64Array, b3: Float64Array, n: number, out: Float64Array): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    s0 += v * b0[i];
    s1 += v * b1[i];
    s2 += v * b2[i];
    s3 += v * b3[i];
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** Correlation matrix from a covariance matrix. */
export function correlationFromCov(S: Float64Array, p: number): Float64Array {
  const R = new Float64Array(p * p);
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++) R[a * p + b] = S[a * p + b] / Math.sqrt(S[a * p + a] * S[b * p + b]);
  return R;
}
