/**
 * PNG reading: 8- and 16-bit greyscale exactly; colour (RGB, RGBA, palette)
 * converted to luminance. Before decoding (pngjs), `checkPng` walks the
 * chunks: every CRC-32 is verified, IHDR is validated, the image data the
 * header declares is bounded by what the compressed stream can hold (so a
 * small file declaring 65535 × 65535 pixels fails at once, in bounded
 * memory), and the zlib stream must inflate to exactly the declared size
 * with a matching Adler-32 (a short or truncated stream raises instead of
 * giving missing rows). Reference: PNG specification (W3C, 2nd edition).
 */
import { readFileSync } from "node:fs";
import { PNG } from "pngjs";
import { crc32, inflateChecked } from "./checksum";
import { ioError } from "./util";

/** The 8-byte PNG signature. */
export const PNG_MAGIC = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Luminance weights for colour PNGs: ITU-R BT.601 luma,
 * Y = 0.299 R + 0.587 G + 0.114 B (as Pillow's `convert("L")`, OpenCV and
 * MATLAB `rgb2gray`, without their rounding). Alpha is ignored. A pixel with
 * R = G = B gives exactly that value.
 */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

export function isPng(b: Uint8Array): boolean {
  if (b.length < 8) return false;
  for (let i = 0; i < 8; i++) if (b[i] !== PNG_MAGIC[i]) return false;
  return true;
}

/** A decoded PNG. */
export interface PngImage {
  width: number;
  height: number;
  /** Bits per sample in the file (1, 2, 4, 8 or 16). */
  bitDepth: number;
  /** True when the file is colour (RGB, RGBA or palette) and `data` is luminance. */
  colour: boolean;
  /**
   * Row-major grey levels as stored (0..2^bitDepth − 1: 0..255 for 8-bit,
   * 0..65535 for 16-bit, 0..15 for 4-bit; low depths are not rescaled), or
   * the luminance of colour and palette pixels.
   */
  data: Float32Array;
}

/**
 * Largest expansion of deflate: a 258-byte match in about two bits gives at
 * most 1032:1 (zlib technical details); with slack for headers.
 */
const MAX_DEFLATE_RATIO = 1032;
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Bytes of filtered scanlines for a `w`×`h` image (one filter byte per row). */
function scanlineBytes(w: number, h: number, bitsPerPixel: number): number {
  return w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8));
}

/**
 * Validate a PNG's structure without decoding it: signature, chunk lengths
 * within the file, every chunk's CRC-32, IHDR (sizes, bit depth for the
 * colour type, methods), an IEND, and image data that inflate to exactly the
 * size IHDR declares with a matching Adler-32. Throws `readPng("name"): ...`
 * naming the problem. Cost: one pass over the bytes plus one inflate, in
 * memory bounded by the declared size, itself bounded by 1032 × the
 * compressed data. `end` is the byte after IEND (bytes after it are
 * ignored, as libpng and Pillow do).
 */
export function checkPng(bytes: Uint8Array, name = "<bytes>"): { width: number; height: number; bitDepth: number; colourType: number; interlaced: boolean; end: number } {
  const fail = (reason: string): never => {
    throw ioError("readPng", name, reason);
  };
  if (!isPng(bytes)) fail("not a PNG file: bad signature");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  let ihdr: { width: number; height: number; bitDepth: number; colourType: number; interlaced: boolean } | undefined;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let ended = false;
  while (p < bytes.length) {
    if (p + 12 > bytes.length) fail(`truncated: a chunk header at byte ${p} runs past the end of the file (${bytes.length} bytes)`);
    const len = dv.getUint32(p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    if (len > 0x7fffffff || p + 12 + len > bytes.length) fail(`truncated or corrupt: chunk "${type}" at byte ${p} declares ${len} bytes, the file has ${bytes.length - p - 12} left`);
    const stored = dv.getUint32(p + 8 + len);
    const actual = crc32(bytes, p + 4, p + 8 + len);
    if (stored !== actual) fail(`corrupt: CRC mismatch in chunk "${type}" at byte ${p} (stored ${stored.toString(16)}, data give ${actual.toString(16)})`);
    const data = bytes.subarray(p + 8, p + 8 + len);
    if (!ihdr) {
      if (type !== "IHDR" || len !== 13) fail(`corrupt: the first chunk is "${type}" (${len} bytes), PNG requires IHDR (13 bytes)`);
      const width = dv.getUint32(p + 8);
      const height = dv.getUint32(p + 12);
      const bitDepth = data[8];
      const colourType = data[9];
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) fail(`corrupt IHDR: ${width} × ${height} pixels`);
      if (!DEPTHS[colourType]?.includes(bitDepth)) fail(`corrupt IHDR: bit depth ${bitDepth} with colour type ${colourType} does not exist in PNG`);
      if (data[10] !== 0 || data[11] !== 0 || data[12] > 1) fail(`corrupt IHDR: compression ${data[10]}, filter ${data[11]}, interlace ${data[12]} (PNG has 0, 0, 0 or 1)`);
      ihdr = { width, height, bitDepth, colourType, interlaced: data[12] === 1 };
    } else if (type === "IDAT") {
      idat.push(data);
      idatBytes += len;
    } else if (type === "IEND") {
      ended = true;
      p += 12;
      break;
    }
    p += 12 + len;
  }
  if (!ihdr) return fail("truncated: no IHDR chunk");
  if (!ended) fail("truncated: the file ends before the IEND chunk");
  if (idatBytes === 0) fail("corrupt: no image data (IDAT chunk)");
  const { width: w, height: h, bitDepth, colourType, interlaced } = ihdr;
  const bpp = CHANNELS[colourType] * bitDepth;
  let expected = 0;
  if (!interlaced) expected = scanlineBytes(w, h, bpp);
  else {
    // Adam7 passes: (x0, y0, dx, dy)
    for (const [x0, y0, dx, dy] of [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]) {
      expected += scanlineBytes(Math.ceil((w - x0) / dx), Math.ceil((h - y0) / dy), bpp);
    }
  }
  if (expected > MAX_DEFLATE_RATIO * idatBytes + 1024 || expected > 2 ** 31 - 1) {
    fail(`corrupt or truncated: IHDR declares ${w} × ${h} pixels (${expected} bytes of image data), more than the ${idatBytes} bytes of compressed data can hold (deflate expands at most ${MAX_DEFLATE_RATIO}:1)`);
  }
  let stream: Uint8Array;
  if (idat.length === 1) stream = idat[0];
  else {
    stream = new Uint8Array(idatBytes);
    let o = 0;
    for (const d of idat) {
      stream.set(d, o);
      o += d.length;
    }
  }
  try {
    inflateChecked(stream, expected);
  } catch (e) {
    fail(`corrupt or truncated image data: ${(e as Error).message}`);
  }
  return { ...ihdr, end: p };
}

/**
 * Decode PNG bytes. Greyscale values are exact; colour becomes BT.601
 * luminance (see `LUMA_WEIGHTS`). The file is checked first (`checkPng`:
 * CRCs, declared size against the compressed data, Adler-32).
 */
export function decodePng(bytes: Uint8Array, name = "<bytes>"): PngImage {
  const { end } = checkPng(bytes, name);
  bytes = bytes.subarray(0, end);
  let png: { width: number; height: number; depth: number; color: boolean; data: Uint8Array | Uint16Array; colorType?: number };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true }) as unknown as typeof png;
  } catch (e) {
    throw ioError("readPng", name, `corrupt or truncated PNG: ${(e as Error).message}`);
  }
  const { width, height } = png;
  const n = width * height;
  const src = png.data; // RGBA, 4 samples per pixel
  if (src.length < 4 * n) throw ioError("readPng", name, `corrupt PNG: decoded ${src.length} samples, expected ${4 * n}`);
  const out = new Float32Array(n);
  const [wr, wg, wb] = LUMA_WEIGHTS;
  for (let i = 0, p = 0; i < n; i++, p += 4) {
    const r = src[p];
    const g = src[p + 1];
    const b = src[p + 2];
    out[i] = r === g && g === b ? r : wr * r + wg * g + wb * b;
  }
  return { width, height, bitDepth: png.depth, colour: png.color, data: out };
}

/** Read a PNG file (see `decodePng`). */
export function readPng(path: string): PngImage {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw ioError("readPng", path, `cannot read: ${(e as Error).message}`);
  }
  return decodePng(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}
