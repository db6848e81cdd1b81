/**
 * Networks with known structure, for validation and tutorials:
 * - `readBIF(text)`: parse a discrete Bayesian network in the BIF format of
 *   the bnlearn / pgmpy repository (asia, sachs, child, insurance, alarm ...);
 * - `sampleBayesNet(net, n, { seed })`: forward (ancestral) sampling;
 * - `randomLinearSEM(p, { expectedDegree, noise, seed })`: a random DAG
 *   (Erdős–Rényi over a random order) with edge weights ±U(0.5, 2) and
 *   `sampleLinearSEM(sem, n)` drawing Gaussian or non-Gaussian (uniform,
 *   Laplace, exponential) noise: the standard benchmark of causal-learn,
 *   lingam and the NOTEARS papers.
 */
import { Graph } from "./graph";
import { Rng } from "../core/random";

export interface BayesNet {
  name: string;
  nodes: string[];
  states: Record<string, string[]>;
  parents: Record<string, string[]>;
  /** cpt[node][config * r + k], parent configs row-major in `parents` order. */
  cpt: Record<string, Float64Array>;
  /** The DAG. */
  graph: Graph;
}

/** Parse BIF text; errors name the variable or line that is malformed. */
export function readBIF(text: string, name = "network"): BayesNet {
  const fn = `readBIF(${name})`;
  const clean = text.replace(/\/\/[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
  const nodes: string[] = [];
  const states: Record<string, string[]> = {};
  const varRe = /variable\s+([^\s{]+)\s*\{[^}]*?type\s+discrete\s*\[\s*(\d+)\s*\]\s*\{([^}]*)\}/g;
  let m: RegExpExecArray | null;
  while ((m = varRe.exec(clean))) {
    const v = m[1];
    const st = m[3].split(",").map((s) => s.trim()).filter(Boolean);
    if (st.length !== Number(m[2])) throw new Error(`${fn}: variable "${v}" declares ${m[2]} states but lists ${st.length}`);
    nodes.push(v);
    states[v] = st;
  }
  if (!nodes.length) throw new Error(`${fn}: no discrete variables found; is this a BIF file?`);
  const parents: Record<string, string[]> = {};
  const cpt: Record<string, Float64Array> = {};
  const probRe = /probability\s*\(\s*([^|)]+?)\s*(?:\|\s*([^)]*))?\)\s*\{([^}]*)\}/g;
  while ((m = probRe.exec(clean))) {
    const v = m[1].trim();
    if (!(v in states)) throw new Error(`${fn}: probability block for undeclared variable "${v}"`);
    const pa = m[2] ? m[2].split(",").map((s) => s.trim()).filter(Boolean) : [];
    for (const p of pa) if (!(p in states)) throw new Error(`${fn}: "${v}" has undeclared parent "${p}"`);
    parents[v] = pa;
    const r = states[v].length;
    let q = 1;
    for (const p of pa) q *= states[p].length;
    const table = new Float64Array(q * r).fill(NaN);
    const body = m[3];
    const tab = /table\s+([^;]*);/.exec(body);
    if (tab) {
      const vals = tab[1].split(",").map((s) => Number(s.trim()));
      if (vals.length !== q * r) throw new Error(`${fn}: "${v}" table has ${vals.length} values, expected ${q * r}`);
      // BIF 'table' lists the child's states fastest for each parent config
      for (let c = 0; c < q; c++) for (let k = 0; k < r; k++) table[c * r + k] = vals[c * r + k];
    } else {
      const rowRe = /\(([^)]*)\)\s*([^;]*);/g;
      let rm: RegExpExecArray | null;
      while ((rm = rowRe.exec(body))) {
        const cfg = rm[1].split(",").map((s) => s.trim());
        const vals = rm[2].split(",").map((s) => Number(s.trim()));
        if (cfg.length !== pa.length) throw new Error(`${fn}: "${v}" row (${rm[1]}) names ${cfg.length} parent states, expected ${pa.length}`);
        if (vals.length !== r) throw new Error(`${fn}: "${v}" row (${rm[1]}) has ${vals.length} probabilities, expected ${r}`);
        let c = 0;
        cfg.forEach((s, k) => {
          const idx = states[pa[k]].indexOf(s);
          if (idx < 0) throw new Error(`${fn}: "${v}" row (${rm![1]}): "${s}" is not a state of "${pa[k]}"`);
          c = c * states[pa[k]].length + idx;
        });
        for (let k = 0; k < r; k++) table[c * r + k] = vals[k];
      }
    }
    if (table.some((x) => Number.isNaN(x))) throw new Error(`${fn}: "${v}" CPT is incomplete`);
    cpt[v] = table;
  }
  for (const v of nodes) if (!(v in cpt)) throw new Error(`${fn}: no probability block for "${v}"`);
  const graph = new Graph(nodes, nodes.flatMap((v) => parents[v].map((p) => ({ from: p, to: v, directed: true }))), "dag");
  return { name, nodes, states, parents, cpt, graph };
}

/** Ancestral sampling of `n` rows; returns string-labelled columns. */
export function sampleBayesNet(net: BayesNet, n: number, options: { seed?: number } = {}): Record<string, string[]> {
  const order = net.graph.nodes.slice();
  // topological order
  const done = new Set<string>();
  const topo: string[] = [];
  while (topo.length < order.length) {
    let progressed = false;
    for (const v of order)
      if (!done.has(v) && net.parents[v].every((p) => done.has(p))) {
        done.add(v);
        topo.push(v);
        progressed = true;
      }
    if (!progressed) throw new Error("sampleBayesNet: the network has a directed cycle");
  }
  const rng = new Rng(options.seed ?? 0);
  const codes: Record<string, Int32Array> = {};
  for (const v of topo) codes[v] = new Int32Array(n);
  for (let i = 0; i < n; i++)
    for (const v of topo) {
      const pa = net.parents[v];
      let c = 0;
      for (const p of pa) c = c * net.states[p].length + codes[p][i];
      const r = net.states[v].length;
      const t = net.cpt[v];
      let u = rng.uniform();
      let k = 0;
      while (k < r - 1 && u >= t[c * r + k]) u -= t[c * r + k++];
      codes[v][i] = k;
    }
  const out: Record<string, string[]> = {};
  for (const v of net.nodes) out[v] = Array.from(codes[v], (k) => net.states[v][k]);
  return out;
}

export interface LinearSEM {
  nodes: string[];
  /** weights[target * p + source] */
  weights: Float64Array;
  order: number[];
  graph: Graph;
}

/** Random linear SEM: DAG with edge probability expectedDegree/(p-1) over a random order, weights ±U(lo, hi). */
export function randomLinearSEM(p: number, options: { expectedDegree?: number; seed?: number; weightRange?: [number, number]; prefix?: string } = {}): LinearSEM {
  const rng = new Rng(options.seed ?? 0);
  const deg = options.expectedDegree ?? 2;
  const [lo, hi] = options.weightRange ?? [0.5, 2];
  const prob = Math.min(1, deg / Math.max(1, p - 1));
  const order = rng.shuffle(Array.from({ length: p }, (_, i) => i));
  const nodes = Array.from({ length: p }, (_, i) => `${options.prefix ?? "X"}${i}`);
  const W = new Float64Array(p * p);
  for (let a = 0; a < p; a++)
    for (let b = a + 1; b < p; b++)
      if (rng.uniform() < prob) {
        const w = (lo + (hi - lo) * rng.uniform()) * (rng.uniform() < 0.5 ? -1 : 1);
        W[order[b] * p + order[a]] = w;
      }
  const edges = [];
  for (let t = 0; t < p; t++) for (let s = 0; s < p; s++) if (W[t * p + s]) edges.push({ from: nodes[s], to: nodes[t], directed: true, weight: W[t * p + s] });
  return { nodes, weights: W, order, graph: new Graph(nodes, edges, "dag") };
}

/** Sample a linear SEM with "gaussian", "uniform", "laplace" or "exponential" unit-variance-ish noise. */
export function sampleLinearSEM(sem: LinearSEM, n: number, options: { noise?: "gaussian" | "uniform" | "laplace" | "exponential"; seed?: number } = {}): Record<string, Float64Array> {
  const rng = new Rng(options.seed ?? 0);
  const p = sem.nodes.length;
  const noise = options.noise ?? "gaussian";
  const cols = Array.from({ length: p }, () => new Float64Array(n));
  const e = (): number => {
    switch (noise) {
      case "gaussian":
        return rng.normal();
      case "uniform":
        return (rng.uniform() - 0.5) * Math.sqrt(12);
      case "laplace": {
        const u = rng.uniform() - 0.5;
        return (-Math.sign(u) * Math.log(1 - 2 * Math.abs(u))) / Math.SQRT2;
      }
      case "exponential":
        return -Math.log(1 - rng.uniform()) - 1;
    }
  };
  for (let i = 0; i < n; i++)
    for (const t of sem.order) {
      let s = e();
      for (let src = 0; src < p; src++) {
        const w = sem.weights[t * p + src];
        if (w) s += w * cols[src][i];
      }
      cols[t][i] = s;
    }
  return Object.fromEntries(sem.nodes.map((v, i) => [v, cols[i]]));
}
