/**
 * Corrections on synthetic images with known tilt, bow, row offsets and
 * scars. Every value is a dyadic rational exactly representable in float32,
 * so the input carries no rounding and the removed background must come
 * back to 1e-9 of its amplitude.
 */
import type { Image } from "../../src/image/image";
import { alignRows, baseLevel, levelFacets, levelPlane, levelPolynomial, levelThreePoints, removeScars, zeroMinimum } from "../../src/spm";

const W = 64;
const H = 48;

function make(f: (x: number, y: number) => number, w = W, h = H): Image {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const v = f(x, y);
    data[y * w + x] = v;
    if (data[y * w + x] !== v) throw new Error(`test value ${v} at (${x}, ${y}) is not exact in float32`);
  }
  return { data, width: w, height: h, calibration: { pixelSize: 0.5, unit: "nm" } };
}

/** max |a - b| / amplitude of b. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let amp = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    amp = Math.max(amp, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / amp;
}

const plane = (x: number, y: number): number => 3 + 0.25 * x - 0.125 * y;
/** Raised discs (features) on a flat substrate. */
const bumps = (x: number, y: number): number => ((x - 20) ** 2 + (y - 20) ** 2 < 64 ? 2 : 0) + ((x - 45) ** 2 + (y - 30) ** 2 < 36 ? 1.5 : 0);
const bumpMask = (): Uint8Array => Uint8Array.from({ length: W * H }, (_, i) => (bumps(i % W, Math.floor(i / W)) ? 1 : 0));

describe("levelPlane", () => {
  test("recovers a known tilt to 1e-9 with the features masked out, and returns the corrected surface", () => {
    const img = make((x, y) => plane(x, y) + bumps(x, y));
    const r = levelPlane(img, { mask: bumpMask() });
    expect(relErr(r.removed.data, make(plane).data)).toBeLessThan(1e-9);
    expect(relErr(r.image.data, make(bumps).data)).toBeLessThan(1e-9);
    expect(r.coefficients[0]).toBeCloseTo(3, 12);
    expect(r.coefficients[1]).toBeCloseTo(0.25, 12);
    expect(r.coefficients[2]).toBeCloseTo(-0.125, 12);
    expect(r.image.calibration).toEqual({ pixelSize: 0.5, unit: "nm" });
    expect(img.data[0]).toBe(3); // input untouched
  });
  test("without the mask the features bias the plane (the mask matters); masking: include fits on the masked pixels", () => {
    const img = make((x, y) => plane(x, y) + bumps(x, y));
    expect(relErr(levelPlane(img).removed.data, make(plane).data)).toBeGreaterThan(1e-3);
    const inv = bumpMask().map((v) => 1 - v);
    expect(relErr(levelPlane(img, { mask: inv, masking: "include" }).removed.data, make(plane).data)).toBeLessThan(1e-9);
  });
  test("errors name the function, option and value", () => {
    const img = make(plane);
    expect(() => levelPlane(img, { masking: "inside" as never })).toThrow('levelPlane: options.masking must be one of "exclude", "include"; got "inside"');
    expect(() => levelPlane(img, { mask: new Uint8Array(3) })).toThrow(/levelPlane: options.mask has 3 values, the image has 64 × 48 = 3072/);
    expect(() => levelPlane(img, { mask: new Uint8Array(W * H).fill(1) })).toThrow(/levelPlane: 0 usable pixels cannot determine 3 coefficients/);
  });
});

describe("levelPolynomial", () => {
  const bow = (x: number, y: number): number => plane(x, y) + 0.0078125 * (x - 32) ** 2 - 0.00390625 * (y - 24) ** 2 + 0.0009765625 * (x - 32) * (y - 24);
  test("removes bow + tilt (degree 2) to 1e-9; degree 1 cannot", () => {
    const img = make((x, y) => bow(x, y) + bumps(x, y));
    const r = levelPolynomial(img, { degreeX: 2, degreeY: 2, mask: bumpMask() });
    expect(relErr(r.removed.data, make(bow).data)).toBeLessThan(1e-9);
    expect(r.terms.length).toBe(9);
    expect(relErr(levelPolynomial(img, { degreeX: 1, mask: bumpMask() }).removed.data, make(bow).data)).toBeGreaterThan(1e-2);
    const limited = levelPolynomial(img, { degreeX: 2, maxDegree: 2, mask: bumpMask() });
    expect(limited.terms).toEqual([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [0, 2]]);
    expect(relErr(limited.removed.data, make(bow).data)).toBeLessThan(1e-9);
  });
});

describe("alignRows", () => {
  const offset = (y: number): number => ((y * 37) % 11) * 0.25 - 1.5;
  const withOffsets = (f: (x: number, y: number) => number): Image => make((x, y) => f(x, y) + offset(y));
  const offsets = make((_, y) => offset(y));

  test("median: row offsets recovered to 1e-9 under features covering < half of each row", () => {
    const r = alignRows(withOffsets(bumps), { method: "median" });
    expect(relErr(r.removed.data, offsets.data)).toBeLessThan(1e-9);
    expect(relErr(r.image.data, make(bumps).data)).toBeLessThan(1e-9);
    expect(Array.from(r.rowShifts)).toEqual(Array.from({ length: H }, (_, y) => offset(y)));
  });

  test("rows full of features: the median fails, a low quantile recovers the offsets", () => {
    const wide = (x: number, y: number): number => ((x + 3 * y) % 10 < 7 ? 1 : 0); // 70 % of each row raised
    const img = withOffsets(wide);
    expect(relErr(alignRows(img).removed.data, offsets.data)).toBeGreaterThan(0.1);
    expect(relErr(alignRows(img, { method: "median", quantile: 0.1 }).removed.data, offsets.data)).toBeLessThan(1e-9);
  });

  test("modus, trimmed-mean and polynomial recover offsets (and per-row tilt) to 1e-9", () => {
    expect(relErr(alignRows(withOffsets(bumps), { method: "modus" }).removed.data, offsets.data)).toBeLessThan(1e-9);
    // outliers on both ends of every row, trimmed away
    const spikes = (x: number): number => (x === 5 ? 8 : x === 50 ? -8 : 0);
    expect(relErr(alignRows(withOffsets(spikes), { method: "trimmed-mean", trim: 0.1 }).removed.data, offsets.data)).toBeLessThan(1e-9);
    const rowTilt = make((x, y) => offset(y) + ((y % 4) - 1.5) * 0.0625 * x);
    expect(relErr(alignRows(rowTilt, { method: "polynomial", degree: 1 }).removed.data, rowTilt.data)).toBeLessThan(1e-9);
  });

  test("median-of-differences: features that fill whole rows (a stripe pattern along y) do not matter", () => {
    const stripes = (x: number): number => (x % 16 < 12 ? 2 : 0);
    const img = withOffsets(stripes);
    const rel = make((_, y) => offset(y) - offset(0));
    for (const method of ["median-of-differences", "trimmed-mean-of-differences"] as const) {
      const r = alignRows(img, { method });
      expect(relErr(r.removed.data, rel.data)).toBeLessThan(1e-9);
    }
  });

  test("unknown method and misplaced options are errors naming them", () => {
    const img = make(plane);
    expect(() => alignRows(img, { method: "mean" as never })).toThrow('alignRows: options.method must be one of "median", "modus", "polynomial", "median-of-differences", "trimmed-mean", "trimmed-mean-of-differences"; got "mean"');
    expect(() => alignRows(img, { method: "modus", quantile: 0.2 })).toThrow(/options.quantile applies to method "median" only/);
    expect(() => alignRows(img, { quantile: 2 })).toThrow(/options.quantile must be in \[0, 1\], got 2/);
  });
});

describe("removeScars", () => {
  test("marks exactly the scars (1 and 2 rows wide, up and down) and recovers them to 1e-9 on a tilted background", () => {
    const scar = (x: number, y: number): number => (y === 10 && x >= 5 && x < 40 ? 4 : 0) + ((y === 30 || y === 31) && x >= 20 && x < 60 ? -3 : 0);
    const img = make((x, y) => plane(x, y) + scar(x, y));
    const r = removeScars(img, { threshold: 0.666, minLength: 16, maxWidth: 4 });
    const truth = make(scar);
    expect(relErr(r.removed.data, truth.data)).toBeLessThan(1e-9);
    expect(relErr(r.image.data, make(plane).data)).toBeLessThan(1e-9);
    expect(Array.from(r.mask)).toEqual(Array.from(truth.data, (v) => (v ? 1 : 0)));
    // "positive" leaves the negative scar alone; short runs are not scars
    expect(removeScars(img, { type: "positive" }).mask.reduce((a, b) => a + b, 0)).toBe(35);
    expect(removeScars(img, { minLength: 36 }).mask.reduce((a, b) => a + b, 0)).toBe(80);
    expect(() => removeScars(img, { type: "up" as never })).toThrow('removeScars: options.type must be one of "both", "positive", "negative"; got "up"');
  });
});

describe("zeroMinimum", () => {
  test("shifts the minimum to 0 and reports it as removed", () => {
    const img = make(plane);
    const r = zeroMinimum(img);
    const min = plane(0, H - 1);
    expect(Math.min(...r.image.data)).toBe(0);
    expect(r.removed.data.every((v) => v === min)).toBe(true);
  });
});

describe("baseLevel", () => {
  // Substrate at 2.5 with dyadic roughness (±0.25 on a few pixels), raised discs (bumps) and one deep pit.
  const rough = (x: number, y: number): number => ((x * 7 + y * 3) % 23 === 0 ? 0.25 : (x * 5 + y) % 29 === 0 ? -0.25 : 0);
  const img = make((x, y) => 2.5 + rough(x, y) + bumps(x, y) - (x === 3 && y === 4 ? 10 : 0));
  test("puts the substrate at 0 (half-sample mode), where zeroMinimum is moved by one pit", () => {
    const r = baseLevel(img);
    expect(r.level).toBe(2.5);
    expect(r.image.data[10 * W + 60]).toBe(rough(60, 10));
    expect(r.image.data[20 * W + 20]).toBe(2); // a disc's top: its height above the substrate
    expect(r.removed.data.every((v) => v === 2.5)).toBe(true);
    expect(zeroMinimum(img).removed.data[0]).toBe(-7.5);
  });
  test("quantile method and masks; errors name the option", () => {
    expect(baseLevel(img, { method: "quantile", quantile: 0 }).level).toBe(-7.5);
    const discs = make((x, y) => (bumps(x, y) ? 1 : 0)).data;
    expect(baseLevel(img, { mask: discs, masking: "include" }).level).toBe(4.5);
    expect(() => baseLevel(img, { quantile: 0.1 })).toThrow('baseLevel: options.quantile applies to method "quantile" only (method is "mode")');
    expect(() => baseLevel(img, { method: "median" as never })).toThrow('baseLevel: options.method must be one of "mode", "quantile"; got "median"');
  });
});

describe("levelFacets", () => {
  // Flat-topped mesas (height 5) with vertical sides on a tilted substrate, covering about a third of it.
  const mesas = (x: number, y: number): number => ((x >= 8 && x < 28 && y >= 6 && y < 26) || (x >= 36 && x < 58 && y >= 24 && y < 44) ? 5 : 0);
  const tilted = make((x, y) => plane(x, y) + mesas(x, y));

  test("recovers the tilt of a substrate carrying large mesas to 1e-9, where levelPlane is pulled by the mesas", () => {
    const facet = levelFacets(tilted);
    expect(Math.abs(facet.coefficients[1] - 0.25)).toBeLessThan(1e-9);
    expect(Math.abs(facet.coefficients[2] + 0.125)).toBeLessThan(1e-9);
    const pl = levelPlane(tilted);
    expect(Math.abs(pl.coefficients[1] - 0.25) + Math.abs(pl.coefficients[2] + 0.125)).toBeGreaterThan(1e-2);
    // what remains is the mesas on a level substrate (one constant offset)
    const d = facet.image.data;
    const off = d[0] - mesas(0, 0);
    let left = 0, sum = 0;
    for (let i = 0; i < d.length; i++) {
      left = Math.max(left, Math.abs(d[i] - mesas(i % W, Math.floor(i / W)) - off));
      sum = Math.max(sum, Math.abs(d[i] + facet.removed.data[i] - tilted.data[i]));
    }
    expect(left).toBeLessThan(1e-5);
    expect(sum).toBeLessThan(1e-5);
  });

  test("errors: sharpness, maxIterations, everything masked", () => {
    expect(() => levelFacets(tilted, { sharpness: 0 })).toThrow(/levelFacets: options.sharpness must be a positive number/);
    expect(() => levelFacets(tilted, { maxIterations: 0 })).toThrow(/maxIterations must be a positive integer/);
    expect(() => levelFacets(tilted, { mask: new Uint8Array(W * H).fill(1) })).toThrow(/no 2 × 2 cell of usable pixels/);
  });
});

describe("levelThreePoints", () => {
  test("the plane through three substrate points (means within a radius) is the tilt, exactly; the points end at zero", () => {
    const img = make((x, y) => plane(x, y) + bumps(x, y));
    const r = levelThreePoints(img, [[2, 2], [60, 5], [10, 44]], { radius: 1.5 });
    expect(Math.abs(r.coefficients[1] - 0.25)).toBeLessThan(1e-12);
    expect(Math.abs(r.coefficients[2] + 0.125)).toBeLessThan(1e-12);
    expect(Math.abs(r.coefficients[0] - 3)).toBeLessThan(1e-12);
    expect(r.image.data[2 * W + 2]).toBe(0);
    expect(r.image.data[20 * W + 20]).toBe(2); // a bump keeps its height
  });

  test("errors: collinear points, a point outside, a neighbourhood of NaN", () => {
    const img = make(plane);
    expect(() => levelThreePoints(img, [[0, 0], [1, 1], [2, 2]])).toThrow(/levelThreePoints: the three points are on one line/);
    expect(() => levelThreePoints(img, [[0, 0], [70, 1], [2, 9]])).toThrow(/point 1 \(70, 1\) is outside the 64 × 48 image/);
    const nan = make(plane);
    nan.data[5 * W + 5] = NaN;
    expect(() => levelThreePoints(nan, [[5, 5], [30, 1], [2, 30]])).toThrow(/no finite pixel within 0 px of point 0 \(5, 5\)/);
  });
});
