/**
 * Drift correction (src/series/register.ts) on synthetic lattice series with
 * known sub-pixel drift and Poisson noise, and against scikit-image's
 * phase_cross_correlation (requirements/em-formats.txt pins scikit-image) on
 * the same frames.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { alignSeries, fourierShift, makeSeries, phaseCorrelation } from "../../src/series";
import { tileGrid, warpImage } from "../../src/series/warp";
import { writeNpy } from "../../src/io";
import { driftSeries } from "./synthetic";
import { applyPoisson, rng, square } from "../../src/synth";

const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(resolve(__dirname, "..", ".."), ".venv", "bin", "python");

describe("alignSeries recovers known drift", () => {
  it("to 0.05 px on a 128² lattice series with vacancies at 1000 e⁻/column, drift up to ±4 px (beyond half the 12 px spacing)", async () => {
    const { frames, shifts } = driftSeries(6, { dose: 1000, maxShift: 4, seed: 1 });
    const out = await alignSeries(makeSeries(frames));
    expect(out.shifts).toHaveLength(6);
    expect(out.shifts[0]).toEqual([0, 0]);
    const err = out.shifts.map((s, i) => Math.hypot(s[0] - shifts[i][0], s[1] - shifts[i][1]));
    console.log(`alignSeries: |error| per frame (px) ${err.map((e) => e.toFixed(3)).join(" ")}`);
    expect(Math.max(...err)).toBeLessThan(0.05);
    for (const p of out.peaks) expect(p).toBeGreaterThan(0.05);
    // the aligned frames agree with frame 0 inside the valid rectangle far better than the raw ones
    const { x, y, width, height } = out.valid;
    const rms = (a: Float32Array, b: Float32Array) => {
      let s = 0, n = 0;
      for (let yy = y + 2; yy < y + height - 2; yy++) for (let xx = x + 2; xx < x + width - 2; xx++) { s += (a[yy * 128 + xx] - b[yy * 128 + xx]) ** 2; n++; }
      return Math.sqrt(s / n);
    };
    const f0 = out.series.frame(0).data;
    const worst = frames.map((_, i) => i).sort((i, j) => Math.hypot(...shifts[j]) - Math.hypot(...shifts[i]))[0];
    expect(rms(out.series.frame(worst).data, f0)).toBeLessThan(0.5 * rms(frames[worst].data, f0));
  });

  it("phase normalisation (scikit-image's default) is not accurate on such frames: error above 0.2 px, which is why the default is plain cross-correlation", async () => {
    const { frames, shifts } = driftSeries(3, { dose: 1000, maxShift: 4, seed: 1 });
    const out = await alignSeries(makeSeries(frames), { normalization: "phase", window: "none", upsampleFactor: 20 });
    const err = out.shifts.map((s, i) => Math.hypot(s[0] - shifts[i][0], s[1] - shifts[i][1]));
    expect(Math.max(...err)).toBeGreaterThan(0.2);
  });

  it("reference \"previous\" chains consecutive frames; the chained error stays below 0.05 px over 4 frames", async () => {
    const { frames, shifts } = driftSeries(4, { dose: 2000, maxShift: 2, seed: 2 });
    const out = await alignSeries(makeSeries(frames), { reference: "previous" });
    const err = out.shifts.map((s, i) => Math.hypot(s[0] - shifts[i][0], s[1] - shifts[i][1]));
    expect(Math.max(...err)).toBeLessThan(0.05);
  });

  it("fourierShift moves a frame by a known sub-pixel amount that phaseCorrelation measures back to 0.01 px (noiseless)", () => {
    const { frames } = driftSeries(1, { seed: 3 });
    const moved = fourierShift(frames[0], [1.37, -2.61]);
    const { shift, peak } = phaseCorrelation(frames[0], moved);
    expect(Math.abs(shift[0] - 1.37)).toBeLessThan(0.011);
    expect(Math.abs(shift[1] + 2.61)).toBeLessThan(0.011);
    expect(peak).toBeGreaterThan(0.9);
  });

  it("refuses bad options and images naming the option", async () => {
    const { frames } = driftSeries(2, { size: 32, seed: 4 });
    const s = makeSeries(frames);
    await expect(alignSeries(s, { reference: "mean" as "first" })).rejects.toThrow(/alignSeries: options.reference must be one of "first", "previous"; got "mean"/);
    await expect(alignSeries(s, { upsampleFactor: 0 })).rejects.toThrow(/alignSeries: options.upsampleFactor must be a number ≥ 1, got 0/);
    await expect(alignSeries(s, { window: "hamming" as "hann" })).rejects.toThrow(/alignSeries: options.window must be one of "hann", "none"; got "hamming"/);
    expect(() => phaseCorrelation(frames[0], { data: new Float32Array(16), width: 4, height: 4 })).toThrow(/images of different sizes: reference 32×32, moving 4×4/);
  });
});

describe("alignSeries with nonRigid measures and removes a shear", () => {
  it("4 × 4 tiles: drift plus a per-frame shear (x displacement up to ±1 px across the frame) recovered to 0.15 px at the tile centres (64² tiles, 1000 e⁻/column), and the noiseless copy of the most sheared frame, corrected with the measured field, mismatches frame 0 less than half as much as rigidly aligned", async () => {
    const r = rng(11), n = 4;
    const truth = Array.from({ length: n }, (_, i) => (i === 0 ? { d: [0, 0], g: 0 } : { d: [r.range(-3, 3), r.range(-3, 3)], g: r.range(-0.016, 0.016) }));
    const clean = truth.map(({ d, g }) => square({ width: 128, height: 128, latticeConstant: 12, vacancies: { fraction: 0.06 }, seed: 7, displacement: (_x, y) => [d[0] + g * (y - 63.5), d[1]] }).image);
    const frames = clean.map((c, i) => ({ ...c, data: applyPoisson(c.data.slice(), rng(300 + i)) }));
    const nr = await alignSeries(makeSeries(frames), { nonRigid: { tiles: 4 } });
    const { centers, shifts } = nr.nonRigid!;
    let worst = 0;
    for (let i = 1; i < n; i++) {
      for (let ty = 0; ty < 4; ty++) for (let tx = 0; tx < 4; tx++) {
        const got = shifts[i][ty * 4 + tx], total = [nr.shifts[i][0] + got[0], nr.shifts[i][1] + got[1]];
        const want = [truth[i].d[0] + truth[i].g * (centers.y[ty] - 63.5), truth[i].d[1]];
        worst = Math.max(worst, Math.hypot(total[0] - want[0], total[1] - want[1]));
      }
    }
    console.log(`nonRigid: worst tile-centre error ${worst.toFixed(3)} px; shears ${truth.map((t) => t.g.toFixed(4)).join(" ")}`);
    expect(worst).toBeLessThan(0.15);
    // the noiseless copy of the most sheared frame, corrected with what was measured on the noisy frames
    const rms = (a: Float32Array, b: Float32Array) => {
      let s = 0, k = 0;
      for (let y = 16; y < 112; y++) for (let x = 16; x < 112; x++) { s += (a[y * 128 + x] - b[y * 128 + x]) ** 2; k++; }
      return Math.sqrt(s / k);
    };
    const i = truth.reduce((b, t, k) => (Math.abs(t.g) > Math.abs(truth[b].g) ? k : b), 1);
    const rigidOnly = fourierShift(clean[i], [-nr.shifts[i][0], -nr.shifts[i][1]]); // nonRigid leaves the rigid shifts as they are
    const warped = warpImage(fourierShift(clean[i], [-nr.shifts[i][0], -nr.shifts[i][1]]), tileGrid(128, 128, 4), shifts[i]);
    const [w, rg] = [rms(warped.data, clean[0].data), rms(rigidOnly.data, clean[0].data)];
    console.log(`nonRigid: frame ${i} (shear ${truth[i].g.toFixed(4)}) noiseless mismatch with frame 0: ${w.toFixed(2)} warped vs ${rg.toFixed(2)} rigid (counts rms)`);
    expect(w).toBeLessThan(0.5 * rg);
    await expect(alignSeries(makeSeries(frames), { nonRigid: { tiles: 20 } })).rejects.toThrow(/alignSeries: options.nonRigid.tiles = 20 gives tiles of 12×12 px on 128×128 frames; tiles need at least 16 px/);
  });
});

describe("phaseCorrelation agrees with scikit-image phase_cross_correlation", () => {
  it("on the same noisy frames, without a window: the same shift to 1e-6 px (normalization phase and none, upsampleFactor 100 and 20)", () => {
    if (!existsSync(PYTHON)) throw new Error(`needs the project venv's Python at ${PYTHON} (scikit-image): run \`node scripts/venv.mjs\``);
    const { frames } = driftSeries(3, { dose: 500, maxShift: 2.5, seed: 5 });
    const dir = mkdtempSync(join(tmpdir(), "cs-series-"));
    try {
      const stack = new Float32Array(3 * 128 * 128);
      frames.forEach((f, i) => stack.set(f.data, i * 128 * 128));
      writeNpy(join(dir, "frames.npy"), stack, [3, 128, 128]);
      const script = [
        "import json, sys, numpy as np",
        "from skimage.registration import phase_cross_correlation as pcc",
        "a = np.load(sys.argv[1]).astype(np.float64)",
        "print(json.dumps({f'{n}{f}': [pcc(a[0], a[i], upsample_factor=f, normalization=None if n == 'none' else n)[0].tolist() for i in range(1, len(a))] for f in (100, 20) for n in ('phase', 'none')}))",
      ].join("\n");
      const ref = JSON.parse(execFileSync(PYTHON, ["-c", script, join(dir, "frames.npy")], { encoding: "utf8" })) as Record<string, number[][]>;
      for (const f of [100, 20]) for (const normalization of ["phase", "none"] as const) {
        for (let i = 1; i < 3; i++) {
          const { shift } = phaseCorrelation(frames[0], frames[i], { upsampleFactor: f, normalization, window: "none" });
          const [row, col] = ref[`${normalization}${f}`][i - 1];
          expect(Math.abs(shift[0] + col)).toBeLessThan(1e-6);
          expect(Math.abs(shift[1] + row)).toBeLessThan(1e-6);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
