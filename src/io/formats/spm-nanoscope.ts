/**
 * Bruker (Veeco, Digital Instruments) NanoScope files (`.spm`, `.001`,
 * `.00x`), versions 5 to 9 with the `\@` scaled-parameter syntax: a text
 * header of `\*Section` lines and `\Key: value` lines up to
 * `\*File list end`, then binary data at each section's `Data offset`.
 * Layout and scaling as Gwyddion (modules/file/nanoscope.c, following
 * Bruker's "SPM files format" notes) reads them:
 * - image sections (`\*Ciao image list`): `Samps/line` x `Number of lines`
 *   little-endian integers, the BOTTOM line first (flipped here so row 0 is
 *   the top); `Line Direction: Retrace` marks a backward scan (NanoScope
 *   stores every line left to right);
 * - force sections (`\*Ciao force image list`): the extend then the retract
 *   curve (`Samps/line: N_ext N_ret`), each stored from the contact end;
 *   like Gwyddion we reverse both, so index 0 is the far end of the ramp and
 *   the axis is the Z ramp, i x (`\@4:Ramp size` V x its sensitivity) / N;
 * - a value is raw x hard scale (the "(x V/LSB)" of the section's
 *   `\@N:Z scale` line, in its unit: V, or Arb / log(Arb) for PeakForce
 *   property channels) x the sensitivity named in brackets, in units of
 *   the sensitivity's numerator per hard unit (`\@Sens. DeflSens: V 72.8
 *   nm/V` -> nm; `\@Sens. ForceSens: V 0.006 V/Arb` on an "Arb/LSB" scale
 *   -> V, as pySPM reads AFMReader's Bruker file); a sensitivity with no unit
 *   (`V 1.000000`) multiplies and keeps the hard unit; one whose denominator
 *   is not the hard unit, or none, leaves the value in the hard unit with a
 *   warning. The stored width (2 or 4 bytes) is `Data length` /
 *   values. The hard scale is printed with few digits (`(0.00000000572205
 *   V/LSB)` for 32-bit data: 1.7e-6 relative); where the line's hard value
 *   is the full range, hard value / 256^(Bytes/pixel) (`24.57600 V` / 2^32)
 *   agrees with it to the printed digits and is used instead, as Gwyddion's
 *   nanoscope.c and pySPM scale images (AFMReader's Bruker test file: the
 *   Height sum agrees with pySPM to 1e-9, not 1.4e-7). Where they disagree
 *   (force curves: `(0.000375 V/LSB) 2.5 V`, the hard value is a display
 *   range) the hard scale is used, as the NanoScope manual defines it.
 * No Python reader of NanoScope force curves installs here; the tests check
 * the values against numpy on the raw bytes with the header's numbers.
 */
import { ioError } from "../util";
import type { SPMChannel, SPMFile, SPMMetadata, SPMSignal, SPMSpectrum } from "./spm-types";
import { calibrated, flipRows, indexOfAscii, latin1, nmPer, spmReader } from "./spm-common";

interface Section {
  name: string;
  keys: Record<string, string>;
}

function sections(text: string): Section[] {
  const out: Section[] = [];
  for (const raw of text.split(/\r\n|\n|\r/)) {
    if (raw.startsWith("\\*")) out.push({ name: raw.slice(2).trim(), keys: {} });
    else if (raw.startsWith("\\") && out.length) {
      // `\@2:Z scale: ...` keeps its group prefix in the key; a key may repeat: keep the first.
      const m = /^(@\d+:)?([^:]*):(.*)$/.exec(raw.slice(1));
      if (!m) continue;
      const key = (m[1] ?? "") + m[2].trim();
      const keys = out[out.length - 1].keys;
      if (!(key in keys)) keys[key] = m[3].trim();
    }
  }
  return out;
}

/** `V [Sens. Zsens] (0.0067 V/LSB) 1.2 V` -> { sens: "Zsens", hard: 0.0067, hardUnit: "V", value: 1.2, unit: "V" }. */
function scaled(text: string | undefined): { sens?: string; hard?: number; hardText?: string; hardUnit?: string; value?: number; unit?: string } | undefined {
  if (text === undefined) return undefined;
  const sens = /\[Sens\.\s*([^\]]+)\]/.exec(text)?.[1]?.trim();
  const hard = /\(([-+0-9.eE]+)\s*(\S*?)\/LSB\s*\)/.exec(text) ?? /\(([-+0-9.eE]+)\s*[^)]*\)/.exec(text);
  const tail = /([-+0-9.eE]+)\s*([^\s)]*)\s*$/.exec(text);
  return { sens, hard: hard ? Number(hard[1]) : undefined, hardText: hard?.[1], hardUnit: hard?.[2]?.trim() || "V", value: tail ? Number(tail[1]) : undefined, unit: tail?.[2] };
}

/**
 * Volts per LSB of a data section: the printed hard scale, or the full-range hard value / 256^bpp where that
 * agrees with the printed hard scale to its last printed digit (then it is the same number with more digits).
 */
function voltsPerLSB(hard: number, hardText: string, value: number | undefined, bpp: number): number {
  if (value === undefined || !Number.isFinite(value) || value === 0) return hard;
  const full = value / 256 ** bpp;
  const decimals = /e/i.test(hardText) ? undefined : (hardText.split(".")[1] ?? "").length;
  const tolerance = decimals === undefined ? 1e-6 * Math.abs(hard) : Math.max(0.75 * 10 ** -decimals, 1e-6 * Math.abs(hard));
  return Math.abs(full - hard) <= tolerance ? full : hard;
}

/**
 * The sensitivity `name` applied to a value in `hardUnit`: `V 72.77 nm/V` on V -> [72.77, "nm"]; `V 0.006 V/Arb`
 * on Arb -> [0.006, "V"]; `V 1.000000` (no unit) -> [1, hardUnit]. A string when the line is missing or its
 * denominator is not `hardUnit` (the reason, for a warning); undefined without a name.
 */
function sensitivity(all: Section[], name: string | undefined, hardUnit = "V"): [number, string] | string | undefined {
  if (!name) return undefined;
  for (const s of all) {
    const t = s.keys[`@Sens. ${name}`];
    if (t === undefined) continue;
    const m = /^V\s+([-+0-9.eE]+)\s*(\S*)\s*$/.exec(t);
    if (!m || !Number.isFinite(Number(m[1]))) return `sensitivity "Sens. ${name}" (${JSON.stringify(t)}) is not a number`;
    if (m[2] === "") return [Number(m[1]), hardUnit];
    const slash = m[2].lastIndexOf("/");
    if (slash > 0 && m[2].slice(slash + 1) === hardUnit) return [Number(m[1]), m[2].slice(0, slash)];
    return `sensitivity "Sens. ${name}" is in ${m[2]}, not per ${hardUnit}`;
  }
  return `no sensitivity "Sens. ${name}" in the header`;
}

/** The channel's title and the `\@N:Z scale` of a data section. */
function channelOf(s: Section): { title: string; scale?: string } {
  let title = "";
  let scale: string | undefined;
  for (const [k, v] of Object.entries(s.keys)) {
    if (/^@\d*:?Image Data$/.test(k)) title = /"([^"]*)"/.exec(v)?.[1] ?? /\[([^\]]*)\]/.exec(v)?.[1] ?? v;
    if (/^@\d*:?Z scale$/.test(k)) scale = v;
  }
  return { title, scale };
}

function readInts(fn: string, path: string, bytes: Uint8Array, offset: number, n: number, bpp: number, what: string): Float64Array {
  if (bpp !== 2 && bpp !== 4) throw ioError(fn, path, `${what}: Bytes/pixel ${bpp} is not supported (2 or 4)`);
  if (offset + n * bpp > bytes.length) throw ioError(fn, path, `truncated: ${what} needs ${n * bpp} bytes at offset ${offset}, the file has ${Math.max(0, bytes.length - offset)}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, n * bpp);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = bpp === 2 ? dv.getInt16(2 * i, true) : dv.getInt32(4 * i, true);
  return out;
}

function parseNanoscope(fn: string, path: string, bytes: Uint8Array): SPMFile {
  const end = indexOfAscii(bytes, "\\*File list end");
  if (end < 0) throw ioError(fn, path, "truncated or not a NanoScope file: no \\*File list end line ends the header");
  const all = sections(latin1(bytes.subarray(0, end)));
  const first = all[0]?.keys ?? {};
  const version = first.Version;
  const meta: SPMMetadata = { format: "nanoscope", version, warnings: [], header: Object.fromEntries(all.map((s, i) => [`${i}: ${s.name}`, s.keys])) };
  const scanList = all.find((s) => s.name === "Ciao scan list")?.keys ?? {};
  const size = /^([-+0-9.eE]+)\s+(?:([-+0-9.eE]+)\s+)?(\S+)$/.exec(scanList["Scan Size"] ?? "");
  if (scanList["Rotate Ang."] !== undefined) meta.scanAngle = Number(scanList["Rotate Ang."]);
  const channelValues = (s: Section, n: number, title: string): { values: Float64Array; unit: string } => {
    const offset = Number(s.keys["Data offset"]);
    const length = Number(s.keys["Data length"]);
    if (!Number.isInteger(offset) || offset < 0) throw ioError(fn, path, `${title}: Data offset ${JSON.stringify(s.keys["Data offset"])} is not a byte offset`);
    const bpp = length === 2 * n || length === 4 * n ? length / n : Number(s.keys["Bytes/pixel"] ?? 2);
    if (Number.isInteger(length) && length < n * bpp) throw ioError(fn, path, `${title}: Data length ${length} is less than ${n} values of ${bpp} bytes`);
    const raw = readInts(fn, path, bytes, offset, n, bpp, title);
    const z = scaled(channelOf(s).scale);
    const hard = z?.hard;
    if (hard === undefined) throw ioError(fn, path, `${title}: no "(… V/LSB)" hard scale in its Z scale line`);
    const hardUnit = z!.hardUnit!;
    const found = sensitivity(all, z?.sens, hardUnit);
    const sens = Array.isArray(found) ? found : undefined;
    const headerBpp = Number(s.keys["Bytes/pixel"]);
    const k = voltsPerLSB(hard, z!.hardText!, z?.value, Number.isInteger(headerBpp) && headerBpp > 0 ? headerBpp : bpp) * (sens ? sens[0] : 1);
    if (!sens) meta.warnings.push(`${title}: ${typeof found === "string" ? found : "no sensitivity named in its Z scale line"}; values are in ${hardUnit}`);
    return { values: raw.map((r) => r * k), unit: sens ? sens[1] : hardUnit };
  };
  const channels: SPMChannel[] = [];
  const spectra: SPMSpectrum[] = [];
  for (const s of all) {
    if (s.name === "Ciao image list") {
      const w = Number(s.keys["Samps/line"]);
      const h = Number(s.keys["Number of lines"]);
      const { title } = channelOf(s);
      if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw ioError(fn, path, `${title}: Samps/line x Number of lines must be positive integers, got ${s.keys["Samps/line"]} x ${s.keys["Number of lines"]}`);
      const own = /^([-+0-9.eE]+)\s+(?:([-+0-9.eE]+)\s+)?(\S+)$/.exec(s.keys["Scan Size"] ?? "") ?? size;
      const k = own ? nmPer(own[3]) : undefined;
      if (own && k !== undefined) {
        const sx = Number(own[1]) * k;
        // One number: a square-pixel frame of w x h samples.
        const sy = own[2] !== undefined ? Number(own[2]) * k : (sx * h) / w;
        meta.scanSize = { width: sx, height: sy, unit: "nm" };
      }
      const { values, unit } = channelValues(s, w * h, title);
      const data = flipRows(Float32Array.from(values), w, h);
      const dir = s.keys["Line Direction"];
      channels.push({ name: title, unit, direction: dir === "Retrace" ? "backward" : dir === "Trace" ? "forward" : undefined, image: calibrated(data, w, h, meta) });
    } else if (s.name === "Ciao force image list") {
      const { title } = channelOf(s);
      const n = (s.keys["Samps/line"] ?? "").split(/\s+/).map(Number);
      if (n.length < 1 || !n.every((x) => Number.isInteger(x) && x > 0)) throw ioError(fn, path, `${title}: Samps/line ${JSON.stringify(s.keys["Samps/line"])} must be one or two positive integers`);
      const [ne, nr = 0] = n;
      const { values, unit } = channelValues(s, ne + nr, title);
      const signals: SPMSignal[] = [{ name: `${title} extend`, unit, direction: "forward", values: values.slice(0, ne).reverse() }];
      if (nr) signals.push({ name: `${title} retract`, unit, direction: "backward", values: values.slice(ne, ne + nr).reverse() });
      const m = Math.max(ne, nr);
      const ramp = scaled(Object.entries(s.keys).find(([k]) => /^@\d*:?Ramp size$/.test(k))?.[1]);
      const found = sensitivity(all, ramp?.sens, ramp?.unit || "V");
      const rs = Array.isArray(found) ? found : undefined;
      const axis: SPMSignal = ramp?.value !== undefined && rs
        ? { name: "Z ramp", unit: rs[1], direction: undefined, values: Float64Array.from({ length: m }, (_, i) => (i * ramp.value! * rs[0]) / m) }
        : { name: "sample", unit: "", direction: undefined, values: Float64Array.from({ length: m }, (_, i) => i) };
      if (axis.name === "sample") meta.warnings.push(`${title}: no Ramp size with a sensitivity; the axis is the sample index`);
      spectra.push({ name: title, axis, signals });
    }
  }
  if (channels.length === 0 && spectra.length === 0) throw ioError(fn, path, "the header has no \\*Ciao image list or \\*Ciao force image list section (no data)");
  return spectra.length ? { channels, spectra, metadata: meta } : { channels, metadata: meta };
}

export const nanoscopeReader = spmReader({
  name: "nanoscope",
  description: "a Bruker NanoScope file",
  extensions: [".spm", ".001", ".000"],
  signature: 'starts with "\\*File list", "\\*Force file list" or another "\\*… file list"',
  images: true,
  sniff: (head) => /^\\\*[A-Za-z ]*[Ff]ile list\r?\n/.test(latin1(head.subarray(0, 64))),
  parseSPM: parseNanoscope,
});
