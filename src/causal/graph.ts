/**
 * Causal graph types and utilities.
 *
 * A `Graph` is plain data: `nodes` (variable names) and `edges`
 * (`{ from, to, directed, weight?, confidence? }`), the shape the
 * causal-graph widget (`show.graph`) displays. `kind` says how to read it:
 * - "dag": every edge directed;
 * - "cpdag": a Markov equivalence class (completed partially directed acyclic
 *   graph, Chickering 2002): directed edges are compelled, undirected edges
 *   are reversible within the class;
 * - "pag": a partial ancestral graph (Zhang 2008) from FCI; the endpoint marks
 *   (tail "-", arrow ">", circle "o") are in `marks`, one entry per edge in
 *   the same order as `edges`.
 *
 * Internally algorithms use `MarkGraph`, a p×p matrix of endpoint marks
 * (the representation of causal-learn's GeneralGraph and Tetrad).
 */
import type { MimeBundle } from "../display/mime";
import { staticGraphSvg } from "../show/static";

/** One edge in the widget's shape. `directed: false` means undirected (CPDAG) or not fully oriented (PAG). */
export interface GraphEdge {
  from: string;
  to: string;
  directed: boolean;
  /** Connection strength (e.g. a structural coefficient from LiNGAM or a SEM fit). */
  weight?: number;
  /** Confidence in [0, 1] (e.g. the bootstrap frequency of this edge). */
  confidence?: number;
}

export type EndpointMark = "-" | ">" | "o";

/** PAG endpoint marks for an edge: `fromMark` sits at `from`, `toMark` at `to` (e.g. `o->` is fromMark "o", toMark ">"). */
export interface EdgeMarks {
  from: string;
  to: string;
  fromMark: EndpointMark;
  toMark: EndpointMark;
}

export type GraphKind = "dag" | "cpdag" | "pag" | "pdag";

export const NONE = 0;
export const TAIL = 1;
export const ARROW = 2;
export const CIRCLE = 3;

/**
 * Mixed graph as an endpoint-mark matrix: `m[i*p+j]` is the mark at j's end
 * of the edge between i and j (0 = no edge). i -> j is m[i,j] = ARROW,
 * m[j,i] = TAIL; i - j is TAIL/TAIL; i o-> j is m[j,i] = CIRCLE, m[i,j] = ARROW.
 */
export class MarkGraph {
  readonly m: Int8Array;
  constructor(readonly p: number) {
    this.m = new Int8Array(p * p);
  }
  static complete(p: number, mark = TAIL): MarkGraph {
    const g = new MarkGraph(p);
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) if (i !== j) g.m[i * p + j] = mark;
    return g;
  }
  clone(): MarkGraph {
    const g = new MarkGraph(this.p);
    g.m.set(this.m);
    return g;
  }
  /** Mark at j's end of the i–j edge. */
  mark(i: number, j: number): number {
    return this.m[i * this.p + j];
  }
  /** Set the edge i–j with `mi` at i's end and `mj` at j's end. */
  set(i: number, j: number, mi: number, mj: number): void {
    this.m[j * this.p + i] = mi;
    this.m[i * this.p + j] = mj;
  }
  remove(i: number, j: number): void {
    this.m[i * this.p + j] = 0;
    this.m[j * this.p + i] = 0;
  }
  adjacent(i: number, j: number): boolean {
    return this.m[i * this.p + j] !== 0;
  }
  /** i -> j */
  directed(i: number, j: number): boolean {
    return this.m[i * this.p + j] === ARROW && this.m[j * this.p + i] === TAIL;
  }
  /** i - j */
  undirected(i: number, j: number): boolean {
    return this.m[i * this.p + j] === TAIL && this.m[j * this.p + i] === TAIL;
  }
  orient(i: number, j: number): void {
    this.set(i, j, TAIL, ARROW);
  }
  adj(i: number): number[] {
    const out: number[] = [];
    const p = this.p;
    for (let j = 0; j < p; j++) if (this.m[i * p + j] !== 0) out.push(j);
    return out;
  }
  parents(i: number): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.p; j++) if (this.directed(j, i)) out.push(j);
    return out;
  }
  children(i: number): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.p; j++) if (this.directed(i, j)) out.push(j);
    return out;
  }
  undirectedNeighbors(i: number): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.p; j++) if (this.undirected(i, j)) out.push(j);
    return out;
  }
  degree(i: number): number {
    let d = 0;
    for (let j = 0; j < this.p; j++) if (this.m[i * this.p + j] !== 0) d++;
    return d;
  }
}

/**
 * A causal graph: nodes, edges in the widget's shape, and its kind. Displays
 * in the kernel (SVG + text fallback; src/show adds the interactive widget).
 */
export class Graph {
  kind: GraphKind;
  nodes: string[];
  edges: GraphEdge[];
  /** PAG endpoint marks (kind "pag" only), aligned with `edges`. */
  marks?: EdgeMarks[];
  /** How the graph was obtained (algorithm, options, score...). */
  meta?: Record<string, unknown>;

  constructor(nodes: string[], edges: GraphEdge[], kind: GraphKind = "dag", extra: { marks?: EdgeMarks[]; meta?: Record<string, unknown> } = {}) {
    const set = new Set(nodes);
    if (set.size !== nodes.length) throw new Error(`Graph: duplicate node names in ${JSON.stringify(nodes)}`);
    for (const e of edges) {
      if (!set.has(e.from)) throw new Error(`Graph: edge ${e.from} -> ${e.to}: unknown node "${e.from}"`);
      if (!set.has(e.to)) throw new Error(`Graph: edge ${e.from} -> ${e.to}: unknown node "${e.to}"`);
      if (e.from === e.to) throw new Error(`Graph: self-loop on "${e.from}"`);
    }
    this.kind = kind;
    this.nodes = nodes.slice();
    this.edges = edges.map((e) => ({ ...e }));
    if (extra.marks) this.marks = extra.marks;
    if (extra.meta) this.meta = extra.meta;
  }

  /** Parents of a node (sources of directed edges into it). */
  parents(node: string): string[] {
    return this.edges.filter((e) => e.directed && e.to === node).map((e) => e.from);
  }
  /** Children of a node. */
  children(node: string): string[] {
    return this.edges.filter((e) => e.directed && e.from === node).map((e) => e.to);
  }
  /** Nodes joined to `node` by any edge. */
  neighbors(node: string): string[] {
    return this.edges.filter((e) => e.from === node || e.to === node).map((e) => (e.from === node ? e.to : e.from));
  }
  /** The edge between a and b (either direction), if any. */
  edge(a: string, b: string): GraphEdge | undefined {
    return this.edges.find((e) => (e.from === a && e.to === b) || (e.from === b && e.to === a));
  }
  toJSON(): GraphJSON {
    return toJSON(this);
  }
  toDot(): string {
    return toDot(this);
  }
  /** Static SVG drawing (the layered layout of `cs.show.graph`). */
  toSvg(): string {
    return toSvg(this);
  }
  toString(): string {
    return graphText(this);
  }
  /**
   * MIME bundle: SVG drawing and plain-text edge list (no application/json:
   * JupyterLab would rank its JSON viewer above the picture). `cs.show.graph`
   * adds the interactive widget.
   */
  toMimeBundle(): MimeBundle {
    return { "image/svg+xml": toSvg(this), "text/plain": graphText(this) };
  }
}

export interface GraphJSON {
  kind: GraphKind;
  nodes: string[];
  edges: GraphEdge[];
  marks?: EdgeMarks[];
  meta?: Record<string, unknown>;
}

/** Build a Graph from its JSON form (inverse of `toJSON`). */
export function graphFromJSON(j: GraphJSON): Graph {
  return new Graph(j.nodes, j.edges, j.kind, { marks: j.marks, meta: j.meta });
}

/** Plain JSON form of a graph (for saving, or for show.graph). */
export function toJSON(g: Graph): GraphJSON {
  const out: GraphJSON = { kind: g.kind, nodes: g.nodes.slice(), edges: g.edges.map((e) => ({ ...e })) };
  if (g.marks) out.marks = g.marks.map((m) => ({ ...m }));
  if (g.meta) out.meta = JSON.parse(JSON.stringify(g.meta));
  return out;
}

/** Convenience: a DAG from `"a->b"` strings or [from, to] pairs. */
export function dag(nodes: string[], edges: (string | [string, string])[]): Graph {
  return new Graph(
    nodes,
    edges.map((e) => {
      const [from, to] = typeof e === "string" ? e.split("->").map((s) => s.trim()) : e;
      return { from, to, directed: true };
    }),
    "dag",
  );
}

const MARK_CH: Record<number, EndpointMark> = { [TAIL]: "-", [ARROW]: ">", [CIRCLE]: "o" };
const CH_MARK: Record<EndpointMark, number> = { "-": TAIL, ">": ARROW, o: CIRCLE };

/** Convert a MarkGraph to a public Graph. */
export function fromMarkGraph(mg: MarkGraph, names: string[], kind: GraphKind, weights?: (i: number, j: number) => number | undefined): Graph {
  const p = mg.p;
  const edges: GraphEdge[] = [];
  const marks: EdgeMarks[] = [];
  for (let i = 0; i < p; i++)
    for (let j = i + 1; j < p; j++) {
      if (!mg.adjacent(i, j)) continue;
      const mi = mg.mark(j, i);
      const mj = mg.mark(i, j);
      let from = i;
      let to = j;
      // list each edge once, oriented so that a lone arrowhead sits at `to`
      if (mi === ARROW && mj !== ARROW) {
        from = j;
        to = i;
      }
      const directed = mg.directed(from, to);
      const e: GraphEdge = { from: names[from], to: names[to], directed };
      const w = weights?.(from, to);
      if (w !== undefined) e.weight = w;
      edges.push(e);
      marks.push({ from: names[from], to: names[to], fromMark: MARK_CH[mg.mark(to, from)], toMark: MARK_CH[mg.mark(from, to)] });
    }
  return new Graph(names, edges, kind, kind === "pag" ? { marks } : {});
}

/** Convert a public Graph to a MarkGraph over `g.nodes` (PAG marks honoured). */
export function toMarkGraph(g: Graph): { mg: MarkGraph; index: Map<string, number> } {
  const index = new Map(g.nodes.map((n, i) => [n, i]));
  const mg = new MarkGraph(g.nodes.length);
  g.edges.forEach((e, k) => {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    const mk = g.marks?.[k];
    if (mk && mk.from === e.from && mk.to === e.to) mg.set(a, b, CH_MARK[mk.fromMark], CH_MARK[mk.toMark]);
    else if (e.directed) mg.orient(a, b);
    else mg.set(a, b, TAIL, TAIL);
  });
  return { mg, index };
}

function nodeIndex(g: Graph, name: string, arg: string, fn: string): number {
  const i = g.nodes.indexOf(name);
  if (i < 0) throw new Error(`${fn}: ${arg} "${name}" is not a node of the graph (nodes: ${g.nodes.join(", ")})`);
  return i;
}

/** Topological order of the directed part (Kahn), or null when it has a directed cycle. */
export function topologicalOrder(g: Graph): string[] | null {
  // from the edge list (so 2-cycles a->b, b->a are seen), Kahn's algorithm
  const idx = new Map(g.nodes.map((v, i) => [v, i]));
  const p = g.nodes.length;
  const out: number[][] = Array.from({ length: p }, () => []);
  const indeg = new Int32Array(p);
  for (const e of g.edges)
    if (e.directed) {
      out[idx.get(e.from)!].push(idx.get(e.to)!);
      indeg[idx.get(e.to)!]++;
    }
  const q: number[] = [];
  for (let i = 0; i < p; i++) if (indeg[i] === 0) q.push(i);
  const order: number[] = [];
  for (let h = 0; h < q.length; h++) {
    const i = q[h];
    order.push(i);
    for (const j of out[i]) if (--indeg[j] === 0) q.push(j);
  }
  return order.length === p ? order.map((i) => g.nodes[i]) : null;
}

export function topoIdx(mg: MarkGraph): number[] | null {
  const p = mg.p;
  const indeg = new Int32Array(p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) if (mg.directed(i, j)) indeg[j]++;
  const q: number[] = [];
  for (let i = 0; i < p; i++) if (indeg[i] === 0) q.push(i);
  const out: number[] = [];
  while (q.length) {
    const i = q.shift()!;
    out.push(i);
    for (let j = 0; j < p; j++)
      if (mg.directed(i, j)) {
        indeg[j]--;
        if (indeg[j] === 0) q.push(j);
      }
  }
  return out.length === p ? out : null;
}

/** True when the graph's directed edges form no directed cycle. O(V + E). */
export function isAcyclic(g: Graph): boolean {
  return topologicalOrder(g) !== null;
}

/** Ancestors (including the nodes themselves) along directed edges. */
function ancestorsIdx(mg: MarkGraph, start: number[]): Set<number> {
  const seen = new Set(start);
  const stack = start.slice();
  while (stack.length) {
    const v = stack.pop()!;
    for (let u = 0; u < mg.p; u++)
      if (mg.directed(u, v) && !seen.has(u)) {
        seen.add(u);
        stack.push(u);
      }
  }
  return seen;
}

function descendantsIdx(mg: MarkGraph, start: number[]): Set<number> {
  const seen = new Set(start);
  const stack = start.slice();
  while (stack.length) {
    const v = stack.pop()!;
    for (let u = 0; u < mg.p; u++)
      if (mg.directed(v, u) && !seen.has(u)) {
        seen.add(u);
        stack.push(u);
      }
  }
  return seen;
}

/** Ancestors of a node in a DAG (excluding the node). */
export function ancestors(g: Graph, node: string): string[] {
  const { mg } = toMarkGraph(g);
  const i = nodeIndex(g, node, "node", "ancestors");
  return [...ancestorsIdx(mg, [i])].filter((k) => k !== i).map((k) => g.nodes[k]);
}

/** Descendants of a node in a DAG (excluding the node). */
export function descendants(g: Graph, node: string): string[] {
  const { mg } = toMarkGraph(g);
  const i = nodeIndex(g, node, "node", "descendants");
  return [...descendantsIdx(mg, [i])].filter((k) => k !== i).map((k) => g.nodes[k]);
}

/** Bayes-ball reachability (Koller & Friedman 2009, Alg. 3.1): nodes reachable from xs by active trails given zs. */
function reachableIdx(mg: MarkGraph, xs: number[], zs: Set<number>): Set<number> {
  const anc = ancestorsIdx(mg, [...zs]);
  const p = mg.p;
  // visit states: (node, dir) dir 0 = arrived from child (going up), 1 = arrived from parent (going down)
  const visited = new Uint8Array(p * 2);
  const reach = new Set<number>();
  const stack: [number, number][] = xs.map((x) => [x, 0]);
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (visited[v * 2 + d]) continue;
    visited[v * 2 + d] = 1;
    if (!zs.has(v)) reach.add(v);
    if (d === 0 && !zs.has(v)) {
      for (let u = 0; u < p; u++) {
        if (mg.directed(u, v)) stack.push([u, 0]);
        if (mg.directed(v, u)) stack.push([u, 1]);
      }
    } else if (d === 1) {
      if (!zs.has(v)) for (let u = 0; u < p; u++) if (mg.directed(v, u)) stack.push([u, 1]);
      if (anc.has(v)) for (let u = 0; u < p; u++) if (mg.directed(u, v)) stack.push([u, 0]);
    }
  }
  return reach;
}

function requireDag(g: Graph, fn: string): MarkGraph {
  const { mg } = toMarkGraph(g);
  for (const e of g.edges) if (!e.directed) throw new Error(`${fn}: needs a DAG but edge ${e.from} - ${e.to} is undirected; pick a member of the equivalence class (e.g. orient it) first`);
  if (!topologicalOrder(g)) throw new Error(`${fn}: the graph has a directed cycle`);
  return mg;
}

function names(arg: string | string[]): string[] {
  return typeof arg === "string" ? [arg] : arg;
}

/**
 * d-separation in a DAG (Pearl 1988): true when every trail between a node
 * of `x` and a node of `y` is blocked by `z`. Bayes-ball, O(V + E).
 */
export function dSeparated(g: Graph, x: string | string[], y: string | string[], z: string | string[] = []): boolean {
  const mg = requireDag(g, "dSeparated");
  const xs = names(x).map((n) => nodeIndex(g, n, "x", "dSeparated"));
  const ys = names(y).map((n) => nodeIndex(g, n, "y", "dSeparated"));
  const zs = new Set(names(z).map((n) => nodeIndex(g, n, "z", "dSeparated")));
  const r = reachableIdx(mg, xs, zs);
  return !ys.some((v) => r.has(v));
}

/** Markov blanket: parents, children, and the children's other parents (plus undirected neighbours in a CPDAG). */
export function markovBlanket(g: Graph, node: string): string[] {
  nodeIndex(g, node, "node", "markovBlanket");
  const mb = new Set<string>();
  for (const e of g.edges) {
    if (e.from === node) mb.add(e.to);
    if (e.to === node) mb.add(e.from);
  }
  for (const c of g.children(node)) for (const p of g.parents(c)) mb.add(p);
  mb.delete(node);
  return g.nodes.filter((n) => mb.has(n));
}

/**
 * Valid back-door adjustment sets (Pearl 2009, Thm 3.3.2) for the effect of
 * `treatment` on `outcome` in a DAG: sets Z of non-descendants of the
 * treatment that block every back-door path. Returns the minimal ones (no
 * proper subset is valid), smallest first; searched among ancestors of
 * treatment ∪ outcome (where minimal sets lie), up to `maxSize` members.
 * Exponential in the candidate count; fine for the tens of variables of a
 * descriptor table.
 */
export function backdoorAdjustmentSets(g: Graph, treatment: string, outcome: string, options: { maxSize?: number } = {}): string[][] {
  const fn = "backdoorAdjustmentSets";
  const mg = requireDag(g, fn);
  const x = nodeIndex(g, treatment, "treatment", fn);
  const y = nodeIndex(g, outcome, "outcome", fn);
  if (x === y) throw new Error(`${fn}: treatment and outcome are the same node "${treatment}"`);
  const desc = descendantsIdx(mg, [x]);
  const anc = ancestorsIdx(mg, [x, y]);
  const cand = [...anc].filter((v) => v !== x && v !== y && !desc.has(v)).sort((a, b) => a - b);
  // back-door graph: remove edges out of x
  const bd = mg.clone();
  for (const c of mg.children(x)) bd.remove(x, c);
  const maxSize = Math.min(options.maxSize ?? cand.length, cand.length);
  const found: number[][] = [];
  const isValid = (z: number[]) => !reachableIdx(bd, [x], new Set(z)).has(y);
  const rec = (start: number, cur: number[], size: number) => {
    if (cur.length === size) {
      if (found.some((f) => f.every((v) => cur.includes(v)))) return;
      if (isValid(cur)) found.push(cur.slice());
      return;
    }
    for (let i = start; i < cand.length; i++) {
      cur.push(cand[i]);
      rec(i + 1, cur, size);
      cur.pop();
    }
  };
  for (let s = 0; s <= maxSize; s++) rec(0, [], s);
  return found.map((z) => z.map((v) => g.nodes[v]));
}

/** Meek's orientation rules R1–R4 (Meek 1995) applied to a PDAG until closure (in place). */
export function applyMeek(mg: MarkGraph, useR4 = true): void {
  const p = mg.p;
  let changed = true;
  while (changed) {
    changed = false;
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) {
        if (!mg.undirected(a, b)) continue;
        // R1: c -> a - b, c not adj b  =>  a -> b
        let orient = false;
        for (let c = 0; c < p && !orient; c++) if (mg.directed(c, a) && !mg.adjacent(c, b) && c !== b) orient = true;
        // R2: a -> c -> b, a - b  =>  a -> b
        for (let c = 0; c < p && !orient; c++) if (mg.directed(a, c) && mg.directed(c, b)) orient = true;
        // R3: a - c -> b, a - d -> b, c not adj d  =>  a -> b
        if (!orient) {
          const cs: number[] = [];
          for (let c = 0; c < p; c++) if (mg.undirected(a, c) && mg.directed(c, b)) cs.push(c);
          for (let i = 0; i < cs.length && !orient; i++) for (let j = i + 1; j < cs.length && !orient; j++) if (!mg.adjacent(cs[i], cs[j])) orient = true;
        }
        // R4: a - d -> c -> b, a adj c, d not adj b  =>  a -> b
        if (!orient && useR4)
          for (let c = 0; c < p && !orient; c++) {
            if (!(mg.directed(c, b) && mg.adjacent(a, c))) continue;
            for (let d = 0; d < p && !orient; d++) if (mg.undirected(a, d) && mg.directed(d, c) && !mg.adjacent(d, b) && d !== b) orient = true;
          }
        if (orient) {
          mg.orient(a, b);
          changed = true;
        }
      }
  }
}

/** CPDAG of a DAG as a MarkGraph (v-structures kept, then Meek R1–R3). */
export function cpdagIdx(dagMg: MarkGraph): MarkGraph {
  const p = dagMg.p;
  const out = new MarkGraph(p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) if (dagMg.directed(i, j)) out.set(i, j, TAIL, TAIL);
  for (let c = 0; c < p; c++) {
    const pa = dagMg.parents(c);
    for (let i = 0; i < pa.length; i++)
      for (let j = i + 1; j < pa.length; j++)
        if (!dagMg.adjacent(pa[i], pa[j])) {
          out.orient(pa[i], c);
          out.orient(pa[j], c);
        }
  }
  applyMeek(out, false);
  return out;
}

/**
 * The CPDAG (essential graph) of a DAG: its Markov equivalence class
 * (Verma & Pearl 1990; Chickering 2002). Compelled edges stay directed,
 * reversible ones become undirected. Edge weights are kept.
 */
export function dagToCpdag(g: Graph): Graph {
  const mg = requireDag(g, "dagToCpdag");
  const c = cpdagIdx(mg);
  const w = new Map(g.edges.map((e) => [`${e.from}\u0000${e.to}`, e.weight]));
  return fromMarkGraph(c, g.nodes, "cpdag", (i, j) => w.get(`${g.nodes[i]}\u0000${g.nodes[j]}`) ?? w.get(`${g.nodes[j]}\u0000${g.nodes[i]}`));
}

/**
 * Structural Hamming distance between two graphs over the same nodes
 * (Tsamardinos et al. 2006; counted as in causal-learn's SHD): one per node
 * pair whose edge is missing, extra, or has different endpoint marks.
 * Compare CPDAGs (dagToCpdag) for Markov-equivalence-aware SHD.
 */
export function shd(a: Graph, b: Graph): number {
  const { ma, mb } = aligned(a, b, "shd");
  const p = ma.p;
  let d = 0;
  for (let i = 0; i < p; i++)
    for (let j = i + 1; j < p; j++) if (ma.mark(i, j) !== mb.mark(i, j) || ma.mark(j, i) !== mb.mark(j, i)) d++;
  return d;
}

function aligned(a: Graph, b: Graph, fn: string): { ma: MarkGraph; mb: MarkGraph } {
  const sa = [...a.nodes].sort();
  const sb = [...b.nodes].sort();
  if (sa.length !== sb.length || sa.some((n, i) => n !== sb[i])) throw new Error(`${fn}: the graphs have different node sets`);
  const { mg: ma } = toMarkGraph(a);
  const bb = new Graph(a.nodes, b.edges, b.kind, { marks: b.marks });
  const { mg: mb } = toMarkGraph(bb);
  return { ma, mb };
}

/**
 * Edge-recovery metrics of an estimate against the truth: adjacency
 * precision/recall, arrowhead precision/recall, and direction accuracy
 * (fraction of true adjacencies found that carry the true orientation,
 * undirected counting as wrong).
 */
export function compareGraphs(estimate: Graph, truth: Graph): { shd: number; adjacencyPrecision: number; adjacencyRecall: number; arrowheadPrecision: number; arrowheadRecall: number; directionAccuracy: number } {
  const { ma: me, mb: mt } = aligned(estimate, truth, "compareGraphs");
  const p = me.p;
  let tp = 0, ne = 0, nt = 0, atp = 0, ae = 0, at = 0, dirOk = 0;
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      if (i < j) {
        const e = me.adjacent(i, j);
        const t = mt.adjacent(i, j);
        if (e) ne++;
        if (t) nt++;
        if (e && t) {
          tp++;
          if (me.mark(i, j) === mt.mark(i, j) && me.mark(j, i) === mt.mark(j, i)) dirOk++;
        }
      }
      if (i !== j) {
        const ea = me.mark(i, j) === ARROW;
        const ta = mt.mark(i, j) === ARROW;
        if (ea) ae++;
        if (ta) at++;
        if (ea && ta) atp++;
      }
    }
  return {
    shd: shd(estimate, truth),
    adjacencyPrecision: ne ? tp / ne : 1,
    adjacencyRecall: nt ? tp / nt : 1,
    arrowheadPrecision: ae ? atp / ae : 1,
    arrowheadRecall: at ? atp / at : 1,
    directionAccuracy: tp ? dirOk / tp : 1,
  };
}

function dotId(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Graphviz DOT text. PAG marks become arrowhead/arrowtail styles (odot for circles). */
export function toDot(g: Graph): string {
  const lines = [`digraph ${g.kind} {`, "  node [shape=ellipse];"];
  for (const n of g.nodes) lines.push(`  ${dotId(n)};`);
  const style = (m: EndpointMark) => (m === ">" ? "normal" : m === "o" ? "odot" : "none");
  g.edges.forEach((e, k) => {
    const attrs: string[] = [];
    const mk = g.marks?.[k];
    if (mk) attrs.push(`dir=both`, `arrowtail=${style(mk.fromMark)}`, `arrowhead=${style(mk.toMark)}`);
    else if (!e.directed) attrs.push("dir=none");
    const lab: string[] = [];
    if (e.weight !== undefined) lab.push(fmt(e.weight));
    if (e.confidence !== undefined) lab.push(`${Math.round(e.confidence * 100)}%`);
    if (lab.length) attrs.push(`label=${dotId(lab.join(" "))}`);
    if (e.confidence !== undefined) attrs.push(`penwidth=${(0.5 + 2.5 * e.confidence).toFixed(2)}`);
    lines.push(`  ${dotId(e.from)} -> ${dotId(e.to)}${attrs.length ? ` [${attrs.join(", ")}]` : ""};`);
  });
  lines.push("}");
  return lines.join("\n");
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(2) : x.toFixed(2);
}

function graphText(g: Graph): string {
  const head = `${g.kind.toUpperCase()} with ${g.nodes.length} nodes, ${g.edges.length} edges`;
  const lines = g.edges.map((e, k) => {
    const mk = g.marks?.[k];
    const arrow = mk ? `${mk.fromMark === ">" ? "<" : mk.fromMark}-${mk.toMark}` : e.directed ? "->" : "--";
    const extra = [e.weight !== undefined ? `weight ${fmt(e.weight)}` : "", e.confidence !== undefined ? `confidence ${(e.confidence * 100).toFixed(0)}%` : ""].filter(Boolean).join(", ");
    return `  ${e.from} ${arrow} ${e.to}${extra ? `  (${extra})` : ""}`;
  });
  return [head, ...lines].join("\n");
}

/**
 * Static SVG drawing of the graph: the layered layout and drawing of
 * `cs.show.graph` and the JupyterLab widget (src/show/shared/graph-drawing.ts):
 * arrowheads for ">" marks, open circles for PAG "o" marks, width from
 * |weight|, opacity from confidence.
 */
export function toSvg(g: Graph): string {
  return staticGraphSvg(g, {}, "toSvg");
}
