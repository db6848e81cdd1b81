/**
 * `readSPM`: every channel, spectrum and header value of a scanning-probe
 * file, with the reader chosen by content through the shared registry.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { readers, sniffReader } from "../io/registry";
import { ioError } from "../io/util";
import { isSPMReader, parseFile } from "../io/formats/spm-common";
import { readUSID } from "../io/formats/spm-usid";
import type { SPMFile } from "../io/formats/spm-types";

/**
 * Read a scanning-probe file: Nanonis .sxm (images), .3ds (grid
 * spectroscopy) and .dat (point spectra); Gwyddion .gwy; Igor/Asylum .ibw
 * (v5); Bruker NanoScope (images and force curves, v5–v9 headers); Createc
 * .VERT (point spectra); band-excitation / BEPS HDF5 in pycroscopy's USID
 * layout (into `grid`; see src/io/formats/spm-usid.ts and `beResponse`). The format is recognised from the content (magic
 * bytes and header), never from the extension.
 *
 * Returns `{ channels, spectra?, grid?, metadata }`: each channel has its
 * `name`, `unit`, scan `direction` ("forward" | "backward" | undefined) and an
 * `image` in the one orientation convention of all readers (x = column to the
 * right, y = row downwards, row 0 the top line, backward scans mirrored to
 * match forward, scan angle in `metadata.scanAngle`, not applied), calibrated
 * in nm per pixel when the file gives a scan size (`metadata.scanSize`, nm).
 * `metadata.header` keeps everything else the file says. See src/io/formats/spm-types.ts.
 *
 * Cost: O(file size); .sxm images are read plane by plane straight into
 * their arrays, other formats are read into memory whole first.
 * Errors (truncated, corrupt, unknown format) name the file and the reason.
 *
 * @example
 *   const f = await readSPM("../shared/data/spm/nanonis_Image_445.sxm");
 *   f.channels.map((c) => `${c.name} ${c.direction}`); // ["Z forward", "Z backward", ...]
 *   f.channels[0].image.calibration; // { pixelSize: 0.02083, unit: "nm" }
 */
export async function readSPM(path: string): Promise<SPMFile> {
  const fn = "readSPM";
  if (typeof path !== "string") throw new TypeError(`readSPM(path): path must be a file path (string), got ${typeof path}`);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw ioError(fn, path, `cannot open: ${(e as Error).message}`);
  }
  let reader;
  try {
    const size = fstatSync(fd).size;
    if (size === 0) throw ioError(fn, path, "the file is empty (0 bytes)");
    const read = (offset: number, length: number): Uint8Array => {
      const n = Math.max(0, Math.min(length, size - offset));
      const b = new Uint8Array(n);
      if (n > 0) readSync(fd, b, 0, n, offset);
      return b;
    };
    reader = sniffReader(read(0, 512), { path, size, read });
  } finally {
    closeSync(fd);
  }
  if (reader?.name === "hdf5") return readUSID(fn, path);
  const spm = readers().filter(isSPMReader);
  if (!reader || !isSPMReader(reader)) {
    throw ioError(fn, path, `${reader ? `the file is ${reader.description} (${reader.name}), not a scanning-probe format` : "unknown file format"}; scanning-probe formats: ${spm.map((r) => `${r.name} (${r.signature})`).join(", ")}, usid (HDF5)`);
  }
  return parseFile(reader, fn, path);
}
