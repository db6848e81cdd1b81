/**
 * pandas as the reference for table files: tests/table/pandas_tables.py run
 * with the project venv's Python (pandas, pyarrow from requirements/tables.txt).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { readTable, table, type Table, type TableColumn } from "../../src/table";

const ROOT = resolve(__dirname, "..", "..");
const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(ROOT, ".venv", "bin", "python");

/** A column as pandas sees it: floats as Python repr strings ("nan", "-0.0"), strings null where missing. */
export interface PandasColumn {
  name: string;
  dtype: string;
  values: Array<number | string | boolean | null>;
}

function run(mode: "read" | "write", format: string, path: string): PandasColumn[] {
  if (!existsSync(PYTHON)) throw new Error(`table reference tests need the project venv's Python at ${PYTHON} (pandas, pyarrow): run \`node scripts/venv.mjs\``);
  const out = execFileSync(PYTHON, [join(__dirname, "pandas_tables.py"), mode, format, path], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return (JSON.parse(out) as { columns: PandasColumn[] }).columns;
}

/** What pandas reads from `path` (read_csv, read_feather, read_parquet). */
export const pandasRead = (format: string, path: string): PandasColumn[] => run("read", format, path);

/** Write pandas' reference frame to `path` in `format`; returns the frame's values. */
export const pandasWrite = (format: string, path: string): PandasColumn[] => run("write", format, path);

/** A float from Python's repr ("nan", "inf", "-0.0", "1e-05"): exact. */
export function fromRepr(s: string): number {
  if (s === "nan") return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

/**
 * Our column against pandas': same kind (float, integer, boolean, string)
 * (our Uint8Array counts as integers) and every value identical (floats by Object.is, so NaN = NaN and -0 != 0).
 * Returns the first difference as text, or null.
 */
export function columnMismatch(ours: Table, theirs: PandasColumn): string | null {
  if (!ours.has(theirs.name)) return `no column "${theirs.name}" (ours: ${ours.columnNames.join(", ")})`;
  const c = ours.column(theirs.name);
  const kind = theirs.dtype.startsWith("float") ? Float64Array : /^u?int/.test(theirs.dtype) ? Int32Array : theirs.dtype === "bool" ? Uint8Array : Array;
  const sameKind = kind === Array ? Array.isArray(c) : c instanceof kind || (kind === Int32Array && c instanceof Uint8Array);
  if (!sameKind) return `"${theirs.name}": pandas ${theirs.dtype}, ours ${c.constructor.name}`;
  if (c.length !== theirs.values.length) return `"${theirs.name}": ${c.length} rows, pandas ${theirs.values.length}`;
  for (let i = 0; i < c.length; i++) {
    const t = theirs.values[i];
    const expected = typeof t === "string" && kind === Float64Array ? fromRepr(t) : typeof t === "boolean" ? Number(t) : t === null ? "" : t;
    if (!Object.is(c[i], expected)) return `"${theirs.name}" row ${i}: ours ${JSON.stringify(String(c[i]))}, pandas ${JSON.stringify(t)}`;
  }
  return null;
}

/** The cell values of a column as a plain array. */
export const values = (c: TableColumn): (number | string)[] => Array.from(c as ArrayLike<number | string>);

/** A table with every column type and the awkward values (-0, NaN, ±inf, int32 limits, uint8, quotes, newlines, non-ASCII) for round trips. */
export const sample = (): Table => table({
  x: new Float64Array([0.1, 1 / 3, -0, NaN, Infinity, -2.5e-300]),
  label: new Int32Array([0, -1, 2147483647, -2147483648, 5, 6]),
  flag: new Uint8Array([1, 0, 1, 1, 0, 0]),
  count: new Uint8Array([0, 1, 2, 255, 4, 5]),
  name: ["Sr", "O, apical", 'say "hi"', "two\nlines", "", "Åström µm"],
});

/** pandas writes its reference frame to `path` as `format`; our reader must give the same columns and values (int64 that fits → Int32Array, categorical → strings). */
export async function expectPandasFrame(format: string, path: string): Promise<void> {
  const frame = pandasWrite(format, path);
  const ours = await readTable(path);
  expect(ours.columnNames).toEqual(frame.map((c) => c.name));
  for (const c of frame) expect(columnMismatch(ours, c)).toBeNull();
  expect(ours.column("label")).toBeInstanceOf(Int32Array);
  expect(ours.column("cat")).toEqual(["a", "b", "a", "c", "b", "a", "a", "c", "b", "a"]);
}
