/**
 * FEI / Thermo Fisher TIA: `.ser` data files (magic 49 49 97 01: byte order
 * "II", series id 0x0197) and the `.emi` file beside them (magic 4a 4b 00
 * 02, "JK"), which holds the acquisition's XML description.
 *
 * `.ser` layout (Chris Boothroyd's description, as rosettasciio's `tia`
 * reader reads it): a header (series version 528 with 4-byte offsets, 544
 * with 8-byte ones; data type 0x4122 = 2-D images, 0x4120 = 1-D spectra;
 * total and valid element counts; the offset array's position; the series
 * dimensions with their calibration), then one element per image:
 * calibration (offset, delta, element) for x and y, a data type (1 u8, 2
 * u16, 3 u32, 4 i8, 5 i16, 6 i32, 7 f32, 8 f64; 9/10 complex, refused) and
 * the x, y sizes, then the pixels, x fastest. Rows are returned in
 * rosettasciio's order: row 0 is the LAST row stored (TIA stores the image
 * bottom-up).
 *
 * Units: the `.ser` gives the pixel size in SI units without saying whether
 * metres or 1/metres. As rosettasciio does, the `.emi` decides (its
 * `Mode`: "Diffraction", or STEM with a camera or a diffraction scan, means
 * 1/m); without an `.emi` metres are assumed and a warning says so.
 * Calibrations are converted to nm (×1e9) or 1/nm (÷1e9).
 *
 * Pages: each valid element of the series. Reading an `.emi` reads the
 * `.ser` files named `<name>_<n>.ser` beside it, in order.
 */
import { closeSync, fstatSync, openSync, readSync, readdirSync, existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { FormatReader } from "../reader-types";
import { ioError } from "../util";
import { pagedFile, type EmPage } from "./em-pages";

const TIA_TYPES: Record<number, { size: number; dtype: string }> = {
  1: { size: 1, dtype: "|u1" }, 2: { size: 2, dtype: "<u2" }, 3: { size: 4, dtype: "<u4" }, 4: { size: 1, dtype: "|i1" },
  5: { size: 2, dtype: "<i2" }, 6: { size: 4, dtype: "<i4" }, 7: { size: 4, dtype: "<f4" }, 8: { size: 8, dtype: "<f8" },
};

function readAt(fd: number, at: number, n: number, size: number, fail: (r: string) => Error, what: string): DataView {
  if (!Number.isSafeInteger(at) || at < 0 || at + n > size) throw fail(`truncated: ${what} at byte ${at} (${n} bytes) lies beyond the end of the file (${size} bytes)`);
  const b = new Uint8Array(n);
  readSync(fd, b, 0, n, at);
  return new DataView(b.buffer);
}

/** The parts of an `.emi` description the reader uses, and its experimental description as metadata. */
interface EmiInfo {
  mode?: string;
  camera: boolean;
  description: Record<string, string | number>;
}

/** The first `<ObjectInfo>` XML of an `.emi` file: mode, camera, and the ExperimentalDescription labels (label_unit → value, as rosettasciio names them). */
function readEmi(path: string): EmiInfo {
  const fd = openSync(path, "r");
  let text: string;
  try {
    const size = fstatSync(fd).size;
    const b = Buffer.alloc(size);
    readSync(fd, b, 0, size, 0);
    text = b.toString("latin1");
  } finally {
    closeSync(fd);
  }
  const i = text.indexOf("<ObjectInfo>");
  const j = text.indexOf("</ObjectInfo>", i);
  const xml = i >= 0 && j > i ? text.slice(i, j) : "";
  const description: Record<string, string | number> = {};
  for (const m of xml.matchAll(/<Data><Label>([^<]*)<\/Label><Value>([^<]*)<\/Value><Unit>([^<]*)<\/Unit><\/Data>/g)) {
    const [, label, value, unit] = m;
    const key = unit ? `${label}_${unit}` : label;
    description[key] = unit && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  const acquire = /<AcquireInfo>([\s\S]*?)<\/AcquireInfo>/.exec(xml)?.[1] ?? "";
  return { mode: typeof description.Mode === "string" ? description.Mode : undefined, camera: acquire.includes("<CameraNamePath>"), description };
}

/** The `.emi` beside a `.ser` (`<name>.emi` for `<name>_<n>.ser`), or undefined. */
function emiFor(serPath: string): string | undefined {
  const m = /^(.*)_\d+\.ser$/i.exec(serPath);
  if (!m) return undefined;
  for (const ext of [".emi", ".EMI"]) if (existsSync(m[1] + ext)) return m[1] + ext;
  return undefined;
}

/** The pages of one `.ser` file; `emi` (when known) decides metres or 1/metres. */
function serPages(fn: string, path: string, emiPath: string | undefined): EmPage[] {
  const fail = (r: string) => ioError(fn, path, r);
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const h = readAt(fd, 0, Math.min(size, 4096), size, fail, "the header");
    if (h.byteLength < 30 || h.getUint16(0, true) !== 0x4949 || h.getUint16(2, true) !== 0x0197) throw fail("not a TIA .ser file (expected 49 49 97 01)");
    const version = h.getUint16(4, true);
    const dataType = h.getUint32(6, true);
    const total = h.getUint32(14, true);
    const valid = h.getUint32(18, true);
    const wide = version > 528;
    const offsetArray = wide ? Number(h.getBigUint64(22, true)) : h.getUint32(22, true);
    const ndims = h.getUint32(wide ? 30 : 26, true);
    const dims: { size: number; offset: number; delta: number; element: number; description: string; units: string }[] = [];
    let p = wide ? 34 : 30;
    const text = (at: number, n: number) => String.fromCharCode(...new Uint8Array(h.buffer, at, n));
    for (let d = 0; d < ndims && d < 16; d++) {
      if (p + 28 > h.byteLength) throw fail("truncated or corrupt header: the dimension array runs past it");
      const dl = h.getUint32(p + 24, true);
      if (p + 32 + dl > h.byteLength) throw fail("corrupt header: a dimension description runs past it");
      const ul = h.getUint32(p + 28 + dl, true);
      if (p + 32 + dl + ul > h.byteLength) throw fail("corrupt header: a dimension unit runs past it");
      dims.push({ size: h.getUint32(p, true), offset: h.getFloat64(p + 4, true), delta: h.getFloat64(p + 12, true), element: h.getUint32(p + 20, true), description: text(p + 28, dl), units: text(p + 32 + dl, ul) });
      p += 32 + dl + ul;
    }
    if (dataType === 0x4120) throw fail("the series holds 1-D spectra (TIA data type 0x4120), not images");
    if (dataType !== 0x4122) throw fail(`TIA data type 0x${dataType.toString(16)} is neither 2-D images (0x4122) nor spectra (0x4120) (corrupt header?)`);
    if (valid > total) throw fail(`header says ${valid} valid elements of ${total} (corrupt header)`);
    const ow = wide ? 8 : 4;
    const offs = readAt(fd, offsetArray, valid * ow, size, fail, "the data offset array");
    const emi = emiPath ? readEmi(emiPath) : undefined;
    // metres or 1/metres: rosettasciio's rule (tia._guess_units_from_mode)
    let reciprocal = false;
    const warnings: string[] = [];
    if (!emi || emi.mode === undefined || ndims === 0) {
      if (!emi) warnings.push("no .emi file beside the .ser: the pixel size is taken to be in metres (it may be 1/m for a diffraction pattern)");
      else warnings.push("the .emi gives no Mode: the pixel size is taken to be in metres");
    } else {
      const stack = dims[0].units.length === 0;
      const diffractionScan = dims[0].size > 1 && !stack;
      reciprocal = emi.mode.includes("STEM") ? emi.camera || diffractionScan : emi.mode.includes("Diffraction");
    }
    const pages: EmPage[] = [];
    for (let k = 0; k < valid; k++) {
      const at = wide ? Number(offs.getBigUint64(k * 8, true)) : offs.getUint32(k * 4, true);
      const e = readAt(fd, at, 50, size, fail, `element ${k}`);
      const type = e.getUint16(40, true);
      const w = e.getUint32(42, true);
      const hgt = e.getUint32(46, true);
      if (type === 9 || type === 10) throw fail(`element ${k} holds complex data (TIA data type ${type}): readImage gives real-valued images, complex data is not read`);
      const dt = TIA_TYPES[type];
      if (!dt) throw fail(`element ${k} has TIA data type ${type}, which is not known (corrupt file?)`);
      if (w === 0 || hgt === 0) throw fail(`element ${k} is ${w}×${hgt}: zero-size image`);
      const nbytes = w * hgt * dt.size;
      if (at + 50 + nbytes > size) throw fail(`truncated: element ${k} (${w}×${hgt} ${dt.dtype}) needs bytes ${at + 50}..${at + 50 + nbytes}, the file has ${size}`);
      const dx = e.getFloat64(8, true);
      const dy = e.getFloat64(28, true);
      const axis = (off: number, delta: number, element: number, n: number) => {
        const scale = reciprocal ? delta / 1e9 : delta * 1e9;
        const offset = reciprocal ? (off - element * delta) / 1e9 : (off - element * delta) * 1e9;
        return { size: n, scale, offset, units: reciprocal ? "1/nm" : "nm" };
      };
      const x = axis(e.getFloat64(0, true), dx, e.getUint32(16, true), w);
      const y = axis(e.getFloat64(20, true), dy, e.getUint32(36, true), hgt);
      const pw = warnings.slice();
      if (x.scale !== y.scale) pw.push(`pixels are not square (x ${x.scale} ${x.units}, y ${y.scale} ${y.units}); pixelSize is the x scale`);
      pages.push({
        width: w, height: hgt, pixelSize: x.scale, unit: x.units, dtype: dt.dtype, shape: valid > 1 ? [valid, hgt, w] : [hgt, w], warnings: pw,
        metadata: { seriesVersion: version, element: k, validElements: valid, totalElements: total, axes: [y, x], series: dims, ...(emi ? { emi: emiPath, experimentalDescription: emi.description } : {}) },
        pixels: () => {
          const f2 = openSync(path, "r");
          const b = new Uint8Array(nbytes);
          try {
            readSync(f2, b, 0, nbytes, at + 50);
          } finally {
            closeSync(f2);
          }
          return decodeFlipped(b, dt, w, hgt);
        },
      });
    }
    return pages;
  } finally {
    closeSync(fd);
  }
}

/** Little-endian pixels, x fastest, rows reversed (row 0 = the last row stored, as rosettasciio reads TIA). */
function decodeFlipped(b: Uint8Array, dt: { size: number; dtype: string }, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const kind = dt.dtype[1];
  const s = dt.size;
  for (let r = 0; r < h; r++) {
    const dst = (h - 1 - r) * w;
    for (let c = 0, p = r * w * s; c < w; c++, p += s) {
      out[dst + c] = kind === "f" ? (s === 4 ? dv.getFloat32(p, true) : dv.getFloat64(p, true))
        : kind === "u" ? (s === 1 ? b[p] : s === 2 ? dv.getUint16(p, true) : dv.getUint32(p, true))
        : s === 1 ? dv.getInt8(p) : s === 2 ? dv.getInt16(p, true) : dv.getInt32(p, true);
    }
  }
  return out;
}

export const tiaSerReader: FormatReader = {
  name: "tia-ser",
  description: "an FEI TIA .ser series",
  extensions: [".ser"],
  signature: "49 49 97 01",
  gives: ["image", "stack"],
  sniff: (h) => h.length >= 4 && h[0] === 0x49 && h[1] === 0x49 && h[2] === 0x97 && h[3] === 0x01,
  open: (path, { fn }) => pagedFile(fn, path, "tia-ser", "the TIA series", () => serPages(fn, path, emiFor(path))),
};

export const tiaEmiReader: FormatReader = {
  name: "tia-emi",
  description: "an FEI TIA .emi file (its <name>_<n>.ser files hold the data)",
  extensions: [".emi"],
  signature: '4a 4b 00 02 ("JK")',
  gives: ["image", "stack"],
  sniff: (h) => h.length >= 4 && h[0] === 0x4a && h[1] === 0x4b && h[2] === 0x00 && h[3] === 0x02,
  open: (path, { fn }) =>
    pagedFile(fn, path, "tia-emi", "the TIA files", () => {
      const base = basename(path).replace(/\.emi$/i, "");
      const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const re = new RegExp(`^${escaped}_(\\d+)\\.ser$`, "i");
      const sers = readdirSync(dirname(path) || ".").filter((n) => re.test(n)).sort((a, b) => Number(re.exec(a)![1]) - Number(re.exec(b)![1]));
      if (!sers.length) throw ioError(fn, path, `no ${base}_<n>.ser file beside the .emi: the .emi holds only the description, the pixels are in the .ser files`);
      return sers.flatMap((n) => serPages(fn, join(dirname(path), n), path));
    }),
};
