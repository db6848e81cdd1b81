/**
 * Input handling for causal discovery: turns a table or a
 * `{ [column]: Float64Array | number[] | string[] }` record into validated
 * columns, with the checks every algorithm relies on (NaN, strings, constant
 * and perfectly collinear columns, fewer rows than columns).
 *
 * Documented handling of bad input:
 * - NaN / undefined / null: an error naming the column and row, unless
 *   `missing: "drop"` (listwise deletion of incomplete rows).
 * - Strings and booleans: the column is categorical (discrete); when the data
 *   set must be continuous (Fisher-z, Gaussian scores, LiNGAM) an error names
 *   the column. A column mixing numbers and strings is an error.
 * - Mixed data (some columns discrete, some continuous; see `DataOptions`)
 *   are returned with `columnTypes` only to callers that handle them (the
 *   mixed CI test and score of mixed.ts, through learnStructure); every
 *   other caller gets an error naming a discrete and a continuous column.
 * - A constant column: an error naming it (it carries no causal information
 *   and makes correlation undefined).
 * - Perfectly collinear continuous columns: an error naming the column that
 *   is a linear combination of earlier ones and those columns (collinear.ts;
 *   near-deterministic relations are warnings of the learning functions).
 * - Fewer rows than columns: an error (covariance and counts are singular).
 */
import { Table } from "../table";
import { covarianceMatrix } from "./stats";
import { checkCollinear } from "./collinear";

/** Raw columns of a Table (string columns kept as categorical labels). */
function tableAsColumns(t: unknown): Record<string, ArrayLike<unknown>> {
  if (t instanceof Table) return t.toColumns() as Record<string, ArrayLike<unknown>>;
  throw new TypeError("data: expected a Table or an object of columns");
}

export type ColumnInput = Float64Array | Float32Array | Int32Array | number[] | string[] | boolean[] | ArrayLike<number | string | boolean>;

/** Anything learnStructure accepts: a columnar table or a plain record of columns. */
export type DataInput = { [column: string]: ColumnInput } | object;

/** How to read each column. */
export interface DataOptions {
  /** Columns to use (default: all). */
  columns?: string[];
  /**
   * "continuous", "discrete", "mixed" or "auto" (default). "auto": every
   * column discrete when every column is categorical (strings/booleans) or
   * small-integer valued (≤ `maxLevels` levels); otherwise string/boolean
   * columns and those listed in `discreteColumns` are discrete and the rest
   * continuous (mixed data when both kinds remain). "mixed" applies the
   * second rule always (so small-integer columns stay continuous unless
   * listed).
   */
  dataType?: "continuous" | "discrete" | "mixed" | "auto";
  /**
   * Numeric columns to read as discrete next to continuous ones, e.g. an
   * integer-coded dopant class or frame index (string/boolean columns are
   * discrete anyway). Each must have at most `maxLevels` levels.
   */
  discreteColumns?: string[];
  /** Integer levels above which an integer column counts as continuous in "auto" mode, and the most levels a discrete column of mixed data may have (default 20). */
  maxLevels?: number;
  /** "error" (default) or "drop": listwise deletion of rows with NaN / null. */
  missing?: "error" | "drop";
}

/** Validated data, one entry per variable. */
export interface CausalData {
  names: string[];
  n: number;
  p: number;
  discrete: boolean;
  /** Numeric columns (for discrete data: the level codes as numbers). */
  columns: Float64Array[];
  /** Level codes 0..card-1 (discrete data only). */
  codes?: Int32Array[];
  /** Number of levels per variable (discrete data only). */
  cards?: number[];
  /** Level labels per variable (discrete data only). */
  levels?: string[][];
  /** Sample covariance matrix (p×p, ddof 1), cached (continuous data only). */
  cov?: Float64Array;
  /**
   * Mixed data only: the type of each variable. `discrete` is then false and
   * `codes`, `cards`, `levels` have an entry per variable, empty (card 0) for
   * the continuous ones; `columns` holds the level codes of the discrete ones.
   */
  columnTypes?: ("continuous" | "discrete")[];
}

/** Names of the discrete columns of mixed data (empty for pure data). */
export function discreteNames(d: CausalData): string[] {
  return d.columnTypes ? d.names.filter((_, j) => d.columnTypes![j] === "discrete") : [];
}

/** The cached sample covariance matrix of continuous data (computed once). */
export function covarianceOf(d: CausalData): Float64Array {
  if (!d.cov) d.cov = covarianceMatrix(d.columns);
  return d.cov;
}

export function rawColumns(data: DataInput, fn: string): Record<string, ArrayLike<unknown>> {
  if (data === null || typeof data !== "object") throw new TypeError(`${fn}: data must be a table or an object of columns, got ${data === null ? "null" : typeof data}`);
  // Numeric tables go through the shared table module; plain records of
  // string columns (categorical data) are read directly.
  const rec = data as Record<string, unknown>;
  const plain = Object.getPrototypeOf(data) === Object.prototype || Object.getPrototypeOf(data) === null;
  if (plain) {
    const out: Record<string, ArrayLike<unknown>> = {};
    for (const [k, v] of Object.entries(rec)) {
      if (v === null || typeof v !== "object" || typeof (v as ArrayLike<unknown>).length !== "number")
        throw new TypeError(`${fn}: column "${k}" must be an array or typed array, got ${v === null ? "null" : typeof v}`);
      out[k] = v as ArrayLike<unknown>;
    }
    return out;
  }
  return tableAsColumns(data as never) as Record<string, ArrayLike<unknown>>;
}

/**
 * Read and validate data for causal analysis. Throws errors that name the
 * offending column and the reason; see the module comment for the handling.
 * `allowMixed`: the caller handles mixed discrete/continuous data (see
 * `CausalData.columnTypes`); otherwise mixed data are an error.
 */
export function prepareData(data: DataInput, options: DataOptions = {}, fn = "learnStructure", allowMixed = false): CausalData {
  const raw = rawColumns(data, fn);
  let names = options.columns ?? Object.keys(raw);
  for (const c of names) if (!(c in raw)) throw new Error(`${fn}: column "${c}" not found; columns are ${Object.keys(raw).join(", ")}`);
  if (names.length < 2) throw new Error(`${fn}: need at least 2 columns, got ${names.length}`);
  const declared = options.discreteColumns ?? [];
  if (!Array.isArray(declared)) throw new TypeError(`${fn}: discreteColumns must be an array of column names`);
  for (const c of declared) if (!names.includes(c)) throw new Error(`${fn}: discreteColumns: "${c}" is not one of the columns used (${names.join(", ")})`);
  const n0 = raw[names[0]].length;
  for (const c of names) if (raw[c].length !== n0) throw new Error(`${fn}: column "${c}" has ${raw[c].length} rows, column "${names[0]}" has ${n0}`);
  // classify columns, find missing rows
  const isCat: boolean[] = [];
  const keep = new Uint8Array(n0).fill(1);
  for (const c of names) {
    const col = raw[c];
    if (col instanceof Float64Array || col instanceof Float32Array || col instanceof Int32Array) {
      // typed numeric column: only NaN / non-finite values need checking
      for (let i = 0; i < n0; i++) {
        const v = col[i];
        if (v - v !== 0) {
          if (Number.isNaN(v)) {
            if (options.missing === "drop") {
              keep[i] = 0;
              continue;
            }
            throw new Error(`${fn}: column "${c}" has a missing value (NaN/null) at row ${i}; clean it or pass missing: "drop" for listwise deletion`);
          }
          throw new Error(`${fn}: column "${c}" has a non-finite value (${v}) at row ${i}`);
        }
      }
      isCat.push(false);
      continue;
    }
    let nums = 0;
    let strs = 0;
    for (let i = 0; i < n0; i++) {
      const v = col[i];
      if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) {
        if (options.missing === "drop") {
          keep[i] = 0;
          continue;
        }
        throw new Error(`${fn}: column "${c}" has a missing value (NaN/null) at row ${i}; clean it or pass missing: "drop" for listwise deletion`);
      }
      if (typeof v === "number") {
        if (!Number.isFinite(v)) throw new Error(`${fn}: column "${c}" has a non-finite value (${v}) at row ${i}`);
        nums++;
      } else if (typeof v === "string" || typeof v === "boolean") strs++;
      else throw new TypeError(`${fn}: column "${c}" has a value of type ${typeof v} at row ${i}; expected numbers or strings`);
      if (nums && strs) throw new TypeError(`${fn}: column "${c}" mixes numbers and strings (row ${i}: ${JSON.stringify(v)}); convert it to numbers or to category labels`);
    }
    isCat.push(strs > 0);
  }
  const rows: number[] = [];
  for (let i = 0; i < n0; i++) if (keep[i]) rows.push(i);
  const n = rows.length;
  const p = names.length;
  if (n < p + 1 || n < 3) throw new Error(`${fn}: fewer rows (${n}${n !== n0 ? ` after dropping missing, of ${n0}` : ""}) than columns (${p}) + 1; covariances and counts are singular, collect more rows or use fewer columns`);
  const maxLevels = options.maxLevels ?? 20;
  const mode = options.dataType ?? "auto";
  if (!["continuous", "discrete", "mixed", "auto"].includes(mode)) throw new Error(`${fn}: dataType must be "continuous", "discrete", "mixed" or "auto", got ${JSON.stringify(mode)}`);
  // isDisc[j]: column j is discrete
  let isDisc: boolean[];
  if (mode === "discrete") isDisc = names.map(() => true);
  else if (mode === "continuous") {
    const bad = names.find((_, j) => isCat[j]);
    if (bad) throw new TypeError(`${fn}: column "${bad}" holds strings (non-numeric) but dataType is "continuous"; encode it as numbers or use dataType "discrete"`);
    if (declared.length) throw new Error(`${fn}: discreteColumns (${declared.join(", ")}) given but dataType is "continuous"`);
    isDisc = names.map(() => false);
  } else if (mode === "auto" && names.every((c, j) => isCat[j] || smallInteger(raw[c], rows, maxLevels))) isDisc = names.map(() => true);
  else isDisc = names.map((c, j) => isCat[j] || declared.includes(c));
  const nDisc = isDisc.filter((b) => b).length;
  const mixed = nDisc > 0 && nDisc < p;
  if (mixed && !allowMixed) {
    const dj = isDisc.indexOf(true);
    const cj = isDisc.indexOf(false);
    const why = isCat[dj] ? "holds strings (categorical)" : "is listed in discreteColumns";
    throw new TypeError(`${fn}: column "${names[dj]}" ${why} but column "${names[cj]}" is continuous; mixed discrete/continuous data are handled only by learnStructure with algorithm "pc", "fci", "hc" or "tabu": discretise "${names[cj]}" or encode the strings as numbers`);
  }
  const out: CausalData = { names: names.slice(), n, p, discrete: nDisc === p, columns: [] };
  if (nDisc) {
    out.codes = [];
    out.cards = [];
    out.levels = [];
  }
  if (mixed) out.columnTypes = isDisc.map((b) => (b ? "discrete" : "continuous"));
  names.forEach((c, j) => {
    if (isDisc[j]) {
      const { codes, labels } = levelCodes(raw[c], rows, n === n0);
      if (labels.length < 2) throw new Error(`${fn}: column "${c}" is constant (a single level ${JSON.stringify(labels[0])}); it carries no causal information, drop it`);
      if (mixed && labels.length > maxLevels) throw new Error(`${fn}: column "${c}" is discrete with ${labels.length} levels, more than maxLevels (${maxLevels}); each level is a regression parameter in mixed data: pass a larger maxLevels or leave it continuous`);
      out.codes!.push(codes);
      out.cards!.push(labels.length);
      out.levels!.push(labels.map(String));
      out.columns.push(Float64Array.from(codes));
      return;
    }
    const col = raw[c];
    const a = new Float64Array(n);
    for (let r = 0; r < n; r++) a[r] = Number(col[rows[r]]);
    let mn = Infinity;
    let mx = -Infinity;
    for (let r = 0; r < n; r++) {
      if (a[r] < mn) mn = a[r];
      if (a[r] > mx) mx = a[r];
    }
    if (mn === mx) throw new Error(`${fn}: column "${c}" is constant (all values ${mn}); it carries no causal information and its correlations are undefined, drop it`);
    if (nDisc) {
      out.codes!.push(new Int32Array(0));
      out.cards!.push(0);
      out.levels!.push([]);
    }
    out.columns.push(a);
  });
  if (nDisc === 0) checkCollinear(out.names, covarianceOf(out), fn);
  else if (mixed) {
    const cont = isDisc.flatMap((b, j) => (b ? [] : [j]));
    if (cont.length > 1) {
      const cols = cont.map((j) => out.columns[j]);
      checkCollinear(cont.map((j) => names[j]), covarianceMatrix(cols), fn);
    }
  }
  return out;
}

/** Level codes 0..L-1 of a column (labels ascending: numerically for numbers, else as strings). */
function levelCodes(col: ArrayLike<unknown>, rows: number[], all: boolean): { codes: Int32Array; labels: (number | string | boolean)[] } {
  const fast = integerCodes(col, rows, all);
  if (fast) return fast;
  const n = rows.length;
  const labels = Array.from(new Set(rows.map((i) => col[i] as number | string | boolean)));
  if (labels.every((v) => typeof v === "number")) (labels as number[]).sort((a, b) => a - b);
  else labels.sort((a, b) => String(a).localeCompare(String(b)));
  const idx = new Map(labels.map((v, k) => [v, k]));
  const codes = new Int32Array(n);
  for (let r = 0; r < n; r++) codes[r] = idx.get(col[rows[r]] as never)!;
  return { codes, labels };
}

/**
 * Level codes of a numeric column whose values are integers in a small range
 * (the common case: integer-coded categories), by a lookup table instead of a
 * Map; same labels (ascending) and codes as the general path. Null otherwise.
 */
function integerCodes(col: ArrayLike<unknown>, rows: number[], all: boolean): { codes: Int32Array; labels: number[] } | null {
  const n = rows.length;
  if (!n) return null;
  let mn = Infinity;
  let mx = -Infinity;
  for (let r = 0; r < n; r++) {
    const v = col[all ? r : rows[r]];
    if (typeof v !== "number" || !Number.isInteger(v)) return null;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  if (mx - mn > 65536) return null;
  const span = mx - mn + 1;
  const map = new Int32Array(span).fill(-1);
  for (let r = 0; r < n; r++) map[(col[all ? r : rows[r]] as number) - mn] = 0;
  const labels: number[] = [];
  for (let t = 0; t < span; t++) if (map[t] === 0) {
    map[t] = labels.length;
    // -0 and 0 are one level (as in a Set); keep the label the general path would print
    labels.push(t + mn === 0 ? 0 : t + mn);
  }
  const codes = new Int32Array(n);
  for (let r = 0; r < n; r++) codes[r] = map[(col[all ? r : rows[r]] as number) - mn];
  return { codes, labels };
}

function smallInteger(col: ArrayLike<unknown>, rows: number[], maxLevels: number): boolean {
  const seen = new Set<unknown>();
  for (const i of rows) {
    const v = col[i];
    if (typeof v === "string" || typeof v === "boolean") {
      seen.add(v);
    } else if (typeof v === "number") {
      if (!Number.isInteger(v)) return false;
      seen.add(v);
    }
    if (seen.size > maxLevels) return false;
  }
  return true;
}

/** Read one numeric vector argument (for pairwise methods). */
export function toVector(x: unknown, name: string, fn: string): Float64Array {
  if (x === null || typeof x !== "object" || typeof (x as ArrayLike<unknown>).length !== "number") throw new TypeError(`${fn}: ${name} must be an array or typed array`);
  const a = x as ArrayLike<unknown>;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== "number") throw new TypeError(`${fn}: ${name}[${i}] is ${JSON.stringify(v)}, not a number`);
    if (!Number.isFinite(v)) throw new Error(`${fn}: ${name}[${i}] is ${v} (missing or non-finite); clean the data first`);
    out[i] = v;
  }
  return out;
}
