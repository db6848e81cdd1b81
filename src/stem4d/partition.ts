/**
 * One partition of a UDF run (./udf.ts): get the frames, give them to each
 * UDF's `process` with fresh partition buffers. The calling thread and the
 * worker threads (`processPartition`, a task of src/core/pool.ts) run this
 * same module, which is why serial and parallel runs are bit-identical.
 * The types of a UDF's data (DatasetMeta, BufferSpec, ProcessFn) live here
 * and are re-exported by ./udf.ts.
 */
import type { TaskRef } from "../core/pool";
import { viewChunk, type ChunkSpec, type ChunkState } from "../io/frames4d";
import { closeChunkFile, rawReadable, readFileChunk, readFramesIntoKernels, readRawIntoKernels, type RawFrames } from "./simd";

export type { RawFrames } from "./simd";

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

/**
 * `processRaw(raw, n, start, buffers, params, meta)`: as ProcessFn, but the
 * `n` frames come as stored (8/16-bit counts, see RawFrames in ./simd.ts),
 * and a partition comes in consecutive steps of about RAW_STEP_BYTES, each
 * with its nav slices and the partition's sig/single buffers (accumulate
 * into them). It must give the same buffers as `process` on the decoded
 * frames.
 */
export type RawProcessFn<P> = (raw: RawFrames, n: number, start: number, buffers: Record<string, Float64Array>, params: P, meta: DatasetMeta) => void;

/** This module's file: the `module` of partition tasks. */
export const PARTITION_MODULE = __filename;

/** A UDF as a worker sees it: plain data plus where its process function lives. */
export interface PartitionUDF {
  name: string;
  process: TaskRef;
  /** Its process for frames as stored (UDF.processRaw), if it has one. */
  processRaw?: TaskRef;
  params: unknown;
  specs: [string, BufferSpec][];
}

/** Frames [start, start+n) of a partition: from `frames` (sent by the caller) or read from `spec`. */
export interface PartitionJob {
  meta: DatasetMeta;
  start: number;
  n: number;
  udfs: PartitionUDF[];
  spec?: ChunkSpec;
  frames?: Float32Array;
}

/** Length of a buffer for a partition of `nFrames` frames. */
export function bufferLength(s: BufferSpec, meta: DatasetMeta, nFrames: number): number {
  const extra = s.extra ?? 1;
  if (s.kind === "nav") return nFrames * extra;
  if (s.kind === "sig") return meta.frameSize * extra;
  if (s.kind === "single") return s.length ?? 1;
  throw new TypeError(`runUDF: unknown buffer kind ${JSON.stringify((s as BufferSpec).kind)}`);
}

/** Fresh buffers of one partition (sig/single filled with `init`); `nav` overrides the nav buffers (views into the full result). */
export function partitionBuffers(specs: [string, BufferSpec][], meta: DatasetMeta, n: number, nav?: (name: string, s: BufferSpec) => Float64Array): Record<string, Float64Array> {
  const b: Record<string, Float64Array> = {};
  for (const [name, s] of specs) {
    if (s.kind === "nav" && nav) { b[name] = nav(name, s); continue; }
    b[name] = new Float64Array(bufferLength(s, meta, n));
    if (s.kind !== "nav" && s.init) b[name].fill(s.init);
  }
  return b;
}

/**
 * Merge a partition's partial sig/single result `src` into `dst` ("sum"
 * default, "max", "min"; NaN wins for max/min). Every run (serial, worker
 * threads, cluster) merges with this one function, in partition order.
 */
export function mergeInto(dst: Float64Array, src: Float64Array, how: BufferSpec["merge"]): void {
  if (how === "max") { for (let i = 0; i < dst.length; i++) if (src[i] > dst[i] || (src[i] !== src[i])) dst[i] = src[i]; }
  else if (how === "min") { for (let i = 0; i < dst.length; i++) if (src[i] < dst[i] || (src[i] !== src[i])) dst[i] = src[i]; }
  else for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}

/** The process function a reference names (`require(module)[export]`), checked. */
export function processOf(ref: TaskRef, udfName: string): ProcessFn<unknown> {
  let fn: unknown;
  try {
    fn = (require(ref.module) as Record<string, unknown>)[ref.export];
  } catch (e) {
    throw new Error(`runUDF: UDF "${udfName}": cannot load its process module ${ref.module}: ${(e as Error).message}`);
  }
  if (typeof fn !== "function") throw new TypeError(`runUDF: UDF "${udfName}": ${ref.module} has no exported function ${JSON.stringify(ref.export)}`);
  return fn as ProcessFn<unknown>;
}

/** Run `process` (or `processRaw` on raw frames) on one partition; an error names the UDF and the frames. */
export function runProcess<F extends Float32Array | RawFrames>(fn: (frames: F, n: number, start: number, buffers: Record<string, Float64Array>, params: unknown, meta: DatasetMeta) => void, udf: { name: string; params: unknown }, frames: F, meta: DatasetMeta, start: number, n: number, buffers: Record<string, Float64Array>): void {
  try {
    fn(frames, n, start, buffers, udf.params, meta);
  } catch (e) {
    if (e instanceof Error) e.message = `UDF "${udf.name}" failed on frames ${start}..${start + n - 1}: ${e.message}`;
    throw e;
  }
}

// Per-thread frame buffer, reused across partitions.
let chunk: Float32Array | undefined;

/**
 * Frames of a partition read from `spec`: a zero-copy view of shared float32 memory, else read into
 * this thread's SIMD kernel memory (./simd.ts; the kernels then read them in place), else (no
 * WebAssembly SIMD) decoded into a per-thread buffer.
 */
function readFrames(spec: ChunkSpec, start: number, n: number, meta: DatasetMeta): Float32Array {
  const view = viewChunk(spec, start, n) ?? readFramesIntoKernels(spec, start, n, meta.detShape[0]);
  if (view) return view;
  const frameSize = meta.frameSize;
  if (!chunk || chunk.length < n * frameSize) chunk = new Float32Array(n * frameSize);
  const frames = chunk.subarray(0, n * frameSize);
  readFileChunk(spec, start, n, frames);
  return frames;
}

/**
 * Stored bytes per step of a raw partition: small enough that the kernels
 * find the counts still in the CPU cache after the read (reads into a
 * reused 1 MiB buffer measured at about half the CPU time of 16 MiB reads,
 * bench/stem4d/RESULTS.md).
 */
const RAW_STEP_BYTES = 1 << 20;

/**
 * Run the raw processes `fns` of `udfs` over frames [start, start+n) of
 * `spec`, read as stored into this thread's SIMD kernel memory in steps of
 * about RAW_STEP_BYTES (whole frames); `buffers[u]` are UDF u's partition
 * buffers (nav: the n frames from `start`). Returns false, having run
 * nothing, unless every UDF has a raw process and the integer kernels can
 * read `spec` (./simd.ts rawReadable); the caller then decodes the frames
 * to float32 as usual. Both ways give the same results.
 */
export function runRawPartition(spec: ChunkSpec | undefined, udfs: readonly { name: string; params: unknown; specs: [string, BufferSpec][] }[], fns: readonly (RawProcessFn<unknown> | undefined)[], start: number, n: number, meta: DatasetMeta, buffers: Record<string, Float64Array>[]): boolean {
  const ky = meta.detShape[0];
  if (!spec || !fns.every((f) => f) || !rawReadable(spec, ky)) return false;
  const step = Math.max(1, Math.floor(RAW_STEP_BYTES / spec.stride)), file: ChunkState = {};
  try {
    for (let s0 = start; s0 < start + n; s0 += step) {
      const m = Math.min(step, start + n - s0), raw = readRawIntoKernels(spec, s0, m, ky, file)!;
      udfs.forEach((u, k) => {
        const b: Record<string, Float64Array> = {};
        for (const [name, s] of u.specs) b[name] = s.kind === "nav" ? buffers[k][name].subarray((s0 - start) * (s.extra ?? 1), (s0 - start + m) * (s.extra ?? 1)) : buffers[k][name];
        runProcess(fns[k]!, u, raw, meta, s0, m, b);
      });
    }
  } finally {
    closeChunkFile(file);
  }
  return true;
}

/**
 * Worker task: run every UDF of `job` on its partition and return their
 * partition buffers (nav slices and partial sig/single results), in UDF
 * order, for the caller to merge in partition order.
 */
export function processPartition(job: PartitionJob): Record<string, Float64Array>[] {
  const { meta, start, n, udfs } = job;
  const buffers = udfs.map((u) => partitionBuffers(u.specs, meta, n));
  const rawFns = udfs.map((u) => u.processRaw && (processOf(u.processRaw, u.name) as unknown as RawProcessFn<unknown>));
  if (!job.frames && runRawPartition(job.spec, udfs, rawFns, start, n, meta, buffers)) return buffers;
  const frames = job.frames ?? readFrames(job.spec!, start, n, meta);
  udfs.forEach((u, k) => runProcess(processOf(u.process, u.name), u, frames, meta, start, n, buffers[k]));
  return buffers;
}
