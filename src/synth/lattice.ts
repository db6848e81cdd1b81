/**
 * Placement of atomic columns on a 2-D Bravais lattice with a basis, shared by
 * every lattice generator (`synth.square`, `synth.perovskite`,
 * `synth.hexagonal`, `synth.dumbbell`): the lattice points covering the image,
 * per-site displacement fields, drift, dopants and vacancies, and the ground
 * truth (columns present, vacant sites). Rendering and noise are
 * `renderColumns` (columns.ts). x = column, y = row, pixels.
 */
import { Image } from "../image/image";
import { rng } from "../core/random";
import { ImagingOptions, ColumnSpec, renderColumns, drifted, checkPositive, checkFraction } from "./columns";

/** A displacement field: constant [dx, dy] pixels, or a function of the undisplaced position (pixels). */
export type DisplacementField = [number, number] | ((x: number, y: number) => [number, number]);

/** Lattice sites (present or vacant) of a synthetic image, one entry per site inside the image. */
export interface TrueSites {
  /** Position x (image column), pixels, with drift applied (scan jitter is not). */
  x: Float64Array;
  /** Position y (image row), pixels. */
  y: Float64Array;
  /** Site of the basis: 0 = A, 1 = B, 2 = O (perovskite); 0/1 = the two honeycomb sites (hexagonal) or the two columns of a dumbbell; 0 (square, triangular). */
  sublattice: Int32Array;
  /** Lattice indices (i along the first basis vector, j along the second) of the cell the site belongs to. */
  i: Int32Array;
  j: Int32Array;
}

/** Ground truth of the columns present in a synthetic lattice image, one entry per column inside the image. */
export interface TrueAtoms extends TrueSites {
  /** Integrated intensity relative to an intensity-1 column, dopants included. */
  intensity: Float64Array;
  /** Column class: 0 = host, 1 = dopant (vacant sites are listed in `SyntheticLattice.vacancies`). */
  dopant: Uint8Array;
}

/** What the lattice generators return. */
export interface SyntheticLattice {
  image: Image;
  atoms: TrueAtoms;
  /** Vacant sites inside the image (the columns `vacancies` removed), e.g. to train a vacancy-site class. */
  vacancies: TrueSites;
  /** Column width σ (pixels), background per pixel (counts) and dose (counts per intensity-1 column) used. */
  sigma: number;
  background: number;
  dose: number;
  /** Basis vectors of the lattice in pixels (rotated, without drift). */
  basis: [[number, number], [number, number]];
}

/** Options every lattice generator takes besides the imaging options. */
export interface LatticeOptions extends ImagingOptions {
  /** Lattice rotation, degrees counter-clockwise in the displayed image (y down), default 0. */
  rotation?: number;
  /** Position of one lattice point (a sublattice-0 column), pixels (default [a/2, a/2] with a the lattice constant). */
  origin?: [number, number];
  /** Vacancies: a fraction of the eligible columns is removed (listed in the result's `vacancies`). */
  vacancies?: { fraction: number };
  /** Dopants: a fraction of the eligible columns get intensity × `intensity` (default 1.5). */
  dopants?: { fraction: number; intensity?: number };
}

/** One site of the basis. */
export interface BasisSite {
  /** Position in the cell, fractional coordinates along the two basis vectors. */
  frac: [number, number];
  sublattice: number;
  intensity: number;
  /** Displacement of this site as a function of its ideal position, and the option name to report in errors. */
  displacement?: { field: DisplacementField; option: string };
  /** Whether this site can be removed by `vacancies` / changed by `dopants` (default true). */
  vacancy?: boolean;
  dopant?: boolean;
}

/** Evaluate a displacement field at (x, y); `option` names it in the error for a bad value. */
export function fieldAt(field: DisplacementField | undefined, x: number, y: number, fn: string, option = "polarization"): [number, number] {
  if (!field) return [0, 0];
  const v = typeof field === "function" ? field(x, y) : field;
  if (!Array.isArray(v) || v.length !== 2 || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) {
    throw new TypeError(`${fn}: options.${option} must be [dx, dy] or a function returning [dx, dy] (finite pixels), got ${JSON.stringify(v)} at (${x.toFixed(1)}, ${y.toFixed(1)})`);
  }
  return v;
}

/** Rotate a vector by `degrees` counter-clockwise as displayed (y down). */
export function rotate(v: [number, number], degrees: number): [number, number] {
  const t = (degrees * Math.PI) / 180, c = Math.cos(t), s = Math.sin(t);
  return [v[0] * c + v[1] * s, -v[0] * s + v[1] * c];
}

/** Check a lattice constant (pixels, ≥ 4). */
export function checkLatticeConstant(fn: string, a: number, name = "latticeConstant"): void {
  checkPositive(fn, name, a);
  if (a < 4) throw new RangeError(`${fn}: options.${name} must be at least 4 pixels, got ${a}`);
}

/** Range of lattice indices (i, j) whose points cover a w × h image, with a margin of 2 cells. */
export function indexRange(basis: [[number, number], [number, number]], origin: [number, number], w: number, h: number): [number, number, number, number] {
  const [a1, a2] = basis;
  const det = a1[0] * a2[1] - a1[1] * a2[0];
  let imin = Infinity, imax = -Infinity, jmin = Infinity, jmax = -Infinity;
  for (const [x, y] of [[0, 0], [w, 0], [0, h], [w, h]]) {
    const dx = x - origin[0], dy = y - origin[1];
    const fi = (dx * a2[1] - dy * a2[0]) / det, fj = (a1[0] * dy - a1[1] * dx) / det;
    imin = Math.min(imin, fi); imax = Math.max(imax, fi); jmin = Math.min(jmin, fj); jmax = Math.max(jmax, fj);
  }
  return [Math.floor(imin) - 2, Math.ceil(imax) + 2, Math.floor(jmin) - 2, Math.ceil(jmax) + 2];
}

/**
 * Place the basis on every lattice point covering the image, apply
 * displacements, drift, vacancies and dopants (random draws in the order
 * j, i, site: a vacancy draw then a dopant draw per eligible site), render
 * with `renderColumns` and return the image with its ground truth.
 * Cost: O(sites) placement plus O(sites · σ²) rendering.
 */
export function renderLattice(fn: string, basis: [[number, number], [number, number]], sites: BasisSite[], options: LatticeOptions, origin: [number, number], sigma: number): SyntheticLattice {
  const w = options.width ?? 256, h = options.height ?? 256;
  const drift = options.drift ?? [0, 0];
  const dop = options.dopants, vac = options.vacancies;
  checkFraction(fn, "dopants", dop);
  checkFraction(fn, "vacancies", vac);
  const r = rng(options.seed ?? 0);
  const [a1, a2] = basis;
  const [imin, imax, jmin, jmax] = indexRange(basis, origin, w, h);
  const inside = (p: [number, number]) => p[0] >= 0 && p[0] <= w - 1 && p[1] >= 0 && p[1] <= h - 1;
  const cols: ColumnSpec[] = [];
  const A = { x: [] as number[], y: [] as number[], s: [] as number[], i: [] as number[], j: [] as number[], v: [] as number[], d: [] as number[] };
  const V = { x: [] as number[], y: [] as number[], s: [] as number[], i: [] as number[], j: [] as number[] };
  for (let j = jmin; j <= jmax; j++) {
    for (let i = imin; i <= imax; i++) {
      for (const site of sites) {
        const fi = i + site.frac[0], fj = j + site.frac[1];
        const x0 = origin[0] + fi * a1[0] + fj * a2[0], y0 = origin[1] + fi * a1[1] + fj * a2[1];
        const [ux, uy] = site.displacement ? fieldAt(site.displacement.field, x0, y0, fn, site.displacement.option) : [0, 0];
        const p = drifted(x0 + ux, y0 + uy, drift);
        if (vac && vac.fraction > 0 && site.vacancy !== false && r.uniform() < vac.fraction) {
          if (inside(p)) { V.x.push(p[0]); V.y.push(p[1]); V.s.push(site.sublattice); V.i.push(i); V.j.push(j); }
          continue;
        }
        let v = site.intensity, isDop = 0;
        if (dop && dop.fraction > 0 && site.dopant !== false && r.uniform() < dop.fraction) { v *= dop.intensity ?? 1.5; isDop = 1; }
        cols.push({ x: p[0], y: p[1], intensity: v });
        if (!inside(p)) continue;
        A.x.push(p[0]); A.y.push(p[1]); A.s.push(site.sublattice); A.v.push(v); A.d.push(isDop); A.i.push(i); A.j.push(j);
      }
    }
  }
  const { image, background, dose } = renderColumns(fn, cols, options, sigma, r);
  return {
    image,
    atoms: { x: Float64Array.from(A.x), y: Float64Array.from(A.y), sublattice: Int32Array.from(A.s), intensity: Float64Array.from(A.v), dopant: Uint8Array.from(A.d), i: Int32Array.from(A.i), j: Int32Array.from(A.j) },
    vacancies: { x: Float64Array.from(V.x), y: Float64Array.from(V.y), sublattice: Int32Array.from(V.s), i: Int32Array.from(V.i), j: Int32Array.from(V.j) },
    sigma, background, dose,
    basis: [a1, a2],
  };
}
