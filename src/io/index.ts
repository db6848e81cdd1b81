/**
 * Readers and writers: .npy, TIFF, PNG, HDF5 (Berkeley EMD, HyperSpy,
 * atomap, Velox EMD; compressed chunks decoded by our own filters or
 * refused), DigitalMicrograph .dm3/.dm4, TIA .ser/.emi, MRC, and the
 * scanning-probe formats of `cs.spm`, with `readImage`, `readImageStack` and `readDataset4D` choosing
 * the reader from the file's content through one registry (`readers`,
 * `registerReader`).
 */
export { readImage, readImageStack, detectFormat } from "./read-image";
export { registerReader, readers } from "./registry";
export type { FormatReader, OpenedFile, SniffFile, Frames4D, Frames4DOptions, Want } from "./registry";
export { ChunkSource } from "./frames4d";
export type { ChunkSpec, FrameSource, Calibration4D } from "./frames4d";
export { parseDType } from "./dtype";
export type { DType } from "./dtype";
export type { ImageFormat, ImageSource, LoadedImage, ReadImageOptions } from "./read-image";
export { readNpy, writeNpy, encodeNpy, npyHeader, npyHeaderBytes, fortranToC } from "./npy";
export { parseElementType } from "./dtype";
export type { ElementType } from "./dtype";
export type { NpyArray, NpyHeader, ReadNpyOptions, NpyWriteDtype } from "./npy";
export { readHdf5Dataset, readHdf5Attrs, listHdf5, findHdf5Image, openHdf5 } from "./hdf5";
export type { Hdf5Dataset, Hdf5Entry, Hdf5Image, Hdf5Convention, Hdf5Reader, ReadHdf5Options } from "./hdf5";
export { readTiff, decodeTiff, tiffPageCount } from "./tiff";
export type { TiffPage } from "./tiff";
export { readPng, decodePng, LUMA_WEIGHTS } from "./png";
export type { PngImage } from "./png";
export { IOFormatError, halfToFloat } from "./util";
