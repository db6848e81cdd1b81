/**
 * Readers and writers: .npy, TIFF, PNG, HDF5 (Berkeley EMD, HyperSpy,
 * atomap), with `readImage` choosing the reader from the file's content.
 */
export { readImage, readImageStack, detectFormat } from "./read-image";
export type { ImageFormat, ImageSource, LoadedImage, ReadImageOptions } from "./read-image";
export { readNpy, writeNpy, encodeNpy, npyHeader, fortranToC } from "./npy";
export type { NpyArray, NpyHeader, ReadNpyOptions, NpyWriteDtype } from "./npy";
export { readHdf5Dataset, readHdf5Attrs, listHdf5, findHdf5Image, openHdf5 } from "./hdf5";
export type { Hdf5Dataset, Hdf5Entry, Hdf5Image, Hdf5Convention, Hdf5Reader, ReadHdf5Options } from "./hdf5";
export { readTiff, decodeTiff, tiffPageCount } from "./tiff";
export type { TiffPage } from "./tiff";
export { readPng, decodePng, LUMA_WEIGHTS } from "./png";
export type { PngImage } from "./png";
export { IOFormatError, halfToFloat } from "./util";
