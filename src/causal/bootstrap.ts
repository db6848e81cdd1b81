/**
 * Bootstrap model averaging (Friedman, Goldszmidt & Wyner 1999; bnlearn
 * `boot.strength`): re-learn the structure on `n` resamples (rows drawn with
 * replacement, seeded) and report, per pair, how often an edge appears and
 * in which direction. The consensus graph keeps edges whose frequency reaches
 * `threshold` (default 0.5), oriented by the majority direction, with
 * `confidence` = frequency, so it displays with edge confidences.
 *
 * Resample b draws its rows from a generator seeded with (seed, b), so the
 * result does not depend on how resamples are spread over worker threads:
 * `workers: k` (k > 1) runs them on k `worker_threads` when the library runs
 * compiled (the kernel, `node`), and sequentially otherwise (e.g. under
 * ts-jest); `bootstrapAsync` never blocks the event loop.
 */
import { isPrepared } from "./citest";
import { CausalData, DataInput, prepareData } from "./data";
import { Graph, GraphEdge } from "./graph";
import { learnStructure, LearnOptions } from "./learn";
import { Rng } from "../core/random";
import * as fs from "node:fs";
import * as path from "node:path";

export interface EdgeFrequency {
  from: string;
  to: string;
  /** Fraction of resamples with any edge between from and to. */
  frequency: number;
  /** Fraction with from -> to, to -> from, and undirected / not fully oriented. */
  forward: number;
  backward: number;
  undirected: number;
}

export interface BootstrapResult {
  n: number;
  edges: EdgeFrequency[];
  /** Consensus graph (edges with frequency ≥ threshold, confidence = frequency). */
  graph: Graph;
  toMimeBundle(): Record<string, unknown>;
}

function resample(d: CausalData, rows: Int32Array): CausalData {
  const out: CausalData = { ...d, cov: undefined, columns: d.columns.map((c) => Float64Array.from(rows, (i) => c[i])) };
  if (d.codes) out.codes = d.codes.map((c) => Int32Array.from(rows, (i) => c[i]));
  return out;
}

/**
 * Edge and direction frequencies over `n` bootstrap resamples of `data`,
 * learning with `options` (any learnStructure options; `seed` seeds the
 * resampling). Cost: n × one structure search.
 */
/** Rows of resample b (seeded by (seed, b)). */
function resampleRows(n: number, seed: number, b: number): Int32Array {
  const rng = new Rng((seed * 1000003 + b * 7919 + 1) >>> 0);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = rng.int(n);
  return rows;
}

/** Learn on resample b; null when the resample is degenerate (e.g. a rare level vanished). */
export function learnResample(d: CausalData, options: LearnOptions, b: number): { from: string; to: string; directed: boolean }[] | null {
  const rows = resampleRows(d.n, options.seed ?? 0, b);
  try {
    const g = learnStructure(resample(d, rows), { ...options, seed: (options.seed ?? 0) + b + 1 });
    return g.edges.map((e) => ({ from: e.from, to: e.to, directed: e.directed }));
  } catch (e) {
    if (/constant|collinear|singular/.test((e as Error).message)) return null;
    throw e;
  }
}

function checkN(n: number, fn: string): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${fn}: n (number of resamples) must be a positive integer, got ${n}`);
}

/**
 * Edge and direction frequencies over `n` bootstrap resamples of `data`,
 * learning with `options` (any learnStructure options; `seed` seeds the
 * resampling). Cost: n × one structure search. Synchronous; see
 * `bootstrapAsync` for worker threads.
 */
export function bootstrap(data: DataInput | CausalData, options: LearnOptions & { threshold?: number } = {}, n = 100): BootstrapResult {
  const fn = "bootstrap";
  checkN(n, fn);
  const d = isPrepared(data) ? data : prepareData(data, options, fn, true);
  const results: ({ from: string; to: string; directed: boolean }[] | null)[] = [];
  for (let b = 0; b < n; b++) results.push(learnResample(d, options, b));
  return summarize(d, results, options);
}

/**
 * As `bootstrap`, spreading the resamples over `workers` worker threads
 * (default: available parallelism − 1, at most 8) when the compiled library
 * is available; identical results to `bootstrap` with the same seed.
 */
export async function bootstrapAsync(data: DataInput | CausalData, options: LearnOptions & { threshold?: number; workers?: number } = {}, n = 100): Promise<BootstrapResult> {
  const fn = "bootstrapAsync";
  checkN(n, fn);
  const d = isPrepared(data) ? data : prepareData(data, options, fn, true);
  const os = await import("node:os");
  const k = Math.min(n, options.workers ?? Math.max(1, Math.min(8, (os.availableParallelism?.() ?? os.cpus().length) - 1)));
  const compiled = path.join(__dirname, "bootstrap.js");
  const { workers: _w, ...opts } = options;
  void _w;
  if (k <= 1 || !fs.existsSync(compiled) || !__filename.endsWith(".js")) {
    const results: ({ from: string; to: string; directed: boolean }[] | null)[] = [];
    for (let b = 0; b < n; b++) {
      results.push(learnResample(d, opts, b));
      if (b % 4 === 3) await new Promise((r) => setImmediate(r));
    }
    return summarize(d, results, opts);
  }
  const { Worker } = await import("node:worker_threads");
  const src = `const { parentPort, workerData } = require("node:worker_threads");
const { learnResample } = require(workerData.module);
const out = [];
for (const b of workerData.indices) out.push([b, learnResample(workerData.data, workerData.options, b)]);
parentPort.postMessage(out);`;
  const plain: CausalData = { ...d, cov: undefined };
  const jobs = Array.from({ length: k }, (_, w) => Array.from({ length: n }, (_, b) => b).filter((b) => b % k === w));
  const parts = await Promise.all(
    jobs.map(
      (indices) =>
        new Promise<[number, { from: string; to: string; directed: boolean }[] | null][]>((resolve, reject) => {
          const wk = new Worker(src, { eval: true, workerData: { module: compiled, data: plain, options: opts, indices } });
          wk.once("message", resolve);
          wk.once("error", reject);
          wk.once("exit", (code) => code !== 0 && reject(new Error(`${fn}: worker exited with code ${code}`)));
        }),
    ),
  );
  const results: ({ from: string; to: string; directed: boolean }[] | null)[] = new Array(n).fill(null);
  for (const part of parts) for (const [b, r] of part) results[b] = r;
  return summarize(d, results, opts);
}

function summarize(d: CausalData, results: ({ from: string; to: string; directed: boolean }[] | null)[], options: LearnOptions & { threshold?: number }): BootstrapResult {
  const fn = "bootstrap";
  const p = d.p;
  const fwd = new Float64Array(p * p);
  const und = new Float64Array(p * p);
  const idx = new Map(d.names.map((v, i) => [v, i]));
  let ok = 0;
  for (const edges of results) {
    if (!edges) continue;
    ok++;
    for (const e of edges) {
      const i = idx.get(e.from)!;
      const j = idx.get(e.to)!;
      if (e.directed) fwd[i * p + j]++;
      else und[Math.min(i, j) * p + Math.max(i, j)]++;
    }
  }
  if (!ok) throw new Error(`${fn}: every resample failed (degenerate data)`);
  const edges: EdgeFrequency[] = [];
  for (let i = 0; i < p; i++)
    for (let j = i + 1; j < p; j++) {
      const f = fwd[i * p + j] / ok;
      const bk = fwd[j * p + i] / ok;
      const u = und[i * p + j] / ok;
      const tot = f + bk + u;
      if (tot === 0) continue;
      edges.push({ from: d.names[i], to: d.names[j], frequency: tot, forward: f, backward: bk, undirected: u });
    }
  edges.sort((a, b) => b.frequency - a.frequency);
  const thr = options.threshold ?? 0.5;
  const gEdges: GraphEdge[] = [];
  for (const e of edges) {
    if (e.frequency < thr) continue;
    if (e.forward >= e.backward && e.forward >= e.undirected) gEdges.push({ from: e.from, to: e.to, directed: true, confidence: e.frequency });
    else if (e.backward > e.forward && e.backward >= e.undirected) gEdges.push({ from: e.to, to: e.from, directed: true, confidence: e.frequency });
    else gEdges.push({ from: e.from, to: e.to, directed: false, confidence: e.frequency });
  }
  const graph = new Graph(d.names, gEdges, "pdag", { meta: { algorithm: `bootstrap(${options.algorithm ?? "pc"})`, resamples: ok, threshold: thr } });
  return {
    n: ok,
    edges,
    graph,
    toMimeBundle() {
      const b = graph.toMimeBundle() as Record<string, unknown>;
      const text = [`Bootstrap edge frequencies over ${ok} resamples (${options.algorithm ?? "pc"}):`, ...edges.map((e) => `  ${e.from} -- ${e.to}: ${(e.frequency * 100).toFixed(0)}%  (-> ${(e.forward * 100).toFixed(0)}%, <- ${(e.backward * 100).toFixed(0)}%, undirected ${(e.undirected * 100).toFixed(0)}%)`)].join("\n");
      return { ...b, "text/plain": text };
    },
  };
}
