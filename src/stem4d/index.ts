/**
 * 4D-STEM (`cs.stem4d`): datasets streamed from memory or disk, user-defined
 * functions (process + merge, streaming, worker threads, a cluster of
 * machines through BullMQ on Redis), virtual detectors,
 * centre of mass and DPC, Bragg disks and strain, decomposition and
 * clustering. Scan positions: x = scan column, y = scan row; detector
 * positions kx = column, ky = row, in pixels unless calibrated.
 */
export { Dataset4D, dataset4D, readDataset4D } from "./dataset";
export type { Calibration4D, ReadDataset4DOptions } from "./dataset";
export { runUDF, runUDFs } from "./udf";
export type { UDF, RunOptions, DatasetMeta, BufferSpec, ProcessFn, RawFrames, RawProcessFn } from "./udf";
export { connectCluster } from "./cluster/client";
export type { Cluster, ClusterOptions, ClusterRunInfo } from "./cluster/client";
export {
  scanImage, detectorImage, meanPattern, maxPattern, meanPatternUDF, maxPatternUDF,
  detectorMask, virtualImage, virtualImages, virtualImageUDF, centerOfMassUDF,
} from "./analyses";
export type { Detector } from "./analyses";
export { centerOfMass, descanCorrect, fitPlane, rotateField, curl, ddpc, dpcRotation, idpc } from "./dpc";
export type { CenterOfMassOptions, CenterOfMassResult } from "./dpc";
export { braggDisks, braggDisksUDF, braggDisksInPattern, braggVectorMap } from "./bragg";
export type { BraggDiskOptions, BraggDisks } from "./bragg";
export { guessLattice, fitLattice, strainMap, latticeFitReport, LATTICE_STATUS } from "./strain";
export type { Lattice, LatticeFit, FitLatticeOptions, StrainReference, StrainMapResult } from "./strain";
export { patternPCA, patternNMF, clusterPatterns } from "./decompose";
export type { FeatureOptions, PCAResult, NMFResult, ClusterResult } from "./decompose";
export { writeNpy4D } from "./writer";
export type { WriteNpyOptions } from "./writer";
export { writeHdf5_4D } from "./hdf5";
