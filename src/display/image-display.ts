/**
 * Showing an `Image` in a notebook: a MIME bundle with an 8-bit greyscale
 * PNG (`image/png`, base64) and a one-line `text/plain` summary (size,
 * calibration, value range, grey-level window, NaN/Inf counts).
 */
import type { Image } from "../image/image";
import { formatNumber } from "./html";
import type { Displayable, MimeBundle } from "./mime";
import { checkGreyLevelArgs, encodeGreyPng, greyLevelWindow, toBase64, toGreyLevels, type GreyLevelOptions, type GreyLevelWindow } from "./png";

/** Options of `imageBundle` / `showImage`. */
export interface ImageDisplayOptions extends GreyLevelOptions {
  /** A title prepended to the text summary. */
  title?: string;
  /**
   * Largest width or height of the PNG, in pixels. A larger image is shown
   * binned by the smallest integer factor that fits (block mean of the
   * finite pixels), so a 8192² frame does not put 60 MB into the notebook;
   * the grey-level window still comes from the full image. Default 2048.
   */
  maxSize?: number;
}

/** The default `maxSize` of `imageBundle`. */
export const IMAGE_DISPLAY_MAX_SIZE = 2048;

/**
 * The image binned by `factor` along x and y (block mean of the finite
 * pixels; a block with none is NaN). Partial blocks at the right and
 * bottom edges average what they hold. O(width·height).
 */
export function binImage(image: Image, factor: number): Image {
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`binImage: factor must be a positive integer, got ${factor}`);
  if (factor === 1) return image;
  const w = Math.ceil(image.width / factor), h = Math.ceil(image.height / factor);
  const sum = new Float64Array(w * h), count = new Uint32Array(w * h);
  const d = image.data;
  for (let y = 0; y < image.height; y++) {
    const row = Math.floor(y / factor) * w;
    for (let x = 0; x < image.width; x++) {
      const v = d[y * image.width + x];
      if (Number.isFinite(v)) { const k = row + Math.floor(x / factor); sum[k] += v; count[k]++; }
    }
  }
  const out = new Float32Array(w * h);
  for (let k = 0; k < out.length; k++) out[k] = count[k] ? sum[k] / count[k] : NaN;
  const cal = image.calibration;
  return cal ? { data: out, width: w, height: h, calibration: { pixelSize: cal.pixelSize * factor, unit: cal.unit } } : { data: out, width: w, height: h };
}

function summary(image: Image, w: GreyLevelWindow, title?: string): string {
  const parts: string[] = [];
  const cal = image.calibration;
  let size = `Image ${image.width}×${image.height} px`;
  if (cal) {
    size += ` (${formatNumber(image.width * cal.pixelSize, 4)}×${formatNumber(image.height * cal.pixelSize, 4)} ${cal.unit}, ${formatNumber(cal.pixelSize, 4)} ${cal.unit}/px)`;
  }
  parts.push(title ? `${title}: ${size}` : size);
  parts.push(Number.isNaN(w.dataMin) ? "no finite values" : `values [${formatNumber(w.dataMin, 4)}, ${formatNumber(w.dataMax, 4)}]`);
  if (!Number.isNaN(w.min) && (w.min !== w.dataMin || w.max !== w.dataMax)) {
    parts.push(`shown [${formatNumber(w.min, 4)}, ${formatNumber(w.max, 4)}]`);
  }
  if (w.nanCount) parts.push(`${w.nanCount} NaN`);
  if (w.infCount) parts.push(`${w.infCount} ±Inf`);
  return parts.join(", ");
}

/**
 * The MIME bundle of an image: `image/png` (base64 greyscale PNG, grey
 * levels as in `imageToPng`) and `text/plain`, e.g.
 * `"Image 512×512 px (25.6×25.6 nm, 0.05 nm/px), values [0, 1.2], 3 NaN"`.
 *
 * @throws RangeError naming `image` when it is empty (zero width or height).
 */
export function imageBundle(image: Image, options: ImageDisplayOptions = {}): MimeBundle {
  const maxSize = checkMaxSize(options.maxSize, "imageBundle");
  const factor = Math.ceil(Math.max(image?.width ?? 0, image?.height ?? 0) / maxSize);
  if (factor <= 1) {
    const { levels, window } = toGreyLevels(image, options, "imageBundle");
    return {
      "image/png": toBase64(encodeGreyPng(levels, image.width, image.height)),
      "text/plain": summary(image, window, options.title),
    };
  }
  // window from the full image, pixels from the binned one
  const window = greyLevelWindow(image, options, "imageBundle");
  const binned = binImage(image, factor);
  const fixed = Number.isFinite(window.min) && window.max > window.min ? { min: window.min, max: window.max } : {};
  const { levels } = toGreyLevels(binned, fixed, "imageBundle");
  return {
    "image/png": toBase64(encodeGreyPng(levels, binned.width, binned.height)),
    "text/plain": `${summary(image, window, options.title)}, shown binned ${factor}×${factor} as ${binned.width}×${binned.height} px`,
  };
}

function checkMaxSize(maxSize: number | undefined, where: string): number {
  if (maxSize === undefined) return IMAGE_DISPLAY_MAX_SIZE;
  if (!Number.isInteger(maxSize) || maxSize < 1) throw new RangeError(`${where}: options.maxSize must be a positive integer, got ${maxSize}`);
  return maxSize;
}

/**
 * A displayable view of an image (`cs.show.image`): the last expression of
 * a cell, or `display(cs.show.image(img))`, shows the
 * greyscale picture and its summary. The arguments are checked now, the
 * PNG is made when the kernel asks for the bundle.
 *
 * @example cs.show.image(haadf, { percentile: [0.5, 99.5], title: "HAADF" })
 */
export function showImage(image: Image, options: ImageDisplayOptions = {}): Displayable {
  checkGreyLevelArgs(image, options, "show.image");
  checkMaxSize(options.maxSize, "show.image");
  return {
    toMimeBundle: () => imageBundle(image, options),
  };
}
