/**
 * The one seeded generator (src/core/random.ts): its stream is the causal
 * module's historical xoshiro128** stream (constants below were printed by the
 * pre-issue-10 `causal/stats.ts` Rng for the same seeds), it is uniform
 * (χ² test on 20 bins), its normal deviates have the right moments, and it
 * rejects bad seeds.
 */
import { Rng, rng } from "../../src/core/random";
import { chi2Sf } from "../../src/core/special";

describe("Rng", () => {
  it("reproduces the historical fixed-seed sequence", () => {
    const a = new Rng(42);
    expect(Array.from({ length: 4 }, () => a.u32())).toEqual([3308293827, 1579791675, 2929259487, 2559673145]);
    const b = rng(7);
    expect([b.uniform(), b.uniform(), b.normal(), b.normal(), b.int(1000)]).toEqual([0.20372971171897414, 0.3996180784210045, -1.9139433355384123, -1.3210516286040237, 375]);
  });

  it("is the same stream for the same seed and a different one for another seed", () => {
    const s = (seed: number) => Array.from({ length: 8 }, ((r) => () => r.uniform())(new Rng(seed)));
    expect(s(3)).toEqual(s(3));
    expect(s(3)).not.toEqual(s(4));
    expect(s(3.9)).toEqual(s(3)); // truncated toward zero
    expect(s(3 + 2 ** 32)).toEqual(s(3)); // reduced modulo 2^32
  });

  it("is uniform on [0, 1): chi-square over 20 bins, p > 1e-3", () => {
    const r = new Rng(11), n = 200000, bins = new Float64Array(20);
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      else bins[Math.floor(u * 20)]++;
    }
    expect(outside).toBe(0);
    const e = n / 20;
    const chi2 = bins.reduce((s, o) => s + ((o - e) * (o - e)) / e, 0);
    expect(chi2Sf(chi2, 19)).toBeGreaterThan(1e-3);
  });

  it("int(n) covers 0..n-1 uniformly", () => {
    const r = new Rng(5), n = 70000, counts = new Float64Array(7);
    for (let i = 0; i < n; i++) counts[r.int(7)]++;
    const chi2 = counts.reduce((s, o) => s + ((o - n / 7) ** 2) / (n / 7), 0);
    expect(chi2Sf(chi2, 6)).toBeGreaterThan(1e-3);
  });

  it("normal deviates: mean, variance, skewness and kurtosis of N(3, 2²) within 5 standard errors", () => {
    const r = new Rng(1), n = 100000;
    let s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    const x = Float64Array.from({ length: n }, () => r.normal(3, 2));
    for (const v of x) s1 += v;
    const m = s1 / n;
    for (const v of x) { const d = (v - m) / 2; s2 += d * d; s3 += d * d * d; s4 += d * d * d * d; }
    expect(Math.abs(m - 3)).toBeLessThan(5 * (2 / Math.sqrt(n)));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s3 / n)).toBeLessThan(5 * Math.sqrt(6 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(24 / n));
  });

  it("shuffle is a permutation and moves elements", () => {
    const a = Array.from({ length: 100 }, (_, i) => i);
    const b = new Rng(9).shuffle(a.slice());
    expect(b.slice().sort((x, y) => x - y)).toEqual(a);
    expect(b).not.toEqual(a);
  });

  it("names a bad seed or Poisson mean", () => {
    expect(() => new Rng(NaN)).toThrow(/seed must be a finite number/);
    expect(() => rng(Infinity)).toThrow(/seed/);
    expect(() => new Rng(1).poisson(-1)).toThrow(/lambda/);
  });
});
