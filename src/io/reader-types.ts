/**
 * The shape of a reader in the registry (src/io/registry.ts explains how
 * readers are chosen and how to add one). Kept apart from the registry so a
 * format's file imports these types without importing the registry.
 */
import type { Calibration4D, FrameSource } from "./frames4d";
import type { LoadedImage, ReadImageOptions } from "./image-frames";

/** What a reader can give: one 2-D image, an image series, the frames of a 4-D dataset. */
export type Want = "image" | "stack" | "frames4D";

/** The file being sniffed: its path, length and a reader of further bytes. */
export interface SniffFile {
  path: string;
  /** Length of the file in bytes. */
  size: number;
  /** Read `length` bytes at `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Uint8Array;
}

/** Options a 4-D reader may use (`readDataset4D` adds `format` and `calibration`). */
export interface Frames4DOptions {
  /** HDF5: path of the 4-D dataset inside the file; default: found automatically (py4DSTEM / EMD layouts). */
  dataset?: string;
  /** [rows, cols]: required for raw files and for 3-D arrays (N, ky, kx); reshapes a 4-D array with the same frame count. */
  scanShape?: [number, number];
  /** [ky, kx]: required for raw files; checked against the file's detector otherwise. */
  detShape?: [number, number];
  /** Element type of a raw file ("uint16", "<f4", ...). */
  dtype?: string;
  /** Raw files: bytes before the first frame (file header). Default 0. */
  offset?: number;
  /** Raw files: bytes before each frame's pixels (per-frame header). Default 0. */
  frameHeader?: number;
  /** Raw files: bytes after each frame's pixels (per-frame footer, e.g. EMPAD's 2 extra rows). Default 0. */
  frameFooter?: number;
}

/** What a 4-D reader gives: the frames, the stored shape ([rows, cols, ky, kx] or [N, ky, kx]) and a calibration. */
export interface Frames4D {
  source: FrameSource;
  shape: number[];
  calibration: Calibration4D;
  /** Where in the file, for messages (e.g. `dataset "/data/x/data"`). */
  what: string;
}

/** What an opened file can give (each optional: a format gives what it holds). */
export interface OpenedFile {
  image?(options: ReadImageOptions): Promise<LoadedImage>;
  stack?(options: Omit<ReadImageOptions, "page">): Promise<LoadedImage[]>;
  frames4D?(options: Frames4DOptions): Promise<Frames4D>;
}

/** One file format; see the module comment. */
export interface FormatReader {
  readonly name: string;
  readonly description: string;
  readonly extensions: readonly string[];
  readonly signature: string;
  readonly gives: readonly Want[];
  sniff(head: Uint8Array, file: SniffFile): boolean;
  /** Formats stored as a directory (a Zarr store): true when the directory at `path` is one. */
  sniffDirectory?(path: string): boolean;
  open(path: string, options: { fn: string; size: number }): OpenedFile | Promise<OpenedFile>;
}

