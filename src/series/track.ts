/**
 * Linking atoms found frame by frame into trajectories, as trackpy's `link`
 * (J. C. Crocker and D. G. Grier, J. Colloid Interface Sci. 179, 298 (1996);
 * D. B. Allan et al., trackpy): between consecutive frames, every atom of
 * the previous frame (and every atom lost within the last `memory` frames,
 * at its last position) may link to an atom of the new frame within
 * `searchRange`; links are chosen to minimise the summed squared
 * displacement, an unlinked source costing searchRange² (trackpy's null
 * link). The minimisation is exact per subnetwork (atoms connected by
 * candidate links), by the Hungarian algorithm where trackpy enumerates
 * (so there is no subnetwork size limit). Atoms of the new frame left
 * unlinked start new tracks.
 */
import { Table, table } from "../table/table";

/** One atom table per frame: a `Table` (e.g. from `findAtoms`) or columns, with numeric `x` and `y` in pixels. */
export type FrameAtoms = Table | { x: ArrayLike<number>; y: ArrayLike<number> };

/** Options of {@link trackAtoms}. */
export interface TrackAtomsOptions {
  /**
   * Largest displacement of one atom between the frames it is linked in,
   * pixels (trackpy's `search_range`). Default: half the median
   * nearest-neighbour distance of the first frame, so that an atom cannot
   * link to its neighbour's site.
   */
  searchRange?: number;
  /** Frames an atom may be missing and still continue its track (trackpy's `memory`; default 0). */
  memory?: number;
}

/** The `x`, `y` columns of frame `i`, checked. */
function positions(fn: string, t: FrameAtoms, i: number): { x: Float64Array; y: Float64Array } {
  let x: ArrayLike<number> | undefined, y: ArrayLike<number> | undefined;
  if (t instanceof Table) {
    for (const c of ["x", "y"]) if (!t.has(c)) throw new TypeError(`${fn}: tables[${i}] has no column "${c}" (columns: ${t.columnNames.join(", ")})`);
    x = t.numeric("x");
    y = t.numeric("y");
  } else if (t && typeof t === "object") {
    x = t.x;
    y = t.y;
  }
  if (!x || !y || typeof x.length !== "number" || typeof y.length !== "number") throw new TypeError(`${fn}: tables[${i}] must be a Table or { x, y } with numeric x and y columns`);
  if (x.length !== y.length) throw new RangeError(`${fn}: tables[${i}] has ${x.length} x values and ${y.length} y values`);
  const X = Float64Array.from(x), Y = Float64Array.from(y);
  for (let k = 0; k < X.length; k++) {
    if (!Number.isFinite(X[k]) || !Number.isFinite(Y[k])) throw new RangeError(`${fn}: tables[${i}] row ${k} has a non-finite position (${X[k]}, ${Y[k]})`);
  }
  return { x: X, y: Y };
}

/** Median distance to the nearest other point (brute force, O(n²)). */
function medianNearest(x: Float64Array, y: Float64Array): number {
  const n = x.length, d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < n; j++) if (j !== i) best = Math.min(best, (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2);
    d[i] = Math.sqrt(best);
  }
  d.sort();
  return n % 2 ? d[(n - 1) >> 1] : 0.5 * (d[n / 2 - 1] + d[n / 2]);
}

/**
 * Minimum-cost assignment of n rows to distinct columns of an n × m cost
 * matrix (n ≤ m, row-major), Hungarian algorithm with potentials (Kuhn 1955,
 * Munkres 1957; the O(n²m) shortest-augmenting-path form). Returns the
 * column of each row.
 */
export function assignMinCost(cost: Float64Array, n: number, m: number): Int32Array {
  const u = new Float64Array(n + 1), v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1), way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1), used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
        if (minv[j] < delta) { delta = minv[j]; j1 = j; }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) { u[p[j]] += delta; v[j] -= delta; } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const out = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (p[j] > 0) out[p[j] - 1] = j - 1;
  return out;
}

/** A link candidate: source s, destination d, squared distance. */
interface Edge { s: number; d: number; d2: number }

/** Candidate links within r between sources and destinations (grid of r-sized cells). */
function candidates(sx: Float64Array, sy: Float64Array, dx: Float64Array, dy: Float64Array, r: number): Edge[] {
  const cells = new Map<string, number[]>();
  for (let d = 0; d < dx.length; d++) {
    const key = `${Math.floor(dx[d] / r)},${Math.floor(dy[d] / r)}`;
    const c = cells.get(key);
    if (c) c.push(d); else cells.set(key, [d]);
  }
  const edges: Edge[] = [];
  const r2 = r * r;
  for (let s = 0; s < sx.length; s++) {
    const cx = Math.floor(sx[s] / r), cy = Math.floor(sy[s] / r);
    for (let gy = cy - 1; gy <= cy + 1; gy++) {
      for (let gx = cx - 1; gx <= cx + 1; gx++) {
        for (const d of cells.get(`${gx},${gy}`) ?? []) {
          const d2 = (sx[s] - dx[d]) ** 2 + (sy[s] - dy[d]) ** 2;
          if (d2 < r2) edges.push({ s, d, d2 });
        }
      }
    }
  }
  return edges;
}

/**
 * The destination of each source (−1: none) minimising Σ d² with a null
 * link costing r², solved exactly per connected subnetwork.
 */
function link(nS: number, nD: number, edges: Edge[], r: number): Int32Array {
  const to = new Int32Array(nS).fill(-1);
  // union-find over sources (0..nS-1) and destinations (nS..nS+nD-1)
  const parent = Int32Array.from({ length: nS + nD }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) { parent[a] = parent[parent[a]]; a = parent[a]; }
    return a;
  };
  for (const e of edges) parent[find(e.s)] = find(nS + e.d);
  const groups = new Map<number, Edge[]>();
  for (const e of edges) {
    const g = find(e.s);
    const list = groups.get(g);
    if (list) list.push(e); else groups.set(g, [e]);
  }
  const BIG = 1e300;
  for (const list of groups.values()) {
    if (list.length === 1) { to[list[0].s] = list[0].d; continue; }
    const S = [...new Set(list.map((e) => e.s))].sort((a, b) => a - b);
    const D = [...new Set(list.map((e) => e.d))].sort((a, b) => a - b);
    const si = new Map(S.map((s, k) => [s, k])), di = new Map(D.map((d, k) => [d, k]));
    const n = S.length, m = D.length + n;
    const cost = new Float64Array(n * m).fill(BIG);
    for (const e of list) cost[si.get(e.s)! * m + di.get(e.d)!] = e.d2;
    for (let k = 0; k < n; k++) cost[k * m + D.length + k] = r * r;
    const col = assignMinCost(cost, n, m);
    for (let k = 0; k < n; k++) if (col[k] < D.length) to[S[k]] = D[col[k]];
  }
  return to;
}

/**
 * Link atoms found in each frame into trajectories (trackpy's `link`, see
 * the module comment): one table per frame with `x`, `y` in pixels (e.g.
 * `findAtoms` on each aligned frame) → one table with a row per atom per
 * frame: `frame`, `x`, `y`, `track` (the same id for the same atom in every
 * frame; ids 0.. in order of first appearance, frame 0 in row order) and
 * `row` (the atom's row in its frame's table, to join other columns).
 * Positions should be drift-corrected first (`alignSeries`): the search
 * range must exceed the motion between frames and stay below half the
 * atom spacing. Cost per frame O(n) for candidates plus O(k³) per
 * subnetwork of k atoms.
 *
 * @example
 *   const tracks = trackAtoms(frames.map((f) => findAtoms(f)), { searchRange: 3, memory: 2 });
 *   trackEvents(tracks); // appearances and disappearances (vacancies forming, atoms arriving)
 */
export function trackAtoms(tables: readonly FrameAtoms[], options: TrackAtomsOptions = {}): Table {
  const fn = "trackAtoms";
  if (!Array.isArray(tables)) throw new TypeError(`${fn}: tables must be an array with one atom table per frame, got ${typeof tables}`);
  if (tables.length < 1) throw new RangeError(`${fn}: tables is empty; give one atom table per frame`);
  const frames = tables.map((t, i) => positions(fn, t, i));
  const memory = options.memory ?? 0;
  if (!Number.isInteger(memory) || memory < 0) throw new RangeError(`${fn}: options.memory must be a non-negative integer (frames), got ${memory}`);
  let r = options.searchRange;
  if (r === undefined) {
    const f0 = frames[0];
    if (f0.x.length < 2) throw new RangeError(`${fn}: frame 0 has ${f0.x.length} atom${f0.x.length === 1 ? "" : "s"}: give options.searchRange (no neighbour distance to derive it from)`);
    r = 0.5 * medianNearest(f0.x, f0.y);
  }
  if (!(r > 0) || !Number.isFinite(r)) throw new RangeError(`${fn}: options.searchRange must be a positive number of pixels, got ${r}`);
  const F: number[] = [], X: number[] = [], Y: number[] = [], T: number[] = [], R: number[] = [];
  // active sources: track id, last position, frame last seen
  let act = { track: [] as number[], x: [] as number[], y: [] as number[], seen: [] as number[] };
  let next = 0;
  frames.forEach(({ x, y }, f) => {
    const track = new Int32Array(x.length).fill(-1);
    if (act.track.length) {
      const to = link(act.track.length, x.length, candidates(Float64Array.from(act.x), Float64Array.from(act.y), x, y, r!), r!);
      to.forEach((d, s) => { if (d >= 0) track[d] = act.track[s]; });
      // sources not linked stay available for `memory` more frames
      const keep = { track: [] as number[], x: [] as number[], y: [] as number[], seen: [] as number[] };
      to.forEach((d, s) => {
        if (d < 0 && f - act.seen[s] <= memory) { keep.track.push(act.track[s]); keep.x.push(act.x[s]); keep.y.push(act.y[s]); keep.seen.push(act.seen[s]); }
      });
      act = keep;
    }
    for (let k = 0; k < x.length; k++) {
      if (track[k] < 0) track[k] = next++;
      act.track.push(track[k]); act.x.push(x[k]); act.y.push(y[k]); act.seen.push(f);
      F.push(f); X.push(x[k]); Y.push(y[k]); T.push(track[k]); R.push(k);
    }
  });
  return table({ frame: Int32Array.from(F), x: Float64Array.from(X), y: Float64Array.from(Y), track: Int32Array.from(T), row: Int32Array.from(R) });
}

/**
 * Appearance and disappearance events of tracks from `trackAtoms`: a track
 * that starts after the first frame "appears" at its first frame (an atom
 * arrived, a vacancy filled, or a new column was found); one that ends
 * before the last frame "disappears" at the frame after its last (a vacancy
 * formed, an atom left or hopped farther than the search range). Rows:
 * `track`, `frame`, `event` ("appear" / "disappear"), `x`, `y` (the
 * position where the track starts / was last seen), sorted by frame, then
 * track. Gaps closed by `memory` are no events. Cost O(rows).
 */
export function trackEvents(tracks: Table): Table {
  const fn = "trackEvents";
  if (!(tracks instanceof Table)) throw new TypeError(`${fn}: tracks must be the Table returned by trackAtoms`);
  for (const c of ["frame", "x", "y", "track"]) if (!tracks.has(c)) throw new TypeError(`${fn}: tracks has no column "${c}" (use the table returned by trackAtoms)`);
  const f = tracks.numeric("frame"), x = tracks.numeric("x"), y = tracks.numeric("y"), t = tracks.numeric("track");
  let first = Infinity, last = -Infinity;
  const span = new Map<number, { a: number; b: number }>(); // rows of first and last frame
  for (let i = 0; i < f.length; i++) {
    first = Math.min(first, f[i]);
    last = Math.max(last, f[i]);
    const s = span.get(t[i]);
    if (!s) span.set(t[i], { a: i, b: i });
    else {
      if (f[i] < f[s.a]) s.a = i;
      if (f[i] > f[s.b]) s.b = i;
    }
  }
  const ev: { track: number; frame: number; event: string; x: number; y: number }[] = [];
  for (const [id, s] of span) {
    if (f[s.a] > first) ev.push({ track: id, frame: f[s.a], event: "appear", x: x[s.a], y: y[s.a] });
    if (f[s.b] < last) ev.push({ track: id, frame: f[s.b] + 1, event: "disappear", x: x[s.b], y: y[s.b] });
  }
  ev.sort((a, b) => a.frame - b.frame || a.track - b.track || (a.event < b.event ? -1 : 1));
  return table({
    track: Int32Array.from(ev, (e) => e.track), frame: Int32Array.from(ev, (e) => e.frame), event: ev.map((e) => e.event),
    x: Float64Array.from(ev, (e) => e.x), y: Float64Array.from(ev, (e) => e.y),
  });
}
