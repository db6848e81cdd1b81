// BEPS loop benchmark on one USID file (Frequency x DC_Offset, the layout of tests/spm/usid_fixture.py):
// every pixel has a known 9-parameter loop (BGlib's loop_fit_function = our loopModel) on a bipolar
// triangle of DC steps 0 -> +10 V -> -10 V -> 0; the loop sets the SHO amplitude (|loop| x 1e-3) and the
// phase (0.3 rad, or + pi where the loop is negative) of each step's resonance (350 kHz, Q 150), plus
// seeded complex Gaussian noise (sd 0.005 per part; peak |R| = 0.15 x |loop|). In the same run:
//   BGlib  0.0.6: BESHOfitter (guess + fit) per step, then BELoopFitter (projection, cluster-tree guess,
//          per-pixel fit) as its docs run them (bench/spm/sho_bglib.py --loops, on a copy);
//   ours   readSPM + beResponse + fitSHO per DC step (timed: the SHO stage), then fitLoops on BGlib's
//          projected loops (we have no projection of our own, so both loop fitters get the same loops).
// Reported: coercive voltages (a2, a3: invariant to the projection's sign and offset) against the
// truth, also in units of each pixel's Cramér–Rao standard deviation (Gaussian noise of the sd our
// residual shows; 0.67 = at the bound for the median), the residual of each fit on the common
// projected loops, failures, time.
//
//   node bench/spm/loop.mjs [--size 16] [--bins 32] [--steps 64]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { referencePython } from "../reference-venv.mjs";
import { loadSpm } from "./build.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const N = opt("--size", 16), B = opt("--bins", 32), M = opt("--steps", 64), SIGMA = 0.005;
if (M % 4) throw new Error(`loop.mjs: --steps must be a multiple of 4 (a quarter-cycle shift), got ${M}`);

const { spm, rng } = loadSpm();
const py = referencePython(here);
const load0 = os.loadavg();

// ------------------------------------------------------------------ the file
const freqs = Float64Array.from({ length: B }, (_, i) => 330e3 + (40e3 * i) / (B - 1));
const vdc = Float64Array.from({ length: M }, (_, k) => { const t = k / M; return 10 * (t < 0.25 ? 4 * t : t < 0.75 ? 2 - 4 * t : 4 * t - 4); });
// BGlib fits the loop rolled by a quarter cycle (shift_vdc): +10 V down to -10 V, then back up.
const Q4 = M / 4;
const roll = (a, s) => Float64Array.from(a, (_, i) => a[(((i - s) % a.length) + a.length) % a.length]);
const vShift = roll(vdc, -Q4);
const P = N * N;
const truth = (p) => { const x = p % N, y = Math.floor(p / N); return [0.5, 2, -(2.5 + (1.5 * x) / N), 2 + (1.5 * y) / N, 0.02, 1.5, 2, 1.2, 1.8]; };
const values = new Float64Array(2 * P * M * B);
const g = rng(2025);
for (let p = 0; p < P; p++) {
  const pr = roll(spm.loopModel(vShift, truth(p)), Q4); // file order
  for (let k = 0; k < M; k++) {
    const r = spm.shoResponse(freqs, { amplitude: 1e-3 * Math.abs(pr[k]), frequency: 350e3, quality: 150, phase: pr[k] >= 0 ? 0.3 : 0.3 + Math.PI });
    const o = (p * M + k) * B;
    for (let i = 0; i < B; i++) { values[o + i] = r.real[i] + g.normal(0, SIGMA); values[P * M * B + o + i] = r.imag[i] + g.normal(0, SIGMA); }
  }
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-loop-"));
const file = path.join(dir, "beps.h5");
fs.writeFileSync(path.join(dir, "raw.f64"), Buffer.from(values.buffer));
const w = spawnSync(py, [path.join(root, "tests", "spm", "usid_fixture.py")], { encoding: "utf8",
  input: JSON.stringify({ path: file, width: N, height: N, frequencies: Array.from(freqs), dc: Array.from(vdc), raw: path.join(dir, "raw.f64"), shuffle: false }) });
if (w.status !== 0) { console.error(w.stderr); process.exit(1); }
fs.copyFileSync(file, path.join(dir, "beps-bglib.h5"));

// ------------------------------------------------------------------ BGlib, then ours
const r = spawnSync(py, [path.join(here, "sho_bglib.py"), path.join(dir, "beps-bglib.h5"), "--loops"], { encoding: "utf8", maxBuffer: 1 << 28 });
if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
const bg = JSON.parse(r.stdout);
if (bg.dc.some((v, k) => v !== Math.fround(vdc[k]))) throw new Error(`loop.mjs: BGlib's DC vector ${bg.dc} is not the one written`);

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const t0 = performance.now(), c0 = cpu();
const grid = (await spm.readSPM(file)).grid;
let shoFailures = 0;
for (let k = 0; k < M; k++) shoFailures += spm.fitSHO(spm.beResponse(grid, { select: { DC_Offset: k } })).failures.length;
const t1 = performance.now(), c1 = cpu();
const projected = new Float64Array(P * M); // BGlib's projected loops, rolled as BGlib rolls them for its fit
for (let p = 0; p < P; p++) projected.set(roll(bg.projected.slice(p * M, (p + 1) * M), -Q4), p * M);
const t2 = performance.now(), c2 = cpu();
const fit = spm.fitLoops(vShift, projected);
const t3 = performance.now(), c3 = cpu();
fs.rmSync(dir, { recursive: true, force: true });
const load1 = os.loadavg();

// ------------------------------------------------------------------ comparison
const quantile = (a, q) => { const s = a.filter(Number.isFinite).sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const f3 = (x) => x.toFixed(3);
const coef = { ours: (p) => Array.from(fit.coefficients.subarray(9 * p, 9 * p + 9)), "BGlib fit": (p) => bg.loopFit.slice(10 * p, 10 * p + 9) };
const rss = (p, c) => { const y = projected.subarray(p * M, (p + 1) * M); return spm.loopModel(vShift, c).reduce((s, m, i) => s + (m - y[i]) ** 2, 0); };
console.log(`${N}x${N} pixels x ${M} DC steps x ${B} bins, load average ${load0[0].toFixed(2)} at start, ${load1[0].toFixed(2)} at end; ${Object.entries(bg.versions).map(([k, v]) => `${k} ${v}`).join(", ")}`);
/** Cramér–Rao standard deviations of a2 and a3 for the truth of pixel p (scale 1) under Gaussian noise `sd` (finite-difference Fisher information). */
const crb = (p, sd) => {
  const t = truth(p);
  const J = t.map((_, j) => {
    const h = 1e-6 * Math.max(1, Math.abs(t[j]));
    const up = t.slice(), dn = t.slice();
    up[j] += h; dn[j] -= h;
    const a = spm.loopModel(vShift, up), b = spm.loopModel(vShift, dn);
    return Array.from(a, (v, i) => (v - b[i]) / (2 * h));
  });
  const A = J.map((a, i) => [...J.map((b) => a.reduce((s, v, k) => s + v * b[k], 0) / sd ** 2), ...t.map((_, j) => +(i === j))]);
  for (let c = 0; c < 9; c++) { // Gauss–Jordan with partial pivoting
    let piv = c;
    for (let r = c + 1; r < 9; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    [A[c], A[piv]] = [A[piv], A[c]];
    const d = A[c][c];
    for (let j = 0; j < 18; j++) A[c][j] /= d;
    for (let r = 0; r < 9; r++) if (r !== c) { const f = A[r][c]; for (let j = 0; j < 18; j++) A[r][j] -= f * A[c][j]; }
  }
  return [Math.sqrt(A[2][11]), Math.sqrt(A[3][12])];
};
// Noise of the projected loops from our residual, in loop units (the loop was written x 1e-3).
const noise = Array.from({ length: P }, (_, p) => Math.sqrt(rss(p, coef.ours(p)) / (M - 9)) / 1e-3);
const bounds = Array.from({ length: P }, (_, p) => crb(p, noise[p]));
console.log(`projected-loop noise (our residual) median ${f3(quantile(noise, 0.5))} in loop units (switchable response 2); Cramér–Rao sd of a2, a3 median ${f3(quantile(bounds.map((b) => b[0]), 0.5))}, ${f3(quantile(bounds.map((b) => b[1]), 0.5))} V`);
console.log("coercive voltages against the truth, error in V: mean (bias); |error| median / 95th percentile / median in CRB sd");
for (const [name, get] of Object.entries(coef)) {
  const cols = [2, 3].map((j) => {
    const e = Array.from({ length: P }, (_, p) => get(p)[j] - truth(p)[j]);
    const z = e.map((v, p) => Math.abs(v) / bounds[p][j - 2]);
    return `a${j} ${f3(e.reduce((s, v) => s + v, 0) / P)}; ${f3(quantile(e.map(Math.abs), 0.5))} / ${f3(quantile(e.map(Math.abs), 0.95))} / ${quantile(z, 0.5).toFixed(2)}`;
  });
  console.log(`  ${name.padEnd(9)} ${cols.join("; ")}`);
}
const ratio = [], distinct = new Set();
let unchanged = 0, lower = 0;
for (let p = 0; p < P; p++) {
  const a = rss(p, coef.ours(p)), b = rss(p, coef["BGlib fit"](p));
  ratio.push(a / b);
  if (a <= b) lower++;
  distinct.add(coef["BGlib fit"](p).join(","));
  if (bg.loopFit.slice(10 * p, 10 * p + 9).every((v, j) => v === bg.loopGuess[10 * p + j])) unchanged++;
}
const nonFinite = Array.from({ length: P }, (_, p) => coef["BGlib fit"](p)).filter((c) => !c.every(Number.isFinite)).length;
console.log(`residual on the common projected loops: RSS ours / RSS BGlib median ${f3(quantile(ratio, 0.5))}, 95th percentile ${f3(quantile(ratio, 0.95))}; ours lower or equal at ${lower} of ${P} pixels`);
console.log(`BGlib per-pixel fit identical to its guess at ${unchanged} of ${P} pixels; ${distinct.size} distinct coefficient vectors (its clusters); ${nonFinite} non-finite`);
console.log(`failures: ours SHO ${shoFailures} of ${P * M} reported, loops ${fit.failures.length} of ${P} reported; median R² ours ${quantile(Array.from(fit.rSquared), 0.5).toFixed(4)}`);
const s = (t) => `${t.wall.toFixed(2)} s wall, ${t.cpu.toFixed(2)} s CPU`;
const ours = { sho: { wall: (t1 - t0) / 1000, cpu: c1 - c0 }, loop: { wall: (t3 - t2) / 1000, cpu: c3 - c2 } };
console.log(`time: SHO stage ours (read + ${M} fitSHO) ${s(ours.sho)}; BGlib guess ${s(bg.guess)}, fit ${s(bg.fit)}`);
console.log(`      loop stage ours fitLoops ${s(ours.loop)}; BGlib projection + guess ${s(bg.loopGuessTime)}, fit ${s(bg.loopFitTime)}`);
