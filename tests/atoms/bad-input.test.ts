/** Bad input: clear results or errors, never a hang. */
import { synth, findAtoms, makeImage } from "causalscope";
import { matchPositions } from "./match";

function timed<T>(f: () => T): { value: T; ms: number } { const t = Date.now(); const value = f(); return { value, ms: Date.now() - t }; }

describe("findAtoms on bad input", () => {
  it("blank image: an error saying the image is constant (not an empty table)", () => {
    const t = Date.now();
    expect(() => findAtoms(makeImage(new Float32Array(64 * 64).fill(7), 64, 64))).toThrow(/findAtoms\(image\): the image is constant \(every finite pixel is 7\): no columns to find/);
    expect(Date.now() - t).toBeLessThan(5000);
  });
  it("pure noise: no lattice → a clear error; with a given scale, no columns → an error naming the threshold and what to try", () => {
    const r = synth.rng(1);
    const img = makeImage(Float32Array.from({ length: 128 * 128 }, () => r.poisson(100)), 128, 128);
    expect(() => findAtoms(img)).toThrow(/could not estimate the column spacing .*no lattice periodicity/);
    const t = Date.now();
    let msg = "";
    try { findAtoms(img, { minDistance: 5, sigma: 2 }); } catch (e) { msg = (e as Error).message; }
    console.log(`pure Poisson noise (128², mean 100), minDistance 5, sigma 2: ${msg} (${Date.now() - t} ms)`);
    expect(msg).toMatch(/no lattice periodicity found: spacing set to minDistance|no columns found/);
    expect(() => findAtoms(img, { spacing: 14, sigma: 2 })).toThrow(/no columns found: none of the \d+ local maxima .*Try: options.spacing/);
    expect(Date.now() - t).toBeLessThan(10000);
  });
  it("NaN pixels: excluded, the columns are still found, with a warning", () => {
    const s = synth.perovskite({ width: 128, height: 128, dose: 1e4, seed: 2 });
    const d = Float32Array.from(s.image.data);
    for (let k = 0; k < 200; k++) d[(k * 7919) % d.length] = NaN;
    d[5] = Infinity;
    const a = findAtoms(makeImage(d, 128, 128), { sublattices: 2 });
    const m = matchPositions(a.numeric("x"), a.numeric("y"), s.atoms.x, s.atoms.y, 3, { width: 128, height: 128, border: 6 });
    expect(m.recall).toBe(1);
    expect(m.precision).toBe(1);
    expect(m.rmsPerAxis).toBeLessThan(0.06);
    expect(a.parameters.warnings.join(" ")).toMatch(/201 non-finite/);
    expect(a.numeric("x").every(Number.isFinite)).toBe(true);
  });
  it("tiny, all-NaN and malformed images: errors naming the argument", () => {
    expect(() => findAtoms(makeImage(new Float32Array(64 * 64).fill(7), 64, 64), { slopeSnr: 0 })).toThrow(/options.slopeSnr must be a positive number/);
    expect(() => findAtoms(makeImage([1], 1, 1))).toThrow(/image is 1×1 pixels; at least 3×3/);
    expect(() => findAtoms(makeImage([1, 2], 2, 1))).toThrow(/at least 3×3/);
    expect(() => findAtoms(makeImage(new Float32Array(16).fill(NaN), 4, 4))).toThrow(/all 16 pixels are NaN/);
    expect(() => findAtoms({ data: [1, 2, 3], width: 3, height: 1 } as never)).toThrow(/findAtoms\(image\): image must be an Image/);
    expect(() => findAtoms(makeImage(new Float32Array(9), 3, 3), { sublattices: 0 })).toThrow(/options.sublattices/);
    // A 3×3 image with one bright pixel: a result, not a hang.
    const tiny = findAtoms(makeImage([0, 0, 0, 0, 5, 0, 0, 0, 0], 3, 3), { minDistance: 1, sigma: 0.8 });
    expect(tiny.numRows).toBeLessThanOrEqual(1);
  });
});
