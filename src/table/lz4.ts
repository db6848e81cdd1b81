/**
 * LZ4 frame decompression (the LZ4_FRAME codec of Arrow IPC, which pyarrow
 * and so pandas' `to_feather` use by default), with the frame's header,
 * block and content checksums (xxHash32) verified.
 *
 * Reference: LZ4 Frame Format Description v1.6.x and LZ4 Block Format
 * Description (github.com/lz4/lz4/blob/dev/doc/); xxHash32 (Y. Collet,
 * github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md).
 */

const P1 = 2654435761, P2 = 2246822519, P3 = 3266489917, P4 = 668265263, P5 = 374761393;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const u32 = (b: Uint8Array, i: number): number => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
const round = (acc: number, input: number): number => Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1);

/** xxHash32 of `data` with `seed` (0 by default), as an unsigned 32-bit integer. O(n). */
export function xxh32(data: Uint8Array, seed = 0): number {
  const n = data.length;
  let i = 0, h: number;
  if (n >= 16) {
    let v1 = (seed + P1 + P2) | 0, v2 = (seed + P2) | 0, v3 = seed | 0, v4 = (seed - P1) | 0;
    for (; i <= n - 16; i += 16) {
      v1 = round(v1, u32(data, i));
      v2 = round(v2, u32(data, i + 4));
      v3 = round(v3, u32(data, i + 8));
      v4 = round(v4, u32(data, i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + n) | 0;
  for (; i + 4 <= n; i += 4) h = Math.imul(rotl((h + Math.imul(u32(data, i), P3)) | 0, 17), P4);
  for (; i < n; i++) h = Math.imul(rotl((h + Math.imul(data[i], P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Decode one LZ4 block `src[s..sEnd)` into `dst` at `d` (not past `dEnd`);
 * matches may reach back to `historyStart`. Returns the new end of output.
 * Every length and offset is checked, so corrupt input throws instead of
 * writing out of place.
 */
function decodeBlock(src: Uint8Array, s: number, sEnd: number, dst: Uint8Array, d: number, dEnd: number, historyStart: number): number {
  const corrupt = (why: string) => new Error(`corrupt LZ4 block: ${why}`);
  for (;;) {
    if (s >= sEnd) throw corrupt("ends inside a sequence");
    const token = src[s++];
    let literals = token >>> 4;
    if (literals === 15) {
      let b;
      do {
        if (s >= sEnd) throw corrupt("ends inside a literal length");
        literals += b = src[s++];
      } while (b === 255);
    }
    if (s + literals > sEnd || d + literals > dEnd) throw corrupt("literals run past the block");
    dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s === sEnd) return d; // the last sequence has literals only
    if (s + 2 > sEnd) throw corrupt("ends inside a match offset");
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || d - offset < historyStart) throw corrupt(`match offset ${offset} reaches before the data`);
    let length = token & 15;
    if (length === 15) {
      let b;
      do {
        if (s >= sEnd) throw corrupt("ends inside a match length");
        length += b = src[s++];
      } while (b === 255);
    }
    length += 4;
    if (d + length > dEnd) throw corrupt("match runs past the block");
    for (let from = d - offset, end = d + length; d < end;) dst[d++] = dst[from++]; // may overlap
  }
}

/**
 * Decompress one LZ4 frame (the whole of `frame`). Verifies the header
 * checksum and, when the frame has them, block and content checksums.
 * O(output size).
 *
 * @throws Error naming the reason for a bad magic number, unsupported
 *   version or dictionary, checksum mismatch, or corrupt block.
 */
export function decodeLz4Frame(frame: Uint8Array): Uint8Array {
  const bad = (why: string) => new Error(`LZ4 frame: ${why}`);
  if (frame.length < 7 || u32(frame, 0) !== 0x184d2204) throw bad("no LZ4 frame magic number");
  const flg = frame[4], bd = frame[5];
  if (flg >>> 6 !== 1) throw bad(`version ${flg >>> 6}, expected 1`);
  const independent = (flg & 0x20) !== 0, blockChecksum = (flg & 0x10) !== 0, hasSize = (flg & 0x08) !== 0, contentChecksum = (flg & 0x04) !== 0;
  if (flg & 0x01) throw bad("frames that need a dictionary are not supported");
  const blockMax = [0, 0, 0, 0, 1 << 16, 1 << 18, 1 << 20, 1 << 22][(bd >>> 4) & 7];
  if (!blockMax) throw bad(`block size code ${(bd >>> 4) & 7} is not 4 to 7`);
  let p = 6;
  let contentSize = -1;
  if (hasSize) {
    if (frame.length < 15) throw bad("ends inside its header");
    contentSize = u32(frame, 6) + u32(frame, 10) * 2 ** 32;
    p += 8;
  }
  if (((xxh32(frame.subarray(4, p)) >>> 8) & 0xff) !== frame[p]) throw bad("header checksum mismatch");
  p++;
  // first pass: block bounds and an upper bound of the output size
  const blocks: Array<[start: number, size: number, raw: boolean]> = [];
  let bound = 0;
  for (;;) {
    if (p + 4 > frame.length) throw bad("ends before its end mark");
    const word = u32(frame, p);
    p += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff, raw = word >>> 31 === 1;
    if (size > blockMax) throw bad(`block of ${size} bytes, more than the frame's maximum ${blockMax}`);
    if (p + size + (blockChecksum ? 4 : 0) > frame.length) throw bad("ends inside a block");
    if (blockChecksum && xxh32(frame.subarray(p, p + size)) !== u32(frame, p + size)) throw bad(`block checksum mismatch at byte ${p}`);
    blocks.push([p, size, raw]);
    bound += raw ? size : blockMax;
    p += size + (blockChecksum ? 4 : 0);
  }
  if (p + (contentChecksum ? 4 : 0) !== frame.length) throw bad(`${frame.length - p} bytes after the end mark, expected ${contentChecksum ? 4 : 0}`);
  const out = new Uint8Array(contentSize >= 0 ? contentSize : bound);
  let d = 0;
  for (const [start, size, raw] of blocks) {
    const blockStart = d;
    if (raw) {
      if (d + size > out.length) throw bad("more data than its declared content size");
      out.set(frame.subarray(start, start + size), d);
      d += size;
    } else {
      d = decodeBlock(frame, start, start + size, out, d, Math.min(out.length, d + blockMax), independent ? blockStart : 0);
    }
  }
  if (contentSize >= 0 && d !== contentSize) throw bad(`${d} bytes of data, the header declares ${contentSize}`);
  const data = out.subarray(0, d);
  if (contentChecksum && xxh32(data) !== u32(frame, p)) throw bad("content checksum mismatch");
  return data;
}
