/**
 * Atom-finding models: a U-Net (`unet.ts`) plus what inference needs to know
 * about it (working scale, training record); training on synthetic lattices,
 * fine-tuning on a few labelled atoms of a real image, and saving/loading.
 *
 * ## File format (`saveAtomModel` / `loadAtomModel`)
 * A folder with two files, TensorFlow.js's "layers-model" format
 * (https://www.tensorflow.org/js/guide/save_load), readable by
 * `tf.loadLayersModel` and by tensorflowjs_converter:
 *  - `model.json`: `{ format: "layers-model", generatedBy, convertedBy: null,
 *    modelTopology (Keras JSON of the U-Net), weightsManifest: [{ paths:
 *    ["weights.bin"], weights: [{ name, shape, dtype: "float32" }] }],
 *    userDefinedMetadata: { causalscope: AtomModelInfo } }`;
 *  - `weights.bin`: the weights' float32 little-endian values concatenated in
 *    manifest order.
 * The pretrained ensemble ships as the same two files per member, embedded
 * (base64) in `models/pretrained.ts` so it needs no files at run time.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend, tfjs } from "../../backend/backend";
import { rng, Rng } from "../../core/random";
import { checkChoice } from "../../core/options";
import { progress as progressBar } from "../../display/progress";
import { kernelBridge } from "../../display/mime";
import { chart } from "../../display/chart";
import { writeAtomically } from "../../io/atomic";
import { Image } from "../../image/image";
import type { Table } from "../../table";
import { estimateSpacing } from "../detect";
import { buildUNet, unetConfig, UNetArchitecture, UNetConfig } from "./unet";
import { registerWasmTrainingKernels } from "./kernels";
import { TrainingLattice, TRAINING_LATTICES, AugmentOptions, trainingSample, prepare, resample, targetMap } from "./data";
import type { LayersModel, Tensor, io } from "@tensorflow/tfjs";

/** What a model records about itself (stored in `model.json`). */
export interface AtomModelInfo {
  /** Working scale: nearest-neighbour column spacing the net was trained at, pixels. Inference resamples images to it. */
  spacing: number;
  /** Training patch size, pixels. */
  patch: number;
  /** Network configuration. */
  config: UNetConfig;
  /** What the net's output channels mean (channel 0 of a softmax is the background). */
  classes: string[];
  /** Training record. */
  training: {
    seed: number; lattices: TrainingLattice[]; epochs: number; stepsPerEpoch: number; batchSize: number; learningRate: number;
    dose: [number, number]; loss: number[]; seconds: number; backend: string;
    /** Set by `fineTuneAtomModel`: labelled atoms and steps. */
    fineTuned?: { atoms: number; steps: number; loss: number[] };
  };
}

/** A trained atom-finding model: the net and its {@link AtomModelInfo}. */
export interface AtomModel {
  net: LayersModel;
  info: AtomModelInfo;
}

/** What `onProgress` receives after each epoch. */
export interface TrainingProgress {
  epoch: number;
  epochs: number;
  /** Mean binary cross-entropy of the epoch's steps. */
  loss: number;
  /** Seconds since training started. */
  seconds: number;
}

/** Options of {@link trainAtomModel}. */
export interface TrainAtomModelOptions {
  /** U-Net configuration (default "tiny"; only configurations without dilation can be trained in TensorFlow.js, see `unet.ts`). */
  architecture?: UNetArchitecture;
  filters?: number;
  blocks?: [number, number, number, number];
  /** Lattice families to draw training images from (default all: square, perovskite, honeycomb, triangular, dumbbell). */
  lattices?: TrainingLattice[];
  /** Working nearest-neighbour spacing, pixels (default 8). */
  spacing?: number;
  /** Patch size, pixels, multiple of 8 (default 64). */
  patch?: number;
  batchSize?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Adam learning rate (default 2e-3). */
  learningRate?: number;
  /** Augmentation ranges (dose, zoom, blur). */
  augment?: AugmentOptions;
  /** Seed of the weights and of the training images (default 0). */
  seed?: number;
  /** Called after every epoch (e.g. to draw a live loss chart). */
  onProgress?: (p: TrainingProgress) => void;
  /** Show a progress bar and a live loss chart in the notebook (default true; nothing outside a kernel). */
  progress?: boolean;
}

const FN_TRAIN = "trainAtomModel";

let charts = 0;

/**
 * A loss chart that redraws in place in the notebook (one display id, Jupyter
 * `update_display_data`) after every epoch; null outside a kernel.
 */
function liveLossChart(title: string): { update(loss: number[]): Promise<void> } | null {
  const bridge = kernelBridge();
  if (!bridge) return null;
  const displayId = `causalscope-loss-${process.pid}-${++charts}`;
  let shown = false;
  return {
    async update(loss: number[]) {
      const spec = {
        title, width: 320, height: 160, data: { values: loss.map((l, i) => ({ epoch: i + 1, loss: l })) }, mark: { type: "line", point: true },
        encoding: { x: { field: "epoch", type: "quantitative", axis: { tickMinStep: 1 } }, y: { field: "loss", type: "quantitative", scale: { zero: false }, title: "binary cross-entropy" } },
      };
      try {
        bridge.display(await chart(spec as never).toMimeBundle(), { displayId, update: shown });
        shown = true;
      } catch {
        // a closed front end must not stop training
      }
    },
  };
}

/** Start the backend and make training possible on it (the wasm backend lacks one gradient kernel). */
async function trainingBackend(): Promise<{ tf: typeof import("@tensorflow/tfjs"); name: string }> {
  const info = await initBackend();
  const tf = tfjs();
  if (info.name === "wasm") registerWasmTrainingKernels(tf);
  return { tf, name: info.name };
}

/** Mean binary cross-entropy weighted per pixel: Σ w·bce / Σ w. */
function weightedBce(tf: typeof import("@tensorflow/tfjs"), p: Tensor, t: Tensor, w?: Tensor): Tensor {
  return tf.tidy(() => {
    const q = p.clipByValue(1e-6, 1 - 1e-6);
    const bce = t.mul(q.log()).add(tf.scalar(1).sub(t).mul(tf.scalar(1).sub(q).log())).neg();
    return w ? bce.mul(w).sum().div(w.sum().maximum(1e-6)) : bce.mean();
  });
}

/** One optimiser step on a batch; returns the loss. */
async function step(tf: typeof import("@tensorflow/tfjs"), net: LayersModel, opt: import("@tensorflow/tfjs").Optimizer, xs: Float32Array, ts: Float32Array, ws: Float32Array | null, n: number, size: number): Promise<number> {
  const shape: [number, number, number, number] = [n, size, size, 1];
  const x = tf.tensor4d(xs, shape), t = tf.tensor4d(ts, shape), w = ws ? tf.tensor4d(ws, shape) : undefined;
  const loss = opt.minimize(() => weightedBce(tf, net.apply(x, { training: true }) as Tensor, t, w) as import("@tensorflow/tfjs").Scalar, true) as Tensor;
  const v = (await loss.data())[0];
  tf.dispose([x, t, loss, ...(w ? [w] : [])]);
  return v;
}

function checkPositiveInt(fn: string, name: string, v: number, multipleOf = 1): void {
  if (!Number.isInteger(v) || v < 1 || v % multipleOf) throw new RangeError(`${fn}: options.${name} must be a positive integer${multipleOf > 1 ? ` multiple of ${multipleOf}` : ""}, got ${v}`);
}

/**
 * Train an atom-finding U-Net on synthetic lattices (`synth.square`,
 * `perovskite`, `hexagonal` honeycomb/triangular, `dumbbell`) at a fixed
 * working scale, with augmentation (`data.ts` `trainingSample`: rotation,
 * flips, zoom, dose/Poisson noise, Gaussian noise, blur, contrast,
 * background gradient) and per-pixel Gaussian targets at the true columns
 * (binary cross-entropy, Adam). Seeded: the same options give the same
 * weights on the same backend. Cost: epochs × stepsPerEpoch × batchSize
 * patches; "tiny" at 64² takes ~0.15 s per patch on the wasm backend here
 * (README.md). As AtomAI's `Segmentor` (Ziatdinov et al., ACS Nano 2017).
 *
 * @example
 * const model = await trainAtomModel({ architecture: "tiny", epochs: 5, seed: 1, onProgress: (p) => console.log(p.epoch, p.loss) });
 */
export async function trainAtomModel(options: TrainAtomModelOptions = {}): Promise<AtomModel> {
  const fn = FN_TRAIN;
  const cfg = unetConfig({ architecture: options.architecture ?? "tiny", filters: options.filters, blocks: options.blocks });
  if (cfg.dilation) throw new RangeError(`${fn}: architecture "atomai" has a dilated bottleneck, which TensorFlow.js cannot train (no gradient for dilated convolutions); use "small" or "tiny", or filters/blocks without dilation`);
  const lattices = options.lattices ?? [...TRAINING_LATTICES];
  if (!Array.isArray(lattices) || !lattices.length) throw new RangeError(`${fn}: options.lattices must be a non-empty array of ${TRAINING_LATTICES.map((l) => JSON.stringify(l)).join(", ")}`);
  lattices.forEach((l) => checkChoice(fn, "lattices[]", l, TRAINING_LATTICES));
  const spacing = options.spacing ?? 8, patch = options.patch ?? 64, batch = options.batchSize ?? 8;
  const epochs = options.epochs ?? 10, steps = options.stepsPerEpoch ?? 20, lr = options.learningRate ?? 2e-3, seed = options.seed ?? 0;
  if (!(spacing >= 4 && spacing <= 32)) throw new RangeError(`${fn}: options.spacing must be a working nearest-neighbour spacing in [4, 32] pixels, got ${spacing}`);
  checkPositiveInt(fn, "patch", patch, 8); checkPositiveInt(fn, "batchSize", batch); checkPositiveInt(fn, "epochs", epochs); checkPositiveInt(fn, "stepsPerEpoch", steps);
  if (!Number.isInteger(seed)) throw new RangeError(`${fn}: options.seed must be an integer, got ${seed}`);
  if (!(lr > 0)) throw new RangeError(`${fn}: options.learningRate must be positive, got ${lr}`);
  const { tf, name } = await trainingBackend();
  const net = buildUNet({ ...cfg, architecture: undefined, seed });
  const opt = tf.train.adam(lr);
  const r = rng(seed);
  const losses: number[] = [];
  const t0 = Date.now();
  const bar = options.progress === false ? null : progressBar(epochs * steps, { label: "Training atom model" });
  const live = options.progress === false ? null : liveLossChart("Training loss");
  const px = patch * patch;
  for (let e = 1; e <= epochs; e++) {
    let sum = 0;
    for (let s = 0; s < steps; s++) {
      const xs = new Float32Array(batch * px), ts = new Float32Array(batch * px);
      for (let b = 0; b < batch; b++) {
        const smp = trainingSample(lattices[r.int(lattices.length)], patch, spacing, r, options.augment);
        xs.set(smp.image, b * px); ts.set(smp.target, b * px);
      }
      sum += await step(tf, net, opt, xs, ts, null, batch, patch);
      bar?.update((e - 1) * steps + s + 1, `epoch ${e}/${epochs}, loss ${(sum / (s + 1)).toFixed(4)}`);
    }
    losses.push(sum / steps);
    await live?.update(losses);
    options.onProgress?.({ epoch: e, epochs, loss: sum / steps, seconds: (Date.now() - t0) / 1000 });
  }
  opt.dispose();
  bar?.done(`loss ${losses[losses.length - 1].toFixed(4)}`);
  const dose = options.augment?.dose ?? [1e2, 1e5];
  return {
    net,
    info: { spacing, patch, config: cfg, classes: ["column"], training: { seed, lattices, epochs, stepsPerEpoch: steps, batchSize: batch, learningRate: lr, dose, loss: losses, seconds: (Date.now() - t0) / 1000, backend: name } },
  };
}

/** Positions of labelled atoms: `{ x, y }` arrays (pixels) or a Table with numeric columns `x` and `y`. */
export type AtomPositions = { x: ArrayLike<number>; y: ArrayLike<number> } | Table;

/** Read `x`, `y` from {@link AtomPositions}. */
export function positionsOf(fn: string, atoms: AtomPositions): { x: Float64Array; y: Float64Array } {
  const t = atoms as Table;
  const xy = typeof (t as { numeric?: unknown }).numeric === "function" ? { x: t.numeric("x"), y: t.numeric("y") } : (atoms as { x: ArrayLike<number>; y: ArrayLike<number> });
  if (!xy || !xy.x || !xy.y || xy.x.length !== xy.y.length) throw new TypeError(`${fn}: atoms must be { x, y } arrays of equal length or a Table with columns x and y`);
  const x = Float64Array.from(xy.x), y = Float64Array.from(xy.y);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new RangeError(`${fn}: atom ${i} has a non-finite position (${x[i]}, ${y[i]})`);
  return { x, y };
}

/** Options of {@link fineTuneAtomModel}. */
export interface FineTuneOptions {
  /** Nearest-neighbour spacing of the image, pixels (default: `estimateSpacing`, else the labelled atoms' median nearest-neighbour distance). */
  spacing?: number;
  /** Optimiser steps (default 30). */
  steps?: number;
  /** Patches per step from the labelled region (default 4); as many synthetic patches are mixed in so the net keeps what it knew. */
  batchSize?: number;
  /** Adam learning rate (default 5e-4). */
  learningRate?: number;
  seed?: number;
  onProgress?: (p: TrainingProgress) => void;
  progress?: boolean;
}

/** Median nearest-neighbour distance of a point set (O(n²); labelled sets are small). */
function medianNN(x: Float64Array, y: Float64Array): number {
  const d: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let m = Infinity;
    for (let j = 0; j < x.length; j++) if (j !== i) m = Math.min(m, Math.hypot(x[i] - x[j], y[i] - y[j]));
    d.push(m);
  }
  d.sort((a, b) => a - b);
  return d[d.length >> 1];
}

/**
 * Fine-tune a copy of `model` on a real image where the user has labelled
 * every column inside some region (e.g. a lasso selection read with
 * `cs.selection()`): the image is resampled to the model's working scale,
 * the loss is counted only inside the labelled atoms' bounding box (grown by
 * half a spacing), where the targets are Gaussians at the labelled positions;
 * each step also trains on as many synthetic patches, so the net does not
 * forget the lattices it knew. Random flips/transpositions of the real
 * patches. Returns a new model (the input is unchanged).
 *
 * @example
 * const tuned = await fineTuneAtomModel(model, image, atoms.filter(cs.selection()), { steps: 20 });
 */
export async function fineTuneAtomModel(model: AtomModel, image: Image, atoms: AtomPositions, options: FineTuneOptions = {}): Promise<AtomModel> {
  const fn = "fineTuneAtomModel";
  checkModel(fn, model);
  const { x, y } = positionsOf(fn, atoms);
  if (x.length < 3) throw new RangeError(`${fn}: label at least 3 atoms (all columns inside a region), got ${x.length}`);
  if (!image || !(image.data instanceof Float32Array) || image.data.length !== image.width * image.height) throw new TypeError(`${fn}(image): image must be an Image { data: Float32Array, width, height }`);
  let spacing = options.spacing;
  if (spacing === undefined) { try { spacing = estimateSpacing(image).spacing; } catch { spacing = medianNN(x, y); } }
  if (!(spacing! > 1)) throw new RangeError(`${fn}: the nearest-neighbour spacing must be > 1 pixel, got ${spacing}`);
  const steps = options.steps ?? 30, batch = options.batchSize ?? 4, lr = options.learningRate ?? 5e-4, seed = options.seed ?? 0;
  checkPositiveInt(fn, "steps", steps); checkPositiveInt(fn, "batchSize", batch);
  const { tf } = await trainingBackend();
  const copy = await cloneModel(model);
  const s0 = model.info.spacing, P = model.info.patch, factor = s0 / spacing!;
  const rs = resample(image.data, image.width, image.height, factor);
  const img = prepare(rs.data, rs.width, rs.height, s0);
  const X = Float64Array.from(x, (v) => v * factor), Y = Float64Array.from(y, (v) => v * factor);
  const target = targetMap(X, Y, rs.width, rs.height, s0);
  const m = 0.5 * s0;
  const bx0 = Math.max(0, Math.floor(Math.min(...X) - m)), bx1 = Math.min(rs.width - 1, Math.ceil(Math.max(...X) + m));
  const by0 = Math.max(0, Math.floor(Math.min(...Y) - m)), by1 = Math.min(rs.height - 1, Math.ceil(Math.max(...Y) + m));
  const r = rng(seed);
  const opt = tf.train.adam(lr);
  const px = P * P, n = 2 * batch, losses: number[] = [];
  const bar = options.progress === false ? null : progressBar(steps, { label: "Fine-tuning atom model" });
  const t0 = Date.now();
  for (let s = 1; s <= steps; s++) {
    const xs = new Float32Array(n * px), ts = new Float32Array(n * px), ws = new Float32Array(n * px).fill(1);
    for (let b = 0; b < batch; b++) cropPatch(img, target, rs.width, rs.height, [bx0, by0, bx1, by1], P, r, xs, ts, ws, b * px);
    for (let b = batch; b < n; b++) {
      const smp = trainingSample(model.info.training.lattices[r.int(model.info.training.lattices.length)], P, s0, r);
      xs.set(smp.image, b * px); ts.set(smp.target, b * px);
    }
    const loss = await step(tf, copy.net, opt, xs, ts, ws, n, P);
    losses.push(loss);
    bar?.update(s, `loss ${loss.toFixed(4)}`);
    options.onProgress?.({ epoch: s, epochs: steps, loss, seconds: (Date.now() - t0) / 1000 });
  }
  opt.dispose();
  bar?.done();
  copy.info.training.fineTuned = { atoms: x.length, steps, loss: losses };
  return copy;
}

/** A random P×P crop overlapping the labelled box, flipped/transposed; weight 1 inside the box, 0 elsewhere and in padding. */
function cropPatch(img: Float32Array, target: Float32Array, w: number, h: number, box: [number, number, number, number], P: number, r: Rng, xs: Float32Array, ts: Float32Array, ws: Float32Array, off: number): void {
  const [x0, y0, x1, y1] = box;
  const cx = Math.round(r.range(x0, x1)), cy = Math.round(r.range(y0, y1));
  const ox = cx - (P >> 1), oy = cy - (P >> 1);
  const fx = r.uniform() < 0.5, fy = r.uniform() < 0.5, sw = r.uniform() < 0.5;
  for (let j = 0; j < P; j++) for (let i = 0; i < P; i++) {
    const sx = ox + i, sy = oy + j;
    let I = fx ? P - 1 - i : i, J = fy ? P - 1 - j : j;
    if (sw) [I, J] = [J, I];
    const k = off + J * P + I;
    const inside = sx >= 0 && sy >= 0 && sx < w && sy < h;
    xs[k] = inside ? img[sy * w + sx] : 0;
    ts[k] = inside ? target[sy * w + sx] : 0;
    ws[k] = inside && sx >= x0 && sx <= x1 && sy >= y0 && sy <= y1 ? 1 : 0;
  }
}

export function checkModel(fn: string, model: AtomModel): void {
  if (!model || typeof model !== "object" || !model.net || typeof (model.net as LayersModel).predict !== "function" || !model.info || !(model.info.spacing > 0)) {
    throw new TypeError(`${fn}: model must be an AtomModel { net, info } from trainAtomModel, loadAtomModel or pretrainedAtomModel`);
  }
}

/** The model's artifacts in the documented format, in memory. */
export async function modelArtifacts(model: AtomModel): Promise<{ json: Record<string, unknown>; weights: Uint8Array }> {
  const tf = tfjs();
  let captured: io.ModelArtifacts | undefined;
  model.net.setUserDefinedMetadata({ causalscope: model.info });
  await model.net.save(tf.io.withSaveHandler(async (a) => { captured = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } }; }));
  const a = captured!;
  const data = a.weightData instanceof ArrayBuffer ? a.weightData : tf.io.concatenateArrayBuffers(a.weightData as ArrayBuffer[]);
  const json = {
    format: "layers-model", generatedBy: a.generatedBy, convertedBy: null, modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs }], userDefinedMetadata: a.userDefinedMetadata,
  };
  return { json, weights: new Uint8Array(data) };
}

/** Build a model from artifacts in the documented format (`json` = parsed model.json, `weights` = weights.bin). */
export async function modelFromArtifacts(fn: string, json: Record<string, unknown>, weights: Uint8Array): Promise<AtomModel> {
  await initBackend();
  const tf = tfjs();
  const manifest = json.weightsManifest as Array<{ weights: io.WeightsManifestEntry[] }> | undefined;
  const meta = (json.userDefinedMetadata as { causalscope?: AtomModelInfo } | undefined)?.causalscope;
  if (json.format !== "layers-model" || !json.modelTopology || !Array.isArray(manifest)) throw new TypeError(`${fn}: not a TensorFlow.js layers model (model.json needs format "layers-model", modelTopology and weightsManifest)`);
  if (!meta || !(meta.spacing > 0)) throw new TypeError(`${fn}: model.json has no userDefinedMetadata.causalscope (working spacing, training record): not saved by saveAtomModel`);
  const specs = manifest.flatMap((g) => g.weights);
  const expected = specs.reduce((s, w) => s + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.byteLength !== expected) throw new RangeError(`${fn}: weights.bin has ${weights.byteLength} bytes, model.json's manifest needs ${expected}`);
  const buf = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const net = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as object, weightSpecs: specs, weightData: buf }));
  return { net, info: JSON.parse(JSON.stringify(meta)) as AtomModelInfo };
}

async function cloneModel(model: AtomModel): Promise<AtomModel> {
  const a = await modelArtifacts(model);
  return modelFromArtifacts("cloneModel", a.json, a.weights);
}

/**
 * Save a model into folder `dir` as `model.json` + `weights.bin` (see the
 * module comment; TensorFlow.js layers format, with the working scale and
 * training record in `userDefinedMetadata.causalscope`). Each file is
 * written atomically. Creates `dir` if needed.
 */
export async function saveAtomModel(model: AtomModel, dir: string): Promise<void> {
  checkModel("saveAtomModel", model);
  if (typeof dir !== "string" || !dir) throw new TypeError("saveAtomModel: dir must be a folder path");
  const { json, weights } = await modelArtifacts(model);
  fs.mkdirSync(dir, { recursive: true });
  await writeAtomically("saveAtomModel", path.join(dir, "weights.bin"), (tmp) => fs.writeFileSync(tmp, weights));
  await writeAtomically("saveAtomModel", path.join(dir, "model.json"), (tmp) => fs.writeFileSync(tmp, JSON.stringify(json)));
}

/** Load a model saved by {@link saveAtomModel} from folder `dir` (or the path of its model.json). */
export async function loadAtomModel(dir: string): Promise<AtomModel> {
  const fn = `loadAtomModel(${JSON.stringify(dir)})`;
  const jsonPath = dir.endsWith(".json") ? dir : path.join(dir, "model.json");
  if (!fs.existsSync(jsonPath)) throw new Error(`${fn}: no model.json at ${jsonPath}`);
  let json: Record<string, unknown>;
  try { json = JSON.parse(fs.readFileSync(jsonPath, "utf8")); } catch (e) { throw new Error(`${fn}: ${jsonPath} is not valid JSON (${(e as Error).message})`); }
  const paths = (json.weightsManifest as Array<{ paths: string[] }> | undefined)?.flatMap((g) => g.paths) ?? [];
  const parts = paths.map((p) => {
    const f = path.join(path.dirname(jsonPath), p);
    if (!fs.existsSync(f)) throw new Error(`${fn}: weights file ${f} named in model.json is missing`);
    return fs.readFileSync(f);
  });
  const total = parts.reduce((s, p) => s + p.length, 0);
  const weights = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { weights.set(p, o); o += p.length; }
  return modelFromArtifacts(fn, json, weights);
}
