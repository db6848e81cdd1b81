/**
 * PC-stable (Spirtes, Glymour & Scheines 2000; Colombo & Maathuis 2014,
 * JMLR 15:3741): skeleton by conditional-independence tests of increasing
 * order, edges removed only at the end of each order (so the result does not
 * depend on the variable order), then unshielded colliders from the
 * separating sets and Meek's rules. Follows causal-learn's `pc` defaults
 * (`stable=True, uc_rule=0, uc_priority=2`): the separating set of a pair is
 * the union of all sets that separated it at the order it was removed, and a
 * collider is not oriented against an edge already directed out of its middle
 * node. Returns a CPDAG.
 */
import { CITest } from "./citest";
import { applyMeek, MarkGraph } from "./graph";
import { Knowledge } from "./prior";

export interface SkeletonOptions {
  alpha: number;
  /** Maximum conditioning-set size (default unlimited). */
  maxDepth?: number;
  knowledge?: Knowledge;
}

export interface Skeleton {
  g: MarkGraph;
  /** Separating sets per unordered pair key `i*p+j` (i<j); each is a list of sets as in causal-learn. */
  sepsets: Map<number, number[][]>;
  tests: number;
}

/** Stable adjacency search (order-independent PC skeleton). */
export function skeletonStable(test: CITest, p: number, opts: SkeletonOptions): Skeleton {
  const g = MarkGraph.complete(p);
  const K = opts.knowledge;
  const sepsets = new Map<number, number[][]>();
  const key = (i: number, j: number) => (i < j ? i * p + j : j * p + i);
  const addSep = (i: number, j: number, s: number[]) => {
    const k = key(i, j);
    const l = sepsets.get(k);
    if (l) l.push(s);
    else sepsets.set(k, [s]);
  };
  if (K && !K.empty)
    for (let i = 0; i < p; i++)
      for (let j = i + 1; j < p; j++)
        if (!K.adjacencyAllowed(i, j)) {
          g.remove(i, j);
          addSep(i, j, []);
        }
  let tests = 0;
  const maxDepth = opts.maxDepth ?? Infinity;
  let depth = -1;
  const maxDegree = () => {
    let m = 0;
    for (let i = 0; i < p; i++) m = Math.max(m, g.degree(i));
    return m;
  };
  const S: number[] = [];
  const rest: number[] = [];
  const comb = new Int32Array(p);
  let pv1 = new Float64Array(p);
  while (maxDegree() - 1 > depth) {
    depth++;
    if (depth > maxDepth) break;
    const removal: [number, number][] = [];
    const removed = new Uint8Array(p * p);
    for (let x = 0; x < p; x++) {
      const nx = g.adj(x);
      if (nx.length - 1 < depth) continue;
      // every test of x at this depth involves only x and its adjacents
      if (test.scope && depth > 0) test.scope([x, ...nx], nx.length * binomial(nx.length - 1, depth));
      for (const y of nx) {
        if (K && K.adjacencyRequired(x, y)) continue;
        // rest = adjacents of x but y (not needed at depth 0, where the only set is {})
        rest.length = 0;
        if (depth > 0) for (const v of nx) if (v !== y) rest.push(v);
        let sepUnion: Set<number> | null = null;
        let found = false;
        // enumerate combinations of `rest` of size `depth` in lexicographic order
        const m = nx.length - 1;
        if (depth === 1 && test.pBatch1) {
          // order 1: all tests of the pair at once (same p-values, same order of use)
          if (pv1.length < m) pv1 = new Float64Array(p);
          test.pBatch1(x, y, rest, pv1);
          for (let t = 0; t < m; t++) {
            tests++;
            if (pv1[t] > opts.alpha) {
              found = true;
              (sepUnion ??= new Set<number>()).add(rest[t]);
            }
          }
          if (found) {
            removal.push([x, y]);
            removed[x * p + y] = removed[y * p + x] = 1;
          }
          if (removed[x * p + y]) addSep(x, y, sepUnion ? [...sepUnion] : []);
          continue;
        }
        for (let i = 0; i < depth; i++) comb[i] = i;
        let more = depth <= m;
        while (more) {
          S.length = depth;
          for (let i = 0; i < depth; i++) S[i] = rest[comb[i]];
          tests++;
          const pv = test.pIdx(x, y, S);
          if (pv > opts.alpha) {
            found = true;
            sepUnion ??= new Set<number>();
            for (const s of S) sepUnion.add(s);
          }
          // next combination
          let i = depth - 1;
          while (i >= 0 && comb[i] === m - depth + i) i--;
          if (i < 0) more = false;
          else {
            comb[i]++;
            for (let j = i + 1; j < depth; j++) comb[j] = comb[j - 1] + 1;
          }
        }
        if (found) {
          removal.push([x, y]);
          removed[x * p + y] = removed[y * p + x] = 1;
        }
        if (removed[x * p + y]) addSep(x, y, sepUnion ? [...sepUnion] : []);
      }
    }
    for (const [x, y] of removal) g.remove(x, y);
  }
  test.scope?.(null);
  return { g, sepsets, tests };
}

function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Orient unshielded colliders (causal-learn uc_sepset, priority 2) then apply Meek's rules; knowledge first. */
export function orientPC(sk: Skeleton, p: number, K?: Knowledge): MarkGraph {
  const g = sk.g.clone();
  if (K && !K.empty) orientByKnowledge(g, K);
  // triples in causal-learn's order (middle node, then x, then z): with priority 2 the
  // first collider oriented wins a conflict
  for (let y = 0; y < p; y++)
    for (let x = 0; x < p; x++) {
      if (y === x || !g.adjacent(x, y)) continue;
      for (let z = x + 1; z < p; z++) {
        if (z === y || !g.adjacent(y, z) || g.adjacent(x, z)) continue;
        if (K && (K.forbidden(x, y) || K.forbidden(z, y) || K.required(y, x) || K.required(y, z))) continue;
        const seps = sk.sepsets.get(x * p + z) ?? [];
        if (seps.every((s) => !s.includes(y))) {
          if (!g.directed(y, x) && !g.directed(y, z)) {
            g.orient(x, y);
            g.orient(z, y);
          }
        }
      }
    }
  applyMeekWithKnowledge(g, K);
  return g;
}

/** Orient edges fixed by prior knowledge (required, or the reverse forbidden). */
export function orientByKnowledge(g: MarkGraph, K: Knowledge): void {
  const p = g.p;
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      if (i === j || !g.adjacent(i, j)) continue;
      if (K.required(i, j) || (K.forbidden(j, i) && !K.forbidden(i, j))) g.orient(i, j);
    }
}

function applyMeekWithKnowledge(g: MarkGraph, K?: Knowledge): void {
  applyMeek(g, !!K && !K.empty);
  if (K && !K.empty) {
    // knowledge may create new implications; re-apply until stable
    const before = g.m.slice();
    orientByKnowledge(g, K);
    if (!before.every((v, i) => v === g.m[i])) applyMeek(g, true);
  }
}
