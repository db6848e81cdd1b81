/**
 * Images to pictures: a linear grey-level map of an `Image` to an 8-bit
 * greyscale PNG (pngjs), the static picture every image bundle carries.
 *
 * Convention: pixel (x, y) of the image becomes PNG pixel (x, y); x is the
 * column, y the row, top-left first (the same as `Image`, see
 * src/image/image.ts), so the PNG is not flipped.
 */
import { PNG } from "pngjs";
import type { Image } from "../image/image";
import { quantilesInPlace } from "../core/select";

/** How image values map to grey levels. */
export interface GreyLevelOptions {
  /** Value shown black (0). Default: the low percentile, or the finite minimum. */
  min?: number;
  /** Value shown white (255). Default: the high percentile, or the finite maximum. */
  max?: number;
  /**
   * Percentiles `[low, high]` in 0..100 of the finite pixel values to use as
   * `min`/`max` when those are not given, e.g. `[0.5, 99.5]` to clip the
   * brightest and darkest 0.5 % (linear interpolation between order
   * statistics, numpy's default `percentile` method).
   */
  percentile?: [number, number];
}

/** The grey-level window actually used, with pixel statistics. */
export interface GreyLevelWindow {
  /** Value mapped to 0. */
  min: number;
  /** Value mapped to 255. */
  max: number;
  /** Smallest and largest finite pixel value (NaN when there is none). */
  dataMin: number;
  dataMax: number;
  /** Number of NaN pixels, and of ±Infinity pixels (both drawn black). */
  nanCount: number;
  infCount: number;
}

function checkImage(image: Image, where: string): void {
  if (!image || !(image.data instanceof Float32Array) || !Number.isInteger(image.width) || !Number.isInteger(image.height)) {
    throw new TypeError(`${where}: image must be an Image { data: Float32Array, width, height }, got ${describe(image)}`);
  }
  if (image.width <= 0 || image.height <= 0) {
    throw new RangeError(`${where}: image is empty (${image.width}×${image.height} pixels); nothing to draw`);
  }
  if (image.data.length !== image.width * image.height) {
    throw new RangeError(`${where}: image.data has ${image.data.length} pixels, width*height = ${image.width * image.height}`);
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v !== "object") return typeof v;
  return `an object with keys [${Object.keys(v as object).join(", ")}]`;
}

/**
 * Percentiles `ps` (0..100) of the finite values, linear interpolation
 * between order statistics (numpy `percentile`, method "linear"): core
 * `quantilesInPlace` on a copy of the `finite` finite values, O(n) expected per percentile.
 */
function percentilesOfFinite(d: Float32Array, finite: number, ps: number[]): number[] {
  const a = new Float32Array(finite);
  let k = 0;
  for (let i = 0; i < d.length; i++) if (Number.isFinite(d[i])) a[k++] = d[i];
  return Array.from(quantilesInPlace(a, ps.map((p) => p / 100)));
}

/**
 * Check an image and grey-level options without looking at the pixels'
 * values; throws naming the argument (`image`, `options.min`, ...) and why.
 */
export function checkGreyLevelArgs(image: Image, options: GreyLevelOptions, where: string): void {
  checkImage(image, where);
  const { min, max, percentile } = options ?? {};
  if (min !== undefined && !Number.isFinite(min)) throw new RangeError(`${where}: options.min must be a finite number, got ${min}`);
  if (max !== undefined && !Number.isFinite(max)) throw new RangeError(`${where}: options.max must be a finite number, got ${max}`);
  if (min !== undefined && max !== undefined && !(max > min)) throw new RangeError(`${where}: options.max (${max}) must be greater than options.min (${min})`);
  if (percentile !== undefined) {
    const ok = Array.isArray(percentile) && percentile.length === 2 && percentile.every((q) => Number.isFinite(q) && q >= 0 && q <= 100) && percentile[0] < percentile[1];
    if (!ok) throw new RangeError(`${where}: options.percentile must be [low, high] with 0 <= low < high <= 100, got ${JSON.stringify(percentile)}`);
  }
}

/**
 * The grey-level window `imageToPng` uses for `image` and `options`: the
 * explicit `min`/`max`, else the percentiles, else the finite range.
 * Cost: O(n) (percentiles by selection on one copy of the finite values).
 */
export function greyLevelWindow(image: Image, options: GreyLevelOptions = {}, where = "greyLevelWindow"): GreyLevelWindow {
  checkGreyLevelArgs(image, options, where);
  const { min, max, percentile } = options;
  const d = image.data;
  let dataMin = Infinity, dataMax = -Infinity, nanCount = 0, infCount = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v !== v) nanCount++;
    else if (v === Infinity || v === -Infinity) infCount++;
    else {
      if (v < dataMin) dataMin = v;
      if (v > dataMax) dataMax = v;
    }
  }
  const finite = d.length - nanCount - infCount;
  if (finite === 0) { dataMin = NaN; dataMax = NaN; }
  let lo = dataMin, hi = dataMax;
  if (percentile && finite > 0 && (min === undefined || max === undefined)) {
    [lo, hi] = percentilesOfFinite(d, finite, percentile);
  }
  return { min: min ?? lo, max: max ?? hi, dataMin, dataMax, nanCount, infCount };
}

/**
 * Map the image's values to 8-bit grey levels: `round(255 * (v - min) /
 * (max - min))`, clamped to 0..255. NaN and ±Infinity become 0 (black); when
 * `max <= min` (a constant image) every finite pixel becomes 0.
 * Returns the levels row-major (one byte per pixel) and the window used.
 */
export function toGreyLevels(image: Image, options: GreyLevelOptions = {}, where = "toGreyLevels"): { levels: Uint8Array; window: GreyLevelWindow } {
  const window = greyLevelWindow(image, options, where);
  const d = image.data;
  const levels = new Uint8Array(d.length);
  const span = window.max - window.min;
  if (span > 0 && Number.isFinite(span)) {
    const scale = 255 / span, lo = window.min;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!Number.isFinite(v)) continue; // NaN, ±Inf → 0
      const g = Math.round((v - lo) * scale);
      levels[i] = g < 0 ? 0 : g > 255 ? 255 : g;
    }
  }
  return { levels, window };
}

/**
 * Encode row-major 8-bit grey levels (`width*height` bytes) as a greyscale
 * PNG (colour type 0, bit depth 8).
 */
export function encodeGreyPng(levels: Uint8Array, width: number, height: number): Uint8Array {
  if (levels.length !== width * height) throw new RangeError(`encodeGreyPng: levels has ${levels.length} bytes, width*height = ${width * height}`);
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(levels.buffer, levels.byteOffset, levels.byteLength);
  const buf = PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * An 8-bit greyscale PNG of `image`: values in [min, max] map linearly to
 * grey levels 0..255 (see `toGreyLevels` for clamping, NaN/Inf and the
 * defaults of `options`). The PNG has the image's width and height in
 * pixels; calibration is not stored in it.
 *
 * @throws RangeError naming `image` when it has zero width or height.
 * @example
 *   const png = imageToPng(img, { percentile: [0.5, 99.5] });
 *   fs.writeFileSync("img.png", png);
 */
export function imageToPng(image: Image, options: GreyLevelOptions = {}): Uint8Array {
  const { levels } = toGreyLevels(image, options, "imageToPng");
  return encodeGreyPng(levels, image.width, image.height);
}

/** Base64 text of bytes (the form Jupyter MIME bundles carry binary data in). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
