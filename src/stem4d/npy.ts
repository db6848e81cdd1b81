/**
 * Minimal `.npy` header reading and streaming `.npy` writing for 4D-STEM
 * files (format versions 1.0–3.0, see numpy.lib.format). Only the header is
 * parsed here; frames are read in chunks by the dataset's file source.
 */
import * as fs from "node:fs";
import { parseDType, type DType } from "./dtype";

export interface NpyHeaderInfo {
  dtype: DType;
  shape: number[];
  fortranOrder: boolean;
  /** Byte offset of the first data element. */
  dataOffset: number;
}

/** Read and parse the header of a `.npy` file; errors name the file and the reason. */
export function readNpyHeader(path: string): NpyHeaderInfo {
  let fd: number;
  try { fd = fs.openSync(path, "r"); } catch (e) { throw new Error(`readDataset4D(${JSON.stringify(path)}): cannot open: ${(e as Error).message}`); }
  try {
    const head = Buffer.alloc(12);
    const got = fs.readSync(fd, head, 0, 12, 0);
    if (got < 10 || head[0] !== 0x93 || head.toString("latin1", 1, 6) !== "NUMPY") {
      throw new Error(`readDataset4D(${JSON.stringify(path)}): not a .npy file (missing \\x93NUMPY magic)`);
    }
    const major = head[6];
    let headerLen: number, start: number;
    if (major === 1) { headerLen = head.readUInt16LE(8); start = 10; }
    else if (major === 2 || major === 3) { headerLen = head.readUInt32LE(8); start = 12; }
    else throw new Error(`readDataset4D(${JSON.stringify(path)}): unsupported .npy format version ${major}.${head[7]}`);
    const text = Buffer.alloc(headerLen);
    if (fs.readSync(fd, text, 0, headerLen, start) !== headerLen) throw new Error(`readDataset4D(${JSON.stringify(path)}): truncated .npy header`);
    const h = text.toString(major === 3 ? "utf8" : "latin1");
    const descr = /'descr'\s*:\s*'([^']+)'/.exec(h)?.[1];
    const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(h)?.[1];
    const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(h)?.[1];
    if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`readDataset4D(${JSON.stringify(path)}): malformed .npy header ${JSON.stringify(h.trim())}`);
    const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`readDataset4D(${JSON.stringify(path)}): malformed shape (${shapeText}) in .npy header`);
    return { dtype: parseDType(descr, `readDataset4D(${JSON.stringify(path)})`), shape, fortranOrder: fortran === "True", dataOffset: start + headerLen };
  } finally {
    fs.closeSync(fd);
  }
}

/** The bytes of a version-1.0 `.npy` header for a C-ordered array (padded to 64 bytes). */
export function npyHeaderBytes(descr: string, shape: number[]): Buffer {
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = 10 + dict.length + 1;
  const pad = (64 - (total % 64)) % 64;
  dict = dict + " ".repeat(pad) + "\n";
  if (dict.length > 65535) throw new Error("npyHeaderBytes: header too long");
  const out = Buffer.alloc(10 + dict.length);
  out[0] = 0x93; out.write("NUMPY", 1, "latin1"); out[6] = 1; out[7] = 0;
  out.writeUInt16LE(dict.length, 8);
  out.write(dict, 10, "latin1");
  return out;
}
