/**
 * EMPAD (Electron Microscope Pixel Array Detector) acquisitions: an `.xml`
 * file naming a `.raw` file beside it (`<raw_file filename="...">`), which
 * holds 128 × 130 float32 little-endian frames whose last 2 rows are a
 * footer. The scan shape is `<pix_x>`/`<pix_y>`, or the raw file's name
 * `scan_x<cols>_y<rows>.raw`; `<series_count>` makes it a series of frames
 * (3-D: pass `scanShape`). Calibrations as rosettasciio's `rsciio.empad`:
 * scan step from `get_full_scan_field_of_view` (metres, [y, x] extents; set
 * only when both directions agree) or `full_scan_field_of_view.x` /
 * `scale_factor` over the longer scan side; detector pixel from
 * `calibrated_pixelsize` (1/m) in 1/nm. Frames are read as stored (no flip),
 * as rosettasciio reads them. `readDataset4D` opens the `.xml` file.
 */
import * as fs from "node:fs";
import { dirname, join } from "node:path";
import { ChunkSource, type Calibration4D } from "../frames4d";
import { parseDType } from "../dtype";
import type { FormatReader } from "../reader-types";
import { ioError } from "../util";

const SIZE = 128, RAW_ROWS = 130;

const ascii = (b: Uint8Array): string => Array.from(b, (x) => String.fromCharCode(x)).join("");

/** The text of element `tag` (first occurrence, no children), or undefined. */
function element(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`).exec(xml);
  return m ? m[1].trim() : undefined;
}

/** The scan step (nm) from the XML's field of view, when it gives one step for both directions. */
function scanStep(xml: string, rows: number, cols: number): number | undefined {
  const fov = element(xml, "get_full_scan_field_of_view");
  if (fov !== undefined) {
    const v = fov.replace(/[[\]()]/g, "").split(",").map(Number);
    if (v.length !== 2 || !v.every(Number.isFinite)) return undefined;
    const y = v[0] / rows, x = v[1] / cols;
    return Math.abs(x - y) <= 1e-9 * Math.abs(x) ? x * 1e9 : undefined;
  }
  const block = /<full_scan_field_of_view[\s>][\s\S]*?<\/full_scan_field_of_view>/.exec(xml)?.[0];
  const x = block ? Number(element(block, "x")) : NaN, f = block ? Number(element(block, "scale_factor")) : NaN;
  return Number.isFinite(x) && Number.isFinite(f) && f > 0 ? (x / f / Math.max(rows, cols)) * 1e9 : undefined;
}

export const empadReader: FormatReader = {
  name: "empad",
  description: "an EMPAD .xml file (with its .raw frames)",
  extensions: [".xml"],
  signature: 'XML with <root> and <raw_file filename="...">',
  gives: ["frames4D"],
  sniff: (head, file) => {
    const start = ascii(head.subarray(0, 64)).trimStart();
    if (!start.startsWith("<?xml") && !start.startsWith("<root")) return false;
    const text = ascii(file.read(0, Math.min(file.size, 1 << 16)));
    return /<root[\s>]/.test(text) && /<raw_file\s[^>]*filename=/.test(text);
  },
  open: (path, { fn }) => ({
    async frames4D(options) {
      const xml = fs.readFileSync(path, "latin1");
      const rawName = /<raw_file\s[^>]*filename="([^"]+)"/.exec(xml)?.[1];
      if (!rawName) throw ioError(fn, path, 'no <raw_file filename="..."> element');
      const series = element(xml, "series_count");
      let shape: number[];
      const px = element(xml, "pix_x"), py = element(xml, "pix_y");
      const byName = /^scan_x(\d+)_y(\d+)\./.exec(rawName);
      if (series !== undefined) shape = [Number(series)];
      else if (px !== undefined && py !== undefined) shape = [Number(py), Number(px)];
      else if (byName) shape = [Number(byName[2]), Number(byName[1])];
      else throw ioError(fn, path, `the scan shape is in neither <pix_x>/<pix_y>, <series_count> nor the raw file's name (${rawName}); pass options.scanShape`);
      if (!shape.every((n) => Number.isSafeInteger(n) && n > 0)) throw ioError(fn, path, `corrupt scan shape ${JSON.stringify(shape)}`);
      const raw = join(dirname(path), rawName);
      let size: number;
      try {
        size = fs.statSync(raw).size;
      } catch (e) {
        throw ioError(fn, path, `the raw file it names, ${raw}, cannot be read: ${(e as Error).message}`);
      }
      const frames = shape.reduce((a, b) => a * b, 1);
      const stride = SIZE * RAW_ROWS * 4;
      if (size !== frames * stride) throw ioError(fn, path, `${raw} has ${size} bytes, ${frames} frames of ${SIZE} × ${RAW_ROWS} float32 need ${frames * stride}${size < frames * stride ? " (truncated)" : ""}`);
      const dtype = parseDType("<f4");
      const spec = { type: "file" as const, path: raw, offset: 0, stride, frameHeader: 0, frameSize: SIZE * SIZE, kind: dtype.kind, size: 4, littleEndian: true };
      const calibration: Calibration4D = {};
      if (series === undefined) {
        const step = scanStep(xml, shape[0], shape[1]);
        if (step !== undefined) Object.assign(calibration, { scanStep: step, scanUnit: "nm" });
      }
      const q = Number(element(xml, "calibrated_pixelsize"));
      if (Number.isFinite(q) && q > 0) Object.assign(calibration, { detPixelSize: q * 1e9, detUnit: "1/nm" });
      const out = options.scanShape || shape.length === 1 ? [frames, SIZE, SIZE] : [shape[0], shape[1], SIZE, SIZE];
      return { source: new ChunkSource(spec, dtype, `file ${raw} (EMPAD, float32)`, true), shape: out, calibration, what: `the ${frames} EMPAD frames of ${raw}` };
    },
  }),
};
