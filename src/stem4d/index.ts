/**
 * 4D-STEM: datasets streamed from memory or disk, user-defined functions
 * (process + merge, streaming, worker threads), virtual detectors, centre of
 * mass and DPC, Bragg disks and strain, decomposition and clustering.
 */
export * from "./dataset";
export * from "./udf";
export * from "./analyses";
export * from "./dpc";
export { parseDType, type DType } from "./dtype";
export * from "./writer";
export * from "./bragg";
export * from "./strain";
export * from "./decompose";
export { writeHdf5_4D } from "./hdf5";
