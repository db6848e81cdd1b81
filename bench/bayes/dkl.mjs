// Deep kernel learning benchmark: causalscope's deepKernelLearning against a GP on raw pixels (ours) and
// GPax's viDKL (bench/bayes/dkl/gpax_vidkl.py, own venv bench/bayes/dkl/.venv) on the same patches.
//
//   node bench/bayes/dkl.mjs [--n-train 150] [--seeds 3] [--gpax 1]
//
// Data (the task of tests/bayes/dkl.test.ts): 160×160 synthetic perovskites (synth.perovskite, a = 10 px,
// 1000 e⁻/column, half the A columns doped ×1.6), B column displaced by (Pₓ, P_y) uniform in [-1, 1]² px per
// cell; 11×11 patches around the ideal B sites (atoms.atomPatches); property tanh(P_y / 0.25) + N(0, 0.05²).
// Train: the first --n-train cells of the seed-1 image; test: every cell of the seed-2 image (225).
// Reported per method: held-out RMSE, the fraction of held-out values inside the 90 % predictive interval
// (noise included), wall seconds of fit + predict. DKL (ours and GPax, same architecture): 121 → 16 tanh → 1,
// RBF, 200 full-batch Adam steps at 0.01, seeds 0..--seeds−1; GPax also with its defaults (64-64 ReLU → 2,
// 1000 steps at 0.005).
import { spawnSync, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const nTrain = Number(opt("--n-train", "150")), seeds = Number(opt("--seeds", "3")), withGpax = opt("--gpax", "1") !== "0";

const out = path.join(root, "bench", "results", "dkl-dist");
const entries = ["src/bayes/dkl.ts", "src/bayes/gp.ts", "src/synth/perovskite.ts", "src/atoms/lattice.ts", "src/backend/backend.ts", "src/core/random.ts"].map((f) => path.join(root, f));
console.log("compiling the benchmarked modules -> " + out);
const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
  "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck",
  "--declaration", "false", "--sourceMap", "false", ...entries], { stdio: "inherit" });
if (r.status !== 0) console.log("(tsc reported errors; the emitted JavaScript is used)");
const require = createRequire(import.meta.url);
const lib = (f) => require(path.join(out, f));
const { deepKernelLearning } = lib("src/bayes/dkl.js");
const { gaussianProcess } = lib("src/bayes/gp.js");
const { constant, rbf, white } = lib("src/bayes/kernels.js");
const { perovskite } = lib("src/synth/perovskite.js");
const { atomPatches } = lib("src/atoms/lattice.js");
const { initBackend } = lib("src/backend/backend.js");
const { Rng } = lib("src/core/random.js");

const A = 10, S = 160, R = 5, D = (2 * R + 1) ** 2;
function structureProperty(seed) {
  const rng = new Rng(seed), cell = new Map();
  const polarization = (x, y) => {
    const key = `${Math.round(x)},${Math.round(y)}`;
    if (!cell.has(key)) cell.set(key, [rng.range(-1, 1), rng.range(-1, 1)]);
    return cell.get(key);
  };
  const { image, cells } = perovskite({ width: S, height: S, latticeConstant: A, dose: 1000, polarization, dopants: { fraction: 0.5, intensity: 1.6 }, seed });
  const keep = [];
  for (let i = 0; i < cells.x.length; i++) {
    const x0 = cells.x[i] - cells.dx[i], y0 = cells.y[i] - cells.dy[i];
    if (x0 >= R && y0 >= R && x0 + R <= S - 1 && y0 + R <= S - 1) keep.push(i);
  }
  const { patches } = atomPatches(image, keep.map((i) => cells.x[i] - cells.dx[i]), keep.map((i) => cells.y[i] - cells.dy[i]), R);
  const y = Float64Array.from(keep, (i) => Math.tanh(cells.dy[i] / 0.25) + 0.05 * rng.normal());
  return { patches, y, n: keep.length };
}
function score(mean, sd, y) {
  let se = 0, inside = 0;
  for (let i = 0; i < y.length; i++) { se += (mean[i] - y[i]) ** 2; if (Math.abs(mean[i] - y[i]) <= 1.6448536 * sd[i]) inside++; }
  return { rmse: Math.sqrt(se / y.length), coverage: inside / y.length };
}

const info = await initBackend();
const train = structureProperty(1), test = structureProperty(2);
const Xtr = train.patches.subarray(0, nTrain * D), ytr = train.y.subarray(0, nTrain);
let mu = 0, v = 0;
for (const x of Xtr) mu += x;
mu /= Xtr.length;
for (const x of Xtr) v += (x - mu) ** 2;
const sd = Math.sqrt(v / Xtr.length);
const rows = [];
const row = (label, s, seconds) => { rows.push({ label, ...s, seconds }); console.log(`${label.padEnd(44)} RMSE ${s.rmse.toFixed(4)}  coverage ${s.coverage.toFixed(3)}  ${seconds.toFixed(2)} s`); };
console.log(`train ${nTrain}, test ${test.n} patches of ${D} pixels; tfjs backend ${info.name}; y sd (test) ${Math.sqrt(test.y.reduce((a, b) => a + b * b, 0) / test.n).toFixed(3)}`);

let t0 = performance.now();
const gp = gaussianProcess(Float64Array.from(Xtr, (x) => (x - mu) / sd), ytr, { dims: D, kernel: constant(1, [1e-3, 1e3]).times(rbf(Math.sqrt(D), [1e-2, 1e4])).plus(white(0.1, [1e-6, 10])), restarts: 0 });
const q = gp.predict(Float64Array.from(test.patches, (x) => (x - mu) / sd), { noise: true });
row("GP on raw pixels (ours, isotropic RBF)", score(q.mean, q.sd, test.y), (performance.now() - t0) / 1000);
for (let s = 0; s < seeds; s++) {
  t0 = performance.now();
  const m = await deepKernelLearning(Xtr, ytr, { dims: D, hidden: [16], embeddingDim: 1, epochs: 200, learningRate: 0.01, seed: s });
  const p = m.predict(test.patches, { noise: true });
  row(`DKL ours 121-16-1 tanh, seed ${s}`, score(p.mean, p.sd, test.y), (performance.now() - t0) / 1000);
}

if (withGpax) {
  const { referencePython } = await import("../reference-venv.mjs");
  const py = referencePython(path.join(root, "bench", "bayes", "dkl"));
  const rowsOf = (a, n) => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * D, (i + 1) * D), (x) => (x - mu) / sd));
  const runs = [
    ...Array.from({ length: seeds }, (_, s) => ({ label: `GPax viDKL 121-16-1 tanh, seed ${s}`, hidden: [16], activation: "tanh", zdim: 1, steps: 200, lr: 0.01, seed: s })),
    { label: "GPax viDKL defaults (64-64 ReLU, z 2, 1000 steps)", hidden: null, activation: "relu", zdim: 2, steps: 1000, lr: 0.005, seed: 0 },
  ];
  const res = JSON.parse(execFileSync(py, [path.join(root, "bench", "bayes", "dkl", "gpax_vidkl.py")], {
    input: JSON.stringify({ Xtr: rowsOf(Xtr, nTrain), ytr: Array.from(ytr), Xte: rowsOf(test.patches, test.n), runs }), encoding: "utf8", maxBuffer: 1 << 28,
  }));
  for (const g of res) row(g.label, score(g.mean, g.var.map((x) => Math.sqrt(Math.max(0, x))), test.y), g.seconds);
}
fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench", "results", "bayes-dkl.json"), JSON.stringify({ nTrain, nTest: test.n, backend: info.name, rows }, null, 1));
