/**
 * HDF5 (signature 89 48 44 46 0d 0a 1a 0a at offset 0 or after a user block
 * of 512, 1024, 2048, ... bytes): Berkeley EMD, HyperSpy, atomap and plain
 * files as 2-D images and stacks; py4DSTEM/EMD 4-D datasets as frames.
 * Thermo Fisher Velox files go to src/io/formats/velox.ts (`openVelox`),
 * Dectris Arina/Eiger master files to src/io/formats/arina.ts.
 * Everything reads through the one HDF5 layer, src/io/hdf5.ts.
 */
import type { FormatReader, OpenedFile } from "../reader-types";
import { calibrationOf, frame, framesOf, makeLoaded } from "../image-frames";
import { findHdf5Image, hdf5SignatureOffset, isHdf5, openHdf5Frames } from "../hdf5";
import { openVelox } from "./velox";
import { openDectrisFrames } from "./arina";

export const hdf5Reader: FormatReader = {
  name: "hdf5",
  description: "an HDF5 file",
  extensions: [".h5", ".hdf5", ".emd", ".hspy", ".nxs"],
  signature: "89 48 44 46 0d 0a 1a 0a, at byte 0 or after a 512·2^k-byte user block",
  gives: ["image", "stack", "frames4D"],
  sniff: (head, file) => isHdf5(head) || hdf5SignatureOffset(file.read, file.size) >= 0,
  open: async (path, { fn }) => ({
    ...hdf5Opened(fn, path),
    ...(await openVelox(fn, path)), // Velox: its own image and stack
  }),
};

function hdf5Opened(fn: string, path: string): OpenedFile {
  return {
    async image(options) {
      const found = await findHdf5Image(path, { dataset: options.dataset, page: options.page, single: true, fn });
      // for a 3-D dataset, findHdf5Image read only the requested page: shape [1, h, w]
      const fr = framesOf(fn, path, found.shape, found.data, `dataset "${found.dataset}" (${found.dtype})`);
      const stacked = found.fullShape.length === 3;
      return makeLoaded(frame(fr, 0), fr.dims[2], fr.dims[1], calibrationOf(found.pixelSize, found.unit, options), {
        path, format: "hdf5", dataset: found.dataset, convention: found.convention, dtype: found.dtype,
        shape: found.fullShape, pageCount: stacked ? found.fullShape[0] : 1, page: stacked ? options.page ?? 0 : undefined, warnings: found.warnings.slice(),
      });
    },
    async stack(options) {
      const found = await findHdf5Image(path, { dataset: options.dataset, fn });
      const fr = framesOf(fn, path, found.shape, found.data, `dataset "${found.dataset}" (${found.dtype})`);
      const cal = calibrationOf(found.pixelSize, found.unit, options);
      return Array.from({ length: fr.dims[0] }, (_, i) =>
        makeLoaded(frame(fr, i), fr.dims[2], fr.dims[1], cal ? { ...cal } : undefined, {
          path, format: "hdf5", dataset: found.dataset, convention: found.convention, dtype: found.dtype,
          shape: found.shape, pageCount: fr.dims[0], page: i, warnings: found.warnings.slice(),
        }),
      );
    },
    // a Dectris Arina/Eiger master (links /entry/data/data_NNNNNN to its data files) first: src/io/formats/arina.ts
    frames4D: async (options) => (options.dataset === undefined ? await openDectrisFrames(fn, path, options) : undefined) ?? openHdf5Frames(fn, path, options),
  };
}
