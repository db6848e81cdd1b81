/**
 * `readImage` / `readImageStack`: one entry point for every image format,
 * chosen by the file's content (magic bytes) through the reader registry
 * (src/io/registry.ts), never by its extension.
 */
import { openByContent, readers } from "./registry";
import type { ImageFormat, LoadedImage, ReadImageOptions } from "./image-frames";

export type { ImageFormat, ImageSource, LoadedImage, ReadImageOptions } from "./image-frames";

/**
 * The format whose signature the first bytes of a file carry (at least 8
 * bytes; the registered readers' `sniff`, in order), or null. Formats found
 * only further into the file (HDF5 after a user block) need the whole file:
 * `readImage` looks there too.
 */
export function detectFormat(head: Uint8Array): ImageFormat | null {
  const file = { path: "<bytes>", size: head.length, read: (o: number, n: number) => head.subarray(o, o + n) };
  for (const r of readers()) {
    try {
      if (r.sniff(head, file)) return r.name;
    } catch {
      /* a broken sniff is no match */
    }
  }
  return null;
}

/**
 * Read a 2-D image from a .npy, TIFF, PNG or HDF5 file (Berkeley EMD,
 * HyperSpy, atomap, Velox EMD and plain HDF5; gzip, shuffle, LZF,
 * bitshuffle/LZ4/Zstd and Blosc filters decoded, others refused), a Gatan
 * DigitalMicrograph .dm3/.dm4, FEI TIA .ser/.emi or MRC file, a scanning-probe
 * file (Nanonis, Gwyddion, Igor, NanoScope, Createc, WSxM: pick the channel
 * with `options.channel`), or any registered format, choosing the reader from
 * the file's content (see `readers()`). Pixels become float32,
 * row-major, x = column, y = row.
 *
 * - 3-D data (npy/HDF5 [frames, height, width], multi-page TIFF) needs
 *   `page`; without it the error says how many pages there are.
 * - Calibration comes from the file where it states one: EMD dim vectors,
 *   HyperSpy axis scale/units, ImageJ TIFF metadata. The x spacing is used;
 *   non-square pixels add a warning to `source.warnings`. A scale without
 *   units (atomap's HyperSpy files) gives `unit: ""` and a warning, unless
 *   `options.unit` supplies one.
 * - int64/uint64 arrays convert to float32 like every other type (exact up
 *   to 2^24, as float32 always is).
 * - Memory: .npy, TIFF and PNG files are read whole (sizes they declare are
 *   checked against the file's length first); HDF5 reads only the dataset
 *   (only the page, for a 3-D dataset with `page`).
 * - Colour PNG/TIFF is converted to BT.601 luminance (see `LUMA_WEIGHTS`).
 * - NaN and ±Inf pixels are kept as they are.
 * - Zero-size arrays, unknown formats, truncated or corrupt files (checksums
 *   are verified where the format has them: PNG CRCs, zlib Adler-32),
 *   unsupported dtypes and unsupported HDF5 filters throw, naming the file.
 *
 * @example
 *   const img = await readImage("../shared/data/stem/sto_haadf_team05.emd");
 *   img.width; img.calibration; // 1024, { pixelSize: 0.01225, unit: "nm" }
 */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<LoadedImage> {
  const { opened } = await openByContent("readImage", path, "image");
  return opened.image!(options);
}

/**
 * Read every image of a multi-page TIFF, or every frame of a 3-D .npy or
 * HDF5 dataset ([frames, height, width]); a single 2-D image gives a
 * one-element array. Each element is a `LoadedImage` with `source.page` set.
 * The format is chosen from the content, as by `readImage`.
 */
export async function readImageStack(path: string, options: Omit<ReadImageOptions, "page"> = {}): Promise<LoadedImage[]> {
  const { opened } = await openByContent("readImageStack", path, "stack");
  return opened.stack!(options);
}
