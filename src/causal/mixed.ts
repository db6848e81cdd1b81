/**
 * Mixed discrete + continuous data: a conditional-independence test and a
 * BIC score built on the regression models of Tsagris, Borboudakis, Lagani &
 * Tsamardinos (2018), "Constraint-based causal discovery with mixed data",
 * Int. J. Data Sci. Anal. 6:19–30 (likelihood-ratio tests of nested
 * regressions, made symmetric).
 *
 * Embedding: a continuous variable enters a regression as itself, a discrete
 * one with L levels as L − 1 indicator columns (level 0 is the reference).
 * Regressors that are linear combinations of others (e.g. the indicators of
 * a discrete variable that is a function of another one) are skipped: each
 * regression is on the span of its regressors.
 *
 * Models (the assumptions the p-values rest on):
 * - a continuous response is linear-Gaussian in the embedded regressors
 *   (discrete parents shift its mean additively; one residual variance);
 * - a discrete response is multinomial-logistic in the embedded regressors
 *   (fitted by Newton–Raphson to the maximum likelihood).
 * Rows are independent; the statistics are χ² only asymptotically (n in the
 * hundreds at least, every level seen tens of times).
 *
 * Test of X ⟂ Y | S (`mixedLR`), by the types of X and Y:
 * - both continuous: Fisher's z of the partial correlation given the embedded
 *   S, with n − rank(S) − 3 degrees of freedom; with S all continuous this is
 *   exactly `fisherZ`.
 * - both discrete and S all discrete: G² over the strata of S, exactly
 *   `gSquare` (the saturated multinomial model).
 * - otherwise the likelihood-ratio statistic 2(ℓ₁ − ℓ₀) of the regression of
 *   X on (S, Y) against X on S, and of Y on (S, X) against Y on S, each χ²
 *   with dim(X)·dim(Y) degrees of freedom (dim = 1 for a continuous variable,
 *   L − 1 for a discrete one); the larger of the two p-values is
 *   returned (the conservative symmetrisation of Tsagris et al.). With one
 *   continuous variable this compares a linear (ANOVA-like) and a logistic
 *   regression; with two discrete ones given continuous S, two logistic ones.
 *   A logistic direction whose null fit separates the levels completely
 *   (ℓ₀ > −1e-6: the discrete variable is a function of S in the sample, the
 *   likelihood ratio is degenerate) is left out; when both are left out the
 *   p-value is 1 (nothing left to depend on, as G² with 0 degrees of freedom).
 *
 * Score (`MixedScore`, name "bic-mixed"): the BIC of the same regression of
 * each variable on its embedded parents, ℓ − (k/2)·log n with k the number
 * of free parameters (continuous child: coefficients + intercept + variance,
 * as "bic-g", to which it is identical on continuous data; discrete child:
 * (L − 1)·(dim(parents) + 1)). Decomposable, not score-equivalent.
 */
import { BaseTest, CIResult, GSquare, isPrepared } from "./citest";
import { CausalData, DataInput, DataOptions, prepareData } from "./data";
import { covarianceMatrix } from "./stats";
import { chi2Sf, normSf } from "../core/special";
import { cholesky } from "../core/linalg";
import { DecomposableScore } from "./score";

/** Is each variable discrete (mixed or pure data)? */
function discreteFlags(d: CausalData): boolean[] {
  return d.columnTypes ? d.columnTypes.map((t) => t === "discrete") : d.names.map(() => d.discrete);
}

/**
 * Embedded regressor columns: continuous variables standardised (mean 0,
 * sd 1; likelihood ratios do not change), discrete ones as indicators of
 * levels 1..L−1. `start[v]`, `dim[v]`: the columns of variable v.
 */
class Embedding {
  readonly cols: Float64Array[] = [];
  readonly start: number[] = [];
  readonly dim: number[] = [];
  /** ML variance (divisor n) of each continuous variable's raw column (0 for discrete ones). */
  readonly variance: number[] = [];
  readonly cov: Float64Array;
  readonly q: number;
  constructor(d: CausalData, disc: boolean[]) {
    const n = d.n;
    for (let v = 0; v < d.p; v++) {
      this.start.push(this.cols.length);
      if (disc[v]) {
        const c = d.codes![v];
        const L = d.cards![v];
        for (let l = 1; l < L; l++) {
          const a = new Float64Array(n);
          for (let i = 0; i < n; i++) if (c[i] === l) a[i] = 1;
          this.cols.push(a);
        }
        this.dim.push(L - 1);
        this.variance.push(0);
      } else {
        const x = d.columns[v];
        let m = 0;
        for (let i = 0; i < n; i++) m += x[i];
        m /= n;
        let ss = 0;
        for (let i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
        const sd = Math.sqrt(ss / (n - 1));
        this.cols.push(Float64Array.from(x, (t) => (t - m) / sd));
        this.dim.push(1);
        this.variance.push(ss / n);
      }
    }
    this.q = this.cols.length;
    this.cov = covarianceMatrix(this.cols);
  }
  /** Embedded column indices of the variables vs. */
  of(vs: number[]): number[] {
    const out: number[] = [];
    for (const v of vs) for (let t = 0; t < this.dim[v]; t++) out.push(this.start[v] + t);
    return out;
  }
  /**
   * Covariance of the embedded columns A given the embedded columns Z
   * (Schur complement Σ_AA − Σ_AZ Σ_ZZ⁻ Σ_ZA, |A|×|A|), and the rank of Σ_ZZ.
   * Columns of Z that are (numerically, pivot < 1e-10 of their variance)
   * linear combinations of earlier ones are skipped: the regression is on
   * the span of Z (e.g. the indicators of a discrete variable that is a
   * function of another one).
   */
  conditional(A: number[], Z: number[]): { cov: Float64Array; rank: number } {
    const q = this.q;
    const C = this.cov;
    const a = A.length;
    const k = Z.length;
    const out = new Float64Array(a * a);
    for (let i = 0; i < a; i++) for (let j = 0; j < a; j++) out[i * a + j] = C[A[i] * q + A[j]];
    // Cholesky of Σ_ZZ bordered by Σ_ZA, column by column: W = L⁻¹ Σ_ZA on the kept columns
    const L = new Float64Array(k * k);
    const W = new Float64Array(k * a);
    const kept: number[] = [];
    for (let i = 0; i < k; i++) {
      // row i of L against the kept earlier columns
      for (const m of kept) {
        let s = C[Z[i] * q + Z[m]];
        for (const t of kept) {
          if (t >= m) break;
          s -= L[i * k + t] * L[m * k + t];
        }
        L[i * k + m] = s / L[m * k + m];
      }
      let d = C[Z[i] * q + Z[i]];
      for (const t of kept) d -= L[i * k + t] * L[i * k + t];
      if (!(d > 1e-10 * C[Z[i] * q + Z[i]])) continue;
      L[i * k + i] = Math.sqrt(d);
      for (let j = 0; j < a; j++) {
        let s = C[Z[i] * q + A[j]];
        for (const t of kept) s -= L[i * k + t] * W[t * a + j];
        W[i * a + j] = s / L[i * k + i];
      }
      kept.push(i);
    }
    for (let i = 0; i < a; i++)
      for (let j = 0; j < a; j++) {
        let s = 0;
        for (const t of kept) s += W[t * a + i] * W[t * a + j];
        out[i * a + j] -= s;
      }
    return { cov: out, rank: kept.length };
  }
}

/**
 * Maximised log-likelihood of the multinomial logistic regression of the
 * level codes y (0..K−1, level 0 the reference) on an intercept and the
 * columns X (and the maximising coefficients, beta[k·(|X|+1) + a] for level
 * k + 1 and column a, 0 the intercept). Newton–Raphson from `start` (default
 * the intercept-only MLE), with step halving;
 * stops when an iteration gains < 1e-10·(1 + |ℓ|) (at most 100 iterations;
 * separable data converge towards ℓ's supremum). Each pass over the rows
 * gives ℓ, the gradient and the Hessian at once, and skips the zero entries
 * of a row (indicator columns). O(iterations · n · ((K−1)·nnz(row))²).
 */
export function multinomialLogLik(y: Int32Array, K: number, X: Float64Array[], start?: Float64Array): { logLik: number; beta: Float64Array } {
  const n = y.length;
  const d = X.length + 1;
  const m = K - 1;
  const P = m * d;
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) counts[y[i]]++;
  const beta = new Float64Array(P);
  // intercept-only MLE: log(n_k / n_0); empty levels get a large negative intercept
  if (start) beta.set(start);
  else for (let k = 1; k < K; k++) beta[(k - 1) * d] = Math.log(Math.max(counts[k], 1e-3) / Math.max(counts[0], 1e-3));
  const xi = new Float64Array(d);
  const nz = new Int32Array(d);
  const eta = new Float64Array(m);
  const pr = new Float64Array(m);
  const g = new Float64Array(P);
  const H = new Float64Array(P * P); // −Hessian, lower triangle
  /** ℓ at b; with `derivs`, also its gradient into g and −Hessian into H. */
  const pass = (b: Float64Array, derivs: boolean): number => {
    if (derivs) {
      g.fill(0);
      H.fill(0);
    }
    let ll = 0;
    for (let i = 0; i < n; i++) {
      let nnz = 0;
      xi[0] = 1;
      nz[nnz++] = 0;
      for (let a = 1; a < d; a++) {
        const v = X[a - 1][i];
        xi[a] = v;
        if (v !== 0) nz[nnz++] = a;
      }
      let mx = 0;
      for (let k = 0; k < m; k++) {
        let s = 0;
        for (let u = 0; u < nnz; u++) s += b[k * d + nz[u]] * xi[nz[u]];
        eta[k] = s;
        if (s > mx) mx = s;
      }
      let z = Math.exp(-mx);
      for (let k = 0; k < m; k++) z += (pr[k] = Math.exp(eta[k] - mx));
      ll += (y[i] > 0 ? eta[y[i] - 1] : 0) - mx - Math.log(z);
      if (!derivs) continue;
      for (let k = 0; k < m; k++) pr[k] /= z;
      for (let k = 0; k < m; k++) {
        const r = (y[i] === k + 1 ? 1 : 0) - pr[k];
        for (let u = 0; u < nnz; u++) g[k * d + nz[u]] += r * xi[nz[u]];
        // −Hessian blocks: p_k (δ_kl − p_l) x xᵀ
        for (let l = 0; l <= k; l++) {
          const w = k === l ? pr[k] * (1 - pr[k]) : -pr[k] * pr[l];
          for (let u = 0; u < nnz; u++) {
            const ia = nz[u];
            const wa = w * xi[ia];
            const row = (k * d + ia) * P + l * d;
            const umax = k === l ? u : nnz - 1;
            for (let t = 0; t <= umax; t++) H[row + nz[t]] += wa * xi[nz[t]];
          }
        }
      }
    }
    return ll;
  };
  if (X.length === 0) return { logLik: pass(beta, false), beta };
  let ll = pass(beta, true);
  const step = new Float64Array(P);
  const trial = new Float64Array(P);
  const L = new Float64Array(P * P);
  for (let it = 0; it < 100; it++) {
    // Newton step: (−H) step = g, by Cholesky with a small ridge when needed
    let tr = 0;
    for (let u = 0; u < P; u++) tr += H[u * P + u];
    let ridge = 0;
    let ok = false;
    for (let attempt = 0; attempt < 8 && !ok; attempt++) {
      L.set(H);
      for (let u = 0; u < P; u++) L[u * P + u] += ridge;
      ok = cholesky(L, P, 1e-14) < 0;
      ridge = ridge ? ridge * 100 : (1e-10 * tr) / P + 1e-300;
    }
    if (!ok) break;
    for (let u = 0; u < P; u++) {
      let s = g[u];
      for (let v = 0; v < u; v++) s -= L[u * P + v] * step[v];
      step[u] = s / L[u * P + u];
    }
    for (let u = P - 1; u >= 0; u--) {
      let s = step[u];
      for (let v = u + 1; v < P; v++) s -= L[v * P + u] * step[v];
      step[u] = s / L[u * P + u];
    }
    // step halving; the accepted trial's pass leaves its derivatives in g, H for the next step
    let t = 1;
    let llNew = -Infinity;
    for (let h = 0; h < 30; h++, t /= 2) {
      for (let u = 0; u < P; u++) trial[u] = beta[u] + t * step[u];
      llNew = pass(trial, true);
      if (llNew >= ll) break;
    }
    if (!(llNew >= ll)) break;
    beta.set(trial);
    const gain = llNew - ll;
    ll = llNew;
    // converged, or (complete separation) every level predicted with probability ≈ 1
    if (gain < 1e-10 * (1 + Math.abs(ll)) || ll > -1e-9) break;
  }
  return { logLik: ll, beta };
}

/** Gaussian log-likelihood of n residuals with ML variance s2: −n/2 (log 2π s2 + 1). */
function gaussLogLik(n: number, s2: number): number {
  return (-n / 2) * (Math.log(2 * Math.PI * s2) + 1);
}

/** Shared regression machinery of the mixed test and score: embedding, fitted log-likelihoods (cached). */
class MixedModels {
  readonly disc: boolean[];
  readonly emb: Embedding;
  private llCache = new Map<string, number>();
  /** Multinomial-logit coefficients of the fits of discrete children, by cache key (warm starts). */
  private betaCache = new Map<string, Float64Array>();
  constructor(readonly data: CausalData, readonly fn: string) {
    this.disc = discreteFlags(data);
    if (this.disc.some((b) => b) && (!data.codes || !data.cards)) throw new Error(`${fn}: discrete variables need level codes; prepare the data with prepareData`);
    this.emb = new Embedding(data, this.disc);
  }
  /**
   * Maximised log-likelihood of the regression of `child` on the variables
   * `pa` (sorted, not containing child), and its number of free parameters.
   */
  fit(child: number, pa: number[]): { ll: number; k: number } {
    const n = this.data.n;
    const dimPa = pa.reduce((s, v) => s + this.emb.dim[v], 0);
    const key = `${child}|${pa.join(",")}`;
    const K = this.disc[child] ? this.data.cards![child] : 0;
    let ll = this.llCache.get(key);
    if (ll === undefined) {
      if (K) {
        const f = multinomialLogLik(this.data.codes![child], K, this.emb.of(pa).map((c) => this.emb.cols[c]), this.warmStart(child, pa, K));
        ll = f.logLik;
        this.betaCache.set(key, f.beta);
      } else {
        // c: residual variance of the standardised child; the ML residual variance of the raw column is
        // c · (its ML variance), floored at 1e-12 of it (a child that is a function of its parents)
        const c = this.emb.conditional(this.emb.of([child]), this.emb.of(pa)).cov[0];
        ll = gaussLogLik(n, Math.max(c, 1e-12) * this.emb.variance[child]);
      }
      this.llCache.set(key, ll);
    }
    return { ll, k: K ? (K - 1) * (dimPa + 1) : dimPa + 2 };
  }
  /**
   * Starting coefficients for the logit of `child` on `pa`: those of a fitted
   * subset pa ∖ {v}, with zeros for v's columns (a nested model: fewer Newton
   * steps to the same maximum); undefined when no such fit is cached.
   */
  private warmStart(child: number, pa: number[], K: number): Float64Array | undefined {
    const dim = this.emb.dim;
    const dNew = 1 + pa.reduce((s, u) => s + dim[u], 0);
    for (const v of pa) {
      const b = this.betaCache.get(`${child}|${pa.filter((u) => u !== v).join(",")}`);
      if (!b) continue;
      const dOld = dNew - dim[v];
      const init = new Float64Array((K - 1) * dNew);
      for (let k = 0; k < K - 1; k++) {
        init[k * dNew] = b[k * dOld];
        let pNew = 1;
        let pOld = 1;
        for (const u of pa) {
          if (u !== v) for (let t = 0; t < dim[u]; t++) init[k * dNew + pNew + t] = b[k * dOld + pOld + t];
          if (u !== v) pOld += dim[u];
          pNew += dim[u];
        }
      }
      return init;
    }
    return undefined;
  }
}

function sortedWith(S: number[], v: number): number[] {
  return [...S, v].sort((a, b) => a - b);
}

/** Mixed-data likelihood-ratio CI test; see the module comment. */
export class MixedLR extends BaseTest {
  readonly name = "mixedLR";
  private models: MixedModels;
  private gsq: GSquare | null = null;
  /** Index of each discrete variable in the discrete sub-data of `gsq` (−1 for continuous). */
  private subIndex: number[];
  constructor(data: CausalData) {
    super(data);
    this.models = new MixedModels(data, "mixedLR");
    const disc = this.models.disc;
    this.subIndex = [];
    const dv: number[] = [];
    disc.forEach((b, v) => {
      this.subIndex.push(b ? dv.length : -1);
      if (b) dv.push(v);
    });
    if (dv.length >= 2) {
      const sub: CausalData = {
        names: dv.map((v) => data.names[v]),
        n: data.n,
        p: dv.length,
        discrete: true,
        columns: dv.map((v) => data.columns[v]),
        codes: dv.map((v) => data.codes![v]),
        cards: dv.map((v) => data.cards![v]),
        levels: dv.map((v) => data.levels![v]),
      };
      this.gsq = new GSquare(sub);
    }
  }
  /** Through `test`'s cache, so a query costs one regression pair whichever entry point asks (a fit dwarfs the validation). */
  override pIdx(x: number, y: number, S: number[]): number {
    return this.test(x, y, S).pValue;
  }
  protected compute(x: number, y: number, unsorted: number[]): CIResult {
    const S = unsorted.slice().sort((a, b) => a - b);
    const disc = this.models.disc;
    const emb = this.models.emb;
    const n = this.data.n;
    if (disc[x] && disc[y] && S.every((s) => disc[s])) {
      const sub = this.subIndex;
      return this.gsq!.test(sub[x], sub[y], S.map((s) => sub[s]));
    }
    if (!disc[x] && !disc[y]) {
      const { cov: c, rank } = emb.conditional(emb.of([x, y]), emb.of(S));
      // x or y a function of S (residual variance < 1e-12 of its variance): nothing left to depend on
      if (!(c[0] > 1e-12 && c[3] > 1e-12)) return { pValue: 1, statistic: 0 };
      let r = c[1] / Math.sqrt(c[0] * c[3]);
      if (Math.abs(r) >= 1) r = (1 - 2.220446049250313e-16) * Math.sign(r);
      const dfn = n - rank - 3;
      if (dfn <= 0) return { pValue: 1, statistic: 0 };
      const stat = Math.sqrt(dfn) * Math.abs(0.5 * Math.log((1 + r) / (1 - r)));
      return { pValue: Math.min(1, 2 * normSf(stat)), statistic: stat };
    }
    const dof = emb.dim[x] * emb.dim[y];
    const lr = (child: number, other: number): CIResult | null => {
      const ll0 = this.models.fit(child, S).ll;
      if (disc[child] && ll0 > -1e-6) return null; // complete separation: degenerate direction
      const stat = Math.max(0, 2 * (this.models.fit(child, sortedWith(S, other)).ll - ll0));
      return { pValue: chi2Sf(stat, dof), statistic: stat, dof };
    };
    const a = lr(x, y);
    const b = lr(y, x);
    if (!a || !b) return a ?? b ?? { pValue: 1, statistic: 0, dof };
    return a.pValue >= b.pValue ? a : b;
  }
}

/** Mixed-data BIC (name "bic-mixed"); see the module comment. Cached per (child, parents). */
export class MixedScore implements DecomposableScore {
  readonly name = "bic-mixed";
  readonly p: number;
  readonly n: number;
  evaluations = 0;
  private models: MixedModels;
  private cache = new Map<string, number>();
  constructor(readonly data: CausalData) {
    this.models = new MixedModels(data, "score bic-mixed");
    this.p = data.p;
    this.n = data.n;
  }
  /** Local score of `child` with the given parent indices (order-insensitive). */
  local(child: number, parents: ArrayLike<number>): number {
    const pa = Array.from(parents).sort((a, b) => a - b);
    const key = `${child}|${pa.join(",")}`;
    let v = this.cache.get(key);
    if (v === undefined) {
      const f = this.models.fit(child, pa);
      v = f.ll - (f.k / 2) * Math.log(this.n);
      this.evaluations++;
      this.cache.set(key, v);
    }
    return v;
  }
  /** Total score of a DAG given as parent lists. */
  total(parents: number[][]): number {
    let s = 0;
    for (let i = 0; i < this.p; i++) s += this.local(i, parents[i]);
    return s;
  }
  /** No-op (the discrete scores' counting hints do not apply). */
  hint(): void {}
  /** No-op (see `hint`). */
  prefetch(): void {}
}

/**
 * Mixed-data likelihood-ratio CI test bound to `data` (mixed, or pure
 * continuous / discrete; string columns and `discreteColumns` are discrete).
 */
export function mixedLR(data: DataInput | CausalData, options: DataOptions = {}): MixedLR {
  return new MixedLR(isPrepared(data) ? data : prepareData(data, options, "mixedLR", true));
}
