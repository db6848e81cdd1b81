/**
 * Statistics helpers shared by the causal module: distribution functions
 * (normal, χ², Student t, log Γ), means, variances, covariance and
 * correlation matrices. The random generator and the linear algebra
 * (Cholesky, inverses, OLS) live in `src/core/`. Nothing here allocates
 * inside per-test loops unless it returns a new array.
 */

/** Complementary error function, |relative error| < 1.2e-16 over the real line (W. J. Cody's rational approximations, as in most libm ports). */
export function erfc(x: number): number {
  // Use the relationship with the regularized upper incomplete gamma Q(1/2, x^2)
  // for large |x| and a series for small |x|; accurate to ~1e-15.
  const ax = Math.abs(x);
  let r: number;
  if (ax < 0.5) {
    // Maclaurin series of erf
    const t = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= -t / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // continued fraction for Q(1/2, x^2) (Lentz), valid for x^2 > 0.25
  r = gammaQcf(0.5, ax * ax);
  return x > 0 ? r : 2 - r;
}

/** Standard normal survival function 1 - Φ(z), accurate in the far tail. */
export function normSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Standard normal CDF Φ(z). */
export function normCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Inverse standard normal CDF (Acklam's algorithm with one Newton refinement). */
export function normPpf(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = normCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** log Γ(x) for x > 0: upward recurrence to x ≥ 15, then the Stirling series (|error| < 1e-15 relative). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  let shift = 0;
  let prod = 1;
  while (x < 15) {
    prod *= x;
    x += 1;
    if (prod > 1e280) {
      shift += Math.log(prod);
      prod = 1;
    }
  }
  shift += Math.log(prod);
  const z2 = 1 / (x * x);
  const series = (1 / x) * (1 / 12 - z2 * (1 / 360 - z2 * (1 / 1260 - z2 * (1 / 1680 - z2 * (1 / 1188 - z2 * (691 / 360360 - z2 / 156))))));
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/** lgamma(k/2) for k = 1..4095, filled on first use (the same values, computed once; NaN = not yet). */
const lgammaHalves = new Float64Array(4096).fill(NaN);

/** lgamma(a), from the table when 2a is an integer below 4096 (the shapes of the χ² and normal tails: a = dof/2). */
function lgammaHalf(a: number): number {
  const k = 2 * a;
  if (!(k >= 1 && k < 4096 && k === Math.floor(k))) return lgamma(a);
  let v = lgammaHalves[k];
  if (v !== v) v = lgammaHalves[k] = lgamma(a);
  return v;
}

function gammaPseries(a: number, x: number): number {
  let sum = 1 / a;
  let del = sum;
  let ap = a;
  for (let n = 0; n < 2000; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * 1e-16) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lgammaHalf(a));
}

function gammaQcf(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 2000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(-x + a * Math.log(x) - lgammaHalf(a)) * h;
}

/** Regularized upper incomplete gamma Q(a, x). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - gammaPseries(a, x);
  return gammaQcf(a, x);
}

/** Chi-square survival function P(X² > x) with `df` degrees of freedom. */
export function chi2Sf(x: number, df: number): number {
  if (df <= 0) return 1;
  return gammaQ(df / 2, x / 2);
}

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

/** Student-t two-sided quantile via the normal quantile with Cornish–Fisher correction (accurate to ~1e-4 for df ≥ 3). */
export function tPpf(p: number, df: number): number {
  const z = normPpf(p);
  if (!isFinite(df) || df > 1e6) return z;
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * (5 * z2 * z2 + 16 * z2 + 3)) / 96;
  const g3 = (z * (3 * z2 * z2 * z2 + 19 * z2 * z2 + 17 * z2 - 15)) / 384;
  const g4 = (z * (79 * z2 * z2 * z2 * z2 + 776 * z2 * z2 * z2 + 1482 * z2 * z2 - 1920 * z2 - 945)) / 92160;
  return z + g1 / df + g2 / (df * df) + g3 / (df * df * df) + g4 / (df * df * df * df);
}
