/**
 * NanoMegas ASTAR blockfiles (`.blo`, magic "IMGBLO"): a little-endian header
 * (scan NX × NY, square patterns of DP_SZ pixels, scan step SX/SY in nm, SDP =
 * 100 × detector pixels per cm), a uint8 virtual bright-field image at
 * Data_offset_1, then at Data_offset_2 one frame per scan position: a 6-byte
 * marker (AA 55 and the frame number, uint32) and DP_SZ² uint8 pixels. Read as
 * rosettasciio's `rsciio.blockfile` reads it (no flip; scan step in nm,
 * detector pixel 100 / SDP cm; the scan step only when SX = SY, the
 * one step a Dataset4D holds), except that a file shorter than its header
 * says, or a frame without its AA 55 marker, is an error here (rosettasciio
 * pads missing frames with zeros and does not check markers).
 */
import { ChunkSource } from "../frames4d";
import { parseDType } from "../dtype";
import type { FormatReader } from "../reader-types";
import { ioError } from "../util";
import { readFileHead } from "./detector-io";
import * as fs from "node:fs";

const MAGIC = [0x49, 0x4d, 0x47, 0x42, 0x4c, 0x4f]; // "IMGBLO"
const HEADER_BYTES = 240;
const FRAME_MARKER = 6;

/** Index of the first frame whose 2-byte marker is not AA 55, or -1 (one 2-byte read per frame). */
function firstBadMarker(path: string, offset: number, stride: number, n: number): number {
  const fd = fs.openSync(path, "r");
  try {
    const m = new Uint8Array(2);
    for (let i = 0; i < n; i++) {
      fs.readSync(fd, m, 0, 2, offset + i * stride);
      if (m[0] !== 0xaa || m[1] !== 0x55) return i;
    }
    return -1;
  } finally {
    fs.closeSync(fd);
  }
}

export const bloReader: FormatReader = {
  name: "blo",
  description: "a NanoMegas .blo blockfile",
  extensions: [".blo"],
  signature: 'starts with "IMGBLO"',
  gives: ["frames4D"],
  sniff: (head) => head.length >= 6 && MAGIC.every((b, i) => head[i] === b),
  open: (path, { fn, size }) => ({
    async frames4D(options) {
      const h = readFileHead(path, Math.min(size, HEADER_BYTES));
      if (h.length < HEADER_BYTES) throw ioError(fn, path, `truncated: the blockfile header needs ${HEADER_BYTES} bytes, the file has ${size}`);
      const dv = new DataView(h.buffer, h.byteOffset, h.length);
      const dataOffset = dv.getUint32(12, true), dp = dv.getUint16(20, true), nx = dv.getUint16(24, true), ny = dv.getUint16(26, true);
      const sx = dv.getFloat64(30, true), sy = dv.getFloat64(38, true), sdp = dv.getUint16(50, true);
      if (dp < 1 || nx < 1 || ny < 1) throw ioError(fn, path, `corrupt header: scan ${nx} × ${ny}, patterns ${dp} × ${dp}`);
      const stride = FRAME_MARKER + dp * dp;
      const need = dataOffset + nx * ny * stride;
      if (size < need) throw ioError(fn, path, `truncated: the header says ${ny} × ${nx} frames of ${dp} × ${dp} from byte ${dataOffset} (${need} bytes), the file has ${size}`);
      const bad = firstBadMarker(path, dataOffset, stride, nx * ny);
      if (bad >= 0) throw ioError(fn, path, `corrupt: frame ${bad} at byte ${dataOffset + bad * stride} does not start with the marker AA 55`);
      const dtype = parseDType("|u1");
      const spec = { type: "file" as const, path, offset: dataOffset, stride, frameHeader: FRAME_MARKER, frameSize: dp * dp, kind: dtype.kind, size: 1, littleEndian: true };
      const calibration = { ...(sx > 0 && sx === sy ? { scanStep: sx, scanUnit: "nm" } : {}), ...(sdp > 0 ? { detPixelSize: 100 / sdp, detUnit: "cm" } : {}) };
      const shape = options.scanShape ? [nx * ny, dp, dp] : [ny, nx, dp, dp];
      return { source: new ChunkSource(spec, dtype, `file ${path} (blockfile, uint8)`, true), shape, calibration, what: `the ${ny} × ${nx} blockfile frames` };
    },
  }),
};
