/**
 * The UDF runner on the shared worker pool (src/core/pool.ts): process
 * functions named by { module, export } run on worker threads with results
 * bit-identical to the calling thread; process functions given as closures
 * run in the calling thread (with a note when workers were asked for).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as synth from "../../src/synth/stem4d";
import { dataset4D, readDataset4D, virtualImage, virtualImages, maxPattern, meanPattern, centerOfMass, runUDF, runUDFs, type UDF } from "../../src/stem4d";
import { meanPatternUDF, virtualImageUDF, centerOfMassUDF, maxPatternUDF } from "../../src/stem4d/analyses";
import { sharedPool } from "../../src/core/pool";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stem4d-udf-"));
afterAll(async () => {
  await sharedPool().terminate();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// A user's process function in its own module (as a notebook user would write to a file).
const userModule = path.join(tmp, "count-above.js");
fs.writeFileSync(userModule, `
const { threadId } = require("node:worker_threads");
exports.countAbove = (frames, n, start, b, p, meta) => {
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let j = 0; j < meta.frameSize; j++) if (frames[i * meta.frameSize + j] > p.t) c++;
    b.n[i] = c;
    b.thread[i] = threadId;
    b.hist[Math.min(3, c % 4)] += 1;
  }
};
exports.failsOnFrame = (frames, n, start, b, p) => {
  for (let i = 0; i < n; i++) if (start + i === p.bad) throw new RangeError("cannot handle frame " + (start + i));
};
`);

function countAbove(t: number): UDF<{ n: Float64Array; thread: Float64Array; hist: Float64Array }, { t: number }> {
  return {
    name: "countAbove",
    params: { t },
    buffers: () => ({ n: { kind: "nav" }, thread: { kind: "nav" }, hist: { kind: "single", length: 4 } }),
    process: { module: userModule, export: "countAbove" },
    finalize: (b) => ({ n: b.n, thread: b.thread, hist: b.hist }),
  };
}

const { dataset: ds } = synth.stem4d({ scanShape: [11, 9], detShape: [16, 12], diskRadius: 3, dose: 400, seed: 8, lattice: { g1: [5, 1], g2: [-1, 5], orders: 1 } });
const all = ds.readFrames(0, ds.nFrames);
const shared = dataset4D(new Float32Array(new SharedArrayBuffer(all.byteLength)).fill(0).map((_, i) => all[i]), [11, 9], [16, 12]);

describe("UDFs on the worker pool", () => {
  test("a user UDF named by { module, export } runs on worker threads, equal to the calling thread", async () => {
    const serial = await runUDF(ds, countAbove(2), { workers: 0, partitionFrames: 7 });
    expect(Array.from(serial.thread).every((t) => t === 0)).toBe(true);
    // Known answer: the direct count.
    for (const f of [0, 50, 98]) {
      let c = 0;
      for (let j = 0; j < ds.frameSize; j++) if (all[f * ds.frameSize + j] > 2) c++;
      expect(serial.n[f]).toBe(c);
    }
    expect(serial.hist.reduce((a, b) => a + b, 0)).toBe(99);
    for (const source of [ds, shared]) {
      const par = await runUDF(source, countAbove(2), { workers: 2, partitionFrames: 7 });
      expect(par.n).toEqual(serial.n);
      expect(par.hist).toEqual(serial.hist);
      expect(Array.from(par.thread).every((t) => t > 0)).toBe(true); // really on worker threads
    }
  });

  test("a throwing process: the error names the UDF, the frames and the original message, serial and parallel alike", async () => {
    const bad: UDF<null, { bad: number }> = {
      name: "failing", params: { bad: 40 }, buffers: () => ({}),
      process: { module: userModule, export: "failsOnFrame" }, finalize: () => null,
    };
    const msg = 'UDF "failing" failed on frames 35..41: cannot handle frame 40';
    await expect(runUDF(ds, bad, { workers: 0, partitionFrames: 7 })).rejects.toThrow(msg);
    const err = await runUDF(ds, bad, { workers: 2, partitionFrames: 7 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toBe(msg);
    expect((err as Error).stack).toMatch(/count-above\.js/);
    await expect(runUDF(ds, { ...bad, process: { module: userModule, export: "nope" } }, { workers: 2 })).rejects.toThrow(/count-above\.js has no exported function "nope"/);
  });

  test("a closure runs in the calling thread, with the variables it uses, and a one-line note when workers were asked for", async () => {
    const offset = 1000; // a variable of the cell: stringified, it would be a ReferenceError or a wrong number on a worker
    const closure: UDF<Float64Array, null> = {
      name: "usesClosure", params: null, buffers: () => ({ v: { kind: "nav" } }),
      process: (_f, n, start, b) => { for (let i = 0; i < n; i++) b.v[i] = offset + start + i; },
      finalize: (b) => b.v,
    };
    const warn = jest.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const r = await runUDF(ds, closure, { workers: 2, partitionFrames: 7 });
      expect(r[0]).toBe(1000);
      expect(r[98]).toBe(1098);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/"usesClosure" run\(s\) in the calling thread.*\{ module, export \}/);
      warn.mockClear();
      await runUDF(ds, closure, { workers: 0 });
      await runUDF(ds, closure); // "auto": no note
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test("built-in UDFs name exported process functions of analyses.ts (no source text)", () => {
    for (const udf of [meanPatternUDF(), maxPatternUDF(), virtualImageUDF(new Float32Array(192).fill(1), { scanShape: [11, 9], detShape: [16, 12], nFrames: 99, frameSize: 192 }), centerOfMassUDF()]) {
      const ref = udf.process as { module: string; export: string };
      expect(ref.module).toMatch(/stem4d[\\/]analyses\.(ts|js)$/);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(typeof require(ref.module)[ref.export]).toBe("function");
    }
  });

  test("built-in analyses: workers (file, shared memory, copied memory) bit-identical to the calling thread, SIMD and plain paths", async () => {
    const file = path.join(tmp, "d.npy");
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (11, 9, 16, 12), }`;
    const padded = header + " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
    const head = Buffer.alloc(10);
    head[0] = 0x93; head.write("NUMPY", 1, "latin1"); head[6] = 1; head.writeUInt16LE(padded.length, 8);
    fs.writeFileSync(file, Buffer.concat([head, Buffer.from(padded, "latin1"), Buffer.from(all.buffer)]));
    const disk = await readDataset4D(file);
    // kx = 12 is a multiple of 4 (SIMD kernels where available); kx = 10 takes the float64 loops.
    const odd = dataset4D(Float32Array.from(all.subarray(0, 99 * 160)), [11, 9], [16, 10]);
    const mask = new Float32Array(192).map((_, j) => ((j * 7) % 5) / 4);
    const dets = [{ type: "circle" as const, center: [5.5, 7.5] as [number, number], radius: 3 }, { type: "annulus" as const, center: [5.5, 7.5] as [number, number], inner: 3, outer: 7 }, mask];
    const ref = await virtualImages(ds, dets, { workers: 0, partitionFrames: 8 });
    const refCom = await centerOfMass(ds, { raw: true, workers: 0, partitionFrames: 8 });
    const refMasked = await runUDF(ds, centerOfMassUDF({ mask }), { workers: 0, partitionFrames: 8 });
    const refMax = await maxPattern(ds, { workers: 0, partitionFrames: 8 });
    const refMean = await meanPattern(ds, { workers: 0, partitionFrames: 8 });
    for (const source of [disk, shared, ds]) {
      const opts = { workers: 2, partitionFrames: 8 };
      const vis = await virtualImages(source, dets, opts);
      vis.forEach((v, i) => expect(v.data).toEqual(ref[i].data));
      expect((await centerOfMass(source, { raw: true, ...opts })).comX.data).toEqual(refCom.comX.data);
      const [masked, mx, mean] = await runUDFs(source, [centerOfMassUDF({ mask }), maxPatternUDF(), meanPatternUDF()] as const, opts);
      expect(masked.comY).toEqual(refMasked.comY);
      expect(Float32Array.from(mx)).toEqual(refMax.data);
      expect(Float32Array.from(mean)).toEqual(refMean.data);
    }
    // Known answer for the plain path: the circle detector on frame 13 by direct summation.
    const oddRef = await virtualImage(odd, { type: "circle", center: [4.5, 7.5], radius: 3 }, { workers: 0 });
    const oddPar = await virtualImage(odd, { type: "circle", center: [4.5, 7.5], radius: 3 }, { workers: 2, partitionFrames: 10 });
    expect(oddPar.data).toEqual(oddRef.data);
    let s = 0;
    for (let y = 0; y < 16; y++) for (let x = 0; x < 10; x++) if ((x - 4.5) ** 2 + (y - 7.5) ** 2 <= 9) s += all[13 * 160 + y * 10 + x];
    expect(oddRef.data[13]).toBeCloseTo(s, 3);
    disk.close();
  });
});

describe("8- and 16-bit files: frames read into the SIMD kernels' memory (src/stem4d/simd.ts)", () => {
  /** A (rows, cols, ky, kx) .npy of the unsigned integers `v` (descr "|u1" or "<u2"). */
  function writeIntNpy(file: string, v: Uint8Array | Uint16Array, shape: number[]): void {
    const descr = v instanceof Uint8Array ? "|u1" : "<u2";
    let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}), }`;
    dict += " ".repeat(128 - 10 - dict.length - 1) + "\n";
    const head = Buffer.alloc(10);
    head[0] = 0x93; head.write("NUMPY", 1, "latin1"); head[6] = 1; head.writeUInt16LE(dict.length, 8);
    fs.writeFileSync(file, Buffer.concat([head, Buffer.from(dict, "latin1"), Buffer.from(v.buffer, v.byteOffset, v.byteLength)]));
  }

  it.each([["uint8", 255], ["uint16", 3000]] as const)("%s: virtual image and centre of mass (plain and masked) equal the exact sums of the stored integers, in the calling thread and on workers", async (type, max) => {
    const rows = 6, cols = 10, ky = 32, kx = 36, fsz = ky * kx, n = rows * cols * fsz;
    const ints = type === "uint8" ? new Uint8Array(n) : new Uint16Array(n);
    let state = 12345;
    for (let i = 0; i < n; i++) { state = (state * 1103515245 + 12345) >>> 0; ints[i] = (state >>> 8) % (max + 1); }
    const file = path.join(tmp, `${type}.npy`);
    writeIntNpy(file, ints, [rows, cols, ky, kx]);
    const ds = await readDataset4D(file);
    const asFloat = dataset4D(Float32Array.from(ints), [rows, cols], [ky, kx]); // in memory: the kernels copy the frames in
    const det = { type: "annulus" as const, center: [17.3, 15.8] as [number, number], inner: 4, outer: 14 };
    const disk = { type: "circle" as const, center: [18, 16] as [number, number], radius: 9 };
    const inDet = (x: number, y: number, d: { center: [number, number] }, r0: number, r1: number) => { const d2 = (x - d.center[0]) ** 2 + (y - d.center[1]) ** 2; return d2 >= r0 * r0 && d2 <= r1 * r1; };
    // exact sums in float64 (the float32 lane sums of these integers are exact too)
    const vi = new Float32Array(rows * cols), cx = new Float32Array(rows * cols), mcx = new Float32Array(rows * cols), mcy = new Float32Array(rows * cols);
    for (let f = 0; f < rows * cols; f++) {
      let s = 0, s0 = 0, sx = 0, m0 = 0, mx = 0, my = 0;
      for (let y = 0; y < ky; y++) for (let x = 0; x < kx; x++) {
        const v = ints[f * fsz + y * kx + x];
        if (inDet(x, y, det, det.inner, det.outer)) s += v;
        s0 += v; sx += v * x;
        if (inDet(x, y, disk, 0, disk.radius)) { m0 += v; mx += v * x; my += v * y; }
      }
      vi[f] = s; cx[f] = sx / s0; mcx[f] = mx / m0; mcy[f] = my / m0;
    }
    for (const workers of [0, 2]) {
      const opts = { workers, partitionFrames: 7, progress: false }; // 9 partitions, the last one short
      expect(Array.from((await virtualImage(ds, det, opts)).data)).toEqual(Array.from(vi));
      expect(Array.from((await centerOfMass(ds, { ...opts, raw: true })).comX.data)).toEqual(Array.from(cx));
      const masked = await centerOfMass(ds, { ...opts, raw: true, mask: disk });
      expect(Array.from(masked.comX.data)).toEqual(Array.from(mcx));
      expect(Array.from(masked.comY.data)).toEqual(Array.from(mcy));
      expect(Array.from((await virtualImage(asFloat, det, opts)).data)).toEqual(Array.from(vi));
    }
    ds.close();
  });
});
