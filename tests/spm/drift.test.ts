/**
 * Drift between scan lines (src/spm/drift.ts) on up/down scan pairs of a
 * synthetic blob field rendered analytically at the drifted positions
 * (including the time across each line, which the method neglects), and
 * the scan angle applied to a synthetic lattice.
 */
import type { Image } from "../../src/image/image";
import { Rng } from "../../src/core/random";
import { applyScanAngle, correctScanDrift, measureScanDrift } from "../../src/spm";

const N = 96;

/** Gaussian blobs (σ 2–3 px) at seeded random places on the frame and a 10 px margin. */
function blobs(seed: number, count: number): [number, number, number, number][] {
  const r = new Rng(seed);
  return Array.from({ length: count }, () => [r.range(-10, N + 10), r.range(-10, N + 10), r.range(2, 3), r.range(0.5, 1)]);
}
const field = (b: [number, number, number, number][], x: number, y: number): number => {
  let z = 0;
  for (const [cx, cy, s, a] of b) {
    const d2 = (x - cx) ** 2 + (y - cy) ** 2;
    if (d2 < 64 * s * s) z += a * Math.exp(-d2 / (2 * s * s));
  }
  return z;
};

/**
 * A frame scanned "up" or "down" starting at time t0 (lines): pixel (x, y)
 * is scanned at t = t0 + (order of row y) + x / (2N) and reads the sample at
 * (x − vx·t, y − vy·t), plus seeded Gaussian noise of sd `noise`.
 */
function scan(b: [number, number, number, number][], v: [number, number], dir: "up" | "down", t0: number, noise: number, seed: number): Image {
  const r = new Rng(seed);
  const data = new Float32Array(N * N);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
    const t = t0 + (dir === "up" ? N - 1 - y : y) + x / (2 * N);
    data[y * N + x] = field(b, x - v[0] * t, y - v[1] * t) + r.normal(0, noise);
  }
  return { data, width: N, height: N };
}

describe("measureScanDrift / correctScanDrift", () => {
  const b = blobs(7, 120);
  test("recovers known drift from an up/down pair to within 0.1 px over the frame, both orders", () => {
    for (const [v, first] of [[[0.021, -0.013], "up"], [[-0.015, 0.008], "down"]] as const) {
      const second = first === "up" ? "down" : "up";
      const f1 = scan(b, [v[0], v[1]], first, 0, 0.03, 1);
      const f2 = scan(b, [v[0], v[1]], second, N + 5, 0.03, 2); // a pause of 5 lines between the frames
      const d = measureScanDrift(f1, f2, { first });
      expect(Math.abs(d.velocity[0] - v[0]) * N).toBeLessThan(0.1);
      expect(Math.abs(d.velocity[1] - v[1]) * N).toBeLessThan(0.1);
      expect(d.standardError[0] * N).toBeLessThan(0.05);
      expect(d.correlation).toBeGreaterThan(0.9);
    }
  });
  test("the corrected frame matches the sample at the time of its middle row; the raw frame does not", () => {
    const v: [number, number] = [0.021, -0.013];
    const up = scan(b, v, "up", 0, 0, 1);
    const tm = (N - 1) / 2 + 0.25; // middle row, mid-line
    const truth = (x: number, y: number): number => field(b, x - v[0] * tm, y - v[1] * tm);
    const { image } = correctScanDrift(up, v, { slowScan: "up" });
    let eRaw = 0, eCor = 0, n = 0;
    for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
      const c = image.data[y * N + x];
      if (c !== c) continue;
      eCor = Math.max(eCor, Math.abs(c - truth(x, y)));
      eRaw = Math.max(eRaw, Math.abs(up.data[y * N + x] - truth(x, y)));
      n++;
    }
    expect(n).toBeGreaterThan(0.9 * N * N);
    expect(eRaw).toBeGreaterThan(0.2);
    expect(eCor).toBeLessThan(0.03);
  });
  test("frames where drift cannot be measured raise an error instead of a number", () => {
    const rows: Image = { data: Float32Array.from({ length: N * N }, (_, i) => Math.sin(Math.floor(i / N) * 0.4)), width: N, height: N };
    expect(() => measureScanDrift(rows, rows)).toThrow(/no structure along x \(the fast axis/);
    const flat: Image = { data: new Float32Array(N * N), width: N, height: N };
    expect(() => measureScanDrift(flat, flat)).toThrow(/no structure along x or y \(flat\)/);
    const noise = (seed: number): Image => { const r = new Rng(seed); return { data: Float32Array.from({ length: N * N }, () => r.normal()), width: N, height: N }; };
    expect(() => measureScanDrift(noise(3), noise(4))).toThrow(/matches the warped first one with correlation 0\.\d+ \(< options.minCorrelation 0.5\)/);
    const pair = [scan(b, [0.01, 0], "up", 0, 0.03, 5), scan(b, [0.01, 0], "down", N, 0.03, 6)] as const;
    expect(() => measureScanDrift(pair[0], pair[1], { tolerance: 1e-4 })).toThrow(/the drift over one frame is uncertain by ±0\.0\d+ px \(standard error; options.tolerance 0.0001 px\)/);
    expect(() => measureScanDrift(pair[0], pair[1], { first: "left" as never })).toThrow('measureScanDrift: options.first must be one of "up", "down"; got "left"');
  });
});

describe("applyScanAngle", () => {
  /** Gaussian spots (σ 2.2 px) on a lab-axis rectangular lattice, periods 9 × 13 px. */
  const lattice = (X: number, Y: number): number => {
    const dx = X - 9 * Math.round(X / 9), dy = Y - 13 * Math.round(Y / 13);
    return Math.exp(-(dx * dx + dy * dy) / (2 * 2.2 * 2.2));
  };
  const w = 64, h = 48, C = [100.3, 80.7];
  /** A frame turned clockwise (on screen, y down) by `deg`, centred on lab point C. */
  const frame = (deg: number): Image => {
    const a = (deg * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
    const data = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const u = x - (w - 1) / 2, v = y - (h - 1) / 2;
      data[y * w + x] = lattice(C[0] + c * u - s * v, C[1] + s * u + c * v);
    }
    return { data, width: w, height: h, calibration: { pixelSize: 0.1, unit: "nm" } };
  };
  /** Largest |lab image − lattice| over its finite pixels, and how many there are. */
  const misfit = (img: Image): [number, number] => {
    let e = 0, n = 0;
    for (let Y = 0; Y < img.height; Y++) for (let X = 0; X < img.width; X++) {
      const z = img.data[Y * img.width + X];
      if (z !== z) continue;
      e = Math.max(e, Math.abs(z - lattice(C[0] + X - (img.width - 1) / 2, C[1] + Y - (img.height - 1) / 2)));
      n++;
    }
    return [e, n];
  };
  test("a lattice scanned at 30° clockwise comes back onto the lab axes; the opposite sign does not", () => {
    const f = frame(30);
    const { image, transform } = applyScanAngle(f, 30);
    const [e, n] = misfit(image);
    expect(e).toBeLessThan(0.03);
    expect(n).toBeGreaterThan(0.95 * w * h);
    expect(image.calibration).toEqual({ pixelSize: 0.1, unit: "nm" });
    expect(misfit(applyScanAngle(f, -30).image)[0]).toBeGreaterThan(0.5);
    // transform: frame pixel (10, 5) is at output pixel T(10, 5), whose lab point is the frame pixel's.
    const [a, b, c, d, e2, g] = transform, X = a * 10 + b * 5 + c, Y = d * 10 + e2 * 5 + g;
    const r = (30 * Math.PI) / 180, u = 10 - (w - 1) / 2, v = 5 - (h - 1) / 2;
    expect(C[0] + X - (image.width - 1) / 2).toBeCloseTo(C[0] + Math.cos(r) * u - Math.sin(r) * v, 9);
    expect(C[1] + Y - (image.height - 1) / 2).toBeCloseTo(C[1] + Math.sin(r) * u + Math.cos(r) * v, 9);
  });
  test("90° is an exact clockwise quarter turn and 0° a copy", () => {
    const f = frame(0);
    const q = applyScanAngle(f, 90).image;
    expect([q.width, q.height]).toEqual([h, w]);
    const turned = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) turned[x * h + (h - 1 - y)] = f.data[y * w + x];
    expect(q.data).toEqual(turned);
    expect(applyScanAngle(f, 0).image.data).toEqual(f.data);
    expect(() => applyScanAngle(f, NaN)).toThrow("applyScanAngle: angle must be a finite number of degrees (clockwise), got NaN");
  });
});
