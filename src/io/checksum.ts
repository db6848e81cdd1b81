/**
 * Checksums and checked decompression shared by the readers: CRC-32 (PNG
 * chunks), Adler-32 (zlib streams in PNG IDAT and TIFF Deflate strips), and
 * `inflateChecked`, which inflates a zlib stream into a buffer of the size the
 * file declares and verifies its Adler-32, so a corrupted or truncated stream
 * raises instead of giving wrong pixels. fflate (the inflater) does not check
 * the Adler-32 itself and silently stops when its output buffer is full.
 *
 * References: RFC 1950 (zlib, Adler-32), RFC 1951 (deflate), ISO 3309 /
 * PNG specification section 5.5 (CRC-32).
 */
import { inflateSync } from "fflate";

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (ISO 3309, polynomial 0xEDB88320, as PNG uses) of `bytes`. Cost: one table lookup per byte. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const t = CRC_TABLE;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

let CRC32C_TABLE: Uint32Array | undefined;

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, as iSCSI and Zarr's crc32c codec use) of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  if (!CRC32C_TABLE) {
    CRC32C_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      CRC32C_TABLE[n] = c >>> 0;
    }
  }
  const t = CRC32C_TABLE;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Adler-32 (RFC 1950) of `bytes`. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + 5552); // largest run without overflow before the modulo
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** True when the first two bytes are a valid zlib header (deflate, no preset dictionary). */
export function isZlibHeader(b: Uint8Array): boolean {
  return b.length >= 2 && (b[0] & 0x0f) === 8 && (b[0] >> 4) <= 7 && ((b[0] << 8) | b[1]) % 31 === 0 && (b[1] & 0x20) === 0;
}

/**
 * Inflate a zlib stream that must decode to exactly `expected` bytes and
 * carry a matching Adler-32; throws an Error with the reason otherwise
 * (callers add the file name). Memory: one buffer of `expected + 1` bytes,
 * whatever the stream claims (a decompression bomb stops there).
 * `rawFallback`: a stream without a zlib header is inflated as raw deflate
 * (no checksum exists then; its length must still match exactly).
 */
export function inflateChecked(data: Uint8Array, expected: number, rawFallback = false): Uint8Array {
  const zlib = isZlibHeader(data);
  if (!zlib && !rawFallback) throw new Error(`not a zlib stream (header bytes ${hex2(data)})`);
  const body = zlib ? data.subarray(2) : data;
  const out = new Uint8Array(expected + 1);
  let got: Uint8Array;
  try {
    got = inflateSync(body, { out });
  } catch (e) {
    throw new Error(`deflate data is corrupt or truncated (${(e as Error).message})`);
  }
  if (got.length > expected) throw new Error(`deflate data decodes to more than the ${expected} bytes declared`);
  if (got.length < expected) throw new Error(`deflate data decodes to ${got.length} bytes, ${expected} declared (truncated or corrupt stream)`);
  if (zlib) {
    if (data.length < 6) throw new Error("zlib stream has no Adler-32 checksum (truncated)");
    const n = data.length;
    const stored = ((data[n - 4] << 24) | (data[n - 3] << 16) | (data[n - 2] << 8) | data[n - 1]) >>> 0;
    const actual = adler32(got);
    if (stored !== actual) {
      throw new Error(`Adler-32 checksum mismatch (stored ${stored.toString(16).padStart(8, "0")}, data gives ${actual.toString(16).padStart(8, "0")}): the compressed data is corrupt`);
    }
  }
  return got.length === out.length ? got : got.subarray(0, expected);
}

function hex2(b: Uint8Array): string {
  return Array.from(b.subarray(0, 2), (x) => x.toString(16).padStart(2, "0")).join(" ");
}
