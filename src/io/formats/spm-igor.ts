/**
 * Igor Pro binary waves (`.ibw`, version 5, as Asylum Research software and
 * other vendors' Igor exports write them), laid out as in WaveMetrics'
 * Technical Note PTN003: a 64-byte BinHeader5 (its int16 words, with the
 * 320-byte WaveHeader5, sum to 0 mod 2^16: the checksum we sniff by), the
 * wave data, then the formula, the note, extended units and the dimension
 * labels (32 bytes each, NUL-terminated). Byte order: the version word
 * reads 5 in the file's order.
 *
 * Orientation: Igor stores waves column-major (dimension 0 fastest) and an
 * Asylum image has dimension 0 = x (fast scan) and dimension 1 = y counted
 * upwards (line 0 at the bottom, `BottomLine: 0` in the note). So pixel
 * (column x, row y) = wave[x, ny-1-y, layer]. igor2 returns the wave as
 * [x, y, layer] (a transposed, upside-down image if shown as is). Asylum
 * writes Retrace lines left to right like Trace lines, so backward channels
 * need no mirroring. Layers of dimension 2 are channels, named by their
 * dimension labels (a name ending in "Retrace" is the backward scan, "Trace"
 * the forward one). A label is read up to its first NUL: igor2 0.5 reads the
 * whole 32 bytes and gives "PhaseRetracerace" for this file's "PhaseRetrace\0race".
 * Vertical flip and x size = sfA[0] x columns agree with Gwyddion's igorfile.c
 * (`gwy_data_field_invert` about the x axis; no mirroring of Retrace).
 * Units: the wave has one data unit for all layers; for multi-layer (Asylum)
 * images each channel's unit comes from its title by Gwyddion's table
 * (Phase: deg), with a warning where that differs from the wave's unit.
 */
import { ioError } from "../util";
import type { SPMChannel, SPMFile, SPMMetadata } from "./spm-types";
import { calibrated, latin1, nmPer, spmReader } from "./spm-common";

const HEADER = 64 + 320;

/** Igor data type code -> [bytes, reader]. */
const TYPES: Record<number, [number, (dv: DataView, o: number, le: boolean) => number]> = {
  2: [4, (dv, o, le) => dv.getFloat32(o, le)],
  4: [8, (dv, o, le) => dv.getFloat64(o, le)],
  8: [1, (dv, o) => dv.getInt8(o)],
  0x10: [2, (dv, o, le) => dv.getInt16(o, le)],
  0x20: [4, (dv, o, le) => dv.getInt32(o, le)],
  0x48: [1, (dv, o) => dv.getUint8(o)],
  0x50: [2, (dv, o, le) => dv.getUint16(o, le)],
  0x60: [4, (dv, o, le) => dv.getUint32(o, le)],
};

/** The byte order whose version word reads 5 and whose header checksum is 0, or undefined. */
function ibw5Order(head: Uint8Array): boolean | undefined {
  if (head.length < HEADER) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, HEADER);
  for (const le of [true, false]) {
    if (dv.getInt16(0, le) !== 5) continue;
    let sum = 0;
    for (let i = 0; i < HEADER; i += 2) sum = (sum + dv.getUint16(i, le)) & 0xffff;
    if (sum === 0) return le;
  }
  return undefined;
}

/**
 * The unit of an Asylum channel from its title, Gwyddion's table
 * (igorfile.c `channel_title_to_units`): a "DAC" or "Nap" prefix dropped,
 * Height/ZSensor/Deflection/Amplitude m, Phase deg, Current A, Frequency Hz,
 * Capacitance F, Potential V, Count/QFactor unitless, anything else V.
 */
function asylumUnit(title: string): string {
  const t = title.replace(/^(DAC|Nap)/, "");
  const table: [string, string][] = [["Height", "m"], ["ZSensor", "m"], ["Deflection", "m"], ["Amplitude", "m"], ["Phase", "deg"], ["Current", "A"], ["Frequency", "Hz"], ["Capacitance", "F"], ["Potential", "V"], ["Count", ""], ["QFactor", ""]];
  return table.find(([prefix]) => t.startsWith(prefix))?.[1] ?? "V";
}

function cstr(bytes: Uint8Array): string {
  const z = bytes.indexOf(0);
  return latin1(z < 0 ? bytes : bytes.subarray(0, z));
}

/** Asylum note "Key: value" lines (CR separated). */
function noteFields(note: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of note.split(/\r\n|\r|\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function parseIbw(fn: string, path: string, bytes: Uint8Array): SPMFile {
  if (bytes.length < HEADER) throw ioError(fn, path, `truncated: an Igor binary wave v5 needs ${HEADER} header bytes, the file has ${bytes.length}`);
  const v = [new DataView(bytes.buffer, bytes.byteOffset, 2).getInt16(0, true), new DataView(bytes.buffer, bytes.byteOffset, 2).getInt16(0, false)];
  const le = ibw5Order(bytes);
  if (le === undefined) {
    if (v.includes(5)) throw ioError(fn, path, "corrupt: Igor binary wave v5 header checksum is not 0");
    throw ioError(fn, path, `Igor binary wave version ${v[0] >= 1 && v[0] <= 5 ? v[0] : v[1]} is not supported (supported: 5)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wfmSize = dv.getUint32(4, le);
  const formulaSize = dv.getUint32(8, le);
  const noteSize = dv.getUint32(12, le);
  const dataEUnitsSize = dv.getUint32(16, le);
  const dimEUnitsSize = [0, 1, 2, 3].map((i) => dv.getUint32(20 + 4 * i, le));
  const dimLabelsSize = [0, 1, 2, 3].map((i) => dv.getUint32(36 + 4 * i, le));
  const W = 64;
  const npnts = dv.getUint32(W + 12, le);
  const type = dv.getInt16(W + 16, le);
  const name = cstr(bytes.subarray(W + 28, W + 60));
  const nDim = [0, 1, 2, 3].map((i) => dv.getInt32(W + 68 + 4 * i, le));
  const sfA = [0, 1, 2, 3].map((i) => dv.getFloat64(W + 84 + 8 * i, le));
  const dataUnits = cstr(bytes.subarray(W + 148, W + 152));
  const dimUnits = [0, 1, 2, 3].map((i) => cstr(bytes.subarray(W + 152 + 4 * i, W + 156 + 4 * i)));
  if (type & 1) throw ioError(fn, path, `wave ${JSON.stringify(name)} is complex (type ${type}); only real waves are supported`);
  const t = TYPES[type];
  if (!t) throw ioError(fn, path, `wave ${JSON.stringify(name)} has unsupported data type ${type}`);
  const [nx, ny] = nDim;
  const layers = Math.max(1, nDim[2]) * Math.max(1, nDim[3]);
  if (nx <= 0 || ny <= 0) throw ioError(fn, path, `wave ${JSON.stringify(name)} has dimensions [${nDim.join(", ")}]: an image needs two`);
  if (nx * ny * layers !== npnts) throw ioError(fn, path, `corrupt: dimensions [${nDim.join(", ")}] do not give npnts ${npnts}`);
  const dataEnd = HEADER + npnts * t[0];
  if (bytes.length < dataEnd) throw ioError(fn, path, `truncated: the wave needs ${npnts * t[0]} data bytes after the ${HEADER}-byte header, the file has ${bytes.length - HEADER}`);
  // After the wave record (64 + wfmSize): formula, note, extended data units, dim units, dim labels.
  let p = 64 + wfmSize + formulaSize;
  const tail = (n: number): Uint8Array => {
    if (p + n > bytes.length) throw ioError(fn, path, `truncated: the header declares ${n} bytes at ${p} (note, units or labels), the file ends at ${bytes.length}`);
    const b = bytes.subarray(p, p + n);
    p += n;
    return b;
  };
  const note = latin1(tail(noteSize));
  const dataEUnits = latin1(tail(dataEUnitsSize));
  const dimEUnits = dimEUnitsSize.map((n) => latin1(tail(n)));
  const labels = dimLabelsSize.map((n) => {
    const b = tail(n);
    return Array.from({ length: Math.floor(n / 32) }, (_, i) => cstr(b.subarray(32 * i, 32 * i + 32)));
  });
  const fields = noteFields(note);
  const xUnit = dimEUnits[0] || dimUnits[0];
  const k = nmPer(xUnit);
  const meta: SPMMetadata = { format: "igor-ibw", version: "5", warnings: [], header: { wave: name, ...fields } };
  if (k !== undefined) meta.scanSize = { width: sfA[0] * nx * k, height: sfA[1] * ny * k, unit: "nm" };
  else meta.warnings.push(`dimension unit ${JSON.stringify(xUnit)} is not a length: channels left uncalibrated`);
  if (fields.ScanAngle !== undefined && Number.isFinite(Number(fields.ScanAngle))) meta.scanAngle = Number(fields.ScanAngle);
  const xo = Number(fields.XOffset);
  const yo = Number(fields.YOffset);
  if (Number.isFinite(xo) && Number.isFinite(yo)) meta.scanOffset = { x: xo * 1e9, y: yo * 1e9 };
  const unit = dataEUnits || dataUnits;
  const channels: SPMChannel[] = [];
  for (let l = 0; l < layers; l++) {
    const label = labels[2]?.[l + 1] || (layers === 1 ? name : `layer ${l}`);
    const data = new Float32Array(nx * ny);
    const base = HEADER + l * nx * ny * t[0];
    for (let y = 0; y < ny; y++) {
      const row = (ny - 1 - y) * nx;
      for (let x = 0; x < nx; x++) data[row + x] = t[1](dv, base + (y * nx + x) * t[0], le);
    }
    let u = unit;
    const byTitle = layers > 1 ? asylumUnit(label) : undefined;
    if (byTitle !== undefined && byTitle !== u) {
      meta.warnings.push(`${label}: the wave's data unit is ${JSON.stringify(unit)} for all layers; Asylum channels named ${JSON.stringify(label)} are in ${JSON.stringify(byTitle)} (Gwyddion's rule), which is used`);
      u = byTitle;
    }
    const direction = /Retrace$/.test(label) ? "backward" : /Trace$/.test(label) ? "forward" : undefined;
    channels.push({ name: label, unit: u, direction, image: calibrated(data, nx, ny, meta) });
  }
  return { channels, metadata: meta };
}

export const igorReader = spmReader({
  name: "igor-ibw",
  description: "an Igor binary wave (.ibw, v5; Asylum Research)",
  extensions: [".ibw"],
  signature: "Igor binary wave v5: version word 5 and a zero header checksum",
  images: true,
  sniff: (head) => ibw5Order(head) !== undefined,
  parseSPM: parseIbw,
});
