import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
// Direct source imports keep this suite independent of other capabilities' work in progress; tests/stem4d/api.test.ts checks the public "causalscope" exports.
import * as synth from "../../src/synth/stem4d";
import {dataset4D, readDataset4D, virtualImage, virtualImages, detectorMask, meanPattern, maxPattern, centerOfMass, runUDF, writeNpy4D, type UDF} from "../../src/stem4d";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stem4d-core-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function npyBytes(descr: string, shape: number[], payload: Uint8Array): Buffer {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
  dict += " ".repeat(pad) + "\n";
  const head = Buffer.alloc(10);
  head[0] = 0x93; head.write("NUMPY", 1, "latin1"); head[6] = 1; head.writeUInt16LE(dict.length, 8);
  return Buffer.concat([head, Buffer.from(dict, "latin1"), Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)]);
}

describe("Dataset4D and virtual detectors", () => {
  const { dataset: ds, truth } = synth.stem4d({ scanShape: [12, 10], detShape: [24, 20], diskRadius: 4, deflection: 1.5, dose: 2000, seed: 3, lattice: { g1: [7, 0], g2: [0, 7], orders: 1 } });

  test("shapes and pattern access", () => {
    expect(ds.scanShape).toEqual([12, 10]);
    expect(ds.detShape).toEqual([24, 20]);
    expect(ds.nFrames).toBe(120);
    const p = ds.pattern(2, 3);
    expect([p.width, p.height]).toEqual([20, 24]);
    expect(Array.from(p.data)).toEqual(Array.from(ds.readFrames(2 * 10 + 3, 1)));
    expect(() => ds.pattern(12, 0)).toThrow(/outside the 12×10 scan/);
    expect(truth.probe.width).toBe(20);
  });

  test("circle, annulus, sector, mask: equal the direct sum over the mask", async () => {
    const dets = [
      { type: "circle" as const, center: [9.5, 11.5] as [number, number], radius: 4 },
      { type: "annulus" as const, center: [9.5, 11.5] as [number, number], inner: 5, outer: 9 },
      { type: "sector" as const, center: [9.5, 11.5] as [number, number], inner: 0, outer: 20, start: -Math.PI / 4, end: Math.PI / 4 },
    ];
    const weights = new Float32Array(24 * 20).map((_, i) => (i % 7) / 3);
    const all = [...dets, weights];
    const imgs = await virtualImages(ds, all, { workers: 0 });
    for (let d = 0; d < all.length; d++) {
      const mask = detectorMask(all[d], [24, 20]);
      const img = d < 3 ? await virtualImage(ds, all[d]) : imgs[d];
      expect([img.width, img.height]).toEqual([10, 12]);
      for (let i = 0; i < ds.nFrames; i++) {
        const f = ds.readFrames(i, 1);
        let s = 0;
        for (let j = 0; j < f.length; j++) s += f[j] * mask[j];
        expect(img.data[i]).toBeCloseTo(s, 2);
        expect(Math.abs(img.data[i] - s)).toBeLessThanOrEqual(1e-5 * Math.abs(s) + 1e-6);
        expect(imgs[d].data[i]).toBe(img.data[i]);
      }
    }
  });

  test("inclusive bounds: a pixel exactly at the radius is inside", () => {
    const m = detectorMask({ type: "circle", center: [5, 5], radius: 3 }, [11, 11]);
    expect(m[5 * 11 + 8]).toBe(1); // distance exactly 3
    expect(m[5 * 11 + 9]).toBe(0);
    const a = detectorMask({ type: "annulus", center: [5, 5], inner: 3, outer: 4 }, [11, 11]);
    expect(a[5 * 11 + 8]).toBe(1); // d = 3 = inner
    expect(a[5 * 11 + 9]).toBe(1); // d = 4 = outer
    expect(a[5 * 11 + 7]).toBe(0);
    const rows = Array.from({ length: 11 }, (_, y) => Array.from({ length: 11 }, (_, x) => x === y));
    expect(detectorMask(rows, [11, 11])[3 * 11 + 3]).toBe(1);
  });

  test("bad detectors give clear errors", async () => {
    await expect(virtualImage(ds, new Float32Array(5))).rejects.toThrow(/mask has 5 values, detector ky×kx = 24×20 = 480/);
    await expect(virtualImage(ds, { type: "annulus", center: [1, 1], inner: 5, outer: 2 })).rejects.toThrow(/inner <= outer/);
    await expect(virtualImage(ds, { type: "blob" } as never)).rejects.toThrow(/center|unknown detector/);
  });

  test("mean and max patterns", async () => {
    const mean = await meanPattern(ds), max = await maxPattern(ds);
    const all = ds.readFrames(0, ds.nFrames);
    for (const j of [0, 100, 11 * 20 + 9, 479]) {
      let s = 0, m = -Infinity;
      for (let i = 0; i < ds.nFrames; i++) { s += all[i * 480 + j]; m = Math.max(m, all[i * 480 + j]); }
      expect(mean.data[j]).toBeCloseTo(s / ds.nFrames, 4);
      expect(max.data[j]).toBe(m);
    }
  });
});

describe("centre of mass", () => {
  test("raw COM is the plain intensity-weighted mean (x = column)", async () => {
    const data = new Float32Array(2 * 1 * 4 * 5);
    data[1 * 5 + 3] = 2; data[2 * 5 + 1] = 2; // frame 0: (3,1) and (1,2) equal weight
    data[20 + 0 * 5 + 4] = 1;                 // frame 1: (4,0)
    const ds = dataset4D(data, [1, 2], [4, 5]);
    const { comX, comY } = await centerOfMass(ds, { raw: true });
    expect(Array.from(comX.data)).toEqual([2, 4]);
    expect(Array.from(comY.data)).toEqual([1.5, 0]);
  });

  test("zero-intensity pattern gives NaN; NaN pixels propagate unless ignoreNaN", async () => {
    const data = new Float32Array(3 * 9).fill(1);
    data.fill(0, 0, 9);
    data[9 + 4] = NaN;
    const ds = dataset4D(data, [1, 3], [3, 3]);
    const r = await centerOfMass(ds, { raw: true });
    expect(Number.isNaN(r.comX.data[0])).toBe(true);
    expect(Number.isNaN(r.comX.data[1])).toBe(true);
    expect(r.comX.data[2]).toBe(1);
    const r2 = await centerOfMass(ds, { raw: true, ignoreNaN: true });
    expect(r2.comX.data[1]).toBe(1);
    expect(r2.comY.data[1]).toBe(1);
  });

  test("masked COM (SIMD path, kx % 4 == 0) equals the direct float64 sums; NaN outside the mask does not leak in", async () => {
    const { dataset } = synth.stem4d({ scanShape: [6, 5], detShape: [20, 24], diskRadius: 4, deflection: 1, dose: 3000, seed: 2, lattice: { g1: [7, 0], g2: [0, 7], orders: 1 } });
    const all = dataset.readFrames(0, dataset.nFrames);
    all[3 * 480 + 0] = NaN; // frame 3, pixel (0, 0): outside the mask, inside its row range? (row 0 is empty: never read)
    all[4 * 480 + 8 * 24 + 4] = NaN; // frame 4, (x 4, y 8): outside the circle, inside row 8's 4-aligned range
    const ds = dataset4D(all, [6, 5], [20, 24]);
    const det = { type: "circle" as const, center: [11.5, 9.5] as [number, number], radius: 6 };
    const mask = detectorMask(det, [20, 24]);
    const c = await centerOfMass(ds, { raw: true, mask: det });
    for (let f = 0; f < ds.nFrames; f++) {
      let s = 0, sx = 0, sy = 0;
      for (let y = 0; y < 20; y++) for (let x = 0; x < 24; x++) { const w = mask[y * 24 + x]; if (!w) continue; const v = all[f * 480 + y * 24 + x]; s += v * w; sx += v * w * x; sy += v * w * y; }
      expect(c.comX.data[f]).toBeCloseTo(sx / s, 4);
      expect(c.comY.data[f]).toBeCloseTo(sy / s, 4);
    }
  });

  test("noiseless COM recovers raw centre and deflection with descan and rotation", async () => {
    const rotation = 0.6;
    const { dataset, truth } = synth.stem4d({ scanShape: [24, 24], detShape: [32, 32], diskRadius: 6, deflection: 1.2, descan: [0.05, -0.02, 0.01, 0.04], rotation, flip: false });
    const raw = await centerOfMass(dataset, { raw: true });
    let e = 0;
    for (let i = 0; i < dataset.nFrames; i++) e = Math.max(e, Math.abs(raw.comX.data[i] - truth.rawX.data[i]), Math.abs(raw.comY.data[i] - truth.rawY.data[i]));
    expect(e).toBeLessThan(0.02);
    const cor = await centerOfMass(dataset, { descan: { comX: plus(truth.descanX, truth.center[0]), comY: plus(truth.descanY, truth.center[1]) }, rotation });
    let rms = 0;
    for (let i = 0; i < dataset.nFrames; i++) rms += (cor.comX.data[i] - truth.comX.data[i]) ** 2 + (cor.comY.data[i] - truth.comY.data[i]) ** 2;
    expect(Math.sqrt(rms / dataset.nFrames)).toBeLessThan(0.02);
    const auto = await centerOfMass(dataset, { rotation: "auto" });
    expect(auto.flip).toBe(false);
    expect(Math.abs(auto.rotation - rotation)).toBeLessThan(0.02);
  });
});

function plus(img: { data: Float32Array; width: number; height: number }, c: number) {
  return { data: img.data.map((v) => v + c), width: img.width, height: img.height };
}

describe("files, streaming and workers", () => {
  const { dataset: ds } = synth.stem4d({ scanShape: [9, 7], detShape: [16, 12], diskRadius: 3, dose: 500, seed: 5, lattice: { g1: [5, 1], g2: [-1, 5], orders: 1 } });
  const all = ds.readFrames(0, ds.nFrames);

  test(".npy streaming equals in-memory exactly, any partition and worker count", async () => {
    const file = path.join(tmp, "a.npy");
    fs.writeFileSync(file, npyBytes("<f4", [9, 7, 16, 12], new Uint8Array(all.buffer)));
    const disk = await readDataset4D(file);
    expect(disk.scanShape).toEqual([9, 7]);
    expect(disk.source.onDisk).toBe(true);
    const det = { type: "annulus" as const, center: [5.5, 7.5] as [number, number], inner: 2, outer: 6 };
    const ref = await virtualImage(ds, det, { workers: 0 });
    const refCom = await centerOfMass(ds, { raw: true, workers: 0 });
    const refMean = await meanPattern(ds, { workers: 0 });
    for (const opts of [{ workers: 0 }, { workers: 0, partitionFrames: 5 }, { workers: 2, partitionFrames: 4 }, { workers: 3, partitionFrames: 1 }]) {
      expect((await virtualImage(disk, det, opts)).data).toEqual(ref.data);
      expect((await centerOfMass(disk, { raw: true, ...opts })).comX.data).toEqual(refCom.comX.data);
    }
    // Reductions are exact across workers for a fixed partition size.
    const m1 = await meanPattern(disk, { workers: 0, partitionFrames: 4 });
    const m2 = await meanPattern(disk, { workers: 3, partitionFrames: 4 });
    const m3 = await meanPattern(ds, { workers: 2, partitionFrames: 4 });
    expect(m2.data).toEqual(m1.data);
    expect(m3.data).toEqual(m1.data);
    expect((await meanPattern(disk)).data).toEqual(refMean.data);
    disk.close();
  });

  test("uint16 big-endian, raw with frame headers, 3-D npy with scanShape", async () => {
    const u16 = Uint16Array.from(all, (v) => Math.round(v));
    const be = Buffer.alloc(u16.length * 2);
    u16.forEach((v, i) => be.writeUInt16BE(v, 2 * i));
    const f1 = path.join(tmp, "be.npy");
    fs.writeFileSync(f1, npyBytes(">u2", [63, 16, 12], be));
    const d1 = await readDataset4D(f1, { scanShape: [9, 7] });
    expect(Array.from(d1.readFrames(0, 63))).toEqual(Array.from(u16));
    // raw: 16-byte file header, 4-byte frame header, 8-byte frame footer
    const parts: Buffer[] = [Buffer.alloc(16, 7)];
    for (let i = 0; i < 63; i++) {
      parts.push(Buffer.alloc(4, 1), Buffer.from(u16.buffer, i * 192 * 2, 192 * 2), Buffer.alloc(8, 2));
    }
    const f2 = path.join(tmp, "x.raw");
    fs.writeFileSync(f2, Buffer.concat(parts));
    const d2 = await readDataset4D(f2, { scanShape: [9, 7], detShape: [16, 12], dtype: "uint16", offset: 16, frameHeader: 4, frameFooter: 8 });
    expect(Array.from(d2.readFrames(0, 63))).toEqual(Array.from(u16));
    const v = await virtualImage(d2, { type: "circle", center: [6, 8], radius: 5 }, { workers: 2, partitionFrames: 10 });
    const vm = await virtualImage(dataset4D(u16, [9, 7], [16, 12]), { type: "circle", center: [6, 8], radius: 5 });
    expect(v.data).toEqual(vm.data);
  });

  test("bad files: truncated, wrong shape, bad dtype, missing", async () => {
    const f = path.join(tmp, "short.npy");
    const full = npyBytes("<f4", [9, 7, 16, 12], new Uint8Array(all.buffer));
    fs.writeFileSync(f, full.subarray(0, full.length - 100));
    await expect(readDataset4D(f)).rejects.toThrow(/short\.npy.*truncated: header says 48384 bytes of data.*file has 48284/);
    const g = path.join(tmp, "ok.npy");
    fs.writeFileSync(g, full);
    await expect(readDataset4D(g, { scanShape: [10, 7] })).rejects.toThrow(/scanShape \[10,7\] has 70 positions, the file has 9×7 = 63/);
    await expect(readDataset4D(g, { detShape: [12, 16] })).rejects.toThrow(/does not match the file's detector 16×12/);
    const h = path.join(tmp, "c.npy");
    fs.writeFileSync(h, npyBytes("<c8", [1, 1, 1, 1], new Uint8Array(8)));
    await expect(readDataset4D(h)).rejects.toThrow(/readDataset4D.*c\.npy.*dtype <c8 is not supported/);
    const r = path.join(tmp, "r.raw");
    fs.writeFileSync(r, Buffer.alloc(1000));
    await expect(readDataset4D(r, { scanShape: [2, 2], detShape: [20, 20], dtype: "uint16" })).rejects.toThrow(/truncated: header\/shape says 3200 bytes/);
    await expect(readDataset4D(r, { scanShape: [2, 2], detShape: [10, 10], dtype: "uint8" })).rejects.toThrow(/file has 1000 bytes.*needs 400/);
    await expect(readDataset4D(path.join(tmp, "nope.npy"))).rejects.toThrow(/nope\.npy.*cannot open/);
    fs.writeFileSync(path.join(tmp, "x.tif"), "not a known format"); // chosen by content: unknown content names the formats tried
    await expect(readDataset4D(path.join(tmp, "x.tif"))).rejects.toThrow(/x\.tif.*unknown file format.*formats tried: npy.*options\.format "raw"/);
    expect(() => dataset4D(new Float32Array(10), [2, 2], [2, 2])).toThrow(/data has 10 values.*needs 16/);
  });

  test("writeNpy4D round-trips, streaming from a dataset", async () => {
    const f = path.join(tmp, "w.npy");
    await writeNpy4D(f, ds, { partitionFrames: 4 });
    const back = await readDataset4D(f);
    expect(back.readFrames(0, back.nFrames)).toEqual(all);
    back.close();
  });

  test("custom UDF with a function process: same result with and without workers (it runs in the calling thread; see udf.test.ts)", async () => {
    const udf: UDF<Float64Array, { t: number }> = {
      name: "countAbove",
      params: { t: 2 },
      buffers: () => ({ n: { kind: "nav" }, hist: { kind: "single", length: 4 } }),
      process(frames, n, _start, b, p, meta) {
        for (let i = 0; i < n; i++) {
          let c = 0;
          for (let j = 0; j < meta.frameSize; j++) if (frames[i * meta.frameSize + j] > p.t) c++;
          b.n[i] = c;
          b.hist[Math.min(3, c % 4)] += 1;
        }
      },
      finalize: (b) => Float64Array.from([...b.n, ...b.hist]),
    };
    const a = await runUDF(ds, udf, { workers: 0, partitionFrames: 5 });
    const b = await runUDF(ds, udf, { workers: 2, partitionFrames: 5 });
    expect(b).toEqual(a);
  });

  test("NaN handling: NaN inside a detector makes that pixel NaN, outside it does not; writer refuses NaN for integers", async () => {
    const data = new Float32Array(4 * 25).fill(1);
    data[25 + 12] = NaN;      // frame 1, centre pixel
    data[50 + 0] = NaN;       // frame 2, corner pixel
    const d = dataset4D(data, [2, 2], [5, 5]);
    const v = await virtualImage(d, { type: "circle", center: [2, 2], radius: 1 });
    expect(Number.isNaN(v.data[1])).toBe(true);
    expect(v.data[2]).toBe(5);
    expect(v.data[0]).toBe(5);
    const mx = await maxPattern(d);
    expect(Number.isNaN(mx.data[12])).toBe(true);
    expect(mx.data[1]).toBe(1);
    await expect(writeNpy4D(path.join(tmp, "nan.npy"), d, { dtype: "uint16" })).rejects.toThrow(/frame 1 has value NaN, not representable as <u2/);
    // kx = 8: the SIMD path; a NaN outside the circle but inside its row's 4-aligned range must not leak in
    const d8 = new Float32Array(3 * 64).fill(2);
    d8[64 + 3 * 8 + 0] = NaN;           // frame 1, (x 0, y 3): outside the circle
    d8[128 + 3 * 8 + 3] = Infinity;     // frame 2, (x 3, y 3): inside
    const ds8 = dataset4D(d8, [1, 3], [8, 8]);
    const v8 = await virtualImage(ds8, { type: "circle", center: [3.5, 3.5], radius: 1 });
    expect(v8.data[0]).toBe(8);
    expect(v8.data[1]).toBe(8);
    expect(v8.data[2]).toBe(Infinity);
    const c8 = await centerOfMass(ds8, { raw: true });
    expect(c8.comX.data[0]).toBe(3.5);
    expect(Number.isNaN(c8.comX.data[1])).toBe(true);
  });

  test("Fortran-ordered and non-4-D files are refused with the reason", async () => {
    const f = path.join(tmp, "fortran.npy");
    const head = npyBytes("<f4", [2, 2, 2, 2], new Uint8Array(64)).toString("latin1").replace("'fortran_order': False", "'fortran_order': True ");
    fs.writeFileSync(f, Buffer.from(head, "latin1"));
    await expect(readDataset4D(f)).rejects.toThrow(/Fortran-ordered arrays are not supported/);
    const g = path.join(tmp, "2d.npy");
    fs.writeFileSync(g, npyBytes("<f4", [4, 4], new Uint8Array(64)));
    await expect(readDataset4D(g)).rejects.toThrow(/expected a 4-D \(rows, cols, ky, kx\) or 3-D \(N, ky, kx\) array, got shape \(4, 4\)/);
  });

  test("streaming runs show a progress bar in the kernel (through kernelBridge)", async () => {
    const file = path.join(tmp, "progress.npy");
    await writeNpy4D(file, ds);
    const disk = await readDataset4D(file);
    const shown: string[] = [];
    const key = Symbol.for("causalscope.kernelBridge");
    (globalThis as Record<symbol, unknown>)[key] = { display: (bundle: Record<string, unknown>) => shown.push(String(bundle["text/plain"])) };
    try {
      await virtualImage(disk, { type: "circle", center: [6, 8], radius: 4 }, { workers: 0, partitionFrames: 8 });
    } finally {
      delete (globalThis as Record<symbol, unknown>)[key];
      disk.close();
    }
    expect(shown.length).toBeGreaterThan(0);
    expect(shown[shown.length - 1]).toMatch(/virtualImage.*100%.*63\/63/);
  });
});
