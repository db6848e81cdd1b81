/** TIFF and BigTIFF ("II*\0", "MM\0*", version 43 for BigTIFF): every page as a 2-D image. */
import type { FormatReader } from "../reader-types";
import { calibrationOf, checkPage, makeLoaded, type ReadImageOptions } from "../image-frames";
import { readBytes } from "../npy";
import { LUMA_WEIGHTS } from "../png";
import { decodeTiff, isTiff, jpkTiffVersion, tiffPageCount, type TiffPage } from "../tiff";
import { ioError, toFloat32 } from "../util";

function pixels(page: TiffPage, warnings: string[]): Float32Array {
  const spp = page.samplesPerPixel;
  if (page.photometric === 0) warnings.push("PhotometricInterpretation is WhiteIsZero: values are as stored (not inverted), as tifffile reads them");
  if (page.photometric === 3) warnings.push("palette TIFF: values are palette indices, not colours");
  if (spp === 1) return toFloat32(page.data as ArrayLike<number>);
  const n = page.width * page.height;
  const out = new Float32Array(n);
  const d = page.data as ArrayLike<number>;
  if (page.photometric === 2 && spp >= 3) {
    const [wr, wg, wb] = LUMA_WEIGHTS;
    for (let i = 0; i < n; i++) {
      const r = d[i * spp];
      const g = d[i * spp + 1];
      const b = d[i * spp + 2];
      out[i] = r === g && g === b ? r : wr * r + wg * g + wb * b;
    }
    warnings.push(`RGB converted to luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601)`);
  } else {
    for (let i = 0; i < n; i++) out[i] = d[i * spp];
    warnings.push(`${spp} samples per pixel (photometric ${page.photometric}): the first sample is used`);
  }
  return out;
}

function loaded(fn: string, path: string, p: TiffPage, i: number, count: number, options: ReadImageOptions) {
  if (p.width * p.height === 0) throw ioError(fn, path, `page ${i} is ${p.width}×${p.height}: zero-size image, no pixels to read`);
  const warnings: string[] = [];
  const data = pixels(p, warnings);
  const cal = p.calibration ? calibrationOf(p.calibration.pixelSize, p.calibration.unit, options) : undefined;
  return makeLoaded(data, p.width, p.height, cal, {
    path, format: "tiff", dtype: `${p.sampleFormat}${p.bitsPerSample}`,
    shape: p.samplesPerPixel > 1 ? [p.height, p.width, p.samplesPerPixel] : [p.height, p.width],
    pageCount: count, page: count > 1 ? i : undefined, warnings,
  });
}

/** The file's bytes, refused when they are a JPK TIFF (its pixels are raw counts without JPK's scaling). */
function plainTiffBytes(fn: string, path: string): Uint8Array {
  const bytes = readBytes(fn, path);
  let jpk: string | undefined;
  try {
    jpk = jpkTiffVersion(bytes, path);
  } catch (e) {
    throw ioError(fn, path, (e as Error).message.replace(/^readTiff\("[^"]*"\): /, ""));
  }
  if (jpk !== undefined) {
    throw ioError(fn, path, `a JPK Instruments TIFF (JPK software ${jpk}): its channels are raw integers scaled by JPK's private calibration tags, which causalscope does not decode, so no pixel values are returned; open it in Gwyddion (jpkscan) or JPK Data Processing and save it as .gwy or a calibrated TIFF`);
  }
  return bytes;
}

export const tiffReader: FormatReader = {
  name: "tiff",
  description: "a TIFF image",
  extensions: [".tif", ".tiff"],
  signature: "49 49 2a 00 / 4d 4d 00 2a, or 2b for BigTIFF",
  gives: ["image", "stack"],
  sniff: (head) => isTiff(head),
  open: (path, { fn }) => ({
    async image(options) {
      const bytes = plainTiffBytes(fn, path);
      let count: number;
      try {
        count = tiffPageCount(bytes, path);
      } catch (e) {
        throw ioError(fn, path, (e as Error).message.replace(/^readTiff\("[^"]*"\): /, ""));
      }
      const page = checkPage(fn, path, options.page, count, "the TIFF");
      const [p] = decodeTiff(bytes, path, [page]);
      return loaded(fn, path, p, page, count, options);
    },
    async stack(options) {
      const pages = decodeTiff(plainTiffBytes(fn, path), path);
      return pages.map((p, i) => {
        const img = loaded(fn, path, p, i, pages.length, options);
        img.source.page = i;
        img.source.shape = [p.height, p.width];
        return img;
      });
    },
  }),
};
