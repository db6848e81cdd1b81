/**
 * The nucleation-prediction pipeline the tests share, from images: each
 * simulated movie (a = 8 px, so a 12 × 12-site frame is 96 × 96 px) has its
 * last `window` frames before the nucleus rendered (Poisson noise; a
 * background of 0.1 × a column's peak, ~17 counts, where Poisson draws take
 * the PTRS method's ~3 uniforms instead of Knuth's ~10 below 10 counts: the
 * test's cost is mostly random numbers under jest), and
 * `frameDescriptors` finds the columns in every one of them (`findAtoms`,
 * centre of mass), tracks them (`trackAtoms`) and describes them (lattice
 * vectors from the first of them). The nucleus is the found column nearest
 * the true nucleus site in the frame before it appears (the labels come
 * from the simulator, as when a model trained on simulations is applied to
 * data). Columns without bonds (neighbors = 0) have no strain (NaN): it is
 * imputed as 0, the frame's reference spacing.
 */
import { table, Table } from "../../src/table";
import { simulateTransition, SimulateTransitionOptions, renderTransitionFrame, frameDescriptors, survivalRows } from "../../src/transitions";

export const FEATURES = ["vacancyCount", "vacancyDistance", "strain", "neighbors"];

/** Lattice constant of the simulated movies, pixels. */
export const A = 8;

export interface MovieData { desc: Table[]; frame: number; row: number; distance: number }

/** `strain` with NaN (columns without bonds) replaced by 0, the reference; the model's features only. */
function features(t: Table): Table {
  return t.withColumn("strain", Float64Array.from(t.numeric("strain"), (v) => (Number.isNaN(v) ? 0 : v))).select(FEATURES);
}

/**
 * Descriptors of the last `window` frames before the nucleus, found in the
 * rendered frames, with `frame` counted within the window, the nucleus' row
 * in the last of them and its distance to the true site (px); null when no
 * nucleus formed.
 */
export function movieData(options: SimulateTransitionOptions, window: number): MovieData | null {
  const m = simulateTransition({ latticeConstant: A, background: 0.1, ...options, render: false });
  if (!m.nucleation) return null;
  const t1 = m.nucleation.frame, t0 = Math.max(0, t1 - window);
  const frames = Array.from({ length: t1 - t0 }, (_, t) => renderTransitionFrame(m, t0 + t));
  const { descriptors } = frameDescriptors(frames, { find: { spacing: m.latticeConstant, sigma: m.sigma, refine: "com" } });
  const last = descriptors[descriptors.length - 1], x = last.numeric("x"), y = last.numeric("y");
  let row = -1, distance = Infinity;
  for (let k = 0; k < x.length; k++) { const d = Math.hypot(x[k] - m.nucleation.x, y[k] - m.nucleation.y); if (d < distance) { distance = d; row = k; } }
  return { desc: descriptors.map(features), frame: t1 - t0, row, distance };
}

/** The first `count` movies with a nucleus, seeds from `seed0` on, `window` frames each (training: 2; testing needs 1, the frame scored). */
export function movies(count: number, seed0: number, options: SimulateTransitionOptions, window: number): MovieData[] {
  const out: MovieData[] = [];
  for (let s = seed0; out.length < count; s++) { const d = movieData({ ...options, seed: s }, window); if (d) out.push(d); }
  return out;
}

/** Person-period rows of all training movies, one table. */
export function trainingRows(data: MovieData[]): Table {
  const parts = data.map((d) => survivalRows(d.desc, { frame: d.frame, row: d.row }));
  const cols: Record<string, Float64Array> = {};
  for (const c of parts[0].columnNames) cols[c] = Float64Array.from(parts.flatMap((p) => Array.from(p.numeric(c))));
  return table(cols);
}

/** Scores of every candidate column of the frame before the nucleus. */
export function testScores(d: MovieData, score: (t: Table) => Float64Array): Float64Array {
  return score(d.desc[d.frame - 1]);
}
