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
 * `bootstrapAsync` with `workers: k` (k > 1) runs blocks of resamples as
 * tasks of the library's worker pool (src/core/pool.ts: each worker
 * requires this module and calls `learnResamples`), and otherwise in the
 * calling thread, yielding to the event loop between resamples.
 */
import { isPrepared } from "./citest";
import { CausalData, DataInput, prepareData } from "./data";
import { Graph, GraphEdge } from "./graph";
import { learnStructure, LearnOptions } from "./learn";
import { Rng } from "../core/random";
import { determinismWarnings } from "./guard";
import { defaultWorkers, sharedPool } from "../core/pool";

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

/** Rows of resample b (seeded by (seed, b)). */
function resampleRows(n: number, seed: number, b: number): Int32Array {
  const rng = new Rng((seed * 1000003 + b * 7919 + 1) >>> 0);
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = rng.int(n);
  return rows;
}

type ResampleEdges = { from: string; to: string; directed: boolean }[] | null;

/** Learn on resample b; null when the resample is degenerate (e.g. a rare level vanished). */
export function learnResample(d: CausalData, options: LearnOptions, b: number): ResampleEdges {
  const rows = resampleRows(d.n, options.seed ?? 0, b);
  try {
    // The determinism guard ran once on the full data (see summarize); a resample repeats rows, not relations.
    const g = learnStructure(resample(d, rows), { ...options, seed: (options.seed ?? 0) + b + 1, checkDeterminism: false });
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
  const warnings = determinismWarnings(d, options, fn);
  return summarize(d, learnResamples(d, options, 0, n), options, warnings);
}

/** Worker task of `bootstrapAsync`: resamples from..to-1 of `d`, in order. */
export function learnResamples(d: CausalData, options: LearnOptions, from: number, to: number): ResampleEdges[] {
  const out: ResampleEdges[] = [];
  for (let b = from; b < to; b++) out.push(learnResample(d, options, b));
  return out;
}

/**
 * As `bootstrap`, spreading the resamples over `workers` worker threads
 * (docs/conventions.md: 0 = the calling thread; "auto", the default, =
 * `defaultWorkers()`, the available parallelism up to 8; the calling thread
 * only waits), in blocks of consecutive resamples; identical results to
 * `bootstrap` with the same seed. With `workers: 0`, or options that cannot
 * be copied to another thread (e.g. a user-defined test object with
 * methods), it runs in the calling thread, yielding to the event loop
 * between resamples (a one-line note says so when workers were asked for).
 */
export async function bootstrapAsync(data: DataInput | CausalData, options: LearnOptions & { threshold?: number; workers?: number | "auto" } = {}, n = 100): Promise<BootstrapResult> {
  const fn = "bootstrapAsync";
  checkN(n, fn);
  const d = isPrepared(data) ? data : prepareData(data, options, fn, true);
  const { workers, ...opts } = options;
  const warnings = determinismWarnings(d, opts, fn);
  if (workers !== undefined && workers !== "auto" && !(Number.isInteger(workers) && workers >= 0)) throw new RangeError(`${fn}: options.workers must be a non-negative integer or "auto", got ${JSON.stringify(workers)}`);
  let k = Math.min(n, workers === undefined || workers === "auto" ? defaultWorkers() : workers);
  if (k > 0 && !plainData(opts)) {
    if (workers !== undefined && workers !== "auto") console.warn(`${fn}: runs in the calling thread: its options hold functions or class instances, which worker threads would receive without their methods`);
    k = 0;
  }
  let results: ResampleEdges[];
  if (k === 0) {
    results = [];
    for (let b = 0; b < n; b++) {
      results.push(learnResample(d, opts, b));
      await new Promise((r) => setImmediate(r));
    }
  } else {
    // About four blocks per thread balances uneven resamples; each block copies the data once.
    const blocks = Math.min(n, 4 * k), plain: CausalData = { ...d, cov: undefined };
    const tasks = Array.from({ length: blocks }, (_, i) => ({
      module: __filename, export: "learnResamples",
      args: [plain, opts, Math.floor((i * n) / blocks), Math.floor(((i + 1) * n) / blocks)],
    }));
    results = (await sharedPool().map<ResampleEdges[]>(tasks, { concurrency: k })).flat();
  }
  return summarize(d, results, opts, warnings);
}

/**
 * Whether `v` is plain data (primitives, arrays, typed arrays, plain
 * objects), which a worker receives unchanged; a class instance would
 * arrive without its methods.
 */
function plainData(v: unknown, depth = 0): boolean {
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return typeof v !== "symbol";
  if (typeof v === "function" || depth > 8) return false;
  if (ArrayBuffer.isView(v)) return true;
  if (Array.isArray(v)) return v.every((x) => plainData(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && Object.values(v).every((x) => plainData(x, depth + 1));
}

function summarize(d: CausalData, results: ResampleEdges[], options: LearnOptions & { threshold?: number }, warnings: string[]): BootstrapResult {
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
  const graph = new Graph(d.names, gEdges, "pdag", { meta: { algorithm: `bootstrap(${options.algorithm ?? "pc"})`, resamples: ok, threshold: thr, warnings } });
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
