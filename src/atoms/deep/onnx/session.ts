/**
 * Running an exported model with ONNX Runtime for Node.js (`onnxruntime-node`,
 * the CPU execution provider whose binary ships inside the npm package).
 *
 * Reference: ONNX Runtime JavaScript API
 * (https://onnxruntime.ai/docs/api/js/interfaces/InferenceSession.SessionOptions.html).
 */
import type { InferenceSession as OrtSession } from "onnxruntime-node";

type Ort = typeof import("onnxruntime-node");
let ortModule: Ort | undefined;

/** onnxruntime-node, loaded on first use (it maps a 47 MB native library). */
function ort(): Ort {
  if (!ortModule) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ortModule = require("onnxruntime-node") as Ort;
    } catch (e) {
      throw new Error(`onnxSession: onnxruntime-node failed to load (${e instanceof Error ? e.message.split("\n")[0] : String(e)}); it is a dependency of causalscope: run npm install`);
    }
  }
  return ortModule;
}

/** Options of {@link onnxSession}. */
export interface OnnxSessionOptions {
  /** Threads of one operator (ONNX Runtime's intraOpNumThreads). Default 2. */
  threads?: number;
  /**
   * Let the intra-op threads spin-wait for work between operators (ONNX Runtime's
   * `session.intra_op.allow_spinning`, which ONNX Runtime turns on by default). Default false: on
   * a CPU shared with other work (a notebook kernel beside the browser and other jobs) spinning
   * threads take cycles the working ones need. Measured here (2 cores, load average 9–12, AtomAI
   * U-Net at 256², medians of 10 in 3 alternating rounds): 194, 188, 219 ms without spinning,
   * 275, 283, 219 ms with it.
   */
  spinning?: boolean;
}

/** A tensor in and out of {@link OnnxSession.run}: row-major float32 data and its shape. */
export interface OnnxTensor {
  data: Float32Array;
  shape: number[];
}

/** An ONNX Runtime session on one model: `run` the NHWC input, `release` the native memory when done. */
export interface OnnxSession {
  /** Input and output names of the graph (`["input"]`, `["output"]` for models from `toOnnx`). */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * The model's output for `input` (for `toOnnx` models: [batch, height, width,
   * channels], as the tfjs model's `predict`). Runs on ONNX Runtime's own threads;
   * the returned data is a copy owned by the caller.
   */
  run(input: OnnxTensor): Promise<OnnxTensor>;
  /** Free the session's native memory; `run` throws afterwards. */
  release(): Promise<void>;
}

/**
 * Start an ONNX Runtime session (CPU, all graph optimisations, sequential
 * execution, `threads` intra-op threads, no spin-waiting unless `spinning`) on the bytes of an ONNX model, such
 * as `toOnnx(model)` returns. Creating it optimises the graph (tens of ms).
 *
 * @example
 * const session = await onnxSession(toOnnx(net), { threads: 2 });
 * const { data } = await session.run({ data: image.data, shape: [1, image.height, image.width, 1] });
 * await session.release();
 */
export async function onnxSession(model: Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxSession> {
  if (!(model instanceof Uint8Array) || model.length === 0) throw new TypeError(`onnxSession: model must be the bytes of an ONNX model (a non-empty Uint8Array, e.g. from toOnnx), got ${model instanceof Uint8Array ? "0 bytes" : typeof model}`);
  const threads = options.threads ?? 2;
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`onnxSession: options.threads must be a positive integer, got ${String(threads)}`);
  const spinning = options.spinning ?? false;
  if (typeof spinning !== "boolean") throw new TypeError(`onnxSession: options.spinning must be true or false, got ${JSON.stringify(spinning)}`);
  const { InferenceSession, Tensor } = ort();
  let session: OrtSession | undefined = await InferenceSession.create(model, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: spinning ? "1" : "0" } } },
  });
  const inputNames = [...session.inputNames], outputNames = [...session.outputNames];
  return {
    inputNames,
    outputNames,
    async run(input: OnnxTensor): Promise<OnnxTensor> {
      if (!session) throw new Error("onnxSession: run after release");
      const n = input.shape.reduce((a, b) => a * b, 1);
      if (!(input.data instanceof Float32Array) || input.data.length !== n) throw new RangeError(`onnxSession.run: input.data must be a Float32Array of ${n} values (shape [${input.shape}]), got ${input.data?.length}`);
      const result = await session.run({ [inputNames[0]]: new Tensor("float32", input.data, input.shape) });
      const out = result[outputNames[0]];
      const data = Float32Array.from(out.data as Float32Array);
      for (const t of Object.values(result)) t.dispose();
      return { data, shape: out.dims.map(Number) };
    },
    async release(): Promise<void> {
      await session?.release();
      session = undefined;
    },
  };
}
