/**
 * Atom markers as pixel stamps, shared by the atom overlay widget and its
 * static PNG: a shape per class (circle, square, triangle, diamond, so
 * classes differ without colour), drawn as an outline by default (the
 * column under it stays visible) or filled, with a dark rim one pixel wide
 * for contrast on bright and dark images.
 */

export type MarkerShape = "circle" | "square" | "triangle" | "diamond";
export const MARKER_SHAPES: readonly MarkerShape[] = ["circle", "square", "triangle", "diamond"];
/** How markers are drawn: a ring (the default) or a filled shape. */
export type MarkerStyle = "outline" | "filled";
export const MARKER_STYLES: readonly MarkerStyle[] = ["outline", "filled"];

/** True when integer offset (dx, dy) is inside `shape` of circumradius-like size r (pixels). */
function inside(shape: MarkerShape, dx: number, dy: number, r: number): boolean {
  if (r <= 0) return false;
  switch (shape) {
    case "square": {
      const h = r * 0.82;
      return Math.abs(dx) <= h + 0.01 && Math.abs(dy) <= h + 0.01;
    }
    case "diamond":
      return Math.abs(dx) + Math.abs(dy) <= r * 1.15 + 0.01;
    case "triangle": {
      // pointing up; centroid at the origin
      const R = r * 1.25;
      return dy <= R / 2 + 0.01 && Math.abs(dx) <= (dy + R) / Math.sqrt(3) + 0.01;
    }
    default:
      return dx * dx + dy * dy <= r * r + 0.25;
  }
}

/** A marker's two stamps: `rim` (dark contrast edge) then `body` (the colour), flat [dx0, dy0, dx1, dy1, ...]. */
export interface MarkerStamp {
  rim: Int16Array;
  body: Int16Array;
  /** Largest |offset|: the stamp fits in a (2·reach + 1)² square. */
  reach: number;
}

/**
 * The pixel offsets of a marker of `shape`, size `r` (pixels from centre to
 * edge), outline `width` pixels wide (style "outline") or filled. The rim is
 * one pixel outside the body (and inside the ring). Below r = 2 every marker
 * is a filled dot (a ring that small hides nothing). O(r²).
 */
export function markerStamp(shape: MarkerShape, style: MarkerStyle, r: number, width = 2): MarkerStamp {
  const filled = style === "filled" || r < 2;
  const inner = shape === "triangle" ? r - 2 * width : r - width;
  const R = Math.ceil(r * 1.3 + 1);
  const rim: number[] = [], body: number[] = [];
  for (let dy = -R; dy <= R; dy++) {
    for (let dx = -R; dx <= R; dx++) {
      const inBody = inside(shape, dx, dy, r) && (filled || !inside(shape, dx, dy, inner));
      if (inBody) body.push(dx, dy);
      else if (inside(shape, dx, dy, r + 1) && (filled || !inside(shape, dx, dy, inner - 1))) rim.push(dx, dy);
    }
  }
  return { rim: Int16Array.from(rim), body: Int16Array.from(body), reach: R };
}

/**
 * Stamp `offsets` at (cx, cy) into a w × h RGBA buffer viewed as Uint32 (one
 * packed colour per pixel); pixels outside the buffer are skipped.
 */
export function stamp(buf: Uint32Array, w: number, h: number, cx: number, cy: number, offsets: Int16Array, color: number, reach: number): void {
  if (cx >= reach && cy >= reach && cx < w - reach && cy < h - reach) {
    const base = cy * w + cx;
    for (let j = 0; j < offsets.length; j += 2) buf[base + offsets[j + 1] * w + offsets[j]] = color;
    return;
  }
  for (let j = 0; j < offsets.length; j += 2) {
    const px = cx + offsets[j], py = cy + offsets[j + 1];
    if (px >= 0 && py >= 0 && px < w && py < h) buf[py * w + px] = color;
  }
}

/** A colour packed as the Uint32 that RGBA byte buffers hold on little-endian machines (ABGR). */
export function packRgba(r: number, g: number, b: number, a = 255): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** SVG path data of a marker of `shape` and size r centred at (x, y) (the same geometry as the stamps). */
export function markerPath(shape: MarkerShape, x: number, y: number, r: number): string {
  const f = (v: number) => Number(v.toFixed(2));
  switch (shape) {
    case "square": {
      const h = r * 0.82;
      return `M${f(x - h)} ${f(y - h)}h${f(2 * h)}v${f(2 * h)}h${f(-2 * h)}Z`;
    }
    case "diamond": {
      const d = r * 1.15;
      return `M${f(x)} ${f(y - d)}L${f(x + d)} ${f(y)}L${f(x)} ${f(y + d)}L${f(x - d)} ${f(y)}Z`;
    }
    case "triangle": {
      const R = r * 1.25, hw = (1.5 * R) / Math.sqrt(3);
      return `M${f(x)} ${f(y - R)}L${f(x + hw)} ${f(y + R / 2)}L${f(x - hw)} ${f(y + R / 2)}Z`;
    }
    default:
      return `M${f(x - r)} ${f(y)}a${f(r)} ${f(r)} 0 1 0 ${f(2 * r)} 0a${f(r)} ${f(r)} 0 1 0 ${f(-2 * r)} 0Z`;
  }
}

/**
 * The 1-sd ellipse of a 2-D covariance [[varX, covXY], [covXY, varY]]
 * (px²): semi-axes `major` ≥ `minor` (px, square roots of the eigenvalues)
 * and the major axis's angle (radians from +x towards +y). NaN semi-axes
 * when the matrix is not positive semi-definite or has a NaN. O(1).
 */
export function covarianceEllipse(varX: number, varY: number, covXY: number): { major: number; minor: number; angle: number } {
  const m = (varX + varY) / 2, d = Math.hypot((varX - varY) / 2, covXY);
  const l1 = m + d, l2 = m - d;
  if (!(l2 >= -1e-12 * Math.max(1, l1))) return { major: NaN, minor: NaN, angle: 0 };
  return { major: Math.sqrt(l1), minor: Math.sqrt(Math.max(0, l2)), angle: 0.5 * Math.atan2(2 * covXY, varX - varY) };
}
