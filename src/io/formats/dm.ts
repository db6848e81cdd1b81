/**
 * Gatan DigitalMicrograph `.dm3` / `.dm4` (magic: big-endian version 3 or
 * 4, then the root length and a byte-order flag 0/1): images, stacks and
 * spectrum images as 2-D pages, with calibrations and tags.
 *
 * Layout (as rosettasciio's `digitalmicrograph` reader and the format notes
 * of Chris Boothroyd and Bernard Heymann describe it): a header (version,
 * root length: 4 bytes in DM3, 8 in DM4; byte order: 1 = little-endian
 * data), then a tree of tag groups (type 20) and data tags (type 21), each
 * with a big-endian label; DM4 adds an 8-byte size after each label and
 * uses 8-byte counts. A data tag is `%%%%`, an info array (its type: simple,
 * string 18, array 20, struct 15) and the values in the file's byte order.
 * Images are `ImageList` entries (except those `Thumbnails` lists):
 * `ImageData` holds `Data`, `DataType`, `Dimensions` (x first) and
 * `Calibrations` (`Dimension` per axis: Origin, Scale, Units; `Brightness`).
 *
 * Pages: a 2-D image is one page; an N-D image [x, y, z...] gives its
 * frames along the slowest axes (a stack's frames; a spectrum image's
 * energy-channel maps), in stored order, as rosettasciio's array
 * `data[k]`. Several images follow each other. 1-D signals are not images
 * and are skipped. Pixel values are as stored (intensity calibration in
 * `metadata.intensity`). RGB (data types 8, 23) is converted to BT.601
 * luminance (a warning says so); complex data (types 3, 5, 13, 27, 28) is
 * refused, naming the file.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { FormatReader } from "../reader-types";
import { LUMA_WEIGHTS } from "../png";
import { ioError } from "../util";
import { pagedFile, type EmPage } from "./em-pages";

/** A large array left in the file: where it is and what it holds. */
export class DmArray {
  constructor(readonly offset: number, readonly count: number, readonly type: number, readonly bytes: number) {}
  toJSON(): string {
    return `<DM array of ${this.count} elements of type ${this.type}>`;
  }
}

/** A DM tag value: numbers, strings (DM3 stores them as uint16 arrays), arrays, structs (arrays), groups (objects), large arrays left in the file. */
export type DmValue = number | string | DmValue[] | DmGroup | DmArray;
export interface DmGroup {
  [name: string]: DmValue;
}

const SIMPLE_SIZES: Record<number, number> = { 2: 2, 3: 4, 4: 2, 5: 4, 6: 4, 7: 8, 8: 1, 9: 1, 10: 1, 11: 8, 12: 8 };
/** Arrays up to this many bytes are read into the tag tree; larger ones stay in the file (`DmArray`). */
const INLINE_ARRAY_BYTES = 65536;

/** Sequential reading of a file through a window, every position checked against its length. */
class Cursor {
  pos = 0;
  private buf = new Uint8Array(0);
  private at = 0;
  constructor(private readonly fd: number, readonly size: number, private readonly fail: (reason: string) => Error) {}
  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.size) throw this.fail(`truncated: a tag at byte ${this.pos} needs ${n} bytes, the file ends at ${this.size}`);
    if (this.pos < this.at || this.pos + n > this.at + this.buf.length) {
      const len = Math.min(Math.max(n, 65536), this.size - this.pos);
      this.buf = new Uint8Array(len);
      readSync(this.fd, this.buf, 0, len, this.pos);
      this.at = this.pos;
    }
    const out = this.buf.subarray(this.pos - this.at, this.pos - this.at + n);
    this.pos += n;
    return out;
  }
  u8(): number {
    return this.bytes(1)[0];
  }
  /** Big-endian unsigned of `n` bytes (4 or 8). */
  ube(n: number): number {
    const b = this.bytes(n);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b[i];
    if (!Number.isSafeInteger(v)) throw this.fail(`a count at byte ${this.pos - n} is ${v}: corrupt tag`);
    return v;
  }
  skip(n: number): void {
    if (n < 0 || this.pos + n > this.size) throw this.fail(`truncated: data at byte ${this.pos} needs ${n} bytes, the file ends at ${this.size}`);
    this.pos += n;
  }
}

function simple(b: Uint8Array, type: number, le: boolean): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (type) {
    case 2: return dv.getInt16(0, le);
    case 3: return dv.getInt32(0, le);
    case 4: return dv.getUint16(0, le);
    case 5: return dv.getUint32(0, le);
    case 6: return dv.getFloat32(0, le);
    case 7: return dv.getFloat64(0, le);
    case 8: return b[0];
    case 9: return dv.getInt8(0);
    case 10: return b[0];
    case 11: return Number(dv.getBigInt64(0, le));
    default: return Number(dv.getBigUint64(0, le));
  }
}

/** The parsed file: version, byte order and the tag tree. */
export interface DmFile {
  version: 3 | 4;
  littleEndian: boolean;
  tags: DmGroup;
}

/**
 * Parse the tag tree of a DM3/DM4 file (`fail(reason)` builds the error
 * naming the file). Arrays larger than 64 KiB (the image data among them)
 * are not read: they become `DmArray` references. Cost: one pass over the
 * tags; memory: the tags plus 64 KiB.
 */
export function parseDm(fd: number, size: number, fail: (reason: string) => Error): DmFile {
  const c = new Cursor(fd, size, fail);
  const version = c.ube(4);
  if (version !== 3 && version !== 4) throw fail(`DigitalMicrograph version ${version} is not supported (3 and 4 are)`);
  const w = version === 4 ? 8 : 4;
  const rootLength = c.ube(w);
  const le = c.ube(4) === 1;
  const header = version === 4 ? 16 : 12;
  if (header + rootLength > size) throw fail(`truncated: the header says the tags take ${rootLength} bytes after the ${header}-byte header, the file has ${size} bytes`);
  const lq = () => c.ube(w);

  const readData = (name: string, inData: boolean): DmValue => {
    const delim = c.bytes(4);
    if (String.fromCharCode(...delim) !== "%%%%") throw fail(`corrupt tag "${name}" at byte ${c.pos - 4}: expected the %%%% delimiter`);
    const n = lq();
    if (n < 1 || n > 4096) throw fail(`corrupt tag "${name}": info array of ${n} entries`);
    const info = Array.from({ length: n }, lq);
    const t = info[0];
    const simpleSize = (x: number): number => {
      const s = SIMPLE_SIZES[x];
      if (!s) throw fail(`corrupt tag "${name}": unknown element type ${x}`);
      return s;
    };
    const structDef = (at: number): { types: number[]; end: number } => {
      const nf = info[at + 1];
      if (!(nf >= 0) || at + 2 + 2 * nf > info.length) throw fail(`corrupt tag "${name}": struct of ${nf} fields`);
      const types = Array.from({ length: nf }, (_, i) => info[at + 3 + 2 * i]);
      types.forEach(simpleSize);
      return { types, end: at + 2 + 2 * nf };
    };
    const readStruct = (types: number[]): number[] => types.map((x) => simple(c.bytes(simpleSize(x)), x, le));
    if (n === 1) return simple(c.bytes(simpleSize(t)), t, le);
    if (t === 18) return latin(c.bytes(info[1]));
    if (t === 15) return readStruct(structDef(1).types);
    if (t !== 20) throw fail(`corrupt tag "${name}": unknown tag type ${t}`);
    const et = info[1];
    // arrays of zero-size elements could claim any count: bound every count by the file's length
    const checkCount = (count: number): number => {
      if (!(count >= 0) || count > size) throw fail(`corrupt tag "${name}": array of ${count} elements in a file of ${size} bytes`);
      return count;
    };
    if (et === 15) {
      const { types, end } = structDef(2);
      const count = checkCount(info[end]);
      const per = types.reduce((a, x) => a + simpleSize(x), 0);
      if (count * per > INLINE_ARRAY_BYTES) {
        const at = c.pos;
        c.skip(count * per);
        return new DmArray(at, count, 15, count * per);
      }
      return Array.from({ length: count }, () => readStruct(types));
    }
    if (et === 18) {
      const len = info[2];
      const count = checkCount(info[3]);
      return Array.from({ length: count }, () => latin(c.bytes(len)));
    }
    if (et === 20) {
      const per = simpleSize(info[2]) * info[3];
      const count = info[4];
      const at = c.pos;
      c.skip(per * count);
      return new DmArray(at, count, 20, per * count);
    }
    const count = info[2];
    const es = simpleSize(et);
    const nbytes = count * es;
    if (!Number.isSafeInteger(nbytes)) throw fail(`corrupt tag "${name}": array of ${count} elements`);
    if (inData || nbytes > INLINE_ARRAY_BYTES) {
      const at = c.pos;
      c.skip(nbytes);
      return new DmArray(at, count, et, nbytes);
    }
    const b = c.bytes(nbytes);
    const values = Array.from({ length: count }, (_, i) => simple(b.subarray(i * es, (i + 1) * es), et, le));
    // uint16 arrays are DM's strings (rosettasciio reads them so too)
    return et === 4 ? String.fromCharCode(...values) : values;
  };

  const readGroup = (count: number, depth: number, path: string): DmGroup => {
    if (depth > 64) throw fail(`corrupt file: tag groups nested deeper than 64 levels at ${path}`);
    const g: DmGroup = {};
    let unnamedData = 0;
    let unnamedGroups = 0;
    for (let i = 0; i < count; i++) {
      const kind = c.u8();
      const lb = c.bytes(2);
      const label = latin(c.bytes((lb[0] << 8) | lb[1])).replace(/\./g, "");
      if (version === 4) c.skip(8); // the tag's size
      if (kind === 21) {
        const name = label || `Data${unnamedData++}`;
        g[name] = readData(`${path}.${name}`, path.endsWith(".ImageData") && name === "Data");
      } else if (kind === 20) {
        const name = label || `TagGroup${unnamedGroups++}`;
        c.skip(2); // sorted, open
        const n = lq();
        if (n > size) throw fail(`corrupt tag group ${path}.${name}: ${n} tags`);
        g[name] = readGroup(n, depth + 1, `${path}.${name}`);
      } else {
        throw fail(`corrupt tag ${i} of ${path} at byte ${c.pos - 3 - label.length}: type ${kind} is neither a group (20) nor data (21)`);
      }
    }
    return g;
  };
  c.skip(2); // root: sorted, open
  const n = lq();
  return { version, littleEndian: le, tags: readGroup(n, 0, "root") };
}

function latin(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** DM image data types: element size, numpy dtype, and how to decode one element. */
const DATA_TYPES: Record<number, { size: number; dtype: string; kind: "i" | "u" | "f" | "rgb" }> = {
  1: { size: 2, dtype: "i2", kind: "i" },
  2: { size: 4, dtype: "f4", kind: "f" },
  6: { size: 1, dtype: "u1", kind: "u" },
  7: { size: 4, dtype: "i4", kind: "i" },
  8: { size: 4, dtype: "rgba", kind: "rgb" },
  9: { size: 1, dtype: "i1", kind: "i" },
  10: { size: 2, dtype: "u2", kind: "u" },
  11: { size: 4, dtype: "u4", kind: "u" },
  12: { size: 8, dtype: "f8", kind: "f" },
  14: { size: 1, dtype: "b1", kind: "u" },
  23: { size: 4, dtype: "rgba", kind: "rgb" },
};
const COMPLEX_TYPES: Record<number, string> = { 3: "complex64", 5: "packed complex (old FFT format)", 13: "complex128", 27: "packed complex64 (FFT)", 28: "packed complex128 (FFT)" };

function decodePixels(b: Uint8Array, dt: { size: number; dtype: string; kind: string }, le: boolean, n: number): Float32Array {
  const out = new Float32Array(n);
  if (dt.kind === "rgb") {
    // bytes B, G, R, A (rosettasciio's reading of DM's packed RGB)
    const [wr, wg, wb] = LUMA_WEIGHTS;
    for (let i = 0; i < n; i++) {
      const bl = b[4 * i], g = b[4 * i + 1], r = b[4 * i + 2];
      out[i] = r === g && g === bl ? r : wr * r + wg * g + wb * bl;
    }
    return out;
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const s = dt.size;
  for (let i = 0, p = 0; i < n; i++, p += s) {
    if (dt.kind === "f") out[i] = s === 4 ? dv.getFloat32(p, le) : dv.getFloat64(p, le);
    else if (dt.kind === "u") out[i] = s === 1 ? b[p] : s === 2 ? dv.getUint16(p, le) : dv.getUint32(p, le);
    else out[i] = s === 1 ? dv.getInt8(p) : s === 2 ? dv.getInt16(p, le) : dv.getInt32(p, le);
  }
  return out;
}

/** A tag value as plain JSON-compatible data (arrays left in the file become their description). */
function plain(v: DmValue): unknown {
  if (v instanceof DmArray) return v.toJSON();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function group(v: DmValue | undefined): DmGroup | undefined {
  return v && typeof v === "object" && !Array.isArray(v) && !(v instanceof DmArray) ? v : undefined;
}

function num(v: DmValue | undefined, fallback: number): number {
  return typeof v === "number" ? v : fallback;
}

function str(v: DmValue | undefined): string {
  return typeof v === "string" ? v : "";
}

/** The images of a parsed file, as pages (see the module comment). */
function dmPages(fn: string, path: string, dm: DmFile): EmPage[] {
  const list = group(dm.tags.ImageList);
  if (!list) throw ioError(fn, path, "the DM file has no ImageList tag group: it holds no image");
  const thumbs = new Set(Object.values(group(dm.tags.Thumbnails) ?? {}).map((t) => num(group(t)?.ImageIndex, -1)));
  const pages: EmPage[] = [];
  for (const [key, value] of Object.entries(list)) {
    const index = Number(key.replace("TagGroup", ""));
    if (thumbs.has(index)) continue;
    const im = group(value);
    const data = group(im?.ImageData);
    if (!im || !data) continue;
    const dims = Object.values(group(data.Dimensions) ?? {}).map((d) => num(d, -1));
    const name = str(im.Name);
    const label = `image ${index}${name ? ` ("${name}")` : ""}`;
    if (dims.length < 2) continue; // a 1-D signal (a spectrum, a plot), not an image
    if (dims.some((d) => !Number.isSafeInteger(d) || d <= 0)) throw ioError(fn, path, `${label}: dimensions [${dims.join(", ")}] are not positive integers (corrupt file?)`);
    const type = num(data.DataType, -1);
    if (COMPLEX_TYPES[type]) throw ioError(fn, path, `${label} holds ${COMPLEX_TYPES[type]} data (DM data type ${type}): readImage gives real-valued images, complex data is not read`);
    const dt = DATA_TYPES[type];
    if (!dt) throw ioError(fn, path, `${label} has DM data type ${type}, which is not supported`);
    const arr = data.Data;
    if (!(arr instanceof DmArray)) throw ioError(fn, path, `${label}: ImageData.Data is not an array (corrupt file?)`);
    const [w, h] = dims;
    const frames = dims.slice(2).reduce((a, b) => a * b, 1);
    const frameBytes = w * h * dt.size;
    if (arr.bytes !== frameBytes * frames) {
      throw ioError(fn, path, `${label}: dimensions [${dims.join(", ")}] of ${dt.dtype} need ${frameBytes * frames} bytes, the data array holds ${arr.bytes} (corrupt file?)`);
    }
    const cal = group(data.Calibrations);
    const axes = dims.map((size, i) => {
      const d = group(group(cal?.Dimension)?.[`TagGroup${i}`]);
      const scale = num(d?.Scale, 1);
      return { size, scale, offset: -num(d?.Origin, 0) * scale, units: str(d?.Units) };
    });
    const warnings: string[] = [];
    if (dt.kind === "rgb") warnings.push("RGB converted to luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601)");
    if (axes[1].scale !== axes[0].scale || axes[1].units !== axes[0].units) warnings.push(`pixels are not square (x ${axes[0].scale} ${axes[0].units}, y ${axes[1].scale} ${axes[1].units}); pixelSize is the x scale`);
    const bright = group(cal?.Brightness);
    const metadata = {
      title: name,
      dmVersion: dm.version,
      dataType: type,
      /** Axes in DM order (x, y, then frames), as rosettasciio gives them reversed. */
      axes,
      intensity: { scale: num(bright?.Scale, 1), offset: num(bright?.Origin, 0), units: str(bright?.Units) },
      tags: plain(im.ImageTags ?? {}) as Record<string, unknown>,
    };
    const shape = dims.slice().reverse();
    for (let f = 0; f < frames; f++) {
      const at = arr.offset + f * frameBytes;
      pages.push({
        width: w, height: h, pixelSize: axes[0].scale, unit: axes[0].units,
        dtype: dt.dtype === "rgba" ? "rgba" : `${dt.size === 1 ? "|" : dm.littleEndian ? "<" : ">"}${dt.dtype}`,
        shape, metadata: frames > 1 ? { ...metadata, frame: f } : metadata, warnings,
        pixels: () => {
          const b = new Uint8Array(frameBytes);
          const f2 = openSync(path, "r");
          try {
            if (readSync(f2, b, 0, frameBytes, at) !== frameBytes) throw ioError(fn, path, `${label}: truncated image data at byte ${at}`);
          } finally {
            closeSync(f2);
          }
          return decodePixels(b, dt, dm.littleEndian, w * h);
        },
      });
    }
  }
  return pages;
}

/** True for the first bytes of a DM3/DM4 file: version 3 or 4, byte-order flag 0 or 1, root group flags 0 or 1. */
function isDm(h: Uint8Array): boolean {
  if (h.length < 24 || h[0] !== 0 || h[1] !== 0 || h[2] !== 0 || (h[3] !== 3 && h[3] !== 4)) return false;
  const at = h[3] === 3 ? 8 : 12;
  return h[at] === 0 && h[at + 1] === 0 && h[at + 2] === 0 && (h[at + 3] === 0 || h[at + 3] === 1) && h[at + 4] <= 1 && h[at + 5] <= 1;
}

export const dmReader: FormatReader = {
  name: "dm",
  description: "a Gatan DigitalMicrograph file",
  extensions: [".dm3", ".dm4"],
  signature: "00 00 00 03 or 00 00 00 04 (big-endian version), a length, byte order 0/1",
  gives: ["image", "stack"],
  sniff: (head) => isDm(head),
  open: (path, { fn }) =>
    pagedFile(fn, path, "dm", "the DM file", () => {
      const fd = openSync(path, "r");
      try {
        return dmPages(fn, path, parseDm(fd, fstatSync(fd).size, (reason) => ioError(fn, path, reason)));
      } finally {
        closeSync(fd);
      }
    }),
};
