/**
 * Colour maps for colouring atoms by a numeric column, shared by the atom
 * overlay widget and its static PNG (so both draw the same colours):
 * sequential (matplotlib's viridis, van der Walt & Smith 2015), diverging
 * (matplotlib's RdBu_r, ColorBrewer; white at the centre) and cyclic
 * (matplotlib's twilight, for angles: both ends the same colour), each as 33
 * anchors of matplotlib's 256-entry table with linear interpolation between
 * them (within 2 of 255 of matplotlib's own table). For vectors, a 2-D
 * angle–magnitude wheel: hue from the direction, brightness from the length
 * (the colour wheel of polarization maps in TEMUL and Atomap notebooks).
 */

/** The colour maps a numeric column can be drawn with. */
export type ColorMapName = "sequential" | "diverging" | "cyclic";
export const COLOR_MAPS: readonly ColorMapName[] = ["sequential", "diverging", "cyclic"];
/** The map of a colouring: one of a column's maps, or "wheel" for a vector (direction and length, `wheelRgb`). */
export type ColorByMap = ColorMapName | "wheel";
export const COLOR_BY_MAPS: readonly ColorByMap[] = [...COLOR_MAPS, "wheel"];

const ANCHORS: Record<ColorMapName, string> = {
  sequential:
    "440154 470d60 48186a 482374 472d7b 453781 424086 3e4989 3b528b 375b8d 33638d 2f6b8e 2c728e 297a8e 26828e 23898e 21918c 1f988b 1fa088 22a785 28ae80 32b67a 3fbc73 4ec36b 5ec962 70cf57 84d44b 98d83e addc30 c2df23 d8e219 ece51b fde725",
  diverging:
    "053061 0e4179 175290 1f63a8 2a71b2 3480b9 3f8ec0 529dc8 6bacd1 84bcd9 9bc9e0 aed3e6 c2ddec d4e6f1 e0ecf3 ecf2f5 f7f6f6 f9eee7 fbe5d8 fddcc9 fbccb4 f8bb9e f5aa89 ee9677 e48066 db6b55 d05548 c53e3d ba2832 ab162a 930e26 7c0722 67001f",
  cyclic:
    "e2d9e2 d7d7dd c4ced4 acc2cc 95b5c7 81a6c3 7297c1 6887be 6276ba 5f64b5 5e51ad 5d3da1 592a8f 511b77 45135c 381145 2f1436 3a113a 4a1342 5f174a 741e4f 872750 983550 a64550 b25652 bb6958 c27c63 c89073 cca389 d1b6a3 d8c7be dfd4d6 e2d9e2",
};

const TABLES: Partial<Record<ColorMapName, Uint8Array>> = {};

function anchors(map: ColorMapName): Uint8Array {
  let t = TABLES[map];
  if (!t) {
    const hex = ANCHORS[map].split(" ");
    t = new Uint8Array(hex.length * 3);
    hex.forEach((h, i) => {
      for (let c = 0; c < 3; c++) t![3 * i + c] = parseInt(h.slice(2 * c, 2 * c + 2), 16);
    });
    TABLES[map] = t;
  }
  return t;
}

/** RGB (0..255) of position `t` in [0, 1] of a colour map (clamped; NaN gives mid grey). O(1). */
export function colorMapRgb(map: ColorMapName, t: number): [number, number, number] {
  if (Number.isNaN(t)) return [128, 128, 128];
  const a = anchors(map);
  const n = a.length / 3 - 1;
  const u = Math.max(0, Math.min(1, t)) * n;
  const i = Math.min(n - 1, Math.floor(u)), f = u - i;
  return [0, 1, 2].map((c) => Math.round(a[3 * i + c] * (1 - f) + a[3 * (i + 1) + c] * f)) as [number, number, number];
}

/** "#rrggbb" of position `t` of a colour map. */
export function colorMapHex(map: ColorMapName, t: number): string {
  return "#" + colorMapRgb(map, t).map((v) => v.toString(16).padStart(2, "0")).join("");
}

/**
 * The default map of a column: diverging when its finite values lie on both
 * sides of zero (so zero is white and the sign reads at a glance), else
 * sequential. Cyclic is never guessed: ask for it (angles).
 */
export function defaultColorMap(values: ArrayLike<number>): "sequential" | "diverging" {
  let neg = false, pos = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0) neg = true;
    else if (v > 0) pos = true;
  }
  return neg && pos ? "diverging" : "sequential";
}

/**
 * The value range a map spans by default: sequential [min, max] of the
 * finite values; diverging [-m, m] with m = max |v| (zero at the centre);
 * cyclic one period of radians, [-π, π] or, when every value is in
 * [0, 2π] and some exceed π, [0, 2π]; other angles (degrees) need an
 * explicit range. Returns null when there is no finite value or (cyclic)
 * the values are not radians. O(n).
 */
export function defaultColorRange(values: ArrayLike<number>, map: ColorMapName): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return null;
  if (map === "diverging") {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    return m > 0 ? [-m, m] : [-1, 1];
  }
  if (map === "cyclic") {
    const eps = 1e-9;
    if (lo >= -Math.PI - eps && hi <= Math.PI + eps) return [-Math.PI, Math.PI];
    if (lo >= -eps && hi <= 2 * Math.PI + eps) return [0, 2 * Math.PI];
    return null;
  }
  return lo === hi ? [lo - 0.5, lo + 0.5] : [lo, hi];
}

/** Position in [0, 1] of value `v` on a map spanning `range` (cyclic wraps around; NaN stays NaN). */
export function colorPosition(v: number, range: readonly [number, number], map: ColorMapName): number {
  const t = (v - range[0]) / (range[1] - range[0]);
  if (map === "cyclic") return t - Math.floor(t);
  return t;
}

/**
 * RGB of a vector on the 2-D angle–magnitude wheel: hue from the direction
 * `angle` (radians, image axes: 0 = +x, π/2 = +y, i.e. downwards on the
 * screen), full saturation, brightness (HSV value) from `magnitude01` in
 * [0, 1] (0 black, 1 full colour). O(1).
 */
export function wheelRgb(angle: number, magnitude01: number): [number, number, number] {
  if (!Number.isFinite(angle) || !Number.isFinite(magnitude01)) return [128, 128, 128];
  const h = ((angle / (2 * Math.PI)) % 1 + 1) % 1 * 6;
  const v = Math.max(0, Math.min(1, magnitude01));
  const f = h - Math.floor(h), sector = Math.floor(h) % 6;
  const p = 0, q = v * (1 - f), t = v * f;
  const rgb = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][sector];
  return rgb.map((c) => Math.round(c * 255)) as [number, number, number];
}

/** A colouring of atoms as the payload carries it: values on a map over a range; for "wheel", directions with their lengths. */
export interface ColorBy {
  values: ArrayLike<number>;
  map: ColorByMap;
  range: readonly [number, number];
  magnitude?: ArrayLike<number>;
}

/** RGB of atom `i` under a colouring (the widget and the static PNG both colour with this). O(1). */
export function colorByRgb(c: ColorBy, i: number): [number, number, number] {
  if (c.map === "wheel") return wheelRgb(c.values[i], (c.magnitude ? c.magnitude[i] : NaN) / c.range[1]);
  return colorMapRgb(c.map, colorPosition(c.values[i], c.range, c.map));
}
