/**
 * Splitting atomic columns into sublattices: by intensity (1-D k-means on
 * log intensity, e.g. A and B sites of an ABO3 perovskite in HAADF, where
 * intensity grows with Z^≈1.7) and, when intensities do not separate, by
 * geometry (the two columns of a Si/Ge dumbbell: the direction to the
 * nearest neighbour). Labels are ordered by decreasing mean intensity
 * (0 = brightest).
 */
import { PointGrid } from "./grid";
import { latticeBasis, latticeIndices } from "./lattice";
import { kmeans1d } from "../core/cluster";

/**
 * Separation of a two-cluster split: the gap between the cluster means over
 * the pooled within-cluster sd (Fisher's criterion, √); > ~3 is a clear split.
 */
function separation(values: ArrayLike<number>, labels: Int32Array, k: number): number {
  const s = new Float64Array(k), s2 = new Float64Array(k), c = new Float64Array(k);
  for (let i = 0; i < values.length; i++) { const l = labels[i]; s[l] += values[i]; s2[l] += values[i] ** 2; c[l]++; }
  let minGap = Infinity, pooled = 0, dof = 0;
  const m = Array.from(s, (v, l) => v / Math.max(c[l], 1));
  for (let l = 0; l < k; l++) { pooled += s2[l] - c[l] * m[l] ** 2; dof += c[l]; if (l > 0) minGap = Math.min(minGap, m[l] - m[l - 1]); }
  const sd = Math.sqrt(pooled / Math.max(dof - k, 1));
  return sd > 0 ? minGap / sd : minGap > 0 ? Infinity : 0;
}

/** Result of {@link splitSublattices}. */
export interface SublatticeSplit {
  labels: Int32Array;
  /** "lattice parity", "intensity", "geometry" or "none". */
  method: string;
  /** Fisher separation of the intensity split (gap / pooled sd). */
  separation: number;
  /** Clarity of the geometric split, mean |projection| in [0, 1] (NaN when not tried). */
  geometryScore?: number;
}

/**
 * Assign each column to one of `k` sublattices. For k = 2, when all columns
 * form one centred lattice (perovskite A + B along [001]), the parity of their
 * lattice indices splits them exactly, and is used when the two parity classes
 * differ in log intensity (Fisher separation ≥ 1). Otherwise intensity
 * k-means on log(intensity) is used when its clusters are well separated
 * (separation ≥ 4, or ≥ 2.5 when geometry is unclear), else the geometric split: columns are grouped by the
 * direction of the vector to their nearest neighbour (±v of a dumbbell) or,
 * when clearer, by the 3-fold orientation of their three nearest neighbours
 * (the two sites of a honeycomb lattice such as graphene).
 * Labels are renumbered so that sublattice 0 is the brightest.
 */
export function splitSublattices(x: ArrayLike<number>, y: ArrayLike<number>, intensity: ArrayLike<number>, k: number): SublatticeSplit {
  const n = x.length;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`splitSublattices: k (options.sublattices) must be a positive integer, got ${k}`);
  if (k === 1 || n < k) return { labels: new Int32Array(n), method: "none", separation: NaN };
  const li = Float64Array.from({ length: n }, (_, i) => Math.log(Math.max(intensity[i], 1e-12)));
  const km = kmeans1d(li, k);
  const sep = separation(li, km.labels, k);
  let labels = km.labels;
  let method = "intensity";
  // Lattice parity: when all columns together form a (centred) Bravais lattice, as A and B
  // of a perovskite along [001] do, (i + j) mod 2 of their indices separates the two
  // sublattices exactly; use it when the two parity classes differ in intensity.
  let paritySep = -Infinity;
  let geometryScore = NaN;
  if (k === 2 && n >= 8) {
    try {
      const b = latticeBasis(x, y);
      if (b.support[0] > 0.6 && b.support[1] > 0.6) {
        const idx = latticeIndices(x, y, b);
        const par = new Int32Array(n);
        for (let i = 0; i < n; i++) par[i] = idx.assigned[i] ? (((idx.i[i] + idx.j[i]) % 2) + 2) % 2 : km.labels[i];
        const cnt = par.reduce((a, v) => a + v, 0);
        if (cnt > 0.2 * n && cnt < 0.8 * n) {
          // Order parity classes by mean (as k-means labels are ascending).
          const m0 = li.reduce((a, v, i) => a + (par[i] === 0 ? v : 0), 0) / (n - cnt), m1 = li.reduce((a, v, i) => a + (par[i] === 1 ? v : 0), 0) / cnt;
          const ordered = m0 <= m1 ? par : Int32Array.from(par, (v) => 1 - v);
          paritySep = separation(li, ordered, 2);
          if (paritySep >= 1) { labels = ordered; method = "lattice parity"; }
        }
      }
    } catch {
      // not a lattice: fall through to intensity / geometry
    }
  }
  if (method === "intensity" && !(sep >= 4) && k === 2 && n >= 4) {
    // Geometry: (1) dumbbells: direction of the vector to the nearest neighbour, split by its sign
    // along the dominant axis; (2) honeycomb: the 3-fold orientation Σ e^{3iφ} of the three nearest
    // neighbours, which is opposite on the two sites. The statistic with the clearer split wins.
    const grid = new PointGrid(x, y);
    const vx = new Float64Array(n), vy = new Float64Array(n), tc = new Float64Array(n), tsn = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = grid.nearest(x[i], y[i], 3, i);
      if (r.index.length) { const d = r.distance[0] || 1; vx[i] = (x[r.index[0]] - x[i]) / d; vy[i] = (y[r.index[0]] - y[i]) / d; }
      for (const j of r.index) { const f = Math.atan2(y[j] - y[i], x[j] - x[i]); tc[i] += Math.cos(3 * f) / 3; tsn[i] += Math.sin(3 * f) / 3; }
    }
    const split1 = (cx: Float64Array, cy: Float64Array, fold: number) => {
      let c2 = 0, s2 = 0;
      for (let i = 0; i < n; i++) { const t = Math.atan2(cy[i], cx[i]); const m = Math.hypot(cx[i], cy[i]); c2 += m * Math.cos(fold * t); s2 += m * Math.sin(fold * t); }
      const axis = Math.atan2(s2, c2) / fold;
      const ux = Math.cos(axis), uy = Math.sin(axis);
      const proj = Float64Array.from({ length: n }, (_, i) => cx[i] * ux + cy[i] * uy);
      return { proj, score: proj.reduce((a, v) => a + Math.abs(v), 0) / n };
    };
    const g1 = split1(vx, vy, 2), g3 = split1(tc, tsn, 2);
    const best = g3.score > g1.score ? g3 : g1;
    const geo = new Int32Array(n);
    for (let i = 0; i < n; i++) geo[i] = best.proj[i] >= 0 ? 0 : 1;
    // A weak intensity split (2.5 ≤ separation < 4) yields to a clear geometric one (score ≥ 0.8).
    if (sep >= 2.5 && best.score < 0.8) return finish(km.labels, "intensity");
    geometryScore = best.score;
    labels = geo;
    method = "geometry";
  }
  return finish(labels, method);

  function finish(lab: Int32Array, how: string): SublatticeSplit {
    // Renumber: 0 = brightest mean intensity.
    const sum = new Float64Array(k), cnt = new Float64Array(k);
    for (let i = 0; i < n; i++) { sum[lab[i]] += intensity[i]; cnt[lab[i]]++; }
    const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => sum[b] / Math.max(cnt[b], 1) - sum[a] / Math.max(cnt[a], 1));
    const remap = new Int32Array(k);
    order.forEach((c, r) => (remap[c] = r));
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = remap[lab[i]];
    return { labels: out, method: how, separation: sep, geometryScore };
  }
}
