/**
 * WSxM (Nanotec) images: `.top` (topography), `.stp`, `.tom` and the other
 * per-channel files WSxM writes (one channel per file), read as Gwyddion's
 * wsxmfile module (the reference implementation) reads them:
 * - magic: "WSxM file copyright …" then a line "SxM Image file" (curve
 *   files, "IV curve file" etc., are not images and are not taken);
 * - an ASCII header of `[Section]` blocks of `Key: value` lines ([Control]
 *   X/Y Amplitude = scan size with unit; [General Info] Number of columns /
 *   rows, Z Amplitude with unit, Image Data Type double | float | integer |
 *   short, int16 when absent; optional Acquisition channel and X scanning
 *   direction); the data start after the "[Header end]\r\n" line (not at
 *   "Image header size", which some programs miscalculate);
 * - little-endian values, stored last pixel first (the image rotated by
 *   180°): reversed here so row 0 is the top line, column 0 the left;
 * - values scaled so that max − min spans the Z Amplitude (every data type,
 *   as Gwyddion does; for float/double files whose Z Amplitude is their
 *   range, as WSxM and Gwyddion write them, this leaves the values as
 *   stored); "Pi" means units of π (converted to rad), "a.u." unitless.
 * No Python reader of WSxM installs here; tests write files byte by byte
 * from this description and check every value.
 */
import { ioError } from "../util";
import type { SPMFile, SPMMetadata } from "./spm-types";
import { calibrated, indexOfAscii, latin1, nmPer, spmReader, startsWithAscii } from "./spm-common";

const TYPES: Record<string, [number, (dv: DataView, o: number) => number]> = {
  short: [2, (dv, o) => dv.getInt16(o, true)],
  integer: [2, (dv, o) => dv.getInt16(o, true)],
  float: [4, (dv, o) => dv.getFloat32(o, true)],
  double: [8, (dv, o) => dv.getFloat64(o, true)],
};

/** "200 nm" -> [200, "nm"]. */
function quantity(text: string | undefined): [number, string] {
  const m = /^\s*([-+0-9.eE]+)\s*(.*)$/.exec(text ?? "");
  return m ? [Number(m[1]), m[2].trim()] : [NaN, ""];
}

function parseWsxm(fn: string, path: string, bytes: Uint8Array): SPMFile {
  const END = "[Header end]\r\n";
  const end = indexOfAscii(bytes, END);
  if (end < 0) throw ioError(fn, path, "truncated or not a WSxM image: no [Header end] line");
  const size = end + END.length;
  const header: Record<string, string> = {};
  let section = "";
  for (const raw of latin1(bytes.subarray(0, size)).split(/\r?\n/)) {
    const line = raw.trim();
    const s = /^\[(.*)\]$/.exec(line);
    if (s) section = s[1];
    else if (section && line.includes(":")) {
      const i = line.indexOf(":");
      header[`${section}::${line.slice(0, i).trim()}`] = line.slice(i + 1).trim();
    }
  }
  const cols = Number(header["General Info::Number of columns"]);
  const rows = Number(header["General Info::Number of rows"]);
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols <= 0 || rows <= 0) throw ioError(fn, path, `[General Info] Number of columns / rows must be positive integers, got ${header["General Info::Number of columns"]} / ${header["General Info::Number of rows"]}`);
  const kind = (header["General Info::Image Data Type"] ?? "short").toLowerCase();
  const t = TYPES[kind];
  if (!t) throw ioError(fn, path, `unsupported Image Data Type ${JSON.stringify(kind)} (supported: ${Object.keys(TYPES).join(", ")})`);
  const n = rows * cols;
  if (size + n * t[0] > bytes.length) throw ioError(fn, path, `truncated: ${rows} x ${cols} ${kind} values need ${n * t[0]} bytes after the ${size}-byte header, the file has ${bytes.length - size}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + size, n * t[0]);
  const raw = new Float64Array(n);
  // Stored last pixel first: reading backwards gives row 0 = top, column 0 = left.
  for (let i = 0; i < n; i++) raw[n - 1 - i] = t[1](dv, i * t[0]);
  let [zamp, zunit] = quantity(header["General Info::Z Amplitude"]);
  const meta: SPMMetadata = { format: "wsxm", version: header["Miscellaneous::Version"], warnings: [], header };
  if (zunit === "a.u.") zunit = "";
  else if (zunit === "Pi") [zamp, zunit] = [zamp * Math.PI, "rad"];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of raw) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const k = hi > lo && zamp > 0 ? zamp / (hi - lo) : NaN;
  if (Number.isFinite(k)) for (let i = 0; i < n; i++) raw[i] *= k;
  else {
    meta.warnings.push(`no usable Z Amplitude (${JSON.stringify(header["General Info::Z Amplitude"])}) or a single value: values left as stored, unit unknown`);
    zunit = "";
  }
  const [xa, xu] = quantity(header["Control::X Amplitude"]);
  const [ya, yu] = quantity(header["Control::Y Amplitude"] ?? header["Control::X Amplitude"]);
  const kx = nmPer(xu);
  const ky = nmPer(yu);
  if (kx !== undefined && ky !== undefined && xa > 0 && ya > 0) meta.scanSize = { width: xa * kx, height: ya * ky, unit: "nm" };
  else meta.warnings.push(`scan size ${JSON.stringify(header["Control::X Amplitude"])} is not a length: channel left uncalibrated`);
  const angle = quantity(header["Control::Rotation"])[0];
  if (Number.isFinite(angle)) meta.scanAngle = angle;
  const dir = (header["General Info::X scanning direction"] ?? "").toLowerCase();
  const name = header["General Info::Acquisition channel"] || header["Control::Acquisition channel"] || "Topography";
  return {
    channels: [{ name, unit: zunit, direction: dir === "forward" ? "forward" : dir === "backward" ? "backward" : undefined, image: calibrated(Float32Array.from(raw), cols, rows, meta) }],
    metadata: meta,
  };
}

export const wsxmReader = spmReader({
  name: "wsxm",
  description: "a WSxM image (.top, .stp)",
  extensions: [".top", ".stp"],
  signature: 'starts with "WSxM file copyright …" and a line "SxM Image file"',
  images: true,
  sniff: (head) => startsWithAscii(head, "WSxM file copyright ") && /^WSxM file copyright [^\r\n]*\r?\nSxM Image file\r?\n/.test(latin1(head.subarray(0, 120))),
  parseSPM: parseWsxm,
});
