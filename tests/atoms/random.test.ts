import { synth } from "causalscope";

describe("synth.rng", () => {
  it("is reproducible for a seed and differs between seeds", () => {
    const a = synth.rng(42), b = synth.rng(42), c = synth.rng(43);
    const sa = Array.from({ length: 5 }, () => a.uniform());
    const sb = Array.from({ length: 5 }, () => b.uniform());
    const sc = Array.from({ length: 5 }, () => c.uniform());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    for (const v of sa) expect(v >= 0 && v < 1).toBe(true);
  });
  it("draws normal deviates with the requested mean and sd", () => {
    const r = synth.rng(1);
    const n = 20000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const v = r.normal(3, 2); s += v; s2 += v * v; }
    const mean = s / n, sd = Math.sqrt(s2 / n - mean * mean);
    expect(Math.abs(mean - 3)).toBeLessThan(0.05);
    expect(Math.abs(sd - 2)).toBeLessThan(0.05);
  });
  it.each([0.5, 4, 10, 37.5, 1000, 1e5])("draws Poisson deviates with mean = variance = %p", (lambda) => {
    const r = synth.rng(7);
    const n = 20000;
    let s = 0, s2 = 0, bad = 0;
    for (let i = 0; i < n; i++) { const v = r.poisson(lambda); if (!(Number.isInteger(v) && v >= 0)) bad++; s += v; s2 += v * v; }
    expect(bad).toBe(0);
    const mean = s / n, variance = s2 / n - mean * mean;
    // 5 standard errors.
    expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
    expect(Math.abs(variance / lambda - 1)).toBeLessThan(5 * Math.sqrt(2 / n) + 0.01);
  });
  it("names a bad argument", () => {
    expect(() => synth.rng(1).poisson(-1)).toThrow(/lambda/);
    expect(() => synth.rng(NaN)).toThrow(/seed/);
  });
});
