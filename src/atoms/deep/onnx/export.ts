/**
 * TensorFlow.js layers model → ONNX graph, for inference with ONNX Runtime.
 *
 * Walks the model's functional graph (`model.getConfig()`: layers with their
 * inbound nodes) and writes one ONNX node per layer, with the trained weights
 * as initializers. Supported layers (those `buildUNet` uses, and a few
 * trivial ones): InputLayer, Conv2D (stride 1, "same" or "valid" padding, any
 * dilation, optional bias and activation), BatchNormalization (folded into
 * the preceding Conv2D when it directly follows one whose output nothing else
 * reads; otherwise an ONNX BatchNormalization), LeakyReLU, Activation
 * (linear, relu, sigmoid, tanh, softmax over channels), MaxPooling2D /
 * AveragePooling2D ("valid"), UpSampling2D (nearest or bilinear), Add,
 * Concatenate (channels), Dropout (identity at inference). Anything else
 * throws naming the layer and its class.
 *
 * Layout: the ONNX graph takes and returns the same NHWC tensors as the tfjs
 * model (input `"input"` [batch, height, width, channels], output `"output"`)
 * and computes in NCHW inside, ONNX's layout, with one Transpose at each end.
 *
 * Semantics matched exactly: tfjs UpSampling2D uses
 * `tf.image.resizeBilinear(x, size)` with alignCorners = false and
 * halfPixelCenters = false, i.e. source coordinate = output coordinate ×
 * (input size / output size), clamped at the last row/column: ONNX Resize with
 * `coordinate_transformation_mode = "asymmetric"`, `mode = "linear"`
 * (nearest: `"asymmetric"`, `nearest_mode = "floor"`). tfjs "same" padding of a
 * stride-1 convolution pads ⌊(k_eff − 1)/2⌋ before and the rest after, k_eff =
 * (k − 1)·dilation + 1.
 *
 * Reference: ONNX operator specifications, opset 17 (https://onnx.ai/onnx/operators/).
 */
import type { LayersModel } from "@tensorflow/tfjs";
import { encodeModel, type Attribute, type Initializer, type Node } from "./proto";

/** ONNX opset the exported graphs use (Resize-13/Softmax-13 semantics, BatchNormalization-15). */
export const ONNX_OPSET = 17;

/** One layer of `model.getConfig()`. */
interface LayerEntry {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inboundNodes: [string, number, number, unknown][][];
}

/** Options of {@link toOnnx}. */
export interface ToOnnxOptions {
  /** Stored as the model's metadata_props (e.g. the U-Net configuration), readable by any ONNX tool. */
  metadata?: Record<string, string>;
}

const err = (layer: LayerEntry, why: string) => new Error(`toOnnx: layer "${layer.name}" (${layer.className}): ${why}`);

/** Activation name of a tfjs layer config → ONNX nodes applied to `x`; returns the output name. */
function activation(kind: unknown, layer: LayerEntry, x: string, out: string, nodes: Node[]): string {
  const name = kind ?? "linear";
  if (name === "linear") return x;
  const op = ({ relu: "Relu", sigmoid: "Sigmoid", tanh: "Tanh", softmax: "Softmax" } as Record<string, string>)[name as string];
  if (!op) throw err(layer, `activation "${String(name)}" is not supported (supported: linear, relu, sigmoid, tanh, softmax)`);
  nodes.push({ op, inputs: [x], outputs: [out], name: out, attributes: op === "Softmax" ? { axis: 1 } : undefined });
  return out;
}

function pair(v: unknown, layer: LayerEntry, what: string): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((k) => Number.isInteger(k) && k > 0)) throw err(layer, `${what} must be 2 positive integers, got ${JSON.stringify(v)}`);
  return [a[0], a[1]];
}

function channelsLast(layer: LayerEntry): void {
  const f = layer.config.dataFormat;
  if (f !== undefined && f !== "channelsLast") throw err(layer, `dataFormat "${String(f)}" is not supported (only "channelsLast")`);
}

/**
 * The ONNX model (bytes of a `.onnx` file) computing the same function as
 * `model`, a functional tfjs LayersModel with one input and one output (see
 * the module comment for the supported layers and the layout). Reads the
 * weights synchronously from the current tfjs backend. Cost: one pass over
 * the weights (≈ 2.4 MB for the AtomAI U-Net).
 *
 * @example
 * const bytes = toOnnx(buildUNet({ architecture: "atomai" }));
 * const session = await onnxSession(bytes);
 */
export function toOnnx(model: LayersModel, options: ToOnnxOptions = {}): Uint8Array {
  const config = model.getConfig() as unknown as { layers?: LayerEntry[]; inputLayers?: [string, number, number][]; outputLayers?: [string, number, number][] };
  if (!config.layers || !config.inputLayers || !config.outputLayers) throw new Error("toOnnx: model must be a functional tfjs LayersModel (tf.model({ inputs, outputs })); got one without a layer graph");
  if (config.inputLayers.length !== 1 || config.outputLayers.length !== 1) throw new Error(`toOnnx: model must have one input and one output, got ${config.inputLayers.length} and ${config.outputLayers.length}`);
  const layers = config.layers;
  const byName = new Map(layers.map((l) => [l.name, l]));
  const inputsOf = (l: LayerEntry): string[] => {
    if (l.inboundNodes.length > 1) throw err(l, `is applied ${l.inboundNodes.length} times (shared layers are not supported)`);
    return (l.inboundNodes[0] ?? []).map(([src, nodeIndex, tensorIndex]) => {
      if (nodeIndex !== 0 || tensorIndex !== 0) throw err(l, `reads output ${tensorIndex} of call ${nodeIndex} of "${src}" (only single-call, single-output layers are supported)`);
      return src;
    });
  };
  const consumers = new Map<string, number>();
  for (const l of layers) for (const src of inputsOf(l)) consumers.set(src, (consumers.get(src) ?? 0) + 1);

  const nodes: Node[] = [];
  const inits: Initializer[] = [];
  const value = new Map<string, string>(); // layer name → ONNX value holding its (NCHW) output
  const weights = (name: string) => model.getLayer(name).getWeights().map((w) => w.dataSync() as Float32Array);
  const folded = new Set<string>(); // BatchNormalization layers folded into their Conv2D

  for (const layer of layers) {
    const c = layer.config;
    const ins = inputsOf(layer).map((src) => {
      const v = value.get(src);
      if (v === undefined) throw err(layer, `input "${src}" is not computed before it (layers out of order)`);
      return v;
    });
    const out = `${layer.name}/out`; // never the graph's "input" or "output"
    switch (layer.className) {
      case "InputLayer": {
        const shape = c.batchInputShape as (number | null)[];
        if (!shape || shape.length !== 4) throw err(layer, `input must be 4-D [batch, height, width, channels], got ${JSON.stringify(shape)}`);
        nodes.push({ op: "Transpose", inputs: ["input"], outputs: [out], name: out, attributes: { perm: { ints: [0, 3, 1, 2] } } });
        value.set(layer.name, out);
        break;
      }
      case "Conv2D": {
        channelsLast(layer);
        const [kh, kw] = pair(c.kernelSize, layer, "kernelSize");
        const [sh, sw] = pair(c.strides ?? 1, layer, "strides");
        const [dh, dw] = pair(c.dilationRate ?? 1, layer, "dilationRate");
        if (sh !== 1 || sw !== 1) throw err(layer, `strides [${sh}, ${sw}] are not supported (only 1)`);
        const w = weights(layer.name);
        const kernel = w[0], cout = c.filters as number, cin = kernel.length / (kh * kw * cout);
        // HWIO → OIHW
        const oihw = new Float32Array(kernel.length);
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
          oihw[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o];
        }
        const bias = c.useBias === false ? new Float32Array(cout) : Float32Array.from(w[1]);
        // Fold a BatchNormalization that reads only this convolution's (linear) output.
        const next = layers.find((l) => l.className === "BatchNormalization" && inputsOf(l)[0] === layer.name);
        if (next && (c.activation ?? "linear") === "linear" && consumers.get(layer.name) === 1) {
          const bn = batchNorm(next, weights(next.name), cout);
          for (let o = 0; o < cout; o++) {
            for (let k = o * cin * kh * kw; k < (o + 1) * cin * kh * kw; k++) oihw[k] *= bn.scale[o];
            bias[o] = bias[o] * bn.scale[o] + bn.shift[o];
          }
          folded.add(next.name);
        }
        inits.push({ name: `${layer.name}.weight`, dims: [cout, cin, kh, kw], data: oihw }, { name: `${layer.name}.bias`, dims: [cout], data: bias });
        let pads = [0, 0, 0, 0];
        if (c.padding === "same") {
          const th = (kh - 1) * dh, tw = (kw - 1) * dw;
          pads = [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
        } else if (c.padding !== "valid") throw err(layer, `padding "${String(c.padding)}" is not supported (same, valid)`);
        const conv = `${layer.name}.conv`;
        nodes.push({ op: "Conv", inputs: [ins[0], `${layer.name}.weight`, `${layer.name}.bias`], outputs: [conv], name: conv,
          attributes: { kernel_shape: { ints: [kh, kw] }, dilations: { ints: [dh, dw] }, strides: { ints: [1, 1] }, pads: { ints: pads } } });
        const act = activation(c.activation, layer, conv, out, nodes);
        value.set(layer.name, act);
        if (folded.has(next?.name ?? "")) value.set(next!.name, act);
        break;
      }
      case "BatchNormalization": {
        if (folded.has(layer.name)) break; // already in its Conv2D
        const ch = channelCount(model, layer);
        const { gamma, beta, mean, variance, eps } = batchNormWeights(layer, weights(layer.name), ch);
        inits.push({ name: `${layer.name}.gamma`, dims: [ch], data: gamma }, { name: `${layer.name}.beta`, dims: [ch], data: beta },
          { name: `${layer.name}.mean`, dims: [ch], data: mean }, { name: `${layer.name}.variance`, dims: [ch], data: variance });
        nodes.push({ op: "BatchNormalization", inputs: [ins[0], `${layer.name}.gamma`, `${layer.name}.beta`, `${layer.name}.mean`, `${layer.name}.variance`], outputs: [out], name: out,
          attributes: { epsilon: { float: eps } } });
        value.set(layer.name, out);
        break;
      }
      case "LeakyReLU":
        nodes.push({ op: "LeakyRelu", inputs: ins, outputs: [out], name: out, attributes: { alpha: { float: (c.alpha as number | undefined) ?? 0.3 } } });
        value.set(layer.name, out);
        break;
      case "Activation":
        value.set(layer.name, activation(c.activation, layer, ins[0], out, nodes));
        break;
      case "MaxPooling2D":
      case "AveragePooling2D": {
        channelsLast(layer);
        const [ph, pw] = pair(c.poolSize, layer, "poolSize");
        const [sh, sw] = pair(c.strides ?? c.poolSize, layer, "strides");
        if (c.padding !== "valid") throw err(layer, `padding "${String(c.padding)}" is not supported (only "valid")`);
        nodes.push({ op: layer.className === "MaxPooling2D" ? "MaxPool" : "AveragePool", inputs: ins, outputs: [out], name: out,
          attributes: { kernel_shape: { ints: [ph, pw] }, strides: { ints: [sh, sw] } } });
        value.set(layer.name, out);
        break;
      }
      case "UpSampling2D": {
        channelsLast(layer);
        const [fh, fw] = pair(c.size, layer, "size");
        const mode = c.interpolation ?? "nearest";
        if (mode !== "nearest" && mode !== "bilinear") throw err(layer, `interpolation "${String(mode)}" is not supported (nearest, bilinear)`);
        inits.push({ name: `${layer.name}.scales`, dims: [4], data: Float32Array.of(1, 1, fh, fw) });
        const attributes: Record<string, Attribute> = { coordinate_transformation_mode: "asymmetric", mode: mode === "bilinear" ? "linear" : "nearest" };
        if (mode === "nearest") attributes.nearest_mode = "floor";
        nodes.push({ op: "Resize", inputs: [ins[0], "", `${layer.name}.scales`], outputs: [out], name: out, attributes });
        value.set(layer.name, out);
        break;
      }
      case "Add":
        nodes.push({ op: "Sum", inputs: ins, outputs: [out], name: out });
        value.set(layer.name, out);
        break;
      case "Concatenate": {
        const axis = (c.axis as number | undefined) ?? -1;
        if (axis !== -1 && axis !== 3) throw err(layer, `axis ${axis} is not supported (only channels: -1 or 3)`);
        nodes.push({ op: "Concat", inputs: ins, outputs: [out], name: out, attributes: { axis: 1 } });
        value.set(layer.name, out);
        break;
      }
      case "Dropout":
        value.set(layer.name, ins[0]);
        break;
      default:
        throw err(layer, "this layer class is not supported by the ONNX export (see src/atoms/deep/onnx/export.ts)");
    }
  }
  const last = value.get(config.outputLayers[0][0]);
  if (last === undefined || !byName.has(config.outputLayers[0][0])) throw new Error(`toOnnx: output layer "${config.outputLayers[0][0]}" was not computed`);
  nodes.push({ op: "Transpose", inputs: [last], outputs: ["output"], name: "output", attributes: { perm: { ints: [0, 2, 3, 1] } } });

  const dims = (shape: (number | null)[], names: string[]) => shape.map((d, i) => (d === null || d === undefined ? names[i] : d));
  return encodeModel({
    graphName: model.name,
    producer: "causalscope",
    producerVersion: "0.1.0",
    opset: ONNX_OPSET,
    inputs: [{ name: "input", dims: dims(model.inputs[0].shape, ["batch", "height", "width", "channels"]) }],
    outputs: [{ name: "output", dims: dims(model.outputs[0].shape, ["batch", "out_height", "out_width", "out_channels"]) }],
    nodes,
    initializers: inits,
    metadata: options.metadata,
  });
}

/** Channels of a layer's output, from the tfjs layer's static output shape. */
function channelCount(model: LayersModel, layer: LayerEntry): number {
  const shape = model.getLayer(layer.name).outputShape as (number | null)[];
  const ch = shape[shape.length - 1];
  if (typeof ch !== "number") throw err(layer, `unknown channel count (output shape ${JSON.stringify(shape)})`);
  return ch;
}

/** A BatchNormalization layer's parameters; tfjs weight order [gamma?, beta?, movingMean, movingVariance]. */
function batchNormWeights(layer: LayerEntry, w: Float32Array[], channels: number) {
  const c = layer.config;
  const axis = (c.axis as number | undefined) ?? -1;
  if (axis !== -1 && axis !== 3) throw err(layer, `axis ${axis} is not supported (only channels: -1 or 3)`);
  let k = 0;
  const gamma = c.scale === false ? new Float32Array(channels).fill(1) : w[k++];
  const beta = c.center === false ? new Float32Array(channels) : w[k++];
  const mean = w[k++], variance = w[k++];
  if (!mean || !variance || [gamma, beta, mean, variance].some((a) => a.length !== channels)) throw err(layer, `expected ${channels}-channel parameters and moving statistics`);
  return { gamma, beta, mean, variance, eps: (c.epsilon as number | undefined) ?? 1e-3 };
}

/** A BatchNormalization layer (inference) as y = scale·x + shift per channel, to fold into the convolution before it. */
function batchNorm(layer: LayerEntry, w: Float32Array[], channels: number): { scale: Float32Array; shift: Float32Array } {
  const { gamma, beta, mean, variance, eps } = batchNormWeights(layer, w, channels);
  const scale = new Float32Array(channels), shift = new Float32Array(channels);
  for (let o = 0; o < channels; o++) {
    // In float64, then rounded once (tfjs computes (x − mean)·γ/√(var + ε) + β in float32).
    const s = gamma[o] / Math.sqrt(variance[o] + eps);
    scale[o] = s;
    shift[o] = beta[o] - mean[o] * s;
  }
  return { scale, shift };
}
