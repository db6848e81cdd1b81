// Gaussian-process benchmark: causalscope's exact GP (MAP) against
// scikit-learn's GaussianProcessRegressor on the same data in the same run.
//
//   node bench/bayes/run.mjs [--sizes 200,1000,3000] [--reps 3] [--eval-sizes 3000] [--nuts-n 100] [--sparse-n 20000]
//                            [--bo-seeds 10] [--bo-problems branin,hartmann6]
//
// Data: n points uniform in [-2, 2]², y = sin(2x₁) + 0.5x₂² + N(0, 0.2²) (seed 1);
// 1000 test points. Both sides: kernel variance · RBF(ARD, started at span/2,
// bounds span·[1e-3, 1e3]) + white noise (start 1e-2, bounds [1e-8, 10]),
// standardised y, bounded L-BFGS from the starting point only (no restarts:
// scikit-learn's default n_restarts_optimizer = 0), then mean and sd at the test points.
// Timed: fit + predict from in-memory arrays (number[][] here, NumPy there);
// the median of --reps calls per side (scikit-learn times itself inside its
// process, after importing), and the ratio sklearn/ours (> 1: we are faster).
// Also printed: each side's maximised log marginal likelihood (standardised y)
// and the largest difference of the predicted means relative to y's sd.
// scikit-learn comes from the project venv (requirements/bayes.txt).
//
// 2. NUTS on GP hyperparameters (--nuts-n 100; 0 skips) against NumPyro (GPax's
//    engine; bench/bayes/requirements.txt, own venv bench/bayes/.venv): 1-D data
//    x ~ U(0, 5), y = sin 2x + N(0, 0.2²) (seed 3), standardised; Matérn 5/2 + white
//    noise with our default priors on both sides (LogNormal(0,1) variance,
//    LogNormal(log(span/2), 1) lengthscale, HalfNormal(1) noise), 4 chains × 300
//    warm-up + 300 draws, sequential chains. Printed: posterior mean ± sd of each
//    log-hyperparameter, whether the two means agree within 4 Monte Carlo standard
//    errors, ESS, R-hat, and min-ESS per second (ours: the whole
//    gaussianProcess(..., { inference: "nuts" }) call incl. its MAP start; NumPyro:
//    mcmc.run, first call with JIT compilation and a second, compiled call).
//
// 1b. One log marginal likelihood + gradient evaluation (--eval-sizes 3000; "" skips), the unit
//    of work of every L-BFGS step: the same data and kernel (variance 1 · RBF([1, 1]) + white 0.04,
//    y not standardised) on both sides; ours logMarginalLikelihood(kernel, X, y), scikit-learn's
//    gp.log_marginal_likelihood(theta, eval_gradient=True) (timed inside Python, best of --reps).
//    Printed: seconds, the ratio, and the largest difference of value and gradient.
//
// 3. Sparse GP (--sparse-n 20000; 0 skips), ours only: the same 2-D data at n points,
//    sparseGaussianProcess with 200 k-means inducing points and hyperparameters from a
//    300-point subset (defaults); printed: wall and CPU seconds of the fit, the growth of
//    array-buffer memory, and the RMSE of the posterior mean against the noise-free truth
//    at 2000 test points (an exact GP's K alone would take 8·n² bytes).
//
// 4. Bayesian optimisation (--bo-seeds 10; 0 skips) on Branin and Hartmann-6, 30 evaluations per run, against
//    BoTorch's GP-EI loop (bench/bayes/botorch_bo.py, own venv) and random search: our bayesianOptimization (EI,
//    defaults; and with hyperpriors: "dimension-scaled", BoTorch's surrogate priors) per seed; BoTorch from the
//    same initial design (ours for that seed: 5 points on Branin, 7 on Hartmann-6); random search 30 uniform points
//    (seed 1000 + seed, as tests/bayes/optimize). Printed: median simple regret (best − known minimum) after
//    10/20/30 evaluations, and the wall time per iteration (surrogate fit + acquisition; ours: between consecutive
//    evaluations after the initial design; BoTorch: timed in Python, after import) as median over all iterations of
//    all seeds, with the ratio BoTorch/ours (> 1: we are faster).
import { spawnSync, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const sizes = opt("--sizes", "200,1000,3000").split(",").filter(Boolean).map(Number);
const sparseN = Number(opt("--sparse-n", "20000"));
const evalSizes = opt("--eval-sizes", "3000").split(",").filter(Boolean).map(Number);
const nutsN = Number(opt("--nuts-n", "100"));
const reps = Number(opt("--reps", "3"));
const boSeeds = Number(opt("--bo-seeds", "10"));
const boProblems = opt("--bo-problems", "branin,hartmann6").split(",").filter(Boolean);
const python = path.join(root, ".venv", "bin", "python");
if (!fs.existsSync(python)) throw new Error(`bench/bayes needs the project venv (scikit-learn): run node scripts/venv.mjs`);

const out = path.join(root, "bench", "results", "bayes-dist");
const built = path.join(out, "src", "bayes", "index.js");
const srcDir = path.join(root, "src", "bayes");
const stale = !fs.existsSync(built) || fs.readdirSync(srcDir).some((f) => fs.statSync(path.join(srcDir, f)).mtimeMs > fs.statSync(built).mtimeMs);
if (stale) {
  console.log("compiling src/bayes -> " + out);
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
    "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck",
    "--declaration", "false", "--sourceMap", "false", path.join(srcDir, "index.ts")], { stdio: "inherit" });
  if (r.status !== 0) console.log("(tsc reported errors; the emitted JavaScript is used)");
}
const require = createRequire(import.meta.url);
const bayes = require(built);
const { Rng } = require(path.join(out, "src", "core", "random.js"));

const median = (a) => { const s = a.slice().sort((x, y) => x - y), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
function data(n, seed) {
  const r = new Rng(seed);
  const X = Array.from({ length: n }, () => [r.range(-2, 2), r.range(-2, 2)]);
  const y = Float64Array.from(X, (x) => Math.sin(2 * x[0]) + 0.5 * x[1] * x[1] + 0.2 * r.normal());
  return { X, y };
}

console.log(`exact GP fit + predict (MAP, RBF ARD + white, 2-D, 1000 test points), median of ${reps}`);
console.log("n      ours s    sklearn s   sklearn/ours   LML ours      LML sklearn   max |Δmean|/sd_y");
for (const n of sizes) {
  const { X, y } = data(n, 1), Xs = data(1000, 2).X;
  let gp, pred;
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    gp = bayes.gaussianProcess(X, y, { kernel: "rbf", restarts: 0 });
    pred = gp.predict(Xs, { noise: true });
    times.push((performance.now() - t0) / 1000);
  }
  const b = gp.kernel.hyperparameters.find((h) => h.name.startsWith("lengthscale")).bounds;
  const spans = [0, 1].map((k) => Math.max(...X.map((x) => x[k])) - Math.min(...X.map((x) => x[k])));
  const kernel = `ConstantKernel(1.0, (1e-3, 1e3)) * RBF([${spans.map((s) => s / 2).join(", ")}], length_scale_bounds=(${b[0]}, ${b[1]})) + WhiteKernel(1e-2, (1e-8, 1e1))`;
  const ref = JSON.parse(execFileSync(python, [path.join(root, "tests", "bayes", "sklearn_gp.py")], {
    input: JSON.stringify({ X, y: Array.from(y), Xs, kernel, optimize: true, normalize_y: true, restarts: 0, repeat: reps }), encoding: "utf8", maxBuffer: 1 << 28,
  }));
  const ours = median(times), theirs = ref.seconds, lmlOurs = gp.logMarginalLikelihood + n * Math.log(gp.yScale);
  let dmax = 0;
  ref.mean.forEach((m, i) => { dmax = Math.max(dmax, Math.abs(Number(m) - pred.mean[i])); });
  console.log(`${String(n).padEnd(6)} ${ours.toFixed(3).padStart(8)}  ${theirs.toFixed(3).padStart(9)}   ${(theirs / ours).toFixed(2).padStart(10)}x   ${lmlOurs.toFixed(4).padStart(11)}  ${Number(ref.lml).toFixed(4).padStart(12)}   ${(dmax / gp.yScale).toExponential(2)}`);
}

const LML_PY = `
import json, sys, time
import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
r = json.load(sys.stdin)
gp = GaussianProcessRegressor(kernel=eval(r["kernel"]), optimizer=None, normalize_y=False, alpha=1e-10).fit(np.asarray(r["X"]), np.asarray(r["y"]))
best = float("inf")
for _ in range(r["repeat"]):
    t0 = time.perf_counter(); v, g = gp.log_marginal_likelihood(gp.kernel_.theta, eval_gradient=True); best = min(best, time.perf_counter() - t0)
json.dump({"value": repr(float(v)), "gradient": [repr(float(x)) for x in g], "seconds": best}, sys.stdout)
`;
if (evalSizes.length) {
  console.log(`\none log marginal likelihood + gradient evaluation (variance 1 · RBF([1, 1]) + white 0.04, raw y), best of ${reps}`);
  console.log("n      ours s    sklearn s   sklearn/ours   max |Δvalue|/|value|   max |Δgradient|/max|gradient|");
  for (const n of evalSizes) {
    const { X, y } = data(n, 1);
    const kernel = bayes.constant(1).times(bayes.rbf([1, 1])).plus(bayes.white(0.04));
    let ours = Infinity, res;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      res = bayes.logMarginalLikelihood(kernel, X, y);
      ours = Math.min(ours, (performance.now() - t0) / 1000);
    }
    const ref = JSON.parse(execFileSync(python, ["-c", LML_PY], { input: JSON.stringify({ X, y: Array.from(y), kernel: "ConstantKernel(1.0) * RBF([1.0, 1.0]) + WhiteKernel(0.04)", repeat: reps }), encoding: "utf8", maxBuffer: 1 << 28 }));
    const g = ref.gradient.map(Number), gmax = Math.max(...g.map(Math.abs));
    const dg = Math.max(...g.map((v, i) => Math.abs(v - res.gradient[i]))) / gmax, dv = Math.abs(res.value - Number(ref.value)) / Math.abs(Number(ref.value));
    console.log(`${String(n).padEnd(6)} ${ours.toFixed(3).padStart(8)}  ${ref.seconds.toFixed(3).padStart(9)}   ${(ref.seconds / ours).toFixed(2).padStart(10)}x   ${dv.toExponential(2).padStart(20)}   ${dg.toExponential(2).padStart(28)}`);
  }
}

if (nutsN > 0) {
  const { referencePython } = await import("../reference-venv.mjs");
  const refPy = referencePython(here);
  const r = new Rng(3);
  const X = Array.from({ length: nutsN }, () => [r.range(0, 5)]);
  const y = Float64Array.from(X, ([x]) => Math.sin(2 * x) + 0.2 * r.normal());
  const t0 = performance.now();
  const gp = bayes.gaussianProcess(X, y, { kernel: "matern52", inference: "nuts", seed: 1 });
  const ours = (performance.now() - t0) / 1000;
  const xs = X.map(([x]) => x), span = Math.max(...xs) - Math.min(...xs);
  const ys = Array.from(y, (v) => (v - gp.yMean) / gp.yScale);
  const ref = JSON.parse(execFileSync(refPy, [path.join(here, "numpyro_gp.py")], {
    input: JSON.stringify({ X, y: ys, l0: span / 2, chains: 4, warmup: 300, samples: 300, seed: 1 }), encoding: "utf8", maxBuffer: 1 << 26,
  }));
  const m = gp.mcmc;
  console.log(`\nNUTS on GP hyperparameters (n = ${nutsN}, 1-D, Matérn 5/2 + white, 4 chains × 300 + 300), log values`);
  console.log("parameter      ours mean ± sd      NumPyro mean ± sd   agree (4 MCSE)   ESS ours / NumPyro   R-hat ours / NumPyro");
  let minOurs = Infinity, minRef = Infinity;
  m.names.forEach((name, i) => {
    const p = ref.params[name];
    const mcse = Math.sqrt(m.sd[i] ** 2 / m.ess[i] + p.sd ** 2 / p.ess);
    minOurs = Math.min(minOurs, m.ess[i]);
    minRef = Math.min(minRef, p.ess);
    console.log(`${name.padEnd(13)} ${m.mean[i].toFixed(3).padStart(7)} ± ${m.sd[i].toFixed(3)}    ${p.mean.toFixed(3).padStart(7)} ± ${p.sd.toFixed(3)}    ${Math.abs(m.mean[i] - p.mean) <= 4 * mcse ? "yes" : "NO "} (${(Math.abs(m.mean[i] - p.mean) / mcse).toFixed(1)} MCSE)   ${Math.round(m.ess[i])} / ${Math.round(p.ess)}   ${m.rhat[i].toFixed(3)} / ${p.rhat.toFixed(3)}`);
  });
  console.log(`divergences ours ${m.divergences.reduce((a, b) => a + b, 0)}, NumPyro ${ref.divergences}`);
  console.log(`min ESS per second: ours ${(minOurs / ours).toFixed(1)} (${ours.toFixed(1)} s), NumPyro ${(minRef / ref.seconds_first).toFixed(1)} (${ref.seconds_first.toFixed(1)} s with compilation), ${(minRef / ref.seconds_compiled).toFixed(1)} (${ref.seconds_compiled.toFixed(1)} s compiled); ours/NumPyro ${((minOurs / ours) / (minRef / ref.seconds_first)).toFixed(2)}x and ${((minOurs / ours) / (minRef / ref.seconds_compiled)).toFixed(2)}x`);
}

if (sparseN > 0) {
  const { X, y } = data(sparseN, 1), test = data(2000, 2);
  const truth = (x) => Math.sin(2 * x[0]) + 0.5 * x[1] * x[1];
  const before = process.memoryUsage().arrayBuffers, c0 = process.cpuUsage(), t0 = performance.now();
  const sgp = bayes.sparseGaussianProcess(X, y, { seed: 1 });
  const wall = (performance.now() - t0) / 1000, cpu = process.cpuUsage(c0), grown = (process.memoryUsage().arrayBuffers - before) / 1e6;
  const p = sgp.predict(test.X);
  const rmse = Math.sqrt(test.X.reduce((s, x, i) => s + (p.mean[i] - truth(x)) ** 2, 0) / test.X.length);
  console.log(`\nsparse GP (SGPR, m = ${sgp.m} k-means inducing points, hyperparameters from a 300-point subset), n = ${sparseN}, 2-D`);
  console.log(`fit ${wall.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU; array buffers +${grown.toFixed(1)} MB (exact K: ${(8 * sparseN * sparseN / 1e9).toFixed(1)} GB); RMSE vs noise-free truth ${rmse.toFixed(4)} (noise sd 0.2)`);
}

if (boSeeds > 0) {
  const { referencePython } = await import("../reference-venv.mjs");
  const refPy = referencePython(here);
  const A6 = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]];
  const P6 = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]].map((r) => r.map((v) => v * 1e-4));
  const W6 = [1, 1.2, 3, 3.2];
  const problems = {
    branin: {
      fn: ([a, b]) => (b - (5.1 / (4 * Math.PI ** 2)) * a * a + (5 / Math.PI) * a - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(a) + 10,
      bounds: [[-5, 10], [0, 15]], min: 0.397887357729738,
    },
    hartmann6: {
      fn: (x) => -W6.reduce((s, w, i) => s + w * Math.exp(-A6[i].reduce((t, a, j) => t + a * (x[j] - P6[i][j]) ** 2, 0)), 0),
      bounds: Array.from({ length: 6 }, () => [0, 1]), min: -3.32236801141551,
    },
  };
  const budget = 30, marks = [10, 20, 30];
  const bestAt = (ys, k, min) => Math.min(...ys.slice(0, k)) - min;
  console.log(`\nBayesian optimisation, ${budget} evaluations, ${boSeeds} seeds: median simple regret after ${marks.join("/")} evaluations; wall time per iteration (median over iterations and seeds)`);
  for (const name of boProblems) {
    const { fn, bounds, min } = problems[name];
    const ours = [], runs = [], random = [], priored = [];
    for (let seed = 0; seed < boSeeds; seed++) {
      priored.push((await bayes.bayesianOptimization(fn, { bounds, budget, seed, hyperpriors: "dimension-scaled" })).history.y);
      const stamps = [];
      const res = await bayes.bayesianOptimization(fn, { bounds, budget, seed, onEvaluation: () => stamps.push(performance.now()) });
      const initial = Math.min(budget, Math.max(5, bounds.length + 1));
      ours.push({ y: res.history.y, seconds: stamps.slice(initial).map((t, i) => (t - stamps[initial - 1 + i]) / 1000) });
      runs.push({ seed, initial: res.history.x.slice(0, initial) });
      const r = new Rng(1000 + seed), ys = [];
      for (let i = 0; i < budget; i++) ys.push(fn(bounds.map(([lo, hi]) => r.range(lo, hi))));
      random.push(ys);
    }
    const ref = JSON.parse(execFileSync(refPy, [path.join(here, "botorch_bo.py")], { input: JSON.stringify({ problem: name, budget, runs }), encoding: "utf8", maxBuffer: 1 << 26 }));
    const row = (label, ys) => `${label.padEnd(25)} ${marks.map((k) => median(ys.map((y) => bestAt(y, k, min))).toPrecision(3).padStart(10)).join("")}`;
    console.log(`${name} (${ref.runs.length} seeds; BoTorch ${ref.botorch}, torch ${ref.torch})          after ${marks.join("        ")}`);
    console.log(row("ours (EI)", ours.map((o) => o.y)));
    console.log(row("ours, dim.-scaled priors", priored));
    console.log(row("BoTorch (LogEI)", ref.runs.map((o) => o.y)));
    console.log(row("random search", random));
    const tOurs = median(ours.flatMap((o) => o.seconds)), tRef = median(ref.runs.flatMap((o) => o.seconds));
    console.log(`time per iteration: ours ${tOurs.toFixed(3)} s, BoTorch ${tRef.toFixed(3)} s, BoTorch/ours ${(tRef / tOurs).toFixed(2)}x`);
    const perSeed = ours.map((o, i) => `${bestAt(o.y, budget, min).toPrecision(2)}/${bestAt(ref.runs[i].y, budget, min).toPrecision(2)}`);
    console.log(`per seed regret after ${budget}, ours/BoTorch: ${perSeed.join(" ")}`);
  }
}
