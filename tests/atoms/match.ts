/**
 * The matching the atom tests were written against, as a positional call:
 * `matchPositions(fx, fy, tx, ty, tol, box)` is `matchAtoms` (src/atoms/score.ts)
 * with `tolerance: tol` and, given `box`, the image size and `excludeBorder: box.border`.
 */
import { matchAtoms } from "../../src/atoms/score";
export type { MatchResult } from "../../src/atoms/score";

export function matchPositions(fx: ArrayLike<number>, fy: ArrayLike<number>, tx: ArrayLike<number>, ty: ArrayLike<number>, tol: number, box?: { width: number; height: number; border: number }) {
  return matchAtoms({ x: fx, y: fy }, { x: tx, y: ty }, box ? { tolerance: tol, width: box.width, height: box.height, excludeBorder: box.border } : { tolerance: tol });
}
