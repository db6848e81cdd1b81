/**
 * Conditional-independence tests with one interface: a `CITest` answers
 * `pValue(x, y, S)` for H0: X ⟂ Y | S, with variables given by column name
 * or index. Sufficient statistics (correlation matrix, level codes) are
 * computed once per data set; results are cached per (x, y, S).
 *
 * - `fisherZ`: partial correlation with Fisher's z transform (Fisher 1924),
 *   for (approximately) Gaussian continuous data; the statistic and p-value of
 *   causal-learn's `fisherz`.
 * - `gSquare`: likelihood-ratio G² test on contingency tables for discrete
 *   data (Spirtes et al. 2000, §5.4.2), degrees of freedom adjusted for empty
 *   strata/levels (as in Tetrad / bnlearn's "mi" with df adjustment).
 * - `cmiKnn`: nonparametric conditional mutual information estimated with
 *   k-nearest neighbours (Frenzel & Pompe 2007; Kraskov et al. 2004) on
 *   rank-transformed data, p-value from a local permutation test (Runge 2018,
 *   AISTATS); detects nonlinear and non-monotone dependence. O(B·n²) per test.
 */
import { CausalData, covarianceOf, DataInput, DataOptions, prepareData } from "./data";
import { correlationFromCov } from "./stats";
import { chi2Sf, digamma, normSf } from "../core/special";
import { cholesky } from "../core/linalg";
import { Rng } from "../core/random";

export interface CIResult {
  pValue: number;
  statistic: number;
  dof?: number;
}

/**
 * A conditional-independence test bound to one data set. The searches call
 * only `pIdx` (and the optional hooks); to add a test, extend `BaseTest`
 * (supply `compute`; validation and caching come with it) or implement this
 * interface, then pass the object as `test:` or register a factory with
 * `registerCITest` (registry.ts).
 */
export interface CITest {
  readonly name: string;
  readonly data: CausalData;
  /** p-value of H0: x ⟂ y | S (variables by name or column index). */
  pValue(x: number | string, y: number | string, S?: (number | string)[]): number;
  /** p-value and statistic. */
  test(x: number | string, y: number | string, S?: (number | string)[]): CIResult;
  /** Number of tests actually computed (cache misses). */
  readonly count: number;
  /** Fast path for search algorithms: column indices, no validation. */
  pIdx(x: number, y: number, S: number[]): number;
  /** Optional batch of order-1 tests: out[t] = pIdx(x, y, [zs[t]]). */
  pBatch1?(x: number, y: number, zs: number[], out: Float64Array): void;
  /** Optional hint: the next tests involve only `vars` (about `expectedTests` of them); null ends it. Results are unchanged. */
  scope?(vars: number[] | null, expectedTests?: number): void;
}

/**
 * Names of the built-in CI tests (registry.ts resolves them, case-insensitively):
 * the canonical names that `meta.test` reports ("fisherZ", "gSquare", "cmiKnn",
 * "mixedLR" of mixed.ts) and the older aliases "fisherz", "gsq", "cmiknn", "mixed".
 */
export type CITestName = "fisherZ" | "gSquare" | "cmiKnn" | "mixedLR" | "fisherz" | "gsq" | "cmiknn" | "mixed";

/**
 * p-values by positive integer key (< 2^53): open addressing with linear
 * probing in typed arrays (no boxed numbers or Map entries per test);
 * `get` returns -1 for a key not stored. Doubles its capacity at half load.
 */
export class PValueCache {
  /** key, value, key, value, ... (one cache line per probe); key 0 marks an empty slot. */
  private kv: Float64Array;
  private mask: number;
  size = 0;
  constructor(capacity = 1024) {
    let c = 16;
    while (c < 2 * capacity) c *= 2;
    this.kv = new Float64Array(2 * c);
    this.mask = c - 1;
  }
  /** Index (in kv) of the slot holding `key`, or of the empty slot where it would go. */
  private slot(key: number): number {
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    // murmur3's 32-bit finaliser of the two halves (keys are base-(p+1) digit strings: mix every bit)
    let h = lo ^ Math.imul(hi, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    let s = (h ^ (h >>> 16)) & this.mask;
    const kv = this.kv;
    while (kv[2 * s] !== 0 && kv[2 * s] !== key) s = (s + 1) & this.mask;
    return 2 * s;
  }
  get(key: number): number {
    const s = this.slot(key);
    return this.kv[s] === key ? this.kv[s + 1] : -1;
  }
  set(key: number, value: number): void {
    if (!(key > 0 && key < 9007199254740992 && Number.isInteger(key))) throw new Error(`PValueCache: key must be a positive integer below 2^53, got ${key}`);
    const s = this.slot(key);
    if (this.kv[s] !== key) {
      this.kv[s] = key;
      this.size++;
    }
    this.kv[s + 1] = value;
    if (2 * this.size > this.mask) this.grow();
  }
  private grow(): void {
    const old = this.kv;
    this.kv = new Float64Array(2 * old.length);
    this.mask = old.length - 1;
    for (let s = 0; s < old.length; s += 2)
      if (old[s] !== 0) {
        const t = this.slot(old[s]);
        this.kv[t] = old[s];
        this.kv[t + 1] = old[s + 1];
      }
  }
}

/**
 * The variables of a CI query as column indices, validated: x and y distinct,
 * S without x or y; names or indices; errors name the test and the argument.
 */
function ciArguments(test: string, data: CausalData, x: number | string, y: number | string, S: (number | string)[]): [number, number, number[]] {
  const idx = (v: number | string, arg: string): number => {
    if (typeof v === "number") {
      if (!(Number.isInteger(v) && v >= 0 && v < data.p)) throw new Error(`${test}: ${arg} index ${v} out of range 0..${data.p - 1}`);
      return v;
    }
    const i = data.names.indexOf(v);
    if (i < 0) throw new Error(`${test}: ${arg} "${v}" is not a column (columns: ${data.names.join(", ")})`);
    return i;
  };
  const xi = idx(x, "x"), yi = idx(y, "y");
  const Si = S.map((s) => idx(s, "S"));
  if (xi === yi) throw new Error(`${test}: x and y are the same variable "${data.names[xi]}"`);
  if (Si.includes(xi) || Si.includes(yi)) throw new Error(`${test}: the conditioning set contains x or y`);
  return [xi, yi, Si];
}

/**
 * A CI test with validated, cached queries: `test` (names or indices, string
 * cache key) and `pIdx` (the searches' fast path, numeric key); subclasses
 * supply `compute`.
 */
export abstract class BaseTest implements CITest {
  abstract readonly name: string;
  count = 0;
  private cache = new Map<string, CIResult>();
  constructor(readonly data: CausalData) {
    // room for every order-0 and many order-1 tests before the first doubling
    this.pCache = new PValueCache(Math.min(1 << 16, Math.max(1024, data.p * data.p)));
  }
  test(x: number | string, y: number | string, S: (number | string)[] = []): CIResult {
    let [xi, yi, Si] = ciArguments(this.name, this.data, x, y, S);
    if (xi > yi) [xi, yi] = [yi, xi];
    const key = Si.length ? `${xi},${yi}|${Si.slice().sort((a, b) => a - b).join(",")}` : `${xi},${yi}`;
    let r = this.cache.get(key);
    if (!r) {
      r = this.compute(xi, yi, Si);
      this.count++;
      this.cache.set(key, r);
    }
    return r;
  }
  pValue(x: number | string, y: number | string, S: (number | string)[] = []): number {
    return this.test(x, y, S).pValue;
  }
  /** p-values of the fast path by numeric key (see `setKey`). */
  protected pCache: PValueCache;
  private sorted = new Int32Array(0);
  /** Conditioning sets passed to `compute` by the fast path, one reused array per size. */
  private sets: number[][] = [];
  /** Largest conditioning-set size whose key fits (digits in base p + 1 below 9e15). */
  private maxKeySet = -1;
  /**
   * Fast path for the search algorithms: valid, distinct column indices, no
   * validation, numeric cache key (the sorted set packed in base p + 1);
   * `compute` sees S sorted ascending.
   */
  pIdx(x: number, y: number, S: number[]): number {
    const p = this.data.p;
    if (x > y) {
      const t = x;
      x = y;
      y = t;
    }
    const k = S.length;
    if (this.maxKeySet < 0) {
      let m = 0;
      while (Math.pow(p + 1, m + 3) < 9e15) m++;
      this.maxKeySet = m;
      this.sorted = new Int32Array(p);
    }
    if (k > this.maxKeySet) return this.test(x, y, S).pValue;
    // insertion sort (sets are small)
    const b = this.sorted;
    for (let i = 0; i < k; i++) {
      const v = S[i];
      let j = i;
      while (j > 0 && b[j - 1] > v) {
        b[j] = b[j - 1];
        j--;
      }
      b[j] = v;
    }
    // digits x+1, y+1, s+1 in base p + 1 (all nonzero: unique for every set size)
    let key = (x + 1) * (p + 1) + y + 1;
    for (let i = 0; i < k; i++) key = key * (p + 1) + b[i] + 1;
    let v = this.pCache.get(key);
    if (v === -1) {
      let s = this.sets[k];
      if (!s) s = this.sets[k] = new Array<number>(k).fill(0);
      for (let i = 0; i < k; i++) s[i] = b[i];
      v = this.computeP(x, y, s);
      this.count++;
      this.pCache.set(key, v);
    }
    return v;
  }
  /** p-value of `compute` (subclasses may skip building the result object). */
  protected computeP(x: number, y: number, S: number[]): number {
    return this.compute(x, y, S).pValue;
  }
  protected abstract compute(x: number, y: number, S: number[]): CIResult;
}

/** Fisher-z test; see module comment. Needs continuous data. */
export class FisherZ extends BaseTest {
  readonly name = "fisherZ";
  readonly corr: Float64Array;
  private buf: Float64Array;
  private tmpA: Float64Array;
  private tmpB: Float64Array;
  constructor(data: CausalData, corr?: Float64Array) {
    super(data);
    if (data.columnTypes) throw new Error(`fisherZ: needs continuous data but the data are mixed; use the mixed test (mixedLR)`);
    this.corr = corr ?? correlationFromCov(covarianceOf(data), data.p);
    const p = data.p;
    this.buf = new Float64Array(p * p);
    this.tmpA = new Float64Array(p);
    this.tmpB = new Float64Array(p);
  }
  /** Partial correlation of x and y given S from the cached correlation matrix (Cholesky of R_SS; no allocation). */
  partialCorrelation(x: number, y: number, S: number[]): number {
    const R = this.corr;
    const p = this.data.p;
    const k = S.length;
    if (k === 0) return R[x * p + y];
    if (k === 1) {
      const s = S[0];
      const rxy = R[x * p + y];
      const rxs = R[x * p + s];
      const rys = R[y * p + s];
      return (rxy - rxs * rys) / Math.sqrt((1 - rxs * rxs) * (1 - rys * rys));
    }
    // L Lᵀ = R_SS; a = L⁻¹ R_Sx, b = L⁻¹ R_Sy; residual cov = R_xy - a·b etc.
    const L = this.buf;
    for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) L[i * k + j] = R[S[i] * p + S[j]];
    // Unit diagonal (a correlation matrix): the relative pivot tolerance is absolute.
    if (cholesky(L, k, 1e-14) >= 0) {
      throw new Error(`fisherZ: the correlation matrix of the conditioning set {${S.map((s) => this.data.names[s]).join(", ")}} is singular (collinear columns); cannot compute a partial correlation`);
    }
    const a = this.tmpA;
    const b = this.tmpB;
    for (let i = 0; i < k; i++) {
      let sa = R[S[i] * p + x];
      let sb = R[S[i] * p + y];
      for (let m = 0; m < i; m++) {
        sa -= L[i * k + m] * a[m];
        sb -= L[i * k + m] * b[m];
      }
      a[i] = sa / L[i * k + i];
      b[i] = sb / L[i * k + i];
    }
    let cxy = R[x * p + y];
    let cxx = 1;
    let cyy = 1;
    for (let i = 0; i < k; i++) {
      cxy -= a[i] * b[i];
      cxx -= a[i] * a[i];
      cyy -= b[i] * b[i];
    }
    return cxy / Math.sqrt(Math.abs(cxx * cyy));
  }
  /** √(n − |S| − 3) · |atanh r|, or -1 when n − |S| − 3 ≤ 0 (p-value 1, statistic 0). */
  private zStatistic(x: number, y: number, S: number[]): number {
    let r = this.partialCorrelation(x, y, S);
    if (Math.abs(r) >= 1) r = (1 - 2.220446049250313e-16) * Math.sign(r);
    const z = 0.5 * Math.log((1 + r) / (1 - r));
    const dfn = this.data.n - S.length - 3;
    if (dfn <= 0) return -1;
    return Math.sqrt(dfn) * Math.abs(z);
  }
  protected compute(x: number, y: number, S: number[]): CIResult {
    const stat = this.zStatistic(x, y, S);
    if (stat < 0) return { pValue: 1, statistic: 0 };
    return { pValue: Math.min(1, 2 * normSf(stat)), statistic: stat };
  }
  protected computeP(x: number, y: number, S: number[]): number {
    const stat = this.zStatistic(x, y, S);
    return stat < 0 ? 1 : Math.min(1, 2 * normSf(stat));
  }
}

/** G² likelihood-ratio test; see module comment. Needs discrete data. */
export class GSquare extends BaseTest {
  readonly name = "gSquare";
  constructor(data: CausalData) {
    super(data);
    if (!data.discrete || !data.codes || !data.cards) throw new Error(`gSquare: needs discrete data (category labels or small integers); these columns are continuous: use fisherZ or cmiKnn`);
    this.rows = distinctRows(data);
  }
  private cnt = new Int32Array(0);
  private remap = new Int32Array(0);
  private touched = new Int32Array(0);
  private strat = new Int32Array(0);
  private rowS = new Float64Array(0);
  private colS = new Float64Array(0);
  /** Distinct data rows (codes per variable) and their multiplicities: counting runs over distinct rows. */
  private rows: { codes: Int32Array[]; w: Int32Array; m: number };
  /** Joint codes x·card(y) + y per pair over the distinct rows (built on demand; most tests reuse a pair). */
  private pairCodes = new Map<number, Uint16Array>();
  /** Joint codes x·card(y) + y over the rows R (cached per pair while R is current; Int32, uncached, when card(x)·card(y) > 65535). */
  private pair(x: number, y: number, R: { codes: Int32Array[]; m: number }): Uint16Array | Int32Array {
    const cy = this.data.cards![y];
    const { codes, m } = R;
    if (this.data.cards![x] * cy > 65535) {
      const a = new Int32Array(m);
      pairCodes(a, codes[x], codes[y], cy, m);
      return a;
    }
    const cache = R === this.rows ? this.pairCodes : this.scopePairs;
    const key = x * this.data.p + y;
    let a = cache.get(key);
    if (!a) {
      a = new Uint16Array(m);
      pairCodes(a, codes[x], codes[y], cy, m);
      if (cache.size < 4096) cache.set(key, a);
    }
    return a;
  }
  /** Distinct rows over a variable subset (see `scope`), codes indexed by variable; null when none. */
  private scoped: { codes: Int32Array[]; w: Int32Array; m: number } | null = null;
  private inScope = new Uint8Array(0);
  private scopePairs = new Map<number, Uint16Array>();
  /**
   * Hint from a search: the next tests involve only the variables `vars`
   * (about `expectedTests` of them). When that pays, the distinct rows are
   * collapsed once over these variables (with summed multiplicities), so
   * each of those tests counts over fewer rows; the counts are the same.
   * `scope(null)` ends the hint.
   */
  scope(vars: number[] | null, expectedTests = 0): void {
    this.scoped = null;
    this.scopePairs.clear();
    if (!vars) return;
    const { codes, w, m } = this.rows;
    const cards = this.data.cards!;
    if (m < 512 || expectedTests < 2 * vars.length) return;
    if (this.touched.length < m) this.touched = new Int32Array(m);
    const touched = this.touched;
    const ids = Int32Array.from(codes[vars[0]].subarray(0, m));
    let M = cards[vars[0]];
    let prod = 1;
    for (const v of vars) prod *= cards[v];
    if (vars.length > 1 && prod <= 4 * m + 64) {
      // few joint levels: the exact mixed-radix code of all but the last variable, then one
      // renumbering pass through a table of prod entries (small, so it stays in cache)
      for (let t = 1; t < vars.length - 1; t++) appendCodes(ids, codes[vars[t]], cards[vars[t]], m);
      if (this.remap.length < prod) this.remap = new Int32Array(Math.max(prod, 4 * m + 64)).fill(-1);
      const last = vars[vars.length - 1];
      M = refineIds(ids, codes[last], cards[last], this.remap, touched, m);
      if (M > 0.95 * m) return;
    } else {
      // collapse variable by variable: ids stay dense (< m), so a direct table of size ids·card does
      if (this.remap.length < 4 * m + 64) this.remap = new Int32Array(4 * m + 64).fill(-1);
      for (let t = 1; t < vars.length; t++) {
        const cv = codes[vars[t]];
        const kv = cards[vars[t]];
        if (M * kv > this.remap.length) {
          if (M * kv > 1 << 24) return;
          this.remap = new Int32Array(M * kv).fill(-1);
        }
        M = refineIds(ids, cv, kv, this.remap, touched, m);
        // stop when the passes still to make cost more than the tests could still save
        if (expectedTests * (m - M) < 2 * (vars.length - 1 - t) * m || M > 0.95 * m) return;
      }
    }
    // multiplicities and the first row of each collapsed row (ids are numbered in order of first
    // occurrence, so rep ascends and the gathers below read forward)
    const sw = new Int32Array(M);
    const rep = new Int32Array(M);
    for (let i = m - 1; i >= 0; i--) {
      sw[ids[i]] += w[i];
      rep[ids[i]] = i;
    }
    const sc: Int32Array[] = new Array(this.data.p);
    for (const v of vars) {
      const c = codes[v];
      const a = new Int32Array(M);
      for (let u = 0; u < M; u++) a[u] = c[rep[u]];
      sc[v] = a;
    }
    if (this.inScope.length < this.data.p) this.inScope = new Uint8Array(this.data.p);
    this.inScope.fill(0);
    for (const v of vars) this.inScope[v] = 1;
    this.scoped = { codes: sc, w: sw, m: M };
  }
  private cnt4 = new Int32Array(0);
  /**
   * p-values of x ⟂ y | {z} for every z in zs into out (the order-1 tests of one
   * pair in PC), as `pIdx` one by one (same cache, same values); the counts of
   * four tests are taken in one pass over the rows into independent tables.
   */
  pBatch1(x: number, y: number, zs: number[], out: Float64Array): void {
    const p = this.data.p;
    if (x > y) {
      const t = x;
      x = y;
      y = t;
    }
    const cards = this.data.cards!;
    const pend: number[] = [];
    const pkey: number[] = [];
    for (let t = 0; t < zs.length; t++) {
      const key = ((x + 1) * (p + 1) + y + 1) * (p + 1) + zs[t] + 1;
      let v = this.pCache.get(key);
      if (v === -1 && this.readTriple(x, y, zs[t])) {
        // counted before for another test of the same three variables
        v = this.g2(this.tripleBuf, 0, cards[zs[t]], cards[x], cards[y]).pValue;
        this.count++;
        this.pCache.set(key, v);
      }
      if (v !== -1) out[t] = v;
      else {
        pend.push(t);
        pkey.push(key);
      }
    }
    if (!pend.length) return;
    let R = this.rows;
    if (this.scoped) {
      const f = this.inScope;
      let all = f[x] === 1 && f[y] === 1;
      for (let t = 0; all && t < pend.length; t++) all = f[zs[pend[t]]] === 1;
      if (all) R = this.scoped;
    }
    const cx = cards[x];
    const cy = cards[y];
    const cxy = cx * cy;
    const XY = cxy <= 65535 ? this.pair(x, y, R) : null;
    const { codes, w, m: n } = R;
    for (let g = 0; g < pend.length; g += 4) {
      const grp = pend.slice(g, g + 4);
      if (!XY) {
        for (let u = 0; u < grp.length; u++) {
          const t = grp[u];
          const v = this.compute(x, y, [zs[t]]).pValue;
          this.count++;
          this.pCache.set(pkey[g + u], v);
          out[t] = v;
        }
        continue;
      }
      if (grp.length < 4) {
        for (let u = 0; u < grp.length; u++) {
          const t = grp[u];
          const size = cards[zs[t]] * cxy;
          if (this.cnt4.length < size) this.cnt4 = new Int32Array(size);
          const c = this.cnt4;
          c.fill(0, 0, size);
          countZ(c, codes[zs[t]], cxy, XY, w, n);
          this.storeTriple(x, y, zs[t], c, 0);
          const v = this.g2(c, 0, cards[zs[t]], cx, cy).pValue;
          this.count++;
          this.pCache.set(pkey[g + u], v);
          out[t] = v;
        }
        continue;
      }
      const za = codes[zs[grp[0]]], zb = codes[zs[grp[1]]], zc = codes[zs[grp[2]]], zd = codes[zs[grp[3]]];
      const sa = cards[zs[grp[0]]] * cxy, sb = cards[zs[grp[1]]] * cxy, sc = cards[zs[grp[2]]] * cxy, sd = cards[zs[grp[3]]] * cxy;
      const ob = sa, oc = sa + sb, od = sa + sb + sc;
      const tot = od + sd;
      if (this.cnt4.length < tot) this.cnt4 = new Int32Array(tot);
      const c = this.cnt4;
      c.fill(0, 0, tot);
      count4(c, XY, w, n, cxy, za, zb, zc, zd, ob, oc, od);
      const offs = [0, ob, oc, od];
      for (let u = 0; u < 4; u++) {
        const t = grp[u];
        this.storeTriple(x, y, zs[t], c, offs[u]);
        const v = this.g2(c, offs[u], cards[zs[t]], cx, cy).pValue;
        this.count++;
        this.pCache.set(pkey[g + u], v);
        out[t] = v;
      }
    }
  }
  /**
   * Count tables of variable triples, keyed by the sorted triple (a < b < c) and laid out
   * [a][b][c]: the order-1 tests (x, y | z), (x, z | y) and (y, z | x) of PC / FCI read the
   * same counts, so each triple is counted over the rows once.
   */
  private triples = new Map<number, Int32Array>();
  private tripleBuf = new Int32Array(0);
  /** Strides of x, y, z in the stored table of their sorted triple; its key in tripleKey. */
  private tripleStrides(x: number, y: number, z: number, st: Int32Array): number {
    const p = this.data.p;
    const cards = this.data.cards!;
    const a = Math.min(x, y, z);
    const c = Math.max(x, y, z);
    const b = x + y + z - a - c;
    const sv = (v: number) => (v === a ? cards[b] * cards[c] : v === b ? cards[c] : 1);
    st[0] = sv(x);
    st[1] = sv(y);
    st[2] = sv(z);
    this.tripleKey = (a * p + b) * p + c;
    return cards[a] * cards[b] * cards[c];
  }
  private tripleKey = 0;
  private strides = new Int32Array(3);
  /** Store the counts c[off + (zl·cx + xl)·cy + yl] of x, y given z as their triple's table. */
  private storeTriple(x: number, y: number, z: number, c: Int32Array, off: number): void {
    const size = this.tripleStrides(x, y, z, this.strides);
    if (size > 4096) return;
    if (this.triples.size >= 100000) this.triples.clear();
    const T = new Int32Array(size);
    relayout(T, c, off, this.strides, this.data.cards![z], this.data.cards![x], this.data.cards![y], true);
    this.triples.set(this.tripleKey, T);
  }
  /** Fill tripleBuf with the counts of x, y given z (layout (zl·cx + xl)·cy + yl) from a stored triple; false when none. */
  private readTriple(x: number, y: number, z: number): boolean {
    const size = this.tripleStrides(x, y, z, this.strides);
    const T = this.triples.get(this.tripleKey);
    if (!T) return false;
    if (this.tripleBuf.length < size) this.tripleBuf = new Int32Array(size);
    relayout(T, this.tripleBuf, 0, this.strides, this.data.cards![z], this.data.cards![x], this.data.cards![y], false);
    return true;
  }
  protected compute(x: number, y: number, S: number[]): CIResult {
    let R = this.rows;
    if (this.scoped) {
      const f = this.inScope;
      let all = f[x] === 1 && f[y] === 1;
      for (let t = 0; all && t < S.length; t++) all = f[S[t]] === 1;
      if (all) R = this.scoped;
    }
    const { codes, w, m: n } = R;
    const cards = this.data.cards!;
    const cx = cards[x];
    const cy = cards[y];
    const cxy = cx * cy;
    let ns = 1;
    for (const s of S) ns *= cards[s];
    let nStrata = ns;
    const k = S.length;
    // dense table, k = 2 or 3: stratum codes computed inside the counting pass (no strat array)
    const fused = (k === 2 || k === 3) && ns * cxy <= 4 * n + 1024;
    let strat: Int32Array | null = null;
    if (k >= 2 && !fused) {
      if (this.strat.length < n) this.strat = new Int32Array(n);
      strat = this.strat;
      pairCodes(strat, codes[S[0]], codes[S[1]], cards[S[1]], n);
      for (let t = 2; t < k; t++) appendCodes(strat, codes[S[t]], cards[S[t]], n);
      // compress to the observed strata when the full table would be sparse
      if (ns * cxy > 4 * n + 1024) nStrata = this.compressStrata(strat, n, ns);
    }
    const size = nStrata * cxy;
    if (this.cnt.length < size) this.cnt = new Int32Array(size);
    const c = this.cnt;
    c.fill(0, 0, size);
    if (k === 0) {
      // order 0: one pass, no pair codes (later tests of the pair mostly run over scoped rows)
      countPair(c, codes[x], codes[y], cy, w, n);
      return this.g2(c, 0, 1, cx, cy);
    }
    const XY = this.pair(x, y, R);
    if (k === 1) countZ(c, codes[S[0]], cxy, XY, w, n);
    else if (fused && k === 2) countZ2(c, codes[S[0]], cards[S[1]], codes[S[1]], cxy, XY, w, n);
    else if (fused) countZ3(c, codes[S[0]], cards[S[1]], codes[S[1]], cards[S[2]], codes[S[2]], cxy, XY, w, n);
    else countZ(c, strat!, cxy, XY, w, n);
    return this.g2(c, 0, nStrata, cx, cy);
  }

  /** Renumber the stratum codes strat[0..n) (all < ns) as 0..m-1 in ascending code order (the dense table's order: same sums); returns m. */
  private compressStrata(strat: Int32Array, n: number, ns: number): number {
    if (ns > 1 << 24) {
      const keys = Array.from(new Set(strat.subarray(0, n))).sort((a, b) => a - b);
      const mp = new Map<number, number>(keys.map((key, t) => [key, t]));
      for (let i = 0; i < n; i++) strat[i] = mp.get(strat[i])!;
      return mp.size;
    }
    if (this.remap.length < ns) this.remap = new Int32Array(ns).fill(-1);
    if (this.touched.length < n) this.touched = new Int32Array(n);
    const rm = this.remap;
    const touched = this.touched;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const key = strat[i];
      if (rm[key] < 0) {
        rm[key] = 0;
        touched[m++] = key;
      }
    }
    const tk = touched.subarray(0, m).sort();
    for (let t = 0; t < m; t++) rm[tk[t]] = t;
    for (let i = 0; i < n; i++) strat[i] = rm[strat[i]];
    for (let t = 0; t < m; t++) rm[tk[t]] = -1; // reset only the touched entries
    return m;
  }

  /** G² and its p-value from the counts c[off + (s·cx + a)·cy + b] of nStrata strata. */
  private g2(c: Int32Array, off: number, nStrata: number, cx: number, cy: number): CIResult {
    const cxy = cx * cy;
    let g = 0;
    let dof = 0;
    if (this.rowS.length < cx) this.rowS = new Float64Array(cx);
    if (this.colS.length < cy) this.colS = new Float64Array(cy);
    const rowS = this.rowS;
    const colS = this.colS;
    for (let s = 0; s < nStrata; s++) {
      const base = off + s * cxy;
      for (let a = 0; a < cx; a++) rowS[a] = 0;
      for (let b = 0; b < cy; b++) colS[b] = 0;
      let tot = 0;
      for (let a = 0; a < cx; a++)
        for (let b = 0; b < cy; b++) {
          const v = c[base + a * cy + b];
          rowS[a] += v;
          colS[b] += v;
          tot += v;
        }
      if (tot === 0) continue;
      let nr = 0;
      let nc = 0;
      for (let a = 0; a < cx; a++) if (rowS[a] > 0) nr++;
      for (let b = 0; b < cy; b++) if (colS[b] > 0) nc++;
      dof += Math.max(0, nr - 1) * Math.max(0, nc - 1);
      for (let a = 0; a < cx; a++)
        for (let b = 0; b < cy; b++) {
          const o = c[base + a * cy + b];
          if (o > 0) g += o * Math.log((o * tot) / (rowS[a] * colS[b]));
        }
    }
    g *= 2;
    if (dof <= 0) return { pValue: 1, statistic: g, dof: 0 };
    return { pValue: chi2Sf(g, dof), statistic: g, dof };
  }
}

// Counting kernels of the G² test: small functions over typed arrays, so that
// each is optimised early and on its own (XY = x·card(y) + y per row, w the
// row multiplicities; the table c is indexed stratum·cxy + XY).

/** out[i] = a[i]·kb + b[i] for i < n. */
function pairCodes(out: Uint16Array | Int32Array, a: Int32Array, b: Int32Array, kb: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * kb + b[i];
}

/** codes[i] = codes[i]·k + c[i] for i < n (one more variable in a mixed-radix code). */
function appendCodes(codes: Int32Array, c: Int32Array, k: number, n: number): void {
  for (let i = 0; i < n; i++) codes[i] = codes[i] * k + c[i];
}

function countPair(c: Int32Array, X: Int32Array, Y: Int32Array, cy: number, w: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) c[X[i] * cy + Y[i]] += w[i];
}

/** Stratum Z[i] (a variable's codes or combined stratum codes). */
function countZ(c: Int32Array, Z: Int32Array, cxy: number, XY: Uint16Array | Int32Array, w: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) c[Z[i] * cxy + XY[i]] += w[i];
}

function countZ2(c: Int32Array, c0: Int32Array, k1: number, c1: Int32Array, cxy: number, XY: Uint16Array | Int32Array, w: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) c[(c0[i] * k1 + c1[i]) * cxy + XY[i]] += w[i];
}

function countZ3(c: Int32Array, c0: Int32Array, k1: number, c1: Int32Array, k2: number, c2: Int32Array, cxy: number, XY: Uint16Array | Int32Array, w: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) c[((c0[i] * k1 + c1[i]) * k2 + c2[i]) * cxy + XY[i]] += w[i];
}

/** Four order-1 tables in one pass: strata za..zd, tables at offsets 0, ob, oc, od. */
function count4(c: Int32Array, XY: Uint16Array | Int32Array, w: Int32Array, n: number, cxy: number, za: Int32Array, zb: Int32Array, zc: Int32Array, zd: Int32Array, ob: number, oc: number, od: number): void {
  for (let i = 0; i < n; i++) {
    const xy = XY[i];
    const wi = w[i];
    c[za[i] * cxy + xy] += wi;
    c[ob + zb[i] * cxy + xy] += wi;
    c[oc + zc[i] * cxy + xy] += wi;
    c[od + zd[i] * cxy + xy] += wi;
  }
}

/**
 * Copy between a triple's table T (strides st of x, y, z) and a test's table c from offset
 * off (layout (zl·cx + xl)·cy + yl): into T when toTriple, else into c.
 */
function relayout(T: Int32Array, c: Int32Array, off: number, st: Int32Array, cz: number, cx: number, cy: number, toTriple: boolean): void {
  const sx = st[0];
  const sy = st[1];
  const sz = st[2];
  let j = off;
  for (let zl = 0; zl < cz; zl++)
    for (let xl = 0; xl < cx; xl++)
      for (let yl = 0; yl < cy; yl++) {
        const k = zl * sz + xl * sx + yl * sy;
        if (toTriple) T[k] = c[j++];
        else c[j++] = T[k];
      }
}

/**
 * Refine dense ids by one more variable: ids[i] ← rank of (ids[i], cv[i]) in
 * order of first occurrence; rm (all -1, size ≥ max id·kv) is restored.
 * Returns the number of distinct ids.
 */
function refineIds(ids: Int32Array, cv: Int32Array, kv: number, rm: Int32Array, touched: Int32Array, m: number): number {
  let next = 0;
  for (let i = 0; i < m; i++) {
    const key = ids[i] * kv + cv[i];
    let v = rm[key];
    if (v < 0) {
      v = rm[key] = next;
      touched[next++] = key;
    }
    ids[i] = v;
  }
  for (let u = 0; u < next; u++) rm[touched[u]] = -1;
  return next;
}

/**
 * Distinct rows of discrete data with multiplicities (counts are sums over
 * distinct rows, so large samples of few-level variables count fast), in
 * order of first occurrence. Falls back to the raw rows when there are hardly
 * any duplicates. Rows are compared exactly through group codes: the columns
 * are split into runs whose level counts multiply to < 2³¹, each run's levels
 * packed into one int32 per row; a direct table over that code (one run,
 * fewer than 4n joint levels) or a typed-array hash table (open addressing)
 * over the codes finds the repeats. O(n·p) time, O(n) extra memory.
 */
export function distinctRows(d: CausalData): { codes: Int32Array[]; w: Int32Array; m: number } {
  const n = d.n;
  const p = d.p;
  const codes = d.codes!;
  const cards = d.cards!;
  const ident = () => ({ codes, w: new Int32Array(n).fill(1), m: n });
  if (n < 2000) return ident();
  const groups = rowGroupCodes(codes, cards, n);
  const first = new Int32Array(n); // distinct row -> its first data row
  const w = new Int32Array(n);
  let prod = 1;
  for (const k of cards) prod *= k;
  const m = groups.length === 1 && prod <= 4 * n ? distinctByCode(groups[0], prod, first, w) : distinctByHash(groups, first, w);
  if (m > 0.7 * n) return ident();
  const out: Int32Array[] = [];
  for (let j = 0; j < p; j++) {
    const c = codes[j];
    const a = new Int32Array(m);
    for (let u = 0; u < m; u++) a[u] = c[first[u]];
    out.push(a);
  }
  return { codes: out, w: w.slice(0, m), m };
}

/** Distinct rows when one exact code < prod identifies a row: a direct table of prod entries. Fills first / w, returns the count. */
function distinctByCode(code: Int32Array, prod: number, first: Int32Array, w: Int32Array): number {
  const n = code.length;
  const table = new Int32Array(prod).fill(-1); // code -> index of its distinct row
  let m = 0;
  for (let i = 0; i < n; i++) {
    const u = table[code[i]];
    if (u < 0) {
      table[code[i]] = m;
      first[m] = i;
      w[m++] = 1;
    } else w[u]++;
  }
  return m;
}

/** Distinct rows by a hash of the group codes (open addressing, exact comparison). Fills first / w, returns the count. */
function distinctByHash(groups: Int32Array[], first: Int32Array, w: Int32Array): number {
  const G = groups.length;
  const n = groups[0].length;
  const h = new Int32Array(n);
  for (let g = 0; g < G; g++) {
    const c = groups[g];
    for (let i = 0; i < n; i++) {
      const v = Math.imul(h[i] ^ c[i], 0x9e3779b1);
      h[i] = v ^ (v >>> 15);
    }
  }
  let size = 16;
  while (size < 2 * n) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size).fill(-1); // slot -> index of a distinct row
  let m = 0;
  const g0 = groups[0];
  for (let i = 0; i < n; i++) {
    const hi = h[i];
    let s = hi & mask;
    for (;;) {
      const u = table[s];
      if (u < 0) {
        table[s] = m;
        first[m] = i;
        w[m++] = 1;
        break;
      }
      const f = first[u];
      if (h[f] === hi && g0[f] === g0[i]) {
        let same = true;
        for (let g = 1; g < G && same; g++) same = groups[g][f] === groups[g][i];
        if (same) {
          w[u]++;
          break;
        }
      }
      s = (s + 1) & mask;
    }
  }
  return m;
}

/** Per row, one int32 code per run of columns whose level counts multiply to < 2³¹ (exact: equal codes in every run ⇔ equal rows). */
function rowGroupCodes(codes: Int32Array[], cards: number[], n: number): Int32Array[] {
  const groups: Int32Array[] = [];
  let cur: Int32Array | null = null;
  let prod = 1;
  for (let j = 0; j < codes.length; j++) {
    const k = cards[j];
    const c = codes[j];
    if (!cur || prod * k > 2147483647) {
      cur = new Int32Array(n);
      groups.push(cur);
      prod = 1;
    }
    prod *= k;
    for (let i = 0; i < n; i++) cur[i] = cur[i] * k + c[i];
  }
  return groups;
}

function ranks(x: Float64Array): Float64Array {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]] === x[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 / (n - 1);
    i = j + 1;
  }
  return r;
}

export interface CmiKnnOptions {
  /** Neighbours for the CMI estimate (default max(5, n/20), ≤ 50). */
  k?: number;
  /** Neighbours in Z-space for the local permutation (default 5). */
  kPerm?: number;
  /** Permutations (default 200). */
  permutations?: number;
  /** Use at most this many rows (random subsample with `seed`; default 1000). */
  maxRows?: number;
  seed?: number;
}

/** Nonparametric CMI test (kNN estimate + local permutation); see module comment. */
export class CmiKnn extends BaseTest {
  readonly name = "cmiKnn";
  private u: Float64Array[];
  private n: number;
  private k: number;
  private kPerm: number;
  private B: number;
  private seed: number;
  /** Cached per-variable |u_i - u_j| matrices (Float32, n×n), built on first use. */
  private dist = new Map<number, Float32Array>();
  private kbuf: Float64Array;
  constructor(data: CausalData, opts: CmiKnnOptions = {}) {
    super(data);
    const rng = new Rng(opts.seed ?? 0);
    const maxRows = opts.maxRows ?? 1000;
    let rows: number[] | null = null;
    if (data.n > maxRows) rows = rng.shuffle(Array.from({ length: data.n }, (_, i) => i)).slice(0, maxRows);
    const jr = new Rng((opts.seed ?? 0) + 17);
    this.u = data.columns.map((c) => {
      const sub = rows ? Float64Array.from(rows, (i) => c[i]) : c;
      // ranks (copula transform) + tiny jitter to break ties (discrete codes)
      const r = ranks(sub);
      for (let i = 0; i < r.length; i++) r[i] += 1e-6 * jr.uniform();
      return r;
    });
    this.n = rows ? rows.length : data.n;
    this.k = opts.k ?? Math.min(50, Math.max(5, Math.round(this.n / 20)));
    this.kPerm = opts.kPerm ?? 5;
    this.B = opts.permutations ?? 200;
    this.seed = opts.seed ?? 0;
    this.kbuf = new Float64Array(this.k);
  }
  private D(v: number): Float32Array {
    let m = this.dist.get(v);
    if (!m) {
      const n = this.n;
      const u = this.u[v];
      m = new Float32Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = Math.abs(u[i] - u[j]);
      this.dist.set(v, m);
    }
    return m;
  }
  /** CMI estimate with x permuted by `perm` (identity when null). */
  private cmi(Dx: Float32Array, perm: Int32Array | null, Dy: Float32Array, Dz: Float32Array[], row: Float64Array): number {
    const n = this.n;
    const k = this.k;
    const dz = Dz.length;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const pi = perm ? perm[i] * n : i * n;
      const ii = i * n;
      for (let j = 0; j < n; j++) {
        let d = Dx[pi + (perm ? perm[j] : j)];
        const e = Dy[ii + j];
        if (e > d) d = e;
        for (let m = 0; m < dz; m++) {
          const f = Dz[m][ii + j];
          if (f > d) d = f;
        }
        row[j] = d;
      }
      row[i] = Infinity;
      const eps = kthSmallest(row, n, k, this.kbuf);
      let nxz = 0;
      let nyz = 0;
      let nz = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        let z = 0;
        for (let m = 0; m < dz; m++) {
          const f = Dz[m][ii + j];
          if (f > z) z = f;
        }
        if (z >= eps) continue;
        nz++;
        if (Dx[pi + (perm ? perm[j] : j)] < eps) nxz++;
        if (Dy[ii + j] < eps) nyz++;
      }
      if (dz === 0) sum += digamma(n) - digamma(nxz + 1) - digamma(nyz + 1);
      else sum += digamma(nz + 1) - digamma(nxz + 1) - digamma(nyz + 1);
    }
    return digamma(k) + sum / n;
  }
  protected compute(x: number, y: number, S: number[]): CIResult {
    const n = this.n;
    const row = new Float64Array(n);
    const Dx = this.D(x);
    const Dy = this.D(y);
    const Dz = S.map((s) => this.D(s));
    const obs = this.cmi(Dx, null, Dy, Dz, row);
    const rng = new Rng(this.seed * 7919 + x * 131 + y * 31 + S.reduce((a, s) => a * 17 + s, 3));
    // neighbour lists in Z-space for the local permutation (Runge 2018)
    let nbrs: Int32Array[] | null = null;
    if (S.length) {
      const kp = Math.min(this.kPerm, n - 1);
      nbrs = [];
      const order = Int32Array.from({ length: n }, (_, j) => j);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let z = 0;
          for (const D of Dz) {
            const f = D[i * n + j];
            if (f > z) z = f;
          }
          row[j] = z + 1e-12 * rng.uniform();
        }
        order.sort((a, b) => row[a] - row[b]);
        nbrs.push(order.slice(0, kp + 1));
      }
    }
    const perm = new Int32Array(n);
    const used = new Uint8Array(n);
    const visit = Int32Array.from({ length: n }, (_, i) => i);
    let ge = 0;
    let b = 0;
    for (; b < this.B; b++) {
      if (!nbrs) {
        for (let i = 0; i < n; i++) perm[i] = i;
        rng.shuffle(perm);
      } else {
        used.fill(0);
        rng.shuffle(visit);
        for (const i of visit) {
          const nb = nbrs[i];
          let pick = -1;
          const start = rng.int(nb.length);
          for (let t = 0; t < nb.length; t++) {
            const j = nb[(start + t) % nb.length];
            if (!used[j]) {
              pick = j;
              break;
            }
          }
          if (pick < 0) pick = nb[rng.int(nb.length)];
          else used[pick] = 1;
          perm[i] = pick;
        }
      }
      if (this.cmi(Dx, perm, Dy, Dz, row) >= obs) ge++;
      // sequential early stop once the p-value is clearly large (Besag & Clifford 1991)
      if (ge >= 20 && b >= 40) {
        b++;
        break;
      }
    }
    return { pValue: (ge + 1) / (b + 1), statistic: obs };
  }
}

function kthSmallest(a: Float64Array, n: number, k: number, buf: Float64Array): number {
  // partial selection: keep the k smallest in a small sorted buffer
  buf.fill(Infinity);
  for (let j = 0; j < n; j++) {
    const v = a[j];
    if (v >= buf[k - 1]) continue;
    let t = k - 1;
    while (t > 0 && buf[t - 1] > v) {
      buf[t] = buf[t - 1];
      t--;
    }
    buf[t] = v;
  }
  return buf[k - 1];
}

/** Fisher-z CI test bound to `data` (continuous columns). */
export function fisherZ(data: DataInput | CausalData, options: DataOptions = {}): FisherZ {
  const d = isPrepared(data) ? data : prepareData(data, { ...options, dataType: "continuous" }, "fisherZ");
  return new FisherZ(d);
}

/** G² CI test bound to `data` (discrete columns). */
export function gSquare(data: DataInput | CausalData, options: DataOptions = {}): GSquare {
  const d = isPrepared(data) ? data : prepareData(data, { ...options, dataType: "discrete" }, "gSquare");
  return new GSquare(d);
}

/** Nonparametric kNN-CMI permutation CI test bound to `data`. */
export function cmiKnn(data: DataInput | CausalData, options: CmiKnnOptions & DataOptions = {}): CmiKnn {
  const d = isPrepared(data) ? data : prepareData(data, options, "cmiKnn");
  return new CmiKnn(d, options);
}

export function isPrepared(d: unknown): d is CausalData {
  const o = d as CausalData;
  return !!o && Array.isArray(o.names) && Array.isArray(o.columns) && typeof o.n === "number" && typeof o.p === "number" && typeof o.discrete === "boolean";
}
