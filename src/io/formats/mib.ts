/**
 * Quantum Detectors Merlin (Medipix3) `.mib` files: a sequence of frames, each
 * an ASCII header ("MQ1,<seq>,<header bytes>,<chips>,<width>,<height>,<type>,
 * <layout>,...", 384 bytes for one chip, 768 for a quad) followed by the
 * pixels, big-endian: "U08" (1- and 6-bit counters), "U16" (12-bit), "U32"
 * (24-bit). Quad files in this processed form are already assembled
 * (512 × 512). Frames in the raw "R64" form (what the chips send: pixels in
 * 64-bit words in reversed order, 1-bit counters packed 8 to a byte, 24-bit
 * counters as two 12-bit frames, high bits first; a quad's four chips side by
 * side in each row, the bottom two rotated by 180°) are decoded to the same
 * pixels as the processed form of the same acquisition (LiberTEM's decoding;
 * rosettasciio 0.15 refuses raw files); raw quad 24-bit is refused.
 *
 * Orientation: the convention of the reference reader, rosettasciio
 * (`rsciio.quantumdetector`, which flips each frame on its row axis): row 0
 * of a pattern is the LAST pixel row stored in the frame. The scan shape is
 * [rows, cols] with cols = frames per line: from the `.hdr` file beside the
 * `.mib` ("Frames per Trigger (Number)", "Frames in Acquisition (Number)")
 * when it gives more than one frame per trigger, otherwise from the frame
 * timestamps (the first gap longer than the mean marks the end of a line), as
 * rosettasciio does; `options.scanShape` overrides both.
 *
 * Errors (naming the file) where rosettasciio reads on: a file that is not a
 * whole number of frames, a frame header that is unreadable or disagrees with
 * the first (checked on the headers read for timestamps, up to 10 000, and on
 * the last), and a `.hdr` announcing more frames than the file holds (an
 * interrupted acquisition: rosettasciio keeps the whole lines; pass
 * `options.scanShape` for the frames present). Cost: one header read per
 * frame up to 10 000 when the line length comes from timestamps.
 */
import * as fs from "node:fs";
import { ChunkSource, type FrameSource } from "../frames4d";
import { parseDType, type DType } from "../dtype";
import type { Frames4D, Frames4DOptions, FormatReader } from "../reader-types";
import { ioError } from "../util";

/** Element type of each processed pixel type. */
const MIB_TYPES: Record<string, string> = { U08: ">u1", U16: ">u2", U32: ">u4" };

/** How many frame headers are read to find the line length (as rosettasciio). */
const MAX_TIMESTAMPS = 10000;

/** The fields of a frame header that the reader uses. */
export interface MibHeader {
  headerBytes: number;
  chips: number;
  width: number;
  height: number;
  pixelType: string;
  layout: string;
  /** Counter depth in bits (1, 6, 12, 24), the second-to-last field. */
  depth: number;
  /** ISO timestamp (fourth-to-last field), e.g. "2021-05-07T16:51:10.905800928Z". */
  timestamp: string;
}

const ascii = (b: Uint8Array): string => Array.from(b, (x) => String.fromCharCode(x)).join("");

/** Parse one frame header (ASCII, comma-separated); throws a plain Error with the reason. */
export function parseMibHeader(text: string): MibHeader {
  const f = text.replace(/[\0\s]+$/, "").split(",");
  if (f[0] !== "MQ1" || f.length < 12) throw new Error(`not a Merlin frame header (starts ${JSON.stringify(text.slice(0, 24))})`);
  const int = (i: number, what: string): number => {
    const v = Number(f[i]);
    if (!/^\s*\d+\s*$/.test(f[i] ?? "") || !Number.isSafeInteger(v)) throw new Error(`frame header field ${i} (${what}) is ${JSON.stringify(f[i])}, not an integer`);
    return v;
  };
  const headerBytes = int(2, "header size"), chips = int(3, "number of chips"), width = int(4, "width"), height = int(5, "height");
  if (headerBytes < 64 || width < 1 || height < 1) throw new Error(`frame header says header ${headerBytes} bytes, frame ${width} × ${height}`);
  const last = f[f.length - 1].trim() === "" ? f.length - 1 : f.length;
  return { headerBytes, chips, width, height, pixelType: f[6].trim(), layout: f[7].trim(), depth: Number(f[last - 1]), timestamp: f[last - 3] ?? "" };
}

/** The `key: value` lines of a Merlin `.hdr` file. */
export function parseMibHdr(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const tab = line.indexOf("\t");
    if (tab < 0 || line.startsWith("HDR") || line.startsWith("End")) continue;
    out[line.slice(0, tab).replace(/:$/, "")] = line.slice(tab + 1).trim();
  }
  return out;
}

/** Nanoseconds since the epoch of an ISO timestamp with up to 9 fractional digits (NaN when unparseable). */
function timestampNs(ts: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z?$/.exec(ts.trim());
  if (!m) return NaN;
  const s = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
  return s * 1e9 + Number((m[7] ?? "0").padEnd(9, "0"));
}

/**
 * Frames per scan line from the frame timestamps (rosettasciio's rule): the
 * first gap between consecutive frames longer than the mean gap ends a line.
 * `ns` are times relative to the first frame. 1 when there is no such gap.
 */
export function lineLengthFromTimes(ns: readonly number[]): number {
  if (ns.length < 2) return 1;
  const d = ns.slice(1).map((t, i) => t - ns[i]);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const i = d.findIndex((x) => x - mean > 0);
  return i < 0 ? 1 : i + 1;
}

/** How raw (R64) frames are laid out: decoded size, stored bytes per frame, counter depth, chips. */
interface RawGeometry { width: number; height: number; frameBytes: number; depth: 1 | 6 | 12 | 24; quad: boolean; descr: string }

/** The layout of raw frames from the first header (LiberTEM's reading of the Merlin raw format). */
function rawGeometry(fn: string, path: string, h: MibHeader): RawGeometry {
  const depth = h.depth;
  if (depth !== 1 && depth !== 6 && depth !== 12 && depth !== 24) throw ioError(fn, path, `raw (R64) frames with counter depth ${JSON.stringify(depth)} (the header's second-to-last field); expected 1, 6, 12 or 24`);
  const quad = h.chips === 4 && /^2x2/.test(h.layout);
  if (h.chips !== 1 && !quad) throw ioError(fn, path, `raw (R64) frames from ${h.chips} chips in layout ${h.layout} are not supported (single chips and 2x2 quads are)`);
  if (quad && depth === 24) throw ioError(fn, path, "raw (R64) 24-bit quad frames are not supported; save the acquisition in Merlin's processed form (U32)");
  // 24-bit: the header's width counts both 12-bit halves.
  const width = depth === 24 ? h.width / 2 : h.width, height = h.height;
  const chipWidth = quad ? width / 4 : width;
  const group = depth === 1 ? 64 : depth === 6 ? 8 : 4;
  if (!Number.isInteger(width) || !Number.isInteger(chipWidth) || chipWidth % group !== 0) throw ioError(fn, path, `raw (R64) ${depth}-bit frames of ${h.width} × ${h.height}: each chip's rows must hold whole 64-bit words (${group} pixels)`);
  if (quad && chipWidth !== height) throw ioError(fn, path, `raw (R64) quad frames of ${h.width} × ${h.height}: expected four square chips side by side (width = 4 × height)`);
  const bits = depth === 6 ? 8 : depth === 12 ? 16 : depth === 24 ? 32 : 1;
  const frameBytes = (width * height * bits) / 8;
  const out = quad ? { width: width / 2, height: height * 2 } : { width, height };
  return { ...out, frameBytes, depth, quad, descr: depth === 24 ? ">u4" : depth === 12 ? ">u2" : "|u1" };
}

/**
 * Decode one raw row segment (one chip's row) of `n` pixels from `b` at byte
 * `at` into `out[o ..]` (reversed when `rev`): pixels come in groups (64 for
 * 1-bit, 8 for 6-bit, 4 for 12-bit) stored in reverse order, 1-bit LSB first.
 */
function decodeRawRow(b: Uint8Array, at: number, n: number, depth: number, out: Float32Array, o: number, rev: boolean, add = 0): void {
  const put = (p: number, v: number): void => {
    const k = rev ? o + n - 1 - p : o + p;
    out[k] = add ? out[k] * add + v : v;
  };
  if (depth === 1) {
    for (let s = 0; s < n / 64; s++) {
      for (let byte = 0; byte < 8; byte++) {
        const v = b[at + (s + 1) * 8 - (byte + 1)];
        for (let bit = 0; bit < 8; bit++) put(64 * s + 8 * byte + bit, (v >> bit) & 1);
      }
    }
  } else if (depth === 6) {
    for (let i = 0; i < n; i++) put((((i >> 3) + 1) << 3) - (i & 7) - 1, b[at + i]);
  } else {
    for (let i = 0; i < n; i++) put((((i >> 2) + 1) << 2) - (i & 3) - 1, (b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
  }
}

/**
 * Decode one raw frame (`b` = its pixel bytes) into `out` (height × width):
 * the processed form's pixel order, with the rows in reverse order when
 * `flip` (rosettasciio's orientation, as the processed frames are read).
 */
export function decodeRawMibFrame(b: Uint8Array, g: { width: number; height: number; depth: number; quad: boolean }, out: Float32Array, flip: boolean): void {
  const { width: w, height: h, depth } = g;
  const row = (y: number): number => (flip ? h - 1 - y : y) * w;
  const rowBytes = (n: number): number => (n * (depth === 6 ? 8 : depth === 1 ? 1 : 16)) / 8;
  if (!g.quad) {
    if (depth === 24) {
      // two 12-bit frames, the first holds the high 12 bits: value = hi * 4096 + lo
      for (let y = 0; y < h; y++) decodeRawRow(b, y * rowBytes(w), w, 12, out, row(y), false);
      for (let y = 0; y < h; y++) decodeRawRow(b, (h + y) * rowBytes(w), w, 12, out, row(y), false, 4096);
      return;
    }
    for (let y = 0; y < h; y++) decodeRawRow(b, y * rowBytes(w), w, depth, out, row(y), false);
    return;
  }
  // quad: each stored row holds one row of chips 4 | 3 | 2 | 1; chips 1, 2 are the top half,
  // chips 3, 4 the bottom half rotated by 180 degrees.
  const cw = w / 2, ch = h / 2, seg = rowBytes(cw), stored = 4 * seg;
  for (let r = 0; r < ch; r++) {
    decodeRawRow(b, r * stored + 3 * seg, cw, depth, out, row(r), false);
    decodeRawRow(b, r * stored + 2 * seg, cw, depth, out, row(r) + cw, false);
    decodeRawRow(b, r * stored + 1 * seg, cw, depth, out, row(h - 1 - r), true);
    decodeRawRow(b, r * stored, cw, depth, out, row(h - 1 - r) + cw, true);
  }
}

/** Raw (R64) frames, decoded in the calling thread, rows flipped as the processed form's. */
class RawMibSource implements FrameSource {
  private fd?: number;
  constructor(readonly path: string, private g: RawGeometry, private stride: number, private headerBytes: number, readonly dtype: DType, readonly description: string) {}
  get onDisk(): boolean { return true; }
  read(start: number, count: number, out: Float32Array): void {
    if (this.fd === undefined) this.fd = fs.openSync(this.path, "r");
    const n = this.g.width * this.g.height;
    const bytes = new Uint8Array(count * this.stride);
    const got = fs.readSync(this.fd, bytes, 0, bytes.length, start * this.stride);
    if (got < bytes.length) throw new Error(`read ${this.path}: unexpected end of file at byte ${start * this.stride + got}`);
    for (let f = 0; f < count; f++) {
      const at = f * this.stride + this.headerBytes;
      decodeRawMibFrame(bytes.subarray(at, at + this.g.frameBytes), this.g, out.subarray(f * n, (f + 1) * n), true);
    }
  }
  chunkSpec(): undefined { return undefined; }
  close(): void {
    if (this.fd !== undefined) { fs.closeSync(this.fd); this.fd = undefined; }
  }
}

/** Open a `.mib` file's frames (see the module comment). */
function openMib(fn: string, path: string, size: number, options: Frames4DOptions): Frames4D {
  const fd = fs.openSync(path, "r");
  try {
    const readAt = (offset: number, length: number): Uint8Array => {
      const b = new Uint8Array(length);
      const n = fs.readSync(fd, b, 0, length, offset);
      return b.subarray(0, n);
    };
    const header = (offset: number, length: number, which: string): MibHeader => {
      const b = readAt(offset, length);
      if (b.length < length) throw ioError(fn, path, `truncated: ${which} header at byte ${offset} needs ${length} bytes, the file has ${b.length} there`);
      try {
        return parseMibHeader(ascii(b));
      } catch (e) {
        throw ioError(fn, path, `corrupt ${which} header at byte ${offset}: ${(e as Error).message}`);
      }
    };
    const first = header(0, Math.min(384, size), "first frame");
    const h0 = first.headerBytes > 384 ? header(0, first.headerBytes, "first frame") : first;
    const raw = h0.pixelType === "R64" ? rawGeometry(fn, path, h0) : undefined;
    const descr = raw ? raw.descr : MIB_TYPES[h0.pixelType];
    if (!descr) throw ioError(fn, path, `unknown pixel type ${JSON.stringify(h0.pixelType)} in the first frame header (expected ${Object.keys(MIB_TYPES).join(", ")} or R64)`);
    const dtype = parseDType(descr, `${fn}(${JSON.stringify(path)})`);
    const width = raw ? raw.width : h0.width, height = raw ? raw.height : h0.height;
    const frameSize = width * height;
    const stride = h0.headerBytes + (raw ? raw.frameBytes : frameSize * dtype.size);
    const nFrames = Math.floor(size / stride);
    if (nFrames < 1 || size % stride !== 0) throw ioError(fn, path, `truncated or corrupt: ${size} bytes is not a whole number of ${stride}-byte frames (${h0.headerBytes}-byte header + ${h0.width} × ${h0.height} ${h0.pixelType} pixels); ${nFrames} whole frame(s) and ${size % stride} bytes more`);
    // Every frame header must agree with the first (checked on those read for timestamps and on the last).
    const check = (i: number): MibHeader => {
      const h = header(i * stride, h0.headerBytes, `frame ${i}`);
      if (h.headerBytes !== h0.headerBytes || h.width !== h0.width || h.height !== h0.height || h.pixelType !== h0.pixelType) {
        throw ioError(fn, path, `frame ${i} header says ${h.width} × ${h.height} ${h.pixelType} with a ${h.headerBytes}-byte header, the first frame ${h0.width} × ${h0.height} ${h0.pixelType} with ${h0.headerBytes}; mixed acquisitions are not supported`);
      }
      return h;
    };
    check(nFrames - 1);
    const description = `file ${path} (Merlin ${h0.pixelType}, ${h0.depth}-bit, ${h0.layout})`;
    const source: FrameSource = raw
      ? new RawMibSource(path, raw, stride, h0.headerBytes, dtype, `${description}, rows flipped`)
      : new ChunkSource({ type: "file", path, offset: 0, stride, frameHeader: h0.headerBytes, frameSize, kind: dtype.kind, size: dtype.size, littleEndian: false, flipRows: height }, dtype, `${description}, rows flipped`, true);
    const det = [height, width];
    const what = `the ${nFrames} Merlin frames`;
    if (options.scanShape) return { source, shape: [nFrames, ...det], calibration: {}, what };
    const hdrPath = path.replace(/\.mib$/i, ".hdr");
    let hdr: Record<string, string> | undefined;
    if (hdrPath !== path && fs.existsSync(hdrPath)) hdr = parseMibHdr(fs.readFileSync(hdrPath, "latin1"));
    let frames = nFrames, perLine = 1;
    if (hdr) {
      frames = Number(hdr["Frames in Acquisition (Number)"]);
      perLine = Number(hdr["Frames per Trigger (Number)"]);
      if (!Number.isSafeInteger(frames) || !Number.isSafeInteger(perLine) || frames < 0 || perLine < 0) throw ioError(fn, path, `${hdrPath}: "Frames in Acquisition (Number)" ${JSON.stringify(hdr["Frames in Acquisition (Number)"])} and "Frames per Trigger (Number)" ${JSON.stringify(hdr["Frames per Trigger (Number)"])} must be integers`);
      if (frames === 0 || perLine === 0) return { source, shape: [nFrames, ...det], calibration: {}, what: `${what} (${hdrPath} gives no scan shape)` };
      if (frames !== nFrames) throw ioError(fn, path, `${hdrPath} says ${frames} frames in the acquisition, the file holds ${nFrames} (an interrupted acquisition?); pass options.scanShape to read it as a ${nFrames}-frame scan`);
    }
    if (perLine === 1) {
      const n = Math.min(nFrames, MAX_TIMESTAMPS);
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const ts = timestampNs((i === 0 ? h0 : check(i)).timestamp);
        if (!Number.isFinite(ts)) throw ioError(fn, path, `frame ${i} has no readable timestamp to find the scan line length; pass options.scanShape`);
        times.push(ts);
      }
      const t0 = times[0];
      perLine = lineLengthFromTimes(times.map((t) => t - t0));
    }
    if (nFrames % perLine !== 0) throw ioError(fn, path, `${nFrames} frames are not a whole number of ${perLine}-frame scan lines; pass options.scanShape`);
    return { source, shape: [nFrames / perLine, perLine, ...det], calibration: {}, what };
  } finally {
    fs.closeSync(fd);
  }
}

export const mibReader: FormatReader = {
  name: "mib",
  description: "a Quantum Detectors Merlin .mib file",
  extensions: [".mib"],
  signature: 'starts with "MQ1,"',
  gives: ["frames4D"],
  sniff: (head) => head.length >= 4 && head[0] === 0x4d && head[1] === 0x51 && head[2] === 0x31 && head[3] === 0x2c,
  open: (path, { fn, size }) => ({ frames4D: async (options) => openMib(fn, path, size, options) }),
};

/** A Merlin `.hdr` file: opens the `.mib` of the same name beside it (as LiberTEM accepts either). */
export const mibHdrReader: FormatReader = {
  name: "mib-hdr",
  description: "a Quantum Detectors Merlin .hdr file (read with its .mib)",
  extensions: [".hdr"],
  signature: 'starts with "HDR,"',
  gives: ["frames4D"],
  sniff: (head) => head.length >= 4 && head[0] === 0x48 && head[1] === 0x44 && head[2] === 0x52 && head[3] === 0x2c,
  open: (path, { fn }) => ({
    async frames4D(options) {
      const mib = path.replace(/\.hdr$/i, ".mib");
      let size: number;
      try {
        if (mib === path) throw new Error("the name does not end in .hdr");
        size = fs.statSync(mib).size;
      } catch (e) {
        throw ioError(fn, path, `the .mib file beside it, ${mib}, cannot be read: ${(e as Error).message}`);
      }
      return openMib(fn, mib, size, options);
    },
  }),
};
