/**
 * Vega-Lite charts in notebooks.
 *
 * A chart's bundle carries the spec under the Vega-Lite MIME type that
 * JupyterLab renders natively, plus a PNG rendered here, server-side, so the
 * notebook also shows the chart on GitHub, nbviewer, nbconvert HTML and the
 * classic Notebook; and a `text/plain` line.
 *
 * MIME type: JupyterLab 4.6 (`@jupyterlab/vega5-extension`) registers
 * `application/vnd.vegalite.v3+json`, `.v4+json` and `.v5+json` (and
 * `application/vnd.vega.v5+json`); it has no renderer for a `.v6+json` type.
 * So bundles use `application/vnd.vegalite.v5+json` and the spec's
 * `$schema` is set to the matching Vega-Lite 5 schema (a spec declaring
 * another Vega-Lite major has its `$schema` replaced; the specs causalscope
 * writes use only features common to Vega-Lite 5 and 6).
 *
 * Server-side PNG: vega-lite 6 `compile` → vega `View` with renderer "none"
 * (no DOM, no canvas needed) → `toSVG()` → @resvg/resvg-js → PNG. Text needs a
 * font: resvg loads the system fonts and we point its sans-serif family at
 * the first common sans font found (DejaVu Sans, Liberation Sans, Arial,
 * Helvetica, Noto Sans...). On a machine without any font file (a bare
 * Debian container: `apt-get install fonts-dejavu-core`) the PNG is still
 * made, with marks and axes but without text, and `text/plain` says so.
 *
 * vega and vega-lite are ESM-only: they are loaded on first use with
 * `importEsm` (a real `import()`) and cached (never at module load).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Image } from "../image/image";
import { importEsm } from "./esm";
import { formatNumber } from "./html";
import type { Displayable, MimeBundle } from "./mime";
import { toBase64 } from "./png";

/** The Vega-Lite MIME type JupyterLab 4.6 renders natively. */
export const VEGALITE_MIME_TYPE = "application/vnd.vegalite.v5+json";
/** The `$schema` that matches `VEGALITE_MIME_TYPE`. */
export const VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** A Vega-Lite specification (plain JSON object). */
export type VegaLiteSpec = Record<string, unknown>;

// The parts of the ESM-only vega-lite and vega APIs used here (typed locally
// so this CommonJS module needs no type import of an ES module).
interface VegaLiteModule {
  compile(spec: unknown, options?: { config?: unknown }): { spec: unknown };
}
interface VegaView {
  toSVG(scaleFactor?: number): Promise<string>;
  finalize(): void;
}
interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: "none" }) => VegaView;
}
type VegaModules = { vl: VegaLiteModule; vega: VegaModule };
let vegaModules: Promise<VegaModules> | undefined;

/** vega-lite and vega, imported once (they are ESM-only). */
function loadVega(): Promise<VegaModules> {
  // one after the other: they share dependencies (vega-util...), and jest's
  // ESM linker fails on two concurrent imports of the same module
  vegaModules ??= (async () => {
    const vega = await importEsm<VegaModule>("vega");
    const vl = await importEsm<VegaLiteModule>("vega-lite");
    return { vl, vega };
  })();
  // a failed load (package missing) is not cached: a later call retries
  vegaModules.catch(() => { vegaModules = undefined; });
  return vegaModules;
}

const SANS_FONT_FILES: Array<[file: string, family: string]> = [
  ["DejaVuSans.ttf", "DejaVu Sans"],
  ["LiberationSans-Regular.ttf", "Liberation Sans"],
  ["Arial.ttf", "Arial"],
  ["arial.ttf", "Arial"],
  ["Helvetica.ttc", "Helvetica"],
  ["NotoSans-Regular.ttf", "Noto Sans"],
  ["FreeSans.ttf", "FreeSans"],
  ["Roboto-Regular.ttf", "Roboto"],
];

function fontDirs(): string[] {
  const home = process.env.HOME ?? process.env.USERPROFILE ?? "";
  return [
    "/usr/share/fonts", "/usr/local/share/fonts", path.join(home, ".fonts"), path.join(home, ".local/share/fonts"),
    "/Library/Fonts", "/System/Library/Fonts", path.join(home, "Library/Fonts"), "C:\\Windows\\Fonts",
  ];
}

let sansFont: { family: string; file: string } | null | undefined;

/**
 * The sans-serif font the PNG fallback draws text with: the first of a list
 * of common families found under the usual font folders (searched once,
 * 4 levels deep), or null when the machine has none.
 */
export function chartFont(): { family: string; file: string } | null {
  if (sansFont !== undefined) return sansFont;
  const wanted = new Map(SANS_FONT_FILES.map(([f, fam], i) => [f, { fam, i }]));
  let best: { family: string; file: string; rank: number } | null = null;
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < 4) walk(p, depth + 1);
      else if (wanted.has(e.name)) {
        const w = wanted.get(e.name)!;
        if (!best || w.i < best.rank) best = { family: w.fam, file: p, rank: w.i };
      }
    }
  };
  for (const d of fontDirs()) walk(d, 0);
  const found = best as { family: string; file: string; rank: number } | null;
  sansFont = found ? { family: found.family, file: found.file } : null;
  return sansFont;
}

/** Options of the server-side rendering. */
export interface RenderOptions {
  /** Pixel ratio of the PNG (1 = the chart's CSS size, 2 = retina). Default 1. */
  scale?: number;
}

/** The spec compiled by vega-lite and drawn by vega as an SVG string. */
export async function renderVegaLiteSvg(spec: VegaLiteSpec, options: RenderOptions = {}): Promise<string> {
  const scale = options.scale ?? 1;
  if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`renderVegaLiteSvg: options.scale must be a positive number, got ${scale}`);
  const { vl, vega } = await loadVega();
  const font = chartFont();
  const config = font ? { font: font.family } : {};
  let compiled;
  try {
    // a JSON copy: vega tags the data objects it ingests (Symbol(vega_id)),
    // which must not leak into the spec the bundle carries
    compiled = vl.compile(JSON.parse(JSON.stringify(spec)), { config }).spec;
  } catch (e) {
    throw new Error(`renderVegaLiteSvg: spec is not valid Vega-Lite: ${(e as Error).message}`);
  }
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG(scale);
  } finally {
    view.finalize();
  }
}

/** An SVG string rasterised to PNG by resvg, white background, system fonts. */
export function svgToPng(svg: string): Uint8Array {
  // resvg-js is a native module with a CommonJS entry: a plain require.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
  const font = chartFont();
  const resvg = new Resvg(svg, {
    background: "white",
    font: font
      ? { loadSystemFonts: true, fontFiles: [font.file], defaultFontFamily: font.family, sansSerifFamily: font.family }
      : { loadSystemFonts: true },
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** The spec rendered to PNG bytes (vega-lite → vega → SVG → resvg). */
export async function renderVegaLitePng(spec: VegaLiteSpec, options: RenderOptions = {}): Promise<Uint8Array> {
  return svgToPng(await renderVegaLiteSvg(spec, options));
}

function titleText(spec: VegaLiteSpec): string | undefined {
  const t = spec.title as unknown;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) return t.join(" ");
  if (t && typeof t === "object") {
    const o = t as { text?: unknown; subtitle?: unknown };
    const text = Array.isArray(o.text) ? o.text.join(" ") : o.text;
    const sub = Array.isArray(o.subtitle) ? o.subtitle.join(" ") : o.subtitle;
    return [text, sub].filter((x) => typeof x === "string" && x).join(" — ") || undefined;
  }
  return undefined;
}

/** A Vega-Lite chart: displays natively in JupyterLab, as a PNG elsewhere. */
export class Chart implements Displayable {
  /** The spec as displayed (a JSON copy, `$schema` set to `VEGALITE_SCHEMA`). */
  readonly spec: VegaLiteSpec;
  /** Options of the PNG fallback. */
  readonly render: RenderOptions;

  constructor(spec: VegaLiteSpec, render: RenderOptions = {}) {
    this.spec = spec;
    this.render = render;
  }

  /** SVG of the chart, drawn server-side. */
  toSvg(): Promise<string> {
    return renderVegaLiteSvg(this.spec, this.render);
  }

  /** PNG bytes of the chart, drawn server-side. */
  toPng(): Promise<Uint8Array> {
    return renderVegaLitePng(this.spec, this.render);
  }

  /** One line describing the chart (its `text/plain`). */
  describe(): string {
    const mark = typeof this.spec.mark === "string" ? this.spec.mark : (this.spec.mark as { type?: string } | undefined)?.type;
    const values = (this.spec.data as { values?: unknown[] } | undefined)?.values;
    const bits = [`Vega-Lite chart${mark ? ` (${mark})` : ""}`];
    const title = titleText(this.spec);
    if (title) bits.push(title);
    if (Array.isArray(values)) bits.push(`${values.length} data rows`);
    return bits.join(": ");
  }

  /** `application/vnd.vegalite.v5+json` (the spec), `image/png`, `text/plain`. */
  async toMimeBundle(): Promise<MimeBundle> {
    const png = await this.toPng();
    let text = this.describe();
    if (!chartFont()) text += " (PNG fallback drawn without text: no system font found)";
    return {
      [VEGALITE_MIME_TYPE]: this.spec,
      "image/png": toBase64(png),
      "text/plain": text,
    };
  }
}

/**
 * A displayable Vega-Lite chart. The spec is copied through JSON (so later
 * changes to the argument do not change the chart, and NaN becomes null as
 * it would on the wire) and its `$schema` is set to Vega-Lite 5 (see the
 * module comment for why). Data must be inline (`data.values`) or a URL the
 * kernel's Node process can read.
 *
 * @example
 *   chart({ data: { values: rows }, mark: "point",
 *           encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } })
 */
export function chart(spec: VegaLiteSpec, options: RenderOptions = {}): Chart {
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    throw new TypeError(`chart: spec must be a Vega-Lite specification object, got ${Array.isArray(spec) ? "an array" : String(spec === null ? null : typeof spec)}`);
  }
  const schema = spec.$schema;
  if (schema !== undefined && (typeof schema !== "string" || !/vega-lite/.test(schema))) {
    throw new TypeError(`chart: spec.$schema must name a Vega-Lite schema (for a Vega spec use the Vega MIME type directly), got ${JSON.stringify(schema)}`);
  }
  let copy: VegaLiteSpec;
  try {
    copy = JSON.parse(JSON.stringify(spec)) as VegaLiteSpec;
  } catch (e) {
    throw new TypeError(`chart: spec must be JSON-serialisable: ${(e as Error).message}`);
  }
  if (options.scale !== undefined && !(options.scale > 0 && Number.isFinite(options.scale))) {
    throw new RangeError(`chart: options.scale must be a positive number, got ${options.scale}`);
  }
  const { $schema: _declared, ...rest } = copy;
  return new Chart({ $schema: VEGALITE_SCHEMA, ...rest }, options);
}

/** Options of `histogram`. */
export interface HistogramOptions extends RenderOptions {
  /** Number of equal-width bins (positive integer). Default 50. */
  bins?: number;
  /** `[low, high]` of the binned range. Default: the finite minimum and maximum. Values outside are excluded and counted. */
  range?: [number, number];
  /** Chart title. Default `Histogram of <field>`. */
  title?: string;
  /** Name of the binned quantity, the x-axis title (e.g. "intensity (counts)"). Default "value". */
  field?: string;
  /** Chart width and height in CSS pixels. Default 400 × 250. */
  width?: number;
  height?: number;
}

/** A histogram chart, with the counts it shows. */
export class Histogram extends Chart {
  /** Count of each bin; bin i is [edges[i], edges[i+1]), the last closed. */
  readonly counts: Float64Array;
  /** `bins + 1` bin edges, ascending, in the units of the values. */
  readonly edges: Float64Array;
  /** Values counted (finite and in range). */
  readonly n: number;
  /** NaN values excluded. */
  readonly nanCount: number;
  /** ±Infinity values excluded. */
  readonly infCount: number;
  /** Finite values outside `range`, excluded. */
  readonly outOfRange: number;
  /** Name of the binned quantity. */
  readonly field: string;

  constructor(spec: VegaLiteSpec, render: RenderOptions, info: Pick<Histogram, "counts" | "edges" | "n" | "nanCount" | "infCount" | "outOfRange" | "field">) {
    super(spec, render);
    this.counts = info.counts;
    this.edges = info.edges;
    this.n = info.n;
    this.nanCount = info.nanCount;
    this.infCount = info.infCount;
    this.outOfRange = info.outOfRange;
    this.field = info.field;
  }

  /** E.g. "Histogram of value: 50 bins over [0, 1], n = 998 (2 NaN excluded)". */
  override describe(): string {
    const e = this.edges;
    const excluded: string[] = [];
    if (this.nanCount) excluded.push(`${this.nanCount} NaN`);
    if (this.infCount) excluded.push(`${this.infCount} ±Inf`);
    if (this.outOfRange) excluded.push(`${this.outOfRange} out of range`);
    const title = (this.spec.title as { text?: string } | undefined)?.text;
    return `Histogram of ${this.field}: ${this.counts.length} bins over [${formatNumber(e[0], 4)}, ${formatNumber(e[e.length - 1], 4)}], n = ${this.n}` +
      (excluded.length ? ` (${excluded.join(", ")} excluded)` : "") + (title && title !== `Histogram of ${this.field}` ? ` — ${title}` : "");
  }
}

/**
 * A histogram of values (or of an image's pixels) with equal-width bins,
 * computed here (so the counts are exact and available as `.counts`) and
 * drawn as a Vega-Lite bar chart. Bin i covers [edges[i], edges[i+1]); the
 * last bin also holds values equal to the upper edge (numpy `histogram`
 * convention). NaN and ±Infinity are excluded, counted, and reported in the
 * chart's subtitle and text. A constant input gets one bin of width 1
 * centred on the value. Cost O(n).
 *
 * @example histogram(haadf, { bins: 100, field: "intensity (counts)" })
 */
export function histogram(values: ArrayLike<number> | Image, options: HistogramOptions = {}): Histogram {
  const data: ArrayLike<number> = isImageLike(values) ? values.data : values;
  if (!data || typeof data.length !== "number") {
    throw new TypeError(`histogram: values must be an array of numbers or an Image, got ${values === null ? "null" : typeof values}`);
  }
  const bins = options.bins ?? 50;
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: options.bins must be a positive integer, got ${bins}`);
  const field = options.field ?? "value";
  let nanCount = 0, infCount = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v !== "number") throw new TypeError(`histogram: values[${i}] is ${typeof v}, not a number`);
    if (v !== v) nanCount++;
    else if (v === Infinity || v === -Infinity) infCount++;
    else { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  if (options.range) {
    const [a, b] = options.range;
    if (!(Number.isFinite(a) && Number.isFinite(b) && b > a)) throw new RangeError(`histogram: options.range must be [low, high] with finite low < high, got ${JSON.stringify(options.range)}`);
    lo = a; hi = b;
  } else if (lo > hi) {
    lo = 0; hi = 1; // no finite value: empty histogram on [0, 1]
  } else if (lo === hi) {
    lo -= 0.5; hi += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = lo + ((hi - lo) * i) / bins;
  const counts = new Float64Array(bins);
  const scale = bins / (hi - lo);
  let outOfRange = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo || v > hi) { outOfRange++; continue; }
    let k = Math.floor((v - lo) * scale);
    if (k >= bins) k = bins - 1;
    // guard floating rounding against the exact edges
    while (k > 0 && v < edges[k]) k--;
    while (k < bins - 1 && v >= edges[k + 1]) k++;
    counts[k]++;
  }
  const n = data.length - nanCount - infCount - outOfRange;
  const excluded: string[] = [];
  if (nanCount) excluded.push(`${nanCount} NaN`);
  if (infCount) excluded.push(`${infCount} ±Inf`);
  if (outOfRange) excluded.push(`${outOfRange} out of range`);
  const subtitle = `n = ${n}${excluded.length ? ` (${excluded.join(", ")} excluded)` : ""}`;
  const rows = Array.from(counts, (c, i) => ({ bin_start: edges[i], bin_end: edges[i + 1], count: c }));
  const spec: VegaLiteSpec = {
    $schema: VEGALITE_SCHEMA,
    title: { text: options.title ?? `Histogram of ${field}`, subtitle },
    width: options.width ?? 400,
    height: options.height ?? 250,
    data: { values: rows },
    mark: "bar",
    encoding: {
      x: { field: "bin_start", type: "quantitative", bin: { binned: true }, title: field },
      x2: { field: "bin_end" },
      y: { field: "count", type: "quantitative", title: "count" },
      tooltip: [
        { field: "bin_start", type: "quantitative", title: "from", format: ".4~g" },
        { field: "bin_end", type: "quantitative", title: "to", format: ".4~g" },
        { field: "count", type: "quantitative" },
      ],
    },
  };
  return new Histogram(spec, { scale: options.scale }, { counts, edges, n, nanCount, infCount, outOfRange, field });
}

function isImageLike(v: unknown): v is Image {
  return !!v && typeof v === "object" && (v as Image).data instanceof Float32Array && Number.isInteger((v as Image).width) && Number.isInteger((v as Image).height);
}

/** Data a scatter plot accepts: a table (anything with `toRows()`), columns, or rows. */
export type ChartData =
  | { toRows(): Array<Record<string, unknown>> }
  | Record<string, ArrayLike<number> | ArrayLike<string>>
  | Array<Record<string, unknown>>;

function rowsOf(data: ChartData, where: string): Array<Record<string, unknown>> {
  if (Array.isArray(data)) return data;
  if (data && typeof (data as { toRows?: unknown }).toRows === "function") return (data as { toRows(): Array<Record<string, unknown>> }).toRows();
  if (!data || typeof data !== "object") throw new TypeError(`${where}: data must be a Table, an object of columns or an array of rows, got ${data === null ? "null" : typeof data}`);
  const cols = Object.entries(data as Record<string, ArrayLike<unknown>>);
  const n = cols.length ? cols[0][1].length : 0;
  for (const [name, c] of cols) {
    if (!c || typeof c.length !== "number") throw new TypeError(`${where}: data column "${name}" is not an array`);
    if (c.length !== n) throw new RangeError(`${where}: data columns differ in length: "${cols[0][0]}" has ${n}, "${name}" has ${c.length}`);
  }
  const rows = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const r: Record<string, unknown> = {};
    for (const [name, c] of cols) r[name] = c[i];
    rows[i] = r;
  }
  return rows;
}

/** Options of `scatter`. */
export interface ScatterOptions extends RenderOptions {
  /** Column shown on x and on y (quantitative). */
  x: string;
  y: string;
  /** Column coloured by (quantitative when numeric, nominal otherwise). */
  color?: string;
  title?: string;
  width?: number;
  height?: number;
}

/**
 * A scatter plot of two columns of a table (or of columns / rows), as a
 * Vega-Lite point chart. Rows whose x or y is not a finite number are
 * dropped and counted in the subtitle.
 *
 * @example scatter(atoms, { x: "x", y: "y", color: "intensity" })
 */
export function scatter(data: ChartData, options: ScatterOptions): Chart {
  if (!options || typeof options.x !== "string" || typeof options.y !== "string") {
    throw new TypeError(`scatter: options.x and options.y must name columns, got ${JSON.stringify(options && { x: options.x, y: options.y })}`);
  }
  const all = rowsOf(data, "scatter");
  const fields = [options.x, options.y, ...(options.color ? [options.color] : [])];
  if (all.length) {
    const missing = fields.filter((f) => !(f in all[0]));
    if (missing.length) throw new RangeError(`scatter: no column ${missing.map((m) => `"${m}"`).join(", ")}; columns are ${Object.keys(all[0]).map((k) => `"${k}"`).join(", ")}`);
  }
  const rows = all
    .filter((r) => Number.isFinite(r[options.x] as number) && Number.isFinite(r[options.y] as number))
    .map((r) => Object.fromEntries(fields.map((f) => [f, r[f]])));
  const dropped = all.length - rows.length;
  const colorNumeric = options.color !== undefined && rows.length > 0 && typeof rows[0][options.color] === "number";
  const encoding: Record<string, unknown> = {
    x: { field: options.x, type: "quantitative", scale: { zero: false } },
    y: { field: options.y, type: "quantitative", scale: { zero: false } },
  };
  if (options.color) encoding.color = { field: options.color, type: colorNumeric ? "quantitative" : "nominal" };
  return chart(
    {
      title: { text: options.title ?? `${options.y} vs ${options.x}`, subtitle: `n = ${rows.length}${dropped ? ` (${dropped} rows with non-finite x or y dropped)` : ""}` },
      width: options.width ?? 400,
      height: options.height ?? 300,
      data: { values: rows },
      mark: { type: "point", filled: true, size: 12 },
      encoding,
    },
    { scale: options.scale },
  );
}

/** Options of `heatmap`. */
export interface HeatmapOptions extends RenderOptions {
  /** Labels of the columns (x, left to right) and rows (y, top to bottom). Default "0", "1", ... */
  xLabels?: string[];
  yLabels?: string[];
  /** Chart title. */
  title?: string;
  /** Name of the value shown by colour (legend title). Default "value". */
  field?: string;
  /** Vega colour scheme, e.g. "viridis" (default) or "redblue" for signed values such as correlations. */
  scheme?: string;
  /** Symmetric colour domain [-m, m] around 0 (for correlations). Default false. */
  symmetric?: boolean;
  /** Write the value in each cell (sensible up to ~20×20). Default: when there are ≤ 100 cells. */
  annotate?: boolean;
}

/** The most cells `heatmap` draws (each is a Vega-Lite mark); use `cs.show.image` for images. */
export const HEATMAP_MAX_CELLS = 40000;

/**
 * A heatmap of a small matrix (rows of numbers, or an Image: row y, column
 * x) as a Vega-Lite rect chart: correlation matrices, confusion matrices,
 * adjacency. Cell (row i, column j) shows `values[i][j]`; row 0 is at the
 * top. NaN and ±Inf cells are left blank and counted in the text. For whole
 * images use `cs.show.image` (a PNG), which has no size limit.
 *
 * @example heatmap(corr, { xLabels: names, yLabels: names, scheme: "redblue", symmetric: true })
 */
export function heatmap(values: ArrayLike<ArrayLike<number>> | Image, options: HeatmapOptions = {}): Chart {
  let rows: number, cols: number, at: (i: number, j: number) => number;
  if (isImageLike(values)) {
    rows = values.height; cols = values.width;
    const d = values.data, w = values.width;
    at = (i, j) => d[i * w + j];
  } else {
    if (!values || typeof values.length !== "number") throw new TypeError(`heatmap: values must be an array of rows of numbers or an Image, got ${values === null ? "null" : typeof values}`);
    rows = values.length; cols = rows ? values[0]?.length ?? 0 : 0;
    for (let i = 0; i < rows; i++) {
      if (!values[i] || values[i].length !== cols) throw new RangeError(`heatmap: values rows differ in length: row 0 has ${cols}, row ${i} has ${values[i]?.length}`);
    }
    at = (i, j) => values[i][j];
  }
  if (rows === 0 || cols === 0) throw new RangeError(`heatmap: values is empty (${rows}×${cols})`);
  if (rows * cols > HEATMAP_MAX_CELLS) throw new RangeError(`heatmap: values has ${rows}×${cols} = ${rows * cols} cells, more than ${HEATMAP_MAX_CELLS}; use cs.show.image for images`);
  const xl = options.xLabels ?? Array.from({ length: cols }, (_, j) => String(j));
  const yl = options.yLabels ?? Array.from({ length: rows }, (_, i) => String(i));
  if (xl.length !== cols) throw new RangeError(`heatmap: options.xLabels has ${xl.length} labels for ${cols} columns`);
  if (yl.length !== rows) throw new RangeError(`heatmap: options.yLabels has ${yl.length} labels for ${rows} rows`);
  if (new Set(xl).size !== xl.length || new Set(yl).size !== yl.length) throw new RangeError("heatmap: options.xLabels and options.yLabels must be unique");
  const field = options.field ?? "value";
  const data: Array<{ x: string; y: string; v: number | null }> = [];
  let invalid = 0, maxAbs = 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    const v = at(i, j);
    if (typeof v !== "number") throw new TypeError(`heatmap: values[${i}][${j}] is ${typeof v}, not a number`);
    if (!Number.isFinite(v)) { invalid++; data.push({ x: xl[j], y: yl[i], v: null }); continue; }
    maxAbs = Math.max(maxAbs, Math.abs(v));
    data.push({ x: xl[j], y: yl[i], v });
  }
  const color: Record<string, unknown> = { field: "v", type: "quantitative", title: field, scale: { scheme: options.scheme ?? "viridis", ...(options.symmetric ? { domain: [-maxAbs || -1, maxAbs || 1] } : {}) } };
  const annotate = options.annotate ?? rows * cols <= 100;
  const shortLabels = xl.every((l) => l.length <= 3);
  const base = {
    encoding: {
      x: { field: "x", type: "ordinal", sort: xl, title: null, ...(shortLabels ? { axis: { labelAngle: 0 } } : {}) },
      y: { field: "y", type: "ordinal", sort: yl, title: null },
    },
  };
  const layers: unknown[] = [{ mark: "rect", encoding: { color, tooltip: [{ field: "y", title: "row" }, { field: "x", title: "column" }, { field: "v", title: field, format: ".4~g" }] } }];
  if (annotate) {
    layers.push({
      transform: [{ filter: "isValid(datum.v)" }],
      mark: { type: "text", fontSize: 10 },
      encoding: { text: { field: "v", type: "quantitative", format: ".2~f" } },
    });
  }
  // cells of 8..40 px, about 400 px across
  const step = (n: number) => Math.max(8, Math.min(40, Math.floor(400 / n)));

  const title = options.title ?? `${field} (${rows}×${cols})`;
  const c = chart(
    {
      title: invalid ? { text: title, subtitle: `${invalid} non-finite cells blank` } : title,
      width: { step: step(cols) },
      height: { step: step(rows) },
      data: { values: data },
      ...base,
      layer: layers,
    },
    { scale: options.scale },
  );
  return c;
}
