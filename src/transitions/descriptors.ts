/**
 * Local structural descriptors per atomic column, from one frame's atom table
 * (columns `x`, `y`, optionally `intensity`), and Gaussian-mixture
 * classification of local phases over them (the workflow of A. Maksov et al.,
 * npj Comput. Mater. 5, 12, 2019: descriptors per defect, mixture
 * classification, then transition statistics). x = column, y = row, pixels.
 */
import { Table, table } from "../table";
import { PointGrid } from "../atoms/grid";
import { latticeBasis } from "../atoms/lattice";
import { median } from "../core/select";
import { gmm, GMMResult } from "../core/cluster";

/** Options of {@link localDescriptors}. */
export interface LocalDescriptorOptions {
  /** Nearest-neighbour distance a, pixels (default: the median nearest-neighbour distance of the frame). */
  latticeConstant?: number;
  /** Two lattice vectors (pixels) instead of estimating them from the frame (`latticeBasis`). */
  basis?: { a1: [number, number]; a2: [number, number] };
  /** Bonds are neighbours closer than `bondCutoff` · a (default 1.25). */
  bondCutoff?: number;
  /** Radius for `vacancyCount`, in units of a (default 1.5). */
  vacancyRadius?: number;
  /** Cap of `vacancyDistance`, in units of a (default 10): a frame without vacancies gives the cap, so the column stays a finite feature. */
  maxVacancyDistance?: number;
}

/** Column `name` of `atoms` as finite numbers; throws naming `where`, the column and the first bad row. */
export function numericColumn(atoms: Table, name: string, where: string): Float64Array {
  if (!atoms.has(name)) throw new RangeError(`${where}: no column "${name}" (columns: ${atoms.columnNames.join(", ")})`);
  const c = Float64Array.from(atoms.numeric(name));
  const bad = c.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${where}: column "${name}" row ${bad} is not finite (${c[bad]})`);
  return c;
}

/**
 * Lattice sites with no column: for every column and every short lattice
 * vector v (±a1, ±a2, ±(a1 ± a2) no longer than 1.2 × the longer basis
 * vector), the point column + v when no column lies within 0.35 a of it and
 * it lies inside the columns' bounding box (so the frame's edge is not a row
 * of vacancies); candidates closer than 0.35 a are merged (mean position).
 * O(n) with the bucket grid. Returns the vacancy positions (pixels).
 */
export function findVacancies(x: Float64Array, y: Float64Array, a1: [number, number], a2: [number, number], a: number): { x: Float64Array; y: Float64Array } {
  const grid = new PointGrid(x, y), tol = 0.35 * a;
  const lmax = 1.2 * Math.max(Math.hypot(...a1), Math.hypot(...a2));
  const vecs = [a1, a2, [a1[0] + a2[0], a1[1] + a2[1]], [a1[0] - a2[0], a1[1] - a2[1]]].filter((v) => Math.hypot(v[0], v[1]) <= lmax);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < x.length; i++) { x0 = Math.min(x0, x[i]); x1 = Math.max(x1, x[i]); y0 = Math.min(y0, y[i]); y1 = Math.max(y1, y[i]); }
  const cx: number[] = [], cy: number[] = [], cn: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (const v of vecs) for (const sgn of [1, -1]) {
      const px = x[i] + sgn * v[0], py = y[i] + sgn * v[1];
      if (px < x0 - tol || px > x1 + tol || py < y0 - tol || py > y1 + tol) continue;
      if (grid.within(px, py, tol).length) continue;
      let k = 0;
      for (; k < cx.length; k++) if (Math.hypot(cx[k] / cn[k] - px, cy[k] / cn[k] - py) < tol) break;
      if (k === cx.length) { cx.push(0); cy.push(0); cn.push(0); }
      cx[k] += px; cy[k] += py; cn[k]++;
    }
  }
  return { x: Float64Array.from(cx, (v, k) => v / cn[k]), y: Float64Array.from(cy, (v, k) => v / cn[k]) };
}

/**
 * Per-column local descriptors of one frame. Columns of the returned table
 * (one row per input row, same order):
 * `x`, `y` (px); `neighbors` (columns within `bondCutoff`·a); `bondLength`
 * (mean distance to them, px); `strain` (bondLength / a − 1, the local linear
 * strain against the frame's median spacing); `angleSpread` (RMS deviation,
 * degrees, of the bond directions from the nearest lattice direction ±a1,
 * ±a2, ±(a1 ± a2): 0 in the ideal lattice, grows with shear or a
 * period-doubling distortion; NaN without bonds); `intensity` (copied when
 * the table has it); `vacancyDistance` (px to the nearest vacant lattice
 * site found by {@link findVacancies}, at most `maxVacancyDistance`·a) and
 * `vacancyCount` (vacant sites within `vacancyRadius`·a).
 * Throws naming the column for a missing or non-finite `x`/`y`, and when the
 * frame has fewer than 4 columns. O(n) (bucket grid), plus O(n·v) for v vacancies.
 * Bond-order descriptors after P. J. Steinhardt et al., PRB 28, 784 (1983);
 * vacancy finding as Atomap's missing-column search.
 * ```ts
 * const d = localDescriptors(movie.atoms[10]); d.column("vacancyDistance");
 * ```
 */
export function localDescriptors(atoms: Table, options: LocalDescriptorOptions = {}): Table {
  const where = "localDescriptors(atoms)";
  if (!(atoms instanceof Table)) throw new TypeError(`${where}: atoms must be a Table with columns x, y (e.g. findAtoms output or one frame of simulateTransition().atoms)`);
  const x = numericColumn(atoms, "x", where), y = numericColumn(atoms, "y", where), n = x.length;
  if (n < 4) throw new RangeError(`${where}: need at least 4 columns, got ${n}`);
  const grid = new PointGrid(x, y);
  let a = options.latticeConstant;
  if (a === undefined) {
    const d1: number[] = [];
    for (let i = 0; i < n; i++) { const r = grid.nearest(x[i], y[i], 1, i); if (r.distance.length) d1.push(r.distance[0]); }
    a = median(Float64Array.from(d1));
  }
  if (!(a > 0 && Number.isFinite(a))) throw new RangeError(`${where}: options.latticeConstant must be a finite number > 0, got ${a}`);
  for (const o of ["bondCutoff", "vacancyRadius", "maxVacancyDistance"] as const) {
    const v = options[o];
    if (v !== undefined && !(v > 0 && Number.isFinite(v))) throw new RangeError(`${where}: options.${o} must be a finite number > 0, got ${v}`);
  }
  const cut = (options.bondCutoff ?? 1.25) * a, vr = (options.vacancyRadius ?? 1.5) * a;
  const { a1, a2 } = options.basis ?? latticeBasis(x, y);
  const dirs: number[] = [];
  for (const v of [a1, a2, [a1[0] + a2[0], a1[1] + a2[1]], [a1[0] - a2[0], a1[1] - a2[1]]]) {
    if (Math.hypot(v[0], v[1]) > 1.2 * Math.max(Math.hypot(...a1), Math.hypot(...a2))) continue;
    dirs.push(Math.atan2(v[1], v[0]), Math.atan2(-v[1], -v[0]));
  }
  const neighbors = new Int32Array(n), bond = new Float64Array(n), strain = new Float64Array(n), spread = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0, s2 = 0, m = 0;
    for (const j of grid.within(x[i], y[i], cut)) {
      if (j === i) continue;
      const dx = x[j] - x[i], dy = y[j] - y[i], th = Math.atan2(dy, dx);
      let best = Infinity;
      for (const d of dirs) { const e = Math.abs(((th - d + 3 * Math.PI) % (2 * Math.PI)) - Math.PI); if (e < best) best = e; }
      s += Math.hypot(dx, dy); s2 += best * best; m++;
    }
    neighbors[i] = m;
    bond[i] = m ? s / m : NaN;
    strain[i] = bond[i] / a - 1;
    spread[i] = m ? (Math.sqrt(s2 / m) * 180) / Math.PI : NaN;
  }
  const vac = findVacancies(x, y, a1, a2, a);
  const vd = new Float64Array(n).fill((options.maxVacancyDistance ?? 10) * a), vc = new Int32Array(n);
  for (let i = 0; i < n; i++) for (let k = 0; k < vac.x.length; k++) {
    const d = Math.hypot(vac.x[k] - x[i], vac.y[k] - y[i]);
    if (d < vd[i]) vd[i] = d;
    if (d <= vr) vc[i]++;
  }
  const cols: Record<string, Float64Array | Int32Array> = { x, y, neighbors, bondLength: bond, strain, angleSpread: spread };
  if (atoms.has("intensity")) cols.intensity = numericColumn(atoms, "intensity", where);
  cols.vacancyDistance = vd;
  cols.vacancyCount = vc;
  return table(cols);
}

/** Options of {@link classifyPhases}. */
export interface ClassifyPhasesOptions {
  /** Descriptor columns to cluster on (default ["angleSpread", "intensity"] when present, else ["angleSpread", "strain"]). */
  columns?: string[];
  /** Number of phases (mixture components, default 2). */
  k?: number;
  /** Seed of the k-means start of the mixture (default 0). */
  seed?: number;
}

/** What {@link classifyPhases} returns: `labels` per row, `probabilities` (n × k), the fitted mixture on standardized columns, and the columns used with their means and standard deviations. */
export interface PhaseClassification {
  labels: Int32Array;
  probabilities: Float64Array;
  mixture: GMMResult;
  columns: string[];
  center: Float64Array;
  scale: Float64Array;
}

/**
 * Gaussian-mixture classification of local phases: the chosen descriptor
 * columns are standardized (mean 0, sd 1 over the rows) and fitted by `gmm`
 * (core/cluster: full covariances, EM from k-means). Label numbers are
 * arbitrary (k-means order); match them to named phases with
 * {@link phaseAccuracy} or by the component means. Throws naming the column
 * and row for a non-finite value (e.g. `angleSpread` of an isolated column:
 * filter those rows first). O(iterations · n · k · dim²).
 * ```ts
 * const c = classifyPhases(localDescriptors(atoms), { k: 2 });
 * ```
 */
export function classifyPhases(descriptors: Table, options: ClassifyPhasesOptions = {}): PhaseClassification {
  const where = "classifyPhases(descriptors)";
  if (!(descriptors instanceof Table)) throw new TypeError(`${where}: descriptors must be a Table (localDescriptors output)`);
  const columns = options.columns ?? ["angleSpread", descriptors.has("intensity") ? "intensity" : "strain"];
  const k = options.k ?? 2, n = descriptors.numRows, d = columns.length;
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) throw new RangeError(`${where}: options.k must be an integer in [1, ${n}] (rows), got ${k}`);
  const X = new Float64Array(n * d), center = new Float64Array(d), scale = new Float64Array(d);
  columns.forEach((name, c) => {
    const v = numericColumn(descriptors, name, where);
    const { mean: m, sd } = meanSd(v);
    center[c] = m; scale[c] = sd;
    for (let i = 0; i < n; i++) X[i * d + c] = (v[i] - m) / sd;
  });
  const mixture = gmm(X, n, d, k, { seed: options.seed ?? 0 });
  return { labels: mixture.labels, probabilities: mixture.probabilities, mixture, columns, center, scale };
}

/**
 * Accuracy of cluster labels against true classes under the best one-to-one
 * matching of labels to classes (all permutations; k ≤ 8), with the
 * confusion matrix (rows = true class, columns = label) and the matching
 * (`mapping[label]` = class). O(n + k!·k).
 */
export function phaseAccuracy(labels: ArrayLike<number>, truth: ArrayLike<number>): { accuracy: number; confusion: number[][]; mapping: number[] } {
  if (labels.length !== truth.length || labels.length === 0) throw new RangeError(`phaseAccuracy: labels (${labels.length}) and truth (${truth.length}) must have the same, non-zero length`);
  let k = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!(Number.isInteger(labels[i]) && labels[i] >= 0 && Number.isInteger(truth[i]) && truth[i] >= 0)) throw new RangeError(`phaseAccuracy: row ${i}: labels and truth must be integers >= 0, got ${labels[i]}, ${truth[i]}`);
    k = Math.max(k, labels[i] + 1, truth[i] + 1);
  }
  if (k > 8) throw new RangeError(`phaseAccuracy: at most 8 classes, got ${k}`);
  const C = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) C[truth[i]][labels[i]]++;
  let best = -1, mapping: number[] = [];
  const perm = Array.from({ length: k }, (_, i) => i);
  const visit = (p: number): void => {
    if (p === k) {
      let s = 0;
      for (let l = 0; l < k; l++) s += C[perm[l]][l];
      if (s > best) { best = s; mapping = perm.slice(); }
      return;
    }
    for (let q = p; q < k; q++) { [perm[p], perm[q]] = [perm[q], perm[p]]; visit(p + 1); [perm[p], perm[q]] = [perm[q], perm[p]]; }
  };
  visit(0);
  return { accuracy: best / labels.length, confusion: C, mapping };
}

/** Mean and population sd of `v`; sd 1 for a constant column (which then standardises to 0). @internal */
export function meanSd(v: ArrayLike<number>): { mean: number; sd: number } {
  const n = v.length;
  let m = 0, s = 0;
  for (let i = 0; i < n; i++) m += v[i];
  m /= n;
  for (let i = 0; i < n; i++) s += (v[i] - m) ** 2;
  return { mean: m, sd: Math.sqrt(s / n) || 1 };
}
