/**
 * Atom finders against synthetic ground truth on every lattice type
 * (square, perovskite, honeycomb, triangular, dumbbell) at 10²–10⁵ e⁻ per
 * column: detection (precision, recall, F1), RMS error against the
 * Cramér–Rao bound, calibration of the reported uncertainty (z-score sd).
 * Harness: ./validation-harness.ts. A new finder is one line in FINDERS; it is
 * held to the targets (TARGETS) unless it has its own measured bars.
 */
import { findAtoms, table, synth } from "causalscope";
import { Finder, Score, LATTICES, DOSES, validateFinder, scoreFinder, formatScores } from "./validation-harness";

/** The finders under validation. */
const FINDERS: Record<string, Finder> = {
  classical: async (image) => findAtoms(image),
};

/** Bars one (lattice, dose) must meet. */
interface Bars { f1: number; rmsOverCrb: number; zsd: [number, number] }

/** The targets for any finder: calibrated uncertainties everywhere; detection and near-CRB precision from 10³ e⁻/column. */
const TARGETS = (dose: number): Bars => (dose >= 1e3 ? { f1: 0.95, rmsOverCrb: 1.5, zsd: [0.7, 1.4] } : { f1: 0.8, rmsOverCrb: 2, zsd: [0.7, 1.4] });

/**
 * Bars measured for a finder (seeded images, so deterministic), with a small
 * margin; a change that does worse fails here. Measured 2026-12-07 at d9abc9c (report of issue 11), dumbbell
 * and triangular 10⁵ again at 16bca53.
 */
const MEASURED: Record<string, (lattice: string, dose: number) => Bars> = {
  classical: (lattice, dose) => {
    // Dumbbells at 10⁵: every column found (F1 1.000 since the slope pass keeps only maxima with 0.2 x the median
    // column contrast, 16bca53; it was 0.78 with 55 ripple maxima), but each pair's overlap biases its joint fit:
    // RMS 2.7 x the bound, z sd 1.58 (measured at 16bca53).
    if (lattice === "dumbbell" && dose === 1e5) return { f1: 0.99, rmsOverCrb: 2.9, zsd: [0.7, 1.7] };
    // At 10² (about 4 counts at a column's peak) the reported uncertainty is 20–30 % too small (z sd 1.24–1.48).
    if (dose === 1e2) return { f1: 0.985, rmsOverCrb: 1.4, zsd: [0.7, 1.55] };
    return { f1: 0.99, rmsOverCrb: 1.25, zsd: [0.85, 1.25] };
  },
};

describe.each(Object.entries(FINDERS))("validation: %s finder at default options", (name, finder) => {
  let scores: Score[] = [];
  beforeAll(async () => {
    scores = await validateFinder(finder);
    console.log(formatScores(name, scores));
  });
  const bars = MEASURED[name] ?? ((_: string, dose: number) => TARGETS(dose));
  it.each(LATTICES.map((c) => c.name))("%s: F1, RMS / Cramér–Rao bound and z-score sd at 10²–10⁵ e⁻/column", (lattice) => {
    const rows = scores.filter((s) => s.lattice === lattice);
    expect(rows.map((s) => s.dose)).toEqual(DOSES);
    for (const s of rows) {
      const b = bars(lattice, s.dose);
      // A failure shows the measured value in place of "ok".
      const got = { dose: s.dose, error: s.error, f1: s.f1 >= b.f1 ? "ok" : s.f1, rmsOverCrb: s.rms / s.crb <= b.rmsOverCrb ? "ok" : s.rms / s.crb, zsd: s.zsd >= b.zsd[0] && s.zsd <= b.zsd[1] ? "ok" : s.zsd };
      expect(got).toEqual({ dose: s.dose, error: undefined, f1: "ok", rmsOverCrb: "ok", zsd: "ok" });
    }
  });
});

describe("validation harness", () => {
  const square = LATTICES[0];
  it("scores an oracle finder: truth plus known Gaussian error, reporting that error as its uncertainty", async () => {
    const sd = 0.05;
    const oracle: Finder = async () => {
      const t = square.make(1e4, 7).atoms, r = synth.rng(1);
      return table({ x: Array.from(t.x, (v) => v + r.normal(0, sd)), y: Array.from(t.y, (v) => v + r.normal(0, sd)), uncertainty: new Float64Array(t.x.length).fill(sd) });
    };
    const s = await scoreFinder(oracle, square, 1e4, 7);
    expect([s.precision, s.recall, s.f1]).toEqual([1, 1, 1]);
    expect(s.rms).toBeGreaterThan(0.8 * sd);
    expect(s.rms).toBeLessThan(1.2 * sd);
    expect(s.zsd).toBeCloseTo(s.rms / sd, 12);
    expect(s.crb).toBeGreaterThan(0.01);
    expect(s.crb).toBeLessThan(0.03);
  });
  it("scores a finder that misses half the columns, adds false ones, or throws", async () => {
    const half: Finder = async () => {
      const t = square.make(1e3, 3).atoms;
      const keep = Array.from(t.x.keys()).filter((k) => k % 2 === 0);
      return table({ x: [...keep.map((k) => t.x[k]), 80.5], y: [...keep.map((k) => t.y[k]), 80.5], uncertainty: new Float64Array(keep.length + 1).fill(0.1) });
    };
    const s = await scoreFinder(half, square, 1e3, 3);
    expect(s.recall).toBeGreaterThan(0.4);
    expect(s.recall).toBeLessThan(0.6);
    expect(s.precision).toBeLessThan(1);
    expect(s.rms).toBe(0);
    const broken = await scoreFinder(async () => { throw new Error("no columns"); }, square, 1e3, 3);
    expect(broken).toMatchObject({ f1: 0, error: "no columns" });
  });
});
