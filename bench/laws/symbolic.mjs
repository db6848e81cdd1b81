// Symbolic-regression benchmark: causalscope's symbolicRegression against gplearn
// (bench/laws/symbolic-ref/requirements.txt) on the same Feynman-style formulas,
// the same data and the same recovery check, in the same run.
//
//   node bench/laws/symbolic.mjs [--seeds 3] [--iterations 20] [--generations 20] [--population 1000] [--rebuild]
//
// For each formula, noise level (0 and 1 % of the target's standard deviation) and
// seed: 100 rows drawn uniformly from the formula's ranges (AI Feynman-like), 100
// held-out rows. Ours: symbolicRegression with the formula's operators, --iterations
// iterations and otherwise default options (8 populations of 33). gplearn:
// SymbolicRegressor with the same operators (its protected sqrt/log/div; exp and
// pow added with make_function), --population individuals, --generations
// generations, parsimony 0.001. Recovery (both tools, in bench/laws/symbolic.py):
// floats replaced by the rational of smallest denominator within 1e-6 (no noise)
// or 1e-2 (1 % noise), then sympy.simplify(found - truth) == 0. Times are per run,
// each tool single-threaded.
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
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const seeds = opt("--seeds", 3), iterations = opt("--iterations", 20);
const gp = { generations: opt("--generations", 20), population_size: opt("--population", 1000), parsimony: 0.001 };

// ------------------------------------------------------------------ library, compiled
const out = path.join(root, "bench", "results", "laws-symbolic-dist");
const built = path.join(out, "src", "laws", "symbolic", "search.js");
const sources = fs.readdirSync(path.join(root, "src", "laws", "symbolic")).map((f) => path.join(root, "src", "laws", "symbolic", f));
if (!fs.existsSync(built) || args.includes("--rebuild") || sources.some((f) => fs.statSync(f).mtimeMs > fs.statSync(built).mtimeMs)) {
  console.log("compiling src/laws/symbolic -> " + out);
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
    "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck",
    "--declaration", "false", "--sourceMap", "false", path.join(root, "src/laws/symbolic/search.ts")], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("tsc failed on src/laws/symbolic");
}
const require = createRequire(import.meta.url);
const { symbolicRegression } = require(built);
const { Rng } = require(path.join(out, "src", "core", "random.js"));

// ------------------------------------------------------------------ formulas (AI Feynman numbering where one matches)
const ARITH = ["+", "-", "*", "/"];
const FORMULAS = [
  { name: "I.12.1  F = mu Nn", truth: "mu*Nn", ranges: { mu: [1, 5], Nn: [1, 5] }, f: (v) => v.mu * v.Nn, ops: ARITH },
  { name: "I.14.3  U = m g z", truth: "m*g*z", ranges: { m: [1, 5], g: [1, 5], z: [1, 5] }, f: (v) => v.m * v.g * v.z, ops: ARITH },
  { name: "I.13.4-like  K = m v^2 / 2", truth: "m*v**2/2", ranges: { m: [1, 5], v: [1, 5] }, f: (v) => (v.m * v.v ** 2) / 2, ops: [...ARITH, "^"] },
  { name: "I.39.1  E = 3/2 p V", truth: "3*p*V/2", ranges: { p: [1, 5], V: [1, 5] }, f: (v) => 1.5 * v.p * v.V, ops: ARITH },
  { name: "I.12.2-like  q1 q2 / r^2", truth: "q1*q2/r**2", ranges: { q1: [1, 5], q2: [1, 5], r: [1, 5] }, f: (v) => (v.q1 * v.q2) / v.r ** 2, ops: ARITH },
  { name: "x0 exp(-x1)", truth: "x0*exp(-x1)", ranges: { x0: [1, 5], x1: [1, 5] }, f: (v) => v.x0 * Math.exp(-v.x1), ops: [...ARITH, "exp"] },
  { name: "x sin(x)", truth: "x*sin(x)", ranges: { x: [-3, 3] }, f: (v) => v.x * Math.sin(v.x), ops: [...ARITH, "sin", "cos"] },
  { name: "I.34.8  omega = q v B / p", truth: "q*v*B/p", ranges: { q: [1, 5], v: [1, 5], B: [1, 5], p: [1, 5] }, f: (v) => (v.q * v.v * v.B) / v.p, ops: ARITH },
  { name: "I.18.4  (m1 r1 + m2 r2)/(m1 + m2)", truth: "(m1*r1 + m2*r2)/(m1 + m2)", ranges: { m1: [1, 5], m2: [1, 5], r1: [1, 5], r2: [1, 5] }, f: (v) => (v.m1 * v.r1 + v.m2 * v.r2) / (v.m1 + v.m2), ops: ARITH },
  { name: "I.48.2  m c^2 / sqrt(1 - v^2/c^2)", truth: "m*c**2/sqrt(1 - v**2/c**2)", ranges: { m: [1, 5], v: [1, 2], c: [3, 10] }, f: (v) => (v.m * v.c ** 2) / Math.sqrt(1 - v.v ** 2 / v.c ** 2), ops: [...ARITH, "sqrt"] },
  { name: "I.6.2a  exp(-t^2/2)/sqrt(2 pi)", truth: "exp(-t**2/2)/sqrt(2*pi)", ranges: { t: [1, 3] }, f: (v) => Math.exp(-(v.t ** 2) / 2) / Math.sqrt(2 * Math.PI), ops: [...ARITH, "exp"] },
];

function sample(formula, n, seed, noise) {
  const rng = new Rng(seed);
  const names = Object.keys(formula.ranges);
  const cols = Object.fromEntries(names.map((k) => [k, Float64Array.from({ length: n }, () => rng.range(...formula.ranges[k]))]));
  const y = Float64Array.from({ length: n }, (_, i) => formula.f(Object.fromEntries(names.map((k) => [k, cols[k][i]]))));
  if (noise > 0) {
    const mean = y.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    for (let i = 0; i < n; i++) y[i] += noise * sd * rng.normal();
  }
  return { cols, y, names };
}
const rows = (cols, names) => Array.from({ length: cols[names[0]].length }, (_, i) => names.map((k) => cols[k][i]));

// ------------------------------------------------------------------ ours
const cases = [];
for (const [fi, formula] of FORMULAS.entries()) for (const noise of [0, 0.01]) for (let seed = 1; seed <= seeds; seed++) {
  const { cols, y, names } = sample(formula, 100, 1000 * fi + 10 * seed + (noise ? 1 : 0), noise);
  const held = sample(formula, 100, 99 + fi, 0);
  const t = performance.now();
  const r = symbolicRegression(cols, y, { seed, iterations, timeLimit: 600, operators: formula.ops, progress: false });
  const seconds = (performance.now() - t) / 1000;
  const pred = r.best.predict(held.cols);
  const heldOut = Math.max(...held.y.map((v, i) => Math.abs(pred[i] - v) / Math.max(1, Math.abs(v))));
  cases.push({ id: `${formula.name} @${noise * 100}% s${seed}`, formula: formula.name, noise, seed, columns: names, truth: formula.truth, operators: formula.ops,
    positive: names.filter((k) => formula.ranges[k][0] > 0), X: rows(cols, names), y: [...y], Xheld: rows(held.cols, names), yheld: [...held.y],
    ours: r.best.expression, oursSeconds: seconds, oursHeldOut: heldOut });
  console.log(`  ${cases.at(-1).id}: ours ${seconds.toFixed(2)} s  ${r.best.expression}`);
}

// ------------------------------------------------------------------ gplearn + the recovery check
const py = process.env.SYMBOLIC_BENCH_PYTHON || referencePython(path.join(here, "symbolic-ref"));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-bench-symbolic-"));
const specFile = path.join(dir, "spec.json");
fs.writeFileSync(specFile, JSON.stringify({ cases, gplearn: gp }));
const ref = spawnSync(py, [path.join(here, "symbolic.py"), specFile], { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "inherit"] });
if (ref.status !== 0) throw new Error(`bench/laws/symbolic.py failed (status ${ref.status})`);
const verdicts = new Map(JSON.parse(ref.stdout).map((v) => [v.id, v]));

// ------------------------------------------------------------------ table
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log(`\nRecovery (sympy) over ${seeds} seeds; median seconds per run. Ours: ${iterations} iterations; gplearn ${gp.population_size} x ${gp.generations} generations.\n`);
console.log("| formula | noise | ours recovered | gplearn recovered | ours s | gplearn s |");
console.log("| --- | --- | --- | --- | --- | --- |");
const totals = { 0: [0, 0, 0, [], []], 0.01: [0, 0, 0, [], []] };
for (const formula of FORMULAS) for (const noise of [0, 0.01]) {
  const cs = cases.filter((c) => c.formula === formula.name && c.noise === noise).map((c) => ({ ...c, ...verdicts.get(c.id) }));
  const ours = cs.filter((c) => c.oursRecovered).length, theirs = cs.filter((c) => c.gplearnRecovered).length;
  const t = totals[noise];
  t[0] += ours; t[1] += theirs; t[2] += cs.length; t[3].push(...cs.map((c) => c.oursSeconds)); t[4].push(...cs.map((c) => c.gplearnSeconds));
  console.log(`| ${formula.name} | ${noise * 100} % | ${ours}/${cs.length} | ${theirs}/${cs.length} | ${median(cs.map((c) => c.oursSeconds)).toFixed(2)} | ${median(cs.map((c) => c.gplearnSeconds)).toFixed(2)} |`);
}
for (const noise of [0, 0.01]) {
  const t = totals[noise];
  console.log(`| all | ${noise * 100} % | ${t[0]}/${t[2]} | ${t[1]}/${t[2]} | ${median(t[3]).toFixed(2)} | ${median(t[4]).toFixed(2)} |`);
}
console.log("\ngplearn's best programs (first seed):");
for (const c of cases.filter((c) => c.seed === 1)) console.log(`  ${c.id}: ${verdicts.get(c.id).gplearn}   | ours: ${c.ours}`);
