/**
 * Dectris Arina / Eiger HDF5 acquisitions: a master file (`<name>_master.h5`)
 * whose group `/entry/data` holds links `data_000001`, `data_000002`, ...,
 * normally HDF5 external links to `<name>_data_00000N.h5` beside it, each a
 * 3-D (frames, ky, kx) uint8/16/32 dataset (`/entry/data/data`), compressed
 * with bitshuffle + LZ4 (decoded by src/io/hdf5-filters.ts). The frames of
 * the linked datasets, concatenated in the order of the links' numbers, are
 * the scan's frames in raster order (row by row), as the reference readers
 * (rosettasciio `rsciio.arina`, py4DSTEM `read_arina`) read them; detector
 * pixels keep their stored orientation (row = ky, column = kx).
 *
 * Chosen by content: `readDataset4D` on an HDF5 file whose `/entry/data`
 * holds links named `data_` + 6 digits reads it through `openDectrisFrames`
 * (see src/io/formats/hdf5.ts). The scan shape comes from
 * `options.scanShape`; without it a square scan is assumed when the frame
 * count is a perfect square (what rosettasciio and py4DSTEM do without a
 * navigation shape / scan width), else an error asks for it.
 *
 * External links are resolved against the master's directory (the process's
 * working directory plays no part), and each data file is opened itself:
 * a missing data file is an error naming it and the link, a truncated or
 * corrupt one an error from the HDF5 layer naming that file. The master's
 * detector metadata (pixel size in metres, count-rate correction) describes
 * the physical detector, not reciprocal space, so no calibration is set.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Frames4D, Frames4DOptions } from "../reader-types";
import type { DType } from "../dtype";
import type { FrameSource } from "../frames4d";
import { loadH5wasm, openHdf5Frames } from "../hdf5";
import { ioError } from "../util";

/** One link of the master's `/entry/data`: the file and dataset it points to. */
export interface DectrisPart {
  /** The link's name, e.g. "data_000001". */
  link: string;
  /** Absolute path of the file holding the frames (the master itself for a link inside it). */
  file: string;
  /** The dataset's path inside `file`. */
  dataset: string;
}

/** The link names of a Dectris master's `/entry/data` group. */
const PART = /^data_(\d{6})$/;

/**
 * The parts of a Dectris master file, in the order of their numbers, or
 * undefined when `path` is not one (no `/entry/data` group with links named
 * `data_` + 6 digits, or HDF5 cannot open it: the generic HDF5 reader then
 * reports why). External links resolve against the master's directory.
 * Reads link metadata only (one open of the master).
 */
export async function dectrisParts(path: string): Promise<DectrisPart[] | undefined> {
  const { h5, Module } = await loadH5wasm();
  type Links = { keys(): string[]; get_external_link(p: string): { filename?: string; obj_path?: string } };
  let f: { close(): unknown; get(p: string): unknown } | undefined;
  Module.activate_throwing_error_handler();
  try {
    try {
      f = new h5.File(resolve(path), "r");
    } catch {
      return undefined;
    }
    const group = f.get("/entry/data");
    if (!(group instanceof h5.Group)) return undefined;
    const g = group as unknown as Links;
    const names = g.keys().filter((k) => PART.test(k)).sort((a, b) => Number(PART.exec(a)![1]) - Number(PART.exec(b)![1]));
    if (names.length === 0) return undefined;
    const dir = dirname(resolve(path));
    return names.map((link) => {
      let ext: { filename?: string; obj_path?: string } = {};
      try {
        ext = (f as unknown as Links).get_external_link(`/entry/data/${link}`);
      } catch {
        /* not an external link: a dataset inside the master */
      }
      return ext.filename
        ? { link, file: resolve(dir, ext.filename), dataset: ext.obj_path || "/entry/data/data" }
        : { link, file: resolve(path), dataset: `/entry/data/${link}` };
    });
  } finally {
    Module.deactivate_throwing_error_handler();
    try {
      f?.close();
    } catch {
      /* nothing more to report than what was thrown */
    }
  }
}

/**
 * Frames of a Dectris master's parts, one after the other: frame `i` of the
 * scan is frame `i - first[k]` of part `k`. Reads straddling two data files
 * are split; each part is read through the HDF5 layer's checked reads.
 */
class ConcatFrameSource implements FrameSource {
  readonly onDisk = true;
  /** Index of the first frame of each part, then the total. */
  private readonly first: number[];
  constructor(readonly path: string, private readonly parts: FrameSource[], counts: number[], private readonly frameSize: number, readonly dtype: DType, readonly description: string) {
    this.first = [0];
    for (const n of counts) this.first.push(this.first[this.first.length - 1] + n);
  }
  read(start: number, count: number, out: Float32Array): void {
    let k = 0;
    for (let f = start, end = start + count; f < end; ) {
      while (this.first[k + 1] <= f) k++;
      const n = Math.min(end, this.first[k + 1]) - f;
      this.parts[k].read(f - this.first[k], n, out.subarray((f - start) * this.frameSize, (f - start + n) * this.frameSize));
      f += n;
    }
  }
  chunkSpec(): undefined {
    return undefined;
  }
  close(): void {
    for (const p of this.parts) p.close();
  }
}

/**
 * Open the frames of a Dectris Arina/Eiger master file (see the module
 * comment), or undefined when `path` is not a master (`dectrisParts`).
 * Every part must be a 3-D (frames, ky, kx) dataset of one dtype and
 * detector shape. Returns the stored shape [N, ky, kx] when
 * `options.scanShape` is given (`readDataset4D` checks rows × cols = N),
 * else [s, s, ky, kx] when N = s²; otherwise throws asking for scanShape.
 * Cost: opening every data file (metadata only); frames are read on demand.
 */
export async function openDectrisFrames(fn: string, path: string, options: Frames4DOptions): Promise<Frames4D | undefined> {
  const parts = await dectrisParts(path);
  if (!parts) return undefined;
  const opened: Frames4D[] = [];
  try {
    for (const p of parts) {
      if (!existsSync(p.file)) {
        throw ioError(fn, path, `Dectris master: data file "${p.file}" (linked from /entry/data/${p.link}) does not exist; keep the data files beside the master`);
      }
      const got = await openHdf5Frames(fn, p.file, { dataset: p.dataset });
      opened.push(got);
      const [, ky, kx] = got.shape;
      const [, ky0, kx0] = opened[0].shape;
      if (got.shape.length !== 3) {
        throw ioError(fn, path, `Dectris master: /entry/data/${p.link} (${p.file}:${p.dataset}) has shape [${got.shape.join(", ")}]; expected 3-D (frames, ky, kx)`);
      }
      if (ky !== ky0 || kx !== kx0 || got.source.dtype.descr !== opened[0].source.dtype.descr) {
        throw ioError(fn, path, `Dectris master: /entry/data/${p.link} holds ${ky}×${kx} ${got.source.dtype.descr} frames, /entry/data/${parts[0].link} ${ky0}×${kx0} ${opened[0].source.dtype.descr}`);
      }
    }
  } catch (e) {
    for (const o of opened) o.source.close();
    throw e;
  }
  const counts = opened.map((o) => o.shape[0]);
  const n = counts.reduce((a, b) => a + b, 0);
  const [, ky, kx] = opened[0].shape;
  const dtype = opened[0].source.dtype;
  const what = `Dectris master /entry/data (${parts.length} data file${parts.length === 1 ? "" : "s"}, ${n} frames)`;
  let shape: number[] = [n, ky, kx];
  if (!options.scanShape) {
    const s = Math.round(Math.sqrt(n));
    if (s * s !== n) {
      for (const o of opened) o.source.close();
      throw ioError(fn, path, `${what}: ${n} frames is not a square scan; pass options.scanShape [rows, cols] with rows × cols = ${n}`);
    }
    shape = [s, s, ky, kx];
  }
  const source = new ConcatFrameSource(path, opened.map((o) => o.source), counts, ky * kx, dtype, `Dectris master ${path} (${parts.length} data files, ${dtype.descr})`);
  return { source, shape, calibration: {}, what };
}
