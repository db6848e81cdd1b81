// Scale-out benchmark of the 4D-STEM cluster runner (src/stem4d/cluster/): two virtual
// images (BF disk + ADF annulus) in one pass over the same file, in-process (calling
// thread; worker threads) and through Redis with 1, 2 and 4 worker processes, in one run.
// Prints GB/s (1 GB = 1e9 bytes of the file's float32 frames) and the ratio to the
// in-process calling-thread run, and checks every result is bit-identical to it.
//
//   node bench/stem4d/cluster.mjs [--scan 64] [--repeat 3] [--dir DIR] [--keep]
//
// Data: a (scan × scan, 128 × 128) float32 .npy (64: 256 MiB), read from the page cache
// (it is read once before timing). Redis: a throwaway server (scripts/redis.mjs: loopback,
// no persistence). Workers: `src/bin/causalscope-worker.js` on the built library, one
// queue per configuration (1, 2, 4 processes started once, idle while others run), so
// the configurations are measured in interleaved rounds whose order rotates; the median
// and range of --repeat rounds are printed. Each configuration runs once untimed first
// (module loading, the JIT).
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startRedis } from "../../scripts/redis.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const scan = Number(opt("--scan", "64"));
const repeat = Number(opt("--repeat", "3"));
const dir = opt("--dir", path.join(os.tmpdir(), "causalscope-bench-cluster"));
fs.mkdirSync(dir, { recursive: true });

if (!fs.existsSync(path.join(root, "src/dist/stem4d/cluster/cli.js"))) {
  console.log("building src/dist ...");
  execFileSync("npm", ["run", "build", "-w", "src"], { cwd: root, stdio: "inherit" });
}
const require = createRequire(import.meta.url);
const cs = require(path.join(root, "src/dist/index.js"));

// ---------------------------------------------------------------- data
const K = 128, fsz = K * K;
const file = path.join(dir, `scan${scan}.npy`);
function makeFile() {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${scan}, ${scan}, ${K}, ${K}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([1, 0]), Buffer.alloc(2), Buffer.from(header + " ".repeat(pad) + "\n")]);
  head.writeUInt16LE(head.length - 10, 8);
  const want = head.length + scan * scan * fsz * 4;
  if (fs.existsSync(file) && fs.statSync(file).size === want) return;
  console.log(`writing ${file} (${(want / 2 ** 20).toFixed(0)} MiB) ...`);
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, head);
  let s = 1;
  const frame = new Float32Array(fsz);
  for (let f = 0; f < scan * scan; f++) {
    const cx = 63.5 + (f % 7) * 0.2, cy = 63.5 + (f % 5) * 0.2;
    for (let y = 0; y < K; y++) for (let x = 0; x < K; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const r2 = (x - cx) ** 2 + (y - cy) ** 2;
      frame[y * K + x] = (r2 < 100 ? 1000 : 10 * Math.exp(-r2 / 2000)) + (s / 2 ** 32) * 5;
    }
    fs.writeSync(fd, new Uint8Array(frame.buffer));
  }
  fs.closeSync(fd);
}
makeFile();
const bytes = scan * scan * fsz * 4;
const ds = await cs.readDataset4D(file);
const dets = [{ type: "circle", center: [64, 64], radius: 10 }, { type: "annulus", center: [64, 64], inner: 20, outer: 60 }];
await cs.virtualImages(ds, dets, { workers: 0 }); // into the page cache

// ---------------------------------------------------------------- cluster
const redis = await startRedis();
const workerBin = path.join(root, "src/bin/causalscope-worker.js");
const procs = [];
function startWorkers(n, queue) {
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const w = spawn(process.execPath, [workerBin, "--redis", redis.url, "--queue", queue], { stdio: ["ignore", "pipe", "inherit"] });
    procs.push(w);
    let out = "";
    w.stdout.on("data", (d) => { out += d; if (/ready on queue/.test(out)) resolve(); });
    w.once("exit", (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
  })));
}
const counts = [1, 2, 4];
const clusters = {};
for (const n of counts) { await startWorkers(n, `bench${n}`); clusters[n] = cs.stem4d.connectCluster(redis.url, { queue: `bench${n}` }); }

const configs = [
  { name: "in-process, calling thread", opts: { workers: 0 } },
  { name: `in-process, worker threads (${Math.min(os.availableParallelism(), 8)})`, opts: { workers: Math.min(os.availableParallelism(), 8) } },
  ...counts.map((n) => ({ name: `Redis, ${n} worker process${n > 1 ? "es" : ""}`, opts: { cluster: clusters[n] } })),
];
const reference = await cs.virtualImages(ds, dets, { workers: 0 });
const same = (imgs) => imgs.every((im, i) => Buffer.from(im.data.buffer).equals(Buffer.from(reference[i].data.buffer)));
const times = configs.map(() => []);
let identical = true;
try {
  for (const c of configs) identical &&= same(await cs.virtualImages(ds, dets, { ...c.opts, progress: false })); // untimed first run
  for (let r = 0; r < repeat; r++) {
    for (let j = 0; j < configs.length; j++) {
      const c = configs[(j + r) % configs.length];
      const t0 = process.hrtime.bigint();
      const out = await cs.virtualImages(ds, dets, { ...c.opts, progress: false });
      times[configs.indexOf(c)].push(Number(process.hrtime.bigint() - t0) / 1e9);
      identical &&= same(out);
    }
  }
} finally {
  for (const n of counts) await clusters[n].close();
  for (const w of procs) w.kill("SIGTERM");
  await Promise.all(procs.map((w) => (w.exitCode !== null ? null : new Promise((r) => w.once("exit", r)))));
  await redis.stop();
  if (!args.includes("--keep")) fs.rmSync(file, { force: true });
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times[0]);
console.log(`\n${scan}x${scan} scan x 128x128 float32 (${(bytes / 2 ** 20).toFixed(0)} MiB, page cache), two virtual images per pass, ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0].toFixed(1)}`);
console.log("| run | GB/s (median) | range GB/s | time s (median) | vs calling thread |");
console.log("| --- | ---: | ---: | ---: | ---: |");
configs.forEach((c, i) => {
  const m = median(times[i]), lo = Math.min(...times[i]), hi = Math.max(...times[i]);
  console.log(`| ${c.name} | ${(bytes / m / 1e9).toFixed(2)} | ${(bytes / hi / 1e9).toFixed(2)}-${(bytes / lo / 1e9).toFixed(2)} | ${m.toFixed(3)} | ${(base / m).toFixed(2)}x |`);
});
console.log(`results bit-identical to the calling-thread run in every configuration and round: ${identical}`);
if (!identical) process.exit(1);
