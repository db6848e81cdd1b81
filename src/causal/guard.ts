/**
 * Guard against deterministic and near-deterministic relations among the
 * columns of a causal data set, run before every structure search.
 *
 * A descriptor computed from others (a ratio of two lengths, a sum of
 * intensities, a copy, a class label derived from a measurement) carries no
 * causal information of its own and breaks the faithfulness assumption every
 * discovery algorithm relies on: conditioning on the parents of a
 * deterministic child makes it independent of everything, so PC / FCI delete
 * true edges and HC / GES / LiNGAM fit a spurious, near-singular model.
 *
 * Policy (documented behaviour of learnStructure and every algorithm):
 * - **error** for exact linear dependence among continuous columns (data.ts
 *   calls collinear.ts `checkCollinear`): the covariance matrix is singular, so partial
 *   correlations, Gaussian scores and LiNGAM's regressions are undefined. The
 *   message names the dependent column and the columns it is a combination of.
 * - **warning** (`meta.warnings` of the learned graph) for a column that is
 *   nearly a function of others, R² ≥ `determinismR2` (default 0.999),
 *   under any of four cheap checks, each an R² of one model:
 *   1. linear: R² of the column on all other continuous columns, from the
 *      correlation matrix (1 − 1/(R⁻¹)ⱼⱼ); catches near-copies and near-linear
 *      combinations;
 *   2. log-linear: the same on log|x| of the continuous columns without zeros;
 *      catches ratios, products and powers (log c = log a − log b);
 *   3. rank-linear: the same on ranks (Spearman); catches monotone transforms
 *      (exp, cube, square root of a positive column);
 *   4. pairwise functional: for every ordered pair, the share of y's variance
 *      left between neighbours in the order of x, an estimate of
 *      E[Var(y | x)] / Var(y) (the nearest-neighbour estimator of Devroye et
 *      al. 2018 for the noise variance; for a discrete y its Gini analogue,
 *      1 − Goodman–Kruskal τ); when x has ties (discrete) only pairs within a
 *      tie are used, so a discrete column that is a function of another scores
 *      exactly 0. Catches non-monotone functions of one column (e.g. x²) once
 *      the sample is dense enough that the function hardly changes between
 *      neighbours (bias ≈ jumps / n).
 *   A message names the column, the fewest columns that explain it (greedy
 *   forward selection for the linear-type checks) and asks to drop one;
 *   one message per set of columns.
 *
 * Not detected: non-monotone functions of two or more columns that are not
 * products or ratios (e.g. sin(a + b)); relations below the threshold.
 *
 * Cost: the linear check reuses the cached covariance (O(p³)); the other
 * three run on at most 2048 rows (an evenly spaced subsample of larger data
 * sets): O(m p² + m log m · p) with m = min(n, 2048).
 *
 * Options (`DeterminismOptions`, part of LearnOptions): `checkDeterminism:
 * false` skips the warnings (the exact-collinearity error stays, since the
 * tests are undefined then); `determinismR2` sets the threshold.
 */
import { explainingColumns, RIDGE } from "./collinear";
import type { CausalData } from "./data";
import { correlationFromCov, covarianceMatrix } from "./stats";
import { invert } from "../core/linalg";

/** Options of the determinism guard (see the module comment). */
export interface DeterminismOptions {
  /** Check for near-deterministic relations and record warnings (default true). */
  checkDeterminism?: boolean;
  /** R² at or above which a column counts as nearly determined by others, in (0, 1) (default 0.999). */
  determinismR2?: number;
}

/** One detected relation: `column` is (nearly) a function of `by`. */
export interface DeterministicRelation {
  column: string;
  by: string[];
  /** R² of `column` on `by` under the check's model (1 − unexplained share for "function"). */
  r2: number;
  /** Which model: linear in the values, in log|values|, in ranks, or any function of one column. */
  check: "linear" | "log-linear" | "rank-linear" | "function";
}

/** Rows used by the log, rank and pairwise checks (evenly spaced subsample above this). */
const MAX_ROWS = 2048;
/**
 * Near-deterministic relations among the columns of `d` (see the module
 * comment for the four checks), one per set of columns, at threshold `r2`.
 */
export function deterministicRelations(d: CausalData, r2 = 0.999): DeterministicRelation[] {
  if (!(r2 > 0 && r2 < 1)) throw new Error(`deterministicRelations: determinismR2 must be in (0, 1), got ${r2}`);
  const out: DeterministicRelation[] = [];
  const seen = new Set<string>();
  const add = (rel: DeterministicRelation) => {
    const key = [rel.column, ...rel.by].sort().join("\u0000");
    if (seen.has(key)) return;
    seen.add(key);
    out.push(rel);
  };
  const isDisc = d.columnTypes ? d.columnTypes.map((t) => t === "discrete") : d.names.map(() => d.discrete);
  const cont = isDisc.flatMap((b, j) => (b ? [] : [j]));
  const rows = sampleRows(d.n);
  const sub = d.columns.map((c) => (rows ? pick(c, rows) : c));
  // order of each column (stable argsort), shared by the rank and pairwise checks
  const order = sub.map((c, j) => (isDisc[j] && d.cards ? countingOrder(c, d.cards[j]) : argsort(c)));
  if (cont.length > 1) {
    const C = !d.columnTypes && !d.discrete && d.cov ? d.cov : covarianceMatrix(cont.map((j) => sub[j]));
    linearCheck(C, cont, d.names, r2, "linear", add);
    const positive = cont.filter((j) => sub[j].indexOf(0) < 0);
    if (positive.length > 1) linearCheck(covarianceMatrix(positive.map((j) => logAbs(sub[j]))), positive, d.names, r2, "log-linear", add);
    linearCheck(covarianceMatrix(cont.map((j) => ranksFrom(sub[j], order[j]))), cont, d.names, r2, "rank-linear", add);
  }
  // unexplained share u[x·p + y] of y given x, all pairs of one x in one pass over row-major values
  const p = d.p;
  const u = neighbourShares(sub, order, isDisc, d.cards);
  for (let y = 0; y < p; y++)
    for (let x = 0; x < p; x++) {
      const v = u[x * p + y];
      if (x !== y && v <= 1 - r2) add({ column: d.names[y], by: [d.names[x]], r2: Math.max(0, 1 - v), check: "function" });
    }
  return out;
}

/** Adds, for each column j of `idx` whose R² on the others (correlation from covariance C over idx) reaches r2, the relation with its explaining columns. */
function linearCheck(C: Float64Array, idx: number[], names: string[], r2: number, check: DeterministicRelation["check"], add: (r: DeterministicRelation) => void): void {
  const k = idx.length;
  const R = correlationFromCov(C, k);
  for (let a = 0; a < k * k; a++) if (!Number.isFinite(R[a])) return; // a constant transformed column: nothing to say
  const A = Float64Array.from(R);
  for (let i = 0; i < k; i++) A[i * k + i] += RIDGE;
  const inv = invert(A, k);
  if (!inv) return;
  for (let j = 0; j < k; j++) {
    const fit = 1 - 1 / (inv[j * k + j] * (1 + RIDGE));
    if (fit < r2) continue;
    const by = explainingColumns(R, k, j, Array.from({ length: k }, (_, i) => i), r2);
    add({ column: names[idx[j]], by: by.map((i) => names[idx[i]]), r2: Math.min(1, fit), check });
  }
}

/** Evenly spaced rows when n > MAX_ROWS, else null (all rows). */
function sampleRows(n: number): Int32Array | null {
  if (n <= MAX_ROWS) return null;
  const rows = new Int32Array(MAX_ROWS);
  for (let t = 0; t < MAX_ROWS; t++) rows[t] = Math.floor((t * n) / MAX_ROWS);
  return rows;
}

function pick(c: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let t = 0; t < rows.length; t++) out[t] = c[rows[t]];
  return out;
}

function logAbs(c: Float64Array): Float64Array {
  const out = new Float64Array(c.length);
  for (let i = 0; i < c.length; i++) out[i] = Math.log(Math.abs(c[i]));
  return out;
}

/**
 * Stable argsort of finite doubles (ties in row order) by LSD radix sort
 * (three passes of 11 bits) on the high 32 bits of the IEEE-754 pattern
 * mapped to an order-preserving unsigned key (negative values: bits flipped;
 * others: sign bit set). Values that agree in those bits (within ~2⁻²⁰
 * relative) keep row order, which the checks cannot tell from exact order.
 * O(n), no comparisons.
 */
function argsort(c: Float64Array): Int32Array {
  const n = c.length;
  const words = new Uint32Array(c.buffer, c.byteOffset, 2 * n); // little-endian: [lo, hi] per value
  const key = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const hi = words[2 * i + 1];
    key[i] = hi >>> 31 ? ~hi >>> 0 : (hi | 0x80000000) >>> 0;
  }
  let order = new Int32Array(n);
  let tmp = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const count = new Int32Array(2049);
  for (let shift = 0; shift < 32; shift += 11) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[((key[i] >>> shift) & 2047) + 1]++;
    for (let d = 0; d < 2048; d++) count[d + 1] += count[d];
    for (let t = 0; t < n; t++) {
      const i = order[t];
      tmp[count[(key[i] >>> shift) & 2047]++] = i;
    }
    const sw = order;
    order = tmp;
    tmp = sw;
  }
  return order;
}

/** Stable order of level codes 0..card−1 by counting sort. O(n + card). */
function countingOrder(codes: Float64Array, card: number): Int32Array {
  const n = codes.length;
  const next = new Int32Array(card + 1);
  for (let i = 0; i < n; i++) next[codes[i] + 1]++;
  for (let l = 0; l < card; l++) next[l + 1] += next[l];
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[next[codes[i]]++] = i;
  return order;
}

/** Average ranks (ties share their mean rank) from a column and its order. */
function ranksFrom(c: Float64Array, order: Int32Array): Float64Array {
  const n = c.length;
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && c[order[j + 1]] === c[order[i]]) j++;
    for (let t = i; t <= j; t++) r[order[t]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

function varianceOf(c: Float64Array): number {
  let s = 0;
  for (let i = 0; i < c.length; i++) s += c[i];
  const mu = s / c.length;
  let q = 0;
  for (let i = 0; i < c.length; i++) q += (c[i] - mu) * (c[i] - mu);
  return q / (c.length - 1);
}

/** Gini impurity 1 − Σ p_l² of level codes 0..card−1 (card from the data when 0). */
function gini(codes: Float64Array, card: number): number {
  let L = card;
  if (!L) for (let i = 0; i < codes.length; i++) L = Math.max(L, codes[i] + 1);
  const cnt = new Float64Array(L);
  for (let i = 0; i < codes.length; i++) cnt[codes[i]]++;
  let s = 0;
  for (let l = 0; l < L; l++) s += (cnt[l] / codes.length) ** 2;
  return 1 - s;
}

/**
 * Neighbouring rows in the order of x used by the pairwise check, as two
 * arrays (a[t], b[t]): when at least half of the neighbouring pairs are ties
 * (x discrete), only the tied pairs (within a level of x), else all of them.
 */
function neighbourPairs(x: Float64Array, order: Int32Array): { a: Int32Array; b: Int32Array } {
  const n = order.length;
  let ties = 0;
  for (let t = 0; t + 1 < n; t++) if (x[order[t]] === x[order[t + 1]]) ties++;
  const within = 2 * ties >= n - 1;
  const m = within ? ties : n - 1;
  const a = new Int32Array(m);
  const b = new Int32Array(m);
  let k = 0;
  for (let t = 0; t + 1 < n; t++) {
    const u = order[t];
    const v = order[t + 1];
    if (within && x[u] !== x[v]) continue;
    a[k] = u;
    b[k++] = v;
  }
  return { a, b };
}

/**
 * For every ordered pair (x, y): the share of y's spread left between
 * neighbours in the order of x (see `neighbourPairs`): mean squared
 * difference / (2 Var y) for a continuous y, share of differing levels /
 * Gini impurity for a discrete y; Infinity where y has no spread or x no
 * pairs. O(m p²).
 */
function neighbourShares(cols: Float64Array[], order: Int32Array[], isDisc: boolean[], cards: number[] | undefined): Float64Array {
  const p = cols.length;
  const spread = cols.map((c, y) => (isDisc[y] ? gini(c, cards ? cards[y] : 0) : 2 * varianceOf(c)));
  const out = new Float64Array(p * p).fill(Infinity);
  for (let x = 0; x < p; x++) {
    const { a, b } = neighbourPairs(cols[x], order[x]);
    if (!a.length) continue;
    for (let y = 0; y < p; y++) {
      if (y === x || !(spread[y] > 0)) continue;
      const v = isDisc[y] ? differing(a, b, cols[y]) : squaredDifferences(a, b, cols[y]);
      out[x * p + y] = v / a.length / spread[y];
    }
  }
  return out;
}

/** Σ (y[a] − y[b])² over the pairs. */
function squaredDifferences(a: Int32Array, b: Int32Array, y: Float64Array): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) {
    const d = y[a[t]] - y[b[t]];
    s += d * d;
  }
  return s;
}

/** Number of pairs whose y levels differ. */
function differing(a: Int32Array, b: Int32Array, y: Float64Array): number {
  let s = 0;
  for (let t = 0; t < a.length; t++) if (y[a[t]] !== y[b[t]]) s++;
  return s;
}

/**
 * The warnings of the guard for learnStructure and the algorithm functions
 * (empty when `checkDeterminism` is false): one message per relation naming
 * the columns and suggesting dropping one.
 */
export function determinismWarnings(d: CausalData, o: DeterminismOptions, fn: string): string[] {
  if (o.checkDeterminism === false) return [];
  const r2 = o.determinismR2 ?? 0.999;
  if (!(typeof r2 === "number" && r2 > 0 && r2 < 1)) throw new Error(`${fn}: determinismR2 must be a number in (0, 1), got ${JSON.stringify(r2)}`);
  return deterministicRelations(d, r2).map((rel) => {
    const by = rel.by.map((c) => `"${c}"`).join(", ");
    const how = rel.check === "function" ? `a function of ${by}` : `${rel.check === "linear" ? "linear" : rel.check === "log-linear" ? "log-linear (a product / ratio / power)" : "monotone-linear (in ranks)"} in ${by}`;
    return `${fn}: column "${rel.column}" is nearly deterministic: ${how} (${rel.check} R² = ${rel.r2 >= 0.999999 ? rel.r2.toFixed(9) : rel.r2.toFixed(6)}); a derived descriptor carries no causal information of its own and breaks faithfulness: drop "${rel.column}" or one of ${by}, or pass checkDeterminism: false`;
  });
}
