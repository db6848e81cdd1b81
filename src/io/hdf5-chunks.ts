/**
 * Reading a chunked HDF5 dataset whose filters h5wasm's HDF5 build lacks:
 * the chunks are located here, from the file's own structures, and decoded
 * by src/io/hdf5-filters.ts. Used by the one HDF5 layer (src/io/hdf5.ts,
 * `readHyperslab`) only for such datasets; everything else goes through
 * HDF5 itself.
 *
 * What is parsed (HDF5 File Format Specification 3.0): the superblock
 * (versions 0-3: sizes of offsets and lengths), the dataset's object header
 * (versions 1 and 2, with continuation blocks), its Data Layout message
 * (versions 1-4, chunked) and Fill Value message, and the chunk indexes
 * h5py and detector software write: version-1 B-trees (layout 1-3, HDF5's
 * default), and for layout 4 (and 5, HDF5 2.0) a single chunk or a fixed
 * array (unpaged).
 * Other indexes (extensible array, version-2 B-tree, paged fixed arrays)
 * throw, naming the dataset. The object header's address comes from HDF5
 * (an object reference is that address).
 *
 * Every address and size is checked against the file's length before it
 * is read; a missing chunk reads as the dataset's fill value (0 unless the
 * file defines one), as HDF5 does.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { byteSwapInPlace } from "./util";
import { decodeChunk, type ChunkFilter } from "./hdf5-filters";

/** Where a dataset's chunks are and how to decode them. */
interface ChunkIndex {
  /** Chunk dims (no element-size axis). */
  chunk: number[];
  /** Chunks per axis. */
  grid: number[];
  /** Linear chunk index (row-major over the grid) → stored chunk. */
  chunks: Map<number, { addr: number; size: number; mask: number }>;
  /** One element of fill value, in the stored byte order, or undefined (zeros). */
  fill?: Uint8Array;
}

class FileBytes {
  readonly fd: number;
  readonly size: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
  }
  read(at: number, n: number, what: string): Uint8Array {
    if (!Number.isSafeInteger(at) || at < 0 || n < 0 || at + n > this.size) {
      throw new Error(`${what} at byte ${at} (${n} bytes) lies outside the file (${this.size} bytes): truncated or corrupt file`);
    }
    const b = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const got = readSync(this.fd, b, done, n - done, at + done);
      if (got <= 0) throw new Error(`${what}: unexpected end of file at byte ${at + done}`);
      done += got;
    }
    return b;
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** Little-endian unsigned integer of `n` bytes (≤ 8) at `p`; all-ones (undefined address) → -1. */
function uint(b: Uint8Array, p: number, n: number): number {
  if (p + n > b.length) throw new Error("a structure ends early (truncated or corrupt object header)");
  let allOnes = true;
  let v = 0;
  for (let i = n - 1; i >= 0; i--) {
    if (b[p + i] !== 0xff) allOnes = false;
    v = v * 256 + b[p + i];
  }
  if (allOnes) return -1;
  if (!Number.isSafeInteger(v)) throw new Error(`a ${n}-byte field holds ${v}, beyond what a file offset can be (corrupt file)`);
  return v;
}

function signature(b: Uint8Array, p: number): string {
  return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3]);
}

interface Sizes {
  base: number;
  so: number;
  sl: number;
}

function superblock(file: FileBytes, base: number): Sizes {
  const h = file.read(base, Math.min(64, file.size - base), "the superblock");
  const v = h[8];
  if (v === 0 || v === 1) return { base, so: h[13], sl: h[14] };
  if (v === 2 || v === 3) return { base, so: h[9], sl: h[10] };
  throw new Error(`superblock version ${v} is not known`);
}

interface Message {
  type: number;
  flags: number;
  data: Uint8Array;
}

/** Every message of the object header at `addr` (versions 1 and 2, continuation blocks followed, at most 64 blocks). */
function objectHeaderMessages(file: FileBytes, s: Sizes, addr: number): Message[] {
  const out: Message[] = [];
  const first = file.read(s.base + addr, 16, "the dataset's object header");
  const v2 = signature(first, 0) === "OHDR";
  const blocks: { at: number; len: number; cont: boolean }[] = [];
  if (v2) {
    const flags = first[5];
    let p = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const w = 1 << (flags & 3);
    const head = file.read(s.base + addr, p + w, "the dataset's object header");
    const len = uint(head, p, w);
    p += w;
    blocks.push({ at: addr + p, len, cont: false });
  } else {
    if (first[0] !== 1) throw new Error(`object header version ${first[0]} is not known (corrupt file?)`);
    blocks.push({ at: addr + 16, len: uint(first, 8, 4), cont: false });
  }
  const creationOrder = v2 && (first[5] & 0x04) !== 0;
  for (let k = 0; k < blocks.length; k++) {
    if (k >= 64) throw new Error("the object header has more than 64 continuation blocks (corrupt file?)");
    const { at, len, cont } = blocks[k];
    const b = file.read(s.base + at, len, "an object header block");
    let p = 0;
    let end = len;
    if (v2 && cont) {
      if (signature(b, 0) !== "OCHK") throw new Error("an object header continuation block lacks its OCHK signature (corrupt file)");
      p = 4;
      end = len - 4;
    }
    const headSize = v2 ? 4 + (creationOrder ? 2 : 0) : 8;
    while (p + headSize <= end) {
      let type: number, size: number, flags: number;
      if (v2) {
        type = b[p];
        size = b[p + 1] | (b[p + 2] << 8);
        flags = b[p + 3];
      } else {
        type = b[p] | (b[p + 1] << 8);
        size = b[p + 2] | (b[p + 3] << 8);
        flags = b[p + 4];
      }
      p += headSize;
      if (p + size > end) throw new Error("an object header message runs past its block (corrupt file)");
      const data = b.subarray(p, p + size);
      if (type === 0x10) blocks.push({ at: uint(data, 0, s.so), len: uint(data, s.so, s.sl), cont: true });
      else out.push({ type, flags, data });
      p += v2 ? size : (size + 7) & ~7;
    }
  }
  return out;
}

/** Chunks of a version-1 B-tree (node type 1) into `chunks`, depth-first; `rank` excludes the element-size axis. */
function walkBtree1(file: FileBytes, s: Sizes, addr: number, rank: number, chunk: number[], grid: number[], chunks: ChunkIndex["chunks"], depth: number): void {
  if (depth > 32) throw new Error("the chunk B-tree is deeper than 32 levels (corrupt file?)");
  const keySize = 8 + 8 * (rank + 1);
  const head = file.read(s.base + addr, 8 + 2 * s.so, "a chunk B-tree node");
  if (signature(head, 0) !== "TREE") throw new Error(`the chunk B-tree node at ${addr} lacks its TREE signature (corrupt file)`);
  if (head[4] !== 1) throw new Error(`B-tree node at ${addr} has type ${head[4]}, expected 1 (raw data chunks)`);
  const level = head[5];
  const n = head[6] | (head[7] << 8);
  const body = file.read(s.base + addr + 8 + 2 * s.so, n * (keySize + s.so) + keySize, "a chunk B-tree node");
  for (let i = 0; i < n; i++) {
    const k = i * (keySize + s.so);
    const child = uint(body, k + keySize, s.so);
    if (level > 0) {
      walkBtree1(file, s, child, rank, chunk, grid, chunks, depth + 1);
      continue;
    }
    const size = uint(body, k, 4);
    const mask = uint(body, k + 4, 4);
    let lin = 0;
    for (let d = 0; d < rank; d++) {
      const off = uint(body, k + 8 + 8 * d, 8);
      if (off % chunk[d] !== 0 || off / chunk[d] >= grid[d]) throw new Error(`a chunk B-tree key has offset ${off} on axis ${d}, not a chunk boundary inside the dataset (corrupt file)`);
      lin = lin * grid[d] + off / chunk[d];
    }
    chunks.set(lin, { addr: child, size, mask: mask === -1 ? 0xffffffff : mask });
  }
}

/** A layout-4 fixed array (FAHD/FADB, unpaged) of `count` chunk entries. */
function readFixedArray(file: FileBytes, s: Sizes, addr: number, count: number, filtered: boolean, chunks: ChunkIndex["chunks"]): void {
  const h = file.read(s.base + addr, 8 + s.sl + s.so, "the fixed-array chunk index header");
  if (signature(h, 0) !== "FAHD") throw new Error("the fixed-array chunk index lacks its FAHD signature (corrupt file)");
  const entrySize = h[6];
  const pageBits = h[7];
  const max = uint(h, 8, s.sl);
  const dblock = uint(h, 8 + s.sl, s.so);
  if (max !== count) throw new Error(`the fixed-array index holds ${max} entries, the dataset has ${count} chunks (corrupt file)`);
  if (max > 2 ** pageBits) throw new Error(`the fixed-array chunk index is paged (${max} entries, pages of ${2 ** pageBits}), which causalscope does not read; re-save the file with h5repack`);
  if (dblock < 0) return; // no chunk written yet
  const at = 6 + s.so;
  const d = file.read(s.base + dblock, at + max * entrySize, "the fixed-array chunk index");
  if (signature(d, 0) !== "FADB") throw new Error("the fixed-array data block lacks its FADB signature (corrupt file)");
  for (let i = 0; i < max; i++) {
    const p = at + i * entrySize;
    const a = uint(d, p, s.so);
    if (a < 0) continue;
    if (filtered) {
      const lenBytes = entrySize - s.so - 4;
      chunks.set(i, { addr: a, size: uint(d, p + s.so, lenBytes), mask: uint(d, p + s.so + lenBytes, 4) >>> 0 });
    } else chunks.set(i, { addr: a, size: -1, mask: 0 });
  }
}

const INDEX_NAMES: Record<number, string> = { 1: "single chunk", 2: "implicit", 3: "fixed array", 4: "extensible array", 5: "version-2 B-tree" };

function chunkIndex(file: FileBytes, s: Sizes, objAddr: number, shape: readonly number[], elemSize: number): ChunkIndex {
  const msgs = objectHeaderMessages(file, s, objAddr);
  const layout = msgs.find((m) => m.type === 0x08);
  if (!layout) throw new Error("the object header has no data layout message (corrupt file?)");
  const L = layout.data;
  const rank = shape.length;
  const version = L[0];
  let chunk: number[];
  const chunks: ChunkIndex["chunks"] = new Map();
  let grid: number[];
  const dims = (at: number, w: number, n: number) => Array.from({ length: n }, (_, i) => uint(L, at + i * w, w));
  const checkDims = (all: number[]) => {
    if (all.length !== rank + 1) throw new Error(`the layout message has ${all.length - 1} chunk axes, the dataset ${rank}`);
    if (all[rank] !== elemSize) throw new Error(`the layout message says elements of ${all[rank]} bytes, the datatype ${elemSize}`);
    chunk = all.slice(0, rank);
    if (chunk.some((c) => !(c > 0))) throw new Error(`chunk dims [${chunk.join(", ")}] include a zero (corrupt file)`);
    grid = shape.map((n, i) => Math.ceil(n / chunk[i]));
  };
  if (version === 1 || version === 2) {
    const nd = L[1];
    if (L[2] !== 2) throw new Error(`layout class ${L[2]} is not chunked`);
    const addr = uint(L, 8, s.so);
    checkDims(dims(8 + s.so, 4, nd));
    if (addr >= 0) walkBtree1(file, s, addr, rank, chunk!, grid!, chunks, 0);
  } else if (version === 3) {
    if (L[1] !== 2) throw new Error(`layout class ${L[1]} is not chunked`);
    const nd = L[2];
    const addr = uint(L, 3, s.so);
    checkDims(dims(3 + s.so, 4, nd));
    if (addr >= 0) walkBtree1(file, s, addr, rank, chunk!, grid!, chunks, 0);
  } else if (version === 4 || version === 5) {
    // version 5 (HDF5 2.0, libver "latest") encodes chunked layouts as version 4 does
    if (L[1] !== 2) throw new Error(`layout class ${L[1]} is not chunked`);
    const flags = L[2];
    const nd = L[3];
    const w = L[4];
    checkDims(dims(5, w, nd));
    let p = 5 + nd * w;
    const type = L[p++];
    if (type === 1) {
      let size = -1;
      let mask = 0;
      if (flags & 0x2) {
        size = uint(L, p, s.sl);
        mask = uint(L, p + s.sl, 4) >>> 0;
        p += s.sl + 4;
      }
      const addr = uint(L, p, s.so);
      if (addr >= 0) chunks.set(0, { addr, size, mask });
    } else if (type === 3) {
      p += 1; // page bits, repeated in the header
      const addr = uint(L, p, s.so);
      if (addr >= 0) readFixedArray(file, s, addr, grid!.reduce((a, b) => a * b, 1), true, chunks);
    } else {
      throw new Error(`its chunks are indexed by a${type === 4 || type === 2 ? "n" : ""} ${INDEX_NAMES[type] ?? `type-${type} index`}, which causalscope does not read for filtered data; re-save the file with h5repack (e.g. h5repack -l CHUNK=... in.h5 out.h5) or with h5py's default (libver "earliest")`);
    }
  } else {
    throw new Error(`data layout message version ${version} is not known`);
  }
  let fill: Uint8Array | undefined;
  const fv = msgs.find((m) => m.type === 0x05) ?? msgs.find((m) => m.type === 0x04);
  if (fv) {
    const F = fv.data;
    let at = -1;
    if (fv.type === 0x04) at = 0;
    else if (F[0] === 1) at = 4;
    else if (F[0] === 2 && F[3]) at = 4;
    else if (F[0] === 3 && F[1] & 0x20) at = 2;
    if (at >= 0 && uint(F, at, 4) === elemSize) fill = F.slice(at + 4, at + 4 + elemSize);
  }
  return { chunk: chunk!, grid: grid!, chunks, fill };
}

const INDEX_CACHE = new Map<string, ChunkIndex>();

/**
 * Read the hyperslab `offset`/`count` of a chunked dataset through its raw
 * chunks: `path` and `sigAt` (where the HDF5 signature is: the base of all
 * addresses), `objAddr` the dataset's object header address, `shape` and
 * `elemSize`, `littleEndian` the stored byte order, `filters` the pipeline
 * (as h5wasm reports it). Returns the selection in C order, little-endian.
 * The chunk index is read once per file version (path, size, mtime).
 * Cost: every chunk touching the selection is read and decoded once.
 * @throws Error with the reason (the caller names the file and dataset).
 */
export function readFilteredHyperslab(
  path: string, sigAt: number, objAddr: number, shape: readonly number[], elemSize: number, littleEndian: boolean,
  filters: readonly ChunkFilter[], offset: readonly number[], count: readonly number[],
): Uint8Array {
  const file = new FileBytes(path);
  try {
    const st = fstatSync(file.fd);
    const key = `${path}\0${st.size}\0${st.mtimeMs}\0${objAddr}`;
    let idx = INDEX_CACHE.get(key);
    if (!idx) {
      idx = chunkIndex(file, superblock(file, sigAt), objAddr, shape, elemSize);
      if (INDEX_CACHE.size >= 16) INDEX_CACHE.delete(INDEX_CACHE.keys().next().value!);
      INDEX_CACHE.set(key, idx);
    }
    return assemble(file, sigAt, idx, elemSize, littleEndian, filters, offset, count);
  } finally {
    file.close();
  }
}

function assemble(
  file: FileBytes, base: number, idx: ChunkIndex, es: number, littleEndian: boolean,
  filters: readonly ChunkFilter[], offset: readonly number[], count: readonly number[],
): Uint8Array {
  const rank = count.length;
  const total = count.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(total * es);
  if (total === 0) return out;
  const { chunk, grid } = idx;
  const chunkElems = chunk.reduce((a, b) => a * b, 1);
  const lo = offset.map((o, d) => Math.floor(o / chunk[d]));
  const hi = offset.map((o, d) => Math.floor((o + count[d] - 1) / chunk[d]));
  const outStride = new Array<number>(rank).fill(1);
  const inStride = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) {
    outStride[d] = outStride[d + 1] * count[d + 1];
    inStride[d] = inStride[d + 1] * chunk[d + 1];
  }
  const c = lo.slice();
  for (;;) {
    let lin = 0;
    for (let d = 0; d < rank; d++) lin = lin * grid[d] + c[d];
    const entry = idx.chunks.get(lin);
    let data: Uint8Array;
    if (!entry) {
      data = new Uint8Array(chunkElems * es);
      if (idx.fill && idx.fill.some((x) => x !== 0)) for (let i = 0; i < chunkElems; i++) data.set(idx.fill, i * es);
    } else {
      const stored = entry.size < 0 ? chunkElems * es : entry.size;
      const raw = file.read(base + entry.addr, stored, `chunk [${c.join(", ")}]`);
      try {
        data = decodeChunk(filters, entry.mask, raw, chunkElems * es);
      } catch (e) {
        throw new Error(`chunk [${c.join(", ")}] (at byte ${base + entry.addr}, ${stored} bytes): ${(e as Error).message}`);
      }
    }
    if (!littleEndian && es > 1) {
      data = data.slice();
      byteSwapInPlace(data, es);
    }
    copyIntersection(data, out, c.map((x, d) => x * chunk[d]), chunk, offset, count, inStride, outStride, es);
    let d = rank - 1;
    while (d >= 0 && c[d] === hi[d]) {
      c[d] = lo[d];
      d--;
    }
    if (d < 0) break;
    c[d]++;
  }
  return out;
}

/** Copy the part of one decoded chunk (origin `origin`, dims `chunk`) that lies in the selection into `out`. */
function copyIntersection(
  data: Uint8Array, out: Uint8Array, origin: number[], chunk: number[], offset: readonly number[], count: readonly number[],
  inStride: number[], outStride: number[], es: number,
): void {
  const rank = chunk.length;
  const a = origin.map((o, d) => Math.max(o, offset[d]));
  const b = origin.map((o, d) => Math.min(o + chunk[d], offset[d] + count[d]));
  if (a.some((x, d) => x >= b[d])) return;
  const last = rank - 1;
  const run = (b[last] - a[last]) * es;
  const p = a.slice();
  for (;;) {
    let src = 0;
    let dst = 0;
    for (let d = 0; d < rank; d++) {
      src += (p[d] - origin[d]) * inStride[d];
      dst += (p[d] - offset[d]) * outStride[d];
    }
    out.set(data.subarray(src * es, src * es + run), dst * es);
    let d = last - 1;
    while (d >= 0 && p[d] === b[d] - 1) {
      p[d] = a[d];
      d--;
    }
    if (d < 0) break;
    p[d]++;
  }
}
