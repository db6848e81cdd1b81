/**
 * A baseline TIFF / BigTIFF reader, written by hand for exact numbers.
 *
 * Supported: classic TIFF and BigTIFF, both byte orders ("II", "MM"),
 * every page (IFD) of a multi-page file, strips and tiles, chunky and planar
 * configuration, 8/16/32-bit signed and unsigned integers, 16/32/64-bit floats
 * (SampleFormat 1, 2, 3), compression none (1), LZW (5), Deflate (8, 32946)
 * and PackBits (32773), predictors 1 (none), 2 (horizontal differencing) and
 * 3 (floating point, Adobe TIFF Technical Note 3). Values come back exactly
 * as stored (like `tifffile.imread`): no photometric inversion, no scaling.
 *
 * Not supported (clear error): JPEG/JPEG2000/ZSTD/LZMA/WebP compression,
 * 1-bit and other non-byte sample sizes, complex samples.
 *
 * Integrity: sizes, offsets and counts must be stored as integer field
 * types (a width stored as a FLOAT or RATIONAL is refused); the decoded size
 * a page declares is bounded by the file (at most 4096 × its length, more
 * than any supported compression can expand) before anything is allocated;
 * Deflate strips must inflate to exactly their declared size with a
 * matching zlib Adler-32 checksum; LZW and PackBits strips (no checksum in
 * the format) must decode to their declared size.
 *
 * Reference: TIFF 6.0 specification (Adobe, 1992); BigTIFF
 * (libtiff.org/bigtiffdesign); Adobe Photoshop TIFF Technical Note 3 (predictor 3).
 */
import { readFileSync } from "node:fs";
import { inflateChecked } from "./checksum";
import type { Calibration } from "../image/image";
import { HOST_LITTLE_ENDIAN, NumericArray, byteSwapInPlace, decodeHalf, ioError } from "./util";

/** One decoded TIFF page (IFD). */
export interface TiffPage {
  width: number;
  height: number;
  /** Samples per pixel (1 for greyscale, 3 for RGB, ...). */
  samplesPerPixel: number;
  /** Bits per sample (8, 16, 32 or 64). */
  bitsPerSample: number;
  /** Sample type from the SampleFormat tag. */
  sampleFormat: "uint" | "int" | "float";
  /** Photometric interpretation tag (0 white-is-zero, 1 black-is-zero, 2 RGB, ...). */
  photometric: number;
  /** Compression tag value. */
  compression: number;
  /**
   * Samples in C order for shape [height, width, samplesPerPixel] (chunky,
   * whatever the file's planar configuration). Integer samples keep their
   * type (Uint16Array for uint16, ...); float16 decodes to Float32Array.
   */
  data: NumericArray;
  /** ImageDescription tag, when present. */
  description?: string;
  /** Pixel size from ImageJ metadata (ImageDescription `unit=`, XResolution), when present. */
  calibration?: Calibration;
}

const FN = "readTiff";

interface Tag {
  type: number;
  count: number;
  /** Byte offset of the value(s) in the file. */
  valueOffset: number;
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

/** Field types that hold unsigned integers: BYTE, SHORT, LONG, LONG8 (BigTIFF), IFD, IFD8. */
const INTEGER_TYPES = new Set([1, 3, 4, 13, 16, 18]);
const TYPE_NAMES: Record<number, string> = { 1: "BYTE", 2: "ASCII", 3: "SHORT", 4: "LONG", 5: "RATIONAL", 6: "SBYTE", 7: "UNDEFINED", 8: "SSHORT", 9: "SLONG", 10: "SRATIONAL", 11: "FLOAT", 12: "DOUBLE", 13: "IFD", 16: "LONG8", 17: "SLONG8", 18: "IFD8" };
/** Tags whose values are sizes, offsets or counts. */
const INTEGER_TAGS: [number, string][] = [
  [256, "ImageWidth"], [257, "ImageLength"], [258, "BitsPerSample"], [259, "Compression"], [273, "StripOffsets"], [277, "SamplesPerPixel"],
  [278, "RowsPerStrip"], [279, "StripByteCounts"], [284, "PlanarConfiguration"], [317, "Predictor"], [322, "TileWidth"], [323, "TileLength"],
  [324, "TileOffsets"], [325, "TileByteCounts"], [339, "SampleFormat"],
];
/**
 * The most a page may decode to per byte of file: above what LZW (a 9-12-bit
 * code emits at most 4096 bytes), Deflate (1032:1) or PackBits (64:1) can do.
 */
const MAX_EXPANSION = 4096;

const COMPRESSION_NAMES: Record<number, string> = {
  2: "CCITT RLE",
  3: "CCITT Group 3",
  4: "CCITT Group 4",
  6: "old-style JPEG",
  7: "JPEG",
  34712: "JPEG 2000",
  34887: "LERC",
  34925: "LZMA",
  50000: "ZSTD",
  50001: "WebP",
  50002: "JPEG XL",
};

/** True when the bytes start with a TIFF or BigTIFF signature. */
export function isTiff(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const ii = b[0] === 0x49 && b[1] === 0x49 && (b[2] === 42 || b[2] === 43) && b[3] === 0;
  const mm = b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && (b[3] === 42 || b[3] === 43);
  return ii || mm;
}

class Reader {
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly le: boolean, readonly name: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(offset: number, n: number, what: string): void {
    if (offset < 0 || offset + n > this.bytes.length) {
      throw ioError(FN, this.name, `truncated or corrupt: ${what} at byte ${offset} (+${n}) lies beyond the end of the file (${this.bytes.length} bytes)`);
    }
  }
  u16(o: number): number {
    return this.view.getUint16(o, this.le);
  }
  u32(o: number): number {
    return this.view.getUint32(o, this.le);
  }
  u64(o: number): number {
    const v = this.view.getBigUint64(o, this.le);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw ioError(FN, this.name, `corrupt: 64-bit offset ${v} is impossibly large`);
    return Number(v);
  }
}

interface Ifd {
  tags: Map<number, Tag>;
}

function parseIfds(r: Reader): Ifd[] {
  const b = r.bytes;
  const big = r.le ? b[2] === 43 : b[3] === 43;
  let offset: number;
  if (big) {
    r.need(0, 16, "BigTIFF header");
    if (r.u16(4) !== 8) throw ioError(FN, r.name, `corrupt BigTIFF header: offset byte size ${r.u16(4)}, expected 8`);
    offset = r.u64(8);
  } else {
    r.need(0, 8, "TIFF header");
    offset = r.u32(4);
  }
  const ifds: Ifd[] = [];
  const seen = new Set<number>();
  while (offset !== 0) {
    if (seen.has(offset)) throw ioError(FN, r.name, `corrupt: IFD chain loops back to byte ${offset}`);
    seen.add(offset);
    const tags = new Map<number, Tag>();
    let n: number;
    let p: number;
    const entrySize = big ? 20 : 12;
    if (big) {
      r.need(offset, 8, `IFD ${ifds.length}`);
      n = r.u64(offset);
      p = offset + 8;
    } else {
      r.need(offset, 2, `IFD ${ifds.length}`);
      n = r.u16(offset);
      p = offset + 2;
    }
    r.need(p, n * entrySize + (big ? 8 : 4), `IFD ${ifds.length} (${n} entries)`);
    for (let i = 0; i < n; i++, p += entrySize) {
      const tag = r.u16(p);
      const type = r.u16(p + 2);
      const count = big ? r.u64(p + 4) : r.u32(p + 4);
      const size = (TYPE_SIZE[type] ?? 1) * count;
      const inline = big ? 8 : 4;
      const valueOffset = size <= inline ? p + (big ? 12 : 8) : big ? r.u64(p + 12) : r.u32(p + 8);
      tags.set(tag, { type, count, valueOffset });
    }
    ifds.push({ tags });
    offset = big ? r.u64(p) : r.u32(p);
  }
  if (ifds.length === 0) throw ioError(FN, r.name, "corrupt: the TIFF has no image file directory (IFD)");
  return ifds;
}

function tagValues(r: Reader, ifd: Ifd, code: number, what: string): number[] | undefined {
  const t = ifd.tags.get(code);
  if (!t) return undefined;
  const size = TYPE_SIZE[t.type];
  if (!size) throw ioError(FN, r.name, `corrupt: tag ${what} (${code}) has unknown field type ${t.type}`);
  r.need(t.valueOffset, size * t.count, `tag ${what} (${code})`);
  const out: number[] = new Array(t.count);
  const v = r.view;
  for (let i = 0; i < t.count; i++) {
    const o = t.valueOffset + i * size;
    switch (t.type) {
      case 1: case 2: case 7: out[i] = v.getUint8(o); break;
      case 6: out[i] = v.getInt8(o); break;
      case 3: out[i] = v.getUint16(o, r.le); break;
      case 8: out[i] = v.getInt16(o, r.le); break;
      case 4: case 13: out[i] = v.getUint32(o, r.le); break;
      case 9: out[i] = v.getInt32(o, r.le); break;
      case 5: out[i] = v.getUint32(o, r.le) / v.getUint32(o + 4, r.le); break;
      case 10: out[i] = v.getInt32(o, r.le) / v.getInt32(o + 4, r.le); break;
      case 11: out[i] = v.getFloat32(o, r.le); break;
      case 12: out[i] = v.getFloat64(o, r.le); break;
      case 16: case 18: out[i] = Number(v.getBigUint64(o, r.le)); break;
      case 17: out[i] = Number(v.getBigInt64(o, r.le)); break;
    }
  }
  return out;
}

function tagString(r: Reader, ifd: Ifd, code: number): string | undefined {
  const t = ifd.tags.get(code);
  if (!t || t.type !== 2) return undefined;
  r.need(t.valueOffset, t.count, `ASCII tag ${code}`);
  let s = new TextDecoder("latin1").decode(r.bytes.subarray(t.valueOffset, t.valueOffset + t.count));
  const z = s.indexOf("\0");
  if (z >= 0) s = s.slice(0, z);
  return s;
}

/**
 * The JPK Instruments format version of a JPK TIFF (`.jpk`, `.jpk-qi-image`: JPK's private ASCII tag 32768 on
 * page 0 and the channel-name tag 32848 on a later page), else undefined. Its channels are raw integers whose
 * physical values need JPK's per-channel calibration slots (further private tags), which no reader here decodes.
 */
export function jpkTiffVersion(bytes: Uint8Array, name = "<bytes>"): string | undefined {
  const r = makeReader(bytes, name);
  const ifds = parseIfds(r);
  const version = tagString(r, ifds[0], 32768);
  return version !== undefined && ifds.some((ifd) => ifd.tags.get(32848)?.type === 2) ? version : undefined;
}

/** Number of pages (IFDs) in a TIFF, without decoding pixels. */
export function tiffPageCount(bytes: Uint8Array, name = "<bytes>"): number {
  return parseIfds(makeReader(bytes, name)).length;
}

function makeReader(bytes: Uint8Array, name: string): Reader {
  if (!isTiff(bytes)) {
    throw ioError(FN, name, `not a TIFF file: first bytes ${Array.from(bytes.subarray(0, 4), (x) => x.toString(16).padStart(2, "0")).join(" ")}`);
  }
  return new Reader(bytes, bytes[0] === 0x49, name);
}

/**
 * Decode the pages of a TIFF held in memory. `pages` picks page indices
 * (0-based); all pages by default.
 */
export function decodeTiff(bytes: Uint8Array, name = "<bytes>", pages?: number[]): TiffPage[] {
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // not a Buffer: its slice() shares memory
  const r = makeReader(bytes, name);
  const ifds = parseIfds(r);
  const which = pages ?? ifds.map((_, i) => i);
  return which.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= ifds.length) {
      throw ioError(FN, name, `page ${i} does not exist: the file has ${ifds.length} page${ifds.length === 1 ? "" : "s"} (0..${ifds.length - 1})`);
    }
    return decodePage(r, ifds[i], i);
  });
}

function decodePage(r: Reader, ifd: Ifd, pageIndex: number): TiffPage {
  const name = r.name;
  const where = `page ${pageIndex}`;
  const one = (code: number, what: string, dflt?: number): number => {
    const v = tagValues(r, ifd, code, what);
    if (v && v.length) return v[0];
    if (dflt === undefined) throw ioError(FN, name, `${where}: required tag ${what} (${code}) is missing`);
    return dflt;
  };
  // Sizes, offsets and counts must be integers stored as integer field types.
  for (const [code, what] of INTEGER_TAGS) {
    const t = ifd.tags.get(code);
    if (!t) continue;
    if (!INTEGER_TYPES.has(t.type)) throw ioError(FN, name, `${where}: corrupt: tag ${what} (${code}) is stored as field type ${t.type} (${TYPE_NAMES[t.type] ?? "unknown"}); TIFF requires an unsigned integer type`);
  }
  const width = one(256, "ImageWidth");
  const height = one(257, "ImageLength");
  const spp = one(277, "SamplesPerPixel", 1);
  const bpsAll = tagValues(r, ifd, 258, "BitsPerSample") ?? [1];
  const bps = bpsAll[0];
  if (bpsAll.some((b) => b !== bps)) throw ioError(FN, name, `${where}: mixed BitsPerSample [${bpsAll.join(", ")}] are not supported`);
  const sfAll = tagValues(r, ifd, 339, "SampleFormat") ?? [1];
  const sf = sfAll[0];
  const compression = one(259, "Compression", 1);
  const photometric = one(262, "PhotometricInterpretation", 1);
  const planar = one(284, "PlanarConfiguration", 1);
  const predictor = one(317, "Predictor", 1);
  let format: TiffPage["sampleFormat"];
  if (sf === 1 || sf === 4) format = "uint";
  else if (sf === 2) format = "int";
  else if (sf === 3) format = "float";
  else if (sf === 5 || sf === 6) throw ioError(FN, name, `${where}: complex samples (SampleFormat ${sf}) are not supported`);
  else throw ioError(FN, name, `${where}: unknown SampleFormat ${sf}`);
  const okBits = format === "float" ? [16, 32, 64] : [8, 16, 32];
  if (!okBits.includes(bps)) {
    throw ioError(FN, name, `${where}: ${bps}-bit ${format} samples are not supported (supported: ${okBits.join(", ")}-bit)`);
  }
  if (compression !== 1 && compression !== 5 && compression !== 8 && compression !== 32946 && compression !== 32773) {
    const cname = COMPRESSION_NAMES[compression];
    throw ioError(FN, name, `${where}: compression ${compression}${cname ? ` (${cname})` : ""} is not supported (none, LZW, Deflate and PackBits are)`);
  }
  if (predictor !== 1 && predictor !== 2 && predictor !== 3) throw ioError(FN, name, `${where}: unknown Predictor ${predictor}`);
  if (predictor === 3 && format !== "float") throw ioError(FN, name, `${where}: floating-point predictor (3) on ${format} samples`);
  if (predictor === 2 && bps === 64) throw ioError(FN, name, `${where}: horizontal predictor on 64-bit samples is not supported`);
  if (planar !== 1 && planar !== 2) throw ioError(FN, name, `${where}: unknown PlanarConfiguration ${planar}`);

  const bytesPer = bps / 8;
  const tiled = ifd.tags.has(322);
  let chunkW: number;
  let chunkH: number;
  let offsets: number[] | undefined;
  let counts: number[] | undefined;
  if (tiled) {
    chunkW = one(322, "TileWidth");
    chunkH = one(323, "TileLength");
    offsets = tagValues(r, ifd, 324, "TileOffsets");
    counts = tagValues(r, ifd, 325, "TileByteCounts");
  } else {
    chunkW = width;
    chunkH = Math.min(one(278, "RowsPerStrip", height), height) || height;
    offsets = tagValues(r, ifd, 273, "StripOffsets");
    counts = tagValues(r, ifd, 279, "StripByteCounts");
  }
  if (!offsets) throw ioError(FN, name, `${where}: no ${tiled ? "TileOffsets" : "StripOffsets"} tag`);
  if (!(chunkW > 0 && chunkH > 0)) throw ioError(FN, name, `${where}: corrupt: ${tiled ? "tile" : "strip"} size ${chunkW} × ${chunkH}`);
  const declared = width * height * spp * bytesPer;
  if (declared > MAX_EXPANSION * r.bytes.length || declared > 2 ** 31 - 1) {
    throw ioError(FN, name, `${where}: corrupt or truncated: ${width} × ${height} × ${spp} samples of ${bps} bits (${declared} bytes) cannot come from a ${r.bytes.length}-byte file${declared > 2 ** 31 - 1 ? " (and exceed the 2 GiB one array can hold)" : ""}`);
  }
  const across = Math.ceil(width / chunkW);
  const down = Math.ceil(height / chunkH);
  const planes = planar === 2 ? spp : 1;
  const perChunkSamples = planar === 2 ? 1 : spp;
  const nChunks = across * down * planes;
  if (offsets.length < nChunks) throw ioError(FN, name, `${where}: ${offsets.length} chunk offsets, the geometry needs ${nChunks}`);
  if (!counts) {
    if (compression !== 1) throw ioError(FN, name, `${where}: compressed data without byte counts`);
    counts = offsets.map(() => chunkW * chunkH * perChunkSamples * bytesPer);
  }

  const outBytes = new Uint8Array(width * height * spp * bytesPer);
  const pixelStride = spp * bytesPer;
  const rowOut = width * pixelStride;
  for (let plane = 0; plane < planes; plane++) {
    for (let cy = 0; cy < down; cy++) {
      for (let cx = 0; cx < across; cx++) {
        const ci = plane * across * down + cy * across + cx;
        const y0 = cy * chunkH;
        const x0 = cx * chunkW;
        // strips: only the rows inside the image are stored (last strip may be short)
        const rows = tiled ? chunkH : Math.min(chunkH, height - y0);
        const chunkRowBytes = chunkW * perChunkSamples * bytesPer;
        const expected = rows * chunkRowBytes;
        const off = offsets[ci];
        const cnt = counts[ci];
        if (off + cnt > r.bytes.length) {
          throw ioError(FN, name, `truncated: ${where} ${tiled ? "tile" : "strip"} ${ci} needs bytes ${off}..${off + cnt}, the file has ${r.bytes.length}`);
        }
        const raw = r.bytes.subarray(off, off + cnt);
        const chunk = decompress(raw, compression, expected, name, `${where} ${tiled ? "tile" : "strip"} ${ci}`);
        if (chunk.length < expected) {
          throw ioError(FN, name, `corrupt or truncated: ${where} ${tiled ? "tile" : "strip"} ${ci} decodes to ${chunk.length} bytes, expected ${expected}`);
        }
        // Bring the chunk to host byte order, undoing the predictor.
        let le = r.le;
        let work = chunk.length === expected ? chunk : chunk.subarray(0, expected);
        if (predictor === 3) {
          work = undoFloatPredictor(work, rows, chunkW * perChunkSamples, bytesPer, perChunkSamples);
          le = false; // predictor 3 reassembles most-significant byte first
        } else if (work.buffer === r.bytes.buffer) {
          work = work.slice(); // never modify the caller's bytes
        }
        if (le !== HOST_LITTLE_ENDIAN) byteSwapInPlace(work, bytesPer);
        if (predictor === 2) undoHorizontalPredictor(work, rows, chunkW, perChunkSamples, bytesPer);
        // Copy the part of the chunk inside the image into the output.
        const validW = Math.min(chunkW, width - x0);
        const validH = Math.min(rows, height - y0);
        for (let y = 0; y < validH; y++) {
          const src = y * chunkRowBytes;
          const dstRow = (y0 + y) * rowOut + x0 * pixelStride;
          if (planar === 1) {
            outBytes.set(work.subarray(src, src + validW * pixelStride), dstRow);
          } else {
            for (let x = 0; x < validW; x++) {
              const s = src + x * bytesPer;
              const d = dstRow + x * pixelStride + plane * bytesPer;
              for (let k = 0; k < bytesPer; k++) outBytes[d + k] = work[s + k];
            }
          }
        }
      }
    }
  }
  const data = viewAs(outBytes, format, bps);
  const description = tagString(r, ifd, 270);
  const page: TiffPage = { width, height, samplesPerPixel: spp, bitsPerSample: bps, sampleFormat: format, photometric, compression, data };
  if (description !== undefined) page.description = description;
  const cal = imagejCalibration(r, ifd, description);
  if (cal) page.calibration = cal;
  return page;
}

function viewAs(bytes: Uint8Array, format: TiffPage["sampleFormat"], bps: number): NumericArray {
  const buf = bytes.buffer;
  if (format === "float") {
    if (bps === 16) return decodeHalf(bytes, 0, bytes.length / 2, HOST_LITTLE_ENDIAN);
    return bps === 32 ? new Float32Array(buf) : new Float64Array(buf);
  }
  const signed = format === "int";
  if (bps === 8) return signed ? new Int8Array(buf) : bytes;
  if (bps === 16) return signed ? new Int16Array(buf) : new Uint16Array(buf);
  return signed ? new Int32Array(buf) : new Uint32Array(buf);
}

/** ImageJ stores `unit=nm` in ImageDescription and pixels-per-unit in XResolution. */
function imagejCalibration(r: Reader, ifd: Ifd, description?: string): Calibration | undefined {
  if (!description || !description.startsWith("ImageJ=")) return undefined;
  const m = /(?:^|\n)unit=([^\n]*)/.exec(description);
  const xres = tagValues(r, ifd, 282, "XResolution");
  if (!m || !xres || !(xres[0] > 0) || !Number.isFinite(xres[0])) return undefined;
  let unit = m[1].trim().replace(/\\u00B5/gi, "µ");
  if (unit === "micron") unit = "µm";
  if (unit === "" || unit === "pixel" || unit === "pixels") return undefined;
  return { pixelSize: 1 / xres[0], unit };
}

function decompress(raw: Uint8Array, compression: number, expected: number, name: string, where: string): Uint8Array {
  try {
    switch (compression) {
      case 1:
        return raw;
      case 8:
      case 32946:
        // zlib stream, Adler-32 verified; some writers omit the zlib wrapper (raw deflate: no checksum, exact length)
        return inflateChecked(raw, expected, true);
      case 5:
        return lzwDecode(raw, expected);
      case 32773:
        return packBitsDecode(raw, expected);
    }
  } catch (e) {
    throw ioError(FN, name, `corrupt: ${where} fails to decompress (${(e as Error).message})`);
  }
  throw ioError(FN, name, `${where}: compression ${compression} is not supported`);
}

/**
 * TIFF LZW (TIFF 6.0 section 13): MSB-first codes of 9-12 bits, Clear = 256,
 * EndOfInformation = 257, "early change" code-width switch.
 */
export function lzwDecode(src: Uint8Array, expected: number): Uint8Array {
  if (src.length >= 2 && src[0] === 0 && (src[1] & 1) === 1) {
    throw new Error("old-style (pre-TIFF 6.0, LSB-first) LZW is not supported");
  }
  const out = new Uint8Array(expected);
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let op = 0;
  let bitPos = 0;
  const totalBits = src.length * 8;
  let width = 9;
  let next = 258;
  let prev = -1;
  const emit = (code: number): void => {
    const len = length[code];
    let c = code;
    for (let k = len - 1; k >= 0; k--) {
      if (op + k < expected) out[op + k] = suffix[c];
      c = prefix[c];
    }
    op += len;
  };
  while (bitPos + width <= totalBits && op < expected) {
    const bp = bitPos >>> 3;
    const bits = (src[bp] << 16) | ((src[bp + 1] ?? 0) << 8) | (src[bp + 2] ?? 0);
    const code = (bits >>> (24 - (bitPos & 7) - width)) & ((1 << width) - 1);
    bitPos += width;
    if (code === 257) break;
    if (code === 256) {
      width = 9;
      next = 258;
      prev = -1;
      continue;
    }
    if (prev === -1) {
      if (code > 255) throw new Error(`LZW code ${code} right after a Clear code`);
      emit(code);
      prev = code;
      continue;
    }
    if (code > next) throw new Error(`LZW code ${code} is beyond the table (${next})`);
    if (next < 4096) {
      prefix[next] = prev;
      first[next] = first[prev];
      length[next] = length[prev] + 1;
      suffix[next] = code < next ? first[code] : first[prev];
    }
    emit(code);
    prev = code;
    next++;
    if (next >= (1 << width) - 1 && width < 12) width++;
  }
  return op >= expected ? out : out.subarray(0, op);
}

/** PackBits run-length decoding (TIFF 6.0 section 9). */
export function packBitsDecode(src: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let i = 0;
  let op = 0;
  while (i < src.length && op < expected) {
    const n = (src[i++] << 24) >> 24;
    if (n >= 0) {
      for (let k = 0; k <= n && op < expected; k++) out[op++] = src[i++];
    } else if (n !== -128) {
      const v = src[i++];
      for (let k = 0; k < 1 - n && op < expected; k++) out[op++] = v;
    }
  }
  return op >= expected ? out : out.subarray(0, op);
}

/** Undo predictor 2 in place on host-order samples: each sample adds the one `spp` before it in the row (mod 2^bits). */
function undoHorizontalPredictor(bytes: Uint8Array, rows: number, cols: number, spp: number, bytesPer: number): void {
  const n = rows * cols * spp;
  const arr = bytesPer === 1 ? bytes : bytesPer === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, n) : new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  const rowLen = cols * spp;
  for (let y = 0; y < rows; y++) {
    const base = y * rowLen;
    for (let i = spp; i < rowLen; i++) arr[base + i] = arr[base + i] + arr[base + i - spp];
  }
}

/**
 * Undo predictor 3 (floating point): each row stores the bytes of its
 * samples as byte planes, most significant first, byte-differenced with
 * stride `spp`. Returns the row's samples big-endian.
 */
function undoFloatPredictor(bytes: Uint8Array, rows: number, samplesPerRow: number, bytesPer: number, spp: number): Uint8Array {
  const rowBytes = samplesPerRow * bytesPer;
  const out = new Uint8Array(rows * rowBytes);
  const tmp = new Uint8Array(rowBytes);
  for (let y = 0; y < rows; y++) {
    tmp.set(bytes.subarray(y * rowBytes, (y + 1) * rowBytes));
    for (let i = spp; i < rowBytes; i++) tmp[i] = (tmp[i] + tmp[i - spp]) & 0xff;
    const base = y * rowBytes;
    for (let s = 0; s < samplesPerRow; s++) {
      for (let b = 0; b < bytesPer; b++) out[base + s * bytesPer + b] = tmp[b * samplesPerRow + s];
    }
  }
  return out;
}

/**
 * Read all pages of a TIFF file (or the pages listed in `pages`), values
 * exactly as stored. See the module comment for what is supported.
 */
export function readTiff(path: string, pages?: number[]): TiffPage[] {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw ioError(FN, path, `cannot read: ${(e as Error).message}`);
  }
  return decodeTiff(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path, pages);
}
