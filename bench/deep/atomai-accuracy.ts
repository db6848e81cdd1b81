/**
 * Accuracy and time against AtomAI, like for like in one run (run by bench/deep/atomai-accuracy.mjs, which makes
 * bench/deep/.venv and passes its python in CAUSALSCOPE_REF_PYTHON):
 *  1. Training data: the synthetic pairs the shipped ensemble's member 0 was trained on, regenerated exactly as
 *     `trainAtomModel` draws them (seed, epochs × steps × batch, patch, spacing and lattices read from the shipped
 *     model.json; `trainingSample` of src/atoms/deep/data.ts), exported to .npy. AtomAI's trainer needs integer
 *     masks, so the target (Gaussians of σ = 0.15 spacing, peak 1) becomes the mask target ≥ e⁻² (disks of radius
 *     0.3 spacing); its predictor rescales each image to [0, 1] (min, range), so the exported inputs are rescaled so
 *     too. AtomAI's trainer also evaluates one test batch per cycle: 80 held-out pairs of another seed (seed + 1000).
 *     AtomAI models (atomai_accuracy.py train): Segmentor "Unet" at AtomAI's default size (16 filters, layers
 *     [1, 2, 2, 3], no dilation: 594 033 parameters) and at the size of our "tiny" (4, [1, 1, 1, 2]: 22 413), each
 *     trained for one pass over the pairs (cycles = images / batch, the same mini-batches as member 0's 300 steps).
 *     `--full` adds AtomAI's default size trained on every member's pairs (as many images as the whole ensemble saw).
 *     Trained weights are cached under bench/results/deep/atomai/ by a hash of the exported data and settings.
 *  2. Held-out synthetic images with ground truth (192², every lattice at the geometry of
 *     tests/atoms/deep/find.test.ts, random rotation, doses 10², 10³, 10⁵ e⁻/column, seeds 101–102) and the real
 *     images of ../shared/data/stem. Ours: `findAtoms(image, { method: "deep" })` (shipped ensemble, defaults) and
 *     its member 0 alone (`findAtomsDeep(image, { model: member0 })`). AtomAI: the image resampled to the working
 *     spacing with the spacing our finder estimated and `prepare`d exactly as our input (the preprocessing its
 *     training pairs had), then its own `predict` (Locator: threshold 0.5, centres of mass of blobs), with and
 *     without `refine=True` (2-D Gaussian fits), positions mapped back to the input pixels. Scored by one function
 *     (`matchAtoms`: F1 at 0.3 true nearest-neighbour spacing, RMS error; border max(6, 5 working px + 1) excluded
 *     because AtomAI's Locator drops columns within 5 px of the edge). Au: matched / extra of Atomap's 141 columns
 *     within 6 px; SrTiO3 ADF and Si [110]: recall / precision against the classical finder's columns (`sublattices: 2`).
 *  3. Inference time end to end on a square lattice at the working spacing (256², 1024², dose 10³): ours
 *     `findAtomsDeep` (spacing estimate, resampling, `prepare`, 3-member ensemble, peaks, centre-of-mass refinement,
 *     uncertainty) against AtomAI's `predict` (normalisation, U-Net, Locator) on the prepared image; rounds alternate.
 * Arguments: --reps 3 --rounds 2 --seeds 2 --full --retrain --no-real --no-time --time-only, --cycles N (a shorter training, for trying the script),
 * --models DIR (an ensemble saved as DIR/<k>/ instead of the shipped one), --train-only (stop after training AtomAI). Writes bench/results/deep/atomai-accuracy.md.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AtomModel } from "../../src/atoms/deep";
import type { MatchResult } from "../../src/atoms/score";
import type { Image } from "../../src/image/image";

// The library under test: CAUSALSCOPE_SRC (atomai-accuracy.mjs sets it to the committed src/ at HEAD, extracted with
// git archive, so that others' uncommitted work in the shared checkout is not measured), else this checkout's src/.
const SRC = process.env.CAUSALSCOPE_SRC ?? path.join(__dirname, "..", "..", "src");
const { findAtomsDeep, pretrainedAtomModel, loadAtomModel } = require(path.join(SRC, "atoms", "deep")) as typeof import("../../src/atoms/deep");
const { findAtoms } = require(path.join(SRC, "atoms")) as typeof import("../../src/atoms");
const { initBackend } = require(path.join(SRC, "backend")) as typeof import("../../src/backend");
const { matchAtoms } = require(path.join(SRC, "atoms", "score")) as typeof import("../../src/atoms/score");
const { trainingSample, resample, prepare } = require(path.join(SRC, "atoms", "deep", "data")) as typeof import("../../src/atoms/deep/data");
const { encodeNpy, readImage, readHdf5Dataset } = require(path.join(SRC, "io")) as typeof import("../../src/io");
const { rng } = require(path.join(SRC, "core", "random")) as typeof import("../../src/core/random");
const synth = require(path.join(SRC, "synth")) as typeof import("../../src/synth");
type LatticeOptions = import("../../src/synth").LatticeOptions;
type SyntheticLattice = import("../../src/synth").SyntheticLattice;

const root = path.join(__dirname, "..", "..");
const work = path.join(root, "bench", "results", "deep", "atomai");
const python = process.env.CAUSALSCOPE_REF_PYTHON ?? path.join(__dirname, ".venv", "bin", "python");
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const reps = Number(opt("--reps", "3")), rounds = Number(opt("--rounds", "2")), seeds = Number(opt("--seeds", "2"));
const lines: string[] = [];
const say = (s = "") => { console.log(s); lines.push(s); };
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(" ");

function py(...rest: Array<string | number>): any {
  const r = spawnSync(python, [path.join(__dirname, "atomai_accuracy.py"), ...rest.map(String)], { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, OMP_WAIT_POLICY: "PASSIVE", OMP_NUM_THREADS: "2" } });
  if (r.status !== 0) throw new Error(`atomai_accuracy.py ${rest[0]} failed (${r.status}):\n${(r.stderr || "").slice(-3000)}\n${(r.stdout || "").slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}
const writeNpy = (file: string, data: ArrayLike<number>, shape: number[]) => fs.writeFileSync(file, encodeNpy(data as Float32Array, shape));

// ---------------------------------------------------------------- 1. training pairs

/** The pairs `trainAtomModel` drew for `model` (same seed and draw order), as AtomAI inputs in [0, 1] and binary masks. */
function exportPairs(models: AtomModel[], dir: string, testSeed: number, nTest: number): { images: number; hash: string } {
  const info = models[0].info, t = info.training, P = info.patch, px = P * P;
  const n = models.length * t.epochs * t.stepsPerEpoch * t.batchSize;
  const xs = new Float32Array(n * px), ys = new Uint8Array(n * px);
  const toAtomAI = (k: number, image: Float32Array, target: Float32Array) => {
    let lo = Infinity, hi = -Infinity;
    for (const v of image) { if (v < lo) lo = v; if (v > hi) hi = v; }
    for (let i = 0; i < px; i++) { xs[k * px + i] = hi > lo ? (image[i] - lo) / (hi - lo) : 0; ys[k * px + i] = target[i] >= Math.exp(-2) ? 1 : 0; }
  };
  let k = 0;
  for (const m of models) {
    const tr = m.info.training, r = rng(tr.seed);
    for (let s = 0; s < tr.epochs * tr.stepsPerEpoch * tr.batchSize; s++) {
      const smp = trainingSample(tr.lattices[r.int(tr.lattices.length)], P, m.info.spacing, r);
      toAtomAI(k++, smp.image, smp.target);
    }
  }
  writeNpy(path.join(dir, "train_x.npy"), xs, [n, P, P]);
  writeNpy(path.join(dir, "train_y.npy"), ys, [n, P, P]);
  const tx = new Float32Array(nTest * px), ty = new Uint8Array(nTest * px), rt = rng(testSeed);
  for (let j = 0; j < nTest; j++) {
    const smp = trainingSample(t.lattices[rt.int(t.lattices.length)], P, info.spacing, rt);
    let lo = Infinity, hi = -Infinity;
    for (const v of smp.image) { if (v < lo) lo = v; if (v > hi) hi = v; }
    for (let i = 0; i < px; i++) { tx[j * px + i] = (smp.image[i] - lo) / (hi - lo); ty[j * px + i] = smp.target[i] >= Math.exp(-2) ? 1 : 0; }
  }
  writeNpy(path.join(dir, "test_x.npy"), tx, [nTest, P, P]);
  writeNpy(path.join(dir, "test_y.npy"), ty, [nTest, P, P]);
  const hash = createHash("sha256").update(Buffer.from(xs.buffer)).update(Buffer.from(ys.buffer)).update(Buffer.from(tx.buffer)).digest("hex").slice(0, 12);
  return { images: n, hash };
}

interface Variant { name: string; filters: number; layers: string; members: number }

// ---------------------------------------------------------------- 2. evaluation images

interface Case { name: string; lattice: string; dose: number; image: Image; x: ArrayLike<number>; y: ArrayLike<number>; nn: number }
const S = 192;
const GEOMETRY: Record<string, { nn: number; make: (o: LatticeOptions) => SyntheticLattice }> = {
  square: { nn: 12, make: (o) => synth.square({ ...o, latticeConstant: 12 }) },
  perovskite: { nn: 16 / Math.SQRT2, make: (o) => synth.perovskite({ ...o, latticeConstant: 16 }) },
  honeycomb: { nn: 14 / Math.sqrt(3), make: (o) => synth.hexagonal({ ...o, latticeConstant: 14 }) },
  triangular: { nn: 10, make: (o) => synth.hexagonal({ ...o, lattice: "triangular", latticeConstant: 10 }) },
  dumbbell: { nn: 10, make: (o) => synth.dumbbell({ ...o, latticeConstant: 40 }) },
};

function cases(): Case[] {
  const out: Case[] = [];
  for (const [lattice, g] of Object.entries(GEOMETRY)) for (const dose of [1e2, 1e3, 1e5]) for (let s = 1; s <= seeds; s++) {
    const seed = 100 + s, r = rng(5000 + seed);
    const lat = g.make({ width: S, height: S, dose, seed, rotation: r.range(0, 360) });
    out.push({ name: `${lattice}-${dose}-${seed}`, lattice, dose, image: lat.image, x: lat.atoms.x, y: lat.atoms.y, nn: g.nn });
  }
  return out;
}

/** AtomAI's input for `image`: resampled to the working spacing from `spacing` and prepared as our network's input. */
function atomaiInput(image: Image, spacing: number, working: number): { data: Float32Array; width: number; height: number; scale: number } {
  const scale = working / spacing;
  const clean = Float32Array.from(image.data, (v) => (Number.isFinite(v) ? v : 0));
  const rs = resample(clean, image.width, image.height, scale);
  return { data: prepare(rs.data, rs.width, rs.height, working), width: rs.width, height: rs.height, scale };
}

const f1 = (m: MatchResult) => m.f1;

/** The found columns of a deep result: rows with `detected` = 1 where the table has that column (vacancy sites are rows too, `detected` = 0). */
function atomsOf(t: Awaited<ReturnType<typeof findAtomsDeep>>): { x: Float64Array; y: Float64Array } {
  const x = t.numeric("x"), y = t.numeric("y");
  if (!t.columnNames.includes("detected")) return { x: Float64Array.from(x), y: Float64Array.from(y) };
  const d = t.numeric("detected"), keep = Array.from(d.keys()).filter((i) => d[i] === 1);
  return { x: Float64Array.from(keep, (i) => x[i]), y: Float64Array.from(keep, (i) => y[i]) };
}

async function main(): Promise<void> {
  fs.mkdirSync(work, { recursive: true });
  await initBackend({ prefer: "wasm" });
  const dirModels = opt("--models", "");
  const ensemble = dirModels ? await Promise.all(fs.readdirSync(dirModels).filter((d) => /^\d+$/.test(d)).sort().map((k) => loadAtomModel(path.join(dirModels, k)))) : await pretrainedAtomModel();
  const info = ensemble[0].info, t = info.training;
  const head = spawnSync("git", ["log", "-1", "--format=%h %cI", "--", "src/atoms/deep/models"], { cwd: root, encoding: "utf8" }).stdout.trim();
  say(`# Accuracy and time against AtomAI`);
  say(`${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0].model}), load average at start ${load()}`);
  say(`Shipped ensemble: ${ensemble.length} members, "${info.config.architecture}" (filters ${info.config.filters}, blocks [${info.config.blocks}]), seeds ${ensemble.map((m) => m.info.training.seed).join(", ")}, ${t.epochs} × ${t.stepsPerEpoch} steps × batch ${t.batchSize} of ${info.patch}² at spacing ${info.spacing}, lr ${t.learningRate}, ${t.seconds.toFixed(0)} s for member 0 (${t.backend}); ${dirModels ? `models from ${dirModels}` : `last commit of src/atoms/deep/models: ${head}`}; library: ${path.relative(root, SRC)}`);

  // 1. Export and train.
  const variants: Variant[] = [
    { name: `AtomAI Unet, default size`, filters: 16, layers: "1,2,2,3", members: 1 },
    { name: `AtomAI Unet, our "tiny" size`, filters: info.config.filters, layers: info.config.blocks.join(","), members: 1 },
    ...(args.includes("--full") ? [{ name: `AtomAI Unet, default size, every member's pairs`, filters: 16, layers: "1,2,2,3", members: ensemble.length }] : []),
  ];
  const trained: Trained[] = [];
  const exported: Record<number, { images: number; hash: string }> = {};
  for (const v of variants) {
    const dir = path.join(work, `data-${v.members}`);
    fs.mkdirSync(dir, { recursive: true });
    const t0 = Date.now();
    const { images, hash } = (exported[v.members] ??= exportPairs(ensemble.slice(0, v.members), dir, t.seed + 1000, 80));
    console.log(`${images} pairs (${hash}) exported in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const cycles = Number(opt("--cycles", String(images / t.batchSize)));
    const pt = path.join(work, `atomai-${v.filters}-${v.layers.replace(/,/g, "")}-${hash}-${cycles}x${t.batchSize}.pt`);
    const record = pt.replace(/\.pt$/, ".json");
    if (!fs.existsSync(pt) || !fs.existsSync(record) || args.includes("--retrain")) {
      console.log(`training ${v.name}: ${cycles} cycles × batch ${t.batchSize} (load ${load()}) ...`);
      const res = { ...py("train", dir, pt, v.filters, v.layers, cycles, t.batchSize), load: load() };
      fs.writeFileSync(record, JSON.stringify(res));
    }
    trained.push({ ...v, pt, train: JSON.parse(fs.readFileSync(record, "utf8")) });
  }
  say(`\n## Training (AtomAI's trainer, CPU, 2 threads)\n`);
  say(`| model | parameters | pairs | cycles × batch | wall | CPU | loss first → last 10 % | load at end |`);
  say(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const v of trained) {
    const r = v.train;
    say(`| ${v.name} | ${r.parameters} | ${r.images} (+ ${r.test_images} test) | ${r.cycles} × ${r.batch} | ${r.wall_s.toFixed(0)} s | ${r.cpu_s.toFixed(0)} s | ${r.loss_first.toFixed(3)} → ${r.loss_last.toFixed(3)} (test ${r.test_loss_last.toFixed(3)}) | ${r.load} |`);
  }
  say(`AtomAI ${trained[0].train.atomai}, PyTorch ${trained[0].train.torch}. Ours (same pairs, wasm, TensorFlow.js): member 0 ${t.seconds.toFixed(0)} s wall (from its model.json).`);
  if (args.includes("--train-only")) return;

  // 2. Accuracy.
  if (!args.includes("--time-only")) await accuracy(ensemble, info, trained);
  if (!args.includes("--no-time")) await timing(info, trained);
  say(`\nload average at end ${load()}`);
  fs.writeFileSync(path.join(root, "bench", "results", "deep", "atomai-accuracy.md"), lines.join("\n") + "\n");
}

type Trained = Variant & { pt: string; train: any };

async function accuracy(ensemble: AtomModel[], info: AtomModel["info"], trained: Trained[]): Promise<void> {
  const evalDir = path.join(work, "eval");
  fs.mkdirSync(evalDir, { recursive: true });
  const manifest: Array<{ name: string; path: string }> = [];
  interface Row { name: string; group: string; kind: "synthetic" | "au" | "classical"; truth: { x: ArrayLike<number>; y: ArrayLike<number> }; tol: number; border: number; width: number; height: number; scale: number; ours: Record<string, { x: ArrayLike<number>; y: ArrayLike<number> }> ; note: string }
  const rows: Row[] = [];
  const ourRuns = async (image: Image) => {
    const ens = await findAtoms(image, { method: "deep" });
    const one = await findAtomsDeep(image, { model: ensemble[0] });
    return { ens, one };
  };
  const add = async (name: string, group: string, kind: Row["kind"], image: Image, truth: Row["truth"], tolOf: (spacing: number) => number) => {
    const { ens, one } = await ourRuns(image);
    const spacing = ens.parameters.spacing;
    const inp = atomaiInput(image, spacing, info.spacing);
    const file = path.join(evalDir, `${name}.npy`);
    writeNpy(file, inp.data, [inp.height, inp.width]);
    manifest.push({ name, path: file });
    rows.push({
      name, group, kind, truth, tol: tolOf(spacing), border: Math.max(6, Math.ceil(5 / inp.scale) + 1), width: image.width, height: image.height, scale: inp.scale,
      ours: { ensemble: atomsOf(ens), member0: atomsOf(one) },
      note: `spacing ${spacing.toFixed(2)}, confidence ${ens.parameters.confidence.toFixed(2)}${ens.parameters.outOfDistribution ? " (flagged)" : ""}`,
    });
  };
  const t1 = Date.now();
  for (const c of cases()) await add(c.name, `${c.lattice} ${c.dose.toExponential(0).replace("e+", "e")}`, "synthetic", c.image, { x: c.x, y: c.y }, () => 0.3 * c.nn);
  const stem = path.join(root, "..", "shared", "data", "stem");
  const real = !args.includes("--no-real") && fs.existsSync(stem);
  if (real) {
    const au = await readImage(path.join(stem, "au_np_atom_lattice.hdf5"));
    const ref = (await readHdf5Dataset(path.join(stem, "au_np_atom_lattice.hdf5"), "_sublattice/atom_positions")).data as Float64Array;
    await add("au", "Au nanoparticle", "au", au, { x: Array.from({ length: ref.length / 2 }, (_, i) => ref[2 * i]), y: Array.from({ length: ref.length / 2 }, (_, i) => ref[2 * i + 1]) }, () => 6);
    for (const [file, label] of [["sto_adf_atomap.hdf5", "SrTiO3 ADF"], ["si110_dumbbells.png", "Si [110] dumbbells"]]) {
      const image = await readImage(path.join(stem, file));
      const cl = findAtoms(image, { sublattices: 2 });
      await add(file.split("_")[0], label, "classical", image, { x: cl.numeric("x"), y: cl.numeric("y") }, (s) => 0.3 * s);
    }
  } else say(`\n(real images skipped: ${stem} absent or --no-real)`);
  console.log(`our finders on ${rows.length} images: ${((Date.now() - t1) / 1000).toFixed(0)} s`);
  fs.writeFileSync(path.join(evalDir, "manifest.json"), JSON.stringify(manifest));
  const theirs: Array<Record<string, { x: number[]; y: number[]; xr: number[]; yr: number[] }>> = [];
  for (const v of trained) {
    const out = path.join(evalDir, `result-${path.basename(v.pt, ".pt")}.json`);
    py("predict", v.pt, v.filters, v.layers, path.join(evalDir, "manifest.json"), out);
    theirs.push(JSON.parse(fs.readFileSync(out, "utf8")));
  }
  const methods: Array<{ label: string; get: (r: Row) => { x: ArrayLike<number>; y: ArrayLike<number> } }> = [
    { label: `ours: shipped ensemble (${ensemble.length} × tiny), defaults`, get: (r) => r.ours.ensemble },
    { label: `ours: member 0 alone`, get: (r) => r.ours.member0 },
    ...trained.flatMap((v, i) => [
      { label: `${v.name}, predict`, get: (r: Row) => ({ x: theirs[i][r.name].x.map((u) => u / r.scale), y: theirs[i][r.name].y.map((u) => u / r.scale) }) },
      { label: `${v.name}, predict(refine=True)`, get: (r: Row) => ({ x: theirs[i][r.name].xr.map((u) => u / r.scale), y: theirs[i][r.name].yr.map((u) => u / r.scale) }) },
    ]),
  ];
  const score = (r: Row, p: { x: ArrayLike<number>; y: ArrayLike<number> }) =>
    r.kind === "au" ? matchAtoms(p, r.truth, { tolerance: r.tol }) : matchAtoms(p, r.truth, { tolerance: r.tol, width: r.width, height: r.height, excludeBorder: r.border });

  const groups = [...new Set(rows.filter((r) => r.kind === "synthetic").map((r) => r.group))];
  say(`\n## Synthetic held-out images (${S}², ${seeds} seeds per cell): F1 at 0.3 nearest-neighbour spacing / RMS error (px)\n`);
  say(`| lattice, dose e⁻/column | ${methods.map((m) => m.label).join(" | ")} |`);
  say(`| --- |${methods.map(() => " --- |").join("")}`);
  const tot = methods.map(() => ({ f1: 0, se: 0, n: 0, cells: 0 }));
  for (const g of groups) {
    const rs = rows.filter((r) => r.group === g);
    const cells = methods.map((m, k) => {
      let sf = 0, se = 0, n = 0;
      for (const r of rs) { const s = score(r, m.get(r)); sf += f1(s); se += s.rms ** 2 * s.truePositives; n += s.truePositives; }
      tot[k].f1 += sf; tot[k].se += se; tot[k].n += n; tot[k].cells += rs.length;
      return `${(sf / rs.length).toFixed(3)} / ${n ? Math.sqrt(se / n).toFixed(3) : "—"}`;
    });
    say(`| ${g} | ${cells.join(" | ")} |`);
  }
  say(`| **all ${tot[0].cells} images** | ${tot.map((v) => `**${(v.f1 / v.cells).toFixed(3)} / ${Math.sqrt(v.se / v.n).toFixed(3)}**`).join(" | ")} |`);
  say(`RMS: over all matched columns of the cell (pooled). Border excluded: max(6, ⌈5 / scale⌉ + 1) px (AtomAI's Locator drops columns within 5 working px of the edge).`);
  if (real) {
    say(`\n## Real images (../shared/data/stem)\n`);
    say(`| image | ${methods.map((m) => m.label).join(" | ")} |`);
    say(`| --- |${methods.map(() => " --- |").join("")}`);
    for (const r of rows.filter((x) => x.kind !== "synthetic")) {
      const cells = methods.map((m) => {
        const p = m.get(r), s = score(r, p);
        return r.kind === "au" ? `${s.truePositives} / ${s.falsePositives} (RMS ${s.rms.toFixed(2)})` : `${p.x.length}: ${s.recall.toFixed(3)} / ${s.precision.toFixed(3)}`;
      });
      const what = r.kind === "au" ? `matched / extra of Atomap's ${r.truth.x.length} within 6 px` : `columns: recall / precision against the classical finder's ${r.truth.x.length} (0.3 spacing, ${r.border}-px border)`;
      say(`| ${r.group}: ${what}; ${r.note} | ${cells.join(" | ")} |`);
    }
  }

}

/** 3. Inference time end to end. */
async function timing(info: AtomModel["info"], trained: Trained[]): Promise<void> {
  {
    const timeDir = path.join(work, "time");
    fs.mkdirSync(timeDir, { recursive: true });
    const sizes = [256, 1024];
    const imgs = sizes.map((n) => synth.square({ width: n, height: n, latticeConstant: info.spacing, dose: 1e3, seed: 3, rotation: 7 }).image);
    const files = sizes.map((n) => path.join(timeDir, `square-${n}.npy`));
    const spacings: number[] = [];
    for (let i = 0; i < sizes.length; i++) {
      const e = await findAtomsDeep(imgs[i]);
      spacings.push(e.parameters.spacing);
      const inp = atomaiInput(imgs[i], e.parameters.spacing, info.spacing);
      writeNpy(files[i], inp.data, [inp.height, inp.width]);
    }
    const times: Record<string, Record<number, number[]>> = {};
    const push = (tool: string, n: number, ts: number[]) => { ((times[tool] ??= {})[n] ??= []).push(...ts); };
    const counts: Record<string, Record<number, number>> = {};
    for (let round = 1; round <= rounds; round++) {
      console.log(`timing round ${round}/${rounds} (load ${load()})`);
      for (let i = 0; i < sizes.length; i++) {
        await findAtomsDeep(imgs[i]);
        for (let k = 0; k < reps; k++) {
          const t0 = performance.now();
          const r = await findAtomsDeep(imgs[i]);
          push("ours: findAtomsDeep, shipped ensemble", sizes[i], [performance.now() - t0]);
          (counts["ours: findAtomsDeep, shipped ensemble"] ??= {})[sizes[i]] = atomsOf(r).x.length;
        }
      }
      for (const v of trained) {
        const res = py("time", v.pt, v.filters, v.layers, files.join(","), reps);
        sizes.forEach((n, i) => { push(`${v.name}: predict + Locator`, n, res[files[i]].all_ms); (counts[`${v.name}: predict + Locator`] ??= {})[n] = res[files[i]].columns; });
      }
    }
    const med = (a: number[]) => { const s = a.slice().sort((p, q) => p - q), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
    const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
    say(`\n## Inference end to end, square lattice at spacing ${info.spacing} px, dose 10³: median (fastest) of ${rounds} rounds × ${reps} calls, columns found\n`);
    say(`| tool | ${sizes.map((n) => `${n}²`).join(" | ")} |`);
    say(`| --- |${sizes.map(() => " --- |").join("")}`);
    const ours = times["ours: findAtomsDeep, shipped ensemble"];
    for (const [tool, bySize] of Object.entries(times)) {
      say(`| ${tool} | ${sizes.map((n) => `${fmt(med(bySize[n]))} (${fmt(Math.min(...bySize[n]))}), ${counts[tool][n]} columns${tool.startsWith("ours") ? "" : `; ours / this ${(med(ours[n]) / med(bySize[n])).toFixed(2)}`}`).join(" | ")} |`);
    }
    say(`Estimated spacing ${spacings.map((s) => s.toFixed(2)).join(", ")} px. AtomAI's time excludes the resampling and \`prepare\` (done here in Node; ours includes them).`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
