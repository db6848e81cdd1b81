/**
 * 4D-STEM in HDF5 (py4DSTEM/emdfile and Berkeley EMD 0.2 layouts), read in
 * chunks through h5wasm hyperslab reads (chunked and compressed datasets
 * included, with the filters h5wasm's HDF5 carries: deflate, shuffle,
 * szip, ...), and written in the EMD 0.2 layout that py4DSTEM and h5py read.
 *
 * Layouts recognised when `options.dataset` is not given: a 4-D numeric
 * dataset named `data` inside a group carrying an `emd_group_type`
 * attribute (EMD 0.2: `/data/<name>/data`; py4DSTEM ≥ 0.13/emdfile:
 * `/<root>/<name>/data`), else the first 4-D numeric dataset. EMD
 * dimension vectors `dim1..dim4` (0.2) or `dim0..dim3` (emdfile) give the
 * calibration (step and `units` attribute) when present.
 */
import { resolve } from "node:path";
import { listHdf5, loadH5wasm } from "../io/hdf5";
import { Dataset4D, type Calibration4D, type ReadDataset4DOptions } from "./dataset";
import { parseDType, type DType } from "./dtype";
import type { FrameSource } from "./source";
import { defaultPartitionFrames } from "./udf";

interface H5Dataset { shape: number[] | null; slice(ranges: ([number, number] | [])[]): ArrayLike<number> | null; attrs?: Record<string, { value: unknown }>; write_slice(ranges: [number, number][], data: ArrayLike<number>): void; resize(shape: number[]): number; create_attribute?: unknown }
interface H5File { get(p: string): unknown; close(): void; create_group(n: string): H5Group; create_dataset(a: Record<string, unknown>): H5Dataset; create_attribute(name: string, value: unknown, shape?: number[] | null, dtype?: string | null): void; flush?(): void }
interface H5Group { create_group(n: string): H5Group; create_dataset(a: Record<string, unknown>): H5Dataset; create_attribute(name: string, value: unknown, shape?: number[] | null, dtype?: string | null): void }

class Hdf5Source implements FrameSource {
  readonly onDisk = true;
  constructor(private file: H5File, private ds: H5Dataset, readonly dtype: DType, readonly description: string, private rank: number, private cols: number, private where: string) {}
  read(start: number, count: number, out: Float32Array): void {
    let f = start, o = 0;
    const end = start + count;
    while (f < end) {
      let block: ArrayLike<number> | null;
      let n: number;
      if (this.rank === 3) {
        n = end - f;
        block = this.ds.slice([[f, end], [], []]);
      } else {
        const r = Math.floor(f / this.cols), c0 = f % this.cols;
        if (c0 === 0 && end - f >= this.cols) {
          const rows = Math.floor((end - f) / this.cols);
          n = rows * this.cols;
          block = this.ds.slice([[r, r + rows], [], [], []]);
        } else {
          const c1 = Math.min(this.cols, c0 + (end - f));
          n = c1 - c0;
          block = this.ds.slice([[r, r + 1], [c0, c1], [], []]);
        }
      }
      if (!block) throw new Error(`${this.where}: HDF5 read of frames [${f}, ${f + n}) returned nothing`);
      const len = out.length >= o + block.length ? block.length : 0;
      if (!len) throw new Error(`${this.where}: HDF5 read returned ${block.length} values for ${n} frames`);
      out.set(block as ArrayLike<number>, o);
      o += block.length; f += n;
    }
  }
  chunkSpec(): undefined { return undefined; }
  close(): void { try { this.file.close(); } catch { /* already closed */ } }
}

function attr(obj: unknown, name: string): unknown {
  const a = (obj as { attrs?: Record<string, { value?: unknown; json_value?: unknown }> })?.attrs?.[name];
  if (!a) return undefined;
  const v = a.json_value ?? a.value;
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

/** Open an HDF5/EMD 4D-STEM dataset for chunked reading (used by readDataset4D). */
export async function readHdf5Dataset4D(path: string, options: ReadDataset4DOptions): Promise<Dataset4D> {
  const where = `readDataset4D(${JSON.stringify(path)})`;
  const entries = await listHdf5(path);
  const numeric = (d?: string) => !!d && /^[<>|]?[fiu]\d$/.test(d);
  let entry = options.dataset !== undefined ? entries.find((e) => e.path === "/" + options.dataset!.replace(/^\/+/, "")) : undefined;
  if (options.dataset !== undefined) {
    if (!entry || entry.kind !== "dataset") throw new Error(`${where}: no dataset "${options.dataset}" in the file (datasets: ${entries.filter((e) => e.kind === "dataset").map((e) => e.path).join(", ")})`);
  } else {
    const cands = entries.filter((e) => e.kind === "dataset" && numeric(e.dtype) && (e.shape?.length === 4 || (e.shape?.length === 3 && options.scanShape)));
    entry = cands.find((e) => e.path.endsWith("/data") && e.shape!.length === 4) ?? cands[0];
    if (!entry) throw new Error(`${where}: no 4-D numeric dataset found (datasets: ${entries.filter((e) => e.kind === "dataset").map((e) => `${e.path} ${JSON.stringify(e.shape)} ${e.dtype}`).join(", ") || "none"}); pass options.dataset`);
  }
  if (!numeric(entry.dtype)) throw new Error(`${where}: dataset ${entry.path} has dtype ${entry.dtype}; need a numeric one`);
  const dtype = parseDType(entry.dtype!, where);
  const shape = entry.shape!;
  let scanShape: [number, number], detShape: [number, number];
  if (shape.length === 4) {
    scanShape = [shape[0], shape[1]]; detShape = [shape[2], shape[3]];
    if (options.scanShape && options.scanShape[0] * options.scanShape[1] !== shape[0] * shape[1]) throw new RangeError(`${where}: options.scanShape ${JSON.stringify(options.scanShape)} does not match ${shape[0]}×${shape[1]} positions`);
    if (options.scanShape && (options.scanShape[0] !== shape[0])) throw new RangeError(`${where}: reshaping an HDF5 scan is not supported; dataset is ${shape[0]}×${shape[1]}`);
  } else if (shape.length === 3) {
    if (!options.scanShape || options.scanShape[0] * options.scanShape[1] !== shape[0]) throw new RangeError(`${where}: 3-D dataset ${entry.path} (${shape.join("×")}) needs options.scanShape with rows*cols = ${shape[0]}`);
    scanShape = [options.scanShape[0], options.scanShape[1]]; detShape = [shape[1], shape[2]];
  } else throw new RangeError(`${where}: dataset ${entry.path} has shape (${shape.join(", ")}); expected 4-D (rows, cols, ky, kx) or 3-D (N, ky, kx)`);
  const { h5, Module } = await loadH5wasm();
  void Module;
  const file = new (h5 as unknown as { File: new (p: string, m: string) => H5File }).File(resolve(path), "r");
  const ds = file.get(entry.path) as H5Dataset;
  // Calibration from EMD dimension vectors.
  const calibration: Calibration4D = { ...options.calibration };
  const parent = entry.path.slice(0, entry.path.lastIndexOf("/")) || "/";
  const dims = (first: number) => [0, 1, 2, 3].map((i) => file.get(`${parent}/dim${first + i}`) as H5Dataset | null);
  for (const first of [1, 0]) {
    const dv = dims(first);
    if (!dv[0] || !dv[2]) continue;
    try {
      const d0 = dv[0].slice([[0, 2]]), d2 = dv[2].slice([[0, 2]]);
      if (d0 && d0.length === 2 && calibration.scanStep === undefined && d0[1] !== d0[0]) { calibration.scanStep = Math.abs(Number(d0[1]) - Number(d0[0])); const u = attr(dv[0], "units"); if (typeof u === "string" && u !== "[n_m]" && u) calibration.scanUnit = u; }
      if (d2 && d2.length === 2 && calibration.detPixelSize === undefined && d2[1] !== d2[0]) { calibration.detPixelSize = Math.abs(Number(d2[1]) - Number(d2[0])); const u = attr(dv[2], "units"); if (typeof u === "string" && u) calibration.detUnit = u; }
    } catch { /* calibration is optional */ }
    break;
  }
  const src = new Hdf5Source(file, ds, dtype, `HDF5 ${path}:${entry.path} (${dtype.descr})`, shape.length, scanShape[1], where);
  return new Dataset4D(src, scanShape, detShape, calibration);
}

/**
 * Write a dataset to HDF5 in the Berkeley EMD 0.2 layout:
 * `/data/<name>/data` (rows, cols, ky, kx) float32, chunked one pattern per
 * chunk, optionally gzip-compressed, with `dim1..dim4` vectors (scan step
 * and detector pixel size from the calibration, else pixel indices),
 * streamed partition by partition (bounded memory).
 */
export async function writeHdf5_4D(path: string, ds: Dataset4D, options: { name?: string; compression?: number; partitionFrames?: number } = {}): Promise<void> {
  const name = options.name ?? "datacube";
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new TypeError(`writeHdf5_4D: options.name must be a simple name, got ${JSON.stringify(name)}`);
  const { h5 } = await loadH5wasm();
  const file = new (h5 as unknown as { File: new (p: string, m: string) => H5File }).File(resolve(path), "w");
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
