// Image-series benchmark (`npm run bench -- series`): drift registration and atom linking,
// ours (src/series) against scikit-image 0.26 phase_cross_correlation and trackpy 0.7 link
// (bench/series/ref.py) on the same data, in the same run.
// - registration: F frames of a W² square lattice (a = 12 px, 6 % vacancies, 1000 e⁻/column,
//   Poisson noise) with random drift up to ±4 px; each tool registers frames 1.. against frame 0
//   (upsample factor 100); times and the error against the true drift are printed.
// - linking: N Brownian particles over T frames (steps 1.5 px, 3 % missed per frame), search 4 px,
//   memory 1; times and whether the link sets are identical.
//
//   node bench/series/run.mjs [--size 256] [--frames 10] [--particles 2000] [--steps 50] [--repeats 3]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { referencePython } from "../reference-venv.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const W = opt("--size", 256), F = opt("--frames", 10), N = opt("--particles", 2000), T = opt("--steps", 50), R = opt("--repeats", 3);

const out = path.join(root, "bench", "results", "series-dist");
const entries = ["src/series/index.ts", "src/synth/index.ts"];
const built = path.join(out, "src", "series", "index.js");
const sources = fs.readdirSync(path.join(root, "src", "series")).map((f) => path.join(root, "src", "series", f));
if (!fs.existsSync(built) || args.includes("--rebuild") || sources.some((f) => fs.statSync(f).mtimeMs > fs.statSync(built).mtimeMs)) {
  console.log("compiling src/series, src/synth -> " + out);
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
    "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck",
    "--declaration", "false", "--sourceMap", "false", ...entries.map((e) => path.join(root, e))], { stdio: "inherit" });
  if (r.status !== 0) process.exit(1);
}
const req = createRequire(import.meta.url);
const series = req(built);
const synth = req(path.join(out, "src", "synth", "index.js"));

// ------------------------------------------------------------------ data
const r = synth.rng(1);
const drift = [[0, 0]];
for (let i = 1; i < F; i++) drift.push([r.range(-4, 4), r.range(-4, 4)]);
const frames = drift.map((d, i) => {
  const { image } = synth.square({ width: W, height: W, latticeConstant: 12, vacancies: { fraction: 0.06 }, displacement: d, seed: 7 });
  synth.applyPoisson(image.data, synth.rng(100 + i));
  return image;
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-series-bench-"));
const stack = new Float32Array(F * W * W);
frames.forEach((f, i) => stack.set(f.data, i * W * W));
const npyHeader = (shape) => {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}), }`;
  h += " ".repeat(64 - ((10 + h.length + 1) % 64)) + "\n";
  const b = Buffer.alloc(10 + h.length);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(b);
  b.writeUInt16LE(h.length, 8);
  b.write(h, 10, "latin1");
  return b;
};
fs.writeFileSync(path.join(dir, "frames.npy"), Buffer.concat([npyHeader([F, W, W]), Buffer.from(stack.buffer)]));
const pr = synth.rng(2);
let px = Array.from({ length: N }, () => pr.range(0, Math.sqrt(N) * 7)), py = Array.from({ length: N }, () => pr.range(0, Math.sqrt(N) * 7));
const tracksIn = [];
for (let t = 0; t < T; t++) {
  if (t > 0) { px = px.map((v) => v + pr.normal(0, 1.5)); py = py.map((v) => v + pr.normal(0, 1.5)); }
  const keep = px.map(() => pr.uniform() > 0.03);
  tracksIn.push({ x: px.filter((_, k) => keep[k]), y: py.filter((_, k) => keep[k]) });
}
fs.writeFileSync(path.join(dir, "tracks.json"), JSON.stringify({ frames: tracksIn, searchRange: 4, memory: 1 }));

// ------------------------------------------------------------------ ours
const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const err = (shifts) => Math.max(...shifts.map((s, i) => Math.hypot(s[0] - drift[i][0], s[1] - drift[i][1])));
const time = async (fn) => { const ts = []; let v; for (let i = 0; i < R; i++) { const t0 = performance.now(); v = await fn(); ts.push((performance.now() - t0) / 1000); } return { t: median(ts), v }; };
const s = series.makeSeries(frames);
const oursDefault = await time(() => series.alignSeries(s));
const oursPhase = await time(() => series.alignSeries(s, { normalization: "phase", window: "none" }));
const oursPairs = await time(() => frames.slice(1).map((f) => series.phaseCorrelation(frames[0], f, { normalization: "phase", window: "none" }).shift));
const oursLink = await time(() => series.trackAtoms(tracksIn, { searchRange: 4, memory: 1 }));

// ------------------------------------------------------------------ reference
const pyExe = referencePython(here);
const rr = spawnSync(pyExe, [path.join(here, "ref.py"), path.join(dir, "frames.npy"), path.join(dir, "tracks.json"), String(R)], { encoding: "utf8", maxBuffer: 1 << 28 });
fs.rmSync(dir, { recursive: true, force: true });
if (rr.status !== 0) { console.error(rr.stderr); process.exit(1); }
const ref = JSON.parse(rr.stdout);

// identical links? (consecutive observations of one id)
const links = (labels) => {
  const last = new Map(), outSet = new Set();
  labels.forEach((lab, f) => lab.forEach((id, k) => { const p = last.get(id); if (p !== undefined) outSet.add(`${p}>${f}:${k}`); last.set(id, `${f}:${k}`); }));
  return outSet;
};
const t = oursLink.v, tf = t.numeric("frame"), trow = t.numeric("row"), ttr = t.numeric("track");
const ourLabels = tracksIn.map(() => []);
for (let i = 0; i < tf.length; i++) ourLabels[tf[i]][trow[i]] = ttr[i];
const a = links(ourLabels), b = links(ref.ids);
const same = a.size === b.size && [...a].every((l) => b.has(l));

const f3 = (x) => x.toFixed(3);
console.log(`registration: ${F} frames of ${W}², upsample 100, frames 1..${F - 1} against frame 0, median of ${R}:`);
console.log(`  skimage phase_cross_correlation  ${f3(ref.register)} s   max error ${f3(err(ref.shifts))} px`);
console.log(`  ours phaseCorrelation (same arithmetic, per pair)  ${f3(oursPairs.t)} s   ratio (theirs/ours) ${(ref.register / oursPairs.t).toFixed(2)}   max error ${f3(err([[0, 0], ...oursPairs.v]))} px`);
console.log(`  ours alignSeries {phase, no window}  ${f3(oursPhase.t)} s   max error ${f3(err(oursPhase.v.shifts))} px`);
console.log(`  ours alignSeries (default: cross-correlation, Hann window, refinement)  ${f3(oursDefault.t)} s   ratio (theirs/ours) ${(ref.register / oursDefault.t).toFixed(2)}   max error ${f3(err(oursDefault.v.shifts))} px`);
console.log(`linking: ${N} particles x ${T} frames, search 4 px, memory 1, median of ${R}:`);
console.log(`  trackpy link ${f3(ref.link)} s   ours trackAtoms ${f3(oursLink.t)} s   ratio (theirs/ours) ${(ref.link / oursLink.t).toFixed(2)}   identical links: ${same} (${a.size} ours, ${b.size} trackpy)`);
