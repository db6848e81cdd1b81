/**
 * Showing an `Image` in a notebook: a MIME bundle with an 8-bit greyscale
 * PNG (`image/png`, base64) and a one-line `text/plain` summary (size,
 * calibration, value range, grey-level window, NaN/Inf counts).
 */
import type { Image } from "../image/image";
import { formatNumber } from "./html";
import type { Displayable, MimeBundle } from "./mime";
import { checkGreyLevelArgs, encodeGreyPng, toBase64, toGreyLevels, type GreyLevelOptions, type GreyLevelWindow } from "./png";

/** Options of `imageBundle` / `showImage`. */
export interface ImageDisplayOptions extends GreyLevelOptions {
  /** A title prepended to the text summary. */
  title?: string;
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
  const { levels, window } = toGreyLevels(image, options, "imageBundle");
  return {
    "image/png": toBase64(encodeGreyPng(levels, image.width, image.height)),
    "text/plain": summary(image, window, options.title),
  };
}

/**
 * A displayable view of an image (the `display.image` of causalscope):
 * the last expression of a cell, or `display(showImage(img))`, shows the
 * greyscale picture and its summary. The arguments are checked now, the
 * PNG is made when the kernel asks for the bundle.
 *
 * @example showImage(haadf, { percentile: [0.5, 99.5], title: "HAADF" })
 */
export function showImage(image: Image, options: ImageDisplayOptions = {}): Displayable {
  checkGreyLevelArgs(image, options, "showImage");
  return {
    toMimeBundle: () => imageBundle(image, options),
  };
}
