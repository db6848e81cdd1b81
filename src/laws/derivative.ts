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
 */
import { qr } from "../core";

/** What a differentiation method did, as reported in a fitted model. */
export interface DifferentiationInfo {
  method: "finite-difference" | "savitzky-golay";
  /** Accuracy order of the finite differences (2). */
  order: number;
  /** Savitzky–Golay window length in samples (odd), when smoothed. */
  window?: number;
  /** Savitzky–Golay polynomial order, when smoothed. */
  polyorder?: number;
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
