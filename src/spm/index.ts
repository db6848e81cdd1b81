/**
 * Scanning-probe microscopy (`cs.spm`): `readSPM` for the vendors' formats
 * (one orientation convention, stated in src/io/formats/spm-types.ts);
 * corrections with Gwyddion's names and semantics, each returning
 * `{ image, removed }` (./level.ts); grid spectroscopy maps (./grid.ts);
 * band-excitation SHO fits (./sho.ts) and hysteresis-loop fits (./loop.ts).
 */
export { readSPM } from "./read";
export { levelPlane, levelPolynomial, levelFacets, levelThreePoints, alignRows, removeScars, zeroMinimum, baseLevel } from "./level";
export type { Corrected, Masking, MaskOptions, PolynomialOptions, FacetOptions, AlignMethod, AlignRowsOptions, ScarOptions, BaseLevelOptions } from "./level";
export { measureScanDrift, correctScanDrift, measureDriftCurve, correctDriftCurve, measureRowDrift, correctRowDrift } from "./drift";
export type { SlowScan, ScanDriftOptions, ScanDrift, CorrectScanDriftOptions, DriftCorrected, DriftCurveOptions, DriftCurve, DriftTrace, CorrectDriftCurveOptions, RowDriftOptions, RowDrift } from "./drift";
export { applyScanAngle } from "./angle";
export type { LabImage } from "./angle";
export { gridMap, gridSpectrum, beResponse, normalizedConductance } from "./grid";
export { fitSHO, shoResponse } from "./sho";
export { loopModel, fitLoops } from "./loop";
export { otsuThreshold, labelGrains, markGrains, watershedGrains, grainStatistics } from "./grains";
export type { Grains, Connectivity, MarkGrainsOptions, WatershedOptions } from "./grains";
export { measureLattice } from "./lattice";
export type { LatticeMeasurement } from "./lattice";
export type { LoopCoefficients, FitLoopOptions, LoopFit } from "./loop";
export type { SHOParameters, BEResponse, FitSHOOptions, SHOFit } from "./sho";
export type { SPMFile, SPMChannel, SPMSpectrum, SPMSignal, SPMGrid, SPMMetadata, ScanSize, ScanDirection } from "../io/formats/spm-types";
