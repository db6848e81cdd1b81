// U-Net benchmark: AtomAI's atom-segmentation U-Net (16 base filters, conv blocks [1, 2, 2, 3],
// LeakyReLU + BatchNorm, dilated bottleneck, bilinear upsampling, skip connections; 594 033
// parameters) in causalscope (TensorFlow.js wasm and cpu backends, and its ONNX export run by
// onnxruntime-node) against AtomAI's own PyTorch Unet on the CPU and ONNX Runtime for Python,
// all in the same run, 2 threads on every side.
//
//   node bench/deep/run.mjs [--sizes 256,1024] [--cpu-sizes 256] [--reps 5] [--rounds 2] [--cpu-reps 1]
//                           [--train-size 64] [--train-batch 8] [--train-steps 4] [--train-reps 2] [--no-train] [--train-cpu]
//
// 1. Like for like: the same weights on every side. buildUNet({ architecture: "atomai" }) with
//    every weight and BatchNorm statistic randomised (seed 1), exported with toOnnx; ref.py copies
//    the ONNX initializers into AtomAI's Unet and checks its output against ours on a 64² image with
//    two modules patched to causalscope's semantics (TensorFlow.js bilinear upsampling: source =
//    output / 2; the dilated bottleneck sums its 3 BatchNorm outputs, where AtomAI's DilatedBlock sums
//    the outputs of all 9 of its modules); it also reports the difference from AtomAI as it is, which
//    is what the timed PyTorch model runs (the same operations up to a few additions at 1/8 resolution).
// 2. Inference: one forward pass, batch 1, SIZE² pixels, sigmoid output, from an in-memory array
//    to an in-memory array. One warm-up call, then --reps timed calls per tool (tfjs-cpu:
//    --cpu-reps, only at --cpu-sizes: ~25 s per 256² call here, minutes at 1024²), median and
//    fastest; the tools alternate in --rounds rounds (Node side, then Python side) so that load
//    from other jobs on the machine falls on both.
//    Ours: onnxruntime-node (onnxSession: intra-op threads 2, no spin-waiting), tfjs-wasm (XNNPACK,
//    SIMD, single thread: causalscope's backend() reports threads: false in Node), tfjs-cpu (pure
//    JavaScript). Python side: PyTorch (AtomAI's Unet, eval, inference_mode, torch.set_num_threads(2)),
//    ONNX Runtime with intra-op threads 2 and its default spin-waiting on our exported graph and on
//    PyTorch's own ONNX export of AtomAI's Unet (torch.onnx.export, opset 17), and on that export
//    without spin-waiting (onnxSession's setting: see its `spinning` option). PyTorch runs with
//    OMP_WAIT_POLICY=PASSIVE: with OpenMP's default spin-waiting, 2 threads on a loaded 2-core
//    machine took 1.6 s per 64² call here instead of 45 ms (its threads spin at every barrier while
//    the other is descheduled).
// 3. Training: one epoch = --train-steps Adam steps (lr 1e-3) of --train-batch random images of
//    --train-size² with binary cross-entropy, on the same architecture without dilation (TensorFlow.js
//    has no gradient for dilated convolutions): tfjs-wasm (with causalscope's Conv2DBackpropFilter
//    kernel, src/atoms/deep/kernels.ts) against PyTorch (AtomAI's Unet(with_dilation=False)).
//    One warm-up epoch, then --train-reps epochs. With --train-cpu, tfjs-cpu is timed on one step
//    (the epoch time given for it is that step × steps, marked as such; 211 s for one step of
//    batch 2 here).
// Reference tools: bench/deep/requirements.txt, in bench/deep/.venv (bench/reference-venv.mjs).
// Prints markdown tables; also written to bench/results/deep/latest.md. Curated runs: RESULTS.md.
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
const sizes = opt("--sizes", "256,1024").split(",").filter(Boolean).map(Number);
const cpuSizes = opt("--cpu-sizes", "256").split(",").filter(Boolean).map(Number);
const reps = Number(opt("--reps", "5")), rounds = Number(opt("--rounds", "2")), cpuReps = Number(opt("--cpu-reps", "1"));
const trainSize = Number(opt("--train-size", "64")), trainBatch = Number(opt("--train-batch", "8"));
const trainSteps = Number(opt("--train-steps", "4")), trainReps = Number(opt("--train-reps", "2"));
const doTrain = !args.includes("--no-train"), trainCpu = args.includes("--train-cpu");
const python = referencePython(here);

// Build the library parts used here from their sources.
const out = path.join(root, "bench", "results", "deep-dist");
const entries = ["src/atoms/deep/onnx/index.ts", "src/atoms/deep/unet.ts", "src/atoms/deep/kernels.ts", "src/backend/backend.ts", "src/core/random.ts"].map((f) => path.join(root, f));
const built = path.join(out, "src", "atoms", "deep", "onnx", "index.js");
const newest = (dir) => fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(".ts")).reduce((m, f) => Math.max(m, fs.statSync(path.join(dir, f)).mtimeMs), 0);
if (!fs.existsSync(built) || newest(path.join(root, "src", "atoms", "deep")) > fs.statSync(built).mtimeMs) {
  console.log("compiling src/atoms/deep -> " + out);
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
    "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck", "--resolveJsonModule",
    "--declaration", "false", "--sourceMap", "false", ...entries], { stdio: "inherit" });
  if (r.status !== 0) console.log("(tsc reported errors; the emitted JavaScript is used)");
}
const require = createRequire(import.meta.url);
const { toOnnx, onnxSession } = require(built);
const { buildUNet, trainableParameters } = require(path.join(out, "src/atoms/deep/unet.js"));
const { registerWasmTrainingKernels } = require(path.join(out, "src/atoms/deep/kernels.js"));
const { initBackend, tfjs } = require(path.join(out, "src/backend/backend.js"));
const { Rng } = require(path.join(out, "src/core/random.js"));

const median = (a) => { const s = a.slice().sort((x, y) => x - y), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const work = path.join(root, "bench", "results", "deep");
fs.mkdirSync(work, { recursive: true });
const lines = [];
const say = (s = "") => { console.log(s); lines.push(s); };

function py(mode, ...rest) {
  const r = spawnSync(python, [path.join(here, "ref.py"), mode, ...rest.map(String)], { encoding: "utf8", maxBuffer: 1 << 26, env: { ...process.env, OMP_WAIT_POLICY: "PASSIVE" } });
  if (r.status !== 0) throw new Error(`ref.py ${mode} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

/** Every weight of `net` randomised (seeded): kernels ±√(3/fan-in), biases ±0.1, BatchNorm γ ∈ [0.5, 1.5], β and mean ±0.3, variance [0.3, 2]. */
function randomise(net, seed) {
  const tf = tfjs(), r = new Rng(seed);
  for (const layer of net.layers) {
    if (!layer.weights.length) continue;
    layer.setWeights(layer.weights.map((w) => {
      const shape = w.shape, n = shape.reduce((a, b) => a * b, 1), v = new Float32Array(n);
      const kind = w.originalName.split("/").pop(), fanIn = shape.length === 4 ? shape[0] * shape[1] * shape[2] : 1;
      const [lo, hi] = { kernel: [-Math.sqrt(3 / fanIn), Math.sqrt(3 / fanIn)], bias: [-0.1, 0.1], gamma: [0.5, 1.5], beta: [-0.3, 0.3], moving_mean: [-0.3, 0.3], moving_variance: [0.3, 2] }[kind];
      for (let i = 0; i < n; i++) v[i] = r.range(lo, hi);
      return tf.tensor(v, shape);
    }));
  }
}

async function timeIt(fn, n) {
  await fn(); // warm-up
  const ts = [];
  for (let k = 0; k < n; k++) { const t0 = performance.now(); await fn(); ts.push(performance.now() - t0); }
  return ts;
}

// ---------------------------------------------------------------- setup and like-for-like check
say(`# bench/deep: AtomAI U-Net, causalscope vs PyTorch and ONNX Runtime (Python)`);
say(`${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0].model}), load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
await initBackend({ prefer: "cpu" });
const net = buildUNet({ architecture: "atomai", seed: 0 });
randomise(net, 1);
const onnxPath = path.join(work, "unet-atomai.onnx");
fs.writeFileSync(onnxPath, toOnnx(net, { metadata: { architecture: "atomai", weights: "random (bench/deep/run.mjs, seed 1)" } }));
const session = await onnxSession(new Uint8Array(fs.readFileSync(onnxPath)), { threads: 2 });
say(`model: ${trainableParameters(net)} trainable parameters; ONNX graph ${(fs.statSync(onnxPath).size / 1e6).toFixed(2)} MB (${onnxPath})`);

const C = 64, r0 = new Rng(2), xCheck = new Float32Array(C * C).map(() => r0.normal());
const yOrt = (await session.run({ data: xCheck, shape: [1, C, C, 1] })).data;
const tf0 = tfjs();
const yTf = tf0.tidy(() => net.predict(tf0.tensor4d(xCheck, [1, C, C, 1])).dataSync());
let dTf = 0;
for (let i = 0; i < yTf.length; i++) dTf = Math.max(dTf, Math.abs(yTf[i] - yOrt[i]));
fs.writeFileSync(path.join(work, "check-input.f32"), Buffer.from(xCheck.buffer));
fs.writeFileSync(path.join(work, "check-output.f32"), Buffer.from(Float32Array.from(yOrt).buffer));
const chk = py("check", onnxPath, path.join(work, "check-input.f32"), path.join(work, "check-output.f32"), C, C);
say(`\n## Same weights, same outputs (64² random image, sigmoid output, largest |difference| from onnxruntime-node)`);
say(`| tfjs-cpu | ONNX Runtime (Python), same graph | AtomAI Unet in PyTorch with causalscope's upsampling and bottleneck sum | AtomAI Unet as it is (half-pixel upsampling, bottleneck sums all 9 module outputs) |`);
say(`| --- | --- | --- | --- |`);
say(`| ${dTf.toExponential(1)} | ${chk.ort_python_max_abs_diff.toExponential(1)} | ${chk.atomai_tfjs_semantics_max_abs_diff.toExponential(1)} | ${chk.atomai_own_max_abs_diff.toExponential(1)} |`);
say(`AtomAI's Unet: ${chk.parameters} parameters; our graph: onnx.checker ${chk.onnx_checker}.`);
if (!(dTf < 1e-4 && chk.ort_python_max_abs_diff < 1e-4 && chk.atomai_tfjs_semantics_max_abs_diff < 1e-4)) throw new Error("bench/deep: the models do not compute the same function; timings would not compare like with like");

// ---------------------------------------------------------------- inference
const times = {}; // tool -> size -> ms[]
const add = (tool, size, ts) => { ((times[tool] ??= {})[size] ??= []).push(...ts); };
let pyVersions = {};
for (let round = 1; round <= rounds; round++) {
  console.log(`round ${round}/${rounds}: Node side ...`);
  for (const s of sizes) {
    const x = new Float32Array(s * s).map(() => r0.normal());
    add("onnxruntime-node", s, await timeIt(() => session.run({ data: x, shape: [1, s, s, 1] }), reps));
    for (const backend of cpuSizes.includes(s) ? ["wasm", "cpu"] : ["wasm"]) {
      await initBackend({ prefer: backend });
      const tf = tfjs();
      const input = tf.tensor4d(x, [1, s, s, 1]);
      add(`tfjs-${backend}`, s, await timeIt(async () => { const y = net.predict(input); await y.data(); y.dispose(); }, backend === "cpu" ? cpuReps : reps));
      input.dispose();
    }
  }
  console.log(`round ${round}/${rounds}: Python side ...`);
  const p = py("infer", onnxPath, sizes.join(","), reps);
  pyVersions = { torch: p.torch, onnxruntime: p.onnxruntime, threads: p.threads };
  for (const s of sizes) {
    add("PyTorch (AtomAI Unet)", s, p.sizes[s].pytorch.all_ms);
    add("ONNX Runtime Python, our graph", s, p.sizes[s].ort_python_ours.all_ms);
    add("ONNX Runtime Python, PyTorch's export", s, p.sizes[s].ort_python_torch_export.all_ms);
    add("ONNX Runtime Python, PyTorch's export, no spinning", s, p.sizes[s].ort_python_torch_export_no_spin.all_ms);
  }
}
await session.release();
say(`\n## Inference, batch 1, 2 threads (${rounds} rounds × ${reps} timed calls; tfjs-cpu ${cpuReps}): median (fastest)`);
say(`PyTorch ${pyVersions.torch} (threads ${pyVersions.threads}), onnxruntime ${pyVersions.onnxruntime} (Python) and onnxruntime-node ${require("onnxruntime-node").env.versions.node}.`);
const tools = ["onnxruntime-node", "tfjs-wasm", "tfjs-cpu", "PyTorch (AtomAI Unet)", "ONNX Runtime Python, our graph", "ONNX Runtime Python, PyTorch's export", "ONNX Runtime Python, PyTorch's export, no spinning"];
say(`| tool | ${sizes.map((s) => `${s}²`).join(" | ")} |`);
say(`| --- | ${sizes.map(() => "---").join(" | ")} |`);
const cell = (t, s, f) => (times[t][s] ? f(times[t][s]) : "not run (--cpu-sizes)");
for (const t of tools) say(`| ${t} | ${sizes.map((s) => cell(t, s, (ts) => `${fmt(median(ts))} (${fmt(Math.min(...ts))})`)).join(" | ")} |`);
say(`\nRatios (reference time / onnxruntime-node time; > 1: ours is faster), median (fastest):`);
say(`| reference | ${sizes.map((s) => `${s}²`).join(" | ")} |`);
say(`| --- | ${sizes.map(() => "---").join(" | ")} |`);
const ours = (s) => times["onnxruntime-node"][s];
for (const t of tools.slice(1)) say(`| ${t} | ${sizes.map((s) => cell(t, s, (ts) => `${(median(ts) / median(ours(s))).toFixed(2)} (${(Math.min(...ts) / Math.min(...ours(s))).toFixed(2)})`)).join(" | ")} |`);

// ---------------------------------------------------------------- training
if (doTrain) {
  say(`\n## Training epoch: ${trainSteps} Adam steps × batch ${trainBatch} × ${trainSize}², same architecture without dilation, median (fastest) of ${trainReps}`);
  const rows = [];
  const rt = new Rng(5), px = trainBatch * trainSize * trainSize;
  const xs = Array.from({ length: trainSteps }, () => new Float32Array(px).map(() => rt.normal()));
  const ys = Array.from({ length: trainSteps }, () => new Float32Array(px).map(() => (rt.uniform() < 0.1 ? 1 : 0)));
  for (const backend of trainCpu ? ["wasm", "cpu"] : ["wasm"]) {
    await initBackend({ prefer: backend });
    const tf = tfjs();
    if (backend === "wasm") registerWasmTrainingKernels(tf);
    const trainNet = buildUNet({ architecture: "atomai", dilation: false, seed: 0 });
    const optimizer = tf.train.adam(1e-3);
    const shape = [trainBatch, trainSize, trainSize, 1];
    // Binary cross-entropy on the sigmoid output (what trainAtomModel minimises), one forward per step.
    const step = async (k) => {
      const x = tf.tensor4d(xs[k], shape), y = tf.tensor4d(ys[k], shape);
      const loss = optimizer.minimize(() => {
        const p = trainNet.apply(x, { training: true }).clipByValue(1e-6, 1 - 1e-6);
        return y.mul(p.log()).add(tf.scalar(1).sub(y).mul(tf.scalar(1).sub(p).log())).neg().mean();
      }, true);
      await loss.data();
      tf.dispose([x, y, loss]);
    };
    if (backend === "wasm") {
      const ts = await timeIt(async () => { for (let k = 0; k < trainSteps; k++) await step(k); }, trainReps);
      rows.push([`tfjs-wasm`, median(ts), Math.min(...ts), ""]);
    } else {
      const ts = await timeIt(() => step(0), 1);
      rows.push([`tfjs-cpu`, ts[0] * trainSteps, ts[0] * trainSteps, ` (1 step timed: ${fmt(ts[0])}, × ${trainSteps})`]);
    }
    optimizer.dispose();
    trainNet.dispose();
  }
  const p = py("train", trainSize, trainBatch, trainSteps, trainReps);
  rows.push([`PyTorch (AtomAI Unet(with_dilation=False), ${p.parameters} parameters)`, p.median_ms, p.min_ms, ""]);
  say(`| tool | epoch | PyTorch / tool |`);
  say(`| --- | --- | --- |`);
  for (const [t, m, f, note] of rows) say(`| ${t} | ${fmt(m)} (${fmt(f)})${note} | ${(p.median_ms / m).toFixed(2)} (${(p.min_ms / f).toFixed(2)}) |`);
}
say(`\nload average at end ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
fs.writeFileSync(path.join(work, "latest.md"), lines.join("\n") + "\n");
