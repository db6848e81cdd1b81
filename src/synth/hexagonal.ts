/**
 * Synthetic image of a 2-D hexagonal lattice (triangular, or honeycomb with
 * two sublattices such as graphene, h-BN or MoS2 seen along c) with exact
 * ground truth, using the same image model and noise options as
 * `synth.perovskite` (see `columns.ts`). x = column, y = row, pixels.
 */
import { rng } from "../core/random";
import { ImagingOptions, ColumnSpec, renderColumns, drifted, checkPositive, checkFraction } from "./columns";
import { SyntheticLattice, DisplacementField, fieldAt } from "./perovskite";

/** Options of {@link hexagonal}. */
export interface HexagonalOptions extends ImagingOptions {
  /** Distance between nearest same-sublattice columns (the hexagonal a), pixels (default 16). */
  latticeConstant?: number;
  /** "honeycomb" (two sites per cell, default) or "triangular" (one). */
  lattice?: "honeycomb" | "triangular";
  /** Lattice rotation in degrees (default 0). */
  rotation?: number;
  /** Position of one sublattice-0 column, pixels (default [a/2, a/2]). */
  origin?: [number, number];
  /** Integrated intensities of the two sublattices (defaults 1 and 1). */
  intensityA?: number;
  intensityB?: number;
  /** Displacement of every column as a function of its ideal position, pixels (e.g. a strain field). */
  displacement?: DisplacementField;
  /** Dopants: a fraction of all columns get intensity × `intensity` (default 1.5). */
  dopants?: { fraction: number; intensity?: number };
  /** Vacancies: a fraction of all columns is removed. */
  vacancies?: { fraction: number };
}

/**
 * Synthetic hexagonal lattice with true positions.
 * ```ts
 * const { image, atoms } = synth.hexagonal({ latticeConstant: 12, intensityB: 0.7, dose: 2000, seed: 3 });
 * ```
 */
export function hexagonal(options: HexagonalOptions = {}): SyntheticLattice {
  const fn = "synth.hexagonal";
  const a = options.latticeConstant ?? 16;
  checkPositive(fn, "latticeConstant", a);
  if (a < 4) throw new RangeError(`${fn}: options.latticeConstant must be at least 4 pixels, got ${a}`);
  const kind = options.lattice ?? "honeycomb";
  if (kind !== "honeycomb" && kind !== "triangular") throw new RangeError(`${fn}: options.lattice must be "honeycomb" or "triangular", got ${String(kind)}`);
  const nn = kind === "honeycomb" ? a / Math.sqrt(3) : a;
  const sigma = options.sigma ?? 0.12 * nn * (kind === "honeycomb" ? 1.6 : 1);
  const iA = options.intensityA ?? 1, iB = options.intensityB ?? 1;
  checkPositive(fn, "intensityA", iA, true); checkPositive(fn, "intensityB", iB, true);
  const th = ((options.rotation ?? 0) * Math.PI) / 180;
  const rot = (v: [number, number]): [number, number] => [v[0] * Math.cos(th) + v[1] * Math.sin(th), -v[0] * Math.sin(th) + v[1] * Math.cos(th)];
  const a1 = rot([a, 0]), a2 = rot([a / 2, (a * Math.sqrt(3)) / 2]);
  const w = options.width ?? 256, h = options.height ?? 256;
  const origin = options.origin ?? [a / 2, a / 2];
  const drift = options.drift ?? [0, 0];
  const r = rng(options.seed ?? 0);
  const dop = options.dopants, vac = options.vacancies;
  checkFraction(fn, "dopants", dop);
  checkFraction(fn, "vacancies", vac);
  const det = a1[0] * a2[1] - a1[1] * a2[0];
  let imin = Infinity, imax = -Infinity, jmin = Infinity, jmax = -Infinity;
  for (const [x, y] of [[0, 0], [w, 0], [0, h], [w, h]]) {
    const dx = x - origin[0], dy = y - origin[1];
    const fi = (dx * a2[1] - dy * a2[0]) / det, fj = (a1[0] * dy - a1[1] * dx) / det;
    imin = Math.min(imin, fi); imax = Math.max(imax, fi); jmin = Math.min(jmin, fj); jmax = Math.max(jmax, fj);
  }
  imin = Math.floor(imin) - 2; imax = Math.ceil(imax) + 2; jmin = Math.floor(jmin) - 2; jmax = Math.ceil(jmax) + 2;
  const sites: Array<[number, number, number]> = kind === "honeycomb" ? [[0, 0, iA], [1 / 3, 1 / 3, iB]] : [[0, 0, iA]];
  const X: number[] = [], Y: number[] = [], S: number[] = [], I: number[] = [], D: number[] = [], II: number[] = [], JJ: number[] = [];
  const cols: ColumnSpec[] = [];
  for (let j = jmin; j <= jmax; j++) {
    for (let i = imin; i <= imax; i++) {
      sites.forEach(([fi, fj, inten], s) => {
        const x0 = origin[0] + (i + fi) * a1[0] + (j + fj) * a2[0];
        const y0 = origin[1] + (i + fi) * a1[1] + (j + fj) * a2[1];
        const [ux, uy] = fieldAt(options.displacement, x0, y0, fn);
        const p = drifted(x0 + ux, y0 + uy, drift);
        if (vac && vac.fraction > 0 && r.uniform() < vac.fraction) return;
        let v = inten, isDop = 0;
        if (dop && dop.fraction > 0 && r.uniform() < dop.fraction) { v *= dop.intensity ?? 1.5; isDop = 1; }
        cols.push({ x: p[0], y: p[1], intensity: v });
        if (p[0] < 0 || p[0] > w - 1 || p[1] < 0 || p[1] > h - 1) return;
        X.push(p[0]); Y.push(p[1]); S.push(s); I.push(v); D.push(isDop); II.push(i); JJ.push(j);
      });
    }
  }
  const { image, background, dose } = renderColumns(fn, cols, options, sigma, r);
  return {
    image,
    atoms: { x: Float64Array.from(X), y: Float64Array.from(Y), sublattice: Int32Array.from(S), intensity: Float64Array.from(I), dopant: Uint8Array.from(D), i: Int32Array.from(II), j: Int32Array.from(JJ) },
    sigma, background, dose,
    basis: [a1, a2],
  };
}
