/**
 * Element types of 4D-STEM files and their conversion to float32.
 *
 * A dtype is written as NumPy writes it in a `.npy` header: byte order
 * (`<` little, `>` big, `|` not applicable) + kind (`f` float, `u` unsigned,
 * `i` signed) + size in bytes, e.g. `<f4`, `>u2`, `|u1`. All analyses read
 * frames as float32 (the conversion is exact for every integer type up to 24
 * bits and for float32; float64 and 32-bit integers round to nearest float32).
 */
import { parseElementType, type ElementType } from "../io/dtype";

export interface DType {
  /** Canonical NumPy descr, e.g. "<f4". */
  descr: string;
  kind: "f" | "u" | "i";
  /** Bytes per element. */
  size: 1 | 2 | 4 | 8;
  littleEndian: boolean;
}

/**
 * Parse "float32", "<f4", ">u2", "uint16", ... into a DType (through the one
 * dtype parser, `parseElementType` in src/io/dtype.ts) and check that 4-D
 * frames can be decoded from it; `where` names the caller for errors.
 */
export function parseDType(spec: string, where = "dtype"): DType {
  let t: ElementType;
  try {
    t = parseElementType(spec);
  } catch (e) {
    throw new TypeError(`${where}: ${(e as Error).message.replace(/^dtype\("dtype"\): /, "")}`);
  }
  const { kind, size } = t;
  const ok = kind === "f" ? size === 4 || size === 8 : kind !== "b" && size <= 4;
  if (!ok) throw new TypeError(`${where}: unsupported dtype ${JSON.stringify(spec)}: ${kind}${size} is not supported for 4-D data (float32/64, uint8/16/32, int8/16/32 are)`);
  return t as DType;
}

/** The dtype of a typed array (native = little-endian on every platform Node supports). */
export function dtypeOfArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return parseDType("<f4");
  if (a instanceof Float64Array) return parseDType("<f8");
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return parseDType("|u1");
  if (a instanceof Uint16Array) return parseDType("<u2");
  if (a instanceof Uint32Array) return parseDType("<u4");
  if (a instanceof Int8Array) return parseDType("|i1");
  if (a instanceof Int16Array) return parseDType("<i2");
  if (a instanceof Int32Array) return parseDType("<i4");
  throw new TypeError(`dtypeOfArray: unsupported array type ${a?.constructor?.name}`);
}

/**
 * Decode `n` elements from `bytes` (starting at byte 0) into `out[0..n)`.
 * Self-contained (no references outside its body) so that worker threads can
 * run the same source text: parallel and serial reads are bit-identical.
 */
export function decodeInto(bytes: Uint8Array, kind: string, size: number, littleEndian: boolean, out: Float32Array, n: number): void {
  const aligned = (bytes.byteOffset % size) === 0;
  if (littleEndian && aligned) {
    const buf = bytes.buffer, off = bytes.byteOffset;
    let src: ArrayLike<number>;
    if (kind === "f" && size === 4) { out.set(new Float32Array(buf, off, n)); return; }
    else if (kind === "f") src = new Float64Array(buf, off, n);
    else if (kind === "u" && size === 1) src = new Uint8Array(buf, off, n);
    else if (kind === "u" && size === 2) src = new Uint16Array(buf, off, n);
    else if (kind === "u") src = new Uint32Array(buf, off, n);
    else if (size === 1) src = new Int8Array(buf, off, n);
    else if (size === 2) src = new Int16Array(buf, off, n);
    else src = new Int32Array(buf, off, n);
    for (let i = 0; i < n; i++) out[i] = src[i];
    return;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n * size);
  const le = littleEndian;
  for (let i = 0, p = 0; i < n; i++, p += size) {
    let v: number;
    if (kind === "f") v = size === 4 ? dv.getFloat32(p, le) : dv.getFloat64(p, le);
    else if (kind === "u") v = size === 1 ? dv.getUint8(p) : size === 2 ? dv.getUint16(p, le) : dv.getUint32(p, le);
    else v = size === 1 ? dv.getInt8(p) : size === 2 ? dv.getInt16(p, le) : dv.getInt32(p, le);
    out[i] = v;
  }
}
