/**
 * The image-series type: frames × height × width with optional time stamps
 * and one calibration, read frame by frame. A series never holds more than
 * its source holds: frames come from a `read(i)` callback (a file read at an
 * offset, a decoded page, or an array in memory), so a movie larger than
 * memory is streamed. Every frame is checked when read: its size must be
 * the series' size and its pixels finite (a NaN or ±Inf pixel throws,
 * naming the frame and the source).
 *
 * Conventions as everywhere (src/image/image.ts): row-major float32,
 * x = column, y = row, pixels unless `calibration` is attached.
 */
import type { Calibration, Image } from "../image/image";
import { imageBundle } from "../display/image-display";
import type { MimeBundle } from "../display/mime";

/** A series of 2-D frames of one size (see the module comment). */
export interface Series {
  /** Number of frames (at least 2). */
  readonly length: number;
  /** Frame width and height, pixels (the same for every frame). */
  readonly width: number;
  readonly height: number;
  /** Pixel size shared by the frames, when the source states one. */
  readonly calibration?: Calibration;
  /** Time of each frame (strictly increasing), in `timeUnit`, when the source gives them. */
  readonly times?: Float64Array;
  /** Unit of `times`, e.g. "s". */
  readonly timeUnit?: string;
  /** Where the frames come from (a path or "memory"), used in every error. */
  readonly source: string;
  /** Things the user should know (frames held in memory, calibration caveats). */
  readonly warnings: readonly string[];
  /**
   * Frame `i` (0 ≤ i < length) as an `Image` owning its pixels. Reads the
   * frame from the source on every call (no cache): O(width·height) plus the
   * source's read. Throws, naming the source and the frame, for an index out
   * of range, a frame of another size or a non-finite pixel.
   */
  frame(i: number): Image;
  /** Release the source (open files); later `frame` calls throw. */
  close(): void;
  /** The frames in order, one at a time. */
  [Symbol.iterator](): Iterator<Image>;
  /** Kernel display: a summary line and frame 0 as a picture. */
  toMimeBundle(): MimeBundle;
}

/** What a series is made from: its size, how to read frame i, and what the source states. */
export interface SeriesSource {
  length: number;
  width: number;
  height: number;
  /** Pixels of frame i (width·height values, or a frame of another size, which `frame` refuses). */
  read(i: number): { data: Float32Array; width: number; height: number; what?: string };
  source: string;
  calibration?: Calibration;
  times?: ArrayLike<number>;
  timeUnit?: string;
  warnings?: string[];
  close?(): void;
}

/** `fn(source): reason` as an Error. */
export function seriesError(fn: string, source: string, reason: string): Error {
  return new Error(`${fn}(${JSON.stringify(source)}): ${reason}`);
}

/**
 * Check time stamps: one per frame, finite and strictly increasing.
 * Returns them as a Float64Array. `fn` and `source` name the caller in errors.
 */
export function checkTimes(fn: string, source: string, times: ArrayLike<number>, length: number): Float64Array {
  if (times.length !== length) throw seriesError(fn, source, `${times.length} time stamps for ${length} frames; need one per frame`);
  const t = Float64Array.from(times);
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(t[i])) throw seriesError(fn, source, `time stamp of frame ${i} is ${t[i]}; time stamps must be finite`);
    if (i > 0 && !(t[i] > t[i - 1])) {
      throw seriesError(fn, source, `the series is not time-ordered: frame ${i} is at ${t[i]}, frame ${i - 1} at ${t[i - 1]} (time stamps must increase strictly)`);
    }
  }
  return t;
}

/** Index of the first non-finite value of `data`, or -1. */
function firstNonFinite(data: Float32Array): number {
  for (let k = 0; k < data.length; k++) if (!Number.isFinite(data[k])) return k;
  return -1;
}

class ImageSeries implements Series {
  readonly length: number;
  readonly width: number;
  readonly height: number;
  readonly calibration?: Calibration;
  readonly times?: Float64Array;
  readonly timeUnit?: string;
  readonly source: string;
  readonly warnings: readonly string[];
  #src: SeriesSource | undefined;

  constructor(fn: string, src: SeriesSource) {
    const { length, width, height, source } = src;
    if (!Number.isInteger(length) || length < 2) {
      throw seriesError(fn, source, `holds ${length} frame${length === 1 ? "" : "s"}; a series needs at least 2 frames (read a single image with readImage)`);
    }
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) throw seriesError(fn, source, `frames are ${width}×${height}: zero-size frames`);
    this.length = length;
    this.width = width;
    this.height = height;
    this.source = source;
    if (src.calibration) this.calibration = { ...src.calibration };
    if (src.times) {
      this.times = checkTimes(fn, source, src.times, length);
      this.timeUnit = src.timeUnit ?? "";
    }
    this.warnings = (src.warnings ?? []).slice();
    this.#src = src;
  }

  frame(i: number): Image {
    const fn = "Series.frame";
    const src = this.#src;
    if (!src) throw seriesError(fn, this.source, "the series has been closed");
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw seriesError(fn, this.source, `frame ${i} does not exist: the series holds ${this.length} frames (0..${this.length - 1})`);
    const f = src.read(i);
    const what = f.what ?? `frame ${i}`;
    if (f.width !== this.width || f.height !== this.height) {
      throw seriesError(fn, this.source, `frames of different sizes: ${what} is ${f.width}×${f.height}, the series is ${this.width}×${this.height}`);
    }
    const bad = firstNonFinite(f.data);
    if (bad >= 0) {
      throw seriesError(fn, this.source, `${what} has a non-finite pixel (${f.data[bad]} at x = ${bad % this.width}, y = ${Math.floor(bad / this.width)}); replace NaN/Inf pixels before building a series`);
    }
    return this.calibration ? { data: f.data, width: this.width, height: this.height, calibration: { ...this.calibration } } : { data: f.data, width: this.width, height: this.height };
  }

  close(): void {
    const src = this.#src;
    this.#src = undefined;
    src?.close?.();
  }

  *[Symbol.iterator](): Iterator<Image> {
    for (let i = 0; i < this.length; i++) yield this.frame(i);
  }

  toString(): string {
    const t = this.times ? `, t ${this.times[0]}..${this.times[this.length - 1]} ${this.timeUnit}` : "";
    const c = this.calibration ? `, ${this.calibration.pixelSize} ${this.calibration.unit}/px` : "";
    return `Series: ${this.length} frames of ${this.width}×${this.height}${c}${t} (${this.source})`;
  }

  toMimeBundle(): MimeBundle {
    return { ...imageBundle(this.frame(0)), "text/plain": `${this.toString()}; frame 0 shown` };
  }
}

/** Build a `Series` from a source (readers and `alignSeries` use this; users call `makeSeries`). */
export function seriesOf(fn: string, src: SeriesSource): Series {
  return new ImageSeries(fn, src);
}

/** Options of {@link makeSeries}. */
export interface MakeSeriesOptions {
  /** Time of each frame (strictly increasing), in `timeUnit`. */
  times?: ArrayLike<number>;
  /** Unit of `times` (default "s" when times are given). */
  timeUnit?: string;
  /** Calibration for every frame (default: frame 0's, if it has one). */
  calibration?: Calibration;
}

/**
 * A series from images in memory (e.g. synthetic frames, or frames computed
 * from another series). The images are used as given, not copied; each
 * `frame(i)` returns a copy of frame i's pixels. Checks at once what a file
 * reader checks: at least 2 frames, one size, finite pixels, strictly
 * increasing times. Cost: one pass over the pixels.
 *
 * @example
 *   const s = makeSeries(frames, { times: frames.map((_, i) => 0.5 * i), timeUnit: "s" });
 */
export function makeSeries(frames: readonly Image[], options: MakeSeriesOptions = {}): Series {
  const fn = "makeSeries";
  if (!Array.isArray(frames)) throw new TypeError(`${fn}: frames must be an array of images, got ${typeof frames}`);
  const f0 = frames[0];
  const s = seriesOf(fn, {
    length: frames.length, width: f0?.width ?? 0, height: f0?.height ?? 0, source: "memory",
    calibration: options.calibration ?? f0?.calibration, times: options.times, timeUnit: options.timeUnit ?? (options.times ? "s" : undefined),
    read: (i) => ({ data: Float32Array.from(frames[i].data), width: frames[i].width, height: frames[i].height }),
  });
  for (let i = 0; i < s.length; i++) {
    const fr = frames[i];
    if (!fr || !(fr.data instanceof Float32Array) || fr.data.length !== fr.width * fr.height) throw new TypeError(`${fn}: frames[${i}] is not an Image (data Float32Array of width·height pixels)`);
    s.frame(i);
  }
  return s;
}
