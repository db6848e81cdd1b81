/**
 * Dumbbells whose two columns show no dip between them (σ = 0.55 × their
 * separation): `estimateSpacing` resolves the pair from the shape of the
 * lattice-averaged cell (two round Gaussians fit it, one elliptical one does
 * not) or, at too low a dose, says so; `findAtoms` then seeds both columns of
 * every pair. Before, the spacing was the distance between dumbbells (19–29 px
 * for 8–12 px pairs) and both finders found one column per pair. Also: no pair
 * and no warning on the other lattice types nor where only the average is
 * elongated (polarisation domains), and resolved dumbbells at 10⁵
 * e⁻/column without the slope pass's extra maxima (F1 0.80 before).
 */
import { synth, findAtoms, atoms } from "causalscope";
import { estimateSpacing } from "../../src/atoms";

const W = 256;
const unresolved = (sep: number, rotation: number, dose: number) =>
  synth.dumbbell({ width: W, height: W, latticeConstant: 4 * sep, separation: sep, sigma: 0.55 * sep, rotation, dose, seed: 1 });

function f1(found: ReturnType<typeof findAtoms>, truth: { x: ArrayLike<number>; y: ArrayLike<number> }, tolerance: number, size: number): number {
  const m = atoms.matchAtoms(found, truth, { tolerance, excludeBorder: 6, width: size, height: size });
  return (2 * m.precision * m.recall) / (m.precision + m.recall);
}

describe("estimateSpacing on dumbbells without a dip", () => {
  it.each([
    [12, 0, 1e5],
    [8, 30, 3e3],
  ])("pairs %d px apart, rotated %d°, %d e⁻/column: the pair separation, both columns in the cell", (sep, rot, dose) => {
    const e = estimateSpacing(unresolved(sep, rot, dose).image);
    expect(e.spacing).toBeGreaterThan(0.97 * sep);
    expect(e.spacing).toBeLessThan(1.03 * sep);
    expect(e.pairs.length).toBe(1);
    expect(e.columnsPerCell).toBe(2);
    // The pair axis: 90° before rotation (synth's default pairAngle); the fitted σ is the generator's.
    const angle = (Math.atan2(e.pairs[0].half[1], e.pairs[0].half[0]) * 180) / Math.PI;
    const want = -(90 + rot); // synth rotates counter-clockwise as displayed (y down)
    expect(Math.abs(((angle - want + 90) % 180 + 180) % 180 - 90)).toBeLessThan(3);
    expect(e.sigma).toBeGreaterThan(0.95 * 0.55 * sep);
    expect(e.sigma).toBeLessThan(1.05 * 0.55 * sep);
    expect(e.elongation).toBeGreaterThan(1.7);
    expect(e.warnings.join(" ")).toMatch(/pairs .* px apart with no dip/);
  });

  it("too few counts to tell a pair from an elongated column (300 e⁻/column): says so, naming what to pass", () => {
    const e = estimateSpacing(unresolved(8, 0, 300).image);
    expect(e.pairs.length).toBe(0);
    expect(e.elongation).toBeGreaterThan(1.5);
    expect(e.warnings.join(" ")).toMatch(/elongated .* unresolved pairs .* pass options\.spacing/);
  });

  it("two polarisation domains (B sites ±1.2 px): elongated in the average only, so neither a pair nor a warning", () => {
    const s = synth.perovskite({ width: 256, height: 256, latticeConstant: 16, tetragonality: 1.05, dose: 1e4, seed: 4, polarization: (x) => [0, x < 128 ? 1.2 : -1.2] });
    const e = estimateSpacing(s.image);
    expect(e.elongation).toBeGreaterThan(1.5); // the averaged B site: two round columns 2.4 px apart
    expect(e.pairs).toEqual([]);
    expect(e.warnings).toEqual([]);
    expect(Math.abs(e.spacing - 16 / Math.SQRT2)).toBeLessThan(0.1 * 16 / Math.SQRT2);
  });

  it.each([
    ["square", () => synth.square({ width: 160, height: 160, latticeConstant: 14, rotation: 7, dose: 1e3, seed: 1 }), 14],
    ["perovskite", () => synth.perovskite({ width: 160, height: 160, latticeConstant: 16, rotation: 7, dose: 1e3, seed: 1 }), 16 / Math.SQRT2],
    ["honeycomb", () => synth.hexagonal({ width: 160, height: 160, lattice: "honeycomb", latticeConstant: 18, rotation: 7, dose: 1e3, seed: 1 }), 18 / Math.sqrt(3)],
    ["triangular", () => synth.hexagonal({ width: 160, height: 160, lattice: "triangular", latticeConstant: 12, rotation: 7, dose: 1e3, seed: 1 }), 12],
    ["resolved dumbbells (σ = 0.3 × pair)", () => synth.dumbbell({ width: 160, height: 160, latticeConstant: 32, separation: 8, sigma: 2.4, dose: 1e3, seed: 1 }), 8],
  ])("%s: round columns, no pair, no warning", (_name, make, nn) => {
    const e = estimateSpacing((make as () => synth.SyntheticLattice)().image);
    expect(Math.abs(e.spacing - (nn as number))).toBeLessThan(0.05 * (nn as number));
    expect(e.pairs).toEqual([]);
    expect(e.warnings).toEqual([]);
    if (Number.isFinite(e.elongation)) expect(e.elongation).toBeLessThan(1.1);
  });
});

describe("findAtoms on dumbbells", () => {
  it("without a dip (8-px pairs, 10⁵ e⁻/column): both columns of every pair (one per pair before)", () => {
    const s = unresolved(8, 0, 1e5);
    const found = findAtoms(s.image);
    expect(f1(found, s.atoms, 0.3 * 8, W)).toBeGreaterThan(0.97);
    expect(found.parameters.spacing).toBeCloseTo(8, 0);
    expect(found.parameters.warnings.join(" ")).toMatch(/unresolved pairs .* seeded from the maxima/);
  });

  it("resolved, at 10⁵ e⁻/column: no extra maxima from the slope pass (F1 0.80 before)", () => {
    const s = synth.dumbbell({ width: 160, height: 160, latticeConstant: 32, rotation: 7, origin: [7.3, 8.6], dose: 1e5, seed: 1, vacancies: { fraction: 0.04 }, dopants: { fraction: 0.05, intensity: 1.5 } });
    const found = findAtoms(s.image);
    expect(f1(found, s.atoms, 0.4 * 8, 160)).toBeGreaterThan(0.97);
  });
});
