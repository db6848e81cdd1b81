/** Geometry of the atom overlay: the view transform, hit testing, lasso/box membership. */

/** Screen = image × scale + offset (screen in CSS pixels of the canvas, image in image pixels). */
export interface View {
  scale: number;
  tx: number;
  ty: number;
}

/** The view that fits a w × h image centred in a cw × ch canvas. */
export function fitView(w: number, h: number, cw: number, ch: number): View {
  const scale = Math.min(cw / w, ch / h);
  return { scale, tx: (cw - w * scale) / 2, ty: (ch - h * scale) / 2 };
}

/** Zoom by `factor` keeping the image point under screen (sx, sy) fixed. */
export function zoomAt(v: View, sx: number, sy: number, factor: number, minScale = 1e-3, maxScale = 1e3): View {
  const scale = Math.max(minScale, Math.min(maxScale, v.scale * factor));
  const f = scale / v.scale;
  return { scale, tx: sx - (sx - v.tx) * f, ty: sy - (sy - v.ty) * f };
}

export function toImage(v: View, sx: number, sy: number): [number, number] {
  return [(sx - v.tx) / v.scale, (sy - v.ty) / v.scale];
}

export function toScreen(v: View, x: number, y: number): [number, number] {
  return [x * v.scale + v.tx, y * v.scale + v.ty];
}

/** Even-odd point-in-polygon test; `poly` is a flat [x0, y0, x1, y1, ...] list. */
export function pointInPolygon(x: number, y: number, poly: ArrayLike<number>): boolean {
  let inside = false;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i], yi = poly[2 * i + 1], xj = poly[2 * j], yj = poly[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Indices (ascending) of the atoms inside a polygon (image coordinates),
 * among those for which `include(i)` holds. O(n) with a bounding-box reject.
 */
export function atomsInPolygon(x: ArrayLike<number>, y: ArrayLike<number>, poly: ArrayLike<number>, include: (i: number) => boolean = () => true): number[] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let k = 0; k < poly.length; k += 2) {
    x0 = Math.min(x0, poly[k]); x1 = Math.max(x1, poly[k]);
    y0 = Math.min(y0, poly[k + 1]); y1 = Math.max(y1, poly[k + 1]);
  }
  const out: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const xi = x[i], yi = y[i];
    if (xi < x0 || xi > x1 || yi < y0 || yi > y1) continue;
    if (include(i) && pointInPolygon(xi, yi, poly)) out.push(i);
  }
  return out;
}

/** The polygon of an axis-aligned box between two corners. */
export function boxPolygon(xa: number, ya: number, xb: number, yb: number): number[] {
  return [xa, ya, xb, ya, xb, yb, xa, yb];
}

/**
 * A uniform grid over atom positions for nearest-atom queries (hover):
 * build O(n), query O(atoms in the 3×3 neighbouring cells).
 */
export class AtomGrid {
  private readonly cell: number;
  private readonly cols: number;
  private readonly rows: number;
  private readonly start: Int32Array;
  /** Atom indices ordered by cell (row-major); `rowRanges` indexes into it. */
  readonly items: Int32Array;

  constructor(private readonly x: ArrayLike<number>, private readonly y: ArrayLike<number>, width: number, height: number, cellSize: number) {
    this.cell = Math.max(1, cellSize);
    this.cols = Math.max(1, Math.ceil(width / this.cell) + 1);
    this.rows = Math.max(1, Math.ceil(height / this.cell) + 1);
    const n = x.length;
    const cellOf = new Int32Array(n);
    const counts = new Int32Array(this.cols * this.rows + 1);
    for (let i = 0; i < n; i++) {
      const c = this.cellIndex(x[i], y[i]);
      cellOf[i] = c;
      if (c >= 0) counts[c + 1]++;
    }
    for (let c = 0; c < this.cols * this.rows; c++) counts[c + 1] += counts[c];
    this.start = counts.slice();
    const fill = counts.slice();
    this.items = new Int32Array(n);
    for (let i = 0; i < n; i++) if (cellOf[i] >= 0) this.items[fill[cellOf[i]]++] = i;
  }

  private cellIndex(x: number, y: number): number {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return -1;
    // atoms outside the image go to the border cells, so that they are still drawn
    const cx = Math.max(0, Math.min(this.cols - 1, Math.floor(x / this.cell)));
    const cy = Math.max(0, Math.min(this.rows - 1, Math.floor(y / this.cell)));
    return cy * this.cols + cx;
  }

  /**
   * The atoms in the grid cells that overlap the image-pixel box [x0, x1] ×
   * [y0, y1] (a superset of the atoms inside it; atoms outside the image sit
   * in the border cells): flat [begin, end) pairs, one per row of cells,
   * into `items`. O(rows of cells in the box).
   */
  rowRanges(x0: number, y0: number, x1: number, y1: number): Int32Array {
    const c0 = Math.max(0, Math.floor(x0 / this.cell)), c1 = Math.min(this.cols - 1, Math.floor(x1 / this.cell));
    const r0 = Math.max(0, Math.floor(y0 / this.cell)), r1 = Math.min(this.rows - 1, Math.floor(y1 / this.cell));
    if (c1 < c0 || r1 < r0) return new Int32Array(0);
    const out = new Int32Array(2 * (r1 - r0 + 1));
    for (let gy = r0, k = 0; gy <= r1; gy++, k += 2) {
      out[k] = this.start[gy * this.cols + c0];
      out[k + 1] = this.start[gy * this.cols + c1 + 1];
    }
    return out;
  }

  /** Index of the nearest atom within `maxDist` of (px, py) for which `include(i)` holds, or -1. */
  nearest(px: number, py: number, maxDist: number, include: (i: number) => boolean = () => true): number {
    let best = -1, bestD = maxDist * maxDist;
    const reach = Math.ceil(maxDist / this.cell);
    const cx = Math.floor(px / this.cell), cy = Math.floor(py / this.cell);
    for (let gy = cy - reach; gy <= cy + reach; gy++) {
      if (gy < 0 || gy >= this.rows) continue;
      for (let gx = cx - reach; gx <= cx + reach; gx++) {
        if (gx < 0 || gx >= this.cols) continue;
        const c = gy * this.cols + gx;
        for (let k = this.start[c]; k < this.start[c + 1]; k++) {
          const i = this.items[k];
          const dx = this.x[i] - px, dy = this.y[i] - py, d = dx * dx + dy * dy;
          if (d <= bestD && include(i)) { bestD = d; best = i; }
        }
      }
    }
    return best;
  }
}
