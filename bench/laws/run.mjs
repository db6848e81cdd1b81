// SINDy benchmark: causalscope's sindy against PySINDy (bench/laws/requirements.txt)
// on the same data in the same run.
//
//   node bench/laws/run.mjs [--reps 21] [--rounds 3] [--rebuild] [--quick]
//
// 1. Speed: fit time on the Lorenz system (σ = 10, ρ = 28, β = 8/3, dt = 0.002,
//    n = 5000, from (-8, 8, 27)), polynomial library of degree 2, second-order
//    finite differences, STLSQ (threshold 0.5, ridge alpha 0.05, unbiased) on
//    both sides. Timed: the whole fit from the in-memory data (number[][] here,
//    a NumPy array there): derivatives, library, regression. One untimed warm-up
//    fit per side, then --reps timed fits in --rounds rounds that alternate between
//    the tools; medians and the ratio (theirs / ours),
//    and the ratio of the fastest fits (less sensitive to a shared machine).
// 2. Agreement and recovery: Lorenz, Lotka–Volterra and a damped oscillator at
//    0, 1, 5 and 10 % Gaussian noise (level × each state's standard deviation,
//    seed 7), fitted by both tools with the same library, threshold and
//    differentiation (finite differences; Savitzky–Golay window 11 / 41, order
//    3): exact-pattern recovery, worst relative coefficient error, and the
//    largest coefficient difference between the tools.
//    Also ours in the weak form (windows of 41 and 81 samples) on the same data.
// 3. PDE-FIND on viscous Burgers (u_t = -u u_x + 0.1 u_xx, periodic, 256 points × 301
//    frames): time of the whole fit (one warm-up, --reps/3 timed fits), equations and
//    coefficients of both (PySINDy's PDELibrary differentiates the first and last frames
//    one-sidedly, pdeFind drops them, so the coefficients differ at the 1e-4 level).
// 4. Optimiser agreement on Lorenz at 1 % noise: STLSQ with normalised columns,
//    SR3 with L0 and L1 (with and without the unbias step): largest coefficient
//    difference between the tools.
// The data are integrated here by RK4 (tests/laws/systems.ts, compiled with the library).
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
const reps = Number(opt("--reps", flag("--quick") ? "5" : "21"));

// ------------------------------------------------------------------ library (+ the test systems), compiled
const out = path.join(root, "bench", "results", "laws-dist"); // inside the repo so node_modules resolve (git-ignored)
// rebuilt when asked, when absent, or when a source is newer than the build
const built = path.join(out, "src", "laws", "index.js");
const sources = [...fs.readdirSync(path.join(root, "src", "laws")).map((f) => path.join(root, "src", "laws", f)), path.join(root, "tests", "laws", "systems.ts")];
const stale = !fs.existsSync(built) || sources.some((f) => fs.statSync(f).mtimeMs > fs.statSync(built).mtimeMs);
if (stale || flag("--rebuild")) {
  console.log("compiling src/laws and tests/laws/systems.ts -> " + out);
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
    "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck",
    "--declaration", "false", "--sourceMap", "false", path.join(root, "src/laws/index.ts"), path.join(root, "tests/laws/systems.ts")], { stdio: "inherit" });
  if (r.status !== 0) console.log("(tsc reported errors; the emitted JavaScript is used)");
}
const require = createRequire(import.meta.url);
const laws = require(path.join(out, "src", "laws", "index.js"));
const sys = require(path.join(out, "tests", "laws", "systems.js"));

// ------------------------------------------------------------------ data
const systems = {
  lorenz: { X: sys.integrate(sys.lorenz, [-8, 8, 27], 0.002, 5000), dt: 0.002, truth: sys.LORENZ_TRUE, threshold: 0.5 },
  lotkaVolterra: { X: sys.integrate(sys.lotkaVolterra, [4, 1], 0.01, 2000), dt: 0.01, truth: sys.LV_TRUE, threshold: 0.1 },
  oscillator: { X: sys.integrate(sys.dampedOscillator, [2, 0], 0.01, 2000), dt: 0.01, truth: sys.OSC_TRUE, threshold: 0.1 },
};
const data = {}, cases = [];
const diffs = [{ diff: "fd" }, { diff: "sg", window: 11, polyorder: 3 }, { diff: "sg", window: 41, polyorder: 3 }];
for (const [name, s] of Object.entries(systems)) for (const level of [0, 0.01, 0.05, 0.1]) {
  const key = `${name}@${level}`;
  data[key] = sys.addNoise(s.X, level, 7);
  for (const d of diffs) cases.push({ name: "recovery", data: key, system: name, level, dt: s.dt, degree: 2, threshold: s.threshold, reps: 1, ...d });
}
const optimizers = [
  { label: "STLSQ normalize_columns, threshold 500", threshold: 500, optimizer: { kind: "stlsq", normalize: true } },
  { label: "SR3 L0, threshold 0.5, nu 1", threshold: 0.5, optimizer: { kind: "sr3", regularizer: "l0" } },
  { label: "SR3 L1, threshold 0.5, nu 1", threshold: 0.5, optimizer: { kind: "sr3", regularizer: "l1" } },
  { label: "SR3 L1, threshold 0.5, nu 1, unbias", threshold: 0.5, optimizer: { kind: "sr3", regularizer: "l1", unbias: true } },
];
data["burgers"] = sys.periodicField((u, ux, uxx) => -u * ux + 0.1 * uxx, (x) => Math.exp(-((x + 2) ** 2)), { length: 16, nx: 256, dt: 0.01, frames: 301, h: 0.002, x0: -8 });
const pdeCase = { name: "pde", pde: true, data: "burgers", dt: 0.01, dx: 16 / 256, degree: 2, order: 2, threshold: 0.05, reps: Math.max(3, Math.round(reps / 3)) };
for (const o of optimizers) cases.push({ name: "optimizer", data: "lorenz@0.01", system: "lorenz", level: 0.01, dt: 0.002, degree: 2, diff: "fd", reps: 1, ...o });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-bench-laws-"));
const dataFile = path.join(dir, "data.json");
fs.writeFileSync(dataFile, JSON.stringify(data));

// ------------------------------------------------------------------ PySINDy
const py = process.env.LAWS_BENCH_PYTHON || referencePython(here);
function reference(spec) {
  const r = spawnSync(py, [path.join(here, "ref.py"), JSON.stringify({ data: dataFile, ...spec })], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
  return JSON.parse(r.stdout.trim().split("\n").pop());
}
const theirs = reference({ cases });

// ------------------------------------------------------------------ ours
const median = (a) => { const s = a.slice().sort((x, y) => x - y), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
function ourOptimizer(c) {
  const o = c.optimizer ?? { kind: "stlsq" };
  if (o.kind === "stlsq") return laws.stlsq({ threshold: c.threshold, alpha: 0.05, normalizeColumns: !!o.normalize });
  return laws.sr3({ threshold: c.threshold, regularizer: o.regularizer, unbias: !!o.unbias });
}
const ourOptions = (c) => ({ dt: c.dt, library: { degree: c.degree }, optimizer: ourOptimizer(c),
  differentiation: c.diff === "fd" ? laws.finiteDifference() : laws.savitzkyGolay({ window: c.window, polyorder: c.polyorder }) });
function recovery(featureNames, coefficients, truth) {
  let pattern = true, maxRel = 0;
  coefficients.forEach((row, v) => row.forEach((c, j) => {
    const t = truth[v][featureNames[j]] ?? 0;
    if ((Math.abs(c) > 0) !== (t !== 0)) pattern = false;
    if (t !== 0) maxRel = Math.max(maxRel, Math.abs(c - t) / Math.abs(t));
  }));
  return { pattern, maxRel };
}
// ------------------------------------------------------------------ speed, in alternating rounds
// Rounds of reps/rounds fits, PySINDy's (one Python process per round, with its
// own warm-up fit) and ours alternating, so that load from other jobs on a
// shared machine falls on both sides alike.
{
  const rounds = Number(opt("--rounds", "3")), per = Math.max(1, Math.round(reps / rounds));
  const c = { name: "speed", data: "lorenz@0", system: "lorenz", level: 0, dt: 0.002, degree: 2, threshold: 0.5, diff: "fd", reps: per };
  const X = data[c.data], options = ourOptions(c), ours = [], them = [];
  let m, ref;
  laws.sindy(X, options); // warm-up
  for (let k = 0; k < rounds; k++) {
    ref = reference({ cases: [c] }).cases[0];
    them.push(...ref.times);
    for (let i = 0; i < per; i++) { const t0 = process.hrtime.bigint(); m = laws.sindy(X, options); ours.push(Number(process.hrtime.bigint() - t0) / 1e9); }
  }
  let diff = 0;
  m.coefficients.forEach((row, v) => row.forEach((x, j) => { diff = Math.max(diff, Math.abs(x - ref.coefficients[v][j])); }));
  console.log(`\nLorenz n = 5000, degree 2, STLSQ threshold 0.5, finite differences; ${ours.length} fits each in ${rounds} alternating rounds, median (fastest)`);
  console.log(`  causalscope ${(median(ours) * 1e3).toFixed(2)} ms (${(Math.min(...ours) * 1e3).toFixed(2)})   PySINDy ${theirs.version} ${(median(them) * 1e3).toFixed(2)} ms (${(Math.min(...them) * 1e3).toFixed(2)})`);
  console.log(`  ratio PySINDy / causalscope: median ${(median(them) / median(ours)).toFixed(1)}×, fastest ${(Math.min(...them) / Math.min(...ours)).toFixed(1)}×; largest coefficient difference ${diff.toExponential(1)}`);
}

{
  const ref = reference({ cases: [pdeCase] }).cases[0];
  const options = { dt: pdeCase.dt, dx: pdeCase.dx, degree: 2, order: 2, periodic: true, threshold: pdeCase.threshold, alpha: 0.05 };
  laws.pdeFind(data.burgers, options); // warm-up
  const ours = [];
  let m;
  for (let i = 0; i < pdeCase.reps; i++) { const t0 = process.hrtime.bigint(); m = laws.pdeFind(data.burgers, options); ours.push(Number(process.hrtime.bigint() - t0) / 1e9); }
  const named = (names, coef) => names.map((n, j) => [n, coef[j]]).filter(([, c]) => c !== 0).map(([n, c]) => `${c.toFixed(5)} ${n}`).join(" + ");
  console.log(`\nPDE-FIND, Burgers 256 × 301 frames (degree 2, derivatives to order 2, STLSQ 0.05); ${pdeCase.reps} fits each, median (fastest)`);
  console.log(`  causalscope ${(median(ours) * 1e3).toFixed(1)} ms (${(Math.min(...ours) * 1e3).toFixed(1)})   PySINDy ${(median(ref.times) * 1e3).toFixed(1)} ms (${(Math.min(...ref.times) * 1e3).toFixed(1)}); ratio median ${(median(ref.times) / median(ours)).toFixed(1)}×, fastest ${(Math.min(...ref.times) / Math.min(...ours)).toFixed(1)}×`);
  console.log(`  ours:    u_t = ${named(m.featureNames, m.coefficients[0])}`);
  console.log(`  PySINDy: u_t = ${named(ref.featureNames, ref.coefficients[0])}`);
}

const lines = [], optimizerLines = [];
cases.forEach((c, k) => {
  const X = data[c.data];
  const options = ourOptions(c);
  laws.sindy(X, options); // warm-up
  const times = [];
  let m;
  for (let i = 0; i < c.reps; i++) { const t0 = process.hrtime.bigint(); m = laws.sindy(X, options); times.push(Number(process.hrtime.bigint() - t0) / 1e9); }
  const ref = theirs.cases[k];
  if (JSON.stringify(ref.featureNames) !== JSON.stringify(m.featureNames)) throw new Error(`feature names differ: ${ref.featureNames} vs ${m.featureNames}`);
  let diff = 0;
  m.coefficients.forEach((row, v) => row.forEach((x, j) => { diff = Math.max(diff, Math.abs(x - ref.coefficients[v][j])); }));
  if (c.name === "optimizer") { optimizerLines.push(`  ${c.label}: largest coefficient difference ${diff.toExponential(1)}; ours: ${m.equations.join("; ")}`); return; }
  const truth = systems[c.system].truth;
  const a = recovery(m.featureNames, m.coefficients, truth), b = recovery(ref.featureNames, ref.coefficients, truth);
  const label = c.diff === "fd" ? "FD" : `SG${c.window}`;
  lines.push(`| ${c.system} | ${(c.level * 100).toFixed(0)} % | ${label} | ${a.pattern ? "yes" : "no"} | ${(a.maxRel * 100).toFixed(2)} % | ${b.pattern ? "yes" : "no"} | ${(b.maxRel * 100).toFixed(2)} % | ${diff.toExponential(1)} |`);
});
console.log("\nRecovery (seed 7): exact pattern and worst relative error of the true coefficients; |Δ| = largest coefficient difference between the tools");
console.log("| system | noise | derivative | ours: pattern | ours: worst error | PySINDy: pattern | PySINDy: worst error | abs(Δ) |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
lines.forEach((l) => console.log(l));
console.log("\nWeak form (ours only; PySINDy's weak form is a different, PDE-oriented library): same data, thresholds and library");
console.log("| system | noise | window | pattern | worst error |");
console.log("| --- | --- | --- | --- | --- |");
for (const [name, s] of Object.entries(systems)) for (const level of [0, 0.01, 0.05, 0.1]) for (const width of [41, 81]) {
  const m = laws.sindy(data[`${name}@${level}`], { dt: s.dt, threshold: s.threshold, weak: { width } });
  const a = recovery(m.featureNames, m.coefficients, s.truth);
  console.log(`| ${name} | ${(level * 100).toFixed(0)} % | ${width} | ${a.pattern ? "yes" : "no"} | ${(a.maxRel * 100).toFixed(2)} % |`);
}
console.log("\nOptimiser agreement with PySINDy (Lorenz, 1 % noise, finite differences)");
optimizerLines.forEach((l) => console.log(l));
fs.rmSync(dir, { recursive: true, force: true });
