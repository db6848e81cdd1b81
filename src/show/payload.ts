/**
 * Building the widget payloads (docs/widgets.md) from library values: the
 * checks of `show.atoms` / `show.graph` arguments, with errors that name the
 * argument. The MIME types, payload types and parsers are defined once, in
 * ./shared/schema.ts, which the JupyterLab extension imports too.
 */
import type { Image } from "../image/image";
import { toBase64, toGreyLevels, encodeGreyPng, type GreyLevelOptions } from "../display/png";
import { COLOR_MAPS, defaultColorMap, defaultColorRange, type ColorByMap, type ColorMapName } from "./shared/colormap";
import { MARKER_SHAPES, MARKER_STYLES, type MarkerShape, type MarkerStyle } from "./shared/markers";
import {
  DTYPE_ARRAYS, GRAPH_LAYOUTS, PALETTE, PayloadError, isHexColor, parseGraphPrior, typeOfMarks,
  type AtomsPayloadJSON, type ChartPayloadJSON, type EdgeType, type FramesJSON, type EncodedColumn, type EndpointMark, type GraphEdgeJSON, type GraphLayoutName, type GraphPayloadJSON, type GraphPrior,
} from "./shared/schema";
import { checkChoice } from "../core/options";

/** A column as little-endian typed data in base64 (`dtype` default float32). O(n). */
export function encodeColumn(values: ArrayLike<number>, dtype: EncodedColumn["dtype"] = "float32"): EncodedColumn {
  const typed = DTYPE_ARRAYS[dtype].from(values);
  return { dtype, base64: toBase64(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength)) };
}

let counter = 0;
/** An id for one displayed view (selections name the view they came from). */
export function newViewId(kind: string): string {
  counter += 1;
  return `${kind}-${Date.now().toString(36)}-${counter}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

// ---------------------------------------------------------------------------
// Atoms: normalising what users pass

/** Atom positions and per-atom columns: a causalscope Table, an object of columns, or an array of rows. */
export type AtomsInput =
  | { columnNames: string[]; column(name: string): ArrayLike<number> | string[] }
  | Record<string, ArrayLike<number> | string[]>
  | ReadonlyArray<Record<string, unknown>>;

/** Options of `show.atoms`. */
export interface ShowAtomsOptions extends GreyLevelOptions {
  /** Title shown above the widget and in the text fallback. */
  title?: string;
  /** Column holding each atom's class (sublattice, species...). Default: "sublattice", else "class", else none. Classes are listed (and coloured) in sorted order. */
  classColumn?: string | null;
  /** Colours per class name ("#rrggbb"); others come from the palette. Used when markers are coloured by class (no `colorBy`). */
  colors?: Record<string, string>;
  /** Marker shape per class name ("circle", "square", "triangle", "diamond"); others take the shapes in that order by class. */
  shapes?: Record<string, MarkerShape>;
  /** Markers drawn as "outline" (default: the column stays visible) or "filled". */
  marker?: MarkerStyle;
  /** Colour markers (and arrows) by this numeric column, with a colour bar, instead of by class; or by a vector, two columns [dx, dy], on a 2-D colour wheel (hue: direction, brightness: length up to `colorRange[1]`, default the largest length). */
  colorBy?: string | [string, string];
  /** Colour map for `colorBy`: "auto" (default: "diverging" when the values lie on both sides of 0, else "sequential"), "sequential" (viridis), "diverging" (RdBu, white at the centre of the range) or "cyclic" (twilight, for angles). */
  colorMap?: "auto" | ColorMapName;
  /** Values at the two ends of the colour map. Default: [min, max]; diverging [-max|v|, max|v|]; cyclic [-π, π] or [0, 2π] (radians; other periods need this). */
  colorRange?: [number, number];
  /** Vector columns [dx, dy] drawn as arrows, in image pixels. Default ["dx", "dy"] when both exist; null for none. */
  vectors?: [string, string] | null;
  /** Columns of the 1-sd positional uncertainty [sx, sy] (px) or [sx, sy, covXY] (px²), drawn as ellipses scaled by the arrows' gain (so an arrow reaching outside its ellipse is a displacement beyond 1 sd). Default ["uncertaintyX", "uncertaintyY"] (the columns findAtoms writes) when both exist; null for none. */
  ellipses?: [string, string] | [string, string, string] | null;
  /** Name of the vector quantity in the legend/tooltip. Default "displacement". */
  vectorLabel?: string;
  /** Initial arrow gain (arrow length = gain × vector length). Default: so the median arrow is 1/3 of the atom spacing, rounded to 1, 2 or 5 × 10^k. */
  gain?: number;
  /** Columns shown in the tooltip. Default: every other column. */
  properties?: string[];
  /** Displayed atom radius in image pixels. Default: 0.15 × the mean atom spacing, within 1..12. */
  radius?: number;
  /** Column of each atom's frame (integers from 0) in an image series: the widget shows one frame at a time with a frame slider. Default "frame" when the atoms have it; null for none. Needed when `image` is several frames. */
  frameColumn?: string | null;
  /** Column of each atom's track id (integer ≥ 0, NaN or negative: none), as `trackAtoms` writes: drawn as trails up to the frame shown. Default "track" when there are frames and the atoms have it; null for none. */
  trackColumn?: string | null;
  /** Link group: atom overlays and linked charts (`show.scatter`) with the same `link` share one selection in JupyterLab (a brush in the chart highlights the atoms; a box or lasso here highlights the chart's points). */
  link?: string;
}

export interface NormalisedAtoms {
  count: number;
  x: Float64Array;
  y: Float64Array;
  cls: Int32Array;
  classes: { name: string; color: string; shape: MarkerShape }[];
  vectors?: { dx: Float64Array; dy: Float64Array; label: string };
  properties: { name: string; values: Float64Array | string[] }[];
  radius: number;
  gain: number;
  marker: MarkerStyle;
  colorBy?: { name: string; values: Float64Array; map: ColorByMap; range: [number, number]; magnitude?: Float64Array };
  ellipses?: { sx: Float64Array; sy: Float64Array; sxy?: Float64Array; gain: number };
  /** Per-atom frame (0 .. count - 1) of an image series, and track ids (-1: none). */
  frames?: { count: number; frame: Int32Array; track?: Int32Array };
}

function columnsOf(atoms: AtomsInput, where: string): Map<string, ArrayLike<number> | string[]> {
  const out = new Map<string, ArrayLike<number> | string[]>();
  if (atoms === null || typeof atoms !== "object") throw new TypeError(`${where}: atoms must be a Table, an object of columns or an array of rows, got ${atoms === null ? "null" : typeof atoms}`);
  const t = atoms as { columnNames?: unknown; column?: unknown };
  if (Array.isArray(t.columnNames) && typeof t.column === "function") {
    for (const name of t.columnNames as string[]) out.set(name, (t.column as (n: string) => ArrayLike<number> | string[])(name));
  } else if (Array.isArray(atoms)) {
    const rows = atoms as ReadonlyArray<Record<string, unknown>>;
    const names = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r ?? {})) names.add(k);
    for (const name of names) {
      const vals = rows.map((r) => r?.[name]);
      out.set(name, vals.every((v) => typeof v === "string") ? (vals as string[]) : Float64Array.from(vals, (v) => (typeof v === "number" ? v : NaN)));
    }
  } else {
    for (const [name, v] of Object.entries(atoms)) {
      if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) out.set(name, v as ArrayLike<number> | string[]);
    }
  }
  return out;
}

function numericColumn(cols: Map<string, ArrayLike<number> | string[]>, name: string, n: number, where: string): Float64Array {
  const c = cols.get(name);
  if (!c) throw new TypeError(`${where}: atoms have no "${name}" column (columns: ${[...cols.keys()].join(", ") || "none"})`);
  if (c.length !== n) throw new RangeError(`${where}: column "${name}" has ${c.length} values, "x" has ${n}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = c[i];
    if (typeof v !== "number") throw new TypeError(`${where}: column "${name}" must be numeric, row ${i} is ${JSON.stringify(v)}`);
    out[i] = v;
  }
  return out;
}

/**
 * The frames of `show.atoms`: the frame column (integers 0 .. frames - 1;
 * `imageCount` > 1 frames need one, and no frame may be past the last
 * image) and the track column. Undefined without a frame column. O(n).
 */
function framesOf(cols: Map<string, ArrayLike<number> | string[]>, options: ShowAtomsOptions, n: number, imageCount: number, where: string): NormalisedAtoms["frames"] {
  let name = options.frameColumn;
  if (name === undefined) name = cols.has("frame") ? "frame" : null;
  if (name === null) {
    if (imageCount > 1) throw new TypeError(`${where}: image is ${imageCount} frames, so the atoms need a frame column (options.frameColumn; default "frame"), got columns ${[...cols.keys()].join(", ")}`);
    return undefined;
  }
  if (typeof name !== "string") throw new TypeError(`${where}: options.frameColumn must be a column name or null, got ${typeof name}`);
  const col = numericColumn(cols, name, n, where);
  const frame = new Int32Array(n);
  let count = imageCount;
  for (let i = 0; i < n; i++) {
    const k = col[i];
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`${where}: column "${name}" (frames) row ${i} is ${k}, not a frame index (an integer ≥ 0)`);
    if (imageCount > 1 && k >= imageCount) throw new RangeError(`${where}: column "${name}" (frames) row ${i} is frame ${k}, but image has ${imageCount} frames`);
    frame[i] = k;
    if (k + 1 > count) count = k + 1;
  }
  let tname = options.trackColumn;
  if (tname === undefined) tname = cols.has("track") ? "track" : null;
  if (tname === null) return { count, frame };
  if (typeof tname !== "string") throw new TypeError(`${where}: options.trackColumn must be a column name or null, got ${typeof tname}`);
  const t = numericColumn(cols, tname, n, where);
  const track = Int32Array.from(t, (v, i) => {
    if (!(v >= 0)) return -1;
    if (!Number.isInteger(v) || v > 2147483647) throw new RangeError(`${where}: column "${tname}" (tracks) row ${i} is ${v}, not a track id (an integer ≥ 0, or NaN / negative for none)`);
    return v;
  });
  return { count, frame, track };
}

/** The atoms of rows `rows` (e.g. one frame's), every per-atom column taken along. O(rows × columns). */
export function subsetAtoms(a: NormalisedAtoms, rows: ArrayLike<number>): NormalisedAtoms {
  const f64 = (v: Float64Array) => Float64Array.from(rows, (i) => v[i]);
  const out: NormalisedAtoms = {
    ...a,
    count: rows.length,
    x: f64(a.x),
    y: f64(a.y),
    cls: Int32Array.from(rows, (i) => a.cls[i]),
    properties: a.properties.map((p) => ({ name: p.name, values: Array.isArray(p.values) ? Array.from(rows, (i) => (p.values as string[])[i]) : f64(p.values as Float64Array) })),
    frames: undefined,
  };
  if (a.vectors) out.vectors = { ...a.vectors, dx: f64(a.vectors.dx), dy: f64(a.vectors.dy) };
  if (a.colorBy) out.colorBy = { ...a.colorBy, values: f64(a.colorBy.values), magnitude: a.colorBy.magnitude && f64(a.colorBy.magnitude) };
  if (a.ellipses) out.ellipses = { ...a.ellipses, sx: f64(a.ellipses.sx), sy: f64(a.ellipses.sy), sxy: a.ellipses.sxy && f64(a.ellipses.sxy) };
  return out;
}

/** Check and normalise `show.atoms` arguments (`imageCount`: frames of the image series); throws naming the argument and the reason. */
export function normaliseAtoms(image: Image, atoms: AtomsInput, options: ShowAtomsOptions = {}, where = "show.atoms", imageCount = 1): NormalisedAtoms {
  const cols = columnsOf(atoms, where);
  const xs = cols.get("x");
  if (!xs) throw new TypeError(`${where}: atoms need "x" and "y" columns (image pixels: x = column, y = row); got columns ${[...cols.keys()].join(", ") || "none"}`);
  const n = xs.length;
  const x = numericColumn(cols, "x", n, where);
  const y = numericColumn(cols, "y", n, where);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new RangeError(`${where}: atom ${i} has a non-finite position (x ${x[i]}, y ${y[i]})`);
  }
  const used = new Set(["x", "y"]);
  // classes
  let classColumn = options.classColumn;
  if (classColumn === undefined) classColumn = cols.has("sublattice") ? "sublattice" : cols.has("class") ? "class" : null;
  const cls = new Int32Array(n);
  let names: string[] = ["atoms"];
  if (classColumn) {
    const c = cols.get(classColumn);
    if (!c) throw new TypeError(`${where}: options.classColumn "${classColumn}" is not a column of atoms`);
    if (c.length !== n) throw new RangeError(`${where}: column "${classColumn}" has ${c.length} values, "x" has ${n}`);
    const keys: (string | number)[] = [];
    for (let i = 0; i < n; i++) keys.push(c[i] as string | number);
    const uniq = [...new Set(keys)];
    if (uniq.every((k) => typeof k === "number")) (uniq as number[]).sort((a, b) => a - b);
    else uniq.sort((a, b) => String(a).localeCompare(String(b), "en"));
    if (uniq.length > 65535) throw new RangeError(`${where}: column "${classColumn}" has ${uniq.length} distinct values; at most 65535 classes`);
    const index = new Map(uniq.map((k, i) => [k, i]));
    for (let i = 0; i < n; i++) cls[i] = index.get(keys[i])!;
    names = uniq.map((k) => String(k));
    used.add(classColumn);
  }
  const colors = options.colors ?? {};
  for (const [k, v] of Object.entries(colors)) if (!isHexColor(v)) throw new RangeError(`${where}: options.colors["${k}"] must be "#rrggbb", got ${JSON.stringify(v)}`);
  // own keys only: a class named "constructor" takes no colour from Object.prototype
  const shapes = options.shapes ?? {};
  for (const [k, v] of Object.entries(shapes)) if (!MARKER_SHAPES.includes(v)) throw new RangeError(`${where}: options.shapes["${k}"] must be one of ${MARKER_SHAPES.map((m) => `"${m}"`).join(", ")}; got ${JSON.stringify(v)}`);
  const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  const palette = classColors(names, colors);
  const classes = names.map((name, i) => ({
    name,
    color: palette[i],
    shape: own(shapes, name) ? shapes[name] : MARKER_SHAPES[i % MARKER_SHAPES.length],
  }));
  const marker = options.marker ?? "outline";
  if (!MARKER_STYLES.includes(marker)) throw new RangeError(`${where}: options.marker must be one of ${MARKER_STYLES.map((m) => `"${m}"`).join(", ")}; got ${JSON.stringify(marker)}`);
  const colorBy = options.colorBy === undefined ? undefined : colorByColumn(cols, options, n, where);
  // vectors
  let vectors: NormalisedAtoms["vectors"];
  let vec = options.vectors;
  if (vec === undefined) vec = cols.has("dx") && cols.has("dy") ? ["dx", "dy"] : null;
  if (vec) {
    if (!Array.isArray(vec) || vec.length !== 2) throw new TypeError(`${where}: options.vectors must be [dxColumn, dyColumn] or null`);
    vectors = { dx: numericColumn(cols, vec[0], n, where), dy: numericColumn(cols, vec[1], n, where), label: options.vectorLabel ?? "displacement" };
    used.add(vec[0]).add(vec[1]);
  }
  // uncertainty ellipses
  let ell = options.ellipses;
  if (ell === undefined) ell = cols.has("uncertaintyX") && cols.has("uncertaintyY") ? ["uncertaintyX", "uncertaintyY"] : null;
  let ellipseCols: { sx: Float64Array; sy: Float64Array; sxy?: Float64Array } | undefined;
  if (ell) {
    if (!Array.isArray(ell) || (ell.length !== 2 && ell.length !== 3)) throw new TypeError(`${where}: options.ellipses must be [sxColumn, syColumn], [sxColumn, syColumn, covXYColumn] or null`);
    ellipseCols = { sx: numericColumn(cols, ell[0], n, where), sy: numericColumn(cols, ell[1], n, where), sxy: ell[2] === undefined ? undefined : numericColumn(cols, ell[2], n, where) };
  }
  const frames = framesOf(cols, options, n, imageCount, where);
  // spacing (of one frame's atoms) → radius, gain
  const W = image.width, H = image.height;
  const perFrame = n / (frames ? frames.count : 1);
  const spacing = perFrame > 0 ? Math.sqrt((W * H) / perFrame) : 10;
  const radius = options.radius ?? Math.max(1, Math.min(12, 0.15 * spacing));
  if (!(radius > 0 && Number.isFinite(radius))) throw new RangeError(`${where}: options.radius must be a positive number of pixels, got ${options.radius}`);
  let gain = options.gain ?? 1;
  if (options.gain === undefined && vectors) {
    const lens: number[] = [];
    for (let i = 0; i < n; i++) {
      const l = Math.hypot(vectors.dx[i], vectors.dy[i]);
      if (Number.isFinite(l) && l > 0) lens.push(l);
    }
    lens.sort((a, b) => a - b);
    const med = lens.length ? lens[lens.length >> 1] : 0;
    if (med > 0) gain = niceNumber(spacing / 3 / med);
  }
  if (!(gain > 0 && Number.isFinite(gain))) throw new RangeError(`${where}: options.gain must be a positive number, got ${options.gain}`);
  // properties
  const propNames = options.properties ?? [...cols.keys()].filter((k) => !used.has(k));
  const properties = propNames.map((name) => {
    const c = cols.get(name);
    if (!c) throw new TypeError(`${where}: options.properties names "${name}", which is not a column of atoms`);
    if (c.length !== n) throw new RangeError(`${where}: column "${name}" has ${c.length} values, "x" has ${n}`);
    if (Array.isArray(c) && c.length > 0 && typeof c[0] === "string") return { name, values: (c as string[]).map(String) };
    return { name, values: Float64Array.from(c as ArrayLike<number>) };
  });
  // ellipses share the arrows' gain; without arrows, the median 1-sd ellipse is drawn about 1/6 of the spacing
  let ellipses: NormalisedAtoms["ellipses"];
  if (ellipseCols) {
    let eg = gain;
    if (!vectors) {
      const sd: number[] = [];
      for (let i = 0; i < n; i++) { const v = Math.max(ellipseCols.sx[i], ellipseCols.sy[i]); if (v > 0) sd.push(v); }
      sd.sort((p, q) => p - q);
      eg = sd.length ? niceNumber(spacing / 6 / sd[sd.length >> 1]) : 1;
    }
    ellipses = { ...ellipseCols, gain: eg };
  }
  if (options.link !== undefined && (typeof options.link !== "string" || options.link === "")) throw new TypeError(`${where}: options.link must be a non-empty string (the name of a link group), got ${JSON.stringify(options.link)}`);
  return { count: n, x, y, cls, classes, vectors, properties, radius, gain, marker, colorBy, ellipses, frames };
}

/** The `colorBy` column with its map and range (options.colorMap / colorRange or their defaults); throws naming the option. */
function colorByColumn(cols: Map<string, ArrayLike<number> | string[]>, options: ShowAtomsOptions, n: number, where: string): NonNullable<NormalisedAtoms["colorBy"]> {
  const name = options.colorBy!;
  if (Array.isArray(name)) return colorByVector(cols, options, n, where);
  if (typeof name !== "string") throw new TypeError(`${where}: options.colorBy must be the name of a numeric column or two names [dx, dy], got ${typeof name}`);
  if (!cols.has(name)) throw new TypeError(`${where}: options.colorBy "${name}" is not a column of atoms (columns: ${[...cols.keys()].join(", ")})`);
  const values = numericColumn(cols, name, n, where);
  const choice = options.colorMap ?? "auto";
  if (choice !== "auto" && !COLOR_MAPS.includes(choice)) throw new RangeError(`${where}: options.colorMap must be one of "auto", ${COLOR_MAPS.map((m) => `"${m}"`).join(", ")}; got ${JSON.stringify(choice)}`);
  const map = choice === "auto" ? defaultColorMap(values) : choice;
  let range = options.colorRange;
  if (range !== undefined) {
    if (!Array.isArray(range) || range.length !== 2 || !Number.isFinite(range[0]) || !Number.isFinite(range[1]) || !(range[1] > range[0])) {
      throw new RangeError(`${where}: options.colorRange must be [min, max] with finite min < max, got ${JSON.stringify(range)}`);
    }
  } else {
    const r = defaultColorRange(values, map);
    if (!r) {
      throw new RangeError(map === "cyclic"
        ? `${where}: options.colorBy "${name}" with the cyclic map: values are not radians in [-π, π] or [0, 2π]; give options.colorRange (e.g. [0, 360] for degrees)`
        : `${where}: options.colorBy "${name}" has no finite value to colour by`);
    }
    range = r;
  }
  return { name, values, map, range: [range[0], range[1]] };
}

/** `colorBy: [dx, dy]`: directions atan2(dy, dx) (radians, image axes) and lengths on the colour wheel. O(n). */
function colorByVector(cols: Map<string, ArrayLike<number> | string[]>, options: ShowAtomsOptions, n: number, where: string): NonNullable<NormalisedAtoms["colorBy"]> {
  const pair = options.colorBy as string[];
  if (pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") throw new TypeError(`${where}: options.colorBy as a vector must be two column names [dx, dy], got ${JSON.stringify(pair)}`);
  if (options.colorMap !== undefined && options.colorMap !== "auto") throw new RangeError(`${where}: options.colorMap ${JSON.stringify(options.colorMap)} does not apply to a vector colorBy (drawn on the colour wheel)`);
  for (const c of pair) if (!cols.has(c)) throw new TypeError(`${where}: options.colorBy "${c}" is not a column of atoms (columns: ${[...cols.keys()].join(", ")})`);
  const dx = numericColumn(cols, pair[0], n, where), dy = numericColumn(cols, pair[1], n, where);
  const values = new Float64Array(n), magnitude = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    values[i] = Math.atan2(dy[i], dx[i]);
    magnitude[i] = Math.hypot(dx[i], dy[i]);
    if (magnitude[i] > max) max = magnitude[i];
  }
  let top = max > 0 ? max : 1;
  if (options.colorRange !== undefined) {
    const r = options.colorRange;
    if (!Array.isArray(r) || r.length !== 2 || r[0] !== 0 || !(r[1] > 0) || !Number.isFinite(r[1])) throw new RangeError(`${where}: options.colorRange for a vector colorBy must be [0, length at full brightness], got ${JSON.stringify(r)}`);
    top = r[1];
  }
  return { name: `${pair[0]}, ${pair[1]}`, values, magnitude, map: "wheel", range: [0, top] };
}

/** 1, 2 or 5 × 10^k nearest to v (in log). */
export function niceNumber(v: number): number {
  const e = Math.floor(Math.log10(v));
  const m = v / Math.pow(10, e);
  const f = m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10;
  return f * Math.pow(10, e);
}

/** The atoms payload (see docs/widgets.md) of an image and normalised atoms. */
export function atomsPayload(image: Image, a: NormalisedAtoms, options: ShowAtomsOptions & { id: string }): { payload: AtomsPayloadJSON; levels: Uint8Array; window: [number, number] } {
  const grey = options.min === undefined && options.max === undefined && options.percentile === undefined ? { ...options, percentile: [0.5, 99.5] as [number, number] } : options;
  const { levels, window } = toGreyLevels(image, grey, "show.atoms");
  const range: [number, number] = [Number.isFinite(window.min) ? window.min : 0, Number.isFinite(window.max) ? window.max : 1];
  const payload: AtomsPayloadJSON = {
    version: 1,
    id: options.id,
    image: { width: image.width, height: image.height, png: toBase64(encodeGreyPng(levels, image.width, image.height)), range },
    atoms: {
      count: a.count,
      x: encodeColumn(a.x),
      y: encodeColumn(a.y),
      classes: a.classes,
      radius: Number(a.radius.toFixed(3)),
      properties: a.properties.map((p) => ({ name: p.name, values: Array.isArray(p.values) ? p.values : encodeColumn(p.values, "float64") })),
    },
  };
  if (options.title) payload.title = options.title;
  if (image.calibration) payload.image.calibration = { pixelSize: image.calibration.pixelSize, unit: image.calibration.unit };
  if (a.classes.length > 1) payload.atoms.class = encodeColumn(a.cls, a.classes.length <= 255 ? "uint8" : "uint16");
  if (a.marker !== "outline") payload.atoms.marker = a.marker;
  if (a.ellipses) {
    payload.atoms.ellipses = { sx: encodeColumn(a.ellipses.sx), sy: encodeColumn(a.ellipses.sy), label: "1σ uncertainty", gain: a.vectors ? 1 : a.ellipses.gain };
    if (a.ellipses.sxy) payload.atoms.ellipses.sxy = encodeColumn(a.ellipses.sxy);
  }
  if (a.colorBy) {
    payload.atoms.colorBy = { name: a.colorBy.name, values: encodeColumn(a.colorBy.values), map: a.colorBy.map, range: a.colorBy.range };
    if (a.colorBy.magnitude) payload.atoms.colorBy.magnitude = encodeColumn(a.colorBy.magnitude);
  }
  if (a.vectors) payload.atoms.vectors = { dx: encodeColumn(a.vectors.dx), dy: encodeColumn(a.vectors.dy), label: a.vectors.label, unit: "px", gain: a.gain };
  if (options.link !== undefined) payload.link = options.link;
  return { payload, levels, window: range };
}

/**
 * The payload's `frames` (docs/widgets.md): frame and track columns, and
 * when there are several images one grey PNG per frame in the window of
 * frame 0 (`window`, so grey levels compare across frames). `labels`: one
 * per frame, or none. O(frames × pixels).
 */
export function framesPayload(images: readonly Image[], a: NormalisedAtoms, window: [number, number], labels?: string[]): FramesJSON | undefined {
  const f = a.frames;
  if (!f) return undefined;
  const out: FramesJSON = { count: f.count, frame: encodeColumn(f.frame, f.count <= 255 ? "uint8" : f.count <= 65535 ? "uint16" : "int32") };
  if (images.length > 1) {
    out.png = images.map((im) => {
      const { levels } = toGreyLevels(im, { min: window[0], max: window[1] }, "show.atoms");
      return toBase64(encodeGreyPng(levels, im.width, im.height));
    });
  }
  if (labels) out.labels = labels;
  if (f.track) out.track = encodeColumn(f.track, "int32");
  return out;
}

// ---------------------------------------------------------------------------
// Graphs

/** What `show.graph` accepts: a causalscope Graph, or any object with these fields. */
export interface GraphInput {
  nodes: string[];
  edges: { from: string; to: string; weight?: number; confidence?: number; directed?: boolean; type?: EdgeType }[];
  /** PAG endpoint marks aligned with edges (causalscope Graph of kind "pag"): `fromMark` at the edge's `from` (or at `from` when given). */
  marks?: { from?: string; to?: string; fromMark: string; toMark: string }[];
}

/** Prior knowledge as the causal learners take it (src/causal/prior.ts `Prior`): edges "from->to" or [from, to]. */
export interface PriorInput {
  required?: (string | [string, string])[];
  forbidden?: (string | [string, string])[];
  tiers?: string[][];
  forbidWithinTier?: boolean;
}

export interface ShowGraphOptions {
  title?: string;
  /** Display labels per node name. */
  labels?: Record<string, string>;
  /** Initial layout: "layered" (default; top to bottom), "force" (spring embedder) or "circular". The widget can switch. */
  layout?: GraphLayoutName;
  /** Prior knowledge to draw on the graph (the `prior` the learners take, e.g. the one a graph was learned with); edited in the widget and read back with `show.prior()`. */
  prior?: PriorInput;
}

const EDGE_TYPES: readonly string[] = ["directed", "undirected", "bidirected"];
const MARKS: readonly string[] = ["-", ">", "o"];

/** The endpoint marks of edge i of `g` as [at e.from, at e.to], or undefined without marks. */
function edgeMarks(g: GraphInput, i: number, where: string): [EndpointMark, EndpointMark] | undefined {
  const m = g.marks?.[i];
  if (m === undefined || m === null) return undefined;
  for (const k of ["fromMark", "toMark"] as const) {
    if (!MARKS.includes(m[k])) throw new RangeError(`${where}: graph.marks[${i}].${k} must be "-", ">" or "o", got ${JSON.stringify(m[k])}`);
  }
  const e = g.edges[i];
  const swapped = m.from !== undefined && m.from === e.to && m.to === e.from && e.from !== e.to;
  if (m.from !== undefined && !swapped && (m.from !== e.from || m.to !== e.to)) throw new RangeError(`${where}: graph.marks[${i}] is for ${m.from} – ${m.to}, but graph.edges[${i}] joins ${e.from} and ${e.to}`);
  const fm = m.fromMark as EndpointMark, tm = m.toMark as EndpointMark;
  return swapped ? [tm, fm] : [fm, tm];
}

/**
 * Check a graph and build its payload (docs/widgets.md). PAG marks are kept
 * (`fromMark`, `toMark`) and give the edge type (`<->` bidirected, `-->`
 * directed, `o->`, `o-o`... undirected); an edge whose lone arrowhead is at
 * `from` is written reversed. O(nodes + edges).
 */
export function graphPayload(input: GraphInput | { graph: GraphInput }, options: ShowGraphOptions & { id: string }, where = "show.graph"): GraphPayloadJSON {
  if (!input || typeof input !== "object") throw new TypeError(`${where}: graph must be { nodes: string[], edges: {from, to, ...}[] }, got ${input === null ? "null" : typeof input}`);
  // a result holding a graph (cs.bootstrap's { n, edges, graph }): show its graph
  const inner = (input as { graph?: unknown }).graph as GraphInput | undefined;
  const g: GraphInput = !Array.isArray((input as GraphInput).nodes) && inner && typeof inner === "object" && Array.isArray(inner.nodes) ? inner : (input as GraphInput);
  if (!Array.isArray(g.nodes)) throw new TypeError(`${where}: graph.nodes must be an array of node names; got an object with ${Object.keys(g).length ? `keys ${Object.keys(g).slice(0, 8).join(", ")}` : "no keys"} (pass a causalscope Graph, or a result's .graph)`);
  if (!Array.isArray(g.edges)) throw new TypeError(`${where}: graph.edges must be an array of { from, to, weight?, confidence?, directed? }`);
  if (g.marks !== undefined && (!Array.isArray(g.marks) || g.marks.length !== g.edges.length)) throw new RangeError(`${where}: graph.marks must be an array aligned with graph.edges (${g.edges.length} entries)`);
  const seen = new Set<string>();
  g.nodes.forEach((n, i) => {
    if (typeof n !== "string") throw new TypeError(`${where}: graph.nodes[${i}] must be a string, got ${typeof n}`);
    if (seen.has(n)) throw new RangeError(`${where}: graph.nodes has "${n}" twice`);
    seen.add(n);
  });
  const edges = g.edges.map((e, i) => {
    if (!e || typeof e !== "object") throw new TypeError(`${where}: graph.edges[${i}] must be an object`);
    if (!seen.has(e.from)) throw new RangeError(`${where}: graph.edges[${i}].from "${e.from}" is not in graph.nodes`);
    if (!seen.has(e.to)) throw new RangeError(`${where}: graph.edges[${i}].to "${e.to}" is not in graph.nodes`);
    if (e.type !== undefined && !EDGE_TYPES.includes(e.type)) throw new RangeError(`${where}: graph.edges[${i}].type must be directed, undirected or bidirected, got ${JSON.stringify(e.type)}`);
    let out: GraphEdgeJSON;
    const marks = edgeMarks(g, i, where);
    if (marks) {
      const [fm, tm] = marks;
      out = typeOfMarks(fm, tm) === null
        ? { from: e.to, to: e.from, type: "directed", fromMark: tm, toMark: fm }
        : { from: e.from, to: e.to, type: typeOfMarks(fm, tm)!, fromMark: fm, toMark: tm };
    } else out = { from: e.from, to: e.to, type: e.type ?? (e.directed === false ? "undirected" : "directed") };
    if (e.weight !== undefined && e.weight !== null) {
      if (!Number.isFinite(e.weight)) throw new RangeError(`${where}: graph.edges[${i}].weight must be a finite number, got ${e.weight}`);
      out.weight = e.weight;
    }
    if (e.confidence !== undefined && e.confidence !== null) {
      if (!(e.confidence >= 0 && e.confidence <= 1)) throw new RangeError(`${where}: graph.edges[${i}].confidence must be in [0, 1], got ${e.confidence}`);
      out.confidence = e.confidence;
    }
    return out;
  });
  const labels = options.labels ?? {};
  const label = (n: string) => (Object.prototype.hasOwnProperty.call(labels, n) ? String(labels[n]) : n);
  const payload: GraphPayloadJSON = { version: 1, id: options.id, nodes: g.nodes.map((n) => ({ id: n, label: label(n) })), edges };
  if (options.title) payload.title = options.title;
  const layout = checkChoice(where, "layout", options.layout, GRAPH_LAYOUTS);
  if (layout) payload.layout = layout;
  if (options.prior !== undefined) payload.prior = graphPrior(options.prior, seen, where);
  return payload;
}

/**
 * A learners' `Prior` (edges "a->b" or [a, b]) as the graph payload's
 * `prior` ([from, to] pairs, every list present), checked against the node
 * ids; throws naming `options.prior.<field>`. O(entries).
 */
export function graphPrior(prior: PriorInput, nodes: ReadonlySet<string>, where: string): GraphPrior {
  if (!prior || typeof prior !== "object") throw new TypeError(`${where}: options.prior must be { required?, forbidden?, tiers? }, got ${prior === null ? "null" : typeof prior}`);
  if (prior.forbidWithinTier) throw new RangeError(`${where}: options.prior.forbidWithinTier cannot be drawn on a graph; list those edges in prior.forbidden`);
  const pair = (e: unknown) => {
    if (typeof e !== "string") return e;
    const parts = e.split("->");
    return parts.length === 2 ? parts.map((x) => x.trim()) : e;
  };
  const raw = {
    required: Array.isArray(prior.required) ? prior.required.map(pair) : prior.required,
    forbidden: Array.isArray(prior.forbidden) ? prior.forbidden.map(pair) : prior.forbidden,
    tiers: prior.tiers,
  };
  try {
    return parseGraphPrior(raw, "options.prior", nodes);
  } catch (e) {
    if (e instanceof PayloadError) throw new RangeError(`${where}: ${e.message}`);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Linked charts

/** Options of `show.scatter`. */
export interface ShowScatterOptions {
  /** Numeric columns on the x and y axes. */
  x: string;
  y: string;
  /** Link group shared with the atom overlays (`show.atoms(..., { link })`). */
  link: string;
  /** Column coloured by (numeric: a sequential scale; strings: categories, in the overlay's class colours), when nothing is selected. */
  color?: string;
  /** Colours per category of a string `color` column ("#rrggbb"), as `show.atoms`' `colors`; others come from the palette, in the overlay's class order. */
  colors?: Record<string, string>;
  title?: string;
  /** Plot size in CSS pixels. Default 400 × 300. */
  width?: number;
  height?: number;
}

/**
 * The colour ("#rrggbb", lower case) of each class of `names` (in the order
 * the overlay numbers classes): `colors[name]` when given, else the palette
 * colour of its index. `show.atoms` and `show.scatter` share it, so a class
 * has one colour in both. O(classes).
 */
export function classColors(names: readonly string[], colors: Record<string, string> = {}): string[] {
  // own keys only: a class named "constructor" takes no colour from Object.prototype
  return names.map((name, i) => (Object.prototype.hasOwnProperty.call(colors, name) ? colors[name] : PALETTE[i % PALETTE.length]).toLowerCase());
}

/** Colour of the points not selected while there is a selection (the selected ones keep theirs and grow). */
const UNLINKED_COLOR = "#c8c8c8";

/**
 * The linked-chart payload (docs/widgets.md) of a scatter of two columns of
 * `atoms`: one data row per atom with finite x and y, carrying the atom's
 * row as `atom`; an interval selection `brush` over x and y; and the
 * parameters `cs_linked` (0/1 per atom index) and `cs_linked_count` that
 * the widget sets to the group's selection: while there is one, the
 * selected points keep their colour and grow, the others turn light grey.
 * O(atoms).
 */
export function chartPayload(atoms: AtomsInput, options: ShowScatterOptions & { id: string; schema: string }, where = "show.scatter"): ChartPayloadJSON {
  if (!options || typeof options.x !== "string" || typeof options.y !== "string") throw new TypeError(`${where}: options.x and options.y must name numeric columns`);
  if (typeof options.link !== "string" || options.link === "") throw new TypeError(`${where}: options.link must be a non-empty string (the link group of the atom overlays to link to), got ${JSON.stringify(options.link)}`);
  const names = [options.x, options.y, ...(options.color !== undefined ? [options.color] : [])];
  if (names.includes("atom")) throw new RangeError(`${where}: a column named "atom" cannot be plotted (each row's "atom" field holds its atom index); rename it`);
  const cols = columnsOf(atoms, where);
  const xs = cols.get(options.x);
  if (!xs) throw new TypeError(`${where}: atoms have no "${options.x}" column (columns: ${[...cols.keys()].join(", ") || "none"})`);
  const n = xs.length;
  const x = numericColumn(cols, options.x, n, where), y = numericColumn(cols, options.y, n, where);
  let color: ArrayLike<number> | string[] | undefined;
  if (options.color !== undefined) {
    color = cols.get(options.color);
    if (!color) throw new TypeError(`${where}: options.color "${options.color}" is not a column of atoms (columns: ${[...cols.keys()].join(", ")})`);
    if (color.length !== n) throw new RangeError(`${where}: column "${options.color}" has ${color.length} values, "${options.x}" has ${n}`);
  }
  for (const k of ["width", "height"] as const) {
    const v = options[k];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new RangeError(`${where}: options.${k} must be a positive number of CSS pixels, got ${v}`);
  }
  const rows: Record<string, number | string | null>[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    const r: Record<string, number | string | null> = { atom: i, [options.x]: x[i], [options.y]: y[i] };
    if (color && options.color !== undefined) {
      const c = color[i];
      r[options.color] = typeof c === "number" && !Number.isFinite(c) ? null : c;
    }
    rows.push(r);
  }
  const dropped = n - rows.length;
  const picked = "cs_linked_count > 0 && cs_linked[datum.atom] === 1";
  const colorDef: Record<string, unknown> = { condition: { test: `cs_linked_count > 0 && !(${picked})`, value: UNLINKED_COLOR } };
  if (options.color !== undefined && color!.length && typeof color![0] === "string") {
    // categories: the classes show.atoms would make of this column (sorted names), in its class colours
    const names = [...new Set(Array.from(color as string[], String))].sort((a, b) => a.localeCompare(b, "en"));
    const colors = options.colors ?? {};
    for (const [k, v] of Object.entries(colors)) if (!isHexColor(v)) throw new RangeError(`${where}: options.colors["${k}"] must be "#rrggbb", got ${JSON.stringify(v)}`);
    Object.assign(colorDef, { field: options.color, type: "nominal", scale: { domain: names, range: classColors(names, colors) } });
  } else if (options.color !== undefined) Object.assign(colorDef, { field: options.color, type: "quantitative" });
  else colorDef.value = "#4c78a8";
  const tooltip = [{ field: "atom", type: "quantitative", title: "atom" }, ...names.map((f) => ({ field: f, type: f === options.color && colorDef.type === "nominal" ? "nominal" : "quantitative", format: colorDef.type === "nominal" && f === options.color ? undefined : ".4~g" }))];
  const spec: Record<string, unknown> = {
    $schema: options.schema,
    title: { text: options.title ?? `${options.y} vs ${options.x}`, subtitle: `n = ${rows.length}${dropped ? ` (${dropped} atoms with non-finite x or y left out)` : ""} · drag to select atoms (linked: ${options.link})` },
    width: options.width ?? 400,
    height: options.height ?? 300,
    data: { values: rows },
    params: [
      { name: "brush", select: { type: "interval", encodings: ["x", "y"] } },
      { name: "cs_linked", value: [] },
      { name: "cs_linked_count", value: 0 },
    ],
    mark: { type: "point", filled: true },
    encoding: {
      x: { field: options.x, type: "quantitative", scale: { zero: false } },
      y: { field: options.y, type: "quantitative", scale: { zero: false } },
      color: colorDef,
      size: { condition: { test: picked, value: 48 }, value: 18 },
      tooltip: tooltip.map((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined))),
    },
  };
  return { version: 1, id: options.id, link: options.link, key: "atom", brush: "brush", spec };
}