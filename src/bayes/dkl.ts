/**
 * Deep kernel learning (Wilson, Hu, Salakhutdinov & Xing, AISTATS 2016;
 * GPax's viDKL, Ziatdinov, Liu, Kelley & Kalinin, ACS Nano 16, 13492, 2022):
 * a small fully connected network g_w (TensorFlow.js, tanh hidden layers,
 * linear output) maps each input (an image patch, flattened) to a point of a
 * low-dimensional embedding, and a GP with a stationary kernel
 * k(g_w(x), g_w(x′)) (signal variance × RBF or Matérn 5/2 with one lengthscale
 * per embedding dimension, plus white noise) models the property on that
 * embedding. Weights and kernel hyperparameters are trained jointly, full
 * batch, by Adam on the exact negative log marginal likelihood of the
 * standardised targets plus a Normal(0, weightPrior²) prior on every weight
 * and bias: the MAP point that GPax's viDKL (default AutoDelta guide) finds,
 * except that GPax puts Cauchy priors on the biases and LogNormal(0, 1)
 * priors on the kernel hyperparameters, which here are fitted by maximum
 * marginal likelihood within bounds (variance and lengthscales in
 * [1e-3, 1e3], noise in [1e-6, 10], standardised units).
 *
 * Gradients: the GP part in float64 here (Cholesky from core/linalg, the
 * hyperparameter gradient from the kernel's `contract`, the gradient with
 * respect to each embedding from the kernel's radial derivative); the network
 * part by TensorFlow.js autodiff of Σᵢₖ Zᵢₖ·∂NLL/∂Zᵢₖ.
 * Cost per epoch: O(n³) for the Cholesky and K⁻¹, O(n²·e) for the kernel
 * gradients (e = embeddingDim), plus the network's forward and backward
 * passes (O(n·Σ products of adjacent layer widths)); memory O(n²). Measured:
 * ~16 ms per epoch at n = 150, 121 → 16 → 1 (wasm backend, one core);
 * suited to hundreds of patches, a thousand at most.
 */
import { choleskyBlocked, choleskyInverse, choleskySolve, Rng } from "../core";
import { checkChoice } from "../core/options";
import { initBackend, tfjs } from "../backend/backend";
import type { Image } from "../image/image";
import { constant, matern52, rbf, white, type Kernel } from "./kernels";
import { duplicateRows, gaussianProcess, standardizeTargets, type GaussianProcess, type PredictOptions } from "./gp";
import type { Scalar, Tensor, Variable } from "@tensorflow/tfjs";

type Tf = typeof import("@tensorflow/tfjs");

/** Kernels on the embedding. */
export type DeepKernelName = "rbf" | "matern52";

/** Patches: an array of equally sized Images, or a flat Float32Array of n patches one after another with `options.dims` values each (e.g. `atomPatches(...).patches` with dims = size²). */
export type Patches = Image[] | Float32Array;

/** Options of {@link deepKernelLearning}. */
export interface DeepKernelOptions {
  /** Values per patch when patches is a flat Float32Array (height·width). */
  dims?: number;
  /** Dimension of the embedding the GP works on (default 2, as GPax). */
  embeddingDim?: number;
  /** Widths of the tanh hidden layers (default [32, 16]). */
  hidden?: number[];
  /** Kernel on the embedding (default "rbf"). */
  kernel?: DeepKernelName;
  /** Full-batch Adam steps (default 200). */
  epochs?: number;
  /** Adam learning rate (default 0.01). */
  learningRate?: number;
  /** Standard deviation of the zero-mean normal prior on every network weight and bias (default 1, as GPax's viDKL); the training objective adds Σw²/(2·weightPrior²). Infinity: no prior (maximum likelihood). */
  weightPrior?: number;
  /** Seed of the initial weights (default 0); the same seed gives the same model on the same backend. */
  seed?: number;
  /** Called after every epoch with the negative log marginal likelihood per point (standardised y). */
  onEpoch?: (info: { epoch: number; loss: number }) => void;
}

/** One dense layer: weights (rows = inputs) and biases, float32. */
export interface DenseLayer {
  weights: Float32Array;
  bias: Float32Array;
  inputs: number;
  outputs: number;
}

const JITTER = 1e-8;
const NOISE_BOUNDS: [number, number] = [1e-6, 10];
const SCALE_BOUNDS: [number, number] = [1e-3, 1e3];

/** Patches as a row-major n×d Float32Array; errors name the argument. @internal */
export function toPatchMatrix(patches: Patches, dims: number | undefined, where: string): { data: Float32Array; n: number; d: number } {
  let data: Float32Array, n: number, d: number;
  if (patches instanceof Float32Array) {
    if (!Number.isInteger(dims) || (dims as number) < 1) throw new RangeError(`${where}: a flat Float32Array needs options.dims (values per patch, a positive integer), got ${dims}`);
    d = dims as number;
    if (patches.length === 0 || patches.length % d !== 0) throw new RangeError(`${where}: ${patches.length} values is not a positive multiple of dims = ${d}`);
    data = patches;
    n = patches.length / d;
  } else if (Array.isArray(patches) && patches.length > 0) {
    const first = patches[0];
    if (!first || !(first.data instanceof Float32Array)) throw new TypeError(`${where}[0]: expected an Image { data: Float32Array, width, height }`);
    d = first.width * first.height;
    if (dims !== undefined && dims !== d) throw new RangeError(`${where}: patches have ${d} pixels, options.dims is ${dims}`);
    n = patches.length;
    data = new Float32Array(n * d);
    patches.forEach((p, i) => {
      if (!p || !(p.data instanceof Float32Array)) throw new TypeError(`${where}[${i}]: expected an Image { data: Float32Array, width, height }`);
      if (p.width !== first.width || p.height !== first.height || p.data.length !== d) throw new RangeError(`${where}[${i}]: is ${p.width}×${p.height}, patch 0 is ${first.width}×${first.height}; all patches must have one size`);
      data.set(p.data, i * d);
    });
  } else {
    throw new TypeError(`${where}: expected a non-empty array of Images or a Float32Array with options.dims`);
  }
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new RangeError(`${where}: patch ${Math.floor(i / d)} has a non-finite value (${data[i]}) at index ${i % d}${Number.isNaN(data[i]) ? " (a patch reaching outside the image?)" : ""}`);
  return { data, n, d };
}

/** Throw naming two identical patches (their embeddings would be one point with two targets). */
function checkDistinct(X: Float32Array, n: number, d: number, where: string): void {
  const pair = duplicateRows(X, n, d);
  if (pair) throw new RangeError(`${where}: patches ${pair[0]} and ${pair[1]} are identical; average repeated measurements into one patch and one y`);
}

/** variance · base(ℓ per embedding dimension) + white(noise), from θ = log values [variance, ℓ₀…ℓₑ₋₁, noise]. @internal */
export function embeddingKernel(name: DeepKernelName, theta: ArrayLike<number>, e: number): Kernel {
  const ls = Array.from({ length: e }, (_, k) => Math.exp(theta[1 + k]));
  const base = name === "rbf" ? rbf(ls, SCALE_BOUNDS) : matern52(ls, SCALE_BOUNDS);
  return constant(Math.exp(theta[0]), SCALE_BOUNDS).times(base).plus(white(Math.exp(theta[e + 1]), NOISE_BOUNDS));
}

/**
 * Negative log marginal likelihood of standardised targets y on embeddings Z
 * (n×e, row-major) and its gradients with respect to θ (log hyperparameters,
 * {@link embeddingKernel} order) and to every Zᵢₖ. With W = ½(ααᵀ − K⁻¹),
 * −∂NLL/∂Zᵢₖ = Σⱼ 2Wᵢⱼ·σ²·κ′(r²ᵢⱼ)·2(Zᵢₖ − Zⱼₖ)/ℓₖ² (κ the radial profile,
 * r² the scaled squared distance). A string naming the failure when K is
 * not positive definite. O(n³ + n²e). @internal
 */
export function embeddingObjective(name: DeepKernelName, theta: ArrayLike<number>, Z: Float64Array, n: number, e: number, y: Float64Array): { nll: number; gTheta: Float64Array; gZ: Float64Array } | string {
  const kernel = embeddingKernel(name, theta, e);
  const L = kernel.self(Z, n, e);
  for (let i = 0; i < n; i++) L[i * n + i] += JITTER;
  const pivot = choleskyBlocked(L, n);
  if (pivot >= 0) return `K + ${JITTER}·I is not positive definite (Cholesky fails at row ${pivot}; kernel ${kernel})`;
  const alpha = choleskySolve(L, n, y);
  let nll = 0.5 * n * Math.log(2 * Math.PI);
  for (let i = 0; i < n; i++) nll += 0.5 * y[i] * alpha[i] + Math.log(L[i * n + i]);
  const W = choleskyInverse(L, n);
  for (let i = 0; i < n * n; i++) W[i] = 0.5 * (alpha[Math.floor(i / n)] * alpha[i % n] - W[i]);
  const gTheta = new Float64Array(e + 2);
  kernel.contract(Z, n, e, W, gTheta, 0);
  for (let p = 0; p < gTheta.length; p++) gTheta[p] = -gTheta[p];
  const variance = Math.exp(theta[0]);
  const inv2 = Float64Array.from({ length: e }, (_, k) => Math.exp(-2 * theta[1 + k]));
  const gZ = new Float64Array(n * e);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      let r2 = 0;
      for (let k = 0; k < e; k++) r2 += (Z[i * e + k] - Z[j * e + k]) ** 2 * inv2[k];
      // dκ/d(r²): RBF κ = exp(−r²/2); Matérn 5/2 κ = (1 + s + s²/3)e^(−s), s = √(5r²)
      const s = Math.sqrt(5 * r2);
      const slope = name === "rbf" ? -0.5 * Math.exp(-0.5 * r2) : -(5 / 6) * (1 + s) * Math.exp(-s);
      const c = -2 * (W[i * n + j] + W[j * n + i]) * variance * slope;
      for (let k = 0; k < e; k++) {
        const g = c * (Z[i * e + k] - Z[j * e + k]) * inv2[k];
        gZ[i * e + k] += g;
        gZ[j * e + k] -= g;
      }
    }
  return { nll, gTheta, gZ };
}

/** Forward pass: tanh hidden layers, linear last layer. */
function forward(tf: Tf, layers: Array<{ W: Tensor; b: Tensor }>, X: Tensor): Tensor {
  let h = X;
  layers.forEach(({ W, b }, l) => {
    const z = tf.add(tf.matMul(h, W), b);
    h = l < layers.length - 1 ? tf.tanh(z) : z;
  });
  return h;
}

/** The network's output for n rows of d values (scaled by shift and scale first), as float64. */
function embedRows(layers: DenseLayer[], shift: number, scale: number, data: Float32Array, n: number, d: number): Float64Array {
  const tf = tfjs();
  return Float64Array.from(tf.tidy(() => {
    const X = tf.tensor2d(data, [n, d]).sub(shift).div(scale);
    return forward(tf, layers.map((l) => ({ W: tf.tensor2d(l.weights, [l.inputs, l.outputs]), b: tf.tensor1d(l.bias) })), X).dataSync() as Float32Array;
  }));
}

/** Glorot-uniform weights and zero biases from a seeded generator. */
function initLayers(sizes: number[], seed: number): DenseLayer[] {
  const r = new Rng(seed);
  return sizes.slice(1).map((outputs, l) => {
    const inputs = sizes[l], limit = Math.sqrt(6 / (inputs + outputs));
    return { inputs, outputs, weights: Float32Array.from({ length: inputs * outputs }, () => r.range(-limit, limit)), bias: new Float32Array(outputs) };
  });
}

/** A trained deep-kernel model: the network (float32 weights), the input scaling, the GP on the embedding and the training record. */
export class DeepKernelModel {
  /** @internal */
  constructor(
    /** Dense layers, first to last (the last outputs the embedding). */
    readonly layers: DenseLayer[],
    /** Values per patch. */
    readonly dims: number,
    readonly embeddingDim: number,
    /** Patches are standardised as (value − inputShift)/inputScale before the network (the training patches' pixel mean and sd). */
    readonly inputShift: number,
    readonly inputScale: number,
    /** The exact GP on the training embeddings with the learnt kernel (hyperparameters refer to standardised y). */
    readonly gp: GaussianProcess,
    /** Negative log marginal likelihood per point after each epoch (standardised y). */
    readonly loss: number[],
  ) {}

  /** The learnt kernel on the embedding. */
  get kernel(): Kernel {
    return this.gp.kernel;
  }

  /** Embeddings of patches: row-major n×embeddingDim. O(n·network size). */
  embed(patches: Patches): Float64Array {
    const { data, n, d } = toPatchMatrix(patches, this.dims, "embed(patches)");
    if (d !== this.dims) throw new RangeError(`embed(patches): patches have ${d} values, the model was trained on ${this.dims}`);
    return embedRows(this.layers, this.inputShift, this.inputScale, data, n, d);
  }

  /** Posterior mean and sd of the property at new patches (y's units); `noise: true` includes the noise variance (the spread of a new measurement). O(n²) per patch. */
  predict(patches: Patches, options: PredictOptions = {}): { mean: Float64Array; sd: Float64Array } {
    const Z = this.embed(patches);
    return this.gp.predict(Z, options);
  }

  toString(): string {
    const sizes = [this.dims, ...this.layers.map((l) => l.outputs)].join("→");
    return `DeepKernelModel(network ${sizes}, kernel on the embedding: ${this.kernel}, loss ${this.loss[this.loss.length - 1]?.toFixed(4)} per point after ${this.loss.length} epochs)`;
  }
}

function positiveInt(v: unknown, what: string): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`deepKernelLearning(${what}): must be a positive integer, got ${v}`);
  return v as number;
}

/**
 * Deep kernel learning: train a small network (flattened patch → tanh
 * hidden layers → linear embedding of `embeddingDim` values) jointly with a
 * GP on its output, to predict a scalar property y from local image patches
 * (the structure–property workflow of automated microscopy: patches around
 * atomic columns or scan points, a measured property such as a spectral
 * peak or a hysteresis-loop area). Targets are standardised; patches are
 * scaled by the training pixels' mean and sd. Full-batch Adam on the exact
 * negative log marginal likelihood (see the module comment; O(n³) per
 * epoch). Seeded: same data, options and seed give the same model on the
 * same backend. Patches: Images of one size, or a flat Float32Array with
 * `options.dims` (e.g. from `atoms.atomPatches`, whose NaN pixels outside the
 * image are refused here). Errors name the argument: non-finite or
 * mismatched targets, patches of different sizes, non-finite pixels,
 * identical patches.
 * Reference: Wilson et al., AISTATS 2016; GPax viDKL (Ziatdinov et al.,
 * ACS Nano 2022).
 *
 * @example
 * const { patches, size } = atoms.atomPatches(image, x, y, 6);
 * const model = await deepKernelLearning(patches, property, { dims: size * size, embeddingDim: 2, epochs: 200, seed: 1 });
 * const { mean, sd } = model.predict(newPatches, { noise: true });
 */
export async function deepKernelLearning(patches: Patches, y: Float64Array | number[], options: DeepKernelOptions = {}): Promise<DeepKernelModel> {
  const fn = "deepKernelLearning";
  const { data, n, d } = toPatchMatrix(patches, options.dims, `${fn}(patches)`);
  if (!(y instanceof Float64Array) && !Array.isArray(y)) throw new TypeError(`${fn}(y): expected a Float64Array (or number[])`);
  if (y.length !== n) throw new RangeError(`${fn}(y): ${y.length} values for ${n} patches`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(y[i])) throw new RangeError(`${fn}(y): y[${i}] is not finite (${y[i]})`);
  if (n < 3) throw new RangeError(`${fn}(patches): needs at least 3 patches, got ${n}`);
  const yy = Float64Array.from(y), y0 = Float64Array.from(y);
  if (yy.every((v) => v === yy[0])) throw new RangeError(`${fn}(y): y is constant (every value ${yy[0]}); there is nothing to model`);
  checkDistinct(data, n, d, `${fn}(patches)`);
  const kernelName = checkChoice(fn, "kernel", options.kernel, ["rbf", "matern52"] as const) ?? "rbf";
  const e = positiveInt(options.embeddingDim ?? 2, "options.embeddingDim");
  const hidden = options.hidden ?? [32, 16];
  if (!Array.isArray(hidden)) throw new TypeError(`${fn}(options.hidden): expected an array of layer widths, e.g. [64, 32]`);
  hidden.forEach((h, i) => positiveInt(h, `options.hidden[${i}]`));
  const epochs = positiveInt(options.epochs ?? 200, "options.epochs");
  const lr = options.learningRate ?? 0.01;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`${fn}(options.learningRate): must be a positive number, got ${lr}`);
  const prior = options.weightPrior ?? 1;
  if (!(prior > 0)) throw new RangeError(`${fn}(options.weightPrior): must be a positive number (or Infinity for no prior), got ${prior}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new RangeError(`${fn}(options.seed): must be an integer, got ${seed}`);

  standardizeTargets(yy, true);
  let shift = 0, sq = 0;
  for (let i = 0; i < data.length; i++) shift += data[i];
  shift /= data.length;
  for (let i = 0; i < data.length; i++) sq += (data[i] - shift) ** 2;
  const scale = Math.sqrt(sq / data.length) || 1;

  await initBackend();
  const tf = tfjs();
  const init = initLayers([d, ...hidden, e], seed);
  const vars = tf.tidy(() => init.map((l) => ({ W: tf.variable(tf.tensor2d(l.weights, [l.inputs, l.outputs])), b: tf.variable(tf.tensor1d(l.bias)) })));
  // θ = log [variance, ℓ₀…ℓₑ₋₁, noise], starting at 1, 1, 0.1 (standardised y)
  const theta = tf.tidy(() => tf.variable(tf.tensor1d([0, ...new Array<number>(e).fill(0), Math.log(0.1)])));
  const lo = [Math.log(SCALE_BOUNDS[0]), ...new Array<number>(e).fill(Math.log(SCALE_BOUNDS[0])), Math.log(NOISE_BOUNDS[0])];
  const hi = [Math.log(SCALE_BOUNDS[1]), ...new Array<number>(e).fill(Math.log(SCALE_BOUNDS[1])), Math.log(NOISE_BOUNDS[1])];
  const X = tf.tidy(() => tf.tensor2d(data, [n, d]).sub(shift).div(scale));
  const netVars = vars.flatMap((v) => [v.W, v.b]) as Variable[];
  const opt = tf.train.adam(lr);
  const loss: number[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      // one forward pass: the GP part's gradient ∂NLL/∂Z enters as the constant G of Σ Z·G
      let obj = "not evaluated" as ReturnType<typeof embeddingObjective>;
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const Zt = forward(tf, vars, X);
          obj = embeddingObjective(kernelName, theta.dataSync(), Float64Array.from(Zt.dataSync()), n, e, yy);
          if (typeof obj === "string") return tf.sum(Zt).mul(0) as Scalar;
          const fit = tf.sum(tf.mul(Zt, tf.tensor2d(Float32Array.from(obj.gZ), [n, e])));
          return (prior === Infinity ? fit : tf.addN([fit, ...netVars.map((v) => tf.sum(tf.square(v)).mul(0.5 / prior ** 2))])) as Scalar;
        }, netVars);
        if (typeof obj === "string" || !Number.isFinite(obj.nll)) return;
        opt.applyGradients([...Object.entries(grads).map(([name, tensor]) => ({ name, tensor })), { name: theta.name, tensor: tf.tensor1d(Float32Array.from(obj.gTheta)) }]);
        theta.assign(theta.maximum(tf.tensor1d(lo)).minimum(tf.tensor1d(hi)));
      });
      if (typeof obj === "string") throw new RangeError(`${fn}: epoch ${epoch}: ${obj}; try a smaller options.learningRate`);
      if (!Number.isFinite(obj.nll)) throw new RangeError(`${fn}: epoch ${epoch}: the marginal likelihood is not finite; try a smaller options.learningRate`);
      loss.push(obj.nll / n);
      options.onEpoch?.({ epoch, loss: obj.nll / n });
    }
    const layers: DenseLayer[] = vars.map((v, k) => ({ inputs: init[k].inputs, outputs: init[k].outputs, weights: Float32Array.from(v.W.dataSync()), bias: Float32Array.from(v.b.dataSync()) }));
    const thetaEnd = Float64Array.from(theta.dataSync());
    const Z = embedRows(layers, shift, scale, data, n, d);
    let gp: GaussianProcess;
    try {
      gp = gaussianProcess(Z, y0, { dims: e, kernel: embeddingKernel(kernelName, thetaEnd, e), optimize: false, jitter: JITTER });
    } catch (err) {
      throw new RangeError(`${fn}: the trained network maps the patches to embeddings the GP cannot condition on: ${(err as Error).message}`);
    }
    return new DeepKernelModel(layers, d, e, shift, scale, gp, loss);
  } finally {
    opt.dispose();
    tf.dispose([X, theta, ...netVars]);
  }
}
