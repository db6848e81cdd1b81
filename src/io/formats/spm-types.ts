/**
 * What `readSPM` returns, for every scanning-probe format.
 *
 * Orientation convention (one for all readers, stated once here): every
 * channel image is row-major with x = column increasing to the right and
 * y = row increasing DOWNWARDS, as the image appears on the instrument's
 * screen with the scan angle not applied. Concretely:
 * - row 0 is the TOP line of the scanned frame, whatever the order the lines
 *   were acquired in (Nanonis `SCAN_DIR=up` files, Igor waves and NanoScope
 *   images store the bottom line first; the readers flip them);
 * - backward (retrace) scans are mirrored so that column x is the same place
 *   on the sample as column x of the forward scan;
 * - the scan angle (degrees, with the vendor's sign: Nanonis measures it
 *   clockwise, as the X/Y positions stored in .3ds grids confirm) is kept in
 *   `metadata.scanAngle` and never applied to the pixels.
 * Lateral lengths are in nanometres: `calibration.pixelSize` is the x
 * spacing in nm (`metadata.scanSize` gives both sides; a non-square pixel
 * adds a warning); channel values keep the units the file states (SI: "m",
 * "A", "V", "Hz", "deg").
 */
import type { Image } from "../../image/image";

/** Scan direction of a channel: trace (forward) or retrace (backward); undefined where the file does not say. */
export type ScanDirection = "forward" | "backward" | undefined;

/** One image channel of an SPM file. */
export interface SPMChannel {
  /** The channel's name as the file gives it ("Z", "HeightRetrace", "Frequency_Shift"). */
  name: string;
  /** Unit of the pixel values ("m", "A", "V", "deg", ""). */
  unit: string;
  direction: ScanDirection;
  /** Pixels in the orientation convention above, with `calibration` (nm per pixel) where the file gives a scan size. */
  image: Image;
}

/** One signal of a spectrum: `values[i]` belongs to `axis.values[i]`. */
export interface SPMSignal {
  name: string;
  unit: string;
  direction: ScanDirection;
  values: Float64Array;
}

/** A point spectrum or force curve: an axis (bias, ramp position, index) and the signals measured along it. */
export interface SPMSpectrum {
  /** Name of the spectrum (e.g. "Deflection Error", "bias spectroscopy"). */
  name: string;
  axis: SPMSignal;
  signals: SPMSignal[];
  /** Where it was taken, in nm, when the file says. */
  position?: { x: number; y: number };
}

/** Grid spectroscopy (Nanonis .3ds): one spectrum per pixel. */
export interface SPMGrid {
  /** Pixels along x and y, and points per spectrum. */
  width: number;
  height: number;
  points: number;
  /** The swept signal (e.g. "Bias", "V") with one value per point. */
  axis: SPMSignal;
  /** Each channel's cube, row-major [row][column][point] in the orientation convention. */
  channels: { name: string; unit: string; data: Float32Array }[];
  /** Per-pixel parameters ("X (m)", "Z (m)", "Sweep Start", ...), each row-major [row][column]. */
  parameters: { name: string; unit: string; data: Float32Array }[];
  /** nm per grid pixel (x spacing), when the file gives the grid size. */
  calibration?: { pixelSize: number; unit: "nm" };
  /**
   * Every swept quantity per point when the spectrum sweeps several (USID band-excitation files: frequency ×
   * DC offset × field ...): `values[i]` and `indices[i]` (the step number) at point i. `axis` is the first.
   */
  dimensions?: { name: string; unit: string; values: Float64Array; indices: Int32Array }[];
}

/** Scan frame size in nm (width along x, height along y). */
export interface ScanSize {
  width: number;
  height: number;
  unit: "nm";
}

/** What every reader states about the file; `header` holds everything else the file says, as it says it. */
export interface SPMMetadata {
  /** The reader's name ("nanonis-sxm", "gwyddion", ...). */
  format: string;
  /** The format or software version the file declares, where it does. */
  version?: string;
  scanSize?: ScanSize;
  /** Scan-frame centre in nm, where the file says. */
  scanOffset?: { x: number; y: number };
  /** Scan angle in degrees as the file states it (never applied to the pixels). */
  scanAngle?: number;
  /** Things the user should know (a unit guessed, non-square pixels, a label repaired). */
  warnings: string[];
  /** The file's own header, keys and values as written (numbers left as text). */
  header: Record<string, unknown>;
}

/** The result of `readSPM`. */
export interface SPMFile {
  channels: SPMChannel[];
  spectra?: SPMSpectrum[];
  grid?: SPMGrid;
  metadata: SPMMetadata;
}
