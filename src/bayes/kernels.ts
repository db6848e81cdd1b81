/**
 * Covariance functions (kernels) of Gaussian processes as composable,
 * immutable values: `constant(1).times(rbf([1, 1])).plus(white(0.1))`.
 * Definitions, parameter names' meaning and the log-parameterisation follow
 * scikit-learn's `gaussian_process/kernels.py` (RBF, Matern, ExpSineSquared,
 * DotProduct, ConstantKernel, WhiteKernel, Sum, Product), so a kernel here
 * and its scikit-learn twin give identical matrices.
 *
 * Points are rows of a row-major Float64Array (n×d). Every kernel exposes
 * its free hyperparameters as θ = log(value) (the space the optimiser and
 * NUTS work in) and Σ_ij W_ij ∂K_ij/∂θ_p for any weight matrix W
 * (`contract`), which is all the marginal-likelihood gradient needs
 * (½ tr((ααᵀ − K⁻¹) ∂K/∂θ_p)) without materialising n×n×p derivative
 * tensors. A white-noise term contributes to K(X, X) and to `diag` with
 * `noise: true` only, never to cross-covariances (as in scikit-learn).
 * Cost: O(n²·d) per matrix, the same per contraction.
 */

/** One hyperparameter: its name, value (> 0), bounds of the maximum-likelihood search and whether it is held fixed. */
export interface Hyperparameter {
  name: string;
  value: number;
  bounds: [number, number];
  fixed: boolean;
}

/** Bounds of a hyperparameter: a [lo, hi] pair (0 < lo ≤ hi) or "fixed". */
export type Bounds = [number, number] | "fixed";

/** A covariance function; build with {@link rbf}, {@link matern32}, {@link matern52}, {@link periodic}, {@link linear}, {@link constant}, {@link white}, `.plus`, `.times`. */
export abstract class Kernel {
  /** All hyperparameters (fixed ones included), in θ order for the free ones. */
  abstract get hyperparameters(): Hyperparameter[];
  /** A copy with the free hyperparameters set from θ = log(values). */
  abstract withTheta(theta: ArrayLike<number>, offset?: number): Kernel;
  /** k(Aᵢ, Bⱼ), na×nb row-major, without white noise. */
  abstract cross(A: Float64Array, na: number, B: Float64Array, nb: number, d: number): Float64Array;
  /** K(X, X), n×n, white noise on the diagonal included. */
  abstract self(X: Float64Array, n: number, d: number): Float64Array;
  /** k(xᵢ, xᵢ) (with the white noise when `noise`). */
  abstract diag(X: Float64Array, n: number, d: number, noise: boolean): Float64Array;
  /** out[offset + p] += Σ_ij W_ij ∂K(X, X)_ij / ∂θ_p for each free θ_p (θ = log value). */
  abstract contract(X: Float64Array, n: number, d: number, W: Float64Array, out: Float64Array, offset: number): void;
  /** The number of input dimensions this kernel requires (0 = any). */
  abstract get inputDims(): number;
  /** Readable formula with the current values, e.g. `1.2 * RBF([0.5, 3]) + White(0.01)`. */
  abstract toString(): string;

  /** Number of free hyperparameters. */
  get size(): number {
    return this.hyperparameters.filter((h) => !h.fixed).length;
  }
  /** θ = log(value) of the free hyperparameters. */
  get theta(): Float64Array {
    return Float64Array.from(this.hyperparameters.filter((h) => !h.fixed), (h) => Math.log(h.value));
  }
  /** log-bounds of the free hyperparameters, [lo₀, hi₀, lo₁, hi₁, …]. */
  get thetaBounds(): Float64Array {
    return Float64Array.from(this.hyperparameters.filter((h) => !h.fixed).flatMap((h) => [Math.log(h.bounds[0]), Math.log(h.bounds[1])]));
  }
  /** Names of the free hyperparameters (unique: repeats get "#2", "#3"). */
  get thetaNames(): string[] {
    const seen = new Map<string, number>();
    return this.hyperparameters.filter((h) => !h.fixed).map((h) => {
      const c = (seen.get(h.name) ?? 0) + 1;
      seen.set(h.name, c);
      return c === 1 ? h.name : `${h.name}#${c}`;
    });
  }
  /** k₁ + k₂. */
  plus(other: Kernel): Kernel {
    return new SumKernel(this, other);
  }
  /** k₁ · k₂. */
  times(other: Kernel): Kernel {
    return new ProductKernel(this, other);
  }
}

function checkValue(what: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${what} must be a positive finite number, got ${v}`);
  return v;
}
function checkBounds(what: string, b: Bounds): Bounds {
  if (b === "fixed") return b;
  if (!Array.isArray(b) || b.length !== 2 || !(b[0] > 0) || !(b[1] >= b[0]) || !Number.isFinite(b[1])) throw new RangeError(`${what}: bounds must be "fixed" or [lo, hi] with 0 < lo <= hi, got ${JSON.stringify(b)}`);
  return b;
}
function param(name: string, value: number, bounds: Bounds): Hyperparameter {
  return { name, value, bounds: bounds === "fixed" ? [value, value] : bounds, fixed: bounds === "fixed" };
}

/** Kernels whose value depends on the scaled squared distance Σ_d (a_d − b_d)²/ℓ_d² (RBF, Matérn): one or per-dimension (ARD) lengthscales. */
abstract class StationaryKernel extends Kernel {
  constructor(readonly lengthscale: number[], readonly bounds: Bounds, private readonly label: string) {
    super();
    if (lengthscale.length === 0) throw new RangeError(`${label}(lengthscale): needs at least one lengthscale`);
    lengthscale.forEach((l, i) => checkValue(`${label}(lengthscale[${i}])`, l));
    checkBounds(`${label}(lengthscale)`, bounds);
  }
  protected abstract make(lengthscale: number[]): Kernel;
  /** k as a function of r² (scaled squared distance). */
  protected abstract value(r2: number): number;
  /** ∂k/∂(r²)·(−2): the factor g with ∂k/∂logℓ_d = g(r²)·Δ_d²/ℓ_d². */
  protected abstract slope(r2: number): number;

  get hyperparameters(): Hyperparameter[] {
    const ard = this.lengthscale.length > 1;
    return this.lengthscale.map((l, i) => param(ard ? `lengthscale[${i}]` : "lengthscale", l, this.bounds));
  }
  get inputDims(): number {
    return this.lengthscale.length > 1 ? this.lengthscale.length : 0;
  }
  withTheta(theta: ArrayLike<number>, offset = 0): Kernel {
    if (this.bounds === "fixed") return this;
    return this.make(this.lengthscale.map((_, i) => Math.exp(theta[offset + i])));
  }
  private inv2(d: number): Float64Array {
    const L = this.lengthscale;
    if (L.length > 1 && L.length !== d) throw new RangeError(`${this.label}: ${L.length} lengthscales for ${d}-D inputs`);
    return Float64Array.from({ length: d }, (_, k) => 1 / (L.length > 1 ? L[k] : L[0]) ** 2);
  }
  cross(A: Float64Array, na: number, B: Float64Array, nb: number, d: number): Float64Array {
    const w = this.inv2(d), K = new Float64Array(na * nb);
    for (let i = 0; i < na; i++)
      for (let j = 0; j < nb; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) {
          const t = A[i * d + k] - B[j * d + k];
          r2 += t * t * w[k];
        }
        K[i * nb + j] = this.value(r2);
      }
    return K;
  }
  self(X: Float64Array, n: number, d: number): Float64Array {
    const w = this.inv2(d), K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      K[i * n + i] = this.value(0);
      for (let j = 0; j < i; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) {
          const t = X[i * d + k] - X[j * d + k];
          r2 += t * t * w[k];
        }
        K[i * n + j] = K[j * n + i] = this.value(r2);
      }
    }
    return K;
  }
  diag(_X: Float64Array, n: number): Float64Array {
    return new Float64Array(n).fill(this.value(0));
  }
  contract(X: Float64Array, n: number, d: number, W: Float64Array, out: Float64Array, offset: number): void {
    if (this.bounds === "fixed") return;
    const w = this.inv2(d), ard = this.lengthscale.length > 1, acc = new Float64Array(d);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) {
        let r2 = 0;
        for (let k = 0; k < d; k++) {
          const t = X[i * d + k] - X[j * d + k];
          r2 += t * t * w[k];
        }
        const g = (W[i * n + j] + W[j * n + i]) * this.slope(r2);
        for (let k = 0; k < d; k++) {
          const t = X[i * d + k] - X[j * d + k];
          acc[k] += g * t * t * w[k];
        }
      }
    if (ard) for (let k = 0; k < d; k++) out[offset + k] += acc[k];
    else for (let k = 0; k < d; k++) out[offset] += acc[k];
  }
  toString(): string {
    const l = this.lengthscale.map((v) => +v.toPrecision(4));
    return `${this.label}(${l.length > 1 ? `[${l.join(", ")}]` : l[0]})`;
  }
}

class RBFKernel extends StationaryKernel {
  constructor(l: number[], b: Bounds) { super(l, b, "RBF"); }
  protected make(l: number[]): Kernel { return new RBFKernel(l, this.bounds); }
  protected value(r2: number): number { return Math.exp(-0.5 * r2); }
  protected slope(r2: number): number { return Math.exp(-0.5 * r2); }
}
const S3 = Math.sqrt(3), S5 = Math.sqrt(5);
class Matern32Kernel extends StationaryKernel {
  constructor(l: number[], b: Bounds) { super(l, b, "Matern32"); }
  protected make(l: number[]): Kernel { return new Matern32Kernel(l, this.bounds); }
  protected value(r2: number): number { const r = S3 * Math.sqrt(r2); return (1 + r) * Math.exp(-r); }
  protected slope(r2: number): number { return 3 * Math.exp(-S3 * Math.sqrt(r2)); }
}
class Matern52Kernel extends StationaryKernel {
  constructor(l: number[], b: Bounds) { super(l, b, "Matern52"); }
  protected make(l: number[]): Kernel { return new Matern52Kernel(l, this.bounds); }
  protected value(r2: number): number { const r = S5 * Math.sqrt(r2); return (1 + r + (5 / 3) * r2) * Math.exp(-r); }
  protected slope(r2: number): number { const r = S5 * Math.sqrt(r2); return (5 / 3) * (1 + r) * Math.exp(-r); }
}

function lengthscales(l: number | number[]): number[] {
  return typeof l === "number" ? [l] : Array.from(l);
}

/** Squared-exponential kernel exp(−½ Σ_d (a_d − b_d)²/ℓ_d²); one lengthscale, or one per input dimension (ARD). scikit-learn `RBF`. */
export function rbf(lengthscale: number | number[] = 1, bounds: Bounds = [1e-5, 1e5]): Kernel {
  return new RBFKernel(lengthscales(lengthscale), bounds);
}
/** Matérn ν = 3/2 kernel (1 + √3 r) e^{−√3 r}, r the lengthscale-scaled distance; ARD as {@link rbf}. scikit-learn `Matern(nu=1.5)`. */
export function matern32(lengthscale: number | number[] = 1, bounds: Bounds = [1e-5, 1e5]): Kernel {
  return new Matern32Kernel(lengthscales(lengthscale), bounds);
}
/** Matérn ν = 5/2 kernel (1 + √5 r + 5r²/3) e^{−√5 r}; ARD as {@link rbf}. scikit-learn `Matern(nu=2.5)`. */
export function matern52(lengthscale: number | number[] = 1, bounds: Bounds = [1e-5, 1e5]): Kernel {
  return new Matern52Kernel(lengthscales(lengthscale), bounds);
}

/** exp(−2 sin²(π‖a − b‖/p)/ℓ²): periodic with period p (input units). scikit-learn `ExpSineSquared`. */
class PeriodicKernel extends Kernel {
  constructor(readonly lengthscale: number, readonly period: number, readonly lBounds: Bounds, readonly pBounds: Bounds) {
    super();
    checkValue("periodic(lengthscale)", lengthscale);
    checkValue("periodic(period)", period);
    checkBounds("periodic(lengthscale)", lBounds);
    checkBounds("periodic(period)", pBounds);
  }
  get hyperparameters(): Hyperparameter[] {
    return [param("lengthscale", this.lengthscale, this.lBounds), param("period", this.period, this.pBounds)];
  }
  get inputDims(): number { return 0; }
  withTheta(theta: ArrayLike<number>, offset = 0): Kernel {
    let o = offset;
    const l = this.lBounds === "fixed" ? this.lengthscale : Math.exp(theta[o++]);
    const p = this.pBounds === "fixed" ? this.period : Math.exp(theta[o++]);
    return new PeriodicKernel(l, p, this.lBounds, this.pBounds);
  }
  private dist(A: Float64Array, i: number, B: Float64Array, j: number, d: number): number {
    let s = 0;
    for (let k = 0; k < d; k++) s += (A[i * d + k] - B[j * d + k]) ** 2;
    return Math.sqrt(s);
  }
  private value(r: number): number {
    return Math.exp(-2 * Math.sin((Math.PI * r) / this.period) ** 2 / this.lengthscale ** 2);
  }
  cross(A: Float64Array, na: number, B: Float64Array, nb: number, d: number): Float64Array {
    const K = new Float64Array(na * nb);
    for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) K[i * nb + j] = this.value(this.dist(A, i, B, j, d));
    return K;
  }
  self(X: Float64Array, n: number, d: number): Float64Array {
    return this.cross(X, n, X, n, d);
  }
  diag(_X: Float64Array, n: number): Float64Array {
    return new Float64Array(n).fill(1);
  }
  contract(X: Float64Array, n: number, d: number, W: Float64Array, out: Float64Array, offset: number): void {
    const l2 = this.lengthscale ** 2, p = this.period;
    let gl = 0, gp = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const r = this.dist(X, i, X, j, d), a = (Math.PI * r) / p, s = Math.sin(a), c = Math.cos(a);
        const k = Math.exp((-2 * s * s) / l2), w = W[i * n + j] * k;
        gl += (w * 4 * s * s) / l2;
        gp += (w * 4 * a * s * c) / l2;
      }
    let o = offset;
    if (this.lBounds !== "fixed") out[o++] += gl;
    if (this.pBounds !== "fixed") out[o] += gp;
  }
  toString(): string {
    return `Periodic(lengthscale=${+this.lengthscale.toPrecision(4)}, period=${+this.period.toPrecision(4)})`;
  }
}
/** Periodic kernel exp(−2 sin²(π‖a − b‖/period)/ℓ²) (scikit-learn `ExpSineSquared`). */
export function periodic(lengthscale = 1, period = 1, lengthscaleBounds: Bounds = [1e-5, 1e5], periodBounds: Bounds = [1e-5, 1e5]): Kernel {
  return new PeriodicKernel(lengthscale, period, lengthscaleBounds, periodBounds);
}

/** σ₀² + a·b: Bayesian linear regression (scikit-learn `DotProduct`, parameter sigma_0 = σ₀). */
class LinearKernel extends Kernel {
  constructor(readonly sigma0: number, readonly bounds: Bounds) {
    super();
    checkValue("linear(sigma0)", sigma0);
    checkBounds("linear(sigma0)", bounds);
  }
  get hyperparameters(): Hyperparameter[] { return [param("sigma0", this.sigma0, this.bounds)]; }
  get inputDims(): number { return 0; }
  withTheta(theta: ArrayLike<number>, offset = 0): Kernel {
    return this.bounds === "fixed" ? this : new LinearKernel(Math.exp(theta[offset]), this.bounds);
  }
  cross(A: Float64Array, na: number, B: Float64Array, nb: number, d: number): Float64Array {
    const K = new Float64Array(na * nb), s2 = this.sigma0 ** 2;
    for (let i = 0; i < na; i++)
      for (let j = 0; j < nb; j++) {
        let s = s2;
        for (let k = 0; k < d; k++) s += A[i * d + k] * B[j * d + k];
        K[i * nb + j] = s;
      }
    return K;
  }
  self(X: Float64Array, n: number, d: number): Float64Array { return this.cross(X, n, X, n, d); }
  diag(X: Float64Array, n: number, d: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = this.sigma0 ** 2;
      for (let k = 0; k < d; k++) s += X[i * d + k] ** 2;
      out[i] = s;
    }
    return out;
  }
  contract(_X: Float64Array, n: number, _d: number, W: Float64Array, out: Float64Array, offset: number): void {
    if (this.bounds === "fixed") return;
    let s = 0;
    for (let i = 0; i < n * n; i++) s += W[i];
    out[offset] += 2 * this.sigma0 ** 2 * s;
  }
  toString(): string { return `Linear(sigma0=${+this.sigma0.toPrecision(4)})`; }
}
/** Linear (dot-product) kernel σ₀² + a·b (scikit-learn `DotProduct`). */
export function linear(sigma0 = 1, bounds: Bounds = [1e-5, 1e5]): Kernel {
  return new LinearKernel(sigma0, bounds);
}

/** A constant c (the signal variance when multiplied with a correlation kernel); scikit-learn `ConstantKernel`. */
class ConstantKernel extends Kernel {
  constructor(readonly value: number, readonly bounds: Bounds) {
    super();
    checkValue("constant(value)", value);
    checkBounds("constant(value)", bounds);
  }
  get hyperparameters(): Hyperparameter[] { return [param("variance", this.value, this.bounds)]; }
  get inputDims(): number { return 0; }
  withTheta(theta: ArrayLike<number>, offset = 0): Kernel {
    return this.bounds === "fixed" ? this : new ConstantKernel(Math.exp(theta[offset]), this.bounds);
  }
  cross(_A: Float64Array, na: number, _B: Float64Array, nb: number): Float64Array { return new Float64Array(na * nb).fill(this.value); }
  self(_X: Float64Array, n: number): Float64Array { return new Float64Array(n * n).fill(this.value); }
  diag(_X: Float64Array, n: number): Float64Array { return new Float64Array(n).fill(this.value); }
  contract(_X: Float64Array, n: number, _d: number, W: Float64Array, out: Float64Array, offset: number): void {
    if (this.bounds === "fixed") return;
    let s = 0;
    for (let i = 0; i < n * n; i++) s += W[i];
    out[offset] += this.value * s;
  }
  toString(): string { return `${+this.value.toPrecision(4)}`; }
}
/** Constant kernel c (scikit-learn `ConstantKernel`); `constant(v).times(k)` scales k to variance v. */
export function constant(value = 1, bounds: Bounds = [1e-5, 1e5]): Kernel {
  return new ConstantKernel(value, bounds);
}

/** Independent noise of variance σ² on K(X, X)'s diagonal; zero between distinct point sets (scikit-learn `WhiteKernel`). */
class WhiteKernel extends Kernel {
  constructor(readonly noise: number, readonly bounds: Bounds) {
    super();
    checkValue("white(noise)", noise);
    checkBounds("white(noise)", bounds);
  }
  get hyperparameters(): Hyperparameter[] { return [param("noise", this.noise, this.bounds)]; }
  get inputDims(): number { return 0; }
  withTheta(theta: ArrayLike<number>, offset = 0): Kernel {
    return this.bounds === "fixed" ? this : new WhiteKernel(Math.exp(theta[offset]), this.bounds);
  }
  cross(_A: Float64Array, na: number, _B: Float64Array, nb: number): Float64Array { return new Float64Array(na * nb); }
  self(_X: Float64Array, n: number): Float64Array {
    const K = new Float64Array(n * n);
    for (let i = 0; i < n; i++) K[i * n + i] = this.noise;
    return K;
  }
  diag(_X: Float64Array, n: number, _d: number, noise: boolean): Float64Array { return new Float64Array(n).fill(noise ? this.noise : 0); }
  contract(_X: Float64Array, n: number, _d: number, W: Float64Array, out: Float64Array, offset: number): void {
    if (this.bounds === "fixed") return;
    let s = 0;
    for (let i = 0; i < n; i++) s += W[i * n + i];
    out[offset] += this.noise * s;
  }
  toString(): string { return `White(${+this.noise.toPrecision(4)})`; }
}
/** White-noise kernel: variance `noise` (in y units squared) on the training diagonal (scikit-learn `WhiteKernel`). */
export function white(noise = 1, bounds: Bounds = [1e-5, 1e5]): Kernel {
  return new WhiteKernel(noise, bounds);
}

abstract class PairKernel extends Kernel {
  constructor(readonly k1: Kernel, readonly k2: Kernel) {
    super();
    const d1 = k1.inputDims, d2 = k2.inputDims;
    if (d1 && d2 && d1 !== d2) throw new RangeError(`kernel: combines a ${d1}-D and a ${d2}-D kernel`);
  }
  get hyperparameters(): Hyperparameter[] { return [...this.k1.hyperparameters, ...this.k2.hyperparameters]; }
  get inputDims(): number { return this.k1.inputDims || this.k2.inputDims; }
}
class SumKernel extends PairKernel {
  withTheta(theta: ArrayLike<number>, offset = 0): Kernel {
    return new SumKernel(this.k1.withTheta(theta, offset), this.k2.withTheta(theta, offset + this.k1.size));
  }
  cross(A: Float64Array, na: number, B: Float64Array, nb: number, d: number): Float64Array {
    const K = this.k1.cross(A, na, B, nb, d), K2 = this.k2.cross(A, na, B, nb, d);
    for (let i = 0; i < K.length; i++) K[i] += K2[i];
    return K;
  }
  self(X: Float64Array, n: number, d: number): Float64Array {
    const K = this.k1.self(X, n, d), K2 = this.k2.self(X, n, d);
    for (let i = 0; i < K.length; i++) K[i] += K2[i];
    return K;
  }
  diag(X: Float64Array, n: number, d: number, noise: boolean): Float64Array {
    const a = this.k1.diag(X, n, d, noise), b = this.k2.diag(X, n, d, noise);
    for (let i = 0; i < n; i++) a[i] += b[i];
    return a;
  }
  contract(X: Float64Array, n: number, d: number, W: Float64Array, out: Float64Array, offset: number): void {
    this.k1.contract(X, n, d, W, out, offset);
    this.k2.contract(X, n, d, W, out, offset + this.k1.size);
  }
  toString(): string { return `${this.k1} + ${this.k2}`; }
}
class ProductKernel extends PairKernel {
  withTheta(theta: ArrayLike<number>, offset = 0): Kernel {
    return new ProductKernel(this.k1.withTheta(theta, offset), this.k2.withTheta(theta, offset + this.k1.size));
  }
  cross(A: Float64Array, na: number, B: Float64Array, nb: number, d: number): Float64Array {
    const K = this.k1.cross(A, na, B, nb, d), K2 = this.k2.cross(A, na, B, nb, d);
    for (let i = 0; i < K.length; i++) K[i] *= K2[i];
    return K;
  }
  self(X: Float64Array, n: number, d: number): Float64Array {
    const K = this.k1.self(X, n, d), K2 = this.k2.self(X, n, d);
    for (let i = 0; i < K.length; i++) K[i] *= K2[i];
    return K;
  }
  diag(X: Float64Array, n: number, d: number, noise: boolean): Float64Array {
    const a = this.k1.diag(X, n, d, noise), b = this.k2.diag(X, n, d, noise);
    for (let i = 0; i < n; i++) a[i] *= b[i];
    return a;
  }
  contract(X: Float64Array, n: number, d: number, W: Float64Array, out: Float64Array, offset: number): void {
    const W1 = this.k2.self(X, n, d), W2 = this.k1.self(X, n, d);
    for (let i = 0; i < W1.length; i++) {
      W1[i] *= W[i];
      W2[i] *= W[i];
    }
    if (this.k1.size) this.k1.contract(X, n, d, W1, out, offset);
    if (this.k2.size) this.k2.contract(X, n, d, W2, out, offset + this.k1.size);
  }
  toString(): string {
    const wrap = (k: Kernel): string => (k instanceof SumKernel ? `(${k})` : `${k}`);
    return `${wrap(this.k1)} * ${wrap(this.k2)}`;
  }
}
