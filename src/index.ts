/**
 * causalscope: machine learning and causal analysis of electron and
 * scanning-probe microscopy data. This file is the table of contents.
 *
 * Conventions (docs/conventions.md): images are row-major Float32Array with
 * `width`, `height`; x = column, y = row, pixels unless a calibration is
 * attached; per-atom descriptors are columnar tables; randomness takes a
 * `seed`; errors name the argument or file and the reason.
 *
 * Two levels:
 * 1. capabilities, one namespace each (`cs.atoms.findAtoms`, ...): every
 *    public function of that capability;
 * 2. the short flat list of verbs the tutorials use (`cs.findAtoms`, ...),
 *    each the same function as in its namespace.
 * Names that moved or were removed in 0.2 are listed in docs/api.md.
 */

// ── 1. Capabilities ─────────────────────────────────────────────────────────
/** Images: the Image type, filters, Fourier transforms. */
export * as image from "./image";
/** Readers and writers of the formats labs and detectors write. */
export * as io from "./io";
/** MIME bundles, charts, progress bars, the kernel bridge. */
export * as display from "./display";
/** Atom finding, refinement with uncertainty, sublattices, local crystallography. */
export * as atoms from "./atoms";
/** Causal discovery, inference and confounding diagnostics over descriptor tables. */
export * as causal from "./causal";
/** 4D-STEM datasets, user-defined functions, virtual detectors, DPC, Bragg disks, strain. */
export * as stem4d from "./stem4d";
/** Synthetic data with ground truth. */
export * as synth from "./synth";
/** Interactive views (atom overlay, causal graph) with static fallbacks. */
export * as show from "./show";
/** The numeric core: seeded random numbers, linear algebra, quantiles, clustering, the worker pool. */
export * as core from "./core";
/** Parsimonious physical laws from observations: SINDy, PDE-FIND, symbolic regression. */
export * as laws from "./laws";
/** Bayesian inference: Gaussian processes (MAP and NUTS), Bayesian optimisation. */
export * as bayes from "./bayes";
/** Scanning-probe microscopy: vendor readers, levelling and row alignment, grains, spectroscopy fits. */
export * as spm from "./spm";
/** Image series: reading, drift registration, atom tracking across frames. */
export * as series from "./series";
/** Phase transitions atom by atom: simulated movies, local phases, transition statistics, nucleation hazard. */
export * as transitions from "./transitions";

// ── 2. Verbs ────────────────────────────────────────────────────────────────
// images and files
export { makeImage } from "./image";
export { readImage, readImageStack, readNpy, writeNpy, readHdf5Dataset } from "./io";
export { readDataset4D } from "./stem4d";
export { readSeries, alignSeries, trackAtoms } from "./series";
// tables
export { table, Table, readTable, writeTable } from "./table";
// display
export { chart, histogram, scatter, heatmap, progress } from "./display";
export { selection } from "./show";
// tensor backend
export { initBackend, backend, tfjs } from "./backend";
// atoms
export { findAtoms, localCrystallography, cramerRaoBound, trainAtomModel } from "./atoms";
// causal
export {
  learnStructure, bootstrap, dag, compareGraphs, fitSEM, doIntervention,
  causalDirection, simpson, partialCorrelations,
} from "./causal";
// 4D-STEM
export { virtualImage, virtualImages, centerOfMass, braggDisks, strainMap, clusterPatterns } from "./stem4d";
// laws
export { sindy, symbolicRegression } from "./laws";
// Bayesian
export { gaussianProcess, bayesianOptimization } from "./bayes";
// scanning-probe microscopy
export { readSPM, levelPlane, alignRows } from "./spm";

// ── Types used across capabilities ──────────────────────────────────────────
export type { Image, Calibration } from "./image";
export type { Graph } from "./causal";
export type { Dataset4D } from "./stem4d";
export type { AtomTable, FindAtomsOptions } from "./atoms";
export type { MimeBundle, Displayable } from "./display";
