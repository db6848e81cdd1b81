/**
 * U-Net for atom segmentation in TensorFlow.js layers: AtomAI's architecture
 * (`atomai.nets.Unet`, Ziatdinov et al., ACS Nano 11, 12742 (2017); Ronneberger
 * et al., MICCAI 2015) and smaller configurations of the same graph.
 *
 * ## Graph (stable: another module exports these layers by name)
 * Data format NHWC (channels last). Every 3×3 convolution uses `padding:
 * "same"` and a bias; every block layer is Conv2D → LeakyReLU(α = 0.01, AtomAI's `lrelu_a`) →
 * BatchNormalization (ε = 1e-5, momentum 0.9, centre and scale), as AtomAI's
 * `ConvBlock` (conv, LeakyReLU, BatchNorm2d). F = `filters`, B = `blocks`.
 *
 * | layer names (in order) | op | channels out |
 * |---|---|---|
 * | `input` | input, shape [batch, H, W, inputChannels] (H, W multiples of 8) | C |
 * | `enc1_conv{j}`, `enc1_act{j}`, `enc1_bn{j}`, j = 1..B[0] | 3×3 conv block | F |
 * | `enc1_pool` | MaxPool 2×2, stride 2 | F |
 * | `enc2_conv{j}`, `enc2_act{j}`, `enc2_bn{j}`, j = 1..B[1]; `enc2_pool` | | 2F |
 * | `enc3_conv{j}`, `enc3_act{j}`, `enc3_bn{j}`, j = 1..B[2]; `enc3_pool` | | 4F |
 * | `bott_conv{j}`, `bott_act{j}`, `bott_bn{j}`, j = 1..B[3] | 3×3 conv block; with `dilation`, conv j has dilation rate 2j (AtomAI's `DilatedBlock`: 2, 4, 6) and the layers are chained | 8F |
 * | `bott_sum` (only with `dilation`) | Add of the outputs of every `bott_bn{j}` (AtomAI sums its atrous layers) | 8F |
 * | `dec3_up` | UpSampling2D ×2, bilinear (`tf.image.resizeBilinear`, alignCorners false, halfPixelCenters false: source coordinate = output coordinate / 2, ONNX Resize `coordinate_transformation_mode="asymmetric"`, mode linear) | 8F |
 * | `dec3_upconv` | Conv2D 1×1 with bias, no activation (AtomAI's `UpsampleBlock`) | 4F |
 * | `dec3_concat` | Concatenate on channels: [`enc3_bn{B[2]}` output, `dec3_upconv` output] (skip first) | 8F |
 * | `dec3_conv{j}`, `dec3_act{j}`, `dec3_bn{j}`, j = 1..B[2] | 3×3 conv block | 4F |
 * | `dec2_up`, `dec2_upconv`, `dec2_concat`, `dec2_conv{j}`/`act`/`bn`, j = 1..B[1] | same, skip from `enc2` | 2F |
 * | `dec1_up`, `dec1_upconv`, `dec1_concat`, `dec1_conv{j}`/`act`/`bn`, j = 1..B[0] | same, skip from `enc1` | F |
 * | `head_conv` | Conv2D 1×1 with bias | classes |
 * | `head_act` | sigmoid (classes = 1) or softmax over channels (classes > 1; channel 0 is the background) | classes |
 *
 * Weights per layer (tfjs order, `layer.getWeights()`): Conv2D `[kernel
 * [kh, kw, in, out] (HWIO), bias [out]]` (PyTorch's is OIHW: transpose
 * [3, 2, 0, 1]); BatchNormalization `[gamma, beta, movingMean, movingVariance]`
 * (PyTorch `weight, bias, running_mean, running_var`).
 *
 * AtomAI's net ("atomai": F = 16, B = [1, 2, 2, 3], dilation) has 594 033
 * trainable parameters at 1 input channel and 1 class (plus 1 600 BatchNorm
 * moving statistics), as `sum(p.numel() for p in Unet().parameters())`.
 */
import { tfjs } from "../../backend/backend";
import { checkChoice } from "../../core/options";
import type { LayersModel, SymbolicTensor } from "@tensorflow/tfjs";

/** Named configurations of {@link buildUNet}. */
export type UNetArchitecture = "atomai" | "small" | "tiny";

const ARCHITECTURES: readonly UNetArchitecture[] = ["atomai", "small", "tiny"];

/** Width and depth of each named configuration. */
const PRESETS: Record<UNetArchitecture, { filters: number; blocks: [number, number, number, number]; dilation: boolean }> = {
  atomai: { filters: 16, blocks: [1, 2, 2, 3], dilation: true },
  small: { filters: 8, blocks: [1, 1, 2, 2], dilation: false },
  tiny: { filters: 4, blocks: [1, 1, 1, 2], dilation: false },
};

/** Options of {@link buildUNet}. `filters`, `blocks` and `dilation` override the architecture's values. */
export interface UNetOptions {
  /** Named configuration (default "atomai"): "atomai" F = 16, B = [1, 2, 2, 3] (594k parameters); "small" F = 8, B = [1, 1, 2, 2] (107 417); "tiny" F = 4, B = [1, 1, 1, 2] (22 413). "atomai" has the dilated bottleneck; "small" and "tiny" a plain one (AtomAI's `with_dilation=False`), because TensorFlow.js 4.22 has no gradient for dilated convolutions: only they can be trained here. */
  architecture?: UNetArchitecture;
  /** Image channels (default 1). */
  inputChannels?: number;
  /** Output classes (default 1: sigmoid; > 1: softmax with channel 0 the background). */
  classes?: number;
  /** Base number of filters F (the first level's width; level k has F·2^(k-1)). */
  filters?: number;
  /** Conv layers per block: encoder levels 1–3 (mirrored in the decoder) and the bottleneck. */
  blocks?: [number, number, number, number];
  /** Dilated bottleneck (AtomAI's `with_dilation=True`, default true). */
  dilation?: boolean;
  /** Seed of the weight initialisers (Glorot uniform kernels, zero biases). Default 0. */
  seed?: number;
}

/** The resolved configuration, as stored with a saved model. */
export interface UNetConfig {
  architecture: UNetArchitecture | "custom";
  inputChannels: number;
  classes: number;
  filters: number;
  blocks: [number, number, number, number];
  dilation: boolean;
}

/** Resolve {@link UNetOptions} into a full configuration, validating every field. */
export function unetConfig(options: UNetOptions = {}): UNetConfig {
  const fn = "buildUNet";
  const arch = checkChoice(fn, "architecture", options.architecture, ARCHITECTURES) ?? "atomai";
  const p = PRESETS[arch];
  const filters = options.filters ?? p.filters;
  const blocks = options.blocks ?? p.blocks;
  const dilation = options.dilation ?? p.dilation;
  const inputChannels = options.inputChannels ?? 1;
  const classes = options.classes ?? 1;
  const posInt = (name: string, v: unknown) => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${fn}: options.${name} must be a positive integer, got ${String(v)}`);
  };
  posInt("filters", filters); posInt("inputChannels", inputChannels); posInt("classes", classes);
  if (!Array.isArray(blocks) || blocks.length !== 4) throw new RangeError(`${fn}: options.blocks must be 4 positive integers (encoder levels 1-3 and the bottleneck), got ${JSON.stringify(blocks)}`);
  blocks.forEach((b, i) => posInt(`blocks[${i}]`, b));
  const custom = options.filters !== undefined || options.blocks !== undefined || options.dilation !== undefined;
  return { architecture: custom ? "custom" : arch, inputChannels, classes, filters, blocks: [...blocks] as UNetConfig["blocks"], dilation };
}

/**
 * Build an untrained U-Net (see the module comment for the graph and its
 * layer names). Input: [batch, H, W, inputChannels] with H and W multiples of
 * 8; output: [batch, H, W, classes] probabilities. Needs `await
 * initBackend()` first. Cost of a forward pass ≈ 2 × parameters × H × W / 4
 * multiply-adds (the first and last levels dominate).
 *
 * @example
 * await initBackend();
 * const net = buildUNet({ architecture: "atomai" }); // 594 033 trainable parameters
 */
export function buildUNet(options: UNetOptions = {}): LayersModel {
  const cfg = unetConfig(options);
  const tf = tfjs();
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new RangeError(`buildUNet: options.seed must be an integer, got ${String(seed)}`);
  let nextSeed = seed * 1000;
  const init = () => tf.initializers.glorotUniform({ seed: nextSeed++ });
  const block = (x: SymbolicTensor, prefix: string, n: number, channels: number, dilated = false): SymbolicTensor => {
    const outs: SymbolicTensor[] = [];
    for (let j = 1; j <= n; j++) {
      x = tf.layers.conv2d({ name: `${prefix}_conv${j}`, filters: channels, kernelSize: 3, padding: "same", dilationRate: dilated ? 2 * j : 1, kernelInitializer: init() }).apply(x) as SymbolicTensor;
      x = tf.layers.leakyReLU({ name: `${prefix}_act${j}`, alpha: 0.01 }).apply(x) as SymbolicTensor;
      x = tf.layers.batchNormalization({ name: `${prefix}_bn${j}`, epsilon: 1e-5, momentum: 0.9 }).apply(x) as SymbolicTensor;
      outs.push(x);
    }
    if (dilated) return outs.length === 1 ? outs[0] : (tf.layers.add({ name: `${prefix}_sum` }).apply(outs) as SymbolicTensor);
    return x;
  };
  const F = cfg.filters, B = cfg.blocks;
  const input = tf.input({ name: "input", shape: [null, null, cfg.inputChannels] as unknown as number[] });
  const skips: SymbolicTensor[] = [];
  let x: SymbolicTensor = input;
  for (let k = 1; k <= 3; k++) {
    x = block(x, `enc${k}`, B[k - 1], F * 2 ** (k - 1));
    skips.push(x);
    x = tf.layers.maxPooling2d({ name: `enc${k}_pool`, poolSize: 2, strides: 2 }).apply(x) as SymbolicTensor;
  }
  x = block(x, "bott", B[3], F * 8, cfg.dilation);
  for (let k = 3; k >= 1; k--) {
    const ch = F * 2 ** (k - 1);
    x = tf.layers.upSampling2d({ name: `dec${k}_up`, size: [2, 2], interpolation: "bilinear" }).apply(x) as SymbolicTensor;
    x = tf.layers.conv2d({ name: `dec${k}_upconv`, filters: ch, kernelSize: 1, kernelInitializer: init() }).apply(x) as SymbolicTensor;
    x = tf.layers.concatenate({ name: `dec${k}_concat`, axis: -1 }).apply([skips[k - 1], x]) as SymbolicTensor;
    x = block(x, `dec${k}`, B[k - 1], ch);
  }
  x = tf.layers.conv2d({ name: "head_conv", filters: cfg.classes, kernelSize: 1, kernelInitializer: init() }).apply(x) as SymbolicTensor;
  const out = tf.layers.activation({ name: "head_act", activation: cfg.classes === 1 ? "sigmoid" : "softmax" }).apply(x) as SymbolicTensor;
  return tf.model({ name: "atom_unet", inputs: input, outputs: out });
}

/** Number of trainable parameters of a model (what PyTorch's `sum(p.numel() for p in net.parameters())` counts). */
export function trainableParameters(model: LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}
