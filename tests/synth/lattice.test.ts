/**
 * Lattice generators (`synth.square`, `synth.dumbbell`, and the shared ground
 * truth of every generator): exact positions, basis, vacancy sites, dopant
 * class, the image model at the true positions, option errors.
 */
import { synth } from "causalscope";

const W = 160;
const pix = (img: { data: Float32Array; width: number }, x: number, y: number) => img.data[Math.round(y) * img.width + Math.round(x)];

describe("synth.square", () => {
  it("puts one column per cell at origin + i·a1 + j·a2, rotated counter-clockwise as displayed", () => {
    const s = synth.square({ width: W, height: W, latticeConstant: 16, seed: 1 });
    expect(s.atoms.x.length).toBe(100); // 10 × 10 at 8 + 16 k
    for (let k = 0; k < s.atoms.x.length; k++) {
      expect(s.atoms.x[k]).toBeCloseTo(8 + 16 * s.atoms.i[k], 12);
      expect(s.atoms.y[k]).toBeCloseTo(8 + 16 * s.atoms.j[k], 12);
    }
    expect(new Set(s.atoms.sublattice)).toEqual(new Set([0]));
    expect(s.sigma).toBeCloseTo(0.12 * 16, 12);
    // Noiseless image: expected counts for dose 1000 (peak N/(2πσ²) + background at a column on a pixel centre).
    const peak = 1000 / (2 * Math.PI * s.sigma ** 2);
    expect(pix(s.image, 8, 8)).toBeCloseTo(peak + s.background, 1);
    expect(s.background).toBeCloseTo(0.02 * peak, 6);
    const r = synth.square({ width: W, height: W, latticeConstant: 16, rotation: 30, seed: 1 });
    expect(r.basis[0][0]).toBeCloseTo(16 * Math.cos(Math.PI / 6), 12);
    expect(r.basis[0][1]).toBeCloseTo(-16 * Math.sin(Math.PI / 6), 12); // counter-clockwise on screen: y up is negative
    for (let k = 0; k < r.atoms.x.length; k++) {
      let best = Infinity;
      for (let m = 0; m < r.atoms.x.length; m++) if (m !== k) best = Math.min(best, Math.hypot(r.atoms.x[m] - r.atoms.x[k], r.atoms.y[m] - r.atoms.y[k]));
      expect(best).toBeCloseTo(16, 9);
    }
  });

  it("lists vacant sites separately and marks dopant columns as class 1", () => {
    const s = synth.square({ width: W, height: W, latticeConstant: 16, vacancies: { fraction: 0.15 }, dopants: { fraction: 0.2, intensity: 2 }, seed: 7 });
    expect(s.atoms.x.length + s.vacancies.x.length).toBe(100);
    expect(s.vacancies.x.length).toBeGreaterThan(5);
    expect(s.vacancies.x.length).toBeLessThan(30);
    const nd = s.atoms.dopant.reduce((a, v) => a + v, 0);
    expect(nd).toBeGreaterThan(8);
    expect(nd).toBeLessThan(35);
    const peak = 1000 / (2 * Math.PI * s.sigma ** 2);
    for (let k = 0; k < s.vacancies.x.length; k++) {
      expect((s.vacancies.x[k] - 8) / 16).toBeCloseTo(s.vacancies.i[k], 12);
      expect(pix(s.image, s.vacancies.x[k], s.vacancies.y[k])).toBeCloseTo(s.background, 3); // nothing there
    }
    for (let k = 0; k < s.atoms.x.length; k++) {
      expect(s.atoms.intensity[k]).toBe(s.atoms.dopant[k] ? 2 : 1);
      expect(pix(s.image, s.atoms.x[k], s.atoms.y[k]) - s.background).toBeCloseTo(peak * s.atoms.intensity[k], 1);
    }
  });

  it("is reproducible for a seed, with Poisson counts at a dose", () => {
    const o = { width: 96, height: 96, latticeConstant: 12, dose: 300, scanNoise: 0.3, drift: [0.01, 0] as [number, number], vacancies: { fraction: 0.1 }, seed: 4 };
    const a = synth.square(o), b = synth.square(o), c = synth.square({ ...o, seed: 5 });
    expect(a.image.data).toEqual(b.image.data);
    expect(a.image.data).not.toEqual(c.image.data);
    expect(a.image.data.every((v) => Number.isInteger(v))).toBe(true);
    // drift moves the true positions by drift·y
    for (let k = 0; k < a.atoms.x.length; k++) expect(a.atoms.x[k]).toBeCloseTo(6 + 12 * a.atoms.i[k] + 0.01 * a.atoms.y[k], 9);
  });
});

describe("synth.dumbbell", () => {
  it("places pairs at the given separation and orientation on a centred a/√2 × a cell", () => {
    const a = 32;
    const s = synth.dumbbell({ width: W, height: W, latticeConstant: a, seed: 2 });
    expect(s.basis[0][0]).toBeCloseTo(a / Math.SQRT2, 12);
    expect(s.basis[1][0]).toBeCloseTo(a / (2 * Math.SQRT2), 12);
    expect(s.basis[1][1]).toBeCloseTo(a / 2, 12);
    const key = (k: number) => `${s.atoms.i[k]},${s.atoms.j[k]}`;
    const byCell = new Map<string, number[]>();
    for (let k = 0; k < s.atoms.x.length; k++) byCell.set(key(k), [...(byCell.get(key(k)) ?? []), k]);
    let pairs = 0;
    for (const ks of byCell.values()) {
      if (ks.length !== 2) continue;
      const [p, q] = s.atoms.sublattice[ks[0]] === 0 ? ks : [ks[1], ks[0]];
      expect(s.atoms.sublattice[q]).toBe(1);
      // default pairAngle 90°: column 1 straight above column 0, a/4 apart
      expect(s.atoms.x[q] - s.atoms.x[p]).toBeCloseTo(0, 9);
      expect(s.atoms.y[q] - s.atoms.y[p]).toBeCloseTo(-a / 4, 9);
      pairs++;
    }
    expect(pairs).toBeGreaterThan(40);
    expect(s.sigma).toBeCloseTo(0.22 * 8, 12);
    // a rotated lattice with pairs along the lattice's x axis
    const r = synth.dumbbell({ width: W, height: W, latticeConstant: a, separation: 6, pairAngle: 0, rotation: 20, intensityB: 1.2, seed: 2 });
    const ks = new Map<string, number[]>();
    for (let k = 0; k < r.atoms.x.length; k++) { const c = `${r.atoms.i[k]},${r.atoms.j[k]}`; ks.set(c, [...(ks.get(c) ?? []), k]); }
    const t = (20 * Math.PI) / 180;
    for (const [p, q] of [...ks.values()].filter((v) => v.length === 2)) {
      expect(r.atoms.x[q] - r.atoms.x[p]).toBeCloseTo(6 * Math.cos(t), 9);
      expect(r.atoms.y[q] - r.atoms.y[p]).toBeCloseTo(-6 * Math.sin(t), 9);
      expect(r.atoms.intensity[q]).toBe(1.2);
      expect(r.atoms.intensity[p]).toBe(1);
    }
  });

  it("rejects a separation that would merge neighbouring dumbbells", () => {
    expect(() => synth.dumbbell({ latticeConstant: 32, separation: 25 })).toThrow(/synth.dumbbell: options.separation must be less than the distance between dumbbells, 19.60 px/);
    expect(() => synth.dumbbell({ separation: -1 })).toThrow(/options.separation/);
  });
});

describe("shared options of the lattice generators", () => {
  it("reject bad values naming the function, option and accepted values", () => {
    expect(() => synth.square({ latticeConstant: 2 })).toThrow(/synth.square: options.latticeConstant must be at least 4 pixels/);
    expect(() => synth.square({ vacancies: { fraction: 1.5 } })).toThrow(/synth.square: options.vacancies.fraction/);
    expect(() => synth.square({ displacement: () => [NaN, 0] })).toThrow(/synth.square: options.displacement must be \[dx, dy\]/);
    expect(() => synth.hexagonal({ lattice: "hexagon" as never })).toThrow(/synth.hexagonal: options.lattice must be one of "honeycomb", "triangular"; got "hexagon"/);
    expect(() => synth.perovskite({ vacancies: { fraction: 0.1, sublattice: "C" as never } })).toThrow(/options.vacancies.sublattice must be one of "A", "B", "both"/);
    expect(() => synth.perovskite({ dopants: { fraction: 0.1, sublattice: "both" as never } })).toThrow(/options.dopants.sublattice must be one of "A", "B"/);
  });
  it("list vacant sites for every generator, on the sublattice that lost them", () => {
    const p = synth.perovskite({ width: W, height: W, vacancies: { fraction: 0.2, sublattice: "B" }, seed: 3 });
    expect(p.vacancies.x.length).toBeGreaterThan(10);
    expect(new Set(p.vacancies.sublattice)).toEqual(new Set([1]));
    expect(p.atoms.sublattice.filter((v) => v === 0).length).toBe(100);
    const h = synth.hexagonal({ width: W, height: W, vacancies: { fraction: 0.1 }, seed: 3 });
    const h0 = synth.hexagonal({ width: W, height: W, seed: 3 });
    expect(h.atoms.x.length + h.vacancies.x.length).toBe(h0.atoms.x.length);
    const d = synth.dumbbell({ width: W, height: W, vacancies: { fraction: 0.1 }, seed: 3 });
    expect(new Set(d.vacancies.sublattice)).toEqual(new Set([0, 1]));
  });
});
