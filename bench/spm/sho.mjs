// BE-PFM SHO benchmark: fitSHO on a synthetic 100 x 100 x 64-bin band-excitation data set
// (seeded complex Gaussian noise, peak SNR 30, resonance varying across the map) against
// scipy.optimize.least_squares("lm") per pixel with the same model and starting guess
// (bench/spm/sho_ref.py), in the same run. BGlib itself is not run: it pulls dask, numba and
// pyUSID and needs its USID HDF5 layout; its SHO model is the one both sides fit here.
//
//   node bench/spm/sho.mjs [--size 100] [--bins 64]
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
const N = opt("--size", 100), B = opt("--bins", 64);

const out = path.join(root, "bench", "results", "spm-dist");
const built = path.join(out, "src", "spm", "index.js");
const srcs = fs.readdirSync(path.join(root, "src", "spm")).map((f) => path.join(root, "src", "spm", f));
if (!fs.existsSync(built) || !fs.existsSync(path.join(out, "src", "core", "random.js")) || srcs.some((f) => fs.statSync(f).mtimeMs > fs.statSync(built).mtimeMs)) {
  console.log("compiling src/spm -> " + out);
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--outDir", out, "--rootDir", root,
    "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--esModuleInterop", "--skipLibCheck",
    "--declaration", "false", "--sourceMap", "false", path.join(root, "src/spm/index.ts"), path.join(root, "src/core/random.ts")], { stdio: "inherit" });
  if (r.status !== 0) process.exit(1);
}
const req = createRequire(import.meta.url);
const spm = req(built);
const { rng } = req(path.join(out, "src", "core", "random.js"));

const freqs = Float64Array.from({ length: B }, (_, i) => 330e3 + (40e3 * i) / (B - 1));
const P = N * N;
const real = new Float64Array(P * B), imag = new Float64Array(P * B);
const g = rng(2024);
for (let p = 0; p < P; p++) {
  const x = p % N, y = Math.floor(p / N);
  const truth = { amplitude: 1e-3 * (1 + 0.3 * Math.sin(x / 9)), frequency: 345e3 + 100 * x + 40 * y, quality: 120 + 0.5 * y, phase: x < N / 2 ? 0.3 : 0.3 + Math.PI * 0.9 };
  const { real: r, imag: i } = spm.shoResponse(freqs, truth);
  for (let k = 0; k < B; k++) { real[p * B + k] = r[k] + g.normal(0, 0.005); imag[p * B + k] = i[k] + g.normal(0, 0.005); }
}
const t0 = performance.now();
const fit = spm.fitSHO({ frequencies: freqs, real, imag, width: N, height: N });
const ours = (performance.now() - t0) / 1000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-sho-"));
const file = path.join(dir, "be.f64");
const all = new Float64Array(B + 2 * P * B);
all.set(freqs); all.set(real, B); all.set(imag, B + P * B);
fs.writeFileSync(file, Buffer.from(all.buffer));
const r = spawnSync(referencePython(here), [path.join(here, "sho_ref.py"), file, String(P), String(B)], { encoding: "utf8", maxBuffer: 1 << 26 });
fs.rmSync(dir, { recursive: true, force: true });
if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
const ref = JSON.parse(r.stdout);
const keys = ["amplitude", "frequency", "quality", "phase"];
const diffs = keys.map((k, j) => {
  const d = [];
  for (let p = 0; p < P; p++) { const a = fit.parameters(p)[k], b = ref.params[4 * p + j]; d.push(Math.abs(a - b) / Math.abs(b)); }
  d.sort((a, b) => a - b);
  return `${k} median ${d[d.length >> 1].toExponential(1)} max ${d[d.length - 1].toExponential(1)}`;
});
console.log(`${N}x${N} pixels x ${B} bins: ours ${ours.toFixed(2)} s (${fit.failures.length} failures), scipy least_squares(lm) ${ref.seconds.toFixed(2)} s, ratio (theirs/ours) ${(ref.seconds / ours).toFixed(1)}`);
console.log(`  relative difference ours vs scipy per parameter: ${diffs.join("; ")}`);
