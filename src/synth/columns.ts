/**
 * Rendering of atomic columns as Gaussian probe-blurred spots, with scan
 * distortions and shot noise; shared by every lattice generator
 * (`lattice.ts`).
 *
 * Image model (what the atom finder and the Cramér–Rao bound assume): the
 * expected count in pixel (x, y) (x = column, y = row, pixel centres at
 * integers) is
 *   μ(x, y) = b + Σ_atoms N_k / (2π σ²) · exp(−((x − s(y) − x_k)² + (y − y_k)²) / (2σ²)),
 * sampled at pixel centres, where N_k is the column's integrated count
 * (electrons per column), σ the probe/column width, b the background per
 * pixel and s(y) a per-row scan shift (jitter). The image is either μ
 * (noiseless) or a Poisson draw from μ.
 */
import { Image } from "../image/image";
import { Rng, applyPoisson, applyGaussianNoise } from "./random";

/** Scan and noise options common to the lattice generators. */
export interface ImagingOptions {
  /** Image width in pixels (default 256). */
  width?: number;
  /** Image height in pixels (default 256). */
  height?: number;
  /** Gaussian probe/column width σ in pixels (default 0.12 × lattice constant). */
  sigma?: number;
  /** Electrons per column of relative intensity 1 (integrated counts). Omit for a noiseless image (then the image holds expected counts for dose 1000). */
  dose?: number;
  /** Background counts per pixel, as a fraction of the peak height of an intensity-1 column (default 0.02). */
  background?: number;
  /** Row-to-row scan jitter: standard deviation of each row's x shift, pixels (default 0). */
  scanNoise?: number;
  /** Linear drift in pixels per row along [x, y] (default [0, 0]); applied to the true positions too. */
  drift?: [number, number];
  /** Additive Gaussian read noise, in counts per pixel (default 0). */
  readNoise?: number;
  /** Physical pixel size to attach as calibration, e.g. { pixelSize: 0.02, unit: "nm" }. */
  calibration?: { pixelSize: number; unit: string };
  /** Random seed (default 0). */
  seed?: number;
}

export interface ColumnSpec {
  x: number;
  y: number;
  /** Integrated counts of this column at dose 1 (relative intensity). */
  intensity: number;
}

/** Check that `options.<name>.fraction` (dopants, vacancies), when given, lies in [0, 1]. */
export function checkFraction(fn: string, name: string, v: { fraction: number } | undefined): void {
  if (v && !(v.fraction >= 0 && v.fraction <= 1)) throw new RangeError(`${fn}: options.${name}.fraction must be in [0, 1], got ${v.fraction}`);
}

export function checkPositive(fn: string, name: string, v: number | undefined, allowZero = false): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || (allowZero ? v < 0 : v <= 0)) throw new RangeError(`${fn}: options.${name} must be a finite number ${allowZero ? ">= 0" : "> 0"}, got ${v}`);
}

/** Apply linear drift to a true position (drift is per row of the scan). */
export function drifted(x: number, y: number, drift: [number, number]): [number, number] {
  return [x + drift[0] * y, y + drift[1] * y];
}

/**
 * Render columns (positions already in image coordinates) into an image of
 * expected counts, then add noise. Returns the image and the per-pixel
 * background used.
 */
export function renderColumns(fn: string, cols: ColumnSpec[], opts: ImagingOptions, sigma: number, r: Rng): { image: Image; background: number; dose: number } {
  const w = opts.width ?? 256, h = opts.height ?? 256;
  if (!Number.isInteger(w) || w < 1 || !Number.isInteger(h) || h < 1) throw new RangeError(`${fn}: options.width and options.height must be positive integers, got ${w}×${h}`);
  checkPositive(fn, "sigma", sigma);
  checkPositive(fn, "dose", opts.dose);
  checkPositive(fn, "background", opts.background, true);
  checkPositive(fn, "scanNoise", opts.scanNoise, true);
  checkPositive(fn, "readNoise", opts.readNoise, true);
  const dose = opts.dose ?? 1000;
  const peak1 = dose / (2 * Math.PI * sigma * sigma);
  const background = (opts.background ?? 0.02) * peak1;
  const shift = new Float64Array(h);
  if (opts.scanNoise) for (let y = 0; y < h; y++) shift[y] = r.normal(0, opts.scanNoise);
  const data = new Float32Array(w * h).fill(background);
  const rad = Math.ceil(5 * sigma) + 2;
  const inv2s2 = 1 / (2 * sigma * sigma);
  for (const c of cols) {
    const amp = (c.intensity * dose) / (2 * Math.PI * sigma * sigma);
    if (amp === 0) continue;
    const y0 = Math.max(0, Math.floor(c.y - rad)), y1 = Math.min(h - 1, Math.ceil(c.y + rad));
    for (let y = y0; y <= y1; y++) {
      const dy = y - c.y, ey = amp * Math.exp(-dy * dy * inv2s2);
      const cx = c.x + shift[y];
      const x0 = Math.max(0, Math.floor(cx - rad)), x1 = Math.min(w - 1, Math.ceil(cx + rad));
      for (let x = x0; x <= x1; x++) { const dx = x - cx; data[y * w + x] += ey * Math.exp(-dx * dx * inv2s2); }
    }
  }
  if (opts.dose !== undefined) applyPoisson(data, r);
  if (opts.readNoise) applyGaussianNoise(data, opts.readNoise, r);
  const image: Image = opts.calibration ? { data, width: w, height: h, calibration: { ...opts.calibration } } : { data, width: w, height: h };
  return { image, background, dose };
}
