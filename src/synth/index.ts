/** Synthetic microscopy data with ground truth (`cs.synth`). */
export { rng, applyPoisson, applyGaussianNoise } from "./random";
export type { Rng } from "./random";
export type { ImagingOptions, ColumnSpec } from "./columns";
export { perovskite, fieldAt } from "./perovskite";
export type { DisplacementField, PerovskiteOptions, TrueAtoms, TrueCells, SyntheticLattice, SyntheticPerovskite } from "./perovskite";
export { hexagonal } from "./hexagonal";
export type { HexagonalOptions } from "./hexagonal";
export { stem4d } from "./stem4d";
export type { Stem4DOptions, Stem4DTruth, Stem4DStrain } from "./stem4d";
