/**
 * The tensor backend: which TensorFlow.js backend runs tensor maths, and why.
 *
 * `await initBackend()` picks, in order:
 *  1. `@tensorflow/tfjs-node-gpu` (backend "tensorflow", CUDA) when the user
 *     has installed it;
 *  2. `@tensorflow/tfjs-node` (backend "tensorflow", native CPU) when
 *     installed. Neither is a dependency of causalscope: both download a
 *     native TensorFlow binary at install time, which fails on machines
 *     without network access to Google's storage or with an unsupported
 *     platform, so they stay optional;
 *  3. `@tensorflow/tfjs` with `@tensorflow/tfjs-backend-wasm` (backend
 *     "wasm", XNNPACK, SIMD when the runtime supports it; Node has it), the
 *     default. In Node the .wasm binaries are loaded from the package's
 *     `dist/` folder on disk (`setWasmPaths`), no network;
 *  4. the pure-JavaScript "cpu" backend when wasm cannot start.
 * `backend()` reports the choice and the reason for every step skipped.
 * The tfjs module bound to the chosen backend is `tfjs()`.
 *
 * Reference: TensorFlow.js platform and environment guide
 * (https://www.tensorflow.org/js/guide/platform_environment).
 */
import * as path from "node:path";

/** Name of a backend causalscope can run on. */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** What `backend()` reports. */
export interface BackendInfo {
  /** The active TensorFlow.js backend. */
  name: BackendName;
  /** The npm package providing it. */
  package: string;
  /** For "wasm": whether the SIMD build is in use. */
  simd?: boolean;
  /** For "wasm": whether the multi-threaded build is in use. */
  threads?: boolean;
  /** For "tensorflow": whether it is the GPU (CUDA) build. */
  gpu?: boolean;
  /** Why this backend: what was tried before it and why that was skipped. */
  reason: string;
}

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /**
   * Start the search at this backend ("wasm" skips the native packages,
   * "cpu" forces the pure-JavaScript backend, e.g. for bit-reproducible tests).
   * Default "tensorflow" (try everything, best first). Also read from the
   * environment variable `CAUSALSCOPE_BACKEND` when not given.
   */
  prefer?: BackendName;
}

type Tf = typeof import("@tensorflow/tfjs");

let state: { info: BackendInfo; tf: Tf } | undefined;
let initializing: Promise<BackendInfo> | undefined;

function errorLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split("\n")[0];
}

function isNotInstalled(e: unknown, pkg: string): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === "MODULE_NOT_FOUND" && typeof err.message === "string" && err.message.includes(`'${pkg}'`);
}

/** Try to load a native tfjs-node package; returns its tf or a reason. */
function tryNative(pkg: string): { tf?: Tf; why?: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tf = require(pkg) as Tf;
    return { tf };
  } catch (e) {
    return { why: isNotInstalled(e, pkg) ? `${pkg} is not installed (optional: npm install ${pkg})` : `${pkg} failed to load: ${errorLine(e)}` };
  }
}

/**
 * Choose and start the tensor backend (see the module comment for the
 * order). Safe to call more than once: later calls return the first result
 * (unless `options.prefer` is given, which re-selects). Takes ~0.5 s the first time
 * (wasm compilation).
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = process.env.CAUSALSCOPE_BACKEND as BackendName | undefined;
  const prefer = options.prefer ?? (env || "tensorflow");
  if (!["tensorflow", "wasm", "cpu"].includes(prefer)) {
    throw new RangeError(`initBackend: ${options.prefer ? "options.prefer" : "CAUSALSCOPE_BACKEND"} must be "tensorflow", "wasm" or "cpu", got ${JSON.stringify(prefer)}`);
  }
  if (state && options.prefer === undefined) return Promise.resolve(state.info);
  if (initializing && options.prefer === undefined) return initializing;
  initializing = select(prefer as BackendName).finally(() => { initializing = undefined; });
  return initializing;
}

async function select(prefer: BackendName): Promise<BackendInfo> {
  const skipped: string[] = [];
  if (prefer === "tensorflow") {
    for (const [pkg, gpu] of [["@tensorflow/tfjs-node-gpu", true], ["@tensorflow/tfjs-node", false]] as const) {
      const { tf, why } = tryNative(pkg);
      if (!tf) { skipped.push(why!); continue; }
      try {
        if (!(await tf.setBackend("tensorflow"))) throw new Error(`setBackend("tensorflow") returned false`);
        await tf.ready();
        const info: BackendInfo = { name: "tensorflow", package: pkg, gpu, reason: [...skipped, `${pkg} loaded: native TensorFlow${gpu ? " with CUDA" : ""}`].join("; ") };
        state = { info, tf };
        return info;
      } catch (e) {
        skipped.push(`${pkg} is installed but its backend did not start: ${errorLine(e)}`);
      }
    }
  } else {
    skipped.push(`native TensorFlow not tried (prefer = "${prefer}")`);
  }

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require("@tensorflow/tfjs") as Tf;
  if (prefer !== "cpu") {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
      // In Node the emscripten loader reads the .wasm from this folder on disk.
      const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
      wasm.setWasmPaths(dist + path.sep);
      if (!(await tf.setBackend("wasm"))) throw new Error(`setBackend("wasm") returned false`);
      await tf.ready();
      const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
      const threads = Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"));
      const info: BackendInfo = {
        name: "wasm", package: "@tensorflow/tfjs-backend-wasm", simd, threads,
        reason: [...skipped, `WebAssembly backend from ${dist}${simd ? " (SIMD)" : " (no SIMD in this runtime)"}`].join("; "),
      };
      state = { info, tf };
      return info;
    } catch (e) {
      skipped.push(`wasm backend did not start: ${errorLine(e)}`);
    }
  } else {
    skipped.push(`wasm not tried (prefer = "cpu")`);
  }

  if (!(await tf.setBackend("cpu"))) throw new Error(`initBackend: no backend could start (${skipped.join("; ")})`);
  await tf.ready();
  const info: BackendInfo = { name: "cpu", package: "@tensorflow/tfjs-backend-cpu", reason: [...skipped, "pure-JavaScript cpu backend (slowest)"].join("; ") };
  state = { info, tf };
  return info;
}

/**
 * The active tensor backend and why it was chosen (after `await
 * initBackend()`).
 * @throws Error when `initBackend()` has not completed yet.
 */
export function backend(): BackendInfo {
  if (!state) throw new Error("backend: no backend chosen yet; call `await initBackend()` first");
  return { ...state.info };
}

/**
 * The TensorFlow.js module running on the chosen backend (the tfjs-node
 * module when the native backend is active), for tensor code:
 * `const tf = tfjs(); tf.tidy(() => ...)`.
 * @throws Error when `initBackend()` has not completed yet.
 */
export function tfjs(): Tf {
  if (!state) throw new Error("tfjs: no backend chosen yet; call `await initBackend()` first");
  return state.tf;
}
