/**
 * Standardised effects (sem.ts `effect(..., { standardized: true })`) on a
 * linear SEM with known population values.
 */
import { dag, effect, fitSEM } from "../../src/causal";
import { Rng } from "../../src/core/random";

/** z ~ N(0,1); x = z + N(0,3) (sd 2); y = 2x + z + N(0,4): Var y = 16 + 1 + 4 + 4 = 25 (sd 5); standardised effect of x on y = 2·2/5 = 0.8. */
function sem(n: number, seed = 21): Record<string, Float64Array> {
  const r = new Rng(seed);
  const z = Float64Array.from({ length: n }, () => r.normal());
  const x = Float64Array.from(z, (v) => v + Math.sqrt(3) * r.normal());
  const y = Float64Array.from(x, (v, i) => 2 * v + z[i] + 2 * r.normal());
  return { z, x, y };
}

const sd = (a: Float64Array) => {
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1));
};

describe("standardized effects", () => {
  const data = sem(20000);
  const model = fitSEM(dag(["z", "x", "y"], ["z->x", "z->y", "x->y"]), data);

  test("β·sd(x)/sd(y) with its interval: 0.8 for the known SEM (raw effect 2)", () => {
    const raw = effect(model, { treatment: "x", outcome: "y" });
    const std = effect(model, { treatment: "x", outcome: "y", standardized: true });
    expect(raw.adjust).toEqual(["z"]);
    expect(raw.standardized).toBe(false);
    expect(std.standardized).toBe(true);
    expect(raw.effect).toBeCloseTo(2, 1);
    expect(Math.abs(std.effect - 0.8)).toBeLessThan(0.015);
    expect(std.ci[0]).toBeLessThan(0.8);
    expect(std.ci[1]).toBeGreaterThan(0.8);
    // exactly the raw estimate, standard error and interval scaled by the sample sd ratio
    const k = sd(data.x) / sd(data.y);
    expect(std.effect).toBeCloseTo(raw.effect * k, 12);
    expect(std.standardError).toBeCloseTo(raw.standardError * k, 12);
    expect(std.ci[0]).toBeCloseTo(raw.ci[0] * k, 12);
    expect(std.ci[1]).toBeCloseTo(raw.ci[1] * k, 12);
    expect(std.method).toMatch(/standardized: β·sd\(treatment\)\/sd\(outcome\)/);
  });

  test("the standardised effect of z on y (total, no adjustment needed): (2·1 + 1)·1/5 = 0.6", () => {
    const e = effect(model, { treatment: "z", outcome: "y", standardized: true, level: 0.99 });
    expect(e.adjust).toEqual([]);
    expect(Math.abs(e.effect - 0.6)).toBeLessThan(0.02);
    expect(e.ci[0]).toBeLessThan(e.effect);
    expect(e.level).toBe(0.99);
  });

  test("errors: discrete models and a bad level", () => {
    const r = new Rng(3);
    const a = Array.from({ length: 300 }, () => (r.uniform() < 0.5 ? "u" : "v"));
    const b = a.map((v) => (r.uniform() < (v === "u" ? 0.7 : 0.3) ? "p" : "q"));
    const m = fitSEM(dag(["a", "b"], ["a->b"]), { a, b });
    expect(() => effect(m, { treatment: "a", outcome: "b", standardized: true })).toThrow(/effect: standardized effects are defined for continuous \(linear SEM\) models; "a" and "b" are discrete/);
    expect(() => effect(model, { treatment: "x", outcome: "y", level: 95 })).toThrow(/effect: level must be in \(0, 1\), got 95/);
  });
});
