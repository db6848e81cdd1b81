/**
 * A small columnar table for per-atom / per-cell descriptors.
 *
 * Why not a data-frame library: danfojs-node cannot be installed here (its
 * install downloads a native TensorFlow binary) and arquero 8 depends on a
 * package missing from the npm registry. So `Table` is a thin layer over one
 * typed array per column (the layout causal discovery and Vega-Lite want)
 * with apache-arrow interop (`toArrow`, `Table.fromArrow`) for everything
 * else. Tables are immutable: every operation returns a new table, sharing
 * unchanged columns.
 *
 * Column types: `Float64Array` (measurements; NaN = missing), `Int32Array`
 * (labels, indices), `Uint8Array` (flags, 0/1), `string[]` (names, classes).
 */
import { escapeHtml, formatNumber } from "../display/html";
import { MIME_BUNDLE, type MimeBundle } from "../display/mime";
import type * as Arrow from "apache-arrow";

/** One column: every column of a table has the same length. */
export type TableColumn = Float64Array | Int32Array | Uint8Array | string[];

/** What `table` and `withColumn` accept as a column (number[] becomes Float64Array, boolean[] Uint8Array). */
export type TableColumnInput = TableColumn | Float32Array | number[] | boolean[] | ArrayLike<number>;

/** A row of `toRows()`: numbers for numeric columns, strings for string columns. */
export type TableRow = Record<string, number | string>;

function kindOf(c: TableColumn): string {
  if (c instanceof Float64Array) return "float64";
  if (c instanceof Int32Array) return "int32";
  if (c instanceof Uint8Array) return "uint8";
  return "string";
}

function toColumn(name: string, values: unknown, where: string): TableColumn {
  if (values instanceof Float64Array || values instanceof Int32Array || values instanceof Uint8Array) return values;
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    if (typeof (values as unknown as ArrayLike<unknown>)[0] === "bigint") throw new TypeError(`${where}: column "${name}" is a BigInt array; convert it to numbers first`);
    return Float64Array.from(values as unknown as ArrayLike<number>);
  }
  if (!Array.isArray(values)) {
    throw new TypeError(`${where}: column "${name}" must be a Float64Array, Int32Array, Uint8Array, number[], boolean[] or string[], got ${values === null ? "null" : typeof values}`);
  }
  if (values.length === 0) return new Float64Array(0);
  const t = typeof values[0];
  if (t === "string") {
    const bad = values.findIndex((v) => typeof v !== "string");
    if (bad >= 0) throw new TypeError(`${where}: column "${name}" mixes strings and ${typeof values[bad]} (row ${bad})`);
    return values.slice() as string[];
  }
  if (t === "boolean") {
    const bad = values.findIndex((v) => typeof v !== "boolean");
    if (bad >= 0) throw new TypeError(`${where}: column "${name}" mixes booleans and ${typeof values[bad]} (row ${bad})`);
    return Uint8Array.from(values as boolean[], (v) => (v ? 1 : 0));
  }
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number") out[i] = v;
    else if (v === null || v === undefined) out[i] = NaN;
    else throw new TypeError(`${where}: column "${name}" mixes numbers and ${typeof v} (row ${i}: ${JSON.stringify(v)})`);
  }
  return out;
}

function quoteList(names: readonly string[]): string {
  return names.length ? names.map((n) => `"${n}"`).join(", ") : "(none)";
}

/** Options of `Table.toMimeBundle` / `toHtml` / `toText`. */
export interface TablePreviewOptions {
  /** Rows shown; longer tables show the first and last half of this many. Default 10. */
  maxRows?: number;
  /** Significant digits of float cells. Default 6. */
  digits?: number;
}

/** An immutable columnar table; build one with `table(...)`. */
export class Table {
  readonly #columns: ReadonlyMap<string, TableColumn>;
  readonly #numRows: number;

  /** Use `table(...)`; this constructor trusts its arguments. */
  private constructor(columns: Map<string, TableColumn>, numRows: number) {
    this.#columns = columns;
    this.#numRows = numRows;
  }

  /** @internal Build from checked columns. */
  static of(columns: Map<string, TableColumn>, where = "table"): Table {
    let n: number | undefined, first = "";
    for (const [name, c] of columns) {
      if (n === undefined) { n = c.length; first = name; }
      else if (c.length !== n) throw new RangeError(`${where}: columns differ in length: "${first}" has ${n} rows, "${name}" has ${c.length}`);
    }
    return new Table(columns, n ?? 0);
  }

  /**
   * A table from an apache-arrow Table. Floats → Float64Array (nulls → NaN);
   * integers → Int32Array when every value fits int32 and none is null
   * (uint8 → Uint8Array), otherwise Float64Array with nulls → NaN (as pandas
   * reads an integer column with missing values), exact up to 2^53 (larger
   * magnitudes are an error); booleans → Uint8Array (with nulls:
   * Float64Array 1/0/NaN); strings and dictionary-encoded strings
   * (categoricals) → string[] (nulls → "").
   *
   * @throws TypeError naming the column for other types (dates, decimals,
   *   lists...) and for integers beyond 2^53.
   */
  static fromArrow(arrowTable: Arrow.Table): Table {
    const arrow = loadArrow();
    const cols = new Map<string, TableColumn>();
    for (const field of arrowTable.schema.fields) {
      const vec = arrowTable.getChild(field.name)!;
      const t = field.type;
      const n = vec.length;
      // without nulls, numbers come out of toArray() (one typed array); with nulls, value by value
      const values = (): ArrayLike<unknown> => {
        if (vec.nullCount === 0) return vec.toArray() as ArrayLike<unknown>;
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = vec.get(i);
        return a;
      };
      if (arrow.DataType.isInt(t)) {
        cols.set(field.name, integerColumn(values(), t.bitWidth === 8 && !t.isSigned, field.name));
      } else if (arrow.DataType.isFloat(t) && t.precision !== arrow.Precision.HALF) {
        const v = values();
        cols.set(field.name, v instanceof Float64Array ? v.slice() : Float64Array.from(v as ArrayLike<number | null>, (x) => (x === null ? NaN : x)));
      } else if (arrow.DataType.isFloat(t)) { // float16: toArray() holds the raw 16-bit words
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) { const x = vec.get(i); a[i] = x === null ? NaN : Number(x); }
        cols.set(field.name, a);
      } else if (arrow.DataType.isBool(t)) {
        const a = vec.nullCount ? new Float64Array(n) : new Uint8Array(n);
        for (let i = 0; i < n; i++) { const v = vec.get(i); a[i] = v === null ? NaN : v ? 1 : 0; }
        cols.set(field.name, a);
      } else if (arrow.DataType.isUtf8(t) || arrow.DataType.isLargeUtf8?.(t) || (arrow.DataType.isDictionary(t) && (arrow.DataType.isUtf8(t.dictionary) || arrow.DataType.isLargeUtf8?.(t.dictionary)))) {
        const a = new Array<string>(n);
        for (let i = 0; i < n; i++) a[i] = (vec.get(i) as string | null) ?? "";
        cols.set(field.name, a);
      } else {
        throw new TypeError(`Table.fromArrow: column "${field.name}" has Arrow type ${String(t)}; only numbers, booleans and strings are supported (convert it, e.g. decimals to float64, dates to numbers)`);
      }
    }
    return Table.of(cols, "Table.fromArrow");
  }

  /** Column names, in order. */
  get columnNames(): string[] {
    return [...this.#columns.keys()];
  }

  /** Number of rows. */
  get numRows(): number {
    return this.#numRows;
  }

  /** True when the table has a column `name`. */
  has(name: string): boolean {
    return this.#columns.has(name);
  }

  /**
   * The column `name` (the stored array itself: do not modify it).
   * @throws RangeError naming the missing column and listing the present ones.
   */
  column(name: string): TableColumn {
    const c = this.#columns.get(name);
    if (!c) throw new RangeError(`Table.column: no column "${name}"; columns are ${quoteList(this.columnNames)}`);
    return c;
  }

  /** The column `name` as numbers; throws naming it when it holds strings. */
  numeric(name: string): Float64Array | Int32Array | Uint8Array {
    const c = this.column(name);
    if (Array.isArray(c)) throw new TypeError(`Table.numeric: column "${name}" holds strings, not numbers`);
    return c;
  }

  /** A table of the named columns, in the given order. */
  select(names: readonly string[]): Table {
    if (!Array.isArray(names)) throw new TypeError(`Table.select: names must be an array of column names, got ${typeof names}`);
    const missing = names.filter((n) => !this.#columns.has(n));
    if (missing.length) throw new RangeError(`Table.select: no column ${quoteList(missing)}; columns are ${quoteList(this.columnNames)}`);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new RangeError(`Table.select: column "${dup}" named twice`);
    return new Table(new Map(names.map((n) => [n, this.#columns.get(n)!])), this.#numRows);
  }

  /** The rows at the given indices (0-based, any order, repeats allowed). */
  take(indices: ArrayLike<number>): Table {
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.#numRows) throw new RangeError(`Table.take: indices[${k}] = ${i} is not a row index in 0..${this.#numRows - 1}`);
    }
    const cols = new Map<string, TableColumn>();
    for (const [name, c] of this.#columns) {
      if (Array.isArray(c)) cols.set(name, Array.from(indices, (i) => c[i]));
      else {
        const out = new (c.constructor as Float64ArrayConstructor)(indices.length);
        for (let k = 0; k < indices.length; k++) out[k] = c[indices[k]];
        cols.set(name, out as TableColumn);
      }
    }
    return new Table(cols, indices.length);
  }

  /** The rows for which `predicate(rowIndex, table)` is true, in order. */
  filter(predicate: (row: number, table: Table) => boolean): Table {
    if (typeof predicate !== "function") throw new TypeError(`Table.filter: predicate must be a function (rowIndex) => boolean, got ${typeof predicate}`);
    const keep: number[] = [];
    for (let i = 0; i < this.#numRows; i++) if (predicate(i, this)) keep.push(i);
    return this.take(keep);
  }

  /** Rows `start` (inclusive) to `end` (exclusive), as `Array.slice`. */
  slice(start = 0, end = this.#numRows): Table {
    const n = this.#numRows;
    const s = Math.max(0, start < 0 ? n + start : Math.min(start, n));
    const e = Math.max(s, end < 0 ? n + end : Math.min(end, n));
    const cols = new Map<string, TableColumn>();
    for (const [name, c] of this.#columns) cols.set(name, c.slice(s, e) as TableColumn);
    return new Table(cols, e - s);
  }

  /**
   * A table with column `name` added (or replaced, keeping its position).
   * `values` must have `numRows` entries; number[] becomes Float64Array.
   */
  withColumn(name: string, values: TableColumnInput): Table {
    if (typeof name !== "string" || name === "") throw new TypeError(`Table.withColumn: name must be a non-empty string, got ${JSON.stringify(name)}`);
    const col = toColumn(name, values, "Table.withColumn");
    if (this.#columns.size > 0 && col.length !== this.#numRows) {
      throw new RangeError(`Table.withColumn: column "${name}" has ${col.length} values, the table has ${this.#numRows} rows`);
    }
    const cols = new Map(this.#columns);
    cols.set(name, col);
    return new Table(cols, this.#columns.size > 0 ? this.#numRows : col.length);
  }

  /** The rows as plain objects (numbers and strings), e.g. for Vega-Lite `data.values`. */
  toRows(): TableRow[] {
    const entries = [...this.#columns];
    const rows = new Array<TableRow>(this.#numRows);
    for (let i = 0; i < this.#numRows; i++) {
      const r: TableRow = {};
      for (const [name, c] of entries) r[name] = c[i];
      rows[i] = r;
    }
    return rows;
  }

  /** The columns as a plain object (the stored arrays). */
  toColumns(): Record<string, TableColumn> {
    return Object.fromEntries(this.#columns);
  }

  /**
   * An apache-arrow Table with the same columns: Float64, Int32, Uint8 and
   * Utf8 vectors (typed-array columns are copied by arrow's builders).
   */
  toArrow(): Arrow.Table {
    const arrow = loadArrow();
    const vectors: Record<string, Arrow.Vector> = {};
    for (const [name, c] of this.#columns) {
      vectors[name] = Array.isArray(c) ? utf8Vector(arrow, c) : arrow.makeVector(c);
    }
    return new arrow.Table(vectors);
  }

  private previewRows(maxRows: number): Array<number | null> {
    const n = this.#numRows;
    if (n <= maxRows) return Array.from({ length: n }, (_, i) => i);
    const head = Math.ceil(maxRows / 2), tail = Math.floor(maxRows / 2);
    return [...Array.from({ length: head }, (_, i) => i), null, ...Array.from({ length: tail }, (_, i) => n - tail + i)];
  }

  private cell(c: TableColumn, i: number, digits: number): string {
    const v = c[i];
    return typeof v === "string" ? v : c instanceof Float64Array ? formatNumber(v, digits) : String(v);
  }

  private header(): string {
    return `Table: ${this.#numRows} rows × ${this.#columns.size} columns`;
  }

  /** An HTML table of the first and last rows; every name and cell is HTML-escaped. */
  toHtml(options: TablePreviewOptions = {}): string {
    const { maxRows = 10, digits = 6 } = options;
    const entries = [...this.#columns];
    const th = entries.map(([name, c]) => `<th title="${kindOf(c)}">${escapeHtml(name)}</th>`).join("");
    const body = this.previewRows(maxRows).map((i) =>
      i === null
        ? `<tr><th>…</th>${entries.map(() => "<td>…</td>").join("")}</tr>`
        : `<tr><th>${i}</th>${entries.map(([, c]) => `<td>${escapeHtml(this.cell(c, i, digits))}</td>`).join("")}</tr>`,
    );
    return `<div class="causalscope-table"><table class="dataframe"><caption>${escapeHtml(this.header())}</caption>` +
      `<thead><tr><th></th>${th}</tr></thead><tbody>${body.join("")}</tbody></table></div>`;
  }

  /** An aligned plain-text table of the first and last rows. */
  toText(options: TablePreviewOptions = {}): string {
    const { maxRows = 10, digits = 6 } = options;
    const entries = [...this.#columns];
    const rows = this.previewRows(maxRows);
    const grid: string[][] = [["", ...entries.map(([n]) => n)]];
    for (const i of rows) grid.push(i === null ? ["…", ...entries.map(() => "…")] : [String(i), ...entries.map(([, c]) => this.cell(c, i, digits))]);
    const widths = grid[0].map((_, j) => Math.max(...grid.map((r) => r[j].length)));
    const lines = grid.map((r) => r.map((s, j) => (j === 0 ? s.padEnd(widths[j]) : s.padStart(widths[j]))).join("  ").trimEnd());
    return [this.header(), ...lines].join("\n");
  }

  /** `text/html` (first and last rows, escaped) and `text/plain`. */
  toMimeBundle(options: TablePreviewOptions = {}): MimeBundle {
    return { "text/html": this.toHtml(options), "text/plain": this.toText(options) };
  }

  [MIME_BUNDLE](): MimeBundle {
    return this.toMimeBundle();
  }

  /** Short description for `console.log` / string conversion. */
  toString(): string {
    return `${this.header()} [${this.columnNames.join(", ")}]`;
  }
}

let arrowModule: typeof Arrow | undefined;
/** apache-arrow, loaded on first use (its CommonJS build). */
function loadArrow(): typeof Arrow {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  arrowModule ??= require("apache-arrow") as typeof Arrow;
  return arrowModule;
}

/** An Arrow Utf8 vector built from one UTF-8 buffer and its offsets (arrow's builder takes seconds per million strings). */
function utf8Vector(arrow: typeof Arrow, strings: string[]): Arrow.Vector {
  const encoder = new TextEncoder();
  const offsets = new Int32Array(strings.length + 1);
  let bytes = new Uint8Array(Math.max(16, strings.length * 4));
  let end = 0;
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i];
    if (end + s.length * 3 > bytes.length) { // UTF-8 needs at most 3 bytes per UTF-16 unit
      const grown = new Uint8Array(Math.max(bytes.length * 2, end + s.length * 3));
      grown.set(bytes.subarray(0, end));
      bytes = grown;
    }
    end += encoder.encodeInto(s, bytes.subarray(end)).written;
    if (end > 2147483647) throw new RangeError(`Table.toArrow: the strings of a column exceed 2 GiB of UTF-8, more than an Arrow Utf8 vector holds`);
    offsets[i + 1] = end;
  }
  return arrow.makeVector(arrow.makeData({ type: new arrow.Utf8(), length: strings.length, nullCount: 0, valueOffsets: offsets, data: bytes.subarray(0, end) }));
}

/**
 * @internal An integer column (numbers or bigints, null = missing): Int32Array when all
 * fit and none is missing (Uint8Array for uint8), else Float64Array with NaN,
 * refusing magnitudes beyond 2^53 that float64 cannot hold exactly.
 */
export function integerColumn(values: ArrayLike<unknown>, uint8: boolean, name: string, where = "Table.fromArrow"): TableColumn {
  const n = values.length;
  let fitsInt32 = true;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null) { fitsInt32 = false; continue; }
    const x = Number(v as number | bigint);
    if (!(x >= -2147483648 && x <= 2147483647)) fitsInt32 = false;
    if (Math.abs(x) >= 2 ** 53 && BigInt(x) !== BigInt(v as number | bigint)) {
      throw new TypeError(`${where}: integer column "${name}" holds ${String(v)} (row ${i}), beyond 2^53: float64 cannot hold it exactly`);
    }
  }
  const out = fitsInt32 ? (uint8 ? new Uint8Array(n) : new Int32Array(n)) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i] === null ? NaN : Number(values[i] as number | bigint);
  return out;
}

/** Input of `table`: named columns, or an array of row objects. */
export type TableInput = Record<string, TableColumnInput> | ReadonlyArray<Record<string, unknown>> | Table;

/**
 * A table from named columns (`{ x: Float64Array, label: string[] }`;
 * number[] → Float64Array, boolean[] → Uint8Array, Float32Array → Float64Array)
 * or from rows (`[{ x: 1, label: "Sr" }, ...]`: a column per key of the
 * first row, numbers → Float64Array, strings → string[]; null/undefined
 * numbers → NaN). A Table is returned as is. Float64Array, Int32Array and
 * Uint8Array columns are used as given, not copied: do not modify them later.
 *
 * @throws naming the column when lengths differ, a column mixes types, or a row lacks a key.
 * @example table({ x: xs, y: ys, element: names }).filter((i, t) => t.numeric("x")[i] > 10)
 */
export function table(columnsOrRows: TableInput): Table {
  if (columnsOrRows instanceof Table) return columnsOrRows;
  if (columnsOrRows === null || typeof columnsOrRows !== "object") {
    throw new TypeError(`table: columnsOrRows must be an object of columns or an array of rows, got ${columnsOrRows === null ? "null" : typeof columnsOrRows}`);
  }
  const cols = new Map<string, TableColumn>();
  if (Array.isArray(columnsOrRows)) {
    const rows = columnsOrRows as ReadonlyArray<Record<string, unknown>>;
    if (rows.length === 0) return Table.of(cols);
    const names = Object.keys(rows[0] ?? {});
    rows.forEach((r, i) => {
      if (r === null || typeof r !== "object") throw new TypeError(`table: row ${i} is ${r === null ? "null" : typeof r}, not an object`);
      for (const n of names) if (!(n in r)) throw new RangeError(`table: row ${i} has no "${n}" (row 0 has keys ${quoteList(names)})`);
    });
    for (const n of names) cols.set(n, toColumn(n, rows.map((r) => r[n]), "table"));
    return Table.of(cols);
  }
  for (const [name, values] of Object.entries(columnsOrRows)) cols.set(name, toColumn(name, values, "table"));
  return Table.of(cols);
}

/**
 * Numeric columns as Float64Arrays, from a Table or from
 * `{ [column]: Float64Array | number[] | other typed array }`: the shared
 * input format of the causal-discovery and atom-descriptor code. Float64Array
 * columns are returned as they are (not copied); other numeric arrays are
 * converted.
 *
 * @throws TypeError naming every non-numeric column; RangeError when lengths differ.
 */
export function asColumns(data: Table | Record<string, ArrayLike<number>>): Record<string, Float64Array> {
  if (data === null || typeof data !== "object") {
    throw new TypeError(`asColumns: data must be a Table or an object of numeric columns, got ${data === null ? "null" : typeof data}`);
  }
  const entries: Array<[string, unknown]> = data instanceof Table ? Object.entries(data.toColumns()) : Object.entries(data);
  const bad = entries.filter(([, c]) => {
    if (c instanceof Float64Array) return false;
    if (ArrayBuffer.isView(c)) return c instanceof DataView || c instanceof BigInt64Array || c instanceof BigUint64Array;
    return !Array.isArray(c) || c.some((v) => typeof v !== "number");
  });
  if (bad.length) {
    throw new TypeError(`asColumns: non-numeric column${bad.length > 1 ? "s" : ""} ${quoteList(bad.map(([n]) => n))}; select numeric columns (e.g. table.select([...])) or encode them as numbers`);
  }
  const out: Record<string, Float64Array> = {};
  let n: number | undefined, first = "";
  for (const [name, c] of entries) {
    const a = c instanceof Float64Array ? c : Float64Array.from(c as ArrayLike<number>);
    if (n === undefined) { n = a.length; first = name; }
    else if (a.length !== n) throw new RangeError(`asColumns: columns differ in length: "${first}" has ${n}, "${name}" has ${a.length}`);
    out[name] = a;
  }
  return out;
}
