/** PNG (signature 89 50 4e 47 0d 0a 1a 0a): one 2-D image, greyscale exact, colour as BT.601 luminance. */
import type { FormatReader } from "../reader-types";
import { checkPage, makeLoaded } from "../image-frames";
import { readBytes } from "../npy";
import { decodePng, isPng } from "../png";
import { ioError } from "../util";

export const pngReader: FormatReader = {
  name: "png",
  description: "a PNG image",
  extensions: [".png"],
  signature: "89 50 4e 47 0d 0a 1a 0a",
  gives: ["image", "stack"],
  sniff: (head) => isPng(head),
  open: (path, { fn }) => {
    const image = async (options: { page?: number }) => {
      const png = decodePng(readBytes(fn, path), path);
      if (png.width * png.height === 0) throw ioError(fn, path, `the PNG is ${png.width}×${png.height}: zero-size image`);
      checkPage(fn, path, options.page, 1, "the PNG");
      const warnings = png.colour ? ["colour converted to luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601)"] : [];
      return makeLoaded(png.data, png.width, png.height, undefined, {
        path, format: "png", dtype: `uint${png.bitDepth}`, shape: [png.height, png.width], pageCount: 1, warnings,
      });
    };
    return { image, stack: async () => [await image({})] };
  },
};
