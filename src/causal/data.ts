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
 * - A constant column: an error naming it (it carries no causal information
 *   and makes correlation undefined).
 * - Perfectly collinear continuous columns: an error naming the column that
 *   is a linear combination of earlier ones.
 * - Fewer rows than columns: an error (covariance and counts are singular).
 */
import { Table } from "../table";
import { cholesky, covarianceMatrix } from "./stats";

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
  /** "continuous", "discrete", or "auto" (default): discrete when every column is categorical (strings/booleans) or small-integer valued (≤ `maxLevels` levels). */
  dataType?: "continuous" | "discrete" | "auto";
  /** Integer levels above which an integer column counts as continuous in "auto" mode (default 20). */
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
 */
export function prepareData(data: DataInput, options: DataOptions = {}, fn = "learnStructure"): CausalData {
  const raw = rawColumns(data, fn);
  let names = options.columns ?? Object.keys(raw);
  for (const c of names) if (!(c in raw)) throw new Error(`${fn}: column "${c}" not found; columns are ${Object.keys(raw).join(", ")}`);
  if (names.length < 2) throw new Error(`${fn}: need at least 2 columns, got ${names.length}`);
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
  let discrete: boolean;
  const mode = options.dataType ?? "auto";
  if (mode === "discrete") discrete = true;
  else if (mode === "continuous") {
    const bad = names.find((_, j) => isCat[j]);
    if (bad) throw new TypeError(`${fn}: column "${bad}" holds strings (non-numeric) but dataType is "continuous"; encode it as numbers or use dataType "discrete"`);
    discrete = false;
  } else {
    if (isCat.some((b) => b)) {
      const bad = names.find((c, j) => !isCat[j] && !smallInteger(raw[c], rows, maxLevels));
      if (bad) throw new TypeError(`${fn}: column "${names[isCat.indexOf(true)]}" holds strings (categorical) but column "${bad}" is continuous; mixed discrete/continuous data is not supported: discretise "${bad}" or encode the strings as numbers`);
      discrete = true;
    } else discrete = names.every((c) => smallInteger(raw[c], rows, maxLevels));
  }
  const out: CausalData = { names: names.slice(), n, p, discrete, columns: [] };
  if (discrete) {
    out.codes = [];
    out.cards = [];
    out.levels = [];
    for (const c of names) {
      const col = raw[c];
      const fast = integerCodes(col, rows, n === n0);
      if (fast) {
        if (fast.labels.length < 2) throw new Error(`${fn}: column "${c}" is constant (a single level ${JSON.stringify(fast.labels[0])}); it carries no causal information, drop it`);
        out.codes.push(fast.codes);
        out.cards.push(fast.labels.length);
        out.levels.push(fast.labels.map(String));
        out.columns.push(Float64Array.from(fast.codes));
        continue;
      }
      const labels = Array.from(new Set(rows.map((i) => col[i] as number | string | boolean)));
      if (labels.every((v) => typeof v === "number")) (labels as number[]).sort((a, b) => a - b);
      else labels.sort((a, b) => String(a).localeCompare(String(b)));
      const idx = new Map(labels.map((v, k) => [v, k]));
      const codes = new Int32Array(n);
      for (let r = 0; r < n; r++) codes[r] = idx.get(col[rows[r]] as never)!;
      if (labels.length < 2) throw new Error(`${fn}: column "${c}" is constant (a single level ${JSON.stringify(labels[0])}); it carries no causal information, drop it`);
      out.codes.push(codes);
      out.cards.push(labels.length);
      out.levels.push(labels.map(String));
      out.columns.push(Float64Array.from(codes));
    }
  } else {
    for (const c of names) {
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
      out.columns.push(a);
    }
    checkCollinear(out, fn);
  }
  return out;
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

/**
 * Throws when a continuous column is (numerically) a linear combination of
 * earlier ones: Cholesky of the correlation matrix (from the cached
 * covariance, O(p³) after the O(n p²) covariance); a pivot below 1e-10 means
 * the column's residual variance given the earlier columns is < 1e-10 of its
 * variance.
 */
function checkCollinear(d: CausalData, fn: string): void {
  const p = d.p;
  const C = covarianceOf(d);
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) L[i * p + j] = C[i * p + j] / Math.sqrt(C[i * p + i] * C[j * p + j]);
  // Unit diagonal (a correlation matrix): the relative pivot tolerance is absolute.
  const j = cholesky(L, p, 1e-10);
  if (j >= 0) {
    throw new Error(`${fn}: column "${d.names[j]}" is perfectly collinear with earlier columns (${d.names.slice(0, j).join(", ")}): it is (numerically) a linear combination of them, so partial correlations are undefined; drop it or one of them`);
  }
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
