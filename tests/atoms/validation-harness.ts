/**
 * Validation harness for atom finders against synthetic ground truth: every
 * lattice type of `synth` at a range of doses, scored by `atoms.matchAtoms`
 * (precision, recall, F1), the RMS position error against the Cramér–Rao
 * bound (`cramerRaoBound`, the bound tests/atoms/synthetic.test.ts uses: the
 * column's counts, σ and background, a window of half the nearest-neighbour
 * distance) and the calibration of the reported `uncertainty` (z-scores of the
 * actual error). A finder is any `(image) => Promise<Table>` whose table has
 * numeric columns `x`, `y`, `uncertainty` (pixels).
 */
import { synth, atoms, cramerRaoBound, Table } from "causalscope";
import type { Image } from "../../src/image/image";
import type { SyntheticLattice } from "../../src/synth";

/** An atom finder under validation. */
export type Finder = (image: Image) => Promise<Table>;

/** One lattice type: a generator at a dose and seed, and its nearest-neighbour distance (pixels). */
export interface LatticeCase {
  name: string;
  nearestNeighbour: number;
  make: (dose: number, seed: number) => SyntheticLattice;
}

/** Image size (pixels) and the defects every case carries. */
export const SIZE = 160;
const defects = { vacancies: { fraction: 0.04 }, dopants: { fraction: 0.05, intensity: 1.5 } };
// Rotated by 7° with a sub-pixel origin, so true positions spread over all pixel phases.
const common = { width: SIZE, height: SIZE, rotation: 7, origin: [7.3, 8.6] as [number, number], ...defects };

/** Every lattice type of `synth`, at scales typical of atomic-resolution STEM (σ 1.4–2 px). */
export const LATTICES: LatticeCase[] = [
  { name: "square", nearestNeighbour: 14, make: (dose, seed) => synth.square({ ...common, latticeConstant: 14, dose, seed }) },
  { name: "perovskite", nearestNeighbour: 16 / Math.SQRT2, make: (dose, seed) => synth.perovskite({ ...common, latticeConstant: 16, dose, seed }) },
  { name: "honeycomb", nearestNeighbour: 18 / Math.sqrt(3), make: (dose, seed) => synth.hexagonal({ ...common, lattice: "honeycomb", latticeConstant: 18, dose, seed }) },
  { name: "triangular", nearestNeighbour: 12, make: (dose, seed) => synth.hexagonal({ ...common, lattice: "triangular", latticeConstant: 12, dose, seed }) },
  { name: "dumbbell", nearestNeighbour: 8, make: (dose, seed) => synth.dumbbell({ ...common, latticeConstant: 32, dose, seed }) },
];

/** Doses, electrons per intensity-1 column. */
export const DOSES = [1e2, 1e3, 1e4, 1e5];

/** Scores of one finder on one lattice at one dose. */
export interface Score {
  lattice: string;
  dose: number;
  found: number;
  truth: number;
  precision: number;
  recall: number;
  f1: number;
  /** RMS error per axis over matched columns, pixels. */
  rms: number;
  /** Cramér–Rao bound per axis, RMS over the matched columns (each at its own counts), pixels. */
  crb: number;
  /** Standard deviation of the z-scores dx/u, dy/u (u the reported uncertainty), about 0. */
  zsd: number;
  /** The finder's error message, when it threw (then all scores are 0 or NaN). */
  error?: string;
}

/** Match tolerance as a fraction of the nearest-neighbour distance, and the border ignored (pixels). */
const TOLERANCE = 0.4, BORDER = 6;

/** Score `finder` on one synthetic image. Cost: one finder call plus O(columns). */
export async function scoreFinder(finder: Finder, c: LatticeCase, dose: number, seed: number): Promise<Score> {
  const s = c.make(dose, seed);
  const inside = (x: number, y: number) => x >= BORDER && y >= BORDER && x <= SIZE - 1 - BORDER && y <= SIZE - 1 - BORDER;
  const truthCount = s.atoms.x.filter((x, k) => inside(x, s.atoms.y[k])).length;
  let found: Table;
  try {
    found = await finder(s.image);
  } catch (e) {
    return { lattice: c.name, dose, found: 0, truth: truthCount, precision: 0, recall: 0, f1: 0, rms: NaN, crb: NaN, zsd: NaN, error: (e as Error).message };
  }
  const m = atoms.matchAtoms(found, s.atoms, { tolerance: TOLERANCE * c.nearestNeighbour, excludeBorder: BORDER, width: SIZE, height: SIZE });
  const u = found.numeric("uncertainty");
  const crbOf = new Map<number, number>();
  let crb2 = 0, z2 = 0;
  m.pairs.forEach(([f, t], k) => {
    const counts = dose * s.atoms.intensity[t];
    if (!crbOf.has(counts)) crbOf.set(counts, cramerRaoBound({ sigma: s.sigma, counts, background: s.background, radius: 0.5 * c.nearestNeighbour }));
    crb2 += crbOf.get(counts)! ** 2;
    z2 += (m.dx[k] / u[f]) ** 2 + (m.dy[k] / u[f]) ** 2;
  });
  const n = Math.max(1, m.pairs.length);
  return {
    lattice: c.name, dose, found: m.truePositives + m.falsePositives, truth: truthCount,
    precision: m.precision, recall: m.recall, f1: m.f1, rms: m.rmsPerAxis, crb: Math.sqrt(crb2 / n), zsd: Math.sqrt(z2 / (2 * n)),
  };
}

/** Score `finder` on every lattice at every dose (seed = 1000·lattice + dose index). */
export async function validateFinder(finder: Finder, lattices = LATTICES, doses = DOSES): Promise<Score[]> {
  const out: Score[] = [];
  for (const [li, c] of lattices.entries()) for (const [di, dose] of doses.entries()) out.push(await scoreFinder(finder, c, dose, 1000 * li + di));
  return out;
}

/** The scores as a text table (lattice × dose: P, R, F1, RMS/CRB, z sd). */
export function formatScores(name: string, scores: Score[]): string {
  const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "—");
  return [
    `${name}: lattice | dose e⁻/column | found/true | precision | recall | F1 | RMS/axis px | CRB px | RMS/CRB | z sd`,
    ...scores.map((s) => `${s.lattice} | ${s.dose.toExponential(0)} | ${s.found}/${s.truth} | ${f(s.precision)} | ${f(s.recall)} | ${f(s.f1)} | ${f(s.rms, 4)} | ${f(s.crb, 4)} | ${f(s.rms / s.crb, 2)} | ${f(s.zsd, 2)}${s.error ? ` | error: ${s.error}` : ""}`),
  ].join("\n");
}
