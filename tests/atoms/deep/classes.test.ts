/**
 * @jest-environment ./tests/atoms/deep-engine/host-typed-arrays.env.js
 *
 * Per-atom classes of the deep finder (src/atoms/deep/classes.ts) against
 * synthetic ground truth the class model was not trained on (other seeds,
 * no augmentation): precision and recall of dopants (columns brighter or
 * dimmer than their own sublattice) and vacancy sites at two doses; the
 * lattice translations of known lattices; out-of-distribution input (pure
 * noise, too few columns) gives "unknown" classes, not confident ones.
 */
import { initBackend } from "../../../src/backend";
import { findAtomsDeep } from "../../../src/atoms/deep";
import { latticeTranslations } from "../../../src/atoms/deep/classes";
import * as synth from "../../../src/synth";
import type { SyntheticLattice } from "../../../src/synth";
import type { DeepAtomTable } from "../../../src/atoms/deep/find";
import { matchPositions } from "../match";

beforeAll(async () => { await initBackend({ prefer: "wasm" }); });

/** Rows of `t` with class `c`, positions. */
function rowsOf(t: DeepAtomTable, c: string): { x: number[]; y: number[] } {
  const cls = t.column("class") as string[], x = t.numeric("x"), y = t.numeric("y");
  const idx = cls.map((v, i) => (v === c ? i : -1)).filter((i) => i >= 0);
  return { x: idx.map((i) => x[i]), y: idx.map((i) => y[i]) };
}

/** True positives, predicted and true counts of dopants and vacancies (matching within 0.3 spacing, one spacing of border excluded). */
function counts(t: DeepAtomTable, lat: SyntheticLattice) {
  const { width: w, height: h } = lat.image, s = t.parameters.spacing, box = { width: w, height: h, border: s };
  const di = Array.from(lat.atoms.dopant.keys()).filter((i) => lat.atoms.dopant[i]);
  const dop = rowsOf(t, "dopant"), vac = rowsOf(t, "vacancy");
  const md = matchPositions(dop.x, dop.y, di.map((i) => lat.atoms.x[i]), di.map((i) => lat.atoms.y[i]), 0.3 * s, box);
  const mv = matchPositions(vac.x, vac.y, lat.vacancies.x, lat.vacancies.y, 0.3 * s, box);
  return {
    dopant: { tp: md.truePositives, predicted: md.truePositives + md.falsePositives, truth: md.truePositives + md.falseNegatives },
    vacancy: { tp: mv.truePositives, predicted: mv.truePositives + mv.falsePositives, truth: mv.truePositives + mv.falseNegatives },
  };
}

const S = 128;
/** Held-out images: a perovskite with dopants on the dim B sublattice (brighter than B, dimmer than A) and a honeycomb lattice with dimmer dopants, both with vacancies. */
const HELD_OUT: Array<(dose: number) => SyntheticLattice> = [
  (dose) => synth.perovskite({ width: S, height: S, latticeConstant: 16, intensityB: 0.5, rotation: 7, dose, seed: 901, dopants: { fraction: 0.12, intensity: 1.6, sublattice: "B" }, vacancies: { fraction: 0.08 } }),
  (dose) => synth.hexagonal({ width: S, height: S, latticeConstant: 14, rotation: 20, dose, seed: 902, dopants: { fraction: 0.1, intensity: 0.6 }, vacancies: { fraction: 0.08 } }),
];

describe("findAtomsDeep classes on held-out synthetic lattices", () => {
  const rows: string[] = [];
  afterAll(() => console.log(`dose: dopant precision, recall (n); vacancy precision, recall (n)\n${rows.join("\n")}`));
  for (const [dose, minP, minR] of [[1e3, 0.8, 0.85], [1e4, 0.8, 0.85]] as const) {
    it(`dose ${dose} e⁻/column: dopant and vacancy precision ≥ ${minP}, recall ≥ ${minR}; vacancy rows are sites with their own probability`, async () => {
      const sum = { dopant: { tp: 0, predicted: 0, truth: 0 }, vacancy: { tp: 0, predicted: 0, truth: 0 } };
      for (const make of HELD_OUT) {
        const lat = make(dose);
        const t = await findAtomsDeep(lat.image);
        expect(t.parameters.lattice).not.toBeNull();
        const c = counts(t, lat);
        for (const k of ["dopant", "vacancy"] as const) for (const q of ["tp", "predicted", "truth"] as const) sum[k][q] += c[k][q];
        // Vacancy rows: not detected, class "vacancy", probability = class probability (the most probable of three: > 1/3), finite uncertainty.
        const cls = t.column("class") as string[], det = t.numeric("detected"), p = t.numeric("probability"), cp = t.numeric("classProbability"), u = t.numeric("uncertainty");
        const vacRows = cls.map((v, i) => (det[i] === 0 ? i : -1)).filter((i) => i >= 0);
        expect(vacRows.length).toBe(t.parameters.vacancies);
        for (const i of vacRows) {
          expect(cls[i]).toBe("vacancy");
          expect(p[i]).toBe(cp[i]);
          expect(p[i]).toBeGreaterThan(1 / 3);
          expect(u[i] > 0 && Number.isFinite(u[i])).toBe(true);
        }
        expect(cls.every((v) => ["host", "dopant", "vacancy", "unknown"].includes(v))).toBe(true);
      }
      const pr = (k: "dopant" | "vacancy") => [sum[k].tp / sum[k].predicted, sum[k].tp / sum[k].truth];
      const [dp, dr] = pr("dopant"), [vp, vr] = pr("vacancy");
      rows.push(`${dose}: ${dp.toFixed(3)}, ${dr.toFixed(3)} (${sum.dopant.truth}); ${vp.toFixed(3)}, ${vr.toFixed(3)} (${sum.vacancy.truth})`);
      expect(sum.dopant.truth).toBeGreaterThan(10);
      expect(sum.vacancy.truth).toBeGreaterThan(10);
      expect(dp).toBeGreaterThanOrEqual(minP);
      expect(dr).toBeGreaterThanOrEqual(minR);
      expect(vp).toBeGreaterThanOrEqual(minP);
      expect(vr).toBeGreaterThanOrEqual(minR);
    }, 120_000);
  }
});

describe("classes out of distribution", () => {
  it("pure noise and an image with too few columns: every class \"unknown\" (probability NaN), no vacancy rows", async () => {
    const r = synth.rng(3);
    const noise = { data: Float32Array.from({ length: 96 * 96 }, () => r.poisson(20)), width: 96, height: 96 };
    const few = synth.square({ width: 32, height: 32, latticeConstant: 14, dose: 1e4, seed: 4 }); // 4 columns
    for (const [t, why] of [[await findAtomsDeep(noise, { spacing: 8 }), /not significant|no lattice/], [await findAtomsDeep(few.image, { spacing: 14 }), /no lattice/]] as const) {
      if (!t.numRows && why.source.startsWith("not significant")) continue;
      expect(t.numRows).toBeGreaterThan(0);
      expect(t.parameters.lattice).toBeNull();
      expect((t.column("class") as string[]).every((c) => c === "unknown")).toBe(true);
      expect(t.numeric("classProbability").every((p) => Number.isNaN(p))).toBe(true);
      expect(t.parameters.vacancies).toBe(0);
      expect(t.parameters.warnings.join(" ")).toMatch(why);
    }
  });
});

describe("latticeTranslations", () => {
  it("known lattices: translations of one sublattice spanning the primitive cell (perovskite a, not the A→B vector a/√2; honeycomb a = √3 × the bond; dumbbells the pair lattice); none for random points", () => {
    const len = (v: [number, number]) => Math.hypot(v[0], v[1]);
    const area = (t: { t1: [number, number]; t2: [number, number] }) => Math.abs(t.t1[0] * t.t2[1] - t.t1[1] * t.t2[0]);
    const value = (lat: SyntheticLattice) => Float64Array.from(lat.atoms.intensity);
    const per = synth.perovskite({ width: 160, height: 160, latticeConstant: 16, rotation: 10 });
    const tp = latticeTranslations(per.atoms.x, per.atoms.y, value(per), 16 / Math.SQRT2, 160, 160)!;
    expect(len(tp.t1)).toBeCloseTo(16, 3);
    expect(area(tp)).toBeCloseTo(256, 1);
    const hon = synth.hexagonal({ width: 160, height: 160, latticeConstant: 14 });
    const th = latticeTranslations(hon.atoms.x, hon.atoms.y, value(hon), 14 / Math.sqrt(3), 160, 160)!;
    expect(len(th.t1)).toBeCloseTo(14, 3);
    expect(area(th)).toBeCloseTo((14 * 14 * Math.sqrt(3)) / 2, 1);
    const dum = synth.dumbbell({ width: 200, height: 200, latticeConstant: 32 });
    const td = latticeTranslations(dum.atoms.x, dum.atoms.y, value(dum), 8, 200, 200)!;
    expect(len(td.t1)).toBeCloseTo(Math.hypot(32 / (2 * Math.SQRT2), 16), 3);
    expect(area(td)).toBeCloseTo((32 * 32) / (2 * Math.SQRT2), 1);
    const r = synth.rng(5);
    const rx = Float64Array.from({ length: 200 }, () => r.range(0, 160)), ry = Float64Array.from({ length: 200 }, () => r.range(0, 160));
    expect(latticeTranslations(rx, ry, new Float64Array(200).fill(1), 8, 160, 160)).toBeNull();
  });
});
