/**
 * The determinism guard (src/causal/guard.ts): exact linear dependence is an
 * error naming the columns; near-deterministic relations (linear, ratios,
 * monotone transforms, discrete functions) are warnings in meta.warnings for
 * every algorithm, naming the columns; legitimate strong correlation is not.
 */
import { learnStructure, deterministicRelations, prepareData, bootstrap, bootstrapAsync } from "../../src/causal";
import { Rng } from "../../src/core/random";

const ALGS = ["pc", "fci", "hc", "tabu", "ges", "lingam"] as const;

/** Uniform (non-Gaussian, so LiNGAM runs too) positive columns a, b, z; n rows. */
function base(n: number, seed = 3): { a: Float64Array; b: Float64Array; z: Float64Array; rng: Rng } {
  const rng = new Rng(seed);
  const a = Float64Array.from({ length: n }, () => 1 + rng.uniform());
  const b = Float64Array.from({ length: n }, () => 1 + rng.uniform());
  const z = Float64Array.from(a, (v) => 0.5 * v + rng.uniform());
  return { a, b, z, rng };
}

const warningsOf = (g: { meta?: Record<string, unknown> }) => g.meta!.warnings as string[];

describe("determinism guard", () => {
  test("ratio column: every algorithm warns, naming the three columns and asking to drop one", () => {
    const { a, b, z } = base(400);
    const c = Float64Array.from(a, (v, i) => v / b[i]);
    for (const algorithm of ALGS) {
      const w = warningsOf(learnStructure({ a, b, c, z }, { algorithm }));
      expect(w).toHaveLength(1);
      for (const col of ["a", "b", "c"]) expect(w[0]).toContain(`"${col}"`);
      expect(w[0]).not.toContain(`"z"`);
      expect(w[0]).toMatch(/log-linear .*drop/);
    }
  });

  test("bootstrap checks the full data once: the consensus graph carries the warning", async () => {
    const { a, b, z } = base(400);
    const c = Float64Array.from(a, (v, i) => v / b[i]);
    for (const r of [bootstrap({ a, b, c, z }, { algorithm: "pc", seed: 1 }, 4), await bootstrapAsync({ a, b, c, z }, { algorithm: "pc", seed: 1, workers: 0 }, 4)]) {
      const w = warningsOf(r.graph);
      expect(w).toHaveLength(1);
      expect(w[0]).toMatch(/^bootstrap(Async)?: column "(a|b|c)" is nearly deterministic/);
    }
    expect(warningsOf(bootstrap({ a, b, c, z }, { algorithm: "pc", checkDeterminism: false }, 2).graph)).toEqual([]);
  });

  test("exact linear combination and exact copy: an error naming the dependent column and the columns it combines", () => {
    const { a, b, z } = base(300);
    const e = Float64Array.from(a, (v, i) => 2 * v - 3 * b[i]);
    for (const algorithm of ALGS) expect(() => learnStructure({ a, z, b, e }, { algorithm })).toThrow(/column "e" is perfectly collinear with "(a|b)", "(a|b)": it is \(numerically\) a linear combination of them.*drop "e" or one of/);
    const copy = Float64Array.from(a);
    expect(() => learnStructure({ a, b, copy, z }, { algorithm: "pc" })).toThrow(/column "copy" is perfectly collinear with "a": it is \(numerically\) a multiple of it plus a constant/);
  });

  test("near-copy with tiny noise: a linear warning naming both; the threshold and the switch", () => {
    const { a, b, z, rng } = base(500);
    const a2 = Float64Array.from(a, (v) => 3 * v + 1 + 1e-4 * rng.normal());
    const g = learnStructure({ a, a2, b, z }, { algorithm: "pc" });
    expect(warningsOf(g)).toEqual([expect.stringMatching(/column "a2?" is nearly deterministic: linear in "a2?" \(linear R² = 0\.99999/)]);
    expect(warningsOf(learnStructure({ a, a2, b, z }, { algorithm: "pc", checkDeterminism: false }))).toEqual([]);
    // R² ≈ 1 - 1e-8·var(noise)/var: still flagged at a stricter threshold, never at R² 1 - 1e-12
    expect(warningsOf(learnStructure({ a, a2, b, z }, { algorithm: "pc", determinismR2: 1 - 1e-12 }))).toEqual([]);
    expect(() => learnStructure({ a, a2, b, z }, { determinismR2: 1 })).toThrow(/determinismR2 must be a number in \(0, 1\), got 1/);
  });

  test("a legitimately strong pair (R² 0.9) and the usual correlated columns: no warning", () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const n = 300;
      const x = Float64Array.from({ length: n }, () => rng.normal());
      const y = Float64Array.from(x, (v) => v + Math.sqrt(1 / 9) * rng.normal()); // R² = 0.9
      const u = Float64Array.from(y, (v) => 0.7 * v + rng.normal());
      const d = prepareData({ x, y, u });
      expect(deterministicRelations(d)).toEqual([]);
      for (const algorithm of ALGS) expect(warningsOf(learnStructure({ x, y, u }, { algorithm }))).toEqual([]);
    }
  });

  test("discrete columns where one is a function of another: warned (function check), the reverse direction not", () => {
    const rng = new Rng(11);
    const n = 600;
    const k = Array.from({ length: n }, () => ["Sr", "Ti", "O", "La"][rng.int(4)]);
    const f = k.map((v) => (v === "Sr" || v === "La" ? "A-site" : "B-site")); // a function of k, not one-to-one
    const w = Array.from({ length: n }, () => ["x", "y", "z"][rng.int(3)]);
    const rel = deterministicRelations(prepareData({ k, f, w }));
    expect(rel).toEqual([{ column: "f", by: ["k"], r2: 1, check: "function" }]);
    for (const algorithm of ["pc", "fci", "hc", "tabu", "ges"] as const) {
      const msgs = warningsOf(learnStructure({ k, f, w }, { algorithm }));
      expect(msgs).toEqual([expect.stringMatching(/column "f" is nearly deterministic: a function of "k" \(function R² = 1\.000000000\); .*drop "f" or one of "k"/)]);
    }
  });

  test("monotone and one-column nonlinear functions: rank-linear and function checks", () => {
    const rng = new Rng(5);
    const n = 3000;
    const x = Float64Array.from({ length: n }, () => rng.normal());
    const other = Float64Array.from({ length: n }, () => rng.normal());
    // exp: monotone (ranks identical); sin(3x): not monotone, a smooth function of x only
    expect(deterministicRelations(prepareData({ x, e: Float64Array.from(x, Math.exp), other }))).toEqual([expect.objectContaining({ by: [expect.stringMatching(/^(x|e)$/)], check: "rank-linear" })]);
    const s = Float64Array.from(x, (v) => Math.sin(3 * v));
    const rel = deterministicRelations(prepareData({ x, s, other }), 0.99);
    expect(rel).toEqual([expect.objectContaining({ column: "s", by: ["x"], check: "function" })]);
    expect(rel[0].r2).toBeGreaterThan(0.99);
    // the same shape with noise of 30 % of its variance is not flagged
    const noisy = Float64Array.from(s, (v) => v + Math.sqrt(0.3 * 0.5) * rng.normal());
    expect(deterministicRelations(prepareData({ x, noisy, other }), 0.99)).toEqual([]);
  });

  test("mixed data: a discrete label that is a threshold of a continuous column is named", () => {
    const rng = new Rng(8);
    const n = 4000;
    const t = Float64Array.from({ length: n }, () => rng.normal());
    const phase = Array.from(t, (v) => (v > 0.3 ? "tetragonal" : "cubic"));
    const y = Float64Array.from(t, (v) => v + rng.normal());
    const g = learnStructure({ t, phase, y }, { algorithm: "pc", determinismR2: 0.99 });
    expect(warningsOf(g)).toEqual([expect.stringMatching(/column "phase" is nearly deterministic: a function of "t"/)]);
  });
});
