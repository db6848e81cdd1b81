/**
 * Greedy Equivalence Search (Chickering 2002, JMLR 3:507; Meek 1997) over
 * CPDAGs with a decomposable score: forward phase of Insert(X, Y, T)
 * operators, backward phase of Delete(X, Y, H) operators, each chosen
 * greedily by score gain, the state re-completed to a CPDAG after every step
 * (PDAG → DAG by Dor & Tarsi 1992, DAG → CPDAG). As causal-learn's `ges`
 * (which scores with the same Gaussian BIC up to a per-node constant).
 * Prior knowledge: forbidden edges are honoured in the forward phase;
 * required edges are not supported (an error says so).
 */
import { ARROW, cpdagIdx, MarkGraph, TAIL } from "./graph";
import { Knowledge } from "./prior";
import { DecomposableScore } from "./score";

function undirNbrs(g: MarkGraph, y: number): number[] {
  return g.undirectedNeighbors(y);
}

function isClique(g: MarkGraph, s: number[]): boolean {
  for (let i = 0; i < s.length; i++) for (let j = i + 1; j < s.length; j++) if (!g.adjacent(s[i], s[j])) return false;
  return true;
}

/** Is there a semi-directed path from `from` to `to` avoiding `block`? */
function semiDirectedPath(g: MarkGraph, from: number, to: number, block: Set<number>): boolean {
  const p = g.p;
  const seen = new Uint8Array(p);
  seen[from] = 1;
  const stack = [from];
  while (stack.length) {
    const v = stack.pop()!;
    for (let u = 0; u < p; u++) {
      if (seen[u] || !(g.directed(v, u) || g.undirected(v, u))) continue;
      if (u === to) return true;
      if (block.has(u)) continue;
      seen[u] = 1;
      stack.push(u);
    }
  }
  return false;
}

/** A consistent DAG extension of a PDAG (Dor & Tarsi 1992), or null if none. */
export function pdagToDag(g: MarkGraph): MarkGraph | null {
  const p = g.p;
  const out = g.clone();
  const work = g.clone();
  const alive = new Uint8Array(p).fill(1);
  for (let left = p; left > 0; left--) {
    let found = -1;
    for (let x = 0; x < p && found < 0; x++) {
      if (!alive[x]) continue;
      let sink = true;
      for (let y = 0; y < p; y++) if (alive[y] && work.directed(x, y)) sink = false;
      if (!sink) continue;
      const adjX: number[] = [];
      for (let y = 0; y < p; y++) if (alive[y] && work.adjacent(x, y)) adjX.push(y);
      let ok = true;
      for (const y of adjX) {
        if (!work.undirected(x, y)) continue;
        for (const z of adjX) if (z !== y && !work.adjacent(y, z)) ok = false;
      }
      if (ok) found = x;
    }
    if (found < 0) return null;
    for (let y = 0; y < p; y++)
      if (alive[y] && work.undirected(found, y)) out.orient(y, found);
    alive[found] = 0;
    for (let y = 0; y < p; y++) if (work.adjacent(found, y)) work.remove(found, y);
  }
  return out;
}

function recomplete(g: MarkGraph): MarkGraph {
  const d = pdagToDag(g);
  if (!d) throw new Error("ges: internal error: the PDAG has no consistent extension");
  return cpdagIdx(d);
}

function subsets<T>(a: T[], max = 12): T[][] {
  const m = Math.min(a.length, max);
  const out: T[][] = [];
  const lim = 1 << m;
  for (let mask = 0; mask < lim; mask++) {
    const s: T[] = [];
    for (let i = 0; i < m; i++) if (mask & (1 << i)) s.push(a[i]);
    out.push(s);
  }
  return out;
}

function parentsOf(g: MarkGraph, y: number): number[] {
  return g.parents(y);
}

/** GES core on a decomposable, score-equivalent score; returns the CPDAG and its score. */
export function gesCore(score: DecomposableScore, K?: Knowledge, opts: { maxIter?: number } = {}): { g: MarkGraph; score: number } {
  if (K && K.requiredEdges.length) throw new Error(`ges: required edges are not supported by GES; use "hc", "tabu" or "pc" with prior.required, or drop them`);
  const p = score.p;
  let g = new MarkGraph(p);
  const maxIter = opts.maxIter ?? 10 * p * p;
  // forward phase
  for (let it = 0; it < maxIter; it++) {
    let best = 1e-9;
    let op: { x: number; y: number; T: number[] } | null = null;
    for (let y = 0; y < p; y++) {
      const paY = parentsOf(g, y);
      const nY = undirNbrs(g, y);
      for (let x = 0; x < p; x++) {
        if (x === y || g.adjacent(x, y)) continue;
        if (K && K.forbidden(x, y)) continue;
        const NA = nY.filter((t) => g.adjacent(t, x));
        const T0 = nY.filter((t) => !g.adjacent(t, x));
        for (const T of subsets(T0)) {
          if (K && T.some((t) => K.forbidden(t, y))) continue;
          const NAT = [...NA, ...T];
          if (!isClique(g, NAT)) continue;
          if (semiDirectedPath(g, y, x, new Set(NAT))) continue;
          const base = [...NAT, ...paY];
          const delta = score.local(y, [...base, x]) - score.local(y, base);
          if (delta > best) {
            best = delta;
            op = { x, y, T };
          }
        }
      }
    }
    if (!op) break;
    g.orient(op.x, op.y);
    for (const t of op.T) g.orient(t, op.y);
    g = recomplete(g);
  }
  // backward phase
  for (let it = 0; it < maxIter; it++) {
    let best = 1e-9;
    let op: { x: number; y: number; H: number[] } | null = null;
    for (let y = 0; y < p; y++) {
      const paY = parentsOf(g, y);
      const nY = undirNbrs(g, y);
      for (let x = 0; x < p; x++) {
        if (x === y || !(g.directed(x, y) || g.undirected(x, y))) continue;
        if (K && K.required(x, y)) continue;
        const NA = nY.filter((t) => t !== x && g.adjacent(t, x));
        for (const H of subsets(NA)) {
          const rest = NA.filter((t) => !H.includes(t));
          if (!isClique(g, rest)) continue;
          const base = [...rest, ...paY.filter((v) => v !== x)];
          const delta = score.local(y, base) - score.local(y, [...base, x]);
          if (delta > best) {
            best = delta;
            op = { x, y, H };
          }
        }
      }
    }
    if (!op) break;
    const { x, y, H } = op;
    g.remove(x, y);
    for (const h of H) {
      g.orient(y, h);
      if (g.undirected(x, h)) g.orient(x, h);
    }
    g = recomplete(g);
  }
  const dagExt = pdagToDag(g)!;
  let total = 0;
  for (let i = 0; i < p; i++) total += score.local(i, dagExt.parents(i));
  void ARROW;
  void TAIL;
  return { g, score: total };
}
