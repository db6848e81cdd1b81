/**
 * The 4D-STEM dataset: a scan of `rows × cols` probe positions, each with a
 * diffraction pattern of `ky × kx` detector pixels.
 *
 * Conventions (as everywhere in causalscope): scan x = column, scan y = row;
 * detector kx = column, ky = row; frame index = row * cols + col; a pattern is
 * row-major (`pattern[ky * kx_size + kx]`). Frames are always delivered as
 * float32 whatever the stored dtype. A dataset is backed by memory or by a
 * file read in chunks (see `readDataset4D`), so a 100 GB file opens instantly
 * and is streamed by the analyses.
 */
import { makeImage, type Image } from "../image";
import { openByContent, type Frames4DOptions } from "../io/registry";
import { dtypeOfArray, type DType } from "../io/dtype";
import { ChunkSource, type Calibration4D, type FrameSource } from "../io/frames4d";

export type { Calibration4D } from "../io/frames4d";

/** A 4D-STEM dataset; see the module comment for conventions. */
export class Dataset4D {
  /** [rows, cols] of the scan (y, x). */
  readonly scanShape: [number, number];
  /** [ky, kx] of the detector (rows, columns). */
  readonly detShape: [number, number];
  readonly calibration: Calibration4D;
  readonly source: FrameSource;

  constructor(source: FrameSource, scanShape: [number, number], detShape: [number, number], calibration: Calibration4D = {}) {
    for (const [name, s] of [["scanShape", scanShape], ["detShape", detShape]] as const) {
      if (!Array.isArray(s) || s.length !== 2 || !s.every((d) => Number.isInteger(d) && d > 0)) {
        throw new RangeError(`Dataset4D: ${name} must be two positive integers, got ${JSON.stringify(s)}`);
      }
    }
    this.source = source;
    this.scanShape = [scanShape[0], scanShape[1]];
    this.detShape = [detShape[0], detShape[1]];
    this.calibration = { ...calibration };
  }

  /** Number of patterns (rows * cols). */
  get nFrames(): number { return this.scanShape[0] * this.scanShape[1]; }
  /** Pixels per pattern (ky * kx). */
  get frameSize(): number { return this.detShape[0] * this.detShape[1]; }
  /** Stored element type. */
  get dtype(): DType { return this.source.dtype; }
  /** Stored bytes of the pattern data. */
  get byteLength(): number { return this.nFrames * this.frameSize * this.source.dtype.size; }

  /** Read frames [start, start+count) as float32 (into `out` when given). */
  readFrames(start: number, count: number, out?: Float32Array): Float32Array {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > this.nFrames) {
      throw new RangeError(`Dataset4D.readFrames: frames [${start}, ${start + count}) outside [0, ${this.nFrames})`);
    }
    const buf = out ?? new Float32Array(count * this.frameSize);
    if (buf.length < count * this.frameSize) throw new RangeError(`Dataset4D.readFrames: out has ${buf.length} elements, need ${count * this.frameSize}`);
    this.source.read(start, count, buf);
    return buf;
  }

  /** The pattern at scan position (row, col) as an Image (width = kx, height = ky). */
  pattern(row: number, col: number): Image {
    const [rows, cols] = this.scanShape;
    if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0 || row >= rows || col >= cols) {
      throw new RangeError(`Dataset4D.pattern: (row ${row}, col ${col}) outside the ${rows}×${cols} scan`);
    }
    return makeImage(this.readFrames(row * cols + col, 1), this.detShape[1], this.detShape[0]);
  }

  /** Release file handles. */
  close(): void { this.source.close(); }

  toString(): string {
    const [r, c] = this.scanShape, [ky, kx] = this.detShape;
    return `Dataset4D ${r}×${c} scan × ${ky}×${kx} detector, ${this.dtype.descr}, ${(this.byteLength / 2 ** 20).toFixed(1)} MiB (${this.source.description})`;
  }

  toMimeBundle(): Record<string, unknown> {
    const text = this.toString();
    const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(200, text.length * 7)}" height="24"><text x="4" y="16" font-family="monospace" font-size="12">${esc}</text></svg>`;
    return { "text/plain": text, "image/svg+xml": svg };
  }
}

type NumericArray = Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array;

/**
 * A dataset over patterns in memory: `data` holds rows*cols*ky*kx values in
 * C order (scan row, scan col, ky, kx). The array is used, not copied. When
 * its buffer is a SharedArrayBuffer, worker threads read it without copies.
 */
export function dataset4D(data: NumericArray, scanShape: [number, number], detShape: [number, number], calibration: Calibration4D = {}): Dataset4D {
  if (!ArrayBuffer.isView(data)) throw new TypeError("dataset4D(data): data must be a typed array");
  const dtype = dtypeOfArray(data);
  const n = scanShape[0] * scanShape[1] * detShape[0] * detShape[1];
  if (data.length !== n) {
    throw new RangeError(`dataset4D(data): data has ${data.length} values, scanShape ${JSON.stringify(scanShape)} × detShape ${JSON.stringify(detShape)} needs ${n}`);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const frameSize = detShape[0] * detShape[1];
  const shared = typeof SharedArrayBuffer !== "undefined" && data.buffer instanceof SharedArrayBuffer;
  const src = new ChunkSource(
    { type: "memory", bytes, offset: 0, stride: frameSize * dtype.size, frameHeader: 0, frameSize, kind: dtype.kind, size: dtype.size, littleEndian: true },
    dtype, shared ? "memory (shared)" : "memory", shared,
  );
  return new Dataset4D(src, scanShape, detShape, calibration);
}

/** Options of `readDataset4D`. */
export interface ReadDataset4DOptions extends Frames4DOptions {
  /**
   * The reader to use, by name ("npy", "hdf5", "raw", or a registered
   * reader's); default: chosen from the file's content. Headerless files
   * have no signature: "raw" is used when asked for, or when no reader
   * recognises the content and `dtype` is given.
   */
  format?: string;
  /** Calibration to use; entries given here override the file's. */
  calibration?: Calibration4D;
}

/**
 * Open a 4D-STEM dataset from a file without loading it. The reader is
 * chosen from the file's content through the reader registry
 * (src/io/registry.ts; `registerReader` adds formats): `.npy` (C order, 4-D
 * `(rows, cols, ky, kx)` or 3-D `(N, ky, kx)` with `scanShape`), HDF5/EMD
 * (py4DSTEM and Berkeley EMD layouts, read through h5wasm in chunks; filters
 * h5wasm lacks and corrupt chunks raise), the detector formats — Quantum
 * Detectors Merlin `.mib` (or its `.hdr`; processed U08/U16/U32 and raw R64
 * frames, single chip or quad; rows in rosettasciio's orientation, scan
 * shape from the `.hdr` or the frame timestamps; src/io/formats/mib.ts),
 * NanoMegas `.blo`, EMPAD `.xml` + `.raw` — or raw binary (`format: "raw"`, or
 * any unrecognised content when `dtype` is given, with `scanShape`,
 * `detShape`, optional file/frame headers and footers). Frames are read on
 * demand in chunks by `pread` (the OS page cache plays the role of a memory
 * map), so memory stays bounded by the chunk size whatever the file size.
 *
 * Errors name the file and the reason: a file shorter than its header says,
 * a shape that does not match, an unsupported dtype or Fortran order, an
 * unknown format (listing the formats tried).
 *
 * @example const ds = await readDataset4D("scan.npy"); // 4-D float32 or uint16
 */
export async function readDataset4D(path: string, options: ReadDataset4DOptions = {}): Promise<Dataset4D> {
  if (typeof path !== "string" || path.length === 0) throw new TypeError("readDataset4D(path): path must be a non-empty string");
  const where = `readDataset4D(${JSON.stringify(path)})`;
  const { opened } = await openByContent("readDataset4D", path, "frames4D", {
    format: options.format,
    fallback: options.dtype !== undefined ? "raw" : undefined,
    hint: 'headerless files need options.format "raw" with scanShape, detShape and dtype',
  });
  const got = await opened.frames4D!(options);
  try {
    const { scanShape, detShape } = shapes(where, got.shape, got.what, options);
    return new Dataset4D(got.source, scanShape, detShape, { ...got.calibration, ...options.calibration });
  } catch (e) {
    got.source.close();
    throw e;
  }
}

/** The scan and detector shapes of stored data of `shape`, with the options' reshape checked. */
function shapes(where: string, shape: number[], what: string, options: ReadDataset4DOptions): { scanShape: [number, number]; detShape: [number, number] } {
  let scanShape: [number, number], detShape: [number, number];
  if (shape.length === 4) {
    detShape = [shape[2], shape[3]];
    scanShape = [shape[0], shape[1]];
    if (options.scanShape) {
      if (options.scanShape[0] * options.scanShape[1] !== shape[0] * shape[1]) throw new RangeError(`${where}: options.scanShape ${JSON.stringify(options.scanShape)} has ${options.scanShape[0] * options.scanShape[1]} positions, the file has ${shape[0]}×${shape[1]} = ${shape[0] * shape[1]}`);
      scanShape = [options.scanShape[0], options.scanShape[1]];
    }
  } else if (shape.length === 3) {
    if (!options.scanShape) throw new Error(`${where}: ${what} is 3-D (${shape.join("×")}); pass options.scanShape [rows, cols] with rows*cols = ${shape[0]}`);
    if (options.scanShape[0] * options.scanShape[1] !== shape[0]) throw new RangeError(`${where}: options.scanShape ${JSON.stringify(options.scanShape)} has ${options.scanShape[0] * options.scanShape[1]} positions, the file has ${shape[0]} frames`);
    scanShape = [options.scanShape[0], options.scanShape[1]];
    detShape = [shape[1], shape[2]];
  } else {
    throw new RangeError(`${where}: expected a 4-D (rows, cols, ky, kx) or 3-D (N, ky, kx) array, got shape (${shape.join(", ")})`);
  }
  if (options.detShape && (options.detShape[0] !== detShape[0] || options.detShape[1] !== detShape[1])) {
    throw new RangeError(`${where}: options.detShape ${JSON.stringify(options.detShape)} does not match the file's detector ${detShape[0]}×${detShape[1]}`);
  }
  return { scanShape, detShape };
}
