/**
 * Synthetic microscopy data with ground truth (`cs.synth`). One generator per
 * lattice family, all with the same imaging options (size, σ, dose, background,
 * scan noise, drift, read noise, seed), rotation, origin, dopants and
 * vacancies, and the same ground truth (`SyntheticLattice`: columns present,
 * vacant sites, basis): `square`, `perovskite`, `hexagonal` (honeycomb or
 * triangular), `dumbbell`.
 */
export { rng, applyPoisson, applyGaussianNoise } from "./random";
export type { Rng } from "./random";
export type { ImagingOptions, ColumnSpec } from "./columns";
export { fieldAt } from "./lattice";
export type { DisplacementField, LatticeOptions, TrueSites, TrueAtoms, SyntheticLattice } from "./lattice";
export { square } from "./square";
export type { SquareOptions } from "./square";
export { perovskite } from "./perovskite";
export type { PerovskiteOptions, TrueCells, SyntheticPerovskite } from "./perovskite";
export { hexagonal } from "./hexagonal";
export type { HexagonalOptions } from "./hexagonal";
export { dumbbell } from "./dumbbell";
export type { DumbbellOptions } from "./dumbbell";
export { stem4d } from "./stem4d";
export type { Stem4DOptions, Stem4DTruth, Stem4DStrain } from "./stem4d";
