/**
 * The reader registry: one list of file formats for 2-D images, 3-D series
 * (stacks) and 4-D datasets, chosen by the file's CONTENT (magic bytes,
 * headers), never by its extension. `readImage`, `readImageStack` and
 * `readDataset4D` all dispatch through it. Modelled on rosettasciio's
 * per-format specifications and imageio's plugin registry.
 *
 * A reader is a plain object:
 * - `name` ("npy"), `description`, `extensions` (informative only: used in
 *   messages, never to choose), `signature` (how `sniff` recognises the file,
 *   in words, for the "unknown format" error); `gives`: which of "image",
 *   "stack", "frames4D" it can return;
 * - `sniff(head, file)`: true when the first bytes (`head`, up to 512) are
 *   this format's; `file.read(offset, length)` reads further (e.g. HDF5's
 *   signature after a user block). Must be cheap and must not throw;
 * - `open(path, { fn, size })`: returns what the file can give, each an
 *   async function: `image(options)` (one 2-D `LoadedImage`), `stack(options)`
 *   (every 2-D image), `frames4D(options)` (the frames of a 4D-STEM dataset:
 *   a `FrameSource`, the stored shape and a calibration; `readDataset4D`
 *   checks shapes and builds the `Dataset4D`). A format gives only what it
 *   holds; asking for anything else is an error naming the file and format.
 *
 * Adding a format (the detector formats .mib, .blo, EMPAD, dm3/dm4, Velox,
 * .ser, .mrc, ...): write `src/io/formats/<name>.ts` exporting one
 * `FormatReader`, and add it to `BUILT_IN` below (one line; order matters
 * only where two signatures overlap: more specific first). Its errors name
 * the file (`ioError(fn, path, reason)`), declared sizes are checked against
 * `size` (the file's length) before anything is allocated, and it gets a
 * case in tests/io/integrity.test.ts. Users add their own at run time with
 * `registerReader(reader)` (tried before the built-in readers).
 */
import { closeSync, fstatSync, readSync, statSync } from "node:fs";
import type { FormatReader, OpenedFile, SniffFile, Want } from "./reader-types";
import { ioError, openFileOrThrow } from "./util";
import { npyReader } from "./formats/npy";
import { tiffReader } from "./formats/tiff";
import { pngReader } from "./formats/png";
import { hdf5Reader } from "./formats/hdf5";
import { rawReader } from "./formats/raw";
import { dmReader } from "./formats/dm";
import { tiaEmiReader, tiaSerReader } from "./formats/tia";
import { mrcReader } from "./formats/mrc";
import { mibHdrReader, mibReader } from "./formats/mib";
import { bloReader } from "./formats/blo";
import { empadReader } from "./formats/empad";
import { SPM_READERS } from "./formats/spm-readers";
import { zarrReader } from "./formats/zarr-reader";
import { deSeqReader } from "./formats/de-seq";

/** The built-in readers, in the order they are tried. */
const BUILT_IN: readonly FormatReader[] = [
  npyReader,
  tiffReader,
  pngReader,
  hdf5Reader,
  dmReader,
  tiaSerReader,
  tiaEmiReader,
  mrcReader,
  mibReader,
  mibHdrReader,
  bloReader,
  empadReader,
  zarrReader,
  deSeqReader,
  ...SPM_READERS,
  rawReader,
];

const USER: FormatReader[] = [];

/**
 * Register a reader (tried before the built-in ones, most recent first).
 * Returns a function that removes it again. Throws when the object lacks
 * `name`, `sniff` or `open`, or when a reader of that name exists.
 *
 * @example
 *   const off = registerReader({ name: "mib", description: "Quantum Detectors MIB",
 *     extensions: [".mib"], signature: 'starts with "HDR,"', gives: ["frames4D"],
 *     sniff: (head) => head[0] === 0x48 && head[1] === 0x44 && head[2] === 0x52,
 *     open: (path, { fn, size }) => ({ frames4D: async (o) => openMib(path, size, o) }) });
 */
export function registerReader(reader: FormatReader): () => void {
  if (!reader || typeof reader.name !== "string" || !reader.name || typeof reader.sniff !== "function" || typeof reader.open !== "function" || !Array.isArray(reader.gives)) {
    throw new TypeError("registerReader(reader): a reader needs a non-empty name, gives (e.g. [\"image\"]), a sniff(head, file) function and an open(path, options) function");
  }
  if (readers().some((r) => r.name === reader.name)) throw new TypeError(`registerReader(reader): a reader named "${reader.name}" is already registered`);
  USER.unshift(reader);
  return () => {
    const i = USER.indexOf(reader);
    if (i >= 0) USER.splice(i, 1);
  };
}

/** The registered readers in the order they are tried (user readers first). */
export function readers(): readonly FormatReader[] {
  return [...USER, ...BUILT_IN];
}

/** The reader called `name`, or undefined. */
export function readerNamed(name: string): FormatReader | undefined {
  return readers().find((r) => r.name === name);
}

/** The first reader whose `sniff` accepts the bytes, or undefined (a throwing sniff counts as no). */
export function sniffReader(head: Uint8Array, file: SniffFile): FormatReader | undefined {
  for (const r of readers()) {
    try {
      if (r.sniff(head, file)) return r;
    } catch {
      /* a broken sniff must not hide the other formats */
    }
  }
  return undefined;
}

export type { FormatReader, OpenedFile, SniffFile, Want, Frames4D, Frames4DOptions } from "./reader-types";

const WANT_WORDS: Record<Want, string> = { image: "a 2-D image", stack: "an image series", frames4D: "a 4-D dataset" };

/**
 * Open `path` with the reader its content calls for (or the one named by
 * `format`; or `fallback` when no reader recognises the content) and check
 * that it can give `want`. Errors name `fn`, the file, and the formats tried.
 */
export async function openByContent(
  fn: string,
  path: string,
  want: Want,
  choice: { format?: string; fallback?: string; hint?: string } = {},
): Promise<{ reader: FormatReader; opened: OpenedFile }> {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (e) {
    throw ioError(fn, path, `cannot open: ${(e as Error).message}`);
  }
  if (isDirectory) return openDirectory(fn, path, want, choice);
  const fd = openFileOrThrow(fn, path);
  let size: number;
  let head: Uint8Array;
  let reader: FormatReader | undefined;
  try {
    size = fstatSync(fd).size;
    const read = (offset: number, length: number): Uint8Array => {
      const n = Math.max(0, Math.min(length, size - offset));
      const b = new Uint8Array(n);
      if (n > 0) readSync(fd, b, 0, n, offset);
      return b;
    };
    head = read(0, 512);
    if (choice.format !== undefined) {
      reader = readerNamed(choice.format);
      if (!reader) throw ioError(fn, path, `unknown format ${JSON.stringify(choice.format)}; registered readers: ${readers().map((r) => r.name).join(", ")}`);
    } else {
      if (size === 0) throw ioError(fn, path, "the file is empty (0 bytes)");
      reader = sniffReader(head, { path, size, read }) ?? (choice.fallback !== undefined ? readerNamed(choice.fallback) : undefined);
    }
  } finally {
    closeSync(fd);
  }
  if (!reader) {
    const first = head.subarray(0, 8);
    const hex = Array.from(first, (x) => x.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(first, (x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : ".")).join("");
    const tried = readers().filter((r) => r.signature).map((r) => `${r.name} (${r.signature})`).join(", ");
    throw ioError(fn, path, `unknown file format: first bytes ${hex} ("${ascii}"); formats tried: ${tried}${choice.hint ? `; ${choice.hint}` : ""}`);
  }
  return openWith(fn, path, want, reader, size, choice.hint);
}

/** Open `path` with `r` and check that it can give `want`; else an error naming the formats that can. */
async function openWith(fn: string, path: string, want: Want, r: FormatReader, size: number, hint: string | undefined): Promise<{ reader: FormatReader; opened: OpenedFile }> {
  const refuse = (): never => {
    const able = readers().filter((x) => x !== r && x.gives.includes(want)).map((x) => x.name);
    throw ioError(fn, path, `the file is ${r.description} (${r.name}), which holds no ${WANT_WORDS[want].replace(/^an? /, "")}${able.length ? `; formats with ${WANT_WORDS[want]}: ${able.join(", ")}` : ""}${hint ? `; ${hint}` : ""}`);
  };
  if (!r.gives.includes(want)) refuse();
  const opened = await r.open(path, { fn, size });
  if (typeof opened[want] !== "function") refuse();
  return { reader: r, opened };
}

/** A directory: the reader of a directory format that recognises it (or is named by `format`), else an error. */
async function openDirectory(fn: string, path: string, want: Want, choice: { format?: string; hint?: string }): Promise<{ reader: FormatReader; opened: OpenedFile }> {
  const formats = readers().filter((r) => r.sniffDirectory);
  const reader = choice.format !== undefined ? readerNamed(choice.format) : formats.find((r) => {
    try {
      return r.sniffDirectory!(path);
    } catch {
      return false;
    }
  });
  if (!reader?.sniffDirectory) {
    throw ioError(fn, path, `is a directory${choice.format !== undefined ? ` and format ${JSON.stringify(choice.format)} does not read directories` : ""}; directory formats: ${formats.map((r) => `${r.name} (${r.signature})`).join(", ")}`);
  }
  return openWith(fn, path, want, reader, 0, choice.hint);
}
