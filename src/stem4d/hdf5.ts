/**
 * Writing 4D-STEM datasets to HDF5 in the Berkeley EMD 0.2 layout that
 * py4DSTEM and h5py read. Reading goes through the reader registry
 * (`readDataset4D`) and the one HDF5 layer, src/io/hdf5.ts, which this
 * module also uses to load h5wasm.
 */
import { resolve } from "node:path";
import { refuseOwnSource, writeAtomically } from "../io/atomic";
import { loadH5wasm } from "../io/hdf5";
import type { Dataset4D } from "./dataset";
import { defaultPartitionFrames } from "./udf";

interface H5Dataset { write_slice(ranges: [number, number][], data: ArrayLike<number>): void; resize(shape: number[]): number }
interface H5Group { create_group(n: string): H5Group; create_dataset(a: Record<string, unknown>): H5Dataset; create_attribute(name: string, value: unknown, shape?: number[] | null, dtype?: string | null): void }
interface H5File extends H5Group { close(): void }

/**
 * Write a dataset to HDF5 in the Berkeley EMD 0.2 layout:
 * `/data/<name>/data` (rows, cols, ky, kx) float32, chunked one pattern per
 * chunk, optionally gzip-compressed, with `dim1..dim4` vectors (scan step
 * and detector pixel size from the calibration, else pixel indices),
 * streamed partition by partition (bounded memory). The file is written to a
 * temporary file beside `path` and renamed over it when complete (an
 * interrupted write leaves `path` as it was); writing onto the file `ds` is
 * read from throws.
 */
export async function writeHdf5_4D(path: string, ds: Dataset4D, options: { name?: string; compression?: number; partitionFrames?: number } = {}): Promise<void> {
  const name = options.name ?? "datacube";
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new TypeError(`writeHdf5_4D: options.name must be a simple name, got ${JSON.stringify(name)}`);
  refuseOwnSource("writeHdf5_4D", path, [ds.source.path]);
  const { h5, Module } = await loadH5wasm();
  await writeAtomically("writeHdf5_4D", path, (tmp) => {
    Module.activate_throwing_error_handler(); // an HDF5 write error throws instead of printing
    try {
      writeEmd(new (h5 as unknown as { File: new (p: string, m: string) => H5File }).File(resolve(tmp), "w"), ds, name, options);
    } finally {
      Module.deactivate_throwing_error_handler();
    }
  });
}

function writeEmd(file: H5File, ds: Dataset4D, name: string, options: { compression?: number; partitionFrames?: number }): void {
  try {
    file.create_attribute("version_major", 0, null, "<i4");
    file.create_attribute("version_minor", 2, null, "<i4");
    const g = file.create_group("data").create_group(name);
    g.create_attribute("emd_group_type", 1, null, "<i4");
    const [rows, cols] = ds.scanShape, [ky, kx] = ds.detShape;
    const d = g.create_dataset({ name: "data", data: new Float32Array(0), shape: [0, cols, ky, kx], maxshape: [rows, cols, ky, kx], dtype: "<f4", chunks: [1, 1, ky, kx], ...(options.compression ? { compression: options.compression } : {}) });
    d.resize([rows, cols, ky, kx]);
    const c = ds.calibration;
    const dimv = (n: number, step: number | undefined) => Float64Array.from({ length: n }, (_, i) => i * (step ?? 1));
    const dimsSpec: [number, number | undefined, string, string][] = [[rows, c.scanStep, "R_y", c.scanUnit ?? "[pix]"], [cols, c.scanStep, "R_x", c.scanUnit ?? "[pix]"], [ky, c.detPixelSize, "Q_y", c.detUnit ?? "[pix]"], [kx, c.detPixelSize, "Q_x", c.detUnit ?? "[pix]"]];
    dimsSpec.forEach(([n, step, nm, unit], i) => {
      const dd = g.create_dataset({ name: `dim${i + 1}`, data: dimv(n, step), shape: [n] }) as unknown as H5Group;
      dd.create_attribute("name", nm);
      dd.create_attribute("units", unit);
    });
    const meta = { scanShape: ds.scanShape, detShape: ds.detShape, nFrames: ds.nFrames, frameSize: ds.frameSize };
    // write whole scan rows per call (hyperslab writes must be rectangular)
    const rowsPer = Math.max(1, Math.floor((options.partitionFrames ?? defaultPartitionFrames(meta)) / cols));
    const buf = new Float32Array(rowsPer * cols * ds.frameSize);
    for (let r = 0; r < rows; r += rowsPer) {
      const nr = Math.min(rowsPer, rows - r);
      const frames = ds.readFrames(r * cols, nr * cols, buf.subarray(0, nr * cols * ds.frameSize));
      d.write_slice([[r, r + nr], [0, cols], [0, ky], [0, kx]], frames);
    }
  } finally {
    file.close();
  }
}
