/**
 * Synthetic [001] HAADF-STEM image of an ABO3 perovskite with exact ground
 * truth: A-site columns on the corners of a (possibly tetragonal, rotated)
 * square lattice, B-site (B–O) columns at the cell centres displaced by a
 * chosen polarization field, optional pure-oxygen columns at the edge
 * centres, dopants (intensity changes), vacancies, probe blur, scan jitter and
 * drift, and Poisson shot noise at a chosen dose (see `columns.ts` for the
 * image model). x = column, y = row, pixels.
 */
import { checkChoice } from "../core/options";
import { checkPositive, drifted } from "./columns";
import { LatticeOptions, SyntheticLattice, DisplacementField, BasisSite, renderLattice, rotate, fieldAt, indexRange, checkLatticeConstant } from "./lattice";

/** Options of {@link perovskite}. */
export interface PerovskiteOptions extends LatticeOptions {
  /** In-plane lattice parameter a along x, pixels (default 16). */
  latticeConstant?: number;
  /** c/a: the lattice parameter along y is a·tetragonality (default 1). */
  tetragonality?: number;
  /** Integrated intensity of A, B(–O) and pure O columns relative to A (defaults 1, 0.45, 0). */
  intensityA?: number;
  intensityB?: number;
  intensityO?: number;
  /** B-site displacement from the A-cage centre (polarization proxy), pixels (default none). */
  polarization?: DisplacementField;
  /** Dopants: a fraction of the columns on `sublattice` ("A" default, or "B") get intensity × `intensity` (default 1.5). */
  dopants?: { fraction: number; intensity?: number; sublattice?: "A" | "B" };
  /** Vacancies: a fraction of the columns on `sublattice` ("A", "B" or "both", default "both") is removed. */
  vacancies?: { fraction: number; sublattice?: "A" | "B" | "both" };
}

/** Per unit cell truth (perovskite): the B column and its displacement from the A-cage centre. */
export interface TrueCells {
  i: Int32Array;
  j: Int32Array;
  /** B position, pixels. */
  x: Float64Array;
  y: Float64Array;
  /** B position minus the mean of the 4 surrounding A positions, pixels (the displacement the analysis should recover). */
  dx: Float64Array;
  dy: Float64Array;
}

export interface SyntheticPerovskite extends SyntheticLattice {
  cells: TrueCells;
}

/**
 * Synthetic ABO3 perovskite image along [001] with the true column positions.
 *
 * Example: a 180° domain wall at x = 128 with ±1.5 px B-site displacement along y,
 * ```ts
 * const { image, atoms, cells } = synth.perovskite({ width: 256, height: 256, dose: 5000,
 *   polarization: (x) => [0, x < 128 ? 1.5 : -1.5], seed: 1 });
 * ```
 */
export function perovskite(options: PerovskiteOptions = {}): SyntheticPerovskite {
  const fn = "synth.perovskite";
  const a = options.latticeConstant ?? 16;
  checkLatticeConstant(fn, a);
  const tet = options.tetragonality ?? 1;
  checkPositive(fn, "tetragonality", tet);
  const w = options.width ?? 256, h = options.height ?? 256;
  const sigma = options.sigma ?? 0.12 * a;
  const iA = options.intensityA ?? 1, iB = options.intensityB ?? 0.45, iO = options.intensityO ?? 0;
  for (const [k, v] of [["intensityA", iA], ["intensityB", iB], ["intensityO", iO]] as const) checkPositive(fn, k, v, true);
  const rot = options.rotation ?? 0;
  const basis: [[number, number], [number, number]] = [rotate([a, 0], rot), rotate([0, a * tet], rot)];
  const origin = options.origin ?? [a / 2, a / 2];
  const dop = options.dopants, vac = options.vacancies;
  checkChoice(fn, "vacancies.sublattice", vac?.sublattice, ["A", "B", "both"] as const);
  checkChoice(fn, "dopants.sublattice", dop?.sublattice, ["A", "B"] as const);
  const vacOn = (site: "A" | "B") => (vac?.sublattice ?? "both") === "both" || vac?.sublattice === site;
  const dopOn = (site: "A" | "B") => (dop?.sublattice ?? "A") === site;
  const polarization = options.polarization ? { field: options.polarization, option: "polarization" } : undefined;
  const sites: BasisSite[] = [
    { frac: [0, 0], sublattice: 0, intensity: iA, vacancy: vacOn("A"), dopant: dopOn("A") },
    { frac: [0.5, 0.5], sublattice: 1, intensity: iB, displacement: polarization, vacancy: vacOn("B"), dopant: dopOn("B") },
  ];
  if (iO > 0) sites.push({ frac: [0.5, 0], sublattice: 2, intensity: iO, vacancy: false, dopant: false }, { frac: [0, 0.5], sublattice: 2, intensity: iO, vacancy: false, dopant: false });
  const lattice = renderLattice(fn, basis, sites, options, origin, sigma);
  return { ...lattice, cells: trueCells(fn, basis, origin, options, w, h) };
}

/**
 * Per-cell truth: every B site inside the image (present or vacant) and its
 * displacement from the mean of its 4 surrounding A sites (drift applied).
 */
function trueCells(fn: string, basis: [[number, number], [number, number]], origin: [number, number], options: PerovskiteOptions, w: number, h: number): TrueCells {
  const [a1, a2] = basis;
  const drift = options.drift ?? [0, 0];
  const at = (fi: number, fj: number): [number, number] => drifted(origin[0] + fi * a1[0] + fj * a2[0], origin[1] + fi * a1[1] + fj * a2[1], drift);
  const [imin, imax, jmin, jmax] = indexRange(basis, origin, w, h);
  const cI: number[] = [], cJ: number[] = [], cX: number[] = [], cY: number[] = [], cDX: number[] = [], cDY: number[] = [];
  for (let j = jmin; j <= jmax; j++) {
    for (let i = imin; i <= imax; i++) {
      const fi = i + 0.5, fj = j + 0.5;
      const x0 = origin[0] + fi * a1[0] + fj * a2[0], y0 = origin[1] + fi * a1[1] + fj * a2[1];
      const [px, py] = fieldAt(options.polarization, x0, y0, fn, "polarization");
      const pb = drifted(x0 + px, y0 + py, drift);
      if (!(pb[0] >= 0 && pb[0] <= w - 1 && pb[1] >= 0 && pb[1] <= h - 1)) continue;
      const corners = [at(i, j), at(i + 1, j), at(i, j + 1), at(i + 1, j + 1)];
      const mx = corners.reduce((s, q) => s + q[0], 0) / 4, my = corners.reduce((s, q) => s + q[1], 0) / 4;
      cI.push(i); cJ.push(j); cX.push(pb[0]); cY.push(pb[1]); cDX.push(pb[0] - mx); cDY.push(pb[1] - my);
    }
  }
  return { i: Int32Array.from(cI), j: Int32Array.from(cJ), x: Float64Array.from(cX), y: Float64Array.from(cY), dx: Float64Array.from(cDX), dy: Float64Array.from(cDY) };
}
