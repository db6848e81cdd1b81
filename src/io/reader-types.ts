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

/** Options a 4-D reader may use (a subset of `ReadDataset4DOptions`). */
export interface Frames4DOptions {
  /** HDF5: the dataset's path inside the file. */
  dataset?: string;
  /** [rows, cols] of the scan (needed by 3-D data and headerless formats). */
  scanShape?: [number, number];
  /** [ky, kx] of the detector (headerless formats). */
  detShape?: [number, number];
  /** Element type of headerless formats ("uint16", "<f4", ...). */
  dtype?: string;
  /** Headerless formats: bytes before the first frame. */
  offset?: number;
  /** Headerless formats: bytes before each frame's pixels. */
  frameHeader?: number;
  /** Headerless formats: bytes after each frame's pixels. */
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
  open(path: string, options: { fn: string; size: number }): OpenedFile | Promise<OpenedFile>;
}

