/**
 * Entry of the worker threads of `WorkerPool` (./pool.ts): for each message
 * `{ id, module, export, args }`, `require(module)[export](...args)`, await
 * it, and post `{ id, ok, result }` with the result's typed-array buffers
 * transferred, or `{ id, ok: false, error }` with the error's name, message
 * and stack. One task at a time per thread.
 */
import { parentPort } from "node:worker_threads";

interface Request {
  id: number;
  module: string;
  export: string;
  args: unknown[];
}

/** The distinct transferable buffers of the typed arrays in `value` (plain objects and arrays, a few levels deep). */
function buffersOf(value: unknown, out: Set<ArrayBuffer>, depth = 0): Set<ArrayBuffer> {
  if (value === null || typeof value !== "object" || depth > 4) return out;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) out.add(value.buffer);
  } else if (value instanceof ArrayBuffer) out.add(value);
  else if (Array.isArray(value)) for (const v of value) buffersOf(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) buffersOf(v, out, depth + 1);
  return out;
}

async function handle(port: NonNullable<typeof parentPort>, req: Request): Promise<void> {
  let result: unknown;
  try {
    const mod = require(req.module) as Record<string, unknown>;
    const fn = mod[req.export];
    if (typeof fn !== "function") throw new TypeError(`WorkerPool: ${req.module} has no exported function ${JSON.stringify(req.export)}`);
    result = await (fn as (...a: unknown[]) => unknown)(...req.args);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ id: req.id, ok: false, error: { name: err.name, message: err.message, stack: err.stack } });
    return;
  }
  try {
    port.postMessage({ id: req.id, ok: true, result }, [...buffersOf(result, new Set())]);
    return;
  } catch {
    // A buffer that cannot move (e.g. WebAssembly memory): copy instead, below.
  }
  try {
    port.postMessage({ id: req.id, ok: true, result });
  } catch (e) {
    const message = `WorkerPool: the result of ${req.export} (${req.module}) cannot be sent back: ${(e as Error).message}`;
    port.postMessage({ id: req.id, ok: false, error: { name: "Error", message, stack: `Error: ${message}` } });
  }
}

const port = parentPort;
if (!port) throw new Error("pool-worker: must run as a worker thread of WorkerPool (src/core/pool.ts)");
port.on("message", (req: Request) => void handle(port, req));
