/**
 * Dopant hops as events of their own: substitutional dopants are told from
 * host columns by intensity in every frame, the dopant columns alone are
 * linked into dopant tracks (`trackAtoms` with a search range longer than
 * one lattice constant, since a hop moves the dopant to a neighbouring
 * site), and a hop is a link longer than half a lattice constant. The hop
 * rate per dopant and unit time gets a Gamma posterior interval, as the
 * rates of `markovTransitions` (the dopant-hop statistics of A. Maksov et
 * al., npj Comput. Mater. 5, 12, 2019, Mo dopants in WS2). x = column,
 * y = row, pixels.
 */
import { Table, table } from "../table";
import { median } from "../core/select";
import { PointGrid } from "../atoms/grid";
import { trackAtoms } from "../series/track";
import { gammaQuantile } from "../core/special";
import { numericColumn } from "./descriptors";

/** Options of {@link dopantHops}. */
export interface DopantHopsOptions {
  /** A column is a dopant when its intensity exceeds `intensityRatio` × its frame's median column intensity (default 1.25); a ratio below 1 selects columns dimmer than that instead. */
  intensityRatio?: number;
  /** Nearest-neighbour spacing a, pixels (default: the median nearest-neighbour distance of frame 0). */
  latticeConstant?: number;
  /** Dopant links up to `searchRange` · a (default 1.6: a hop to a neighbouring site, diagonal ones included, but not two sites). */
  searchRange?: number;
  /** Frames a dopant may be missed and keep its track (default 1). */
  memory?: number;
  /** A link longer than `minHop` · a is a hop (default 0.5). */
  minHop?: number;
  /** Time between frames (default 1): the rate is per this unit. */
  frameTime?: number;
  /** Gamma prior shape of the rate (default 0.5, as `markovTransitions`) and interval level (default 0.95). */
  prior?: number;
  level?: number;
}

/** What {@link dopantHops} returns. */
export interface DopantHops {
  /** Dopant columns per frame linked into tracks: `frame`, `x`, `y`, `track`, `row` (the row in that frame's input table). */
  tracks: Table;
  /** One row per hop: `track`, `frame` (where the dopant is first seen at its new site), `fromX`, `fromY`, `toX`, `toY`, `distance` (px). */
  hops: Table;
  /** Frame intervals over which a dopant was followed (a link across a gap of g frames counts g). */
  exposure: number;
  /** Hops per dopant per unit time: Gamma(prior + hops, exposure · frameTime) posterior mean and central interval. */
  rate: number;
  rateLower: number;
  rateUpper: number;
}

/**
 * Dopant hops in a movie from its per-frame atom tables (columns `x`, `y`,
 * `intensity`: `findAtoms` on aligned frames, or `frameDescriptors().atoms`);
 * see the module comment. Throws naming the frame and column for a missing
 * or non-finite column, and for options out of range. A dopant lost
 * (knocked out, or no longer brighter) ends its track and is no hop; two
 * dopants closer than `searchRange` · a can swap identities, so the method
 * wants dilute dopants. Cost: O(frames · columns) plus the linking.
 * ```ts
 * const { hops, rate, rateLower, rateUpper } = dopantHops(frames.map((f) => findAtoms(f)), { frameTime: 0.5 });
 * ```
 */
export function dopantHops(tables: readonly Table[], options: DopantHopsOptions = {}): DopantHops {
  const where = "dopantHops(tables)";
  if (!Array.isArray(tables) || tables.length < 2) throw new TypeError(`${where}: tables must be an array of at least 2 atom tables (one per frame)`);
  const ratio = options.intensityRatio ?? 1.25, range = options.searchRange ?? 1.6, minHop = options.minHop ?? 0.5;
  const memory = options.memory ?? 1, dt = options.frameTime ?? 1, c = options.prior ?? 0.5, level = options.level ?? 0.95;
  for (const [name, v] of [["intensityRatio", ratio], ["searchRange", range], ["minHop", minHop], ["frameTime", dt], ["prior", c]] as const) {
    if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`${where}: options.${name} must be a finite number > 0, got ${v}`);
  }
  if (ratio === 1) throw new RangeError(`${where}: options.intensityRatio must differ from 1 (> 1: brighter dopants, < 1: dimmer ones)`);
  if (!(minHop < range)) throw new RangeError(`${where}: options.minHop (${minHop}) must be below options.searchRange (${range})`);
  if (!(Number.isInteger(memory) && memory >= 0)) throw new RangeError(`${where}: options.memory must be an integer >= 0, got ${memory}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`${where}: options.level must be in (0, 1), got ${level}`);
  const frames = tables.map((t, f) => {
    if (!(t instanceof Table)) throw new TypeError(`${where}: tables[${f}] must be a Table with columns x, y, intensity`);
    const w = `${where}: tables[${f}]`;
    return { x: numericColumn(t, "x", w), y: numericColumn(t, "y", w), v: numericColumn(t, "intensity", w) };
  });
  let a = options.latticeConstant;
  if (a === undefined) {
    const { x, y } = frames[0], grid = new PointGrid(x, y), d: number[] = [];
    for (let i = 0; i < x.length; i++) { const r = grid.nearest(x[i], y[i], 1, i); if (r.distance.length) d.push(r.distance[0]); }
    a = d.length ? median(Float64Array.from(d)) : NaN;
  }
  if (!(a > 0 && Number.isFinite(a))) throw new RangeError(`${where}: options.latticeConstant must be a finite number > 0 (frame 0 has too few columns to estimate it), got ${a}`);
  // the dopant rows of each frame
  const rows = frames.map(({ v }) => {
    const m = median(Float64Array.from(v)), out: number[] = [];
    for (let i = 0; i < v.length; i++) if (ratio > 1 ? v[i] > ratio * m : v[i] < ratio * m) out.push(i);
    return out;
  });
  const dop = rows.map((r, f) => ({ x: r.map((i) => frames[f].x[i]), y: r.map((i) => frames[f].y[i]) }));
  const linked = trackAtoms(dop, { searchRange: range * a, memory });
  const F = linked.numeric("frame"), X = linked.numeric("x"), Y = linked.numeric("y"), T = linked.numeric("track"), R = linked.numeric("row");
  const tracks = table({ frame: Int32Array.from(F), x: Float64Array.from(X), y: Float64Array.from(Y), track: Int32Array.from(T), row: Int32Array.from(R, (k, i) => rows[F[i]][k]) });
  // rows come frame by frame, so each track's previous observation is the last one seen
  const last = new Map<number, number>(), hop: number[][] = [];
  let exposure = 0;
  for (let i = 0; i < F.length; i++) {
    const p = last.get(T[i]);
    if (p !== undefined) {
      exposure += F[i] - F[p];
      const d = Math.hypot(X[i] - X[p], Y[i] - Y[p]);
      if (d > minHop * a) hop.push([T[i], F[i], X[p], Y[p], X[i], Y[i], d]);
    }
    last.set(T[i], i);
  }
  const col = (j: number) => Float64Array.from(hop, (h) => h[j]);
  const hops = table({ track: Int32Array.from(hop, (h) => h[0]), frame: Int32Array.from(hop, (h) => h[1]), fromX: col(2), fromY: col(3), toX: col(4), toY: col(5), distance: col(6) });
  const shape = c + hop.length, time = exposure * dt, lo = (1 - level) / 2;
  return {
    tracks, hops, exposure,
    rate: time > 0 ? shape / time : NaN,
    rateLower: time > 0 ? gammaQuantile(lo, shape, time) : NaN,
    rateUpper: time > 0 ? gammaQuantile(1 - lo, shape, time) : NaN,
  };
}
