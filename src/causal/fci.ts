/**
 * FCI (Spirtes, Meek & Richardson 1995; Spirtes et al. 2000) with Zhang's
 * complete orientation rules (Zhang 2008, AIJ 172:1873): PC-stable skeleton,
 * unshielded colliders, removal by Possible-D-Sep sets, colliders again, then
 * R1–R4 and R8–R10 until closure, with R5–R7 too when `selectionBias` is set.
 * Returns a PAG as a MarkGraph (tail / arrow / circle endpoints).
 *
 * The Possible-D-Sep phase uses the definition of Spirtes et al. (2000, §6.7)
 * by default (order-independent: removals after all tests);
 * `possibleDsep: "causal-learn"` reproduces causal-learn 0.1.4.8's `fci` (a
 * port of Tetrad's) instead, so the skeleton equals causal-learn's for the
 * same test and alpha. See `FciOptions.possibleDsep`.
 */
import { CITest } from "./citest";
import { ARROW, CIRCLE, MarkGraph, TAIL } from "./graph";
import { skeletonStable, Skeleton } from "./pc";
import { Knowledge } from "./prior";

export interface FciOptions {
  alpha: number;
  maxDepth?: number;
  knowledge?: Knowledge;
  /**
   * Possible-D-Sep procedure.
   * - "causal-learn": causal-learn 0.1.4.8's `fci` (a port of Tetrad's), reproduced
   *   exactly so the skeleton equals causal-learn's for the same test and alpha. For each remaining
   *   edge x–y in turn (i < j order), and each end x, the set holds the adjacents of x other than y
   *   and every node c reached from x through a collider x *-> b <-* c (b ≠ y), provided a node c was
   *   reached from has a semi-directed path to x or to c (causal-learn's search keeps x as the first
   *   node of every step, so it never goes past distance 2: a narrower set than Spirtes et al.'s).
   *   Conditioning sets: the subsets of size ≥ 2 not inside adj(x) or adj(y) (the others were tested
   *   by the skeleton search), by size, lexicographic over the set sorted as causal-learn sorts it
   *   (its default node names "X1".."Xp" as strings, descending), without the first subset of each
   *   size below the set's size (causal-learn never tests it: it reads its choice generator's buffer
   *   after advancing it). An edge is removed as soon as one set separates it.
   * - "complete" (default): Spirtes et al. (2000, §6.7): every node reachable from x by a path on which each
   *   inner node is a collider or the corner of a triangle; all conditioning sets of size up to
   *   `maxPdsSize`; removals applied after all edges were tested (order-independent). With an
   *   unlimited `maxPdsSize`, complete in the large-sample limit. More removals, right or wrong at
   *   finite n (bench skeleton SHD, "complete" against "causal-learn": gauss100-5k 12 against 18,
   *   gauss50-5k 7 against 6, alarm-1k 10 against 8). The default because its result does not
   *   depend on the column order and it has no quirk of an implementation in it; use
   *   "causal-learn" to reproduce causal-learn's output.
   */
  possibleDsep?: "causal-learn" | "complete";
  /**
   * Largest Possible-D-Sep conditioning set tested (default: unlimited for "causal-learn", as
   * causal-learn; min(maxDepth, 3) for "complete"). Up to 2^|set| tests per edge when unlimited.
   */
  maxPdsSize?: number;
  /**
   * Allow selection bias: also apply Zhang's R5–R7, which orient circle–circle structures into
   * undirected edges (A – B: A and B are ancestors of a selection variable). Default false (no
   * selection bias: R1–R4 and R8–R10 are complete then, Zhang 2008, Theorem 4).
   */
  selectionBias?: boolean;
}

/** Separating sets per unordered pair key i*p+j (i < j), as `Skeleton.sepsets`. */
type Sepsets = Map<number, number[][]>;

function allCircles(g: MarkGraph): void {
  const m = g.m;
  for (let i = 0; i < m.length; i++) if (m[i]) m[i] = CIRCLE;
}

function sepContains(sepsets: Sepsets, p: number, a: number, c: number, b: number): boolean {
  const k = a < c ? a * p + c : c * p + a;
  const s = sepsets.get(k);
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
        if (!sepContains(sk.sepsets, p, a, c, b)) {
          g.m[a * p + b] = ARROW;
          g.m[c * p + b] = ARROW;
        }
      }
  }
}

/** Reusable search buffers (no allocation per search): a queue and visit stamps. */
class Workspace {
  queue: Int32Array;
  seen: Int32Array;
  stamp = 0;
  queue2: Int32Array;
  seen2: Int32Array;
  stamp2 = 0;
  /**
   * Rank of each variable in causal-learn's Possible-D-Sep order: its default node names "X1".."Xp"
   * sorted as strings, descending ("X9" before "X10" before "X1").
   */
  clOrder: Int32Array;
  constructor(readonly p: number) {
    const byName = Array.from({ length: p }, (_, i) => i).sort((a, b) => (`X${a + 1}` < `X${b + 1}` ? 1 : -1));
    this.clOrder = new Int32Array(p);
    byName.forEach((v, r) => (this.clOrder[v] = r));
    this.queue = new Int32Array(p * p);
    this.seen = new Int32Array(p * p);
    this.queue2 = new Int32Array(p);
    this.seen2 = new Int32Array(p);
  }
  next(): number {
    if (++this.stamp === 0x7fffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    return this.stamp;
  }
  next2(): number {
    if (++this.stamp2 === 0x7fffffff) {
      this.seen2.fill(0);
      this.stamp2 = 1;
    }
    return this.stamp2;
  }
}

/**
 * Is there a semi-directed path from `from` to `to` (every edge without an arrowhead at its end
 * nearer `from`)? Breadth-first, as causal-learn's `existsSemiDirectedPath`. O(p²).
 */
function semiDirected(g: MarkGraph, from: number, to: number, ws: Workspace): boolean {
  const p = g.p;
  const m = g.m;
  const q = ws.queue2;
  const seen = ws.seen2;
  const s = ws.next2();
  let head = 0;
  let tail = 0;
  let t = from;
  for (;;) {
    for (let u = 0; u < p; u++) {
      const near = m[u * p + t]; // mark at t of edge t–u
      if ((near === TAIL || near === CIRCLE) && seen[u] !== s) {
        seen[u] = s;
        q[tail++] = u;
      }
    }
    if (head === tail) return false;
    t = q[head++];
    if (t === to) return true;
  }
}

/**
 * Possible-D-Sep of x for the edge x–y as causal-learn computes it (see `FciOptions.possibleDsep`),
 * in causal-learn's order: a breadth-first search from x's adjacents, stepping from b to c when
 * x *-> b <-* c or c is adjacent to x; a node beyond x's adjacents is kept when a node it was reached
 * from (its "previous" set when it is dequeued) has a semi-directed path to x or to it.
 */
function possibleDsepCL(g: MarkGraph, x: number, y: number, ws: Workspace, out: number[]): number[] {
  const p = g.p;
  const m = g.m;
  const q = ws.queue;
  // stamps in one p×p block: mark[v*p+v] === s: v queued; mark[c*p+b] === -s: c was reached from b
  const mark = ws.seen;
  const s = ws.next();
  out.length = 0;
  let tail = 0;
  for (let b = 0; b < p; b++)
    if (b !== y && m[x * p + b]) {
      q[tail++] = b;
      mark[b * p + b] = s;
      out.push(b);
    }
  const nAdj = tail;
  for (let head = 0; head < tail; head++) {
    const b = q[head];
    if (head >= nAdj)
      for (let r = 0; r < p; r++)
        if (r !== b && r !== x && mark[b * p + r] === -s && (semiDirected(g, r, x, ws) || semiDirected(g, r, b, ws))) {
          out.push(b);
          break;
        }
    for (let c = 0; c < p; c++) {
      if (c === x || c === y || !m[b * p + c]) continue;
      mark[c * p + b] = -s;
      const collider = m[x * p + b] === ARROW && m[c * p + b] === ARROW;
      if ((collider || m[x * p + c] !== 0) && mark[c * p + c] !== s) {
        mark[c * p + c] = s;
        q[tail++] = c;
      }
    }
  }
  return out.sort((u, v) => ws.clOrder[u] - ws.clOrder[v]);
}

/** Possible-D-Sep(a) of Spirtes et al. (2000, §6.7) in the current PAG, by a search over (previous, current) node pairs. */
function possibleDsepComplete(g: MarkGraph, a: number, ws: Workspace, out: number[]): number[] {
  const p = g.p;
  const m = g.m;
  const q = ws.queue;
  const seen = ws.seen;
  const s = ws.next();
  const inOut = ws.seen2;
  const so = ws.next2();
  out.length = 0;
  let tail = 0;
  for (let b = 0; b < p; b++)
    if (m[a * p + b]) {
      q[tail++] = a * p + b;
      seen[a * p + b] = s;
      inOut[b] = so;
      out.push(b);
    }
  for (let head = 0; head < tail; head++) {
    const x = (q[head] / p) | 0;
    const y = q[head] - x * p;
    for (let z = 0; z < p; z++) {
      if (z === x || !m[y * p + z]) continue;
      const collider = m[x * p + y] === ARROW && m[z * p + y] === ARROW;
      if (!collider && !m[x * p + z]) continue;
      const key = y * p + z;
      if (seen[key] === s) continue;
      seen[key] = s;
      if (z !== a && inOut[z] !== so) {
        inOut[z] = so;
        out.push(z);
      }
      q[tail++] = key;
    }
  }
  return out;
}

function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Advance `idx` (k indices into n items) to the next combination in lexicographic order; false after the last. */
function nextCombination(idx: Int32Array, k: number, n: number): boolean {
  let i = k - 1;
  while (i >= 0 && idx[i] === n - k + i) i--;
  if (i < 0) return false;
  idx[i]++;
  for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1] + 1;
  return true;
}

function setSepset(sk: Skeleton, p: number, a: number, b: number, S: number[], replace: boolean): void {
  const k = a < b ? a * p + b : b * p + a;
  const l = sk.sepsets.get(k);
  if (l && !replace) l.push(S);
  else sk.sepsets.set(k, [S]);
}

/** causal-learn's removeByPossibleDsep: edges in (i < j) order, each end in turn, removed at once. */
function removeByPdsCL(test: CITest, g: MarkGraph, sk: Skeleton, opts: FciOptions, ws: Workspace): void {
  const p = g.p;
  const m = g.m;
  const maxPds = opts.maxPdsSize ?? Infinity;
  const edges: number[] = [];
  for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) if (m[i * p + j]) edges.push(i * p + j);
  const pds: number[] = [];
  const idx = new Int32Array(p);
  const S: number[] = [];
  for (const e of edges) {
    const a = (e / p) | 0;
    const b = e - a * p;
    if (opts.knowledge?.adjacencyRequired(a, b)) continue;
    let removed = false;
    for (let end = 0; end < 2 && !removed; end++) {
      const [x, y] = end === 0 ? [a, b] : [b, a];
      possibleDsepCL(g, x, y, ws, pds);
      const n = pds.length;
      // sets inside adj(a) or adj(b) were tested by the skeleton search; only the others are tested here
      let outside = 0;
      for (const v of pds) if (!m[a * p + v] || !m[b * p + v]) outside++;
      if (outside === 0 || n < 2) continue;
      if (test.scope) {
        let expected = 0;
        for (let k = 2; k <= Math.min(maxPds, n); k++) expected += binomial(n, k);
        test.scope([a, b, ...pds], expected);
      }
      for (let k = 2; k <= Math.min(maxPds, n) && !removed; k++) {
        for (let i = 0; i < k; i++) idx[i] = i;
        // causal-learn reads its choice generator's buffer after advancing it, so the first subset of each size below n is never tested
        if (k < n) nextCombination(idx, k, n);
        do {
          let inA = true;
          let inB = true;
          for (let i = 0; i < k; i++) {
            const v = pds[idx[i]];
            if (!m[a * p + v]) inA = false;
            if (!m[b * p + v]) inB = false;
          }
          if (inA || inB) continue;
          S.length = k;
          for (let i = 0; i < k; i++) S[i] = pds[idx[i]];
          if (test.pIdx(a, b, S) > opts.alpha) {
            g.remove(a, b);
            setSepset(sk, p, a, b, S.slice(), true);
            removed = true;
            break;
          }
        } while (nextCombination(idx, k, n));
      }
    }
  }
  test.scope?.(null);
}

/** Possible-D-Sep removal with the complete definition, all sets of size 0..maxPdsSize, removals after all tests. */
function removeByPdsComplete(test: CITest, g: MarkGraph, sk: Skeleton, opts: FciOptions, ws: Workspace): void {
  const p = g.p;
  const maxPds = opts.maxPdsSize ?? Math.min(opts.maxDepth ?? Infinity, 3);
  const removal: [number, number, number[]][] = [];
  const pa: number[] = [];
  const pds: number[] = [];
  const idx = new Int32Array(p);
  const S: number[] = [];
  for (let a = 0; a < p; a++) {
    possibleDsepComplete(g, a, ws, pa);
    if (test.scope) {
      // the tests of a involve a, its adjacents and Possible-D-Sep(a) only (adj(a) ⊆ Possible-D-Sep(a))
      let expected = 0;
      for (let k = 0; k <= Math.min(maxPds, pa.length - 1); k++) expected += binomial(pa.length - 1, k);
      test.scope([a, ...pa], expected * g.degree(a));
    }
    for (let b = 0; b < p; b++) {
      if (!g.adjacent(a, b) || opts.knowledge?.adjacencyRequired(a, b)) continue;
      pds.length = 0;
      for (const v of pa) if (v !== b) pds.push(v);
      const n = pds.length;
      let sep: number[] | null = null;
      for (let k = 0; k <= Math.min(maxPds, n) && !sep; k++) {
        for (let i = 0; i < k; i++) idx[i] = i;
        do {
          S.length = k;
          for (let i = 0; i < k; i++) S[i] = pds[idx[i]];
          if (test.pIdx(a, b, S) > opts.alpha) {
            sep = S.slice();
            break;
          }
        } while (nextCombination(idx, k, n));
      }
      if (sep) removal.push([a, b, sep]);
    }
  }
  test.scope?.(null);
  for (const [a, b, S] of removal) {
    if (!g.adjacent(a, b)) continue;
    g.remove(a, b);
    setSepset(sk, p, a, b, S, false);
  }
}

/** Is there an uncovered potentially directed path <a, start, ..., target> avoiding `avoid` (−1: none)? Depth-first over simple paths. */
function uncoveredPdPath(g: MarkGraph, a: number, start: number, target: number, avoid: number, onPath: Uint8Array): boolean {
  const p = g.p;
  const m = g.m;
  // potentially directed edge u-v: no arrowhead at u, no tail at v
  const pd = (u: number, v: number) => m[u * p + v] !== 0 && m[v * p + u] !== ARROW && m[u * p + v] !== TAIL;
  if (!pd(a, start)) return false;
  if (start === target) return true;
  onPath[a] = 1;
  onPath[start] = 1;
  const dfs = (prev: number, cur: number): boolean => {
    for (let nx = 0; nx < p; nx++) {
      if (onPath[nx] || nx === avoid || !pd(cur, nx)) continue;
      if (m[prev * p + nx] !== 0) continue; // uncovered: prev and nx nonadjacent
      if (nx === target) return true;
      onPath[nx] = 1;
      const found = dfs(cur, nx);
      onPath[nx] = 0;
      if (found) return true;
    }
    return false;
  };
  const found = dfs(a, start);
  onPath[a] = 0;
  onPath[start] = 0;
  return found;
}

/**
 * Zhang's R5: an uncovered circle path <a, c, ..., d, b> (every edge o-o) with a, d and b, c
 * nonadjacent, for the circle edge a o-o b; returns it, or null.
 */
function uncoveredCirclePath(g: MarkGraph, a: number, b: number, onPath: Uint8Array): number[] | null {
  const p = g.p;
  const m = g.m;
  const circle = (u: number, v: number) => m[u * p + v] === CIRCLE && m[v * p + u] === CIRCLE;
  const path = [a];
  onPath[a] = 1;
  onPath[b] = 1;
  const dfs = (prev: number, cur: number): boolean => {
    // close the cycle at b: cur is the last inner node d (nonadjacent to a, uncovered at d)
    if (path.length > 2 && circle(cur, b) && !m[a * p + cur] && !m[prev * p + b]) return true;
    for (let nx = 0; nx < p; nx++) {
      if (onPath[nx] || !circle(cur, nx) || m[prev * p + nx] !== 0) continue;
      onPath[nx] = 1;
      path.push(nx);
      if (dfs(cur, nx)) return true;
      path.pop();
      onPath[nx] = 0;
    }
    return false;
  };
  let found = false;
  for (let c = 0; c < p && !found; c++) {
    if (onPath[c] || !circle(a, c) || m[b * p + c]) continue;
    onPath[c] = 1;
    path.push(c);
    found = dfs(a, c);
    if (!found) {
      path.pop();
      onPath[c] = 0;
    }
  }
  for (const v of path) onPath[v] = 0;
  onPath[b] = 0;
  if (!found) return null;
  path.push(b);
  return path;
}

/** R5–R7 (Zhang 2008, selection bias); true when a mark changed. */
function selectionRules(g: MarkGraph, onPath: Uint8Array): boolean {
  const p = g.p;
  const m = g.m;
  let changed = false;
  // R5: a o-o b with an uncovered circle path <a, c, ..., d, b>, a !~ d, b !~ c  =>  a - b and every edge of the path undirected
  for (let a = 0; a < p; a++)
    for (let b = a + 1; b < p; b++) {
      if (m[a * p + b] !== CIRCLE || m[b * p + a] !== CIRCLE) continue;
      const path = uncoveredCirclePath(g, a, b, onPath);
      if (!path) continue;
      g.set(a, b, TAIL, TAIL);
      for (let i = 0; i + 1 < path.length; i++) g.set(path[i], path[i + 1], TAIL, TAIL);
      changed = true;
    }
  for (let b = 0; b < p; b++)
    for (let a = 0; a < p; a++) {
      if (a === b || !m[a * p + b] || m[b * p + a] !== TAIL) continue;
      // R6: a - b, b o-* c  =>  b -* c
      if (m[a * p + b] === TAIL) {
        for (let c = 0; c < p; c++)
          if (c !== a && m[c * p + b] === CIRCLE) {
            m[c * p + b] = TAIL;
            changed = true;
          }
      } else if (m[a * p + b] === CIRCLE) {
        // R7: a -o b, b o-* c, a !~ c  =>  b -* c
        for (let c = 0; c < p; c++)
          if (c !== a && m[c * p + b] === CIRCLE && !m[a * p + c]) {
            m[c * p + b] = TAIL;
            changed = true;
          }
      }
    }
  return changed;
}

/**
 * FCI's orientation rules on a PAG whose skeleton and colliders are final: Zhang's (2008) R1–R4,
 * R5–R7 when `selectionBias`, and R8–R10, until no mark changes. R4 decides whether b is a collider
 * on a discriminating path <theta, ..., a, b, c> from `sepsets` (as `Skeleton.sepsets`); with
 * `ddpTest`, as causal-learn (Tetrad's R4B) first from two tests of theta ⟂ c given the path's inner
 * nodes, with b (independent: non-collider) and without b (independent: collider), and from the
 * sepset only when both reject. Changes `g` in place.
 */
export function orientPag(g: MarkGraph, sepsets: Sepsets, selectionBias: boolean, ddpTest?: { test: CITest; alpha: number }): void {
  const p = g.p;
  const m = g.m;
  const prev = new Int32Array(p); // R4's breadth-first search: the node each one was reached from
  const queue = new Int32Array(p);
  const path: number[] = [];
  /** R4's decision on <theta, ..., a, b, c> (path in `prev`): is b a non-collider? */
  const discriminate = (theta: number, b: number, c: number): boolean => {
    if (ddpTest) {
      path.length = 0;
      for (let v = prev[theta]; v !== b; v = prev[v]) path.push(v);
      path.push(b);
      if (ddpTest.test.pIdx(theta, c, path) > ddpTest.alpha) return true;
      path.pop();
      if (ddpTest.test.pIdx(theta, c, path) > ddpTest.alpha) return false;
    }
    return sepContains(sepsets, p, theta, c, b);
  };
  const M = (i: number, j: number) => m[i * p + j]; // mark at j of edge i-j
  const setMark = (i: number, j: number, v: number) => (m[i * p + j] = v);
  const onPath = new Uint8Array(p);
  const adjOf: number[][] = [];
  for (let i = 0; i < p; i++) adjOf.push(g.adj(i)); // the skeleton is fixed from here on
  let changed = true;
  let guard = 0;
  while (changed && guard++ < 10 * p * p + 100) {
    changed = false;
    for (let b = 0; b < p; b++) {
      const nb = adjOf[b];
      for (const a of nb)
        for (const c of nb) {
          if (c === a) continue;
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
      for (const d of adjOf[b]) {
        if (M(d, b) !== CIRCLE) continue;
        const nb = adjOf[b];
        let done = false;
        for (let i = 0; i < nb.length && !done; i++) {
          const x = nb[i];
          if (x === d || M(x, b) !== ARROW || !g.adjacent(x, d) || M(x, d) !== CIRCLE) continue;
          for (let j = i + 1; j < nb.length && !done; j++) {
            const y = nb[j];
            if (y === d || M(y, b) !== ARROW || !g.adjacent(y, d) || M(y, d) !== CIRCLE || g.adjacent(x, y)) continue;
            setMark(d, b, ARROW);
            changed = true;
            done = true;
          }
        }
      }
    // R4: discriminating paths <theta, ..., a, b, c> for b o-* c
    for (let b = 0; b < p; b++)
      for (const c of adjOf[b]) {
        if (M(c, b) !== CIRCLE) continue;
        for (const a of adjOf[b]) {
          if (a === c || !(g.directed(a, c) && M(b, a) === ARROW)) continue;
          // breadth-first backwards from a over colliders that are parents of c, for theta
          prev.fill(-1);
          prev[a] = b;
          let head = 0;
          let tail = 0;
          queue[tail++] = a;
          let theta = -1;
          while (head < tail && theta < 0) {
            const t = queue[head++];
            for (const d of adjOf[t]) {
              if (d === b || d === c || prev[d] >= 0 || M(d, t) !== ARROW) continue;
              if (!g.adjacent(d, c)) {
                prev[d] = t;
                theta = d;
                break;
              }
              if (g.directed(d, c) && M(t, d) === ARROW) {
                prev[d] = t;
                queue[tail++] = d;
              }
            }
          }
          if (theta < 0) continue;
          if (discriminate(theta, b, c)) {
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
    if (selectionBias && selectionRules(g, onPath)) changed = true;
    // R8–R10 on a o-> c
    for (let a = 0; a < p; a++)
      for (const c of adjOf[a]) {
        if (!(M(c, a) === CIRCLE && M(a, c) === ARROW)) continue;
        let orient = false;
        // R8: a -> b -> c or a -o b -> c
        for (const b of adjOf[a]) {
          if (b === c) continue;
          if (g.directed(b, c) && M(b, a) === TAIL && (M(a, b) === ARROW || M(a, b) === CIRCLE)) {
            orient = true;
            break;
          }
        }
        // R9: uncovered p.d. path <a, b, ..., c> with b !~ c
        if (!orient)
          for (const b of adjOf[a]) {
            if (b === c || g.adjacent(b, c)) continue;
            if (uncoveredPdPath(g, a, b, c, -1, onPath)) {
              orient = true;
              break;
            }
          }
        // R10: b -> c <- d, uncovered p.d. paths a..u..b and a..w..d with u, w distinct and nonadjacent
        if (!orient) {
          const pa = g.parents(c).filter((x) => x !== a);
          const nb = adjOf[a].filter((x) => x !== c);
          if (pa.length >= 2 && nb.length >= 2) {
            // one path search per (first node, parent), not per pair of parents
            const reach = new Uint8Array(nb.length * pa.length);
            for (let k = 0; k < nb.length; k++)
              for (let i = 0; i < pa.length; i++) reach[k * pa.length + i] = uncoveredPdPath(g, a, nb[k], pa[i], c, onPath) ? 1 : 0;
            for (let i = 0; i < pa.length && !orient; i++)
              for (let j = i + 1; j < pa.length && !orient; j++)
                for (let k = 0; k < nb.length && !orient; k++)
                  for (let l = 0; l < nb.length && !orient; l++)
                    if (k !== l && !g.adjacent(nb[k], nb[l]) && reach[k * pa.length + i] && reach[l * pa.length + j]) orient = true;
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
  if (opts.possibleDsep !== undefined && opts.possibleDsep !== "causal-learn" && opts.possibleDsep !== "complete")
    throw new Error(`fci: possibleDsep must be "causal-learn" or "complete", got ${JSON.stringify(opts.possibleDsep)}`);
  if (opts.maxPdsSize !== undefined && !(opts.maxPdsSize >= 0)) throw new Error(`fci: maxPdsSize must be a number >= 0, got ${opts.maxPdsSize}`);
  const sk = skeletonStable(test, p, opts);
  const g = sk.g;
  const ws = new Workspace(p);
  allCircles(g);
  orientColliders(g, sk, opts.knowledge);
  if (opts.possibleDsep === "causal-learn") removeByPdsCL(test, g, sk, opts, ws);
  else removeByPdsComplete(test, g, sk, opts, ws);
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
  orientPag(g, sk.sepsets, !!opts.selectionBias, { test, alpha: opts.alpha });
  return g;
}
