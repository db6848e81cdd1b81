/**
 * DirectLiNGAM (Shimizu et al. 2011, JMLR 12:1225) with the pairwise
 * likelihood-ratio measure of Hyvärinen & Smith (2013) in its entropy form,
 * exactly as the `lingam` package's `DirectLiNGAM(measure="pwling")`:
 * repeatedly pick the most exogenous variable (maximum-entropy approximation
 * of differential entropy, Hyvärinen 1998), regress it out of the rest, and
 * finally estimate the connection strengths B by adaptive lasso (LARS path,
 * BIC, then OLS refit on the selected predictors; `predict_adaptive_lasso`).
 *
 * Complexity: the order costs O(p³ n) at worst (each unordered pair scored
 * once per step; lingam scores both orders), typically much less: each step
 * computes only the pairs a best-first branch and bound needs to prove its
 * choice (`mostExogenous`; same choice as scoring every pair), e.g. 3 753 of
 * 20 825 pair scores for p = 50. Entropies use the table kernels of
 * lingam-entropy.ts (WebAssembly SIMD on the working columns, which live in
 * its memory). B: O(p² n) for one cross-product matrix (the standardised
 * one follows from it), then each regression and LARS path works on k×k
 * normal equations, O(p⁴) in all.
 *
 * Results: the same causal order and B (within 10⁻¹⁴) as lingam 1.13.0 on
 * the bench data sets (p = 10, 20, 50); tests/causal/agreement.test.ts
 * checks order and B against lingam, tests/causal/lingam.test.ts the
 * kernels and the branch and bound against plain computations.
 */
import { CausalData } from "./data";
import { Knowledge } from "./prior";
import { solve } from "../core/linalg";
import { dot, entropyApprox, residualEntropies, scaleInto, subtractScaled, sum, sumSquaredDeviations, wasmColumns } from "./lingam-entropy";

export { entropyApprox };

const mean = (x: Float64Array) => sum(x) / x.length;

/** Standardise x, whose mean is m, into `out` ((x − m)/sd, ddof 0); returns sd. */
function standardizeInto(x: Float64Array, m: number, out: Float64Array): number {
  const sd = Math.sqrt(sumSquaredDeviations(x, m) / x.length);
  scaleInto(x, m, sd, out);
  return sd;
}

const residualH = new Float64Array(2);

/**
 * lingam's `_diff_mutual_info` for standardised xi, xj (entropies `hi`, `hj`
 * when known): positive when xi -> xj is the more likely direction. O(n).
 */
export function pairwiseLingamMeasure(xi: Float64Array, xj: Float64Array, hi?: number, hj?: number): number {
  const Hi = hi ?? entropyApprox(xi);
  const Hj = hj ?? entropyApprox(xj);
  residualEntropies(xi, xj, residualH);
  return Hj + residualH[0] - (Hi + residualH[1]);
}

/** Rows of the subsample that ranks pairs before the first step (a heuristic only; see mostExogenous). */
const GUESS_ROWS = 256;

/**
 * Pair measures of one DirectLiNGAM run: `dm[lo·p + hi]` (lo < hi) is the
 * last computed pairwiseLingamMeasure(std lo, std hi), a guess from a row
 * subsample until the pair is first computed; `stamp` marks pairs computed
 * in the current step, `loss[i·p + j]` is then pair {i, j}'s term of M(i).
 */
export interface PairMemo {
  p: number;
  dm: Float64Array;
  stamp: Int32Array;
  loss: Float64Array;
}

/** Stride and row count of the subsample for the first step's guesses: every ⌈n/256⌉-th row. */
function guessRows(n: number): [number, number] {
  const stride = Math.max(1, Math.floor(n / GUESS_ROWS));
  return [stride, Math.ceil(n / stride)];
}

/** Guessed pair measures on a row subsample (`sub`: one column of guessRows rows per variable), for the order in which the first step tries pairs. */
function guessMeasures(std: Float64Array[], U: number[], memo: PairMemo, sub: Float64Array[]): void {
  const [stride, m] = guessRows(std[U[0]].length);
  for (const i of U) {
    const x = sub[i];
    for (let k = 0; k < m; k++) x[k] = std[i][k * stride];
    standardizeInto(x, mean(x), x);
  }
  const H = U.map((i) => entropyApprox(sub[i]));
  for (let a = 0; a < U.length; a++)
    for (let b = a + 1; b < U.length; b++) memo.dm[U[a] * memo.p + U[b]] = pairwiseLingamMeasure(sub[U[a]], sub[U[b]], H[a], H[b]);
}

/**
 * One DirectLiNGAM step: the candidate i ∈ Uc with the smallest
 * M(i) = Σ_{j ∈ U, j ≠ i} min(0, dm(i, j))² (the first in Uc order on ties;
 * lingam's `np.argmax` of −M), where dm(i, j) = −dm(j, i) is computed once
 * per unordered pair.
 *
 * Best-first branch and bound, exact: every term is ≥ 0, so the terms known
 * so far bound M(i) from below. The candidate with the smallest bound
 * computes its next pair (pairs in order of their term guessed from the
 * previous step's measures, or a row subsample's at the first step; a pair
 * counts for both its ends) until no unfinished candidate's bound is within
 * a factor 1 + 10⁻¹² of the smallest complete M (the margin covers the
 * rounding of sums in different orders); the rest of the pairs are never
 * computed. Complete sums run over j in U order, as a full evaluation adds
 * them, so the choice is the one computing every pair gives. The winner
 * needs all its k − 1 pairs, a clear loser one or a few.
 */
export function mostExogenous(std: Float64Array[], U: number[], Uc: number[], memo: PairMemo, step: number): number {
  const { p, dm, stamp, loss } = memo;
  const H = new Float64Array(p).fill(NaN);
  const entropy = (i: number) => (H[i] === H[i] ? H[i] : (H[i] = entropyApprox(std[i])));
  /** guessed (or, once computed, exact) term of pair {i, j} in M(i) */
  const term = (i: number, j: number) => {
    const d = i < j ? dm[i * p + j] : -dm[j * p + i];
    return d < 0 ? d * d : 0;
  };
  // candidates in order of guessed M (ties in Uc order): c is the candidate's slot
  const guessM = Uc.map((i) => U.reduce((s, j) => (j === i ? s : s + term(i, j)), 0));
  const cand = Uc.map((_, r) => r).sort((a, b) => guessM[a] - guessM[b] || a - b).map((r) => Uc[r]);
  const rank = new Map(Uc.map((i, r) => [i, r]));
  const slot = new Int32Array(p).fill(-1);
  cand.forEach((i, c) => (slot[i] = c));
  const partners = cand.map((i) => U.filter((j) => j !== i).sort((a, b) => term(i, b) - term(i, a)));
  const next = new Int32Array(cand.length);
  const left = new Int32Array(cand.length).fill(U.length - 1);
  const bound = new Float64Array(cand.length);
  let best = -1;
  let bestM = Infinity;
  const count = (i: number, j: number) => {
    const c = slot[i];
    if (c < 0) return;
    bound[c] += loss[i * p + j];
    if (--left[c] > 0) return;
    let M = 0;
    for (const q of U) if (q !== i) M += loss[i * p + q];
    if (M < bestM || (M === bestM && rank.get(i)! < rank.get(best)!)) {
      best = i;
      bestM = M;
    }
  };
  for (;;) {
    let c = -1;
    const limit = bestM * (1 + 1e-12);
    for (let q = 0; q < cand.length; q++) if (left[q] > 0 && bound[q] <= limit && (c < 0 || bound[q] < bound[c])) c = q;
    if (c < 0) break;
    const i = cand[c];
    let j = partners[c][next[c]++];
    while (stamp[i * p + j] === step) j = partners[c][next[c]++];
    const lo = Math.min(i, j);
    const hi = Math.max(i, j);
    const d = pairwiseLingamMeasure(std[lo], std[hi], entropy(lo), entropy(hi));
    dm[lo * p + hi] = d;
    loss[lo * p + hi] = Math.min(0, d) ** 2;
    loss[hi * p + lo] = Math.min(0, -d) ** 2;
    stamp[lo * p + hi] = stamp[hi * p + lo] = step;
    count(i, j);
    count(j, i);
  }
  return best < 0 ? Uc[0] : best;
}

export interface LingamResult {
  /** Causal order (column indices, causes first). */
  order: number[];
  /** Connection strengths, `B[target * p + source]` (x = Bx + e). */
  B: Float64Array;
}

/** DirectLiNGAM on prepared continuous data; see module comment. */
export function directLingamCore(d: CausalData, K?: Knowledge): LingamResult {
  const { p, n } = d;
  // working columns (p residualised, p standardised) where the SIMD kernel reads them when it can
  const lengths = [...Array(2 * p).fill(n), ...Array(p).fill(guessRows(n)[1])];
  const work = wasmColumns(lengths) ?? lengths.map((len) => new Float64Array(len));
  const X = work.slice(0, p);
  const std = work.slice(p, 2 * p);
  d.columns.forEach((c, i) => X[i].set(c));
  let U = Array.from({ length: p }, (_, i) => i);
  const order: number[] = [];
  // must-precede relation from prior knowledge (strong application)
  const before = (a: number, b: number) => !!K && (K.required(a, b) || (K.forbidden(b, a) && !K.forbidden(a, b)));
  const memo: PairMemo = { p, dm: new Float64Array(p * p), stamp: new Int32Array(p * p).fill(-1), loss: new Float64Array(p * p) };
  const mu = Float64Array.from(X, mean);
  const sd = new Float64Array(p);
  let guessed = false;
  for (let step = 0; step < p; step++) {
    const Uc = K && !K.empty ? U.filter((i) => !U.some((j) => j !== i && before(j, i))) : U;
    for (const i of U) sd[i] = standardizeInto(X[i], mu[i], std[i]);
    let m: number;
    if (Uc.length === 1) m = Uc[0];
    else {
      if (!guessed) guessMeasures(std, U, memo, work.slice(2 * p));
      guessed = true;
      m = mostExogenous(std, U, Uc, memo, step);
    }
    // regress m out of the remaining variables: x_i −= cov(x_i, x_m) / var(x_m) · x_m (ddof 0), the
    // coefficient from the standardised columns, corr(x_i, x_m)·sd_i/sd_m; the new means in the same pass
    for (const i of U) {
      if (i === m) continue;
      const c = ((dot(std[i], std[m]) / n) * sd[i]) / sd[m];
      mu[i] = subtractScaled(X[i], X[m], c) / n;
    }
    order.push(m);
    U = U.filter((i) => i !== m);
  }
  const B = new Float64Array(p * p);
  const centred = work.slice(0, p);
  const Sraw = crossProducts(d.columns, centred);
  // standardised columns (x − mean)/sd: the same cross products over sd_a·sd_b
  const sdRaw = Array.from({ length: p }, (_, a) => Math.sqrt(Sraw[a * p + a] / n));
  const Sstd = Sraw.map((v, ab) => v / (sdRaw[Math.floor(ab / p)] * sdRaw[ab % p]));
  for (let t = 1; t < p; t++) {
    const target = order[t];
    let preds = order.slice(0, t);
    if (K) preds = preds.filter((s) => !K.forbidden(s, target));
    if (!preds.length) continue;
    // Σ residual² of the standardised target on the standardised preds (slopes beta), from the centred raw columns
    const olsRss = (beta: Float64Array) => {
      const r = work[p];
      r.set(centred[target]);
      preds.forEach((s, a) => subtractScaled(r, centred[s], (beta[a] * sdRaw[target]) / sdRaw[s]));
      return dot(r, r) / (sdRaw[target] * sdRaw[target]);
    };
    const coef = adaptiveLasso(Sraw, Sstd, p, n, preds, target, olsRss);
    preds.forEach((s, k) => (B[target * p + s] = coef[k]));
  }
  return { order, B };
}

/**
 * Centred cross products S[a·p + b] = Σᵢ (x_a,i − mean x_a)(x_b,i − mean x_b)
 * of the p columns (row-major p×p; `scratch`: p arrays of n for the centred
 * columns); O(p² n). Every regression of the adaptive lasso reads its
 * normal equations from here.
 */
function crossProducts(cols: Float64Array[], scratch: Float64Array[]): Float64Array {
  const p = cols.length;
  const centred = cols.map((c, a) => {
    const out = scratch[a];
    out.set(c);
    scaleInto(out, mean(out), 1, out);
    return out;
  });
  const S = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = a; b < p; b++) S[a * p + b] = S[b * p + a] = dot(centred[a], centred[b]);
  return S;
}

/** Normal equations of `y` (index) on `preds` (indices) from the cross products S (p×p): [Gram k×k, Xᵀy]. */
function normalEquations(S: Float64Array, p: number, preds: number[], y: number): [Float64Array, Float64Array] {
  const k = preds.length;
  const G = new Float64Array(k * k);
  const g = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) G[a * k + b] = S[preds[a] * p + preds[b]];
    g[a] = S[preds[a] * p + y];
  }
  return [G, g];
}

/** Least-squares slopes from the normal equations G x = g (k×k), by core `solve`; throws when the predictors are collinear. */
function ols(G: Float64Array, g: Float64Array): Float64Array {
  const x = solve(G, g, g.length);
  if (!x) throw new Error("directLingam: predictors are collinear (singular regression)");
  return x;
}

/**
 * LARS-lasso path (Efron et al. 2004, lasso modification) in Gram form, as
 * scikit-learn's `lars_path(Gram=...)`: `G` = XᵀX and `c0` = Xᵀy (k×k, k)
 * of centred X (n×k) and y; returns the coefficient vectors at every
 * breakpoint, starting from 0 and ending at the least-squares fit
 * (alpha_min = 0). O(k³) per breakpoint, independent of n.
 */
function larsLassoPath(G: Float64Array, c0: Float64Array, n: number): Float64Array[] {
  const k = c0.length;
  const beta = new Float64Array(k);
  const path: Float64Array[] = [beta.slice()];
  const active: number[] = [];
  const isActive = new Uint8Array(k);
  // correlations with the current residual: Xᵀ(y − Xβ) = c0 − Gβ
  const c = new Float64Array(k);
  let drop = -1;
  for (let iter = 0; iter < 8 * k + 8; iter++) {
    for (let j = 0; j < k; j++) {
      let s = c0[j];
      for (let l = 0; l < k; l++) if (beta[l] !== 0) s -= G[j * k + l] * beta[l];
      c[j] = s;
    }
    let C = 0;
    let jmax = -1;
    for (let j = 0; j < k; j++)
      if (!isActive[j] && Math.abs(c[j]) > C) {
        C = Math.abs(c[j]);
        jmax = j;
      }
    for (const j of active) C = Math.max(C, Math.abs(c[j]));
    if (C < 1e-12 * n) break;
    if (drop < 0 && jmax >= 0 && (active.length === 0 || Math.abs(c[jmax]) >= C * (1 - 1e-9))) {
      active.push(jmax);
      isActive[jmax] = 1;
    }
    drop = -1;
    const a = active.length;
    const GA = new Float64Array(a * a);
    for (let r = 0; r < a; r++) for (let s = 0; s < a; s++) GA[r * a + s] = G[active[r] * k + active[s]];
    const sgn = Float64Array.from(active, (j) => Math.sign(c[j]) || 1);
    const w0 = solve(GA, sgn, a);
    if (!w0) break;
    let ss = 0;
    for (let r = 0; r < a; r++) ss += sgn[r] * w0[r];
    const AA = 1 / Math.sqrt(ss);
    const w = w0.map((v) => v * AA);
    // equiangular direction u = X_A w; a_j = X_jᵀu = Σ_r G[j, A_r] w_r
    let gamma = C / AA;
    for (let j = 0; j < k; j++) {
      if (isActive[j]) continue;
      let aj = 0;
      for (let r = 0; r < a; r++) aj += G[j * k + active[r]] * w[r];
      const g1 = (C - c[j]) / (AA - aj);
      const g2 = (C + c[j]) / (AA + aj);
      if (g1 > 1e-15 && g1 < gamma) gamma = g1;
      if (g2 > 1e-15 && g2 < gamma) gamma = g2;
    }
    // lasso modification: a coefficient crossing zero leaves the active set
    for (let r = 0; r < a; r++) {
      const j = active[r];
      const gj = -beta[j] / w[r];
      if (gj > 1e-15 && gj < gamma) {
        gamma = gj;
        drop = j;
      }
    }
    for (let r = 0; r < a; r++) beta[active[r]] += gamma * w[r];
    if (drop >= 0) {
      beta[drop] = 0;
      isActive[drop] = 0;
      active.splice(active.indexOf(drop), 1);
    }
    path.push(beta.slice());
    if (drop < 0 && active.length === k && Math.abs(gamma - C / AA) < 1e-12 * (1 + gamma)) break;
    if (drop < 0 && active.length === Math.min(k, n - 1) && gamma === C / AA) break;
  }
  return path;
}

/**
 * lingam's `predict_adaptive_lasso` for `target` on `preds`: weights |OLS
 * coef| of the standardised data, LARS lasso on the weighted design with BIC
 * (sklearn `LassoLarsIC(criterion="bic")`, noise variance from the OLS fit),
 * then OLS on the original scale with the kept predictors. All from the
 * cross products of the standardised (`Sstd`) and raw (`Sraw`) columns
 * (p×p), O(k³) per LARS breakpoint, except the residual sum of squares of
 * the standardised OLS fit with coefficients beta, `olsRss(beta)` (one pass
 * over the rows).
 */
function adaptiveLasso(Sraw: Float64Array, Sstd: Float64Array, p: number, n: number, preds: number[], target: number, olsRss: (beta: Float64Array) => number): Float64Array {
  const k = preds.length;
  const [G, g] = normalEquations(Sstd, p, preds, target);
  const beta = ols(G, g);
  const w = beta.map(Math.abs);
  // weighted design X_r·w_r: Gram w_a w_b G_ab, Xᵀy w_a g_a
  const Gw = G.map((v, ab) => v * w[Math.floor(ab / k)] * w[ab % k]);
  const gw = g.map((v, a) => v * w[a]);
  const path = larsLassoPath(Gw, gw, n);
  // ‖y − X_w β‖² = RSS_OLS + (β − β_OLS)ᵀ X_wᵀX_w (β − β_OLS): RSS_OLS from the rows (exact even for a
  // near-perfect fit, where yᵀy − 2βᵀX_wᵀy + βᵀX_wᵀX_wβ would cancel), the rest without cancellation
  const betaW = ols(Gw, gw);
  const rss0 = olsRss(beta);
  const rss = (coef: ArrayLike<number>): number => {
    let q = 0;
    for (let a = 0; a < k; a++) {
      let s = 0;
      for (let b = 0; b < k; b++) s += Gw[a * k + b] * (coef[b] - betaW[b]);
      q += (coef[a] - betaW[a]) * s;
    }
    return rss0 + q;
  };
  // noise variance from OLS on the weighted design
  const sigma2 = rss0 / (n - k - 1);
  let best = Infinity;
  let bestCoef = path[0];
  for (const coef of path) {
    let df = 0;
    for (let j = 0; j < k; j++) if (Math.abs(coef[j]) > 2.220446049250313e-16) df++;
    const crit = n * Math.log(2 * Math.PI * sigma2) + rss(coef) / sigma2 + Math.log(n) * df;
    if (crit < best) {
      best = crit;
      bestCoef = coef;
    }
  }
  const out = new Float64Array(k);
  const keep = preds.map((_, j) => Math.abs(bestCoef[j] * w[j]) > 0);
  const kept = preds.filter((_, j) => keep[j]);
  if (kept.length) {
    const c = ols(...normalEquations(Sraw, p, kept, target));
    let t = 0;
    for (let j = 0; j < k; j++) if (keep[j]) out[j] = c[t++];
  }
  return out;
}
