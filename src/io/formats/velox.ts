/**
 * Thermo Fisher Velox `.emd` (HDF5 whose root `Version` dataset is the JSON
 * `{"format": "Velox", ...}`, or "DevelopersKit"): the images under
 * `/Data/Image/<uuid>`, each a `Data` array [rows, columns, frames] and a
 * `Metadata` uint8 array [bytes, frames] holding one JSON document per
 * frame. Read through the one HDF5 layer (src/io/hdf5.ts, `openHdf5`).
 *
 * Layout and naming as rosettasciio's `emd` reader (`_emd_velox.py`) reads
 * them: images in the order of their group names; each frame of an image
 * a page (`readImageStack` gives every frame of every image); the title is
 * the display's `id` (Velox 11+: `/Displays/ImageDisplay/*` → its data
 * reference → `dataPath`), else the `BinaryResult.Detector`, else the
 * uuid. Pixel size from `BinaryResult.PixelSize.width` and `PixelUnitX`:
 * metres are given in nm, 1/metres in 1/nm (rosettasciio picks a prefix by
 * the field of view instead; the values agree). Compound (FFT, DPC:
 * complex) image data is refused, naming the file. Spectra, spectrum
 * images and spectrum streams are not images and are not read here.
 *
 * The HDF5 reader (src/io/formats/hdf5.ts) hands Velox files to
 * `openVelox`, so `readImage` chooses this by content as for any HDF5 file.
 */
import type { OpenedFile } from "../reader-types";
import { openHdf5, type Hdf5Reader } from "../hdf5";
import { ioError, toFloat32 } from "../util";
import { pagedFile, type EmPage } from "./em-pages";

function json(text: unknown): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(String(text).replace(/\0+$/, ""));
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringOf(h: Hdf5Reader, dsPath: string): string | undefined {
  try {
    const d = h.read(dsPath).data;
    return Array.isArray(d) ? String(d[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** A nested field of parsed JSON (`get(o, "BinaryResult", "PixelSize")`). */
function get(o: unknown, ...keys: string[]): unknown {
  let v = o;
  for (const k of keys) v = v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** Metres → nm, 1/metres → 1/nm; other units as they are. */
function toNm(value: number, unit: string): { value: number; unit: string } {
  if (unit === "m") return { value: value * 1e9, unit: "nm" };
  if (unit === "1/m" || unit === "m^-1" || unit === "1 / m") return { value: value / 1e9, unit: "1/nm" };
  return { value, unit };
}

/** Titles of the images (uuid → display id), from Velox 11+ displays or the older Presentation group. */
function titles(h: Hdf5Reader, paths: Set<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of paths) {
    const d = p.match(/^\/Displays\/ImageDisplay\/[^/]+$/) ? json(stringOf(h, p)) : p.match(/^\/Presentation\/Displays\/ImageDisplay\/[^/]+$/) ? json(stringOf(h, p)) : undefined;
    if (!d) continue;
    let dataPath = get(d, "dataPath") as string | undefined;
    let title = get(d, "display", "label") as string | undefined;
    if (typeof d.data === "string") {
      dataPath = get(json(stringOf(h, d.data)), "dataPath") as string | undefined;
      title = typeof d.id === "string" ? d.id : undefined;
    }
    if (typeof dataPath === "string" && typeof title === "string") out.set(dataPath.split("/").pop()!, title);
  }
  return out;
}

function veloxPages(fn: string, path: string, h: Hdf5Reader, version: string): EmPage[] {
  const entries = h.list();
  const paths = new Set(entries.map((e) => e.path));
  const names = titles(h, paths);
  const pages: EmPage[] = [];
  const images = entries.filter((e) => e.kind === "dataset" && /^\/Data\/Image\/[^/]+\/Data$/.test(e.path)).sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const e of images) {
    const uuid = e.path.split("/")[3];
    const shape = e.shape ?? [];
    if (!/^[<>|][iuf]\d$/.test(e.dtype ?? "")) throw ioError(fn, path, `Velox image ${uuid} (${e.path}) has dtype ${e.dtype}: FFT and DPC images are complex (compound) data, which readImage does not read`);
    if (shape.length !== 3 || shape.some((d) => d <= 0)) throw ioError(fn, path, `Velox image ${uuid} (${e.path}) has shape [${shape.join(", ")}]; Velox images are [rows, columns, frames]`);
    const [rows, cols, frames] = shape;
    let md: Record<string, unknown> | undefined;
    const mdPath = `/Data/Image/${uuid}/Metadata`;
    if (paths.has(mdPath)) {
      const m = h.read(mdPath, { slice: [null, [0, 1]] }).data as Uint8Array;
      const end = m.indexOf(0);
      md = json(Buffer.from(m.subarray(0, end < 0 ? m.length : end)).toString("utf8"));
    }
    const warnings: string[] = [];
    if (!md) warnings.push(`Velox image ${uuid}: no readable Metadata JSON; image left uncalibrated`);
    const unitX = String(get(md, "BinaryResult", "PixelUnitX") ?? "");
    const unitY = String(get(md, "BinaryResult", "PixelUnitY") ?? unitX);
    const sx = Number(get(md, "BinaryResult", "PixelSize", "width"));
    const sy = Number(get(md, "BinaryResult", "PixelSize", "height"));
    const x = Number.isFinite(sx) && sx > 0 ? toNm(sx, unitX) : undefined;
    const y = Number.isFinite(sy) && sy > 0 ? toNm(sy, unitY) : undefined;
    if (md && !x) warnings.push(`Velox image ${uuid}: no usable BinaryResult.PixelSize; image left uncalibrated`);
    if (x && y && (Math.abs(x.value - y.value) > 1e-9 * x.value || x.unit !== y.unit)) warnings.push(`pixels are not square (x ${x.value} ${x.unit}, y ${y.value} ${y.unit}); pixelSize is the x scale`);
    const title = names.get(uuid) ?? (get(md, "BinaryResult", "Detector") as string | undefined) ?? uuid;
    for (let f = 0; f < frames; f++) {
      pages.push({
        width: cols, height: rows, pixelSize: x?.value, unit: x?.unit, dtype: e.dtype!, shape: frames > 1 ? [frames, rows, cols] : [rows, cols], warnings,
        metadata: { title, uuid, dataset: e.path, frame: f, veloxVersion: version, metadata: md ?? {} },
        pixels: () => toFloat32(h.read(e.path, { slice: [null, null, [f, f + 1]] }).data as ArrayLike<number>),
      });
    }
  }
  return pages;
}

/**
 * The images of a Velox file as a reader's `image` / `stack`, or undefined
 * when `path` is not a Velox file (no root `Version` JSON naming Velox, or
 * not an HDF5 file HDF5 can open: the HDF5 reader then reports it).
 */
export async function openVelox(fn: string, path: string): Promise<OpenedFile | undefined> {
  let h: Hdf5Reader;
  try {
    h = await openHdf5(path);
  } catch {
    return undefined;
  }
  let version: string | undefined;
  try {
    const v = json(stringOf(h, "/Version"));
    if (v && (v.format === "Velox" || v.format === "DevelopersKit")) version = String(v.version ?? "");
  } finally {
    h.close();
  }
  if (version === undefined) return undefined;
  const v = version;
  const opened = (pages: EmPage[]) => pagedFile(fn, path, "velox", "the Velox file", () => pages);
  return {
    image: (options) => withVelox(path, (h) => opened(veloxPages(fn, path, h, v)).image!(options)),
    stack: (options) => withVelox(path, (h) => opened(veloxPages(fn, path, h, v)).stack!(options)),
  };
}

/** Run `body` with the file open (its pages read from it). */
async function withVelox<T>(path: string, body: (h: Hdf5Reader) => Promise<T>): Promise<T> {
  const h = await openHdf5(path);
  try {
    return await body(h);
  } finally {
    h.close();
  }
}
