/**
 * What the electron-microscopy readers (dm, velox, tia, mrc) share: a file
 * is a list of 2-D pages (each image of the file, each frame of a stack),
 * listed from the headers and decoded only when asked for. `readImage`
 * needs `page` when there are several; `readImageStack` gives them all.
 */
import type { Calibration } from "../../image/image";
import type { OpenedFile } from "../reader-types";
import { calibrationOf, checkPage, makeLoaded, type LoadedImage, type ReadImageOptions } from "../image-frames";
import { ioError } from "../util";

/** One 2-D image of a file, decoded on demand. */
export interface EmPage {
  width: number;
  height: number;
  /** The pixels, row-major float32 (x = column, y = row). */
  pixels(): Float32Array;
  /** Pixel size and unit along x (the file's axis calibration), if the file gives one. */
  pixelSize?: number;
  unit?: string;
  /** Stored element type, numpy style ("<u2", ">f4", ...). */
  dtype: string;
  /** Shape of the whole stored array the page belongs to (C order). */
  shape: number[];
  metadata: Record<string, unknown>;
  warnings: string[];
}

/** A calibration for a page: none for a unit-less scale of 1 (DM's "uncalibrated"), else `calibrationOf`. */
function pageCalibration(p: EmPage, options: ReadImageOptions): Calibration | undefined {
  if (p.pixelSize === undefined || (!p.unit && p.pixelSize === 1)) return undefined;
  return calibrationOf(p.pixelSize, p.unit, options);
}

function loaded(path: string, format: string, pages: EmPage[], i: number, options: ReadImageOptions): LoadedImage {
  const p = pages[i];
  const warnings = p.warnings.slice();
  if (p.pixelSize !== undefined && p.pixelSize !== 1 && !p.unit && !options.unit) warnings.push(`the file gives a pixel size (${p.pixelSize}) without a unit; calibration unit left empty (pass { unit } to set it)`);
  return makeLoaded(p.pixels(), p.width, p.height, pageCalibration(p, options), {
    path, format, page: pages.length > 1 ? i : undefined, pageCount: pages.length, dtype: p.dtype, shape: p.shape, metadata: p.metadata, warnings,
  });
}

/**
 * The `image` and `stack` of a reader whose file `list()` turns into pages
 * (`what` names the file's content in errors, e.g. "the DM file").
 */
export function pagedFile(fn: string, path: string, format: string, what: string, list: () => EmPage[]): OpenedFile {
  const pages = (): EmPage[] => {
    const ps = list();
    if (ps.length === 0) throw ioError(fn, path, `${what} holds no 2-D image`);
    return ps;
  };
  return {
    async image(options) {
      const ps = pages();
      return loaded(path, format, ps, checkPage(fn, path, options.page, ps.length, what), options);
    },
    async stack(options) {
      const ps = pages();
      return ps.map((_, i) => {
        const img = loaded(path, format, ps, i, options);
        img.source.page = i;
        return img;
      });
    },
  };
}
