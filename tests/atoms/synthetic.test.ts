/**
 * findAtoms against synthetic ground truth: precision, recall and RMS
 * position error across doses, the Cramér–Rao bound at high dose, per-atom
 * uncertainty calibration, sublattices, joint fitting of close columns.
 */
import { synth, findAtoms, cramerRaoBound, makeImage } from "causalscope";
import { matchPositions } from "./match";

const W = 192;
const med = (a: ArrayLike<number>) => Float64Array.from(a).sort()[a.length >> 1];

describe("synth.perovskite / synth.hexagonal", () => {
  it("returns the true positions, sublattices and cell displacements, reproducibly", () => {
    const field = (x: number) => [0, x < 96 ? 1 : -1] as [number, number];
    const s = synth.perovskite({ width: W, height: W, latticeConstant: 16, polarization: field, dose: 1000, seed: 5 });
    const s2 = synth.perovskite({ width: W, height: W, latticeConstant: 16, polarization: field, dose: 1000, seed: 5 });
    expect(Array.from(s.image.data.slice(0, 500))).toEqual(Array.from(s2.image.data.slice(0, 500)));
    const nA = s.atoms.sublattice.filter((v) => v === 0).length, nB = s.atoms.sublattice.filter((v) => v === 1).length;
    expect(nA).toBe(144); // 12 × 12 A sites at 8 + 16 k
    expect(nB).toBeGreaterThan(130);
    for (let k = 0; k < s.cells.x.length; k++) { expect(s.cells.dx[k]).toBeCloseTo(0, 9); expect(Math.abs(s.cells.dy[k])).toBeCloseTo(1, 9); }
    for (const v of s.image.data) expect(Number.isInteger(v)).toBe(true);
    const h = synth.hexagonal({ width: W, height: W, latticeConstant: 14, intensityB: 0.6, seed: 1 });
    expect(new Set(h.atoms.sublattice).size).toBe(2);
    expect(() => synth.perovskite({ latticeConstant: -1 })).toThrow(/latticeConstant/);
    expect(() => synth.perovskite({ dopants: { fraction: 2 } })).toThrow(/dopants.fraction/);
  });
  it("applies dopants, vacancies and drift", () => {
    const s = synth.perovskite({ width: W, height: W, dopants: { fraction: 0.2, intensity: 2 }, vacancies: { fraction: 0.1 }, drift: [0.01, 0], seed: 2 });
    const dop = s.atoms.dopant.reduce((a, v) => a + v, 0);
    expect(dop).toBeGreaterThan(10);
    expect(s.atoms.x.length).toBeLessThan(288);
  });
});

describe("findAtoms on synthetic perovskites across doses", () => {
  const doses = [1e2, 1e3, 1e4, 1e5];
  const results: Record<number, { P: number; R: number; rms: number; crbA: number; crbB: number; rmsA: number; rmsB: number; unc: number; sub: number }> = {};
  beforeAll(() => {
    for (const dose of doses) {
      const s = synth.perovskite({ width: W, height: W, latticeConstant: 16, dose, polarization: [0.6, -0.3], seed: 11 });
      const a = findAtoms(s.image, { sublattices: 2 });
      const m = matchPositions(a.numeric("x"), a.numeric("y"), s.atoms.x, s.atoms.y, 4, { width: W, height: W, border: 6 });
      const sub = a.numeric("sublattice"), unc = a.numeric("uncertainty");
      let subOk = 0, eA = 0, nA = 0, eB = 0, nB = 0;
      const u: number[] = [];
      m.pairs.forEach(([f, t], k) => {
        if (sub[f] === s.atoms.sublattice[t]) subOk++;
        const e = m.dx[k] ** 2 + m.dy[k] ** 2;
        if (s.atoms.sublattice[t] === 0) { eA += e; nA++; } else { eB += e; nB++; }
        u.push(unc[f]);
      });
      u.sort((p, q) => p - q);
      const radius = a.parameters.spacing * 0.5;
      results[dose] = {
        P: m.precision, R: m.recall, rms: m.rmsPerAxis, sub: subOk / m.pairs.length,
        rmsA: Math.sqrt(eA / (2 * nA)), rmsB: Math.sqrt(eB / (2 * nB)),
        crbA: cramerRaoBound({ sigma: s.sigma, counts: dose, background: s.background, radius }),
        crbB: cramerRaoBound({ sigma: s.sigma, counts: 0.45 * dose, background: s.background, radius }),
        unc: u[u.length >> 1] / Math.sqrt(eA / (2 * nA) * 0.5 + eB / (2 * nB) * 0.5),
      };
    }
    console.log("dose | precision | recall | RMS/axis (px) | A: RMS/CRB | B: RMS/CRB | sublattice accuracy\n" + doses.map((d) => {
      const r = results[d];
      return `${d} | ${r.P.toFixed(3)} | ${r.R.toFixed(3)} | ${r.rms.toFixed(4)} | ${r.rmsA.toFixed(4)}/${r.crbA.toFixed(4)} = ${(r.rmsA / r.crbA).toFixed(2)} | ${r.rmsB.toFixed(4)}/${r.crbB.toFixed(4)} = ${(r.rmsB / r.crbB).toFixed(2)} | ${r.sub.toFixed(3)}`;
    }).join("\n"));
  });
  it("finds every column from 10^3 e⁻/column up, and most at 10^2", () => {
    expect(results[1e2].P).toBeGreaterThan(0.9);
    expect(results[1e2].R).toBeGreaterThan(0.9);
    for (const d of [1e3, 1e4, 1e5]) { expect(results[d].P).toBe(1); expect(results[d].R).toBe(1); }
  });
  it("RMS error falls with dose and reaches the Cramér–Rao bound (ratio < 1.3) at 10^4–10^5", () => {
    expect(results[1e3].rms).toBeLessThan(results[1e2].rms);
    expect(results[1e4].rms).toBeLessThan(results[1e3].rms);
    expect(results[1e5].rms).toBeLessThan(results[1e4].rms);
    for (const d of [1e3, 1e4, 1e5]) {
      expect(results[d].rmsA / results[d].crbA).toBeLessThan(1.3);
      expect(results[d].rmsB / results[d].crbB).toBeLessThan(1.3);
    }
  });
  it("reports calibrated per-atom uncertainties and splits A/B sublattices", () => {
    for (const d of [1e3, 1e4, 1e5]) {
      expect(results[d].unc).toBeGreaterThan(0.7);
      expect(results[d].unc).toBeLessThan(1.4);
      expect(results[d].sub).toBe(1);
    }
    expect(results[1e2].sub).toBeGreaterThan(0.95);
  });
});

describe("per-atom uncertainty of every refine mode against the empirical error", () => {
  // Lattice constant 16.37 px and a sub-pixel origin: true positions spread over all pixel phases,
  // so integer peaks carry the full quantisation error (on a 16-px lattice from the origin 8 they would not).
  it("centre of mass and integer peaks: RMS of the reported 1-sd uncertainty within 0.7–1.4 of the RMS error, per sublattice, 10^2–10^5 e⁻/column", () => {
    const rows: string[] = [];
    for (const refine of ["com", false] as const) for (const dose of [1e2, 1e3, 1e4, 1e5]) {
      const s = synth.perovskite({ width: W, height: W, latticeConstant: 16.37, origin: [8.3, 8.6], dose, polarization: [0.6, -0.3], seed: 12 });
      const a = findAtoms(s.image, { refine });
      const m = matchPositions(a.numeric("x"), a.numeric("y"), s.atoms.x, s.atoms.y, 4, { width: W, height: W, border: 6 });
      const ux = a.numeric("uncertaintyX"), uy = a.numeric("uncertaintyY");
      expect(ux.every((v) => Number.isFinite(v) && v > 0) && uy.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
      for (const sub of [0, 1]) {
        let e2 = 0, u2 = 0, n = 0;
        m.pairs.forEach(([f, t], k) => { if (s.atoms.sublattice[t] === sub) { e2 += m.dx[k] ** 2 + m.dy[k] ** 2; u2 += ux[f] ** 2 + uy[f] ** 2; n++; } });
        const ratio = Math.sqrt(u2 / e2);
        rows.push(`${refine} | ${dose} | ${"AB"[sub]} | ${n} | ${Math.sqrt(e2 / (2 * n)).toFixed(4)} | ${ratio.toFixed(2)}`);
        expect(ratio).toBeGreaterThan(0.7);
        expect(ratio).toBeLessThan(1.4);
      }
    }
    console.log("refine | dose | sublattice | columns | RMS error/axis (px) | RMS uncertainty / RMS error\n" + rows.join("\n"));
  });
  it("counts recorded in detector units (× 37, still integers): the centre-of-mass uncertainty scales with the measured gain", () => {
    const s = synth.perovskite({ width: W, height: W, latticeConstant: 16.37, origin: [8.3, 8.6], dose: 1e4, seed: 12 });
    const counts = findAtoms(s.image, { refine: "com" });
    const units = findAtoms(makeImage(Float32Array.from(s.image.data, (v) => 37 * v), W, W), { refine: "com" });
    expect(units.parameters.noise).toBe("poisson");
    const m = matchPositions(units.numeric("x"), units.numeric("y"), s.atoms.x, s.atoms.y, 4, { width: W, height: W, border: 6 });
    const u = units.numeric("uncertainty");
    let e2 = 0, u2 = 0;
    m.pairs.forEach(([f], k) => { e2 += (m.dx[k] ** 2 + m.dy[k] ** 2) / 2; u2 += u[f] ** 2; });
    console.log(`detector units (gain 37): RMS uncertainty / RMS error ${Math.sqrt(u2 / e2).toFixed(2)}; median uncertainty ${med(u).toFixed(4)} px vs ${med(counts.numeric("uncertainty")).toFixed(4)} px in counts`);
    expect(Math.sqrt(u2 / e2)).toBeGreaterThan(0.7);
    expect(Math.sqrt(u2 / e2)).toBeLessThan(1.4);
  });
});

describe("cramerRaoBound", () => {
  it("tends to σ/√N without background and grows with background", () => {
    expect(cramerRaoBound({ sigma: 2, counts: 1e4 })).toBeCloseTo(0.02, 3);
    expect(cramerRaoBound({ sigma: 2, counts: 1e4, background: 20 })).toBeGreaterThan(0.022);
    expect(() => cramerRaoBound({ sigma: 0, counts: 1 })).toThrow(/sigma/);
  });
});

describe("findAtoms on other lattices and options", () => {
  it("hexagonal (h-BN-like) lattice: all columns and both sublattices", () => {
    const s = synth.hexagonal({ width: W, height: W, latticeConstant: 20, intensityB: 0.55, dose: 5000, seed: 3 });
    const a = findAtoms(s.image, { sublattices: 2 });
    const m = matchPositions(a.numeric("x"), a.numeric("y"), s.atoms.x, s.atoms.y, 3, { width: W, height: W, border: 6 });
    expect(m.precision).toBe(1);
    expect(m.recall).toBe(1);
    const sub = a.numeric("sublattice");
    expect(m.pairs.every(([f, t]) => sub[f] === s.atoms.sublattice[t])).toBe(true);
  });
  it("refine: 'com' and false give sub-pixel and integer positions", () => {
    const s = synth.perovskite({ width: 128, height: 128, dose: 1e4, origin: [8.3, 8.6], seed: 1 });
    const none = findAtoms(s.image, { refine: false });
    expect(none.numeric("x").every((v) => Number.isInteger(v))).toBe(true);
    const com = findAtoms(s.image, { refine: "com" });
    const gau = findAtoms(s.image);
    const mc = matchPositions(com.numeric("x"), com.numeric("y"), s.atoms.x, s.atoms.y, 3, { width: 128, height: 128, border: 6 });
    const mg = matchPositions(gau.numeric("x"), gau.numeric("y"), s.atoms.x, s.atoms.y, 3, { width: 128, height: 128, border: 6 });
    const mn = matchPositions(none.numeric("x"), none.numeric("y"), s.atoms.x, s.atoms.y, 3, { width: 128, height: 128, border: 6 });
    expect(mg.rms).toBeLessThan(mc.rms);
    expect(mc.rms).toBeLessThan(mn.rms);
    expect(() => findAtoms(s.image, { refine: "lm" as never })).toThrow(/options.refine/);
    expect(() => findAtoms(s.image, { minDistance: -2 })).toThrow(/options.minDistance/);
  });
  it("options: LoG detection, plane background, SVD denoising, circular Gaussians all find every column", () => {
    const s = synth.perovskite({ width: 128, height: 128, dose: 5000, origin: [7.7, 8.2], seed: 6 });
    for (const o of [{ filter: "log" }, { background: "plane" }, { components: 16 }, { elliptical: false }, { noise: "gaussian" }] as const) {
      const a = findAtoms(s.image, o);
      const m = matchPositions(a.numeric("x"), a.numeric("y"), s.atoms.x, s.atoms.y, 3, { width: 128, height: 128, border: 6 });
      expect([JSON.stringify(o), m.precision, m.recall]).toEqual([JSON.stringify(o), 1, 1]);
      expect(m.rmsPerAxis).toBeLessThan(0.1);
    }
    expect(() => findAtoms(s.image, { components: 0 })).toThrow(/options.components/);
    expect(() => findAtoms(s.image, { noise: "x" as never })).toThrow(/options.noise/);
  });
  it("columns on a bright dome (a nanoparticle's thickness profile): the slope pass finds the ones that are shoulders, not maxima, and adds no false ones", () => {
    // 10^4 e⁻/column perovskite on a Poisson dome of 2000 counts/px (≈ 4 × a column's peak), σ_dome = 35 px.
    const s = synth.perovskite({ width: W, height: W, latticeConstant: 16.37, origin: [8.3, 8.6], dose: 1e4, seed: 4 });
    const r = synth.rng(5);
    const img = makeImage(Float32Array.from(s.image.data, (v, i) => v + r.poisson(2000 * Math.exp(-(((i % W) - 96) ** 2 + (Math.floor(i / W) - 96) ** 2) / (2 * 35 * 35)))), W, W);
    const score = (o: object) => { const a = findAtoms(img, { refine: "com", ...o }); return matchPositions(a.numeric("x"), a.numeric("y"), s.atoms.x, s.atoms.y, 3, { width: W, height: W, border: 6 }); };
    const flat = score({ slopeSnr: Infinity }), slope = score({});
    console.log(`dome: without the slope pass ${flat.truePositives} matched / ${flat.falsePositives} extra / ${flat.falseNegatives} missing; with it ${slope.truePositives} / ${slope.falsePositives} / ${slope.falseNegatives}`);
    expect(flat.falseNegatives).toBeGreaterThan(80); // measured 98: the dome's flanks hide them
    // At most one column displaced beyond the 3 px match radius (counted once extra, once missing): with the core Rng stream
    // (issue 10) 6 of 8 dome realisations give 0/0 and 2 give 1/1, this one (seeds 4, 5) included; the old sfc32 stream gave 0/0 in all 8.
    expect(slope.falsePositives).toBeLessThanOrEqual(1);
    expect(slope.falseNegatives).toBeLessThanOrEqual(1);
  });
  it("fits overlapping columns jointly: less bias than one-at-a-time fitting", () => {
    // Pairs of equal columns 2.8σ apart (σ = 2 px), Poisson noise, known truth.
    const w = 160, h = 64, sigma = 2, d = 5.6, N = 2e4, b = 5;
    const mu = new Float64Array(w * h).fill(b);
    const tx: number[] = [], ty: number[] = [];
    for (let k = 0; k < 6; k++) {
      const cx = 16 + 25 * k + 0.3 * k, cy = 32 + 0.2 * k;
      for (const s of [-0.5, 0.5]) { tx.push(cx + s * d); ty.push(cy); }
    }
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < tx.length; k++) mu[y * w + x] += (N / (2 * Math.PI * sigma * sigma)) * Math.exp(-((x - tx[k]) ** 2 + (y - ty[k]) ** 2) / (2 * sigma * sigma));
    const r = synth.rng(9);
    const img = makeImage(Float32Array.from(mu, (v) => r.poisson(v)), w, h);
    const opts = { sigma: 2, minDistance: 2, smoothing: 0.7, snr: 4 } as const;
    const joint = findAtoms(img, { ...opts });
    const single = findAtoms(img, { ...opts, jointDistance: 0.01 });
    const mj = matchPositions(joint.numeric("x"), joint.numeric("y"), tx, ty, 2);
    const ms = matchPositions(single.numeric("x"), single.numeric("y"), tx, ty, 2);
    expect(mj.truePositives).toBe(12);
    console.log(`close pairs (2.8σ): joint fit RMS ${mj.rms.toFixed(3)} px, one-at-a-time (neighbour tails subtracted) ${ms.rms.toFixed(3)} px`);
    expect(mj.rms).toBeLessThan(0.2);
    expect(mj.rms).toBeLessThan(0.6 * ms.rms);
  });
});
