// BE-PFM SHO benchmark on one band-excitation USID file (BE-line, 100 x 100 pixels x 64 bins, the
// layout of tests/spm/usid_fixture.py, written with h5py): known SHO parameters per pixel (resonance,
// Q, amplitude and phase varying across the map, two phase domains) plus seeded complex Gaussian noise
// (peak SNR 30). In the same run, on the same file:
//   ours   readSPM + beResponse + fitSHO;
//   BGlib  0.0.6 BESHOfitter: complex_gaussian guess (num_points 5) + least_squares fit, as its docs
//          run it (bench/spm/sho_bglib.py, on a copy: it writes its results into the file);
//   scipy  least_squares("lm") of the full complex residual from our starting guess (bench/spm/sho_ref.py).
// Reported: errors against the truth per parameter (median and 95th percentile of |error|, and the
// median in units of each pixel's Cramér–Rao standard deviation: 0.67 is the bound), agreement between
// the fitters, wall and CPU time, failures per pixel.
//
//   node bench/spm/sho.mjs [--size 100] [--bins 64] [--no-scipy]
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
const N = opt("--size", 100), B = opt("--bins", 64), SIGMA = 0.005;

const { spm, rng } = loadSpm();
const py = referencePython(here);
const load0 = os.loadavg();

// ------------------------------------------------------------------ the file
const freqs = Float64Array.from({ length: B }, (_, i) => 330e3 + (40e3 * i) / (B - 1));
const P = N * N;
const truth = (p) => {
  const x = p % N, y = Math.floor(p / N);
  return { amplitude: 1e-3 * (1 + 0.3 * Math.sin(x / 9)), frequency: 345e3 + 100 * x + 40 * y, quality: 120 + 0.5 * y, phase: x < N / 2 ? 0.3 : 0.3 + Math.PI * 0.9 };
};
const values = new Float64Array(2 * P * B); // all real parts, then all imaginary parts (usid_fixture.py's "raw")
const g = rng(2024);
for (let p = 0; p < P; p++) {
  const { real: r, imag: i } = spm.shoResponse(freqs, truth(p));
  for (let k = 0; k < B; k++) { values[p * B + k] = r[k] + g.normal(0, SIGMA); values[P * B + p * B + k] = i[k] + g.normal(0, SIGMA); }
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-sho-"));
const file = path.join(dir, "be-line.h5");
fs.writeFileSync(path.join(dir, "raw.f64"), Buffer.from(values.buffer));
const w = spawnSync(py, [path.join(root, "tests", "spm", "usid_fixture.py")], { encoding: "utf8",
  input: JSON.stringify({ path: file, width: N, height: N, frequencies: Array.from(freqs), dc: [], raw: path.join(dir, "raw.f64"), shuffle: false }) });
if (w.status !== 0) { console.error(w.stderr); process.exit(1); }
fs.copyFileSync(file, path.join(dir, "be-line-bglib.h5"));

// ------------------------------------------------------------------ the three fitters
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const t0 = performance.now(), c0 = cpu();
const grid = (await spm.readSPM(file)).grid;
const response = spm.beResponse(grid);
const t1 = performance.now(), c1 = cpu();
const fit = spm.fitSHO(response);
const t2 = performance.now(), c2 = cpu();
const ours = { read: { wall: (t1 - t0) / 1000, cpu: c1 - c0 }, fit: { wall: (t2 - t1) / 1000, cpu: c2 - c1 } };

const run = (script, target) => {
  const r = spawnSync(py, [path.join(here, script), target], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
  return JSON.parse(r.stdout);
};
const bglib = run("sho_bglib.py", path.join(dir, "be-line-bglib.h5"));
const scipy = args.includes("--no-scipy") ? undefined : run("sho_ref.py", file);
fs.rmSync(dir, { recursive: true, force: true });
const load1 = os.loadavg();

// ------------------------------------------------------------------ accuracy
const KEYS = ["amplitude", "frequency", "quality", "phase"];
const wrap = (a) => Math.atan2(Math.sin(a), Math.cos(a));
/** Error of parameter k: relative for amplitude and Q, Hz for the resonance, radians (wrapped) for the phase. */
const error = (k, est, tru) => (k === "phase" ? wrap(est - tru) : k === "frequency" ? est - tru : (est - tru) / tru);
/** Cramér–Rao standard deviations of the four parameters at pixel p (finite-difference Fisher information). */
const crb = (p) => {
  const t = truth(p);
  const J = KEYS.map((k) => {
    const h = Math.abs(t[k]) * 1e-6;
    const up = spm.shoResponse(freqs, { ...t, [k]: t[k] + h }), dn = spm.shoResponse(freqs, { ...t, [k]: t[k] - h });
    return [...Array.from(up.real, (v, i) => (v - dn.real[i]) / (2 * h)), ...Array.from(up.imag, (v, i) => (v - dn.imag[i]) / (2 * h))];
  });
  const F = Array.from({ length: 4 }, (_, a) => Array.from({ length: 4 }, (_, b) => J[a].reduce((s, v, i) => s + v * J[b][i], 0) / SIGMA ** 2));
  // 4 x 4 inverse by Gauss–Jordan (the diagonal is all that is needed)
  const M = F.map((row, a) => [...row, ...Array.from({ length: 4 }, (_, b) => +(a === b))]);
  for (let c = 0; c < 4; c++) {
    const piv = M[c][c];
    for (let j = 0; j < 8; j++) M[c][j] /= piv;
    for (let r = 0; r < 4; r++) if (r !== c) { const f = M[r][c]; for (let j = 0; j < 8; j++) M[r][j] -= f * M[c][j]; }
  }
  return KEYS.map((k, a) => Math.sqrt(M[a][4 + a]) / (k === "phase" || k === "frequency" ? 1 : Math.abs(t[k])));
};
const bounds = Array.from({ length: P }, (_, p) => crb(p));
const quantile = (a, q) => { const s = a.filter(Number.isFinite).sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };
const fmt = (x) => (Math.abs(x) >= 0.1 && Math.abs(x) < 1e4 ? x.toPrecision(3) : x.toExponential(2));
const sides = { ours: (p) => fit.parameters(p) };
const asParams = (arr, stride) => (p) => ({ amplitude: arr[stride * p], frequency: arr[stride * p + 1], quality: arr[stride * p + 2], phase: arr[stride * p + 3] });
sides["BGlib fit"] = asParams(bglib.fitParams, 5);
if (scipy) sides["scipy lm"] = asParams(scipy.params, 4);
console.log(`${N}x${N} pixels x ${B} bins, noise sd ${SIGMA} per part (peak |R| 0.12-0.22), load average ${load0[0].toFixed(2)} at start, ${load1[0].toFixed(2)} at end`);
console.log(`versions: ${Object.entries(bglib.versions).map(([k, v]) => `${k} ${v}`).join(", ")}, node ${process.version}; BGlib fit cores: ${bglib.cores}`);
console.log("accuracy against the truth, |error|: median / 95th percentile / median in CRB standard deviations (bound 0.67)");
console.log("  (amplitude and Q relative, resonance in Hz, phase in rad)");
for (const [name, get] of Object.entries(sides)) {
  const cols = KEYS.map((k, a) => {
    const e = Array.from({ length: P }, (_, p) => Math.abs(error(k, get(p)[k], truth(p)[k])));
    const z = e.map((v, p) => v / bounds[p][a]);
    return `${k} ${fmt(quantile(e, 0.5))} / ${fmt(quantile(e, 0.95))} / ${quantile(z, 0.5).toFixed(2)}`;
  });
  console.log(`  ${name.padEnd(9)} ${cols.join("; ")}`);
}

// ------------------------------------------------------------------ failures and agreement
const band = [freqs[0], freqs[B - 1]];
const bad = (q) => !KEYS.every((k) => Number.isFinite(q[k])) || !(q.amplitude > 0 && q.quality > 0 && q.frequency > band[0] - (band[1] - band[0]) && q.frequency < band[1] + (band[1] - band[0]));
let unchanged = 0, bgBad = 0, scBad = 0;
for (let p = 0; p < P; p++) {
  if ([0, 1, 2, 3].every((j) => bglib.fitParams[5 * p + j] === bglib.guessParams[5 * p + j])) unchanged++;
  if (bad(sides["BGlib fit"](p))) bgBad++;
  if (scipy && bad(sides["scipy lm"](p))) scBad++;
}
console.log(`failures: ours ${fit.failures.length} reported (${P - fit.failures.length} converged); BGlib reports none, ${bgBad} non-physical or non-finite;` +
  `${scipy ? ` scipy ${scBad} non-physical;` : ""} BGlib fit identical to its guess at ${unchanged} of ${P} pixels`);
const agree = (a, b) => KEYS.map((k) => {
  const d = Array.from({ length: P }, (_, p) => Math.abs(k === "phase" ? wrap(a(p)[k] - b(p)[k]) : (a(p)[k] - b(p)[k]) / b(p)[k]));
  return `${k} ${fmt(quantile(d, 0.5))} / ${fmt(quantile(d, 0.95))}`;
}).join("; ");
console.log(`agreement, |difference| median / 95th percentile (relative; phase in rad):`);
console.log(`  ours vs BGlib  ${agree(sides.ours, sides["BGlib fit"])}`);
if (scipy) console.log(`  ours vs scipy  ${agree(sides.ours, sides["scipy lm"])}`);

// ------------------------------------------------------------------ time
const s = (t) => `${t.wall.toFixed(2)} s wall, ${t.cpu.toFixed(2)} s CPU`;
const bgTotal = { wall: bglib.guess.wall + bglib.fit.wall, cpu: bglib.guess.cpu + bglib.fit.cpu };
const ourTotal = { wall: ours.read.wall + ours.fit.wall, cpu: ours.read.cpu + ours.fit.cpu };
console.log(`time: ours read ${s(ours.read)}, fit ${s(ours.fit)}; BGlib guess ${s(bglib.guess)}, fit ${s(bglib.fit)}` +
  `${scipy ? `; scipy lm fits ${s(scipy)}` : ""}`);
console.log(`  ratio (theirs / ours), read + guess + fit: BGlib ${(bgTotal.wall / ourTotal.wall).toFixed(1)} wall, ${(bgTotal.cpu / ourTotal.cpu).toFixed(1)} CPU` +
  `${scipy ? `; scipy lm fits alone vs our fit: ${(scipy.wall / ours.fit.wall).toFixed(1)} wall, ${(scipy.cpu / ours.fit.cpu).toFixed(1)} CPU` : ""}`);
