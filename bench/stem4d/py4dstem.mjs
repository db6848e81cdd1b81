// File to result against py4DSTEM, as a user starts: from a detector file.
// Each measurement opens the file and makes one result, in one run:
//   ours      cs.readDataset4D + cs.virtualImage (annulus) | cs.centerOfMass (raw) | cs.stem4d.maxPattern
//   py4DSTEM  import_file(mem="MEMMAP") (.mib) or read (.h5) + DataCube.get_virtual_image (annulus)
//             | get_CoM of every pattern (py4DSTEM.process.utils, what calibration.get_origin applies)
//             | DataCube.get_dp_max
// on ≈ 1 GiB files py4DSTEM reads: Merlin .mib (6-bit U08 and 12-bit U16, 256 × 256 frames,
// written with the headers of Merlin software 0.76 and a .hdr giving the scan) and a float32
// DataCube written by py4DSTEM.save (.h5). Results compared: virtual-image sums, mean COM,
// max-pattern sums. GB = 1e9 bytes of the file; GB per CPU-second counts all threads of the
// process (ours: calling thread + worker pool; Python: process_time). Files read from the page
// cache; median of --repeat interleaved rounds.
//
//   node bench/stem4d/py4dstem.mjs [--cases u1,u2,f4] [--repeat 3] [--dir DIR]
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
const repeat = Number(opt("--repeat", "3"));
const dir = opt("--dir", path.join(os.tmpdir(), "causalscope-bench-py4dstem"));
fs.mkdirSync(dir, { recursive: true });

const require = createRequire(import.meta.url);
require(path.join(root, "node_modules/ts-node")).register({ transpileOnly: true, project: path.join(root, "src/tsconfig.json") });
const cs = require(path.join(root, "src/index.ts"));

const py = process.env.STEM4D_BENCH_PYTHON || referencePython(here);
const ref = (...a) => {
  const r = spawnSync(py, [path.join(here, "py4dstem_ref.py"), ...a.map(String)], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`py4dstem_ref.py ${a[0]} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
};

// u1/u2: .mib of 256 × 256 frames (1 GiB of pixels); f4: py4DSTEM .h5 of 128 × 128 float32 frames.
const CASES = {
  u1: { file: "merlin-6bit-128x128.mib", make: (f) => ref("make-mib", f, 128, 128, 6), det: 256, flipped: true },
  u2: { file: "merlin-12bit-128x64.mib", make: (f) => ref("make-mib", f, 128, 64, 12), det: 256, flipped: true },
  f4: { file: "py4dstem-f4-128x128.h5", make: (f) => ref("make-h5", f, 128, 128), det: 128, flipped: false },
};
const cases = opt("--cases", "u1,u2,f4").split(",");
for (const c of cases) if (!(c in CASES)) throw new Error(`--cases: unknown case ${JSON.stringify(c)} (u1, u2, f4)`);

const timeit = async (fn) => { const c = process.cpuUsage(), t = performance.now(); const r = await fn(); const d = process.cpuUsage(c); return { s: (performance.now() - t) / 1000, cpu: (d.user + d.system) / 1e6, r }; };
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
const fmt = (x, p = 2) => (Number.isFinite(x) ? x.toFixed(p) : "n/a");
const mean = (a) => { let s = 0; for (const v of a) s += v; return s / a.length; };

// warm-up: the worker threads compile the sources they load once (ts-node), not to be timed (again on each file below)
{
  const { dataset } = cs.synth.stem4d({ scanShape: [64, 64], detShape: [32, 32] });
  await cs.virtualImage(dataset, { type: "annulus", center: [15.5, 15.5], inner: 3, outer: 9 }, { progress: false });
  await cs.centerOfMass(dataset, { raw: true, progress: false });
  await cs.stem4d.maxPattern(dataset, { progress: false });
}
console.log(`${os.availableParallelism()} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}; files in the page cache; median of ${repeat} interleaved rounds`);
for (const name of cases) {
  const c = CASES[name], file = path.join(dir, c.file);
  if (!fs.existsSync(file)) { console.log(`writing ${file} ...`); c.make(file); }
  const bytes = fs.statSync(file).size;
  // annulus about the detector centre with integer r²: no pixel centre on its edges, so inclusive and exclusive edges agree
  const cx = (c.det - 1) / 2, ri = c.det / 8, ro = (3 * c.det) / 8;
  const annulus = { type: "annulus", center: [cx, cx], inner: ri, outer: ro };
  const t = new Map(), check = {};
  const add = (key, m) => { if (!t.has(key)) t.set(key, { s: [], cpu: [] }); t.get(key).s.push(m.s); t.get(key).cpu.push(m.cpu); };
  let version = "", shape = "";
  const jobs = [
    ["virtual ADF", "ours", async () => { const m = await timeit(async () => { const ds = await cs.readDataset4D(file); shape = String(ds); const vi = await cs.virtualImage(ds, annulus, { progress: false }); ds.close(); return vi; }); check.oursVi = m.r.data.reduce((a, b) => a + b, 0); return m; }],
    ["COM", "ours", async () => { const m = await timeit(async () => { const ds = await cs.readDataset4D(file); const com = await cs.centerOfMass(ds, { raw: true, progress: false }); ds.close(); return com; }); check.oursComX = mean(m.r.comX.data); check.oursComY = c.flipped ? c.det - 1 - mean(m.r.comY.data) : mean(m.r.comY.data); return m; }],
    ["max pattern", "ours", async () => { const m = await timeit(async () => { const ds = await cs.readDataset4D(file); const mx = await cs.stem4d.maxPattern(ds, { progress: false }); ds.close(); return mx; }); check.oursMax = m.r.data.reduce((a, b) => a + b, 0); return m; }],
    ["virtual ADF", "py4DSTEM", async () => { const r = ref("run", file, "vi", cx, cx, ri, ro); version = r.version; check.p4Vi = r.vi_sum; return r; }],
    ["COM", "py4DSTEM", async () => { const r = ref("run", file, "com", cx, cx, ri, ro); check.p4ComX = r.com_col_mean; check.p4ComY = r.com_row_mean; return r; }],
    ["max pattern", "py4DSTEM", async () => { const r = ref("run", file, "max", cx, cx, ri, ro); check.p4Max = r.max_sum; return r; }],
  ];
  // warm-up on this file, untimed: worker threads compile the reader and kernel sources on first use (ts-node)
  for (const [, tool, fn] of jobs) if (tool === "ours") await fn();
  for (let r = 0; r < repeat; r++) for (let j = 0; j < jobs.length; j++) { const [what, tool, fn] = jobs[(j + 2 * r) % jobs.length]; add(`${what}|${tool}`, await fn()); }
  console.log(`\n== ${name}: ${shape}, ${(bytes / 1e9).toFixed(3)} GB file; py4DSTEM ${version}; load ${os.loadavg()[0].toFixed(1)}`);
  console.log(`  ${"analysis".padEnd(12)} ${"tool".padEnd(9)} ${"GB/s".padStart(6)} ${"GB/CPU-s".padStart(9)}  [wall s of each round]`);
  for (const [key, v] of t) {
    const [what, tool] = key.split("|");
    console.log(`  ${what.padEnd(12)} ${tool.padEnd(9)} ${fmt(bytes / 1e9 / median(v.s)).padStart(6)} ${fmt(bytes / 1e9 / median(v.cpu)).padStart(9)}  [${v.s.map((x) => fmt(x)).join(", ")}]`);
  }
  console.log(`  results: virtual-image sum ours ${check.oursVi} py4DSTEM ${check.p4Vi} (rel. diff ${(Math.abs(check.oursVi - check.p4Vi) / check.p4Vi).toExponential(1)}); `
    + `mean COM (column, row in the file's row order) ours ${fmt(check.oursComX, 6)}, ${fmt(check.oursComY, 6)} py4DSTEM ${fmt(check.p4ComX, 6)}, ${fmt(check.p4ComY, 6)}; `
    + `max-pattern sum ours ${check.oursMax} py4DSTEM ${check.p4Max}`);
}
console.log(`\nload average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
