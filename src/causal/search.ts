/**
 * Score-based search over DAGs: greedy hill climbing and tabu search with
 * the operators add / remove / reverse an edge (Heckerman, Geiger &
 * Chickering 1995; bnlearn's `hc` and `tabu`; pgmpy's `HillClimbSearch`).
 *
 * Score deltas are cached per (parent, child): after an operator only the
 * column(s) of the changed child(ren) are re-scored, so an iteration costs
 * O(p) local scores plus an O(p²) scan. Ties are broken in the order pgmpy
 * enumerates operators (adds, removes, reversals; pairs in column order).
 */
import { Knowledge } from "./prior";
import { DecomposableScore } from "./score";
import { Rng } from "../core/random";

export interface SearchOptions {
  knowledge?: Knowledge;
  maxIndegree?: number;
  /** Stop when the best improvement is below this (default 1e-4, as pgmpy). */
  epsilon?: number;
  maxIter?: number;
  /** Tabu search: length of the tabu list of reversed moves (default 10 for tabu, as bnlearn; 0 = plain hill climbing). */
  tabuLength?: number;
  /** Tabu search: iterations without improving the best score before stopping (default = tabuLength). */
  maxNoImprove?: number;
  /** Random restarts with `perturb` random operators each (bnlearn's restart/perturb). */
  restarts?: number;
  perturb?: number;
  seed?: number;
  /** Start from these parent lists instead of the empty graph. */
  start?: number[][];
}

export interface SearchResult {
  parents: number[][];
  score: number;
  iterations: number;
}

type Op = { kind: 0 | 1 | 2; i: number; j: number; delta: number }; // 0 add i->j, 1 remove i->j, 2 reverse i->j

/** Is there a directed path from a to b (parent lists)? */
function reaches(children: Uint8Array, p: number, a: number, b: number, skipI = -1, skipJ = -1): boolean {
  const stack = [a];
  const seen = new Uint8Array(p);
  seen[a] = 1;
  while (stack.length) {
    const v = stack.pop()!;
    if (v === b) return true;
    for (let u = 0; u < p; u++) {
      if (!children[v * p + u] || seen[u]) continue;
      if (v === skipI && u === skipJ) continue;
      seen[u] = 1;
      stack.push(u);
    }
  }
  return false;
}

/** Hill climbing (tabuLength 0) or tabu search over DAGs; see module comment. */
export function scoreSearch(score: DecomposableScore, opts: SearchOptions = {}): SearchResult {
  const p = score.p;
  const K = opts.knowledge;
  const eps = opts.epsilon ?? 1e-4;
  const maxIn = opts.maxIndegree ?? Infinity;
  const tabuLen = opts.tabuLength ?? 0;
  const maxNoImprove = opts.maxNoImprove ?? tabuLen;
  const maxIter = opts.maxIter ?? 1e6;
  const rng = new Rng(opts.seed ?? 0);

  const adj = new Uint8Array(p * p); // adj[i*p+j] = 1 iff i -> j
  const parents: number[][] = Array.from({ length: p }, () => []);
  const local = new Float64Array(p);
  const dAdd = new Float64Array(p * p);
  const dRem = new Float64Array(p * p);

  const allNodes = Array.from({ length: p }, (_, i) => i);
  const setEdge = (i: number, j: number, on: boolean) => {
    adj[i * p + j] = on ? 1 : 0;
    if (on) parents[j].push(i);
    else parents[j] = parents[j].filter((v) => v !== i);
  };
  const rescore = (j: number) => {
    local[j] = score.local(j, parents[j]);
    const pa = parents[j];
    score.hint?.(j, pa);
    if (pa.length < maxIn) score.prefetch?.(j, pa, allNodes);
    for (let i = 0; i < p; i++) {
      if (i === j) continue;
      if (adj[i * p + j]) dRem[i * p + j] = score.local(j, pa.filter((v) => v !== i)) - local[j];
      else dAdd[i * p + j] = pa.length >= maxIn ? -Infinity : score.local(j, [...pa, i]) - local[j];
    }
  };
  const init = (start?: number[][]) => {
    adj.fill(0);
    for (let j = 0; j < p; j++) parents[j] = [];
    if (start) for (let j = 0; j < p; j++) for (const i of start[j]) setEdge(i, j, true);
    if (K) for (const [i, j] of K.requiredEdges) if (!adj[i * p + j]) setEdge(i, j, true);
    for (let j = 0; j < p; j++) rescore(j);
  };
  const total = () => {
    let s = 0;
    for (let j = 0; j < p; j++) s += local[j];
    return s;
  };
  const apply = (op: Op) => {
    if (op.kind === 0) {
      setEdge(op.i, op.j, true);
      rescore(op.j);
    } else if (op.kind === 1) {
      setEdge(op.i, op.j, false);
      rescore(op.j);
    } else {
      setEdge(op.i, op.j, false);
      setEdge(op.j, op.i, true);
      rescore(op.j);
      rescore(op.i);
    }
  };
  const tabu: string[] = [];
  const isTabu = (op: Op) => {
    if (!tabuLen) return false;
    // forbid undoing a recent move (pgmpy semantics)
    const inv = op.kind === 0 ? `1:${op.i}:${op.j}` : op.kind === 1 ? `0:${op.i}:${op.j}` : `2:${op.j}:${op.i}`;
    return tabu.includes(inv) || tabu.includes(`${op.kind}:${op.i}:${op.j}`);
  };
  const legal = (op: Op): boolean => {
    const { i, j } = op;
    if (op.kind === 0) {
      if (K && K.forbidden(i, j)) return false;
      if (parents[j].length >= maxIn) return false;
      return !reaches(adj, p, j, i);
    }
    if (op.kind === 1) return !(K && K.required(i, j));
    // reverse i->j into j->i
    if (K && (K.required(i, j) || K.forbidden(j, i))) return false;
    if (parents[i].length >= maxIn) return false;
    return !reaches(adj, p, i, j, i, j);
  };
  // candidate buffers (reused every iteration: no per-iteration allocation of p² objects)
  const cap = 3 * p * p;
  const cK = new Int8Array(cap);
  const cI = new Int32Array(cap);
  const cJ = new Int32Array(cap);
  const cD = new Float64Array(cap);
  const op1: Op = { kind: 0, i: 0, j: 0, delta: 0 };
  /** Best legal, non-tabu operator (pgmpy's enumeration order among exact ties); null when none. */
  const best = (): Op | null => {
    let m = 0;
    const push = (k: 0 | 1 | 2, i: number, j: number, d: number) => {
      cK[m] = k;
      cI[m] = i;
      cJ[m] = j;
      cD[m] = d;
      m++;
    };
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) if (i !== j && !adj[i * p + j] && !adj[j * p + i]) push(0, i, j, dAdd[i * p + j]);
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) if (adj[i * p + j]) push(1, i, j, dRem[i * p + j]);
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++)
        if (adj[i * p + j]) push(2, i, j, dRem[i * p + j] + (parents[i].length >= maxIn ? -Infinity : score.local(i, [...parents[i], j]) - local[i]));
    // Repeatedly take the highest remaining delta; the first legal one sets `top`. Operators whose
    // deltas tie with it up to rounding (score-equivalent moves such as a->b vs b->a) are ordered
    // by `rank` (enumeration order, or a random order in restarts), so float noise does not decide.
    let chosen = -1;
    let chosenRank = Infinity;
    let top = -Infinity;
    for (;;) {
      let k = -1;
      let bd = -Infinity;
      for (let t = 0; t < m; t++) if (cD[t] > bd) {
        bd = cD[t];
        k = t;
      }
      if (k < 0) break;
      if (chosen >= 0 && bd < top - 1e-9 * Math.max(1, Math.abs(top))) break;
      cD[k] = -Infinity; // consumed
      op1.kind = cK[k] as 0 | 1 | 2;
      op1.i = cI[k];
      op1.j = cJ[k];
      op1.delta = bd;
      if (isTabu(op1) || !legal(op1)) continue;
      if (chosen < 0) top = bd;
      const r = rank(op1);
      if (r < chosenRank) {
        chosen = k;
        chosenRank = r;
      }
    }
    return chosen < 0 ? null : { kind: cK[chosen] as 0 | 1 | 2, i: cI[chosen], j: cJ[chosen], delta: top };
  };
  let prio: Int32Array | null = null; // node priorities for tie-breaking
  const rank = (op: Op) => (prio ? (op.kind * p + prio[op.i]) * p + prio[op.j] : (op.kind * p + op.i) * p + op.j);

  const climb = (): { parents: number[][]; score: number; iterations: number } => {
    let it = 0;
    let bestScore = total();
    let bestParents = parents.map((a) => a.slice());
    let noImprove = 0;
    tabu.length = 0;
    while (it < maxIter) {
      const op = best();
      if (!op) break;
      if (!tabuLen && op.delta < eps) break;
      apply(op);
      it++;
      if (tabuLen) {
        tabu.push(`${op.kind}:${op.i}:${op.j}`);
        if (tabu.length > tabuLen) tabu.shift();
        const s = total();
        if (s > bestScore + eps) {
          bestScore = s;
          bestParents = parents.map((a) => a.slice());
          noImprove = 0;
        } else if (++noImprove >= maxNoImprove) break;
      }
    }
    if (!tabuLen) {
      bestScore = total();
      bestParents = parents.map((a) => a.slice());
    }
    return { parents: bestParents, score: bestScore, iterations: it };
  };

  init(opts.start);
  let result = climb();
  const restarts = opts.restarts ?? 0;
  const perturb = opts.perturb ?? Math.max(1, Math.round(p / 2));
  let iterations = result.iterations;
  for (let r = 0; r < restarts; r++) {
    // restart: alternate random tie-breaking orders from the empty graph and perturbations of the best DAG
    prio = Int32Array.from(rng.shuffle(Array.from({ length: p }, (_, i) => i)));
    if (r % 2 === 0) {
      init(opts.start);
      const r2 = climb();
      iterations += r2.iterations;
      if (r2.score > result.score + eps) result = r2;
      continue;
    }
    init(result.parents);
    for (let k = 0; k < perturb; k++) {
      const i = rng.int(p);
      const j = rng.int(p);
      if (i === j) continue;
      const kind = adj[i * p + j] ? (rng.uniform() < 0.5 ? 1 : 2) : adj[j * p + i] ? 2 : 0;
      const op: Op = kind === 2 && !adj[i * p + j] ? { kind: 2, i: j, j: i, delta: 0 } : { kind: kind as 0 | 1 | 2, i, j, delta: 0 };
      if (legal(op)) apply(op);
    }
    const r2 = climb();
    iterations += r2.iterations;
    if (r2.score > result.score + eps) result = r2;
  }
  return { parents: result.parents, score: result.score, iterations };
}
