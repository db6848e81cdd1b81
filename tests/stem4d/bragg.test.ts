// Direct source imports keep this suite independent of other capabilities' work in progress; tests/stem4d/api.test.ts checks the public "causalscope" exports.
import * as synth from "../../src/synth/stem4d";
import {braggDisks, braggDisksInPattern, braggVectorMap, guessLattice, fitLattice, strainMap} from "../../src/stem4d";

const g1: [number, number] = [11.3, 1.2], g2: [number, number] = [-0.8, 10.6];

function truePositions(cx: number, cy: number, kx: number, ky: number, r: number) {
  const out: [number, number][] = [];
  for (let h = -3; h <= 3; h++) for (let k = -3; k <= 3; k++) {
    const x = cx + h * g1[0] + k * g2[0], y = cy + h * g1[1] + k * g2[1];
    if (x >= r && y >= r && x <= kx - 1 - r && y <= ky - 1 - r) out.push([x, y]);
  }
  return out;
}

function matchError(found: { x: Float32Array; y: Float32Array }, truth: [number, number][]) {
  // error of every true disk that was found (nearest detection within 1.5 px)
  let max = 0, sum2 = 0, n = 0;
  for (const [x, y] of truth) {
    let best = Infinity;
    for (let j = 0; j < found.x.length; j++) best = Math.min(best, Math.hypot(found.x[j] - x, found.y[j] - y));
    if (best > 1.5) continue;
    max = Math.max(max, best); sum2 += best * best; n++;
  }
  return { max, rms: Math.sqrt(sum2 / n), n };
}

describe("Bragg disks", () => {
  test("sub-pixel disk positions in a noiseless pattern (parabolic and upsampled)", () => {
    const center: [number, number] = [31.37, 32.71];
    const { dataset, truth } = synth.stem4d({ scanShape: [1, 1], detShape: [64, 64], center, diskRadius: 3, deflection: 0, lattice: { g1, g2, orders: 3, intensity: 0.5 } });
    const probe = synth.stem4d({ scanShape: [1, 1], detShape: [64, 64], diskRadius: 3, deflection: 0 }).truth.probe;
    const want = truePositions(center[0], center[1], 64, 64, 3);
    const p = dataset.pattern(0, 0);
    const par = braggDisksInPattern(p, probe, { thresholdRel: 0.02, excludeBorder: 3, subpixel: "parabolic" });
    const up = braggDisksInPattern(p, probe, { thresholdRel: 0.02, excludeBorder: 3, subpixel: "upsample", upsample: 16 });
    const ep = matchError(par, want), eu = matchError(up, want);
    console.log(`disk position error (noiseless, r=3 px): parabolic rms ${ep.rms.toFixed(3)} max ${ep.max.toFixed(3)} px; upsample×16 rms ${eu.rms.toFixed(3)} max ${eu.max.toFixed(3)} px; found ${ep.n}/${want.length} disks`);
    expect(ep.n).toBeGreaterThanOrEqual(want.length - 2);
    expect(eu.n).toBe(ep.n);
    expect(ep.max).toBeLessThan(0.25);
    expect(eu.max).toBeLessThan(0.1);
    expect(truth.g1).toEqual(g1);
  });

  test("noisy patterns, workers equal serial, lattice guessed, strain recovered", async () => {
    const strain = (x: number) => (x >= 8 ? { exx: 0.02, eyy: -0.01, exy: 0.005, theta: 0.01 } : {});
    const { dataset, truth } = synth.stem4d({ scanShape: [10, 14], detShape: [64, 64], diskRadius: 3, deflection: 0.3, lattice: { g1, g2, orders: 3, intensity: 0.5 }, strain, dose: 2e4, seed: 7 });
    const probe = truth.probe;
    const opts = { thresholdRel: 0.05, excludeBorder: 2, subpixel: "parabolic" as const };
    const disks = await braggDisks(dataset, probe, { ...opts, workers: 0 });
    const par = await braggDisks(dataset, probe, { ...opts, workers: 2, partitionFrames: 20 });
    expect(par.x).toEqual(disks.x);
    expect(par.offsets).toEqual(disks.offsets);
    expect(disks.offsets[dataset.nFrames]).toBeGreaterThan(dataset.nFrames * 10);
    const bvm = braggVectorMap(disks);
    expect(bvm.width).toBe(64);
    const lat = guessLattice(disks, Array.from({ length: 140 }, (_, i) => i % 14 < 8));
    // the guess is a reduced basis (|g1| <= |g2|, right-handed): equal to the truth up to order and sign
    for (const v of [lat.g1, lat.g2]) {
      const d = Math.min(...[g1, g2].flatMap((g) => [Math.hypot(v[0] - g[0], v[1] - g[1]), Math.hypot(v[0] + g[0], v[1] + g[1])]));
      expect(d).toBeLessThan(0.3);
    }
    const s = strainMap(disks, { region: [0, 10, 0, 8] });
    let errs = { exx: 0, eyy: 0, exy: 0, theta: 0 };
    for (const k of ["exx", "eyy", "exy", "theta"] as const) {
      let e2 = 0;
      for (let i = 0; i < 140; i++) e2 += (s[k].data[i] - truth[k].data[i]) ** 2;
      errs[k] = Math.sqrt(e2 / 140);
    }
    console.log(`strain RMS error (dose 2e4 e/pattern, 140 patterns): exx ${(100 * errs.exx).toFixed(3)} %, eyy ${(100 * errs.eyy).toFixed(3)} %, exy ${(100 * errs.exy).toFixed(3)} %, theta ${(errs.theta * 1e3).toFixed(2)} mrad (applied 2 %, -1 %, 0.5 %, 10 mrad)`);
    expect(errs.exx).toBeLessThan(0.002);
    expect(errs.eyy).toBeLessThan(0.002);
    expect(errs.exy).toBeLessThan(0.002);
    expect(errs.theta).toBeLessThan(0.002);
    // explicit reference vectors and a precomputed fit give the same maps
    const fit = fitLattice(disks, { lattice: { origin: [31.5, 31.5], g1: s.g1, g2: s.g2 } });
    const s2 = strainMap(fit, { g1: s.g1, g2: s.g2 });
    for (let i = 0; i < 140; i++) expect(s2.exx.data[i]).toBeCloseTo(s.exx.data[i], 4);
  });

  test("bad input", async () => {
    const { dataset } = synth.stem4d({ scanShape: [2, 2], detShape: [16, 16] });
    await expect(braggDisks(dataset, { data: new Float32Array(4), width: 2, height: 2 })).rejects.toThrow(/template is 2×2, detector is 16×16/);
    await expect(braggDisks(dataset, { data: new Float32Array(256), width: 16, height: 16 })).rejects.toThrow(/no positive intensity/);
    expect(() => strainMap({ scanShape: [2, 2], detShape: [16, 16], offsets: new Uint32Array(5), x: new Float32Array(0), y: new Float32Array(0), intensity: new Float32Array(0) }, { region: [0, 1, 0, 1] })).toThrow(/Bragg vector map has 0 peaks/);
  });
});
