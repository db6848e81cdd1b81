/**
 * Atom finding and local crystallography (`cs.atoms`): detection of atomic
 * columns, refinement with per-atom uncertainty, sublattices, lattice bases
 * and per-cell descriptors. Positions are image pixels, x = column, y = row.
 */
export { findAtoms } from "./find";
export type { FindAtomsOptions, FindAtomsParameters, AtomTable } from "./find";
export { estimateSpacing, estimateNoise, detectPeaks } from "./detect";
export type { SpacingEstimate, MotifPair, DetectOptions, Peaks } from "./detect";
export { refineCenterOfMass } from "./refine";
export { splitSublattices } from "./sublattice";
export type { SublatticeSplit } from "./sublattice";
export { matchAtoms } from "./score";
export type { AtomPositions, MatchAtomsOptions, MatchResult } from "./score";
export { cramerRaoBound } from "./crb";
export type { CramerRaoOptions } from "./crb";
export { latticeBasis, latticeBasisFFT, latticeIndices, atomPatches } from "./lattice";
export type { LatticeBasis, LatticeIndices } from "./lattice";
export { localCrystallography } from "./crystallography";
export type { LocalCrystallographyOptions } from "./crystallography";
export { PointGrid, nearestNeighbors } from "./grid";
export { pcaDenoise } from "./pca";
export { findAtomsDeep, trainAtomModel, fineTuneAtomModel, saveAtomModel, loadAtomModel, pretrainedAtomModel, buildUNet } from "./deep";
export type { FindAtomsDeepOptions, FindAtomsDeepParameters, DeepAtomTable, AtomModel, AtomModelInfo, TrainAtomModelOptions, FineTuneOptions, TrainingProgress, UNetOptions, UNetArchitecture } from "./deep";
export { toOnnx, onnxSession } from "./deep/onnx";
export type { ToOnnxOptions, OnnxSession, OnnxSessionOptions } from "./deep/onnx";
