// Same-run before/after timing of the library at an older commit against the
// working tree, on the workloads users run (file to result where they start
// from files). Both libraries are built from their own sources into $TMPDIR
// (each commit's own `npm run build` of src/), loaded into one process, and
// called alternately, so machine load hits both sides alike. Prints, per
// workload, the median and min wall time of N calls of each side, their ratio
// (before / after: above 1 means the working tree is faster) and whether the
// outputs are identical.
//
//   node bench/before-after.mjs COMMIT [--repeat 9] [--only atoms,image,io,causal,stem4d]
//
// Real images come from ../shared/data/stem (skipped loudly when absent).
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const commit = args[0];
if (!commit || commit.startsWith("--")) { console.error("usage: node bench/before-after.mjs COMMIT [--repeat 9] [--only atoms,image,io,causal,stem4d]"); process.exit(2); }
const N = Number(opt("--repeat", "9"));
const only = opt("--only", "atoms,image,io,causal,stem4d").split(",");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-before-after-"));
fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
fs.copyFileSync(path.join(root, "tsconfig.base.json"), path.join(dir, "tsconfig.base.json"));
const require = createRequire(import.meta.url);

/** Copies src/ (at `rev`, or the working tree) to $TMPDIR/<name>/src, runs its build script there, and loads it. */
function build(name, rev) {
  const top = path.join(dir, name);
  fs.mkdirSync(top);
  fs.symlinkSync(path.join(root, "node_modules"), path.join(top, "node_modules"), "dir");
  fs.copyFileSync(path.join(root, "tsconfig.base.json"), path.join(top, "tsconfig.base.json"));
  if (rev) execFileSync("sh", ["-c", `git archive ${rev} src | tar -x -C ${JSON.stringify(top)}`], { cwd: root });
  else fs.cpSync(path.join(root, "src"), path.join(top, "src"), { recursive: true, filter: (p) => !/[/\\](dist|node_modules)$/.test(p) });
  const r = spawnSync("npm", ["run", "build"], { cwd: path.join(top, "src"), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build of ${name} failed:\n${r.stdout}\n${r.stderr}`);
  return require(path.join(top, "src"));
}

const before = build("before", commit), after = build("after", null);
/** A function by its 0.2 namespace path, falling back to 0.1's flat name. */
const fn = (L, ns, name) => L[ns]?.[name] ?? L[name];
const med = (a) => { const s = [...a].sort((x, y) => x - y), k = s.length >> 1; return s.length % 2 ? s[k] : 0.5 * (s[k - 1] + s[k]); };

/** Times `work(L)` alternately on both libraries; `same(a, b)` compares their outputs. */
async function measure(label, work, same) {
  for (const L of [before, after]) await work(L); // JIT warm-up of this path
  const t = { A: [], B: [] }, res = {};
  for (let i = 0; i < N; i++) for (const [k, L] of [["A", before], ["B", after]]) {
    const t0 = process.hrtime.bigint();
    res[k] = await work(L);
    t[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const f1 = (v) => v.toFixed(1).padStart(7);
  const eq = same(res.A, res.B);
  console.log(`| ${label.padEnd(44)} | ${f1(med(t.A))} | ${f1(Math.min(...t.A))} | ${f1(med(t.B))} | ${f1(Math.min(...t.B))} | ${(med(t.A) / med(t.B)).toFixed(2)}× | ${eq ? "identical" : "DIFFERENT"} |`);
}
const sameTable = (a, b) => {
  if (a.numRows !== b.numRows) return false;
  for (const c of ["x", "y"]) { const u = a.numeric(c), v = b.numeric(c); for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false; }
  return true;
};
const sameArray = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const sameImage = (a, b) => a.width === b.width && a.height === b.height && sameArray(a.data, b.data);
const edges = (g) => JSON.stringify(g.toJSON().edges);

console.log(`before = ${commit} (${execFileSync("git", ["log", "-1", "--format=%h %s", commit], { cwd: root, encoding: "utf8" }).trim().slice(0, 60)}); after = working tree; ${N} alternating calls; ms`);
console.log("| workload | before median | before min | after median | after min | before/after | outputs |");
console.log("|---|---|---|---|---|---|---|");
const stem = path.join(root, "..", "shared", "data", "stem");
const files = ["au_np_atom_lattice.hdf5", "sto_adf_atomap.hdf5", "sto_haadf_team05.emd"].map((f) => path.join(stem, f));
const present = files.filter((f) => fs.existsSync(f));
if (present.length < files.length) console.log(`*** SKIPPING ${files.length - present.length} real images: ${stem} absent ***`);

if (only.includes("io")) for (const f of present) await measure(`readImage ${path.basename(f)}`, (L) => L.readImage(f), sameImage);
if (only.includes("atoms")) for (const f of present) {
  const img = await after.readImage(f);
  await measure(`findAtoms ${path.basename(f)} (defaults)`, (L) => L.findAtoms(img), sameTable);
}
if (only.includes("image") && present.length) {
  const img = await after.readImage(present[present.length - 1]);
  await measure(`gaussianFilter σ 3, ${img.width}×${img.height}`, (L) => fn(L, "image", "gaussianFilter")(img, 3), sameImage);
  await measure(`gaussianFilter σ 14 (recursive), ${img.width}×${img.height}`, (L) => fn(L, "image", "gaussianFilter")(img, 14), sameImage);
}
if (only.includes("causal")) {
  const sem = fn(after, "causal", "randomLinearSEM")(20, { seed: 3 });
  const gauss = fn(after, "causal", "sampleLinearSEM")(sem, 5000, { seed: 4 });
  const unif = fn(after, "causal", "sampleLinearSEM")(sem, 2000, { seed: 5, noise: "uniform" });
  for (const algorithm of ["pc", "hc", "fci", "ges"]) {
    await measure(`learnStructure ${algorithm}, 20 variables × 5000`, (L) => L.learnStructure(gauss, { algorithm }), (a, b) => edges(a) === edges(b));
  }
  await measure("learnStructure lingam, 20 variables × 2000", (L) => L.learnStructure(unif, { algorithm: "lingam" }), (a, b) => edges(a) === edges(b));
  await measure("bootstrap pc × 20, 20 variables × 5000", (L) => L.bootstrap(gauss, { algorithm: "pc", seed: 1 }, 20), (a, b) => JSON.stringify(a.edges) === JSON.stringify(b.edges));
}
if (only.includes("stem4d")) {
  const { dataset } = after.synth.stem4d({ scanShape: [64, 64], detShape: [128, 128], seed: 1 });
  const file = path.join(dir, "scan.npy");
  await fn(after, "stem4d", "writeNpy4D")(file, dataset);
  const mb = (fs.statSync(file).size / 2 ** 20).toFixed(0);
  const detectors = [{ type: "circle", center: [64, 64], radius: 10 }, { type: "annulus", center: [64, 64], inner: 20, outer: 60 }];
  await measure(`file → 2 virtual images, ${mb} MiB npy`, async (L) => {
    const ds = await L.readDataset4D(file);
    return L.virtualImages(ds, detectors, { workers: 0 });
  }, (a, b) => a.every((im, i) => sameImage(im, b[i])));
  await measure(`file → centre of mass, ${mb} MiB npy`, async (L) => {
    const ds = await L.readDataset4D(file);
    return (await L.centerOfMass(ds, { workers: 0 })).comX;
  }, sameImage);
}
fs.rmSync(dir, { recursive: true, force: true });
