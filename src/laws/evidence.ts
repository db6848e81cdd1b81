/**
 * Bayesian evidence of a sparse law: the marginal likelihood of each
 * equation's targets y (derivatives, or weak-form integrals) given the terms
 * the law keeps, in closed form under Zellner's g-prior, and the comparison
 * of candidate laws (fits with several thresholds, libraries or optimisers
 * on the same data) by Bayes factors.
 *
 * Model of one equation with the kept terms X_S (k columns, n rows):
 *   y | β, σ² ~ N(X_S β, σ² I),  β | σ² ~ N(0, g σ² (X_SᵀX_S)⁻¹),  p(σ²) ∝ 1/σ²,
 * whose evidence is
 *   log p(y | S) = log Γ(n/2) − (n/2) log π − (k/2) log(1 + g) − (n/2) log Q,
 *   Q = yᵀy/(1 + g) + g/(1 + g) · RSS_S,
 * RSS_S the least-squares residual on the kept terms (Zellner, in "Bayesian
 * Inference and Decision Techniques", 1986; the same derivation as Liang,
 * Paulo, Molina, Clyde & Berger, JASA 103, 410 (2008), eq. 5, without a
 * common intercept since the constant is a library term like the others).
 * g = n, the unit-information prior (Kass & Wasserman, JASA 90, 928 (1995)),
 * for which log Bayes factors approach the BIC difference / 2. The improper
 * σ² prior is common to all laws, so Bayes factors between laws on the same
 * targets are proper. Rows are treated as independent, as in the
 * information criteria (weak-form windows overlap, so there the evidence is
 * a relative score, not a calibrated probability).
 */
import { lgamma } from "../core/special";
import { NormalEquations, solveSupport } from "./optimizer";

/** Evidence of each equation of a fitted law (see the module comment for the prior). */
export interface LawEvidence {
  /** Natural log of the marginal likelihood p(y | kept terms), one per equation. */
  logEvidence: number[];
  /** Zellner's g (= samples, the unit-information prior). */
  g: number;
  /** Regression rows n. */
  samples: number;
  /** yᵀy of each equation's targets: laws are comparable only on the same targets. */
  sumSquares: number[];
  /** Left-hand side of each equation (`x0'`, `u_t`). */
  lhs: string[];
}

/** @internal log p(y | S) of one target under the g-prior, from the normal equations (least-squares RSS on `support`). O(k³). */
export function logEvidence(eq: NormalEquations, target: number, support: readonly number[], yy: number, n: number, g: number): number {
  let rss = yy;
  if (support.length > 0) {
    const w = solveSupport(eq, target, support, 0), b = eq.b[target];
    let fit = 0;
    support.forEach((j, i) => { fit += w[i] * b[j]; });
    rss = Math.max(yy - fit, 0);
  }
  const q = yy / (1 + g) + (g / (1 + g)) * rss;
  return lgamma(n / 2) - (n / 2) * Math.log(Math.PI) - (support.length / 2) * Math.log(1 + g) - (n / 2) * Math.log(q);
}

/** @internal The evidence of the non-zero terms of each row of xi, on the rows behind `eq` (targets' sums of squares `yy`). */
export function lawEvidence(eq: NormalEquations, yy: readonly number[], n: number, xi: readonly ArrayLike<number>[], lhs: readonly string[]): LawEvidence {
  const g = n;
  const logs = xi.map((c, t) => {
    const support: number[] = [];
    for (let j = 0; j < c.length; j++) if (c[j] !== 0) support.push(j);
    return logEvidence(eq, t, support, yy[t], n, g);
  });
  return { logEvidence: logs, g, samples: n, sumSquares: yy.slice(), lhs: lhs.slice() };
}

/** Anything with a law and its evidence: a SindyModel or a PdeModel. */
export interface LawCandidate {
  featureNames: readonly string[];
  coefficients: readonly (readonly number[])[];
  evidence: LawEvidence;
}

/** One distinct law of an equation among the candidates. */
export interface ComparedLaw {
  /** Terms kept (feature names), in library order. */
  terms: string[];
  /** Indices of the candidates with exactly these terms. */
  models: number[];
  logEvidence: number;
  /** log Bayes factor against the best law (≤ 0; 0 for the best). */
  logBayesFactor: number;
  /** Posterior probability with equal prior odds over the distinct laws. */
  probability: number;
}

/** The comparison of one equation. */
export interface EquationComparison {
  lhs: string;
  /** Distinct laws (term sets), best first. */
  laws: ComparedLaw[];
  /** Bayes factor of the best law over the runner-up (Infinity when there is only one law). */
  bayesFactor: number;
  /** "decided" when bayesFactor ≥ minBayesFactor, else "undecided": the data do not tell these laws apart. */
  verdict: "decided" | "undecided";
}

/**
 * Compares candidate laws fitted to the same targets (the same states,
 * differentiation or weak form and dt — e.g. sindy with several thresholds
 * or libraries, or pdeFind fits) by their Bayesian evidence (Zellner g-prior,
 * g = n; see {@link LawEvidence}): per equation, the distinct sets of kept
 * terms, best first, with log Bayes factors against the best and posterior
 * probabilities under equal prior odds. The verdict is "decided" when the
 * best law beats the runner-up by a Bayes factor of at least
 * `minBayesFactor` (default 3, the bound below which Kass & Raftery, JASA 90,
 * 773 (1995), call the evidence "not worth more than a bare mention"), else
 * "undecided". Throws, naming the candidate, when the candidates were fitted
 * to different targets. O(candidates × equations).
 *
 * @example
 * const fits = [0.01, 0.05, 0.5].map((threshold) => cs.laws.sindy(X, { dt, threshold }));
 * cs.laws.compareLaws(fits).equations[0]; // { lhs: "x0'", laws: [...], bayesFactor: 41.2, verdict: "decided" }
 */
export function compareLaws(candidates: readonly LawCandidate[], options: { minBayesFactor?: number } = {}): { equations: EquationComparison[] } {
  const minBayesFactor = options.minBayesFactor ?? 3;
  if (!(minBayesFactor >= 1 && Number.isFinite(minBayesFactor))) throw new RangeError(`compareLaws({ minBayesFactor }): must be a finite number >= 1, got ${minBayesFactor}`);
  if (!Array.isArray(candidates as unknown) || candidates.length === 0) throw new TypeError("compareLaws(candidates): give a non-empty list of fitted laws (sindy or pdeFind models)");
  candidates.forEach((c, i) => {
    if (!c?.evidence?.logEvidence) throw new TypeError(`compareLaws(candidates[${i}]): not a fitted law with evidence (a sindy or pdeFind model)`);
  });
  const ref = candidates[0].evidence;
  candidates.forEach((c, i) => {
    const e = c.evidence;
    const same = e.samples === ref.samples && e.lhs.length === ref.lhs.length && e.lhs.every((s, v) => s === ref.lhs[v])
      && e.sumSquares.every((s, v) => Math.abs(s - ref.sumSquares[v]) <= 1e-12 * Math.max(Math.abs(s), Math.abs(ref.sumSquares[v])));
    if (!same) throw new RangeError(`compareLaws(candidates[${i}]): fitted to different targets than candidates[0] (${e.samples} rows of ${e.lhs.join(", ")} vs ${ref.samples} rows of ${ref.lhs.join(", ")}, or other data, differentiation or dt); evidence compares laws on the same targets only`);
  });
  const equations = ref.lhs.map((lhs, v): EquationComparison => {
    const byTerms = new Map<string, ComparedLaw>();
    candidates.forEach((c, i) => {
      const terms = c.featureNames.filter((_, j) => c.coefficients[v][j] !== 0);
      const key = JSON.stringify(terms);
      const law = byTerms.get(key);
      if (law) law.models.push(i);
      else byTerms.set(key, { terms, models: [i], logEvidence: c.evidence.logEvidence[v], logBayesFactor: 0, probability: 0 });
    });
    const laws = [...byTerms.values()].sort((a, b) => b.logEvidence - a.logEvidence);
    const top = laws[0].logEvidence;
    let total = 0;
    for (const l of laws) { l.logBayesFactor = l.logEvidence - top; total += Math.exp(l.logBayesFactor); }
    for (const l of laws) l.probability = Math.exp(l.logBayesFactor) / total;
    const bayesFactor = laws.length > 1 ? Math.exp(-laws[1].logBayesFactor) : Infinity;
    return { lhs, laws, bayesFactor, verdict: bayesFactor >= minBayesFactor ? "decided" : "undecided" };
  });
  return { equations };
}
