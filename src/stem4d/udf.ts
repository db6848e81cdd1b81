/**
 * User-defined functions (UDFs) over 4D-STEM data, after LiberTEM's UDF
 * interface (Clausen et al., LiberTEM, doi:10.5281/zenodo.1477847): an
 * analysis is a per-chunk `process` that writes into declared result buffers
 * plus a `merge` of partial results, so the same analysis runs on patterns in
 * memory, streams from a file with bounded memory, and runs in parallel on
 * worker threads without being rewritten.
 *
 * Buffers (all Float64Array):
 * - `nav`: `extra` values per scan position (default 1); `process` gets the
 *   slice of the current chunk, local frame i at `[i*extra, (i+1)*extra)`.
 * - `sig`: `extra` values per detector pixel (default 1), reduced over frames.
 * - `single`: `length` values (default 1), reduced over frames.
 * `sig`/`single` buffers start at `init` (default 0) in every chunk and
 * partial results are merged with `merge` ("sum" default, "max", "min").
 *
 * Determinism: the dataset is cut into partitions of `partitionFrames`
 * frames that do not depend on the number of workers or on where the data
 * lives, and partial results are merged in partition order. Serial,
 * parallel, in-memory and streamed runs therefore give bit-identical results.
 *
 * Parallel runs ship `process` to worker threads as source text
 * (`fn.toString()`), so a `process` that should run in parallel must be
 * self-contained: it may use its arguments and globals (Math, typed arrays),
 * not variables of the enclosing module. A `process` that cannot be shipped
 * fails with an error naming the UDF; run it with `{ workers: 0 }`.
 *
 * @example
 *   // Brightest pixel value of every pattern, as a scan-sized map:
 *   const peak = await runUDF(ds, {
 *     name: "peak", params: null,
 *     buffers: () => ({ peak: { kind: "nav" } }),
 *     process: (frames, n, _start, b, _p, meta) => {
 *       for (let i = 0; i < n; i++) {
 *         let m = -Infinity;
 *         for (let j = 0; j < meta.frameSize; j++) m = Math.max(m, frames[i * meta.frameSize + j]);
 *         b.peak[i] = m;
 *       }
 *     },
 *     finalize: (b, meta) => makeImage(Float32Array.from(b.peak), meta.scanShape[1], meta.scanShape[0]),
 *   });
 */
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import * as display from "../display";
import { decodeInto } from "./dtype";
import { readChunk, viewChunk, type ChunkSpec } from "./source";
import type { Dataset4D } from "./dataset";

/** Shapes of the dataset a UDF runs over. */
export interface DatasetMeta {
  scanShape: [number, number];
  detShape: [number, number];
  nFrames: number;
  frameSize: number;
}

export interface BufferSpec {
  kind: "nav" | "sig" | "single";
  /** Values per scan position (nav) or per detector pixel (sig). Default 1. */
  extra?: number;
  /** Length of a `single` buffer. Default 1. */
  length?: number;
  /** Initial value of sig/single buffers in every chunk (default 0; use -Infinity for a max). */
  init?: number;
  /** How sig/single partial results combine. Default "sum". */
  merge?: "sum" | "max" | "min";
}

/**
 * `process(frames, n, start, buffers, params, meta)`: `frames` (read-only: it may be a view of the dataset itself) holds `n`
 * float32 patterns (frame `start + i` at `[i*frameSize, (i+1)*frameSize)`);
 * write results into `buffers` (see the module comment).
 */
export type ProcessFn<P> = (frames: Float32Array, n: number, start: number, buffers: Record<string, Float64Array>, params: P, meta: DatasetMeta) => void;

/** An analysis over a 4D dataset; see the module comment. */
export interface UDF<R = unknown, P = unknown> {
  /** Name used in errors and progress labels. */
  name: string;
  /** Plain data (structured-cloneable: numbers, arrays, typed arrays) given to `process`. */
  params: P;
  /** The result buffers, given the dataset's shapes. */
  buffers(meta: DatasetMeta): Record<string, BufferSpec>;
  /** Per-chunk work; self-contained to run on worker threads. */
  process: ProcessFn<P>;
  /** Turn the merged buffers into the result (main thread; may use anything). */
  finalize(buffers: Record<string, Float64Array>, meta: DatasetMeta, params: P): R;
}

export interface RunOptions {
  /** Worker threads: 0 runs in the calling thread; "auto" (default) uses up to availableParallelism() workers for data over 32 MiB. */
  workers?: number | "auto";
  /** Frames per partition (default: about 8 MiB of float32 per partition, at least one scan row when that fits). */
  partitionFrames?: number;
  /** Show a progress bar in the kernel (default: true for data on disk or over 256 MiB), or a label. */
  progress?: boolean | string;
}

type Results<T extends readonly UDF[]> = { [K in keyof T]: T[K] extends UDF<infer R, any> ? R : never };

/** Default partition size: ~8 MiB of float32 frames, a whole number of frames. */
export function defaultPartitionFrames(meta: DatasetMeta): number {
  return Math.max(1, Math.min(meta.nFrames, Math.floor((8 * 2 ** 20) / (4 * meta.frameSize))));
}

function metaOf(ds: Dataset4D): DatasetMeta {
  return { scanShape: [...ds.scanShape] as [number, number], detShape: [...ds.detShape] as [number, number], nFrames: ds.nFrames, frameSize: ds.frameSize };
}

interface Planned { udf: UDF<unknown, unknown>; specs: [string, BufferSpec][]; full: Record<string, Float64Array> }

function plan(udfs: readonly UDF<unknown, unknown>[], meta: DatasetMeta): Planned[] {
  return udfs.map((udf) => {
    if (!udf || typeof udf.process !== "function" || typeof udf.buffers !== "function" || typeof udf.finalize !== "function") {
      throw new TypeError(`runUDF: ${udf?.name ?? "udf"} must have buffers(), process() and finalize()`);
    }
    const specs = Object.entries(udf.buffers(meta));
    const full: Record<string, Float64Array> = {};
    for (const [name, s] of specs) {
      const len = bufferLength(s, meta, meta.nFrames);
      full[name] = new Float64Array(len);
      if (s.kind !== "nav" && s.init) full[name].fill(s.init);
    }
    return { udf, specs, full };
  });
}

function bufferLength(s: BufferSpec, meta: DatasetMeta, nFrames: number): number {
  const extra = s.extra ?? 1;
  if (s.kind === "nav") return nFrames * extra;
  if (s.kind === "sig") return meta.frameSize * extra;
  if (s.kind === "single") return s.length ?? 1;
  throw new TypeError(`runUDF: unknown buffer kind ${JSON.stringify((s as BufferSpec).kind)}`);
}

function mergeInto(dst: Float64Array, src: Float64Array, how: BufferSpec["merge"]): void {
  if (how === "max") { for (let i = 0; i < dst.length; i++) if (src[i] > dst[i] || (src[i] !== src[i])) dst[i] = src[i]; }
  else if (how === "min") { for (let i = 0; i < dst.length; i++) if (src[i] < dst[i] || (src[i] !== src[i])) dst[i] = src[i]; }
  else for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}

/** Partition-local buffers: nav slices are views into the full buffers, sig/single fresh. */
function partitionBuffers(p: Planned, meta: DatasetMeta, start: number, n: number, navViews: boolean): Record<string, Float64Array> {
  const b: Record<string, Float64Array> = {};
  for (const [name, s] of p.specs) {
    if (s.kind === "nav") {
      const e = s.extra ?? 1;
      b[name] = navViews ? p.full[name].subarray(start * e, (start + n) * e) : new Float64Array(n * e);
    } else {
      b[name] = new Float64Array(bufferLength(s, meta, n));
      if (s.init) b[name].fill(s.init);
    }
  }
  return b;
}

function startProgress(ds: Dataset4D, options: RunOptions, label: string, total: number): { update(n: number): void; done(): void } | undefined {
  const want = options.progress ?? (ds.source.onDisk || ds.byteLength > 256 * 2 ** 20);
  if (!want) return undefined;
  const progress = (display as unknown as { progress?: (total: number, o: { label: string }) => { update(n: number): void; done(): void } }).progress;
  if (typeof progress !== "function") return undefined;
  try { return progress(total, { label: typeof options.progress === "string" ? options.progress : label }); } catch { return undefined; }
}

/** Run one UDF over a dataset; see the module comment. */
export async function runUDF<R, P>(ds: Dataset4D, udf: UDF<R, P>, options: RunOptions = {}): Promise<R> {
  const [r] = await runUDFs(ds, [udf] as const, options);
  return r as R;
}

/**
 * Run several UDFs in one pass over the data (each chunk is read once and
 * given to every UDF). Returns their results in order.
 */
export async function runUDFs<T extends readonly UDF<any, any>[]>(ds: Dataset4D, udfs: T, options: RunOptions = {}): Promise<Results<T>> {
  const meta = metaOf(ds);
  const planned = plan(udfs as unknown as UDF<unknown, unknown>[], meta);
  const pf = options.partitionFrames ?? defaultPartitionFrames(meta);
  if (!Number.isInteger(pf) || pf < 1) throw new RangeError(`runUDF: options.partitionFrames must be a positive integer, got ${pf}`);
  const nParts = Math.ceil(meta.nFrames / pf);
  let workers = options.workers ?? "auto";
  if (workers === "auto") {
    const par = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
    workers = ds.byteLength > 32 * 2 ** 20 ? Math.min(par, 8, nParts) : 0;
  }
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`runUDF: options.workers must be a non-negative integer or "auto", got ${workers}`);
  workers = Math.min(workers, nParts);
  const label = udfs.map((u) => u.name).join(", ");
  const bar = startProgress(ds, options, label, meta.nFrames);
  try {
    if (workers === 0) runSerial(ds, planned, meta, pf, nParts, bar);
    else await runParallel(ds, planned, meta, pf, nParts, workers, bar);
  } finally {
    bar?.done();
  }
  return planned.map((p) => p.udf.finalize(p.full, meta, p.udf.params)) as unknown as Results<T>;
}

function runSerial(ds: Dataset4D, planned: Planned[], meta: DatasetMeta, pf: number, nParts: number, bar?: { update(n: number): void }): void {
  let chunk: Float32Array | undefined;
  for (let k = 0; k < nParts; k++) {
    const start = k * pf, n = Math.min(pf, meta.nFrames - start);
    let frames = ds.source.view?.(start, n);
    if (!frames) {
      chunk ??= new Float32Array(pf * meta.frameSize);
      frames = chunk.subarray(0, n * meta.frameSize);
      ds.source.read(start, n, frames);
    }
    for (const p of planned) {
      const b = partitionBuffers(p, meta, start, n, true);
      p.udf.process(frames, n, start, b, p.udf.params, meta);
      for (const [name, s] of p.specs) if (s.kind !== "nav") mergeInto(p.full[name], b[name], s.merge);
    }
    bar?.update(start + n);
  }
}

/** Source text of a function, as an expression (handles method shorthand). */
function functionSource(fn: Function, udfName: string): string {
  const src = fn.toString();
  for (const candidate of [`(${src})`, `({${src}})[${JSON.stringify(fn.name)}]`]) {
    try { new Function(`return ${candidate}`); return candidate; } catch { /* try the next form */ }
  }
  throw new Error(`runUDF: the process function of UDF "${udfName}" cannot be shipped to worker threads (its source is not a function expression); run with { workers: 0 }`);
}

const WORKER_CODE = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
const decode = (${decodeInto.toString()});
const readChunk = (${readChunk.toString()});
const viewChunk = (${viewChunk.toString()});
const { meta, spec, udfs } = workerData;
const procs = udfs.map((u) => new Function("return " + u.src)());
const state = {};
let chunk = null;
parentPort.on("message", (msg) => {
  if (msg.type === "close") { if (state.fd !== undefined) fs.closeSync(state.fd); parentPort.close(); return; }
  const { k, start, n } = msg;
  try {
    let frames;
    if (msg.frames) frames = msg.frames;
    else if ((frames = viewChunk(spec, start, n)) !== undefined) { /* zero-copy view of shared memory */ }
    else {
      if (!chunk || chunk.length < n * meta.frameSize) chunk = new Float32Array(n * meta.frameSize);
      frames = chunk.subarray(0, n * meta.frameSize);
      readChunk(fs, decode, spec, state, start, n, frames);
    }
    const out = [];
    const transfer = [];
    for (let u = 0; u < udfs.length; u++) {
      const b = {};
      for (const [name, s] of udfs[u].specs) {
        const len = s.kind === "nav" ? n * (s.extra || 1) : s.kind === "sig" ? meta.frameSize * (s.extra || 1) : (s.length || 1);
        b[name] = new Float64Array(len);
        if (s.kind !== "nav" && s.init) b[name].fill(s.init);
        transfer.push(b[name].buffer);
      }
      procs[u](frames, n, start, b, udfs[u].params, meta);
      out.push(b);
    }
    parentPort.postMessage({ type: "result", k, out }, transfer);
  } catch (e) {
    parentPort.postMessage({ type: "error", k, message: String(e && e.stack || e) });
  }
});
`;

async function runParallel(ds: Dataset4D, planned: Planned[], meta: DatasetMeta, pf: number, nParts: number, nWorkers: number, bar?: { update(n: number): void }): Promise<void> {
  const spec: ChunkSpec | undefined = ds.source.chunkSpec();
  const udfData = planned.map((p) => ({ src: functionSource(p.udf.process, p.udf.name), specs: p.specs, params: p.udf.params, name: p.udf.name }));
  const pool: Worker[] = [];
  const pending = new Map<number, Record<string, Float64Array>[]>();
  let nextMerge = 0, nextSend = 0, framesDone = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: Error) => { if (!failed) { failed = true; reject(err); } };
      const send = (w: Worker) => {
        if (failed || nextSend >= nParts) return;
        const k = nextSend++;
        const start = k * pf, n = Math.min(pf, meta.nFrames - start);
        if (spec) w.postMessage({ type: "chunk", k, start, n });
        else {
          const frames = new Float32Array(n * meta.frameSize);
          try { ds.source.read(start, n, frames); } catch (e) { fail(e as Error); return; }
          w.postMessage({ type: "chunk", k, start, n, frames }, [frames.buffer]);
        }
      };
      for (let i = 0; i < nWorkers; i++) {
        const w = new Worker(WORKER_CODE, { eval: true, workerData: { meta, spec, udfs: udfData } });
        pool.push(w);
        w.on("error", (e) => fail(new Error(`runUDF(${udfData.map((u) => u.name).join(", ")}): worker failed: ${e.message}`)));
        w.on("message", (msg: { type: string; k: number; out?: Record<string, Float64Array>[]; message?: string }) => {
          if (msg.type === "error") {
            fail(new Error(`runUDF: UDF ${udfData.map((u) => JSON.stringify(u.name)).join(", ")} failed in a worker thread on partition ${msg.k}: ${msg.message}\n(a process() that uses variables from its module cannot run on workers; run with { workers: 0 })`));
            return;
          }
          const k = msg.k, start = k * pf, n = Math.min(pf, meta.nFrames - start);
          planned.forEach((p, u) => {
            for (const [name, s] of p.specs) if (s.kind === "nav") p.full[name].set(msg.out![u][name], start * (s.extra ?? 1));
          });
          pending.set(k, msg.out!);
          while (pending.has(nextMerge)) {
            const out = pending.get(nextMerge)!;
            pending.delete(nextMerge);
            planned.forEach((p, u) => {
              for (const [name, s] of p.specs) if (s.kind !== "nav") mergeInto(p.full[name], out[u][name], s.merge);
            });
            nextMerge++;
          }
          framesDone += n;
          bar?.update(framesDone);
          if (nextMerge === nParts) resolve();
          else send(w);
        });
      }
      for (const w of pool) send(w);
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
