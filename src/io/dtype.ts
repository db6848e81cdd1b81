/**
 * The one parser of element types for every reader and writer: NumPy descr
 * strings as written in `.npy` headers (byte order `<` little, `>` big, `|`
 * not applicable, `=` native + kind + item size: `<f4`, `>u2`, `|b1`) and the
 * common names (`float32`, `uint16`, `f4`, ...).
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
