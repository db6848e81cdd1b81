/**
 * Drift that changes in time (src/spm/drift.ts): measureDriftCurve /
 * correctDriftCurve on alternating up/down sequences of a synthetic blob
 * field scanned under a known creep curve (each pixel rendered at its own
 * time, including the time across the line, which the method neglects);
 * measureScanDrift's refusal when a pair's frames are not related by
 * constant drift, and its documented blind spot; measureRowDrift /
 * correctRowDrift (one frame) on a step-terrace sample with steps along y,
 * and its documented limits (a real shear reads as drift; a blob field is
 * refused rather than measured wrongly).
 */
import type { Image } from "../../src/image/image";
import { Rng } from "../../src/core/random";
import { correctDriftCurve, correctRowDrift, measureDriftCurve, measureRowDrift, measureScanDrift } from "../../src/spm";

const N = 96;
type Blob = [number, number, number, number];
type Drift = (t: number) => [number, number];

/** Gaussian blobs (σ 2–3 px) at seeded random places on the frame and a 10 px margin. */
function blobs(seed: number, count: number): Blob[] {
  const r = new Rng(seed);
  return Array.from({ length: count }, () => [r.range(-10, N + 10), r.range(-10, N + 10), r.range(2, 3), r.range(0.5, 1)]);
}
const field = (b: Blob[], x: number, y: number): number => {
  let z = 0;
  for (const [cx, cy, s, a] of b) {
    const d2 = (x - cx) ** 2 + (y - cy) ** 2;
    if (d2 < 64 * s * s) z += a * Math.exp(-d2 / (2 * s * s));
  }
  return z;
};
/** A frame scanned "up" or "down" from time t0 (lines): pixel (x, y) at t = t0 + (order of row y) + x/(2N) reads the sample at its position minus D(t), plus noise. */
function scan(sample: (x: number, y: number) => number, D: Drift, dir: "up" | "down", t0: number, noise: number, seed: number): Image {
  const r = new Rng(seed);
  const data = new Float32Array(N * N);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
    const [dx, dy] = D(t0 + (dir === "up" ? N - 1 - y : y) + x / (2 * N));
    data[y * N + x] = sample(x - dx, y - dy) + r.normal(0, noise);
  }
  return { data, width: N, height: N };
}
const sequence = (sample: (x: number, y: number) => number, D: Drift, noise: number, seed: number): Image[] =>
  [scan(sample, D, "up", 0, noise, seed), scan(sample, D, "down", N, noise, seed + 1), scan(sample, D, "up", 2 * N, noise, seed + 2)];

/** Thermal settling and creep: 6 px (x) and −4 px (y) exponential approach plus a slow linear drift in x, over a 288-line sequence. */
const creep: Drift = (t) => [6 * (1 - Math.exp(-t / 120)) + 0.003 * t, -4 * (1 - Math.exp(-t / 90))];

describe("measureDriftCurve / correctDriftCurve", () => {
  const b = blobs(7, 120);
  const sample = (x: number, y: number): number => field(b, x, y);
  test("recovers a creep curve from an up/down/up sequence at three noise levels; corrected frames match the sample", () => {
    const measured: string[] = [];
    for (const [noise, maxRms, tolerance] of [[0, 0.04, 0.1], [0.03, 0.04, 0.1], [0.1, 0.06, 0.2]]) {
      const frames = sequence(sample, creep, noise, 1);
      // At noise 0.1 the ends of the sequence are known to ±0.12 px: the default tolerance (0.1 px) refuses, 0.2 accepts.
      if (tolerance > 0.1) expect(() => measureDriftCurve(frames, { degree: 3 })).toThrow(/the displacement is uncertain by up to ±0\.1\d+ px/);
      const curve = measureDriftCurve(frames, { first: "up", degree: 3, tolerance });
      const ref = creep(curve.reference.time + 0.25); // + half a line: the mean time across the row
      let e2 = 0, m = 0, covered = 0;
      for (const tr of curve.frames) for (let y = 0; y < N; y++) {
        const truth = creep(tr.time[y] + 0.25);
        const ex = tr.x[y] - (truth[0] - ref[0]), ey = tr.y[y] - (truth[1] - ref[1]);
        e2 += ex * ex + ey * ey;
        m += 2;
        if (Math.abs(ex) <= 3 * tr.xError[y] + 0.02 && Math.abs(ey) <= 3 * tr.yError[y] + 0.02) covered++;
      }
      const rms = Math.sqrt(e2 / m);
      expect(rms).toBeLessThan(maxRms);
      expect(covered).toBeGreaterThan(0.9 * 3 * N); // the standard errors cover the truth
      // Every corrected frame shows the sample as it was at the reference time.
      const truth = (x: number, y: number): number => sample(x - ref[0], y - ref[1]);
      const errs = frames.map((f, j) => {
        const { image } = correctDriftCurve(f, curve, { frame: j });
        let raw = 0, cor = 0, k = 0;
        for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
          const z = image.data[y * N + x];
          if (z !== z) continue;
          cor += (z - truth(x, y)) ** 2;
          raw += (f.data[y * N + x] - truth(x, y)) ** 2;
          k++;
        }
        expect(k).toBeGreaterThan(0.85 * N * N);
        return [Math.sqrt(raw / k), Math.sqrt(cor / k)];
      });
      for (const [raw, cor] of errs) {
        expect(cor).toBeLessThan(noise + 0.01);
        expect(raw).toBeGreaterThan(cor + 0.02);
      }
      measured.push(`noise ${noise}: curve RMS ${rms.toFixed(4)} px; frames raw/corrected RMS ${errs.map(([r, c]) => `${r.toFixed(3)}/${c.toFixed(3)}`).join(", ")}`);
    }
    console.log(measured.join("\n"));
  });
  test("a constant-velocity (degree 1) model is refused for the creep; constant drift is recovered by degree 1 and by degree 3 within 3 standard errors", () => {
    const frames = sequence(sample, creep, 0.03, 11);
    expect(() => measureDriftCurve(frames, { degree: 1 })).toThrow(/measureDriftCurve: the measured row-block shifts depart from a drift polynomial of degree 1 by 0\.\d+ px RMS \(χ²\/ν = \d+\.\d, ν = \d+; options.tolerance 0.1 px\): raise options.degree/);
    const v: [number, number] = [0.021, -0.013];
    const still = sequence(sample, (t) => [v[0] * t, v[1] * t], 0.03, 21);
    for (const degree of [1, 3]) {
      const c = measureDriftCurve(still, { degree });
      const tr = c.frames[0];
      for (const y of [0, N - 1]) {
        expect(Math.abs(tr.x[y] - v[0] * (tr.time[y] - c.reference.time))).toBeLessThan(3 * tr.xError[y] + 0.02);
        expect(Math.abs(tr.y[y] - v[1] * (tr.time[y] - c.reference.time))).toBeLessThan(3 * tr.yError[y] + 0.02);
      }
    }
  });
  test("an up/down pair: curved drift is refused by measureScanDrift; a steadily slowing drift is its blind spot (the turnaround velocity), which three frames resolve", () => {
    const frames = sequence(sample, creep, 0.03, 31);
    expect(() => measureScanDrift(frames[0], frames[1], { first: "up" })).toThrow(/measureScanDrift: the frames depart from the map constant drift produces by up to 0\.\d+ px \(. near row \d+ of the second frame; χ²\/ν = [\d.]+ over \d+ block shifts; options.tolerance 0.1 px\): the drift changed during the scans/);
    // D(t) = v0·t + a·t²/2: a pair of opposite scans sees only v at its turnaround (t = N − 0.5) and accepts it.
    const [v0, a] = [0.03, -0.0002];
    const slowing: Drift = (t) => [v0 * t + (a * t * t) / 2, 0];
    const s = sequence(sample, slowing, 0.03, 41);
    const pair = measureScanDrift(s[0], s[1], { first: "up" });
    expect(Math.abs(pair.velocity[0] - (v0 + a * (N - 0.5)))).toBeLessThan(0.0005); // the turnaround velocity, not v0
    // Frame 0 under that constant velocity is off by a·(t − tc)²/2 at its ends: 0.23 px here; three frames measure it.
    const curve = measureDriftCurve(s, { degree: 2 });
    const ref = slowing(curve.reference.time + 0.25)[0];
    let worst = 0;
    curve.frames.forEach((tr) => { for (let y = 0; y < N; y++) worst = Math.max(worst, Math.abs(tr.x[y] - (slowing(tr.time[y] + 0.25)[0] - ref))); });
    expect(worst).toBeLessThan(0.05);
  });
  test("a pause between frames enters the time model (options.pause)", () => {
    const P = 24;
    const frames = [scan(sample, creep, "up", 0, 0.03, 61), scan(sample, creep, "down", N + P, 0.03, 62), scan(sample, creep, "up", 2 * (N + P), 0.03, 63)];
    const rms = (c: ReturnType<typeof measureDriftCurve>): number => {
      const ref = creep(c.reference.time + 0.25);
      let e2 = 0;
      for (const tr of c.frames) for (let y = 0; y < N; y++) { const t = creep(tr.time[y] + 0.25); e2 += (tr.x[y] - t[0] + ref[0]) ** 2 + (tr.y[y] - t[1] + ref[1]) ** 2; }
      return Math.sqrt(e2 / (6 * N));
    };
    const right = measureDriftCurve(frames, { pause: P });
    expect(right.frames[1].time[0]).toBe(N + P);
    expect(rms(right)).toBeLessThan(0.04);
    let wrong = Infinity;
    try { wrong = rms(measureDriftCurve(frames, { pause: 0 })); } catch (e) { expect((e as Error).message).toMatch(/check options.first and options.pause|uncertain/); }
    expect(wrong).toBeGreaterThan(2 * rms(right));
    console.log(`pause ${P} lines: curve RMS error ${rms(right).toFixed(4)} px with options.pause ${P}, ${wrong === Infinity ? "refused" : wrong.toFixed(4) + " px"} with 0`);
  });
  test("refusals name the reason", () => {
    const frames = sequence(sample, creep, 0.03, 51);
    expect(() => measureDriftCurve(frames.slice(0, 2))).toThrow(/measureDriftCurve: 2 frame\(s\) given; at least 3 scanned alternately up and down are needed/);
    expect(() => measureDriftCurve(frames, { degree: 0 })).toThrow("measureDriftCurve: options.degree must be an integer from 1 to 8");
    expect(() => measureDriftCurve(frames, { first: "left" as never })).toThrow('measureDriftCurve: options.first must be one of "up", "down"; got "left"');
    expect(() => measureDriftCurve(frames, { pause: -1 })).toThrow("measureDriftCurve: options.pause must be a finite number of scan lines >= 0, got -1");
    expect(() => measureDriftCurve([frames[0], frames[1], { data: new Float32Array(4), width: 2, height: 2 }])).toThrow("measureDriftCurve: frames[2] is 2 × 2, frames[0] 96 × 96");
    const flat: Image = { data: new Float32Array(N * N), width: N, height: N };
    expect(() => measureDriftCurve([flat, flat, flat])).toThrow(/measureDriftCurve \(frames\[0\] and frames\[1\]\): the frames carry no structure along x or y \(flat\)/);
    const noise = (seed: number): Image => { const r = new Rng(seed); return { data: Float32Array.from({ length: N * N }, () => r.normal()), width: N, height: N }; };
    expect(() => measureDriftCurve([noise(1), noise(2), noise(3)])).toThrow(/matches the warped first one with correlation 0\.\d+ \(< options.minCorrelation 0.5\)/);
    expect(() => measureDriftCurve(frames, { degree: 6, tolerance: 0.01 })).toThrow(/measureDriftCurve: the displacement is uncertain by up to ±0\.\d+ px \(standard error; options.tolerance 0.01 px\)/);
    const curve = measureDriftCurve(frames);
    expect(() => correctDriftCurve(frames[0], curve, { frame: 3 })).toThrow("correctDriftCurve: options.frame must be the image's index in the measured sequence, an integer from 0 to 2, got 3");
  });
});

describe("measureRowDrift / correctRowDrift (one frame)", () => {
  /** Terraces: a seeded random staircase of smooth steps (1 px wide) at random x, running along y with inclination `slope` (px of x per row). */
  const terraces = (seed: number, slope: number): ((x: number, y: number) => number) => {
    const r = new Rng(seed);
    const steps = Array.from({ length: 40 }, () => [r.range(-60, N + 60), r.range(-1, 1)]);
    return (x, y) => steps.reduce((z, [c, hgt]) => z + hgt / (1 + Math.exp(-(x - slope * (y - (N - 1) / 2) - c))), 0);
  };
  const dx = (t: number): number => 5 * (1 - Math.exp(-t / 60)); // x creep within one up frame, 4 px over the frame
  test("recovers the x creep of one frame on steps along y, at three noise levels", () => {
    const s = terraces(3, 0);
    const measured: string[] = [];
    for (const [noise, maxRms] of [[0, 0.05], [0.03, 0.05], [0.1, 0.1]]) {
      const f = scan(s, (t) => [dx(t), 0], "up", 0, noise, 5);
      const d = measureRowDrift(f, { degree: 4 });
      const ref = dx((N - 1) / 2 + 0.25);
      let e2 = 0, raw2 = 0;
      for (let y = 0; y < N; y++) {
        const truth = dx(N - 1 - y + 0.25) - ref;
        e2 += (d.shift[y] - truth) ** 2;
        raw2 += truth * truth;
      }
      expect(Math.sqrt(e2 / N)).toBeLessThan(maxRms);
      const { image } = correctRowDrift(f, d);
      let worst = 0;
      for (let y = 0; y < N; y++) for (let x = 8; x < N - 8; x++) worst = Math.max(worst, Math.abs(image.data[y * N + x] - s(x - ref, y)));
      expect(worst).toBeLessThan(0.15 + 4 * noise);
      measured.push(`noise ${noise}: row drift RMS error ${Math.sqrt(e2 / N).toFixed(4)} px (drift RMS ${Math.sqrt(raw2 / N).toFixed(2)} px), max SE ${Math.max(...d.standardError).toFixed(4)}, corrected max error ${worst.toFixed(3)}`);
    }
    console.log(measured.join("\n"));
  });
  test("limits: inclined steps without drift read as drift (a real shear); a blob field is refused, not measured wrongly", () => {
    const f = scan(terraces(3, 0.02), () => [0, 0], "up", 0, 0.03, 6);
    const d = measureRowDrift(f, { degree: 1 });
    expect(Math.abs(d.shift[N - 1] - d.shift[0] - 0.02 * (N - 1))).toBeLessThan(0.1); // 1.9 px of apparent drift
    const b = blobs(7, 120);
    const blobFrame = scan((x, y) => field(b, x, y), (t) => [dx(t), 0], "up", 0, 0.03, 7);
    expect(() => measureRowDrift(blobFrame)).toThrow(/measureRowDrift: the row drift is uncertain by up to ±\d+\.\d+ px \(jackknife standard error; options.tolerance 0.25 px\)/);
    const flat: Image = { data: new Float32Array(N * N), width: N, height: N };
    expect(() => measureRowDrift(flat)).toThrow(/measureRowDrift: only 0 of \d+ row pairs match/);
    expect(() => measureRowDrift(f, { range: 0 })).toThrow("measureRowDrift: options.range must be an integer from 1 to 95 (rows), got 0");
    expect(() => correctRowDrift(f, { ...d, shift: new Float64Array(3) })).toThrow("correctRowDrift: drift must be what measureRowDrift returned for an image of 96 rows");
  });
});
