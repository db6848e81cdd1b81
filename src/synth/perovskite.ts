/**
 * Synthetic [001] HAADF-STEM image of an ABO3 perovskite with exact ground
 * truth: A-site columns on the corners of a (possibly tetragonal, rotated)
 * square lattice, B-site (B–O) columns at the cell centres displaced by a
 * chosen polarization field, optional pure-oxygen columns at the edge
 * centres, dopants (intensity changes), vacancies, probe blur, scan jitter and
 * drift, and Poisson shot noise at a chosen dose (see `columns.ts` for the
 * image model). x = column, y = row, pixels.
 */
import { Image } from "../image/image";
import { rng } from "../core/random";
import { ImagingOptions, ColumnSpec, renderColumns, drifted, checkPositive, checkFraction } from "./columns";

/** A B-site displacement field: constant [dx, dy] pixels, or a function of the undisplaced B position (pixels). */
export type DisplacementField = [number, number] | ((x: number, y: number) => [number, number]);

/** Options of {@link perovskite}. */
export interface PerovskiteOptions extends ImagingOptions {
  /** In-plane lattice parameter a along x, pixels (default 16). */
  latticeConstant?: number;
  /** c/a: the lattice parameter along y is a·tetragonality (default 1). */
  tetragonality?: number;
  /** Lattice rotation, degrees counter-clockwise in the displayed image (y down), default 0. */
  rotation?: number;
  /** Position of one A-site column, pixels (default [a/2, a/2]). */
  origin?: [number, number];
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

/** Ground truth of a synthetic lattice image, one entry per column actually present. */
export interface TrueAtoms {
  /** Column position x (image column), pixels, with drift applied (scan jitter is not). */
  x: Float64Array;
  /** Column position y (image row), pixels. */
  y: Float64Array;
  /** 0 = A site, 1 = B site, 2 = oxygen (perovskite); 0/1 = the two honeycomb sites (hexagonal). */
  sublattice: Int32Array;
  /** Integrated intensity relative to an A column (1), dopants included. */
  intensity: Float64Array;
  /** 1 for a dopant column. */
  dopant: Uint8Array;
  /** Lattice indices (i along a, j along the second basis vector) of the cell the column belongs to. */
  i: Int32Array;
  j: Int32Array;
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

/** What the generators return. */
export interface SyntheticLattice {
  image: Image;
  atoms: TrueAtoms;
  /** Column width σ (pixels), background per pixel (counts) and dose (counts per intensity-1 column) used. */
  sigma: number;
  background: number;
  dose: number;
  /** Basis vectors of the lattice in pixels (after rotation and drift-free). */
  basis: [[number, number], [number, number]];
}

export interface SyntheticPerovskite extends SyntheticLattice {
  cells: TrueCells;
}

export function fieldAt(field: DisplacementField | undefined, x: number, y: number, fn: string): [number, number] {
  if (!field) return [0, 0];
  const v = typeof field === "function" ? field(x, y) : field;
  if (!Array.isArray(v) || v.length !== 2 || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) {
    throw new TypeError(`${fn}: options.polarization must be [dx, dy] or a function returning [dx, dy] (finite pixels), got ${JSON.stringify(v)} at (${x.toFixed(1)}, ${y.toFixed(1)})`);
  }
  return v;
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
  checkPositive(fn, "latticeConstant", a);
  const tet = options.tetragonality ?? 1;
  checkPositive(fn, "tetragonality", tet);
  if (a < 4) throw new RangeError(`${fn}: options.latticeConstant must be at least 4 pixels, got ${a}`);
  const w = options.width ?? 256, h = options.height ?? 256;
  const sigma = options.sigma ?? 0.12 * a;
  const iA = options.intensityA ?? 1, iB = options.intensityB ?? 0.45, iO = options.intensityO ?? 0;
  for (const [k, v] of [["intensityA", iA], ["intensityB", iB], ["intensityO", iO]] as const) checkPositive(fn, k, v, true);
  const th = ((options.rotation ?? 0) * Math.PI) / 180;
  const c = a * tet;
  const a1: [number, number] = [a * Math.cos(th), -a * Math.sin(th)];
  const a2: [number, number] = [c * Math.sin(th), c * Math.cos(th)];
  const origin = options.origin ?? [a / 2, a / 2];
  const drift = options.drift ?? [0, 0];
  const r = rng(options.seed ?? 0);
  const dop = options.dopants, vac = options.vacancies;
  checkFraction(fn, "dopants", dop);
  checkFraction(fn, "vacancies", vac);

  // Range of lattice indices covering the image.
  const det = a1[0] * a2[1] - a1[1] * a2[0];
  const toIdx = (x: number, y: number): [number, number] => {
    const dx = x - origin[0], dy = y - origin[1];
    return [(dx * a2[1] - dy * a2[0]) / det, (a1[0] * dy - a1[1] * dx) / det];
  };
  let imin = Infinity, imax = -Infinity, jmin = Infinity, jmax = -Infinity;
  for (const [x, y] of [[0, 0], [w, 0], [0, h], [w, h]]) {
    const [fi, fj] = toIdx(x, y);
    imin = Math.min(imin, fi); imax = Math.max(imax, fi); jmin = Math.min(jmin, fj); jmax = Math.max(jmax, fj);
  }
  imin = Math.floor(imin) - 2; imax = Math.ceil(imax) + 2; jmin = Math.floor(jmin) - 2; jmax = Math.ceil(jmax) + 2;
  const at = (fi: number, fj: number): [number, number] => [origin[0] + fi * a1[0] + fj * a2[0], origin[1] + fi * a1[1] + fj * a2[1]];
  // drift: positions at row y move by drift*y.
  const dpos = (p: [number, number]): [number, number] => drifted(p[0], p[1], drift);
  const inside = (p: [number, number]) => p[0] >= 0 && p[0] <= w - 1 && p[1] >= 0 && p[1] <= h - 1;

  const X: number[] = [], Y: number[] = [], S: number[] = [], I: number[] = [], D: number[] = [], II: number[] = [], JJ: number[] = [];
  const cols: ColumnSpec[] = [];
  const cI: number[] = [], cJ: number[] = [], cX: number[] = [], cY: number[] = [], cDX: number[] = [], cDY: number[] = [];
  const push = (p: [number, number], s: number, inten: number, i: number, j: number) => {
    let v = inten, isDop = 0;
    const site = s === 0 ? "A" : s === 1 ? "B" : "O";
    if (vac && vac.fraction > 0 && s < 2 && ((vac.sublattice ?? "both") === "both" || vac.sublattice === site) && r.uniform() < vac.fraction) return;
    if (dop && dop.fraction > 0 && s < 2 && (dop.sublattice ?? "A") === site && r.uniform() < dop.fraction) { v *= dop.intensity ?? 1.5; isDop = 1; }
    cols.push({ x: p[0], y: p[1], intensity: v });
    if (!inside(p)) return;
    X.push(p[0]); Y.push(p[1]); S.push(s); I.push(v); D.push(isDop); II.push(i); JJ.push(j);
  };
  for (let j = jmin; j <= jmax; j++) {
    for (let i = imin; i <= imax; i++) {
      const pa = dpos(at(i, j));
      push(pa, 0, iA, i, j);
      const b0 = at(i + 0.5, j + 0.5);
      const [px, py] = fieldAt(options.polarization, b0[0], b0[1], fn);
      const pb = dpos([b0[0] + px, b0[1] + py]);
      push(pb, 1, iB, i, j);
      if (iO > 0) {
        push(dpos(at(i + 0.5, j)), 2, iO, i, j);
        push(dpos(at(i, j + 0.5)), 2, iO, i, j);
      }
      if (inside(pb)) {
        const corners = [at(i, j), at(i + 1, j), at(i, j + 1), at(i + 1, j + 1)].map(dpos);
        const mx = corners.reduce((s, q) => s + q[0], 0) / 4, my = corners.reduce((s, q) => s + q[1], 0) / 4;
        cI.push(i); cJ.push(j); cX.push(pb[0]); cY.push(pb[1]); cDX.push(pb[0] - mx); cDY.push(pb[1] - my);
      }
    }
  }
  const { image, background, dose } = renderColumns(fn, cols, options, sigma, r);
  return {
    image,
    atoms: { x: Float64Array.from(X), y: Float64Array.from(Y), sublattice: Int32Array.from(S), intensity: Float64Array.from(I), dopant: Uint8Array.from(D), i: Int32Array.from(II), j: Int32Array.from(JJ) },
    cells: { i: Int32Array.from(cI), j: Int32Array.from(cJ), x: Float64Array.from(cX), y: Float64Array.from(cY), dx: Float64Array.from(cDX), dy: Float64Array.from(cDY) },
    sigma, background, dose,
    basis: [a1, a2],
  };
}
