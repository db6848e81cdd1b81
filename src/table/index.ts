// Tables of per-atom / per-cell descriptors: one typed array per column.
export { table, Table, asColumns } from "./table";
export type { TableColumn, TableColumnInput, TableRow, TableInput, TablePreviewOptions } from "./table";
// files: CSV/TSV, Arrow IPC (Feather), Parquet
export { readTable, writeTable, DEFAULT_MAX_TABLE_BYTES } from "./io";
export type { TableFormat, ReadTableOptions, WriteTableOptions } from "./io";
export type { CsvColumnType } from "./csv";
