/**
 * 4-D UDF runs on a cluster (src/stem4d/cluster/): a real redis-server
 * (Debian's, installed by scripts/redis.mjs when missing; loopback, no
 * persistence, a free port, stopped after the tests) and real worker
 * processes (`src/bin/causalscope-worker.js`: the build when it is newer
 * than the sources, else `--sources`). Checks: results
 * bit-identical to the single-machine run with 1 and 3 workers; a worker
 * SIGKILLed in the middle of a partition; a partition whose file read fails;
 * Redis restarted mid-run. Skips loudly only when redis-server cannot be
 * installed.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { dataset4D, readDataset4D, runUDFs, virtualImage, centerOfMass, writeNpy4D, type BufferSpec, type UDF } from "../../src/stem4d";
import { centerOfMassUDF, detectorMask, maxPatternUDF, meanPatternUDF, virtualImageUDF } from "../../src/stem4d/analyses";
import { connectCluster, type Cluster } from "../../src/stem4d/cluster/client";
import { decodeValue, encodeValue } from "../../src/stem4d/cluster/codec";
import { mergePartitions, type RunPlan } from "../../src/stem4d/cluster/protocol";
import { sharedPool } from "../../src/core/pool";
import { Redis } from "ioredis";

const ROOT = path.join(__dirname, "..", "..");
const WORKER_BIN = path.join(ROOT, "src", "bin", "causalscope-worker.js");
const LOCK_MS = 1000;
// Starting worker processes from the sources (ts-node) took up to 70 s on the shared 2-core box at load 30.
const STARTUP_MS = 300000;

/** Newest modification time (ms) of the TypeScript sources under `dir` (skipping dist, wasm sources and node_modules). */
function newestSource(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!["dist", "node_modules", "assembly"].includes(e.name)) t = Math.max(t, newestSource(p)); }
    else if (e.name.endsWith(".ts")) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}
// Workers run the built library when it is newer than every source (as on CI, which builds
// first: a worker then starts in about a second); else the sources through ts-node.
const BUILT_CLI = path.join(ROOT, "src", "dist", "stem4d", "cluster", "cli.js");
const FROM_BUILD = fs.existsSync(BUILT_CLI) && fs.statSync(BUILT_CLI).mtimeMs >= newestSource(path.join(ROOT, "src"));

let redisServer = "";
let whyNot = "";
try {
  redisServer = execFileSync(process.execPath, [path.join(ROOT, "scripts", "redis.mjs"), "ensure"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
} catch (e) {
  whyNot = ((e as { stderr?: string }).stderr || (e as Error).message).trim();
  console.warn(`SKIPPED tests/stem4d/cluster-redis: redis-server is not installed and cannot be: ${whyNot}`);
}
const maybe = redisServer ? describe : describe.skip;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stem4d-cluster-"));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const a = s.address() as net.AddressInfo; s.close(() => resolve(a.port)); });
  });
}

/** Resolve when `child` has printed a line matching `re` on stdout; reject if it exits first. */
function waitForLine(child: ChildProcess, re: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer) => { out += d; if (re.test(out)) { child.stdout!.off("data", onData); resolve(); } };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => { out += d; });
    child.once("exit", (code, sig) => reject(new Error(`${what} exited (${code ?? sig}) before it was ready: ${out.trim()}`)));
  });
}

/** Poll `cond` every 20 ms until it holds (or fail after `ms`). */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

let port = 0, url = "";
let redis: ChildProcess | undefined;
const workers: ChildProcess[] = [];

async function startRedis(): Promise<void> {
  // The arguments of scripts/redis.mjs serverArgs: loopback only, no RDB, no AOF.
  redis = spawn(redisServer, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice"], { stdio: ["ignore", "pipe", "pipe"] });
  await waitForLine(redis, /ready to accept connections/i, "redis-server");
}

async function startWorkers(n: number): Promise<void> {
  const started = Array.from({ length: n }, () => {
    const w = spawn(process.execPath, [WORKER_BIN, ...(FROM_BUILD ? [] : ["--sources"]), "--redis", url, "--lock-ms", String(LOCK_MS)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    workers.push(w);
    return waitForLine(w, /ready on queue/, "causalscope-worker");
  });
  await Promise.all(started);
}

// Float32 values spread over 2^-40..2^40 so that float64 sums depend on their order:
// a merge in another order (or twice) changes the mean pattern's bits.
function spreadData(nFrames: number, frameSize: number, seed: number): Float32Array {
  const out = new Float32Array(nFrames * frameSize);
  let s = seed >>> 0;
  const next = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  for (let i = 0; i < out.length; i++) out[i] = (0.5 + next()) * 2 ** Math.floor(next() * 80 - 40);
  return out;
}

const SCAN: [number, number] = [12, 10], DET: [number, number] = [16, 16];
const file = path.join(tmp, "scan.npy");
const PF = 8; // 120 frames -> 15 partitions

// A process module of the tests' own: sums per frame (nav) and over frames (sig); blocks its
// thread on the partition starting at `p.blockStart` the first time it runs it (the gate file
// records the pid of the worker that took it), so a test can act while that job is in flight;
// `p.delayMs` makes every partition take that long, so that several workers share a run.
const slowModule = path.join(tmp, "slow-udf.js");
fs.writeFileSync(slowModule, `
const fs = require("node:fs");
exports.sums = (frames, n, start, b, p, meta) => {
  if (p.delayMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, p.delayMs);
  if (p.gate && start === p.blockStart) {
    let first = true;
    try { fs.writeFileSync(p.gate, String(process.pid), { flag: "wx" }); } catch { first = false; }
    if (first) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, p.blockMs);
  }
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let j = 0; j < meta.frameSize; j++) { const v = frames[i * meta.frameSize + j]; t += v; b.sig[j] += v; }
    b.total[i] = t;
  }
};
`);
function sumsUDF(gate = "", blockStart = -1, blockMs = 0, delayMs = 0): UDF<Record<string, Float64Array>, unknown> {
  return {
    name: "sums", params: { gate, blockStart, blockMs, delayMs },
    buffers: () => ({ total: { kind: "nav" }, sig: { kind: "sig" } }),
    process: { module: slowModule, export: "sums" },
    finalize: (b) => b,
  };
}

function bits(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

maybe("4-D UDFs on a Redis cluster", () => {
  let ds: Awaited<ReturnType<typeof readDataset4D>>;
  let cluster: Cluster;
  const bf = { type: "circle" as const, center: [7.5, 7.5] as [number, number], radius: 4 };
  const adf = { type: "annulus" as const, center: [7.5, 7.5] as [number, number], inner: 5, outer: 8 };
  const udfs = () => {
    const meta = { scanShape: ds.scanShape, detShape: ds.detShape, nFrames: ds.nFrames, frameSize: ds.frameSize };
    return [virtualImageUDF(detectorMask(bf, DET), meta), virtualImageUDF(detectorMask(adf, DET), meta), centerOfMassUDF(), meanPatternUDF(), maxPatternUDF()] as const;
  };
  let local: Awaited<ReturnType<typeof runUDFs<ReturnType<typeof udfs>>>>;

  beforeAll(async () => {
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    await writeNpy4D(file, dataset4D(spreadData(SCAN[0] * SCAN[1], DET[0] * DET[1], 7), SCAN, DET));
    ds = await readDataset4D(file);
    local = await runUDFs(ds, udfs(), { workers: 0, partitionFrames: PF });
    await startRedis();
    await startWorkers(1);
    cluster = connectCluster(url);
  }, STARTUP_MS);

  afterAll(async () => {
    await cluster?.close();
    for (const w of workers) w.kill("SIGKILL");
    redis?.kill("SIGKILL");
    await Promise.all([...workers, ...(redis ? [redis] : [])].map(exited));
    await sharedPool().terminate();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("the merge order matters for these data (so equality below is a real check)", async () => {
    const other = await runUDFs(ds, [meanPatternUDF()], { workers: 0, partitionFrames: 5 });
    expect(bits(other[0]).equals(bits(local[3]))).toBe(false);
  });

  test("1 worker: virtual images, centre of mass, mean and max patterns bit-identical to the local run", async () => {
    const remote = await runUDFs(ds, udfs(), { cluster, partitionFrames: PF });
    expect(bits(remote[0]).equals(bits(local[0]))).toBe(true);
    expect(bits(remote[1]).equals(bits(local[1]))).toBe(true);
    for (const k of ["sum", "comX", "comY"] as const) expect(bits(remote[2][k]).equals(bits(local[2][k]))).toBe(true);
    expect(bits(remote[3]).equals(bits(local[3]))).toBe(true);
    expect(bits(remote[4]).equals(bits(local[4]))).toBe(true);
    expect(cluster.lastRun!.partitions).toBe(15);
    expect(new Set(cluster.lastRun!.workers).size).toBe(1);
    // The run's jobs and partial results are removed from Redis once merged.
    const client = new Redis(url);
    try { expect(await client.keys(`*${cluster.lastRun!.run}*`)).toEqual([]); } finally { client.disconnect(); }
  });

  test("3 workers: the same bits; the contract form { cluster: URL } of virtualImage and centerOfMass", async () => {
    await startWorkers(2);
    expect(await cluster.workers()).toBe(3);
    // Partitions of 150 ms (the sums UDF in the same pass) so that the three workers share the run.
    const remote = await runUDFs(ds, [...udfs(), sumsUDF("", -1, 0, 150)], { cluster, partitionFrames: PF });
    remote.slice(0, 5).forEach((r, i) => {
      if (i === 2) for (const k of ["sum", "comX", "comY"] as const) expect(bits((r as typeof local[2])[k]).equals(bits(local[2][k]))).toBe(true);
      else expect(bits(r as Float64Array).equals(bits(local[i] as Float64Array))).toBe(true);
    });
    expect(new Set(cluster.lastRun!.workers).size).toBeGreaterThan(1);
    const img = await virtualImage(ds, bf, { cluster: url });
    expect(bits(img.data).equals(bits((await virtualImage(ds, bf, { workers: 0 })).data))).toBe(true);
    const com = await centerOfMass(ds, { cluster: url, raw: true });
    const comLocal = await centerOfMass(ds, { workers: 0, raw: true });
    expect(bits(com.rawX.data).equals(bits(comLocal.rawX.data))).toBe(true);
  }, STARTUP_MS);

  test("refused before any job: data only in memory, a process given as a function, a bad URL", async () => {
    const mem = dataset4D(spreadData(6, 16, 1), [2, 3], [4, 4]);
    await expect(virtualImage(mem, bf, { cluster })).rejects.toThrow(/options\.cluster needs a dataset whose frames the workers can read themselves, from a file on storage they share .*; this one is /);
    const closure: UDF<Float64Array, null> = { name: "closure", params: null, buffers: () => ({ s: { kind: "nav" } }), process: () => undefined, finalize: (b) => b.s };
    await expect(runUDFs(ds, [closure], { cluster })).rejects.toThrow('options.cluster: "closure" give process as a function');
    expect(() => connectCluster("localhost:6379")).toThrow('connectCluster: url must be a Redis URL like "redis://host:6379", got "localhost:6379"');
  });

  test("a partition whose file read fails: a clear error naming the partition and the file", async () => {
    const cut = path.join(tmp, "cut.npy");
    fs.copyFileSync(file, cut);
    const dsCut = await readDataset4D(cut);
    fs.truncateSync(cut, fs.statSync(cut).size - 100); // the last partition (frames 112..119) runs off the end
    await expect(runUDFs(dsCut, udfs(), { cluster, partitionFrames: PF })).rejects.toThrow(
      new RegExp(`partition 14 \\(frames 112\\.\\.119\\) of ${cut.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}.*unexpected end of file.*after 3 attempts`));
  });

  test("a worker SIGKILLed in the middle of a partition: another takes it, the result is exact, nothing merged twice", async () => {
    const gate = path.join(tmp, "kill.gate");
    const [localSums] = await runUDFs(ds, [sumsUDF()], { workers: 0, partitionFrames: PF });
    const running = runUDFs(ds, [sumsUDF(gate, 48, 60000)], { cluster, partitionFrames: PF });
    await until(() => fs.existsSync(gate) && fs.readFileSync(gate, "utf8") !== "", 20000, "a worker to start partition 6");
    const pid = Number(fs.readFileSync(gate, "utf8"));
    const victim = workers.find((w) => w.pid === pid)!;
    expect(victim).toBeDefined();
    victim.kill("SIGKILL");
    const [remote] = await running;
    expect(bits(remote.total).equals(bits(localSums.total))).toBe(true);
    expect(bits(remote.sig).equals(bits(localSums.sig))).toBe(true);
    const info = cluster.lastRun!;
    expect(info.attempts[6]).toBeGreaterThanOrEqual(2); // taken again after its lock lapsed
    expect(info.workers[6].endsWith(`:${pid}`)).toBe(false);
  });

  test("Redis restarted mid-run: a clear error within the timeout, no hang", async () => {
    const gate = path.join(tmp, "restart.gate");
    const t0 = Date.now();
    const running = runUDFs(ds, [sumsUDF(gate, 16, 2000)], { cluster, partitionFrames: PF });
    const settled = running.then(() => "completed", (e: Error) => e);
    await until(() => fs.existsSync(gate), 20000, "a worker to start partition 2");
    redis!.kill("SIGKILL");
    await exited(redis!);
    await startRedis();
    const outcome = await settled;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/cluster run \w+ is gone from Redis at redis:\/\/127\.0\.0\.1:\d+ \(the server restarted/);
    expect(Date.now() - t0).toBeLessThan(20000);
    // The workers reconnect to the new server: the next run completes, exact.
    const [again] = await runUDFs(ds, [meanPatternUDF()], { cluster, partitionFrames: PF });
    expect(bits(again).equals(bits(local[3]))).toBe(true);
  });
});

test("codec: typed arrays, NaN, ±Infinity and -0 travel with the same bits; other objects are refused by path", () => {
  const v = { a: new Float64Array([NaN, -0, Infinity, 1 / 3]), b: [new Int32Array([-7, 2 ** 31 - 1]), -Infinity, -0, null, "s"], c: { d: new Float32Array([1e-45, 3.4e38]) }, u: undefined };
  const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(v, "v")))) as typeof v;
  expect(bits(back.a).equals(bits(v.a))).toBe(true);
  expect(back.b[0]).toBeInstanceOf(Int32Array);
  expect(Array.from(back.b[0] as Int32Array)).toEqual([-7, 2 ** 31 - 1]);
  expect(back.b[1]).toBe(-Infinity);
  expect(Object.is(back.b[2], -0)).toBe(true);
  expect(bits(back.c.d).equals(bits(v.c.d))).toBe(true);
  expect("u" in back).toBe(false);
  expect(() => encodeValue({ m: new Map() }, "params")).toThrow("params.m: a Map cannot be sent to cluster workers");
  expect(() => encodeValue({ f: () => 1 }, "params")).toThrow("params.f: a function cannot be sent");
});

test("merge: partitions merged once each, in partition order; a repeated or missing partition is an error", () => {
  const meta = { scanShape: [1, 3] as [number, number], detShape: [1, 2] as [number, number], nFrames: 3, frameSize: 2 };
  const specs: [string, BufferSpec][] = [["nav", { kind: "nav" }], ["sig", { kind: "sig", merge: "max", init: -Infinity }]];
  const plan: RunPlan = { run: "r", meta, spec: { type: "file", path: "/x.npy", offset: 0, stride: 8, frameHeader: 0, frameSize: 2, kind: "f", size: 4, littleEndian: true }, partitionFrames: 2, nParts: 2,
    udfs: [{ name: "u", process: { lib: "stem4d/analyses", export: "processMeanPattern" }, params: null, specs: encodeValue(specs, "specs") }] };
  const part = (k: number, nav: number[], sig: number[], worker = "w:1") => ({ part: k, worker, attempt: 1, buffers: encodeValue([{ nav: new Float64Array(nav), sig: new Float64Array(sig) }], "b") });
  const merged = mergePartitions(plan, [part(1, [30], [5, NaN]), part(0, [10, 20], [7, 1])]);
  const [b] = decodeValue(merged.buffers) as Record<string, Float64Array>[];
  expect(Array.from(b.nav)).toEqual([10, 20, 30]);
  expect(Array.from(b.sig)).toEqual([7, NaN]);
  expect(() => mergePartitions(plan, [part(0, [10, 20], [7, 1]), part(1, [30], [5, 2]), part(1, [30], [5, 2], "w:2")])).toThrow("cluster run r: partition 1 returned twice (w:1 and w:2)");
  expect(() => mergePartitions(plan, [part(1, [30], [5, 2])])).toThrow("cluster run r: no result for partition 0 of 2");
});
