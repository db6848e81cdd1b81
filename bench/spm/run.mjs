// SPM benchmarks (`npm run bench -- spm` runs all three): this file, then bench/spm/sho.mjs and bench/spm/loop.mjs.
// Read a multi-channel Nanonis .sxm and level one channel (plane, then
// row median), ours (readSPM + levelPlane + alignRows) against nanonispy 1.1.0 + numpy
// (bench/spm/ref.py) on the same file, in the same run. The file is synthetic, written
// byte by byte in the documented layout (big-endian float32, SCAN_DIR up).
//
//   node bench/spm/run.mjs [--size 2048] [--channels 4] [--repeats 3] [--no-sho] [--no-loops]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { referencePython } from "../reference-venv.mjs";
import { loadSpm } from "./build.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const N = opt("--size", 2048), C = opt("--channels", 4), R = opt("--repeats", 3);

const { spm, built } = loadSpm(args.includes("--rebuild"));

// ------------------------------------------------------------------ the file
const names = Array.from({ length: C }, (_, k) => (k === 0 ? "Z" : `Ch${k}`));
const header = [":NANONIS_VERSION:", "2", ":SCANIT_TYPE:", "              FLOAT            MSBFIRST", ":SCAN_PIXELS:", `       ${N}       ${N}`,
  ":SCAN_TIME:", "             2.500E+1             2.500E+1", ":SCAN_RANGE:", "           1.000000E-7           1.000000E-7", ":SCAN_OFFSET:", "             0.000000E+0         0.000000E+0",
  ":SCAN_ANGLE:", "            0.000E+0", ":BIAS:", "            5.000E-2", ":ACQ_TIME:", "      100.0", ":SCAN_DIR:", "up", ":DATA_INFO:", "\tChannel\tName\tUnit\tDirection\tCalibration\tOffset",
  ...names.map((n, k) => `\t${k}\t${n}\tm\tboth\t1.000E+0\t0.000E+0`), "", ":SCANIT_END:", "", "", ""].join("\n");
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-spm-bench-")), "bench.sxm");
{
  const head = Buffer.from(header, "latin1");
  const plane = Buffer.alloc(N * N * 4);
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, head);
  fs.writeSync(fd, Buffer.from([0x1a, 0x04]));
  for (let p = 0; p < 2 * C; p++) {
    for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
      const v = 1e-9 * (0.01 * x - 0.02 * y + (y % 7) * 0.5 + Math.sin(x * 0.3 + p) * Math.cos(y * 0.2));
      plane.writeFloatBE(v, 4 * (y * N + x));
    }
    fs.writeSync(fd, plane);
  }
  fs.closeSync(fd);
}
const mb = (fs.statSync(file).size / 2 ** 20).toFixed(0);

// ------------------------------------------------------------------ ours and the reference, interleaved
// Reading: each repeat reads the file once in a fresh process on each side (ours: node loading the
// compiled module; reference: python with nanonispy), timed inside the process around the read
// only, ours then theirs, so both allocate fresh memory (a reader in a loop can reuse the pages
// it freed a repeat before: nanonispy then reads in ~0.09 s instead of ~0.55 s) and the load of
// a shared machine falls on both alike. Levelling: in this process, on the last file read.
const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const py = referencePython(here);
const readOnce = `const spm = require(${JSON.stringify(built)}); const t = performance.now();
spm.readSPM(${JSON.stringify(file)}).then((f) => console.log(JSON.stringify({ read: (performance.now() - t) / 1000, n: f.channels.length })));`;
const tr = [], tl = [], rr = [], rl = [];
let ours, ref;
for (let i = 0; i < R; i++) {
  const o = spawnSync(process.execPath, ["-e", readOnce], { encoding: "utf8" });
  if (o.status !== 0) { console.error(o.stderr); process.exit(1); }
  tr.push(JSON.parse(o.stdout).read);
  const r = spawnSync(py, [path.join(here, "ref.py"), file, "Z", "1"], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
  ref = JSON.parse(r.stdout);
  rr.push(ref.read); rl.push(ref.level);
  const f = await spm.readSPM(file);
  const t1 = performance.now();
  const lv = spm.levelPlane(f.channels[0].image);
  const al = spm.alignRows(lv.image, { method: "median" });
  tl.push((performance.now() - t1) / 1000);
  ours = { coef: lv.coefficients, p00: al.image.data[0], pLast: al.image.data[N * N - 1] };
}
ref.read = median(rr); ref.level = median(rl);
console.log(`  per repeat: read ours ${tr.map((t) => t.toFixed(3)).join(" ")} s, nanonispy ${rr.map((t) => t.toFixed(3)).join(" ")} s`);
fs.rmSync(path.dirname(file), { recursive: true, force: true });

const f3 = (x) => x.toFixed(3);
console.log(`${N}x${N}, ${C} channels x 2 directions (${mb} MiB), median of ${R}:`);
console.log(`  read   ours ${f3(median(tr))} s   nanonispy ${f3(ref.read)} s   ratio (theirs/ours) ${(ref.read / median(tr)).toFixed(2)}`);
console.log(`  level  ours ${f3(median(tl))} s   numpy     ${f3(ref.level)} s   ratio (theirs/ours) ${(ref.level / median(tl)).toFixed(2)}`);
console.log(`  plane coefficients ours [${ours.coef.map((c) => c.toExponential(6)).join(", ")}] numpy [${ref.coef.map((c) => c.toExponential(6)).join(", ")}]`);
console.log(`  levelled pixel (0,0) ours ${ours.p00.toExponential(6)} numpy ${ref.p00.toExponential(6)}; (last) ours ${ours.pLast.toExponential(6)} numpy ${ref.p_last.toExponential(6)}`);

// ------------------------------------------------------------------ the BE benchmarks (SHO, then loops)
for (const [flag, script] of [["--no-sho", "sho.mjs"], ["--no-loops", "loop.mjs"]]) {
  if (args.includes(flag)) continue;
  const r = spawnSync(process.execPath, [path.join(here, script)], { stdio: "inherit" });
  if (r.status !== 0) process.exit(1);
}
