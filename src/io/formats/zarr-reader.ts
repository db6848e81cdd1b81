/** Zarr stores (directories) in the reader registry: 4-D frames through `openZarrFrames` (src/io/formats/zarr.ts). */
import type { FormatReader } from "../reader-types";
import { isZarr, openZarrFrames } from "./zarr";

export const zarrReader: FormatReader = {
  name: "zarr",
  description: "a Zarr store (v2 or v3, a directory)",
  extensions: [".zarr"],
  signature: "a directory holding .zarray, .zgroup or zarr.json",
  gives: ["frames4D"],
  sniff: () => false, // never a single file
  sniffDirectory: isZarr,
  open: (path, { fn }) => ({ frames4D: async (options) => openZarrFrames(fn, path, options) }),
};
