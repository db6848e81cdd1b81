/**
 * How values display in the kernel: a value's own bundle (`toMimeBundle()` /
 * `MIME_BUNDLE`), else a picture for a plain `Image` object (which, being
 * plain data, carries no method). Installed on globalThis under
 * `DISPLAY_FORMATTER` when the library loads, so that a cell ending in an
 * image shows the image rather than its Float32Array.
 */
import { isImage } from "../image/image";
import { imageBundle } from "./image-display";
import { DISPLAY_FORMATTER, MimeBundle, mimeBundleOf } from "./mime";

/** The bundle `value` displays as, or undefined when it has no rich form (the kernel then shows `text/plain`). */
export async function displayBundle(value: unknown): Promise<MimeBundle | undefined> {
  const own = await mimeBundleOf(value);
  if (own) return own;
  if (isImage(value)) return imageBundle(value);
  return undefined;
}

(globalThis as Record<symbol, unknown>)[DISPLAY_FORMATTER] = displayBundle;
