/**
 * NumPy `.npy` files: reader, header-only reader (for chunked access to huge
 * files) and writer.
 *
 * Format: NumPy Enhancement Proposal 1 / `numpy.lib.format` — magic
 * `\x93NUMPY`, version byte pair, a little-endian header length (2 bytes in
 * version 1.0, 4 bytes in 2.0 and 3.0), an ASCII (1.0, 2.0) or UTF-8 (3.0)
 * Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (h, w), }`
 * padded with spaces and a newline, then the raw array bytes.
 */
import { closeSync, fstatSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { writeAtomicallySync } from "./atomic";
import { parseElementType } from "./dtype";
import {
  HOST_LITTLE_ENDIAN,
  NumericArray,
  byteSwapInPlace,
  decodeHalf,
  ioError,
  openFileOrThrow,
  shapeSize,
  sourceName,
} from "./util";

/** The `.npy` magic string, `\x93NUMPY`. */
export const NPY_MAGIC = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** What the header of a `.npy` file says. */
export interface NpyHeader {
  /** The dtype exactly as written in the header, e.g. "<f4", ">i2", "|u1", "|b1". */
  dtype: string;
  /** Array shape, C convention (slowest axis first); [] for a 0-d array. */
  shape: number[];
  /** True when the bytes are in Fortran (column-major) order. */
  fortranOrder: boolean;
  /** Byte offset of the first data byte in the file. */
  dataOffset: number;
  /** Bytes per element. */
  itemSize: number;
  /** Byte order of the data ('|' single-byte types count as little-endian). */
  littleEndian: boolean;
  /** Kind letter: 'b' bool, 'i' signed int, 'u' unsigned int, 'f' float. */
  kind: "b" | "i" | "u" | "f";
  /** Format version, e.g. [1, 0]. */
  version: [number, number];
  /** Number of elements (product of shape). */
  size: number;
}

/** A `.npy` array as read: C-order data in a typed array of the natural type. */
export interface NpyArray {
  /**
   * Element values in C (row-major) order, whatever order the file used.
   * Type by dtype: b1 → Uint8Array (0/1); i1 → Int8Array; u1 → Uint8Array;
   * i2/u2 → Int16Array/Uint16Array; i4/u4 → Int32Array/Uint32Array;
   * f2 → Float32Array (exact: every half is a float32); f4 → Float32Array;
   * f8 → Float64Array; i8/u8 → Float64Array by default (see `ReadNpyOptions.int64`)
   * or BigInt64Array/BigUint64Array with `int64: "bigint"`.
   */
  data: NumericArray;
  shape: number[];
  /** The dtype as written in the file, e.g. ">f8". */
  dtype: string;
  /** Whether the file stored the data in Fortran order (the data returned is C order regardless). */
  fortranOrder: boolean;
}

export interface ReadNpyOptions {
  /**
   * How 64-bit integers (i8, u8) come back. "number" (default): a
   * Float64Array, after checking every value is exactly representable
   * (|v| ≤ 2^53 − 1); a value beyond that throws, naming the element.
   * "bigint": a BigInt64Array / BigUint64Array, exact.
   */
  int64?: "number" | "bigint";
}

const FN_READ = "readNpy";

/** Parse the header from the first bytes of a file (needs at least the whole header). */
function parseHeader(fn: string, name: string, bytes: Uint8Array, fileLength: number): NpyHeader {
  if (bytes.length < 10) throw ioError(fn, name, `truncated: ${bytes.length} bytes, a .npy header needs at least 10`);
  for (let i = 0; i < 6; i++) {
    if (bytes[i] !== NPY_MAGIC[i]) {
      throw ioError(fn, name, `not a .npy file: magic bytes ${hex(bytes.subarray(0, 6))}, expected 93 4e 55 4d 50 59 ("\\x93NUMPY")`);
    }
  }
  const major = bytes[6];
  const minor = bytes[7];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw ioError(fn, name, `truncated: ${bytes.length} bytes, a version ${major} header needs at least 12`);
    headerLen = (bytes[8] | (bytes[9] << 8) | (bytes[10] << 16)) + bytes[11] * 2 ** 24;
    start = 12;
  } else {
    throw ioError(fn, name, `unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are supported)`);
  }
  if (bytes.length < start + headerLen) {
    throw ioError(fn, name, `truncated: header length field says ${headerLen} bytes, only ${Math.max(0, bytes.length - start)} present`);
  }
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLen));
  const descrM = /['"]descr['"]\s*:\s*(['"])(.*?)\1/.exec(text);
  if (!descrM) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw ioError(fn, name, `structured (record) dtypes are not supported: header ${text.trim()}`);
    throw ioError(fn, name, `corrupt header: no 'descr' entry in ${JSON.stringify(text.trim())}`);
  }
  const fortranM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fortranM) throw ioError(fn, name, `corrupt header: no 'fortran_order' entry in ${JSON.stringify(text.trim())}`);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeM) throw ioError(fn, name, `corrupt header: no 'shape' tuple in ${JSON.stringify(text.trim())}`);
  const shape = shapeM[1]
    .split(",")
    .map((s) => s.trim().replace(/L$/, ""))
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = /^\d+$/.test(s) ? Number(s) : NaN;
      if (!Number.isSafeInteger(v)) throw ioError(fn, name, `corrupt header: shape entry ${JSON.stringify(s)} is not a non-negative integer`);
      return v;
    });
  const { kind, size: itemSize, littleEndian } = parseElementType(descrM[2], fn, name);
  const size = shapeSize(shape);
  const dataOffset = start + headerLen;
  const need = size * itemSize;
  const have = fileLength - dataOffset;
  if (have < need) {
    throw ioError(fn, name, `truncated: header says ${need} bytes of data (shape [${shape.join(", ")}], ${descrM[2]}), file has ${Math.max(0, have)}`);
  }
  return { dtype: descrM[2], shape, fortranOrder: fortranM[1] === "True", dataOffset, itemSize, littleEndian, kind, version: [major, minor], size };
}

/** A plain Uint8Array view (a Node Buffer's slice() would share memory). */
export function plainBytes(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
}

/**
 * Read only the header of a `.npy` file (a few hundred bytes), e.g. to read
 * slices of a file too big for memory: element `i` (C order, or Fortran order
 * when `fortranOrder`) starts at byte `dataOffset + i * itemSize`.
 * Throws when the file is shorter than the header says (truncated).
 */
export function npyHeader(path: string): NpyHeader {
  const fd = openFileOrThrow("npyHeader", path);
  try {
    const fileLength = fstatSync(fd).size;
    const first = Buffer.alloc(Math.min(12, fileLength));
    readSync(fd, first, 0, first.length, 0);
    let headerEnd = first.length;
    if (first.length >= 10) {
      const major = first[6];
      headerEnd = major === 1 ? 10 + (first[8] | (first[9] << 8)) : first.length >= 12 ? 12 + first.readUInt32LE(8) : first.length;
    }
    const want = Math.min(headerEnd, fileLength);
    const bytes = Buffer.alloc(want);
    readSync(fd, bytes, 0, want, 0);
    return parseHeader("npyHeader", path, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), fileLength);
  } finally {
    closeSync(fd);
  }
}


/** Read a file fully, naming the function and file in the error. */
export function readBytes(fn: string, path: string): Uint8Array {
  try {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw ioError(fn, path, `cannot read: ${(e as Error).message}`);
  }
}

/**
 * Read a `.npy` array (from a path or from the file's bytes).
 *
 * Every bool, integer and float dtype, either byte order ('<', '>', '|'),
 * C or Fortran order, header versions 1.0/2.0/3.0. Fortran-ordered files are
 * transposed on reading: `data` is always C (row-major) order for `shape`.
 * float16 is decoded exactly to float32. Complex, string, object and
 * structured dtypes throw. See `NpyArray.data` for the returned array type
 * and `ReadNpyOptions.int64` for 64-bit integers.
 *
 * Cost: one pass over the data (two for byte swapping or Fortran order).
 *
 * @example
 *   const { data, shape } = readNpy("haadf.npy"); // shape [h, w]
 */
export function readNpy(pathOrBytes: string | Uint8Array, options: ReadNpyOptions = {}): NpyArray {
  const name = sourceName(pathOrBytes);
  const bytes = typeof pathOrBytes === "string" ? readBytes(FN_READ, pathOrBytes) : plainBytes(pathOrBytes);
  const h = parseHeader(FN_READ, name, bytes, bytes.length);
  let data = decodeElements(FN_READ, name, bytes, h, options.int64 ?? "number");
  if (h.fortranOrder && h.shape.length > 1) data = fortranToC(data, h.shape);
  return { data, shape: h.shape, dtype: h.dtype, fortranOrder: h.fortranOrder };
}

function decodeElements(fn: string, name: string, bytes: Uint8Array, h: NpyHeader, int64: "number" | "bigint"): NumericArray {
  const n = h.size;
  if (h.kind === "f" && h.itemSize === 2) return decodeHalf(bytes, h.dataOffset, n, h.littleEndian);
  // Copy into a fresh (aligned) buffer, then fix the byte order.
  const raw = new Uint8Array(n * h.itemSize); // a copy (never a view: Buffer.slice shares memory)
  raw.set(bytes.subarray(h.dataOffset, h.dataOffset + n * h.itemSize));
  if (h.littleEndian !== HOST_LITTLE_ENDIAN) byteSwapInPlace(raw, h.itemSize);
  const buf = raw.buffer;
  const signed = h.kind === "i";
  switch (h.itemSize) {
    case 1:
      return signed ? new Int8Array(buf) : new Uint8Array(buf);
    case 2:
      return signed ? new Int16Array(buf) : new Uint16Array(buf);
    case 4:
      if (h.kind === "f") return new Float32Array(buf);
      return signed ? new Int32Array(buf) : new Uint32Array(buf);
    case 8: {
      if (h.kind === "f") return new Float64Array(buf);
      const big = signed ? new BigInt64Array(buf) : new BigUint64Array(buf);
      if (int64 === "bigint") return big;
      const out = new Float64Array(n);
      const limit = BigInt(Number.MAX_SAFE_INTEGER);
      for (let i = 0; i < n; i++) {
        const v = big[i];
        if (v > limit || v < -limit) {
          throw ioError(fn, name, `element ${i} = ${v} of dtype ${h.dtype} is not exactly representable as a JavaScript number (|v| > 2^53 - 1); pass { int64: "bigint" }`);
        }
        out[i] = Number(v);
      }
      return out;
    }
  }
  throw ioError(fn, name, `unsupported item size ${h.itemSize}`);
}

/**
 * Reorder Fortran-order (column-major) elements into C order for `shape`.
 * Fortran position of index (i0..ik) is i0 + d0*(i1 + d1*(i2 + ...)).
 */
export function fortranToC<T extends NumericArray>(data: T, shape: readonly number[]): T {
  const n = data.length;
  const out = new (data.constructor as { new (n: number): T })(n);
  const k = shape.length;
  if (n === 0) return out;
  const fStride = new Array<number>(k);
  let s = 1;
  for (let j = 0; j < k; j++) {
    fStride[j] = s;
    s *= shape[j];
  }
  const idx = new Array<number>(k).fill(0);
  let fPos = 0;
  for (let c = 0; c < n; c++) {
    (out as unknown as number[])[c] = (data as unknown as number[])[fPos];
    // increment the C-order index (last axis fastest), tracking the Fortran position
    for (let j = k - 1; j >= 0; j--) {
      idx[j]++;
      fPos += fStride[j];
      if (idx[j] < shape[j]) break;
      fPos -= fStride[j] * shape[j];
      idx[j] = 0;
    }
  }
  return out;
}

/** Element types `writeNpy` can write. */
export type NpyWriteDtype = "<f4" | "<f8" | "|i1" | "|u1" | "<i2" | "<u2" | "<i4" | "<u4" | "<i8" | "<u8";

function dtypeOf(data: unknown): NpyWriteDtype | null {
  if (data instanceof Float32Array) return "<f4";
  if (data instanceof Float64Array) return "<f8";
  if (data instanceof Int8Array) return "|i1";
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "|u1";
  if (data instanceof Int16Array) return "<i2";
  if (data instanceof Uint16Array) return "<u2";
  if (data instanceof Int32Array) return "<i4";
  if (data instanceof Uint32Array) return "<u4";
  if (data instanceof BigInt64Array) return "<i8";
  if (data instanceof BigUint64Array) return "<u8";
  return null;
}

/**
 * Encode an array as `.npy` bytes (format version 1.0, or 2.0 when the
 * header needs more than 65535 bytes), little-endian, C order.
 * The dtype follows the typed array (Float32Array → '<f4', Int16Array →
 * '<i2', BigInt64Array → '<i8', ...); a plain number array is written as
 * '<f8'. `shape` defaults to [data.length] and must multiply to data.length.
 */
export function encodeNpy(
  data: ArrayLike<number> | BigInt64Array | BigUint64Array,
  shape: readonly number[] = [data.length],
  fn = "encodeNpy",
  name = "data",
): Uint8Array {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw ioError(fn, name, `shape [${shape.join(", ")}] has an entry that is not a non-negative integer`);
  }
  if (shapeSize(shape) !== data.length) {
    throw ioError(fn, name, `shape [${shape.join(", ")}] has ${shapeSize(shape)} elements, data has ${data.length}`);
  }
  let dtype = dtypeOf(data);
  let typed: NumericArray;
  if (dtype === null) {
    if (typeof (data as ArrayLike<number>).length !== "number") throw ioError(fn, name, "data must be a typed array or an array of numbers");
    typed = Float64Array.from(data as ArrayLike<number>);
    dtype = "<f8";
  } else {
    typed = data as NumericArray;
  }
  const header = npyHeaderBytes(dtype, shape);
  const out = new Uint8Array(header.length + typed.byteLength);
  out.set(header, 0);
  const body = new Uint8Array(typed.byteLength);
  body.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
  if (!HOST_LITTLE_ENDIAN) byteSwapInPlace(body, typed.BYTES_PER_ELEMENT);
  out.set(body, header.length);
  return out;
}

/**
 * The bytes of a `.npy` header for a C-ordered array of dtype `descr` and
 * `shape`: format version 1.0, or 2.0 when the header needs more than 65535
 * bytes; padded with spaces and a newline so that the data start on a
 * 64-byte boundary (numpy.lib.format). The one header writer of the library.
 */
export function npyHeaderBytes(descr: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 65535) {
    // the 2-byte header length of version 1.0 cannot hold it
    version = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  dict = dict + " ".repeat(total - prefix - dict.length - 1) + "\n";
  const headerLen = dict.length;
  const out = new Uint8Array(prefix + headerLen);
  out.set(NPY_MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) {
    out[8] = headerLen & 0xff;
    out[9] = headerLen >> 8;
  } else {
    new DataView(out.buffer).setUint32(8, headerLen, true);
  }
  for (let i = 0; i < headerLen; i++) out[prefix + i] = dict.charCodeAt(i);
  return out;
}

/**
 * Write an array to a `.npy` file that `numpy.load` reads back with the same
 * values (see `encodeNpy` for dtypes). An `Image` may be passed directly: it
 * is written as float32 with shape [height, width].
 *
 * @example
 *   writeNpy("out.npy", image);                 // float32 (h, w)
 *   writeNpy("counts.npy", new Int32Array(n), [n]);
 */
export function writeNpy(
  path: string,
  data: ArrayLike<number> | BigInt64Array | BigUint64Array | { data: Float32Array; width: number; height: number },
  shape?: readonly number[],
): void {
  let arr: ArrayLike<number> | BigInt64Array | BigUint64Array;
  let shp: readonly number[];
  if (data && typeof data === "object" && "width" in data && "height" in data && (data as { data: unknown }).data instanceof Float32Array) {
    const img = data as { data: Float32Array; width: number; height: number };
    arr = img.data;
    shp = shape ?? [img.height, img.width];
  } else {
    arr = data as ArrayLike<number>;
    shp = shape ?? [arr.length];
  }
  const bytes = encodeNpy(arr, shp, "writeNpy", path);
  writeAtomicallySync("writeNpy", path, (tmp) => {
    try {
      writeFileSync(tmp, bytes);
    } catch (e) {
      throw ioError("writeNpy", path, `cannot write: ${(e as Error).message}`);
    }
  });
}
