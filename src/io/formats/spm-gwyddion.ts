/**
 * Gwyddion native files (`.gwy`, magic "GWYP"): a serialized GwyContainer
 * as documented in the Gwyddion user guide ("GWY File Format"): an object is
 * its type name (NUL-terminated), a uint32 LE byte size and components; a
 * component is a name, a one-letter type (b bool, c char, i int32, q int64,
 * d float64, s string, o object; upper case: uint32 count + array) and its
 * value, all little-endian. Channels are the `/N/data` GwyDataFields (xres,
 * yres, xreal, yreal in the `si_unit_xy` unit, `data` row-major with row 0
 * at the top, which is already our orientation) titled by `/N/data/title`;
 * units from `si_unit_z`; `/N/meta` containers go to the header. Gwyddion
 * does not record the scan direction: `direction` is undefined.
 * Reference: gwyfile (tests/spm compares every channel's pixels).
 */
import { ioError } from "../util";
import type { SPMChannel, SPMFile, SPMMetadata } from "./spm-types";
import { calibrated, nmPer, spmReader, startsWithAscii } from "./spm-common";

/** A parsed Gwyddion object: its type name and components. */
interface GwyObject {
  type: string;
  fields: Record<string, unknown>;
}

class Cursor {
  pos = 0;
  private readonly dv: DataView;
  constructor(private readonly bytes: Uint8Array, private readonly fail: (why: string) => Error) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.bytes.length) throw this.fail(`truncated: ${what} at byte ${this.pos} needs ${n} bytes, the file has ${this.bytes.length - this.pos} left`);
  }
  string(): string {
    const end = this.bytes.indexOf(0, this.pos);
    if (end < 0) throw this.fail(`truncated: unterminated string at byte ${this.pos}`);
    const s = Buffer.from(this.bytes.subarray(this.pos, end)).toString("utf8");
    this.pos = end + 1;
    return s;
  }
  u8(): number {
    this.need(1, "a byte");
    return this.bytes[this.pos++];
  }
  u32(): number {
    this.need(4, "a uint32");
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4, "an int32");
    const v = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i64(): number {
    this.need(8, "an int64");
    const v = Number(this.dv.getBigInt64(this.pos, true));
    this.pos += 8;
    return v;
  }
  f64(): number {
    this.need(8, "a float64");
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  f64s(n: number): Float64Array {
    this.need(n * 8, `an array of ${n} float64`);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.dv.getFloat64(this.pos + i * 8, true);
    this.pos += n * 8;
    return out;
  }
  object(): GwyObject {
    const type = this.string();
    const size = this.u32();
    const end = this.pos + size;
    if (end > this.bytes.length) throw this.fail(`truncated: object ${type} at byte ${this.pos} declares ${size} bytes, the file has ${this.bytes.length - this.pos} left`);
    const fields: Record<string, unknown> = {};
    while (this.pos < end) {
      const name = this.string();
      const t = String.fromCharCode(this.u8());
      fields[name] = this.value(t, name);
    }
    if (this.pos !== end) throw this.fail(`corrupt: object ${type} overruns its declared size (${size} bytes)`);
    return { type, fields };
  }
  value(t: string, name: string): unknown {
    switch (t) {
      case "b": return this.u8() !== 0;
      case "c": return String.fromCharCode(this.u8());
      case "i": return this.i32();
      case "q": return this.i64();
      case "d": return this.f64();
      case "s": return this.string();
      case "o": return this.object();
      case "D": return this.f64s(this.u32());
      case "C": case "I": case "Q": case "S": case "O": {
        const n = this.u32();
        const one = t.toLowerCase();
        if (n * (one === "i" ? 4 : one === "q" ? 8 : 1) > this.bytes.length - this.pos) throw this.fail(`truncated: array ${name} of ${n} items at byte ${this.pos}`);
        return Array.from({ length: n }, () => this.value(one, name));
      }
      default:
        throw this.fail(`corrupt: component ${JSON.stringify(name)} has unknown type ${JSON.stringify(t)} at byte ${this.pos - 1}`);
    }
  }
}

function unitOf(o: unknown): string {
  const u = o as GwyObject | undefined;
  return u && u.type === "GwySIUnit" && typeof u.fields.unitstr === "string" ? u.fields.unitstr : "";
}

function plain(v: unknown): unknown {
  const o = v as GwyObject;
  if (o && typeof o === "object" && "type" in o && "fields" in o) return Object.fromEntries(Object.entries(o.fields).map(([k, x]) => [k, plain(x)]));
  return v;
}

function parseGwy(fn: string, path: string, bytes: Uint8Array): SPMFile {
  if (!startsWithAscii(bytes, "GWYP")) throw ioError(fn, path, 'not a Gwyddion file: it does not start with "GWYP"');
  const cur = new Cursor(bytes.subarray(4), (why) => ioError(fn, path, why));
  const top = cur.object();
  if (top.type !== "GwyContainer") throw ioError(fn, path, `the top object is a ${top.type}, expected a GwyContainer`);
  const f = top.fields;
  const ids = Object.keys(f).map((k) => /^\/(\d+)\/data$/.exec(k)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1])).sort((a, b) => a - b);
  const meta: SPMMetadata = { format: "gwyddion", warnings: [], header: {} };
  const channels: SPMChannel[] = [];
  for (const id of ids) {
    const df = f[`/${id}/data`] as GwyObject;
    if (df.type !== "GwyDataField") continue;
    const g = df.fields;
    const w = g.xres as number;
    const h = g.yres as number;
    const data = g.data as Float64Array | undefined;
    if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw ioError(fn, path, `/${id}/data: xres/yres must be positive integers, got ${g.xres} x ${g.yres}`);
    if (!(data instanceof Float64Array) || data.length !== w * h) throw ioError(fn, path, `/${id}/data: ${data instanceof Float64Array ? data.length : "no"} values for ${w} x ${h}`);
    const xyUnit = unitOf(g.si_unit_xy);
    const k = nmPer(xyUnit);
    const xreal = g.xreal as number;
    const yreal = g.yreal as number;
    const own: SPMMetadata = { ...meta, warnings: meta.warnings };
    if (k !== undefined && xreal > 0 && yreal > 0) {
      own.scanSize = { width: xreal * k, height: yreal * k, unit: "nm" };
      meta.scanSize ??= own.scanSize;
    } else meta.warnings.push(`/${id}/data: lateral unit ${JSON.stringify(xyUnit)} is not a length; channel left uncalibrated`);
    const title = typeof f[`/${id}/data/title`] === "string" ? (f[`/${id}/data/title`] as string) : `channel ${id}`;
    channels.push({ name: title, unit: unitOf(g.si_unit_z), direction: undefined, image: calibrated(Float32Array.from(data), w, h, own) });
    const m = f[`/${id}/meta`];
    meta.header[title] = { xoff: g.xoff, yoff: g.yoff, xreal, yreal, unitXY: xyUnit, ...(m ? { meta: plain(m) } : {}) };
  }
  if (typeof f["/filename"] === "string") meta.header.filename = f["/filename"];
  const graphs = Object.keys(f).filter((k) => /^\/\d+\/graph\/graph\/\d+$/.test(k) || /^\/graph\/graph\/\d+$/.test(k));
  if (graphs.length) meta.warnings.push(`${graphs.length} graph(s) (${graphs.join(", ")}) are not read`);
  return { channels, metadata: meta };
}

export const gwyddionReader = spmReader({
  name: "gwyddion",
  description: "a Gwyddion .gwy file",
  extensions: [".gwy"],
  signature: 'starts with "GWYP"',
  images: true,
  sniff: (head) => startsWithAscii(head, "GWYPGwyContainer"),
  parseSPM: parseGwy,
});
