// Focused timing / profiling of one structure-learning call on one bench case.
//
//   node [--cpu-prof] bench/causal/profile.mjs --case alarm-100k --alg pc [--reps 3] [--dist bench/results/causal-dist]
//
// Reads the case's CSV written by run.mjs (os.tmpdir()/causalscope-bench-causal/<case>.csv;
// run `node bench/causal/run.mjs --only <net> --sizes <n>` once to create it) and prints
// the best wall time and CPU time (user + system, less sensitive to other jobs on the machine), the SHD-free structure summary (edge count, meta) for comparison.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const name = opt("--case", "alarm-10k");
const alg = opt("--alg", "pc");
const reps = Number(opt("--reps", "3"));
const dist = path.resolve(root, opt("--dist", "bench/results/causal-dist"));
const cs = createRequire(import.meta.url)(path.join(dist, "causal", "index.js"));
const csv = path.join(os.tmpdir(), "causalscope-bench-causal", `${name}.csv`);
const t = fs.readFileSync(csv, "utf8").trim().split("\n");
const names = t[0].split(",");
const cols = names.map(() => new Float64Array(t.length - 1));
for (let i = 1; i < t.length; i++) { const p = t[i].split(","); for (let j = 0; j < names.length; j++) cols[j][i - 1] = +p[j]; }
const data = Object.fromEntries(names.map((n, j) => [n, cols[j]]));
const discrete = /^(alarm|sachs)/.test(name);
const opts = { dataType: discrete ? "discrete" : "continuous", algorithm: alg, alpha: 0.05 };
if (alg === "ges" && discrete) Object.assign(opts, { score: "bdeu", ess: 1, edgePrior: 1 });
let best = Infinity, bestCpu = Infinity, g;
for (let r = 0; r < reps; r++) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  g = cs.learnStructure(data, opts);
  const c1 = process.cpuUsage(c0);
  best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  bestCpu = Math.min(bestCpu, (c1.user + c1.system) / 1e6);
}
const edges = g.edges.map((e) => `${e.from}${e.directed ? "->" : "--"}${e.to}${e.weight !== undefined ? ":" + e.weight.toPrecision(8) : ""}`).sort();
const { order, ...meta } = g.meta ?? {};
console.log(JSON.stringify({ case: name, alg, best, cpu: bestCpu, edges: edges.length, meta, order }));
if (args.includes("--edges")) console.log(edges.join("\n"));
