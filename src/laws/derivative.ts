/**
 * Time derivatives of sampled states for SINDy. A differentiation method is a
 * value that turns one state column sampled every `dt` into its derivative
 * and the state values the library should be evaluated at (the smoothed ones
 * when the method smooths), and says what it did (reported in the model).
 *
 * Reference: PySINDy differentiation/finite_difference.py (FiniteDifference,
 * order 2: central differences inside, one-sided second-order stencils at the
 * ends) and smoothed_finite_difference.py (Savitzky–Golay smoothing, window
 * 11, polynomial order 3, then the same differences); Savitzky & Golay, Anal.
 * Chem. 36, 1627 (1964); scipy.signal.savgol_filter(mode="interp").
 * Global methods: total-variation regularised differentiation (Chartrand,
 * ISRN Appl. Math. 2011, 164564; the functional of the `derivative`
 * package's TrendFiltered(order=0)) and the cubic smoothing spline (Reinsch,
 * Numer. Math. 10, 177 (1967); scipy.interpolate.make_smoothing_spline).
 */
import { qr, choleskyBlocked, choleskyInverse, choleskySolve } from "../core";

/** What a differentiation method did, as reported in a fitted model. */
export interface DifferentiationInfo {
  method: "finite-difference" | "savitzky-golay" | "total-variation" | "smoothing-spline";
  /** Accuracy order of the finite differences (2; absent for the global methods). */
  order?: number;
  /** Savitzky–Golay window length in samples (odd), when smoothed. */
  window?: number;
  /** Savitzky–Golay polynomial order, when smoothed. */
  polyorder?: number;
  /** Total-variation weight α (units of x·time). */
  alpha?: number;
  /** Smoothing-spline penalty λ (units of time³). */
  lambda?: number;
}

/** A differentiation method: derivative of one state column sampled every `dt` (and the states the library should use). */
export interface Differentiation {
  readonly info: DifferentiationInfo;
  /** Derivative (units of x per unit of dt) and the state values to evaluate the library at, both of x's length. */
  differentiate(x: Float64Array, dt: number): { xDot: Float64Array; x: Float64Array };
  /** Fewest samples the method needs. */
  readonly minSamples: number;
}

/**
 * Second-order finite differences (PySINDy's default FiniteDifference):
 * (x[i+1] − x[i−1]) / 2dt inside, (−3x₀ + 4x₁ − x₂) / 2dt and its mirror at
 * the ends. O(n). Error O(dt²·x‴); noise of standard deviation σ becomes
 * ≈ σ/(√2·dt) in the derivative, so noisy data want {@link savitzkyGolay}.
 */
export function centralDifference(x: ArrayLike<number>, dt: number, out = new Float64Array(x.length)): Float64Array {
  const n = x.length;
  if (n < 3) throw new RangeError(`centralDifference: needs at least 3 samples, got ${n}`);
  const h2 = 2 * dt;
  for (let i = 1; i < n - 1; i++) out[i] = (x[i + 1] - x[i - 1]) / h2;
  out[0] = (-3 * x[0] + 4 * x[1] - x[2]) / h2;
  out[n - 1] = (3 * x[n - 1] - 4 * x[n - 2] + x[n - 3]) / h2;
  return out;
}

/** The finite-difference method of {@link centralDifference}, as a {@link Differentiation} (no smoothing). */
export function finiteDifference(): Differentiation {
  return {
    info: { method: "finite-difference", order: 2 },
    minSamples: 3,
    differentiate: (x, dt) => ({ xDot: centralDifference(x, dt), x }),
  };
}

const hats = new Map<string, Float64Array>();

/** Hat matrix H = Q Qᵀ of the window's Vandermonde matrix (positions scaled to [-1, 1]): row r gives the fit at position r. Cached per (window, polyorder). */
function hatMatrix(window: number, polyorder: number): Float64Array {
  const key = `${window}/${polyorder}`;
  const cached = hats.get(key);
  if (cached) return cached;
  const half = (window - 1) / 2, k = polyorder + 1;
  const V = new Float64Array(window * k);
  for (let r = 0; r < window; r++) for (let c = 0; c < k; c++) V[r * k + c] = ((r - half) / half) ** c;
  const { Q } = qr(V, window, k);
  const H = new Float64Array(window * window);
  for (let r = 0; r < window; r++) for (let s = 0; s < window; s++) {
    let v = 0;
    for (let c = 0; c < k; c++) v += Q[r * k + c] * Q[s * k + c];
    H[r * window + s] = v;
  }
  hats.set(key, H);
  return H;
}

/**
 * Savitzky–Golay smoothing: each sample replaced by the value at it of the
 * least-squares polynomial of order `polyorder` through the `window` samples
 * centred on it; the first and last window/2 samples take the values of the
 * polynomial fitted to the first and last whole window (scipy's
 * savgol_filter mode "interp", which PySINDy uses). O(n · window).
 */
export function savitzkyGolaySmooth(x: ArrayLike<number>, window: number, polyorder: number): Float64Array {
  const n = x.length;
  if (!Number.isInteger(window) || window < 3 || window % 2 === 0) throw new RangeError(`savitzkyGolay: window must be an odd integer >= 3, got ${window}`);
  if (!Number.isInteger(polyorder) || polyorder < 0 || polyorder >= window) throw new RangeError(`savitzkyGolay: polyorder must be an integer in [0, window), got ${polyorder} (window ${window})`);
  if (n < window) throw new RangeError(`savitzkyGolay: ${n} samples are fewer than the window of ${window}`);
  const half = (window - 1) / 2, H = hatMatrix(window, polyorder);
  const out = new Float64Array(n);
  const apply = (row: number, start: number): number => {
    let v = 0;
    for (let s = 0; s < window; s++) v += H[row * window + s] * x[start + s];
    return v;
  };
  for (let i = half; i < n - half; i++) out[i] = apply(half, i - half);
  for (let i = 0; i < half; i++) { out[i] = apply(i, 0); out[n - 1 - i] = apply(window - 1 - i, n - window); }
  return out;
}

/**
 * Smoothed finite differences (PySINDy's SmoothedFiniteDifference):
 * {@link savitzkyGolaySmooth} with `window` (default 11 samples) and
 * `polyorder` (default 3), then {@link centralDifference} of the smoothed
 * states; the library is evaluated at the smoothed states. Wider windows
 * suppress more noise and bias fast dynamics (keep the window well under a
 * period). O(n · window).
 */
export function savitzkyGolay(options: { window?: number; polyorder?: number } = {}): Differentiation {
  const window = options.window ?? 11, polyorder = options.polyorder ?? 3;
  savitzkyGolaySmooth(new Float64Array(window), window, polyorder); // validates the options now, not at fit time
  return {
    info: { method: "savitzky-golay", order: 2, window, polyorder },
    minSamples: window,
    differentiate(x, dt) {
      const s = savitzkyGolaySmooth(x, window, polyorder);
      return { xDot: centralDifference(s, dt), x: s };
    },
  };
}

/** (A₁ v)_k = v₀/2 + v₁ + … + v_{k−1} + v_k/2 (k ≥ 1), 0 at k = 0: the cumulative trapezoid integral in sample units. O(n). */
function trapezoidIntegral(v: ArrayLike<number>, out: Float64Array): Float64Array {
  out[0] = 0;
  for (let k = 1; k < v.length; k++) out[k] = out[k - 1] + 0.5 * (v[k - 1] + v[k]);
  return out;
}

/** A₁ᵀ r: (A₁ᵀr)_i = a_i r_i + c_i Σ_{k>i} r_k with a_i = ½ (0 at i = 0), c_i = 1 (½ at i = 0). O(n). */
function trapezoidAdjoint(r: ArrayLike<number>, out: Float64Array): Float64Array {
  let suffix = 0;
  for (let i = r.length - 1; i >= 0; i--) {
    out[i] = (i > 0 ? 0.5 : 0) * r[i] + (i > 0 ? 1 : 0.5) * suffix;
    suffix += r[i];
  }
  return out;
}

/**
 * Exact minimiser of ½‖A₁v − b‖² + λ‖D₁v‖₁ given the jumps of v (`jumps`, the
 * k with v_{k+1} ≠ v_k) and their signs: v constant on the segments between
 * jumps, the segment values from the m×m normal equations; null unless the
 * result satisfies the optimality conditions (jump signs as assumed, the
 * dual |y_k| ≤ 1 between jumps), in which case it is the solution. O(n·m + m³).
 */
function polishTv(b: Float64Array, lam: number, jumps: readonly number[], signs: readonly number[]): Float64Array | null {
  const n = b.length, m = jumps.length + 1;
  const starts = [0, ...jumps.map((k) => k + 1)], ends = [...jumps.map((k) => k + 1), n];
  const cols: Float64Array[] = [], unit = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    unit.fill(0);
    unit.fill(1, starts[j], ends[j]);
    cols.push(trapezoidIntegral(unit, new Float64Array(n)));
  }
  const G = new Float64Array(m * m), rhs = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    for (let c = 0; c <= a; c++) { let s = 0; for (let k = 0; k < n; k++) s += cols[a][k] * cols[c][k]; G[a * m + c] = s; G[c * m + a] = s; }
    let s = 0;
    for (let k = 0; k < n; k++) s += cols[a][k] * b[k];
    // λ Σ σ_j (c_{j+1} − c_j): segment a gets +σ_{a−1} − σ_a
    rhs[a] = s - lam * ((a > 0 ? signs[a - 1] : 0) - (a < m - 1 ? signs[a] : 0));
  }
  if (choleskyBlocked(G, m) !== -1) return null;
  const c = choleskySolve(G, m, rhs);
  const v = new Float64Array(n);
  for (let j = 0; j < m; j++) v.fill(c[j], starts[j], ends[j]);
  for (let j = 0; j < m - 1; j++) if (Math.sign(c[j + 1] - c[j]) !== signs[j]) return null;
  // KKT: A₁ᵀ(A₁v − b) + λ D₁ᵀ y = 0 gives y_k = y_{k−1} + r_k/λ from y_{−1} = 0; y = σ on the jumps, |y| ≤ 1 elsewhere, and Σ r = 0
  const res = trapezoidIntegral(v, new Float64Array(n));
  for (let k = 0; k < n; k++) res[k] -= b[k];
  const r = trapezoidAdjoint(res, new Float64Array(n));
  let scale = 0;
  for (let k = 0; k < n; k++) scale = Math.max(scale, Math.abs(r[k]));
  const slack = 1e-7;
  let y = 0, next = 0;
  for (let k = 0; k < n - 1; k++) {
    y += r[k] / lam;
    if (next < jumps.length && jumps[next] === k) {
      if (Math.abs(y - signs[next]) > slack) return null;
      next++;
    } else if (Math.abs(y) > 1 + slack) return null;
  }
  return Math.abs(y + r[n - 1] / lam) <= slack * Math.max(1, scale / lam) ? v : null;
}

/**
 * Total-variation regularised derivative (Chartrand 2011, "TVRegDiff"): the
 * derivative u at the samples minimising
 *   ½ ‖A u − (x − x₀)‖² + α ‖D u‖₁,
 * A the cumulative trapezoid integral (A u)_k = dt (u₀/2 + u₁ + … + u_{k−1}
 * + u_k/2), D the forward difference (u_{k+1} − u_k)/dt — the problem of the
 * `derivative` package's TrendFiltered(order=0, alpha) (the ε → 0 limit of
 * Chartrand's functional). Solved by ADMM (Boyd et al., Found. Trends Mach.
 * Learn. 3, 1 (2011), §6.4.1, over-relaxed, ρ rebalanced) until the set of
 * jumps settles, then polished: the exact minimiser for that set of jumps and
 * signs, accepted when it satisfies the optimality conditions (so the
 * answer is the minimiser to rounding, not to an iteration tolerance). The
 * derivative is piecewise constant where the noise does not support a
 * change; the smoothed states are x₀ + A u. α in units of x·time: larger α,
 * fewer jumps. Returns { xDot, x, iterations }. Cost: O(n³) to factor the
 * n×n system of the u-update once (8n² bytes), O(n²) per iteration (a few
 * hundred to a few thousand) — meant for series of up to a few thousand
 * samples. Throws when no polished solution is found in `maxIter` iterations.
 */
export function totalVariationDerivative(x: ArrayLike<number>, dt: number, alpha: number, options: { maxIter?: number } = {}): { xDot: Float64Array; x: Float64Array; iterations: number } {
  const n = x.length, maxIter = options.maxIter ?? 20000;
  if (n < 3) throw new RangeError(`totalVariation: needs at least 3 samples, got ${n}`);
  if (!(alpha > 0 && Number.isFinite(alpha))) throw new RangeError(`totalVariation: alpha must be a finite number > 0, got ${alpha}`);
  if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`totalVariation: dt must be a finite number > 0, got ${dt}`);
  // In sample units (dt = 1): v = dt·u, A₁ = A/dt, D₁ = dt·D, so the problem is ½‖A₁v − b‖² + (α/dt²)‖D₁v‖₁.
  const b = new Float64Array(n);
  for (let k = 0; k < n; k++) b[k] = x[k] - x[0];
  const lam = alpha / (dt * dt);
  // A₁ᵀA₁: column i of A₁ is 0 above row i, a_i at row i, c_i below (trapezoidAdjoint); for i ≤ j:
  // (A₁ᵀA₁)_ij = (i = j ? a_j² : c_i a_j) + (n − 1 − j) c_i c_j.
  const diag = (i: number): number => (i > 0 ? 0.5 : 0), tail = (i: number): number => (i > 0 ? 1 : 0.5);
  const AtA = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
    const v = (i === j ? diag(j) * diag(j) : tail(i) * diag(j)) + (n - 1 - j) * tail(i) * tail(j);
    AtA[i * n + j] = v;
    AtA[j * n + i] = v;
  }
  const Atb = trapezoidAdjoint(b, new Float64Array(n));
  const Dv = (v: Float64Array, out: Float64Array): void => { for (let k = 0; k < n - 1; k++) out[k] = v[k + 1] - v[k]; };
  const DtW = (w: Float64Array, out: Float64Array): void => { // D₁ᵀ w
    out[0] = -w[0];
    for (let k = 1; k < n - 1; k++) out[k] = w[k - 1] - w[k];
    out[n - 1] = w[n - 2];
  };
  const inverse = (rho: number): Float64Array => {
    const K = AtA.slice();
    for (let k = 0; k < n; k++) K[k * n + k] += rho * (k === 0 || k === n - 1 ? 1 : 2);
    for (let k = 0; k < n - 1; k++) { K[k * n + k + 1] -= rho; K[(k + 1) * n + k] -= rho; }
    if (choleskyBlocked(K, n) !== -1) throw new Error("totalVariation: the u-update system is not positive definite (should not happen)");
    return choleskyInverse(K, n);
  };
  const RELAX = 1.6, CHECK = 25;
  let rho = 16, Kinv = inverse(rho), rebalances = 0;
  const v = new Float64Array(n), z = new Float64Array(n - 1), w = new Float64Array(n - 1), rhs = new Float64Array(n), t = new Float64Array(n);
  const d = new Float64Array(n - 1), zOld = new Float64Array(n - 1), dz = new Float64Array(n);
  const norm = (a: Float64Array): number => { let s = 0; for (let k = 0; k < a.length; k++) s += a[k] * a[k]; return Math.sqrt(s); };
  let lastPattern = "";
  for (let it = 1; it <= maxIter; it++) {
    for (let k = 0; k < n - 1; k++) d[k] = z[k] - w[k];
    DtW(d, t);
    for (let k = 0; k < n; k++) rhs[k] = Atb[k] + rho * t[k];
    for (let r = 0; r < n; r++) { let s = 0; const o = r * n; for (let c = 0; c < n; c++) s += Kinv[o + c] * rhs[c]; v[r] = s; }
    Dv(v, d);
    zOld.set(z);
    const kappa = lam / rho;
    for (let k = 0; k < n - 1; k++) { const q = RELAX * d[k] + (1 - RELAX) * z[k] + w[k]; z[k] = q > kappa ? q - kappa : q < -kappa ? q + kappa : 0; }
    for (let k = 0; k < n - 1; k++) w[k] += RELAX * d[k] + (1 - RELAX) * zOld[k] - z[k];
    if (it % CHECK !== 0) continue;
    // every CHECK iterations: polish when the jumps and signs held since the last check; rebalance ρ (Boyd §3.4.1)
    const jumps: number[] = [], signs: number[] = [];
    for (let k = 0; k < n - 1; k++) if (z[k] !== 0) { jumps.push(k); signs.push(Math.sign(z[k])); }
    const pattern = jumps.map((k, i) => k * signs[i]).join(",");
    if (pattern === lastPattern) {
      const polished = polishTv(b, lam, jumps, signs);
      if (polished) {
        const xDot = new Float64Array(n), xs = trapezoidIntegral(polished, new Float64Array(n));
        for (let k = 0; k < n; k++) { xDot[k] = polished[k] / dt; xs[k] += x[0]; }
        return { xDot, x: xs, iterations: it };
      }
    }
    lastPattern = pattern;
    let primal = 0;
    for (let k = 0; k < n - 1; k++) { primal += (d[k] - z[k]) ** 2; zOld[k] = z[k] - zOld[k]; }
    DtW(zOld, dz);
    const dual = rho * norm(dz);
    primal = Math.sqrt(primal);
    if (rebalances < 20 && dual > 0 && primal > 0 && (primal > 10 * dual || dual > 10 * primal)) {
      const f = primal > dual ? 2 : 0.5;
      rho *= f;
      for (let k = 0; k < n - 1; k++) w[k] /= f;
      Kinv = inverse(rho);
      rebalances++;
    }
  }
  throw new Error(`totalVariation: no exact solution found in ${maxIter} iterations (alpha ${alpha}, ${n} samples); raise maxIter`);
}

/**
 * Cubic smoothing spline of samples x every dt and its derivative at the
 * samples: g minimises Σ (x_i − g(t_i))² + λ ∫ g''(t)² dt (a natural cubic
 * spline with a knot at every sample), by Reinsch's algorithm (Green &
 * Silverman, "Nonparametric Regression and Generalized Linear Models", 1994,
 * §2.3: g = x − λQγ with (R + λQᵀQ)γ = Qᵀx, γ the second derivatives at the
 * inner knots; a pentadiagonal solve). The same spline as
 * scipy.interpolate.make_smoothing_spline(t, x, lam=λ). λ in units of
 * time³ (λ → 0: interpolation; λ → ∞: the least-squares line). Returns the
 * derivative g'(t_i) and the smoothed values g(t_i). O(n).
 */
export function smoothingSplineDerivative(x: ArrayLike<number>, dt: number, lambda: number): { xDot: Float64Array; x: Float64Array } {
  const n = x.length;
  if (n < 3) throw new RangeError(`smoothingSpline: needs at least 3 samples, got ${n}`);
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new RangeError(`smoothingSpline: lambda must be a finite number >= 0, got ${lambda}`);
  if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`smoothingSpline: dt must be a finite number > 0, got ${dt}`);
  const m = n - 2, h = dt, q = 1 / h;
  // Qᵀx (m) and the bands of M = R + λQᵀQ (diagonal, first and second off-diagonals); column j of Q: (q, −2q, q) at rows j, j+1, j+2.
  const rhs = new Float64Array(m), d0 = new Float64Array(m), d1 = new Float64Array(m), d2 = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    rhs[j] = q * (x[j] - 2 * x[j + 1] + x[j + 2]);
    d0[j] = (2 * h) / 3 + lambda * 6 * q * q;
    if (j + 1 < m) d1[j] = h / 6 - lambda * 4 * q * q;
    if (j + 2 < m) d2[j] = lambda * q * q;
  }
  // banded Cholesky M = L Lᵀ (L lower, bandwidth 2), in place: d0 → L_jj, d1 → L_{j+1,j}, d2 → L_{j+2,j}
  for (let j = 0; j < m; j++) {
    let a = d0[j];
    if (j >= 1) a -= d1[j - 1] ** 2;
    if (j >= 2) a -= d2[j - 2] ** 2;
    const l = Math.sqrt(a);
    d0[j] = l;
    if (j + 1 < m) { let s = d1[j]; if (j >= 1) s -= d2[j - 1] * d1[j - 1]; d1[j] = s / l; }
    if (j + 2 < m) d2[j] /= l;
  }
  const gamma = new Float64Array(n); // second derivatives; natural ends 0
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) y[j] = (rhs[j] - (j >= 1 ? d1[j - 1] * y[j - 1] : 0) - (j >= 2 ? d2[j - 2] * y[j - 2] : 0)) / d0[j];
  for (let j = m - 1; j >= 0; j--) gamma[j + 1] = (y[j] - (j + 1 < m ? d1[j] * gamma[j + 2] : 0) - (j + 2 < m ? d2[j] * gamma[j + 3] : 0)) / d0[j];
  // g = x − λ Q γ (γ indexed by knot; Q γ at knot i = q (γ_{i−1} − 2γ_i + γ_{i+1}) over the inner knots)
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const qg = q * ((i >= 1 ? gamma[i - 1] : 0) - 2 * gamma[i] + (i + 1 < n ? gamma[i + 1] : 0));
    g[i] = x[i] - lambda * (i === 0 ? q * gamma[1] : i === n - 1 ? q * gamma[n - 2] : qg);
  }
  const xDot = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) xDot[i] = (g[i + 1] - g[i]) / h - (h * (2 * gamma[i] + gamma[i + 1])) / 6;
  xDot[n - 1] = (g[n - 1] - g[n - 2]) / h + (h * (gamma[n - 2] + 2 * gamma[n - 1])) / 6;
  return { xDot, x: g };
}

/**
 * Total-variation regularised differentiation as a {@link Differentiation}:
 * {@link totalVariationDerivative} with weight `alpha` (required; units of
 * x·time, larger = fewer jumps in the derivative); the library is evaluated
 * at the smoothed states x₀ + ∫u. For noisy data whose derivative changes in
 * steps or slowly; cost O(n³) per state (see there), so for series up to a
 * few thousand samples.
 */
export function totalVariation(options: { alpha: number; maxIter?: number }): Differentiation {
  const alpha = options?.alpha;
  if (!(typeof alpha === "number" && alpha > 0 && Number.isFinite(alpha))) throw new RangeError(`totalVariation({ alpha }): alpha must be a finite number > 0 (units of x·time), got ${alpha}`);
  const maxIter = options.maxIter;
  return {
    info: { method: "total-variation", alpha },
    minSamples: 3,
    differentiate(x, dt) {
      const r = totalVariationDerivative(x, dt, alpha, { maxIter });
      return { xDot: r.xDot, x: r.x };
    },
  };
}

/**
 * Smoothing-spline differentiation as a {@link Differentiation}:
 * {@link smoothingSplineDerivative} with penalty `lambda` (required; units
 * of time³); the library is evaluated at the spline's values. The spline
 * damps a sinusoid of angular frequency ω by 1/(1 + λ·dt·ω⁴), so
 * λ ≈ 1 / (dt·ω_c⁴) keeps the dynamics below ω_c and removes the noise
 * above it. O(n) per state.
 */
export function smoothingSpline(options: { lambda: number }): Differentiation {
  const lambda = options?.lambda;
  if (!(typeof lambda === "number" && lambda >= 0 && Number.isFinite(lambda))) throw new RangeError(`smoothingSpline({ lambda }): lambda must be a finite number >= 0 (units of time³), got ${lambda}`);
  return {
    info: { method: "smoothing-spline", lambda },
    minSamples: 3,
    differentiate: (x, dt) => smoothingSplineDerivative(x, dt, lambda),
  };
}
