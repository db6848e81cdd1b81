/**
 * `readSeries`: an image series from a multi-page TIFF, a 3-D .npy, an HDF5
 * stack (Berkeley EMD, HyperSpy, plain), a folder of images, or any other
 * format the reader registry (src/io/registry.ts) gives a stack for. The
 * format is chosen by content, as by `readImage`; calibration and the frame
 * count come from the same readers.
 *
 * How frames are read (memory):
 * - .npy: each frame read at its byte offset (the 4-D reader's `ChunkSource`);
 * - HDF5: the file stays open, each frame one hyperslab read;
 * - TIFF: the file's bytes are held (as stored, compressed or not) and each
 *   page decoded when asked for (each read walks the page directory: O(pages));
 * - a folder: each file read when its frame is asked for (npy, TIFF, PNG);
 *   files of other formats are read when the series is opened and held;
 * - other formats (DigitalMicrograph, TIA, MRC, Velox, ...): their readers
 *   decode whole files, so the frames are read at once and held (a warning
 *   says so).
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Calibration } from "../image/image";
import { openByContent } from "../io/registry";
import { openHdf5 } from "../io/hdf5";
import { decodeTiff } from "../io/tiff";
import { decodePng } from "../io/png";
import { readBytes, readNpy } from "../io/npy";
import { frame as frameOf, framesOf, type LoadedImage } from "../io/image-frames";
import { ioError, toFloat32 } from "../io/util";
import { seriesError, seriesOf, type Series, type SeriesSource } from "./series";

/** Options of {@link readSeries}. */
export interface ReadSeriesOptions {
  /** HDF5: path of the 3-D dataset [frames, height, width] (default: found as `readImage` finds an image). */
  dataset?: string;
  /** Unit to use when the file gives a pixel size without one (as `readImage`). */
  unit?: string;
  /** Time of each frame, overriding the file's (strictly increasing), in `timeUnit`. */
  times?: ArrayLike<number>;
  /** Unit of `times` (default "s"). */
  timeUnit?: string;
}

const FN = "readSeries";
/** Time units recognised on a file's frame axis, with their canonical spelling. */
const TIME_UNITS: Record<string, string> = { s: "s", sec: "s", second: "s", seconds: "s", ms: "ms", "µs": "µs", us: "µs", ns: "ns", min: "min", h: "h" };

/** A canonical time unit for a file's unit string ("[s]", "sec", "us"), or undefined when it is not a time. */
function timeUnit(u: unknown): string | undefined {
  return TIME_UNITS[String(u ?? "").replace(/[\[\]_]/g, "").trim()];
}

/**
 * Read an image series: a multi-page TIFF, a 3-D .npy or HDF5 dataset
 * [frames, height, width], a folder of images (one frame per file, in
 * natural name order: frame2 before frame10; hidden files skipped), or any
 * format with several images that `readImageStack` reads. Frames are read
 * lazily where the format allows (see the module comment): a series may be
 * larger than memory. Pixels become float32, x = column, y = row.
 *
 * Time stamps, where the file has them: HyperSpy frame axis with a time
 * unit (offset + i·scale), EMD `dim1` vector with a time unit, ImageJ TIFF
 * `finterval` (with `tunit`, default s); or `options.times`. Calibration as
 * `readImage` gives it for frame 0.
 *
 * Errors name the file and the reason: a single image (a series needs at
 * least 2 frames), frames of different sizes (a folder, a TIFF's pages),
 * time stamps that do not increase, unknown formats; a frame with a NaN or
 * Inf pixel throws when it is read (`series.frame(i)`).
 * Cost: opening reads headers (a folder: each file once); `frame(i)` reads
 * one frame.
 *
 * @example
 *   const movie = await readSeries("ws2_heating.tif");
 *   movie.length; movie.frame(0).width; movie.times; // frames, pixels, seconds
 */
export async function readSeries(path: string, options: ReadSeriesOptions = {}): Promise<Series> {
  if (typeof path !== "string" || !path) throw new TypeError(`${FN}: path must be a file or folder path, got ${JSON.stringify(path)}`);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw ioError(FN, path, `cannot open: ${(e as Error).message}`);
  }
  const src = isDir ? await folderSource(path, options) : await fileSource(path, options);
  if (options.times !== undefined) {
    src.times = options.times;
    src.timeUnit = options.timeUnit ?? "s";
  }
  try {
    return seriesOf(FN, src);
  } catch (e) {
    src.close?.();
    throw e;
  }
}

/** The series source of one file, by the reader its content calls for. */
async function fileSource(path: string, options: ReadSeriesOptions): Promise<SeriesSource> {
  const { reader, opened } = await openByContent(FN, path, "stack");
  if (reader.name === "npy") return npySource(path, opened);
  const first = await opened.image!({ page: 0, dataset: options.dataset, unit: options.unit });
  const count = first.source.pageCount;
  if (count < 2) throw ioError(FN, path, `holds a single ${first.width}×${first.height} image; a series needs at least 2 frames (read one image with readImage)`);
  const base = { length: count, width: first.width, height: first.height, source: path, calibration: first.calibration, warnings: first.source.warnings.slice() };
  if (first.source.format === "hdf5" && first.source.dataset && first.source.shape.length === 3) return hdf5Source(path, first, base);
  if (reader.name === "tiff") return tiffSource(path, base);
  // Formats whose readers decode whole files: read every frame now.
  const frames = await opened.stack!({ dataset: options.dataset, unit: options.unit });
  base.warnings.push(`${frames.length} frames held in memory: the ${reader.name} reader decodes whole files`);
  return { ...base, length: frames.length, read: (i) => ({ data: frames[i].data.slice(), width: frames[i].width, height: frames[i].height }) };
}

/** A 3-D .npy [frames, height, width]: each frame read at its offset. */
async function npySource(path: string, opened: Awaited<ReturnType<typeof openByContent>>["opened"]): Promise<SeriesSource> {
  const f = await opened.frames4D!({});
  const shape = f.shape.slice();
  while (shape.length > 3 && shape[0] === 1) shape.shift();
  if (shape.length !== 3) {
    f.source.close();
    const what = shape.length === 2 ? `holds a single ${shape[1]}×${shape[0]} image; a series needs at least 2 frames` : `has shape [${f.shape.join(", ")}]`;
    throw ioError(FN, path, `the array ${what}; a series is a 3-D array [frames, height, width]`);
  }
  const [n, h, w] = shape;
  return {
    length: n, width: w, height: h, source: path,
    read: (i) => {
      const out = new Float32Array(w * h);
      f.source.read(i, 1, out);
      return { data: out, width: w, height: h };
    },
    close: () => f.source.close(),
  };
}

type Base = Omit<SeriesSource, "read">;

/** An HDF5 stack: the file kept open, one hyperslab per frame; time stamps from HyperSpy or EMD axes. */
async function hdf5Source(path: string, first: LoadedImage, base: Base): Promise<SeriesSource> {
  const dataset = first.source.dataset!;
  const [n, h, w] = first.source.shape;
  const file = await openHdf5(path);
  try {
    const group = dataset.slice(0, dataset.lastIndexOf("/")) || "/";
    const entries = new Set(file.list().map((e) => e.path));
    let times: ArrayLike<number> | undefined;
    let unit: string | undefined;
    if (entries.has(`${group}/axis-0`)) {
      const a = file.attrs(`${group}/axis-0`);
      unit = timeUnit(a.units);
      const scale = Number(a.scale ?? 1), offset = Number(a.offset ?? 0);
      if (unit && Number.isFinite(scale) && Number.isFinite(offset)) times = Array.from({ length: n }, (_, i) => offset + i * scale);
    } else if (entries.has(`${group}/dim1`)) {
      const d = file.read(`${group}/dim1`);
      unit = timeUnit(d.attrs.units);
      if (unit && d.shape.length === 1 && d.shape[0] === n && !Array.isArray(d.data)) times = Array.from(d.data as ArrayLike<number>, Number);
      if (unit && times === undefined) base.warnings!.push(`EMD dim1 has a time unit but ${d.shape.join("×")} values for ${n} frames: no time stamps`);
    }
    return {
      ...base, times, timeUnit: times ? unit : undefined,
      read: (i) => {
        const d = file.read(dataset, { slice: [[i, i + 1], null, null] });
        return { data: toFloat32(d.data as ArrayLike<number>), width: w, height: h };
      },
      close: () => file.close(),
    };
  } catch (e) {
    file.close();
    throw e;
  }
}

/** A multi-page TIFF: bytes held, each page decoded on demand; ImageJ `finterval` gives time stamps. */
function tiffSource(path: string, base: Base): SeriesSource {
  const bytes = readBytes(FN, path);
  const page = (i: number) => {
    const [p] = decodeTiff(bytes, path, [i]);
    if (p.samplesPerPixel !== 1) throw ioError(FN, path, `page ${i} has ${p.samplesPerPixel} samples per pixel: a series needs greyscale pages`);
    return { data: toFloat32(p.data as ArrayLike<number>).slice(), width: p.width, height: p.height, what: `page ${i}` };
  };
  const p0 = decodeTiff(bytes, path, [0])[0];
  const desc = p0.description ?? "";
  let times: number[] | undefined;
  let unit: string | undefined;
  const fi = /(?:^|\n)finterval=([^\n]*)/.exec(desc);
  if (desc.startsWith("ImageJ=") && fi && Number(fi[1]) > 0) {
    const dt = Number(fi[1]);
    unit = timeUnit(/(?:^|\n)tunit=([^\n]*)/.exec(desc)?.[1] ?? "s") ?? "s";
    times = Array.from({ length: base.length }, (_, i) => i * dt);
  }
  // Pages of different sizes are found now, from the headers of every page (each decoded once).
  for (let i = 1; i < base.length; i++) {
    const p = decodeTiff(bytes, path, [i])[0];
    if (p.width !== base.width || p.height !== base.height) throw ioError(FN, path, `frames of different sizes: page ${i} is ${p.width}×${p.height}, page 0 is ${base.width}×${base.height}`);
  }
  return { ...base, times, timeUnit: unit, read: page };
}

/** Natural order: "f2" before "f10". */
const natural = new Intl.Collator("en", { numeric: true, sensitivity: "base" }).compare;

/** Formats a folder's files are read from lazily (synchronous decoders). */
const LAZY = new Set(["npy", "tiff", "png"]);

/** One frame of a folder file of a lazy format. */
function decodeFile(path: string, format: string): { data: Float32Array; width: number; height: number } {
  if (format === "npy") {
    const a = readNpy(path, { int64: "bigint" });
    const fr = framesOf(FN, path, a.shape, a.data, `the array (dtype ${a.dtype})`);
    if (fr.dims[0] !== 1) throw ioError(FN, path, `holds ${fr.dims[0]} frames; a folder series takes one 2-D image per file`);
    return { data: frameOf(fr, 0), width: fr.dims[2], height: fr.dims[1] };
  }
  if (format === "png") {
    const p = decodePng(readBytes(FN, path), path);
    return { data: p.data, width: p.width, height: p.height };
  }
  const pages = decodeTiff(readBytes(FN, path), path);
  if (pages.length !== 1) throw ioError(FN, path, `holds ${pages.length} pages; a folder series takes one 2-D image per file`);
  if (pages[0].samplesPerPixel !== 1) throw ioError(FN, path, `has ${pages[0].samplesPerPixel} samples per pixel: a series needs greyscale images`);
  return { data: toFloat32(pages[0].data as ArrayLike<number>).slice(), width: pages[0].width, height: pages[0].height };
}

/** A folder: one frame per file, natural name order; sizes checked now, pixels read per frame. */
async function folderSource(dir: string, options: ReadSeriesOptions): Promise<SeriesSource> {
  const names = readdirSync(dir).filter((n) => !n.startsWith(".") && statSync(join(dir, n)).isFile()).sort(natural);
  if (names.length < 2) throw ioError(FN, dir, `the folder holds ${names.length} file${names.length === 1 ? "" : "s"}; a series needs at least 2 images`);
  const files: { path: string; format: string; held?: Float32Array }[] = [];
  let width = 0, height = 0;
  let calibration: Calibration | undefined;
  const warnings: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const { reader, opened } = await openByContent(FN, path, "image", { hint: "every file of a series folder must be an image" });
    const img = await opened.image!({ unit: options.unit });
    if (files.length === 0) {
      width = img.width;
      height = img.height;
      calibration = img.calibration;
    } else if (img.width !== width || img.height !== height) {
      throw ioError(FN, dir, `frames of different sizes: ${name} is ${img.width}×${img.height}, ${names[0]} is ${width}×${height}`);
    }
    files.push(LAZY.has(reader.name) ? { path, format: reader.name } : { path, format: reader.name, held: img.data });
  }
  const held = files.filter((f) => f.held).length;
  if (held) warnings.push(`${held} frame${held === 1 ? "" : "s"} held in memory: formats other than npy, TIFF and PNG are read when the folder is opened`);
  return {
    length: files.length, width, height, source: dir, calibration, warnings,
    read: (i) => {
      const f = files[i];
      const what = `frame ${i} (${f.path})`;
      return f.held ? { data: f.held.slice(), width, height, what } : { ...decodeFile(f.path, f.format), what };
    },
  };
}

