/**
 * What every 2-D reader shares once the array is read: the `LoadedImage`
 * type and its `source` record, reduction of an array of any rank to frames
 * [frames, height, width], page checks, calibration, float32 conversion.
 */
import type { Calibration, Image } from "../image/image";
import { NumericArray, ioError, shapeSize, toFloat32 } from "./util";

/** A format name: "npy", "tiff", "png", "hdf5", or the `name` of a registered reader. */
export type ImageFormat = "npy" | "tiff" | "png" | "hdf5" | (string & {});

/** Where a loaded image came from (kept on the image as `source`). */
export interface ImageSource {
  /** The path as given. */
  path: string;
  /** The reader that read it (see `readers()`). */
  format: ImageFormat;
  /** HDF5: the dataset read, e.g. "/Experiments/__unnamed__/data". */
  dataset?: string;
  /**
   * HDF5: how the dataset was found — "option" (the `dataset` option),
   * "emd" (Berkeley EMD), "hyperspy", "atomap" (Atom_Lattice `image_data0`)
   * or "first-numeric" (first numeric dataset with ≥ 2 axes).
   */
  convention?: "option" | "emd" | "hyperspy" | "atomap" | "first-numeric";
  /** Index of the page (TIFF) or of the first-axis frame (3-D arrays), when one was picked. */
  page?: number;
  /** Multi-channel formats (scanning-probe files): the channel read, e.g. "Z" or "Z backward". */
  channel?: string;
  /** Number of pages/frames in the file. */
  pageCount: number;
  /** Stored element type, numpy style ("<f2", "|u1", ...) or "uint16" etc. for TIFF/PNG. */
  dtype: string;
  /** Shape of the whole stored array (C order). */
  shape: number[];
  /**
   * Electron-microscopy formats: what the file says about the image, as
   * JSON-compatible values (DigitalMicrograph image tags, Velox metadata,
   * TIA/MRC header fields, every axis's calibration).
   */
  metadata?: Record<string, unknown>;
  /** Things the user should know (missing units, non-square pixels, colour converted). */
  warnings: string[];
}

/** An `Image` plus where it came from. */
export interface LoadedImage extends Image {
  source: ImageSource;
}

/** Options of `readImage` (and, without `page`, `readImageStack`). */
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
  /**
   * Multi-channel formats (scanning-probe files, see `readSPM`): the channel
   * to read by name ("Z" gives the forward scan where both exist; "Z backward"
   * the retrace). Required when the file holds more than one channel.
   */
  channel?: string;
}

/** An array of any rank reduced to frames of [height, width]. */
export interface Frames {
  data: NumericArray;
  /** [frames, height, width] */
  dims: [number, number, number];
}

/** View `data` of `shape` as frames [frames, height, width] (leading axes of length 1 dropped); throws for other ranks and zero sizes. */
export function framesOf(fn: string, path: string, shape: number[], data: NumericArray, what: string): Frames {
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
  if (data.length !== shapeSize(shape)) {
    throw ioError(fn, path, `${what}: read ${data.length} values for shape [${shape.join(", ")}] (${shapeSize(shape)} values)`);
  }
  return s.length === 2 ? { data, dims: [1, s[0], s[1]] } : { data, dims: [s[0], s[1], s[2]] };
}

/** Frame `i` as float32 pixels (a copy for a frame of a float32 stack, so each image owns its pixels). */
export function frame(fr: Frames, i: number): Float32Array {
  const [, h, w] = fr.dims;
  const n = h * w;
  const part = fr.dims[0] === 1 ? fr.data : (fr.data.subarray(i * n, (i + 1) * n) as NumericArray);
  const f = toFloat32(part as ArrayLike<number>);
  return fr.dims[0] !== 1 && f === (part as unknown) ? f.slice() : f;
}

/** The page to read: `page` checked against `count`; required when count > 1. */
export function checkPage(fn: string, path: string, page: number | undefined, count: number, what: string): number {
  if (page === undefined) {
    if (count === 1) return 0;
    throw ioError(fn, path, `${what} holds ${count} images; pass { page: i } with 0 ≤ i < ${count}, or use readImageStack`);
  }
  if (!Number.isInteger(page) || page < 0 || page >= count) {
    throw ioError(fn, path, `page ${page} does not exist: ${what} holds ${count} image${count === 1 ? "" : "s"} (pages 0..${count - 1})`);
  }
  return page;
}

/** A calibration from a pixel size and unit, or undefined when the size is not a positive finite number. */
export function calibrationOf(pixelSize: number | undefined, unit: string | undefined, options: ReadImageOptions): Calibration | undefined {
  if (pixelSize === undefined || !(pixelSize > 0) || !Number.isFinite(pixelSize)) return undefined;
  return { pixelSize, unit: unit || options.unit || "" };
}

/** Assemble a `LoadedImage` (drops an undefined `page`). */
export function makeLoaded(data: Float32Array, width: number, height: number, calibration: Calibration | undefined, source: ImageSource): LoadedImage {
  if (source.page === undefined) delete source.page;
  const img: LoadedImage = { data, width, height, source };
  if (calibration) img.calibration = calibration;
  return img;
}
