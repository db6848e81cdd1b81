/**
 * Createc point spectroscopy (`.VERT`): an ASCII `key=value` header
 * (`[ParVERT30]` first, CRLF lines, NUL padding to 16384 bytes), a `DATA`
 * line, a line whose first number is the point count and last the channel
 * selection mask (`Vertchannelselectval`), then one tab-separated row per
 * point. Newer files follow with a line of column names; older ones (like
 * the shared example) do not, and their columns are index, bias (mV),
 * Z and one column per set bit of the selection mask, in increasing bit
 * order. Createc documents no names or units for those columns in this
 * version, so Z and the others ("channel bit N") keep their raw values with
 * unit "", and metadata.warnings says so.
 */
import { ioError } from "../util";
import type { SPMFile, SPMMetadata, SPMSignal } from "./spm-types";
import { indexOfAscii, latin1, spmReader, startsWithAscii } from "./spm-common";

function parseVert(fn: string, path: string, bytes: Uint8Array): SPMFile {
  let d = indexOfAscii(bytes, "\nDATA\r\n");
  if (d < 0) d = indexOfAscii(bytes, "\nDATA\n");
  if (d < 0) throw ioError(fn, path, "truncated or not a Createc VERT file: no DATA line");
  const header: Record<string, string> = {};
  for (const line of latin1(bytes.subarray(0, d)).replace(/\0/g, "").split(/\r?\n/)) {
    const i = line.indexOf("=");
    if (i <= 0) continue;
    const key = line.slice(0, i).trim();
    if (key && key !== "/") header[key] = line.slice(i + 1).trim();
  }
  const lines = latin1(bytes.subarray(d + 1)).split(/\r?\n/).slice(1).filter((l) => l.trim());
  if (lines.length < 2) throw ioError(fn, path, "truncated: no spectrum rows after the DATA line");
  const counts = lines[0].trim().split(/\s+/).map(Number);
  const points = counts[0];
  const mask = counts[counts.length - 1];
  if (!Number.isInteger(points) || points <= 0 || !Number.isInteger(mask)) throw ioError(fn, path, `the line after DATA must start with the point count and end with the channel mask, got ${JSON.stringify(lines[0])}`);
  let rows = lines.slice(1);
  const meta: SPMMetadata = { format: "createc-vert", version: /^\[([^\]]+)\]/.exec(latin1(bytes.subarray(0, 32)))?.[1], warnings: [], header };
  let names: string[];
  let units: string[];
  if (rows[0] && Number.isNaN(Number(rows[0].split("\t")[0]))) {
    names = rows[0].split("\t").map((s) => s.trim()).filter((s) => s);
    units = names.map((n) => /\[(.*)\]$/.exec(n)?.[1] ?? /\((.*)\)$/.exec(n)?.[1] ?? "");
    names = names.map((n) => n.replace(/\s*[[(].*[\])]$/, ""));
    rows = rows.slice(1);
  } else {
    const bits = Array.from({ length: 31 }, (_, b) => b).filter((b) => mask & (1 << b));
    names = ["index", "bias", "Z", ...bits.map((b) => `channel bit ${b}`)];
    units = ["", "mV", "", ...bits.map(() => "")];
    meta.warnings.push(`no column names in this VERT version: columns after index, bias and Z are named by their bit in the channel mask ${mask} (raw values, unit unknown)`);
  }
  if (rows.length !== points) throw ioError(fn, path, `truncated or corrupt: the DATA line announces ${points} points, the file has ${rows.length} rows`);
  const cols = names.map(() => new Float64Array(points));
  rows.forEach((l, r) => {
    const v = l.split("\t").map((s) => s.trim()).filter((s) => s);
    if (v.length !== names.length) throw ioError(fn, path, `row ${r} has ${v.length} values, expected ${names.length} (${names.join(", ")})`);
    v.forEach((x, c) => {
      const n = Number(x);
      if (!Number.isFinite(n)) throw ioError(fn, path, `row ${r}, column ${names[c]}: not a number: ${JSON.stringify(x)}`);
      cols[c][r] = n;
    });
  });
  const signals: SPMSignal[] = names.map((name, c) => ({ name, unit: units[c], direction: undefined, values: cols[c] }));
  const bi = names.findIndex((n) => /^(bias|V)$/i.test(n));
  const axis = signals[bi >= 0 ? bi : 0];
  return { channels: [], spectra: [{ name: "VERT", axis, signals: signals.filter((s) => s !== axis) }], metadata: meta };
}

export const createcVertReader = spmReader({
  name: "createc-vert",
  description: "a Createc VERT point spectrum",
  extensions: [".vert"],
  signature: 'starts with "[ParVERT"',
  images: false,
  sniff: (head) => startsWithAscii(head, "[ParVERT"),
  parseSPM: parseVert,
});
