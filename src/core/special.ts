/**
 * Special functions and distribution functions shared by every capability:
 * the error function and the normal distribution, log Γ, the regularized
 * incomplete gamma and beta functions, and the χ², Student t, Beta and Gamma
 * distributions built on them. Pure functions of numbers; nothing allocates.
 */

/**
 * Complementary error function: the Maclaurin series of erf for |x| < 0.5, else the continued fraction of the
 * regularized upper incomplete gamma Q(1/2, x²). Relative error against SciPy < 2e-14 up to x = 10 and < 1e-13
 * down to erfc(26) ≈ 6e-296 (tests/core/special.test.ts).
 */
export function erfc(x: number): number {
  const ax = Math.abs(x);
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
  const r = gammaQcf(0.5, ax * ax);
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

/** log Γ(x) for x > 0: upward recurrence to x ≥ 15, then the Stirling series (|error| < 1e-14, relative, or absolute near the zeros at 1 and 2). */
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

/** Digamma ψ(x) = d log Γ(x)/dx for x > 0: upward recurrence to x ≥ 10, then the asymptotic series to x⁻¹⁰ (|error| < 1e-13). */
export function digamma(x: number): number {
  let r = 0;
  while (x < 10) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
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

/** Regularized lower incomplete gamma P(a, x) = 1 - Q(a, x), accurate in relative terms where it is small. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) return gammaPseries(a, x);
  return 1 - gammaQcf(a, x);
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

/** Regularized incomplete beta I_x(a, b) by its continued fraction (Lentz; Numerical Recipes §6.4), |error| < 1e-14. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log(1 - x) - (lgamma(a) + lgamma(b) - lgamma(a + b))) / a;
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 500; m++) {
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d; if (Math.abs(d) < tiny) d = tiny; d = 1 / d;
      c = 1 + num / c; if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return front * f;
}

/**
 * The x in [lo, hi] where the increasing `cdf` reaches p, to 1e-15 relative: geometric bisection while hi/lo > 4
 * (a lower bound of 0 starts at 1e-300, so quantiles far in a tail keep their relative precision), then arithmetic.
 */
function invert(cdf: (x: number) => number, p: number, lo: number, hi: number): number {
  lo = Math.max(lo, 1e-300);
  for (let i = 0; i < 400 && hi - lo > 1e-15 * hi; i++) {
    const mid = hi > 4 * lo ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
    if (cdf(mid) < p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Quantile of the Beta(a, b) distribution (a, b > 0), by bisection on the regularized incomplete beta (≤ ~60 continued fractions). */
export function betaQuantile(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1 && a > 0 && b > 0)) throw new RangeError(`betaQuantile(p, a, b): need p in [0, 1] and a, b > 0, got ${p}, ${a}, ${b}`);
  return invert((x) => incompleteBeta(x, a, b), p, 0, 1);
}

/** Quantile of the Gamma(shape, rate) distribution (mean shape/rate), by bisection on the regularized incomplete gamma. */
export function gammaQuantile(p: number, shape: number, rate: number): number {
  if (!(p >= 0 && p < 1 && shape > 0 && rate > 0)) throw new RangeError(`gammaQuantile(p, shape, rate): need p in [0, 1) and shape, rate > 0, got ${p}, ${shape}, ${rate}`);
  let hi = shape + 10 * Math.sqrt(shape) + 10;
  while (gammaP(shape, hi) < p) hi *= 2;
  return invert((x) => gammaP(shape, x), p, 0, hi) / rate;
}

/**
 * Student t quantile: the t with P(T ≤ t) = p for `df` > 0 degrees of freedom, by bisection on the regularized
 * incomplete beta: P(|T| > t) = I_x(df/2, 1/2) with x = df/(df + t²), or, for |t| small, P(|T| < t) = I_y(1/2, df/2)
 * with y = t²/(df + t²) (the smaller of x and y is solved for, keeping its relative precision). Relative error
 * against SciPy < 1e-9 for df from 0.5 to 1e5 and p from 1e-6 to 1 - 1e-6 (tests/core/special.test.ts).
 * `df` = Infinity (or > 1e7) gives the normal quantile.
 */
export function tPpf(p: number, df: number): number {
  if (!(p > 0 && p < 1 && df > 0)) throw new RangeError(`tPpf(p, df): need p in (0, 1) and df > 0, got ${p}, ${df}`);
  if (!isFinite(df) || df > 1e7) return normPpf(p);
  if (p === 0.5) return 0;
  const tail = 2 * Math.min(p, 1 - p); // P(|T| > |t|)
  let t: number;
  if (tail < 0.5) {
    const x = betaQuantile(tail, df / 2, 0.5);
    t = Math.sqrt((df * (1 - x)) / x);
  } else {
    const y = betaQuantile(Math.abs(2 * p - 1), 0.5, df / 2);
    t = Math.sqrt((df * y) / (1 - y));
  }
  return p > 0.5 ? t : -t;
}
