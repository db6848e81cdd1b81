/**
 * PNG reading: 8- and 16-bit greyscale exactly; colour (RGB, RGBA, palette)
 * converted to luminance. Before decoding (pngjs), `checkPng` walks the
 * chunks: every CRC-32 is verified, IHDR is validated, the image data the
 * header declares is bounded by what the compressed stream can hold (so a
 * small file declaring 65535 × 65535 pixels fails at once, in bounded
 * memory), and the zlib stream must inflate to exactly the declared size
 * with a matching Adler-32 (a short or truncated stream raises instead of
 * giving missing rows). The checked scanlines are then unfiltered and read
 * here (pngjs only de-interlaces Adam7 files). Reference: PNG specification
 * (W3C, 2nd edition).
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

/** What `checkPng` found: the header, the palette, and the inflated (still filtered) scanlines. */
export interface CheckedPng {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
  /** PLTE chunk (RGB triples), when present. */
  palette?: Uint8Array;
  /** The inflated image data: filtered scanlines, one filter byte per row (per pass when interlaced). */
  scanlines: Uint8Array;
  /** Byte after the IEND chunk. */
  end: number;
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
export function checkPng(bytes: Uint8Array, name = "<bytes>"): CheckedPng {
  const fail = (reason: string): never => {
    throw ioError("readPng", name, reason);
  };
  if (!isPng(bytes)) fail("not a PNG file: bad signature");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  let ihdr: { width: number; height: number; bitDepth: number; colourType: number; interlaced: boolean } | undefined;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let palette: Uint8Array | undefined;
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
    } else if (type === "PLTE") {
      palette = data;
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
  let scanlines: Uint8Array;
  try {
    scanlines = inflateChecked(stream, expected);
  } catch (e) {
    return fail(`corrupt or truncated image data: ${(e as Error).message}`);
  }
  if (colourType === 3 && !palette) fail("corrupt: a palette image without a PLTE chunk");
  return { ...ihdr, palette, scanlines, end: p };
}

/** Undo the PNG row filters (None, Sub, Up, Average, Paeth) in place; `bpp` = bytes per complete pixel (at least 1). */
function unfilter(data: Uint8Array, rows: number, rowBytes: number, bpp: number, fail: (reason: string) => never): void {
  const stride = rowBytes + 1;
  for (let y = 0; y < rows; y++) {
    const f = data[y * stride];
    const at = y * stride + 1;
    const end = at + rowBytes;
    const up = at - stride; // the previous row (row 0 has none: zeros)
    const first = y === 0;
    if (f === 0) continue;
    if (f === 1) {
      for (let i = at + bpp; i < end; i++) data[i] = (data[i] + data[i - bpp]) & 0xff;
    } else if (f === 2) {
      if (!first) for (let i = at; i < end; i++) data[i] = (data[i] + data[i - stride]) & 0xff;
    } else if (f === 3) {
      for (let i = at; i < end; i++) {
        const a = i - at >= bpp ? data[i - bpp] : 0;
        const b = first ? 0 : data[i - stride];
        data[i] = (data[i] + ((a + b) >> 1)) & 0xff;
      }
    } else if (f === 4) {
      for (let i = at; i < end; i++) {
        const left = i - at >= bpp;
        const a = left ? data[i - bpp] : 0;
        const b = first ? 0 : data[i - stride];
        const c = left && !first ? data[up + (i - at) - bpp] : 0;
        const pa = b > c ? b - c : c - b;
        const pb = a > c ? a - c : c - a;
        const q = a + b - 2 * c;
        const pc = q < 0 ? -q : q;
        data[i] = (data[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
    } else fail(`corrupt: row ${y} has filter type ${f} (PNG defines 0-4)`);
  }
}

/**
 * Pixels of a non-interlaced PNG from its checked scanlines: grey levels as
 * stored (low bit depths not rescaled), colour and palette as BT.601
 * luminance (R = G = B gives exactly that value), alpha ignored.
 */
function pixelsOf(c: CheckedPng, name: string): Float32Array {
  const fail = (reason: string): never => {
    throw ioError("readPng", name, reason);
  };
  const { width: w, height: h, bitDepth: depth, colourType } = c;
  const channels = CHANNELS[colourType];
  const rowBytes = Math.ceil((w * channels * depth) / 8);
  const data = c.scanlines;
  unfilter(data, h, rowBytes, Math.max(1, (channels * depth) >> 3), fail);
  const out = new Float32Array(w * h);
  const [wr, wg, wb] = LUMA_WEIGHTS;
  const lum = (r: number, g: number, b: number) => (r === g && g === b ? r : wr * r + wg * g + wb * b);
  const pal = c.palette;
  const stride = rowBytes + 1;
  const mask = (1 << depth) - 1;
  for (let y = 0, o = 0; y < h; y++) {
    const row = y * stride + 1;
    if (depth === 8 && colourType !== 3) {
      if (channels <= 2) for (let x = 0, p = row; x < w; x++, p += channels) out[o++] = data[p];
      else for (let x = 0, p = row; x < w; x++, p += channels) out[o++] = lum(data[p], data[p + 1], data[p + 2]);
    } else if (depth === 16) {
      const step = 2 * channels;
      if (channels <= 2) for (let x = 0, p = row; x < w; x++, p += step) out[o++] = (data[p] << 8) | data[p + 1];
      else for (let x = 0, p = row; x < w; x++, p += step) out[o++] = lum((data[p] << 8) | data[p + 1], (data[p + 2] << 8) | data[p + 3], (data[p + 4] << 8) | data[p + 5]);
    } else {
      // one sample per pixel (grey or palette index) of 1, 2, 4 or 8 bits, most significant bits first
      for (let x = 0; x < w; x++) {
        const bit = x * depth;
        const k = (data[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
        if (colourType === 3) {
          if (3 * k + 2 >= pal!.length) fail(`corrupt: pixel (${x}, ${y}) uses palette entry ${k}, the palette has ${pal!.length / 3}`);
          out[o++] = lum(pal![3 * k], pal![3 * k + 1], pal![3 * k + 2]);
        } else out[o++] = k;
      }
    }
  }
  return out;
}

/**
 * Decode PNG bytes. Greyscale values are exact; colour becomes BT.601
 * luminance (see `LUMA_WEIGHTS`). The file is checked first (`checkPng`:
 * CRCs, declared size against the compressed data, Adler-32).
 */
export function decodePng(bytes: Uint8Array, name = "<bytes>"): PngImage {
  const checked = checkPng(bytes, name);
  const colour = checked.colourType === 2 || checked.colourType === 3 || checked.colourType === 6;
  if (!checked.interlaced) {
    return { width: checked.width, height: checked.height, bitDepth: checked.bitDepth, colour, data: pixelsOf(checked, name) };
  }
  // Adam7-interlaced files (rare in microscopy) are de-interlaced by pngjs.
  bytes = bytes.subarray(0, checked.end);
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
