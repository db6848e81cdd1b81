/**
 * The two causalscope MIME types, their versioned JSON payloads, and a
 * validating parser for each (documented in docs/widgets.md).
 *
 * The parsers never trust the payload: every field is checked, and a
 * malformed or unknown-version payload raises a `PayloadError` whose message
 * names the field (`atoms.x: expected ...`) so the output area can show it.
 * Strings from data are kept as strings; the widgets render them as text.
 */

export const ATOMS_MIME = 'application/vnd.causalscope.atoms+json';
export const GRAPH_MIME = 'application/vnd.causalscope.graph+json';
/** Payload versions this extension understands. */
export const ATOMS_VERSION = 1;
export const GRAPH_VERSION = 1;
/** Comm target the atom overlay opens to send selections to the kernel. */
export const SELECTION_COMM_TARGET = 'causalscope.selection';

/** A payload that cannot be displayed; the message says which field and why. */
export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

export type Dtype = 'float32' | 'float64' | 'int32' | 'uint32' | 'int16' | 'uint16' | 'int8' | 'uint8';
/** A numeric column: a plain JSON array, or little-endian typed data in base64. */
export type ColumnJSON = number[] | { dtype: Dtype; base64: string };

export interface AtomClass {
  name: string;
  color: string;
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
    vectors?: { dx: Float64Array; dy: Float64Array; label: string; unit: string; gain: number };
    properties: { name: string; values: Float64Array | string[] }[];
  };
}

export type EdgeType = 'directed' | 'undirected' | 'bidirected';

export interface GraphEdge {
  from: string;
  to: string;
  type: EdgeType;
  weight?: number;
  confidence?: number;
}

export interface GraphPayload {
  version: 1;
  id: string;
  title: string;
  nodes: { id: string; label: string }[];
  edges: GraphEdge[];
}

const DTYPES: Record<Dtype, { bytes: number; make: (b: ArrayBuffer, n: number) => ArrayLike<number> }> = {
  float32: { bytes: 4, make: (b, n) => new Float32Array(b, 0, n) },
  float64: { bytes: 8, make: (b, n) => new Float64Array(b, 0, n) },
  int32: { bytes: 4, make: (b, n) => new Int32Array(b, 0, n) },
  uint32: { bytes: 4, make: (b, n) => new Uint32Array(b, 0, n) },
  int16: { bytes: 2, make: (b, n) => new Int16Array(b, 0, n) },
  uint16: { bytes: 2, make: (b, n) => new Uint16Array(b, 0, n) },
  int8: { bytes: 1, make: (b, n) => new Int8Array(b, 0, n) },
  uint8: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) }
};

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function fail(path: string, expected: string, got: unknown): never {
  throw new PayloadError(`${path}: expected ${expected}, got ${describe(got)}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (!isObject(v)) fail(path, 'an object', v);
  return v;
}

function str(v: unknown, path: string, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

function num(v: unknown, path: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'a finite number', v);
  return v;
}

function posInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(path, 'a positive integer', v);
  return v;
}

/** Decode base64 to bytes (atob exists in browsers and in Node ≥ 16). */
export function base64ToBytes(b64: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new PayloadError('invalid base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Decode a column to Float64Array of exactly `n` values (n < 0: any length).
 * NaN is allowed in typed data (a missing value); plain arrays take numbers or null (NaN).
 */
export function decodeColumn(v: unknown, path: string, n: number): Float64Array {
  let out: Float64Array;
  if (Array.isArray(v)) {
    out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const e = v[i];
      if (e === null) out[i] = NaN;
      else if (typeof e === 'number') out[i] = e;
      else fail(`${path}[${i}]`, 'a number or null', e);
    }
  } else if (isObject(v)) {
    const dtype = v.dtype as Dtype;
    const spec = DTYPES[dtype];
    if (!spec) fail(`${path}.dtype`, `one of ${Object.keys(DTYPES).join(', ')}`, v.dtype);
    const b64 = str(v.base64, `${path}.base64`);
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(b64);
    } catch {
      throw new PayloadError(`${path}.base64: not valid base64`);
    }
    if (bytes.length % spec.bytes !== 0) {
      throw new PayloadError(`${path}.base64: ${bytes.length} bytes is not a whole number of ${dtype} values`);
    }
    const count = bytes.length / spec.bytes;
    const aligned = new ArrayBuffer(bytes.length);
    new Uint8Array(aligned).set(bytes);
    const typed = spec.make(aligned, count);
    out = Float64Array.from(typed as ArrayLike<number>);
  } else {
    fail(path, 'a number array or {dtype, base64}', v);
  }
  if (n >= 0 && out.length !== n) throw new PayloadError(`${path}: expected ${n} values (atoms.count), got ${out.length}`);
  return out;
}

function checkVersion(p: Record<string, unknown>, supported: number, what: string): void {
  const v = p.version;
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${what} payload.version`, 'an integer', v);
  if (v !== supported) {
    throw new PayloadError(
      v > supported
        ? `${what} payload version ${v} is newer than this extension understands (version ${supported}); ` +
            'upgrade the causalscope JupyterLab extension (pip install -U ./labextension)'
        : `${what} payload version ${v} is not supported (this extension reads version ${supported})`
    );
  }
}

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

/** Parse and validate an atoms payload (see docs/widgets.md). */
export function parseAtomsPayload(raw: unknown): AtomsPayload {
  const p = obj(raw, 'atoms payload');
  checkVersion(p, ATOMS_VERSION, 'atoms');
  const im = obj(p.image, 'image');
  const width = posInt(im.width, 'image.width');
  const height = posInt(im.height, 'image.height');
  const png = str(im.png, 'image.png');
  if (!/^[A-Za-z0-9+/=\s]*$/.test(png) || png.length < 16) fail('image.png', 'a base64 PNG', png);
  let range: [number, number] = [0, 255];
  if (im.range !== undefined) {
    if (!Array.isArray(im.range) || im.range.length !== 2) fail('image.range', '[min, max]', im.range);
    range = [num(im.range[0], 'image.range[0]'), num(im.range[1], 'image.range[1]')];
  }
  let calibration: AtomsPayload['image']['calibration'];
  if (im.calibration !== undefined && im.calibration !== null) {
    const c = obj(im.calibration, 'image.calibration');
    calibration = { pixelSize: num(c.pixelSize, 'image.calibration.pixelSize'), unit: str(c.unit, 'image.calibration.unit') };
    if (!(calibration.pixelSize > 0)) fail('image.calibration.pixelSize', 'a positive number', calibration.pixelSize);
  }
  const a = obj(p.atoms, 'atoms');
  const count = a.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) fail('atoms.count', 'a non-negative integer', count);
  const x = decodeColumn(a.x, 'atoms.x', count);
  const y = decodeColumn(a.y, 'atoms.y', count);
  let classes: AtomClass[];
  if (a.classes === undefined) classes = [{ name: 'atoms', color: PALETTE[0] }];
  else {
    if (!Array.isArray(a.classes) || a.classes.length === 0) fail('atoms.classes', 'a non-empty array', a.classes);
    if (a.classes.length > 65535) fail('atoms.classes', 'at most 65535 classes', a.classes);
    classes = a.classes.map((c, i) => {
      const o = obj(c, `atoms.classes[${i}]`);
      const color = o.color === undefined ? PALETTE[i % PALETTE.length] : str(o.color, `atoms.classes[${i}].color`);
      if (!COLOR_RE.test(color)) fail(`atoms.classes[${i}].color`, 'a colour "#rrggbb"', color);
      return { name: str(o.name, `atoms.classes[${i}].name`), color };
    });
  }
  const cls = new Uint16Array(count);
  if (a.class !== undefined) {
    const c = decodeColumn(a.class, 'atoms.class', count);
    for (let i = 0; i < count; i++) {
      const k = c[i];
      if (!Number.isInteger(k) || k < 0 || k >= classes.length) {
        throw new PayloadError(`atoms.class[${i}]: ${k} is not an index into atoms.classes (${classes.length} classes)`);
      }
      cls[i] = k;
    }
  }
  const radius = num(a.radius, 'atoms.radius', 3);
  if (!(radius > 0)) fail('atoms.radius', 'a positive number', radius);
  let vectors: AtomsPayload['atoms']['vectors'];
  if (a.vectors !== undefined && a.vectors !== null) {
    const v = obj(a.vectors, 'atoms.vectors');
    vectors = {
      dx: decodeColumn(v.dx, 'atoms.vectors.dx', count),
      dy: decodeColumn(v.dy, 'atoms.vectors.dy', count),
      label: str(v.label, 'atoms.vectors.label', 'displacement'),
      unit: str(v.unit, 'atoms.vectors.unit', 'px'),
      gain: num(v.gain, 'atoms.vectors.gain', 1)
    };
  }
  const properties: AtomsPayload['atoms']['properties'] = [];
  if (a.properties !== undefined) {
    if (!Array.isArray(a.properties)) fail('atoms.properties', 'an array of {name, values}', a.properties);
    a.properties.forEach((q, i) => {
      const o = obj(q, `atoms.properties[${i}]`);
      const name = str(o.name, `atoms.properties[${i}].name`);
      const vals = o.values;
      if (Array.isArray(vals) && vals.length > 0 && vals.every((s) => typeof s === 'string')) {
        if (vals.length !== count) throw new PayloadError(`atoms.properties[${i}].values: expected ${count} values (atoms.count), got ${vals.length}`);
        properties.push({ name, values: vals as string[] });
      } else properties.push({ name, values: decodeColumn(vals, `atoms.properties[${i}].values`, count) });
    });
  }
  return {
    version: 1,
    id: str(p.id, 'id', ''),
    title: str(p.title, 'title', ''),
    image: { width, height, png, range, calibration },
    atoms: { count, x, y, cls, classes, radius, vectors, properties }
  };
}

const EDGE_TYPES: EdgeType[] = ['directed', 'undirected', 'bidirected'];

/** Parse and validate a graph payload (see docs/widgets.md). */
export function parseGraphPayload(raw: unknown): GraphPayload {
  const p = obj(raw, 'graph payload');
  checkVersion(p, GRAPH_VERSION, 'graph');
  if (!Array.isArray(p.nodes)) fail('nodes', 'an array', p.nodes);
  const seen = new Set<string>();
  const nodes = p.nodes.map((n, i) => {
    const o = obj(n, `nodes[${i}]`);
    const id = str(o.id, `nodes[${i}].id`);
    if (seen.has(id)) throw new PayloadError(`nodes[${i}].id: duplicate node id ${JSON.stringify(id)}`);
    seen.add(id);
    return { id, label: str(o.label, `nodes[${i}].label`, id) };
  });
  if (!Array.isArray(p.edges)) fail('edges', 'an array', p.edges);
  const edges = p.edges.map((e, i): GraphEdge => {
    const o = obj(e, `edges[${i}]`);
    const from = str(o.from, `edges[${i}].from`);
    const to = str(o.to, `edges[${i}].to`);
    if (!seen.has(from)) throw new PayloadError(`edges[${i}].from: ${JSON.stringify(from)} is not a node id`);
    if (!seen.has(to)) throw new PayloadError(`edges[${i}].to: ${JSON.stringify(to)} is not a node id`);
    const type = (o.type === undefined ? 'directed' : o.type) as EdgeType;
    if (!EDGE_TYPES.includes(type)) fail(`edges[${i}].type`, `one of ${EDGE_TYPES.join(', ')}`, o.type);
    const edge: GraphEdge = { from, to, type };
    if (o.weight !== undefined && o.weight !== null) edge.weight = num(o.weight, `edges[${i}].weight`);
    if (o.confidence !== undefined && o.confidence !== null) {
      const c = num(o.confidence, `edges[${i}].confidence`);
      if (c < 0 || c > 1) fail(`edges[${i}].confidence`, 'a number in [0, 1]', c);
      edge.confidence = c;
    }
    return edge;
  });
  return { version: 1, id: str(p.id, 'id', ''), title: str(p.title, 'title', ''), nodes, edges };
}

/** Colour-blind-safe categorical palette (Okabe & Ito 2008), bright enough on greyscale images. */
export const PALETTE = ['#e69f00', '#56b4e9', '#009e73', '#f0e442', '#d55e00', '#cc79a7', '#0072b2', '#ffffff'];
