/**
 * Deep-learning atom finding (`cs.atoms.deep` / the `method: "deep"` of
 * `findAtoms`): a U-Net ensemble (AtomAI's architecture and smaller ones)
 * trained on synthetic lattices, with per-atom and per-pixel uncertainty,
 * training and fine-tuning in the notebook, and a documented file format.
 */
export { findAtomsDeep } from "./find";
export type { FindAtomsDeepOptions, FindAtomsDeepParameters, DeepAtomTable } from "./find";
export { trainAtomModel, fineTuneAtomModel, saveAtomModel, loadAtomModel } from "./model";
export type { AtomModel, AtomModelInfo, TrainAtomModelOptions, FineTuneOptions, TrainingProgress, AtomPositions } from "./model";
export { pretrainedAtomModel } from "./pretrained";
export { buildUNet } from "./unet";
export type { UNetOptions, UNetConfig, UNetArchitecture } from "./unet";
export type { TrainingLattice, AugmentOptions } from "./data";
