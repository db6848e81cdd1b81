/**
 * Matching of found columns to true (or reference) positions for the
 * validation tests and the benchmark: mutual nearest neighbours within `tol`
 * pixels, ignoring points within `border` pixels of the image edge.
 */
import { PointGrid } from "../../src/atoms";

export interface MatchResult {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  /** RMS of the 2-D position error over matched pairs (pixels): √(mean(dx² + dy²)). */
  rms: number;
  /** RMS of the per-axis error: √(mean((dx² + dy²)/2)). */
  rmsPerAxis: number;
  pairs: Array<[number, number]>;
  dx: number[];
  dy: number[];
}

export function matchPositions(fx: ArrayLike<number>, fy: ArrayLike<number>, tx: ArrayLike<number>, ty: ArrayLike<number>, tol: number, box?: { width: number; height: number; border: number }): MatchResult {
  const keep = (x: number, y: number) => !box || (x >= box.border && y >= box.border && x <= box.width - 1 - box.border && y <= box.height - 1 - box.border);
  const F: number[] = [], T: number[] = [];
  for (let i = 0; i < fx.length; i++) if (keep(fx[i], fy[i])) F.push(i);
  for (let i = 0; i < tx.length; i++) if (keep(tx[i], ty[i])) T.push(i);
  const gF = new PointGrid(F.map((i) => fx[i]), F.map((i) => fy[i]));
  const allT = new PointGrid(tx, ty);
  const pairs: Array<[number, number]> = [];
  const dx: number[] = [], dy: number[] = [];
  let fpNearEdge = 0;
  const usedF = new Set<number>();
  for (const t of T) {
    const r = gF.nearest(tx[t], ty[t], 1, -1, tol);
    if (!r.index.length) continue;
    const f = F[r.index[0]];
    // Mutual: t must be the nearest true point to f.
    const back = allT.nearest(fx[f], fy[f], 1);
    if (back.index[0] !== t || usedF.has(f)) continue;
    usedF.add(f);
    pairs.push([f, t]);
    dx.push(fx[f] - tx[t]); dy.push(fy[f] - ty[t]);
  }
  // A found point matched to a true point just outside the box is not a false positive.
  for (const f of F) if (!usedF.has(f)) { const b = allT.nearest(fx[f], fy[f], 1, -1, tol); if (b.index.length && !keep(tx[b.index[0]], ty[b.index[0]])) fpNearEdge++; }
  const tp = pairs.length;
  const fp = F.length - tp - fpNearEdge, fn = T.length - tp;
  let s = 0;
  for (let k = 0; k < tp; k++) s += dx[k] ** 2 + dy[k] ** 2;
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, T.length), rms: Math.sqrt(s / Math.max(1, tp)), rmsPerAxis: Math.sqrt(s / Math.max(1, 2 * tp)), pairs, dx, dy };
}
