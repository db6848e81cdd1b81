/**
 * Parquet to and from `Table`, through hyparquet (reader) and
 * hyparquet-writer (writer): pure JavaScript, no dependencies beyond the
 * hyparam packages, MIT, maintained (releases through 2026), and they read
 * every codec pandas, R arrow and polars write (snappy built in;
 * gzip, zstd, brotli, lz4 through hyparquet-compressors). Files are written
 * snappy-compressed, one column chunk per column in each row group.
 * Both packages are ES modules, loaded on first use.
 */
import { crc32 } from "node:zlib";
import { importEsm } from "../display/esm";
import { integerColumn, Table, type TableColumn } from "./table";

/*
 * The parts of hyparquet's and hyparquet-writer's APIs used here, declared
 * locally: both are ESM-only, and importing their types into this CommonJS
 * module needs resolution-mode syntax that not every TypeScript in the tree
 * accepts (as for h5wasm in io/hdf5.ts).
 */
interface SchemaElement {
  name: string;
  type?: string;
  converted_type?: string;
  logical_type?: { type: string; bitWidth?: number; isSigned?: boolean };
  repetition_type?: "REQUIRED" | "OPTIONAL" | "REPEATED";
  num_children?: number;
}
interface SchemaTree { element: SchemaElement; children: SchemaTree[] }
interface ColumnMetaData { path_in_schema: string[]; total_compressed_size: bigint; data_page_offset: bigint; dictionary_page_offset?: bigint }
interface FileMetaData { num_rows: bigint | number; row_groups: Array<{ columns: Array<{ meta_data?: ColumnMetaData }> }> }
interface PageHeader { compressed_page_size: number; crc?: number }
type Compressors = Record<string, (input: Uint8Array, outputLength: number) => Uint8Array>;
interface ColumnChunkData { columnName: string; columnData: ArrayLike<unknown>; rowStart: number; rowEnd: number }
interface ParquetModules {
  reader: {
    parquetMetadata(file: ArrayBuffer): FileMetaData;
    parquetSchema(metadata: FileMetaData): SchemaTree;
    parquetRead(options: { file: ArrayBuffer; metadata: FileMetaData; compressors: Compressors; onChunk(chunk: ColumnChunkData): void }): Promise<void>;
  };
  writer: {
    parquetWriteBuffer(options: { columnData: Array<{ name: string; data: ArrayLike<unknown> }>; schema: SchemaElement[]; codec: "SNAPPY" }): ArrayBuffer;
  };
  compressors: Compressors;
  parquetHeader(reader: { view: DataView; offset: number }): PageHeader;
}

let modules: Promise<ParquetModules> | undefined;
function loadParquet(): Promise<ParquetModules> {
  modules ??= Promise.all([
    importEsm<ParquetModules["reader"]>("hyparquet"),
    importEsm<ParquetModules["writer"]>("hyparquet-writer"),
    importEsm<{ compressors: Compressors }>("hyparquet-compressors"),
    importEsm<Pick<ParquetModules, "parquetHeader">>("hyparquet/src/column.js"),
  ]).then(([reader, writer, c, column]) => ({ reader, writer, compressors: c.compressors, parquetHeader: column.parquetHeader }));
  return modules;
}

/**
 * Check the CRC-32 of every page that carries one (Parquet's optional page
 * checksum over the page's stored bytes, e.g. pyarrow's
 * `write_page_checksum=True`); hyparquet reads the field but does not check
 * it. Pages without a checksum cannot be checked. O(file size).
 *
 * @throws Error naming `where`, the column and the byte offset of a mismatching page or a page running past its column chunk.
 */
function verifyPageChecksums(file: ArrayBuffer, metadata: FileMetaData, parquetHeader: ParquetModules["parquetHeader"], where: string): void {
  const view = new DataView(file), bytes = new Uint8Array(file);
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta) continue;
      const name = meta.path_in_schema.join(".");
      const dict = meta.dictionary_page_offset === undefined ? undefined : Number(meta.dictionary_page_offset);
      const start = dict !== undefined && dict > 0 ? Math.min(dict, Number(meta.data_page_offset)) : Number(meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      if (!(start >= 0 && end <= file.byteLength)) throw new Error(`${where}: column "${name}": its chunk (bytes ${start}..${end}) lies outside the ${file.byteLength}-byte file`);
      const reader = { view, offset: start };
      while (reader.offset < end) {
        const at = reader.offset;
        const header = parquetHeader(reader);
        const dataEnd = reader.offset + header.compressed_page_size;
        if (!(header.compressed_page_size >= 0 && dataEnd <= end)) throw new Error(`${where}: column "${name}": the page at byte ${at} runs past its column chunk`);
        if (header.crc !== undefined && (crc32(bytes.subarray(reader.offset, dataEnd)) | 0) !== (header.crc | 0)) {
          throw new Error(`${where}: column "${name}": page checksum mismatch at byte ${at} (the file is corrupt)`);
        }
        reader.offset = dataEnd;
      }
    }
  }
}

/** Logical / converted types a Table cannot hold without a silent change of meaning. */
const REFUSED = new Set(["DATE", "TIME", "TIME_MILLIS", "TIME_MICROS", "TIMESTAMP", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "DECIMAL", "INTERVAL", "UUID", "JSON", "BSON", "MAP", "LIST", "VARIANT", "GEOMETRY", "GEOGRAPHY"]);

/** One column's values as a Table column, by its Parquet schema element. */
function toColumn(el: SchemaElement, values: unknown[], where: string): TableColumn {
  const name = el.name;
  const annotation = el.logical_type?.type ?? el.converted_type;
  if (annotation !== undefined && REFUSED.has(annotation)) {
    throw new TypeError(`${where}: column "${name}" is ${annotation}; only numbers, booleans and strings are supported (convert it before writing, e.g. dates to numbers, decimals to float64)`);
  }
  const n = values.length;
  switch (el.type) {
    case "INT32":
    case "INT64": {
      const uint8 = annotation === "UINT_8" || (el.logical_type?.type === "INTEGER" && el.logical_type.bitWidth === 8 && !el.logical_type.isSigned);
      return integerColumn(values.map((v) => (v === undefined ? null : v)), uint8, name, where);
    }
    case "FLOAT":
    case "DOUBLE": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) { const v = values[i]; out[i] = v === null || v === undefined ? NaN : Number(v); }
      return out;
    }
    case "BOOLEAN": {
      const missing = values.some((v) => v === null || v === undefined);
      const out = missing ? new Float64Array(n) : new Uint8Array(n);
      for (let i = 0; i < n; i++) { const v = values[i]; out[i] = v === null || v === undefined ? NaN : v ? 1 : 0; }
      return out;
    }
    case "BYTE_ARRAY": {
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v === null || v === undefined) out[i] = "";
        else if (typeof v === "string") out[i] = v;
        else throw new TypeError(`${where}: column "${name}" holds binary values, not text; only numbers, booleans and strings are supported`);
      }
      return out;
    }
    default:
      if (el.logical_type?.type === "FLOAT16") return Float64Array.from(values, (v) => (v === null || v === undefined ? NaN : Number(v)));
      throw new TypeError(`${where}: column "${name}" has Parquet type ${el.type}${annotation ? ` (${annotation})` : ""}; only numbers, booleans and strings are supported`);
  }
}

/**
 * A Table from the bytes of a Parquet file: doubles/floats → Float64Array
 * (nulls → NaN); integers → Int32Array when all fit and none is null
 * (uint8 → Uint8Array), else Float64Array (exact to 2^53, beyond is an
 * error); booleans → Uint8Array; strings (dictionary-encoded or not) →
 * string[] (nulls → ""). Nested, date, time, decimal and binary columns are
 * refused by name. Cost: O(file size); the whole file is decoded in memory.
 *
 * @throws Error naming `where` and the reason (not Parquet, truncated, corrupt page, unsupported column).
 */
export async function parseParquet(bytes: Uint8Array, where: string): Promise<Table> {
  const { reader, compressors, parquetHeader } = await loadParquet();
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = reader.parquetMetadata(file);
  } catch (e) {
    throw new Error(`${where}: not a readable Parquet file: ${(e as Error).message}`);
  }
  try {
    verifyPageChecksums(file, metadata, parquetHeader, where);
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith(where) ? message : `${where}: cannot read the Parquet pages: ${message}`);
  }
  const numRows = Number(metadata.num_rows);
  const top = reader.parquetSchema(metadata).children;
  for (const c of top) {
    if (c.children.length) throw new TypeError(`${where}: column "${c.element.name}" is nested (a struct, list or map); only flat columns of numbers, booleans and strings are supported`);
  }
  const values = new Map(top.map((c) => [c.element.name, new Array<unknown>(numRows)]));
  const filled = new Map(top.map((c) => [c.element.name, 0]));
  try {
    await reader.parquetRead({
      file, metadata, compressors,
      onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
        const out = values.get(columnName)!;
        const end = Math.min(rowEnd, numRows);
        if (columnData.length < end - rowStart) throw new Error(`column "${columnName}": rows ${rowStart}..${end - 1} decoded to ${columnData.length} values`);
        for (let r = rowStart; r < end; r++) out[r] = columnData[r - rowStart];
        filled.set(columnName, filled.get(columnName)! + Math.max(0, end - rowStart));
      },
    });
  } catch (e) {
    throw new Error(`${where}: cannot decode the Parquet data: ${(e as Error).message}`);
  }
  for (const [name, count] of filled) {
    if (count !== numRows) throw new Error(`${where}: column "${name}" decoded to ${count} values, the file's metadata declares ${numRows} rows`);
  }
  const cols = new Map<string, TableColumn>();
  for (const c of top) cols.set(c.element.name, toColumn(c.element, values.get(c.element.name)!, where));
  return Table.of(cols, where);
}

/**
 * The bytes of a snappy-compressed Parquet file holding `t`: Float64Array →
 * DOUBLE (NaN stored as NaN, which pandas and R read as missing), Int32Array
 * → INT32, Uint8Array → INT32 annotated UINT_8 (pandas reads uint8),
 * strings → UTF-8 BYTE_ARRAY; all columns REQUIRED (no nulls).
 */
export async function formatParquet(t: Table): Promise<Uint8Array> {
  const { writer } = await loadParquet();
  const schema: SchemaElement[] = [{ name: "root", num_children: t.columnNames.length }];
  const columnData: Array<{ name: string; data: ArrayLike<unknown> }> = [];
  for (const name of t.columnNames) {
    const c = t.column(name);
    if (Array.isArray(c)) {
      schema.push({ name, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" }, repetition_type: "REQUIRED" });
      columnData.push({ name, data: c });
    } else if (c instanceof Float64Array) {
      schema.push({ name, type: "DOUBLE", repetition_type: "REQUIRED" });
      columnData.push({ name, data: c });
    } else if (c instanceof Int32Array) {
      schema.push({ name, type: "INT32", repetition_type: "REQUIRED" });
      columnData.push({ name, data: c });
    } else {
      // converted type only: hyparquet-writer 0.17 encodes the INTEGER logical type's bitWidth in a way pyarrow rejects ("Couldn't deserialize thrift")
      schema.push({ name, type: "INT32", converted_type: "UINT_8", repetition_type: "REQUIRED" });
      columnData.push({ name, data: Int32Array.from(c) });
    }
  }
  return new Uint8Array(writer.parquetWriteBuffer({ columnData, schema, codec: "SNAPPY" }));
}
