/**
 * Frame sources: where a dataset's patterns live (memory, a file read in
 * chunks, an HDF5 dataset). Every source delivers frames as float32, in scan
 * order (row-major over the scan: frame index = row * cols + col).
 *
 * `readChunk` is the one routine that reads frames from memory or a file;
 * the calling thread and the worker threads (which require this module) run
 * the same code, which keeps parallel results bit-identical to serial ones.
 */
import * as fs from "node:fs";
import { decodeInto, type DType } from "./dtype";

/**
 * A plain-data description of where frames are, which a worker thread can
 * open itself. `flipRows` (a frame's height): each frame's rows are delivered
 * in reverse order (a detector whose reference reader flips the row axis, e.g. Merlin .mib).
 */
export type ChunkSpec =
  | { type: "file"; path: string; offset: number; stride: number; frameHeader: number; frameSize: number; kind: string; size: number; littleEndian: boolean; flipRows?: number }
  | { type: "memory"; bytes: Uint8Array; offset: number; stride: number; frameHeader: number; frameSize: number; kind: string; size: number; littleEndian: boolean; flipRows?: number };

/** Scratch state of one reader (open file descriptor, byte buffer). */
export interface ChunkState { fd?: number; scratch?: Uint8Array }

/**
 * Read frames [start, start+count) described by `spec` into `out`
 * (count*frameSize float32). Self-contained: see the module comment.
 */
export function readChunk(
  fsmod: { openSync: (p: string, f: string) => number; readSync: (fd: number, b: Uint8Array, o: number, l: number, p: number) => number },
  decode: (b: Uint8Array, k: string, s: number, le: boolean, o: Float32Array, n: number) => void,
  spec: ChunkSpec, state: ChunkState, start: number, count: number, out: Float32Array,
): void {
  if (spec.flipRows) {
    readChunk(fsmod, decode, { ...spec, flipRows: undefined }, state, start, count, out);
    const h = spec.flipRows, w = spec.frameSize / h, row = new Float32Array(w);
    for (let f = 0; f < count; f++) {
      for (let y = 0; y < h >> 1; y++) {
        const a = f * spec.frameSize + y * w, b = f * spec.frameSize + (h - 1 - y) * w;
        row.set(out.subarray(a, a + w));
        out.copyWithin(a, b, b + w);
        out.set(row, b);
      }
    }
    return;
  }
  const fsz = spec.frameSize, bpe = spec.size, frameBytes = fsz * bpe;
  const contiguous = spec.stride === frameBytes;
  const first = spec.offset + start * spec.stride;
  const nbytes = contiguous ? count * frameBytes : count * spec.stride;
  let bytes: Uint8Array;
  if (spec.type === "memory") {
    bytes = spec.bytes.subarray(first, first + nbytes);
  } else {
    if (state.fd === undefined) state.fd = fsmod.openSync(spec.path, "r");
    const direct = contiguous && spec.kind === "f" && bpe === 4 && spec.littleEndian && (out.byteOffset % 4) === 0;
    if (direct) bytes = new Uint8Array(out.buffer, out.byteOffset, nbytes);
    else {
      if (!state.scratch || state.scratch.length < nbytes) state.scratch = new Uint8Array(nbytes);
      bytes = state.scratch.subarray(0, nbytes);
    }
    let done = 0;
    while (done < nbytes) {
      const got = fsmod.readSync(state.fd, bytes, done, nbytes - done, first + done);
      if (got <= 0) throw new Error(`read ${spec.path}: unexpected end of file at byte ${first + done} (wanted ${nbytes - done} more bytes)`);
      done += got;
    }
    if (direct) return;
  }
  if (contiguous) {
    // Decoding needs element alignment for the fast path; copy when it is missing.
    if (bytes.byteOffset % bpe !== 0) bytes = bytes.slice();
    decode(bytes, spec.kind, bpe, spec.littleEndian, out, count * fsz);
  } else {
    for (let i = 0; i < count; i++) {
      let b = bytes.subarray(i * spec.stride + spec.frameHeader, i * spec.stride + spec.frameHeader + frameBytes);
      if (b.byteOffset % bpe !== 0) b = b.slice();
      decode(b, spec.kind, bpe, spec.littleEndian, out.subarray(i * fsz, (i + 1) * fsz), fsz);
    }
  }
}

/**
 * A zero-copy float32 view of frames [start, start+count) when the spec is
 * float32 little-endian, contiguous and aligned in memory; else undefined.
 * Self-contained (shipped to workers like readChunk).
 */
export function viewChunk(spec: ChunkSpec, start: number, count: number): Float32Array | undefined {
  if (spec.type !== "memory" || spec.flipRows || spec.kind !== "f" || spec.size !== 4 || !spec.littleEndian || spec.stride !== spec.frameSize * 4) return undefined;
  const off = spec.bytes.byteOffset + spec.offset + start * spec.stride;
  if (off % 4 !== 0) return undefined;
  return new Float32Array(spec.bytes.buffer, off, count * spec.frameSize);
}

/** Physical calibration of a 4D-STEM dataset (all optional). */
export interface Calibration4D {
  /** Real-space scan step (distance between probe positions), in `scanUnit`. */
  scanStep?: number;
  /** Unit of `scanStep`, e.g. "nm" or "Å". */
  scanUnit?: string;
  /** Reciprocal-space size of one detector pixel, in `detUnit` (e.g. 1/Å or mrad). */
  detPixelSize?: number;
  /** Unit of `detPixelSize`, e.g. "1/Å" or "mrad". */
  detUnit?: string;
  /** Accelerating voltage in kV. */
  voltage?: number;
}

/** Where a dataset's frames come from. */
export interface FrameSource {
  /** Human-readable origin, e.g. "file data.npy (<u2)". */
  readonly description: string;
  /** The file the frames are read from, when they are (writers refuse to overwrite it). */
  readonly path?: string;
  readonly dtype: DType;
  /** Read frames [start, start+count) as float32 into out (length >= count*frameSize). */
  read(start: number, count: number, out: Float32Array): void;
  /** A read-only zero-copy view of the frames when the storage allows (float32 in memory), else undefined. */
  view?(start: number, count: number): Float32Array | undefined;
  /** A description a worker thread can read from itself, or undefined (the main thread then reads). */
  chunkSpec(): ChunkSpec | undefined;
  /** Whether the bytes live on disk (streaming) rather than in memory. */
  readonly onDisk: boolean;
  close(): void;
}

/** Frames in memory or a file, through `readChunk`. */
export class ChunkSource implements FrameSource {
  private state: ChunkState = {};
  constructor(readonly spec: ChunkSpec, readonly dtype: DType, readonly description: string, private shareable: boolean) {}
  get onDisk(): boolean { return this.spec.type === "file"; }
  get path(): string | undefined { return this.spec.type === "file" ? this.spec.path : undefined; }
  read(start: number, count: number, out: Float32Array): void {
    readChunk(fs, decodeInto, this.spec, this.state, start, count, out);
  }
  view(start: number, count: number): Float32Array | undefined {
    return viewChunk(this.spec, start, count);
  }
  chunkSpec(): ChunkSpec | undefined {
    if (this.spec.type === "file") return this.spec;
    return this.shareable ? this.spec : undefined;
  }
  close(): void {
    if (this.state.fd !== undefined) { fs.closeSync(this.state.fd); this.state.fd = undefined; }
    this.state.scratch = undefined;
  }
}
