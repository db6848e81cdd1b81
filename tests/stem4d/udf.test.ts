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
