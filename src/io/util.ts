/**
 * Small helpers shared by the readers: error construction, opening a file,
 * float16 decoding, and the conversion of any numeric typed array to float32
 * pixels.
 */
import { openSync } from "node:fs";

/** The typed arrays the readers return. */
export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * An error from a reader or writer. The message always starts with the
 * function and the file (or argument) it concerns, e.g.
 * `readNpy("x.npy"): truncated: header says 4194304 bytes of data, file has 1000`.
 */
export class IOFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IOFormatError";
  }
}

/** `fn("file"): reason` as an IOFormatError. */
export function ioError(fn: string, file: string, reason: string): IOFormatError {
  return new IOFormatError(`${fn}(${JSON.stringify(file)}): ${reason}`);
}

/** Open `path` for reading; a failure is an IOFormatError naming `fn`, the file and the system's reason. */
export function openFileOrThrow(fn: string, path: string): number {
  try {
    return openSync(path, "r");
  } catch (e) {
    throw ioError(fn, path, `cannot open: ${(e as Error).message}`);
  }
}

/** A printable name for a path-or-bytes argument. */
export function sourceName(src: string | Uint8Array): string {
  return typeof src === "string" ? src : `<${src.byteLength} bytes>`;
}

/**
 * IEEE 754 binary16 -> number, exact (every half is exactly representable
 * in float32 and float64). Handles subnormals, ±Inf and NaN.
 */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decode `n` float16 values from bytes at `offset` into a new Float32Array. */
export function decodeHalf(bytes: Uint8Array, offset: number, n: number, littleEndian: boolean): Float32Array {
  // Table lookup: 65536 entries, built once (256 KiB).
  const table = halfTable();
  const out = new Float32Array(n);
  if (littleEndian) {
    for (let i = 0, p = offset; i < n; i++, p += 2) out[i] = table[bytes[p] | (bytes[p + 1] << 8)];
  } else {
    for (let i = 0, p = offset; i < n; i++, p += 2) out[i] = table[(bytes[p] << 8) | bytes[p + 1]];
  }
  return out;
}

let HALF_TABLE: Float32Array | undefined;
function halfTable(): Float32Array {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloat(h);
  }
  return HALF_TABLE;
}

/** True when the host is little-endian (it is on every platform Node supports, but check). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Swap the byte order of every `size`-byte element in place. */
export function byteSwapInPlace(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let p = 0; p + size <= bytes.length; p += size) {
    for (let a = p, b = p + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/**
 * Convert any numeric array to float32 pixels. 64-bit integers are converted
 * through Number (exact up to 2^53; float32 keeps 24 significant bits anyway).
 */
export function toFloat32(data: ArrayLike<number> | BigInt64Array | BigUint64Array): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  } else {
    for (let i = 0; i < data.length; i++) out[i] = (data as ArrayLike<number>)[i];
  }
  return out;
}

/** Product of a shape (1 for a scalar shape []). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
