/**
 * Zarr arrays on a local file system, format v2 (`.zarray`) and v3
 * (`zarr.json`), as 4D-STEM frames: a store is a directory, one file per
 * chunk, read on demand (a store may be far larger than memory).
 *
 * Read: C-ordered arrays of (u)int8–64 and float32/64 in either byte order;
 * chunk compressors zlib, gzip, Blosc 1, Zstandard and LZ4 (numcodecs'
 * length-prefixed block) in v2; codecs bytes, gzip, zstd, blosc and crc32c
 * (checked) in v3, with the "default" ("c/0/0/0") and "v2" ("0.0.0") chunk
 * keys. A missing chunk file is the array's fill value, as the Zarr
 * specification says. Everything else — Fortran order, v2 filters, the v3
 * transpose and sharding codecs, other compressors — is refused with an error
 * naming the array and the codec, never read wrongly.
 * References: Zarr storage specification v2 and v3 (zarr-specs), numcodecs.
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { crc32c } from "../checksum";
import { decodeInto, parseDType, type DType } from "../dtype";
import type { Calibration4D, FrameSource } from "../frames4d";
import { decodeChunk, lz4DecompressBlock } from "../hdf5-filters";
import type { Frames4D } from "../reader-types";
import { ioError } from "../util";

/** What is needed to find and decode a chunk of one array. */
interface ZarrArray {
  /** Directory of the array. */
  dir: string;
  /** Array path inside the store, for messages ("" for the root). */
  name: string;
  shape: number[];
  chunks: number[];
  dtype: DType;
  fill: number;
  /** File of the chunk with grid coordinates `idx`, relative to `dir`. */
  key(idx: number[]): string;
  /** Decode a stored chunk into its raw little- or big-endian element bytes (dtype's order). */
  decode(bytes: Uint8Array, nbytes: number): Uint8Array;
}

const V3_TYPES: Record<string, string> = {
  uint8: "u1", uint16: "u2", uint32: "u4", uint64: "u8", int8: "i1", int16: "i2", int32: "i4", int64: "i8", float32: "f4", float64: "f8",
};

/** True when `dir` is a Zarr store or array (a `.zarray`, `.zgroup`, or `zarr.json` inside). */
export function isZarr(dir: string): boolean {
  return [".zarray", ".zgroup", "zarr.json"].some((f) => fs.existsSync(join(dir, f)));
}

function readJson(fn: string, path: string, file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw ioError(fn, path, `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw ioError(fn, path, `${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Inflate or gunzip with the output bounded by the chunk's size. */
function gunzipBounded(data: Uint8Array, nbytes: number): Uint8Array {
  return new Uint8Array(gunzipSync(data, { maxOutputLength: nbytes }));
}

/** numcodecs LZ4: the uncompressed size (uint32 little-endian), then one LZ4 block. */
function numcodecsLz4(data: Uint8Array, nbytes: number): Uint8Array {
  if (data.length < 4) throw new Error("LZ4 chunk shorter than its 4-byte size header");
  const size = data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24);
  if (size !== nbytes) throw new Error(`LZ4 chunk says ${size} bytes, the chunk needs ${nbytes}`);
  const out = new Uint8Array(nbytes);
  lz4DecompressBlock(data.subarray(4), out, 0, nbytes);
  return out;
}

/** One compressor of a v2 array or bytes-to-bytes codec of a v3 array, as a decoder; null for codecs not read. */
function decoderOf(id: string): ((data: Uint8Array, nbytes: number) => Uint8Array) | null {
  switch (id) {
    case "zlib": return (d, n) => decodeChunk([{ id: 1 }], 0, d, n);
    case "gzip": return gunzipBounded;
    case "blosc": return (d, n) => decodeChunk([{ id: 32001 }], 0, d, n);
    case "zstd": return (d, n) => decodeChunk([{ id: 32015 }], 0, d, n);
    case "lz4": return numcodecsLz4;
    default: return null;
  }
}

function positiveInts(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((d) => Number.isSafeInteger(d) && d > 0);
}

/**
 * The fill value as a number of `dtype`, or an error naming the array and the value.
 * Accepted: null (0, as zarr-python reads it for numbers), a number the dtype holds
 * exactly (an integer in range for integer types), and for floats "NaN", "Infinity",
 * "-Infinity" or v3's raw bits "0x…" (8 hex digits for float32, 16 for float64).
 * Anything else is refused: a chunk never written must not read as a guess.
 */
function fillValue(v: unknown, dtype: DType, fail: (why: string) => Error): number {
  const bad = (why: string) => fail(`fill_value ${JSON.stringify(v)} ${why}`);
  if (v === null || v === undefined) return 0;
  if (dtype.kind === "f") {
    if (typeof v === "number") return v;
    if (v === "NaN") return NaN;
    if (v === "Infinity") return Infinity;
    if (v === "-Infinity") return -Infinity;
    if (typeof v === "string" && new RegExp(`^0x[0-9a-fA-F]{${2 * dtype.size}}$`).test(v)) {
      const view = new DataView(new ArrayBuffer(8));
      if (dtype.size === 4) { view.setUint32(0, parseInt(v.slice(2), 16)); return view.getFloat32(0); }
      view.setBigUint64(0, BigInt(v));
      return view.getFloat64(0);
    }
    throw bad(`is not a number, "NaN", "±Infinity" or ${2 * dtype.size} hex digits "0x…" for ${dtype.descr}`);
  }
  const bits = 8 * dtype.size;
  const [lo, hi] = dtype.kind === "u" ? [0, 2 ** bits - 1] : [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < lo || v > hi) throw bad(`is not an integer in [${lo}, ${hi}] for ${dtype.descr}`);
  return v;
}

function openV2(fn: string, path: string, dir: string, name: string): ZarrArray {
  const m = readJson(fn, path, join(dir, ".zarray"));
  const where = `array "${name || "/"}"`;
  if (!positiveInts(m.shape) || !positiveInts(m.chunks) || m.chunks.length !== m.shape.length) throw ioError(fn, path, `${where}: .zarray shape ${JSON.stringify(m.shape)} / chunks ${JSON.stringify(m.chunks)} are not matching lists of positive integers`);
  if (m.order !== "C") throw ioError(fn, path, `${where}: order ${JSON.stringify(m.order)}; only C-ordered arrays are read`);
  if (Array.isArray(m.filters) && m.filters.length) throw ioError(fn, path, `${where}: filters ${JSON.stringify(m.filters)} are not read (only a compressor)`);
  const dtype = parseDType(String(m.dtype), `${fn}(${JSON.stringify(path)}) ${where}`);
  const comp = m.compressor as { id?: string } | null;
  const decompress = comp === null ? (d: Uint8Array) => d : decoderOf(String(comp?.id));
  if (!decompress) throw ioError(fn, path, `${where}: compressor ${JSON.stringify(comp?.id)} is not read (read: zlib, gzip, blosc, zstd, lz4)`);
  const sep = (m.dimension_separator as string | undefined) ?? ".";
  return {
    dir, name, shape: m.shape, chunks: m.chunks, dtype, fill: fillValue(m.fill_value, dtype, (why) => ioError(fn, path, `${where}: ${why}`)),
    key: (idx) => idx.join(sep), decode: (b, n) => decompress(b, n),
  };
}

function openV3(fn: string, path: string, dir: string, name: string, m: Record<string, unknown>): ZarrArray {
  const where = `array "${name || "/"}"`;
  const grid = m.chunk_grid as { name?: string; configuration?: { chunk_shape?: unknown } } | undefined;
  const chunks = grid?.configuration?.chunk_shape;
  if (grid?.name !== "regular" || !positiveInts(m.shape) || !positiveInts(chunks) || chunks.length !== m.shape.length) throw ioError(fn, path, `${where}: zarr.json needs a shape and a regular chunk grid of the same rank, got ${JSON.stringify(m.shape)} / ${JSON.stringify(m.chunk_grid)}`);
  const base = V3_TYPES[String(m.data_type)];
  if (!base) throw ioError(fn, path, `${where}: data_type ${JSON.stringify(m.data_type)} is not read (read: ${Object.keys(V3_TYPES).join(", ")})`);
  const codecs = (Array.isArray(m.codecs) ? m.codecs : []) as { name: string; configuration?: Record<string, unknown> }[];
  const bytesAt = codecs.findIndex((c) => c.name === "bytes");
  if (bytesAt < 0) throw ioError(fn, path, `${where}: codecs ${JSON.stringify(codecs.map((c) => c.name))} have no "bytes" codec${codecs.some((c) => c.name === "sharding_indexed") ? " (sharded arrays are not read)" : ""}`);
  const before = codecs.slice(0, bytesAt).map((c) => c.name);
  if (before.length) throw ioError(fn, path, `${where}: array-to-array codecs ${JSON.stringify(before)} are not read`);
  const endian = (codecs[bytesAt].configuration?.endian as string | undefined) ?? "little";
  const dtype = parseDType(`${base[1] === "1" ? "|" : endian === "big" ? ">" : "<"}${base}`, `${fn}(${JSON.stringify(path)}) ${where}`);
  const after = codecs.slice(bytesAt + 1).map((c) => {
    if (c.name === "crc32c") return (d: Uint8Array) => {
      if (d.length < 4) throw new Error("crc32c: chunk shorter than its checksum");
      const body = d.subarray(0, d.length - 4), stored = new DataView(d.buffer, d.byteOffset + d.length - 4, 4).getUint32(0, true);
      if (crc32c(body) !== stored) throw new Error("crc32c checksum mismatch (corrupt chunk)");
      return body;
    };
    const dec = decoderOf(c.name);
    if (!dec) throw ioError(fn, path, `${where}: codec ${JSON.stringify(c.name)} is not read (read: bytes, gzip, zstd, blosc, crc32c)`);
    return dec;
  });
  const enc = m.chunk_key_encoding as { name?: string; configuration?: { separator?: string } } | undefined;
  const sep = enc?.configuration?.separator ?? (enc?.name === "v2" ? "." : "/");
  const key = enc?.name === "v2" ? (idx: number[]) => idx.join(sep) : (idx: number[]) => ["c", ...idx].join(sep);
  return {
    dir, name, shape: m.shape, chunks, dtype, fill: fillValue(m.fill_value, dtype, (why) => ioError(fn, path, `${where}: ${why}`)), key,
    decode: (b, n) => after.reduceRight((d, f) => f(d, n), b),
  };
}

/** The arrays of a store: the root array, or every array below a group (depth first), with their paths. */
function findArrays(fn: string, path: string, dir: string, name = ""): ZarrArray[] {
  if (fs.existsSync(join(dir, ".zarray"))) return [openV2(fn, path, dir, name)];
  const v3 = fs.existsSync(join(dir, "zarr.json")) ? readJson(fn, path, join(dir, "zarr.json")) : undefined;
  if (v3?.node_type === "array") return [openV3(fn, path, dir, name, v3)];
  if (!v3 && !fs.existsSync(join(dir, ".zgroup"))) return [];
  const out: ZarrArray[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory()) out.push(...findArrays(fn, path, join(dir, entry.name), name ? `${name}/${entry.name}` : entry.name));
  }
  return out;
}

/**
 * Frames of a 4-D (rows, cols, ky, kx) or 3-D (N, ky, kx) Zarr array. Each
 * read decodes the chunks its frames touch; the most recent chunks (up to
 * 64 MiB) are kept, so reading frames in scan order decodes each chunk once.
 */
class ZarrFrameSource implements FrameSource {
  readonly onDisk = true;
  readonly description: string;
  private cache = new Map<string, Uint8Array>();
  private cached = 0;
  constructor(private readonly fn: string, readonly path: string, private readonly a: ZarrArray) {
    this.description = `Zarr array "${a.name || "/"}" in ${path} (${a.dtype.descr}, chunks ${a.chunks.join("×")})`;
  }
  get dtype(): DType { return this.a.dtype; }

  /** The decoded bytes of chunk `idx` (a full chunk, edge chunks included, as stored). */
  private chunk(idx: number[]): Uint8Array {
    const key = this.a.key(idx);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const nbytes = this.a.chunks.reduce((s, c) => s * c, 1) * this.a.dtype.size;
    const file = join(this.a.dir, key);
    let bytes: Uint8Array;
    if (!fs.existsSync(file)) {
      bytes = new Uint8Array(nbytes); // a chunk never written: the fill value everywhere
      if (this.a.fill !== 0) {
        const one = new DataView(new ArrayBuffer(this.a.dtype.size));
        writeElement(one, this.a.dtype, this.a.fill);
        for (let i = 0; i < nbytes; i += this.a.dtype.size) bytes.set(new Uint8Array(one.buffer), i);
      }
    } else {
      try {
        bytes = this.a.decode(fs.readFileSync(file), nbytes);
      } catch (e) {
        throw ioError(this.fn, this.path, `array "${this.a.name || "/"}", chunk ${key}: ${(e as Error).message}`);
      }
      if (bytes.length !== nbytes) throw ioError(this.fn, this.path, `array "${this.a.name || "/"}", chunk ${key}: decoded ${bytes.length} bytes, a chunk holds ${nbytes}`);
    }
    this.cache.set(key, bytes);
    this.cached += bytes.length;
    for (const [k, v] of this.cache) {
      if (this.cached <= 64 * 2 ** 20 || this.cache.size === 1) break;
      this.cache.delete(k);
      this.cached -= v.length;
    }
    return bytes;
  }

  read(start: number, count: number, out: Float32Array): void {
    const { shape, chunks, dtype } = this.a;
    const rank = shape.length, ky = shape[rank - 2], kx = shape[rank - 1], fsz = ky * kx;
    const cols = rank === 4 ? shape[1] : 1;
    const [cy, cx] = [chunks[rank - 2], chunks[rank - 1]];
    const row = new Float32Array(cx);
    for (let f = 0; f < count; f++) {
      const frame = start + f;
      const lead = rank === 4 ? [Math.floor(frame / cols), frame % cols] : [frame];
      const leadChunk = lead.map((v, d) => Math.floor(v / chunks[d]));
      const leadIn = lead.map((v, d) => v % chunks[d]);
      // offset of this frame inside a chunk, in elements: leading in-chunk indices over the chunk's strides
      let frameOffset = 0;
      for (let d = 0; d < lead.length; d++) frameOffset = frameOffset * chunks[d] + leadIn[d];
      frameOffset *= cy * cx;
      for (let by = 0; by * cy < ky; by++) for (let bx = 0; bx * cx < kx; bx++) {
        const bytes = this.chunk([...leadChunk, by, bx]);
        const h = Math.min(cy, ky - by * cy), w = Math.min(cx, kx - bx * cx);
        for (let y = 0; y < h; y++) {
          const at = (frameOffset + y * cx) * dtype.size;
          decodeInto(bytes.subarray(at, at + w * dtype.size), dtype.kind, dtype.size, dtype.littleEndian, row, w);
          out.set(row.subarray(0, w), f * fsz + (by * cy + y) * kx + bx * cx);
        }
      }
    }
  }
  chunkSpec(): undefined { return undefined; }
  close(): void { this.cache.clear(); this.cached = 0; }
}

/** Write `v` as one element of `dtype` (for fill values). */
function writeElement(view: DataView, dtype: DType, v: number): void {
  const le = dtype.littleEndian;
  if (dtype.kind === "f") { if (dtype.size === 4) view.setFloat32(0, v, le); else view.setFloat64(0, v, le); return; }
  const s = dtype.kind === "i";
  if (dtype.size === 1) { if (s) view.setInt8(0, v); else view.setUint8(0, v); }
  else if (dtype.size === 2) { if (s) view.setInt16(0, v, le); else view.setUint16(0, v, le); }
  else if (dtype.size === 4) { if (s) view.setInt32(0, v, le); else view.setUint32(0, v, le); }
  else if (s) view.setBigInt64(0, BigInt(v), le); else view.setBigUint64(0, BigInt(v), le);
}

/**
 * Open the 4D-STEM array of a Zarr store (used by `readDataset4D`): the
 * array `options.dataset` (its path inside the store), else the root array,
 * else the first 4-D array (3-D with `options.scanShape`) found depth first.
 */
export function openZarrFrames(fn: string, path: string, options: { dataset?: string; scanShape?: [number, number] }): Frames4D {
  const arrays = findArrays(fn, path, path);
  const list = (): string => arrays.map((a) => `"${a.name || "/"}" [${a.shape.join(", ")}]`).join(", ") || "none";
  let a: ZarrArray | undefined;
  if (options.dataset !== undefined) {
    const want = options.dataset.replace(/^\/+|\/+$/g, "");
    a = arrays.find((x) => x.name === want);
    if (!a) throw ioError(fn, path, `no array "${options.dataset}" in the Zarr store (arrays: ${list()})`);
  } else {
    a = arrays.find((x) => x.shape.length === 4 || (x.shape.length === 3 && options.scanShape));
    if (!a) throw ioError(fn, path, `no 4-D array in the Zarr store (arrays: ${list()}); pass options.dataset (and options.scanShape for a 3-D array)`);
  }
  const calibration: Calibration4D = {};
  return { source: new ZarrFrameSource(fn, path, a), shape: a.shape.slice(), calibration, what: `Zarr array "${a.name || "/"}"` };
}
