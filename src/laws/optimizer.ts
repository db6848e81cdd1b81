/**
 * Sparse-regression optimisers of SINDy: given the normal equations of the
 * library Θ (p terms) and the derivatives of each state, find sparse
 * coefficients ξ with ẋ ≈ Θ ξ. Both work on ΘᵀΘ and Θᵀẋ only (p×p, not
 * n×p), so a fit costs O(p³) per iteration whatever the number of samples,
 * and bagging (ensemble SINDy) just reweights the samples of these sums.
 *
 * Every solve is equilibrated (columns scaled to unit norm before the
 * Cholesky factorisation), so terms of very different magnitudes (1 and z²
 * of the Lorenz system) do not cost accuracy.
 *
 * References: STLSQ — Brunton, Proctor & Kutz, PNAS 113, 3932 (2016) and
 * PySINDy optimizers/stlsq.py; SR3 — Zheng, Askham, Brunton, Kutz &
 * Aravkin, IEEE Access 7, 1404 (2019), Champion et al., IEEE Access 8,
 * 169259 (2020), and PySINDy optimizers/sr3.py.
 */
import { cholesky, solveLowerTransposed, choleskySolve } from "../core";

/** Normal equations of a (possibly reweighted) regression problem: G = ΘᵀWΘ (p×p, row-major) and b_i = ΘᵀWẋ_i per state. */
export interface NormalEquations {
  /** Number of library terms. */
  p: number;
  /** ΘᵀWΘ, p×p row-major. */
  G: Float64Array;
  /** ΘᵀWẋ_i, one per state (target). */
  b: Float64Array[];
}

/** What an optimiser is and the settings it ran with, as reported in a fitted model. */
export interface OptimizerInfo {
  method: "stlsq" | "sr3";
  threshold: number;
  normalizeColumns: boolean;
  unbias: boolean;
  maxIter: number;
  /** STLSQ: ridge weight α of ‖ẋ − Θξ‖² + α‖ξ‖². */
  alpha?: number;
  /** SR3: relaxation ν, regulariser, its weight λ and the convergence tolerance. */
  nu?: number;
  regularizer?: "l0" | "l1";
  lambda?: number;
  tol?: number;
}

/** A sparse-regression optimiser: coefficients (one Float64Array of length p per target) from normal equations, plus warnings. */
export interface Optimizer {
  readonly info: OptimizerInfo;
  fit(eq: NormalEquations): { coefficients: Float64Array[]; warnings: string[] };
}

/**
 * Square roots of the diagonal of G (the column norms of √W Θ); a zero
 * column keeps norm 0 (the collinearity check of the caller names it).
 */
function columnNorms(eq: NormalEquations): Float64Array {
  const { p, G } = eq;
  const d = new Float64Array(p);
  for (let j = 0; j < p; j++) d[j] = Math.sqrt(Math.max(G[j * p + j], 0));
  return d;
}

/** Normal equations of the columns divided by their norms (PySINDy's normalize_columns), and those norms. */
function normalized(eq: NormalEquations): { eq: NormalEquations; norms: Float64Array } {
  const { p, G } = eq, norms = columnNorms(eq);
  const Gn = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) Gn[a * p + c] = G[a * p + c] / (norms[a] * norms[c]);
  return { eq: { p, G: Gn, b: eq.b.map((b) => b.map((v, j) => v / norms[j])) }, norms };
}

/**
 * Solution w of (G_SS + ridge·I) w = b_S on the terms `support` (indices),
 * equilibrated by the diagonal of G. Throws, naming the term indices, when
 * the subproblem is singular. O(k³) for k = support.length.
 */
export function solveSupport(eq: NormalEquations, target: number, support: readonly number[], ridge: number): Float64Array {
  const { p, G } = eq, b = eq.b[target], k = support.length;
  const s = new Float64Array(k), A = new Float64Array(k * k), rhs = new Float64Array(k);
  for (let i = 0; i < k; i++) s[i] = Math.sqrt(G[support[i] * p + support[i]]);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) A[i * k + j] = G[support[i] * p + support[j]] / (s[i] * s[j]);
    A[i * k + i] += ridge / (s[i] * s[i]);
    rhs[i] = b[support[i]] / s[i];
  }
  const bad = cholesky(A, k, 1e-14);
  if (bad >= 0) throw new RangeError(`sparse regression: the library terms with indices [${support.slice(0, bad + 1).join(", ")}] are linearly dependent on this data`);
  const u = choleskySolve(A, k, rhs);
  for (let i = 0; i < k; i++) u[i] /= s[i];
  return u;
}

/**
 * Index of the first library term that is (numerically) a linear
 * combination of the terms before it — relative residual² 1 − R² below
 * `relTol` — and the indices of those it combines, or null when the terms
 * are independent. Equilibrated Cholesky of G; O(p³).
 */
export function firstDependentTerm(eq: NormalEquations, relTol = 1e-12): { term: number; combination: number[] } | null {
  const { p, G } = eq, d = columnNorms(eq);
  for (let j = 0; j < p; j++) if (d[j] === 0) return { term: j, combination: [] };
  const A = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let c = 0; c <= a; c++) A[a * p + c] = G[a * p + c] / (d[a] * d[c]);
  const j = cholesky(A, p, relTol);
  if (j < 0) return null;
  // projection coefficients c of term j on the terms before it: L₍<j₎ᵀ c = row j of L
  const L = new Float64Array(j * j), r = new Float64Array(j);
  for (let a = 0; a < j; a++) { r[a] = A[j * p + a]; for (let c = 0; c <= a; c++) L[a * j + c] = A[a * p + c]; }
  const coef = solveLowerTransposed(L, j, r, new Float64Array(j));
  const combination: number[] = [];
  for (let a = 0; a < j; a++) if (Math.abs(coef[a]) > 1e-6) combination.push(a);
  return { term: j, combination };
}

function checkCommon(where: string, threshold: number, maxIter: number): void {
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`${where}: threshold must be a finite number >= 0, got ${threshold}`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new RangeError(`${where}: maxIter must be an integer >= 1, got ${maxIter}`);
}

/** Refit without regularisation on each target's support (PySINDy's unbias step); zero rows stay zero. */
function unbiased(eq: NormalEquations, coefficients: Float64Array[]): Float64Array[] {
  return coefficients.map((c, t) => {
    const support: number[] = [];
    for (let j = 0; j < c.length; j++) if (Math.abs(c[j]) > 1e-14) support.push(j);
    const out = new Float64Array(c.length);
    if (support.length === 0) return out;
    const w = solveSupport(eq, t, support, 0);
    support.forEach((j, i) => { out[j] = w[i]; });
    return out;
  });
}

/** Runs `reduce` in the normalised space when asked, unbiases, and maps the coefficients back to the original units. */
function withNormalization(eq: NormalEquations, normalizeColumns: boolean, unbias: boolean, reduce: (e: NormalEquations) => { coefficients: Float64Array[]; warnings: string[] }): { coefficients: Float64Array[]; warnings: string[] } {
  const { eq: work, norms } = normalizeColumns ? normalized(eq) : { eq, norms: null };
  const r = reduce(work);
  let coefficients = unbias ? unbiased(work, r.coefficients) : r.coefficients;
  if (norms) coefficients = coefficients.map((c) => c.map((v, j) => v / norms[j]));
  return { coefficients, warnings: r.warnings };
}

/**
 * Sequentially thresholded least squares (STLSQ; ridge-regularised as in
 * PySINDy): per state, solve ridge regression (weight `alpha`, default 0.05)
 * on the current terms, drop those with |ξ| < `threshold` (default 0.1), repeat
 * until the support stops changing (at most `maxIter`, default 20); then, when
 * `unbias` (default true), refit the kept terms by ordinary least squares.
 * `normalizeColumns` (default false) scales every term to unit norm first, so
 * the threshold applies to the normalised coefficients. Units of the
 * threshold: those of ξ (derivative units per term unit). O(maxIter · p³) per state.
 * @example cs.laws.sindy(X, { dt, optimizer: cs.laws.stlsq({ threshold: 0.5, alpha: 0 }) })
 */
export function stlsq(options: { threshold?: number; alpha?: number; maxIter?: number; normalizeColumns?: boolean; unbias?: boolean } = {}): Optimizer {
  const threshold = options.threshold ?? 0.1, alpha = options.alpha ?? 0.05, maxIter = options.maxIter ?? 20;
  const normalizeColumns = options.normalizeColumns ?? false, unbias = options.unbias ?? true;
  checkCommon("stlsq", threshold, maxIter);
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new RangeError(`stlsq: alpha must be a finite number >= 0, got ${alpha}`);
  const info: OptimizerInfo = { method: "stlsq", threshold, alpha, maxIter, normalizeColumns, unbias };
  return {
    info,
    fit: (eq) => withNormalization(eq, normalizeColumns, unbias, (work) => {
      const warnings: string[] = [];
      const coefficients = work.b.map((_, t) => {
        const c = new Float64Array(work.p);
        let support = Array.from({ length: work.p }, (_, j) => j);
        let converged = false;
        for (let it = 0; it < maxIter; it++) {
          if (support.length === 0) { converged = true; break; }
          const w = solveSupport(work, t, support, alpha);
          c.fill(0);
          const kept: number[] = [];
          support.forEach((j, i) => { if (Math.abs(w[i]) >= threshold) { kept.push(j); c[j] = w[i]; } });
          const same = kept.length === support.length;
          support = kept;
          if (same) { converged = true; break; }
        }
        if (!converged) warnings.push(`stlsq: state ${t} did not converge in ${maxIter} iterations`);
        if (support.length === 0) warnings.push(`stlsq: threshold ${threshold} removed every term of state ${t}`);
        return c;
      });
      return { coefficients, warnings };
    }),
  };
}

/**
 * Sparse relaxed regularised regression (SR3), as PySINDy's SR3: minimise
 * ½‖ẋ − Θw‖² + λR(u) + (1/2ν)‖w − u‖² by alternating an exact w-step
 * ((ΘᵀΘ + I/ν) w = Θᵀẋ + u/ν, one Cholesky factorisation) and the proximal
 * u-step, starting from least squares, until ‖Δu‖/ν < `tol` (default 1e-5;
 * at most `maxIter`, default 30). `regularizer` "l0" (default: hard
 * threshold, λ = threshold²/2ν) or "l1" (soft threshold, λ = threshold/ν):
 * either way coefficients below `threshold` (default 0.1) become zero.
 * `nu` default 1; `unbias` default false (PySINDy's default for SR3). The
 * returned coefficients are u (the sparse ones). O(p³ + maxIter · p²) per state.
 */
export function sr3(options: { threshold?: number; nu?: number; regularizer?: "l0" | "l1"; maxIter?: number; tol?: number; normalizeColumns?: boolean; unbias?: boolean } = {}): Optimizer {
  const threshold = options.threshold ?? 0.1, nu = options.nu ?? 1, regularizer = options.regularizer ?? "l0";
  const maxIter = options.maxIter ?? 30, tol = options.tol ?? 1e-5;
  const normalizeColumns = options.normalizeColumns ?? false, unbias = options.unbias ?? false;
  checkCommon("sr3", threshold, maxIter);
  if (!(nu > 0) || !Number.isFinite(nu)) throw new RangeError(`sr3: nu must be a finite number > 0, got ${nu}`);
  if (regularizer !== "l0" && regularizer !== "l1") throw new RangeError(`sr3: regularizer must be "l0" or "l1", got ${JSON.stringify(regularizer)}`);
  if (!(tol > 0)) throw new RangeError(`sr3: tol must be > 0, got ${tol}`);
  const lambda = regularizer === "l0" ? (threshold * threshold) / (2 * nu) : threshold / nu;
  const prox = regularizer === "l0"
    ? (v: number): number => (Math.abs(v) > threshold ? v : 0)
    : (v: number): number => Math.sign(v) * Math.max(Math.abs(v) - threshold, 0);
  const info: OptimizerInfo = { method: "sr3", threshold, nu, regularizer, lambda, tol, maxIter, normalizeColumns, unbias };
  return {
    info,
    fit: (eq) => withNormalization(eq, normalizeColumns, unbias, (work) => {
      const { p, G } = work, all = Array.from({ length: p }, (_, j) => j);
      // (G + I/ν), equilibrated, factorised once
      const s = new Float64Array(p), A = new Float64Array(p * p);
      for (let j = 0; j < p; j++) s[j] = Math.sqrt(G[j * p + j]);
      for (let a = 0; a < p; a++) { for (let c = 0; c <= a; c++) A[a * p + c] = G[a * p + c] / (s[a] * s[c]); A[a * p + a] += 1 / (nu * s[a] * s[a]); }
      if (cholesky(A, p, 1e-14) >= 0) throw new RangeError("sr3: ΘᵀΘ + I/ν is singular on this data");
      const u = work.b.map((_, t) => solveSupport(work, t, all, 0)); // least-squares start
      const rhs = new Float64Array(p), work2 = new Float64Array(p), w = new Float64Array(p);
      let converged = false;
      for (let it = 0; it < maxIter && !converged; it++) {
        let change = 0;
        for (let t = 0; t < u.length; t++) {
          const b = work.b[t], ut = u[t];
          for (let j = 0; j < p; j++) rhs[j] = (b[j] + ut[j] / nu) / s[j];
          choleskySolve(A, p, rhs, w, work2);
          for (let j = 0; j < p; j++) {
            const v = prox(w[j] / s[j]);
            change += (v - ut[j]) ** 2;
            ut[j] = v;
          }
        }
        converged = Math.sqrt(change) / nu < tol;
      }
      const warnings = converged ? [] : [`sr3: did not converge in ${maxIter} iterations (tol ${tol})`];
      return { coefficients: u, warnings };
    }),
  };
}
