/**
 * Headerless binary frames (no signature): chosen only when asked for
 * (`format: "raw"`) or when no reader recognises the content and the options
 * give `dtype`; needs `scanShape`, `detShape`, `dtype`, and optionally
 * `offset`, `frameHeader`, `frameFooter` (EMPAD-style per-frame footers).
 * The file's length must equal exactly what these describe.
 */
import { ChunkSource } from "../frames4d";
import { parseDType } from "../dtype";
import type { FormatReader } from "../reader-types";
import { ioError } from "../util";

export const rawReader: FormatReader = {
  name: "raw",
  description: "headerless binary frames",
  extensions: [".raw", ".bin"],
  signature: "",
  gives: ["frames4D"],
  sniff: () => false,
  open: (path, { fn, size }) => ({
    async frames4D(options) {
      const where = `${fn}(${JSON.stringify(path)})`;
      if (!options.scanShape || !options.detShape || !options.dtype) throw ioError(fn, path, "raw files need options.scanShape, options.detShape and options.dtype");
      const dtype = parseDType(options.dtype, where);
      const offset = options.offset ?? 0;
      const frameHeader = options.frameHeader ?? 0;
      const frameFooter = options.frameFooter ?? 0;
      for (const [k, v] of [["offset", offset], ["frameHeader", frameHeader], ["frameFooter", frameFooter]] as const) {
        if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${where}: options.${k} must be a non-negative integer, got ${v}`);
      }
      const [rows, cols] = options.scanShape;
      const [ky, kx] = options.detShape;
      const frameSize = ky * kx;
      const stride = frameHeader + frameSize * dtype.size + frameFooter;
      const need = offset + rows * cols * stride;
      if (size < need) throw ioError(fn, path, `truncated: header/shape says ${need - offset} bytes of data after offset ${offset}, file has ${Math.max(0, size - offset)} (${size} bytes in all)`);
      if (size > need) throw ioError(fn, path, `file has ${size} bytes, shape ${rows}×${cols}×${ky}×${kx} ${dtype.descr} with offset ${offset} needs ${need}; check the shape, dtype and headers`);
      const spec = { type: "file" as const, path, offset, stride, frameHeader, frameSize, kind: dtype.kind, size: dtype.size, littleEndian: dtype.littleEndian };
      return { source: new ChunkSource(spec, dtype, `file ${path} (${dtype.descr})`, true), shape: [rows, cols, ky, kx], calibration: {}, what: "the raw data" };
    },
  }),
};
