/**
 * `readImage` / `readImageStack`: one entry point for every image format,
 * chosen by the file's content (magic bytes), never by its extension.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Calibration, Image } from "../image/image";
import { findHdf5Image, hdf5SignatureOffset, isHdf5, type Hdf5Convention } from "./hdf5";
import { NPY_MAGIC, readBytes, readNpy } from "./npy";
import { decodePng, isPng } from "./png";
import { decodeTiff, isTiff, tiffPageCount, type TiffPage } from "./tiff";
import { LUMA_WEIGHTS } from "./png";
import { NumericArray, ioError, shapeSize, toFloat32 } from "./util";

/** File formats `readImage` recognises. */
export type ImageFormat = "npy" | "tiff" | "png" | "hdf5";

/** Where a loaded image came from (kept on the image as `source`). */
export interface ImageSource {
  /** The path as given. */
  path: string;
  format: ImageFormat;
  /** HDF5: the dataset read, e.g. "/Experiments/__unnamed__/data". */
  dataset?: string;
  /**
   * HDF5: how the dataset was found — "option" (the `dataset` option),
   * "emd" (Berkeley EMD), "hyperspy", "atomap" (Atom_Lattice `image_data0`)
   * or "first-numeric" (first numeric dataset with ≥ 2 axes).
   */
  convention?: Hdf5Convention;
  /** Index of the page (TIFF) or of the first-axis frame (3-D arrays), when one was picked. */
  page?: number;
  /** Number of pages/frames in the file. */
  pageCount: number;
  /** Stored element type, numpy style ("<f2", "|u1", ...) or "uint16" etc. for TIFF/PNG. */
  dtype: string;
  /** Shape of the whole stored array (C order). */
  shape: number[];
  /** Things the user should know (missing units, non-square pixels, colour converted). */
  warnings: string[];
}

/** An `Image` plus where it came from. */
export interface LoadedImage extends Image {
  source: ImageSource;
}

export interface ReadImageOptions {
  /** Page of a multi-page TIFF, or frame along the first axis of a 3-D array (0-based). */
  page?: number;
  /** HDF5: path of the dataset to read (otherwise found by convention, see `findHdf5Image`). */
  dataset?: string;
  /**
   * Unit to use when the file gives a pixel size without a unit (the HyperSpy
   * files written by atomap do, e.g. pass "nm"). Never overrides a unit the file states.
   */
  unit?: string;
}

/** Identify a format from the first bytes of a file (at least 8), or null. */
export function detectFormat(head: Uint8Array): ImageFormat | null {
  if (head.length >= 6 && NPY_MAGIC.every((b, i) => head[i] === b)) return "npy";
  if (isTiff(head)) return "tiff";
  if (isPng(head)) return "png";
  if (isHdf5(head)) return "hdf5";
  return null;
}

function sniff(fn: string, path: string): ImageFormat {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw ioError(fn, path, `cannot open: ${(e as Error).message}`);
  }
  let head: Buffer;
  let size: number;
  let format: ImageFormat | null;
  try {
    size = fstatSync(fd).size;
    head = Buffer.alloc(Math.min(16, size));
    readSync(fd, head, 0, head.length, 0);
    format = detectFormat(head);
    // HDF5 may follow a user block of 512, 1024, 2048, ... bytes
    if (!format && size > 512 && hdf5SignatureOffset(fd, size) > 0) format = "hdf5";
  } finally {
    closeSync(fd);
  }
  if (size === 0) throw ioError(fn, path, "the file is empty (0 bytes)");
  if (!format) {
    const hex = Array.from(head.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(head.subarray(0, 8), (x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : ".")).join("");
    throw ioError(fn, path, `unknown file format: first bytes ${hex} ("${ascii}"); readable formats are .npy (93 4e 55 4d 50 59), TIFF (49 49 2a 00 / 4d 4d 00 2a), PNG (89 50 4e 47) and HDF5 (89 48 44 46)`);
  }
  return format;
}

/** An array of any rank reduced to frames of [height, width]. */
interface Frames {
  data: NumericArray;
  /** [frames, height, width] */
  dims: [number, number, number];
}

function framesOf(fn: string, path: string, shape: number[], data: NumericArray, what: string): Frames {
  // drop leading axes of length 1
  const s = shape.slice();
  while (s.length > 2 && s[0] === 1) s.shift();
  if (s.length < 2) {
    throw ioError(fn, path, `${what} has shape [${shape.join(", ")}]: an image needs 2 axes (height, width)`);
  }
  if (s.length > 3) {
    throw ioError(fn, path, `${what} has shape [${shape.join(", ")}] (${s.length} axes): readImage reads 2-D images and 3-D stacks [frames, height, width]; use readNpy / readHdf5Dataset (with slice) for higher-dimensional data`);
  }
  if (shapeSize(shape) === 0) {
    throw ioError(fn, path, `${what} has shape [${shape.join(", ")}]: zero-size array, no pixels to read`);
  }
  return s.length === 2 ? { data, dims: [1, s[0], s[1]] } : { data, dims: [s[0], s[1], s[2]] };
}

function frame(fr: Frames, i: number): Float32Array {
  const [, h, w] = fr.dims;
  const n = h * w;
  const part = fr.dims[0] === 1 ? fr.data : (fr.data.subarray(i * n, (i + 1) * n) as NumericArray);
  const f = toFloat32(part as ArrayLike<number>);
  // a frame of a float32 stack is a view: copy it so each image owns its pixels
  return fr.dims[0] !== 1 && f === (part as unknown) ? f.slice() : f;
}

function checkPage(fn: string, path: string, page: number | undefined, count: number, what: string): number {
  if (page === undefined) {
    if (count === 1) return 0;
    throw ioError(fn, path, `${what} holds ${count} images; pass { page: i } with 0 ≤ i < ${count}, or use readImageStack`);
  }
  if (!Number.isInteger(page) || page < 0 || page >= count) {
    throw ioError(fn, path, `page ${page} does not exist: ${what} holds ${count} image${count === 1 ? "" : "s"} (pages 0..${count - 1})`);
  }
  return page;
}

function calibrationOf(pixelSize: number | undefined, unit: string | undefined, options: ReadImageOptions): Calibration | undefined {
  if (pixelSize === undefined || !(pixelSize > 0) || !Number.isFinite(pixelSize)) return undefined;
  return { pixelSize, unit: unit || options.unit || "" };
}

function tiffPageToPixels(page: TiffPage, warnings: string[]): Float32Array {
  const spp = page.samplesPerPixel;
  if (page.photometric === 0) warnings.push("PhotometricInterpretation is WhiteIsZero: values are as stored (not inverted), as tifffile reads them");
  if (page.photometric === 3) warnings.push("palette TIFF: values are palette indices, not colours");
  if (spp === 1) return toFloat32(page.data as ArrayLike<number>);
  const n = page.width * page.height;
  const out = new Float32Array(n);
  const d = page.data as ArrayLike<number>;
  if (page.photometric === 2 && spp >= 3) {
    const [wr, wg, wb] = LUMA_WEIGHTS;
    for (let i = 0; i < n; i++) {
      const r = d[i * spp];
      const g = d[i * spp + 1];
      const b = d[i * spp + 2];
      out[i] = r === g && g === b ? r : wr * r + wg * g + wb * b;
    }
    warnings.push(`RGB converted to luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601)`);
  } else {
    for (let i = 0; i < n; i++) out[i] = d[i * spp];
    warnings.push(`${spp} samples per pixel (photometric ${page.photometric}): the first sample is used`);
  }
  return out;
}

function tiffDtype(p: TiffPage): string {
  return `${p.sampleFormat}${p.bitsPerSample}`;
}

function loadNpyFrames(fn: string, path: string): { fr: Frames; src: Omit<ImageSource, "page" | "warnings"> } {
  const arr = readNpy(path, { int64: "bigint" });
  return {
    fr: framesOf(fn, path, arr.shape, arr.data, `the array (dtype ${arr.dtype})`),
    src: { path, format: "npy", dtype: arr.dtype, shape: arr.shape, pageCount: 0 },
  };
}

/**
 * Read a 2-D image from a .npy, TIFF, PNG or HDF5 file (Berkeley EMD,
 * HyperSpy, atomap and plain HDF5), choosing the reader from the file's
 * magic bytes. Pixels become float32, row-major, x = column, y = row.
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
 * - Memory: .npy, TIFF and PNG files are read whole; HDF5 reads only the
 *   dataset (only the page, for a 3-D dataset with `page`).
 * - Colour PNG/TIFF is converted to BT.601 luminance (see `LUMA_WEIGHTS`).
 * - NaN and ±Inf pixels are kept as they are.
 * - Zero-size arrays, unknown formats, truncated or corrupt files,
 *   unsupported dtypes and unsupported HDF5 filters throw, naming the file.
 *
 * @example
 *   const img = await readImage("../shared/data/stem/sto_haadf_team05.emd");
 *   img.width; img.calibration; // 1024, { pixelSize: 0.01225, unit: "nm" }
 */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<LoadedImage> {
  const fn = "readImage";
  const format = sniff(fn, path);
  const warnings: string[] = [];
  switch (format) {
    case "npy": {
      const { fr, src } = loadNpyFrames(fn, path);
      const page = checkPage(fn, path, options.page, fr.dims[0], `the array of shape [${src.shape.join(", ")}]`);
      const data = frame(fr, page);
      return makeLoaded(data, fr.dims[2], fr.dims[1], undefined, { ...src, pageCount: fr.dims[0], page: fr.dims[0] > 1 ? page : undefined, warnings });
    }
    case "tiff": {
      const bytes = readBytes(fn, path);
      const count = countTiffPages(fn, path, bytes);
      const page = checkPage(fn, path, options.page, count, "the TIFF");
      const [p] = decodeTiff(bytes, path, [page]);
      if (p.width * p.height === 0) throw ioError(fn, path, `page ${page} is ${p.width}×${p.height}: zero-size image, no pixels to read`);
      const data = tiffPageToPixels(p, warnings);
      const cal = p.calibration ? calibrationOf(p.calibration.pixelSize, p.calibration.unit, options) : undefined;
      return makeLoaded(data, p.width, p.height, cal, {
        path, format, dtype: tiffDtype(p), shape: p.samplesPerPixel > 1 ? [p.height, p.width, p.samplesPerPixel] : [p.height, p.width],
        pageCount: count, page: count > 1 ? page : undefined, warnings,
      });
    }
    case "png": {
      const png = decodePng(readBytes(fn, path), path);
      if (png.width * png.height === 0) throw ioError(fn, path, `the PNG is ${png.width}×${png.height}: zero-size image`);
      checkPage(fn, path, options.page, 1, "the PNG");
      if (png.colour) warnings.push("colour converted to luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601)");
      return makeLoaded(png.data, png.width, png.height, undefined, {
        path, format, dtype: `uint${png.bitDepth}`, shape: [png.height, png.width], pageCount: 1, warnings,
      });
    }
    case "hdf5": {
      const found = await findHdf5Image(path, { dataset: options.dataset, page: options.page, single: true, fn });
      warnings.push(...found.warnings);
      // for a 3-D dataset, findHdf5Image read only the requested page: shape [1, h, w]
      const what = `dataset "${found.dataset}" (${found.dtype})`;
      const fr = framesOf(fn, path, found.shape, found.data, what);
      const data = frame(fr, 0);
      const stacked = found.fullShape.length === 3;
      return makeLoaded(data, fr.dims[2], fr.dims[1], calibrationOf(found.pixelSize, found.unit, options), {
        path, format, dataset: found.dataset, convention: found.convention, dtype: found.dtype,
        shape: found.fullShape, pageCount: stacked ? found.fullShape[0] : 1, page: stacked ? options.page ?? 0 : undefined, warnings,
      });
    }
  }
}

function countTiffPages(fn: string, path: string, bytes: Uint8Array): number {
  try {
    return tiffPageCount(bytes, path);
  } catch (e) {
    throw ioError(fn, path, (e as Error).message.replace(/^readTiff\("[^"]*"\): /, ""));
  }
}

function makeLoaded(data: Float32Array, width: number, height: number, calibration: Calibration | undefined, source: ImageSource): LoadedImage {
  if (source.page === undefined) delete source.page;
  const img: LoadedImage = { data, width, height, source };
  if (calibration) img.calibration = calibration;
  return img;
}

/**
 * Read every image of a multi-page TIFF, or every frame of a 3-D .npy or
 * HDF5 dataset ([frames, height, width]); a single 2-D image gives a
 * one-element array. Each element is a `LoadedImage` with `source.page` set.
 */
export async function readImageStack(path: string, options: Omit<ReadImageOptions, "page"> = {}): Promise<LoadedImage[]> {
  const fn = "readImageStack";
  const format = sniff(fn, path);
  switch (format) {
    case "npy": {
      const { fr, src } = loadNpyFrames(fn, path);
      return Array.from({ length: fr.dims[0] }, (_, i) =>
        makeLoaded(frame(fr, i), fr.dims[2], fr.dims[1], undefined, { ...src, pageCount: fr.dims[0], page: i, warnings: [] }),
      );
    }
    case "tiff": {
      const bytes = readBytes(fn, path);
      const pages = decodeTiff(bytes, path);
      return pages.map((p, i) => {
        const warnings: string[] = [];
        if (p.width * p.height === 0) throw ioError(fn, path, `page ${i} is ${p.width}×${p.height}: zero-size image`);
        const cal = p.calibration ? calibrationOf(p.calibration.pixelSize, p.calibration.unit, options) : undefined;
        return makeLoaded(tiffPageToPixels(p, warnings), p.width, p.height, cal, {
          path, format, dtype: tiffDtype(p), shape: [p.height, p.width], pageCount: pages.length, page: i, warnings,
        });
      });
    }
    case "png":
      return [await readImage(path, options)];
    case "hdf5": {
      const found = await findHdf5Image(path, { dataset: options.dataset, fn });
      const what = `dataset "${found.dataset}" (${found.dtype})`;
      const fr = framesOf(fn, path, found.shape, found.data, what);
      const cal = calibrationOf(found.pixelSize, found.unit, options);
      return Array.from({ length: fr.dims[0] }, (_, i) =>
        makeLoaded(frame(fr, i), fr.dims[2], fr.dims[1], cal ? { ...cal } : undefined, {
          path, format, dataset: found.dataset, convention: found.convention, dtype: found.dtype,
          shape: found.shape, pageCount: fr.dims[0], page: i, warnings: found.warnings.slice(),
        }),
      );
    }
  }
}
