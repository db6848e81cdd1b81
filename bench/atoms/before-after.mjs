// Same-run before/after timing of atom detection for a change to some library files:
// builds the library twice into $TMPDIR (the working tree, and the working tree with FILES
// as they were at COMMIT; everything else, e.g. find.ts, identical), then calls
// findAtoms(image, { refine: false }) alternately with the two builds on the real images
// (auto scale, scale given, and rank-22 PCA on the Au nanoparticle) and prints the median
// and min of N calls (wall and process CPU) and whether the detected positions are identical.
//
//   node bench/atoms/before-after.mjs COMMIT [--files src/atoms/detect.ts,src/atoms/pca.ts,...] [--repeat 9]
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const commit = args[0];
if (!commit || commit.startsWith("--")) { console.error("usage: node bench/atoms/before-after.mjs COMMIT [--files a.ts,b.ts] [--repeat 9]"); process.exit(2); }
const files = opt("--files", "src/atoms/detect.ts,src/atoms/pca.ts,src/image/filters.ts,src/image/fft.ts,src/image/denoise.ts").split(",");
const N = Number(opt("--repeat", "9"));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-before-after-"));
fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
fs.copyFileSync(path.join(root, "tsconfig.base.json"), path.join(dir, "tsconfig.base.json"));
function build(name, patch) {
  const src = path.join(dir, "src-" + name);
  fs.cpSync(path.join(root, "src"), src, { recursive: true, filter: (p) => !/[/\\](dist|node_modules)$/.test(p) });
  if (patch) for (const f of files) fs.writeFileSync(path.join(src, path.relative("src", f)), execFileSync("git", ["show", `${commit}:${f}`], { cwd: root }));
  // tsc emits even if another capability has a type error.
  spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(src, "tsconfig.json"), "--outDir", path.join(dir, name), "--declaration", "false", "--sourceMap", "false"], { stdio: "ignore" });
  return createRequire(import.meta.url)(path.join(dir, name, "index.js"));
}
const A = build("before", true), B = build("after", false);
const med = (a) => { const s = [...a].sort((x, y) => x - y), k = s.length >> 1; return s.length % 2 ? s[k] : 0.5 * (s[k - 1] + s[k]); };
const w = A.synth.perovskite({ width: 192, height: 192, dose: 1000, seed: 2 });
for (const L of [A, B]) for (let i = 0; i < 3; i++) L.findAtoms(w.image, { refine: false }); // JIT warm-up
console.log(`before = working tree with ${files.join(", ")} at ${commit}; after = working tree; median of ${N} alternating calls`);
for (const [f, sep] of [["au_np_atom_lattice.hdf5", 10], ["sto_adf_atomap.hdf5", 8], ["sto_haadf_team05.emd", 9]]) {
  const p = path.join(root, "..", "shared", "data", "stem", f);
  if (!fs.existsSync(p)) { console.log(`*** SKIPPING ${p}: absent ***`); continue; }
  const img = await A.readImage(p);
  const sets = { auto: { sublattices: 1, refine: false }, given: { minDistance: sep, sigma: 0.3 * sep, sublattices: 1, refine: false } };
  if (f.startsWith("au")) sets.pca = { denoise: 22, smoothing: 0, minDistance: 10, threshold: 0.3, sublattices: 1, refine: false };
  for (const [name, o] of Object.entries(sets)) {
    const t = { A: [], B: [], cA: [], cB: [] }, res = {};
    for (let i = 0; i < N; i++) for (const [k, L] of [["A", A], ["B", B]]) {
      const c = process.cpuUsage(), t0 = process.hrtime.bigint();
      res[k] = L.findAtoms(img, o);
      t[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
      const u = process.cpuUsage(c);
      t["c" + k].push((u.user + u.system) / 1e3);
    }
    let same = res.A.numRows === res.B.numRows;
    for (const c of ["x", "y"]) if (same) { const u = res.A.numeric(c), v = res.B.numeric(c); for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) { same = false; break; } }
    const f1 = (v) => v.toFixed(1).padStart(6);
    console.log(`${f.padEnd(24)} ${name.padEnd(5)} before ${f1(med(t.A))} ms (cpu ${f1(med(t.cA))}, min ${f1(Math.min(...t.A))})  after ${f1(med(t.B))} ms (cpu ${f1(med(t.cB))}, min ${f1(Math.min(...t.B))})  before/after: wall ${(med(t.A) / med(t.B)).toFixed(2)}×, cpu ${(med(t.cA) / med(t.cB)).toFixed(2)}×  n=${res.B.numRows}, ${same ? "same positions" : "POSITIONS DIFFER"}`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
