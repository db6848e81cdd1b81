/**
 * Laws: discovering parsimonious equations from observations.
 * - sindy.ts: `sindy` — sparse identification of dynamics (SINDy) from states
 *   sampled every dt, returning a `SindyModel` (equations, coefficients,
 *   information criteria, ensemble statistics, predict / simulate / score);
 * - library.ts: candidate libraries (`polynomialLibrary`, `fourierLibrary`,
 *   `customLibrary`, `concatLibraries`) and the design matrix `libraryMatrix`;
 * - derivative.ts: differentiation (`finiteDifference`, `savitzkyGolay`,
 *   `totalVariation`, `smoothingSpline`) and the plain kernels
 *   `centralDifference`, `savitzkyGolaySmooth`, `totalVariationDerivative`,
 *   `smoothingSplineDerivative`;
 * - optimizer.ts: sparse regression (`stlsq`, `sr3`);
 * - pde.ts: `pdeFind` — PDE-FIND, the PDE u_t = Θ(u, u_x, …) ξ of a profile
 *   or a map evolving frame by frame;
 * - evidence.ts: Bayesian evidence of a law's kept terms (Zellner g-prior,
 *   closed form; `evidence` on every model) and `compareLaws` (Bayes
 *   factors between candidate laws on the same data);
 * - weak.ts: the weak form (`sindy(X, { weak })`: test-function integrals
 *   instead of derivatives, for noisy data).
 * - symbolic/: `symbolicRegression` — PySR-style evolutionary search over
 *   expression trees, returning a complexity–loss Pareto front and PySR's
 *   "best" pick as text (sympy/mathjs), LaTeX and a callable;
 *   `symbolicRegressionAsync` — the same search with its populations (islands)
 *   on `workers` worker threads, bit-identical for a given seed.
 */
export { sindy, SindyModel } from "./sindy";
export type { SindyOptions, StateData, EnsembleOptions, EnsembleResult, InformationCriteria, SindyUsed } from "./sindy";
export { polynomialLibrary, fourierLibrary, customLibrary, concatLibraries, libraryMatrix } from "./library";
export type { FeatureLibrary, CustomFunction } from "./library";
export { finiteDifference, savitzkyGolay, totalVariation, smoothingSpline, centralDifference, savitzkyGolaySmooth, totalVariationDerivative, smoothingSplineDerivative } from "./derivative";
export type { Differentiation, DifferentiationInfo } from "./derivative";
export { stlsq, sr3 } from "./optimizer";
export type { Optimizer, OptimizerInfo, NormalEquations } from "./optimizer";
export type { WeakOptions, WeakInfo } from "./weak";
export { pdeFind } from "./pde";
export { compareLaws } from "./evidence";
export type { LawEvidence, LawCandidate, ComparedLaw, EquationComparison } from "./evidence";
export type { PdeFindOptions, PdeModel, FieldFrame } from "./pde";
export { symbolicRegression, symbolicRegressionAsync } from "./symbolic/search";
export type { SymbolicOptions, SymbolicAsyncOptions, SymbolicResult, SymbolicEquation } from "./symbolic/search";
