/** Synthetic microscopy data with ground truth (exported as `synth`). */
export * from "./random";
