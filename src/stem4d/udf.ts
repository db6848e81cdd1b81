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
 * Cluster runs (`options.cluster`) send the same partitions to worker
 * processes on other machines through a BullMQ queue on Redis and merge
 * them in the same order (./cluster/client.ts).
 *
 * Parallel runs use the library's worker pool (src/core/pool.ts), which
 * ships no source text: a worker `require`s a module and calls an export.
 * So `process` is either
 * - a reference `{ module, export }` to an exported function (an absolute
 *   path or a package name; library UDFs use `{ module: __filename, ... }`):
 *   it runs on worker threads, and in the calling thread when `workers` is 0;
 * - or a function (e.g. written in a notebook cell): it always runs in the
 *   calling thread, because a closure cannot be moved to another thread
 *   without silently losing the variables it uses. Asking for `workers`
 *   with such a UDF prints a one-line note and runs it in the calling thread.
 *
 * @example
 *   // Brightest pixel value of every pattern, as a scan-sized map (in the calling thread):
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
 *   // The same on worker threads: put the function in a file, `peak.js`:
 *   //   exports.peak = (frames, n, _start, b, _p, meta) => { ... };
 *   // and name it: process: { module: path.resolve("peak.js"), export: "peak" }
 */
import { defaultWorkers, sharedPool, type Task, type TaskRef } from "../core/pool";
import * as display from "../display";
import type { Dataset4D } from "./dataset";
import { Cluster, connectCluster } from "./cluster/client";
import { readFramesIntoKernels } from "./simd";
import { PARTITION_MODULE, bufferLength, mergeInto, partitionBuffers, processOf, runProcess, runRawPartition, type BufferSpec, type DatasetMeta, type PartitionJob, type PartitionUDF, type ProcessFn, type RawProcessFn } from "./partition";

export type { BufferSpec, DatasetMeta, ProcessFn, RawFrames, RawProcessFn } from "./partition";

/** An analysis over a 4D dataset; see the module comment. */
export interface UDF<R = unknown, P = unknown> {
  /** Name used in errors and progress labels. */
  name: string;
  /** Plain data (structured-cloneable: numbers, arrays, typed arrays) given to `process`. */
  params: P;
  /** The result buffers, given the dataset's shapes. */
  buffers(meta: DatasetMeta): Record<string, BufferSpec>;
  /**
   * Per-partition work: a reference to an exported function (runs on worker
   * threads) or a function (runs in the calling thread); see the module comment.
   */
  process: ProcessFn<P> | TaskRef;
  /**
   * Optional: the same work on frames as stored, 8/16-bit counts read with
   * no float32 copy (a RawProcessFn, named as `{ module, export }`), used
   * when every UDF of a pass has one and the frames come from a file or
   * shared memory (src/stem4d/partition.ts runRawPartition: in steps of about
   * 1 MiB, sig/single buffers accumulate); it must give the buffers `process`
   * gives. The library's virtual detectors and centre of
   * mass have one.
   */
  processRaw?: TaskRef;
  /** Turn the merged buffers into the result (main thread; may use anything). */
  finalize(buffers: Record<string, Float64Array>, meta: DatasetMeta, params: P): R;
}

export interface RunOptions {
  /**
   * Worker threads: 0 runs in the calling thread; "auto" (default) uses up
   * to availableParallelism() (at most 8) for data over 32 MiB. At most the
   * shared pool's size (`defaultWorkers()`) run at once. UDFs whose process
   * is a function run in the calling thread (see the module comment).
   */
  workers?: number | "auto";
  /** Frames per partition (default: about 8 MiB of float32 per partition, at least one scan row when that fits). */
  partitionFrames?: number;
  /** Show a progress bar in the kernel (default: true for data on disk or over 256 MiB), or a label. */
  progress?: boolean | string;
  /**
   * Run on a cluster instead of this machine: a Redis URL ("redis://host:port",
   * connected for this run only) or a `Cluster` from `connectCluster`, with
   * workers started by `npx causalscope-worker --redis URL`
   * (./cluster/client.ts). Needs a dataset read from a file that the workers
   * read at the same absolute path, and UDFs whose process is
   * `{ module, export }`. Same partitions and merge order: the result is
   * bit-identical to the single-machine run. `workers` is then ignored.
   */
  cluster?: string | Cluster;
}

type Results<T extends readonly UDF[]> = { [K in keyof T]: T[K] extends UDF<infer R, any> ? R : never };

/** Default partition size: ~8 MiB of float32 frames, a whole number of frames. */
export function defaultPartitionFrames(meta: DatasetMeta): number {
  return Math.max(1, Math.min(meta.nFrames, Math.floor((8 * 2 ** 20) / (4 * meta.frameSize))));
}

function metaOf(ds: Dataset4D): DatasetMeta {
  return { scanShape: [...ds.scanShape] as [number, number], detShape: [...ds.detShape] as [number, number], nFrames: ds.nFrames, frameSize: ds.frameSize };
}

interface Planned { udf: UDF<unknown, unknown>; fn: ProcessFn<unknown>; rawFn?: RawProcessFn<unknown>; specs: [string, BufferSpec][]; full: Record<string, Float64Array> }

function isRef(p: unknown): p is TaskRef {
  return !!p && typeof p === "object" && typeof (p as TaskRef).module === "string" && typeof (p as TaskRef).export === "string";
}

function plan(udfs: readonly UDF<unknown, unknown>[], meta: DatasetMeta): Planned[] {
  return udfs.map((udf) => {
    if (!udf || !(typeof udf.process === "function" || isRef(udf.process)) || typeof udf.buffers !== "function" || typeof udf.finalize !== "function") {
      throw new TypeError(`runUDF: ${udf?.name ?? "udf"} must have buffers(), process (a function or { module, export }) and finalize()`);
    }
    const fn = typeof udf.process === "function" ? udf.process : processOf(udf.process, udf.name);
    if (udf.processRaw !== undefined && !isRef(udf.processRaw)) throw new TypeError(`runUDF: ${udf.name}: processRaw must be { module, export }`);
    const rawFn = udf.processRaw && (processOf(udf.processRaw, udf.name) as unknown as RawProcessFn<unknown>);
    const specs = Object.entries(udf.buffers(meta));
    const full: Record<string, Float64Array> = {};
    for (const [name, s] of specs) {
      const len = bufferLength(s, meta, meta.nFrames);
      full[name] = new Float64Array(len);
      if (s.kind !== "nav" && s.init) full[name].fill(s.init);
    }
    return { udf, fn, rawFn, specs, full };
  });
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
  if (workers === "auto") workers = ds.byteLength > 32 * 2 ** 20 ? defaultWorkers() : 0;
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`runUDF: options.workers must be a non-negative integer or "auto", got ${workers}`);
  workers = Math.min(workers, nParts);
  const inThread = planned.filter((p) => typeof p.udf.process === "function").map((p) => JSON.stringify(p.udf.name));
  if (workers > 0 && inThread.length > 0) {
    if (options.workers !== undefined && options.workers !== "auto") {
      console.warn(`runUDF: ${inThread.join(", ")} run(s) in the calling thread: a process given as a function cannot move to worker threads (give process as { module, export } to run in parallel)`);
    }
    workers = 0;
  }
  const label = udfs.map((u) => u.name).join(", ");
  const bar = startProgress(ds, options, label, meta.nFrames);
  try {
    if (options.cluster !== undefined) await runCluster(ds, planned, meta, pf, options.cluster, bar);
    else if (workers === 0) runSerial(ds, planned, meta, pf, nParts, bar);
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
    const spec = ds.source.chunkSpec();
    const buffers = planned.map((p) => partitionBuffers(p.specs, meta, n, (name, s) => p.full[name].subarray(start * (s.extra ?? 1), (start + n) * (s.extra ?? 1))));
    // stored counts for the raw processes, else a view of float32 memory, else frames read into the SIMD
    // kernels' memory (all as on worker threads), else a copy
    if (!runRawPartition(spec, planned.map((p) => ({ name: p.udf.name, params: p.udf.params, specs: p.specs })), planned.map((p) => p.rawFn), start, n, meta, buffers)) {
      let frames = ds.source.view?.(start, n) ?? (spec ? readFramesIntoKernels(spec, start, n, meta.detShape[0]) : undefined);
      if (!frames) {
        chunk ??= new Float32Array(pf * meta.frameSize);
        frames = chunk.subarray(0, n * meta.frameSize);
        ds.source.read(start, n, frames);
      }
      planned.forEach((p, u) => runProcess(p.fn, p.udf, frames!, meta, start, n, buffers[u]));
    }
    planned.forEach((p, u) => { for (const [name, s] of p.specs) if (s.kind !== "nav") mergeInto(p.full[name], buffers[u][name], s.merge); });
    bar?.update(start + n);
  }
}

/** The partitions on a cluster (./cluster/client.ts), merged buffers copied into the full results. */
async function runCluster(ds: Dataset4D, planned: Planned[], meta: DatasetMeta, pf: number, target: string | Cluster, bar?: { update(n: number): void }): Promise<void> {
  const local = planned.filter((p) => typeof p.udf.process === "function").map((p) => JSON.stringify(p.udf.name));
  if (local.length > 0) throw new TypeError(`runUDF: options.cluster: ${local.join(", ")} give process as a function, which cannot move to other machines (give process as { module, export })`);
  if (typeof target !== "string" && !(target instanceof Cluster)) throw new TypeError(`runUDF: options.cluster must be a Redis URL ("redis://host:port") or a Cluster from connectCluster, got ${typeof target}`);
  const cluster = typeof target === "string" ? connectCluster(target) : target;
  try {
    const udfs: PartitionUDF[] = planned.map((p) => ({ name: p.udf.name, process: p.udf.process as TaskRef, params: p.udf.params, specs: p.specs }));
    const out = await cluster.run({ meta, spec: ds.source.chunkSpec(), description: ds.source.description, partitionFrames: pf, udfs }, (frames) => bar?.update(frames));
    planned.forEach((p, u) => { for (const [name] of p.specs) p.full[name].set(out[u][name]); });
  } finally {
    if (typeof target === "string") await cluster.close();
  }
}

/**
 * Partitions as worker tasks (src/stem4d/partition.ts `processPartition`),
 * merged in partition order as they come back. Workers read the frames
 * themselves when the source can say where they are (a file, shared
 * memory); otherwise the calling thread reads each partition as it is
 * handed out and moves it to the worker.
 */
async function runParallel(ds: Dataset4D, planned: Planned[], meta: DatasetMeta, pf: number, nParts: number, nWorkers: number, bar?: { update(n: number): void }): Promise<void> {
  const spec = ds.source.chunkSpec();
  const udfs: PartitionUDF[] = planned.map((p) => ({ name: p.udf.name, process: p.udf.process as TaskRef, processRaw: p.udf.processRaw, params: p.udf.params, specs: p.specs }));
  function* tasks(): Generator<Task> {
    for (let k = 0; k < nParts; k++) {
      const start = k * pf, n = Math.min(pf, meta.nFrames - start);
      const job: PartitionJob = { meta, start, n, udfs, spec };
      if (spec) { yield { module: PARTITION_MODULE, export: "processPartition", args: [job] }; continue; }
      const frames = new Float32Array(n * meta.frameSize);
      ds.source.read(start, n, frames);
      yield { module: PARTITION_MODULE, export: "processPartition", args: [{ ...job, frames }], transfer: [frames.buffer] };
    }
  }
  let framesDone = 0;
  await sharedPool().each<Record<string, Float64Array>[]>(tasks(), (out, k) => {
    const start = k * pf;
    planned.forEach((p, u) => {
      for (const [name, s] of p.specs) {
        if (s.kind === "nav") p.full[name].set(out[u][name], start * (s.extra ?? 1));
        else mergeInto(p.full[name], out[u][name], s.merge);
      }
    });
    framesDone += Math.min(pf, meta.nFrames - start);
    bar?.update(framesDone);
  }, { concurrency: nWorkers });
}
