/**
 * Virtual detectors and centre of mass read 8/16-bit counts as stored
 * (UDF.processRaw, the integer WebAssembly kernels comU8 … viU16BE): equal,
 * bit for bit, to the float32 path on the same frames, and to known integer
 * sums; for uint8, little- and big-endian uint16 with per-frame headers and
 * flipped rows (as Merlin .mib), odd frame sizes, partial last partitions,
 * in the calling thread and on worker threads, from a file and from shared
 * memory.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sharedPool } from "../../src/core/pool";
import { ChunkSource } from "../../src/io/frames4d";
import { parseDType } from "../../src/io/dtype";
import { writeNpy } from "../../src/io/npy";
import { Dataset4D, dataset4D, readDataset4D } from "../../src/stem4d/dataset";
import { centerOfMassUDF, detectorMask, virtualImageUDF } from "../../src/stem4d/analyses";
import * as simd from "../../src/stem4d/simd";
import { runUDFs, type DatasetMeta, type UDF } from "../../src/stem4d/udf";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stem4d-int-"));
afterAll(async () => {
  await sharedPool().terminate();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// A user UDF with both processes: marks each frame 1 when it was given raw frames, 0 for float32 frames.
const probeModule = path.join(tmp, "probe.js");
fs.writeFileSync(probeModule, `
exports.floats = (frames, n, start, b) => { for (let i = 0; i < n; i++) b.raw[i] = 0; };
exports.raw = (raw, n, start, b) => { for (let i = 0; i < n; i++) b.raw[i] = raw.bytes instanceof Uint8Array && raw.kind === "u" ? 1 : -1; };
`);
const probe: UDF<Float64Array, null> = {
  name: "probe", params: null, buffers: () => ({ raw: { kind: "nav" } }),
  process: { module: probeModule, export: "floats" }, processRaw: { module: probeModule, export: "raw" },
  finalize: (b) => b.raw,
};

/** Count at frame f, delivered row y, column x: large and varied enough that float32 lane sums of v·x round for uint16. */
function count(bits: 8 | 16, f: number, y: number, x: number): number {
  return bits === 8 ? (f * 37 + y * 11 + x * 5 + ((x * y) % 7)) % 256 : 40000 + ((f * 4099 + y * 257 + x * 31 + ((x * y) % 13) * 1000) % 25536);
}

interface Layout { bits: 8 | 16; scan: [number, number]; det: [number, number]; bigEndian?: boolean; header?: number; flip?: boolean }

/** The counts of a layout, frame after frame in delivered order (for the known sums). */
function counts(l: Layout): number[] {
  const [ky, kx] = l.det, v: number[] = [];
  for (let f = 0; f < l.scan[0] * l.scan[1]; f++) for (let y = 0; y < ky; y++) for (let x = 0; x < kx; x++) v.push(count(l.bits, f, y, x));
  return v;
}

/** A file holding the layout as a detector writes it (header bytes 0xA5, rows bottom to top when flipped), opened through ChunkSource. */
function detectorFile(name: string, l: Layout): Dataset4D {
  const [ky, kx] = l.det, n = l.scan[0] * l.scan[1], bpp = l.bits / 8, hdr = l.header ?? 0, stride = hdr + ky * kx * bpp;
  const buf = Buffer.alloc(n * stride, 0xa5);
  for (let f = 0; f < n; f++) for (let y = 0; y < ky; y++) for (let x = 0; x < kx; x++) {
    const at = f * stride + hdr + ((l.flip ? ky - 1 - y : y) * kx + x) * bpp, v = count(l.bits, f, y, x);
    if (bpp === 1) buf[at] = v; else if (l.bigEndian) buf.writeUInt16BE(v, at); else buf.writeUInt16LE(v, at);
  }
  const file = path.join(tmp, name);
  fs.writeFileSync(file, buf);
  const descr = bpp === 1 ? "|u1" : l.bigEndian ? ">u2" : "<u2";
  const spec = { type: "file" as const, path: file, offset: 0, stride, frameHeader: hdr, frameSize: ky * kx, kind: "u", size: bpp, littleEndian: !l.bigEndian, flipRows: l.flip ? ky : undefined };
  return new Dataset4D(new ChunkSource(spec, parseDType(descr), `test ${name}`, true), l.scan, l.det);
}

const metaOf = (ds: Dataset4D): DatasetMeta => ({ scanShape: ds.scanShape, detShape: ds.detShape, nFrames: ds.nFrames, frameSize: ds.frameSize });
/** The same UDF without its raw process: the float32 path. */
function floatOnly<R, P>(u: UDF<R, P>): UDF<R, P> {
  const { processRaw: _omit, ...rest } = u;
  return rest;
}

/** The four analyses: binary annulus, weighted mask, COM, masked COM. */
function analyses(ds: Dataset4D): UDF<any, any>[] {
  const [ky, kx] = ds.detShape, meta = metaOf(ds);
  const annulus = detectorMask({ type: "annulus", center: [(kx - 1) / 2, (ky - 1) / 2], inner: 2, outer: Math.min(kx, ky) / 2 - 1 }, ds.detShape);
  const weights = new Float32Array(ds.frameSize).map((_, j) => ((j * 7) % 10) / 9.7);
  return [virtualImageUDF(annulus, meta), virtualImageUDF(weights, meta), centerOfMassUDF(), centerOfMassUDF({ mask: annulus })];
}

/** Known answers from the counts in float64 (exact integers) for the annulus image and the COM sums. */
function known(l: Layout, annulus: Float32Array): { vi: number[]; com: number[] } {
  const v = counts(l), [ky, kx] = l.det, fs = ky * kx, vi: number[] = [], com: number[] = [];
  for (let f = 0; f < v.length / fs; f++) {
    let a = 0, s = 0, sx = 0, sy = 0;
    for (let y = 0; y < ky; y++) for (let x = 0; x < kx; x++) {
      const c = v[f * fs + y * kx + x];
      a += c * annulus[y * kx + x]; s += c; sx += c * x; sy += c * y;
    }
    vi.push(a); com.push(s, sx, sy);
  }
  return { vi, com };
}

interface Com { sum: Float64Array; comX: Float64Array; comY: Float64Array }

/** Runs the analyses with raw frames (plus the probe) and without (float32 path); checks equality, the path taken and the known sums. Returns the COM. */
async function check(ds: Dataset4D, l: Layout, opts: { workers: number; partitionFrames: number }, expectRaw: boolean): Promise<Com> {
  const udfs = analyses(ds);
  const raw = (await runUDFs(ds, [...udfs, probe], opts)) as unknown[];
  const float = (await runUDFs(ds, udfs.map(floatOnly), opts)) as unknown[];
  // bit-identical to the float32 path, every analysis (binary annulus, weighted mask, COM, masked COM)
  for (let u = 0; u < 4; u++) expect(raw[u]).toEqual(float[u]);
  expect(Array.from(raw[4] as Float64Array)).toEqual(new Array(ds.nFrames).fill(expectRaw ? 1 : 0));
  // known sums: the annulus image exactly; COM totals and Σv·y exactly, Σv·x to float32 lane rounding (kx/4 · 2⁻²⁴ relative)
  const k = known(l, detectorMask({ type: "annulus", center: [(l.det[1] - 1) / 2, (l.det[0] - 1) / 2], inner: 2, outer: Math.min(...l.det) / 2 - 1 }, l.det));
  expect(Array.from(raw[0] as Float64Array)).toEqual(k.vi);
  const c = raw[2] as Com;
  for (let f = 0; f < ds.nFrames; f++) {
    expect(c.sum[f]).toBe(k.com[3 * f]);
    expect(Math.abs(c.comX[f] * c.sum[f] - k.com[3 * f + 1])).toBeLessThanOrEqual(k.com[3 * f + 1] * (l.det[1] / 4) * 2 ** -24);
    expect(Math.abs(c.comY[f] * c.sum[f] - k.com[3 * f + 2])).toBeLessThanOrEqual(k.com[3 * f + 2] * 1e-12);
  }
  return c;
}

/** Frames whose Σv·x (recovered from comX) differs from the exact sum by more than the division's rounding. */
function roundedFrames(c: Com, l: Layout): number {
  const k = known(l, new Float32Array(l.det[0] * l.det[1]));
  let n = 0;
  for (let f = 0; f < c.sum.length; f++) if (Math.abs(c.comX[f] * c.sum[f] - k.com[3 * f + 1]) > k.com[3 * f + 1] * 1e-13) n++;
  return n;
}

describe("integer kernels: 8/16-bit counts summed as stored", () => {
  const u8: Layout = { bits: 8, scan: [5, 7], det: [12, 16] };
  const u16: Layout = { bits: 16, scan: [3, 5], det: [16, 64] };
  const merlin: Layout = { bits: 16, scan: [5, 7], det: [12, 16], bigEndian: true, header: 13, flip: true };

  test.each([
    ["uint8 .npy", u8],
    ["uint16 little-endian .npy, counts ≥ 40000 (float32 lane sums of v·x round)", u16],
  ])("%s: equal to the float32 path and to the known sums, serial and on 2 workers, partial last partition", async (_name, l) => {
    const file = path.join(tmp, `${l.bits}.npy`);
    const v = counts(l);
    writeNpy(file, l.bits === 8 ? Uint8Array.from(v) : Uint16Array.from(v), [...l.scan, ...l.det]);
    const ds = await readDataset4D(file);
    expect(ds.dtype.descr).toBe(l.bits === 8 ? "|u1" : "<u2");
    const c = await check(ds, l, { workers: 0, partitionFrames: 8 }, true);
    await check(ds, l, { workers: 2, partitionFrames: 4 }, true);
    // uint8: float32 lane sums are exact; uint16 at these counts: they round, the same way on both paths
    expect(roundedFrames(c, l) > 0).toBe(l.bits === 16);
    ds.close();
  });

  test("big-endian uint16 with 13-byte frame headers and flipped rows (as Merlin .mib): same as the float32 path and the known sums", async () => {
    const ds = detectorFile("merlin.raw", merlin);
    expect(Array.from(ds.readFrames(0, 1).subarray(0, 3))).toEqual([count(16, 0, 0, 0), count(16, 0, 0, 1), count(16, 0, 0, 2)]);
    await check(ds, merlin, { workers: 0, partitionFrames: 6 }, true);
    await check(ds, merlin, { workers: 2, partitionFrames: 6 }, true);
    ds.close();
  });

  test("512 × 512 uint16 frames (512 KiB): a partition of 5 frames is read and summed in steps of 2, 2, 1 frames; same results", async () => {
    const l: Layout = { bits: 16, scan: [1, 5], det: [512, 512], bigEndian: true, flip: true };
    const ds = detectorFile("big.raw", l);
    const read = jest.spyOn(simd, "readRawIntoKernels");
    try {
      await check(ds, l, { workers: 0, partitionFrames: 5 }, true);
      expect(read.mock.calls.map((c) => [c[1], c[2]])).toEqual([[0, 2], [2, 2], [4, 1]]);
    } finally {
      read.mockRestore();
    }
    await check(ds, l, { workers: 2, partitionFrames: 3 }, true);
    ds.close();
  });

  test("the calling thread runs the integer kernels themselves (not a decoded fallback)", async () => {
    const ds = detectorFile("merlin2.raw", merlin);
    const spy = jest.spyOn(simd, "intKernel");
    try {
      await runUDFs(ds, analyses(ds), { workers: 0, partitionFrames: 9 });
      expect(spy).toHaveBeenCalled();
      expect(spy.mock.results.every((r) => r.value !== undefined)).toBe(true);
    } finally {
      spy.mockRestore();
      ds.close();
    }
  });

  test("odd detector width (13 columns, no SIMD kernel): the virtual image takes the float32 path, COM decodes its raw frames; both exact", async () => {
    const l: Layout = { bits: 16, scan: [3, 3], det: [11, 13] };
    const ds = detectorFile("odd.raw", l);
    const [viBin, , com, , mark] = (await runUDFs(ds, [...analyses(ds), probe], { workers: 0, partitionFrames: 4 })) as any[];
    expect(Array.from(mark)).toEqual(new Array(9).fill(0)); // the virtual image has no raw process here: float32 frames for all
    const comOnly = (await runUDFs(ds, [centerOfMassUDF(), probe], { workers: 0, partitionFrames: 4 })) as any[];
    expect(Array.from(comOnly[1])).toEqual(new Array(9).fill(1));
    expect(comOnly[0]).toEqual(com);
    const k = known(l, detectorMask({ type: "annulus", center: [6, 5], inner: 2, outer: 11 / 2 - 1 }, l.det));
    expect(Array.from(viBin as Float64Array)).toEqual(k.vi);
    expect(Array.from(comOnly[0].sum)).toEqual(k.com.filter((_, i) => i % 3 === 0));
    ds.close();
  });

  test("uint8 in shared memory (worker threads read it where it is) and ignoreNaN (no raw process): same as the float32 path", async () => {
    const v = counts(u8), sab = new Uint8Array(new SharedArrayBuffer(v.length));
    sab.set(v);
    const ds = dataset4D(sab, u8.scan, u8.det);
    await check(ds, u8, { workers: 2, partitionFrames: 7 }, true);
    const com = centerOfMassUDF({ ignoreNaN: true });
    expect(com.processRaw).toBeUndefined();
    const [a, mark] = (await runUDFs(ds, [com, probe], { workers: 0, partitionFrames: 7 })) as any[];
    const [b] = (await runUDFs(ds, [centerOfMassUDF()], { workers: 0, partitionFrames: 7 })) as any[];
    expect(Array.from(mark).every((m) => m === 0)).toBe(true);
    expect(Array.from(a.sum)).toEqual(Array.from(b.sum));
  });
});
