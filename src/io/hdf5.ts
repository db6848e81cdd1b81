/**
 * HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly; its node
 * build reads the host filesystem directly, so files are not loaded into
 * memory whole). h5wasm's node build is ESM-only: it is loaded with a dynamic
 * `import()` on first use and cached.
 *
 * What is checked so that numbers are never silently wrong:
 * - float16 datasets (HyperSpy writes them) are read as raw half floats and
 *   decoded here (h5wasm refuses them);
 * - a dataset compressed with a filter this build of HDF5 does not have
 *   is read through its raw chunks and decoded here when causalscope has
 *   the decoder (LZF, Bitshuffle ± LZ4/Zstd, LZ4, Zstandard, Blosc with
 *   LZ4/zlib/Zstd: src/io/hdf5-filters.ts, chunks located by
 *   src/io/hdf5-chunks.ts), and otherwise throws naming the file, the
 *   dataset and the filter (h5wasm would return uninitialised memory);
 * - any HDF5 library error during open or read (truncation, corruption,
 *   a gzip chunk that fails to inflate) throws, with the library's reason,
 *   instead of printing to stderr: every call runs with h5wasm's throwing
 *   error handler, and the status of every read is checked as well;
 * - sizes are computed in 64 bits (BigInt): a read larger than the
 *   WebAssembly heap can hold (2 GiB) throws, naming the dataset, instead
 *   of wrapping the allocation size past 2^32;
 * - string, compound and other non-numeric datasets are refused where a
 *   numeric array is needed;
 * - the group tree is walked with a set of visited objects, so hard-link
 *   cycles end.
 *
 * This is the one HDF5 layer: 2-D images (`findHdf5Image`), any dataset
 * (`readHdf5Dataset`, `openHdf5`) and 4-D frames (`openHdf5Frames`, used by
 * `readDataset4D`) all read through `readHyperslab` below; the 4-D writer
 * (src/stem4d/hdf5.ts) loads h5wasm through `loadH5wasm`.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { resolve } from "node:path";
import { IOFormatError, NumericArray, decodeHalf, ioError, openFileOrThrow, shapeSize } from "./util";
import { importEsm } from "../display/esm";
import { decodeInto, parseDType, type DType } from "./dtype";
import type { Calibration4D, FrameSource } from "./frames4d";
import { DECODED_FILTERS, type ChunkFilter } from "./hdf5-filters";
import { readFilteredHyperslab } from "./hdf5-chunks";

/*
 * The parts of h5wasm's API used here, declared locally: h5wasm is
 * ESM-only, and importing its types into this CommonJS module needs
 * resolution-mode syntax that not every TypeScript in the tree accepts.
 */
interface H5Filter {
  id: number;
  name: string;
  cd_values?: number[];
}
interface H5Metadata {
  type: number;
  size: number;
  littleEndian: boolean;
  signed: boolean;
  shape: number[] | null;
  enum_type?: { type: number; members: Record<string, number> };
}
interface H5Attr {
  json_value: unknown;
}
interface H5Group {
  path: string;
  attrs: Record<string, H5Attr>;
  keys(): string[];
  get(name: string): unknown;
}
interface H5File extends H5Group {
  file_id: bigint;
  close(): unknown;
}
interface H5Dataset {
  path: string;
  attrs: Record<string, H5Attr>;
  metadata: H5Metadata;
  filters: H5Filter[];
  value: unknown;
}
interface H5Node {
  ready: Promise<unknown>;
  File: new (path: string, mode: "r") => H5File;
  Group: abstract new (...args: never[]) => H5Group;
  Dataset: abstract new (...args: never[]) => H5Dataset;
}

interface H5ModuleExtras {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  get_dataset_data(fileId: bigint, path: string, count: bigint[] | null, offset: bigint[] | null, strides: bigint[] | null, ptr: bigint): number;
  activate_throwing_error_handler(): void;
  deactivate_throwing_error_handler(): void;
  create_object_reference(fileId: bigint, path: string): ArrayLike<number>;
}

let h5wasmPromise: Promise<{ h5: H5Node; Module: H5ModuleExtras }> | undefined;

/** Load h5wasm's node build once (ESM-only, so a dynamic import). */
export function loadH5wasm(): Promise<{ h5: H5Node; Module: H5ModuleExtras }> {
  h5wasmPromise ??= (async () => {
    const h5 = (await importEsm("h5wasm/node")) as H5Node;
    const Module = (await h5.ready) as unknown as H5ModuleExtras;
    return { h5, Module };
  })();
  return h5wasmPromise;
}

/** The 8-byte HDF5 format signature, `\x89HDF\r\n\x1a\n`. */
export const HDF5_MAGIC = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5 filters built into h5wasm's HDF5: deflate, shuffle, fletcher32, szip, nbit, scaleoffset. */
const AVAILABLE_FILTERS = new Set([1, 2, 3, 4, 5, 6]);
const FILTER_NAMES: Record<number, string> = {
  32000: "LZF",
  32001: "Blosc",
  32004: "LZ4",
  32008: "Bitshuffle",
  32013: "ZFP",
  32015: "Zstandard",
  32017: "SZ",
  32026: "Blosc2",
};

/** True when `bytes` (the file's start) carry the HDF5 signature at offset 0. */
export function isHdf5(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== HDF5_MAGIC[i]) return false;
  return true;
}

/** A group or dataset inside an HDF5 file, as listed by `listHdf5`. */
export interface Hdf5Entry {
  /** Absolute path inside the file, e.g. "/Experiments/__unnamed__/data". */
  path: string;
  kind: "group" | "dataset" | "link" | "other";
  /** Datasets: shape (C order, slowest axis first). */
  shape?: number[];
  /** Datasets: numpy-style dtype such as "<f2", ">i4", "|u1", "|b1", or "string", "compound", ... */
  dtype?: string;
  /** Datasets: HDF5 filter pipeline, e.g. [{ id: 1, name: "deflate" }]. */
  filters?: { id: number; name: string }[];
}

/** A dataset read by `readHdf5Dataset`. */
export interface Hdf5Dataset {
  /**
   * Values in C order. Integers keep their type (Uint16Array for uint16, ...);
   * float16 → Float32Array (exact); int64/uint64 → Float64Array, checked
   * exact (|v| ≤ 2^53 − 1; otherwise an error); strings → string[].
   */
  data: NumericArray | string[];
  /** Shape of `data` (of the selection when `slice` was given); [] for a scalar. */
  shape: number[];
  /** numpy-style dtype, e.g. "<f2", ">u2", "|b1", "string". */
  dtype: string;
  /** The dataset's attributes, as JSON-compatible values (byte strings decoded). */
  attrs: Record<string, unknown>;
}

export interface ReadHdf5Options {
  /**
   * Read only part of the dataset: one [start, stop) pair per axis (null or
   * a missing entry = the whole axis), e.g. [[10, 11], null, null] reads
   * frame 10 of a stack.
   */
  slice?: ([number, number] | null)[];
}

function dtypeName(md: { type: number; size: number; littleEndian: boolean; signed: boolean; enum_type?: { members: Record<string, number> } }): string {
  const order = md.size === 1 ? "|" : md.littleEndian ? "<" : ">";
  switch (md.type) {
    case 0:
      return `${order}${md.signed ? "i" : "u"}${md.size}`;
    case 1:
      return `${order}f${md.size}`;
    case 3:
      return "string";
    case 6:
      return "compound";
    case 8: {
      const keys = Object.keys(md.enum_type?.members ?? {}).sort().join(",");
      return keys === "FALSE,TRUE" ? "|b1" : "enum";
    }
    case 9:
      return "vlen";
    case 10:
      return "array";
    default:
      return `class${md.type}`;
  }
}

/** Summarise the HDF5 library's error stack: the innermost "minor" reasons. */
function h5Reason(e: unknown): string {
  const text = String((e as Error)?.message ?? e);
  if (!text.includes("HDF5-DIAG")) return text;
  const trunc = /truncated file[^\n]*/.exec(text);
  if (trunc) return trunc[0].trim();
  const lines = text.split("\n");
  const steps: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /#\d+: .*? in (\w+)\(\): (.*)$/.exec(lines[i]);
    if (m && !/H5PL/.test(m[1])) steps.push(m[2].trim());
  }
  const useful = steps.filter((s) => !/^(can't|unable to) (synchronously )?(read|open)( data| file)?$/.test(s));
  return (useful.length ? useful.slice(-2) : steps.slice(-1)).join("; ") || text.split("\n")[0];
}

/**
 * `e` as an error naming the function and file: IOFormatErrors pass
 * unchanged, anything else (an HDF5 error stack raised by the throwing
 * handler while opening an object, a RangeError) becomes
 * `fn("file"): HDF5 error: <the library's reason>`.
 */
function named(fn: string, path: string, e: unknown): Error {
  if (e instanceof IOFormatError || (e instanceof Error && e.message.includes(JSON.stringify(path)))) return e as Error;
  return ioError(fn, path, `HDF5 error (corrupt file?): ${h5Reason(e)}`);
}

/**
 * The most bytes one read may ask for: what the WebAssembly heap (32-bit
 * addresses, at most 2 GiB in h5wasm's build) can hold. Sizes are compared
 * as BigInt, so a 4 GiB or larger request never wraps to a small one.
 */
export const MAX_HDF5_READ_BYTES = 2 ** 31 - 1;

/**
 * How a dataset whose filters HDF5 lacks is read instead: its pipeline (as
 * h5wasm reports it), full shape and stored byte order (see `checkFilters`).
 */
interface OwnDecode {
  filters: ChunkFilter[];
  fullShape: readonly number[];
  littleEndian: boolean;
}

/**
 * Read the hyperslab `offset`/`count` (or the whole dataset when null) of
 * `dsPath`, converted to little-endian, and hand the bytes to `consume`
 * (valid only during the call). HDF5 reads into the WebAssembly heap; a
 * dataset with `own` (filters HDF5 lacks, see `checkFilters`) is read from
 * its raw chunks and decoded by src/io/hdf5-filters.ts. The size is computed
 * in 64 bits and checked before allocating; the read's status is checked,
 * and HDF5 or decoder errors become errors naming the file and dataset.
 */
function readHyperslab<T>(
  fn: string, path: string, dsPath: string, f: H5File, Module: H5ModuleExtras,
  count: bigint[] | null, offset: bigint[] | null, shape: readonly number[], size: number, dtype: string,
  consume: (heap: Uint8Array, ptr: number, nbytes: number) => T, own?: OwnDecode,
): T {
  let n = 1n;
  for (const d of shape) n *= BigInt(d);
  const nbytes = n * BigInt(size);
  if (nbytes === 0n) return consume(new Uint8Array(0), 0, 0);
  if (nbytes > BigInt(MAX_HDF5_READ_BYTES)) {
    throw ioError(fn, path, `"${dsPath}": reading shape [${shape.join(", ")}] of ${dtype} needs ${nbytes} bytes, more than one HDF5 read can hold (${MAX_HDF5_READ_BYTES} bytes, the WebAssembly heap); read it in parts with { slice }, or stream a 4-D dataset with readDataset4D`);
  }
  const nb = Number(nbytes);
  if (own) {
    const names = own.filters.map((x) => DECODED_FILTERS.get(x.id) ?? x.id).join(" + ");
    let bytes: Uint8Array;
    try {
      const ref = Module.create_object_reference(f.file_id, normPath(dsPath));
      let addr = 0;
      for (let i = 7; i >= 0; i--) addr = addr * 256 + ref[i];
      const full = own.fullShape;
      bytes = readFilteredHyperslab(
        path, signatureAt(path), addr, full, size, own.littleEndian, own.filters,
        offset ? offset.map(Number) : full.map(() => 0), count ? count.map(Number) : full,
      );
    } catch (e) {
      throw ioError(fn, path, `dataset "${dsPath}" (filters ${names}, decoded by causalscope): ${(e as Error).message}`);
    }
    if (bytes.length !== nb) throw ioError(fn, path, `dataset "${dsPath}": read ${bytes.length} bytes, expected ${nb}`);
    return consume(bytes, 0, nb);
  }
  const ptr = Module._malloc(nb);
  if (!ptr) throw ioError(fn, path, `"${dsPath}": cannot allocate ${nb} bytes in the HDF5 heap (read it in parts with { slice })`);
  try {
    let status: number;
    try {
      status = Module.get_dataset_data(f.file_id, normPath(dsPath), count, offset, count ? count.map(() => 1n) : null, BigInt(ptr));
    } catch (e) {
      throw ioError(fn, path, `reading "${dsPath}" failed (corrupt or truncated file?): ${h5Reason(e)}`);
    }
    if (typeof status !== "number" || status < 0) throw ioError(fn, path, `reading "${dsPath}" failed: HDF5 returned status ${status} (corrupt or truncated file?)`);
    return consume(Module.HEAPU8, ptr, nb); // HEAPU8 read after the call: the heap may have grown during it
  } finally {
    Module._free(ptr);
  }
}

/** Where the HDF5 signature is in the file at `path` (the base of its addresses). */
function signatureAt(path: string): number {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    return hdf5SignatureOffset((offset, length) => {
      const b = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      readSync(fd, b, 0, b.length, offset);
      return b;
    }, size);
  } finally {
    closeSync(fd);
  }
}

/** Check the signature and the superblock's end-of-file address before handing the file to HDF5. */
function preflight(fn: string, path: string): void {
  const fd = openFileOrThrow(fn, path);
  try {
    const size = fstatSync(fd).size;
    const at = hdf5SignatureOffset((offset, length) => {
      const b = new Uint8Array(length);
      readSync(fd, b, 0, length, offset);
      return b;
    }, size);
    if (at < 0) {
      const first = Buffer.alloc(Math.min(8, size));
      readSync(fd, first, 0, first.length, 0);
      throw ioError(fn, path, `not an HDF5 file: first bytes ${Array.from(first, (x) => x.toString(16).padStart(2, "0")).join(" ")}, expected 89 48 44 46 0d 0a 1a 0a ("\\x89HDF\\r\\n\\x1a\\n")`);
    }
    const head = Buffer.alloc(Math.min(64, size - at));
    readSync(fd, head, 0, head.length, at);
    const eof = superblockEof(head);
    if (eof !== undefined && eof > size) {
      throw ioError(fn, path, `truncated: the HDF5 superblock says the file is ${eof} bytes long, it has ${size}`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the HDF5 signature is: offset 0, or after a user block at 512, 1024,
 * 2048, ... bytes (HDF5 File Format Specification, "Format Signature"); -1 if
 * none. `read(offset, length)` reads the file's bytes.
 */
export function hdf5SignatureOffset(read: (offset: number, length: number) => Uint8Array, size: number): number {
  for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
    if (isHdf5(read(at, 8))) return at;
  }
  return -1;
}

/**
 * Bytes the file must have according to a version 0-3 superblock (its
 * end-of-file address), if readable.
 */
function superblockEof(h: Uint8Array): number | undefined {
  if (h.length < 12) return undefined;
  const version = h[8];
  const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const readAddr = (at: number, size: number): number | undefined => {
    if (at + size > h.length) return undefined;
    if (size === 8) {
      const v = dv.getBigUint64(at, true);
      return v === 0xffffffffffffffffn ? undefined : Number(v);
    }
    if (size === 4) return dv.getUint32(at, true);
    return undefined;
  };
  let eofAt: number;
  let so: number;
  if (version === 0 || version === 1) {
    so = h[13];
    eofAt = 24 + (version === 1 ? 4 : 0) + 2 * so; // after base and free-space addresses
  } else if (version === 2 || version === 3) {
    so = h[9];
    eofAt = 12 + 2 * so; // after base and superblock-extension addresses
  } else {
    return undefined;
  }
  // The format specification makes addresses relative to the base address,
  // but files written with a user block by HDF5 1.x store the absolute end
  // of file here; comparing it with the file size without the base is right
  // for both (and never flags an intact file).
  return readAddr(eofAt, so);
}

/**
 * Opens `path` read-only after the preflight, with the HDF5 error stack
 * turned into exceptions; the caller closes the file and calls
 * `Module.deactivate_throwing_error_handler()` (also when this throws).
 */
function openChecked(fn: string, path: string, h5: H5Node, Module: H5ModuleExtras): H5File {
  preflight(fn, path);
  Module.activate_throwing_error_handler();
  try {
    return new h5.File(resolve(path), "r");
  } catch (e) {
    throw ioError(fn, path, `HDF5 cannot open the file (corrupt or truncated?): ${h5Reason(e)}`);
  }
}

/**
 * Run `body` with an open file, with the HDF5 error stack turned into
 * exceptions (so a failed read throws instead of returning garbage).
 */
async function withFile<T>(fn: string, path: string, body: (f: H5File, Module: H5ModuleExtras, h5: H5Node) => T): Promise<T> {
  const { h5, Module } = await loadH5wasm();
  let f: H5File | undefined;
  try {
    f = openChecked(fn, path, h5, Module);
    try {
      return body(f, Module, h5);
    } catch (e) {
      throw named(fn, path, e);
    }
  } finally {
    try {
      f?.close();
    } catch {
      /* closing a damaged file may fail too; the first error matters */
    }
    Module.deactivate_throwing_error_handler();
  }
}

function normPath(p: string): string {
  return "/" + p.split("/").filter((s) => s.length > 0).join("/");
}

/**
 * List every group and dataset in an HDF5 file (depth first, in the file's
 * link order), with shapes, dtypes and filters. Reads metadata only.
 *
 * @example
 *   (await listHdf5("lattice.hdf5")).filter(e => e.kind === "dataset")
 */
export async function listHdf5(path: string): Promise<Hdf5Entry[]> {
  return withFile("listHdf5", path, (f, Module, h5) => walk(f, h5, Module));
}

function walk(f: H5File, h5: H5Node, Module: H5ModuleExtras): Hdf5Entry[] {
  const out: Hdf5Entry[] = [];
  // Objects already listed, by address (an object reference is its address):
  // a hard link back to an ancestor group must not be walked again.
  const seen = new Set<string>();
  const firstVisit = (p: string): boolean => {
    let key: string;
    try {
      key = Array.from(Module.create_object_reference(f.file_id, p)).join(",");
    } catch {
      key = p;
    }
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  firstVisit("/");
  const visit = (group: H5Group, prefix: string): void => {
    for (const key of group.keys()) {
      const p = prefix === "/" ? `/${key}` : `${prefix}/${key}`;
      let obj: unknown;
      try {
        obj = group.get(key);
      } catch {
        out.push({ path: p, kind: "other" });
        continue;
      }
      if (obj instanceof h5.Dataset) {
        const md = obj.metadata;
        let filters: { id: number; name: string }[] = [];
        try {
          filters = obj.filters.map((x) => ({ id: x.id, name: x.name }));
        } catch {
          /* no filter info */
        }
        out.push({ path: p, kind: "dataset", shape: md.shape ?? [], dtype: dtypeName(md), filters });
      } else if (obj instanceof h5.Group) {
        if (!firstVisit(p)) {
          out.push({ path: p, kind: "link" }); // a hard link to a group already listed (a cycle, or an alias)
          continue;
        }
        out.push({ path: p, kind: "group" });
        visit(obj, p);
      } else if (obj && typeof obj === "object" && "type" in obj && /Link/.test(String((obj as { type: string }).type))) {
        out.push({ path: p, kind: "link" });
      } else {
        out.push({ path: p, kind: "other" });
      }
    }
  };
  visit(f, "/");
  return out;
}

function attrsOf(obj: { attrs: Record<string, { json_value: unknown }> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let attrs: Record<string, { json_value: unknown }>;
  try {
    attrs = obj.attrs;
  } catch {
    return out;
  }
  for (const [k, a] of Object.entries(attrs)) {
    try {
      out[k] = a.json_value;
    } catch (e) {
      out[k] = `<unreadable attribute: ${(e as Error).message.split("\n")[0]}>`;
    }
  }
  return out;
}

/**
 * The dataset's filter pipeline, checked: undefined when HDF5 (h5wasm)
 * decodes every filter itself; the pipeline to decode here (`OwnDecode`)
 * when some filter is one only causalscope decodes (src/io/hdf5-filters.ts)
 * and all the others are too; otherwise an error naming the file, the
 * dataset and the filter.
 */
function checkFilters(fn: string, path: string, dsPath: string, ds: H5Dataset): OwnDecode | undefined {
  let filters: H5Filter[];
  try {
    filters = ds.filters;
  } catch (e) {
    throw ioError(fn, path, `dataset "${dsPath}": cannot read its filter pipeline, so its data cannot be trusted: ${h5Reason(e)}`);
  }
  if (filters.every((x) => AVAILABLE_FILTERS.has(x.id))) return undefined;
  const missing = filters.find((x) => !DECODED_FILTERS.has(x.id));
  if (missing) {
    const label = FILTER_NAMES[missing.id] ?? missing.name ?? "unknown";
    throw ioError(
      fn,
      path,
      `dataset "${dsPath}" is compressed with HDF5 filter ${missing.id} (${label}${missing.name && missing.name !== label ? `, "${missing.name}"` : ""}), which neither this HDF5 build (h5wasm) nor causalscope decodes ` +
        `(causalscope decodes ${[...DECODED_FILTERS].map(([id, name]) => `${name} ${id}`).join(", ")}); ` +
        `re-save it with gzip compression (h5py: compression="gzip") or none (h5repack -f NONE in.h5 out.h5)`,
    );
  }
  const md = ds.metadata;
  return { filters: filters.map((x) => ({ id: x.id, name: x.name, cd_values: x.cd_values ?? [] })), fullShape: md.shape ?? [], littleEndian: md.littleEndian || md.size === 1 };
}

/** Read a numeric or string dataset (or a hyperslab of it) from an open file. */
function readDataset(fn: string, path: string, dsPath: string, f: H5File, Module: H5ModuleExtras, h5: H5Node, options: ReadHdf5Options): Hdf5Dataset {
  let obj: unknown;
  try {
    obj = f.get(dsPath);
  } catch (e) {
    throw ioError(fn, path, `cannot open "${dsPath}": ${h5Reason(e)}`);
  }
  if (!obj) throw ioError(fn, path, `no dataset at "${dsPath}"`);
  if (!(obj instanceof h5.Dataset)) throw ioError(fn, path, `"${dsPath}" is a ${obj instanceof h5.Group ? "group" : "link or other object"}, not a dataset`);
  const ds = obj;
  const md = ds.metadata;
  const dtype = dtypeName(md);
  const attrs = attrsOf(ds as unknown as { attrs: Record<string, { json_value: unknown }> });
  const fullShape = md.shape ?? [];
  if (md.type === 3) {
    if (options.slice) throw ioError(fn, path, `"${dsPath}": slicing string datasets is not supported`);
    const v = ds.value;
    return { data: Array.isArray(v) ? (v as string[]) : [String(v)], shape: fullShape, dtype, attrs };
  }
  const complexSize = complexMemberSize(md);
  if (complexSize) return readComplex(fn, path, dsPath, f, Module, ds, fullShape, complexSize, attrs, options);
  let base = md as typeof md & { enum_type?: { type: number } };
  if (md.type === 8 && base.enum_type) base = { ...md, type: base.enum_type.type };
  if (base.type !== 0 && base.type !== 1) {
    throw ioError(fn, path, `"${dsPath}" has dtype ${dtype}; only integer, float, boolean and string datasets are supported`);
  }
  const own = checkFilters(fn, path, dsPath, ds);
  // hyperslab
  let count: bigint[] | null = null;
  let offset: bigint[] | null = null;
  let shape = fullShape.slice();
  if (options.slice) {
    if (options.slice.length > fullShape.length) {
      throw ioError(fn, path, `slice has ${options.slice.length} ranges, "${dsPath}" has ${fullShape.length} axes`);
    }
    count = [];
    offset = [];
    shape = [];
    for (let i = 0; i < fullShape.length; i++) {
      const r = options.slice[i] ?? [0, fullShape[i]];
      const [lo, hi] = r;
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > fullShape[i] || lo > hi) {
        throw ioError(fn, path, `slice range [${lo}, ${hi}) is outside axis ${i} of "${dsPath}" (length ${fullShape[i]})`);
      }
      offset.push(BigInt(lo));
      count.push(BigInt(hi - lo));
      shape.push(hi - lo);
    }
  }
  const n = shapeSize(shape);
  const size = base.size;
  const bytes = readHyperslab(fn, path, dsPath, f, Module, count, offset, shape, size, dtype, (heap, ptr, nbytes) => heap.slice(ptr, ptr + nbytes), own);
  // HDF5 converts to the native (little-endian) memory type.
  let data: NumericArray;
  const buf = bytes.buffer;
  if (base.type === 1) {
    if (size === 2) data = decodeHalf(bytes, 0, n, true);
    else if (size === 4) data = new Float32Array(buf);
    else if (size === 8) data = new Float64Array(buf);
    else throw ioError(fn, path, `"${dsPath}": ${size * 8}-bit floats are not supported`);
  } else {
    const s = base.signed;
    if (size === 1) data = s ? new Int8Array(buf) : new Uint8Array(buf);
    else if (size === 2) data = s ? new Int16Array(buf) : new Uint16Array(buf);
    else if (size === 4) data = s ? new Int32Array(buf) : new Uint32Array(buf);
    else if (size === 8) {
      const big = s ? new BigInt64Array(buf) : new BigUint64Array(buf);
      const out = new Float64Array(n);
      const limit = BigInt(Number.MAX_SAFE_INTEGER);
      for (let i = 0; i < n; i++) {
        const v = big[i];
        if (v > limit || v < -limit) throw ioError(fn, path, `"${dsPath}" element ${i} = ${v} (${dtype}) is not exactly representable as a JavaScript number`);
        out[i] = Number(v);
      }
      data = out;
    } else throw ioError(fn, path, `"${dsPath}": ${size * 8}-bit integers are not supported`);
  }
  return { data, shape, dtype, attrs };
}

/**
 * Bytes per part when `md` is a complex number as h5py (and NumPy-based
 * writers such as pyUSID) store it: a compound of two little-endian floats of
 * one size, named r and i (or real and imag), imaginary right after real;
 * 0 otherwise.
 */
function complexMemberSize(md: { type: number; size: number; compound_type?: { members: { name: string; type: number; size: number; offset: number; littleEndian: boolean }[] } }): number {
  const m = md.type === 6 ? md.compound_type?.members : undefined;
  if (!m || m.length !== 2) return 0;
  const [re, im] = m;
  const named = (re.name === "r" && im.name === "i") || (re.name === "real" && im.name === "imag");
  const floats = re.type === 1 && im.type === 1 && re.size === im.size && (re.size === 4 || re.size === 8);
  return named && floats && re.offset === 0 && im.offset === re.size && md.size === 2 * re.size && re.littleEndian && im.littleEndian ? re.size : 0;
}

/** A complex dataset (see `complexMemberSize`) as interleaved real, imaginary values along a last axis of length 2. */
function readComplex(
  fn: string, path: string, dsPath: string, f: H5File, Module: H5ModuleExtras, ds: H5Dataset,
  fullShape: number[], part: number, attrs: Record<string, unknown>, options: ReadHdf5Options,
): Hdf5Dataset {
  if (options.slice) throw ioError(fn, path, `"${dsPath}": slicing complex datasets is not supported; read it whole`);
  const dtype = `<c${2 * part}`;
  const own = checkFilters(fn, path, dsPath, ds);
  if (own) throw ioError(fn, path, `"${dsPath}" is complex (${dtype}) and compressed with a filter HDF5 lacks; only uncompressed or gzip complex datasets are read`);
  const bytes = readHyperslab(fn, path, dsPath, f, Module, null, null, fullShape, 2 * part, dtype, (heap, ptr, nbytes) => heap.slice(ptr, ptr + nbytes));
  return { data: part === 4 ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer), shape: [...fullShape, 2], dtype, attrs };
}

/**
 * Read one dataset from an HDF5 file: values (C order), shape, dtype and
 * attributes. Complex values (h5py's {r, i} compound) come interleaved
 * along an extra last axis of length 2 (real, imaginary), dtype "<c8" or "<c16". `options.slice` reads a hyperslab only (for big 4D-STEM data).
 * float16 is decoded exactly; unsupported filters, truncation and corruption
 * throw with the file, dataset and reason.
 *
 * @example
 *   const pos = await readHdf5Dataset("Au_NP.hdf5", "_sublattice/atom_positions");
 *   // pos.shape = [141, 2]; pos.data = Float64Array of (x, y) pairs
 */
export async function readHdf5Dataset(path: string, datasetPath: string, options: ReadHdf5Options = {}): Promise<Hdf5Dataset> {
  return withFile("readHdf5Dataset", path, (f, Module, h5) => readDataset("readHdf5Dataset", path, datasetPath, f, Module, h5, options));
}

/** Attributes of a group or dataset (JSON-compatible values). */
export async function readHdf5Attrs(path: string, objectPath = "/"): Promise<Record<string, unknown>> {
  return withFile("readHdf5Attrs", path, (f, _m, h5) => {
    const obj = objectPath === "/" ? f : f.get(objectPath);
    if (!obj || !(obj instanceof h5.Group || obj instanceof h5.Dataset)) throw ioError("readHdf5Attrs", path, `no group or dataset at "${objectPath}"`);
    return attrsOf(obj as unknown as { attrs: Record<string, { json_value: unknown }> });
  });
}

/** True for the dtypes of numeric arrays ("<f4", ">u2", "|b1", ...), false for strings, compounds, ... */
function isNumericDtype(dtype: string | undefined): boolean {
  return /^[<>|][iuf]\d$|^\|b1$/.test(dtype ?? "");
}

/** How `findHdf5Image` chose the image dataset. */
export type Hdf5Convention = "option" | "emd" | "hyperspy" | "atomap" | "first-numeric";

/** An image dataset located in an HDF5 file, with the calibration its metadata gives. */
export interface Hdf5Image {
  dataset: string;
  convention: Hdf5Convention;
  data: NumericArray;
  shape: number[];
  /** Shape of the whole dataset (differs from `shape` when one page of a stack was read). */
  fullShape: number[];
  dtype: string;
  /** Pixel size along x (the last axis), in `unit` ("" when the file gives none). */
  pixelSize?: number;
  unit?: string;
  warnings: string[];
}

/**
 * Find and read the image in an HDF5 file.
 * Order: `dataset` if given; Berkeley EMD (`data/<name>/data` in a group with
 * attribute emd_group_type = 1, calibration from its dim vectors);
 * HyperSpy (`Experiments/<name>/data`, calibration from `axis-<i>` scale and
 * units); atomap Atom_Lattice (`image_data0`); else the first dataset with
 * 2 or more axes and a numeric dtype, depth first.
 * `page` restricts a 3-D dataset to one frame of the first axis; with
 * `single`, a 3-D dataset of more than one frame without `page` throws
 * (before reading any data), and so does a 2-D one with a page other than 0.
 */
export async function findHdf5Image(
  path: string,
  options: { dataset?: string; page?: number; single?: boolean; fn?: string } = {},
): Promise<Hdf5Image> {
  const fn = options.fn ?? "readImage";
  return withFile(fn, path, (f, Module, h5) => {
    const entries = walk(f, h5, Module);
    const has = (p: string) => entries.some((e) => e.path === normPath(p) && e.kind === "dataset");
    const warnings: string[] = [];
    let dataset: string | undefined;
    let convention: Hdf5Convention = "first-numeric";
    if (options.dataset !== undefined) {
      dataset = normPath(options.dataset);
      convention = "option";
      if (!has(dataset)) {
        const dsList = entries.filter((e) => e.kind === "dataset").map((e) => `${e.path} [${e.shape?.join("×")}] ${e.dtype}`);
        throw ioError(fn, path, `no dataset "${dataset}"; datasets: ${dsList.slice(0, 20).join(", ")}${dsList.length > 20 ? ", ..." : ""}`);
      }
    }
    if (!dataset) {
      // Berkeley EMD: groups under /data with emd_group_type == 1
      for (const e of entries) {
        const m = /^\/data\/([^/]+)$/.exec(e.path);
        if (m && e.kind === "group" && has(`${e.path}/data`)) {
          const a = attrsOf(f.get(e.path) as unknown as { attrs: Record<string, { json_value: unknown }> });
          if (Number(a.emd_group_type) === 1) {
            dataset = `${e.path}/data`;
            convention = "emd";
            break;
          }
        }
      }
    }
    if (!dataset) {
      const m = entries.find((e) => /^\/Experiments\/[^/]+\/data$/.test(e.path) && e.kind === "dataset");
      if (m) {
        dataset = m.path;
        convention = "hyperspy";
      }
    }
    if (!dataset) {
      const velox = entries.find((e) => /^\/Data\/Image\/[^/]+\/Data$/.test(e.path) && e.kind === "dataset");
      if (velox) {
        throw ioError(
          fn,
          path,
          `this looks like a Thermo Fisher Velox EMD file (${velox.path}, shape [${velox.shape?.join(", ")}]), which readImage does not interpret yet: ` +
            `Velox stores images as [height, width, frames] with calibration in a JSON Metadata dataset. Read the array with readHdf5Dataset(path, "${velox.path}")`,
        );
      }
    }
    if (!dataset && has("/image_data0")) {
      dataset = "/image_data0";
      convention = "atomap";
    }
    if (!dataset) {
      const numeric = (e: Hdf5Entry) =>
        e.kind === "dataset" && isNumericDtype(e.dtype) && (e.shape?.length ?? 0) >= 2 && shapeSize(e.shape!) > 0;
      const m = entries.find((e) => numeric(e) && e.shape!.length === 2) ?? entries.find(numeric);
      if (!m) {
        const dsList = entries.filter((e) => e.kind === "dataset").map((e) => `${e.path} [${e.shape?.join("×")}] ${e.dtype}`);
        throw ioError(fn, path, `no image-like dataset (numeric, 2 or more axes) found; datasets: ${dsList.join(", ") || "none"}`);
      }
      dataset = m.path;
      convention = "first-numeric";
      warnings.push(`no known layout (EMD, HyperSpy, atomap): using the first numeric dataset, ${m.path}`);
      if (m.shape!.length === 3) warnings.push(`${m.path} is 3-D: its first axis is taken as the frame index ([frames, height, width])`);
    }
    const entry = entries.find((e) => e.path === dataset)!;
    if (!isNumericDtype(entry.dtype)) {
      throw ioError(fn, path, `dataset "${dataset}" has dtype ${entry.dtype}: not a numeric array, so not an image`);
    }
    const fullShape = entry.shape ?? [];
    let slice: ReadHdf5Options["slice"];
    const p = options.page;
    if (fullShape.length === 3 && (p !== undefined || (options.single && fullShape[0] !== 1))) {
      if (p === undefined) {
        throw ioError(fn, path, `dataset "${dataset}" (shape [${fullShape.join(", ")}]) holds ${fullShape[0]} images; pass { page: i } with 0 ≤ i < ${fullShape[0]}, or use readImageStack`);
      }
      if (!Number.isInteger(p) || p < 0 || p >= fullShape[0]) {
        throw ioError(fn, path, `page ${p} does not exist: "${dataset}" has shape [${fullShape.join(", ")}], pages 0..${fullShape[0] - 1} along the first axis`);
      }
      slice = [[p, p + 1], null, null];
    } else if (options.single && p !== undefined && p !== 0) {
      throw ioError(fn, path, `page ${p} does not exist: dataset "${dataset}" (shape [${fullShape.join(", ")}]) holds 1 image (page 0)`);
    }
    const read = readDataset(fn, path, dataset, f, Module, h5, { slice });
    const result: Hdf5Image = { dataset, convention, data: read.data as NumericArray, shape: read.shape, fullShape, dtype: read.dtype, warnings };
    // calibration
    const groupPath = dataset.slice(0, dataset.lastIndexOf("/")) || "/";
    if (convention === "emd" || (convention === "option" && entries.some((e) => e.path === `${groupPath}/dim1`))) {
      Object.assign(result, emdCalibration(f, h5, groupPath, fullShape.length, warnings));
    } else if (convention === "hyperspy" || (convention === "option" && entries.some((e) => e.path === `${groupPath}/axis-0`))) {
      Object.assign(result, hyperspyCalibration(f, h5, groupPath, fullShape, warnings));
    }
    return result;
  });
}

/** EMD units strings such as "n_m", "[n_m]" or "nm" → "nm". */
function emdUnit(u: unknown): string {
  const s = String(u ?? "").replace(/[\[\]_]/g, "").trim();
  return s === "A" || s === "Ang" || s === "angstrom" ? "Å" : s === "um" || s === "micron" ? "µm" : s;
}

function emdCalibration(f: H5File, h5: H5Node, group: string, ndim: number, warnings: string[]): { pixelSize?: number; unit?: string } {
  // dimN describes axis N-1 of the data; x is the last axis, y the one before.
  const axis = (k: number): { step?: number; unit: string } => {
    const obj = f.get(`${group}/dim${k}`);
    if (!(obj instanceof h5.Dataset)) return { unit: "" };
    const v = obj.value as ArrayLike<number> | null;
    const a = attrsOf(obj as unknown as { attrs: Record<string, { json_value: unknown }> });
    const unit = emdUnit(a.units);
    if (!v || v.length < 2) return { unit };
    return { step: (Number(v[v.length - 1]) - Number(v[0])) / (v.length - 1), unit };
  };
  const x = axis(ndim);
  const y = axis(ndim - 1);
  if (x.step === undefined || !(Math.abs(x.step) > 0)) {
    warnings.push(`EMD: no usable dim${ndim} vector in ${group}; image left uncalibrated`);
    return {};
  }
  if (y.step !== undefined && Math.abs(y.step - x.step) > 1e-6 * Math.abs(x.step)) {
    warnings.push(`EMD: pixels are not square (x ${x.step} ${x.unit}, y ${y.step} ${y.unit}); pixelSize is the x spacing`);
  }
  if (!x.unit) warnings.push(`EMD: dim${ndim} has no units; calibration unit left empty`);
  return { pixelSize: Math.abs(x.step), unit: x.unit };
}

function hyperspyCalibration(f: H5File, h5: H5Node, group: string, shape: number[], warnings: string[]): { pixelSize?: number; unit?: string } {
  // HyperSpy stores one group axis-<i> per array axis, in array order (axis-0 = shape[0]).
  const k = shape.length;
  const get = (i: number): { scale?: number; unit: string } => {
    const g = f.get(`${group}/axis-${i}`);
    if (!(g instanceof h5.Group)) return { unit: "" };
    const a = attrsOf(g as unknown as { attrs: Record<string, { json_value: unknown }> });
    if (a.size !== undefined && Number(a.size) !== shape[i]) {
      warnings.push(`HyperSpy: axis-${i} has size ${a.size} but the data axis ${i} has length ${shape[i]}`);
    }
    const unit = a.units === undefined || a.units === "<undefined>" ? "" : String(a.units);
    return { scale: a.scale === undefined ? undefined : Number(a.scale), unit };
  };
  const x = get(k - 1);
  const y = get(k - 2);
  if (x.scale === undefined || !(x.scale > 0)) {
    warnings.push(`HyperSpy: no positive scale on axis-${k - 1}; image left uncalibrated`);
    return {};
  }
  if (y.scale !== undefined && Math.abs(y.scale - x.scale) > 1e-6 * x.scale) {
    warnings.push(`HyperSpy: pixels are not square (x ${x.scale}, y ${y.scale}); pixelSize is the x scale`);
  }
  if (!x.unit) warnings.push(`HyperSpy: axis-${k - 1} has a scale (${x.scale}) but no units; calibration unit left empty (pass { unit } to readImage to set it)`);
  return { pixelSize: x.scale, unit: x.unit };
}

/** An HDF5 file kept open for many reads (see `openHdf5`). */
export interface Hdf5Reader {
  readonly path: string;
  /** `listHdf5` on the open file. */
  list(): Hdf5Entry[];
  /** `readHdf5Dataset` on the open file (e.g. one frame at a time with `slice`). */
  read(datasetPath: string, options?: ReadHdf5Options): Hdf5Dataset;
  /** Attributes of a group or dataset ("/" for the file's root). */
  attrs(objectPath?: string): Record<string, unknown>;
  /** Close the file; later calls throw. */
  close(): void;
}

/**
 * Open an HDF5 file once for many reads: streaming frames of a 4D-STEM
 * dataset with `read(path, { slice })` costs one hyperslab read each,
 * without reopening the file. Same checks as `readHdf5Dataset`. Close it
 * when done (`try { ... } finally { reader.close() }`).
 *
 * @example
 *   const h = await openHdf5("scan.h5");
 *   try { for (let i = 0; i < n; i++) use(h.read("/data", { slice: [[i, i + 1]] }).data); }
 *   finally { h.close(); }
 */
export async function openHdf5(path: string): Promise<Hdf5Reader> {
  const fn = "openHdf5";
  preflight(fn, path);
  const { h5, Module } = await loadH5wasm();
  let f: H5File | undefined;
  Module.activate_throwing_error_handler();
  try {
    f = new h5.File(resolve(path), "r");
  } catch (e) {
    throw ioError(fn, path, `HDF5 cannot open the file (corrupt or truncated?): ${h5Reason(e)}`);
  } finally {
    Module.deactivate_throwing_error_handler();
  }
  const file = f;
  let open = true;
  const guarded = <T>(what: string, body: () => T): T => {
    if (!open) throw ioError(what, path, "the file has been closed");
    Module.activate_throwing_error_handler();
    try {
      return body();
    } catch (e) {
      throw named(what, path, e);
    } finally {
      Module.deactivate_throwing_error_handler();
    }
  };
  return {
    path,
    list: () => guarded("Hdf5Reader.list", () => walk(file, h5, Module)),
    read: (datasetPath, options = {}) => guarded("Hdf5Reader.read", () => readDataset("Hdf5Reader.read", path, datasetPath, file, Module, h5, options)),
    attrs: (objectPath = "/") =>
      guarded("Hdf5Reader.attrs", () => {
        const obj = objectPath === "/" ? file : file.get(objectPath);
        if (!obj || !(obj instanceof h5.Group || obj instanceof h5.Dataset)) throw ioError("Hdf5Reader.attrs", path, `no group or dataset at "${objectPath}"`);
        return attrsOf(obj as unknown as { attrs: Record<string, { json_value: unknown }> });
      }),
    close: () => {
      if (!open) return;
      open = false;
      try {
        file.close();
      } catch {
        /* already unusable */
      }
    },
  };
}

/**
 * Frames of a 4D-STEM dataset in an HDF5 file, read in chunks (hyperslabs of
 * whole scan rows, or part of one row) through `readHyperslab`: every read is
 * status-checked and runs with the throwing error handler, so a corrupt
 * chunk raises; the dataset's filters are checked once when it is opened
 * (`own`: filters decoded by causalscope, see `checkFilters`). Frames are
 * decoded from the little-endian bytes the read gives.
 */
class Hdf5FrameSource implements FrameSource {
  readonly onDisk = true;
  private open = true;
  constructor(
    private readonly fn: string, readonly path: string, private readonly file: H5File, private readonly Module: H5ModuleExtras,
    private readonly dsPath: string, private readonly shape: readonly number[], readonly dtype: DType, readonly description: string,
    private readonly own: OwnDecode | undefined,
    /** The stored shape when it has singleton axes that `shape` leaves out (a 5-D dataset read as 4-D). */
    private readonly stored: readonly number[] = shape,
  ) {}
  /** A logical hyperslab (rank of `shape`) as one of the stored dataset (singleton axes: offset 0, count 1). */
  private toStored(offset: number[], cnt: number[]): [number[], number[]] {
    if (this.stored.length === this.shape.length) return [offset, cnt];
    const o: number[] = [], c: number[] = [];
    let k = 0;
    for (let i = 0; i < this.stored.length; i++) {
      const kept = this.stored.length - i > this.shape.length - k && this.stored[i] === 1 ? false : true;
      if (kept) { o.push(offset[k]); c.push(cnt[k]); k++; } else { o.push(0); c.push(1); }
    }
    return [o, c];
  }
  read(start: number, count: number, out: Float32Array): void {
    if (!this.open) throw ioError(this.fn, this.path, "the HDF5 file has been closed (Dataset4D.close was called)");
    const shape = this.shape;
    const rank = shape.length;
    const cols = rank === 4 ? shape[1] : 1;
    const fsz = shape[rank - 1] * shape[rank - 2];
    const { kind, size, descr } = this.dtype;
    const end = start + count;
    this.Module.activate_throwing_error_handler();
    try {
      for (let f = start, o = 0; f < end; ) {
        let offset: number[];
        let cnt: number[];
        let n: number;
        if (rank === 3) {
          n = end - f;
          offset = [f, 0, 0];
          cnt = [n, shape[1], shape[2]];
        } else {
          const r = Math.floor(f / cols);
          const c0 = f % cols;
          if (c0 === 0 && end - f >= cols) {
            const rows = Math.floor((end - f) / cols);
            n = rows * cols;
            offset = [r, 0, 0, 0];
            cnt = [rows, cols, shape[2], shape[3]];
          } else {
            n = Math.min(cols, c0 + (end - f)) - c0;
            offset = [r, c0, 0, 0];
            cnt = [1, n, shape[2], shape[3]];
          }
        }
        const dst = out.subarray(o * fsz, (o + n) * fsz);
        [offset, cnt] = this.toStored(offset, cnt);
        readHyperslab(this.fn, this.path, this.dsPath, this.file, this.Module, cnt.map(BigInt), offset.map(BigInt), cnt, size, descr, (heap, ptr, nb) => {
          if (nb !== n * fsz * size) throw ioError(this.fn, this.path, `"${this.dsPath}": frames [${f}, ${f + n}) read ${nb} bytes, expected ${n * fsz * size}`);
          decodeInto(heap.subarray(ptr, ptr + nb), kind, size, true, dst, n * fsz);
        }, this.own);
        o += n;
        f += n;
      }
    } catch (e) {
      throw named(this.fn, this.path, e);
    } finally {
      this.Module.deactivate_throwing_error_handler();
    }
  }
  chunkSpec(): undefined {
    return undefined;
  }
  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.file.close();
    } catch {
      /* already unusable */
    }
  }
}

/**
 * A stored shape of rank > 4 without its singleton axes, leftmost first, down
 * to rank 4 (a 5-D (1, rows, cols, ky, kx) or (rows, cols, 1, ky, kx) dataset
 * is 4-D data); other shapes unchanged.
 */
function squeezed(shape: readonly number[]): number[] {
  const out = shape.slice();
  for (let i = 0; i < out.length && out.length > 4; ) if (out[i] === 1) out.splice(i, 1); else i++;
  return out;
}

/** The value of attribute `name` of `obj` (a one-element array unwrapped), or undefined. */
function attrValue(obj: unknown, name: string): unknown {
  const v = attrsOf(obj as { attrs: Record<string, { json_value: unknown }> })[name];
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

/**
 * Open the 4D-STEM dataset of an HDF5 file for chunked reading (used by
 * `readDataset4D` through the reader registry). Layouts recognised when
 * `options.dataset` is not given: a 4-D numeric dataset whose path ends in
 * `/data` (EMD 0.2 `/data/<name>/data`, py4DSTEM/emdfile
 * `/<root>/<name>/data`), else the first 4-D numeric dataset (or 3-D, when
 * `options.scanShape` is given). EMD dimension vectors `dim1..dim4` (0.2) or
 * `dim0..dim3` (emdfile) beside it give the calibration (step and `units`).
 * Returns the frame source, the stored shape and the calibration; the file
 * stays open until the source is closed.
 */
export async function openHdf5Frames(
  fn: string, path: string, options: { dataset?: string; scanShape?: [number, number] },
): Promise<{ source: FrameSource; shape: number[]; calibration: Calibration4D; what: string }> {
  const where = `${fn}(${JSON.stringify(path)})`;
  const { h5, Module } = await loadH5wasm();
  let f: H5File | undefined;
  try {
    const file = (f = openChecked(fn, path, h5, Module));
    const entries = walk(file, h5, Module);
    const datasets = entries.filter((e) => e.kind === "dataset");
    const numeric = (d?: string) => !!d && /^[<>|]?[fiu]\d$/.test(d);
    let entry: Hdf5Entry | undefined;
    if (options.dataset !== undefined) {
      entry = datasets.find((e) => e.path === normPath(options.dataset!));
      if (!entry) throw ioError(fn, path, `no dataset "${options.dataset}" in the file (datasets: ${datasets.map((e) => e.path).join(", ")})`);
    } else {
      const cands = datasets.filter((e) => numeric(e.dtype) && e.shape && (squeezed(e.shape).length === 4 || (squeezed(e.shape).length === 3 && options.scanShape)));
      entry = cands.find((e) => e.path.endsWith("/data") && squeezed(e.shape!).length === 4) ?? cands[0];
      if (!entry) throw ioError(fn, path, `no 4-D numeric dataset found (datasets: ${datasets.map((e) => `${e.path} ${JSON.stringify(e.shape)} ${e.dtype}`).join(", ") || "none"}); pass options.dataset`);
    }
    if (!numeric(entry.dtype)) throw ioError(fn, path, `dataset ${entry.path} has dtype ${entry.dtype}; need a numeric one`);
    const dtype = parseDType(entry.dtype!, where);
    const stored = entry.shape!;
    const shape = squeezed(stored);
    if (shape.length === 4 || shape.length === 3) {
      if (shape.some((d) => !Number.isSafeInteger(d) || d <= 0)) throw ioError(fn, path, `dataset ${entry.path} has shape [${shape.join(", ")}]: every axis must be a positive integer`);
    }
    const ds = file.get(entry.path) as H5Dataset;
    const own = checkFilters(fn, path, entry.path, ds);
    // Calibration from EMD dimension vectors (optional: unreadable vectors are skipped).
    const calibration: Calibration4D = {};
    const parent = entry.path.slice(0, entry.path.lastIndexOf("/")) || "/";
    const has = (p: string) => datasets.some((e) => e.path === p);
    for (const first of [1, 0]) {
      const dims = [0, 1, 2, 3].map((i) => `${parent}/dim${first + i}`);
      if (!has(dims[0]) || !has(dims[2])) continue;
      const step = (p: string): { step?: number; unit?: unknown } => {
        try {
          const d = readDataset(fn, path, p, file, Module, h5, { slice: [[0, 2]] });
          const v = d.data as ArrayLike<number>;
          return v.length === 2 && v[1] !== v[0] ? { step: Math.abs(Number(v[1]) - Number(v[0])), unit: attrValue(file.get(p), "units") } : {};
        } catch {
          return {};
        }
      };
      const scan = step(dims[0]);
      const det = step(dims[2]);
      if (scan.step !== undefined) {
        calibration.scanStep = scan.step;
        if (typeof scan.unit === "string" && scan.unit && scan.unit !== "[n_m]") calibration.scanUnit = scan.unit;
      }
      if (det.step !== undefined) {
        calibration.detPixelSize = det.step;
        if (typeof det.unit === "string" && det.unit) calibration.detUnit = det.unit;
      }
      break;
    }
    const source = new Hdf5FrameSource(fn, path, file, Module, entry.path, shape, dtype, `HDF5 ${path}:${entry.path} (${dtype.descr})`, own, stored);
    f = undefined; // the source owns the open file now
    return { source, shape, calibration, what: `dataset ${entry.path}` };
  } catch (e) {
    throw named(fn, path, e);
  } finally {
    Module.deactivate_throwing_error_handler();
    try {
      f?.close();
    } catch {
      /* closing a damaged file may fail too; the first error matters */
    }
  }
}
