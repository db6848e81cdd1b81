/**
 * PNG reading through pngjs: 8- and 16-bit greyscale exactly; colour
 * (RGB, RGBA, palette) converted to luminance.
 */
import { readFileSync } from "node:fs";
import { PNG } from "pngjs";
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

/** Decode PNG bytes. Greyscale values are exact; colour becomes BT.601 luminance (see `LUMA_WEIGHTS`). */
export function decodePng(bytes: Uint8Array, name = "<bytes>"): PngImage {
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
