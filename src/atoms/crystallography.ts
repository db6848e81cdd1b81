/**
 * Local crystallography of a perovskite-like (or any 2-D) lattice of
 * columns: per unit cell lattice parameters, tetragonality, rotation, strain
 * relative to a reference region (Peak Pairs-style: the local cell matrix
 * against the mean reference cell; P. L. Galindo et al., Ultramicroscopy 107,
 * 1186, 2007), B-site displacement from the centre of its A-site cage (the
 * polarization proxy of e.g. C. T. Nelson et al., Nano Lett. 11, 828, 2011,
 * and Atomap's `get_polarization_from_second_sublattice`) and column
 * intensities, as a columnar table. x = column, y = row, pixels; physical
 * units (pm) where a length calibration is known.
 */
import { Table, table } from "../table";
import { Calibration } from "../image/image";
import { latticeBasis, latticeIndices, LatticeBasis } from "./lattice";
import { PointGrid } from "./grid";
import { median } from "../core/select";

/** Options of {@link localCrystallography}. */
export interface LocalCrystallographyOptions {
  /** Sublattice label of the A sites forming the cells (default 0, the brightest). */
  aSite?: number;
  /** Sublattice label of the B sites whose displacement is measured (default 1; null for none). */
  bSite?: number | null;
  /** Reference region for strain: a box in pixels, or a predicate on the cell centre. Default: all cells (median cell). */
  reference?: { x0: number; y0: number; x1: number; y1: number } | ((x: number, y: number) => boolean);
  /** Pixel size and unit (overrides the atoms' own calibration, e.g. `atoms.parameters.calibration`). */
  calibration?: Calibration;
  /** Basis vectors to use instead of estimating them from the A sites. */
  basis?: Pick<LatticeBasis, "a1" | "a2">;
}

/** Picometres per unit for the length units we recognise. */
const PM_PER_UNIT: Record<string, number> = { pm: 1, "\u00c5": 100, "\u212b": 100, A: 100, angstrom: 100, nm: 1000, "\u00b5m": 1e6, "\u03bcm": 1e6, um: 1e6, mm: 1e9, m: 1e12 };

type AtomsInput = Table | Record<string, ArrayLike<number>>;

function col(atoms: AtomsInput, name: string, required: boolean): ArrayLike<number> | undefined {
  if (atoms instanceof Table) {
    if (!atoms.has(name)) { if (required) throw new RangeError(`localCrystallography(atoms): no column "${name}" (columns: ${atoms.columnNames.join(", ")})`); return undefined; }
    return atoms.numeric(name);
  }
  const c = atoms[name];
  if (!c) { if (required) throw new RangeError(`localCrystallography(atoms): no column "${name}" (columns: ${Object.keys(atoms).join(", ")})`); return undefined; }
  return c;
}

/**
 * Basis of the lattice formed by the `aSite` columns, or an error saying what
 * is supported when they do not form one: a honeycomb (graphene, h-BN, MoS2
 * along c) or dumbbell lattice has two columns per cell, and its columns
 * taken together have neighbours at ±a1 only half of the time.
 */
function bravaisBasis(ax: number[], ay: number[], aSite: number): Pick<LatticeBasis, "a1" | "a2"> {
  const b = latticeBasis(ax, ay);
  if (b.support[0] < 0.6 || b.support[1] < 0.6) {
    throw new RangeError(`localCrystallography: the ${ax.length} columns on sublattice ${aSite} (options.aSite) do not form a Bravais lattice (a neighbour at +a1 for ${(100 * b.support[0]).toFixed(0)} %, at +a2 for ${(100 * b.support[1]).toFixed(0)} % of them). Cells need one lattice of corners: square, rectangular, oblique and hexagonal/triangular lattices are supported as they are; a honeycomb (graphene, h-BN) or dumbbell lattice has two columns per cell, so split them first, findAtoms(image, { sublattices: 2 }) (geometric split), and the cells are then formed by sublattice 0 with sublattice 1 measured inside them (its ideal site, e.g. (⅓, ⅓) of a honeycomb cell, is found from the data)`);
  }
  return b;
}

/**
 * Fractions (fu, fv) of the cell at which the B columns sit: the circular
 * mean, over B columns, of their cell fractions relative to the nearest A
 * column, snapped to the nearest twelfth when within 0.02 (the special sites
 * ½, ⅓, ⅔, ¼ of the common lattices; so a perovskite's B site is exactly
 * the cage centre, the mean of the four corners).
 */
function siteFraction(ax: number[], ay: number[], bx: number[], by: number[], basis: Pick<LatticeBasis, "a1" | "a2">): [number, number] {
  const { a1, a2 } = basis, det = a1[0] * a2[1] - a1[1] * a2[0];
  const grid = new PointGrid(ax, ay);
  let cu = 0, su = 0, cv = 0, sv = 0;
  for (let k = 0; k < bx.length; k++) {
    const r = grid.nearest(bx[k], by[k], 1);
    if (!r.index.length) continue;
    const dx = bx[k] - ax[r.index[0]], dy = by[k] - ay[r.index[0]];
    const u = (dx * a2[1] - dy * a2[0]) / det, v = (a1[0] * dy - a1[1] * dx) / det;
    cu += Math.cos(2 * Math.PI * u); su += Math.sin(2 * Math.PI * u); cv += Math.cos(2 * Math.PI * v); sv += Math.sin(2 * Math.PI * v);
  }
  const frac = (c: number, s: number) => {
    const f = ((Math.atan2(s, c) / (2 * Math.PI)) % 1 + 1) % 1;
    const q = Math.round(12 * f) / 12;
    return Math.abs(f - q) < 0.02 ? q % 1 : f;
  };
  return [frac(cu, su), frac(cv, sv)];
}

/**
 * Per-cell descriptors from found columns (e.g. the output of `findAtoms`
 * with `sublattices: 2`). A cell is the parallelogram of four A-site columns
 * (i, j), (i+1, j), (i, j+1), (i+1, j+1); its B site is the B column nearest
 * the cell's ideal B site (within 0.35 × the shorter cell edge): the cage
 * centre (mean of the 4 corners) in a perovskite; in general the point at the
 * fractions (fu, fv) of the cell where the B columns sit on average
 * (`siteFraction`: (⅓, ⅓) or (⅔, ⅔) in a honeycomb), bilinear in the four
 * corners. Supported: any lattice whose A columns form a Bravais lattice
 * (square, rectangular, oblique, hexagonal/triangular); a honeycomb or
 * dumbbell lattice once split into its two sublattices (`findAtoms` with
 * `sublattices: 2`). Otherwise, or when no complete cell exists, an error
 * says why (never an empty table).
 *
 * Columns of the returned table:
 * `i`, `j` (lattice indices), `x`, `y` (cell centre = mean of the 4 A sites, px),
 * `a`, `b` (cell edge lengths along a1 and a2, mean of the two parallel edges, px),
 * `gamma` (angle between the edges, degrees), `tetragonality` (b / a),
 * `rotation` (angle of the local a-edge minus that of the reference cell, degrees, positive from +x towards +y),
 * `exx`, `eyy`, `exy` (infinitesimal strain ε = ½(F + Fᵀ) − I with F = M·M_ref⁻¹, M = [a-edge b-edge]),
 * `omega` (lattice rotation ½(F₂₁ − F₁₂), degrees),
 * `bx`, `by` (B position, px), `dx`, `dy` (B − its ideal site: the cage centre in a perovskite, px), `displacement` (|d|, px), `angle` (direction of d, degrees),
 * `intensityA` (mean of the 4 corners), `intensityB`, `reference` (1 for reference cells),
 * and, when the calibration's unit is a length, `aPm`, `bPm`, `dxPm`, `dyPm`, `displacementPm` (picometres).
 * B columns are NaN where a cell has no B site (or `bSite` is null).
 */
export function localCrystallography(atoms: AtomsInput, options: LocalCrystallographyOptions = {}): Table {
  if (!atoms || typeof atoms !== "object") throw new TypeError("localCrystallography(atoms): atoms must be a Table (findAtoms output) or an object of columns x, y, sublattice");
  const X = col(atoms, "x", true)!, Y = col(atoms, "y", true)!;
  const S = col(atoms, "sublattice", false) ?? new Int32Array(X.length);
  const INT = col(atoms, "intensity", false);
  const aSite = options.aSite ?? 0;
  const bSite = options.bSite === undefined ? 1 : options.bSite;
  const ai: number[] = [], bi: number[] = [];
  for (let k = 0; k < X.length; k++) { if (S[k] === aSite) ai.push(k); else if (bSite !== null && S[k] === bSite) bi.push(k); }
  if (ai.length < 4) throw new RangeError(`localCrystallography: only ${ai.length} columns on sublattice ${aSite} (options.aSite); at least 4 are needed to form a cell`);
  const ax = ai.map((k) => X[k]), ay = ai.map((k) => Y[k]);
  const basis = options.basis ?? bravaisBasis(ax, ay, aSite);
  const idx = latticeIndices(ax, ay, basis);
  const at = new Map<string, number>();
  for (let k = 0; k < ai.length; k++) if (idx.assigned[k]) at.set(`${idx.i[k]},${idx.j[k]}`, k);
  const bGrid = bi.length ? new PointGrid(bi.map((k) => X[k]), bi.map((k) => Y[k])) : null;
  // Ideal B site as fractions (fu, fv) of the cell: (½, ½) in a perovskite, (⅓, ⅓) or (⅔, ⅔) in a honeycomb.
  const [fu, fv] = bGrid ? siteFraction(ax, ay, bi.map((k) => X[k]), bi.map((k) => Y[k]), basis) : [0.5, 0.5];
  const cal = options.calibration ?? (atoms as { parameters?: { calibration?: Calibration } }).parameters?.calibration;
  const pmPer = cal ? PM_PER_UNIT[cal.unit.trim()] : undefined;
  const pxPm = cal && pmPer ? cal.pixelSize * pmPer : undefined;

  const rows: Record<string, number[]> = {};
  const names = ["i", "j", "x", "y", "a", "b", "gamma", "tetragonality", "rotation", "exx", "eyy", "exy", "omega", "bx", "by", "dx", "dy", "displacement", "angle", "intensityA", "intensityB", "reference"];
  for (const nme of names) rows[nme] = [];
  const mats: Array<[number, number, number, number]> = [];
  for (const [key, k00] of at) {
    const [i, j] = key.split(",").map(Number);
    const k10 = at.get(`${i + 1},${j}`), k01 = at.get(`${i},${j + 1}`), k11 = at.get(`${i + 1},${j + 1}`);
    if (k10 === undefined || k01 === undefined || k11 === undefined) continue;
    const c = [k00, k10, k01, k11];
    const cx = c.reduce((s, k) => s + ax[k], 0) / 4, cy = c.reduce((s, k) => s + ay[k], 0) / 4;
    const ux = 0.5 * (ax[k10] - ax[k00] + ax[k11] - ax[k01]), uy = 0.5 * (ay[k10] - ay[k00] + ay[k11] - ay[k01]);
    const vx = 0.5 * (ax[k01] - ax[k00] + ax[k11] - ax[k10]), vy = 0.5 * (ay[k01] - ay[k00] + ay[k11] - ay[k10]);
    const la = Math.hypot(ux, uy), lb = Math.hypot(vx, vy);
    rows.i.push(i); rows.j.push(j); rows.x.push(cx); rows.y.push(cy);
    rows.a.push(la); rows.b.push(lb);
    rows.gamma.push((Math.acos(Math.max(-1, Math.min(1, (ux * vx + uy * vy) / (la * lb)))) * 180) / Math.PI);
    rows.tetragonality.push(lb / la);
    mats.push([ux, vx, uy, vy]);
    // The B site's ideal position: bilinear in the four corners (their mean, the cage centre, at (½, ½)).
    const wgt = [(1 - fu) * (1 - fv), fu * (1 - fv), (1 - fu) * fv, fu * fv];
    const sx = c.reduce((t, k, q) => t + wgt[q] * ax[k], 0), sy = c.reduce((t, k, q) => t + wgt[q] * ay[k], 0);
    let bx = NaN, by = NaN, ib = NaN;
    if (bGrid) {
      const r = bGrid.nearest(sx, sy, 1, -1, 0.35 * Math.min(la, lb));
      if (r.index.length) { const kb = bi[r.index[0]]; bx = X[kb]; by = Y[kb]; ib = INT ? INT[kb] : NaN; }
    }
    rows.bx.push(bx); rows.by.push(by);
    rows.dx.push(bx - sx); rows.dy.push(by - sy);
    rows.displacement.push(Math.hypot(bx - sx, by - sy));
    rows.angle.push((Math.atan2(by - sy, bx - sx) * 180) / Math.PI);
    rows.intensityA.push(INT ? c.reduce((s, k) => s + INT[ai[k]], 0) / 4 : NaN);
    rows.intensityB.push(ib);
    const ref = options.reference;
    const isRef = !ref ? true : typeof ref === "function" ? ref(cx, cy) : cx >= ref.x0 && cx <= ref.x1 && cy >= ref.y0 && cy <= ref.y1;
    rows.reference.push(isRef ? 1 : 0);
  }
  const nCells = rows.x.length;
  if (!nCells) throw new RangeError(`localCrystallography: no complete cell: of the ${ai.length} columns on sublattice ${aSite}, ${idx.assigned.reduce((t, v) => t + v, 0)} were reached walking the basis a1 = (${basis.a1.map((v) => v.toFixed(2)).join(", ")}), a2 = (${basis.a2.map((v) => v.toFixed(2)).join(", ")}) px, and no four of them form a cell (i, j)…(i+1, j+1); pass options.basis, or check the sublattice labels`);
  // Reference cell: component-wise median over the reference cells.
  const refIdx = mats.map((_, k) => k).filter((k) => rows.reference[k] === 1);
  if (nCells && !refIdx.length) throw new RangeError("localCrystallography: options.reference contains no complete cell");
  const R = [0, 1, 2, 3].map((c) => median(refIdx.map((k) => mats[k][c])));
  const det = R[0] * R[3] - R[1] * R[2];
  const inv = [R[3] / det, -R[1] / det, -R[2] / det, R[0] / det];
  const refAngle = Math.atan2(R[2], R[0]);
  for (let k = 0; k < nCells; k++) {
    const M = mats[k];
    // F = M · R⁻¹ (2×2, row-major [F11 F12; F21 F22]).
    const F11 = M[0] * inv[0] + M[1] * inv[2], F12 = M[0] * inv[1] + M[1] * inv[3];
    const F21 = M[2] * inv[0] + M[3] * inv[2], F22 = M[2] * inv[1] + M[3] * inv[3];
    rows.exx.push(F11 - 1); rows.eyy.push(F22 - 1); rows.exy.push(0.5 * (F12 + F21));
    rows.omega.push((0.5 * (F21 - F12) * 180) / Math.PI);
    let rot = Math.atan2(M[2], M[0]) - refAngle;
    rot = Math.atan2(Math.sin(rot), Math.cos(rot));
    rows.rotation.push((rot * 180) / Math.PI);
  }
  const cols: Record<string, Float64Array | Int32Array | Uint8Array> = {};
  for (const nme of names) cols[nme] = nme === "i" || nme === "j" ? Int32Array.from(rows[nme]) : nme === "reference" ? Uint8Array.from(rows[nme]) : Float64Array.from(rows[nme]);
  if (pxPm) {
    cols.aPm = Float64Array.from(rows.a, (v) => v * pxPm);
    cols.bPm = Float64Array.from(rows.b, (v) => v * pxPm);
    cols.dxPm = Float64Array.from(rows.dx, (v) => v * pxPm);
    cols.dyPm = Float64Array.from(rows.dy, (v) => v * pxPm);
    cols.displacementPm = Float64Array.from(rows.displacement, (v) => v * pxPm);
  }
  return table(cols);
}
