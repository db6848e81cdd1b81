/**
 * SINDy — sparse identification of nonlinear dynamics: from states sampled
 * every dt, find the few library terms whose combination gives each state's
 * time derivative, ẋ = Θ(x) Ξ. Composed, as PySINDy's SINDy model, of a
 * feature library (library.ts), a differentiation method (derivative.ts) and
 * a sparse-regression optimiser (optimizer.ts), optionally bagged (ensemble
 * SINDy). The fitted model predicts derivatives, simulates itself (RK4),
 * scores itself on held-out data and carries per-equation information
 * criteria.
 *
 * References: Brunton, Proctor & Kutz, PNAS 113, 3932 (2016); Fasel, Kutz,
 * Brunton & Brunton, "Ensemble-SINDy", Proc. R. Soc. A 478, 20210904
 * (2022); Mangan, Kutz, Brunton & Proctor, "Model selection for dynamical
 * systems via sparse regression and information criteria", Proc. R. Soc. A
 * 473, 20170009 (2017); PySINDy (de Silva et al., JOSS 5, 2104, 2020).
 */
import { Rng, quantilesInPlace, median } from "../core";
import { Table } from "../table";
import { FeatureLibrary, polynomialLibrary, libraryMatrix } from "./library";
import { Differentiation, DifferentiationInfo, finiteDifference, savitzkyGolay } from "./derivative";
import { NormalEquations, Optimizer, OptimizerInfo, stlsq, firstDependentTerm } from "./optimizer";
import { WeakInfo, WeakOptions, weakInfo, weakRows } from "./weak";
import { LawEvidence, lawEvidence } from "./evidence";

/** States: rows = time samples, columns = states (named x0, x1, …), or a Table whose columns are the states. */
export type StateData = readonly (readonly number[])[] | Table;

/** Ensemble (bagging) settings of {@link sindy}. */
export interface EnsembleOptions {
  /** Number of bagged models (default 20, as PySINDy's EnsembleOptimizer). */
  models?: number;
  /** Seed of the row resampling (default 0); the same seed gives the same models. */
  seed?: number;
  /** Rows drawn with replacement per model (default: all n). */
  subset?: number;
  /** Coverage of the coefficient intervals (default 0.95: the 2.5 % and 97.5 % quantiles over the models). */
  level?: number;
}

/** Options of {@link sindy}. */
export interface SindyOptions {
  /** Sampling interval (time units; derivatives come out per this unit). Required, > 0. */
  dt: number;
  /** Candidate library: `{ degree, bias? }` for a polynomial library (default `{ degree: 2 }`), or any {@link FeatureLibrary}. */
  library?: { degree: number; bias?: boolean } | FeatureLibrary;
  /** Shorthand for the default optimiser `stlsq({ threshold, alpha })` (threshold default 0.1, alpha 0.05); not together with `optimizer`. */
  threshold?: number;
  /** Ridge weight of the default STLSQ optimiser (default 0.05); not together with `optimizer`. */
  alpha?: number;
  /** An optimiser from `stlsq(...)` or `sr3(...)`. */
  optimizer?: Optimizer;
  /** `"finite-difference"` (default), `"savitzky-golay"` (window 11, order 3), or a method from `finiteDifference()`, `savitzkyGolay({ window, polyorder })`, `totalVariation({ alpha })` or `smoothingSpline({ lambda })`. */
  differentiation?: "finite-difference" | "savitzky-golay" | Differentiation;
  /**
   * Control inputs (SINDYc): values u sampled at the same times as X (a
   * number[][] with columns named u0, u1, … or a Table; a list, one per
   * trajectory, when X is a list). They enter the library with the states
   * (e.g. `x0 u0`) but get no equation of their own.
   */
  control?: StateData | readonly StateData[];
  /** Weak form instead of derivatives (`true` or `{ width, power, stride }`): for noisy data; not together with `differentiation`. */
  weak?: boolean | WeakOptions;
  /** Bag the rows (ensemble SINDy): coefficients become the median over the models, with inclusion probabilities and intervals. */
  ensemble?: EnsembleOptions | boolean;
  /** Decimals of the coefficients in `equations` (default 3). */
  precision?: number;
}

/** Information criteria of each state's equation on the training data (Gaussian residuals), as in Mangan et al. 2017. */
export interface InformationCriteria {
  /** Regression rows used (n): samples, or windows in the weak form. */
  samples: number;
  /** Non-zero terms k per equation. */
  terms: number[];
  /** Residual sum of squares of each derivative. */
  rss: number[];
  /** n ln(RSS/n) + 2k. */
  aic: number[];
  /** AIC + 2k(k+1)/(n−k−1), the small-sample correction. */
  aicc: number[];
  /** n ln(RSS/n) + k ln n. */
  bic: number[];
}

/** Ensemble results: per state (row) and term (column). */
export interface EnsembleResult {
  models: number;
  seed: number;
  subset: number;
  level: number;
  /** Fraction of the models in which the term is non-zero. */
  inclusion: number[][];
  /** Median coefficient over the models (what `coefficients` holds). */
  median: number[][];
  /** Lower and upper quantiles ((1 − level)/2, (1 + level)/2) over the models. */
  lower: number[][];
  upper: number[][];
}

/** The options a model was fitted with, resolved (what was actually used). */
export interface SindyUsed {
  dt: number;
  stateNames: string[];
  /** Number of trajectories fitted together. */
  trajectories: number;
  /** Names of the control inputs (empty without control). */
  controlNames: string[];
  library: string;
  /** The differentiation method (null in the weak form). */
  differentiation: DifferentiationInfo | null;
  /** The weak form's windows and test functions (null when derivatives were used). */
  weak: WeakInfo | null;
  optimizer: OptimizerInfo;
  ensemble: { models: number; seed: number; subset: number; level: number } | null;
}

/** Parsed state data: names and one Float64Array column per state. */
interface States { names: string[]; columns: Float64Array[]; n: number }

/** Reads and checks states (finite values; at least one row and one column). */
function readStates(X: StateData, where: string, names?: readonly string[], namesOf = "the model was fitted on", prefix = "x"): States {
  let columns: Float64Array[], stateNames: string[];
  if (X instanceof Table) {
    stateNames = X.columnNames;
    columns = stateNames.map((c) => {
      const col = X.column(c);
      if (Array.isArray(col)) throw new TypeError(`${where}: column "${c}" holds strings; states must be numeric`);
      return Float64Array.from(col as ArrayLike<number>);
    });
  } else {
    if (!Array.isArray(X) || X.length === 0) throw new TypeError(`${where}: X must be a non-empty number[][] (rows = time samples, columns = states) or a Table`);
    const d = (X[0] as readonly number[])?.length;
    if (!d) throw new TypeError(`${where}: X[0] must be a non-empty array of state values`);
    columns = Array.from({ length: d }, () => new Float64Array(X.length));
    X.forEach((row, i) => {
      if (!row || row.length !== d) throw new RangeError(`${where}: row ${i} has ${row?.length} values, row 0 has ${d}`);
      for (let v = 0; v < d; v++) columns[v][i] = row[v];
    });
    stateNames = Array.from({ length: d }, (_, v) => `${prefix}${v}`);
  }
  if (names && (names.length !== stateNames.length || (X instanceof Table && names.some((s, i) => s !== stateNames[i])))) {
    throw new RangeError(`${where}: X has states [${stateNames.join(", ")}], ${namesOf} [${names.join(", ")}]`);
  }
  const n = columns[0].length;
  if (n === 0) throw new RangeError(`${where}: X has no rows`);
  columns.forEach((c, v) => {
    for (let i = 0; i < n; i++) if (!Number.isFinite(c[i])) throw new RangeError(`${where}: row ${i}, column ${stateNames[v]} is ${c[i]}; states must be finite numbers`);
  });
  return { names: names ? names.slice() : stateNames, columns, n };
}

/** True when X is a list of trajectories (Tables, or number[][] each) rather than one trajectory. */
function isTrajectoryList(X: StateData | readonly StateData[]): X is readonly StateData[] {
  if (!Array.isArray(X) || X.length === 0) return false;
  const x0 = X[0] as unknown;
  return x0 instanceof Table || (Array.isArray(x0) && Array.isArray(x0[0]));
}

/** Rows of several parsed trajectories stacked (same states). */
function concatStates(parts: readonly States[]): States {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((t, q) => t + q.n, 0);
  const columns = parts[0].columns.map((_, v) => {
    const c = new Float64Array(n);
    let o = 0;
    for (const q of parts) { c.set(q.columns[v], o); o += q.n; }
    return c;
  });
  return { names: parts[0].names, columns, n };
}

function resolveLibrary(lib: SindyOptions["library"]): FeatureLibrary {
  if (lib === undefined) return polynomialLibrary({ degree: 2 });
  if (typeof (lib as FeatureLibrary).evaluate === "function") return lib as FeatureLibrary;
  const { degree, bias } = lib as { degree: number; bias?: boolean };
  return polynomialLibrary({ degree, bias });
}

function resolveDifferentiation(d: SindyOptions["differentiation"]): Differentiation {
  if (d === undefined || d === "finite-difference") return finiteDifference();
  if (d === "savitzky-golay") return savitzkyGolay();
  if (typeof (d as Differentiation)?.differentiate === "function") return d as Differentiation;
  throw new RangeError(`sindy({ differentiation }): must be "finite-difference", "savitzky-golay" or a method from finiteDifference()/savitzkyGolay()/totalVariation()/smoothingSpline(), got ${JSON.stringify(d)}`);
}

/** How states become regression rows: derivatives (strong form) or test-function integrals (weak form). */
interface Formulation {
  readonly minSamples: number;
  readonly label: string;
  /** Library columns and targets (one per state) of one trajectory. */
  rows(states: readonly Float64Array[], controls: readonly Float64Array[], dt: number, library: FeatureLibrary): { theta: Float64Array[]; targets: Float64Array[] };
}

function strongForm(d: Differentiation): Formulation {
  return {
    minSamples: d.minSamples,
    label: `the ${d.info.method} differentiation`,
    rows(states, controls, dt, library) {
      const r = states.map((c) => d.differentiate(c, dt));
      return { theta: libraryMatrix(library, [...r.map((q) => q.x), ...controls]), targets: r.map((q) => q.xDot) };
    },
  };
}

function weakForm(info: WeakInfo): Formulation {
  return {
    minSamples: info.width,
    label: `the weak form (window of ${info.width} samples)`,
    rows: (states, controls, dt, library) => weakRows(libraryMatrix(library, [...states, ...controls]), states, dt, info),
  };
}

/** Rows of several trajectories, stacked. */
function stackRows(parts: readonly { theta: Float64Array[]; targets: Float64Array[] }[]): { theta: Float64Array[]; targets: Float64Array[] } {
  if (parts.length === 1) return parts[0];
  const cat = (cols: readonly Float64Array[]): Float64Array => {
    const out = new Float64Array(cols.reduce((t, c) => t + c.length, 0));
    let o = 0;
    for (const c of cols) { out.set(c, o); o += c.length; }
    return out;
  };
  return {
    theta: parts[0].theta.map((_, j) => cat(parts.map((q) => q.theta[j]))),
    targets: parts[0].targets.map((_, v) => cat(parts.map((q) => q.targets[v]))),
  };
}

/** @internal ΘᵀWΘ and ΘᵀWẋ_i with sample weights w (null: all 1). O(n p²). */
export function normalEquations(theta: readonly Float64Array[], targets: readonly Float64Array[], w: Float64Array | null): NormalEquations {
  const p = theta.length, n = theta[0].length;
  const wt = w ? theta.map((c) => c.map((v, i) => v * w[i])) : theta;
  const G = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    const ca = wt[a];
    for (let c = a; c < p; c++) {
      const cc = theta[c];
      let s = 0;
      for (let i = 0; i < n; i++) s += ca[i] * cc[i];
      G[a * p + c] = s;
      G[c * p + a] = s;
    }
  }
  const b = targets.map((y) => {
    const out = new Float64Array(p);
    for (let a = 0; a < p; a++) { const ca = wt[a]; let s = 0; for (let i = 0; i < n; i++) s += ca[i] * y[i]; out[a] = s; }
    return out;
  });
  return { p, G, b };
}

/** Θ ξ for each state: predicted derivative columns. O(n · nnz). */
function predictColumns(theta: readonly Float64Array[], coefficients: readonly Float64Array[]): Float64Array[] {
  const n = theta[0].length;
  return coefficients.map((c) => {
    const out = new Float64Array(n);
    c.forEach((v, j) => { if (v !== 0) { const col = theta[j]; for (let i = 0; i < n; i++) out[i] += v * col[i]; } });
    return out;
  });
}

/** @internal One equation as text: `x0' = -10.000 x0 + 10.000 x1` (lhs `x0'`; the bias term written as its number alone). */
export function equationText(lhs: string, coef: ArrayLike<number>, names: readonly string[], precision: number): string {
  const parts: string[] = [];
  for (let j = 0; j < coef.length; j++) {
    const v = coef[j];
    if (v === 0) continue;
    const mag = Math.abs(v).toFixed(precision), term = names[j] === "1" ? mag : `${mag} ${names[j]}`;
    parts.push(parts.length === 0 ? (v < 0 ? `-${term}` : term) : `${v < 0 ? "-" : "+"} ${term}`);
  }
  return `${lhs} = ${parts.length ? parts.join(" ") : (0).toFixed(precision)}`;
}

/** A fitted SINDy model: the identified law, how it was found, and what it can do (predict, simulate, score). */
export class SindyModel {
  /** Names of the states (x0, x1, … or the Table's column names). */
  readonly stateNames: string[];
  /** Names of the control inputs (u0, u1, … or the control Table's column names); empty without control. */
  readonly controlNames: string[];
  /** Names of the library terms (`1`, `x0`, `x0^2`, `x0 x1`, …), the columns of `coefficients`. */
  readonly featureNames: string[];
  /** Ξᵀ: one row per state, one coefficient per library term (0 = term not in the law). */
  readonly coefficients: number[][];
  /** The law as text, one line per state: `x0' = -10.000 x0 + 10.000 x1`. */
  readonly equations: string[];
  /** Per-equation AIC / AICc / BIC on the training data. */
  readonly informationCriteria: InformationCriteria;
  /** Per-equation Bayesian evidence (log marginal likelihood, Zellner g-prior) of the kept terms; compare fits with `compareLaws`. */
  readonly evidence: LawEvidence;
  /** Inclusion probabilities and intervals, when fitted with `ensemble`; else null. */
  readonly ensemble: EnsembleResult | null;
  /** Optimiser warnings (non-convergence, every term removed). */
  readonly warnings: string[];
  /** The resolved options the model was fitted with. */
  readonly options: SindyUsed;
  readonly #library: FeatureLibrary;
  readonly #formulation: Formulation;
  readonly #xi: Float64Array[];

  /** @internal Use {@link sindy}. */
  constructor(parts: { stateNames: string[]; controlNames: string[]; featureNames: string[]; coefficients: Float64Array[]; informationCriteria: InformationCriteria; evidence: LawEvidence; ensemble: EnsembleResult | null; warnings: string[]; options: SindyUsed; library: FeatureLibrary; formulation: Formulation; precision: number }) {
    this.stateNames = parts.stateNames;
    this.controlNames = parts.controlNames;
    this.featureNames = parts.featureNames;
    this.#xi = parts.coefficients;
    this.coefficients = parts.coefficients.map((c) => Array.from(c));
    this.equations = parts.coefficients.map((c, v) => equationText(`${parts.stateNames[v]}'`, c, parts.featureNames, parts.precision));
    this.informationCriteria = parts.informationCriteria;
    this.evidence = parts.evidence;
    this.ensemble = parts.ensemble;
    this.warnings = parts.warnings;
    this.options = parts.options;
    this.#library = parts.library;
    this.#formulation = parts.formulation;
  }

  /** The control columns for data of n rows: required (same rows) when the model has control inputs, refused otherwise. */
  #controls(u: StateData | undefined, n: number, where: string): Float64Array[] {
    if (this.controlNames.length === 0) {
      if (u !== undefined) throw new RangeError(`${where}: the model has no control inputs, but u was given`);
      return [];
    }
    if (u === undefined) throw new RangeError(`${where}: the model has control inputs (${this.controlNames.join(", ")}); give u at the same times as X`);
    const c = readStates(u, `${where.replace(/\(X.*$/, "")}(u)`, this.controlNames, "the model's control inputs are", "u");
    if (c.n !== n) throw new RangeError(`${where}: u has ${c.n} rows, X has ${n}`);
    return c.columns;
  }

  /** Derivatives the model gives at the states X (and controls `u`, when the model has them); same layout as X: rows = samples, columns = states. O(n · terms). */
  predict(X: StateData, u?: StateData): number[][] {
    const s = readStates(X, "predict(X)", this.stateNames);
    return toRows(predictColumns(libraryMatrix(this.#library, [...s.columns, ...this.#controls(u, s.n, "predict(X, u)")]), this.#xi), s.n);
  }

  /**
   * R² (coefficient of determination, averaged over states as
   * scikit-learn's r2_score) of the model's derivatives against those of X
   * computed by the fitting's differentiation method at the model's dt (in
   * the weak form: of the test-function integrals, −∫φ′x dt against
   * ∫φΘ dt·ξ) — use it on held-out data. O(n · terms).
   */
  score(X: StateData, u?: StateData): number {
    const s = readStates(X, "score(X)", this.stateNames);
    const f = this.#formulation;
    if (s.n < f.minSamples) throw new RangeError(`score(X): ${s.n} samples, ${f.label} needs at least ${f.minSamples}`);
    const { theta, targets } = f.rows(s.columns, this.#controls(u, s.n, "score(X, u)"), this.options.dt, this.#library);
    const pred = predictColumns(theta, this.#xi), m = targets[0].length;
    let total = 0;
    targets.forEach((y, v) => {
      let mean = 0;
      for (let i = 0; i < m; i++) mean += y[i];
      mean /= m;
      let ssRes = 0, ssTot = 0;
      for (let i = 0; i < m; i++) { ssRes += (y[i] - pred[v][i]) ** 2; ssTot += (y[i] - mean) ** 2; }
      total += ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0; // scikit-learn's convention for a constant target
    });
    return total / targets.length;
  }

  /**
   * Integrates the identified model from the state `x0` over the times `t`
   * (increasing; t[0] is the time of x0) by the classical fourth-order
   * Runge–Kutta method, `substeps` steps per interval (default 1). Returns
   * one row of states per time. Throws, naming the time, when the solution
   * stops being finite (the identified model diverges). With control
   * inputs, `options.control` gives them as a function of time (called at
   * every Runge–Kutta stage). O(len(t) · substeps · terms).
   */
  simulate(x0: readonly number[], t: ArrayLike<number>, options: { substeps?: number; control?: (t: number) => ArrayLike<number> } = {}): number[][] {
    const d = this.stateNames.length, m = this.controlNames.length, p = this.featureNames.length, substeps = options.substeps ?? 1;
    const control = options.control;
    if (m > 0 && typeof control !== "function") throw new RangeError(`simulate: the model has control inputs (${this.controlNames.join(", ")}); give options.control, a function of t returning ${m} value${m > 1 ? "s" : ""}`);
    if (m === 0 && control !== undefined) throw new RangeError("simulate: the model has no control inputs, but options.control was given");
    if (!x0 || x0.length !== d) throw new RangeError(`simulate(x0): needs ${d} initial values (${this.stateNames.join(", ")}), got ${x0?.length}`);
    if (!x0.every(Number.isFinite)) throw new RangeError(`simulate(x0): initial values must be finite, got [${x0.join(", ")}]`);
    if (!t || t.length < 1) throw new RangeError("simulate(x0, t): t must hold at least one time");
    for (let i = 1; i < t.length; i++) if (!(t[i] > t[i - 1])) throw new RangeError(`simulate(x0, t): times must increase, t[${i - 1}] = ${t[i - 1]}, t[${i}] = ${t[i]}`);
    if (!Number.isInteger(substeps) || substeps < 1) throw new RangeError(`simulate: substeps must be an integer >= 1, got ${substeps}`);
    const terms = new Float64Array(p), xi = this.#xi, lib = this.#library, xu = new Float64Array(d + m);
    const rhs = (x: Float64Array, time: number, out: Float64Array): void => {
      xu.set(x);
      if (m > 0) {
        const u = control!(time);
        if (!u || u.length !== m) throw new RangeError(`simulate: options.control(${time}) returned ${u?.length} values, the model has ${m} control inputs`);
        for (let k = 0; k < m; k++) xu[d + k] = u[k];
      }
      lib.evaluate(xu, terms, 0);
      for (let v = 0; v < d; v++) { let s = 0; const c = xi[v]; for (let j = 0; j < p; j++) s += c[j] * terms[j]; out[v] = s; }
    };
    const x = Float64Array.from(x0), k1 = new Float64Array(d), k2 = new Float64Array(d), k3 = new Float64Array(d), k4 = new Float64Array(d), tmp = new Float64Array(d);
    const rows: number[][] = [Array.from(x)];
    for (let i = 1; i < t.length; i++) {
      const h = (t[i] - t[i - 1]) / substeps;
      for (let s = 0; s < substeps; s++) {
        const ts = t[i - 1] + s * h;
        rhs(x, ts, k1);
        for (let v = 0; v < d; v++) tmp[v] = x[v] + 0.5 * h * k1[v];
        rhs(tmp, ts + 0.5 * h, k2);
        for (let v = 0; v < d; v++) tmp[v] = x[v] + 0.5 * h * k2[v];
        rhs(tmp, ts + 0.5 * h, k3);
        for (let v = 0; v < d; v++) tmp[v] = x[v] + h * k3[v];
        rhs(tmp, ts + h, k4);
        for (let v = 0; v < d; v++) x[v] += (h / 6) * (k1[v] + 2 * k2[v] + 2 * k3[v] + k4[v]);
      }
      for (let v = 0; v < d; v++) if (!Number.isFinite(x[v])) throw new RangeError(`simulate: the identified model diverges: ${this.stateNames[v]} = ${x[v]} at t = ${t[i]}`);
      rows.push(Array.from(x));
    }
    return rows;
  }

  /** The equations, one per line. */
  toString(): string {
    return this.equations.join("\n");
  }
}

function toRows(columns: readonly Float64Array[], n: number): number[][] {
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = columns.map((c) => c[i]);
  return rows;
}

/** @internal yᵀy of each target column. */
export function sumSquares(targets: readonly Float64Array[]): number[] {
  return targets.map((y) => { let s = 0; for (let i = 0; i < y.length; i++) s += y[i] * y[i]; return s; });
}

/** @internal Per-equation RSS, AIC, AICc, BIC of coefficients xi on the rows theta/targets. */
export function informationCriteria(theta: readonly Float64Array[], targets: readonly Float64Array[], xi: readonly Float64Array[]): InformationCriteria {
  const n = targets[0].length, pred = predictColumns(theta, xi);
  const terms = xi.map((c) => c.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0));
  const rss = targets.map((y, v) => { let s = 0; for (let i = 0; i < n; i++) s += (y[i] - pred[v][i]) ** 2; return s; });
  const ll = rss.map((r) => n * Math.log(r / n));
  return {
    samples: n,
    terms,
    rss,
    aic: ll.map((l, v) => l + 2 * terms[v]),
    aicc: ll.map((l, v) => l + 2 * terms[v] + (2 * terms[v] * (terms[v] + 1)) / (n - terms[v] - 1)),
    bic: ll.map((l, v) => l + terms[v] * Math.log(n)),
  };
}

/** @internal Ensemble options with defaults, checked (`where` names the caller in errors). */
export function resolveEnsemble(e: EnsembleOptions | boolean | undefined, n: number, where = "sindy"): Required<EnsembleOptions> | null {
  if (e === undefined || e === false) return null;
  const o: EnsembleOptions = e === true ? {} : e;
  const models = o.models ?? 20, seed = o.seed ?? 0, subset = o.subset ?? n, level = o.level ?? 0.95;
  if (!Number.isInteger(models) || models < 2) throw new RangeError(`${where}({ ensemble: { models } }): must be an integer >= 2, got ${models}`);
  if (!Number.isInteger(subset) || subset < 1) throw new RangeError(`${where}({ ensemble: { subset } }): must be an integer >= 1, got ${subset}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`${where}({ ensemble: { level } }): must be in (0, 1), got ${level}`);
  if (!Number.isFinite(seed)) throw new RangeError(`${where}({ ensemble: { seed } }): must be a finite number, got ${seed}`);
  return { models, seed, subset, level };
}

/** @internal The coefficients of every target: one fit of the optimiser on the normal equations `full`, or the bagged ensemble when `ens` is set; the optimiser's warnings go to `warnings`. */
export function fitCoefficients(theta: readonly Float64Array[], targets: readonly Float64Array[], full: NormalEquations, optimizer: Optimizer, ens: Required<EnsembleOptions> | null, warnings: string[]): { xi: Float64Array[]; ensemble: EnsembleResult | null } {
  if (ens) {
    const r = ensembleFit(theta, targets, optimizer, ens, warnings);
    return { xi: r.xi, ensemble: r.result };
  }
  const r = optimizer.fit(full);
  warnings.push(...r.warnings);
  return { xi: r.coefficients, ensemble: null };
}

/** @internal Bagged fits: per model, rows drawn with replacement (as sample weights), fitted by the optimiser; the median and the quantiles over models. */
export function ensembleFit(theta: readonly Float64Array[], targets: readonly Float64Array[], optimizer: Optimizer, o: Required<EnsembleOptions>, warnings: string[]): { xi: Float64Array[]; result: EnsembleResult } {
  const n = targets[0].length, p = theta.length, d = targets.length, random = new Rng(o.seed);
  const fits: Float64Array[][] = [];
  const w = new Float64Array(n);
  for (let m = 0; m < o.models; m++) {
    w.fill(0);
    for (let i = 0; i < o.subset; i++) w[random.int(n)] += 1;
    const r = optimizer.fit(normalEquations(theta, targets, w));
    r.warnings.forEach((s) => warnings.push(`ensemble model ${m}: ${s}`));
    fits.push(r.coefficients);
  }
  const grid = (): number[][] => Array.from({ length: d }, () => new Array<number>(p).fill(0));
  const inclusion = grid(), med = grid(), lower = grid(), upper = grid();
  const values = new Float64Array(o.models);
  for (let v = 0; v < d; v++) for (let j = 0; j < p; j++) {
    let nz = 0;
    for (let m = 0; m < o.models; m++) { values[m] = fits[m][v][j]; if (values[m] !== 0) nz++; }
    inclusion[v][j] = nz / o.models;
    med[v][j] = median(values);
    const [lo, hi] = quantilesInPlace(values, [(1 - o.level) / 2, (1 + o.level) / 2]);
    lower[v][j] = lo;
    upper[v][j] = hi;
  }
  return { xi: med.map((r) => Float64Array.from(r)), result: { models: o.models, seed: o.seed, subset: o.subset, level: o.level, inclusion, median: med, lower, upper } };
}

/**
 * Identifies the dynamics ẋ = Θ(x) Ξ of states sampled every `dt` by sparse
 * regression (SINDy; PySINDy's defaults: polynomial library of degree 2,
 * second-order finite differences, STLSQ with threshold 0.1 and ridge 0.05).
 * X: number[][] with rows = time samples and columns = states (named x0, x1,
 * …) or a Table whose columns are the states; or a list of such trajectories
 * (e.g. several tracked walls or particles), each differentiated on its own
 * and fitted together. With `control`, inputs u (an applied field, a beam
 * current) join the states in the library (SINDYc; Brunton, Proctor &
 * Kutz, IFAC-PapersOnLine 49, 710 (2016)). Returns a {@link SindyModel}:
 * `featureNames`, `coefficients` (one row per state), `equations`, the
 * information criteria and Bayesian evidence, the options used, and `predict`, `simulate`, `score`.
 * Cost O(n·p² + p³·iterations) for n samples and p library terms (times the
 * number of models with `ensemble`).
 *
 * Throws, naming the cause: dt not > 0; a non-finite value (row and column);
 * a constant state; fewer samples than library terms (+1); library terms
 * that are linear combinations of each other on the data (named).
 *
 * @example
 * const m = cs.laws.sindy(X, { dt: 0.002, library: { degree: 2 }, threshold: 0.5 });
 * m.equations; // ["x0' = -10.000 x0 + 10.000 x1", ...]
 */
export function sindy(X: StateData | readonly StateData[], options: SindyOptions): SindyModel {
  if (!options || typeof options !== "object") throw new TypeError("sindy(X, options): options { dt, ... } are required");
  const { dt } = options;
  if (!(typeof dt === "number" && dt > 0 && Number.isFinite(dt))) throw new RangeError(`sindy({ dt }): dt must be a finite number > 0 (the sampling interval), got ${dt}`);
  if (options.optimizer && (options.threshold !== undefined || options.alpha !== undefined)) {
    throw new RangeError("sindy: give either `optimizer` or the shorthand `threshold`/`alpha` of the default STLSQ, not both");
  }
  const precision = options.precision ?? 3;
  if (!Number.isInteger(precision) || precision < 0 || precision > 15) throw new RangeError(`sindy({ precision }): must be an integer in [0, 15], got ${precision}`);
  const trajectories = isTrajectoryList(X) ? X : [X];
  if (trajectories.length === 0) throw new TypeError("sindy(X): an empty list of trajectories");
  const where = (k: number): string => (trajectories.length > 1 ? `sindy(X[${k}])` : "sindy(X)");
  const first = readStates(trajectories[0], where(0));
  const parts = [first, ...trajectories.slice(1).map((T, k) => readStates(T, where(k + 1), first.names, "the first trajectory has"))];
  const s = concatStates(parts);
  s.columns.forEach((c, v) => {
    if (c.every((x) => x === c[0])) throw new RangeError(`sindy(X): state ${s.names[v]} is constant (${c[0]} in all ${s.n} rows): it has no dynamics to identify and makes its library terms collinear; remove it`);
  });
  // control inputs: one per trajectory, same rows, own names
  let controlParts: States[] = [];
  if (options.control !== undefined) {
    const cs = trajectories.length > 1 ? options.control : [options.control];
    if (!Array.isArray(cs) || (trajectories.length > 1 && !isTrajectoryList(options.control as StateData[])) || cs.length !== trajectories.length) {
      throw new RangeError(`sindy({ control }): give one control data set per trajectory (${trajectories.length})`);
    }
    const cw = (k: number): string => (trajectories.length > 1 ? `sindy({ control[${k}] })` : "sindy({ control })");
    const c0 = readStates(cs[0] as StateData, cw(0), undefined, undefined, "u");
    controlParts = [c0, ...cs.slice(1).map((c, k) => readStates(c as StateData, cw(k + 1), c0.names, "the first control data set has", "u"))];
    controlParts.forEach((c, k) => { if (c.n !== parts[k].n) throw new RangeError(`${cw(k)}: ${c.n} rows, X${trajectories.length > 1 ? `[${k}]` : ""} has ${parts[k].n}`); });
    const clash = c0.names.find((n) => s.names.includes(n));
    if (clash) throw new RangeError(`sindy({ control }): the name ${clash} is both a state and a control input`);
  }
  const controlNames = controlParts.length ? controlParts[0].names : [];
  const library = resolveLibrary(options.library);
  if (options.weak && options.differentiation !== undefined) throw new RangeError("sindy: give either `weak` (no derivatives) or `differentiation`, not both");
  const weak = options.weak ? weakInfo(options.weak === true ? {} : options.weak) : null;
  const differentiation = weak ? null : resolveDifferentiation(options.differentiation);
  const formulation = weak ? weakForm(weak) : strongForm(differentiation!);
  const optimizer = options.optimizer ?? stlsq({ threshold: options.threshold, alpha: options.alpha });
  const featureNames = library.names([...s.names, ...controlNames]), p = featureNames.length;
  parts.forEach((q, k) => {
    if (q.n < formulation.minSamples) throw new RangeError(`${where(k)}: ${q.n} samples, ${formulation.label} needs at least ${formulation.minSamples}`);
  });
  if (s.n <= p) throw new RangeError(`sindy(X): ${s.n} samples for ${p} library terms (${library.description}); need more samples than terms — add data or use a smaller library`);
  // each trajectory differentiated (or integrated against test functions) on its own, then the rows stacked (PySINDy's multiple trajectories)
  const { theta, targets } = stackRows(parts.map((q, k) => formulation.rows(q.columns, controlParts.length ? controlParts[k].columns : [], dt, library)));
  const rowsN = targets[0].length;
  if (weak && rowsN <= p) throw new RangeError(`sindy(X): ${rowsN} weak-form windows for ${p} library terms; need more windows than terms — more data, a smaller weak.width or weak.stride, or a smaller library`);
  theta.forEach((c, j) => {
    for (let i = 0; i < rowsN; i++) if (!Number.isFinite(c[i])) throw new RangeError(`sindy: library term ${featureNames[j]} is ${c[i]} at ${weak ? "weak-form window" : "row"} ${i}${trajectories.length > 1 ? " (of the stacked trajectories)" : ""}`);
  });
  const full = normalEquations(theta, targets, null);
  const dep = firstDependentTerm(full);
  if (dep) {
    const others = dep.combination.map((j) => featureNames[j]);
    throw new RangeError(`sindy: collinear library terms: ${featureNames[dep.term]} is ${others.length ? `(numerically) a linear combination of ${others.join(", ")}` : "zero in every sample"} on this data; remove ${others.length ? "one of them" : "it"} (a smaller or different library)`);
  }
  const warnings: string[] = [];
  const ens = resolveEnsemble(options.ensemble, rowsN);
  const { xi, ensemble } = fitCoefficients(theta, targets, full, optimizer, ens, warnings);
  return new SindyModel({
    stateNames: s.names,
    controlNames,
    featureNames,
    coefficients: xi,
    informationCriteria: informationCriteria(theta, targets, xi),
    evidence: lawEvidence(full, sumSquares(targets), rowsN, xi, s.names.map((name) => `${name}'`)),
    ensemble,
    warnings,
    options: { dt, stateNames: s.names, trajectories: trajectories.length, controlNames, library: library.description, differentiation: differentiation ? differentiation.info : null, weak, optimizer: optimizer.info, ensemble: ens },
    library,
    formulation,
    precision,
  });
}
