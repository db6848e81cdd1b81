/**
 * The simulator, the local descriptors and the transition statistics of
 * `transitions/`: `simulateTransition` reproducible by seed with a
 * self-consistent ground truth (atoms = non-vacant sites, the nucleus = the
 * first new-phase site and the hazard that chose it), the knock-on rate
 * recovered by `markovTransitions`, the negative control's flat hazard;
 * `localDescriptors` exact on ideal and distorted lattices, the image path
 * (render -> findAtoms -> descriptors -> `classifyPhases`) against the
 * simulator's truth; quantiles against SciPy, exact counts and calibrated
 * intervals of `markovTransitions`, `phaseFraction`; nucleation prediction
 * (`survivalRows`, `fitHazard`, `predictHazard`, `rocAuc`,
 * `evaluateNucleation`, `baselineScores`): known answers for the AUC
 * (scikit-learn), the hit rates and the logistic fit, then the honest
 * evaluation on held-out simulated movies against the baselines, with
 * every frame's columns found in the rendered frames and tracked
 * (`frameDescriptors`), and the negative control (a hazard that ignores the
 * descriptors) where the method must not claim skill; dopant hops
 * (`dopantHops`) found from rendered frames against the simulator's dopant
 * truth, with the rate interval; the rotationally invariant VAE
 * (`trainRvae`, `encodeRvae`) on synthetic patches of known motif and
 * rotation. Option errors name the option. One file: jest's
 * per-file start-up (~15 s CPU with ts-jest) is most of the cost.
 */
import { table, Table } from "../../src/table";
import { rng } from "../../src/core/random";
import { findAtoms } from "../../src/atoms/find";
import { PointGrid } from "../../src/atoms/grid";
import {
  simulateTransition, localDescriptors, classifyPhases, phaseAccuracy, markovTransitions, phaseFraction,
  renderTransitionFrame, HOST, VACANCY, NEW_PHASE,
  survivalRows, fitHazard, predictHazard, rocAuc, evaluateNucleation, baselineScores, frameDescriptors, dopantHops,
  trainRvae, encodeRvae,
} from "../../src/transitions";
import { A, FEATURES, movies, trainingRows, testScores } from "./pipeline";
import { motifPatches } from "./patches";

describe("simulateTransition", () => {
  const opts = { size: [10, 10] as [number, number], frames: 25, seed: 3, render: false };
  const movie = simulateTransition(opts);

  it("is reproducible by seed and has a self-consistent ground truth", () => {
    const again = simulateTransition(opts);
    const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);
    expect(again.states.every((s, t) => same(s, movie.states[t]))).toBe(true);
    expect(same(simulateTransition({ ...opts, seed: 4 }).states[24], movie.states[24])).toBe(false);
    expect(movie.frames).toHaveLength(0);
    expect(movie.imaging.width).toBe(120);
    expect(movie.states[0].every((v) => v === HOST)).toBe(true);
    movie.states.forEach((s, t) => {
      const site = Array.from(movie.atoms[t].numeric("site"));
      expect(site).toEqual(Array.from(s.keys()).filter((i) => s[i] !== VACANCY));
    });
    const nuc = movie.nucleation!;
    expect(nuc).not.toBeNull();
    const firstNew = movie.states.findIndex((s) => s.includes(NEW_PHASE));
    expect(firstNew).toBe(nuc.frame);
    expect(movie.states[nuc.frame].filter((v) => v === NEW_PHASE)).toHaveLength(1);
    expect(movie.states[nuc.frame][nuc.site]).toBe(NEW_PHASE);
    expect(movie.states[nuc.frame - 1][nuc.site]).toBe(HOST);
    expect(movie.hazard[nuc.frame][nuc.site]).toBeGreaterThan(0);
    // no hazard after the nucleus; the new phase only grows (a site never leaves it)
    for (let t = nuc.frame + 1; t < 25; t++) {
      expect(movie.hazard[t].every((v) => v === 0)).toBe(true);
      movie.states[t - 1].forEach((v, i) => { if (v === NEW_PHASE) expect(movie.states[t][i]).toBe(NEW_PHASE); });
    }
    expect(Array.from(movie.time.slice(0, 3))).toEqual([0, 1, 2]);
    expect(movie.dose[2]).toBe(2000);
  });

  it("renders columns at the true positions, the new phase dimmer, the same frame alone or with the movie", () => {
    const small = simulateTransition({ size: [4, 4], frames: 3, seed: 9 });
    expect(small.frames).toHaveLength(3);
    expect(Array.from(renderTransitionFrame(small, 2).data)).toEqual(Array.from(small.frames[2].data));
    expect(() => renderTransitionFrame(small, 3)).toThrow(/frame must be an integer in \[0, 2\], got 3/);
    const f = renderTransitionFrame(movie, 24), a = movie.atoms[24], x = a.numeric("x"), y = a.numeric("y"), ph = a.numeric("phase");
    const at = (k: number) => f.data[Math.round(y[k]) * f.width + Math.round(x[k])];
    const mean = (k: number[]) => k.reduce((s, i) => s + at(i), 0) / k.length;
    const host = [...ph.keys()].filter((k) => ph[k] === HOST), fresh = [...ph.keys()].filter((k) => ph[k] === NEW_PHASE);
    expect(fresh.length).toBeGreaterThan(3);
    const bg = f.data[Math.round(movie.sites.numeric("y")[0] + 6) * f.width + Math.round(movie.sites.numeric("x")[0] + 6)];
    expect(mean(host)).toBeGreaterThan(10 * bg);
    expect(mean(fresh) / mean(host)).toBeGreaterThan(0.55); // intensity 0.7
    expect(mean(fresh) / mean(host)).toBeLessThan(0.85);
  });

  it("creates vacancies at the knock-on probability 1 − exp(−σ·dose) per frame", () => {
    const m = simulateTransition({ size: [16, 16], frames: 40, crossSection: 1e-5, hopRate: 0, hazard: { base: 0 }, render: false, seed: 2 });
    const row = markovTransitions(m.states, { k: 3 }).toRows().find((r) => r.from === "0" && r.to === "1")!;
    const p = 1 - Math.exp(-1e-5 * 1000);
    expect(row.probabilityLower).toBeLessThan(p);
    expect(row.probabilityUpper).toBeGreaterThan(p);
    expect(m.nucleation).toBeNull();
  });

  it("spreads the same total hazard evenly in the negative control", () => {
    const m = simulateTransition({ ...opts, hazard: { model: "uniform" }, render: false });
    const t = m.nucleation ? m.nucleation.frame : 24, h = m.hazard[t], st = m.states[t - 1];
    const host = Array.from(h).filter((_, i) => st[i] === HOST);
    expect(Math.max(...host) - Math.min(...host)).toBeLessThan(1e-15);
    expect(Array.from(h).filter((_, i) => st[i] !== HOST).every((v) => v === 0)).toBe(true);
  });

  it("moves dopants without changing the site states, and renders them brighter", () => {
    const d = simulateTransition({ ...opts, dopants: { count: 3, hopRate: 0.5 } });
    expect(d.states.every((s, t) => s.every((v, i) => v === movie.states[t][i]))).toBe(true);
    expect(movie.dopants.every((k) => k.length === 0)).toBe(true);
    const sites0 = Array.from(d.dopants[0]);
    expect(new Set(sites0).size).toBe(3);
    let hops = 0;
    for (let t = 1; t < 25; t++) d.dopants[t].forEach((s, k) => {
      const p = d.dopants[t - 1][k];
      if (p < 0) expect(s).toBe(-1); // lost for good
      if (p >= 0 && s >= 0 && s !== p) {
        hops++;
        const [i0, j0, i1, j1] = [p % 10, Math.floor(p / 10), s % 10, Math.floor(s / 10)];
        expect(Math.abs(i1 - i0) + Math.abs(j1 - j0)).toBe(1); // one lattice step
      }
      if (s >= 0) expect(d.states[t][s]).toBe(HOST);
    });
    expect(hops).toBeGreaterThan(10); // 3 dopants × 24 frames × 0.5
    const a = d.atoms[10], dop = a.numeric("dopant"), site = a.numeric("site"), I = a.numeric("intensity");
    for (let k = 0; k < a.numRows; k++) {
      expect(dop[k] >= 0).toBe(d.dopants[10].includes(site[k]));
      if (dop[k] >= 0) expect(I[k]).toBe(1.5);
    }
    expect(() => simulateTransition({ size: [4, 4], dopants: { count: 3 } })).toThrow(/options\.dopants\.count = 3 dopants do not fit 4 × 4 sites/);
  });

  it("names the option in its errors", () => {
    expect(() => simulateTransition({ hazard: { model: "flat" as never } })).toThrow(/simulateTransition: options\.hazard\.model must be one of "descriptors", "uniform"; got "flat"/);
    expect(() => simulateTransition({ size: [2, 10] })).toThrow(/options\.size must be two integers >= 3/);
    expect(() => simulateTransition({ growth: 1.5 })).toThrow(/options\.growth must be a finite number in \[0, 1\], got 1\.5/);
    expect(() => simulateTransition({ frames: 1 })).toThrow(/options\.frames must be an integer >= 2, got 1/);
  });
});

/** An n × n square lattice of spacing a; `dy(i)` offsets column i vertically; `skip` removes sites i + n·j. */
function lattice(n: number, a: number, dy: (i: number) => number = () => 0, skip: number[] = []) {
  const x: number[] = [], y: number[] = [];
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) if (!skip.includes(i + n * j)) { x.push(a * i); y.push(a * j + dy(i)); }
  return table({ x, y });
}

describe("localDescriptors", () => {
  const basis = { a1: [10, 0] as [number, number], a2: [0, 10] as [number, number] };

  it("is exact on an ideal lattice with one vacancy", () => {
    const d = localDescriptors(lattice(7, 10, undefined, [24]));
    const row = (i: number, j: number) => { const x = d.numeric("x"), y = d.numeric("y"); for (let k = 0; k < d.numRows; k++) if (x[k] === 10 * i && y[k] === 10 * j) return k; throw new Error("no row"); };
    const nb = d.numeric("neighbors"), vd = d.numeric("vacancyDistance"), vc = d.numeric("vacancyCount");
    expect(nb[row(1, 1)]).toBe(4);
    expect(nb[row(0, 0)]).toBe(2);
    expect(nb[row(3, 2)]).toBe(3); // above the vacancy at (3, 3)
    expect(d.numeric("bondLength")[row(1, 1)]).toBeCloseTo(10, 12);
    expect(d.numeric("strain")[row(1, 1)]).toBeCloseTo(0, 12);
    expect(d.numeric("angleSpread")[row(1, 1)]).toBeCloseTo(0, 10);
    expect(vd[row(3, 2)]).toBeCloseTo(10, 10);
    expect(vd[row(2, 2)]).toBeCloseTo(10 * Math.SQRT2, 10);
    expect([vc[row(3, 2)], vc[row(2, 2)], vc[row(1, 1)]]).toEqual([1, 1, 0]); // radius 1.5 a
    expect(vd[row(0, 0)]).toBeCloseTo(Math.hypot(30, 30), 10);
    expect(localDescriptors(lattice(5, 10)).numeric("vacancyDistance")[0]).toBe(100); // none: the 10 a cap
  });

  it("measures the bond-angle distortion of a period-doubled lattice", () => {
    const delta = 1.2, d = localDescriptors(lattice(7, 10, (i) => (i % 2 ? -delta : delta)), { basis, latticeConstant: 10 });
    const k = 3 * 7 + 3; // interior column (3, 3)
    const theta = (Math.atan((2 * delta) / 10) * 180) / Math.PI;
    expect(d.numeric("angleSpread")[k]).toBeCloseTo(theta / Math.SQRT2, 10); // two of four bonds tilted by θ
    expect(d.numeric("bondLength")[k]).toBeCloseTo((2 * 10 + 2 * Math.hypot(10, 2 * delta)) / 4, 10);
    expect(d.numeric("vacancyCount").every((v) => v === 0)).toBe(true);
  });

  it("names the column and the reason in its errors", () => {
    expect(() => localDescriptors(table({ x: [1, 2, 3, 4, 5], z: [0, 0, 0, 0, 0] }))).toThrow(/no column "y"/);
    expect(() => localDescriptors(table({ x: [1, 2, NaN, 4], y: [0, 1, 2, 3] }))).toThrow(/column "x" row 2 is not finite/);
    expect(() => localDescriptors(table({ x: [1, 2, 3], y: [0, 1, 2] }))).toThrow(/need at least 4 columns, got 3/);
    expect(() => classifyPhases(table({ angleSpread: [1, NaN, 2], strain: [0, 0, 1] }))).toThrow(/column "angleSpread" row 1 is not finite/);
  });
});

describe("phaseAccuracy", () => {
  it("matches labels to classes by the best permutation", () => {
    const r = phaseAccuracy([1, 1, 0, 0, 2, 0], [0, 0, 1, 1, 2, 0]);
    expect(r.accuracy).toBeCloseTo(5 / 6, 14);
    expect(r.mapping).toEqual([1, 0, 2]);
    expect(() => phaseAccuracy([0], [0, 1])).toThrow(/same, non-zero length/);
  });
});

describe("classification on a simulated movie frame", () => {
  it("finds the new phase and the vacancies from the image against the truth", () => {
    const m = simulateTransition({ size: [12, 12], frames: 25, seed: 3, render: false });
    const T = 24, truth = m.atoms[T], a = m.latticeConstant;
    const found = findAtoms(renderTransitionFrame(m, T), { spacing: a });
    const d = localDescriptors(found);
    const keep = Array.from(d.numeric("neighbors").keys()).filter((k) => d.numeric("neighbors")[k] > 0);
    const dk = d.take(keep);
    const grid = new PointGrid(truth.numeric("x"), truth.numeric("y")), phase = truth.numeric("phase");
    const match = Array.from({ length: dk.numRows }, (_, k) => grid.nearest(dk.numeric("x")[k], dk.numeric("y")[k], 1));
    expect(match.every((r) => r.distance[0] < 0.25 * a)).toBe(true);
    const isNew = match.map((r) => (phase[r.index[0]] === NEW_PHASE ? 1 : 0));
    expect(isNew.filter((v) => v).length).toBeGreaterThan(20);
    // measured: 0.977 with intensity (3 of 32 new-phase columns called host), 0.954 from geometry alone (angleSpread, strain)
    expect(phaseAccuracy(classifyPhases(dk, { k: 2 }).labels, isNew).accuracy).toBeGreaterThan(0.95);
    expect(phaseAccuracy(classifyPhases(dk, { k: 2, columns: ["angleSpread", "strain"] }).labels, isNew).accuracy).toBeGreaterThan(0.9);
    // vacancies: every true vacancy found within 0.35 a, none invented (measured exact)
    const sx = m.sites.numeric("x"), sy = m.sites.numeric("y");
    const trueVac = Array.from(m.states[T].keys()).filter((s) => m.states[T][s] === VACANCY);
    const vd = d.numeric("vacancyDistance");
    expect(trueVac.length).toBeGreaterThan(5);
    for (const s of trueVac) {
      const near = Array.from(d.numeric("x").keys()).filter((k) => Math.hypot(d.numeric("x")[k] - sx[s], d.numeric("y")[k] - sy[s]) < 1.2 * a);
      expect(near.some((k) => Math.abs(vd[k] - Math.hypot(d.numeric("x")[k] - sx[s], d.numeric("y")[k] - sy[s])) < 0.35 * a)).toBe(true);
    }
  });
});

describe("markovTransitions", () => {
  it("counts transitions and exposure exactly, skipping unobserved sites", () => {
    const states = [[0, 0, 1, -1], [0, 1, 1, 0], [1, 1, 0, 0]];
    const t = markovTransitions(states, { frameTime: 2, names: ["a", "b"] });
    const rows = t.toRows();
    const get = (f: string, to: string) => rows.find((r) => r.from === f && r.to === to)!;
    // pairs (t → t+1): site0 0→0, 0→1; site1 0→1, 1→1; site2 1→1, 1→0; site3 (−1)→0 skipped, 0→0
    expect([get("a", "a").count, get("a", "b").count, get("b", "a").count, get("b", "b").count]).toEqual([2, 2, 1, 2]);
    expect(get("a", "b").exposure).toBe(4);
    expect(get("a", "b").probability).toBeCloseTo(2.5 / 5, 14); // Dirichlet(0.5): (2 + 0.5)/(4 + 1)
    expect(get("a", "b").rate).toBeCloseTo(2.5 / 8, 14); // Gamma(2.5, 4 · 2 s)
    expect(get("a", "a").rate).toBeNaN();
    expect(() => markovTransitions([[0, 1], [0]])).toThrow(/states\[1\] has 1 sites, states\[0\] has 2/);
    expect(() => markovTransitions([[0, 1.5]])).toThrow(/states\[0\]\[1\] must be an integer state/);
  });

  it("has calibrated 95 % intervals on known chains", () => {
    const P = [[0.9, 0.08, 0.02], [0.3, 0.7, 0], [0, 0.05, 0.95]];
    let covered = 0, tested = 0;
    for (let seed = 0; seed < 20; seed++) {
      const r = rng(seed), states: Int32Array[] = [new Int32Array(200)];
      for (let t = 1; t < 30; t++) states.push(states[t - 1].map((s) => { let u = r.uniform(), j = 0; while (u >= P[s][j]) { u -= P[s][j]; j++; } return j; }));
      for (const row of markovTransitions(states).toRows()) {
        const p = P[Number(row.from)][Number(row.to)];
        if (p === 0) { expect(row.count).toBe(0); continue; }
        tested++;
        if (Number(row.probabilityLower) < p && p < Number(row.probabilityUpper)) covered++;
      }
    }
    expect(tested).toBe(140);
    // measured: 132 / 140 = 0.943; too wide intervals would cover all
    expect(covered / tested).toBeGreaterThan(0.88);
    expect(covered).toBeLessThan(tested);
  });
});

describe("phaseFraction", () => {
  it("gives per-frame fractions of the observed sites", () => {
    const t = phaseFraction([[0, 0, 2, -1], [0, 2, 2, 2]], { names: ["host", "vacancy", "new"], dose: [0, 100] });
    expect(t.columnNames).toEqual(["frame", "dose", "observed", "host", "vacancy", "new"]);
    expect(Array.from(t.numeric("observed"))).toEqual([3, 4]);
    expect(Array.from(t.numeric("host"))).toEqual([2 / 3, 0.25]);
    expect(Array.from(t.numeric("new"))).toEqual([1 / 3, 0.75]);
    expect(() => phaseFraction([[0], [1]], { time: [0] })).toThrow(/options\.time has 1 values for 2 frames/);
  });
});

describe("rocAuc and evaluateNucleation", () => {
  it("equals scikit-learn's roc_auc_score, ties at ½", () => {
    // sklearn.metrics.roc_auc_score([0,1,0,1,0,0,1,0], [0.1,0.4,0.35,0.8,0.4,0.2,0.4,0.9]) = 0.7333333333333333
    expect(rocAuc([0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.4, 0.9], [0, 1, 0, 1, 0, 0, 1, 0])).toBeCloseTo(0.7333333333333333, 14);
    expect(rocAuc([1, 1, 1], [0, 1, 0])).toBe(0.5);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
    expect(() => rocAuc([NaN, 1], [0, 1])).toThrow(/scores\[0\] is NaN/);
  });

  it("gives chance for a constant score and 1 for a perfect one, with exact hit rates", () => {
    const truth = [3, 0, 7, 5];
    const flat = truth.map(() => new Float64Array(10));
    const e = evaluateNucleation(flat, truth, { topK: [1, 5], resamples: 50 });
    expect(e.auc).toBe(0.5);
    expect(e.aucInterval).toEqual([0.5, 0.5]);
    expect(e.topK.map((h) => h.hitRate)).toEqual([0.1, 0.5]); // k / n
    const perfect = truth.map((t) => Float64Array.from({ length: 10 }, (_, i) => (i === t ? 1 : 0)));
    const p = evaluateNucleation(perfect, truth, { topK: [1], resamples: 50 });
    expect(p.auc).toBe(1);
    expect(p.topK[0].hitRate).toBe(1);
    expect(() => evaluateNucleation(flat, [3, 0, 7, 10])).toThrow(/truth\[3\] must be a row of scores\[3\] \(0\.\.9\), got 10/);
    // the pooled AUC equals rocAuc over all candidates of all movies (ties included)
    const r = rng(2), sc = truth.map(() => Float64Array.from({ length: 10 }, () => Math.round(r.uniform() * 6)));
    expect(evaluateNucleation(sc, truth, { resamples: 10 }).auc).toBeCloseTo(rocAuc(sc.flatMap((s) => Array.from(s)), sc.flatMap((s, m) => Array.from(s, (_, i) => (i === truth[m] ? 1 : 0)))), 14);
  });
});

describe("survivalRows and fitHazard", () => {
  it("lays out person-period rows: frames before the event, one event row", () => {
    const f = (n: number, v: number) => table({ a: new Float64Array(n).fill(v) });
    const rows = survivalRows([f(3, 0), f(2, 1), f(4, 2)], { frame: 2, row: 1 });
    expect(Array.from(rows.numeric("frame"))).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(rows.numeric("event"))).toEqual([0, 0, 0, 0, 1]);
    expect(survivalRows([f(3, 0), f(2, 1)], null).numRows).toBe(5);
    expect(() => survivalRows([f(3, 0), f(2, 1)], { frame: 2, row: 3 })).toThrow(/event\.row must be a row of frames\[1\] \(0\.\.1\), got 3/);
    expect(() => survivalRows([f(3, 0), table({ b: [1] })], { frame: 2, row: 0 })).toThrow(/frames\[1\] has columns b; frames\[0\] has a/);
  });

  it("recovers known logistic coefficients within their Laplace intervals", () => {
    const r = rng(5), n = 20000, beta = [-3, 0.8, -0.5];
    const u = new Float64Array(n), v = new Float64Array(n), ev = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      u[i] = r.normal(); v[i] = r.normal(2, 3);
      const eta = beta[0] + beta[1] * u[i] + beta[2] * ((v[i] - 2) / 3);
      ev[i] = r.uniform() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    }
    const m = fitHazard(table({ u, v, event: ev }), { features: ["u", "v"], priorSd: 10 });
    // coefficients are per sample sd of the feature: rescale the truth by the sample sd/mean
    const truthStd = [beta[1] * m.scale[0], beta[2] * (m.scale[1] / 3)];
    for (let j = 0; j < 2; j++) {
      expect(m.lower[j + 1]).toBeLessThan(truthStd[j]);
      expect(m.upper[j + 1]).toBeGreaterThan(truthStd[j]);
      expect(m.sd[j + 1]).toBeLessThan(0.05);
    }
    const p = predictHazard(m, table({ u: [0, 2], v: [2, 2] }));
    expect(Math.abs(p[0] - 1 / (1 + Math.exp(3)))).toBeLessThan(0.01);
    expect(Math.abs(p[1] - 1 / (1 + Math.exp(3 - 1.6)))).toBeLessThan(0.01);
    expect(() => fitHazard(table({ u, event: new Uint8Array(n) }), { features: ["u"] })).toThrow(/no events in 20000 rows/);
    expect(() => fitHazard(table({ u: [1, NaN], event: [0, 1] }), { features: ["u"] })).toThrow(/column "u" row 1 is not finite/);
  });
});

describe("frameDescriptors", () => {
  it("finds, tracks and describes every frame; refuses frames of different sizes", () => {
    const m = simulateTransition({ size: [8, 8], latticeConstant: A, frames: 4, seed: 1 });
    const r = frameDescriptors(m.frames, { find: { spacing: A, sigma: m.sigma } });
    expect(r.descriptors).toHaveLength(4);
    r.descriptors.forEach((d, t) => {
      expect(d.numRows).toBe(m.atoms[t].numRows); // every column found, no vacancy filled
      expect(d.columnNames).toEqual(["x", "y", "neighbors", "bondLength", "strain", "angleSpread", "intensity", "vacancyDistance", "vacancyCount", "track"]);
    });
    // a column present in frames 0 and 3 keeps its track id
    const tr = (t: number, k: number) => r.descriptors[t].numeric("track")[k];
    const near = (t: number, x: number, y: number) => { const d = r.descriptors[t], X = d.numeric("x"), Y = d.numeric("y"); return Array.from(X.keys()).find((k) => Math.hypot(X[k] - x, Y[k] - y) < 0.25 * A); };
    const kept = Array.from(m.states[3].keys()).filter((s) => m.states[3][s] === HOST).slice(0, 20);
    for (const s of kept) expect(tr(3, near(3, m.sites.numeric("x")[s], m.sites.numeric("y")[s])!)).toBe(tr(0, near(0, m.sites.numeric("x")[s], m.sites.numeric("y")[s])!));
    expect(Math.hypot(r.basis.a1[0], r.basis.a1[1])).toBeCloseTo(A, 0);
    const small = { ...m.frames[1], width: m.frames[1].width - 1, data: m.frames[1].data.slice(m.frames[1].height) };
    expect(() => frameDescriptors([m.frames[0], small])).toThrow(/frames\[1\] is 63×64 px, frames\[0\] is 64×64/);
  });
});

describe("dopant hops from rendered frames", () => {
  it("finds the simulator's hops at their frame and sites, with a rate interval that covers the truth", () => {
    const T = 12, m = simulateTransition({ size: [16, 16], latticeConstant: A, frames: T, seed: 5, render: false, background: 0.1, hazard: { base: 0 }, dopants: { count: 8, hopRate: 0.2 } });
    const found = Array.from({ length: T }, (_, t) => findAtoms(renderTransitionFrame(m, t), { spacing: A, sigma: m.sigma, refine: "com" }));
    const r = dopantHops(found);
    const sx = m.sites.numeric("x"), sy = m.sites.numeric("y"), truth: number[][] = [];
    let exposure = 0;
    for (let t = 1; t < T; t++) m.dopants[t].forEach((s, k) => { const p = m.dopants[t - 1][k]; if (p >= 0 && s >= 0) { exposure++; if (s !== p) truth.push([t, sx[p], sy[p], sx[s], sy[s]]); } });
    const H = r.hops, f = H.numeric("frame"), fx = H.numeric("fromX"), fy = H.numeric("fromY"), tx = H.numeric("toX"), ty = H.numeric("toY");
    const same = (h: number[], i: number) => f[i] === h[0] && Math.hypot(fx[i] - h[1], fy[i] - h[2]) < 0.3 * A && Math.hypot(tx[i] - h[3], ty[i] - h[4]) < 0.3 * A;
    const recall = truth.filter((h) => Array.from(f.keys()).some((i) => same(h, i))).length / truth.length;
    const precision = Array.from(f.keys()).filter((i) => truth.some((h) => same(h, i))).length / H.numRows;
    const trueRate = truth.length / exposure;
    console.log(`dopantHops: ${truth.length} true hops in ${exposure} dopant-frames (rate ${trueRate.toFixed(3)}); found ${H.numRows}, recall ${recall.toFixed(3)}, precision ${precision.toFixed(3)}; rate ${r.rate.toFixed(3)} [${r.rateLower.toFixed(3)}, ${r.rateUpper.toFixed(3)}] over ${r.exposure}`);
    expect(truth.length).toBeGreaterThan(10);
    expect(recall).toBeGreaterThanOrEqual(0.9);
    expect(precision).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(r.exposure - exposure)).toBeLessThanOrEqual(2);
    for (const rate of [trueRate, 0.2]) { expect(r.rateLower).toBeLessThan(rate); expect(r.rateUpper).toBeGreaterThan(rate); }
    expect(r.rateUpper / r.rateLower).toBeLessThan(4); // an interval that says something
    // the dimmer new phase or no dopants: no hops; bad options named
    expect(dopantHops(found.slice(0, 2), { intensityRatio: 3 }).hops.numRows).toBe(0);
    expect(() => dopantHops(found, { intensityRatio: 1 })).toThrow(/options\.intensityRatio must differ from 1/);
    expect(() => dopantHops([found[0]])).toThrow(/at least 2 atom tables/);
    expect(() => dopantHops([found[0], table({ x: [1], y: [2] })])).toThrow(/tables\[1\]: no column "intensity"/);
  });
});

describe("nucleation prediction on held-out simulated movies, from rendered frames", () => {
  const sim = { size: [12, 12] as [number, number], frames: 25 };

  it("beats uniform, nearest-defect and strain-alone baselines, with an AUC interval above ½", () => {
    const model = fitHazard(trainingRows(movies(16, 0, sim, 2)), { features: FEATURES, priorSd: 1 });
    const test = movies(16, 10000, sim, 1), truth = test.map((d) => d.row);
    // every nucleus site is a found column (within 0.2 a)
    expect(Math.max(...test.map((d) => d.distance))).toBeLessThan(0.2 * A);
    const score = (f: (t: Table) => Float64Array) => evaluateNucleation(test.map((d) => testScores(d, f)), truth, { resamples: 1000, topK: [5] });
    const ours = score((t) => predictHazard(model, t));
    const base = (["uniform", "nearestDefect", "strain"] as const).map((b) => score((t) => baselineScores(t, b)));
    // measured: model 0.929 [0.897, 0.961], top-5 0.56; uniform 0.500 (0.04), nearest defect 0.767, strain 0.846
    // (before, true positions + 0.3 px noise at a = 12 px, 24 + 24 movies: 0.843 [0.753, 0.908])
    expect(ours.aucInterval[0]).toBeGreaterThan(0.7);
    for (const b of base) expect(ours.auc).toBeGreaterThan(b.auc + 0.04);
    expect(ours.topK[0].hitRate).toBeGreaterThan(3 * base[0].topK[0].hitRate);
    // the vacancy count and the strain carry the hazard: their 95 % intervals exclude 0
    expect(model.lower[1]).toBeGreaterThan(0);
    expect(model.lower[3]).toBeGreaterThan(0);
  });

  it("claims no skill when the hazard ignores the descriptors (negative control)", () => {
    const ctl = { ...sim, hazard: { model: "uniform" as const } };
    const model = fitHazard(trainingRows(movies(16, 0, ctl, 2)), { features: FEATURES, priorSd: 1 });
    const test = movies(16, 10000, ctl, 1);
    const e = evaluateNucleation(test.map((d) => testScores(d, (t) => predictHazard(model, t))), test.map((d) => d.row), { resamples: 1000 });
    // measured: 0.431 [0.307, 0.554]
    expect(e.aucInterval[0]).toBeLessThan(0.5);
    expect(e.aucInterval[1]).toBeGreaterThan(0.5);
  });
});

describe("trainRvae and encodeRvae on patches of known motif and rotation", () => {
  it("separates the motifs in z whatever their rotation, and recovers the rotation in θ", async () => {
    const train = motifPatches(600, { seed: 1 }), test = motifPatches(200, { seed: 2 });
    const model = await trainRvae(train.patches, train.size, { steps: 200, batchSize: 32, hidden: 32, learningRate: 0.005, seed: 0 });
    expect(model.loss).toHaveLength(200);
    expect(model.loss[199]).toBeLessThan(0.5 * model.loss[0]);
    const e = await encodeRvae(model, test.patches);
    // the motif from a Gaussian mixture on z alone (rotations ±45°)
    const z = table({ z0: Float64Array.from({ length: 200 }, (_, i) => e.z[2 * i]), z1: Float64Array.from({ length: 200 }, (_, i) => e.z[2 * i + 1]) });
    const accuracy = phaseAccuracy(classifyPhases(z, { columns: ["z0", "z1"], k: 2 }).labels, test.label).accuracy;
    // θ against the true angle within each motif (the canonical orientation, hence the offset and sign, is the decoder's)
    const fits = [0, 1].map((c) => {
      const idx = Array.from(test.label.keys()).filter((i) => test.label[i] === c), a = idx.map((i) => test.angle[i]), t = idx.map((i) => e.theta[i]);
      const ma = a.reduce((s, v) => s + v, 0) / a.length, mt = t.reduce((s, v) => s + v, 0) / t.length;
      let sat = 0, saa = 0, stt = 0;
      a.forEach((v, k) => { sat += (v - ma) * (t[k] - mt); saa += (v - ma) ** 2; stt += (t[k] - mt) ** 2; });
      return { slope: sat / saa, rmsDeg: (Math.sqrt(Math.max(0, stt - (sat * sat) / saa) / a.length) * 180) / Math.PI };
    });
    console.log(`rVAE (${model.backend}): motif accuracy from z ${accuracy.toFixed(3)}; θ vs angle slope ${fits.map((f) => f.slope.toFixed(3)).join(", ")}, residual ${fits.map((f) => f.rmsDeg.toFixed(1)).join(", ")}°`);
    expect(accuracy).toBeGreaterThan(0.95);
    for (const f of fits) {
      expect(Math.abs(Math.abs(f.slope) - 1)).toBeLessThan(0.25);
      expect(f.rmsDeg).toBeLessThan(6);
    }
    await expect(encodeRvae(model, new Float32Array(50))).rejects.toThrow(/50 values, not a positive multiple of size² = 121/);
    await expect(trainRvae(Float32Array.from([1, 2, NaN, 4, 5, 6, 7, 8, 9]), 3)).rejects.toThrow(/patch 0 pixel 2 is not finite/);
    await expect(trainRvae(train.patches, 11, { latentDim: 0 })).rejects.toThrow(/options\.latentDim must be a positive integer, got 0/);
  });
});
