/** NumPy `.npy` (magic `\x93NUMPY`): 2-D images, 3-D stacks [frames, h, w], 4-D datasets streamed from disk. */
import { ChunkSource } from "../frames4d";
import { parseDType } from "../dtype";
import type { FormatReader } from "../reader-types";
import { checkPage, frame, framesOf, makeLoaded, type Frames, type ImageSource } from "../image-frames";
import { NPY_MAGIC, npyHeader, readNpy } from "../npy";
import { ioError } from "../util";

function load(fn: string, path: string): { fr: Frames; src: Omit<ImageSource, "page" | "warnings"> } {
  const arr = readNpy(path, { int64: "bigint" });
  return {
    fr: framesOf(fn, path, arr.shape, arr.data, `the array (dtype ${arr.dtype})`),
    src: { path, format: "npy", dtype: arr.dtype, shape: arr.shape, pageCount: 0 },
  };
}

export const npyReader: FormatReader = {
  name: "npy",
  description: "a NumPy .npy array",
  extensions: [".npy"],
  signature: "93 4e 55 4d 50 59, \\x93NUMPY",
  gives: ["image", "stack", "frames4D"],
  sniff: (head) => head.length >= 6 && NPY_MAGIC.every((b, i) => head[i] === b),
  open: (path, { fn }) => ({
    async image(options) {
      const { fr, src } = load(fn, path);
      const page = checkPage(fn, path, options.page, fr.dims[0], `the array of shape [${src.shape.join(", ")}]`);
      return makeLoaded(frame(fr, page), fr.dims[2], fr.dims[1], undefined, { ...src, pageCount: fr.dims[0], page: fr.dims[0] > 1 ? page : undefined, warnings: [] });
    },
    async stack() {
      const { fr, src } = load(fn, path);
      return Array.from({ length: fr.dims[0] }, (_, i) =>
        makeLoaded(frame(fr, i), fr.dims[2], fr.dims[1], undefined, { ...src, pageCount: fr.dims[0], page: i, warnings: [] }),
      );
    },
    async frames4D() {
      const where = `${fn}(${JSON.stringify(path)})`;
      let h: ReturnType<typeof npyHeader>;
      try {
        h = npyHeader(path);
      } catch (e) {
        throw ioError(fn, path, (e as Error).message.replace(/^npyHeader\([^)]*\): /, ""));
      }
      if (h.fortranOrder) throw ioError(fn, path, "Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
      const dtype = parseDType(h.dtype, where);
      const frameSize = h.shape.length >= 2 ? h.shape[h.shape.length - 1] * h.shape[h.shape.length - 2] : 1;
      const spec = { type: "file" as const, path, offset: h.dataOffset, stride: frameSize * dtype.size, frameHeader: 0, frameSize, kind: dtype.kind, size: dtype.size, littleEndian: dtype.littleEndian };
      return { source: new ChunkSource(spec, dtype, `file ${path} (${dtype.descr})`, true), shape: h.shape, calibration: {}, what: "the array" };
    },
  }),
};
