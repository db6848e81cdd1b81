/**
 * Scanning-probe microscopy (`cs.spm`): readers for the vendors' formats
 * (one orientation convention, stated in src/io/formats/spm-types.ts) and Gwyddion-style
 * corrections.
 */
export { readSPM } from "./read";
export type { SPMFile, SPMChannel, SPMSpectrum, SPMSignal, SPMGrid, SPMMetadata, ScanSize, ScanDirection } from "../io/formats/spm-types";
