/**
 * Grains: Otsu's threshold, labelling, watershed and per-grain statistics
 * against scikit-image 0.26.0 (tests/spm/grains_reference.py) on a synthetic
 * surface of Gaussian particles on a noisy substrate, some of them touching.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { rng } from "../../src/core/random";
import type { Image } from "../../src/image/image";
import { grainStatistics, labelGrains, markGrains, otsuThreshold, watershedGrains } from "../../src/spm";

const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(resolve(__dirname, "..", ".."), ".venv", "bin", "python");
const W = 96, H = 80;

/** Particles (Gaussian hills of height 2–4 nm, σ 2.5–4 px) at known centres on a substrate with 0.1 nm noise; two pairs touch. */
function surface(seed: number): { image: Image; centres: [number, number][] } {
  const r = rng(seed);
  const centres: [number, number][] = [[20, 20], [27, 22], [60, 15], [70, 55], [76, 60], [30, 60], [50, 40], [85, 20]];
  const data = new Float32Array(W * H);
  const hills = centres.map(() => ({ h: r.range(2, 4), s: r.range(2.5, 4) }));
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let z = r.normal(0, 0.1);
    centres.forEach(([cx, cy], k) => { z += hills[k].h * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * hills[k].s ** 2)); });
    data[y * W + x] = z;
  }
  return { image: { data, width: W, height: H, calibration: { pixelSize: 0.5, unit: "nm" } }, centres };
}

function reference(image: Image, threshold: number, markers: [number, number][], mask: Uint8Array): any {
  if (!existsSync(PYTHON)) throw new Error(`needs the project venv's Python at ${PYTHON} (scikit-image): run \`node scripts/venv.mjs\``);
  const input = JSON.stringify({ width: image.width, height: image.height, data: Array.from(image.data), threshold, markers, mask: Array.from(mask) });
  return JSON.parse(execFileSync(PYTHON, [join(__dirname, "grains_reference.py")], { input, encoding: "utf8", maxBuffer: 1 << 26 }));
}

describe("grains against scikit-image", () => {
  const { image, centres } = surface(4);
  const threshold = otsuThreshold(image);
  const above = Uint8Array.from(image.data, (v) => (v > threshold ? 1 : 0));
  const ref = reference(image, threshold, centres, above);

  test("otsuThreshold equals threshold_otsu exactly", () => {
    expect(threshold).toBe(ref.otsu);
  });

  test("markGrains: labels equal measure.label (connectivity 1 and 2), numbered in raster order", () => {
    const g4 = markGrains(image, { threshold: "otsu" });
    expect(g4.threshold).toBe(ref.otsu);
    expect(Array.from(g4.labels)).toEqual(ref.label4);
    expect(g4.count).toBe(Math.max(...ref.label4));
    const g8 = markGrains(image, { threshold: "otsu", connectivity: 8 });
    expect(Array.from(g8.labels)).toEqual(ref.label8);
    // the touching pairs are single grains under a threshold: fewer grains than particles
    expect(g4.count).toBeLessThan(centres.length);
  });

  test("watershedGrains from the particle centres: equals segmentation.watershed pixel for pixel and separates the touching pairs", () => {
    const ws = watershedGrains(image, { markers: { x: centres.map((c) => c[0]), y: centres.map((c) => c[1]) }, mask: above });
    expect(Array.from(ws.labels)).toEqual(ref.watershed);
    expect(ws.count).toBe(centres.length);
    const stats = grainStatistics(image, ws);
    const x = stats.numeric("x"), y = stats.numeric("y");
    centres.forEach(([cx, cy], k) => expect(Math.hypot(x[k] - cx, y[k] - cy)).toBeLessThan(2));
  });

  test("grainStatistics equals regionprops (area, centroid, equivalent diameter, heights, bbox) and adds calibrated area", () => {
    const g = markGrains(image);
    const t = grainStatistics(image, g);
    expect(t.numRows).toBe(ref.props.length);
    const col = (name: string) => t.numeric(name);
    ref.props.forEach((p: any, k: number) => {
      expect(col("area")[k]).toBe(p.area);
      for (const name of ["x", "y", "equivalentDiameter", "meanHeight"]) expect(Math.abs(col(name)[k] - p[name])).toBeLessThan(1e-9 * Math.max(1, Math.abs(p[name])));
      expect(col("maxHeight")[k]).toBe(p.maxHeight);
      expect(col("minHeight")[k]).toBe(p.minHeight);
      expect([col("xMin")[k], col("yMin")[k], col("xMax")[k], col("yMax")[k]]).toEqual(p.bbox);
      expect(col("areaCalibrated")[k]).toBe(p.area * 0.25);
    });
  });
});

describe("grains: options and bad input", () => {
  test("below marks pits; minArea drops small grains and renumbers; an absolute threshold is used as given", () => {
    const data = new Float32Array(10 * 6);
    data[12] = -5; data[13] = -5; data[40] = -5; // a 2-pixel pit and a 1-pixel pit
    data[27] = 3;
    const img: Image = { data, width: 10, height: 6 };
    const pits = markGrains(img, { threshold: -1, below: true });
    expect(pits.count).toBe(2);
    expect(markGrains(img, { threshold: -1, below: true, minArea: 2 }).count).toBe(1);
    const hills = markGrains(img, { threshold: 1 });
    expect(hills.count).toBe(1);
    expect(hills.labels[27]).toBe(1);
    expect(hills.threshold).toBe(1);
  });

  test("labelGrains: diagonal neighbours join only with connectivity 8", () => {
    const mask = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    expect(labelGrains(mask, 3, 3, 4).count).toBe(3);
    expect(labelGrains(mask, 3, 3, 8).count).toBe(1);
  });

  test("errors name the function, the option and the reason", () => {
    const flat: Image = { data: new Float32Array(16).fill(2), width: 4, height: 4 };
    expect(() => otsuThreshold(flat)).toThrow(/otsuThreshold\(image\): the image is constant/);
    expect(() => markGrains(flat, { threshold: NaN })).toThrow(/options.threshold must be "otsu" or a finite height/);
    expect(() => markGrains(flat, { threshold: 1, connectivity: 6 as 4 })).toThrow(/connectivity/);
    expect(() => markGrains(flat, { threshold: 1, minArea: 0 })).toThrow(/minArea must be a positive integer/);
    expect(() => watershedGrains(flat, { markers: { x: [9], y: [0] } })).toThrow(/marker 0 at \(9, 0\) is outside the 4 × 4 image/);
    expect(() => watershedGrains(flat, { markers: { x: [1, 1], y: [1, 1] } })).toThrow(/markers 0 and 1 are on the same pixel/);
    expect(() => grainStatistics(flat, markGrains({ data: new Float32Array(9), width: 3, height: 3 }, { threshold: 1 }))).toThrow(/same size \(4 × 4\)/);
  });
});
