// Atom-finding benchmark: causalscope.findAtoms vs scikit-image
// (peak_local_max + centre of mass) and Atomap (get_atom_positions +
// centre-of-mass + 2-D Gaussian refinement), on the same images in the same
// run. Prints wall time, RMS position error against ground truth (synthetic)
// or against Atomap's curated reference positions (Au nanoparticle), and the
// ratios (their time / our time, our RMS / their RMS).
//
//   node bench/atoms/run.mjs [--size 2048] [--lattice 24] [--dose 5000] [--repeat 7] [--no-atomap] [--no-real] [--no-synth]
// (the Au nanoparticle is also run with PCA denoising on both sides, Atomap's usual setting there)
//
// Synthetic: synth.perovskite (a = 24.3 px, A = 1, B = 0.45 relative intensity, σ = 0.12 a,
// B displaced by (0.8, −0.5) px, off-grid origin,
// Poisson noise at --dose electrons per A column, seed 1). Every tool gets the
// same separation (0.3 × lattice constant, below the A–B distance a/√2), and
// causalscope also gets σ, so no tool estimates the scale. Timing: detection
// and refinement separately, images already in memory (Python: after
// np.load; causalscope: after generation and a JIT warm-up on a small image);
// detection (causalscope findAtoms without refinement, scikit-image
// peak_local_max, Atomap get_atom_positions): median of --repeat (7) calls on
// each side, the first call on the image also printed ("first"); causalscope
// detection + COM / + Gaussian: median of 3 calls; the reference refinements
// (scikit-image COM, Atomap COM + Gaussian: up to minutes) once.
// "detect" is peak finding alone; the COM and Gaussian rows include detection
// and the sublattice split. Matching: mutual nearest
// neighbours within 3 px, columns within 8 px of the border ignored.
// Reference tools: bench/atoms/requirements.txt, in $ATOMS_BENCH_PYTHON or
// bench/atoms/.venv (made on first use by bench/reference-venv.mjs).
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
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const flag = (name) => args.includes(name);
const size = Number(opt("--size", "2048"));
const a = Number(opt("--lattice", "24.3"));
const dose = Number(opt("--dose", "5000"));
const repeat = Number(opt("--repeat", "7"));
const median = (a) => { const s = [...a].sort((x, y) => x - y), k = s.length >> 1; return s.length % 2 ? s[k] : 0.5 * (s[k - 1] + s[k]); };
const dir = path.join(os.tmpdir(), "causalscope-bench-atoms");
fs.mkdirSync(dir, { recursive: true });

// Compile the library (tsc emits even if another capability has a type error).
const out = path.join(dir, "dist");
if (!fs.existsSync(path.join(out, "index.js")) || !flag("--no-rebuild")) {
  console.log("compiling src -> " + out);
  spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "src/tsconfig.json"), "--outDir", out, "--declaration", "false", "--sourceMap", "false"], { stdio: "ignore" });
}
// Resolve the library's dependencies from the repository's node_modules.
const nm = path.join(dir, "node_modules");
if (!fs.existsSync(nm)) fs.symlinkSync(path.join(root, "node_modules"), nm, "dir");
const require = createRequire(import.meta.url);
const cs = require(path.join(out, "index.js"));

const PY = process.env.ATOMS_BENCH_PYTHON || referencePython(path.dirname(fileURLToPath(import.meta.url)));

function reference(tool, npy, separation, extra = []) {
  const outJson = path.join(dir, `${tool}-${path.basename(npy)}.json`);
  const t0 = Date.now();
  const r = spawnSync(PY, [path.join(here, "reference.py"), npy, "--tool", tool, "--separation", String(separation), "--repeat", String(repeat), "--out", outJson, ...extra], { encoding: "utf8", timeout: 3600e3 });
  if (r.status !== 0) { console.log(`  ${tool} failed: ${(r.stderr || "").split("\n").slice(-4).join(" ")}`); return null; }
  const res = JSON.parse(fs.readFileSync(outJson, "utf8"));
  res.process_s = (Date.now() - t0) / 1000;
  return res;
}

function match(fx, fy, tx, ty, tol, box) {
  const keep = (x, y) => !box || (x >= box.border && y >= box.border && x <= box.width - 1 - box.border && y <= box.height - 1 - box.border);
  const F = [], T = [];
  for (let i = 0; i < fx.length; i++) if (keep(fx[i], fy[i])) F.push(i);
  for (let i = 0; i < tx.length; i++) if (keep(tx[i], ty[i])) T.push(i);
  const gF = new cs.PointGrid(F.map((i) => fx[i]), F.map((i) => fy[i]));
  const gT = new cs.PointGrid(tx, ty);
  let tp = 0, se = 0, edge = 0;
  const used = new Set();
  for (const t of T) {
    const r = gF.nearest(tx[t], ty[t], 1, -1, tol);
    if (!r.index.length) continue;
    const f = F[r.index[0]];
    if (gT.nearest(fx[f], fy[f], 1).index[0] !== t || used.has(f)) continue;
    used.add(f); tp++; se += (fx[f] - tx[t]) ** 2 + (fy[f] - ty[t]) ** 2;
  }
  for (const f of F) if (!used.has(f)) { const b = gT.nearest(fx[f], fy[f], 1, -1, tol); if (b.index.length && !keep(tx[b.index[0]], ty[b.index[0]])) edge++; }
  return { tp, fp: F.length - tp - edge, fn: T.length - tp, rms: Math.sqrt(se / Math.max(1, 2 * tp)) };
}

const fmt = (v, d = 3) => (v === undefined || v === null || Number.isNaN(v) ? "—" : Number(v).toFixed(d));
const rows = [];
function report(name, tool, timeDetect, timeTotal, m, n, cpuDetect, cpuTotal, firstDetect) {
  rows.push({ name, tool, timeDetect, timeTotal, cpuDetect, cpuTotal, firstDetect, m, n });
  console.log(`  ${tool.padEnd(31)} n=${String(n).padStart(6)}  detect ${fmt(timeDetect)} s (cpu ${fmt(cpuDetect)}${firstDetect === undefined ? "" : `, first ${fmt(firstDetect)}`})  total ${fmt(timeTotal)} s (cpu ${fmt(cpuTotal)})` + (m ? `  matched ${m.tp}, extra ${m.fp}, missing ${m.fn}, RMS/axis ${fmt(m.rms, 4)} px` : ""));
}

/** findAtoms(image, o) called n times: [last table, median wall s, median cpu s, first call's wall s]. */
function timedFind(image, o, n) {
  const walls = [], cpus = [];
  let v;
  for (let i = 0; i < n; i++) {
    const c = process.cpuUsage(), t = process.hrtime.bigint();
    v = cs.findAtoms(image, o);
    walls.push(Number(process.hrtime.bigint() - t) / 1e9);
    const u = process.cpuUsage(c);
    cpus.push((u.user + u.system) / 1e6);
  }
  return [v, median(walls), median(cpus), walls[0]];
}

let warmed = false;
function ours(name, image, opts, truth, tol, box) {
  if (!warmed) {
    // JIT warm-up on a small image (the Python tools run precompiled C), not timed.
    const w = cs.synth.perovskite({ width: 192, height: 192, dose: 1000, seed: 2 });
    for (const refine of [false, "com", "gaussian"]) cs.findAtoms(w.image, { refine, sublattices: 2 });
    warmed = true;
  }
  // Detection alone (no sublattice split), as peak_local_max: median of `repeat` calls (the first
  // on a new image also pays JIT tiering and GC of the warm-up: printed as "first").
  const [det, tDet, cDet, fDet] = timedFind(image, { ...opts, sublattices: 1, refine: false }, repeat);
  const [com, tCom, cCom] = timedFind(image, { ...opts, refine: "com" }, 3);
  const [gau, tGau, cGau] = timedFind(image, { ...opts, refine: "gaussian" }, 3);
  const mm = (tab) => (truth ? match(tab.numeric("x"), tab.numeric("y"), truth.x, truth.y, tol, box) : null);
  report(name, "causalscope detect", tDet, tDet, mm(det), det.numRows, cDet, cDet, fDet);
  report(name, "causalscope detect+COM", tDet, tCom, mm(com), com.numRows, cDet, cCom);
  report(name, "causalscope detect+Gaussian", tDet, tGau, mm(gau), gau.numRows, cDet, cGau);
  return { tDet, tCom, tGau, cDet, cCom, cGau, com: mm(com), gau: mm(gau) };
}

function refs(name, npy, sep, truth, tol, box, extra = []) {
  const sk = reference("skimage", npy, sep, extra);
  if (sk) report(name, "scikit-image detect+COM", sk.detect_s, sk.detect_s + sk.refine_s, truth ? match(sk.x, sk.y, truth.x, truth.y, tol, box) : null, sk.x.length, sk.detect_cpu_s, sk.detect_cpu_s + sk.refine_cpu_s, sk.detect_first_s);
  let am = null;
  if (!flag("--no-atomap")) {
    am = reference("atomap", npy, sep, extra);
    if (am) report(name, "Atomap detect+COM+Gaussian", am.detect_s, am.detect_s + am.refine_s, truth ? match(am.x, am.y, truth.x, truth.y, tol, box) : null, am.x.length, am.detect_cpu_s, am.detect_cpu_s + am.refine_cpu_s, am.detect_first_s);
  }
  return { sk, am, skM: sk && truth ? match(sk.x, sk.y, truth.x, truth.y, tol, box) : null, amM: am && truth ? match(am.x, am.y, truth.x, truth.y, tol, box) : null };
}

function ratios(name, o, r) {
  const lines = [];
  if (r.sk) lines.push(`scikit-image detection / causalscope detection: wall ${fmt(r.sk.detect_s / o.tDet, 2)}×, cpu ${fmt(r.sk.detect_cpu_s / o.cDet, 2)}×; detect+COM: wall ${fmt((r.sk.detect_s + r.sk.refine_s) / o.tCom, 2)}×, cpu ${fmt((r.sk.detect_cpu_s + r.sk.refine_cpu_s) / o.cCom, 2)}×`);
  if (r.am) lines.push(`Atomap total / causalscope (Gaussian) total: wall ${fmt((r.am.detect_s + r.am.refine_s) / o.tGau, 1)}×, cpu ${fmt((r.am.detect_cpu_s + r.am.refine_cpu_s) / o.cGau, 1)}×`);
  if (r.amM && o.gau) lines.push(`RMS causalscope Gaussian / Atomap Gaussian = ${fmt(o.gau.rms / r.amM.rms, 3)} (< 1: more accurate)`);
  if (r.skM && o.com) lines.push(`RMS causalscope COM / scikit-image COM = ${fmt(o.com.rms / r.skM.rms, 3)}`);
  console.log(`  ratios (${name}):\n    ` + lines.join("\n    "));
}

// Real images first (a fresh heap, as a user analysing one image), then the large synthetic one.
if (!flag("--no-real")) {
  const data = path.join(root, "..", "shared", "data", "stem");
  const real = [
    { file: "au_np_atom_lattice.hdf5", sep: 10, ref: "_sublattice/atom_positions" },
    { file: "sto_adf_atomap.hdf5", sep: 8 },
    { file: "sto_haadf_team05.emd", sep: 9 },
  ];
  for (const f of real) {
    const p = path.join(data, f.file);
    if (!fs.existsSync(p)) { console.log(`\n*** SKIPPING ${p}: absent ***`); continue; }
    const img = await cs.readImage(p);
    const rnpy = path.join(dir, f.file + ".npy");
    cs.writeNpy(rnpy, img.data, [img.height, img.width]);
    let truth = null;
    if (f.ref) {
      const d = (await cs.readHdf5Dataset(p, f.ref)).data;
      truth = { x: Array.from({ length: d.length / 2 }, (_, i) => d[2 * i]), y: Array.from({ length: d.length / 2 }, (_, i) => d[2 * i + 1]) };
    }
    console.log(`\n== atoms: ${f.file} (${img.width}×${img.height}), separation ${f.sep} px for the reference tools; causalscope estimates its own scale (autocorrelation FFT) unless "scale given"; detection: median of ${repeat} calls${truth ? "; RMS vs Atomap's curated reference, 6-px match" : ""}`);
    const oo = ours(f.file, img, { sublattices: f.ref ? 1 : 2 }, truth, 6, null);
    // Detection with the scale given as to the reference tools (minDistance = separation, σ = 0.3 × separation):
    // no autocorrelation scale estimate, the like-for-like comparison with peak_local_max.
    const given = { minDistance: f.sep, sigma: 0.3 * f.sep, sublattices: 1, refine: false };
    const [g, tg, cg, fg] = timedFind(img, given, repeat);
    report(f.file, "causalscope detect, scale given", tg, tg, truth ? match(g.numeric("x"), g.numeric("y"), truth.x, truth.y, 6, null) : null, g.numRows, cg, cg, fg);
    const rr = refs(f.file, rnpy, f.sep, truth, 6, null);
    ratios(f.file, oo, rr);
    if (rr.sk) console.log(`    scikit-image detection / causalscope detection with the scale given: wall ${fmt(rr.sk.detect_s / tg, 2)}×, cpu ${fmt(rr.sk.detect_cpu_s / cg, 2)}×`);
    if (truth) {
      // Atomap-style on both sides: rank-22 PCA denoising, unsmoothed peaks `separation` apart.
      console.log(`  -- with PCA denoising (rank 22) on both sides; causalscope { components: 22, smoothing: 0, minDistance: ${f.sep}, thresholdRel: 0.3 }, Atomap get_atom_positions(pca=True):`);
      const op = ours(f.file + " pca", img, { components: 22, smoothing: 0, minDistance: f.sep, thresholdRel: 0.3, sublattices: 1 }, truth, 6, null);
      const ap = flag("--no-atomap") ? null : reference("atomap", rnpy, f.sep, ["--pca"]);
      if (ap) {
        const apM = match(ap.x, ap.y, truth.x, truth.y, 6, null);
        report(f.file + " pca", "Atomap pca+COM+Gaussian", ap.detect_s, ap.detect_s + ap.refine_s, apM, ap.x.length, ap.detect_cpu_s, ap.detect_cpu_s + ap.refine_cpu_s, ap.detect_first_s);
        console.log(`  ratios (${f.file}, PCA):\n    Atomap total / causalscope (Gaussian) total: wall ${fmt((ap.detect_s + ap.refine_s) / op.tGau, 1)}×, cpu ${fmt((ap.detect_cpu_s + ap.refine_cpu_s) / op.cGau, 1)}×\n    Atomap detection (PCA + peaks) / causalscope detection (PCA + peaks): wall ${fmt(ap.detect_s / op.tDet, 2)}×`);
      }
    }
  }
}

if (!flag("--no-synth")) {
  console.log(`\n== atoms: synthetic perovskite ${size}×${size}, a = ${a} px, dose ${dose} e/column (python: ${PY}); detection: median of ${repeat} calls`);
  const s = cs.synth.perovskite({ width: size, height: size, latticeConstant: a, dose, polarization: [0.8, -0.5], origin: [11.37, 12.71], seed: 1 });
  const npy = path.join(dir, `perovskite-${size}.npy`);
  cs.writeNpy(npy, s.image.data, [size, size]);
  const sep = Math.max(1, Math.floor(0.3 * a));
  const box = { width: size, height: size, border: 8 };
  console.log(`  ${s.atoms.x.length} true columns; separation ${sep} px; σ = ${s.sigma.toFixed(2)} px; CRB(A) = ${fmt(cs.cramerRaoBound({ sigma: s.sigma, counts: dose, background: s.background, radius: 0.35 * a }), 4)} px, CRB(B) = ${fmt(cs.cramerRaoBound({ sigma: s.sigma, counts: 0.45 * dose, background: s.background, radius: 0.35 * a }), 4)} px`);
  const o = ours("synthetic", s.image, { minDistance: sep, sigma: s.sigma, sublattices: 2 }, s.atoms, 3, box);
  const r = refs("synthetic", npy, sep, s.atoms, 3, box);
  ratios("synthetic", o, r);
}

fs.writeFileSync(path.join(dir, "results.json"), JSON.stringify(rows, null, 1));
