/** Neighbours, lattice basis and indices, sublattice split, local crystallography against ground truth. */
import { synth, findAtoms, localCrystallography, makeImage } from "causalscope";
import { nearestNeighbors, PointGrid, latticeBasis, latticeIndices, atomPatches, splitSublattices, estimateSpacing, estimateNoise, latticeBasisFFT } from "../../src/atoms";

describe("nearest neighbours (bucket grid)", () => {
  it("agrees with brute force", () => {
    const r = synth.rng(3);
    const n = 400, x = Array.from({ length: n }, () => r.range(0, 100)), y = Array.from({ length: n }, () => r.range(0, 60));
    const nn = nearestNeighbors(x, y, 5);
    for (let i = 0; i < n; i += 7) {
      const d = x.map((_, j) => (j === i ? Infinity : Math.hypot(x[j] - x[i], y[j] - y[i]))).map((v, j) => [v, j]).sort((a, b) => a[0] - b[0]);
      for (let k = 0; k < 5; k++) expect(nn.distance[i * 5 + k]).toBeCloseTo(d[k][0], 9);
    }
    const g = new PointGrid(x, y);
    const within = g.within(50, 30, 10).sort((a, b) => a - b);
    const brute = x.map((_, j) => j).filter((j) => Math.hypot(x[j] - 50, y[j] - 30) <= 10);
    expect(within).toEqual(brute);
    expect(() => nearestNeighbors([1], [1, 2])).toThrow(/x has 1 values, y has 2/);
  });
});

describe("latticeBasis / latticeIndices", () => {
  it("recovers a rotated tetragonal basis and consistent indices", () => {
    const s = synth.perovskite({ width: 256, height: 256, latticeConstant: 16, tetragonality: 1.1, rotation: 10, seed: 1 });
    const A = s.atoms.sublattice.map((v) => v);
    const ax: number[] = [], ay: number[] = [], ti: number[] = [], tj: number[] = [];
    A.forEach((v, k) => { if (v === 0) { ax.push(s.atoms.x[k]); ay.push(s.atoms.y[k]); ti.push(s.atoms.i[k]); tj.push(s.atoms.j[k]); } });
    const b = latticeBasis(ax, ay);
    const len = [Math.hypot(...b.a1), Math.hypot(...b.a2)].sort((p, q) => p - q);
    expect(len[0]).toBeCloseTo(16, 6);
    expect(len[1]).toBeCloseTo(17.6, 6);
    expect(b.support[0]).toBeGreaterThan(0.85);
    const idx = latticeIndices(ax, ay, b);
    expect(idx.assigned.every((v) => v === 1)).toBe(true);
    // Index differences agree with the truth up to a global offset and axis permutation/sign.
    const k0 = 0;
    const pairs = new Set<string>();
    for (let k = 0; k < ax.length; k++) pairs.add(`${idx.i[k] - idx.i[k0]},${idx.j[k] - idx.j[k0]}|${ti[k] - ti[k0]},${tj[k] - tj[k0]}`);
    const lin = [...pairs].map((p) => p.split("|").map((q) => q.split(",").map(Number)));
    // Find the integer matrix mapping truth → found from two samples and check all.
    const ok = lin.every(([f, t]) => Math.abs(f[0]) + Math.abs(f[1]) === Math.abs(t[0]) + Math.abs(t[1]) || Math.abs(f[0]) + Math.abs(f[1]) === Math.abs(t[1]) + Math.abs(t[0]));
    expect(ok).toBe(true);
    expect(() => latticeBasis([1, 2], [1, 2])).toThrow(/at least 4/);
  });
  it("atomPatches cuts (2r+1)² patches with NaN outside", () => {
    const img = makeImage(Float32Array.from({ length: 100 }, (_, i) => i), 10, 10);
    const p = atomPatches(img, [0, 5], [0, 5], 1);
    expect(p.size).toBe(3);
    expect(Number.isNaN(p.patches[0])).toBe(true);
    expect(p.patches[4]).toBe(0);
    expect(p.patches[9 + 4]).toBe(55);
  });
  it("splits sublattices geometrically when intensities are equal (dumbbells)", () => {
    const x: number[] = [], y: number[] = [], t: number[] = [];
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) { x.push(20 * i, 20 * i + 1.5); y.push(20 * j, 20 * j + 4); t.push(0, 1); }
    const s = splitSublattices(x, y, x.map(() => 1), 2);
    expect(s.method).toBe("geometry");
    const agree = t.filter((v, k) => v === s.labels[k]).length;
    expect(agree === t.length || agree === 0).toBe(true);
  });
  it("splits the two equal sites of a honeycomb (graphene-like) lattice by geometry", () => {
    const h = synth.hexagonal({ width: 160, height: 160, latticeConstant: 16, seed: 2 });
    const s = splitSublattices(h.atoms.x, h.atoms.y, h.atoms.x.map(() => 1), 2);
    expect(s.method).toBe("geometry");
    // Interior columns (3 neighbours inside the field) agree with the truth up to a label swap.
    let agree = 0, m = 0;
    h.atoms.x.forEach((x, k) => { if (x > 12 && x < 148 && h.atoms.y[k] > 12 && h.atoms.y[k] < 148) { m++; if (s.labels[k] === h.atoms.sublattice[k]) agree++; } });
    expect(agree === m || agree === 0).toBe(true);
  });
});

describe("localCrystallography", () => {
  it("recovers B-site displacements across a 180° domain wall, tetragonality and lattice parameter in pm", () => {
    const s = synth.perovskite({ width: 256, height: 256, latticeConstant: 16, tetragonality: 1.05, dose: 1e4, seed: 4, polarization: (x) => [0, x < 128 ? 1.2 : -1.2], calibration: { pixelSize: 0.025, unit: "nm" } });
    const atoms = findAtoms(s.image, { sublattices: 2 });
    const c = localCrystallography(atoms);
    expect(c.numRows).toBeGreaterThan(180);
    const bx = c.numeric("bx"), by = c.numeric("by"), dx = c.numeric("dx"), dy = c.numeric("dy");
    let se = 0, n = 0;
    for (let k = 0; k < c.numRows; k++) {
      let best = -1;
      for (let t = 0; t < s.cells.x.length; t++) if (Math.hypot(s.cells.x[t] - bx[k], s.cells.y[t] - by[k]) < 1) best = t;
      expect(best).toBeGreaterThanOrEqual(0);
      se += (dx[k] - s.cells.dx[best]) ** 2 + (dy[k] - s.cells.dy[best]) ** 2; n++;
    }
    const rms = Math.sqrt(se / (2 * n));
    console.log(`B-site displacement error vs truth: RMS ${rms.toFixed(4)} px per axis over ${n} cells`);
    expect(rms).toBeLessThan(0.06);
    const med = (a: ArrayLike<number>) => Float64Array.from(a).sort()[a.length >> 1];
    expect(med(c.numeric("tetragonality"))).toBeCloseTo(1.05, 2);
    expect(med(c.numeric("aPm"))).toBeCloseTo(400, -1);
    expect(Math.abs(med(c.numeric("dyPm")))).toBeCloseTo(30, -1);
  });
  it("measures strain and rotation relative to a reference region", () => {
    // A-sites: left half unstrained (a = 20 px), right half 2 % tensile along x; B at cell centres.
    const x: number[] = [], y: number[] = [], s: number[] = [];
    for (let i = 0; i < 20; i++) for (let j = 0; j < 12; j++) {
      const xi = (k: number) => (k <= 10 ? 20 * k : 200 + 20.4 * (k - 10));
      x.push(xi(i)); y.push(20 * j); s.push(0);
      x.push(0.5 * (xi(i) + xi(i + 1)) + 0.3); y.push(20 * j + 10); s.push(1);
    }
    const c = localCrystallography({ x, y, sublattice: s }, { reference: { x0: 0, y0: 0, x1: 180, y1: 300 } });
    const X = c.numeric("x"), exx = c.numeric("exx"), eyy = c.numeric("eyy"), dx = c.numeric("dx");
    for (let k = 0; k < c.numRows; k++) {
      expect(exx[k]).toBeCloseTo(X[k] < 200 ? 0 : 0.02, 6);
      expect(eyy[k]).toBeCloseTo(0, 6);
      expect(dx[k]).toBeCloseTo(0.3, 6);
    }
    expect(() => localCrystallography({ x: [1], y: [1], sublattice: [0] })).toThrow(/at least 4/);
    expect(() => localCrystallography({ x, y })).not.toThrow();
    expect(() => localCrystallography({ y } as never)).toThrow(/no column "x"/);
  });
});

describe("estimateSpacing / estimateNoise", () => {
  it("finds the nearest-neighbour spacing and column width of synthetic lattices", () => {
    const p = synth.perovskite({ width: 200, height: 180, latticeConstant: 20, dose: 3000, seed: 1 });
    const e = estimateSpacing(p.image);
    expect(e.spacing).toBeCloseTo(20 / Math.SQRT2, 0); // A–B distance
    expect(Math.abs(e.sigma / p.sigma - 1)).toBeLessThan(0.3);
    const t = synth.hexagonal({ width: 200, height: 200, latticeConstant: 18, lattice: "triangular", seed: 2 });
    expect(estimateSpacing(t.image).spacing).toBeCloseTo(18, 0);
    expect(() => estimateSpacing(makeImage(new Float32Array(16), 4, 4))).toThrow(/at least 8×8/);
  });
  it("estimates white-noise sd robustly despite structure", () => {
    const r = synth.rng(4);
    const p = synth.perovskite({ width: 160, height: 160, latticeConstant: 20, seed: 1 });
    const noisy = makeImage(Float32Array.from(p.image.data, (v) => v + r.normal(0, 5)), 160, 160);
    expect(estimateNoise(noisy)).toBeGreaterThan(4.5);
    expect(estimateNoise(noisy)).toBeLessThan(6.5);
  });
});

describe("latticeBasisFFT", () => {
  it("recovers the basis of a rotated lattice from Bragg peaks, agreeing with neighbour statistics", () => {
    const t = synth.hexagonal({ width: 256, height: 256, latticeConstant: 18, lattice: "triangular", rotation: 7, dose: 2000, seed: 3 });
    const b = latticeBasisFFT(t.image);
    expect(Math.hypot(...b.a1)).toBeCloseTo(18, 0);
    expect(Math.hypot(...b.a2)).toBeCloseTo(18, 0);
    const p = synth.perovskite({ width: 256, height: 256, latticeConstant: 16, intensityB: 0, rotation: -5, dose: 2000, seed: 4 });
    const f = latticeBasisFFT(p.image);
    const onA = (v: ArrayLike<number>) => Array.from(v).filter((_, k) => p.atoms.sublattice[k] === 0);
    const n = latticeBasis(onA(p.atoms.x), onA(p.atoms.y));
    const ang = (v: [number, number]) => Math.atan2(v[1], v[0]);
    expect(Math.hypot(...f.a1)).toBeCloseTo(Math.hypot(...n.a1), 0);
    expect(Math.abs(ang(f.a1) - ang(n.a1))).toBeLessThan(0.02);
    expect(() => latticeBasisFFT(makeImage(new Float32Array(64), 8, 8))).toThrow(/at least 16×16/);
  });
});
