// PCA / NMF / k-means on thousands of diffraction patterns: causalscope
// (patternPCA, patternNMF, clusterPatterns, from the current TypeScript
// sources) against scikit-learn on the same file and the same binned,
// square-rooted features, in the same run; agreement with the exact PCA
// (eigenvectors of the covariance) and with the true phase map.
//
//   node bench/stem4d/decompose.mjs [--cases 64x64x128,128x128x128,64x64x256] [--repeat 3] [--dir DIR]
//
// Data (decompose_ref.py make): uint16 .npy scans of 3 crystalline phases
// (grains), Poisson counts; features binned to 32 × 32 (bin = detector / 32).
// Times are file to result (ours: one call from the opened .npy; scikit-learn:
// np.load + binning, then the fit), median of --repeat interleaved rounds, with
// CPU seconds (all threads of the process) beside the wall seconds: the box is
// shared, so CPU time is the fairer measure. The load average is printed.
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
const cases = opt("--cases", "64x64x128,128x128x128,64x64x256").split(",").map((c) => c.split("x").map(Number));
const repeat = Number(opt("--repeat", "3"));
const dir = opt("--dir", path.join(os.tmpdir(), "causalscope-bench-decompose"));
fs.mkdirSync(dir, { recursive: true });
const PHASES = 3, PCA_COMPONENTS = 8, CLUSTER_COMPONENTS = 6;

const require = createRequire(import.meta.url);
require(path.join(root, "node_modules/ts-node")).register({ transpileOnly: true, project: path.join(root, "src/tsconfig.json") });
const cs = require(path.join(root, "src/index.ts"));

const py = process.env.STEM4D_BENCH_PYTHON || referencePython(here);
const ref = (...a) => {
  const r = spawnSync(py, [path.join(here, "decompose_ref.py"), ...a.map(String)], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`decompose_ref.py ${a[0]} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
};

/** Write a float64 (or int32) C-order .npy. */
function saveNpy(file, data, shape) {
  const descr = data instanceof Int32Array ? "<i4" : "<f8";
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  dict = dict.padEnd(Math.ceil((dict.length + 11) / 64) * 64 - 11) + "\n";
  const head = Buffer.alloc(10);
  head[0] = 0x93; head.write("NUMPY", 1, "latin1"); head[6] = 1; head.writeUInt16LE(dict.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(dict, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

/** [wall s, result, CPU s of this process (calling thread and worker pool)]. */
const timeit = async (fn) => { const c = process.cpuUsage(), t = performance.now(); const r = await fn(); const d = process.cpuUsage(c); return [(performance.now() - t) / 1000, r, (d.user + d.system) / 1e6]; };
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
const fmt = (x, p = 2) => (Number.isFinite(x) ? x.toFixed(p) : "n/a");

console.log(`${os.availableParallelism()} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}; median of ${repeat} interleaved rounds`);
for (const [rows, cols, k] of cases) {
  const name = `decompose-${rows}x${cols}x${k}`;
  const data = path.join(dir, `${name}.npy`), truth = path.join(dir, `${name}-truth.npy`), out = path.join(dir, name);
  fs.mkdirSync(out, { recursive: true });
  if (!fs.existsSync(data) || !fs.existsSync(truth)) { console.log(`writing ${data} ...`); ref("make", data, truth, rows, cols, k, PHASES, 1); }
  const bin = k / 32;
  const ds = await cs.readDataset4D(data);
  const n = ds.nFrames, d = (k / bin) ** 2;
  console.log(`\n== ${rows} × ${cols} scan (${n} patterns) of ${k} × ${k} uint16 (${(ds.byteLength / 2 ** 20).toFixed(0)} MiB), bin ${bin} → ${d} features, ${PHASES} phases; load ${os.loadavg()[0].toFixed(1)}`);
  const t = new Map();
  const add = (key, wall, cpu) => { if (!t.has(key)) t.set(key, { wall: [], cpu: [] }); t.get(key).wall.push(wall); t.get(key).cpu.push(cpu); };
  // warm-up on this file: the worker threads compile the sources they load once (ts-node), not to be timed
  await cs.stem4d.clusterPatterns(ds, { clusters: PHASES, bin, progress: false });
  let ours = {}, sk = {};
  for (let r = 0; r < repeat; r++) {
    const jobs = [
      async () => { const [s, p, c] = await timeit(() => cs.stem4d.patternPCA(ds, { components: PCA_COMPONENTS, bin, progress: false })); add("PCA|ours", s, c); ours.pca = p; },
      async () => { const [s, p, c] = await timeit(() => cs.stem4d.clusterPatterns(ds, { clusters: PHASES, components: CLUSTER_COMPONENTS, bin, seed: 0, progress: false })); add("PCA + k-means|ours", s, c); ours.cluster = p; },
      async () => { const [s, p, c] = await timeit(() => cs.stem4d.patternNMF(ds, { components: PHASES, bin, progress: false })); add("NMF|ours", s, c); ours.nmf = p; },
      async () => {
        sk = ref("fit", data, bin, PCA_COMPONENTS, PHASES, out);
        add("PCA|sklearn", sk.features_s + sk.pca_s, sk.features_cpu + sk.pca_cpu);
        add("PCA + k-means|sklearn", sk.features_s + sk.pca_s + sk.kmeans_s, sk.features_cpu + sk.pca_cpu + sk.kmeans_cpu);
        add("NMF|sklearn", sk.features_s + sk.nmf_s, sk.features_cpu + sk.nmf_cpu);
        add("features only|sklearn", sk.features_s, sk.features_cpu);
      },
    ];
    for (let j = 0; j < jobs.length; j++) await jobs[(j + r) % jobs.length]();
  }
  // the same number of sweeps as scikit-learn's run (its stopping rule differs from ours)
  const [sSame, nmfSame, cSame] = await timeit(() => cs.stem4d.patternNMF(ds, { components: PHASES, bin, progress: false, iterations: sk.nmf_iterations, tolerance: 0 }));
  add(`NMF, ${sk.nmf_iterations} sweeps|ours`, sSame, cSame);
  saveNpy(path.join(out, "ours_pca_components.npy"), Float64Array.from(ours.pca.components.flatMap((c) => Array.from(c.data))), [PCA_COMPONENTS, d]);
  saveNpy(path.join(out, "ours_kmeans_labels.npy"), Int32Array.from(ours.cluster.labels.data), [n]);
  saveNpy(path.join(out, "ours_nmf_components.npy"), Float64Array.from(ours.nmf.components.flatMap((c) => Array.from(c.data))), [PHASES, d]);
  const cmp = ref("compare", truth, out);
  console.log(`scikit-learn ${sk.sklearn}, NumPy ${sk.numpy}; times file to result, s (wall / CPU):`);
  for (const [key, v] of t) {
    const [what, tool] = key.split("|");
    console.log(`  ${what.padEnd(22)} ${tool.padEnd(8)} ${fmt(median(v.wall)).padStart(7)} / ${fmt(median(v.cpu)).padStart(7)}   [wall ${v.wall.map((x) => fmt(x)).join(", ")}]`);
  }
  const e = (a) => a.slice(0, 4).map((x) => fmt(100 * x, 2)).join(", ");
  console.log(`  explained variance % (first 4): ours ${e(Array.from(ours.pca.explained))}; sklearn randomized ${e(sk.explained)}; exact ${e(cmp.exact_explained)}`);
  console.log(`  largest angle to the exact leading 1..${PCA_COMPONENTS}-D subspaces, degrees: ours ${cmp.ours_pca_angle_deg.map((x) => fmt(x, 3)).join(" ")}; sklearn ${cmp.sklearn_pca_angle_deg.map((x) => fmt(x, 3)).join(" ")}`);
  console.log(`  k-means on ${CLUSTER_COMPONENTS} PCA scores, adjusted Rand index with the true phases: ours ${fmt(cmp.ours_kmeans_ari, 4)}, sklearn ${fmt(cmp.sklearn_kmeans_ari, 4)}`);
  console.log(`  NMF relative error ‖X − WH‖/‖X‖: ours ${fmt(ours.nmf.error, 5)} (${ours.nmf.iterations} sweeps; ${fmt(nmfSame.error, 5)} after ${nmfSame.iterations}), sklearn ${fmt(sk.nmf_error, 5)} (${sk.nmf_iterations} iterations)`);
  console.log(`  NMF best cosine of a component with each true phase's mean features: ours ${cmp.ours_nmf_best_cosine.map((x) => fmt(x, 4)).join(" ")}; sklearn ${cmp.sklearn_nmf_best_cosine.map((x) => fmt(x, 4)).join(" ")}`);
  ds.close();
}
console.log(`\nload average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
