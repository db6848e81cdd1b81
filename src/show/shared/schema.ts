/**
 * The one definition of causalscope's widget MIME types and their versioned
 * JSON payloads (documented in docs/widgets.md): the constants, the wire
 * types the library writes, the parsed types the widgets draw, and a
 * validating parser for each payload.
 *
 * Shared by the library (src/show) and the JupyterLab extension
 * (labextension/src imports this folder by relative path; its build compiles
 * and bundles it). So it stays dependency-free: no imports outside
 * src/show/shared, no Node or DOM API except `atob` (tests/architecture
 * checks the imports).
 *
 * The parsers never trust the payload: every field is checked, and a
 * malformed or unknown-version payload raises a `PayloadError` whose message
 * names the field (`atoms.x: expected ...`) so the output area can show it.
 * Strings from data are kept as strings; the widgets render them as text.
 */
import { COLOR_BY_MAPS, type ColorByMap } from "./colormap";
import { MARKER_SHAPES, MARKER_STYLES, type MarkerShape, type MarkerStyle } from "./markers";

export const ATOMS_MIME = "application/vnd.causalscope.atoms+json";
export const GRAPH_MIME = "application/vnd.causalscope.graph+json";
/** Payload versions the library writes and the extension reads. */
export const ATOMS_VERSION = 1;
export const GRAPH_VERSION = 1;
/** Comm target on which the atom overlay sends selections to the kernel. */
export const SELECTION_COMM_TARGET = "causalscope.selection";

/** Colour-blind-safe categorical palette (Okabe & Ito 2008), bright enough on greyscale images; used in order for classes without a colour. */
export const PALETTE: readonly string[] = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#d55e00", "#cc79a7", "#0072b2", "#ffffff"];

/** A payload that cannot be displayed; the message says which field and why. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PayloadError";
  }
}

// ---------------------------------------------------------------------------
// Columns

export type Dtype = "float32" | "float64" | "int32" | "uint32" | "int16" | "uint16" | "int8" | "uint8";

/** What the column codec needs of a typed-array constructor. */
export interface TypedArrayKind {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): ArrayLike<number>;
  from(values: ArrayLike<number>): ArrayLike<number> & ArrayBufferView;
}

/** The typed array of each column dtype (little-endian on every platform JupyterLab runs on). */
export const DTYPE_ARRAYS: Readonly<Record<Dtype, TypedArrayKind>> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, uint32: Uint32Array,
  int16: Int16Array, uint16: Uint16Array, int8: Int8Array, uint8: Uint8Array,
};

/** True when `v` names a column dtype (own keys only: "constructor" is not a dtype). */
export function isDtype(v: unknown): v is Dtype {
  return typeof v === "string" && Object.prototype.hasOwnProperty.call(DTYPE_ARRAYS, v);
}

/** A numeric column in a payload: little-endian typed data in base64. */
export interface EncodedColumn {
  dtype: Dtype;
  base64: string;
}
/** A numeric column: a plain JSON array (null = missing), or typed data in base64. */
export type ColumnJSON = (number | null)[] | EncodedColumn;

// ---------------------------------------------------------------------------
// Wire types: what the library writes (schemas in docs/widgets.md)

export interface AtomsPayloadJSON {
  version: 1;
  id: string;
  title?: string;
  image: { width: number; height: number; png: string; range: [number, number]; calibration?: { pixelSize: number; unit: string } };
  atoms: {
    count: number;
    x: ColumnJSON;
    y: ColumnJSON;
    class?: ColumnJSON;
    classes: { name: string; color: string; shape?: MarkerShape }[];
    radius: number;
    /** Markers drawn as outlines (default) or filled. */
    marker?: MarkerStyle;
    /** Colour markers by a numeric column instead of by class; map "wheel": `values` are directions (radians), `magnitude` the lengths, `range` [0, length at full brightness]. */
    colorBy?: { name: string; values: ColumnJSON; map: ColorByMap; range: [number, number]; magnitude?: ColumnJSON };
    vectors?: { dx: ColumnJSON; dy: ColumnJSON; label: string; unit: string; gain: number };
    /** Positional uncertainty ellipses: 1-sd `sx`, `sy` (px) and covariance `sxy` (px², default 0), drawn `gain` × (the arrows' gain when there are arrows). */
    ellipses?: { sx: ColumnJSON; sy: ColumnJSON; sxy?: ColumnJSON; label: string; gain: number };
    properties: { name: string; values: ColumnJSON | string[] }[];
  };
  /** An image series with per-frame atoms (a frame slider): atom i is drawn in frame `frame[i]` only. */
  frames?: FramesJSON;
  /** Name of a link group: views with the same `link` (atom overlays, linked charts) share one selection of atoms in the page. */
  link?: string;
}

/** The frames of an atoms payload (docs/widgets.md). */
export interface FramesJSON {
  /** Number of frames, ≥ 1. */
  count: number;
  /** Frame index (0 .. count - 1) of each atom. */
  frame: ColumnJSON;
  /** One 8-bit greyscale PNG (base64, width × height, the grey window of `image.range`) per frame; absent: `image.png` in every frame. */
  png?: string[];
  /** A label per frame (e.g. "t = 0.5 s"); default "frame k". */
  labels?: string[];
  /** Track id of each atom (an integer ≥ 0; NaN or negative: none): the trail of a track joins its positions up to the frame shown. */
  track?: ColumnJSON;
}

/** MIME type of a chart linked to atom overlays (a Vega-Lite spec whose data rows name atoms). */
export const CHART_MIME = "application/vnd.causalscope.chart+json";
export const CHART_VERSION = 1;

/** The linked-chart payload (docs/widgets.md): a Vega-Lite spec, the link group and the field of its data rows holding the atom index. */
export interface ChartPayloadJSON {
  version: 1;
  id: string;
  /** Link group shared with the atom overlays (their payload `link`). */
  link: string;
  /** Field of `spec.data.values` rows holding the atom's index (a row of the atoms given to show.atoms). */
  key: string;
  /** Name of the interval selection (brush) parameter in `spec`. */
  brush: string;
  /** Vega-Lite spec with inline data (`data.values`); its marks read the parameter `cs_linked` (0/1 per atom index) and `cs_linked_count`. */
  spec: Record<string, unknown>;
}

export type EdgeType = "directed" | "undirected" | "bidirected";
/** PAG endpoint mark (Zhang 2008): tail "-", arrowhead ">", circle "o". */
export type EndpointMark = "-" | ">" | "o";

export interface GraphEdgeJSON {
  from: string;
  to: string;
  type: EdgeType;
  /** Endpoint marks (PAG): `fromMark` sits at `from`, `toMark` at `to`; both or neither. */
  fromMark?: EndpointMark;
  toMark?: EndpointMark;
  weight?: number;
  confidence?: number;
}

/** Layouts of the graph drawing (graph-drawing.ts `layoutGraph`). */
export type GraphLayoutName = "layered" | "force" | "circular";
export const GRAPH_LAYOUTS: readonly GraphLayoutName[] = ["layered", "force", "circular"];

/**
 * Prior knowledge drawn on a graph, in the shape the causal learners take
 * (src/causal/prior.ts `Prior`): required and forbidden directed edges as
 * [from, to] node ids, and tiers (earlier tiers first; no edge may point
 * into an earlier tier).
 */
export interface GraphPrior {
  required: [string, string][];
  forbidden: [string, string][];
  tiers: string[][];
}

export interface GraphPayloadJSON {
  version: 1;
  id: string;
  title?: string;
  nodes: { id: string; label: string }[];
  edges: GraphEdgeJSON[];
  /** Initial layout (default "layered"). */
  layout?: GraphLayoutName;
  /** Prior knowledge shown on the graph and edited in the widget. */
  prior?: GraphPrior;
}

/** The message the graph widget sends on the comm when its prior knowledge is edited. */
export interface PriorMessage {
  event: "prior";
  /** Id of the view (payload `id`) the prior was drawn on. */
  view: string;
  prior: GraphPrior;
}

/** The message the atom overlay sends on the selection comm. */
export interface SelectionMessage {
  event: "selection";
  /** Id of the view (payload `id`) the selection was made in. */
  view: string;
  /** "linked": made in another view of the payload's link group (a brush in a linked chart); `polygon` is then empty. */
  shape: "box" | "lasso" | "linked";
  /** The drawn polygon in image pixels, flat [x0, y0, x1, y1, ...]. */
  polygon: number[];
  /** Atom indices (rows of the atoms given to show.atoms). */
  indices: number[];
}

// ---------------------------------------------------------------------------
// Parsed types: what the widgets and the static pictures draw

export interface AtomClass {
  name: string;
  color: string;
  shape: MarkerShape;
}

export interface AtomsPayload {
  version: 1;
  id: string;
  title: string;
  image: {
    width: number;
    height: number;
    /** 8-bit greyscale PNG, base64, of width × height pixels. */
    png: string;
    /** Data values mapped to grey 0 and 255. */
    range: [number, number];
    calibration?: { pixelSize: number; unit: string };
  };
  atoms: {
    count: number;
    x: Float64Array;
    y: Float64Array;
    /** Class index of each atom (into `classes`). */
    cls: Uint16Array;
    classes: AtomClass[];
    /** Display radius in image pixels. */
    radius: number;
    marker: MarkerStyle;
    /** Markers coloured by this column on `map` over `range` (values outside it get the end colours, NaN grey); "wheel": `values` directions, `magnitude` lengths. */
    colorBy?: { name: string; values: Float64Array; map: ColorByMap; range: [number, number]; magnitude?: Float64Array };
    vectors?: { dx: Float64Array; dy: Float64Array; label: string; unit: string; gain: number };
    ellipses?: { sx: Float64Array; sy: Float64Array; sxy?: Float64Array; label: string; gain: number };
    properties: { name: string; values: Float64Array | string[] }[];
  };
  frames?: {
    count: number;
    /** Frame index of each atom. */
    frame: Int32Array;
    /** PNG per frame, or null: `image.png` in every frame. */
    png: string[] | null;
    labels: string[];
    /** Track id of each atom, -1 for none. */
    track?: Int32Array;
  };
  link?: string;
}

/** A parsed linked-chart payload: the JSON fields plus the atom index of each data row. */
export interface ChartPayload extends ChartPayloadJSON {
  /** Atom index of each data row (from the `key` field). */
  rows: Int32Array;
}

/** A parsed edge: its endpoint marks are always given (from `type` when the payload has none). */
export interface GraphEdge {
  from: string;
  to: string;
  type: EdgeType;
  fromMark: EndpointMark;
  toMark: EndpointMark;
  weight?: number;
  confidence?: number;
}

export interface GraphPayload {
  version: 1;
  id: string;
  title: string;
  nodes: { id: string; label: string }[];
  edges: GraphEdge[];
  layout?: GraphLayoutName;
  prior?: GraphPrior;
}

// ---------------------------------------------------------------------------
// Edge marks and types

const EDGE_TYPES: EdgeType[] = ["directed", "undirected", "bidirected"];
const MARKS: EndpointMark[] = ["-", ">", "o"];

/** Endpoint marks drawn for an edge type: directed `-`/`>`, undirected `-`/`-`, bidirected `>`/`>`. */
export function marksOfType(type: EdgeType): [EndpointMark, EndpointMark] {
  return type === "directed" ? ["-", ">"] : type === "bidirected" ? [">", ">"] : ["-", "-"];
}

/**
 * The edge type of a pair of endpoint marks: `-->` directed, `<->`
 * bidirected, anything else (`---`, and the partially oriented PAG edges
 * `o->`, `o-o`, `--o`, `<-o`) undirected: not an oriented cause. `<--` has
 * no type (write it with from and to swapped): null.
 */
export function typeOfMarks(fromMark: EndpointMark, toMark: EndpointMark): EdgeType | null {
  if (fromMark === ">" && toMark === "-") return null;
  if (fromMark === "-" && toMark === ">") return "directed";
  if (fromMark === ">" && toMark === ">") return "bidirected";
  return "undirected";
}

const LEFT: Record<EndpointMark, string> = { "-": "-", ">": "<", o: "o" };
const RIGHT: Record<EndpointMark, string> = { "-": "-", ">": ">", o: "o" };

/**
 * The edge as text, from its marks: `->`, `--`, `<->`, `o->`, `o-o`, `--o`,
 * `<-o`, `o--` (a tail is written "-", except that `-->` is shortened to `->`).
 */
export function edgeSymbol(fromMark: EndpointMark, toMark: EndpointMark): string {
  if (fromMark === "-" && toMark === ">") return "->";
  if (fromMark === "-" && toMark === "-") return "--";
  return `${LEFT[fromMark]}-${RIGHT[toMark]}`;
}

// ---------------------------------------------------------------------------
// Validation helpers

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)})`;
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

function fail(path: string, expected: string, got: unknown): never {
  throw new PayloadError(`${path}: expected ${expected}, got ${describe(got)}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) fail(path, "an object", v);
  return v;
}

function str(v: unknown, path: string, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "string") fail(path, "a string", v);
  return v;
}

function num(v: unknown, path: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) fail(path, "a finite number", v);
  return v;
}

function choice<T extends string>(v: unknown, path: string, accepted: readonly T[]): T {
  if (!accepted.includes(v as T)) fail(path, `one of ${accepted.map((m) => JSON.stringify(m)).join(", ")}`, v);
  return v as T;
}

function posInt(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) fail(path, "a positive integer", v);
  return v;
}

/** Decode base64 to bytes (atob exists in browsers and in Node ≥ 16). O(length). */
export function base64ToBytes(b64: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new PayloadError("invalid base64");
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Decode a column to a Float64Array of exactly `n` values (n < 0: any
 * length). NaN is allowed in typed data (a missing value); plain arrays take
 * numbers or null (NaN). Throws a PayloadError naming `path`. O(n).
 */
export function decodeColumn(v: unknown, path: string, n: number): Float64Array {
  let out: Float64Array;
  if (Array.isArray(v)) {
    out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (e === null) out[i] = NaN;
      else if (typeof e === "number") out[i] = e;
      else fail(`${path}[${i}]`, "a number or null", e);
    }
  } else if (isObject(v)) {
    if (!isDtype(v.dtype)) fail(`${path}.dtype`, `one of ${Object.keys(DTYPE_ARRAYS).join(", ")}`, v.dtype);
    const dtype = v.dtype;
    const kind = DTYPE_ARRAYS[dtype];
    const b64 = str(v.base64, `${path}.base64`);
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(b64);
    } catch {
      throw new PayloadError(`${path}.base64: not valid base64`);
    }
    if (bytes.length % kind.BYTES_PER_ELEMENT !== 0) {
      throw new PayloadError(`${path}.base64: ${bytes.length} bytes is not a whole number of ${dtype} values`);
    }
    const aligned = new ArrayBuffer(bytes.length);
    new Uint8Array(aligned).set(bytes);
    out = Float64Array.from(new kind(aligned, 0, bytes.length / kind.BYTES_PER_ELEMENT));
  } else {
    fail(path, "a number array or {dtype, base64}", v);
  }
  if (n >= 0 && out.length !== n) throw new PayloadError(`${path}: expected ${n} values (atoms.count), got ${out.length}`);
  return out;
}

function checkVersion(p: Record<string, unknown>, supported: number, what: string): void {
  const v = p.version;
  if (typeof v !== "number" || !Number.isInteger(v)) fail(`${what} payload.version`, "an integer", v);
  if (v !== supported) {
    throw new PayloadError(
      v > supported
        ? `${what} payload version ${v} is newer than this extension understands (version ${supported}); ` +
            "upgrade the causalscope JupyterLab extension (pip install -U ./labextension)"
        : `${what} payload version ${v} is not supported (this extension reads version ${supported})`,
    );
  }
}

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

/** True for a colour written "#rrggbb". */
export function isHexColor(v: unknown): v is string {
  return typeof v === "string" && COLOR_RE.test(v);
}

// ---------------------------------------------------------------------------
// Parsers

/** Parse and validate an atoms payload (docs/widgets.md). O(atoms × columns). */
export function parseAtomsPayload(raw: unknown): AtomsPayload {
  const p = obj(raw, "atoms payload");
  checkVersion(p, ATOMS_VERSION, "atoms");
  const im = obj(p.image, "image");
  const width = posInt(im.width, "image.width");
  const height = posInt(im.height, "image.height");
  const png = str(im.png, "image.png");
  if (!isPngBase64(png)) fail("image.png", "a base64 PNG", png);
  let range: [number, number] = [0, 255];
  if (im.range !== undefined) {
    if (!Array.isArray(im.range) || im.range.length !== 2) fail("image.range", "[min, max]", im.range);
    range = [num(im.range[0], "image.range[0]"), num(im.range[1], "image.range[1]")];
  }
  let calibration: AtomsPayload["image"]["calibration"];
  if (im.calibration !== undefined && im.calibration !== null) {
    const c = obj(im.calibration, "image.calibration");
    calibration = { pixelSize: num(c.pixelSize, "image.calibration.pixelSize"), unit: str(c.unit, "image.calibration.unit") };
    if (!(calibration.pixelSize > 0)) fail("image.calibration.pixelSize", "a positive number", calibration.pixelSize);
  }
  const a = obj(p.atoms, "atoms");
  const count = a.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) fail("atoms.count", "a non-negative integer", count);
  const x = decodeColumn(a.x, "atoms.x", count);
  const y = decodeColumn(a.y, "atoms.y", count);
  let classes: AtomClass[];
  if (a.classes === undefined) classes = [{ name: "atoms", color: PALETTE[0], shape: MARKER_SHAPES[0] }];
  else {
    if (!Array.isArray(a.classes) || a.classes.length === 0) fail("atoms.classes", "a non-empty array", a.classes);
    if (a.classes.length > 65535) fail("atoms.classes", "at most 65535 classes", a.classes);
    classes = a.classes.map((c, i) => {
      const o = obj(c, `atoms.classes[${i}]`);
      const color = o.color === undefined ? PALETTE[i % PALETTE.length] : str(o.color, `atoms.classes[${i}].color`);
      if (!isHexColor(color)) fail(`atoms.classes[${i}].color`, 'a colour "#rrggbb"', color);
      const shape = o.shape === undefined ? MARKER_SHAPES[i % MARKER_SHAPES.length] : choice(o.shape, `atoms.classes[${i}].shape`, MARKER_SHAPES);
      return { name: str(o.name, `atoms.classes[${i}].name`), color, shape };
    });
  }
  const cls = new Uint16Array(count);
  if (a.class !== undefined) {
    const c = decodeColumn(a.class, "atoms.class", count);
    for (let i = 0; i < count; i++) {
      const k = c[i];
      if (!Number.isInteger(k) || k < 0 || k >= classes.length) {
        throw new PayloadError(`atoms.class[${i}]: ${k} is not an index into atoms.classes (${classes.length} classes)`);
      }
      cls[i] = k;
    }
  }
  const radius = num(a.radius, "atoms.radius", 3);
  if (!(radius > 0)) fail("atoms.radius", "a positive number", radius);
  const marker = a.marker === undefined ? "outline" : choice(a.marker, "atoms.marker", MARKER_STYLES);
  let colorBy: AtomsPayload["atoms"]["colorBy"];
  if (a.colorBy !== undefined && a.colorBy !== null) {
    const c = obj(a.colorBy, "atoms.colorBy");
    if (!Array.isArray(c.range) || c.range.length !== 2) fail("atoms.colorBy.range", "[min, max]", c.range);
    const range: [number, number] = [num(c.range[0], "atoms.colorBy.range[0]"), num(c.range[1], "atoms.colorBy.range[1]")];
    if (!(range[1] > range[0])) fail("atoms.colorBy.range", "[min, max] with max > min", c.range);
    colorBy = { name: str(c.name, "atoms.colorBy.name"), values: decodeColumn(c.values, "atoms.colorBy.values", count), map: choice(c.map, "atoms.colorBy.map", COLOR_BY_MAPS), range };
    if (colorBy.map === "wheel") colorBy.magnitude = decodeColumn(c.magnitude, "atoms.colorBy.magnitude", count);
  }
  let vectors: AtomsPayload["atoms"]["vectors"];
  if (a.vectors !== undefined && a.vectors !== null) {
    const v = obj(a.vectors, "atoms.vectors");
    vectors = {
      dx: decodeColumn(v.dx, "atoms.vectors.dx", count),
      dy: decodeColumn(v.dy, "atoms.vectors.dy", count),
      label: str(v.label, "atoms.vectors.label", "displacement"),
      unit: str(v.unit, "atoms.vectors.unit", "px"),
      gain: num(v.gain, "atoms.vectors.gain", 1),
    };
  }
  let ellipses: AtomsPayload["atoms"]["ellipses"];
  if (a.ellipses !== undefined && a.ellipses !== null) {
    const e = obj(a.ellipses, "atoms.ellipses");
    ellipses = {
      sx: decodeColumn(e.sx, "atoms.ellipses.sx", count),
      sy: decodeColumn(e.sy, "atoms.ellipses.sy", count),
      sxy: e.sxy === undefined ? undefined : decodeColumn(e.sxy, "atoms.ellipses.sxy", count),
      label: str(e.label, "atoms.ellipses.label", "uncertainty"),
      gain: num(e.gain, "atoms.ellipses.gain", 1),
    };
    if (!(ellipses.gain > 0)) fail("atoms.ellipses.gain", "a positive number", ellipses.gain);
  }
  const properties: AtomsPayload["atoms"]["properties"] = [];
  if (a.properties !== undefined) {
    if (!Array.isArray(a.properties)) fail("atoms.properties", "an array of {name, values}", a.properties);
    a.properties.forEach((q, i) => {
      const o = obj(q, `atoms.properties[${i}]`);
      const name = str(o.name, `atoms.properties[${i}].name`);
      const vals = o.values;
      if (Array.isArray(vals) && vals.length > 0 && vals.every((s) => typeof s === "string")) {
        if (vals.length !== count) throw new PayloadError(`atoms.properties[${i}].values: expected ${count} values (atoms.count), got ${vals.length}`);
        properties.push({ name, values: vals as string[] });
      } else properties.push({ name, values: decodeColumn(vals, `atoms.properties[${i}].values`, count) });
    });
  }
  const out: AtomsPayload = {
    version: 1,
    id: str(p.id, "id", ""),
    title: str(p.title, "title", ""),
    image: { width, height, png, range, calibration },
    atoms: { count, x, y, cls, classes, radius, marker, colorBy, vectors, ellipses, properties },
  };
  if (p.frames !== undefined && p.frames !== null) out.frames = parseFrames(p.frames, count);
  if (p.link !== undefined && p.link !== null) out.link = str(p.link, "link");
  return out;
}

function isPngBase64(v: unknown): v is string {
  return typeof v === "string" && v.length >= 16 && /^[A-Za-z0-9+/=\s]*$/.test(v);
}

/** `frames` of an atoms payload: frame indices in [0, count), PNGs and labels per frame, track ids. O(atoms). */
function parseFrames(raw: unknown, atoms: number): NonNullable<AtomsPayload["frames"]> {
  const f = obj(raw, "frames");
  const count = posInt(f.count, "frames.count");
  const col = decodeColumn(f.frame, "frames.frame", atoms);
  const frame = new Int32Array(atoms);
  for (let i = 0; i < atoms; i++) {
    const k = col[i];
    if (!Number.isInteger(k) || k < 0 || k >= count) throw new PayloadError(`frames.frame[${i}]: ${k} is not a frame index (frames.count ${count})`);
    frame[i] = k;
  }
  let png: string[] | null = null;
  if (f.png !== undefined && f.png !== null) {
    if (!Array.isArray(f.png) || f.png.length !== count) fail("frames.png", `an array of ${count} base64 PNGs (frames.count)`, f.png);
    f.png.forEach((v, k) => { if (!isPngBase64(v)) fail(`frames.png[${k}]`, "a base64 PNG", v); });
    png = f.png as string[];
  }
  let labels = Array.from({ length: count }, (_, k) => `frame ${k}`);
  if (f.labels !== undefined && f.labels !== null) {
    if (!Array.isArray(f.labels) || f.labels.length !== count) fail("frames.labels", `an array of ${count} strings (frames.count)`, f.labels);
    labels = f.labels.map((v, k) => str(v, `frames.labels[${k}]`));
  }
  const out: NonNullable<AtomsPayload["frames"]> = { count, frame, png, labels };
  if (f.track !== undefined && f.track !== null) {
    const t = decodeColumn(f.track, "frames.track", atoms);
    out.track = Int32Array.from(t, (v, i) => {
      if (!(v >= 0)) return -1;
      if (!Number.isInteger(v) || v > 2147483647) throw new PayloadError(`frames.track[${i}]: ${v} is not a track id (an integer ≥ 0, or NaN / negative for none)`);
      return v;
    });
  }
  return out;
}

/**
 * Parse and validate a linked-chart payload (docs/widgets.md): the spec's
 * inline rows must each carry an integer atom index ≥ 0 in `key`. Vega-Lite
 * itself checks the rest of the spec when the chart is drawn. O(rows).
 */
export function parseChartPayload(raw: unknown): ChartPayload {
  const p = obj(raw, "chart payload");
  checkVersion(p, CHART_VERSION, "chart");
  const spec = obj(p.spec, "spec");
  const key = str(p.key, "key");
  const data = obj(spec.data, "spec.data");
  if (!Array.isArray(data.values)) fail("spec.data.values", "an array of rows (inline data)", data.values);
  const rows = Int32Array.from(data.values as unknown[], (r, i) => {
    const v = obj(r, `spec.data.values[${i}]`)[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 2147483647) fail(`spec.data.values[${i}].${key}`, "an atom index (an integer ≥ 0)", v);
    return v;
  });
  return { version: 1, id: str(p.id, "id", ""), link: str(p.link, "link"), key, brush: str(p.brush, "brush"), spec, rows };
}

function mark(v: unknown, path: string): EndpointMark {
  if (!MARKS.includes(v as EndpointMark)) fail(path, `one of ${MARKS.map((m) => JSON.stringify(m)).join(", ")}`, v);
  return v as EndpointMark;
}

/**
 * Parse and validate a graph payload (docs/widgets.md). Endpoint marks, when
 * given, must agree with the edge's type (`o->` is "undirected": not an
 * oriented cause); without marks they follow from the type. O(nodes + edges).
 */
export function parseGraphPayload(raw: unknown): GraphPayload {
  const p = obj(raw, "graph payload");
  checkVersion(p, GRAPH_VERSION, "graph");
  if (!Array.isArray(p.nodes)) fail("nodes", "an array", p.nodes);
  const seen = new Set<string>();
  const nodes = p.nodes.map((n, i) => {
    const o = obj(n, `nodes[${i}]`);
    const id = str(o.id, `nodes[${i}].id`);
    if (seen.has(id)) throw new PayloadError(`nodes[${i}].id: duplicate node id ${JSON.stringify(id)}`);
    seen.add(id);
    return { id, label: str(o.label, `nodes[${i}].label`, id) };
  });
  if (!Array.isArray(p.edges)) fail("edges", "an array", p.edges);
  const edges = p.edges.map((e, i): GraphEdge => {
    const o = obj(e, `edges[${i}]`);
    const from = str(o.from, `edges[${i}].from`);
    const to = str(o.to, `edges[${i}].to`);
    if (!seen.has(from)) throw new PayloadError(`edges[${i}].from: ${JSON.stringify(from)} is not a node id`);
    if (!seen.has(to)) throw new PayloadError(`edges[${i}].to: ${JSON.stringify(to)} is not a node id`);
    if (o.type !== undefined && !EDGE_TYPES.includes(o.type as EdgeType)) fail(`edges[${i}].type`, `one of ${EDGE_TYPES.join(", ")}`, o.type);
    let type = o.type as EdgeType | undefined;
    let fromMark: EndpointMark, toMark: EndpointMark;
    if (o.fromMark === undefined && o.toMark === undefined) {
      type = type ?? "directed";
      [fromMark, toMark] = marksOfType(type);
    } else {
      fromMark = mark(o.fromMark, `edges[${i}].fromMark`);
      toMark = mark(o.toMark, `edges[${i}].toMark`);
      const implied = typeOfMarks(fromMark, toMark);
      if (implied === null) throw new PayloadError(`edges[${i}]: marks ${JSON.stringify(fromMark)} at from, ${JSON.stringify(toMark)} at to make ${to} -> ${from}; write it with from and to swapped`);
      if (type !== undefined && type !== implied) throw new PayloadError(`edges[${i}].type: ${JSON.stringify(type)} disagrees with the marks ${edgeSymbol(fromMark, toMark)} (type ${JSON.stringify(implied)})`);
      type = implied;
    }
    const edge: GraphEdge = { from, to, type, fromMark, toMark };
    if (o.weight !== undefined && o.weight !== null) edge.weight = num(o.weight, `edges[${i}].weight`);
    if (o.confidence !== undefined && o.confidence !== null) {
      const c = num(o.confidence, `edges[${i}].confidence`);
      if (c < 0 || c > 1) fail(`edges[${i}].confidence`, "a number in [0, 1]", c);
      edge.confidence = c;
    }
    return edge;
  });
  const out: GraphPayload = { version: 1, id: str(p.id, "id", ""), title: str(p.title, "title", ""), nodes, edges };
  if (p.layout !== undefined) {
    if (!GRAPH_LAYOUTS.includes(p.layout as GraphLayoutName)) fail("layout", `one of ${GRAPH_LAYOUTS.join(", ")}`, p.layout);
    out.layout = p.layout as GraphLayoutName;
  }
  if (p.prior !== undefined) out.prior = parseGraphPrior(p.prior, "prior", seen);
  return out;
}

/**
 * Check prior knowledge drawn on a graph: `required` / `forbidden` arrays of
 * [from, to] node ids (no self-loops), `tiers` an array of arrays of node
 * ids, each node in at most one tier. Whether the prior is consistent
 * (acyclic, not both required and forbidden) is the learners' check.
 * Throws a PayloadError naming the field (`path`). O(entries).
 */
export function parseGraphPrior(raw: unknown, path: string, nodes: ReadonlySet<string>): GraphPrior {
  const o = obj(raw, path);
  const node = (v: unknown, at: string): string => {
    const id = str(v, at);
    if (!nodes.has(id)) throw new PayloadError(`${at}: ${JSON.stringify(id)} is not a node id`);
    return id;
  };
  const edges = (k: "required" | "forbidden"): [string, string][] => {
    const v = o[k] ?? [];
    if (!Array.isArray(v)) fail(`${path}.${k}`, "an array of [from, to]", v);
    return v.map((e, i) => {
      if (!Array.isArray(e) || e.length !== 2) fail(`${path}.${k}[${i}]`, "[from, to]", e);
      const a = node(e[0], `${path}.${k}[${i}][0]`), b = node(e[1], `${path}.${k}[${i}][1]`);
      if (a === b) throw new PayloadError(`${path}.${k}[${i}]: ${JSON.stringify(a)} -> itself is a self-loop`);
      return [a, b];
    });
  };
  const t = o.tiers ?? [];
  if (!Array.isArray(t)) fail(`${path}.tiers`, "an array of arrays of node ids", t);
  const inTier = new Set<string>();
  const tiers = t.map((tier, k) => {
    if (!Array.isArray(tier)) fail(`${path}.tiers[${k}]`, "an array of node ids", tier);
    return tier.map((v, i) => {
      const id = node(v, `${path}.tiers[${k}][${i}]`);
      if (inTier.has(id)) throw new PayloadError(`${path}.tiers[${k}][${i}]: ${JSON.stringify(id)} is in two tiers`);
      inTier.add(id);
      return id;
    });
  });
  return { required: edges("required"), forbidden: edges("forbidden"), tiers };
}
