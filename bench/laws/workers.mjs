// Symbolic regression on worker threads: wall time of symbolicRegressionAsync with
// 1 and 2 workers (and 0: the calling thread) at equal work, in the same run.
//
//   node bench/laws/workers.mjs [--reps 5] [--iterations 10] [--rows 1000] [--rebuild]
//
// Problem: I.12.2-like q1 q2 / r^2 (q1, q2, r uniform in [1, 5], seed 3), --rows rows,
// operators + - * /, seed 1, --iterations iterations and otherwise default options
// (8 populations of 33, 200 mutations per population and iteration), timeLimit
// far away, so every run does the same work: the fronts of all runs are checked
// identical (expressions, losses, evaluations). Threads are started by one untimed
// warm-up run per worker count; then --reps rounds, each timing 0, 1 and 2 workers
// one after the other (so a change of machine load hits all three alike). Reported:
// median and fastest wall seconds per run, the speed-up 1 → 2 workers, the CPU
// seconds per run (process.cpuUsage: every thread of the process, so the cost of
// copying populations to the threads shows), and the load average (the machine is shared).
// Control: the CPU seconds the machine grants this process over 2 s of wall time with
// 1 and with 2 threads spinning; when 2 threads get no more than 1, no speed-up can show.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const reps = opt("--reps", 5), iterations = opt("--iterations", 10), rows = opt("--rows", 1000);

// ------------------------------------------------------------------ library, compiled (with the pool's worker entry)
const out = path.join(root, "bench", "results", "laws-workers-dist");
const built = path.join(out, "src", "laws", "symbolic", "search.js");
const roots = ["src/laws/symbolic/search.ts", "src/core/pool-worker.ts"].map((f) => path.join(root, f));
const sources = [...fs.readdirSync(path.join(root, "src", "laws", "symbolic")).map((f) => path.join(root, "src", "laws", "symbolic", f)), ...roots, path.join(root, "src", "core", "pool.ts")];
if (!fs.existsSync(built) || args.includes("--rebuild") || sources.some((f) => fs.statSync(f).mtimeMs > fs.statSync(built).mtimeMs)) {
  console.log("compiling src/laws/symbolic and src/core/pool-worker -> " + out);
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
    "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck",
    "--declaration", "false", "--sourceMap", "false", ...roots], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("tsc failed on src/laws/symbolic");
}
const require = createRequire(import.meta.url);
const { symbolicRegressionAsync } = require(built);
const { Rng } = require(path.join(out, "src", "core", "random.js"));
const { sharedPool } = require(path.join(out, "src", "core", "pool.js"));

// ------------------------------------------------------------------ data
const rng = new Rng(3);
const col = () => Float64Array.from({ length: rows }, () => rng.range(1, 5));
const data = { q1: col(), q2: col(), r: col() };
const y = data.q1.map((q, i) => (q * data.q2[i]) / data.r[i] ** 2);
const options = { seed: 1, iterations, timeLimit: 1e6, operators: ["+", "-", "*", "/"], progress: false };

const summary = (r) => JSON.stringify({ front: r.front.map((e) => [e.expression, e.loss]), evaluations: r.evaluations, iterations: r.iterations });
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
let reference = null;
async function timed(workers) {
  const t0 = performance.now(), c0 = cpu();
  const r = await symbolicRegressionAsync(data, y, { ...options, workers });
  const seconds = (performance.now() - t0) / 1000, cpuSeconds = cpu() - c0;
  const s = summary(r);
  reference ??= s;
  if (s !== reference) throw new Error(`workers ${workers}: the front differs from the first run's`);
  return { seconds, cpuSeconds, best: r.best.expression, evaluations: r.evaluations };
}

/** CPU seconds granted to `n` threads spinning for `ms` of wall time each (the control). */
async function grantedCpu(n, ms = 2000) {
  const c0 = cpu();
  await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const w = new Worker(`const t = Date.now(); let x = 0; while (Date.now() - t < ${ms}) x += Math.sqrt(x + 1); require("node:worker_threads").parentPort.postMessage(x);`, { eval: true });
    w.once("message", () => void w.terminate().then(resolve));
    w.once("error", reject);
  })));
  return cpu() - c0;
}

const counts = [0, 1, 2];
const load0 = os.loadavg();
console.log(`symbolic regression, ${rows} rows, ${iterations} iterations, 8 populations x 33; ${os.cpus().length} logical CPUs, load ${load0.map((l) => l.toFixed(1)).join(" / ")} (1/5/15 min)`);
for (const w of counts) await timed(w); // warm-up: threads started, code compiled
const times = Object.fromEntries(counts.map((w) => [w, []]));
const cpus = Object.fromEntries(counts.map((w) => [w, []]));
const cpu0 = cpu();
for (let k = 0; k < reps; k++) {
  for (const w of counts) {
    const t = await timed(w);
    times[w].push(t.seconds);
    cpus[w].push(t.cpuSeconds);
  }
  console.log(`round ${k + 1}: ` + counts.map((w) => `${w} workers ${times[w].at(-1).toFixed(2)} s`).join(", "));
}
const cpuSeconds = cpu() - cpu0;
const median = (a) => { const s = [...a].sort((x, z) => x - z); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const load1 = os.loadavg();
const last = await timed(2);
console.log(`best: ${last.best} (${last.evaluations} evaluations per run, identical fronts in all ${1 + counts.length * (reps + 1)} runs)`);
console.log("| workers | median wall s | fastest wall s | median CPU s (all threads) |");
console.log("| --- | --- | --- | --- |");
for (const w of counts) console.log(`| ${w === 0 ? "0 (calling thread)" : w} | ${median(times[w]).toFixed(2)} | ${Math.min(...times[w]).toFixed(2)} | ${median(cpus[w]).toFixed(2)} |`);
console.log(`speed-up 1 -> 2 workers: median ${(median(times[1]) / median(times[2])).toFixed(2)}x, fastest ${(Math.min(...times[1]) / Math.min(...times[2])).toFixed(2)}x`);
console.log(`process CPU over the timed runs, all threads: ${cpuSeconds.toFixed(1)} s`);
console.log(`load average at the end: ${load1.map((l) => l.toFixed(1)).join(" / ")}`);
const [one, two] = [await grantedCpu(1), await grantedCpu(2)];
console.log(`control, CPU granted over 2 s of wall time: 1 spinning thread ${one.toFixed(2)} s, 2 spinning threads ${two.toFixed(2)} s (${(two / one).toFixed(2)}x)`);
await sharedPool().terminate();
