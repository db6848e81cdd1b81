/**
 * Nanonis (SPECS) files: `.sxm` scans, `.3ds` grid spectroscopy and `.dat`
 * point spectra. Layouts from the Nanonis file-format notes as nanonispy
 * (underchemist/nanonispy) and Gwyddion (modules/file/nanonis.c) read them:
 * - .sxm: text header of `:KEY:` lines up to `:SCANIT_END:`, then 0x1A 0x04,
 *   then float32 (`SCANIT_TYPE`, big-endian for MSBFIRST) stored
 *   [channel][forward, backward][line][pixel] in ACQUISITION order: with
 *   `SCAN_DIR` up the first line is the bottom one, and backward lines run
 *   right to left. nanonispy returns that raw order; we flip to the
 *   convention of ./spm-types.ts (row 0 = top; backward mirrored to match forward).
 * - .3ds: `key=value` header up to `:HEADER_END:`, then per grid point the
 *   parameters (fixed then experiment, float32 BE) and each channel's sweep.
 *   Old headers lack keys newer ones have (e.g. "Delay before measuring (s)",
 *   which makes nanonispy 1.1 refuse the file); only the layout keys are required here.
 * - .dat: tab-separated `key\tvalue` header, `[DATA]`, one line of column
 *   names "Name [bwd] (unit) [filt]", then numbers.
 */
import { closeSync, fstatSync, readSync } from "node:fs";
import { ioError, openFileOrThrow } from "../util";
import type { SniffFile } from "../reader-types";
import type { SPMChannel, SPMFile, SPMMetadata, SPMSignal, ScanDirection } from "./spm-types";
import { calibrated, headerNumber, indexOfAscii, latin1, spmReader, startsWithAscii } from "./spm-common";

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `:KEY:` blocks of an .sxm header: key -> value text (lines joined with "\n", trimmed). */
function sxmHeader(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let key: string | null = null;
  let lines: string[] = [];
  const flush = (): void => {
    if (key !== null) out[key] = lines.join("\n").trim();
  };
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const m = /^:(.+):$/.exec(line);
    if (m) {
      flush();
      key = m[1];
      lines = [];
    } else lines.push(line);
  }
  flush();
  return out;
}

/** "Name (unit)" -> ["Name", "unit"]. */
function nameUnit(text: string): [string, string] {
  const m = /^(.*?)\s*\(([^()]*)\)\s*$/.exec(text.trim());
  return m ? [m[1], m[2]] : [text.trim(), ""];
}

/**
 * Decode, in place, a plane of `w` × `rows` float32 whose file bytes fill
 * `out`: byte-swapped where the host's order differs, then rows reversed
 * (`flip`: bottom line stored first) and each row reversed (`backward`:
 * right to left); both together are one whole-array reverse.
 */
function decode(out: Float32Array, w: number, rows: number, littleEndian: boolean, flip: boolean, backward: boolean): Float32Array {
  if (littleEndian !== HOST_LE) Buffer.from(out.buffer, out.byteOffset, out.byteLength).swap32();
  if (flip && backward) out.reverse();
  else if (flip) {
    const tmp = new Float32Array(w);
    for (let y = 0, z = rows - 1; y < z; y++, z--) {
      tmp.set(out.subarray(y * w, (y + 1) * w));
      out.copyWithin(y * w, z * w, (z + 1) * w);
      out.set(tmp, z * w);
    }
  } else if (backward) for (let y = 0; y < rows; y++) out.subarray(y * w, (y + 1) * w).reverse();
  return out;
}

/** `w` × `rows` float32 at `offset` of `bytes`, copied into an aligned array and decoded (see decode). */
function plane(bytes: Uint8Array, offset: number, w: number, rows: number, littleEndian: boolean, flip = false, backward = false): Float32Array {
  const out = new Float32Array(w * rows);
  new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + out.byteLength));
  return decode(out, w, rows, littleEndian, flip, backward);
}

/** What an .sxm header says about the file: metadata, the planes in file order, and where and how they are stored. */
interface SxmLayout {
  meta: SPMMetadata;
  planes: [string, string, ScanDirection][];
  w: number;
  h: number;
  /** Byte offset of the first plane. */
  start: number;
  littleEndian: boolean;
  /** SCAN_DIR up: the bottom line is stored first. */
  flip: boolean;
}

function parseSxm(fn: string, path: string, bytes: Uint8Array): SPMFile {
  const L = sxmLayout(fn, path, bytes, bytes.length);
  const n = L.w * L.h;
  const channels: SPMChannel[] = L.planes.map(([name, unit, direction], k) => ({
    name, unit, direction,
    image: calibrated(plane(bytes, L.start + k * n * 4, L.w, L.h, L.littleEndian, L.flip, direction === "backward"), L.w, L.h, L.meta),
  }));
  return { channels, metadata: L.meta };
}

/**
 * Read a Nanonis .sxm file from disk (what `readSPM` and `readImage` use;
 * the same result as parseSxm on the whole file's bytes): the header, then
 * every plane read straight into its own array and decoded there, so the
 * data are copied once instead of twice (no whole-file buffer). One
 * synchronous read per plane measured faster than all planes read at once
 * on the thread pool (0.63 vs 0.68 s for 128 MiB, medians of 9 fresh
 * processes on the shared 2-core machine).
 */
function readSxmFile(fn: string, path: string): SPMFile {
  const fd = openFileOrThrow(fn, path);
  try {
    const size = fstatSync(fd).size;
    const readAt = (dst: Uint8Array, offset: number): void => {
      for (let done = 0; done < dst.length;) {
        const n = readSync(fd, dst, done, dst.length - done, offset + done);
        if (n <= 0) throw ioError(fn, path, `truncated: could read only ${offset + done} of ${offset + dst.length} bytes`);
        done += n;
      }
    };
    // The header is a few kB; read 64 kB at a time until its end marker and the bytes after it are in.
    let head = new Uint8Array(0);
    while (head.length < size) {
      const next = new Uint8Array(Math.min(size, head.length + (1 << 16)));
      next.set(head);
      readAt(next.subarray(head.length), head.length);
      head = next;
      const end = indexOfAscii(head, ":SCANIT_END:");
      if (end >= 0 && head.length >= Math.min(size, end + 80)) break;
    }
    const L = sxmLayout(fn, path, head, size);
    const n = L.w * L.h;
    const channels: SPMChannel[] = L.planes.map(([name, unit, direction], k) => {
      const data = new Float32Array(n);
      readAt(new Uint8Array(data.buffer), L.start + k * n * 4);
      return { name, unit, direction, image: calibrated(decode(data, L.w, L.h, L.littleEndian, L.flip, direction === "backward"), L.w, L.h, L.meta) };
    });
    return { channels, metadata: L.meta };
  } finally {
    closeSync(fd);
  }
}

/** The layout of an .sxm file from its first bytes `bytes` (through the header) and its `size`. */
function sxmLayout(fn: string, path: string, bytes: Uint8Array, size: number): SxmLayout {
  const end = indexOfAscii(bytes, ":SCANIT_END:");
  if (end < 0) throw ioError(fn, path, "truncated or not a Nanonis .sxm file: no :SCANIT_END: line ends the header");
  const h = sxmHeader(latin1(bytes.subarray(0, end)));
  let start = -1;
  for (let i = end; i < Math.min(bytes.length - 1, end + 64); i++) if (bytes[i] === 0x1a && bytes[i + 1] === 0x04) { start = i + 2; break; }
  if (start < 0) throw ioError(fn, path, "truncated: no data marker (1A 04) after :SCANIT_END:");
  const type = (h.SCANIT_TYPE ?? "").split(/\s+/);
  if (type[0] !== "FLOAT" || (type[1] !== "MSBFIRST" && type[1] !== "LSBFIRST")) throw ioError(fn, path, `unsupported SCANIT_TYPE ${JSON.stringify(h.SCANIT_TYPE)} (supported: FLOAT MSBFIRST, FLOAT LSBFIRST)`);
  const le = type[1] === "LSBFIRST";
  const px = (h.SCAN_PIXELS ?? "").trim().split(/\s+/).map(Number);
  const [w, ht] = px;
  if (px.length !== 2 || !Number.isInteger(w) || !Number.isInteger(ht) || w <= 0 || ht <= 0) throw ioError(fn, path, `header key SCAN_PIXELS must be two positive integers, got ${JSON.stringify(h.SCAN_PIXELS)}`);
  const range = (h.SCAN_RANGE ?? "").trim().split(/\s+/).map(Number);
  const offset = (h.SCAN_OFFSET ?? "").trim().split(/\s+/).map(Number);
  const dir = (h.SCAN_DIR ?? "").trim();
  if (dir !== "up" && dir !== "down") throw ioError(fn, path, `header key SCAN_DIR must be "up" or "down", got ${JSON.stringify(h.SCAN_DIR)}`);
  const info = (h.DATA_INFO ?? "").split("\n").map((l) => l.trim()).filter((l) => l).map((l) => l.split("\t").map((s) => s.trim()));
  if (info.length < 2) throw ioError(fn, path, "header key DATA_INFO lists no channel");
  const cols = info[0];
  const ci = (name: string): number => {
    const i = cols.indexOf(name);
    if (i < 0) throw ioError(fn, path, `DATA_INFO has no ${name} column (columns: ${cols.join(", ")})`);
    return i;
  };
  const [iName, iUnit, iDir] = [ci("Name"), ci("Unit"), ci("Direction")];
  const meta: SPMMetadata = {
    format: "nanonis-sxm",
    version: h.NANONIS_VERSION,
    scanAngle: h.SCAN_ANGLE !== undefined ? Number(h.SCAN_ANGLE) : undefined,
    warnings: [],
    header: h,
  };
  if (range.length === 2 && range.every((v) => v > 0)) meta.scanSize = { width: range[0] * 1e9, height: range[1] * 1e9, unit: "nm" };
  if (offset.length === 2 && offset.every(Number.isFinite)) meta.scanOffset = { x: offset[0] * 1e9, y: offset[1] * 1e9 };
  const planes: [string, string, ScanDirection][] = [];
  for (const row of info.slice(1)) {
    const d = row[iDir];
    if (d === "both") planes.push([row[iName], row[iUnit], "forward"], [row[iName], row[iUnit], "backward"]);
    else if (d === "forward" || d === "backward") planes.push([row[iName], row[iUnit], d]);
    else throw ioError(fn, path, `DATA_INFO: channel ${JSON.stringify(row[iName])} has direction ${JSON.stringify(d)} (expected both, forward or backward)`);
  }
  const n = w * ht;
  const need = start + planes.length * n * 4;
  if (size < need) throw ioError(fn, path, `truncated: the header describes ${planes.length} images of ${w} x ${ht} float32 (${need - start} bytes after the header), the file has ${size - start}`);
  return { meta, planes, w, h: ht, start, littleEndian: le, flip: dir === "up" };
}

/** `key=value` lines of a .3ds header (quotes removed). */
function keyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    out[line.slice(0, eq)] = line.slice(eq + 1).replace(/^"(.*)"$/, "$1");
  }
  return out;
}

function parse3ds(fn: string, path: string, bytes: Uint8Array): SPMFile {
  const endKey = ":HEADER_END:";
  const end = indexOfAscii(bytes, endKey);
  if (end < 0) throw ioError(fn, path, "truncated or not a Nanonis .3ds file: no :HEADER_END: line ends the header");
  let start = end + endKey.length;
  if (bytes[start] === 0x0d) start++;
  if (bytes[start] === 0x0a) start++;
  const h = keyValues(latin1(bytes.subarray(0, end)));
  const dim = /^(\d+)\s*x\s*(\d+)$/.exec((h["Grid dim"] ?? "").trim());
  if (!dim) throw ioError(fn, path, `header key "Grid dim" must read "W x H", got ${JSON.stringify(h["Grid dim"])}`);
  const w = Number(dim[1]);
  const ht = Number(dim[2]);
  const points = headerNumber(fn, path, "Points", h.Points);
  const nParams = headerNumber(fn, path, "# Parameters (4 byte)", h["# Parameters (4 byte)"]);
  const list = (k: string): string[] => (h[k] ?? "").split(";").map((s) => s.trim()).filter((s) => s);
  const chans = list("Channels");
  if (chans.length === 0) throw ioError(fn, path, 'header key "Channels" lists no channel');
  const paramNames = [...list("Fixed parameters"), ...list("Experiment parameters")];
  if (paramNames.length !== nParams) throw ioError(fn, path, `"# Parameters (4 byte)" is ${nParams} but "Fixed parameters" and "Experiment parameters" name ${paramNames.length}`);
  const per = nParams + chans.length * points;
  const need = start + w * ht * per * 4;
  if (bytes.length < need) throw ioError(fn, path, `truncated: the header describes ${w} x ${ht} points of ${per} float32 (${need - start} bytes after the header), the file has ${bytes.length - start}`);
  const settings = (h["Grid settings"] ?? "").split(";").map(Number);
  const meta: SPMMetadata = { format: "nanonis-3ds", warnings: [], header: h };
  if (settings.length >= 5 && settings.every(Number.isFinite)) {
    meta.scanOffset = { x: settings[0] * 1e9, y: settings[1] * 1e9 };
    meta.scanSize = { width: settings[2] * 1e9, height: settings[3] * 1e9, unit: "nm" };
    meta.scanAngle = settings[4];
  }
  const all = plane(bytes, start, per, w * ht, false);
  // Orientation: the file stores points in acquisition order. The per-point X (m) / Y (m)
  // parameters, rotated back by the grid angle, say where row 0 lies; flip so row 0 is the top.
  const flip = rowsGoUp(all, w, ht, per, paramNames, settings);
  const at = (row: number, col: number): number => ((flip ? ht - 1 - row : row) * w + col) * per;
  const parameters = paramNames.map((p, k) => {
    const [name, unit] = nameUnit(p);
    const data = new Float32Array(w * ht);
    for (let r = 0; r < ht; r++) for (let c = 0; c < w; c++) data[r * w + c] = all[at(r, c) + k];
    return { name, unit, data };
  });
  const channels = chans.map((c, k) => {
    const [name, unit] = nameUnit(c);
    const data = new Float32Array(w * ht * points);
    for (let r = 0; r < ht; r++) for (let col = 0; col < w; col++) data.set(all.subarray(at(r, col) + nParams + k * points, at(r, col) + nParams + (k + 1) * points), (r * w + col) * points);
    return { name, unit, data };
  });
  const [sweepName, sweepUnit] = nameUnit(h["Sweep Signal"] ?? "");
  const i0 = paramNames.indexOf("Sweep Start");
  const i1 = paramNames.indexOf("Sweep End");
  if (i0 < 0 || i1 < 0) throw ioError(fn, path, '"Fixed parameters" must include "Sweep Start" and "Sweep End" (the sweep axis)');
  const s0 = all[i0];
  const s1 = all[i1];
  const axis: SPMSignal = { name: sweepName, unit: sweepUnit, direction: undefined, values: Float64Array.from({ length: points }, (_, i) => (points === 1 ? s0 : s0 + ((s1 - s0) * i) / (points - 1))) };
  const grid: SPMFile["grid"] = { width: w, height: ht, points, axis, channels, parameters };
  if (meta.scanSize) grid.calibration = { pixelSize: meta.scanSize.width / w, unit: "nm" };
  return { channels: [], grid, metadata: meta };
}

/**
 * Whether the grid's first stored row is its bottom row, judged from the
 * per-point "X (m)"/"Y (m)" parameters rotated back by the grid angle;
 * undefined (no flip) when the file has no such parameters or one row.
 */
function rowsGoUp(all: Float32Array, w: number, h: number, per: number, names: string[], settings: number[]): boolean | undefined {
  const ix = names.indexOf("X (m)");
  const iy = names.indexOf("Y (m)");
  if (ix < 0 || iy < 0 || h < 2 || settings.length < 5) return undefined;
  // Nanonis grid angles are clockwise: the frame's y axis is (sin a, cos a) in sample coordinates.
  const a = (settings[4] * Math.PI) / 180;
  const v = (k: number): number => Math.sin(a) * all[k * per + ix] + Math.cos(a) * all[k * per + iy];
  return v((h - 1) * w) > v(0);
}

/** "Current [bwd] (A) [filt]" -> name "Current [filt]", unit "A", direction backward. */
function datColumn(text: string): { name: string; unit: string; direction: ScanDirection } {
  const unit = /\(([^()]*)\)/.exec(text)?.[1] ?? "";
  const backward = /\[bwd\]/.test(text);
  const name = text.replace(/\([^()]*\)/, "").replace(/\[bwd\]/, "").replace(/\s+/g, " ").trim();
  return { name, unit, direction: backward ? "backward" : "forward" };
}

function parseDat(fn: string, path: string, bytes: Uint8Array): SPMFile {
  const text = latin1(bytes);
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const d = lines.indexOf("[DATA]");
  if (d < 0) throw ioError(fn, path, "not a Nanonis spectrum: no [DATA] line");
  const header: Record<string, string> = {};
  for (const l of lines.slice(0, d)) {
    const parts = l.split("\t");
    if (parts[0]) header[parts[0]] = (parts[1] ?? "").trim();
  }
  const names = (lines[d + 1] ?? "").split("\t").filter((s) => s.trim());
  if (names.length < 2) throw ioError(fn, path, "the line after [DATA] must name at least two tab-separated columns");
  const rows = lines.slice(d + 2).filter((l) => l.trim());
  if (rows.length === 0) throw ioError(fn, path, "truncated: no data rows after the column names");
  const cols = names.map(() => new Float64Array(rows.length));
  rows.forEach((l, r) => {
    const v = l.split("\t").filter((s) => s.trim());
    if (v.length !== names.length) throw ioError(fn, path, `data line ${d + 3 + r} has ${v.length} values, the column names line has ${names.length} (truncated or corrupt)`);
    for (let c = 0; c < v.length; c++) {
      const x = Number(v[c]);
      if (Number.isNaN(x) && v[c].trim() !== "NaN") throw ioError(fn, path, `data line ${d + 3 + r}, column ${JSON.stringify(names[c])}: not a number: ${JSON.stringify(v[c])}`);
      cols[c][r] = x;
    }
  });
  const signals: SPMSignal[] = names.map((n, c) => ({ ...datColumn(n), values: cols[c] }));
  const [axis, ...rest] = signals;
  axis.direction = undefined;
  const meta: SPMMetadata = { format: "nanonis-dat", warnings: [], header };
  const x = Number(header["X (m)"]);
  const y = Number(header["Y (m)"]);
  const spectrum = { name: header.Experiment ?? "spectrum", axis, signals: rest, ...(Number.isFinite(x) && Number.isFinite(y) ? { position: { x: x * 1e9, y: y * 1e9 } } : {}) };
  return { channels: [], spectra: [spectrum], metadata: meta };
}

export const nanonisSxmReader = spmReader({
  name: "nanonis-sxm",
  description: "a Nanonis .sxm scan",
  extensions: [".sxm"],
  signature: 'starts with ":NANONIS_VERSION:"',
  images: true,
  sniff: (head) => startsWithAscii(head, ":NANONIS_VERSION:"),
  parseSPM: parseSxm,
  readSPM: readSxmFile,
});

export const nanonis3dsReader = spmReader({
  name: "nanonis-3ds",
  description: "a Nanonis .3ds grid spectroscopy file",
  extensions: [".3ds"],
  signature: 'starts with "Grid dim="',
  images: false,
  sniff: (head) => startsWithAscii(head, 'Grid dim="'),
  parseSPM: parse3ds,
});

export const nanonisDatReader = spmReader({
  name: "nanonis-dat",
  description: "a Nanonis .dat point spectrum",
  extensions: [".dat"],
  signature: 'starts with "Experiment<TAB>" and has a [DATA] line',
  images: false,
  sniff: (head: Uint8Array, file: SniffFile) => startsWithAscii(head, "Experiment\t") && latin1(file.read(0, Math.min(file.size, 1 << 16))).includes("\n[DATA]"),
  parseSPM: parseDat,
});
