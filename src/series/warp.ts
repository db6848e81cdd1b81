/**
 * The pieces of non-rigid correction (`alignSeries` with `nonRigid`): square
 * tiles on a regular grid, a displacement field interpolated bilinearly
 * between tile centres, and an image resampled through such a field by
 * bilinear interpolation. x = column, y = row, pixels.
 */
import type { Image } from "../image/image";

/** A grid of n × n tiles over a width × height image: tile origins and centres. Tiles overlap by half. */
export interface TileGrid {
  n: number;
  /** Tile side, pixels (twice the grid pitch, at most the image). */
  size: [number, number];
  /** Left and top edge of the tiles of each column / row of the grid. */
  x0: number[];
  y0: number[];
  /** Centres of the tiles of each column / row, pixels. */
  cx: number[];
  cy: number[];
}

/** The tile grid of `n` tiles per side over a `width` × `height` image. */
export function tileGrid(width: number, height: number, n: number): TileGrid {
  const side = (len: number) => Math.min(len, 2 * Math.round(len / n));
  const size: [number, number] = [side(width), side(height)];
  const origins = (len: number, s: number) => Array.from({ length: n }, (_, k) => Math.min(len - s, Math.max(0, Math.round(((k + 0.5) * len) / n - s / 2))));
  const x0 = origins(width, size[0]), y0 = origins(height, size[1]);
  return { n, size, x0, y0, cx: x0.map((x) => x + (size[0] - 1) / 2), cy: y0.map((y) => y + (size[1] - 1) / 2) };
}

/** Tile (tx, ty) of `image` as an image of its own. */
export function tileOf(image: Image, g: TileGrid, tx: number, ty: number): Image {
  const [w, h] = g.size, x0 = g.x0[tx], y0 = g.y0[ty];
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) data.set(image.data.subarray((y0 + y) * image.width + x0, (y0 + y) * image.width + x0 + w), y * w);
  return { data, width: w, height: h };
}

/** Linear interpolation weight of `v` between the sorted centres `c`: index of the left centre and the fraction (clamped at the ends). */
function bracket(c: number[], v: number): [number, number] {
  if (c.length === 1 || v <= c[0]) return [0, 0];
  if (v >= c[c.length - 1]) return [c.length - 2, 1];
  let k = 0;
  while (v > c[k + 1]) k++;
  return [k, (v - c[k]) / (c[k + 1] - c[k])];
}

/**
 * `image` resampled through a field given at the tile centres: out(x, y) =
 * image(x + u, y + v), (u, v) the field at (x, y) interpolated bilinearly
 * between centres (constant beyond the outer ones); `field[ty * n + tx]` =
 * [u, v]. Pixels sampled bilinearly, coordinates clamped to the image.
 * Cost O(width·height).
 */
export function warpImage(image: Image, g: TileGrid, field: number[][]): Image {
  const { width: W, height: H, data } = image;
  const out = new Float32Array(W * H);
  const n = g.n;
  const xb = Array.from({ length: W }, (_, x) => bracket(g.cx, x));
  for (let y = 0; y < H; y++) {
    const [ky, fy] = bracket(g.cy, y);
    const ky1 = Math.min(ky + 1, n - 1);
    for (let x = 0; x < W; x++) {
      const [kx, fx] = xb[x];
      const kx1 = Math.min(kx + 1, n - 1);
      const a = field[ky * n + kx], b = field[ky * n + kx1], c = field[ky1 * n + kx], d = field[ky1 * n + kx1];
      const u = (1 - fy) * ((1 - fx) * a[0] + fx * b[0]) + fy * ((1 - fx) * c[0] + fx * d[0]);
      const v = (1 - fy) * ((1 - fx) * a[1] + fx * b[1]) + fy * ((1 - fx) * c[1] + fx * d[1]);
      const sx = Math.min(W - 1, Math.max(0, x + u)), sy = Math.min(H - 1, Math.max(0, y + v));
      const x0 = Math.min(W - 2, Math.floor(sx)), y0 = Math.min(H - 2, Math.floor(sy));
      const tx = sx - x0, ty = sy - y0, o = y0 * W + x0;
      out[y * W + x] = (1 - ty) * ((1 - tx) * data[o] + tx * data[o + 1]) + ty * ((1 - tx) * data[o + W] + tx * data[o + W + 1]);
    }
  }
  const img: Image = { data: out, width: W, height: H };
  if (image.calibration) img.calibration = { ...image.calibration };
  return img;
}
