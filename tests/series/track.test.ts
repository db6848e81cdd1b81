/**
 * trackAtoms / trackEvents (src/series/track.ts): against the known truth of
 * a simulated moving lattice whose vacancies appear over time (with thermal
 * jitter, residual drift, missed detections and atom hops), and against
 * trackpy's link (requirements/series.txt) on the same tables, link for link.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { trackAtoms, trackEvents } from "../../src/series";
import { assignMinCost } from "../../src/series/track";
import { rng } from "../../src/core";
import { table, type Table } from "../../src/table";

const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(resolve(__dirname, "..", ".."), ".venv", "bin", "python");

interface Movie {
  frames: { x: number[]; y: number[] }[];
  /** True atom id of each row of each frame. */
  ids: number[][];
  /** Vacancies created: atom id, frame of disappearance, site. */
  vacancies: { id: number; frame: number; x: number; y: number }[];
}

/**
 * A square lattice (a = 12 px, 12 × 12 sites) over `n` frames: residual drift
 * 0.2 px/frame, thermal jitter σ, each frame 1.5 % of the atoms leave for
 * good (vacancies), 1 % are missed for one frame, 0.5 % hop to a free
 * neighbouring site (the same atom, 12 px away).
 */
function movie(n: number, sigma: number, seed: number): Movie {
  const r = rng(seed), a = 12;
  const atoms: { id: number; i: number; j: number; gone: boolean }[] = [];
  for (let j = 0; j < 12; j++) for (let i = 0; i < 12; i++) atoms.push({ id: atoms.length, i, j, gone: false });
  const frames: Movie["frames"] = [], ids: number[][] = [], vacancies: Movie["vacancies"] = [];
  for (let f = 0; f < n; f++) {
    if (f > 0) {
      for (const at of atoms) {
        if (at.gone) continue;
        if (r.uniform() < 0.015) { at.gone = true; vacancies.push({ id: at.id, frame: f, x: 8 + at.i * a + 0.2 * f, y: 8 + at.j * a + 0.1 * f }); continue; }
        if (r.uniform() < 0.005) {
          const [di, dj] = [[1, 0], [-1, 0], [0, 1], [0, -1]][r.int(4)];
          const ni = at.i + di, nj = at.j + dj;
          if (ni >= 0 && ni < 12 && nj >= 0 && nj < 12 && !atoms.some((b) => !b.gone && b.i === ni && b.j === nj)) { at.i = ni; at.j = nj; }
        }
      }
    }
    const x: number[] = [], y: number[] = [], id: number[] = [];
    for (const at of atoms) {
      if (at.gone || (f > 0 && r.uniform() < 0.01)) continue;
      x.push(8 + at.i * a + 0.2 * f + r.normal(0, sigma));
      y.push(8 + at.j * a + 0.1 * f + r.normal(0, sigma));
      id.push(at.id);
    }
    frames.push({ x, y });
    ids.push(id);
  }
  return { frames, ids, vacancies };
}

/** Links "f:row>g:row" between consecutive observations of the same label, from per-frame labels. */
function links(labels: ArrayLike<number>[]): Set<string> {
  const last = new Map<number, string>(), out = new Set<string>();
  labels.forEach((lab, f) => {
    for (let k = 0; k < lab.length; k++) {
      const here = `${f}:${k}`, prev = last.get(lab[k]);
      if (prev !== undefined) out.add(`${prev}>${here}`);
      last.set(lab[k], here);
    }
  });
  return out;
}

/** Per-frame track labels from the trackAtoms table. */
function labelsOf(t: Table, frames: number): number[][] {
  const f = t.numeric("frame"), row = t.numeric("row"), tr = t.numeric("track");
  const out: number[][] = Array.from({ length: frames }, () => []);
  for (let i = 0; i < f.length; i++) out[f[i]][row[i]] = tr[i];
  return out;
}

/** Brownian particles (no lattice): `count` in a 100 px box, steps of σ px per frame, so that candidate links compete. */
function brownian(n: number, count: number, sigma: number, seed: number): Movie["frames"] {
  const r = rng(seed);
  let x = Array.from({ length: count }, () => r.range(0, 100)), y = Array.from({ length: count }, () => r.range(0, 100));
  const frames: Movie["frames"] = [];
  for (let f = 0; f < n; f++) {
    if (f > 0) { x = x.map((v) => v + r.normal(0, sigma)); y = y.map((v) => v + r.normal(0, sigma)); }
    const keep = x.map(() => r.uniform() > 0.03); // 3 % missed per frame
    frames.push({ x: x.filter((_, k) => keep[k]), y: y.filter((_, k) => keep[k]) });
  }
  return frames;
}

function trackpy(requests: { frames: Movie["frames"]; searchRange: number; memory: number }[]): number[][][] {
  if (!existsSync(PYTHON)) throw new Error(`needs the project venv's Python at ${PYTHON} (trackpy): run \`node scripts/venv.mjs\``);
  const input = JSON.stringify(requests);
  return JSON.parse(execFileSync(PYTHON, [join(__dirname, "trackpy_link.py")], { input, encoding: "utf8", maxBuffer: 1 << 26 }));
}

describe("trackAtoms against the truth of a simulated moving lattice", () => {
  const m = movie(20, 0.3, 1);
  const tracks = trackAtoms(m.frames.map((f) => table(f)), { searchRange: 4, memory: 1 });
  const truth = links(m.ids);
  const found = links(labelsOf(tracks, 20));

  it("returns frame, x, y, track, row for every atom", () => {
    expect(tracks.columnNames).toEqual(["frame", "x", "y", "track", "row"]);
    expect(tracks.numRows).toBe(m.frames.reduce((s, f) => s + f.x.length, 0));
  });

  it("recovers ≥ 99 % of the true links with ≥ 99 % correct (gaps closed by memory 1; hops of a full spacing are not links)", () => {
    // true links that a 4 px search range can make: not the hops (12 px)
    let hop = 0;
    for (const l of truth) {
      const [[f, i], [g, j]] = l.split(">").map((s) => s.split(":").map(Number));
      const d = Math.hypot(m.frames[f].x[i] - m.frames[g].x[j], m.frames[f].y[i] - m.frames[g].y[j]);
      if (d > 6) hop++;
    }
    const correct = [...found].filter((l) => truth.has(l)).length;
    const recall = correct / (truth.size - hop), precision = correct / found.size;
    console.log(`trackAtoms: ${truth.size} true links (${hop} hops), ${found.size} found, recall ${recall.toFixed(4)}, precision ${precision.toFixed(4)}`);
    expect(hop).toBeGreaterThan(0);
    expect(recall).toBeGreaterThan(0.99);
    expect(precision).toBeGreaterThan(0.99);
  });

  it("finds the vacancies as disappear events at their frame and site (≥ 90 %), without memory gaps counted as events", () => {
    const ev = trackEvents(tracks);
    const kind = ev.column("event") as string[], fr = ev.numeric("frame"), x = ev.numeric("x"), y = ev.numeric("y");
    const hit = m.vacancies.filter((v) => kind.some((k, i) => k === "disappear" && Math.abs(fr[i] - v.frame) <= 1 && Math.hypot(x[i] - v.x, y[i] - v.y) < 2)).length;
    const disappear = kind.filter((k) => k === "disappear").length;
    console.log(`trackEvents: ${m.vacancies.length} vacancies, ${hit} found; ${disappear} disappear and ${kind.length - disappear} appear events`);
    expect(m.vacancies.length).toBeGreaterThan(20);
    expect(hit / m.vacancies.length).toBeGreaterThanOrEqual(0.9);
    // events beyond the vacancies: hops (one disappear + one appear each) and misses in the last frame only
    expect(disappear).toBeLessThan(m.vacancies.length * 1.3);
  });

  it("without memory a missed detection splits the track", () => {
    const noMem = links(labelsOf(trackAtoms(m.frames, { searchRange: 4 }), 20));
    expect(noMem.size).toBeLessThan(found.size);
  });
});

describe("trackAtoms agrees with trackpy.link link for link", () => {
  const cases = [
    { name: "lattice, jitter 0.3 px, search 4 px, memory 1", frames: movie(12, 0.3, 2).frames, searchRange: 4, memory: 1 },
    { name: "lattice, jitter 1.5 px, search 6 px, memory 2", frames: movie(12, 1.5, 3).frames, searchRange: 6, memory: 2 },
    { name: "Brownian, 150 particles in 100², steps 1.5 px, search 4 px (competing candidates), memory 1", frames: brownian(10, 150, 1.5, 4), searchRange: 4, memory: 1 },
  ];
  const ref = trackpy(cases);
  it.each(cases.map((c, i) => [c.name, i] as const))("%s", (_, i) => {
    const c = cases[i];
    const ours = links(labelsOf(trackAtoms(c.frames, c), c.frames.length));
    const theirs = links(ref[i]);
    const both = [...ours].filter((l) => theirs.has(l)).length;
    console.log(`vs trackpy (${c.name}): ours ${ours.size}, trackpy ${theirs.size}, common ${both}`);
    expect(both).toBe(theirs.size);
    expect(ours.size).toBe(theirs.size);
  });
});

describe("trackAtoms checks its input", () => {
  it("names the table and the problem", () => {
    expect(() => trackAtoms([{ x: [1], y: [1, 2] }], { searchRange: 2 })).toThrow(/trackAtoms: tables\[0\] has 1 x values and 2 y values/);
    expect(() => trackAtoms([table({ x: [1], z: [1] })], { searchRange: 2 })).toThrow(/trackAtoms: tables\[0\] has no column "y"/);
    expect(() => trackAtoms([{ x: [1, NaN], y: [1, 2] }], { searchRange: 2 })).toThrow(/tables\[0\] row 1 has a non-finite position/);
    expect(() => trackAtoms([{ x: [1, 2], y: [1, 2] }], { searchRange: -1 })).toThrow(/options.searchRange must be a positive number/);
    expect(() => trackAtoms([{ x: [1, 2], y: [1, 2] }], { memory: 1.5 })).toThrow(/options.memory must be a non-negative integer/);
  });

  it("defaults searchRange to half the median nearest-neighbour distance", () => {
    // spacing 10: default range 5 links a 4 px step and refuses a 6 px one
    const f0 = { x: [0, 10, 20], y: [0, 0, 0] };
    const t = trackAtoms([f0, { x: [4, 10, 26], y: [0, 0, 0] }]);
    expect(Array.from(t.numeric("track"))).toEqual([0, 1, 2, 0, 1, 3]);
  });
});

describe("assignMinCost (Hungarian algorithm)", () => {
  it("equals brute force on random 5 × 7 matrices", () => {
    const r = rng(9);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5, m = 7, c = Float64Array.from({ length: n * m }, () => r.uniform());
      const col = assignMinCost(c, n, m);
      let best = Infinity;
      const rec = (i: number, used: Set<number>, s: number) => {
        if (i === n) { best = Math.min(best, s); return; }
        for (let j = 0; j < m; j++) if (!used.has(j)) { used.add(j); rec(i + 1, used, s + c[i * m + j]); used.delete(j); }
      };
      rec(0, new Set(), 0);
      expect(new Set(col).size).toBe(n);
      expect(Array.from(col).reduce((s, j, i) => s + c[i * m + j], 0)).toBeCloseTo(best, 12);
    }
  });
});
