/**
 * Bootstrap model averaging (Friedman, Goldszmidt & Wyner 1999; bnlearn
 * `boot.strength`): re-learn the structure on `n` resamples (rows drawn with
 * replacement, seeded) and report, per pair, how often an edge appears and
 * in which direction. The consensus graph keeps edges whose frequency reaches
 * `threshold` (default 0.5), oriented by the majority direction, with
 * `confidence` = frequency, so it displays with edge confidences.
 */
import { isPrepared } from "./citest";
import { CausalData, DataInput, prepareData } from "./data";
import { Graph, GraphEdge } from "./graph";
import { learnStructure, LearnOptions } from "./learn";
import { Rng } from "./stats";

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
  const out: CausalData = { ...d, columns: d.columns.map((c) => Float64Array.from(rows, (i) => c[i])) };
  if (d.codes) out.codes = d.codes.map((c) => Int32Array.from(rows, (i) => c[i]));
  return out;
}

/**
 * Edge and direction frequencies over `n` bootstrap resamples of `data`,
 * learning with `options` (any learnStructure options; `seed` seeds the
 * resampling). Cost: n × one structure search.
 */
export function bootstrap(data: DataInput | CausalData, options: LearnOptions & { threshold?: number } = {}, n = 100): BootstrapResult {
  const fn = "bootstrap";
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${fn}: n (number of resamples) must be a positive integer, got ${n}`);
  const d = isPrepared(data) ? data : prepareData(data, options, fn);
  const rng = new Rng(options.seed ?? 0);
  const p = d.p;
  const fwd = new Float64Array(p * p);
  const und = new Float64Array(p * p);
  const idx = new Map(d.names.map((v, i) => [v, i]));
  const rows = new Int32Array(d.n);
  let ok = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < d.n; i++) rows[i] = rng.int(d.n);
    let g: Graph;
    try {
      g = learnStructure(resample(d, rows), { ...options, seed: (options.seed ?? 0) + b + 1 });
    } catch (e) {
      // a resample can be degenerate (e.g. a rare level missing -> constant column); skip it
      if (/constant|collinear|singular/.test((e as Error).message)) continue;
      throw e;
    }
    ok++;
    for (const e of g.edges) {
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
