/**
 * Scoring found atomic columns against true (or reference) positions:
 * detection (precision, recall, F1) and localisation (RMS error) after a
 * one-to-one matching of mutual nearest neighbours within a tolerance, as
 * single-molecule localisation benchmarks score detections (D. Sage et al.,
 * "Super-resolution fight club", Nat. Methods 16, 387, 2019).
 */
import { Table } from "../table";
import { PointGrid } from "./grid";

/** Points to score: an atom table (numeric columns `x`, `y`) or two coordinate arrays, pixels. */
export type AtomPositions = Table | { x: ArrayLike<number>; y: ArrayLike<number> };

/** Options of {@link matchAtoms}. */
export interface MatchAtomsOptions {
  /** Largest distance between a found and a true position that counts as a match, pixels. */
  tolerance: number;
  /** Ignore found and true positions closer than this to the image edge, pixels (default 0; needs `width` and `height`). */
  excludeBorder?: number;
  /** Image size in pixels; when given, positions outside the image (less `excludeBorder`) are ignored. */
  width?: number;
  height?: number;
}

/** What {@link matchAtoms} returns. Counts and errors are over positions not excluded by `excludeBorder`. */
export interface MatchResult {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** truePositives / (truePositives + falsePositives); 0 when nothing was found. */
  precision: number;
  /** truePositives / true positions. */
  recall: number;
  /** Harmonic mean of precision and recall (0 when both are 0). */
  f1: number;
  /** RMS of the 2-D position error over matched pairs (pixels): √(mean(dx² + dy²)). */
  rms: number;
  /** RMS of the per-axis error (pixels): √(mean((dx² + dy²)/2)), comparable with a 1-D Cramér–Rao bound. */
  rmsPerAxis: number;
  /** Matched pairs as [found index, true index] (indices into the inputs). */
  pairs: Array<[number, number]>;
  /** Found minus true position of each pair, pixels. */
  dx: number[];
  dy: number[];
}

function coordinates(points: AtomPositions, name: string): { x: ArrayLike<number>; y: ArrayLike<number> } {
  const p = points instanceof Table ? { x: points.numeric("x"), y: points.numeric("y") } : points;
  if (!p || !p.x || !p.y || p.x.length !== p.y.length) throw new TypeError(`matchAtoms: ${name} must be a Table with numeric columns x, y or { x, y } arrays of equal length`);
  for (let i = 0; i < p.x.length; i++) {
    if (!Number.isFinite(p.x[i]) || !Number.isFinite(p.y[i])) throw new RangeError(`matchAtoms: ${name} point ${i} has non-finite coordinates (${p.x[i]}, ${p.y[i]})`);
  }
  return p;
}

/**
 * Match found columns to true ones and score the detection and localisation.
 * A pair is a true point t whose nearest found point f lies within
 * `tolerance` and has t as its own nearest true point (mutual nearest
 * neighbours), each found point used once. Given the image size, points
 * outside the image or within `excludeBorder` of its edge are ignored, and a found point whose
 * nearest true point (within `tolerance`) is such an ignored one is neither a
 * match nor a false positive. Cost: O((n + m) · k) with k points per grid cell.
 * ```ts
 * const s = cs.synth.square({ width: 128, height: 128, dose: 1000, seed: 1 });
 * const m = cs.atoms.matchAtoms(cs.findAtoms(s.image), s.atoms, { tolerance: 4, excludeBorder: 6, width: 128, height: 128 });
 * m.f1; m.rmsPerAxis // pixels
 * ```
 */
export function matchAtoms(found: AtomPositions, truth: AtomPositions, options: MatchAtomsOptions): MatchResult {
  const tol = options?.tolerance;
  if (!(tol > 0) || !Number.isFinite(tol)) throw new RangeError(`matchAtoms: options.tolerance must be a finite distance > 0 pixels, got ${tol}`);
  const border = options.excludeBorder ?? 0;
  if (!(border >= 0)) throw new RangeError(`matchAtoms: options.excludeBorder must be >= 0 pixels, got ${border}`);
  const { width, height } = options;
  const box = width !== undefined || height !== undefined || border > 0;
  if (box && !(Number.isInteger(width) && Number.isInteger(height) && width! > 0 && height! > 0)) throw new RangeError(`matchAtoms: options.width and options.height must be the image size (positive integers)${border > 0 ? " for options.excludeBorder" : ""}, got ${width}×${height}`);
  const { x: fx, y: fy } = coordinates(found, "found");
  const { x: tx, y: ty } = coordinates(truth, "truth");
  const keep = (x: number, y: number) => !box || (x >= border && y >= border && x <= width! - 1 - border && y <= height! - 1 - border);
  const F: number[] = [], T: number[] = [];
  for (let i = 0; i < fx.length; i++) if (keep(fx[i], fy[i])) F.push(i);
  for (let i = 0; i < tx.length; i++) if (keep(tx[i], ty[i])) T.push(i);
  const gF = new PointGrid(F.map((i) => fx[i]), F.map((i) => fy[i]));
  const allT = new PointGrid(tx, ty);
  const pairs: Array<[number, number]> = [];
  const dx: number[] = [], dy: number[] = [];
  const usedF = new Set<number>();
  for (const t of T) {
    const r = gF.nearest(tx[t], ty[t], 1, -1, tol);
    if (!r.index.length) continue;
    const f = F[r.index[0]];
    if (allT.nearest(fx[f], fy[f], 1).index[0] !== t || usedF.has(f)) continue;
    usedF.add(f);
    pairs.push([f, t]);
    dx.push(fx[f] - tx[t]); dy.push(fy[f] - ty[t]);
  }
  let nearEdge = 0;
  for (const f of F) if (!usedF.has(f)) { const b = allT.nearest(fx[f], fy[f], 1, -1, tol); if (b.index.length && !keep(tx[b.index[0]], ty[b.index[0]])) nearEdge++; }
  const tp = pairs.length, fp = F.length - tp - nearEdge, fn = T.length - tp;
  let s = 0;
  for (let k = 0; k < tp; k++) s += dx[k] ** 2 + dy[k] ** 2;
  const precision = tp / Math.max(1, tp + fp), recall = tp / Math.max(1, T.length);
  return {
    truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    rms: Math.sqrt(s / Math.max(1, tp)), rmsPerAxis: Math.sqrt(s / Math.max(1, 2 * tp)), pairs, dx, dy,
  };
}
