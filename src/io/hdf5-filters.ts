/**
 * Decoders for the HDF5 compression filters that h5wasm's HDF5 build lacks
 * but that microscopy files use: LZF (h5py, filter 32000), Bitshuffle with
 * or without LZ4 (Dectris detectors, 32008), LZ4 (32004), Zstandard
 * (32015) and Blosc 1 (32001; codecs LZ4, LZ4HC, zlib, Zstandard; byte or
 * bit shuffle), plus deflate (1) and shuffle (2) when they share a pipeline
 * with one of these. `decodeChunk` undoes a chunk's pipeline in reverse
 * order, honouring the chunk's filter mask (filters skipped on write).
 *
 * Every decoder checks what it produces against the size the chunk must
 * have and throws an Error with the reason (the caller adds the file and
 * dataset): a corrupt or truncated chunk never becomes wrong numbers.
 *
 * References: liblzf 3.6 `lzf_d.c` (h5py's `lzf_filter.c`); the LZ4 block
 * format (lz4/doc/lz4_Block_format.md); bitshuffle 0.5 `bshuf_h5filter.c`
 * and `bitshuffle_core.c` (block layout, bit transpose); HDF Group
 * hdf5_plugins `H5Zlz4.c`; c-blosc 1.21 `blosc.c` and `shuffle.c`
 * (`blosc_d`, block splits) and its README_HEADER.rst; RFC 1950 (zlib),
 * RFC 8878 (Zstandard, decoded by fzstd).
 */
import { decompress as zstdDecompress } from "fzstd";
import { inflateChecked } from "./checksum";

/** A filter of a dataset's pipeline, as h5wasm reports it. */
export interface ChunkFilter {
  id: number;
  name?: string;
  cd_values?: readonly number[];
}

/** The filter ids `decodeChunk` decodes. */
export const DECODED_FILTERS: ReadonlyMap<number, string> = new Map([
  [1, "deflate"],
  [2, "shuffle"],
  [32000, "LZF"],
  [32001, "Blosc"],
  [32004, "LZ4"],
  [32008, "Bitshuffle"],
  [32015, "Zstandard"],
]);

/**
 * Undo a chunk's filter pipeline: `filters` in the order they were applied
 * on writing, `mask` the chunk's filter mask (bit i set: filter i was
 * skipped), `bytes` the stored chunk, `size` the bytes the decoded chunk
 * must have (chunk dims × element size). Returns the decoded bytes (the
 * stored element order and byte order). Cost: linear in the chunk size.
 * @throws Error naming the filter and the reason (corrupt, truncated, wrong size, unsupported parameter).
 */
export function decodeChunk(filters: readonly ChunkFilter[], mask: number, bytes: Uint8Array, size: number): Uint8Array {
  let data = bytes;
  for (let i = filters.length - 1; i >= 0; i--) {
    if (mask & (1 << i)) continue;
    const f = filters[i];
    const name = DECODED_FILTERS.get(f.id) ?? `filter ${f.id}`;
    try {
      data = decodeOne(f, data, size);
    } catch (e) {
      throw new Error(`${name} (HDF5 filter ${f.id}) chunk cannot be decoded: ${(e as Error).message}`);
    }
  }
  if (data.length !== size) throw new Error(`the decoded chunk has ${data.length} bytes, the dataset's chunk needs ${size} (corrupt chunk or filter parameters)`);
  return data;
}

function decodeOne(f: ChunkFilter, data: Uint8Array, size: number): Uint8Array {
  const cd = f.cd_values ?? [];
  switch (f.id) {
    case 1:
      return inflateChecked(data, size);
    case 2:
      return unshuffleBytes(data, cd[0] ?? 1);
    case 32000:
      return lzfDecompress(data, size);
    case 32001:
      return bloscDecompress(data, size);
    case 32004:
      return hdf5Lz4Decompress(data, size);
    case 32008:
      return bitshuffleFilterDecode(data, cd, size);
    case 32015:
      return zstdChecked(data, size);
    default:
      throw new Error(`filter ${f.id} is not decoded by causalscope`);
  }
}

/** HDF5 shuffle (filter 2): bytes [byte j of every element][element i] back to [element i][byte j]; trailing bytes unchanged. */
export function unshuffleBytes(src: Uint8Array, elemSize: number): Uint8Array {
  if (elemSize <= 1) return src;
  const n = Math.floor(src.length / elemSize);
  const out = new Uint8Array(src.length);
  for (let j = 0; j < elemSize; j++) {
    const base = j * n;
    for (let i = 0; i < n; i++) out[i * elemSize + j] = src[base + i];
  }
  out.set(src.subarray(n * elemSize), n * elemSize);
  return out;
}

/**
 * LZF decompression (liblzf's format): control byte < 32 is a run of
 * ctrl+1 literals; otherwise a back reference of length (ctrl >> 5) + 2
 * (7 means: add the next byte) at distance ((ctrl & 31) << 8 | next) + 1.
 * The output must be exactly `size` bytes.
 */
export function lzfDecompress(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let ip = 0;
  let op = 0;
  const n = src.length;
  while (ip < n) {
    let ctrl = src[ip++];
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > size) throw new Error("LZF data decodes to more bytes than the chunk holds");
      if (ip + ctrl > n) throw new Error("LZF data ends inside a literal run (truncated)");
      out.set(src.subarray(ip, ip + ctrl), op);
      ip += ctrl;
      op += ctrl;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= n) throw new Error("LZF data ends inside a back reference (truncated)");
        len += src[ip++];
      }
      if (ip >= n) throw new Error("LZF data ends inside a back reference (truncated)");
      const ref = op - ((ctrl & 0x1f) << 8) - src[ip++] - 1;
      len += 2;
      if (ref < 0) throw new Error("LZF back reference points before the start of the chunk (corrupt data)");
      if (op + len > size) throw new Error("LZF data decodes to more bytes than the chunk holds");
      for (let k = 0; k < len; k++) out[op + k] = out[ref + k];
      op += len;
    }
  }
  if (op !== size) throw new Error(`LZF data decodes to ${op} bytes, the chunk holds ${size} (truncated or corrupt)`);
  return out;
}

/**
 * Decompress one LZ4 block (lz4_Block_format.md) into `out[at, at+size)`;
 * the block must decode to exactly `size` bytes. Returns nothing; throws on
 * malformed data.
 */
export function lz4DecompressBlock(src: Uint8Array, out: Uint8Array, at: number, size: number): void {
  let ip = 0;
  let op = at;
  const end = at + size;
  const n = src.length;
  for (;;) {
    if (ip >= n) throw new Error("LZ4 block ends before its last sequence (truncated)");
    const token = src[ip++];
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= n) throw new Error("LZ4 literal length runs past the block (truncated)");
        b = src[ip++];
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > n) throw new Error("LZ4 literals run past the block (truncated)");
    if (op + lit > end) throw new Error("LZ4 block decodes to more bytes than declared");
    out.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip === n) break; // the last sequence holds literals only
    if (ip + 2 > n) throw new Error("LZ4 match offset runs past the block (truncated)");
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || op - offset < at) throw new Error("LZ4 match offset points before the start of the block (corrupt data)");
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= n) throw new Error("LZ4 match length runs past the block (truncated)");
        b = src[ip++];
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (op + len > end) throw new Error("LZ4 block decodes to more bytes than declared");
    const r = op - offset;
    if (offset >= len) out.copyWithin(op, r, r + len);
    else for (let k = 0; k < len; k++) out[op + k] = out[r + k]; // overlapping: a repeating pattern
    op += len;
  }
  if (op !== end) throw new Error(`LZ4 block decodes to ${op - at} bytes, ${size} declared (truncated or corrupt)`);
}

function u32be(b: Uint8Array, p: number): number {
  if (p + 4 > b.length) throw new Error("data ends inside a 4-byte size field (truncated)");
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

function u64be(b: Uint8Array, p: number): number {
  const hi = u32be(b, p);
  const v = hi * 2 ** 32 + u32be(b, p + 4);
  if (hi >= 2 ** 21) throw new Error(`declared size ${v} is not a usable byte count (corrupt header)`);
  return v;
}

/**
 * The HDF Group's LZ4 filter (32004): a 12-byte header (uint64 BE total
 * size, which must be `expected`, uint32 BE block size), then per block a uint32 BE compressed size
 * and the LZ4 block (stored raw when that size equals the block's size).
 */
export function hdf5Lz4Decompress(src: Uint8Array, expected: number): Uint8Array {
  const total = u64be(src, 0);
  if (total !== expected) throw new Error(`the LZ4 header declares ${total} bytes, the chunk holds ${expected} (corrupt header)`);
  const block = u32be(src, 8);
  if (block === 0 && total > 0) throw new Error("LZ4 header declares block size 0 (corrupt header)");
  const out = new Uint8Array(total);
  let ip = 12;
  for (let op = 0; op < total; ) {
    const bsize = Math.min(block, total - op);
    const csize = u32be(src, ip);
    ip += 4;
    if (ip + csize > src.length) throw new Error(`LZ4 block at byte ${ip} declares ${csize} bytes, ${src.length - ip} remain (truncated)`);
    const body = src.subarray(ip, ip + csize);
    if (csize === bsize) out.set(body, op);
    else lz4DecompressBlock(body, out, op, bsize);
    ip += csize;
    op += bsize;
  }
  return out;
}

/** SPREAD_LO[v] / SPREAD_HI[v]: byte t (t < 4 / t ≥ 4) of the pair is bit t of v; an 8×8 bit transpose by table. */
const SPREAD_LO = new Uint32Array(256);
const SPREAD_HI = new Uint32Array(256);
for (let v = 0; v < 256; v++) {
  for (let t = 0; t < 4; t++) {
    if (v & (1 << t)) SPREAD_LO[v] |= 1 << (8 * t);
    if (v & (1 << (t + 4))) SPREAD_HI[v] |= 1 << (8 * t);
  }
}

/**
 * Undo bitshuffle's bit transpose of `n` elements (n a multiple of 8) of
 * `elemSize` bytes: the input is 8·elemSize bit rows of n bits, row
 * (8·byte + bit) holding that bit of every element (bits least significant
 * first within each byte). Writes `out[at, at + n·elemSize)`, which must
 * hold zeros (all-zero blocks, common in counting-detector data, are
 * skipped). Each 8×8 bit block (8 elements, one byte) is transposed with
 * two table lookups per input byte.
 */
export function bitUntranspose(src: Uint8Array, srcAt: number, out: Uint8Array, at: number, n: number, elemSize: number): void {
  const rowBytes = n >> 3;
  const s = elemSize;
  for (let j = 0; j < s; j++) {
    const rows = srcAt + j * 8 * rowBytes;
    for (let b = 0; b < rowBytes; b++) {
      let lo = 0;
      let hi = 0;
      for (let k = 0, p = rows + b; k < 8; k++, p += rowBytes) {
        const v = src[p];
        lo |= SPREAD_LO[v] << k;
        hi |= SPREAD_HI[v] << k;
      }
      if ((lo | hi) === 0) continue;
      const e = at + b * 8 * s + j;
      out[e] = lo & 255;
      out[e + s] = (lo >>> 8) & 255;
      out[e + 2 * s] = (lo >>> 16) & 255;
      out[e + 3 * s] = lo >>> 24;
      out[e + 4 * s] = hi & 255;
      out[e + 5 * s] = (hi >>> 8) & 255;
      out[e + 6 * s] = (hi >>> 16) & 255;
      out[e + 7 * s] = hi >>> 24;
    }
  }
}

/** bitshuffle's default block size (elements) for an element size: 8192 bytes' worth, a multiple of 8, at least 128. */
function bshufDefaultBlock(elemSize: number): number {
  const b = Math.floor(Math.floor(8192 / elemSize) / 8) * 8;
  return Math.max(b, 128);
}

/**
 * bitshuffle's blocked layout over `count` elements: full blocks of
 * `block` elements, then one block of the remainder rounded down to a
 * multiple of 8, then the last (count mod 8) elements copied unchanged.
 * `each(blockElems)` decodes one block and returns the bytes it consumed.
 */
function bshufBlocks(count: number, block: number, elemSize: number, src: Uint8Array, srcAt: number, out: Uint8Array, each: (blockElems: number, srcAt: number, outAt: number) => number): void {
  if (block % 8 !== 0 || block <= 0) throw new Error(`block size ${block} is not a positive multiple of 8 (corrupt parameters)`);
  let ip = srcAt;
  let op = 0;
  const full = Math.floor(count / block);
  for (let i = 0; i < full; i++) {
    ip += each(block, ip, op);
    op += block * elemSize;
  }
  const last = (count % block) - ((count % block) % 8);
  if (last > 0) {
    ip += each(last, ip, op);
    op += last * elemSize;
  }
  const left = (count % 8) * elemSize;
  if (ip + left > src.length) throw new Error("data ends before its last unshuffled bytes (truncated)");
  out.set(src.subarray(ip, ip + left), op);
}

/**
 * The bitshuffle HDF5 filter (32008). cd_values: [major, minor, element
 * size, block size (0: default), compression (0 none, 2 LZ4, 3 Zstandard)].
 * Compressed chunks start with a uint64 BE decoded size and a uint32 BE
 * block size in bytes; each block is a uint32 BE compressed size and the
 * compressed bits.
 */
export function bitshuffleFilterDecode(src: Uint8Array, cd: readonly number[], size: number): Uint8Array {
  const elemSize = cd[2];
  if (!(elemSize > 0)) throw new Error(`element size ${elemSize} in the filter parameters is invalid`);
  const comp = cd[4] ?? 0;
  if (comp !== 0 && comp !== 2 && comp !== 3) throw new Error(`compression ${comp} in the filter parameters is unknown (0 none, 2 LZ4, 3 Zstandard)`);
  if (comp === 0) {
    if (src.length !== size) throw new Error(`the chunk has ${src.length} bytes, ${size} expected`);
    const out = new Uint8Array(size);
    const block = cd[3] || bshufDefaultBlock(elemSize);
    bshufBlocks(Math.floor(size / elemSize), block, elemSize, src, 0, out, (n, ip, op) => {
      bitUntranspose(src, ip, out, op, n, elemSize);
      return n * elemSize;
    });
    return out;
  }
  const total = u64be(src, 0);
  if (total !== size) throw new Error(`the header declares ${total} bytes, the chunk holds ${size} (corrupt header)`);
  const blockBytes = u32be(src, 8);
  if (total % elemSize !== 0) throw new Error(`declared size ${total} is not a multiple of the element size ${elemSize}`);
  if (blockBytes % elemSize !== 0) throw new Error(`declared block size ${blockBytes} bytes is not a multiple of the element size ${elemSize}`);
  const out = new Uint8Array(total);
  let tmp = new Uint8Array(0);
  bshufBlocks(total / elemSize, blockBytes / elemSize, elemSize, src, 12, out, (n, ip, op) => {
    const csize = u32be(src, ip);
    const body = src.subarray(ip + 4, ip + 4 + csize);
    if (body.length !== csize) throw new Error(`block at byte ${ip} declares ${csize} compressed bytes, ${body.length} remain (truncated)`);
    const nbytes = n * elemSize;
    if (tmp.length < nbytes) tmp = new Uint8Array(nbytes);
    if (comp === 2) lz4DecompressBlock(body, tmp, 0, nbytes);
    else {
      const z = zstdChecked(body, nbytes);
      if (z.length !== nbytes) throw new Error(`Zstandard block decodes to ${z.length} bytes, ${nbytes} expected`);
      tmp.set(z);
    }
    bitUntranspose(tmp, 0, out, op, n, elemSize);
    return 4 + csize;
  });
  return out;
}

/**
 * Zstandard through fzstd, after checking that the first frame does not
 * declare more than `limit` bytes (so a corrupt header cannot ask for a huge
 * allocation; RFC 8878 section 3.1.1.1: frame header, Frame_Content_Size).
 */
function zstdChecked(src: Uint8Array, limit: number): Uint8Array {
  if (src.length >= 6 && src[0] === 0x28 && src[1] === 0xb5 && src[2] === 0x2f && src[3] === 0xfd) {
    const fhd = src[4];
    const single = (fhd >> 5) & 1;
    const fcsBytes = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
    const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3];
    if (fcsBytes > 0 && at + fcsBytes <= src.length) {
      let fcs = 0;
      for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + src[at + i];
      if (fcsBytes === 2) fcs += 256;
      if (fcs > limit) throw new Error(`the Zstandard frame declares ${fcs} bytes, at most ${limit} expected (corrupt data)`);
    }
  }
  try {
    return zstdDecompress(src);
  } catch (e) {
    throw new Error(`Zstandard data is corrupt or truncated (${(e as Error).message})`);
  }
}

function u32le(b: Uint8Array, p: number): number {
  if (p + 4 > b.length) throw new Error("data ends inside a 4-byte field (truncated)");
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

const BLOSC_CODECS: Record<number, string> = { 0: "blosclz", 1: "lz4", 2: "snappy", 3: "zlib", 4: "zstd" };

/**
 * One Blosc 1 frame (c-blosc 1.x, format version 2): 16-byte header
 * (version, versionlz, flags, typesize, nbytes, blocksize, cbytes, all
 * little-endian), block starts, then each block as one or `typesize`
 * splits of (int32 compressed size, data), stored raw when the size equals
 * the split's; then byte or bit unshuffle per block. Codecs decoded: LZ4 /
 * LZ4HC, zlib, Zstandard; blosclz and snappy throw, naming the codec.
 * The declared size must be `expected`.
 */
export function bloscDecompress(src: Uint8Array, expected: number): Uint8Array {
  if (src.length < 16) throw new Error(`a Blosc frame needs a 16-byte header, the chunk has ${src.length} bytes`);
  if (src[0] > 2) throw new Error(`Blosc format version ${src[0]} (Blosc 2?) is not decoded by causalscope (version 2, Blosc 1.x, is)`);
  const flags = src[2];
  const typesize = src[3];
  const nbytes = u32le(src, 4);
  const blocksize = u32le(src, 8);
  const cbytes = u32le(src, 12);
  if (cbytes > src.length) throw new Error(`the Blosc header declares ${cbytes} bytes, the chunk has ${src.length} (truncated)`);
  if (nbytes !== expected) throw new Error(`the Blosc header declares ${nbytes} decoded bytes, the chunk holds ${expected} (corrupt header)`);
  const out = new Uint8Array(nbytes);
  if (nbytes === 0) return out;
  if (flags & 0x2) {
    if (16 + nbytes > src.length) throw new Error("a stored (uncompressed) Blosc frame is shorter than its declared size (truncated)");
    out.set(src.subarray(16, 16 + nbytes));
    return out;
  }
  if (blocksize === 0 || typesize === 0) throw new Error("the Blosc header declares block size or type size 0 (corrupt header)");
  const codec = (flags & 0xe0) >> 5;
  if (codec !== 1 && codec !== 3 && codec !== 4) throw new Error(`Blosc codec ${BLOSC_CODECS[codec] ?? codec} is not decoded by causalscope (lz4, lz4hc, zlib and zstd are)`);
  const shuffle = (flags & 0x1) !== 0 && typesize > 1;
  const bitshuffle = (flags & 0x4) !== 0;
  const dontSplit = (flags & 0x10) !== 0;
  const nblocks = Math.ceil(nbytes / blocksize);
  const tmp = new Uint8Array(blocksize);
  for (let j = 0; j < nblocks; j++) {
    const leftover = j === nblocks - 1 && nbytes % blocksize !== 0;
    const bsize = leftover ? nbytes % blocksize : blocksize;
    const nsplits = !dontSplit && typesize <= 16 && blocksize / typesize >= 128 && !leftover ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    let ip = u32le(src, 16 + 4 * j);
    const dst = shuffle || bitshuffle ? tmp : out.subarray(j * blocksize, j * blocksize + bsize);
    for (let s = 0; s < nsplits; s++) {
      const cs = u32le(src, ip);
      ip += 4;
      if (ip + cs > src.length) throw new Error(`Blosc block ${j} declares ${cs} compressed bytes past the end of the chunk (truncated)`);
      const body = src.subarray(ip, ip + cs);
      if (cs === neblock) dst.set(body, s * neblock);
      else if (codec === 1) lz4DecompressBlock(body, dst, s * neblock, neblock);
      else {
        const z = codec === 3 ? inflateChecked(body, neblock) : zstdChecked(body, neblock);
        if (z.length !== neblock) throw new Error(`Blosc block ${j} decodes to ${z.length} bytes, ${neblock} expected`);
        dst.set(z, s * neblock);
      }
      ip += cs;
    }
    if (shuffle) out.set(unshuffleBytes(tmp.subarray(0, bsize), typesize), j * blocksize);
    else if (bitshuffle) {
      // Blosc 1 (format version 2) bit-shuffles a block only when it holds a multiple of 8 elements
      const n = bsize / typesize;
      if (Number.isInteger(n) && n % 8 === 0) bitUntranspose(tmp, 0, out, j * blocksize, n, typesize);
      else out.set(tmp.subarray(0, bsize), j * blocksize);
    }
  }
  return out;
}
