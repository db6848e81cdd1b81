/**
 * Predictive model comparison from posterior draws: WAIC (Watanabe 2010)
 * and Pareto-smoothed importance-sampling leave-one-out cross-validation
 * (PSIS-LOO; Vehtari, Gelman & Gabry, Stat. Comput. 27, 1413, 2017; the
 * Pareto fit of Zhang & Stephens, Technometrics 51, 316, 2009, with the
 * weakly informative prior of Vehtari et al.), each an estimate of the
 * expected log pointwise predictive density (elpd, log scale: higher is
 * better) with its standard error √(n·var(elpdᵢ)) and the effective number
 * of parameters. The algorithms and constants are ArviZ 0.23's `waic`,
 * `loo` and `psislw` (tests/bayes/loo.test.ts compares to ~1e-10).
 * Input: the log-likelihood matrix, one row per posterior draw (S rows, all
 * chains), one column per observation (n). Cost O(S·n) for WAIC and
 * O(n·S log S) for PSIS-LOO.
 */

/** WAIC or PSIS-LOO on the log scale: elpd (sum), its standard error, the effective number of parameters, the pointwise elpdᵢ. */
export interface ElpdResult {
  method: "waic" | "loo";
  elpd: number;
  se: number;
  /** p_waic = Σ var_s log p(yᵢ | θ_s); p_loo = lppd − elpd_loo. */
  p: number;
  pointwise: Float64Array;
  /** PSIS-LOO: the Pareto shape k̂ per observation (Infinity when the tail has ≤ 4 draws). */
  paretoK?: Float64Array;
  /** PSIS-LOO: min(1 − 1/log10 S, 0.7); observations above it make the estimate unreliable. WAIC: 0.4, the bound on var log p(yᵢ | θ). */
  threshold: number;
  /** Observations whose k̂ (LOO) or posterior variance of log p(yᵢ | θ) (WAIC) exceeds the threshold. */
  flagged: number[];
}

function checkMatrix(logLik: ArrayLike<number>[], where: string): { S: number; n: number } {
  if (!Array.isArray(logLik) || logLik.length < 2) throw new RangeError(`${where}(logLik): expected at least 2 rows (one per posterior draw), got ${Array.isArray(logLik) ? logLik.length : typeof logLik}`);
  const S = logLik.length, n = logLik[0]?.length ?? 0;
  if (!(n >= 1)) throw new RangeError(`${where}(logLik[0]): expected one log-likelihood value per observation`);
  for (let s = 0; s < S; s++) {
    const row = logLik[s];
    if (!row || row.length !== n) throw new RangeError(`${where}(logLik[${s}]): has ${row?.length} values, row 0 has ${n}`);
    for (let i = 0; i < n; i++) if (!Number.isFinite(row[i])) throw new RangeError(`${where}(logLik[${s}][${i}]) is not finite (${row[i]})`);
  }
  return { S, n };
}

/** log Σ exp(x) − log(bInv) over x (ArviZ's _logsumexp). */
function logSumExp(x: ArrayLike<number>, bInv = 1): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]);
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] - max);
  return Math.log(s) + max - Math.log(bInv);
}

function column(logLik: ArrayLike<number>[], i: number): Float64Array {
  return Float64Array.from(logLik, (row) => row[i]);
}

function total(x: Float64Array): { sum: number; se: number } {
  let s = 0;
  for (const v of x) s += v;
  const m = s / x.length;
  let v2 = 0;
  for (const v of x) v2 += (v - m) ** 2;
  return { sum: s, se: Math.sqrt(v2) }; // √(n · var) with var over n
}

/**
 * WAIC: elpdᵢ = log mean_s p(yᵢ | θ_s) − var_s log p(yᵢ | θ_s) (variance
 * over draws, ddof 0), elpd = Σ elpdᵢ. Reference: Watanabe, JMLR 11, 3571
 * (2010); Vehtari et al. (2017) eq. 10–12.
 *
 * @example const w = waic(draws.map((theta) => y.map((yi, i) => logNormalPdf(yi, mu(theta, i), sigma(theta)))));
 */
export function waic(logLik: ArrayLike<number>[]): ElpdResult {
  const { S, n } = checkMatrix(logLik, "waic");
  const pointwise = new Float64Array(n), flagged: number[] = [];
  let p = 0;
  for (let i = 0; i < n; i++) {
    const c = column(logLik, i);
    let m = 0;
    for (const v of c) m += v;
    m /= S;
    let v2 = 0;
    for (const v of c) v2 += (v - m) ** 2;
    const varLpd = v2 / S;
    if (varLpd > 0.4) flagged.push(i);
    p += varLpd;
    pointwise[i] = logSumExp(c, S) - varLpd;
  }
  const { sum, se } = total(pointwise);
  return { method: "waic", elpd: sum, se, p, pointwise, threshold: 0.4, flagged };
}

/** Generalised Pareto fit of sorted positive exceedances (Zhang & Stephens 2009 with Vehtari et al.'s prior on k): [k, σ]. */
function gpdFit(x: Float64Array): [number, number] {
  const n = x.length, priorBs = 3, priorK = 10, m = 30 + Math.floor(Math.sqrt(n));
  const b = new Float64Array(m), kk = new Float64Array(m), len = new Float64Array(m);
  const q = x[Math.floor(n / 4 + 0.5) - 1];
  for (let j = 0; j < m; j++) b[j] = (1 - Math.sqrt(m / (j + 1 - 0.5))) / (priorBs * q) + 1 / x[n - 1];
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.log1p(-b[j] * x[i]);
    kk[j] = s / n;
    len[j] = n * (Math.log(-(b[j] / kk[j])) - kk[j] - 1);
  }
  const w = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let l = 0; l < m; l++) s += Math.exp(len[l] - len[j]);
    w[j] = 1 / s;
  }
  let wsum = 0;
  for (let j = 0; j < m; j++) if (w[j] >= 10 * Number.EPSILON) wsum += w[j];
  let bPost = 0;
  for (let j = 0; j < m; j++) if (w[j] >= 10 * Number.EPSILON) bPost += (b[j] * w[j]) / wsum;
  let k = 0;
  for (let i = 0; i < n; i++) k += Math.log1p(-bPost * x[i]);
  k /= n;
  const sigma = -k / bPost;
  return [(n * k + priorK * 0.5) / (n + priorK), sigma];
}

/** Quantiles of the generalised Pareto distribution at probabilities in (0, 1). */
function gpInverse(probs: Float64Array, k: number, sigma: number): Float64Array {
  if (!(sigma > 0)) return new Float64Array(probs.length).fill(NaN);
  return Float64Array.from(probs, (p) => sigma * (Math.abs(k) < Number.EPSILON ? -Math.log1p(-p) : Math.expm1(-k * Math.log1p(-p)) / k));
}

/**
 * Pareto-smoothed log importance weights of one observation (normalised to
 * log Σ exp = 0) and the Pareto shape k̂: the largest min(S/5, 3√(S/r_eff))
 * raw weights are replaced by the quantiles of a generalised Pareto
 * distribution fitted to them, capped at the largest raw weight. @internal
 */
export function psisSmooth(logWeights: Float64Array, reff = 1): { logWeights: Float64Array; k: number } {
  const S = logWeights.length;
  const cutoffInd = S - Math.ceil(Math.min(S / 5, 3 * Math.sqrt(S / reff))) - 1; // ArviZ's negative index −⌈…⌉ − 1
  const x = Float64Array.from(logWeights);
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  for (let i = 0; i < S; i++) x[i] -= max;
  const order = Array.from({ length: S }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const xcut = Math.max(x[order[cutoffInd]], Math.log(2.2250738585072014e-308));
  const expCut = Math.exp(xcut);
  const tail = order.filter((i) => x[i] > xcut); // ascending
  let k = Infinity;
  if (tail.length > 4) {
    const ex = Float64Array.from(tail, (i) => Math.exp(x[i]) - expCut);
    const [kf, sigma] = gpdFit(ex);
    k = kf;
    if (Number.isFinite(kf)) {
      const probs = Float64Array.from(tail, (_, j) => (j + 0.5) / tail.length);
      const smooth = gpInverse(probs, kf, sigma);
      tail.forEach((i, j) => (x[i] = Math.log(smooth[j] + expCut)));
      for (let i = 0; i < S; i++) if (x[i] > 0) x[i] = 0;
    }
  }
  const lse = logSumExp(x);
  for (let i = 0; i < S; i++) x[i] -= lse;
  return { logWeights: x, k };
}

/**
 * PSIS-LOO: per observation, the importance weights 1/p(yᵢ | θ_s) are
 * Pareto-smoothed (k̂ reported: < 0.5 reliable, 0.5–0.7 acceptable,
 * > 0.7 unreliable), elpdᵢ = log Σ_s w̃_s p(yᵢ | θ_s); p_loo = lppd − elpd.
 * `reff` is the relative efficiency of the draws (ESS/S; default 1, ArviZ's
 * value for one chain; it only moves the tail length).
 * Reference: Vehtari, Gelman & Gabry, Stat. Comput. 27, 1413 (2017);
 * ArviZ `loo`.
 *
 * @example const r = loo(logLik); if (r.flagged.length) console.log("k̂ > 0.7 at", r.flagged);
 */
export function loo(logLik: ArrayLike<number>[], options: { reff?: number } = {}): ElpdResult {
  const { S, n } = checkMatrix(logLik, "loo");
  const reff = options.reff ?? 1;
  if (!(reff > 0) || !Number.isFinite(reff)) throw new RangeError(`loo(options.reff): must be a positive number, got ${reff}`);
  const pointwise = new Float64Array(n), paretoK = new Float64Array(n), flagged: number[] = [];
  const threshold = Math.min(1 - 1 / Math.log10(S), 0.7);
  let lppd = 0;
  for (let i = 0; i < n; i++) {
    const c = column(logLik, i);
    const { logWeights, k } = psisSmooth(Float64Array.from(c, (v) => -v), reff);
    for (let s = 0; s < S; s++) logWeights[s] += c[s];
    pointwise[i] = logSumExp(logWeights);
    paretoK[i] = k;
    if (k > threshold) flagged.push(i);
    lppd += logSumExp(c, S);
  }
  const { sum, se } = total(pointwise);
  return { method: "loo", elpd: sum, se, p: lppd - sum, pointwise, paretoK, threshold, flagged };
}
