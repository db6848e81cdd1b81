// 4D-STEM throughput and accuracy benchmark: causalscope vs py4DSTEM and
// NumPy on the same files, beside a plain sequential read of the same bytes,
// all in one run. Prints GB/s (1 GB = 1e9 bytes) and ratios.
//
//   node bench/stem4d/run.mjs [--sizes 1,4] [--dtypes f4,u2,u1] [--dir DIR] [--no-py4dstem] [--no-bragg] [--file-only] [--keep]
//                             [--lib PATH] [--before PATH]
//
// Sizes: 1 = 1 GiB of 128×128 patterns (float32: 128×128 scan, uint16:
// 128×256, uint8: 256×256; float32 also measured in memory), 4 = 4 GiB
// (scans twice as long and wide, from disk: evicted from the
// page cache with posix_fadvise(DONTNEED) before every pass; on a virtual
// machine the host may still cache the file, so "disk" rates vary a lot).
// Every measurement runs --repeat times (default 3) in interleaved rounds
// whose order rotates; the median and the range are printed. Also: peak RSS of our streaming run on the 4 GiB
// file in a child process limited to a 256 MiB heap, and Bragg disk
// accuracy/speed against py4DSTEM's find_Bragg_disks on synthetic truth.
// Besides GB/s of wall time, GB per CPU-second (all threads of the process,
// ours and Python's alike): on a shared, loaded machine the fairer measure.
// --file-only skips the in-memory float32 rows. --lib PATH times the built
// library at PATH (default src/dist/index.js, built when missing); --before
// PATH also times another build (e.g. an older commit's, made with
// `git archive COMMIT src | tar -x` and its `npm run build`) in the same
// interleaved rounds, as "causalscope before" rows.
// The reference tools live in bench/stem4d/.venv (requirements.txt; made on
// first run) or in $STEM4D_BENCH_PYTHON.
import { execFileSync, spawnSync } from "node:child_process";
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
const sizes = opt("--sizes", "1,4").split(",").map(Number).filter((s) => s === 1 || s === 4);
const DTYPES = { f4: { descr: "<f4", bytes: 4, max: Infinity, dose: 2e5 }, u2: { descr: "<u2", bytes: 2, max: 65535, dose: 2e5 }, u1: { descr: "|u1", bytes: 1, max: 255, dose: 4e4 } };
const dtypes = opt("--dtypes", "f4,u2,u1").split(",");
for (const d of dtypes) if (!(d in DTYPES)) throw new Error(`--dtypes: unknown dtype ${JSON.stringify(d)} (f4, u2, u1)`);
const dir = opt("--dir", path.join(os.tmpdir(), "causalscope-bench-stem4d"));
fs.mkdirSync(dir, { recursive: true });

// ---------------------------------------------------------------- setup
const libPath = path.resolve(opt("--lib", path.join(root, "src/dist/index.js")));
if (!fs.existsSync(libPath)) {
  console.log("building src/dist ...");
  execFileSync("npm", ["run", "build", "-w", "src"], { cwd: root, stdio: "inherit" });
}
const require = createRequire(import.meta.url);
const cs = require(libPath);
const beforePath = opt("--before", null);
const csBefore = beforePath ? require(path.resolve(beforePath)) : null;
console.log(`library: ${libPath}${beforePath ? `; before: ${path.resolve(beforePath)}` : ""}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);

const py = process.env.STEM4D_BENCH_PYTHON || referencePython(here);
const ref = (...a) => {
  const r = spawnSync(py, [path.join(here, "ref.py"), ...a.map(String)], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ref.py ${a[0]} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
};
const evict = (p) => ref("evict", p);

// ---------------------------------------------------------------- data
/**
 * Write a (rows, cols, 128, 128) .npy of dtype `dt` (a DTYPES key) of BF disk + Bragg disks + Poisson
 * noise (counts; uint8 at a lower dose, clipped at 255), 8 MiB at a time.
 */
function makeFile(file, rows, cols, dt) {
  const { descr, bytes: bpe, max, dose } = DTYPES[dt];
  const ky = 128, kx = 128, fsz = ky * kx, want = 128 + rows * cols * fsz * bpe;
  if (fs.existsSync(file) && fs.statSync(file).size === want) return;
  console.log(`writing ${file} (${(want / 2 ** 30).toFixed(2)} GiB) ...`);
  const variants = [];
  for (let v = 0; v < 16; v++) {
    const { dataset } = cs.synth.stem4d({ scanShape: [1, 1], detShape: [ky, kx], diskRadius: 9, center: [63.5 + (v % 4) * 0.3, 63.5 + Math.floor(v / 4) * 0.3], deflection: 0, lattice: { g1: [24, 2], g2: [-2, 24], orders: 2, intensity: 0.4 }, dose, seed: v });
    variants.push(dataset.readFrames(0, 1).map((x) => Math.min(x, max)));
  }
  const fd = fs.openSync(file, "w");
  const shape = `(${rows}, ${cols}, ${ky}, ${kx})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  dict += " ".repeat(128 - 10 - dict.length - 1) + "\n";
  const head = Buffer.alloc(10);
  head[0] = 0x93; head.write("NUMPY", 1, "latin1"); head[6] = 1; head.writeUInt16LE(dict.length, 8);
  fs.writeSync(fd, head); fs.writeSync(fd, Buffer.from(dict, "latin1"));
  const per = 128, chunk = new { f4: Float32Array, u2: Uint16Array, u1: Uint8Array }[dt](per * fsz);
  for (let f = 0; f < rows * cols; f += per) {
    const n = Math.min(per, rows * cols - f);
    for (let i = 0; i < n; i++) chunk.set(variants[(f + i) * 7 % 16], i * fsz);
    fs.writeSync(fd, new Uint8Array(chunk.buffer, 0, n * fsz * bpe));
  }
  fs.closeSync(fd);
}

const det = { cx: 63.5, cy: 63.5, ri: 20, ro: 60 };
const annulus = { type: "annulus", center: [det.cx, det.cy], inner: det.ri, outer: det.ro };
const gbs = (bytes, s) => bytes / s / 1e9;
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
/** [wall s, result, CPU s of this process (all its threads: the calling thread and the worker pool)]. */
const timeit = async (fn) => { const c = process.cpuUsage(), t = performance.now(); const r = await fn(); const d = process.cpuUsage(c); return [(performance.now() - t) / 1000, r, (d.user + d.system) / 1e6]; };

function seqReadNode(file) {
  const fd = fs.openSync(file, "r"), buf = Buffer.allocUnsafe(8 << 20);
  let n = 0, pos = 0;
  const t = performance.now();
  for (;;) { const k = fs.readSync(fd, buf, 0, buf.length, pos); if (k <= 0) break; n += k; pos += k; }
  fs.closeSync(fd);
  return [(performance.now() - t) / 1000, n];
}

const results = [];
const repeat = Number(opt("--repeat", "3"));
/** Median and range of repeated timings, as GB/s. */
/** Median and range of repeated timings as GB/s, and (when measured) the median CPU time as GB per CPU-second. */
function report(size, where, what, tool, bytes, times, extra = "", cpu = []) {
  const t = [...times].sort((x, y) => x - y), med = t[t.length >> 1];
  const c = [...cpu].sort((x, y) => x - y), cmed = c.length ? c[c.length >> 1] : NaN;
  results.push({ size, where, what, tool, gbs: gbs(bytes, med), seconds: t, cpuSeconds: c, extra });
  const range = t.length > 1 ? ` [${fmt(gbs(bytes, t[t.length - 1]))}–${fmt(gbs(bytes, t[0]))}]` : "";
  const perCpu = c.length ? `${fmt(gbs(bytes, cmed)).padStart(6)} GB/CPU-s` : "".padStart(15);
  console.log(`${size} GiB ${where.padEnd(9)} ${what.padEnd(14)} ${tool.padEnd(26)} ${fmt(gbs(bytes, med)).padStart(6)} GB/s${range.padEnd(14)} ${perCpu}  ${extra}`);
}

for (const size of sizes) for (const dt of dtypes) {
  // the same number of bytes for every dtype: longer and wider scans for narrower pixels
  const s = size === 4 ? 2 : 1, [rows, cols] = { f4: [128 * s, 128 * s], u2: [128 * s, 256 * s], u1: [256 * s, 256 * s] }[dt];
  const file = path.join(dir, `stem4d-${rows}x${cols}x128x128-${dt}.npy`);
  makeFile(file, rows, cols, dt);
  const ds = await cs.readDataset4D(file);
  const bytes = ds.byteLength;
  const cold = size >= 4;
  const where = `${cold ? "disk" : "file"} ${dt}`;
  console.log(`\n== ${size} GiB ${dt}: ${ds} ; ${os.availableParallelism()} CPUs; ${cold ? "page cache evicted before every pass" : "file in the page cache"}; median of ${repeat} interleaved rounds [range]; load average ${os.loadavg()[0].toFixed(1)}`);
  const meta = { scanShape: ds.scanShape, detShape: ds.detShape, nFrames: ds.nFrames, frameSize: ds.frameSize };
  const nthr = os.availableParallelism();
  let oursSum = NaN, oursComX = NaN;
  const mean = (a) => { let s = 0, n = 0; for (const v of a) if (Number.isFinite(v)) { s += v; n++; } return s / n; };
  // Each round runs every measurement once, so drifts of a shared disk or CPU hit all tools alike.
  const jobs = [
    ["read", "node readSync 8 MiB", async () => seqReadNode(file)[0]],
    ["read", "python readinto 8 MiB", async () => ref("seqread", file).seconds],
    ["read", `python ${nthr} threads 8 MiB`, async () => ref("parread", file, nthr).seconds],
    ["virtual ADF", "causalscope (stream)", async () => { const [s, vi, cpu] = await timeit(() => cs.virtualImage(ds, annulus, { progress: false })); oursSum = vi.data.reduce((x, y) => x + y, 0); return { s, cpu }; }],
    ["COM", "causalscope (stream)", async () => { const [s, com, cpu] = await timeit(() => cs.centerOfMass(ds, { raw: true, progress: false })); oursComX = mean(com.comX.data); return { s, cpu }; }],
    ["virtual ADF", "causalscope (stream, 1 thread)", async () => { const [s, , cpu] = await timeit(() => cs.virtualImage(ds, annulus, { progress: false, workers: 0 })); return { s, cpu }; }],
    ["COM", "causalscope (stream, 1 thread)", async () => { const [s, , cpu] = await timeit(() => cs.centerOfMass(ds, { raw: true, progress: false, workers: 0 })); return { s, cpu }; }],
    ...(csBefore ? [
      ["virtual ADF", "causalscope before", async () => { const dsB = await csBefore.readDataset4D(file); const [s, vi, cpu] = await timeit(() => csBefore.virtualImage(dsB, annulus, { progress: false })); dsB.close(); add("sum|before", vi.data.reduce((x, y) => x + y, 0)); return { s, cpu }; }],
      ["COM", "causalscope before", async () => { const dsB = await csBefore.readDataset4D(file); const [s, com, cpu] = await timeit(() => csBefore.centerOfMass(dsB, { raw: true, progress: false })); dsB.close(); add("comx|before", mean(com.comX.data)); return { s, cpu }; }],
    ] : []),
    ["ADF+COM 1 pass", "causalscope (stream)", async () => { const [s, , cpu] = await timeit(() => cs.stem4d.runUDFs(ds, [cs.stem4d.virtualImageUDF(cs.stem4d.detectorMask(annulus, ds.detShape), meta), cs.stem4d.centerOfMassUDF()], { progress: false })); return { s, cpu }; }],
    ["numpy", "", async () => ref("numpy", file, cold ? "mmap-cold" : "mmap", det.cx, det.cy, det.ri, det.ro)],
    ...(flag("--no-py4dstem") ? [] : [["py4dstem", "", async () => ref("py4dstem", file, cold ? "mmap-cold" : "mmap", det.cx, det.cy, det.ri, det.ro)]]),
  ];
  const times = new Map(), cpus = new Map();
  const push = (m, k, v) => { if (!m.has(k)) m.set(k, []); m.get(k).push(v); };
  const add = (k, v, cpu) => { push(times, k, v); if (cpu !== undefined) push(cpus, k, cpu); };
  let p4version = "";
  for (let r = 0; r < repeat; r++) {
    // rotate the order each round so that no tool always runs right after the same one
    const order = jobs.map((_, i) => jobs[(i + r * 3) % jobs.length]);
    for (const [what, tool, fn] of order) {
      if (cold) evict(file);
      const v = await fn();
      if (what === "numpy") { add("virtual ADF|NumPy (mmap, chunked)", v.vi_s, v.vi_cpu); add("COM|NumPy (mmap, chunked)", v.com_s, v.com_cpu); add("sum|numpy", v.vi_sum); add("comx|numpy", v.comx_mean); }
      else if (what === "py4dstem") { p4version = v.version; add("virtual ADF|py4DSTEM (mmap)", v.vi_s); add("COM|py4DSTEM get_CoM (mmap)", v.com_s); add("sum|py4dstem", v.vi_sum); }
      else if (typeof v === "number") add(`${what}|${tool}`, v);
      else add(`${what}|${tool}`, v.s, v.cpu);
    }
  }
  for (const [k, v] of times) {
    if (k.startsWith("sum|") || k.startsWith("comx|")) continue;
    const [what, tool] = k.split("|");
    const sumKey = tool.startsWith("NumPy") ? "sum|numpy" : tool.startsWith("py4DSTEM") ? "sum|py4dstem" : tool.endsWith("before") ? "sum|before" : null;
    let extra = what === "virtual ADF" && sumKey ? `sum rel.diff vs ours ${(Math.abs(times.get(sumKey)[0] - oursSum) / oursSum).toExponential(1)}` : "";
    const comKey = tool.startsWith("NumPy") ? "comx|numpy" : tool.endsWith("before") ? "comx|before" : null;
    if (what === "COM" && comKey) extra = `mean COM x rel.diff vs ours ${(Math.abs(times.get(comKey)[0] - oursComX) / oursComX).toExponential(1)}`;
    report(size, where, what, tool.replace("py4DSTEM", `py4DSTEM ${p4version}`), bytes, v, extra, cpus.get(k) ?? []);
  }
  if (!cold && dt === "f4" && !flag("--file-only")) {
    // in memory: ours from a SharedArrayBuffer, NumPy/py4DSTEM from a loaded array; limits = memcpy and a JS sum
    const sab = new Float32Array(new SharedArrayBuffer(bytes));
    ds.readFrames(0, ds.nFrames, sab);
    const mem = cs.stem4d.dataset4D(sab, ds.scanShape, ds.detShape);
    const dst = new Float32Array(8 << 18);
    const mt = new Map();
    const madd = (k, v) => { if (!mt.has(k)) mt.set(k, []); mt.get(k).push(v); };
    for (let r = 0; r < repeat; r++) {
      let t = performance.now();
      for (let o = 0; o < sab.length; o += dst.length) dst.set(sab.subarray(o, o + dst.length));
      madd("read|memcpy 8 MiB blocks", (performance.now() - t) / 1000);
      t = performance.now(); let acc = 0; for (let i = 0; i < sab.length; i++) acc += sab[i];
      madd("read|JS sum, 1 thread", (performance.now() - t) / 1000 + (acc === -1 ? 1 : 0));
      madd("virtual ADF|causalscope", (await timeit(() => cs.virtualImage(mem, annulus, { progress: false })))[0]);
      madd("virtual ADF|causalscope 1 thread", (await timeit(() => cs.virtualImage(mem, annulus, { progress: false, workers: 0 })))[0]);
      madd("COM|causalscope", (await timeit(() => cs.centerOfMass(mem, { raw: true, progress: false })))[0]);
      madd("COM|causalscope 1 thread", (await timeit(() => cs.centerOfMass(mem, { raw: true, progress: false, workers: 0 })))[0]);
      const nmm = ref("numpy", file, "memory", det.cx, det.cy, det.ri, det.ro);
      madd("virtual ADF|NumPy", nmm.vi_s); madd("COM|NumPy", nmm.com_s);
      if (!flag("--no-py4dstem")) {
        const p4m = ref("py4dstem", file, "memory", det.cx, det.cy, det.ri, det.ro);
        madd(`virtual ADF|py4DSTEM ${p4m.version}`, p4m.vi_s); madd(`COM|py4DSTEM ${p4m.version} get_CoM`, p4m.com_s);
      }
    }
    for (const [k, v] of mt) { const [what, tool] = k.split("|"); report(size, "mem f4", what, tool, bytes, v); }
  }
  if (cold) {
    // peak RSS of a streaming run in a child with a 256 MiB heap limit
    evict(file);
    const code = `const cs=require(${JSON.stringify(path.join(root, "src/dist/index.js"))});let peak=0;const timer=setInterval(()=>{peak=Math.max(peak,process.memoryUsage().rss)},20);(async()=>{const ds=await cs.readDataset4D(${JSON.stringify(file)});const t=Date.now();await cs.stem4d.runUDFs(ds,[cs.stem4d.virtualImageUDF(cs.stem4d.detectorMask(${JSON.stringify(annulus)},ds.detShape),{scanShape:ds.scanShape,detShape:ds.detShape,nFrames:ds.nFrames,frameSize:ds.frameSize}),cs.stem4d.centerOfMassUDF()],{progress:false});clearInterval(timer);const hwm=/VmHWM:\\s+(\\d+)/.exec(require("fs").readFileSync("/proc/self/status","utf8"));console.log(JSON.stringify({maxRSS:hwm?Number(hwm[1])*1024:NaN,sampled:peak,s:(Date.now()-t)/1000}))})()`;
    const r = spawnSync(process.execPath, ["--max-old-space-size=256", "-e", code], { encoding: "utf8" });
    if (r.status !== 0) console.log(`RSS run failed: ${r.stderr.slice(-500)}`);
    else { const m = JSON.parse(r.stdout.trim().split("\n").pop()); console.log(`peak RSS streaming ADF+COM over ${(bytes / 2 ** 30).toFixed(1)} GiB (heap limit 256 MiB): ${(m.maxRSS / 2 ** 20).toFixed(0)} MiB (VmHWM of the child; getrusage's maxrss would include the parent's), ${(m.sampled / 2 ** 20).toFixed(0)} MiB (sampled every 20 ms), ${fmt(gbs(bytes, m.s))} GB/s`); results.push({ size, what: "peak RSS", rssMiB: m.maxRSS / 2 ** 20 }); }
  }
  ds.close();
  if (!flag("--keep") && size >= 4) fs.rmSync(file, { force: true });
}

// ---------------------------------------------------------------- Bragg disks
if (!flag("--no-bragg") && !flag("--no-py4dstem") && !flag("--bragg-only-ours")) {
  const g1 = [21.3, 2.2], g2 = [-1.8, 20.6], orders = 2, r = 5;
  const { dataset, truth } = cs.synth.stem4d({ scanShape: [16, 16], detShape: [128, 128], diskRadius: r, deflection: 1.5, descan: [0.05, 0.02, -0.03, 0.04], lattice: { g1, g2, orders, intensity: 0.5 }, dose: 5e4, seed: 5 });
  const params = { thresholdRel: 0.02, minDistance: 10, excludeBorder: 6 };
  const dataFile = path.join(dir, "bragg.npy"), probeFile = path.join(dir, "probe.npy"), truthFile = path.join(dir, "bragg-truth.json");
  await cs.stem4d.writeNpy4D(dataFile, dataset);
  const ph = Buffer.from(`{'descr': '<f4', 'fortran_order': False, 'shape': (128, 128), }`.padEnd(117) + "\n", "latin1");
  const h = Buffer.alloc(10); h[0] = 0x93; h.write("NUMPY", 1, "latin1"); h[6] = 1; h.writeUInt16LE(ph.length, 8);
  fs.writeFileSync(probeFile, Buffer.concat([h, ph, Buffer.from(truth.probe.data.buffer)]));
  // true disk centres: pattern centre + h g1 + k g2, inside the edge boundary
  const want = [];
  for (let f = 0; f < dataset.nFrames; f++) {
    const list = [];
    for (let a = -orders; a <= orders; a++) for (let b = -orders; b <= orders; b++) {
      const x = truth.rawX.data[f] + a * g1[0] + b * g2[0], y = truth.rawY.data[f] + a * g1[1] + b * g2[1];
      if (x >= params.excludeBorder + 1 && y >= params.excludeBorder + 1 && x <= 126 - params.excludeBorder && y <= 126 - params.excludeBorder) list.push([x, y]);
    }
    want.push(list);
  }
  fs.writeFileSync(truthFile, JSON.stringify({ params }));
  const score = (found) => {
    let n = 0, hit = 0, e2 = 0, extra = 0;
    for (let f = 0; f < want.length; f++) {
      const fx = found[f].x, fy = found[f].y, used = new Set();
      for (const [x, y] of want[f]) {
        n++;
        let best = Infinity, bj = -1;
        for (let j = 0; j < fx.length; j++) { const d = Math.hypot(fx[j] - x, fy[j] - y); if (d < best) { best = d; bj = j; } }
        if (best < 1.5) { hit++; e2 += best * best; used.add(bj); }
      }
      extra += fx.length - used.size;
    }
    return { recall: hit / n, rms: Math.sqrt(e2 / hit), extra, n };
  };
  const oursFound = async (subpixel, workers = "auto") => {
    const [s, d] = await timeit(() => cs.braggDisks(dataset, truth.probe, { ...params, subpixel, upsample: 16, maxPeaks: 70, progress: false, workers }));
    const found = [];
    for (let f = 0; f < dataset.nFrames; f++) found.push({ x: Array.from(d.x.subarray(d.offsets[f], d.offsets[f + 1])), y: Array.from(d.y.subarray(d.offsets[f], d.offsets[f + 1])) });
    return [s, score(found)];
  };
  console.log(`\n== Bragg disks: 16×16 scan × 128×128, r = ${r} px, dose 5e4 e/pattern, true positions from synth`);
  const line = (tool, s, sc) => console.log(`${tool.padEnd(34)} ${(s * 1000 / dataset.nFrames).toFixed(2).padStart(7)} ms/pattern  recall ${(100 * sc.recall).toFixed(1)} %  RMS error ${sc.rms.toFixed(4)} px  extra ${sc.extra} (of ${sc.n} true disks)`);
  const [s1, sc1] = await oursFound("parabolic"); line("causalscope (parabolic)", s1, sc1);
  const [s2, sc2] = await oursFound("upsample"); line("causalscope (DFT upsample ×16)", s2, sc2);
  const [s3, sc3] = await oursFound("upsample", 0); line("causalscope (DFT ×16, 1 thread)", s3, sc3);
  const p = ref("bragg", dataFile, probeFile, truthFile);
  line(`py4DSTEM ${p.version} (multicorr ×16)`, p.seconds, score(p.found));
}
console.log(`\nGB/s = bytes / seconds / 1e9. Ratios: compare rows of the same size and place. Load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
