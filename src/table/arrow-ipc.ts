/**
 * Arrow IPC (file and stream formats; Feather v2 is the file format) to and
 * from `Table`, through apache-arrow. Compressed record batches are read
 * with LZ4_FRAME (pyarrow's default for Feather, `lz4.ts`) and ZSTD (fzstd)
 * registered as apache-arrow decoders; files are written uncompressed.
 */
import type * as Arrow from "apache-arrow";
import { decodeLz4Frame } from "./lz4";
import { Table } from "./table";

let codecsRegistered = false;

/** apache-arrow with the LZ4_FRAME and ZSTD decoders registered (once). */
function arrowWithCodecs(): typeof Arrow {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const arrow = require("apache-arrow") as typeof Arrow;
  if (!codecsRegistered) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { decompress } = require("fzstd") as { decompress(data: Uint8Array): Uint8Array };
    // apache-arrow views the output as typed arrays: give it an 8-byte aligned buffer
    const aligned = (a: Uint8Array) => (a.byteOffset % 8 === 0 ? a : a.slice());
    arrow.compressionRegistry.set(arrow.CompressionType.LZ4_FRAME, { decode: (data) => aligned(decodeLz4Frame(data)) });
    arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, { decode: (data) => aligned(decompress(data)) });
    codecsRegistered = true;
  }
  return arrow;
}

/**
 * A Table from the bytes of an Arrow IPC file or stream (see
 * `Table.fromArrow` for the column types).
 *
 * @param where names the source in errors.
 * @throws Error naming `where` when the bytes are not Arrow IPC, are
 *   truncated or corrupt, or hold a column type a Table cannot.
 */
export function parseArrowIpc(bytes: Uint8Array, where: string): Table {
  const arrow = arrowWithCodecs();
  checkComplete(bytes, where);
  let t: Arrow.Table;
  try {
    t = arrow.tableFromIPC(bytes);
  } catch (e) {
    throw new Error(`${where}: not a readable Arrow IPC file or stream: ${(e as Error).message}`);
  }
  if (t.schema.fields.length === 0) throw new Error(`${where}: not an Arrow IPC file or stream with columns (no schema found)`);
  try {
    return Table.fromArrow(t);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/**
 * Refuse a truncated file before decoding: an IPC file must end with its
 * footer and "ARROW1"; a stream must end with the end-of-stream marker
 * (0xFFFFFFFF then a zero length, which every Arrow >= 0.15 writer writes),
 * since a stream cut at a message boundary would otherwise read as fewer
 * rows. (Pre-0.15 streams, ending in a bare zero length, are refused.)
 */
function checkComplete(b: Uint8Array, where: string): void {
  const n = b.length;
  const magicAt = (i: number) => i >= 0 && MAGIC.every((m, k) => b[i + k] === m);
  if (magicAt(0)) {
    if (!magicAt(n - 6) || n < 12) throw new Error(`${where}: truncated Arrow IPC file (it does not end with the footer and "ARROW1")`);
    return;
  }
  const eos = n >= 8 && [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0].every((m, k) => b[n - 8 + k] === m);
  if (!eos) throw new Error(`${where}: not a complete Arrow IPC file or stream: no "ARROW1" file magic, and no end-of-stream marker at the end (a truncated stream, or another format)`);
}

/** The bytes of an uncompressed Arrow IPC file (Feather v2) holding `t` (see `Table.toArrow` for the types). */
export function formatArrowIpc(t: Table): Uint8Array {
  return arrowWithCodecs().tableToIPC(t.toArrow(), "file");
}
