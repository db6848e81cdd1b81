/**
 * What every atom finder (classical `findAtoms`, deep `findAtomsDeep`)
 * attaches to its table as `parameters`: the settings actually used.
 */
import type { Calibration } from "../image/image";

/** Parameters actually used, and notes, attached to the result as `atoms.parameters`. */
export interface FindAtomsParameters {
  sigma: number;
  spacing: number;
  minDistance: number;
  smoothing: number;
  noise: "poisson" | "gaussian";
  refine: "com" | "gaussian" | false;
  sublatticeMethod: string;
  /** Significance threshold applied by the classical finder (`snr`, or the adaptive default `adaptiveSnr`). */
  snr?: number;
  /** Fisher separation (gap / pooled sd of the log feature) of the intensity split; ≥ 2.5 → intensity split used. */
  sublatticeSeparation: number;
  /** Noise sd of one pixel of the input image (`estimateNoise`, image units). */
  imageNoise: number;
  calibration?: Calibration;
  width: number;
  height: number;
  warnings: string[];
}
