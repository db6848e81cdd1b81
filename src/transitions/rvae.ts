/**
 * A rotationally invariant variational autoencoder (rVAE) on atom-centred
 * image patches, after S. V. Kalinin et al., "Exploring order parameters and
 * dynamic processes in disordered systems via variational autoencoders",
 * Sci. Adv. 7, eabd5084 (2021), and AtomAI's `rVAE`: the encoder (an MLP)
 * gives a Gaussian posterior over a rotation angle θ and `latentDim`
 * continuous latents z; the decoder is a spatial generator that maps each
 * pixel's coordinates, rotated by θ, together with z to the pixel's value
 * (coordinates in [−1, 1], x = column). Because the decoder is told the
 * rotation, z is free to encode what does not depend on it (the local
 * phase, the motif), so z serves as a rotation-independent order parameter
 * and θ as the local orientation. Translation latents of AtomAI's rVAE are
 * left out: patches come centred on found atoms.
 *
 * Loss (negative ELBO per patch): ½ Σ_pixels (x̂ − x)² on patches
 * standardized with the training set's mean and sd, plus KL(q(z) ‖ N(0, 1))
 * and KL(q(θ) ‖ N(0, thetaPrior²)). Adam, minibatches drawn by a seeded
 * generator, weights initialized by it (Glorot uniform), so a run is
 * reproducible on one backend. Tensors run on causalscope's TensorFlow.js
 * backend (`initBackend`: native, WebAssembly or cpu).
 */
import { initBackend, tfjs } from "../backend/backend";
import { rng, Rng } from "../core/random";
import type { Tensor, Variable, Scalar } from "@tensorflow/tfjs";

/** Options of {@link trainRvae}. */
export interface TrainRvaeOptions {
  /** Continuous latents besides the angle (default 2). */
  latentDim?: number;
  /** Hidden units of the encoder's and the decoder's two layers (default 32). */
  hidden?: number;
  /** Optimizer steps (default 400) and patches per step (default 32). */
  steps?: number;
  batchSize?: number;
  /** Adam learning rate (default 0.005). */
  learningRate?: number;
  /** Prior sd of the angle θ, radians (default π: AtomAI's `theta_prior`). */
  thetaPrior?: number;
  /** Seed of the initial weights, the minibatches and the reparameterization noise (default 0). */
  seed?: number;
}

/** A trained rVAE: its weights (plain arrays), sizes, the standardization of the patches, the loss per step and the backend used. Pass to {@link encodeRvae}. */
export interface RvaeModel {
  size: number;
  latentDim: number;
  hidden: number;
  mean: number;
  sd: number;
  weights: Record<string, { shape: number[]; values: Float32Array }>;
  loss: number[];
  backend: string;
}

/** What {@link encodeRvae} returns: per patch the posterior mean and sd of θ (radians) and of each latent (`z`, `zSd`: n × latentDim, row-major). */
export interface RvaeEncoding {
  theta: Float64Array;
  thetaSd: Float64Array;
  z: Float64Array;
  zSd: Float64Array;
}

type Tf = typeof import("@tensorflow/tfjs");
type Params = Record<string, Variable>;

function checkPatches(where: string, patches: Float32Array, size: number): number {
  if (!(patches instanceof Float32Array)) throw new TypeError(`${where}: patches must be a Float32Array of square patches one after another (atomPatches output)`);
  if (!(Number.isInteger(size) && size >= 3)) throw new RangeError(`${where}: size must be an integer >= 3 (patch side, pixels), got ${size}`);
  const P = size * size;
  if (patches.length === 0 || patches.length % P !== 0) throw new RangeError(`${where}: patches has ${patches.length} values, not a positive multiple of size² = ${P}`);
  const bad = patches.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${where}: patch ${Math.floor(bad / P)} pixel ${bad % P} is not finite (${patches[bad]}); drop patches that leave the image (atomPatches gives NaN there)`);
  return patches.length / P;
}

/** Glorot-uniform weights from `r`. */
function glorot(r: Rng, fanIn: number, fanOut: number): Float32Array {
  const lim = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (2 * r.uniform() - 1) * lim);
}

/** Pixel coordinates of a size × size patch in [−1, 1]: [P, 1] columns x (column) and y (row). */
function grid(tf: Tf, size: number): { cx: Tensor; cy: Tensor } {
  const P = size * size, x = new Float32Array(P), y = new Float32Array(P);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) { x[r * size + c] = (2 * c) / (size - 1) - 1; y[r * size + c] = (2 * r) / (size - 1) - 1; }
  return { cx: tf.tensor2d(x, [1, P]), cy: tf.tensor2d(y, [1, P]) };
}

/** Encoder: standardized patches [B, P] → posterior mean and log-sd [B, 1 + L] each. */
function encode(tf: Tf, w: Params, x: Tensor): { mu: Tensor; logSd: Tensor } {
  const h1 = tf.tanh(tf.add(tf.matMul(x as never, w.e1), w.eb1));
  const h2 = tf.tanh(tf.add(tf.matMul(h1 as never, w.e2), w.eb2));
  return { mu: tf.add(tf.matMul(h2 as never, w.em), w.ebm), logSd: tf.add(tf.matMul(h2 as never, w.es), w.ebs) };
}

/** Decoder: angle [B, 1] and latents [B, L] → patches [B, P] on the rotated pixel grid. */
function decode(tf: Tf, w: Params, theta: Tensor, z: Tensor, cx: Tensor, cy: Tensor, hidden: number): Tensor {
  const B = theta.shape[0], P = cx.shape[1]!;
  const c = tf.cos(theta), s = tf.sin(theta);
  // coordinates rotated by θ (the decoder draws the canonical motif turned by θ)
  const xr = tf.add(tf.mul(c, cx), tf.mul(s, cy)), yr = tf.sub(tf.mul(c, cy), tf.mul(s, cx)); // [B, P]
  const coords = tf.stack([xr, yr], 2).reshape([B * P, 2]);
  const hc = tf.matMul(coords as never, w.dc).reshape([B, P, hidden]);
  const hz = tf.add(tf.matMul(z as never, w.dz), w.db1).reshape([B, 1, hidden]);
  const h1 = tf.tanh(tf.add(hc, hz)).reshape([B * P, hidden]);
  const h2 = tf.tanh(tf.add(tf.matMul(h1 as never, w.d2), w.db2));
  return tf.add(tf.matMul(h2 as never, w.dout), w.dbo).reshape([B, P]);
}

/**
 * Train an rVAE (module comment) on `patches`: n square patches of side
 * `size` one after another (row-major, e.g. `atomPatches` output without
 * NaN). Returns the model with its loss per step. Throws naming the patch
 * and pixel for a non-finite value and naming the option for a bad one.
 * Cost: O(steps · batchSize · size² · hidden²); measured with the defaults
 * on 11 × 11 patches, ~45 ms of CPU per step on the WebAssembly backend
 * (~18 s for 400 steps), mostly per-operation overhead.
 * ```ts
 * const { patches, size } = atomPatches(image, atoms.numeric("x"), atoms.numeric("y"), 5);
 * const model = await trainRvae(patches, size, { latentDim: 2, seed: 1 });
 * const { z, theta } = await encodeRvae(model, patches);
 * ```
 */
export async function trainRvae(patches: Float32Array, size: number, options: TrainRvaeOptions = {}): Promise<RvaeModel> {
  const where = "trainRvae(patches, size)";
  const n = checkPatches(where, patches, size), P = size * size;
  const L = options.latentDim ?? 2, H = options.hidden ?? 32, steps = options.steps ?? 400, B = options.batchSize ?? 32;
  const lr = options.learningRate ?? 0.005, tau = options.thetaPrior ?? Math.PI;
  for (const [name, v] of [["latentDim", L], ["hidden", H], ["steps", steps], ["batchSize", B]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${where}: options.${name} must be a positive integer, got ${v}`);
  }
  for (const [name, v] of [["learningRate", lr], ["thetaPrior", tau]] as const) {
    if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`${where}: options.${name} must be a finite number > 0, got ${v}`);
  }
  let mean = 0, sq = 0;
  for (let i = 0; i < patches.length; i++) mean += patches[i];
  mean /= patches.length;
  for (let i = 0; i < patches.length; i++) sq += (patches[i] - mean) ** 2;
  const sd = Math.sqrt(sq / patches.length) || 1;
  const info = await initBackend();
  const tf = tfjs(), r = rng(options.seed ?? 0);
  const shapes: Record<string, number[]> = {
    e1: [P, H], eb1: [H], e2: [H, H], eb2: [H], em: [H, 1 + L], ebm: [1 + L], es: [H, 1 + L], ebs: [1 + L],
    dc: [2, H], dz: [L, H], db1: [H], d2: [H, H], db2: [H], dout: [H, 1], dbo: [1],
  };
  const w: Params = {};
  for (const [k, shape] of Object.entries(shapes)) {
    const values = shape.length === 2 ? glorot(r, shape[0], shape[1]) : new Float32Array(shape[0]);
    w[k] = tf.variable(tf.tensor(values, shape), true, `rvae_${k}`);
  }
  const { cx, cy } = grid(tf, size);
  const opt = tf.train.adam(lr), loss: number[] = [];
  const xb = new Float32Array(B * P), eb = new Float32Array(B * (1 + L));
  try {
    for (let step = 0; step < steps; step++) {
      for (let b = 0; b < B; b++) {
        const k = r.int(n);
        for (let p = 0; p < P; p++) xb[b * P + p] = (patches[k * P + p] - mean) / sd;
      }
      for (let i = 0; i < eb.length; i++) eb[i] = r.normal();
      const x = tf.tensor2d(xb, [B, P]), eps = tf.tensor2d(eb, [B, 1 + L]);
      const value = opt.minimize(() => {
        const { mu, logSd } = encode(tf, w, x);
        const sample = tf.add(mu, tf.mul(tf.exp(logSd), eps));
        const theta = sample.slice([0, 0], [B, 1]), z = sample.slice([0, 1], [B, L]);
        const rec = tf.mul(0.5, tf.sum(tf.square(tf.sub(decode(tf, w, theta, z, cx, cy, H), x))));
        const muT = mu.slice([0, 0], [B, 1]), lsT = logSd.slice([0, 0], [B, 1]);
        const muZ = mu.slice([0, 1], [B, L]), lsZ = logSd.slice([0, 1], [B, L]);
        const klZ = tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(muZ), tf.exp(tf.mul(2, lsZ))), tf.add(1, tf.mul(2, lsZ)))));
        const klT = tf.sum(tf.add(tf.sub(Math.log(tau), lsT), tf.sub(tf.div(tf.add(tf.exp(tf.mul(2, lsT)), tf.square(muT)), 2 * tau * tau), 0.5)));
        return tf.div(tf.add(rec, tf.add(klZ, klT)), B) as Scalar;
      }, true) as Tensor;
      loss.push((await value.data())[0]);
      tf.dispose([x, eps, value]);
    }
    const weights: RvaeModel["weights"] = {};
    for (const [k, v] of Object.entries(w)) weights[k] = { shape: v.shape, values: Float32Array.from(await v.data()) };
    return { size, latentDim: L, hidden: H, mean, sd, weights, loss, backend: info.name };
  } finally {
    tf.dispose([...Object.values(w), cx, cy]);
    opt.dispose();
  }
}

/**
 * Encode patches with a trained rVAE: the posterior mean and sd of the
 * angle θ (radians; relative to the orientation the decoder learned as
 * canonical, so compare angles within one kind of patch) and of the latents
 * z. Patches as for {@link trainRvae}, of the model's size. Cost: one
 * encoder pass, n × (size² · hidden + hidden²) multiply-adds.
 */
export async function encodeRvae(model: RvaeModel, patches: Float32Array): Promise<RvaeEncoding> {
  const where = "encodeRvae(model, patches)";
  if (!model || !model.weights || !Number.isInteger(model.size)) throw new TypeError(`${where}: model must be what trainRvae returned`);
  const n = checkPatches(where, patches, model.size), L = model.latentDim;
  await initBackend();
  const tf = tfjs();
  const w: Params = {};
  for (const [k, v] of Object.entries(model.weights)) w[k] = tf.variable(tf.tensor(v.values, v.shape), false);
  try {
    const out = tf.tidy(() => {
      const x = tf.div(tf.sub(tf.tensor2d(patches, [n, model.size * model.size]), model.mean), model.sd);
      const { mu, logSd } = encode(tf, w, x);
      return [mu, tf.exp(logSd)];
    });
    const [mu, s] = await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
    const theta = new Float64Array(n), thetaSd = new Float64Array(n), z = new Float64Array(n * L), zSd = new Float64Array(n * L);
    for (let i = 0; i < n; i++) {
      theta[i] = mu[i * (1 + L)]; thetaSd[i] = s[i * (1 + L)];
      for (let j = 0; j < L; j++) { z[i * L + j] = mu[i * (1 + L) + 1 + j]; zSd[i * L + j] = s[i * (1 + L) + 1 + j]; }
    }
    return { theta, thetaSd, z, zSd };
  } finally {
    tf.dispose(Object.values(w));
  }
}
