/**
 * quickselect (Floyd–Rivest SELECT), used for the medians of estimateNoise and
 * findAtoms: the k-th smallest value equals the k-th entry of the sorted array,
 * on random, heavily tied (integer counts), sorted and reversed inputs, short
 * ones and ones long enough for the sampling recursion (> 600 values).
 */
import { quickselect } from "../../src/core/select";

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

describe("quickselect", () => {
  const r = lcg(11);
  const kinds: [string, (i: number, n: number) => number][] = [
    ["uniform", () => r()],
    ["ties (5 values)", () => Math.floor(5 * r())],
    ["Poisson-like counts", () => Math.round(20 + 4 * (r() + r() + r() - 1.5))],
    ["sorted", (i) => i],
    ["reversed", (i, n) => n - i],
  ];
  for (const [name, gen] of kinds) {
    it(`${name}: equals the sorted array's k-th value for n in 1…20000`, () => {
      for (const n of [1, 2, 3, 7, 100, 601, 602, 5000, 20000]) {
        const a = Float64Array.from({ length: n }, (_, i) => gen(i, n));
        const sorted = Float64Array.from(a).sort();
        for (const k of [0, n >> 1, n - 1, Math.floor(r() * n)]) expect(quickselect(Float64Array.from(a), k)).toBe(sorted[k]);
      }
    });
  }
  it("rejects an index outside the array", () => {
    expect(() => quickselect(new Float64Array(3), 3)).toThrow(/k must be an integer index in \[0, 3\)/);
    expect(() => quickselect(new Float64Array(3), 0.5)).toThrow(/k must be/);
  });
});
