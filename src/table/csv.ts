/**
 * Delimited text (CSV, TSV) to and from `Table`: RFC 4180 quoting, per-column
 * type inference compatible with pandas' `read_csv` defaults, and a writer
 * whose output reads back to the same values in causalscope and in pandas.
 *
 * The parser keeps the decoded text and two Int32Arrays of cell offsets
 * (8 bytes a cell) rather than a string per cell, so a 100 MB file of short
 * numbers needs about the text plus 8 bytes a cell while its columns are
 * built.
 */
import type { Table, TableColumn } from "./table";

/** Column types that `options.columns` can force. */
export type CsvColumnType = "float64" | "int32" | "boolean" | "string";

/** Options of `parseDelimited`. */
export interface ParseDelimitedOptions {
  /** Field separator, one character. */
  delimiter: string;
  /** Column types that replace inference, by column name. */
  columns?: Record<string, CsvColumnType>;
}

/**
 * Cells read as missing in numeric and boolean columns: pandas' default
 * `na_values`. In string columns every cell is kept verbatim.
 */
export const MISSING_TOKENS: ReadonlySet<string> = new Set([
  "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
  "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]);

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;
const TRUE = new Set(["true", "True", "TRUE"]);
const FALSE = new Set(["false", "False", "FALSE"]);

/** A growable Int32Array. */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** A number from a cell, or undefined when the cell is not a number (INTEGER, FLOAT or ±inf, spaces around allowed). */
function parseNumber(cell: string): number | undefined {
  const s = cell.trim();
  if (FLOAT.test(s)) return Number(s);
  const inf = INFINITY.exec(s);
  if (inf) return inf[1] === "-" ? -Infinity : Infinity;
  return undefined;
}

/**
 * The cells of a delimited text, row by row, as offsets into `text`:
 * `start[k]`, `end[k]` bound cell k (row-major); a quoted cell's start is
 * stored as `-(start + 1)` so its doubled quotes can be undone later.
 * `line[r]` is the 1-based line on which data row r starts (row 0 is the header).
 *
 * @throws Error naming `where`, the line and the column for a ragged row, an unterminated quote, or text after a closing quote.
 */
function tokenize(text: string, delimiter: number, where: string): { start: Int32Array; end: Int32Array; line: Int32Array; width: number; rows: number } {
  const QUOTE = 34, LF = 10, CR = 13;
  const start = new IntList(), end = new IntList(), line = new IntList();
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let lineNo = 1, width = -1, rows = 0;
  while (i < n) {
    // one record
    const c0 = text.charCodeAt(i);
    if (c0 === LF || c0 === CR) { // blank line: skipped, as pandas does
      i += c0 === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      lineNo++;
      continue;
    }
    const recordLine = lineNo;
    let fields = 0;
    for (;;) {
      fields++;
      const col = fields;
      if (text.charCodeAt(i) === QUOTE) {
        const openLine = lineNo;
        let j = i + 1;
        for (;;) {
          if (j >= n) throw new Error(`${where}: line ${openLine}, column ${col}: unterminated quote (the quoted field opened here runs to the end of the file)`);
          const c = text.charCodeAt(j);
          if (c === QUOTE) {
            if (text.charCodeAt(j + 1) === QUOTE) { j += 2; continue; }
            break;
          }
          if (c === LF || (c === CR && text.charCodeAt(j + 1) !== LF)) lineNo++;
          j++;
        }
        start.push(-(i + 1 + 1));
        end.push(j);
        i = j + 1;
        const after = i < n ? text.charCodeAt(i) : -1;
        if (after !== -1 && after !== delimiter && after !== LF && after !== CR) {
          throw new Error(`${where}: line ${lineNo}, column ${col}: ${JSON.stringify(text[i])} after a closing quote; a quoted field must end at a delimiter or the end of the line`);
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === delimiter || c === LF || c === CR) break;
          j++;
        }
        start.push(i);
        end.push(j);
        i = j;
      }
      const c = i < n ? text.charCodeAt(i) : -1;
      if (c === delimiter) { i++; continue; }
      // end of record
      if (c === CR) i += text.charCodeAt(i + 1) === LF ? 2 : 1;
      else if (c === LF) i++;
      if (c !== -1) lineNo++;
      break;
    }
    if (width === -1) width = fields;
    else if (fields !== width) {
      throw new Error(`${where}: line ${recordLine}: ${fields} field${fields === 1 ? "" : "s"}, the header has ${width}; every row must have as many fields as the header (quote fields that contain the delimiter)`);
    }
    line.push(recordLine);
    rows++;
  }
  if (width === -1) throw new Error(`${where}: no header row (the file is empty)`);
  return { start: start.data, end: end.data, line: line.data, width, rows: rows - 1 };
}

/**
 * A Table from delimited text with a header row (RFC 4180: fields that
 * contain the delimiter, quotes or line breaks are quoted, quotes doubled).
 * CRLF, LF or CR line ends; a UTF-8 BOM is skipped; blank lines are skipped;
 * an empty header cell becomes `Unnamed: j` (j the 0-based column, as pandas).
 *
 * Each column's type is inferred from all its cells, as pandas does:
 * integers in the int32 range with no missing cell → Int32Array; numbers
 * (integer, decimal, exponent, inf) with missing cells (`MISSING_TOKENS`,
 * e.g. empty, NA, NaN) → Float64Array with NaN; only true/false (any of
 * True/TRUE) → Uint8Array (with missing cells: Float64Array 1/0/NaN); all
 * missing → Float64Array of NaN; anything else → string[] with every cell
 * verbatim. `options.columns` forces a type per column.
 *
 * Cost: O(characters); memory about the text plus 8 bytes a cell.
 *
 * @param where names the source (the file) in errors.
 * @throws Error naming `where`, the line and the column for ragged rows,
 *   unterminated quotes, duplicate headers, a cell that cannot be read as its
 *   forced type, or an integer beyond 2^53 (float64 cannot hold it exactly).
 */
export function parseDelimited(text: string, options: ParseDelimitedOptions, where: string, make: (columns: Map<string, TableColumn>) => Table): Table {
  const { delimiter, columns: forced = {} } = options;
  if (typeof delimiter !== "string" || delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new TypeError(`${where}: delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  const { start, end, line, width, rows } = tokenize(text, delimiter.charCodeAt(0), where);
  const cell = (k: number): string => {
    const s = start[k];
    return s >= 0 ? text.slice(s, end[k]) : text.slice(-s - 1, end[k]).replaceAll('""', '"');
  };
  const names: string[] = [];
  for (let j = 0; j < width; j++) {
    const name = cell(j) || `Unnamed: ${j}`;
    if (names.includes(name)) throw new Error(`${where}: line ${line[0]}: column name "${name}" appears twice in the header`);
    names.push(name);
  }
  const unknown = Object.keys(forced).filter((n) => !names.includes(n));
  if (unknown.length) throw new RangeError(`${where}: options.columns names ${unknown.map((n) => `"${n}"`).join(", ")}, not in the header (${names.map((n) => `"${n}"`).join(", ")})`);
  const cols = new Map<string, TableColumn>();
  for (let j = 0; j < width; j++) {
    const type = forced[names[j]];
    if (type !== undefined && !["float64", "int32", "boolean", "string"].includes(type)) {
      throw new TypeError(`${where}: options.columns["${names[j]}"] must be "float64", "int32", "boolean" or "string", got ${JSON.stringify(type)}`);
    }
    const at = (r: number) => `${where}: line ${line[r + 1]}, column ${j + 1} ("${names[j]}")`;
    cols.set(names[j], buildColumn((r) => cell((r + 1) * width + j), rows, type, at));
  }
  return make(cols);
}

/** The type pandas would infer for a column's cells (see `parseDelimited`). */
function inferType(cell: (row: number) => string, rows: number): { type: CsvColumnType; missing: boolean } {
  let ints = true, numbers = true, bools = true, missing = false, seen = 0;
  for (let r = 0; r < rows && (numbers || bools); r++) {
    const s = cell(r);
    if (MISSING_TOKENS.has(s)) { missing = true; continue; }
    seen++;
    const t = s.trim();
    if (ints && !INTEGER.test(t)) ints = false;
    if (numbers && !ints && !FLOAT.test(t) && !INFINITY.test(t)) numbers = false;
    if (bools && !TRUE.has(t) && !FALSE.has(t)) bools = false;
  }
  if (seen === 0) return { type: "float64", missing };
  if (bools) return { type: "boolean", missing };
  if (ints && !missing) return { type: "int32", missing };
  return { type: numbers ? "float64" : "string", missing };
}

/** One column from its cells, of the forced type or else the inferred one. */
function buildColumn(cell: (row: number) => string, rows: number, forced: CsvColumnType | undefined, at: (row: number) => string): TableColumn {
  const { type, missing } = forced === undefined ? inferType(cell, rows) : { type: forced, missing: false };
  if (type === "string") return Array.from({ length: rows }, (_, r) => cell(r));
  if (type === "boolean") {
    const out = missing ? new Float64Array(rows) : new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      const s = cell(r), t = s.trim();
      if (TRUE.has(t)) out[r] = 1;
      else if (FALSE.has(t)) out[r] = 0;
      else if (MISSING_TOKENS.has(s) && missing) out[r] = NaN;
      else throw new Error(`${at(r)}: ${JSON.stringify(s)} is not a boolean (true/false)${MISSING_TOKENS.has(s) ? "; a forced boolean column cannot hold missing values" : ""}`);
    }
    return out;
  }
  if (type === "int32") {
    const out = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const s = cell(r), t = s.trim();
      const v = INTEGER.test(t) ? Number(t) : NaN;
      if (!(v >= -2147483648 && v <= 2147483647)) {
        if (forced === undefined) return buildColumn(cell, rows, "float64", at); // integers beyond int32: float64, exact to 2^53
        throw new Error(`${at(r)}: ${JSON.stringify(s)} is not an integer in the int32 range${MISSING_TOKENS.has(s) ? " (Int32Array cannot hold missing values; use float64)" : ""}`);
      }
      out[r] = v;
    }
    return out;
  }
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const s = cell(r);
    if (MISSING_TOKENS.has(s)) { out[r] = NaN; continue; }
    // an inferred column's cells are already checked to be numbers: Number() reads all but ±inf
    const fast = forced === undefined ? +s : NaN;
    const v = Number.isNaN(fast) ? parseNumber(s) : fast;
    if (v === undefined) throw new Error(`${at(r)}: ${JSON.stringify(s)} is not a number`);
    const t = s.trim();
    if (Math.abs(v) >= 2 ** 53 && INTEGER.test(t) && BigInt(t) !== BigInt(v)) {
      throw new Error(`${at(r)}: integer ${t} is beyond 2^53 and float64 cannot hold it exactly; read the column as "string" (options.columns)`);
    }
    out[r] = v;
  }
  return out;
}

const NEEDS_QUOTES = /["\r\n]/;

/** A header or string cell, quoted (quotes doubled) when it holds the delimiter, a quote, a line break, or spaces at either end. */
function quoteCell(s: string, delimiter: string): string {
  return NEEDS_QUOTES.test(s) || s.includes(delimiter) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * A float as text that reads back to the same float64 (JavaScript's
 * shortest round-trip form, as Python's `repr`): integral values keep a
 * ".0" so the column reads back as floats; NaN → "" (missing, as pandas
 * writes it), ±Infinity → "inf"/"-inf", -0 → "-0.0".
 */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return "";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (Object.is(v, -0)) return "-0.0";
  const s = String(v);
  return INTEGER.test(s) ? `${s}.0` : s;
}

/** The cells of one column as text, for `formatDelimited`. */
function cellWriter(c: TableColumn, delimiter: string): (row: number) => string {
  if (Array.isArray(c)) return (r) => quoteCell(c[r], delimiter);
  if (c instanceof Float64Array) return (r) => formatFloat(c[r]);
  if (c instanceof Uint8Array && c.every((v) => v <= 1)) return (r) => (c[r] ? "True" : "False");
  return (r) => String(c[r]);
}

/**
 * Delimited text for a table, in chunks of about `chunkRows` rows (so a
 * large table never becomes one string): a header row, then one line per
 * row, "\n" line ends (in a one-column table an empty cell is written `""`,
 * since readers skip blank lines). Float64 columns use `formatFloat`; Int32 and
 * non-flag Uint8 columns decimal integers; Uint8 columns holding only 0/1
 * True/False (pandas' spelling of booleans); strings are quoted when needed.
 * Note: a string column whose every cell looks like a number or a missing
 * value reads back as numbers unless `options.columns` says "string".
 */
export function* formatDelimited(t: Table, delimiter: string, chunkRows = 8192): Generator<string> {
  const names = t.columnNames;
  const cells = names.map((n) => cellWriter(t.column(n), delimiter));
  // one column: an empty cell would be a blank line, which readers skip; quote it
  const writers = cells.length === 1 ? [(r: number) => cells[0](r) || '""'] : cells;
  yield names.map((n) => quoteCell(n, delimiter)).join(delimiter) + "\n";
  const lines: string[] = [];
  for (let r = 0; r < t.numRows; r++) {
    lines.push(writers.map((w) => w(r)).join(delimiter));
    if (lines.length === chunkRows || r === t.numRows - 1) {
      yield lines.join("\n") + "\n";
      lines.length = 0;
    }
  }
}
