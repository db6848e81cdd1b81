/**
 * Lattices of atomic columns: basis vectors from neighbour statistics,
 * assignment of each column to integer lattice indices (breadth-first walk
 * along the basis vectors, so slow distortions and strain do not break the
 * indexing, unlike rounding global fractional coordinates), and image
 * patches around columns for clustering. x = column, y = row, pixels.
 */
import { Image } from "../image/image";
import { powerSpectrum } from "../image/fft";
import { PointGrid } from "./grid";
import { renameOptions } from "../core/options";

/** Two lattice basis vectors (pixels). a1 points towards +x (|a1x| ≥ |a1y| preferred), a2 has a2y > 0. */
export interface LatticeBasis {
  a1: [number, number];
  a2: [number, number];
  /** Fraction of columns whose neighbour at +a1 (resp. +a2) exists: a lattice-likeness score. */
  support: [number, number];
}

/**
 * Basis vectors of the lattice of points (one sublattice) from the
 * statistics of their nearest-neighbour vectors: the k = 6 neighbour vectors
 * of every point, folded into the upper half-plane, are histogrammed; modes
 * present at ≥ 30 % of the points are candidate lattice vectors, refined by
 * averaging; a1 = the shortest, a2 = the shortest not nearly parallel to it
 * (|sin| > 0.3), then Lagrange–Gauss reduced. O(n).
 * (The approach of Atomap's `construct_zone_axes` and of Peak Pairs analysis
 * — P. L. Galindo et al., Ultramicroscopy 107, 2007.)
 */
export function latticeBasis(x: ArrayLike<number>, y: ArrayLike<number>): LatticeBasis {
  const n = x.length;
  if (n < 4) throw new RangeError(`latticeBasis: need at least 4 columns to find a lattice, got ${n}`);
  const grid = new PointGrid(x, y);
  const vx: number[] = [], vy: number[] = [];
  const nn: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = grid.nearest(x[i], y[i], 6, i);
    if (r.distance.length) nn.push(r.distance[0]);
    for (const j of r.index) {
      let dx = x[j] - x[i], dy = y[j] - y[i];
      if (dy < 0 || (dy === 0 && dx < 0)) { dx = -dx; dy = -dy; }
      vx.push(dx); vy.push(dy);
    }
  }
  nn.sort((a, b) => a - b);
  const d0 = nn[nn.length >> 1];
  const bin = 0.15 * d0;
  const counts = new Map<string, number>();
  for (let k = 0; k < vx.length; k++) {
    const key = `${Math.round(vx[k] / bin)},${Math.round(vy[k] / bin)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // Candidate modes: local histogram maxima (3×3 sum) with enough support.
  const modes: Array<{ x: number; y: number; count: number }> = [];
  for (const key of counts.keys()) {
    const [bx, by] = key.split(",").map(Number);
    let sum = 0, isMax = true;
    const c0 = counts.get(key)!;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const c = counts.get(`${bx + dx},${by + dy}`) ?? 0;
      sum += c;
      if ((dx || dy) && (c > c0 || (c === c0 && (dy > 0 || (dy === 0 && dx > 0))))) isMax = false;
    }
    if (!isMax || sum < 0.3 * n) continue;
    // Refine: mean of vectors within 0.2·d0 of the bin centre.
    let sx = 0, sy = 0, m = 0;
    for (let k = 0; k < vx.length; k++) if (Math.hypot(vx[k] - bx * bin, vy[k] - by * bin) < 0.25 * d0) { sx += vx[k]; sy += vy[k]; m++; }
    if (m) modes.push({ x: sx / m, y: sy / m, count: m });
  }
  if (modes.length < 2) throw new RangeError(`latticeBasis: the ${n} columns do not form a 2-D lattice (fewer than two common neighbour vectors)`);
  modes.sort((p, q) => Math.hypot(p.x, p.y) - Math.hypot(q.x, q.y));
  let a1: [number, number] = [modes[0].x, modes[0].y];
  let a2: [number, number] | null = null;
  for (const m of modes.slice(1)) {
    const cross = a1[0] * m.y - a1[1] * m.x;
    if (Math.abs(cross) > 0.3 * Math.hypot(...a1) * Math.hypot(m.x, m.y)) { a2 = [m.x, m.y]; break; }
  }
  if (!a2) throw new RangeError(`latticeBasis: the ${n} columns lie along one direction; no second basis vector`);
  // Lagrange–Gauss reduction.
  for (let it = 0; it < 20; it++) {
    if (Math.hypot(...a2) < Math.hypot(...a1)) [a1, a2] = [a2, a1];
    const mu = Math.round((a1[0] * a2[0] + a1[1] * a2[1]) / (a1[0] ** 2 + a1[1] ** 2));
    if (mu === 0) break;
    a2 = [a2[0] - mu * a1[0], a2[1] - mu * a1[1]];
  }
  // Orientation: a1 the more horizontal one, pointing to +x; a2 pointing to +y.
  if (Math.abs(a2[0]) > Math.abs(a1[0])) [a1, a2] = [a2, a1];
  if (a1[0] < 0) a1 = [-a1[0], -a1[1]];
  if (a2[1] < 0) a2 = [-a2[0], -a2[1]];
  const tol = 0.3 * Math.min(Math.hypot(...a1), Math.hypot(...a2));
  const support: [number, number] = [0, 0];
  for (let i = 0; i < n; i++) {
    if (grid.nearest(x[i] + a1[0], y[i] + a1[1], 1, -1, tol).index.length) support[0]++;
    if (grid.nearest(x[i] + a2[0], y[i] + a2[1], 1, -1, tol).index.length) support[1]++;
  }
  return { a1, a2, support: [support[0] / n, support[1] / n] };
}

/** Lattice indices of columns: (i, j) with position ≈ origin + i·a1 + j·a2; `assigned` = 0 where unreachable. */
export interface LatticeIndices {
  i: Int32Array;
  j: Int32Array;
  assigned: Uint8Array;
}

/**
 * Integer lattice indices by a breadth-first walk from the column nearest
 * the centroid (index (0, 0)): each step looks for the column nearest to
 * (current + ±a1 or ±a2), within `tolerance` × the shorter basis length
 * (default 0.3), and uses that column's actual position for the next step.
 */
export function latticeIndices(x: ArrayLike<number>, y: ArrayLike<number>, basis: Pick<LatticeBasis, "a1" | "a2">, tolerance = 0.3): LatticeIndices {
  const n = x.length;
  const I = new Int32Array(n), J = new Int32Array(n), assigned = new Uint8Array(n);
  if (n === 0) return { i: I, j: J, assigned };
  const grid = new PointGrid(x, y);
  let cx = 0, cy = 0;
  for (let k = 0; k < n; k++) { cx += x[k] / n; cy += y[k] / n; }
  const start = grid.nearest(cx, cy, 1).index[0];
  const tol = tolerance * Math.min(Math.hypot(...basis.a1), Math.hypot(...basis.a2));
  const steps: Array<[number, number, number, number]> = [
    [basis.a1[0], basis.a1[1], 1, 0], [-basis.a1[0], -basis.a1[1], -1, 0],
    [basis.a2[0], basis.a2[1], 0, 1], [-basis.a2[0], -basis.a2[1], 0, -1],
  ];
  const queue = new Int32Array(n);
  let head = 0, tail = 0;
  queue[tail++] = start; assigned[start] = 1;
  const taken = new Map<string, number>();
  taken.set("0,0", start);
  while (head < tail) {
    const k = queue[head++];
    for (const [sx, sy, di, dj] of steps) {
      const r = grid.nearest(x[k] + sx, y[k] + sy, 1, -1, tol);
      if (!r.index.length) continue;
      const m = r.index[0];
      if (assigned[m]) continue;
      const key = `${I[k] + di},${J[k] + dj}`;
      if (taken.has(key)) continue;
      I[m] = I[k] + di; J[m] = J[k] + dj; assigned[m] = 1;
      taken.set(key, m);
      queue[tail++] = m;
    }
  }
  return { i: I, j: J, assigned };
}

/**
 * Square image patches of side 2r+1 centred on each column (nearest pixel),
 * row-major, one patch after another; pixels outside the image are NaN.
 * For clustering local environments (PCA, GMM).
 */
export function atomPatches(image: Image, x: ArrayLike<number>, y: ArrayLike<number>, radius: number): { patches: Float32Array; size: number; count: number } {
  if (!Number.isInteger(radius) || radius < 1) throw new RangeError(`atomPatches: radius must be a positive integer (pixels), got ${radius}`);
  const size = 2 * radius + 1, n = x.length, { width: w, height: h, data } = image;
  const out = new Float32Array(n * size * size);
  for (let k = 0; k < n; k++) {
    const cx = Math.round(x[k]), cy = Math.round(y[k]);
    for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) {
      const px = cx + dx, py = cy + dy;
      out[k * size * size + (dy + radius) * size + dx + radius] = px >= 0 && py >= 0 && px < w && py < h ? data[py * w + px] : NaN;
    }
  }
  return { patches: out, size, count: n };
}

/**
 * Lattice basis from the image's Fourier transform, without finding columns:
 * Bragg peaks of the (Hann-windowed, mean-removed) power spectrum are local
 * maxima above `thresholdRel` × the strongest (default 0.1), refined to sub-pixel
 * frequency by parabolas; g1 = the shortest, g2 = the shortest not nearly
 * parallel, and the real-space basis solves a_i · g_j = δ_ij (pixels).
 * Frequencies below `minFrequency` cycles/px (default 4/min(w, h)) are ignored.
 * For a multi-sublattice crystal this is the lattice of the strongest
 * periodicity (e.g. the centred A+B lattice of a perovskite when B is bright).
 * O(wh log wh).
 */
export function latticeBasisFFT(image: Image, options: { thresholdRel?: number; minFrequency?: number; /** @deprecated since 0.2: `thresholdRel` */ threshold?: number } = {}): LatticeBasis {
  options = renameOptions(options, { threshold: "thresholdRel" }, "latticeBasisFFT");
  const { width: w, height: h } = image;
  if (w < 16 || h < 16) throw new RangeError(`latticeBasisFFT: image is ${w}×${h} pixels; at least 16×16 is needed`);
  return latticeBasisOfSpectrum(powerSpectrum(image).data, w, h, options);
}

/**
 * `latticeBasisFFT` from an image's centred power spectrum (`powerSpectrum(image).data`, w × h), for callers
 * that use the spectrum again. @internal
 */
export function latticeBasisOfSpectrum(ps: Float32Array, w: number, h: number, options: { thresholdRel?: number; minFrequency?: number }): LatticeBasis {
  const cx = Math.floor(w / 2), cy = Math.floor(h / 2);
  const fmin = options.minFrequency ?? 4 / Math.min(w, h);
  const peaks: Array<{ fx: number; fy: number; p: number }> = [];
  let pmax = 0;
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    const fx0 = (x - cx) / w, fy0 = (y - cy) / h;
    if (Math.hypot(fx0, fy0) < fmin) continue;
    const i = y * w + x, v = ps[i];
    if (v < ps[i - 1] || v < ps[i + 1] || v < ps[i - w] || v < ps[i + w] || v < ps[i - w - 1] || v < ps[i - w + 1] || v < ps[i + w - 1] || v < ps[i + w + 1]) continue;
    const l = Math.log(Math.max(ps[i - 1], 1e-300)), c = Math.log(Math.max(v, 1e-300)), r = Math.log(Math.max(ps[i + 1], 1e-300));
    const u = Math.log(Math.max(ps[i - w], 1e-300)), d = Math.log(Math.max(ps[i + w], 1e-300));
    const dx = l - 2 * c + r < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (l - r)) / (l - 2 * c + r))) : 0;
    const dy = u - 2 * c + d < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (u - d)) / (u - 2 * c + d))) : 0;
    peaks.push({ fx: (x + dx - cx) / w, fy: (y + dy - cy) / h, p: v });
    if (v > pmax) pmax = v;
  }
  const strong = peaks.filter((q) => q.p >= (options.thresholdRel ?? 0.1) * pmax).sort((a, b) => Math.hypot(a.fx, a.fy) - Math.hypot(b.fx, b.fy));
  if (strong.length < 2) throw new RangeError(`latticeBasisFFT: found ${strong.length} Bragg peak(s) in the ${w}×${h} image; no 2-D lattice`);
  const g1 = strong[0];
  const g2 = strong.find((q) => Math.abs(g1.fx * q.fy - g1.fy * q.fx) > 0.3 * Math.hypot(g1.fx, g1.fy) * Math.hypot(q.fx, q.fy));
  if (!g2) throw new RangeError(`latticeBasisFFT: the Bragg peaks of the ${w}×${h} image lie along one direction; no second basis vector`);
  // Real basis: rows of inv([g1; g2])ᵀ, i.e. a_i · g_j = δ_ij.
  const det = g1.fx * g2.fy - g1.fy * g2.fx;
  let a1: [number, number] = [g2.fy / det, -g2.fx / det];
  let a2: [number, number] = [-g1.fy / det, g1.fx / det];
  if (Math.abs(a2[0]) > Math.abs(a1[0])) [a1, a2] = [a2, a1];
  if (a1[0] < 0) a1 = [-a1[0], -a1[1]];
  if (a2[1] < 0) a2 = [-a2[0], -a2[1]];
  return { a1, a2, support: [NaN, NaN] };
}
