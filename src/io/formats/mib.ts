/**
 * Quantum Detectors Merlin (Medipix3) `.mib` files: a sequence of frames, each
 * an ASCII header ("MQ1,<seq>,<header bytes>,<chips>,<width>,<height>,<type>,
 * <layout>,...", 384 bytes for one chip, 768 for a quad) followed by the
 * pixels, big-endian: "U08" (1- and 6-bit counters), "U16" (12-bit), "U32"
 * (24-bit). Quad files in this processed form are already assembled
 * (512 × 512). Frames in the raw "R64" form (chip-ordered 64-bit words, packed
 * 1-bit) are refused with an error saying so (rosettasciio 0.15 refuses them too).
 *
 * Orientation: the convention of the reference reader, rosettasciio
 * (`rsciio.quantumdetector`, which flips each frame on its row axis): row 0
 * of a pattern is the LAST pixel row stored in the frame. The scan shape is
 * [rows, cols] with cols = frames per line: from the `.hdr` file beside the
 * `.mib` ("Frames per Trigger (Number)", "Frames in Acquisition (Number)")
 * when it gives more than one frame per trigger, otherwise from the frame
 * timestamps (the first gap longer than the mean marks the end of a line), as
 * rosettasciio does; `options.scanShape` overrides both.
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

/** Frames of `inner` with each frame's rows in reverse order (rosettasciio's orientation); read in the calling thread. */
class RowFlipSource implements FrameSource {
  constructor(private inner: ChunkSource, private height: number, private width: number) {}
  get description(): string { return `${this.inner.description}, rows flipped`; }
  get path(): string | undefined { return this.inner.path; }
  get dtype(): DType { return this.inner.dtype; }
  get onDisk(): boolean { return this.inner.onDisk; }
  read(start: number, count: number, out: Float32Array): void {
    this.inner.read(start, count, out);
    const w = this.width, h = this.height, row = new Float32Array(w);
    for (let f = 0; f < count; f++) {
      const base = f * w * h;
      for (let y = 0; y < h >> 1; y++) {
        const a = base + y * w, b = base + (h - 1 - y) * w;
        row.set(out.subarray(a, a + w));
        out.copyWithin(a, b, b + w);
        out.set(row, b);
      }
    }
  }
  chunkSpec(): undefined { return undefined; }
  close(): void { this.inner.close(); }
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
    if (h0.pixelType === "R64") throw ioError(fn, path, `raw (R64) frames (counter depth ${h0.depth}, layout ${h0.layout}) are not supported; save the acquisition in Merlin's processed form (U08/U16/U32), which rosettasciio reads too`);
    const descr = MIB_TYPES[h0.pixelType];
    if (!descr) throw ioError(fn, path, `unknown pixel type ${JSON.stringify(h0.pixelType)} in the first frame header (expected ${Object.keys(MIB_TYPES).join(", ")} or R64)`);
    const dtype = parseDType(descr, `${fn}(${JSON.stringify(path)})`);
    const frameSize = h0.width * h0.height;
    const stride = h0.headerBytes + frameSize * dtype.size;
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
    const spec = { type: "file" as const, path, offset: 0, stride, frameHeader: h0.headerBytes, frameSize, kind: dtype.kind, size: dtype.size, littleEndian: false };
    const source = new RowFlipSource(new ChunkSource(spec, dtype, `file ${path} (Merlin ${h0.pixelType}, ${h0.depth}-bit)`, true), h0.height, h0.width);
    const det = [h0.height, h0.width];
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
