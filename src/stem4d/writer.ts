/**
 * Writing 4D-STEM datasets to `.npy` (C order, shape (rows, cols, ky, kx)),
 * streamed chunk by chunk so that memory stays bounded.
 */
import * as fs from "node:fs";
import type { Dataset4D } from "./dataset";
import { parseDType, type DType } from "../io/dtype";
import { npyHeaderBytes } from "../io/npy";
import { refuseOwnSource, writeAtomically } from "../io/atomic";
import { defaultPartitionFrames } from "./udf";

export interface WriteNpyOptions {
  /** Element type written ("float32" default; "uint16", "<f8", ...). Values are rounded/clamped for integer types; NaN is an error for them. */
  dtype?: string;
  /** Frames per write (default ~8 MiB). */
  partitionFrames?: number;
}

/**
 * Write a dataset to a `.npy` file of shape (rows, cols, ky, kx), reading
 * and writing one partition at a time. Returns the number of bytes written.
 * Integer dtypes round to nearest and throw (naming the frame) on values out
 * of range or NaN, so no data are silently altered.
 *
 * The file is written to a temporary file beside `path` and renamed over it
 * when complete (an interrupted or failed write leaves `path` as it was);
 * writing onto the file `ds` is read from throws.
 */
export async function writeNpy4D(path: string, ds: Dataset4D, options: WriteNpyOptions = {}): Promise<number> {
  const where = `writeNpy4D(${JSON.stringify(path)})`;
  const dt = parseDType(options.dtype ?? "float32", where);
  const [rows, cols] = ds.scanShape, [ky, kx] = ds.detShape, fsz = ds.frameSize;
  const meta = { scanShape: ds.scanShape, detShape: ds.detShape, nFrames: ds.nFrames, frameSize: fsz };
  const pf = options.partitionFrames ?? defaultPartitionFrames(meta);
  const header = npyHeaderBytes(dt.descr, [rows, cols, ky, kx]);
  refuseOwnSource("writeNpy4D", path, [ds.source.path]);
  return writeAtomically("writeNpy4D", path, (tmp) => writeFrames(tmp, ds, dt, header, pf, where));
}

function writeFrames(tmp: string, ds: Dataset4D, dt: DType, header: Uint8Array, pf: number, where: string): number {
  const fsz = ds.frameSize;
  const fd = fs.openSync(tmp, "w");
  let written = 0;
  try {
    written += fs.writeSync(fd, header);
    const frames = new Float32Array(pf * fsz);
    const out = Buffer.alloc(pf * fsz * dt.size);
    const lo = dt.kind === "u" ? 0 : dt.kind === "i" ? -(2 ** (8 * dt.size - 1)) : -Infinity;
    const hi = dt.kind === "u" ? 2 ** (8 * dt.size) - 1 : dt.kind === "i" ? 2 ** (8 * dt.size - 1) - 1 : Infinity;
    for (let start = 0; start < ds.nFrames; start += pf) {
      const n = Math.min(pf, ds.nFrames - start);
      ds.readFrames(start, n, frames);
      const m = n * fsz;
      if (dt.descr === "<f4") {
        written += fs.writeSync(fd, new Uint8Array(frames.buffer, 0, m * 4));
        continue;
      }
      const dv = new DataView(out.buffer, out.byteOffset, m * dt.size);
      const le = dt.littleEndian;
      for (let i = 0; i < m; i++) {
        let v = frames[i];
        if (dt.kind !== "f") {
          v = Math.round(v);
          if (!(v >= lo && v <= hi)) throw new RangeError(`${where}: frame ${start + Math.floor(i / fsz)} has value ${frames[i]}, not representable as ${dt.descr}`);
        }
        const p = i * dt.size;
        if (dt.kind === "f") { if (dt.size === 4) dv.setFloat32(p, v, le); else dv.setFloat64(p, v, le); }
        else if (dt.kind === "u") { if (dt.size === 1) dv.setUint8(p, v); else if (dt.size === 2) dv.setUint16(p, v, le); else dv.setUint32(p, v, le); }
        else { if (dt.size === 1) dv.setInt8(p, v); else if (dt.size === 2) dv.setInt16(p, v, le); else dv.setInt32(p, v, le); }
      }
      written += fs.writeSync(fd, new Uint8Array(out.buffer, out.byteOffset, m * dt.size));
    }
  } finally {
    fs.closeSync(fd);
  }
  return written;
}
