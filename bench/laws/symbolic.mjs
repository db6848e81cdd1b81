// Symbolic-regression benchmark: causalscope's symbolicRegression against gplearn
// (bench/laws/symbolic-ref/requirements.txt) on the same Feynman-style formulas,
// the same data and the same recovery check, in the same run.
//
//   node bench/laws/symbolic.mjs [--seeds 3] [--iterations 30] [--population 1000] [--only easy|hard] [--noise 0|0.01] [--rebuild]
//
// For each formula, noise level (0 and 1 % of the target's standard deviation) and
// seed: 100 rows drawn uniformly from the formula's ranges (the AI Feynman table's
// ranges for the numbered formulas), 100 held-out rows. Both tools get the same
// CPU-time budget per run, single-threaded, one after the other on each case:
// ours is symbolicRegression with the formula's operators, --iterations
// iterations and otherwise default options (8 populations of 33), and its CPU
// seconds are measured; gplearn is SymbolicRegressor with the same operators (its
// protected sqrt/log/div; exp and pow added with make_function), --population
// individuals, parsimony 0.001, warm-started one generation at a time until it
// has used at least the same CPU seconds (or its fitness reaches 0). CPU time,
// not wall time, because the machine is shared: at a load of 25 on 2 cores a
// gplearn generation took 17 s of wall time for 1.2 s of CPU.
// Recovery (both tools, in bench/laws/symbolic.py): floats replaced by the rational
// of smallest denominator within 1e-6 (no noise) or 1e-2 (1 % noise), then
// sympy.simplify(found - truth) == 0.
import { spawn, spawnSync } from "node:child_process";
import * as readline from "node:readline";
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
const seeds = opt("--seeds", 3), iterations = opt("--iterations", 30);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
const noises = args.includes("--noise") ? [opt("--noise", 0)] : [0, 0.01];
const gp = { population_size: opt("--population", 1000), parsimony: 0.001 };

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
const EASY = [
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
].map((f) => ({ ...f, set: "easy" }));
// Harder AI Feynman formulas (Udrescu & Tegmark, Sci. Adv. 6, eaay2631 (2020)), with the variable ranges of its table.
const HARD = [
  { name: "I.10.7  m0/sqrt(1 - v^2/c^2)", truth: "m0/sqrt(1 - v**2/c**2)", ranges: { m0: [1, 5], v: [1, 2], c: [3, 10] }, f: (v) => v.m0 / Math.sqrt(1 - v.v ** 2 / v.c ** 2), ops: [...ARITH, "sqrt"] },
  { name: "I.11.19  x1 y1 + x2 y2 + x3 y3", truth: "x1*y1 + x2*y2 + x3*y3", ranges: { x1: [1, 5], x2: [1, 5], x3: [1, 5], y1: [1, 5], y2: [1, 5], y3: [1, 5] }, f: (v) => v.x1 * v.y1 + v.x2 * v.y2 + v.x3 * v.y3, ops: ARITH },
  { name: "I.12.4  q1/(4 pi eps r^2)", truth: "q1/(4*pi*eps*r**2)", ranges: { q1: [1, 5], eps: [1, 5], r: [1, 5] }, f: (v) => v.q1 / (4 * Math.PI * v.eps * v.r ** 2), ops: ARITH },
  { name: "I.13.12  G m1 m2 (1/r2 - 1/r1)", truth: "G*m1*m2*(1/r2 - 1/r1)", ranges: { m1: [1, 5], m2: [1, 5], r1: [1, 5], r2: [1, 5], G: [1, 5] }, f: (v) => v.G * v.m1 * v.m2 * (1 / v.r2 - 1 / v.r1), ops: ARITH },
  { name: "I.16.6  (u + v)/(1 + u v/c^2)", truth: "(u + v)/(1 + u*v/c**2)", ranges: { c: [1, 5], v: [1, 5], u: [1, 5] }, f: (v) => (v.u + v.v) / (1 + (v.u * v.v) / v.c ** 2), ops: ARITH },
  { name: "I.24.6  m (w^2 + w0^2) x^2 / 4", truth: "m*(w**2 + w0**2)*x**2/4", ranges: { m: [1, 3], w: [1, 3], w0: [1, 3], x: [1, 3] }, f: (v) => (v.m * (v.w ** 2 + v.w0 ** 2) * v.x ** 2) / 4, ops: ARITH },
  { name: "I.27.6  1/(1/d1 + n/d2)", truth: "1/(1/d1 + n/d2)", ranges: { d1: [1, 5], d2: [1, 5], n: [1, 5] }, f: (v) => 1 / (1 / v.d1 + v.n / v.d2), ops: ARITH },
  { name: "I.29.16  sqrt(x1^2 + x2^2 - 2 x1 x2 cos(th1 - th2))", truth: "sqrt(x1**2 + x2**2 - 2*x1*x2*cos(th1 - th2))", ranges: { x1: [1, 5], x2: [1, 5], th1: [1, 5], th2: [1, 5] }, f: (v) => Math.sqrt(v.x1 ** 2 + v.x2 ** 2 - 2 * v.x1 * v.x2 * Math.cos(v.th1 - v.th2)), ops: [...ARITH, "sqrt", "cos"] },
  { name: "I.37.4  I1 + I2 + 2 sqrt(I1 I2) cos(delta)", truth: "I1 + I2 + 2*sqrt(I1*I2)*cos(delta)", ranges: { I1: [1, 5], I2: [1, 5], delta: [1, 5] }, f: (v) => v.I1 + v.I2 + 2 * Math.sqrt(v.I1 * v.I2) * Math.cos(v.delta), ops: [...ARITH, "sqrt", "cos"] },
  { name: "I.40.1  n0 exp(-m g x/(kb T))", truth: "n0*exp(-m*g*x/(kb*T))", ranges: { n0: [1, 5], m: [1, 5], x: [1, 5], T: [1, 5], g: [1, 5], kb: [1, 5] }, f: (v) => v.n0 * Math.exp((-v.m * v.g * v.x) / (v.kb * v.T)), ops: [...ARITH, "exp"] },
  { name: "I.50.26  x1 (cos(w t) + alpha cos(w t)^2)", truth: "x1*(cos(w*t) + alpha*cos(w*t)**2)", ranges: { x1: [1, 3], w: [1, 3], t: [1, 3], alpha: [1, 3] }, f: (v) => v.x1 * (Math.cos(v.w * v.t) + v.alpha * Math.cos(v.w * v.t) ** 2), ops: [...ARITH, "cos"] },
  { name: "II.11.3  q Ef/(m (w0^2 - w^2))", truth: "q*Ef/(m*(w0**2 - w**2))", ranges: { q: [1, 3], Ef: [1, 3], m: [1, 3], w0: [3, 5], w: [1, 2] }, f: (v) => (v.q * v.Ef) / (v.m * (v.w0 ** 2 - v.w ** 2)), ops: ARITH },
].map((f) => ({ ...f, set: "hard" }));
const FORMULAS = [...EASY, ...HARD].filter((f) => !only || f.set === only);

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

// ------------------------------------------------------------------ the reference side: one Python process, one case per line
const py = process.env.SYMBOLIC_BENCH_PYTHON || referencePython(path.join(here, "symbolic-ref"));
const worker = spawn(py, [path.join(here, "symbolic.py")], { stdio: ["pipe", "pipe", "inherit"] });
const replies = readline.createInterface({ input: worker.stdout })[Symbol.asyncIterator]();
async function reference(c) {
  worker.stdin.write(JSON.stringify({ ...c, gplearn: { ...gp, budget: c.oursCpu } }) + "\n");
  const { value, done } = await replies.next();
  if (done) throw new Error("bench/laws/symbolic.py exited early");
  return JSON.parse(value);
}

// ------------------------------------------------------------------ each case: ours, then gplearn with the same CPU seconds
const cases = [];
for (const [fi, formula] of FORMULAS.entries()) for (const noise of noises) for (let seed = 1; seed <= seeds; seed++) {
  const { cols, y, names } = sample(formula, 100, 1000 * fi + 10 * seed + (noise ? 1 : 0), noise);
  const held = sample(formula, 100, 99 + fi, 0);
  const t = performance.now(), cpu = process.cpuUsage();
  const r = symbolicRegression(cols, y, { seed, iterations, timeLimit: 600, operators: formula.ops, progress: false });
  const seconds = (performance.now() - t) / 1000, used = process.cpuUsage(cpu), cpuSeconds = (used.user + used.system) / 1e6;
  const pred = r.best.predict(held.cols);
  const heldOut = Math.max(...held.y.map((v, i) => Math.abs(pred[i] - v) / Math.max(1, Math.abs(v))));
  const c = { id: `${formula.name} @${noise * 100}% s${seed}`, formula: formula.name, set: formula.set, noise, seed, columns: names, truth: formula.truth, operators: formula.ops,
    positive: names.filter((k) => formula.ranges[k][0] > 0), X: rows(cols, names), y: [...y], Xheld: rows(held.cols, names), yheld: [...held.y],
    ours: r.best.expression, oursSeconds: seconds, oursCpu: cpuSeconds, oursIterations: r.iterations, oursHeldOut: heldOut };
  const v = await reference(c);
  cases.push({ ...c, ...v });
  console.log(`  ${c.id}: ours ${cpuSeconds.toFixed(1)} CPU s / ${seconds.toFixed(1)} s (${r.iterations} it.) ${v.oursRecovered ? "RECOVERED" : "-"} ${r.best.expression}   | gplearn ${v.gplearnCpu.toFixed(1)} CPU s / ${v.gplearnSeconds.toFixed(1)} s (${v.gplearnGenerations} gen.) ${v.gplearnRecovered ? "RECOVERED" : "-"} ${v.gplearn}`);
}
worker.stdin.end();

// ------------------------------------------------------------------ tables
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log(`\nRecovery (sympy) over ${seeds} seeds; median CPU seconds per run. Ours ${iterations} iterations; gplearn population ${gp.population_size}, generations until it has used ours' CPU seconds.\n`);
console.log("| formula | noise | ours recovered | gplearn recovered | ours CPU s (iterations) | gplearn CPU s (generations) |");
console.log("| --- | --- | --- | --- | --- | --- |");
const totals = {};
for (const formula of FORMULAS) for (const noise of noises) {
  const cs = cases.filter((c) => c.formula === formula.name && c.noise === noise);
  const ours = cs.filter((c) => c.oursRecovered).length, theirs = cs.filter((c) => c.gplearnRecovered).length;
  for (const key of [`${formula.set} ${noise}`, `all ${noise}`]) {
    const t = (totals[key] ??= { ours: 0, theirs: 0, n: 0, os: [], gs: [] });
    t.ours += ours; t.theirs += theirs; t.n += cs.length; t.os.push(...cs.map((c) => c.oursCpu)); t.gs.push(...cs.map((c) => c.gplearnCpu));
  }
  console.log(`| ${formula.name} | ${noise * 100} % | ${ours}/${cs.length} | ${theirs}/${cs.length} | ${median(cs.map((c) => c.oursCpu)).toFixed(1)} (${median(cs.map((c) => c.oursIterations))}) | ${median(cs.map((c) => c.gplearnCpu)).toFixed(1)} (${median(cs.map((c) => c.gplearnGenerations))}) |`);
}
console.log("\n| formula set | noise | ours recovered | gplearn recovered | ratio | ours median CPU s | gplearn median CPU s |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const [key, t] of Object.entries(totals)) {
  const [set, noise] = key.split(" ");
  console.log(`| ${set} | ${Number(noise) * 100} % | ${t.ours}/${t.n} | ${t.theirs}/${t.n} | ${t.theirs ? (t.ours / t.theirs).toFixed(2) + "×" : t.ours ? "∞" : "–"} | ${median(t.os).toFixed(1)} | ${median(t.gs).toFixed(1)} |`);
}
