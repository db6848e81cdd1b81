/**
 * Decomposable structure scores (higher is better), with cached local scores.
 *
 * - "bic-g": Gaussian BIC, log-likelihood of the linear regression of a node
 *   on its parents at the maximum-likelihood variance minus (|pa| + 2)/2 · log n
 *   (pgmpy's `BICGauss`, bnlearn's "bic-g" up to the parameter count). Computed
 *   from the cached covariance matrix in O(|pa|³), no pass over the data.
 * - "bic-d": discrete BIC/MDL, Σ N_ijk log(N_ijk / N_ij) − ½ log n · q_i (r_i − 1)
 *   (pgmpy's `BIC`, Schwarz 1978).
 * - "bdeu": Bayesian Dirichlet equivalent uniform with equivalent sample size
 *   `ess` (default 1 as bnlearn and causal-learn; pgmpy uses 10; Heckerman,
 *   Geiger & Chickering 1995).
 * - "bge": Bayesian Gaussian equivalent score (Geiger & Heckerman 2002, with
 *   the corrections of Kuipers, Moffa & Heckerman 2014), α_μ = 1,
 *   α_w = p + 2 (bnlearn's defaults), prior mean the sample mean.
 */
import { CausalData, covarianceOf } from "./data";
import { distinctRows } from "./citest";
import { mean } from "./stats";
import { lgamma } from "../core/special";
import { cholesky } from "../core/linalg";

export type ScoreName = "bic-g" | "bic-d" | "bdeu" | "bge";

export interface ScoreOptions {
  /** Equivalent sample size for BDeu (default 1, as bnlearn and causal-learn; pgmpy uses 10). */
  ess?: number;
  /**
   * Expected number of parents per node for a binomial structure prior
   * (each possible parent independently with probability edgePrior / (p − 1)),
   * added to every local score: |pa| log(q) + (p − 1 − |pa|) log(1 − q). causal-learn's
   * BDeu uses 1 (`structure_prior`); default none (uniform over DAGs, as bnlearn).
   */
  edgePrior?: number;
  /** BGe: α_μ (default 1) and α_w (default p + 2). */
  alphaMu?: number;
  alphaW?: number;
}

/**
 * What the score-based searches (search.ts, ges.ts) need of a decomposable
 * score: the local score of a child given its parents (higher is better), and
 * two optional hooks (a hint of the parents about to be extended, and a
 * prefetch of the candidate additions) that only save work. User scores
 * implement it and are passed as `score:` or through `registerScore`
 * (registry.ts).
 */
export interface DecomposableScore {
  readonly name: string;
  readonly p: number;
  local(child: number, parents: ArrayLike<number>): number;
  hint?(child: number, parents: ArrayLike<number>): void;
  prefetch?(child: number, parents: ArrayLike<number>, extra: number[]): void;
}

/** A decomposable score over all-continuous or all-discrete data: `local(child, parents)` with memoisation. */
export class LocalScore implements DecomposableScore {
  readonly name: ScoreName;
  readonly p: number;
  readonly n: number;
  private cache = new Map<number | string, number>();
  evaluations = 0;
  private cov?: Float64Array;
  private R?: Float64Array; // BGe posterior scale matrix
  private bge?: { aMu: number; aW: number; t: number };
  private ess: number;
  private edgePrior?: number;
  private buf: Float64Array;
  private vec: Float64Array;
  private cnt: Int32Array = new Int32Array(0);
  private cfg: Int32Array;
  private rows?: { codes: Int32Array[]; w: Int32Array; m: number };

  constructor(readonly data: CausalData, name: ScoreName | undefined, opts: ScoreOptions = {}) {
    if (data.columnTypes) throw new Error(`score: "${name ?? "auto"}" needs all-continuous or all-discrete data but the data are mixed; use score "bic-mixed"`);
    const s = name ?? (data.discrete ? "bic-d" : "bic-g");
    if ((s === "bic-d" || s === "bdeu") && !data.discrete) throw new Error(`score "${s}" needs discrete data but the columns are continuous; use "bic-g" or "bge"`);
    if ((s === "bic-g" || s === "bge") && data.discrete) throw new Error(`score "${s}" needs continuous data but the columns are discrete (categorical or small integers); use "bic-d" or "bdeu", or pass dataType: "continuous"`);
    if (!["bic-g", "bic-d", "bdeu", "bge"].includes(s)) throw new Error(`score: unknown score "${s}"; expected "bic-g", "bic-d", "bdeu" or "bge"`);
    this.name = s;
    this.p = data.p;
    this.n = data.n;
    this.ess = opts.ess ?? 1;
    if (opts.edgePrior !== undefined && !(opts.edgePrior > 0 && opts.edgePrior < this.p - 1)) throw new Error(`score: edgePrior must be in (0, p - 1 = ${this.p - 1}), got ${opts.edgePrior}`);
    this.edgePrior = opts.edgePrior;
    this.buf = new Float64Array((this.p + 1) * (this.p + 1));
    this.vec = new Float64Array(this.p + 1);
    this.cfg = new Int32Array(this.n);
    if (s === "bic-d" || s === "bdeu") this.rows = distinctRows(data);
    if (s === "bic-g") this.cov = covarianceOf(data);
    if (s === "bge") {
      const p = this.p;
      const n = this.n;
      const aMu = opts.alphaMu ?? 1;
      const aW = opts.alphaW ?? p + 2;
      if (!(aW > p - 1)) throw new Error(`score "bge": alphaW must exceed p - 1 = ${p - 1}, got ${aW}`);
      const t = (aMu * (aW - p - 1)) / (aMu + 1);
      const S = covarianceOf(data); // scatter/(n-1)
      const R = new Float64Array(p * p);
      for (let i = 0; i < p * p; i++) R[i] = S[i] * (n - 1);
      // prior mean ν = sample mean, so the (ν - x̄) term vanishes
      for (let i = 0; i < p; i++) R[i * p + i] += t;
      this.R = R;
      this.bge = { aMu, aW, t };
      void mean;
    }
  }

  /** Local score of `child` with the given parent indices (order-insensitive). */
  local(child: number, parents: ArrayLike<number>): number {
    const key = this.keyOf(child, parents);
    let v = this.cache.get(key);
    if (v === undefined) {
      const pa = Array.from(parents).sort((a, b) => a - b);
      v = this.compute(child, pa);
      if (this.edgePrior !== undefined) {
        const q = this.edgePrior / (this.p - 1);
        v += pa.length * Math.log(q) + (this.p - 1 - pa.length) * Math.log(1 - q);
      }
      this.evaluations++;
      this.cache.set(key, v);
    }
    return v;
  }

  /**
   * Hint for the discrete scores: the next local scores of `child` are mostly
   * for `parents` plus one more variable (a search scoring every candidate
   * addition). Their parent-configuration codes are then built from cached
   * prefix / suffix codes of `parents` in one pass over the rows instead of
   * one pass per parent; the counts (and so the scores) are identical.
   */
  hint(child: number, parents: ArrayLike<number>): void {
    if (!this.rows) return;
    const pa = Array.from(parents).sort((a, b) => a - b);
    const b = this.base;
    if (b && b.child === child && b.pa.length === pa.length && b.pa.every((v, i) => v === pa[i])) return;
    this.base = { child, pa, P: null, Suf: null, sufProd: [] };
  }
  private base?: { child: number; pa: number[]; P: Int32Array[] | null; Suf: Int32Array[] | null; sufProd: number[]; G?: Int32Array };
  private zeros?: Int32Array;

  /**
   * Parent-configuration codes of `pa` (sorted) = base ∪ {e} in the mixed radix of `pa`'s order,
   * from the base's prefix/suffix codes, into this.cfg; false when `pa` is not base plus one.
   */
  private extendBase(child: number, pa: number[]): boolean {
    const t = this.splitOf(child, pa);
    if (t < 0) return false;
    const b = this.base!;
    const m = this.rows!.m;
    const codes = this.rows!.codes;
    const cards = this.data.cards!;
    const Pt = b.P![t]!;
    const St = b.Suf![t]!;
    const sp = b.sufProd[t];
    const e = codes[pa[t]];
    const ke = cards[pa[t]];
    // count child levels per configuration directly (no configuration array)
    const r = cards[child];
    const size = b.sufProd[0] * ke * r;
    if (this.cnt.length < size) this.cnt = new Int32Array(size);
    const c = this.cnt;
    c.fill(0, 0, size);
    const cc = codes[child];
    const w = this.rows!.w;
    countSplit(c, Pt, ke, e, sp, St, r, cc, w, m);
    return true;
  }

  /** Position of the extra element when `pa` (sorted) is the hinted base plus one, its prefix/suffix codes built; -1 otherwise. */
  private splitOf(child: number, pa: number[]): number {
    const b = this.base;
    if (!b || b.child !== child || pa.length !== b.pa.length + 1) return -1;
    const L = b.pa.length;
    // position t of the extra element: pa[0..t) = base[0..t), pa[t+1..] = base[t..]
    let t = 0;
    while (t < L && pa[t] === b.pa[t]) t++;
    for (let u = t; u < L; u++) if (pa[u + 1] !== b.pa[u]) return -1;
    const { codes, m } = this.rows!;
    const cards = this.data.cards!;
    if (!b.P) {
      const z = this.zeros ?? (this.zeros = new Int32Array(m));
      b.P = new Array(L + 1);
      b.Suf = new Array(L + 1);
      b.P[0] = z;
      b.Suf[L] = z;
      b.sufProd = new Array(L + 1);
      b.sufProd[L] = 1;
      for (let u = L - 1; u >= 0; u--) b.sufProd[u] = b.sufProd[u + 1] * cards[b.pa[u]];
    }
    // prefix codes P[t] (base[0..t)) and suffix codes Suf[t] (base[t..L)), built lazily from their neighbours
    if (!b.P[t]) {
      let u = t;
      while (!b.P[u]) u--;
      for (; u < t; u++) {
        const a = new Int32Array(m);
        const prev = b.P[u];
        const cu = codes[b.pa[u]];
        const ku = cards[b.pa[u]];
        mixRadix(a, prev, ku, cu, m);
        b.P[u + 1] = a;
      }
    }
    if (!b.Suf![t]) {
      let u = t;
      while (!b.Suf![u]) u++;
      for (; u > t; u--) {
        const a = new Int32Array(m);
        const next = b.Suf![u];
        const cu = codes[b.pa[u - 1]];
        const mult = b.sufProd[u];
        for (let i = 0; i < m; i++) a[i] = cu[i] * mult + next[i];
        b.Suf![u - 1] = a;
      }
    }
    return t;
  }

  private cntMany = new Int32Array(0);
  /**
   * Score (into the cache) every `child` parent set `parents` ∪ {e}, e in `extra`, not yet cached, four
   * at a time in one pass over the rows (independent count tables, so the increments
   * do not wait on each other). Same values as `local` one by one.
   */
  prefetch(child: number, parents: ArrayLike<number>, extra: number[]): void {
    if (!this.rows) return;
    this.hint(child, parents);
    const b = this.base!;
    const { codes, w, m } = this.rows;
    const cards = this.data.cards!;
    const r = cards[child];
    const L = b.pa.length;
    // suffix radices of the base (sp[t] = Π cards of base[t..L))
    const sp = new Array<number>(L + 1);
    sp[L] = 1;
    for (let u = L - 1; u >= 0; u--) sp[u] = sp[u + 1] * cards[b.pa[u]];
    const q0 = sp[0];
    const pend: { key: number | string; pa: number[]; t: number; q: number; e: number }[] = [];
    for (const e of extra) {
      if (e === child || b.pa.includes(e)) continue;
      const pa = [...b.pa, e].sort((u, v) => u - v);
      const key = this.keyOf(child, pa);
      if (this.cache.has(key)) continue;
      const q = q0 * cards[e];
      if (q * r > 4 * m + 4096) continue;
      pend.push({ key, pa, t: pa.indexOf(e), q, e });
    }
    if (!pend.length) return;
    // G = (configuration of the base) · r + child level, one code per row shared by every candidate;
    // a candidate e counts into G · card(e) + e, then the table is read back in the canonical order
    // of the parent set (configurations in mixed radix of the sorted parents, child level last)
    if (!b.G) {
      const G = new Int32Array(m);
      for (let u = 0; u < L; u++) mixRadix(G, G, cards[b.pa[u]], codes[b.pa[u]], m);
      mixRadix(G, G, r, codes[child], m);
      b.G = G;
    }
    const G = b.G;
    for (let g = 0; g < pend.length; g += 4) {
      const grp = pend.slice(g, g + 4);
      const off = [0, 0, 0, 0];
      let tot = 0;
      for (let u = 0; u < grp.length; u++) {
        off[u] = tot;
        tot += grp[u].q * r;
      }
      if (this.cntMany.length < tot) this.cntMany = new Int32Array(tot);
      const c = this.cntMany;
      c.fill(0, 0, tot);
      if (grp.length === 4) {
        const Ae = codes[grp[0].e], Be = codes[grp[1].e], Ce = codes[grp[2].e], De = codes[grp[3].e];
        const Ak = cards[grp[0].e], Bk = cards[grp[1].e], Ck = cards[grp[2].e], Dk = cards[grp[3].e];
        countExtra4(c, G, w, m, Ae, Ak, off[0], Be, Bk, off[1], Ce, Ck, off[2], De, Dk, off[3]);
      } else for (let u = 0; u < grp.length; u++) countExtra(c, G, w, m, codes[grp[u].e], cards[grp[u].e], off[u]);
      for (let u = 0; u < grp.length; u++) {
        const x = grp[u];
        // canonical table: index ((P·ke + ev)·S + s)·r + k  <-  layout ((P·S + s)·r + k)·ke + ev
        if (this.cnt.length < x.q * r) this.cnt = new Int32Array(x.q * r);
        const dst = this.cnt;
        const ke = cards[x.e];
        const S = sp[x.t];
        const nP = q0 / S;
        canonicalOrder(dst, c, off[u], nP, ke, S, r);
        let v = this.fromCounts(dst, 0, x.q, r, x.q);
        if (this.edgePrior !== undefined) {
          const qq = this.edgePrior / (this.p - 1);
          v += x.pa.length * Math.log(qq) + (this.p - 1 - x.pa.length) * Math.log(1 - qq);
        }
        this.evaluations++;
        this.cache.set(x.key, v);
      }
    }
  }


  /**
   * Cache key of (child, parent set): for p ≤ 47 a number, the parent bit mask (order-free,
   * no sorting) times 64 plus the child; otherwise (or with a repeated parent) a string.
   */
  private keyOf(child: number, parents: ArrayLike<number>): number | string {
    if (this.p <= 47) {
      let lo = 0;
      let hi = 0;
      let dup = false;
      for (let t = 0; t < parents.length; t++) {
        const v = parents[t];
        if (v < 32) {
          const b = 1 << v;
          if (lo & b) dup = true;
          lo |= b;
        } else {
          const b = 1 << (v - 32);
          if (hi & b) dup = true;
          hi |= b;
        }
      }
      if (!dup) return (hi * 4294967296 + (lo >>> 0)) * 64 + child;
    }
    const pa = Array.from(parents).sort((a, b) => a - b);
    return `${child}|${pa.join(",")}`;
  }

  /** Total score of a DAG given as parent lists. */
  total(parents: number[][]): number {
    let s = 0;
    for (let i = 0; i < this.p; i++) s += this.local(i, parents[i]);
    return s;
  }

  private compute(child: number, pa: number[]): number {
    switch (this.name) {
      case "bic-g":
        return this.bicG(child, pa);
      case "bic-d":
      case "bdeu":
        return this.discrete(child, pa);
      case "bge":
        return this.bgeScore(child, pa);
    }
  }

  /** Residual variance (ddof 1 covariance units) of child on parents from a covariance matrix, by Cholesky. */
  private condVar(C: Float64Array, child: number, pa: number[]): number {
    const p = this.p;
    const k = pa.length;
    let v = C[child * p + child];
    if (k === 0) return v;
    const L = this.buf;
    for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) L[i * k + j] = C[pa[i] * p + pa[j]];
    if (cholesky(L, k, 1e-12) >= 0) return NaN;
    const a = this.vec;
    for (let i = 0; i < k; i++) {
      let s = C[pa[i] * p + child];
      for (let m = 0; m < i; m++) s -= L[i * k + m] * a[m];
      a[i] = s / L[i * k + i];
      v -= a[i] * a[i];
    }
    return v;
  }

  private bicG(child: number, pa: number[]): number {
    const n = this.n;
    const cv = this.condVar(this.cov!, child, pa);
    if (!(cv > 0)) return -Infinity; // collinear parents: never choose
    const s2 = (cv * (n - 1)) / n; // MLE variance
    const ll = (-n / 2) * (Math.log(2 * Math.PI * s2) + 1);
    return ll - ((pa.length + 2) / 2) * Math.log(n);
  }

  private discrete(child: number, pa: number[]): number {
    const d = this.data;
    const { codes, w, m } = this.rows!;
    const cards = d.cards!;
    const n = this.n;
    const r = cards[child];
    let q = 1;
    for (const v of pa) q *= cards[v];
    // parent configuration index over the distinct rows; compress when the table would be large
    const cfg = this.cfg;
    let nq = q;
    let counted = false;
    if (pa.length === 0) cfg.fill(0, 0, m);
    else if (q * r <= 4 * m + 4096 && this.extendBase(child, pa)) {
      counted = true; // counts filled from the hinted base (same table as below)
    } else {
      cfg.set(codes[pa[0]].subarray(0, m));
      for (let t = 1; t < pa.length; t++) mixRadix(cfg, cfg, cards[pa[t]], codes[pa[t]], m);
      if (q * r > 4 * m + 4096) {
        const remap = new Map<number, number>();
        for (let i = 0; i < m; i++) {
          let v = remap.get(cfg[i]);
          if (v === undefined) {
            v = remap.size;
            remap.set(cfg[i], v);
          }
          cfg[i] = v;
        }
        nq = remap.size;
      }
    }
    const size = nq * r;
    if (!counted) {
      if (this.cnt.length < size) this.cnt = new Int32Array(size);
      const cc = codes[child];
      const c0 = this.cnt;
      c0.fill(0, 0, size);
      countChild(c0, cfg, r, cc, w, m);
    }
    return this.fromCounts(this.cnt, 0, nq, r, q);
  }

  /** Discrete score from the counts c[off + j·r + k] (configuration j, child level k). */
  private fromCounts(c: Int32Array, off: number, nq: number, r: number, q: number): number {
    if (this.name === "bic-d") {
      let ll = 0;
      for (let j = 0; j < nq; j++) {
        let nj = 0;
        for (let k = 0; k < r; k++) nj += c[off + j * r + k];
        if (nj === 0) continue;
        for (let k = 0; k < r; k++) {
          const v = c[off + j * r + k];
          if (v > 0) ll += v * Math.log(v / nj);
        }
      }
      return ll - 0.5 * Math.log(this.n) * q * (r - 1);
    }
    // BDeu: observed configurations only (unobserved ones contribute 0)
    const alpha = this.ess / q;
    const beta = this.ess / (q * r);
    const lga = lgamma(alpha);
    const lgb = lgamma(beta);
    let s = 0;
    for (let j = 0; j < nq; j++) {
      let nj = 0;
      for (let k = 0; k < r; k++) nj += c[off + j * r + k];
      if (nj === 0) continue;
      s += lga - lgamma(nj + alpha);
      for (let k = 0; k < r; k++) {
        const v = c[off + j * r + k];
        if (v > 0) s += lgamma(v + beta) - lgb;
      }
    }
    return s;
  }

  /** log det of R restricted to `set` (Cholesky), or NaN when not PD. */
  private logDetR(set: number[]): number {
    const R = this.R!;
    const p = this.p;
    const k = set.length;
    const L = this.buf;
    for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) L[i * k + j] = R[set[i] * p + set[j]];
    let ld = 0;
    for (let j = 0; j < k; j++) {
      let d = L[j * k + j];
      for (let m = 0; m < j; m++) d -= L[j * k + m] * L[j * k + m];
      if (!(d > 0)) return NaN;
      d = Math.sqrt(d);
      ld += 2 * Math.log(d);
      L[j * k + j] = d;
      for (let i = j + 1; i < k; i++) {
        let s = L[i * k + j];
        for (let m = 0; m < j; m++) s -= L[i * k + m] * L[j * k + m];
        L[i * k + j] = s / d;
      }
    }
    return ld;
  }

  /** log p(D_Y) for the BGe marginal likelihood of the variables in Y (Kuipers et al. 2014, eq. 2). */
  private bgeLogML(Y: number[]): number {
    const { aMu, aW, t } = this.bge!;
    const N = this.n;
    const p = this.p;
    const l = Y.length;
    if (l === 0) return 0;
    const a = aW - p + l;
    let lmg = 0; // log Γ_l((N + a)/2) - log Γ_l(a/2)
    for (let j = 1; j <= l; j++) lmg += lgamma((N + a - j + 1) / 2) - lgamma((a - j + 1) / 2);
    return (-l * N * Math.log(Math.PI)) / 2 + (l / 2) * Math.log(aMu / (N + aMu)) + lmg + (a / 2) * l * Math.log(t) - ((N + a) / 2) * this.logDetR(Y);
  }

  private bgeScore(child: number, pa: number[]): number {
    const v = this.bgeLogML([...pa, child]) - this.bgeLogML(pa);
    return Number.isFinite(v) ? v : -Infinity;
  }
}

// Counting kernels of the discrete scores: small functions over typed arrays,
// each optimised early and on its own (w: row multiplicities, m rows).

/** out[i] = a[i]·k + c[i] for i < m (one more variable in a mixed-radix code; out may be a). */
function mixRadix(out: Int32Array, a: Int32Array, k: number, c: Int32Array, m: number): void {
  for (let i = 0; i < m; i++) out[i] = a[i] * k + c[i];
}

/** Counts of child level cc per configuration cfg: c[cfg·r + cc] += w. */
function countChild(c: Int32Array, cfg: Int32Array, r: number, cc: Int32Array, w: Int32Array, m: number): void {
  for (let i = 0; i < m; i++) c[cfg[i] * r + cc[i]] += w[i];
}

/** Counts for a base plus one parent e at split position t: configuration (P·ke + e)·sp + St, child level last. */
function countSplit(c: Int32Array, P: Int32Array, ke: number, e: Int32Array, sp: number, St: Int32Array, r: number, cc: Int32Array, w: Int32Array, m: number): void {
  for (let i = 0; i < m; i++) c[((P[i] * ke + e[i]) * sp + St[i]) * r + cc[i]] += w[i];
}

/** Counts of candidate e (levels ke) appended to the shared code G: c[o + G·ke + E] += w. */
function countExtra(c: Int32Array, G: Int32Array, w: Int32Array, m: number, E: Int32Array, ke: number, o: number): void {
  for (let i = 0; i < m; i++) c[o + G[i] * ke + E[i]] += w[i];
}

/** countExtra for four candidates in one pass (independent tables). */
function countExtra4(c: Int32Array, G: Int32Array, w: Int32Array, m: number, A: Int32Array, ka: number, oa: number, B: Int32Array, kb: number, ob: number, C: Int32Array, kc: number, oc: number, D: Int32Array, kd: number, od: number): void {
  for (let i = 0; i < m; i++) {
    const gi = G[i];
    const wi = w[i];
    c[oa + gi * ka + A[i]] += wi;
    c[ob + gi * kb + B[i]] += wi;
    c[oc + gi * kc + C[i]] += wi;
    c[od + gi * kd + D[i]] += wi;
  }
}

/**
 * Table of a candidate counted as ((P·S + s)·r + k)·ke + ev (base prefix P, suffix s, child
 * level k, candidate level ev) from c[o..] into dst in the canonical order ((P·ke + ev)·S + s)·r + k.
 */
function canonicalOrder(dst: Int32Array, c: Int32Array, o: number, nP: number, ke: number, S: number, r: number): void {
  let jc = 0;
  for (let P = 0; P < nP; P++)
    for (let ev = 0; ev < ke; ev++)
      for (let s2 = 0; s2 < S; s2++) {
        const lb = (P * S + s2) * r * ke + ev;
        for (let k = 0; k < r; k++) dst[jc++] = c[o + lb + k * ke];
      }
}
