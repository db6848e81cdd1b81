/**
 * causalscope: machine learning and causal analysis of electron and
 * scanning-probe microscopy data. One folder per capability; this file only
 * re-exports their public API (one line per capability).
 */
export * from "./image";
export * from "./io";
export * from "./display";
export * from "./table";
export * from "./backend";
export * as synth from "./synth";
export * from "./stem4d";
export * as show from "./show";
export { selection } from "./show";
export * from "./atoms";
export * from "./causal";
