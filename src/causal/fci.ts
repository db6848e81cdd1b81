/**
 * FCI (Spirtes, Meek & Richardson 1995; Spirtes et al. 2000) with Zhang's
 * complete orientation rules (Zhang 2008, AIJ 172:1873) R1–R4 and R8–R10
 * (R5–R7 concern selection bias and are not applied, as causal-learn's `fci`
 * by default): PC-stable skeleton, unshielded colliders, removal by
 * Possible-D-Sep sets, colliders again, then the rules until closure.
 * Returns a PAG as a MarkGraph (tail / arrow / circle endpoints).
 */
import { CITest } from "./citest";
import { ARROW, CIRCLE, MarkGraph, TAIL } from "./graph";
import { skeletonStable, Skeleton } from "./pc";
import { Knowledge } from "./prior";

export interface FciOptions {
  alpha: number;
  maxDepth?: number;
  knowledge?: Knowledge;
  /** Largest Possible-D-Sep conditioning set tested (default min(maxDepth, 3); causal-learn tests all sizes). */
  maxPdsSize?: number;
}

function allCircles(g: MarkGraph): void {
  const p = g.p;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) if (g.m[i * p + j]) g.m[i * p + j] = CIRCLE;
}

function sepContains(sk: Skeleton, p: number, a: number, c: number, b: number): boolean {
  const k = a < c ? a * p + c : c * p + a;
  const s = sk.sepsets.get(k);
  return !!s && s.some((set) => set.includes(b));
}

function orientColliders(g: MarkGraph, sk: Skeleton, K?: Knowledge): void {
  const p = g.p;
  for (let b = 0; b < p; b++) {
    const adj = g.adj(b);
    for (let i = 0; i < adj.length; i++)
      for (let j = i + 1; j < adj.length; j++) {
        const a = adj[i];
        const c = adj[j];
        if (g.adjacent(a, c)) continue;
        if (K && (K.forbidden(a, b) || K.forbidden(c, b))) continue;
        if (!sepContains(sk, p, a, c, b)) {
          g.m[a * p + b] = ARROW;
          g.m[c * p + b] = ARROW;
        }
      }
  }
}

/** Possible-D-Sep(a) (Spirtes et al. 2000, §6.7) in the current PAG. */
function possibleDsep(g: MarkGraph, a: number): number[] {
  const p = g.p;
  const seen = new Set<number>(); // states prev*p+cur
  const out = new Set<number>();
  const q: [number, number][] = [];
  for (const b of g.adj(a)) {
    q.push([a, b]);
    seen.add(a * p + b);
    out.add(b);
  }
  while (q.length) {
    const [x, y] = q.shift()!;
    for (const z of g.adj(y)) {
      if (z === x) continue;
      const collider = g.mark(x, y) === ARROW && g.mark(z, y) === ARROW;
      const triangle = g.adjacent(x, z);
      if (!collider && !triangle) continue;
      const key = y * p + z;
      if (seen.has(key)) continue;
      seen.add(key);
      if (z !== a) out.add(z);
      q.push([y, z]);
    }
  }
  out.delete(a);
  return [...out];
}

function binomialSum(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

function* combinations(a: number[], k: number): Generator<number[]> {
  const n = a.length;
  if (k > n) return;
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield idx.map((i) => a[i]);
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1] + 1;
  }
}

/** Is <path> an uncovered potentially directed path? Search one from `start` (after `a`) to `target`. */
function uncoveredPdPath(g: MarkGraph, a: number, start: number, target: number, avoid: Set<number>): boolean {
  // potentially directed edge u-v: no arrowhead at u, no tail at v
  const pd = (u: number, v: number) => g.adjacent(u, v) && g.mark(v, u) !== ARROW && g.mark(u, v) !== TAIL;
  if (!pd(a, start)) return false;
  if (start === target) return true;
  const p = g.p;
  const visited = new Uint8Array(p);
  visited[a] = 1;
  visited[start] = 1;
  const dfs = (prev: number, cur: number): boolean => {
    for (let nx = 0; nx < p; nx++) {
      if (visited[nx] || avoid.has(nx) || !pd(cur, nx)) continue;
      if (g.adjacent(prev, nx)) continue; // uncovered: prev and nx nonadjacent
      if (nx === target) return true;
      visited[nx] = 1;
      if (dfs(cur, nx)) return true;
      visited[nx] = 0;
    }
    return false;
  };
  return dfs(a, start);
}

function applyRules(g: MarkGraph, sk: Skeleton): void {
  const p = g.p;
  const M = (i: number, j: number) => g.mark(i, j); // mark at j of edge i-j
  const setMark = (i: number, j: number, v: number) => (g.m[i * p + j] = v);
  let changed = true;
  let guard = 0;
  while (changed && guard++ < 10 * p * p + 100) {
    changed = false;
    for (let b = 0; b < p; b++)
      for (let a = 0; a < p; a++) {
        if (a === b || !g.adjacent(a, b)) continue;
        for (let c = 0; c < p; c++) {
          if (c === a || c === b || !g.adjacent(b, c)) continue;
          // R1: a *-> b o-* c, a !~ c  =>  b -> c
          if (M(a, b) === ARROW && M(c, b) === CIRCLE && !g.adjacent(a, c)) {
            setMark(c, b, TAIL);
            setMark(b, c, ARROW);
            changed = true;
          }
          // R2: (a -> b *-> c or a *-> b -> c) and a *-o c  =>  a *-> c
          if (g.adjacent(a, c) && M(a, c) === CIRCLE) {
            const r2a = M(a, b) === ARROW && M(b, a) === TAIL && M(b, c) === ARROW;
            const r2b = M(a, b) === ARROW && M(b, c) === ARROW && M(c, b) === TAIL;
            if (r2a || r2b) {
              setMark(a, c, ARROW);
              changed = true;
            }
          }
        }
      }
    // R3: a *-> b <-* c, a *-o d o-* c, a !~ c, d *-o b  =>  d *-> b
    for (let b = 0; b < p; b++)
      for (let d = 0; d < p; d++) {
        if (d === b || !g.adjacent(d, b) || M(d, b) !== CIRCLE) continue;
        const ps = g.adj(b).filter((x) => x !== d && M(x, b) === ARROW && g.adjacent(x, d) && M(x, d) === CIRCLE);
        let done = false;
        for (let i = 0; i < ps.length && !done; i++)
          for (let j = i + 1; j < ps.length && !done; j++)
            if (!g.adjacent(ps[i], ps[j])) {
              setMark(d, b, ARROW);
              changed = true;
              done = true;
            }
      }
    // R4: discriminating paths
    for (let b = 0; b < p; b++)
      for (let c = 0; c < p; c++) {
        if (c === b || !g.adjacent(b, c) || M(c, b) !== CIRCLE) continue;
        for (const a of g.adj(b)) {
          if (a === c || !(g.directed(a, c) && M(b, a) === ARROW)) continue;
          // BFS backwards from a for theta
          const prev = new Map<number, number>([[a, b]]);
          const q = [a];
          let theta = -1;
          while (q.length && theta < 0) {
            const t = q.shift()!;
            for (const d of g.adj(t)) {
              if (d === b || d === c || prev.has(d) || M(d, t) !== ARROW) continue;
              if (!g.adjacent(d, c)) {
                theta = d;
                break;
              }
              if (g.directed(d, c) && M(t, d) === ARROW) {
                prev.set(d, t);
                q.push(d);
              }
            }
          }
          if (theta < 0) continue;
          if (sepContains(sk, p, theta, c, b)) {
            setMark(c, b, TAIL);
            setMark(b, c, ARROW);
          } else {
            setMark(a, b, ARROW);
            setMark(c, b, ARROW);
            setMark(b, c, ARROW);
          }
          changed = true;
          break;
        }
      }
    // R8–R10 on a o-> c
    for (let a = 0; a < p; a++)
      for (let c = 0; c < p; c++) {
        if (a === c || !g.adjacent(a, c) || !(M(c, a) === CIRCLE && M(a, c) === ARROW)) continue;
        let orient = false;
        // R8: a -> b -> c or a -o b -> c
        for (const b of g.adj(a)) {
          if (b === c) continue;
          if (g.directed(b, c) && M(b, a) === TAIL && (M(a, b) === ARROW || M(a, b) === CIRCLE)) {
            orient = true;
            break;
          }
        }
        // R9: uncovered p.d. path <a, b, ..., c> with b !~ c
        if (!orient)
          for (const b of g.adj(a)) {
            if (b === c || g.adjacent(b, c)) continue;
            if (uncoveredPdPath(g, a, b, c, new Set())) {
              orient = true;
              break;
            }
          }
        // R10: b -> c <- d, uncovered p.d. paths a..m..b and a..w..d with m, w distinct and nonadjacent
        if (!orient) {
          const pa = g.parents(c).filter((x) => x !== a);
          for (let i = 0; i < pa.length && !orient; i++)
            for (let j = i + 1; j < pa.length && !orient; j++) {
              const nb = g.adj(a).filter((x) => x !== c);
              for (const m of nb) {
                if (orient) break;
                if (!uncoveredPdPath(g, a, m, pa[i], new Set([c]))) continue;
                for (const w of nb)
                  if (w !== m && !g.adjacent(m, w) && uncoveredPdPath(g, a, w, pa[j], new Set([c]))) {
                    orient = true;
                    break;
                  }
              }
            }
        }
        if (orient) {
          setMark(c, a, TAIL);
          changed = true;
        }
      }
  }
}

/** FCI core; see module comment. */
export function fciCore(test: CITest, p: number, opts: FciOptions): MarkGraph {
  const sk = skeletonStable(test, p, opts);
  const g = sk.g;
  allCircles(g);
  orientColliders(g, sk, opts.knowledge);
  // Possible-D-Sep removal
  const maxPds = opts.maxPdsSize ?? Math.min(opts.maxDepth ?? Infinity, 3);
  const removal: [number, number, number[]][] = [];
  for (let a = 0; a < p; a++) {
    if (test.scope) {
      // the tests of a involve a, its adjacents and Possible-D-Sep(a) only (adj(a) ⊆ Possible-D-Sep(a))
      const pa = possibleDsep(g, a);
      let expected = 0;
      for (let k = 0; k <= Math.min(maxPds, pa.length - 1); k++) expected += binomialSum(pa.length - 1, k);
      test.scope([a, ...pa], expected * g.adj(a).length);
    }
    for (const b of g.adj(a)) {
      if (opts.knowledge?.adjacencyRequired(a, b)) continue;
      const pds = possibleDsep(g, a).filter((v) => v !== b);
      let sep: number[] | null = null;
      for (let k = 0; k <= Math.min(maxPds, pds.length) && !sep; k++)
        for (const S of combinations(pds, k)) {
          if (test.pIdx(a, b, S) > opts.alpha) {
            sep = S;
            break;
          }
        }
      if (sep) removal.push([a, b, sep]);
    }
  }
  test.scope?.(null);
  for (const [a, b, S] of removal) {
    if (!g.adjacent(a, b)) continue;
    g.remove(a, b);
    const k = a < b ? a * p + b : b * p + a;
    const l = sk.sepsets.get(k);
    if (l) l.push(S);
    else sk.sepsets.set(k, [S]);
  }
  allCircles(g);
  orientColliders(g, sk, opts.knowledge);
  const K = opts.knowledge;
  if (K && !K.empty)
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++) {
        if (i === j || !g.adjacent(i, j)) continue;
        if (K.forbidden(i, j) && !K.forbidden(j, i)) g.m[j * p + i] = ARROW; // i is not an ancestor of j: arrowhead at i
        if (K.required(i, j)) g.set(i, j, TAIL, ARROW);
      }
  applyRules(g, sk);
  return g;
}
