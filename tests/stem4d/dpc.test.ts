// Direct source imports keep this suite independent of other capabilities' work in progress.
import * as synth from "../../src/synth/stem4d";
import { centerOfMass, dpcRotation, idpc, ddpc, curl, fitPlane, descanCorrect } from "../../src/stem4d";
import { fft1d } from "../../src/image/fft";
import type { Image } from "../../src/image";

function rms(a: Image, b: Image, removePlane = false): number {
  const d = new Float32Array(a.data.length);
  for (let i = 0; i < d.length; i++) d[i] = a.data[i] - b.data[i];
  if (removePlane) {
    const [c0, c1, c2] = fitPlane(d, a.width, a.height);
    for (let y = 0; y < a.height; y++) for (let x = 0; x < a.width; x++) d[y * a.width + x] -= c0 + c1 * x + c2 * y;
  }
  let s = 0;
  for (const v of d) s += v * v;
  return Math.sqrt(s / d.length);
}

function correlation(a: Float32Array, b: Float32Array): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]; mb += b[i]; }
  ma /= a.length; mb /= b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}

describe("FFT", () => {
  test("matches a direct DFT for power-of-two and other lengths", () => {
    for (const n of [8, 12, 17, 30]) {
      const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + i / n), im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
      const r0 = Float64Array.from(re), i0 = Float64Array.from(im);
      fft1d(re, im);
      for (let k = 0; k < n; k++) {
        let sr = 0, si = 0;
        for (let j = 0; j < n; j++) { const a = (-2 * Math.PI * j * k) / n; sr += r0[j] * Math.cos(a) - i0[j] * Math.sin(a); si += r0[j] * Math.sin(a) + i0[j] * Math.cos(a); }
        expect(re[k]).toBeCloseTo(sr, 9); expect(im[k]).toBeCloseTo(si, 9);
      }
      fft1d(re, im, true);
      for (let j = 0; j < n; j++) expect(re[j]).toBeCloseTo(r0[j], 10);
    }
  });
});

describe("DPC", () => {
  const base = { scanShape: [32, 32] as [number, number], detShape: [32, 32] as [number, number], diskRadius: 6, deflection: 1, descan: [0.03, 0.01, -0.02, 0.02] as [number, number, number, number] };

  test("COM recovers the deflection; RMS error vs dose", async () => {
    const lines: string[] = [];
    let prev = Infinity;
    for (const dose of [1e2, 1e3, 1e4, 1e5, undefined]) {
      const { dataset, truth } = synth.stem4d({ ...base, rotation: 0.3, dose, seed: 11 });
      const ref = { comX: plus(truth.descanX, truth.center[0]), comY: plus(truth.descanY, truth.center[1]) };
      const c = await centerOfMass(dataset, { descan: ref, rotation: 0.3 });
      const e = Math.hypot(rms(c.comX, truth.comX), rms(c.comY, truth.comY));
      const cp = await centerOfMass(dataset, { rotation: 0.3 }); // default: plane descan (removes the plane of the deflection too)
      const ep = Math.hypot(rms(cp.comX, truth.comX, true), rms(cp.comY, truth.comY, true));
      lines.push(`dose ${dose ?? "∞"} e/pattern: COM RMS error ${e.toFixed(4)} px (vacuum-reference descan), ${ep.toFixed(4)} px (plane descan, vs plane-free truth); deflection RMS ${Math.hypot(rms(truth.comX, { ...truth.comX, data: new Float32Array(1024) }), rms(truth.comY, { ...truth.comY, data: new Float32Array(1024) })).toFixed(3)} px`);
      expect(e).toBeLessThan(prev * 1.05);
      prev = e;
      if (dose === undefined) expect(e).toBeLessThan(0.02);
      if (dose === 1e4) expect(e).toBeLessThan(0.08);
      expect(Math.abs(ep - e)).toBeLessThan(0.03);
    }
    console.log(lines.join("\n"));
  });

  test("curl-minimising rotation and flip are found", async () => {
    for (const [rotation, flip] of [[0.3, false], [-1.9, true], [2.8, false]] as [number, boolean][]) {
      const { dataset, truth } = synth.stem4d({ ...base, rotation, flip, dose: 1e5, seed: 2 });
      const c = await centerOfMass(dataset, { rotation: "auto" });
      const d = Math.atan2(Math.sin(c.rotation - rotation), Math.cos(c.rotation - rotation));
      expect(c.flip).toBe(flip);
      expect(Math.abs(d)).toBeLessThan(0.03);
      expect(rms(c.comX, truth.comX, true)).toBeLessThan(0.05);
      const r = dpcRotation(...descanCorrect(c.rawX, c.rawY, "plane"));
      expect(r.curlRms).toBeLessThan(r.curlRmsOther);
    }
  });

  test("iDPC recovers the phase, dDPC its Laplacian; curl of the corrected field is small", async () => {
    const { dataset, truth } = synth.stem4d({ ...base, rotation: 0.5, dose: 1e4, seed: 4, deflection: 0.8 });
    const c = await centerOfMass(dataset, { rotation: 0.5, descan: { comX: plus(truth.descanX, truth.center[0]), comY: plus(truth.descanY, truth.center[1]) } });
    const phase = idpc(c.comX, c.comY);
    const r = correlation(phase.data, truth.phase.data);
    console.log(`iDPC vs true phase (dose 1e4): Pearson r = ${r.toFixed(4)}`);
    expect(r).toBeGreaterThan(0.98);
    // scale: the phase range matches (units detector px × scan px)
    const range = (a: Float32Array) => Math.max(...a) - Math.min(...a);
    expect(range(phase.data) / range(truth.phase.data)).toBeGreaterThan(0.85);
    expect(range(phase.data) / range(truth.phase.data)).toBeLessThan(1.15);
    const lap = ddpc(truth.comX, truth.comY), dd = ddpc(c.comX, c.comY);
    expect(correlation(dd.data, lap.data)).toBeGreaterThan(0.8);
    const cu = curl(c.comX, c.comY);
    let cs = 0, ds = 0;
    for (let i = 0; i < cu.data.length; i++) { cs += cu.data[i] ** 2; ds += dd.data[i] ** 2; }
    expect(cs).toBeLessThan(0.2 * ds);
    // calibrated: radians
    const cal = idpc(c.comX, c.comY, { scanStep: 0.5, detPixelSize: 0.02 });
    expect(cal.data[5] / phase.data[5]).toBeCloseTo(2 * Math.PI * 0.5 * 0.02, 5);
  });
});

function plus(img: Image, c: number): Image {
  return { data: img.data.map((v) => v + c), width: img.width, height: img.height };
}
