/**
 * Candidate libraries of SINDy: the functions Θ(x) of the states whose sparse
 * combination is the law. A library is a value (PySINDy's feature_library
 * classes as plain objects): its term names for given state names, and the
 * evaluation of all its terms at one state vector. Libraries compose with
 * {@link concatLibraries}; the design matrix of a whole trajectory is
 * {@link libraryMatrix}.
 *
 * Reference: Brunton, Proctor & Kutz, PNAS 113, 3932 (2016); de Silva et al.,
 * "PySINDy", JOSS 5, 2104 (2020), feature_library/polynomial_library.py.
 */

/** A candidate library: `size(d)` terms of a d-state vector, named and evaluated pointwise. */
export interface FeatureLibrary {
  /** What it is, e.g. `polynomial(degree 2, bias)`; reported in the fitted model's options. */
  readonly description: string;
  /** Number of terms for `d` states. */
  size(d: number): number;
  /** Term names for the given state names (products written `x y`, powers `x^2`). */
  names(states: readonly string[]): string[];
  /** Writes the `size(x.length)` term values at the state vector `x` into `out[offset ...]`. */
  evaluate(x: ArrayLike<number>, out: Float64Array, offset: number): void;
}

/** Exponent vectors (one per term) of all monomials of total degree 0..degree in d variables, PySINDy/scikit-learn order. */
function monomials(d: number, degree: number, bias: boolean): Int32Array[] {
  const terms: Int32Array[] = [];
  // combinations_with_replacement of the variable indices, degree by degree
  const walk = (start: number, left: number, e: Int32Array): void => {
    if (left === 0) { terms.push(Int32Array.from(e)); return; }
    for (let v = start; v < d; v++) { e[v]++; walk(v, left - 1, e); e[v]--; }
  };
  for (let k = bias ? 0 : 1; k <= degree; k++) walk(0, k, new Int32Array(d));
  return terms;
}

/** Name of a monomial: `1`, `x`, `x^2`, `x y`, `x^2 y`. */
function monomialName(e: Int32Array, states: readonly string[]): string {
  const parts: string[] = [];
  for (let v = 0; v < e.length; v++) if (e[v] > 0) parts.push(e[v] === 1 ? states[v] : `${states[v]}^${e[v]}`);
  return parts.length ? parts.join(" ") : "1";
}

/**
 * Polynomial library: every monomial of the states of total degree ≤ `degree`
 * (with the constant `1` when `bias`, default true), ordered by degree, then
 * lexicographically in the state order, as PySINDy's PolynomialLibrary
 * (`1, x0, x1, x0^2, x0 x1, x1^2` for d = 2, degree 2). C(d + degree, d) terms;
 * O(terms · degree) per sample.
 * @example polynomialLibrary({ degree: 3, bias: false })
 */
export function polynomialLibrary(options: { degree: number; bias?: boolean }): FeatureLibrary {
  const degree = options?.degree;
  const bias = options?.bias ?? true;
  if (!Number.isInteger(degree) || degree < 0) throw new RangeError(`polynomialLibrary({ degree }): degree must be an integer >= 0, got ${degree}`);
  if (degree === 0 && !bias) throw new RangeError("polynomialLibrary: degree 0 without bias has no terms");
  const cache = new Map<number, Int32Array[]>();
  const termsOf = (d: number): Int32Array[] => {
    let t = cache.get(d);
    if (!t) { t = monomials(d, degree, bias); cache.set(d, t); }
    return t;
  };
  return {
    description: `polynomial(degree ${degree}${bias ? ", bias" : ", no bias"})`,
    size: (d) => termsOf(d).length,
    names: (states) => termsOf(states.length).map((e) => monomialName(e, states)),
    evaluate(x, out, offset) {
      const terms = termsOf(x.length);
      for (let k = 0; k < terms.length; k++) {
        const e = terms[k];
        let p = 1;
        for (let v = 0; v < e.length; v++) for (let m = 0; m < e[v]; m++) p *= x[v];
        out[offset + k] = p;
      }
    },
  };
}

/**
 * Fourier library: sin(k x) and cos(k x) of every state for k = 1..`frequencies`
 * (default 1), named and ordered as PySINDy's FourierLibrary (`sin(1 x0)`,
 * `cos(1 x0)`, `sin(1 x1)`, …, then k = 2). States in radians. 2·d·frequencies terms.
 */
export function fourierLibrary(options: { frequencies?: number } = {}): FeatureLibrary {
  const nf = options.frequencies ?? 1;
  if (!Number.isInteger(nf) || nf < 1) throw new RangeError(`fourierLibrary({ frequencies }): must be an integer >= 1, got ${nf}`);
  return {
    description: `fourier(frequencies ${nf})`,
    size: (d) => 2 * d * nf,
    names(states) {
      const out: string[] = [];
      for (let k = 1; k <= nf; k++) for (const s of states) out.push(`sin(${k} ${s})`, `cos(${k} ${s})`);
      return out;
    },
    evaluate(x, out, offset) {
      let j = offset;
      for (let k = 1; k <= nf; k++) for (let v = 0; v < x.length; v++) { out[j++] = Math.sin(k * x[v]); out[j++] = Math.cos(k * x[v]); }
    },
  };
}

/** One user function of a {@link customLibrary}: `fn` of `fn.length` states, and its name. */
export interface CustomFunction {
  /** A name such as `exp` (written `exp(x0)`, `f(x0, x1)`), or a function of the state names giving the whole term name. */
  name: string | ((...states: string[]) => string);
  /** The function; its arity (`fn.length`, ≥ 1) says how many states it takes. */
  fn: (...x: number[]) => number;
}

/** Combinations (without repetition, increasing) of `k` of the indices 0..d−1, in lexicographic order. */
function combinations(d: number, k: number): number[][] {
  const out: number[][] = [];
  const walk = (start: number, acc: number[]): void => {
    if (acc.length === k) { out.push(acc.slice()); return; }
    for (let v = start; v < d; v++) { acc.push(v); walk(v + 1, acc); acc.pop(); }
  };
  walk(0, []);
  return out;
}

/**
 * Library of user functions, as PySINDy's CustomLibrary: each function of
 * arity k is applied to every combination of k distinct states (in state
 * order), functions in the order given.
 * @example customLibrary([{ name: "exp", fn: Math.exp }, { name: (a, b) => `sin(${a} - ${b})`, fn: (a, b) => Math.sin(a - b) }])
 */
export function customLibrary(functions: readonly CustomFunction[]): FeatureLibrary {
  if (!Array.isArray(functions) || functions.length === 0) throw new RangeError("customLibrary(functions): needs a non-empty array of { name, fn }");
  functions.forEach((f, i) => {
    if (typeof f?.fn !== "function") throw new TypeError(`customLibrary: functions[${i}].fn is not a function`);
    if (f.fn.length < 1) throw new RangeError(`customLibrary: functions[${i}].fn must declare its arguments (arity fn.length >= 1), got 0`);
    if (typeof f.name !== "string" && typeof f.name !== "function") throw new TypeError(`customLibrary: functions[${i}].name must be a string or a function of the state names`);
  });
  const combos = (d: number): number[][][] => functions.map((f) => combinations(d, f.fn.length));
  const nameOf = (f: CustomFunction, args: string[]): string => (typeof f.name === "string" ? `${f.name}(${args.join(", ")})` : f.name(...args));
  return {
    description: `custom(${functions.length} function${functions.length > 1 ? "s" : ""})`,
    size: (d) => combos(d).reduce((s, c) => s + c.length, 0),
    names(states) {
      const cs = combos(states.length);
      return functions.flatMap((f, i) => cs[i].map((c) => nameOf(f, c.map((v) => states[v]))));
    },
    evaluate(x, out, offset) {
      const cs = combos(x.length);
      let j = offset;
      for (let i = 0; i < functions.length; i++) for (const c of cs[i]) out[j++] = functions[i].fn(...c.map((v) => x[v]));
    },
  };
}

/** Concatenation of libraries: all terms of the first, then of the second, … (PySINDy's ConcatLibrary, `lib1 + lib2`). */
export function concatLibraries(...libraries: FeatureLibrary[]): FeatureLibrary {
  if (libraries.length === 0) throw new RangeError("concatLibraries: needs at least one library");
  return {
    description: libraries.map((l) => l.description).join(" + "),
    size: (d) => libraries.reduce((s, l) => s + l.size(d), 0),
    names: (states) => libraries.flatMap((l) => l.names(states)),
    evaluate(x, out, offset) {
      let j = offset;
      for (const l of libraries) { l.evaluate(x, out, j); j += l.size(x.length); }
    },
  };
}

/**
 * The design matrix Θ of a trajectory: one Float64Array column per library
 * term, each of length n, from the state columns `states` (d arrays of length
 * n). O(n · terms · cost of a term).
 */
export function libraryMatrix(library: FeatureLibrary, states: readonly Float64Array[]): Float64Array[] {
  const d = states.length, n = d ? states[0].length : 0, p = library.size(d);
  const cols = Array.from({ length: p }, () => new Float64Array(n));
  const x = new Float64Array(d), row = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let v = 0; v < d; v++) x[v] = states[v][i];
    library.evaluate(x, row, 0);
    for (let j = 0; j < p; j++) cols[j][i] = row[j];
  }
  return cols;
}
