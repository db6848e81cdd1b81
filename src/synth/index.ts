/** Synthetic microscopy data with ground truth (exported as `synth`). */
export * from "./random";
export { stem4d, type Stem4DOptions, type Stem4DTruth, type Stem4DStrain } from "./stem4d";
export * from "./perovskite";
export * from "./hexagonal";
