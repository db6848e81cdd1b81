/**
 * MRC / CCP4 maps and image stacks (MRC2014: "MAP " at byte 208): every
 * section (z) a 2-D page.
 *
 * Layout (MRC2014 specification, as mrcfile reads it): a 1024-byte header
 * of 4-byte words: nx, ny, nz (columns, rows, sections), mode, ..., mx, my,
 * mz (sampling), cella (cell size in Å), ..., nsymbt (extended-header bytes,
 * word 24), `MAP ` and the machine stamp (bytes 212-213: 0x44 little-,
 * 0x11 big-endian), then the extended header, then the data: nz sections
 * of ny rows of nx values, x fastest, row 0 first as stored (no flip, as
 * mrcfile and rosettasciio read it).
 *
 * Modes: 0 int8 (MRC2014 and mrcfile; rosettasciio reads it as uint8),
 * 1 int16, 2 float32, 6 uint16, 12 float16; complex modes 3 and 4 are
 * refused, and so are 4-bit (101) and unknown modes, naming the file.
 * Pixel size: the cell length / intervals along the axis the columns run
 * along (mapc: cella.x / mx Å in the usual (1, 2, 3) order; a map stored
 * as (3, 1, 2), like EMDB's EMD-3001, has columns along Z: cella.z / mz),
 * given in nm (÷ 10, as rosettasciio); the y spacing likewise from mapr.
 * mrcfile and rosettasciio return the data as stored too, but give the
 * voxel size in X, Y, Z order whatever mapc/mapr say.
 * The header fields are in `source.metadata`.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { FormatReader } from "../reader-types";
import { decodeHalf, ioError } from "../util";
import { pagedFile, type EmPage } from "./em-pages";

const MODES: Record<number, { size: number; dtype: string; kind: "i" | "u" | "f" }> = {
  0: { size: 1, dtype: "i1", kind: "i" }, 1: { size: 2, dtype: "i2", kind: "i" }, 2: { size: 4, dtype: "f4", kind: "f" },
  6: { size: 2, dtype: "u2", kind: "u" }, 12: { size: 2, dtype: "f2", kind: "f" },
};
const REFUSED: Record<number, string> = { 3: "complex int16", 4: "complex float32", 101: "4-bit packed integers" };

/** Byte order from the machine stamp (bytes 212-213); undefined when neither stamp is there. */
function stampLittle(h: Uint8Array): boolean | undefined {
  if (h[212] === 0x44 && (h[213] === 0x44 || h[213] === 0x41)) return true;
  if (h[212] === 0x11 && h[213] === 0x11) return false;
  return undefined;
}

function mrcPages(fn: string, path: string): EmPage[] {
  const fail = (r: string) => ioError(fn, path, r);
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < 1024) throw fail(`truncated: an MRC header is 1024 bytes, the file has ${size}`);
    const h = new Uint8Array(1024);
    readSync(fd, h, 0, 1024, 0);
    const warnings: string[] = [];
    let le = stampLittle(h);
    if (le === undefined) {
      le = true;
      warnings.push(`unknown machine stamp ${h[212].toString(16)} ${h[213].toString(16)}: data taken as little-endian`);
    }
    const dv = new DataView(h.buffer);
    const i32 = (word: number) => dv.getInt32(word * 4, le);
    const f32 = (word: number) => dv.getFloat32(word * 4, le);
    const [nx, ny, nz, mode] = [i32(0), i32(1), i32(2), i32(3)];
    const [mx, my, mz] = [i32(7), i32(8), i32(9)];
    const cella = [f32(10), f32(11), f32(12)];
    const map = [i32(16), i32(17), i32(18)];
    const nsymbt = i32(23);
    if (REFUSED[mode]) throw fail(`MRC mode ${mode} (${REFUSED[mode]}): readImage gives real-valued images, this mode is not read`);
    const m = MODES[mode];
    if (!m) throw fail(`MRC mode ${mode} is not an MRC2014 mode (0, 1, 2, 6 and 12 are read; 3, 4, 101 refused)`);
    if (!(nx > 0 && ny > 0 && nz > 0)) throw fail(`the header gives ${nx} × ${ny} × ${nz} voxels: every size must be positive (corrupt header)`);
    if (nsymbt < 0) throw fail(`the header gives an extended header of ${nsymbt} bytes (corrupt header)`);
    const frameBytes = nx * ny * m.size;
    const start = 1024 + nsymbt;
    const need = start + frameBytes * nz;
    if (size < need) throw fail(`truncated: the header says ${nz} section${nz === 1 ? "" : "s"} of ${nx} × ${ny} ${m.dtype} after ${start} header bytes (${need} bytes), the file has ${size}`);
    if (size > need) warnings.push(`${size - need} bytes after the data (the header describes ${need})`);
    // Columns run along axis mapc (1 = X, 2 = Y, 3 = Z) and rows along mapr: their spacing is that axis's
    // cell length / intervals (MRC2014). A header without a permutation there is taken as (1, 2, 3).
    const permuted = [...map].sort().join() === "1,2,3";
    const [ac, ar] = permuted ? [map[0] - 1, map[1] - 1] : [0, 1];
    if (!permuted) warnings.push(`axis order (mapc, mapr, maps) (${map.join(", ")}) is not a permutation of (1, 2, 3): taken as (1, 2, 3)`);
    else if (ac !== 0 || ar !== 1) warnings.push(`axis order (mapc, mapr, maps) is (${map.join(", ")}): data is returned as stored (columns along ${"XYZ"[ac]}, rows along ${"XYZ"[ar]}, calibrated along those axes)`);
    const step = (cell: number, n: number) => (n > 0 && cell !== 0 ? cell / n / 10 : 1);
    const m3 = [mx, my, mz];
    const calibrated = m3[ac] > 0 && cella[ac] !== 0;
    const x = step(cella[ac], m3[ac]);
    const y = step(cella[ar], m3[ar]);
    // cella is float32: equal spacings divided by different counts differ by ~1e-8 (FEI files); not a finding.
    if (Math.abs(x - y) > 1e-6 * Math.max(Math.abs(x), Math.abs(y))) warnings.push(`pixels are not square (x ${x} nm, y ${y} nm); pixelSize is the x scale`);
    const metadata = {
      mode, nx, ny, nz, mx, my, mz, cellA: cella, mapcrs: map, nsymbt,
      origin: [f32(49), f32(50), f32(51)], dmin: f32(19), dmax: f32(20), dmean: f32(21), rms: f32(54),
      labels: Array.from({ length: Math.min(10, Math.max(0, i32(55))) }, (_, i) => String.fromCharCode(...h.subarray(224 + 80 * i, 304 + 80 * i)).trimEnd()),
      axes: [{ size: ny, scale: y, units: "nm" }, { size: nx, scale: x, units: "nm" }],
    };
    const dtype = `${m.size === 1 ? "|" : le ? "<" : ">"}${m.dtype}`;
    const little = le;
    return Array.from({ length: nz }, (_, k): EmPage => ({
      width: nx, height: ny, pixelSize: calibrated ? x : undefined, unit: "nm", dtype, shape: nz > 1 ? [nz, ny, nx] : [ny, nx], warnings,
      metadata: nz > 1 ? { ...metadata, section: k } : metadata,
      pixels: () => {
        const b = new Uint8Array(frameBytes);
        const f2 = openSync(path, "r");
        try {
          readSync(f2, b, 0, frameBytes, start + k * frameBytes);
        } finally {
          closeSync(f2);
        }
        return decode(b, m, little, nx * ny);
      },
    }));
  } finally {
    closeSync(fd);
  }
}

function decode(b: Uint8Array, m: { size: number; dtype: string; kind: string }, le: boolean, n: number): Float32Array {
  if (m.dtype === "f2") return decodeHalf(b, 0, n, le);
  const out = new Float32Array(n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0, p = 0; i < n; i++, p += m.size) {
    out[i] = m.kind === "f" ? dv.getFloat32(p, le) : m.kind === "u" ? dv.getUint16(p, le) : m.size === 1 ? dv.getInt8(p) : dv.getInt16(p, le);
  }
  return out;
}

export const mrcReader: FormatReader = {
  name: "mrc",
  description: "an MRC / CCP4 file",
  extensions: [".mrc", ".mrcs", ".map", ".rec", ".st", ".ali"],
  signature: '"MAP " at byte 208 (MRC2014)',
  gives: ["image", "stack"],
  sniff: (h) => h.length >= 212 && h[208] === 0x4d && h[209] === 0x41 && h[210] === 0x50 && h[211] === 0x20,
  open: (path, { fn }) => pagedFile(fn, path, "mrc", "the MRC file", () => mrcPages(fn, path)),
};
