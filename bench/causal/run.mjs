// Causal-discovery benchmark: causalscope vs causal-learn (PC, GES, FCI),
// pgmpy (HillClimbSearch, PC) and lingam (DirectLiNGAM) on the same data in
// the same run. Prints wall time and SHD per tool and the ratios
// (their time / our time, our SHD − their SHD).
//
//   node bench/causal/run.mjs [--quick] [--sizes 1000,10000,100000] [--timeout 600] [--only alarm,sachs,gauss50,gauss100,lingam]
//                             [--algs pc,hc,ges,fci,lingam] [--refs causal-learn:pc,pgmpy:hc,...] [--rebuild]
//                             [--reps 5] [--no-warmup] [--dist bench/results/causal-dist]
//
// Data: the alarm (37 nodes, 46 edges) and sachs (11 nodes, 17 edges)
// networks of the bnlearn repository (tests/fixtures/causal/networks),
// forward-sampled; random linear-Gaussian DAGs with 50 and 100 variables
// (expected degree 2, weights ±U(0.5, 2)); a linear non-Gaussian (uniform
// noise) DAG for DirectLiNGAM. SHD is measured on CPDAGs against the true
// CPDAG (DAG outputs are converted), on PAG skeletons for FCI, and on DAGs for
// LiNGAM. Only the structure-learning call is timed (data already in memory)
// for every tool; ours includes its data preparation (learnStructure on the
// columns). Reference calls that exceed --timeout are reported as such.
//
// Timing, the same on both sides: per case and algorithm, one untimed warm-up
// call of the same algorithm with the same options on a different, small data
// set (the child network, 20 variables, 2000 rows, for discrete cases; a
// 20-variable linear-Gaussian SEM, 1000 rows, for continuous ones), the
// counterpart of the Python side's excluded imports (it compiles our code
// paths; nothing is cached across calls); then --reps timed calls (default 5)
// on the case, and the median is reported ("ours" / "theirs"; the
// reference's calls run in one Python process). Our first timed call is
// printed too ("first"), and the ratio of the two sides' fastest calls
// ("best"), which is less sensitive to other jobs on a shared machine.
// --no-warmup skips both warm-up calls.
// --dist times a prebuilt library (e.g. an older tree) instead of compiling src.
// Reference tools: bench/causal/requirements.txt, in $CAUSAL_BENCH_PYTHON or
// bench/causal/.venv (made on first use by bench/reference-venv.mjs).
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
const flag = (name) => args.includes(name);
const quick = flag("--quick");
const sizes = opt("--sizes", quick ? "1000,10000" : "1000,10000,100000").split(",").map(Number);
const timeoutS = Number(opt("--timeout", quick ? "300" : "600"));
const only = opt("--only", quick ? "alarm,sachs,gauss50,lingam" : "alarm,sachs,gauss50,gauss100,lingam").split(",");
// optional filters: --algs pc,hc (our algorithms), --refs causal-learn:pc,pgmpy:hc (reference calls; others skipped)
const algsOnly = opt("--algs", "") ? opt("--algs", "").split(",") : null;
const refsOnly = opt("--refs", "") ? opt("--refs", "").split(",") : null;
const reps = Number(opt("--reps", "5"));
const warmup = !flag("--no-warmup");
const dir = path.join(os.tmpdir(), "causalscope-bench-causal");
fs.mkdirSync(dir, { recursive: true });

// ------------------------------------------------------------------ library
// Compile the library sources into the temp dir (tsc emits even when another
// capability has a type error, so the bench does not depend on the whole tree).
const prebuilt = opt("--dist", "");
const out = prebuilt ? path.resolve(root, prebuilt) : path.join(root, "bench", "results", "causal-dist"); // inside the repo so node_modules resolve (bench/results is git-ignored)
if (!prebuilt && (!fs.existsSync(path.join(out, "causal", "index.js")) || flag("--rebuild"))) {
  console.log("compiling src -> " + out);
  spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", path.join(root, "src/tsconfig.json"), "--outDir", out, "--declaration", "false", "--sourceMap", "false"], { stdio: "ignore" });
}
const require = createRequire(import.meta.url);
const cs = require(path.join(out, "causal", "index.js"));

// ------------------------------------------------------------------ python
const py = process.env.CAUSAL_BENCH_PYTHON || referencePython(here);
function ref(spec) {
  const r = spawnSync(py, [path.join(here, "ref.py"), JSON.stringify(spec)], { encoding: "utf8", maxBuffer: 1 << 28, timeout: timeoutS * 1000, killSignal: "SIGKILL" });
  if (r.error && r.error.code === "ETIMEDOUT" || r.signal === "SIGKILL") return { timeout: true };
  if (r.status !== 0) return { error: (r.stderr || "").trim().split("\n").slice(-1)[0] };
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

// ------------------------------------------------------------------ data
function writeCsv(file, cols) {
  const names = Object.keys(cols);
  const n = cols[names[0]].length;
  const lines = [names.join(",")];
  for (let i = 0; i < n; i++) lines.push(names.map((c) => (typeof cols[c][i] === "number" ? +cols[c][i].toPrecision(10) : cols[c][i])).join(","));
  fs.writeFileSync(file, lines.join("\n") + "\n");
}
/** Read the CSV back (so both sides see identical numbers). */
function readCsv(file) {
  const t = fs.readFileSync(file, "utf8").trim().split("\n");
  const names = t[0].split(",");
  const cols = names.map(() => new Float64Array(t.length - 1));
  for (let i = 1; i < t.length; i++) { const p = t[i].split(","); for (let j = 0; j < names.length; j++) cols[j][i - 1] = +p[j]; }
  return Object.fromEntries(names.map((n, j) => [n, cols[j]]));
}
function bnData(name, n, seed) {
  const net = cs.readBIF(fs.readFileSync(path.join(root, "tests/fixtures/causal/networks", `${name}.bif`), "utf8"), name);
  const s = cs.sampleBayesNet(net, n, { seed });
  // integer codes in BIF state order (CSV stays small, both sides read the same numbers)
  const cols = Object.fromEntries(net.nodes.map((v) => [v, Float64Array.from(s[v], (x) => net.states[v].indexOf(x))]));
  return { truth: net.graph, cols };
}

const cases = [];
for (const net of ["alarm", "sachs"]) if (only.includes(net)) for (const n of sizes) cases.push({ name: `${net}-${n / 1000}k`, discrete: true, make: () => bnData(net, n, n + 1) });
for (const p of [50, 100]) if (only.includes(`gauss${p}`)) cases.push({ name: `gauss${p}-5k`, discrete: false, make: () => { const sem = cs.randomLinearSEM(p, { seed: p, expectedDegree: 2 }); return { truth: sem.graph, cols: cs.sampleLinearSEM(sem, 5000, { seed: p + 1 }) }; } });
if (only.includes("lingam")) for (const [p, n] of quick ? [[10, 2000], [20, 2000]] : [[10, 2000], [20, 5000], [50, 5000]]) cases.push({ name: `nongauss${p}-${n / 1000}k`, discrete: false, lingamOnly: true, make: () => { const sem = cs.randomLinearSEM(p, { seed: 7 * p, expectedDegree: 2 }); return { truth: sem.graph, cols: cs.sampleLinearSEM(sem, n, { seed: 7 * p + 1, noise: "uniform" }) }; } });

// ------------------------------------------------------------------ scoring
function toGraph(nodes, edges) {
  const ch = (m) => (m === -1 ? "-" : m === 1 ? ">" : "o");
  const es = edges.map(([a, b, ma, mb]) => (ma === 1 && mb !== 1 ? [b, a, mb, ma] : [a, b, ma, mb]));
  const pag = es.some(([, , ma, mb]) => ma === 2 || mb === 2 || (ma === 1 && mb === 1));
  return new cs.Graph(nodes, es.map(([a, b, ma, mb]) => ({ from: a, to: b, directed: ma === -1 && mb === 1 })), pag ? "pag" : "pdag", pag ? { marks: es.map(([a, b, ma, mb]) => ({ from: a, to: b, fromMark: ch(ma), toMark: ch(mb) })) } : {});
}
function skeletonShd(g, truth) {
  const key = (e) => [e.from, e.to].sort().join("\u0000");
  const a = new Set(g.edges.map(key));
  const b = new Set(truth.edges.map(key));
  let d = 0;
  for (const k of a) if (!b.has(k)) d++;
  for (const k of b) if (!a.has(k)) d++;
  return d;
}
function shdOf(g, truth, kind) {
  if (kind === "skeleton") return skeletonShd(g, truth);
  if (kind === "dag") return cs.shd(g, truth);
  const gg = g.kind === "dag" || (g.edges.every((e) => e.directed) && cs.isAcyclic(g) && kind === "cpdag-from-dag") ? cs.dagToCpdag(new cs.Graph(g.nodes, g.edges, "dag")) : g;
  return cs.shd(gg, cs.dagToCpdag(truth));
}
/** `reps` timed calls of f: median and first call's seconds, last result. */
const time = (f, reps) => {
  const ts = [];
  let res;
  for (let r = 0; r < reps; r++) { const t0 = process.hrtime.bigint(); res = f(); ts.push(Number(process.hrtime.bigint() - t0) / 1e9); }
  const s = ts.slice().sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { seconds: median, first: ts[0], times: ts, res };
};

// warm-up data sets (different from every case, small), written once as CSV for the reference side too
function warmupData(discrete) {
  const csv = path.join(dir, discrete ? "warmup-discrete.csv" : "warmup-continuous.csv");
  if (!fs.existsSync(csv)) {
    if (discrete) writeCsv(csv, bnData("child", 2000, 11).cols);
    else { const sem = cs.randomLinearSEM(20, { seed: 11, expectedDegree: 2 }); writeCsv(csv, cs.sampleLinearSEM(sem, 1000, { seed: 12 })); }
  }
  return { csv, cols: readCsv(csv) };
}

// ------------------------------------------------------------------ run
const rows = [];
const fmt = (s) => (s === undefined ? "-" : s < 0.01 ? s.toExponential(1) : s.toFixed(s < 10 ? 3 : 1));
console.log(`causal bench: sizes ${sizes.join(",")}, reference timeout ${timeoutS}s, python ${py}`);
for (const c of cases) {
  const { truth, cols: raw } = c.make();
  const csv = path.join(dir, `${c.name}.csv`);
  writeCsv(csv, raw);
  const cols = readCsv(csv);
  const nodes = Object.keys(cols);
  const dataOpt = { dataType: c.discrete ? "discrete" : "continuous" };
  const algs = c.lingamOnly
    ? [{ alg: "lingam", kind: "dag", refs: [["lingam", "lingam"]] }]
    : [
        { alg: "pc", kind: "cpdag", refs: [["causal-learn", "pc"], ["pgmpy", "pc"]] },
        { alg: "hc", kind: "cpdag-from-dag", refs: [["pgmpy", "hc"]] },
        { alg: "ges", kind: "cpdag", refs: [["causal-learn", "ges"]] },
        { alg: "fci", kind: "skeleton", refs: [["causal-learn", "fci"]] },
        // the same FCI with causal-learn's Possible-D-Sep procedure (fci.ts possibleDsep), like for like
        { alg: "fci", label: "fci/cl", extra: { possibleDsep: "causal-learn" }, kind: "skeleton", refs: [["causal-learn", "fci"]] },
      ];
  for (const a of algs) {
    const label = a.label ?? a.alg;
    if (algsOnly && !algsOnly.includes(a.alg) && !algsOnly.includes(label)) continue;
    if (refsOnly) a.refs = a.refs.filter(([tool, alg]) => refsOnly.includes(`${tool}:${alg}`));
    if (!a.refs.length) continue;
    const opts = { ...dataOpt, algorithm: a.alg, alpha: 0.05, ...a.extra };
    if (a.alg === "ges" && c.discrete) Object.assign(opts, { score: "bdeu", ess: 1, edgePrior: 1 }); // causal-learn's local_score_BDeu settings
    let ours;
    const warm = warmup ? warmupData(c.discrete) : null;
    try {
      if (warm) cs.learnStructure(warm.cols, opts);
      ours = time(() => cs.learnStructure(cols, opts), reps);
    } catch (e) {
      console.log(`${c.name} ${label}: ours failed: ${e.message}`);
      continue;
    }
    const ourShd = shdOf(ours.res, truth, a.kind);
    const row = { case: c.name, alg: label, ours: { seconds: ours.seconds, first: ours.first, times: ours.times, shd: ourShd }, refs: {} };
    for (const [tool, alg] of a.refs) {
      const r = ref({ tool, alg, csv, discrete: c.discrete, alpha: 0.05, reps, warmup: warm ? warm.csv : undefined });
      if (r.timeout || r.error) row.refs[tool] = r.timeout ? { timeout: timeoutS } : { error: r.error };
      else {
        const g = toGraph(nodes, r.edges);
        const kind = tool === "pgmpy" && alg === "hc" ? "cpdag-from-dag" : a.kind;
        row.refs[tool] = { seconds: r.seconds, times: r.times, shd: shdOf(kind === "cpdag-from-dag" ? new cs.Graph(nodes, g.edges, "dag") : g, truth, kind) };
      }
      const rr = row.refs[tool];
      const best = rr.times ? `, best ${(Math.min(...rr.times) / Math.min(...ours.times)).toFixed(1)}x` : "";
      const speed = rr.seconds !== undefined ? `${(rr.seconds / ours.seconds).toFixed(1)}x${best}` : rr.timeout ? `>${(timeoutS / ours.seconds).toFixed(0)}x (timeout)` : `error: ${rr.error}`;
      const dShd = rr.shd !== undefined ? `${ourShd - rr.shd >= 0 ? "+" : ""}${ourShd - rr.shd}` : "-";
      console.log(`${c.name.padEnd(16)} ${label.padEnd(6)} vs ${(tool + " " + alg).padEnd(16)} ours ${fmt(ours.seconds).padStart(8)}s (first ${fmt(ours.first)}s) SHD ${String(ourShd).padStart(3)} | theirs ${fmt(rr.seconds).padStart(8)}s SHD ${String(rr.shd ?? "-").padStart(3)} | speedup ${speed}, SHD diff ${dShd}`);
    }
    rows.push(row);
  }
}
const resDir = path.join(root, "bench", "results");
fs.mkdirSync(resDir, { recursive: true });
fs.writeFileSync(path.join(resDir, "causal.json"), JSON.stringify({ date: new Date().toISOString(), sizes, timeoutS, reps, warmup, dist: out, rows }, null, 1));
console.log(`results: ${path.join(resDir, "causal.json")}`);
