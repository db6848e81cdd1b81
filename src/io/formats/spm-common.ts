/**
 * What the SPM readers share: the reader shape (a registry `FormatReader`
 * that also parses the whole file into an `SPMFile`), channel selection for
 * `readImage(path, { channel })`, and the orientation and unit helpers that
 * implement the convention stated in ./spm-types.ts.
 */
import { readFileSync } from "node:fs";
import type { Image } from "../../image/image";
import type { FormatReader } from "../reader-types";
import type { LoadedImage } from "../image-frames";
import { ioError } from "../util";
import type { ScanDirection, SPMChannel, SPMFile, SPMMetadata } from "./spm-types";

/** A registry reader that can also give the whole file as an `SPMFile` (`readSPM`). */
export interface SPMReader extends FormatReader {
  /** Parse `bytes` (the whole file at `path`); errors name `fn` and the file. */
  parseSPM(fn: string, path: string, bytes: Uint8Array): SPMFile;
  /** Optional: read the file at `path` directly (same result as parseSPM, without holding the file whole in memory). */
  readSPM?(fn: string, path: string): SPMFile;
}

/** The whole SPM file at `path` through `reader`: its direct reader where it has one, else parseSPM on the file's bytes. */
export function parseFile(reader: SPMReader, fn: string, path: string): SPMFile {
  return reader.readSPM ? reader.readSPM(fn, path) : reader.parseSPM(fn, path, readWhole(fn, path));
}

/** True when `r` is one of the SPM readers. */
export function isSPMReader(r: FormatReader): r is SPMReader {
  return typeof (r as SPMReader).parseSPM === "function";
}

/** The whole file, with an error naming `fn` and the file when it cannot be read. */
export function readWhole(fn: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw ioError(fn, path, `cannot read: ${(e as Error).message}`);
  }
}

/**
 * A registry reader from a parser: `readImage` gives one channel (chosen by
 * `options.channel`), `readImageStack` every channel. Spectra-only formats
 * pass `images: false` (the registry then says the file holds no image).
 */
export function spmReader(def: Omit<SPMReader, "open" | "gives"> & { images: boolean }): SPMReader {
  const { images, ...rest } = def;
  const reader: SPMReader = {
    ...rest,
    gives: images ? ["image", "stack"] : [],
    open: (path, { fn }) => {
      const parsed = (): SPMFile => parseFile(reader, fn, path);
      return {
        async image(options) {
          const file = parsed();
          const i = pickChannel(fn, path, file, options.channel);
          return loaded(path, reader.name, file, i);
        },
        async stack() {
          const file = parsed();
          return file.channels.map((_, i) => loaded(path, reader.name, file, i));
        },
      };
    },
  };
  return reader;
}

function loaded(path: string, format: string, file: SPMFile, i: number): LoadedImage {
  const c = file.channels[i];
  return {
    ...c.image,
    source: { path, format, page: i, pageCount: file.channels.length, channel: channelKey(c), dtype: "float32", shape: [c.image.height, c.image.width], warnings: file.metadata.warnings.slice() },
  };
}

/** The key `readImage` accepts for a channel: its name, plus " backward" for a retrace that has a forward twin ("Z backward"). */
function channelKey(c: SPMChannel): string {
  return c.direction === "backward" ? `${c.name} backward` : c.name;
}

/**
 * Index of the channel `wanted` names: the channel's name (the forward scan
 * when both directions exist), or the name followed by " forward" or
 * " backward". Without `wanted`, the only channel; a file with several
 * channels needs one named (the error lists them).
 */
export function pickChannel(fn: string, path: string, file: SPMFile, wanted: string | undefined): number {
  const chans = file.channels;
  if (chans.length === 0) throw ioError(fn, path, `the ${file.metadata.format} file holds no image channel${file.spectra?.length ? ` (it holds ${file.spectra.length} spectra: use readSPM)` : file.grid ? " (it holds grid spectra: use readSPM)" : ""}`);
  const list = (): string => chans.map((c) => JSON.stringify(channelKey(c))).join(", ");
  if (wanted === undefined) {
    if (chans.length === 1) return 0;
    throw ioError(fn, path, `the file holds ${chans.length} channels; pass { channel: name } with one of ${list()} (or use readSPM / readImageStack)`);
  }
  if (typeof wanted !== "string") throw new TypeError(`${fn}(${JSON.stringify(path)}): options.channel must be a channel name (string), got ${typeof wanted}`);
  const m = /^(.*) (forward|backward)$/.exec(wanted);
  const by = (name: string, dir?: ScanDirection): number => chans.findIndex((c) => c.name === name && (dir === undefined || c.direction === dir));
  let i = by(wanted, "forward");
  if (i < 0) i = by(wanted);
  if (i < 0 && m) i = by(m[1], m[2] as ScanDirection);
  if (i < 0) throw ioError(fn, path, `no channel ${JSON.stringify(wanted)}; channels: ${list()}`);
  return i;
}

/** Nanometres per `unit` for a length unit, or undefined when `unit` is no length. */
export function nmPer(unit: string): number | undefined {
  const u = unit.trim();
  const table: Record<string, number> = { m: 1e9, mm: 1e6, um: 1e3, "µm": 1e3, "μm": 1e3, "~m": 1e3, nm: 1, "Å": 0.1, A: 0.1, pm: 1e-3 };
  return table[u];
}

/** Rows in reverse order (for files that store the bottom line first). */
export function flipRows(data: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) out.set(data.subarray((height - 1 - y) * width, (height - y) * width), y * width);
  return out;
}

/** Each row reversed (for backward scans stored in acquisition order, right to left). */
export function mirrorColumns(data: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = data[o + width - 1 - x];
  }
  return out;
}

/**
 * An image calibrated from the frame size in nm: pixelSize = width / columns;
 * a y spacing that differs by more than 1e-6 relative adds a warning.
 */
export function calibrated(data: Float32Array, width: number, height: number, meta: SPMMetadata): Image {
  const img: Image = { data, width, height };
  const s = meta.scanSize;
  if (s && s.width > 0 && Number.isFinite(s.width)) {
    img.calibration = { pixelSize: s.width / width, unit: "nm" };
    const dy = s.height / height;
    const dx = s.width / width;
    const w = `non-square pixels: ${dx} nm along x, ${dy} nm along y; calibration.pixelSize is the x spacing`;
    if (Math.abs(dy - dx) > 1e-6 * dx && !meta.warnings.includes(w)) meta.warnings.push(w);
  }
  return img;
}

/** Latin-1 text of `bytes` (headers are ASCII or Windows-1252; never fails). */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** Index of the ASCII `needle` in `bytes` at or after `from`, or -1. */
export function indexOfAscii(bytes: Uint8Array, needle: string, from = 0): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle, from, "latin1");
}

/** True when `head` starts with the ASCII text `text`. */
export function startsWithAscii(head: Uint8Array, text: string): boolean {
  if (head.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (head[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** A finite number from header text, or an error naming the file and the key. */
export function headerNumber(fn: string, path: string, key: string, text: string | undefined): number {
  const v = text === undefined ? NaN : Number(text.trim());
  if (!Number.isFinite(v)) throw ioError(fn, path, `header key ${JSON.stringify(key)} ${text === undefined ? "is missing" : `is not a number: ${JSON.stringify(text)}`}`);
  return v;
}
