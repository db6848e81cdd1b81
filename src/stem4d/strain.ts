/**
 * Lattice fitting to Bragg disks and strain/rotation maps, after py4DSTEM's
 * `fit_lattice_vectors` / `get_strain_from_reference_region` (Savitzky et
 * al., Microsc. Microanal. 27 (2021) 712; Pekin et al., Ultramicroscopy 176
 * (2017) 170).
 *
 * Each pattern's disks p are indexed p ≈ o + h·g₁ + k·g₂ (integers h, k)
 * and (o, g₁, g₂) fitted by intensity-weighted least squares (detector
 * pixels, kx = column, ky = row). With G = [g₁ g₂] (columns) the reciprocal
 * lattice of a real-space deformation A satisfies G = A^(−T)·G₀, so
 * A = (G₀·G⁻¹)ᵀ. A is split by the polar decomposition A = R(θ)·U:
 * strain ε = U − I (exx, eyy, exy; dimensionless, tensile positive) and
 * rotation θ (radians, counter-clockwise from +kx towards +ky), all in
 * detector axes. To express them in the scan frame rotate by the
 * scan-to-detector rotation (see dpcRotation).
 */
import { makeImage, type Image } from "../image";
import { braggVectorMap, type BraggDisks } from "./bragg";
import { median } from "../core/select";
import { solve } from "../core/linalg";

export interface Lattice {
  /** Position of the (0,0) disk, detector pixels [kx, ky]. */
  origin: [number, number];
  g1: [number, number];
  g2: [number, number];
}

export interface LatticeFit {
  scanShape: [number, number];
  /** Per-pattern fitted origin and lattice vectors (NaN where fewer than 3 non-collinear disks were indexed). */
  originX: Float32Array; originY: Float32Array;
  g1x: Float32Array; g1y: Float32Array; g2x: Float32Array; g2y: Float32Array;
  /** RMS residual of the indexed disks, pixels. */
  error: Float32Array;
  /** Number of disks used. */
  count: Uint16Array;
  /** Why a pattern has no fit, one code per pattern: see LATTICE_STATUS (0 = fitted). */
  status: Uint8Array;
}

/**
 * The meaning of `LatticeFit.status` codes, by code: why a pattern's lattice
 * is NaN. `latticeFitReport` turns a fit's codes into one readable line.
 */
export const LATTICE_STATUS = [
  "fitted",
  "fewer than 3 disks detected (vacuum, amorphous, or a threshold too high)",
  "too few disks index on the lattice (another phase or orientation, or a wrong initial lattice: pass options.lattice or lower minIndexedFraction)",
  "the indexed disks are collinear (a systematic row: pass options.lattice with both vectors)",
] as const;

export interface FitLatticeOptions {
  /** Initial lattice; default: guessed from the Bragg vector map (see guessLattice). */
  lattice?: Lattice;
  /** Disks farther than this from the nearest lattice point are not indexed (pixels). Default 0.25 × the shortest lattice vector. */
  maxError?: number;
  /** Weight disks by intensity (default true). */
  weighted?: boolean;
  /** A pattern gets a fit only when at least this fraction of its disks index on the lattice (others: NaN, e.g. another phase or orientation). Default 0.5. */
  minIndexedFraction?: number;
  /** Frames used to guess the lattice (scan-sized mask). Default all. */
  frames?: ArrayLike<number | boolean>;
}

function localMaxima(img: Image, minDistance: number): { x: number; y: number; v: number }[] {
  const { data, width: W, height: H } = img;
  const out: { x: number; y: number; v: number }[] = [];
  for (let y = 1; y < H - 1; y++) for (let x = 1; x < W - 1; x++) {
    const v = data[y * W + x];
    if (!(v > 0)) continue;
    let ok = true;
    for (let dy = -1; dy <= 1 && ok; dy++) for (let dx = -1; dx <= 1; dx++) if ((dx || dy) && data[(y + dy) * W + x + dx] > v) { ok = false; break; }
    if (!ok) continue;
    // refine by the 3×3 centre of mass
    let s = 0, sx = 0, sy = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) { const u = data[(y + dy) * W + x + dx]; s += u; sx += u * dx; sy += u * dy; }
    out.push({ x: x + sx / s, y: y + sy / s, v: s });
  }
  out.sort((a, b) => b.v - a.v);
  const kept: typeof out = [];
  for (const p of out) if (kept.every((q) => Math.hypot(q.x - p.x, q.y - p.y) >= minDistance)) kept.push(p);
  return kept;
}

/**
 * Guess the lattice from the Bragg vector map: the origin is its strongest
 * peak (the unscattered beam), g₁ the shortest vector to another peak
 * carrying at least 5 % of the strongest's weight, g₂ the shortest one at
 * more than 20° from ±g₁; the pair is Gauss-reduced (|g₁| ≤ |g₂|,
 * |g₁·g₂| ≤ |g₁|²/2) and ordered so that g₁ × g₂ > 0.
 */
export function guessLattice(disks: BraggDisks, frames?: ArrayLike<number | boolean>): Lattice {
  const bvm = braggVectorMap(disks, frames);
  const peaks = localMaxima(bvm, 3);
  if (peaks.length < 3) throw new Error(`guessLattice: the Bragg vector map has ${peaks.length} peaks; need at least 3 (centre beam and two lattice vectors)`);
  const o = peaks[0];
  const strong = peaks.slice(1).filter((p) => p.v >= 0.05 * peaks[1].v).map((p) => ({ x: p.x - o.x, y: p.y - o.y, len: Math.hypot(p.x - o.x, p.y - o.y) })).filter((p) => p.len > 2);
  strong.sort((a, b) => a.len - b.len);
  const a = strong[0];
  const b = strong.find((p) => Math.abs((a.x * p.y - a.y * p.x) / (a.len * p.len)) > Math.sin((20 * Math.PI) / 180));
  if (!a || !b) throw new Error("guessLattice: could not find two non-collinear lattice vectors in the Bragg vector map; pass options.lattice");
  let g1: [number, number] = [a.x, a.y], g2: [number, number] = [b.x, b.y];
  for (let it = 0; it < 10; it++) {
    if (g1[0] ** 2 + g1[1] ** 2 > g2[0] ** 2 + g2[1] ** 2) [g1, g2] = [g2, g1];
    const m = Math.round((g1[0] * g2[0] + g1[1] * g2[1]) / (g1[0] ** 2 + g1[1] ** 2));
    if (m === 0) break;
    g2 = [g2[0] - m * g1[0], g2[1] - m * g1[1]];
  }
  if (g1[0] * g2[1] - g1[1] * g2[0] < 0) g2 = [-g2[0], -g2[1]];
  return { origin: [o.x, o.y], g1, g2 };
}

/**
 * Fit (origin, g₁, g₂) to the disks of every pattern: index each disk by
 * rounding its lattice coordinates, keep those within `maxError`, solve the
 * weighted least squares, re-index with the fitted lattice and solve again.
 * The (0,0) disk of each pattern is taken as the disk nearest the initial
 * origin (this follows descan shifts). Patterns with fewer than 3
 * non-collinear indexed disks, or where fewer than `minIndexedFraction` of
 * the disks index (another phase or orientation), give NaN.
 */
export function fitLattice(disks: BraggDisks, options: FitLatticeOptions = {}): LatticeFit {
  const lat = options.lattice ?? guessLattice(disks, options.frames);
  const nF = disks.offsets.length - 1;
  const maxErr = options.maxError ?? 0.25 * Math.min(Math.hypot(...lat.g1), Math.hypot(...lat.g2));
  const weighted = options.weighted ?? true;
  const minFrac = options.minIndexedFraction ?? 0.5;
  const f32 = () => new Float32Array(nF).fill(NaN);
  const res: LatticeFit = { scanShape: [...disks.scanShape] as [number, number], originX: f32(), originY: f32(), g1x: f32(), g1y: f32(), g2x: f32(), g2y: f32(), error: f32(), count: new Uint16Array(nF), status: new Uint8Array(nF) };
  for (let f = 0; f < nF; f++) {
    const j0 = disks.offsets[f], j1 = disks.offsets[f + 1];
    if (j1 - j0 < 3) { res.status[f] = 1; continue; }
    // origin of this pattern: nearest disk to the initial origin, if within maxError·2
    let o: [number, number] = [...lat.origin], best = Infinity;
    for (let j = j0; j < j1; j++) {
      const d = Math.hypot(disks.x[j] - lat.origin[0], disks.y[j] - lat.origin[1]);
      if (d < best) { best = d; if (d < 2 * maxErr + Math.min(Math.hypot(...lat.g1), Math.hypot(...lat.g2)) / 2) o = [disks.x[j], disks.y[j]]; }
    }
    let g1 = lat.g1, g2 = lat.g2, fit: number[] | null = null;
    for (let iter = 0; iter < 3; iter++) {
      const det = g1[0] * g2[1] - g1[1] * g2[0];
      // normal equations for [o, g1, g2] with design [1, h, k]
      const A = new Float64Array(9), bx = new Float64Array(3), by = new Float64Array(3);
      let n = 0;
      const used: number[] = [];
      for (let j = j0; j < j1; j++) {
        const dx = disks.x[j] - o[0], dy = disks.y[j] - o[1];
        const hf = (g2[1] * dx - g2[0] * dy) / det, kf = (-g1[1] * dx + g1[0] * dy) / det;
        const h = Math.round(hf), k = Math.round(kf);
        const ex = dx - h * g1[0] - k * g2[0], ey = dy - h * g1[1] - k * g2[1];
        if (Math.hypot(ex, ey) > maxErr) continue;
        const w = weighted ? Math.max(0, disks.intensity[j]) : 1;
        if (!(w > 0)) continue;
        const d = [1, h, k];
        for (let r = 0; r < 3; r++) { bx[r] += w * d[r] * disks.x[j]; by[r] += w * d[r] * disks.y[j]; for (let c = 0; c < 3; c++) A[3 * r + c] += w * d[r] * d[c]; }
        n++; used.push(j, h, k);
      }
      if (n < 3 || n < minFrac * (j1 - j0)) { res.status[f] = 2; fit = null; break; }
      const tol = 1e-9 * (Math.abs(A[0]) + 1), sx = solve(A, bx, 3, tol), sy = solve(A, by, 3, tol);
      if (!sx || !sy) { res.status[f] = 3; fit = null; break; }
      res.status[f] = 0;
      fit = [sx[0], sy[0], sx[1], sy[1], sx[2], sy[2]];
      o = [fit[0], fit[1]]; g1 = [fit[2], fit[3]]; g2 = [fit[4], fit[5]];
      let e2 = 0;
      for (let u = 0; u < used.length; u += 3) {
        const j = used[u], h = used[u + 1], k = used[u + 2];
        e2 += (disks.x[j] - o[0] - h * g1[0] - k * g2[0]) ** 2 + (disks.y[j] - o[1] - h * g1[1] - k * g2[1]) ** 2;
      }
      res.error[f] = Math.sqrt(e2 / n); res.count[f] = n;
    }
    if (!fit) { res.error[f] = NaN; res.count[f] = 0; continue; }
    res.originX[f] = fit[0]; res.originY[f] = fit[1]; res.g1x[f] = fit[2]; res.g1y[f] = fit[3]; res.g2x[f] = fit[4]; res.g2y[f] = fit[5];
  }
  return res;
}

/**
 * One line saying how many patterns of `fit` have a lattice and, for those
 * that do not, why (LATTICE_STATUS) with the first few frame indices
 * (f = row·cols + col), e.g. "190 of 192 patterns fitted; 2 without a
 * lattice: fewer than 3 disks detected (...) at frames 15, 31".
 */
export function latticeFitReport(fit: LatticeFit): string {
  const n = fit.status.length, byCode = new Map<number, number[]>();
  for (let f = 0; f < n; f++) if (fit.status[f] !== 0) { if (!byCode.has(fit.status[f])) byCode.set(fit.status[f], []); byCode.get(fit.status[f])!.push(f); }
  const failed = [...byCode.values()].reduce((a, v) => a + v.length, 0);
  let text = `${n - failed} of ${n} patterns fitted`;
  if (failed === 0) return text;
  const parts = [...byCode.entries()].sort((a, b) => b[1].length - a[1].length).map(([code, frames]) =>
    `${frames.length} ${LATTICE_STATUS[code]} at frames ${frames.slice(0, 8).join(", ")}${frames.length > 8 ? ", ..." : ""}`);
  text += `; ${failed} without a lattice: ${parts.join("; ")}`;
  return text;
}

/** The reference for strainMap: a scan region (mask or [row0, row1, col0, col1] half-open), or explicit lattice vectors. */
export type StrainReference =
  | { region: ArrayLike<number | boolean> | Image | [number, number, number, number] }
  | { g1: [number, number]; g2: [number, number] };

export interface StrainMapResult {
  /** ε_xx, ε_yy, ε_xy (dimensionless; 0.01 = 1 % tensile) in detector axes. */
  exx: Image; eyy: Image; exy: Image;
  /** Lattice rotation θ relative to the reference, radians (counter-clockwise, +kx towards +ky). */
  theta: Image;
  /** Reference lattice vectors used (median over the region). */
  g1: [number, number]; g2: [number, number];
  /** The per-pattern lattice fit. */
  lattice: LatticeFit;
}

function regionMask(ref: StrainReference & { region: unknown }, scanShape: [number, number]): Uint8Array {
  const [rows, cols] = scanShape, n = rows * cols, m = new Uint8Array(n);
  const r = ref.region as unknown;
  if (Array.isArray(r) && r.length === 4 && typeof r[0] === "number" && n !== 4) {
    const [r0, r1, c0, c1] = r as number[];
    if (!(r0 >= 0 && r1 <= rows && r0 < r1 && c0 >= 0 && c1 <= cols && c0 < c1)) throw new RangeError(`strainMap(reference): region [row0, row1, col0, col1] = ${JSON.stringify(r)} is empty or outside the ${rows}×${cols} scan`);
    for (let y = r0; y < r1; y++) for (let x = c0; x < c1; x++) m[y * cols + x] = 1;
    return m;
  }
  const data = (r as Image).data instanceof Float32Array ? (r as Image).data : (r as ArrayLike<number | boolean>);
  if (data.length !== n) throw new RangeError(`strainMap(reference): region mask has ${data.length} values, the scan has ${rows}×${cols} = ${n}`);
  for (let i = 0; i < n; i++) m[i] = data[i] ? 1 : 0;
  return m;
}

/**
 * Strain and rotation maps relative to a reference (see the module comment).
 * `source` is the output of `braggDisks` (the lattice is then guessed from
 * the reference region's disks and fitted per pattern) or of `fitLattice`.
 * `reference` is a region of the scan (mask, Image, or [row0, row1, col0,
 * col1]) whose median lattice is the unstrained one, or explicit vectors.
 *
 * @example const s = strainMap(disks, { region: [0, 8, 0, 8] }); // s.exx, s.eyy, s.exy, s.theta
 */
export function strainMap(source: BraggDisks | LatticeFit, reference: StrainReference, options: FitLatticeOptions = {}): StrainMapResult {
  if (!reference || typeof reference !== "object") throw new TypeError("strainMap(reference): expected { region } or { g1, g2 }");
  const scanShape = source.scanShape;
  let fit: LatticeFit;
  const mask = "region" in reference ? regionMask(reference, scanShape) : undefined;
  if ("g1x" in source) fit = source;
  else {
    let lattice = options.lattice;
    if (!lattice) {
      lattice = guessLattice(source, mask ?? options.frames);
      if ("g1" in reference) {
        // keep the guessed origin, use the given vectors
        lattice = { origin: lattice.origin, g1: reference.g1, g2: reference.g2 };
      }
    }
    fit = fitLattice(source, { ...options, lattice });
  }
  let G0: [number, number, number, number];
  if ("g1" in reference) G0 = [reference.g1[0], reference.g2[0], reference.g1[1], reference.g2[1]];
  else {
    const pick = (a: Float32Array) => median(Array.from(a).filter((_, i) => mask![i]));
    G0 = [pick(fit.g1x), pick(fit.g2x), pick(fit.g1y), pick(fit.g2y)];
    if (!G0.every(Number.isFinite)) throw new Error(`strainMap(reference): no pattern in the reference region has a lattice fit (${latticeFitReport(fit)})`);
  }
  const n = scanShape[0] * scanShape[1];
  const exx = new Float32Array(n), eyy = new Float32Array(n), exy = new Float32Array(n), theta = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // G = [[g1x, g2x], [g1y, g2y]]; A = (G0 · G^{-1})^T
    const a = fit.g1x[i], b = fit.g2x[i], c = fit.g1y[i], d = fit.g2y[i];
    const det = a * d - b * c;
    if (!(Number.isFinite(det) && det !== 0)) { exx[i] = eyy[i] = exy[i] = theta[i] = NaN; continue; }
    const i11 = d / det, i12 = -b / det, i21 = -c / det, i22 = a / det;
    const m11 = G0[0] * i11 + G0[1] * i21, m12 = G0[0] * i12 + G0[1] * i22;
    const m21 = G0[2] * i11 + G0[3] * i21, m22 = G0[2] * i12 + G0[3] * i22;
    const A11 = m11, A12 = m21, A21 = m12, A22 = m22; // transpose
    // polar decomposition A = R(θ) U
    const th = Math.atan2(A21 - A12, A11 + A22);
    const ct = Math.cos(th), st = Math.sin(th);
    const U11 = ct * A11 + st * A21, U12 = ct * A12 + st * A22, U21 = -st * A11 + ct * A21, U22 = -st * A12 + ct * A22;
    exx[i] = U11 - 1; eyy[i] = U22 - 1; exy[i] = (U12 + U21) / 2; theta[i] = th;
  }
  const img = (v: Float32Array) => makeImage(v, scanShape[1], scanShape[0]);
  return { exx: img(exx), eyy: img(eyy), exy: img(exy), theta: img(theta), g1: [G0[0], G0[2]], g2: [G0[1], G0[3]], lattice: fit };
}
