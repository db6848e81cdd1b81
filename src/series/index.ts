/**
 * Image series: the `Series` type (frames × height × width, time stamps,
 * calibration, frames read lazily), readers for multi-page TIFF, 3-D .npy,
 * HDF5/EMD/HyperSpy stacks and folders of images, rigid drift correction by
 * sub-pixel phase correlation, and linking of per-frame atom tables into
 * trajectories with appearance/disappearance events.
 */
export { makeSeries } from "./series";
export type { Series, MakeSeriesOptions } from "./series";
export { readSeries } from "./read";
export type { ReadSeriesOptions } from "./read";
export { alignSeries, phaseCorrelation, fourierShift } from "./register";
export type { AlignSeriesOptions, AlignedSeries, PhaseCorrelation, PhaseCorrelationOptions } from "./register";
export { trackAtoms, trackEvents } from "./track";
export type { FrameAtoms, TrackAtomsOptions } from "./track";
