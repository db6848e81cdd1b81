/**
 * Nearest-neighbour queries on 2-D points through a uniform bucket grid
 * (cell size ≈ typical neighbour distance): building is O(n), a k-nearest or
 * radius query touches O(k) points on evenly spread data such as atomic
 * columns, so all-neighbours queries cost O(n·k) instead of O(n²).
 */

/** A bucket grid over points (x = column, y = row, pixels). */
export class PointGrid {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly cell: number;
  private readonly x0: number;
  private readonly y0: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly start: Int32Array;
  private readonly items: Int32Array;

  /**
   * @param x, y point coordinates (pixels)
   * @param cell bucket size in pixels (default: from the mean density, ≈ 2 points per bucket)
   */
  constructor(x: ArrayLike<number>, y: ArrayLike<number>, cell?: number) {
    if (x.length !== y.length) throw new RangeError(`PointGrid: x has ${x.length} values, y has ${y.length}`);
    this.x = Float64Array.from(x);
    this.y = Float64Array.from(y);
    const n = this.x.length;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const a = this.x[i], b = this.y[i];
      if (!Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`PointGrid: point ${i} is not finite (${a}, ${b})`);
      if (a < x0) x0 = a; if (a > x1) x1 = a; if (b < y0) y0 = b; if (b > y1) y1 = b;
    }
    if (n === 0) { x0 = y0 = 0; x1 = y1 = 1; }
    const area = Math.max((x1 - x0) * (y1 - y0), 1);
    this.cell = cell && cell > 0 ? cell : Math.max(Math.sqrt((2 * area) / Math.max(n, 1)), 1e-6);
    this.x0 = x0; this.y0 = y0;
    this.nx = Math.max(1, Math.floor((x1 - x0) / this.cell) + 1);
    this.ny = Math.max(1, Math.floor((y1 - y0) / this.cell) + 1);
    const counts = new Int32Array(this.nx * this.ny + 1);
    const cellOf = new Int32Array(n);
    for (let i = 0; i < n; i++) { const c = this.cellIndex(this.x[i], this.y[i]); cellOf[i] = c; counts[c + 1]++; }
    for (let c = 0; c < this.nx * this.ny; c++) counts[c + 1] += counts[c];
    this.start = counts;
    const fill = counts.slice(0, -1);
    this.items = new Int32Array(n);
    for (let i = 0; i < n; i++) this.items[fill[cellOf[i]]++] = i;
  }

  private cellIndex(x: number, y: number): number {
    const cx = Math.min(this.nx - 1, Math.max(0, Math.floor((x - this.x0) / this.cell)));
    const cy = Math.min(this.ny - 1, Math.max(0, Math.floor((y - this.y0) / this.cell)));
    return cy * this.nx + cx;
  }

  get size(): number { return this.x.length; }

  /** Indices of the points within distance `r` of (px, py) (unordered). */
  within(px: number, py: number, r: number): number[] {
    const out: number[] = [];
    const cx0 = Math.max(0, Math.floor((px - r - this.x0) / this.cell)), cx1 = Math.min(this.nx - 1, Math.floor((px + r - this.x0) / this.cell));
    const cy0 = Math.max(0, Math.floor((py - r - this.y0) / this.cell)), cy1 = Math.min(this.ny - 1, Math.floor((py + r - this.y0) / this.cell));
    const r2 = r * r;
    for (let cy = cy0; cy <= cy1; cy++) for (let cx = cx0; cx <= cx1; cx++) {
      const c = cy * this.nx + cx;
      for (let k = this.start[c]; k < this.start[c + 1]; k++) {
        const i = this.items[k], dx = this.x[i] - px, dy = this.y[i] - py;
        if (dx * dx + dy * dy <= r2) out.push(i);
      }
    }
    return out;
  }

  /**
   * The k nearest points to (px, py), nearest first, excluding index `exclude`
   * (use −1 for none), optionally only within `maxDistance`.
   */
  nearest(px: number, py: number, k: number, exclude = -1, maxDistance = Infinity): { index: number[]; distance: number[] } {
    const best: Array<[number, number]> = [];
    const n = this.x.length;
    if (n === 0 || k <= 0) return { index: [], distance: [] };
    const pcx = Math.floor((px - this.x0) / this.cell), pcy = Math.floor((py - this.y0) / this.cell);
    const maxRing = Math.max(this.nx, this.ny) + Math.abs(pcx) + Math.abs(pcy) + 1;
    for (let ring = 0; ring <= maxRing; ring++) {
      // Stop when the ring's nearest possible distance exceeds the k-th best.
      const ringDist = (ring - 1) * this.cell;
      if (best.length >= k && ringDist > best[best.length - 1][0]) break;
      if (ringDist > maxDistance) break;
      for (let cy = pcy - ring; cy <= pcy + ring; cy++) {
        if (cy < 0 || cy >= this.ny) continue;
        const edgeRow = cy === pcy - ring || cy === pcy + ring;
        for (let cx = pcx - ring; cx <= pcx + ring; cx += edgeRow ? 1 : 2 * ring || 1) {
          if (cx < 0 || cx >= this.nx) continue;
          const c = cy * this.nx + cx;
          for (let t = this.start[c]; t < this.start[c + 1]; t++) {
            const i = this.items[t];
            if (i === exclude) continue;
            const d = Math.hypot(this.x[i] - px, this.y[i] - py);
            if (d > maxDistance) continue;
            if (best.length < k || d < best[best.length - 1][0]) {
              let pos = best.length;
              while (pos > 0 && best[pos - 1][0] > d) pos--;
              best.splice(pos, 0, [d, i]);
              if (best.length > k) best.pop();
            }
          }
        }
      }
    }
    return { index: best.map((b) => b[1]), distance: best.map((b) => b[0]) };
  }
}

/**
 * For every point, its k nearest other points (pixels), via a bucket grid.
 * Returns row-major n×k index and distance arrays (−1 / NaN where fewer exist).
 */
export function nearestNeighbors(x: ArrayLike<number>, y: ArrayLike<number>, k = 6): { index: Int32Array; distance: Float64Array; k: number } {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`nearestNeighbors: k must be a positive integer, got ${k}`);
  const g = new PointGrid(x, y);
  const n = g.size;
  const index = new Int32Array(n * k).fill(-1), distance = new Float64Array(n * k).fill(NaN);
  for (let i = 0; i < n; i++) {
    const r = g.nearest(g.x[i], g.y[i], k, i);
    for (let t = 0; t < r.index.length; t++) { index[i * k + t] = r.index[t]; distance[i * k + t] = r.distance[t]; }
  }
  return { index, distance, k };
}
