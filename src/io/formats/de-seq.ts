/**
 * Direct Electron (DE-16, DE Celeritas single file) `.seq` files: the
 * Norpix StreamPix sequence format, read as rosettasciio's `rsciio.de`
 * reads it. Header (little-endian): magic 0xFEED (uint32 at 0), the name
 * "Norpix seq" in UTF-16 at 4; image info at 548: ImageWidth, ImageHeight,
 * ImageBitDepth (8/16/32), ImageBitDepthReal, ImageSizeBytes (uint32 at
 * 548..567), AllocatedFrames (frame count, int32 at 572), TrueImageSize
 * (bytes from one frame to the next, int32 at 580). Frame i starts at
 * 8192 + i · TrueImageSize (DE's 8 KiB header, as rosettasciio), pixels
 * first (unsigned integers, row by row: ImageHeight rows of ImageWidth),
 * then an 8-byte timestamp and padding.
 *
 * What differs from rosettasciio, documented: frames are (ImageHeight,
 * ImageWidth) row-major (rosettasciio shapes them (ImageWidth,
 * ImageHeight), the same for the square sensors DE ships); the counts are
 * the stored ones: the `.dark.mrc` / `.gain.mrc` references rosettasciio
 * applies when they lie beside the file are not applied (read them with
 * readImage and correct explicitly). Compressed sequences (ImageSizeBytes ≠
 * width · height · bytes) and Celeritas top/bottom pairs are refused by
 * name; a file shorter than its frames is an error. The frames are a series
 * (N, ky, kx): `readDataset4D` needs `scanShape`.
 */
import { ChunkSource } from "../frames4d";
import { parseDType } from "../dtype";
import type { FormatReader } from "../reader-types";
import { ioError } from "../util";
import { closeSync, openSync, readSync } from "node:fs";

/** Bytes before the first frame in DE's .seq files (rosettasciio's offset). */
const DATA_OFFSET = 8192;
const NAME = "Norpix seq";

/** True when `head` starts with the StreamPix magic 0xFEED and the UTF-16 name "Norpix seq". */
function isSeq(head: Uint8Array): boolean {
  if (head.length < 4 + 2 * NAME.length || head[0] !== 0xed || head[1] !== 0xfe || head[2] !== 0 || head[3] !== 0) return false;
  for (let i = 0; i < NAME.length; i++) if (head[4 + 2 * i] !== NAME.charCodeAt(i) || head[5 + 2 * i] !== 0) return false;
  return true;
}

export const deSeqReader: FormatReader = {
  name: "de-seq",
  description: "a Direct Electron / Norpix StreamPix .seq file",
  extensions: [".seq"],
  signature: 'ed fe 00 00 then "Norpix seq" in UTF-16',
  gives: ["frames4D"],
  sniff: (head) => isSeq(head),
  open: (path, { fn, size }) => ({
    async frames4D() {
      if (size < 600) throw ioError(fn, path, `truncated: ${size} bytes, the .seq header needs 600`);
      const h = new Uint8Array(DATA_OFFSET);
      const fd = openSync(path, "r");
      try {
        readSync(fd, h, 0, Math.min(DATA_OFFSET, size), 0);
      } finally {
        closeSync(fd);
      }
      const dv = new DataView(h.buffer);
      const width = dv.getUint32(548, true), height = dv.getUint32(552, true), bits = dv.getUint32(556, true);
      const imageBytes = dv.getUint32(564, true), frames = dv.getInt32(572, true), stride = dv.getInt32(580, true);
      if (bits !== 8 && bits !== 16 && bits !== 32) throw ioError(fn, path, `ImageBitDepth ${bits}: only 8, 16 and 32-bit unsigned frames are read`);
      const bytes = bits / 8;
      if (!(width > 0 && height > 0 && frames > 0)) throw ioError(fn, path, `corrupt header: ImageWidth ${width}, ImageHeight ${height}, AllocatedFrames ${frames}`);
      const pixels = width * height * bytes;
      if (imageBytes !== pixels) throw ioError(fn, path, `ImageSizeBytes ${imageBytes} ≠ ${width} × ${height} × ${bytes} bytes: a compressed sequence, which is not read`);
      if (stride < pixels) throw ioError(fn, path, `corrupt header: TrueImageSize ${stride} is smaller than one frame's pixels (${pixels} bytes)`);
      const need = DATA_OFFSET + (frames - 1) * stride + pixels;
      if (size < need) throw ioError(fn, path, `truncated: ${frames} frames of ${width} × ${height} uint${bits} (every ${stride} bytes from byte ${DATA_OFFSET}) need ${need} bytes, the file has ${size}`);
      const dtype = parseDType(`<u${bytes}`);
      const spec = { type: "file" as const, path, offset: DATA_OFFSET, stride, frameHeader: 0, frameSize: width * height, kind: dtype.kind, size: bytes, littleEndian: true };
      return {
        source: new ChunkSource(spec, dtype, `file ${path} (DE .seq, uint${bits})`, true),
        shape: [frames, height, width],
        calibration: {},
        what: `the ${frames} frames of the .seq file`,
      };
    },
  }),
};
