/**
 * Element types: the one parser for every reader and writer — NumPy descr
 * strings as written in `.npy` headers (byte order `<` little, `>` big, `|`
 * not applicable, `=` native + kind + item size: `<f4`, `>u2`, `|b1`) and the
 * common names (`float32`, `uint16`, `f4`, ...) — and the decoder of 4-D
 * frames to float32 (`decodeInto`).
 */
import { HOST_LITTLE_ENDIAN, ioError } from "./util";

/** A parsed element type. */
export interface ElementType {
  /** Canonical NumPy descr: order character + kind + size, e.g. "<f4", "|u1", ">i2". */
  descr: string;
  /** b bool, i signed integer, u unsigned integer, f float. */
  kind: "b" | "i" | "u" | "f";
  /** Bytes per element. */
  size: 1 | 2 | 4 | 8;
  /** Byte order of the stored data (single-byte types count as little-endian). */
  littleEndian: boolean;
}

const NAMES: Record<string, string> = {
  bool: "|b1", float16: "<f2", float32: "<f4", float64: "<f8",
  uint8: "|u1", uint16: "<u2", uint32: "<u4", uint64: "<u8",
  int8: "|i1", int16: "<i2", int32: "<i4", int64: "<i8",
};

const SIZES: Record<string, number[]> = { b: [1], i: [1, 2, 4, 8], u: [1, 2, 4, 8], f: [2, 4, 8] };
const UNSUPPORTED_KINDS: Record<string, string> = {
  O: "object", S: "byte string", a: "byte string", U: "unicode string", V: "void/structured", M: "datetime", m: "timedelta",
};

/**
 * Parse a NumPy descr ("<f4", ">u2", "|b1", "=i8") or a name ("float32",
 * "uint16", "f4") into an `ElementType`. `fn`/`name` say who is asking, for
 * the error (`fn("name"): unsupported dtype ...`). Complex, string, object,
 * structured and datetime types throw, naming the kind.
 */
export function parseElementType(spec: string, fn = "dtype", name = "dtype"): ElementType {
  const s = NAMES[spec] ?? (/^[biuf]\d$/.test(spec) ? (spec[1] === "1" ? "|" : "<") + spec : spec);
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(s);
  if (!m) throw ioError(fn, name, `unsupported dtype ${JSON.stringify(spec)} (only plain numeric dtypes are supported: bool, int8..int64, uint8..uint64, float16..float64, or NumPy descr like "<f4")`);
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  if (!(kind in SIZES)) {
    if (kind === "c") throw ioError(fn, name, `complex dtype ${spec} is not supported (save the real and imaginary parts as separate arrays)`);
    const what = UNSUPPORTED_KINDS[kind];
    throw ioError(fn, name, `unsupported dtype ${spec}${what ? ` (${what})` : ""}: only bool, integer and float dtypes are supported`);
  }
  if (!SIZES[kind].includes(size)) throw ioError(fn, name, `dtype ${spec} is not supported: ${size}-byte ${kind === "f" ? "floats" : kind === "b" ? "booleans" : "integers"} do not exist in NumPy`);
  const littleEndian = order === ">" ? false : order === "=" ? HOST_LITTLE_ENDIAN : true;
  const canonical = `${size === 1 ? "|" : littleEndian ? "<" : ">"}${kind}${size}`;
  return { descr: canonical, kind: kind as ElementType["kind"], size: size as ElementType["size"], littleEndian };
}

/**
 * The element types 4D-STEM frames are decoded from: float32/64 and
 * 8/16/32-bit integers. All analyses read frames as float32 (the conversion
 * is exact for every integer type up to 24 bits and for float32; float64 and
 * 32-bit integers round to nearest float32).
 */
export interface DType {
  /** Canonical NumPy descr, e.g. "<f4". */
  descr: string;
  kind: "f" | "u" | "i";
  /** Bytes per element. */
  size: 1 | 2 | 4 | 8;
  littleEndian: boolean;
}

/**
 * Parse "float32", "<f4", ">u2", "uint16", ... into a DType (through
 * `parseElementType`) and check that 4-D frames can be decoded from it
 * (float32/64, [u]int8/16/32); `where` names the caller for errors.
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
    // TypedArray.set converts element by element in native code, several times faster than a
    // JS loop over a source whose type differs from call to call (and rounds the same way).
    let src: Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array;
    if (kind === "f" && size === 4) src = new Float32Array(buf, off, n);
    else if (kind === "f") src = new Float64Array(buf, off, n);
    else if (kind === "u" && size === 1) src = new Uint8Array(buf, off, n);
    else if (kind === "u" && size === 2) src = new Uint16Array(buf, off, n);
    else if (kind === "u") src = new Uint32Array(buf, off, n);
    else if (size === 1) src = new Int8Array(buf, off, n);
    else if (size === 2) src = new Int16Array(buf, off, n);
    else src = new Int32Array(buf, off, n);
    out.set(src);
    return;
  }
  if (size === 1) {
    // one byte per element: byte order and alignment do not apply
    out.set(kind === "u" ? bytes.subarray(0, n) : new Int8Array(bytes.buffer, bytes.byteOffset, n));
    return;
  }
  if (size === 2 && kind !== "f") {
    // 16-bit counts (e.g. Merlin .mib, big-endian) from their two bytes, one loop per case
    const hi = littleEndian ? 1 : 0, lo = 1 - hi;
    if (kind === "u") for (let i = 0, p = 0; i < n; i++, p += 2) out[i] = (bytes[p + hi] << 8) | bytes[p + lo];
    else for (let i = 0, p = 0; i < n; i++, p += 2) out[i] = (((bytes[p + hi] << 8) | bytes[p + lo]) << 16) >> 16;
    return;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n * size);
  const le = littleEndian;
  if (kind === "f" && size === 4) for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, le);
  else if (kind === "f") for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, le);
  else if (kind === "u") for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, le);
  else for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, le);
}
