/**
 * `readTable` / `writeTable`: tables to and from files that pandas, R and
 * Arrow tools read: CSV, TSV, Arrow IPC (Feather v2) and Parquet.
 */
import { open, readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { writeAtomically } from "../io/atomic";
import { formatArrowIpc, parseArrowIpc } from "./arrow-ipc";
import { formatDelimited, parseDelimited, type CsvColumnType } from "./csv";
import { formatParquet, parseParquet } from "./parquet";
import { Table, type TableInput, table as toTable } from "./table";

/** File formats of `readTable` / `writeTable`. */
export type TableFormat = "csv" | "tsv" | "arrow" | "parquet";

const EXTENSIONS: Record<string, TableFormat> = {
  ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".arrow": "arrow", ".feather": "arrow", ".ipc": "arrow", ".parquet": "parquet",
};

/** Default of `ReadTableOptions.maxBytes`: 512 MiB (V8's longest string is 2^29 - 24 characters, so no CSV larger than that can be held as text). */
export const DEFAULT_MAX_TABLE_BYTES = 512 * 1024 * 1024;

/** V8's longest string (2^29 - 24 characters): the largest CSV/TSV text that can be decoded at once. */
const MAX_TEXT_CHARS = 2 ** 29 - 24;

/** Options of `readTable`. */
export interface ReadTableOptions {
  /** The format; default from the extension (.csv, .tsv/.tab, .arrow/.feather/.ipc, .parquet). */
  format?: TableFormat;
  /** CSV/TSV: column types that replace inference ("float64" | "int32" | "boolean" | "string"), by column name. */
  columns?: Record<string, CsvColumnType>;
  /** CSV/TSV: the field separator; default "," for csv, "\t" for tsv. */
  delimiter?: string;
  /** Largest file read, in bytes; larger files are refused with an error (they are read whole). Default `DEFAULT_MAX_TABLE_BYTES`. */
  maxBytes?: number;
}

/** Options of `writeTable`. */
export interface WriteTableOptions {
  /** The format; default from the extension (.csv, .tsv/.tab, .arrow/.feather/.ipc, .parquet). */
  format?: TableFormat;
  /** CSV/TSV: the field separator; default "," for csv, "\t" for tsv. */
  delimiter?: string;
}

function formatOf(path: string, format: TableFormat | undefined, where: string): TableFormat {
  if (format !== undefined) {
    if (!["csv", "tsv", "arrow", "parquet"].includes(format)) throw new TypeError(`${where}: options.format must be "csv", "tsv", "arrow" or "parquet", got ${JSON.stringify(format)}`);
    return format;
  }
  const f = EXTENSIONS[extname(path).toLowerCase()];
  if (!f) throw new TypeError(`${where}: cannot tell the format from the extension "${extname(path)}"; use .csv, .tsv, .tab, .arrow, .feather, .ipc or .parquet, or pass options.format`);
  return f;
}

function checkPath(path: unknown, fn: string): asserts path is string {
  if (typeof path !== "string" || path === "") throw new TypeError(`${fn}: path must be a non-empty string, got ${JSON.stringify(path)}`);
}

/**
 * Read a table from a CSV/TSV, Arrow IPC (file or stream; Feather v2) or
 * Parquet file.
 *
 * CSV/TSV: a header row, RFC 4180 quoting, column types inferred as pandas'
 * `read_csv` does (see `parseDelimited`: Int32Array, Float64Array with NaN
 * for missing, Uint8Array for true/false, string[]); `options.columns`
 * forces types. Arrow and Parquet keep their stored types: floats →
 * Float64Array (nulls → NaN), integers → Int32Array when every value fits
 * and none is null, else Float64Array (exact to 2^53, beyond is an error),
 * booleans and uint8 → Uint8Array, strings and categoricals → string[]
 * (nulls → "").
 *
 * Limits: the file is read whole; files over `options.maxBytes` (default
 * 512 MiB; CSV text can never exceed V8's 2^29 - 24 character strings) are
 * refused with an error before any is read. Memory: about the file size
 * plus the columns, plus 8 bytes a cell for CSV. Cost: O(file size).
 * Integrity: Parquet page CRC-32s and LZ4 frame checksums are verified when
 * the file has them; truncated Arrow files and streams are refused.
 *
 * References: RFC 4180 (CSV); pandas `read_csv` (type inference and
 * `na_values`); Apache Arrow IPC format; Apache Parquet format.
 *
 * @example const t = await readTable("atoms.csv"); // pandas: df.to_csv("atoms.csv", index=False)
 * @throws Error naming the file and the reason (for CSV also the line and column).
 */
export async function readTable(path: string, options: ReadTableOptions = {}): Promise<Table> {
  checkPath(path, "readTable");
  const where = `readTable("${path}")`;
  const format = formatOf(path, options.format, where);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_TABLE_BYTES;
  if (!(maxBytes > 0)) throw new RangeError(`${where}: options.maxBytes must be a positive number of bytes, got ${maxBytes}`);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new Error(`${where}: cannot read the file: ${(e as Error).message}`);
  }
  if (size > maxBytes) throw new RangeError(`${where}: the file has ${size} bytes, more than options.maxBytes = ${maxBytes}; tables are read whole (split the file, or raise maxBytes up to what memory allows)`);
  const bytes = await readFile(path);
  if (format === "csv" || format === "tsv") {
    return parseDelimited(decodeUtf8(bytes, where), { delimiter: options.delimiter ?? (format === "csv" ? "," : "\t"), columns: options.columns }, where, (c) => Table.of(c, where));
  }
  if (format === "arrow") return parseArrowIpc(bytes, where);
  return parseParquet(bytes, where);
}

/** UTF-8 text; invalid bytes and UTF-16 files are errors, never replacement characters. */
function decodeUtf8(bytes: Uint8Array, where: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new Error(`${where}: the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8`);
  }
  if (bytes.length > MAX_TEXT_CHARS) {
    throw new RangeError(`${where}: ${bytes.length} bytes of text is more than the ${MAX_TEXT_CHARS} characters a JavaScript string holds; split the file or use Parquet/Arrow`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(`${where}: the file is not valid UTF-8 text; save it as UTF-8`);
  }
}

/**
 * Write a table as CSV/TSV, Arrow IPC file (Feather v2) or Parquet, so
 * pandas (`read_csv`, `read_feather`, `read_parquet`) and R (`read.csv`,
 * `arrow::read_feather`, `arrow::read_parquet`) read the same values.
 *
 * CSV/TSV floats are written in their shortest round-trip form (exact),
 * NaN as an empty cell, Uint8 0/1 columns as True/False; see
 * `formatDelimited`. The file is written to a temporary file beside `path`
 * and renamed over it only when complete, so an interrupted write never
 * leaves a partial file at `path`.
 *
 * @param table a Table or anything `table(...)` accepts.
 * @throws Error naming the file and the reason.
 */
export async function writeTable(table: TableInput, path: string, options: WriteTableOptions = {}): Promise<void> {
  checkPath(path, "writeTable");
  const where = `writeTable("${path}")`;
  const format = formatOf(path, options.format, where);
  const t = toTable(table);
  if (t.columnNames.length === 0) throw new RangeError(`${where}: the table has no columns`);
  if (format === "csv" || format === "tsv") {
    const delimiter = options.delimiter ?? (format === "csv" ? "," : "\t");
    if (typeof delimiter !== "string" || delimiter.length !== 1 || /["\r\n]/.test(delimiter)) {
      throw new TypeError(`${where}: delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
    }
    return writeAtomic(path, formatDelimited(t, delimiter), where);
  }
  return writeAtomic(path, [format === "arrow" ? formatArrowIpc(t) : await formatParquet(t)], where);
}

/**
 * Write chunks through a temporary file beside `path`, renamed over it only
 * once complete and flushed (`io/atomic.ts`), so an interrupted or failed
 * write leaves `path` as it was.
 */
async function writeAtomic(path: string, chunks: Iterable<string | Uint8Array>, where: string): Promise<void> {
  try {
    await writeAtomically("writeTable", path, async (tmp) => {
      const handle = await open(tmp, "wx");
      try {
        for (const chunk of chunks) await handle.writeFile(chunk);
      } finally {
        await handle.close();
      }
    });
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith(where) ? message : `${where}: ${message}`);
  }
}
