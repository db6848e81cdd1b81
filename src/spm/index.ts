/**
 * Scanning-probe microscopy (`cs.spm`): readers for the vendors' formats
 * (one orientation convention, stated in src/io/formats/spm-types.ts) and
 * corrections with Gwyddion's names and semantics, each returning
 * `{ image, removed }` (src/spm/level.ts).
 */
export { readSPM } from "./read";
export { levelPlane, levelPolynomial, alignRows, removeScars, zeroMinimum } from "./level";
export type { Corrected, Masking, MaskOptions, PolynomialOptions, AlignMethod, AlignRowsOptions, ScarOptions } from "./level";
export { gridMap, gridSpectrum } from "./grid";
export { fitSHO, shoResponse } from "./sho";
export { loopModel, fitLoops } from "./loop";
export type { LoopCoefficients, FitLoopOptions, LoopFit } from "./loop";
export type { SHOParameters, BEResponse, FitSHOOptions, SHOFit } from "./sho";
export type { SPMFile, SPMChannel, SPMSpectrum, SPMSignal, SPMGrid, SPMMetadata, ScanSize, ScanDirection } from "../io/formats/spm-types";
