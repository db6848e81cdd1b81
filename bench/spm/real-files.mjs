// Real instrument files from AFMReader 0.0.7's PyPI sdist (tests/resources: Bruker sample_0.spm, Asylum
// sample_0.ibw, Gwyddion sample_0.gwy, WSxM .stp/.top), read by ours (readSPM, readImage) and by the
// reference readers in the same run (bench/spm/real-files.py in bench/io/.venv: AFMReader 0.0.7 over
// pySPM 0.6.3 / igor2 0.5.15, and gwyfile 0.3.0): shapes, whole arrays (a flip or transpose shows as the
// transform that matches), values at named indices, units, nm per pixel and scan sizes. Then the
// formats the issues do not list (.asd, .jpk, .h5-jpk, .topostats) must be refused with an error, and
// truncated copies (60 %, header only) must give an error naming the file, never numbers.
//
//   node bench/spm/real-files.mjs [--rebuild]   (rewrites "Real files from other projects" in bench/spm/RESULTS.md)
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { referencePython } from "../reference-venv.mjs";
import { sdist } from "../io/sdist.mjs";
import { loadReaders, orientation, truncatedCopy, writeSection } from "../io/build.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const { dir, sha256 } = await sdist("AFMReader", "0.0.7");
const res = path.join(dir, "tests", "resources");
const { io, spm } = loadReaders(process.argv.includes("--rebuild"));
const py = referencePython(path.join(here, "..", "io"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-spm-real-"));
const t0 = Date.now();
const r = spawnSync(py, [path.join(here, "real-files.py"), tmp, res], { encoding: "utf8", maxBuffer: 1 << 26 });
if (r.status !== 0) throw new Error(`real-files.py failed: ${r.stderr}`);
const refs = JSON.parse(r.stdout);
const tRef = (Date.now() - t0) / 1000;

const lines = [];
const say = (s) => { console.log(s); lines.push(s); };
const cell = (s) => String(s).replace(/\|/g, "/").replace(/\n/g, " ");
const g = (v) => (v === undefined || v === null ? "–" : typeof v === "number" ? Number(v.toPrecision(7)).toString() : v);
const ours = new Map();
const t1 = Date.now();
for (const f of new Set(refs.map((x) => x.file))) ours.set(f, await spm.readSPM(path.join(res, f)));
const tOurs = (Date.now() - t1) / 1000;

/** Why each row that is not identical differs, with the source that says which is right (checked on this run's numbers). */
const NOTES = [
  "Why rows differ, and what was fixed:",
  "",
  "- **sample_0.spm (Bruker NanoScope v9.4, PeakForce QNM, 8 channels)**: every channel equal to pySPM to float32 rounding, same orientation (AFMReader flips pySPM's rows; row 0 = top), same 0.4940029 nm pixels. Fixed in this commit: *Adhesion* was 1/0.006 times pySPM's value and labelled V, because its `\\@Sens. ForceSens: V 0.006000000 V/Arb` sensitivity on an `(… Arb/LSB)` hard scale was ignored (only `unit/V` sensitivities were read); it is now applied (V, k = 1). *DMTModulus* / *LogDMTModulus* keep their hard scales' units Arb / log(Arb) (unitless sensitivity 1.0); pySPM prints V, AFMReader keeps pySPM's numbers, which equal ours. Regression test: tests/spm/real-files-nanoscope.test.ts.",
  "- **sample_0.ibw (Asylum, Igor wave v5, 8 layers)**: values and orientation identical (k = 1e9: AFMReader multiplies every layer by 1e9, the volt channels too). Pixel size: ours 1.565558 nm = the wave's x delta (sfA = 800 nm / 511), which is what Igor and Gwyddion (igorfile.c: xreal = delta × xres) display; AFMReader takes SlowScanSize / 512 = 1.5625 nm. Asylum sets delta = ScanSize / (points − 1) (pixel centres span the scan), so the frame from the first to the last pixel centre is 800 nm and our scan size (delta × points) is 801.57 nm; ours is the file's own calibration. Names: igor2 0.5.15 reads each 32-byte dimension label past its NUL (\"HeightTracee\", which AFMReader's docs call \"not a typo\"); ours stops at the NUL as WaveMetrics' PTN003 defines the label. ZSensor values are ~1 in the file (unit m by Gwyddion's table): stored so, igor2 reads the same.",
  "- **sample_0.gwy (Gwyddion, 8 channels)**: identical to gwyfile 0.3.0 in values, units, orientation and pixel size for every channel; AFMReader multiplies every channel by 1e9 whatever its unit (Pa, N, eV: its convention for heights applied to all).",
  "- **.stp (WSxM, double)**: AFMReader returns the values in file order; WSxM stores the last pixel first, and Gwyddion's wsxmfile.c (r24544, read_data_field: `gwy_data_field_invert(dfield, TRUE, TRUE, FALSE)`) rotates by 180°, as ours does: AFMReader's images are upside down and mirrored. Values equal after that rotation (k = 1).",
  "- **.top (WSxM, int16)**: AFMReader maps the stored min..max onto [0, integer part of Z Amplitude] (its regex `Z Amplitude: (\\d+)` reads 59.7449 nm as 59 and 4.53125 nm as 4) and keeps file order; ours scales by Z Amplitude / (max − min) as Gwyddion's process_metadata does, and rotates by 180°. After the rotation ref = offset + b × ours exactly, with b = 59/59.7449 = 0.98753 and 4/4.53125 = 0.88276, i.e. AFMReader's .top heights are 1.3 % and 12 % low and offset to a zero minimum. Ours equal our .stp of the same scan exactly (both files of each pair, every pixel), AFMReader's .top and .stp differ.",
  "- **Values at named indices** are at the same (row, column) in both arrays, so on rotated rows they show the mirror pixel; the whole-array column is the comparison.",
  "- **Formats not in the issues' lists**: readSPM refuses all five; the JPK HDF5 scan and the TopoStats file are named (fixed in this commit, tests/spm/real-files-hdf5.test.ts), the JPK TIFFs are reported as TIFF, the .asd as an unknown format (not named: it has no magic text we could match without its documentation). readImage is the generic image reader: it opens the JPK TIFF pages as plain TIFF integers (without JPK's scaling, no warning) and the two HDF5 files' first numeric dataset with a warning (\"no known layout\"); that path (src/io/formats/tiff.ts, hdf5.ts) is not in this task's files and is left as reported.",
];

/** ref = ours × k by the reference's own convention: AFMReader returns .ibw and .gwy channels × 1e9 (all of them). */
const EXPECTED_K = { "AFMReader 0.0.7 .ibw": 1e9, "AFMReader 0.0.7 .gwy": 1e9 };

/** `k` rounded to its power of ten where it is one to 1e-6 (AFMReader reports heights in nm: 1e9). */
function snap(k) {
  const p = 10 ** Math.round(Math.log10(Math.abs(k)));
  return Math.abs(k / p - 1) < 1e-6 ? p : k;
}

/** Seeded pixel indices: first, last and three others (xorshift, so every run names the same ones). */
function named(h, w) {
  let s = 2463534242;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  return [[0, 0], [h - 1, w - 1], [0, w - 1], ...Array.from({ length: 3 }, () => [next() % h, next() % w])];
}

say(`Files: AFMReader 0.0.7 sdist from PyPI (sha256 ${sha256.slice(0, 16)}…, verified), tests/resources. References in bench/io/.venv (pins in bench/io/requirements.txt): AFMReader 0.0.7 (over pySPM 0.6.3 for .spm, igor2 0.5.15 for .ibw, its own .gwy/.stp/.top code) and gwyfile 0.3.0 for .gwy.`);
say(`"orientation" is the transform of the reference array that matches ours best (identity = same orientation); "max |Δ|/max|ref|" compares whole arrays after that transform and the unit factor k (ref = ours × k); float32 rounding alone is ≤ 6e-8. Values: ours×k / ref at (row, column) for the first, last, top-right and three seeded pixels.`);
say("");
say("| file | reference | channel: ref / ours | unit: ref / ours | shape | orientation | k | max \\|Δ\\|/max\\|ref\\| | nm/px: ref / ours | scan size ours (nm) | values at named indices |");
say("|---|---|---|---|---|---|---|---|---|---|---|");
let disagreements = 0;
for (const ref of refs) {
  const mine = ours.get(ref.file);
  if (ref.error) { say(`| ${ref.file} | ${ref.reader} | ${cell(ref.channel)} | | | | | reference error: ${cell(ref.error)} | | | |`); continue; }
  const c = ref.index !== undefined ? mine.channels[ref.index] : mine.channels.length === 1 ? mine.channels[0] : mine.channels.find((x) => x.name === ref.channel);
  if (!c) { disagreements++; say(`| ${ref.file} | ${ref.reader} | ${cell(ref.channel)} / **none** | | | | | | | | |`); continue; }
  const want = new Float64Array(fs.readFileSync(path.join(tmp, `${ref.k}.f64`)).buffer.slice(0));
  const [h, w] = ref.shape;
  const img = c.image;
  const shape = img.height === h && img.width === w ? `${h}×${w}` : `**${h}×${w} / ${img.height}×${img.width}**`;
  // AFMReader's load_top maps the stored int16 range onto [0, Z Amplitude's integer part]: compare affinely there.
  const affine = ref.file.endsWith(".top");
  const o = img.height === h && img.width === w ? orientation(img.data, want, h, w, affine ? "affine" : "scale") : { transform: "–", rel: NaN, a: 0, b: 1 };
  const k = affine ? o.b : snap(o.b);
  const scaled = img.data.map((v) => o.a + v * k);
  const kWant = EXPECTED_K[ref.reader.split(" (")[0] + " " + path.extname(ref.file)] ?? 1;
  const vals = named(h, w).map(([y, x]) => `(${y},${x}) ${g(scaled[y * w + x])} / ${g(want[y * w + x])}`).join("; ");
  const px = img.calibration?.pixelSize;
  const pxAgree = ref.px_nm == null || (px !== undefined && Math.abs(px - ref.px_nm) <= 1e-9 * ref.px_nm);
  const kOk = affine || k === kWant;
  const ok = o.transform === "identity" && o.rel < 1e-6 && pxAgree && kOk;
  if (!ok) disagreements++;
  const s = mine.metadata.scanSize;
  say(`| ${ref.file} | ${ref.reader} | ${cell(ref.channel)} / ${cell(c.name)}${c.direction ? ` (${c.direction})` : ""} | ${cell(ref.unit ?? "–")} / ${cell(c.unit)} | ${shape} | ${ok ? o.transform : `**${o.transform}**`} | ${affine ? `${g(k)}, offset ${g(o.a)}` : g(k)}${kOk ? "" : ` **≠ ${g(kWant)}**`} | ${g(o.rel)} | ${g(ref.px_nm)} / ${g(px)}${pxAgree ? "" : " **≠**"} | ${s ? `${g(s.width)} × ${g(s.height)}` : "–"} | ${vals} |`);
}
// readImage(path, { channel }) gives the same pixels and calibration as readSPM's channel.
let readImageChecks = 0;
for (const [f, file] of ours) {
  for (const c of file.channels) {
    const key = c.direction === "backward" && file.channels.some((d) => d.name === c.name && d.direction === "forward") ? `${c.name} backward` : c.name;
    const im = await io.readImage(path.join(res, f), { channel: key });
    if (im.width !== c.image.width || im.data.some((v, i) => !Object.is(v, c.image.data[i])) || im.calibration?.pixelSize !== c.image.calibration?.pixelSize) {
      disagreements++;
      say(`readImage(${f}, { channel: ${JSON.stringify(key)} }) differs from readSPM's channel`);
    }
    readImageChecks++;
  }
}
say("");
say(`readImage(path, { channel }) equals readSPM's channel (pixels bit for bit, pixel size) for all ${readImageChecks} channels of the ${ours.size} files. Time: ours ${tOurs.toFixed(1)} s for the ${ours.size} files, the reference script ${tRef.toFixed(1)} s (both read every channel; load ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs; not a benchmark).`);
say("");
say("Formats the issues do not list (each must be refused with an error naming the format):");
say("");
say("| file | readSPM | readImage |");
say("|---|---|---|");
const errorOf = async (f) => {
  try { await f(); return "**returned data**"; } catch (e) { return `error: ${cell(e.message.replace(res + "/", "").slice(0, 260))}`; }
};
for (const f of ["sample_0.asd", "sample_0.jpk", "sample_0.jpk-qi-image", "sample_0.h5-jpk", "sample_0_1.topostats"]) {
  const p = path.join(res, f);
  const a = await errorOf(() => spm.readSPM(p));
  const b = await errorOf(() => io.readImage(p));
  say(`| ${f} | ${a} | ${b} |`);
}
say("");
say("Truncated copies (each must be an error naming the file; data returned is a failure):");
say("");
say("| file | cut | readSPM |");
say("|---|---|---|");
const headerEnd = (p) => {
  const b = fs.readFileSync(p);
  for (const [marker, extra] of [["\\*File list end", 2], ["[Header end]\r\n", 0]]) {
    const i = b.indexOf(marker, 0, "latin1");
    if (i >= 0) return i + marker.length + extra;
  }
  return b.subarray(0, 2).readInt16LE(0) === 5 ? 384 : 64;
};
for (const f of ours.keys()) {
  const p = path.join(res, f);
  const size = fs.statSync(p).size;
  for (const [tag, n] of [["60%", Math.floor(0.6 * size)], ["header only", headerEnd(p)]]) {
    const cut = truncatedCopy(p, tmp, n, tag.replace(/\W/g, ""));
    const result = await errorOf(() => spm.readSPM(cut));
    if (!result.startsWith("error")) disagreements++;
    say(`| ${f} | ${tag} (${n} B) | ${result.replace(tmp + "/", "")} |`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
say("");
say(`${disagreements} row(s) not identical to the reference (orientation, values to 1e-6 of the range, pixel size) or not refused; each is explained below.`);
say("");
for (const n of NOTES) say(n);
writeSection(path.join(here, "RESULTS.md"), "Real files from other projects (bench/spm/real-files.mjs)", [`Run ${new Date().toISOString().slice(0, 16)} UTC, node ${process.version}.`, "", ...lines]);
