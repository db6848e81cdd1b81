/**
 * JavaScript side of the WebAssembly SIMD kernels for the two hottest 4D-STEM
 * reductions (virtual detector sums and the centre of mass), whose source is
 * src/wasm/assembly/stem4d.ts (AssemblyScript, compiled at build time; its
 * comment gives the numerics and the exports com and vi). The bytes travel to
 * worker threads inside UDF params.
 *
 * Numerics: float32 lanes within a detector row, float64 across rows; the
 * relative rounding error of a pattern sum is about kx/4 · 2⁻²⁴ (≤ 2·10⁻⁶
 * for kx = 128) of the row sums, far below shot noise. Kernels need
 * kx % 4 == 0; otherwise, or where WebAssembly SIMD is missing, the UDFs
 * fall back to plain float64 loops.
 *
 * Frames from a file are decoded straight into the kernels' memory
 * (readFramesIntoKernels) and the kernels read them in place: from the file
 * to the result there is one read and, for integer data, one conversion to
 * float32, no other copy. 8- and 16-bit counts need not even that
 * conversion: when every UDF of a pass can read them (UDF.processRaw), the
 * partition's stored bytes are read into the kernels' memory as they are
 * (readRawIntoKernels) and the integer kernels (comU8 … viU16BE, the same
 * sums bit for bit) read them there (measured in bench/stem4d/RESULTS.md).
 */

import * as fs from "node:fs";
import { stem4dWasm } from "../wasm/binaries.generated";
import { decodeInto } from "../io/dtype";
import { readChunk, type ChunkSpec, type ChunkState } from "../io/frames4d";

let cached: Uint8Array | null | undefined;
/** The kernel bytes when this runtime validates them (WebAssembly SIMD), else null. */
export function simdKernels(): Uint8Array | null {
  if (cached !== undefined) return cached;
  try {
    const bytes = stem4dWasm();
    const WA = (globalThis as unknown as { WebAssembly?: { validate(b: Uint8Array): boolean } }).WebAssembly;
    cached = WA && WA.validate(bytes) ? bytes : null;
  } catch {
    cached = null;
  }
  return cached;
}

type Memory = { buffer: ArrayBuffer; grow(pages: number): number };
type Kernels = { wasm: Uint8Array; com: Function; vi: Function; exports: Record<string, Function>; memory: Memory };
/** This thread's instance of the kernels (each worker thread has its own module state). */
let instance: Kernels | undefined;

/**
 * The kernels of `wasm`, instantiated once per thread, with a memory of at
 * least `bytes` bytes (grown as needed, never shrunk).
 */
export function wasmKernels(wasm: Uint8Array, bytes: number): Kernels {
  if (!instance || instance.wasm !== wasm) {
    const WA = (globalThis as unknown as { WebAssembly: any }).WebAssembly; // the library's lib has no WebAssembly types
    const memory: Memory = new WA.Memory({ initial: 1 });
    const e = new WA.Instance(new WA.Module(wasm), { env: { memory } }).exports;
    instance = { wasm, com: e.com, vi: e.vi, exports: e, memory };
  }
  const need = Math.ceil(bytes / 65536) - instance.memory.buffer.byteLength / 65536;
  if (need > 0) instance.memory.grow(need);
  return instance;
}

/**
 * Bytes the kernels of src/stem4d/analyses.ts need below the frames when
 * they read `n` frames of `frameSize` pixels (`ky` rows) in place: the
 * masked centre of mass, the largest user (3 float64 results per frame,
 * three float32 weight images, a column range per row).
 */
export function kernelScratchBytes(n: number, frameSize: number, ky: number): number {
  return align16(24 * n) + align16(12 * frameSize) + align16(8 * ky);
}

/** `bytes` rounded up to a multiple of 16 (the kernels' regions start 16-byte aligned). */
export function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * Whether `frames` lies in this thread's kernel memory with the scratch of
 * `n` frames below it (see readFramesIntoKernels): the kernels then read it
 * where it is, with no copy. Frames in kernel memory without that room are
 * an internal error, thrown: growing the memory would detach them.
 */
export function framesInKernels(frames: Float32Array, n: number, frameSize: number, ky: number): boolean {
  if (!instance || frames.buffer !== instance.memory.buffer) return false;
  if (frames.byteOffset < kernelScratchBytes(n, frameSize, ky)) throw new Error(`stem4d kernels: frames at byte ${frames.byteOffset} of the kernel memory leave no room for the scratch of ${n} frames`);
  return true;
}

// This thread's buffer for the file's bytes of a partition (integer or byte-swapped frames).
const fileBytes: ChunkState = {};

/**
 * Frames [start, start+n) of `spec` read and decoded to float32 straight
 * into this thread's kernel memory, above the kernels' scratch
 * (kernelScratchBytes); the kernels of analyses.ts then read them in place,
 * other UDFs get the same values as from `readChunk`. Undefined where
 * WebAssembly SIMD is missing. The view stays valid until the next call on
 * this thread.
 */
export function readFramesIntoKernels(spec: ChunkSpec, start: number, n: number, ky: number): Float32Array | undefined {
  const wasm = simdKernels();
  if (!wasm) return undefined;
  const scratch = kernelScratchBytes(n, spec.frameSize, ky), floats = n * spec.frameSize;
  const k = wasmKernels(wasm, scratch + floats * 4);
  const frames = new Float32Array(k.memory.buffer, scratch, floats);
  readFileChunk(spec, start, n, frames);
  return frames;
}

/**
 * Frames [start, start+n) of `spec` decoded into `frames`, with this thread's
 * file byte buffer; the file is opened and closed per call (a pool thread may
 * outlive the dataset).
 */
export function readFileChunk(spec: ChunkSpec, start: number, n: number, frames: Float32Array): void {
  const state: ChunkState = { scratch: fileBytes.scratch };
  try {
    readChunk(fs, decodeInto, spec, state, start, n, frames);
  } finally {
    closeChunkFile(state);
    fileBytes.scratch = state.scratch;
  }
}

/** Close the file a read left open in `state`, if any. */
export function closeChunkFile(state: ChunkState): void {
  if (state.fd !== undefined) fs.closeSync(state.fd);
  state.fd = undefined;
}

/**
 * A partition's frames as stored (integer counts, any byte order, per-frame
 * headers, flipped rows), described as a memory ChunkSpec: frame i's counts
 * start at byte i·stride + frameHeader of `bytes` (frameHeader only when
 * stride ≠ frameSize·size, as in readChunk). `readChunk` decodes it to
 * float32 like the file it came from.
 */
export type RawFrames = Extract<ChunkSpec, { type: "memory" }>;

/** Export-name suffix of the integer kernels for counts stored as `spec` says, or undefined where they have none. */
function intFormat(spec: ChunkSpec): "U8" | "U16" | "U16BE" | undefined {
  if (spec.kind !== "u") return undefined;
  if (spec.size === 1) return "U8";
  if (spec.size === 2) return spec.littleEndian ? "U16" : "U16BE";
  return undefined;
}

/**
 * Whether the integer kernels can read frames of `spec` (ky rows) as
 * stored: 8/16-bit unsigned counts, rows flipped by the frame height if at
 * all, and WebAssembly SIMD in this runtime.
 */
export function rawReadable(spec: ChunkSpec, ky: number): boolean {
  return simdKernels() !== null && intFormat(spec) !== undefined && (!spec.flipRows || spec.flipRows === ky);
}

/**
 * Frames [start, start+n) of `spec` as stored (no decoding) in this
 * thread's kernel memory above the kernels' scratch (kernelScratchBytes),
 * for the integer kernels (see `intKernel`); undefined unless
 * rawReadable(spec, ky). Reads the file with `file.fd` (opened when
 * missing; the caller closes it, closeChunkFile); frames in memory are
 * copied. The view stays valid until the next read on this thread.
 */
export function readRawIntoKernels(spec: ChunkSpec, start: number, n: number, ky: number, file: ChunkState): RawFrames | undefined {
  const wasm = simdKernels();
  if (!wasm || !rawReadable(spec, ky)) return undefined;
  const frameBytes = spec.frameSize * spec.size, contiguous = spec.stride === frameBytes;
  const first = spec.offset + start * spec.stride, nbytes = contiguous ? n * frameBytes : n * spec.stride;
  const scratch = kernelScratchBytes(n, spec.frameSize, ky);
  const bytes = new Uint8Array(wasmKernels(wasm, scratch + nbytes).memory.buffer, scratch, nbytes);
  if (spec.type === "memory") bytes.set(spec.bytes.subarray(first, first + nbytes));
  else {
    file.fd ??= fs.openSync(spec.path, "r");
    for (let done = 0; done < nbytes;) {
      const got = fs.readSync(file.fd, bytes, done, nbytes - done, first + done);
      if (got <= 0) throw new Error(`read ${spec.path}: unexpected end of file at byte ${first + done} (wanted ${nbytes - done} more bytes)`);
      done += got;
    }
  }
  const { frameSize, kind, size, littleEndian, flipRows } = spec;
  return { type: "memory", bytes, offset: 0, stride: contiguous ? frameBytes : spec.stride, frameHeader: contiguous ? 0 : spec.frameHeader, frameSize, kind, size, littleEndian, flipRows };
}

/**
 * The integer kernel `name` ("com" or "vi", src/wasm/assembly/stem4d.ts)
 * for `raw` (n frames of ky × kx) when raw lies in this thread's kernel
 * memory above the kernels' scratch (readRawIntoKernels) and kx % 4 == 0, bound to raw's
 * layout: `run(...rest)` calls it as (first frame, stride, n, kx, ky, flip,
 * ...rest). Undefined otherwise (the caller then decodes, see decodeRaw).
 * The memory is not grown, so `raw` stays valid for the next UDF of the pass.
 */
export function intKernel(raw: RawFrames, name: "com" | "vi", n: number, kx: number, ky: number): { run: (...rest: number[]) => void; memory: Memory } | undefined {
  const fmt = intFormat(raw);
  if (!instance || !fmt || kx % 4 !== 0 || (raw.flipRows && raw.flipRows !== ky) || raw.bytes.buffer !== instance.memory.buffer || raw.bytes.byteOffset < kernelScratchBytes(n, raw.frameSize, ky)) return undefined;
  const fn = instance.exports[name + fmt], ptr = raw.bytes.byteOffset + raw.offset + raw.frameHeader, flip = raw.flipRows ? 1 : 0;
  return { run: (...rest) => fn(ptr, raw.stride, n, kx, ky, flip, ...rest), memory: instance.memory };
}

/**
 * Frames [start, start+n) of `raw` decoded to float32 (readChunk, as from the
 * file), in a new array outside the kernel memory, so that the kernels'
 * scratch and `raw` itself stay untouched.
 */
export function decodeRaw(raw: RawFrames, start: number, n: number): Float32Array {
  const out = new Float32Array(n * raw.frameSize);
  readChunk(fs, decodeInto, raw, {}, start, n, out);
  return out;
}
