/**
 * The nucleation-prediction pipeline the tests and the tutorial share, on
 * simulated movies: observed atom tables (true positions + Gaussian position
 * noise, intensities × (1 + 5 % noise), i.e. a finder's output without
 * rendering every frame), descriptors per frame before the nucleus (lattice
 * vectors from the movie's first frame), person-period rows for training,
 * and per-candidate scores at the frame before the nucleus for testing.
 * Columns without bonds (neighbors = 0, all four neighbours vacant) have no
 * strain (NaN): it is imputed as 0, the frame's reference spacing, and
 * stated so here (their vacancyCount still tells the model about them).
 */
import { table, Table } from "../../src/table";
import { rng } from "../../src/core/random";
import { latticeBasis } from "../../src/atoms/lattice";
import { simulateTransition, SimulateTransitionOptions, localDescriptors, survivalRows } from "../../src/transitions";

export const FEATURES = ["vacancyCount", "vacancyDistance", "strain", "neighbors"];

export interface MovieData { desc: Table[]; frame: number; row: number }

function observe(t: Table, r: ReturnType<typeof rng>, noise: number): Table {
  const x = t.numeric("x"), y = t.numeric("y"), I = t.numeric("intensity");
  return table({ x: Float64Array.from(x, (v) => v + r.normal(0, noise)), y: Float64Array.from(y, (v) => v + r.normal(0, noise)), intensity: Float64Array.from(I, (v) => v * (1 + r.normal(0, 0.05))) });
}

/**
 * Descriptors of the last `window` frames before the nucleus (the at-risk
 * frames the hazard is trained on: fewer rows per movie changes the
 * baseline hazard, not the log-odds ratios that rank the sites), with
 * `frame` counted within the window, and the nucleus' row in the last of
 * them; null when no nucleus formed.
 */
export function movieData(options: SimulateTransitionOptions, window = 5, noise = 0.3): MovieData | null {
  const m = simulateTransition({ ...options, render: false });
  if (!m.nucleation) return null;
  const r = rng(7919 + (options.seed ?? 0)), t1 = m.nucleation.frame, t0 = Math.max(0, t1 - window);
  const frames = Array.from({ length: t1 - t0 }, (_, t) => observe(m.atoms[t0 + t], r, noise));
  const basis = latticeBasis(frames[0].numeric("x"), frames[0].numeric("y"));
  const desc = frames.map((f) => localDescriptors(f, { basis }));
  const row = Array.from(m.atoms[t1 - 1].numeric("site")).indexOf(m.nucleation.site);
  return { desc, frame: t1 - t0, row };
}

/** The first `count` movies with a nucleus, seeds from `seed0` on. */
export function movies(count: number, seed0: number, options: SimulateTransitionOptions): MovieData[] {
  const out: MovieData[] = [];
  for (let s = seed0; out.length < count; s++) { const d = movieData({ ...options, seed: s }); if (d) out.push(d); }
  return out;
}

/** `strain` with NaN (columns without bonds) replaced by 0, the reference. */
function imputeStrain(t: Table): Table {
  return t.withColumn("strain", Float64Array.from(t.numeric("strain"), (v) => (Number.isNaN(v) ? 0 : v)));
}

/** Person-period rows of all training movies, one table. */
export function trainingRows(data: MovieData[]): Table {
  const parts = data.map((d) => survivalRows(d.desc.map(imputeStrain), { frame: d.frame, row: d.row }));
  const cols: Record<string, Float64Array> = {};
  for (const c of parts[0].columnNames) cols[c] = Float64Array.from(parts.flatMap((p) => Array.from(p.numeric(c))));
  return table(cols);
}

/** Scores of every candidate column of the frame before the nucleus. */
export function testScores(d: MovieData, score: (t: Table) => Float64Array): Float64Array {
  return score(imputeStrain(d.desc[d.frame - 1]));
}
