/**
 * Special and distribution functions (src/core/special.ts) against SciPy's values
 * (tests/core/special_reference.json, written by special_reference.py): relative error of
 * every quantile, survival function, erfc and log Γ at points across their ranges and tails.
 */
import { readFileSync } from "fs";
import { join } from "path";
import { betaQuantile, chi2Sf, digamma, erfc, gammaQuantile, lgamma, tPpf } from "../../src/core/special";

const ref = JSON.parse(readFileSync(join(__dirname, "special_reference.json"), "utf8")) as Record<string, number[][]>;
const rel = (got: number, want: number): number => (want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want));
const worst = (rows: number[][], f: (r: number[]) => number): number => Math.max(...rows.map((r) => rel(f(r), r[r.length - 1])));

describe("core/special against SciPy", () => {
  it("Student t quantiles, df 0.5 to 1e5, p from 1e-6 to 1 - 1e-6", () => {
    expect(worst(ref.t, ([p, df]) => tPpf(p, df))).toBeLessThan(1e-9);
  });
  it("Beta and Gamma quantiles (the transition statistics' posterior intervals)", () => {
    expect(worst(ref.b, ([p, a, b]) => betaQuantile(p, a, b))).toBeLessThan(1e-9);
    expect(worst(ref.g, ([p, s, r]) => gammaQuantile(p, s, r))).toBeLessThan(1e-9);
    expect(() => betaQuantile(0.5, 0, 1)).toThrow(/a, b > 0/);
    expect(() => gammaQuantile(1, 2, 1)).toThrow(/need p in \[0, 1\)/);
  });
  it("χ² survival, erfc, log Γ and digamma", () => {
    expect(worst(ref.c, ([x, df]) => chi2Sf(x, df))).toBeLessThan(1e-12);
    expect(worst(ref.e.filter(([x]) => x <= 10), ([x]) => erfc(x))).toBeLessThan(2e-14);
    expect(worst(ref.e, ([x]) => erfc(x))).toBeLessThan(1e-13);
    expect(worst(ref.d, ([x]) => digamma(x))).toBeLessThan(1e-13);
    expect(Math.max(...ref.l.map(([x, want]) => Math.abs(lgamma(x) - want) / Math.max(1, Math.abs(want))))).toBeLessThan(1e-14);
  });
  it("tPpf refuses p outside (0, 1) and df <= 0, naming the arguments", () => {
    expect(() => tPpf(1, 3)).toThrow(/tPpf\(p, df\): need p in \(0, 1\) and df > 0, got 1, 3/);
    expect(() => tPpf(0.5, 0)).toThrow(/got 0.5, 0/);
  });
});
