/**
 * Symbolic regression: an evolutionary search over expression trees for a
 * formula y ≈ f(columns), after PySR / SymbolicRegression.jl (Cranmer 2023,
 * "Interpretable machine learning for science with PySR and
 * SymbolicRegression.jl", arXiv:2305.01582).
 */
import { Rng } from "../../core/random";
import { progress } from "../../display/progress";
import type { MimeBundle } from "../../display/mime";
import { mse, optimizeConstants } from "./constants";
import { symbolicBundle } from "./display";
import { type Dimension, consistent, parseUnit } from "./units";
import {
  BINARY_OPERATORS, UNARY_OPERATORS, type BinaryOperator, type Node, type Operator, type UnaryOperator,
  Evaluator, assignNode, binaryNode, clone, constNode, unaryNode, varNode, complexity, depth, isBinary, isUnary, preorder, simplify, toLatex, toText,
} from "./expression";

/** Options of `symbolicRegression`. Defaults follow PySR where the name matches. */
export interface SymbolicOptions {
  /** Seed of the search; the same seed (and an `iterations` cap that binds before `timeLimit`) gives the same front. Default 0. */
  seed?: number;
  /** Wall-clock cap in seconds, checked after each population's cycles. Default 60. */
  timeLimit?: number;
  /** Iteration cap (PySR `niterations`); each iteration evolves every population then migrates. Default 100. */
  iterations?: number;
  /** Operators: any of `+ - * / ^ sqrt exp log sin cos`. Default `["+", "-", "*", "/"]` (PySR's default). */
  operators?: readonly string[];
  /** Number of populations (PySR `populations`). Default 8. */
  populations?: number;
  /** Members per population (PySR `population_size`). Default 33. */
  populationSize?: number;
  /** Mutations per population per iteration (PySR's cycles × tournaments per cycle). Default 200. */
  cyclesPerIteration?: number;
  /** Largest complexity (node count) of an expression (PySR `maxsize`). Default 20. */
  maxsize?: number;
  /** Largest tree depth (PySR `maxdepth`). Default 10. */
  maxdepth?: number;
  /** Constant complexity penalty added to the normalised loss (PySR `parsimony`). Default 0.0032. */
  parsimony?: number;
  /** Adaptive parsimony: tournament costs are multiplied by exp(scaling × frequency of the complexity) (PySR `adaptive_parsimony_scaling`). Default 20. */
  adaptiveParsimonyScaling?: number;
  /** Tournament size (PySR `tournament_selection_n`). Default 12. */
  tournamentSize?: number;
  /** Probability that the best of the tournament wins, then the second… (PySR `tournament_selection_p`). Default 0.86. */
  tournamentP?: number;
  /** Probability of crossover instead of mutation (PySR `crossover_probability`). Default 0.066. */
  crossoverProbability?: number;
  /** Probability per member and iteration of Levenberg–Marquardt constant optimisation (PySR `optimize_probability`). Default 0.14. */
  optimizeProbability?: number;
  /** Probability per member and iteration of being replaced by a good member of another population (PySR `fraction_replaced`). Default 0.00036. */
  fractionReplaced?: number;
  /** Probability per member and iteration of being replaced by a member of the Pareto front (PySR `fraction_replaced_hof`). Default 0.035. */
  fractionReplacedHof?: number;
  /** Stop once the lowest MSE is at or below this (PySR `early_stop_condition`). Default: no early stop (an early stop can leave a bloated exact expression on the front before its simplest form is found). */
  stopLoss?: number;
  /** Show an in-place progress bar in the kernel. Default true. */
  progress?: boolean;
  /**
   * Units of the columns, e.g. `{ m: "kg", a: "m/s^2" }` (see `parseUnit`); every column must be listed ("1" for
   * dimensionless). With `targetUnit`, dimensionally inconsistent expressions are rejected during the search.
   */
  units?: Record<string, string>;
  /** Unit of the target (required with `units`), e.g. `"N"`. */
  targetUnit?: string;
  /** With units: constants are pure numbers (PySR `dimensionless_constants_only`); default false (a constant may carry any unit, PySR's default). */
  dimensionlessConstants?: boolean;
}

/** One expression of the result. */
export interface SymbolicEquation {
  /** The expression in the column names with `+ - * / ^ sqrt exp log sin cos`; parses with sympy (`parse_expr`) and mathjs. */
  expression: string;
  /** The expression as LaTeX. */
  latex: string;
  /** Number of nodes (operators, variables, constants). */
  complexity: number;
  /** Mean squared error on the data, in the target's units squared. */
  loss: number;
  /** PySR's score: −Δ log(loss) / Δ complexity against the next simpler front member (0 for the simplest). */
  score: number;
  /** Evaluate on named columns: those the expression uses are required (same names as the data), others are ignored. */
  predict(data: Record<string, ArrayLike<number>>): Float64Array;
}

/** Result of `symbolicRegression`. */
export interface SymbolicResult {
  /** PySR's "best": the highest score among front members whose loss is at most 1.5 × the lowest loss. */
  best: SymbolicEquation;
  /** The Pareto front (complexity against loss), by increasing complexity and strictly decreasing loss. */
  front: SymbolicEquation[];
  /** Iterations completed. */
  iterations: number;
  /** Expressions evaluated (mutations, crossovers and constant-optimisation starts). */
  evaluations: number;
  /** What ended the search. */
  stoppedBy: "iterations" | "timeLimit" | "stopLoss";
  /** Seconds spent. */
  seconds: number;
  /** Notebook display: the front as a table and an SVG plot, the best formula in LaTeX. */
  toMimeBundle(): MimeBundle;
  /** The options in force (defaults filled in). */
  options: Required<Omit<SymbolicOptions, "operators" | "units" | "targetUnit">> & Pick<SymbolicOptions, "units" | "targetUnit"> & { operators: Operator[] };
}

interface Member {
  tree: Node;
  loss: number;
  complexity: number;
  birth: number;
}

// Names that sympy.parse_expr would read as its own constants, functions or Python keywords.
const RESERVED = new Set([
  "E", "I", "N", "O", "Q", "S", "pi", "oo", "nan", "zoo", "beta", "gamma", "zeta", "Li", "li", "re", "im",
  "sqrt", "exp", "log", "sin", "cos", "tan", "abs", "Abs", "sign", "ln", "factorial",
  "lambda", "and", "or", "not", "if", "else", "for", "in", "is", "def", "class", "return", "from", "import",
  "True", "False", "None", "as", "with", "while", "pass", "del", "global", "try", "except", "raise", "yield",
]);

const MUTATION_WEIGHTS = {
  mutateConstant: 0.048, mutateOperator: 0.47, swapOperands: 0.1, addNode: 0.79, insertNode: 5.1,
  deleteNode: 1.7, simplify: 0.002, randomize: 0.00023, doNothing: 0.21,
};
type Mutation = keyof typeof MUTATION_WEIGHTS;

function validate(data: Record<string, ArrayLike<number>>, target: ArrayLike<number>): { names: string[]; columns: Float64Array[]; y: Float64Array } {
  if (data === null || typeof data !== "object") throw new TypeError("symbolicRegression(data): data must be an object of named Float64Array columns");
  if (!target || typeof target.length !== "number") throw new TypeError("symbolicRegression(target): target must be a Float64Array");
  const names = Object.keys(data);
  if (names.length === 0) throw new RangeError("symbolicRegression(data): no columns");
  const n = target.length;
  if (n < 2) throw new RangeError(`symbolicRegression(target): need at least 2 samples, got ${n}`);
  const y = Float64Array.from(target);
  const bad = y.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`symbolicRegression(target): value ${y[bad]} at row ${bad} is not finite`);
  const columns = names.map((name) => {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`symbolicRegression(data): column name "${name}" is not an identifier (letters, digits, _; a letter first), so the expression could not be parsed`);
    if (RESERVED.has(name)) throw new RangeError(`symbolicRegression(data): column name "${name}" is a sympy/Python name (it would parse as sympy's ${name}); rename the column`);
    const col = data[name];
    if (!col || typeof col.length !== "number") throw new TypeError(`symbolicRegression(data.${name}): not an array`);
    if (col.length !== n) throw new RangeError(`symbolicRegression(data.${name}): length ${col.length} differs from the target's ${n}`);
    const out = Float64Array.from(col);
    const i = out.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) throw new RangeError(`symbolicRegression(data.${name}): value ${out[i]} at row ${i} is not finite`);
    return out;
  });
  return { names, columns, y };
}

function resolveOptions(options: SymbolicOptions): SymbolicResult["options"] {
  const operators = (options.operators ?? ["+", "-", "*", "/"]).map(String);
  if (operators.length === 0) throw new RangeError("symbolicRegression(options.operators): empty");
  for (const op of operators) {
    if (!isBinary(op) && !isUnary(op)) {
      throw new RangeError(`symbolicRegression(options.operators): unknown operator "${op}"; accepted: ${[...BINARY_OPERATORS, ...UNARY_OPERATORS].join(" ")}`);
    }
  }
  const o = {
    seed: options.seed ?? 0, timeLimit: options.timeLimit ?? 60, iterations: options.iterations ?? 100,
    populations: options.populations ?? 8, populationSize: options.populationSize ?? 33,
    cyclesPerIteration: options.cyclesPerIteration ?? 200, maxsize: options.maxsize ?? 20, maxdepth: options.maxdepth ?? 10,
    parsimony: options.parsimony ?? 0.0032, adaptiveParsimonyScaling: options.adaptiveParsimonyScaling ?? 20,
    tournamentSize: options.tournamentSize ?? 12, tournamentP: options.tournamentP ?? 0.86,
    crossoverProbability: options.crossoverProbability ?? 0.066, optimizeProbability: options.optimizeProbability ?? 0.14,
    fractionReplaced: options.fractionReplaced ?? 0.00036, fractionReplacedHof: options.fractionReplacedHof ?? 0.035,
    stopLoss: options.stopLoss ?? -Infinity, progress: options.progress ?? true,
    units: options.units, targetUnit: options.targetUnit, dimensionlessConstants: options.dimensionlessConstants ?? false,
    operators: [...new Set(operators)] as Operator[],
  };
  const positiveInts: (keyof typeof o)[] = ["iterations", "populations", "populationSize", "cyclesPerIteration", "maxsize", "maxdepth", "tournamentSize"];
  for (const name of positiveInts) {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`symbolicRegression(options.${name}): must be a positive integer, got ${v}`);
  }
  if (o.tournamentSize > o.populationSize) throw new RangeError(`symbolicRegression(options.tournamentSize): ${o.tournamentSize} exceeds populationSize ${o.populationSize}`);
  if (!(o.timeLimit > 0)) throw new RangeError(`symbolicRegression(options.timeLimit): must be > 0 seconds, got ${o.timeLimit}`);
  if (!Number.isFinite(o.seed)) throw new RangeError(`symbolicRegression(options.seed): must be a finite number, got ${o.seed}`);
  for (const name of ["tournamentP", "crossoverProbability", "optimizeProbability", "fractionReplaced", "fractionReplacedHof"] as const) {
    if (!(o[name] >= 0 && o[name] <= 1)) throw new RangeError(`symbolicRegression(options.${name}): must be in [0, 1], got ${o[name]}`);
  }
  if (!(o.parsimony >= 0) || !(o.adaptiveParsimonyScaling >= 0) || Number.isNaN(o.stopLoss)) {
    throw new RangeError("symbolicRegression(options): parsimony and adaptiveParsimonyScaling must be >= 0 and stopLoss a number");
  }
  return o;
}

/** The search state of one run (populations, hall of fame, complexity frequencies). */
class Search {
  readonly rng: Rng;
  readonly binary: BinaryOperator[];
  readonly unary: UnaryOperator[];
  readonly evaluator: Evaluator;
  readonly baseline: number;
  /** Count of current members per complexity plus 1 (PySR's frequency, for adaptive parsimony); sums to `total` once populated. */
  readonly frequency: Float64Array;
  /** exp(adaptiveParsimonyScaling × frequency / total) per complexity, kept in step with `frequency`. */
  readonly multiplier: Float64Array;
  readonly total: number;
  /** Best member per complexity (index = complexity). */
  readonly hall: (Member | undefined)[];
  evaluations = 0;
  births = 0;

  constructor(
    readonly o: SymbolicResult["options"], readonly nFeatures: number, columns: Float64Array[], readonly y: Float64Array,
    readonly dims: { columns: Dimension[]; target: Dimension } | null,
  ) {
    this.rng = new Rng(o.seed);
    this.binary = o.operators.filter(isBinary);
    this.unary = o.operators.filter(isUnary);
    this.evaluator = new Evaluator(columns, y.length);
    let mean = 0;
    for (const v of y) mean += v;
    mean /= y.length;
    let variance = 0;
    for (const v of y) variance += (v - mean) ** 2;
    this.baseline = Math.max(variance / y.length, Number.MIN_VALUE);
    this.frequency = new Float64Array(o.maxsize + 1).fill(1);
    this.total = o.maxsize + 1 + o.populations * o.populationSize;
    this.multiplier = new Float64Array(o.maxsize + 1).fill(Math.exp(o.adaptiveParsimonyScaling / this.total));
    this.hall = new Array(o.maxsize + 1);
  }

  /** Whether `tree` respects the units (always true without units). */
  admissible(tree: Node): boolean {
    return !this.dims || consistent(tree, this.dims.columns, this.dims.target, this.o.dimensionlessConstants);
  }

  /** MSE of `tree`; Infinity when it is not finite or breaks the units. */
  loss(tree: Node): number {
    if (!this.admissible(tree)) return Infinity;
    this.evaluations++;
    return mse(this.evaluator.evaluate(tree), this.y);
  }

  member(tree: Node, loss = this.loss(tree)): Member {
    const m = { tree, loss, complexity: complexity(tree), birth: this.births++ };
    this.record(m);
    return m;
  }

  record(m: Member): void {
    const best = this.hall[m.complexity];
    if (Number.isFinite(m.loss) && m.complexity <= this.o.maxsize && (!best || m.loss < best.loss)) {
      this.hall[m.complexity] = { ...m, tree: clone(m.tree) };
    }
  }

  /** Normalised cost: loss / baseline loss + parsimony × complexity (PySR). */
  cost(m: Member): number {
    return m.loss / this.baseline + this.o.parsimony * m.complexity;
  }

  /** Tournament cost: the cost scaled by exp(scaling × relative frequency of the member's complexity) (PySR's adaptive parsimony). */
  adjustedCost(m: Member): number {
    return this.cost(m) * this.multiplier[m.complexity];
  }

  /** A member of complexity `from` (0: none) is replaced by one of complexity `to` (0: none). */
  shift(from: number, to: number): void {
    for (const [c, d] of [[from, -1], [to, 1]]) {
      if (c === 0) continue;
      this.frequency[c] += d;
      this.multiplier[c] = Math.exp((this.o.adaptiveParsimonyScaling * this.frequency[c]) / this.total);
    }
  }

  leaf(): Node {
    return this.rng.uniform() < 0.5 ? constNode(this.rng.normal()) : varNode(this.rng.int(this.nFeatures));
  }

  /** A new operator node over random leaves (PySR's append_random_op). */
  opOverLeaves(child?: Node): Node {
    const useUnary = this.unary.length > 0 && (this.binary.length === 0 || this.rng.uniform() < this.unary.length / (this.unary.length + this.binary.length));
    if (useUnary) return unaryNode(this.unary[this.rng.int(this.unary.length)], child ?? this.leaf());
    const op = this.binary[this.rng.int(this.binary.length)];
    const other = this.leaf();
    if (!child) return binaryNode(op, this.leaf(), other);
    return this.rng.uniform() < 0.5 ? binaryNode(op, child, other) : binaryNode(op, other, child);
  }

  randomTree(ops: number): Node {
    let tree = this.leaf();
    for (let i = 0; i < ops; i++) {
      const leaves = preorder(tree).filter((node) => node.kind === "const" || node.kind === "var");
      const target = leaves[this.rng.int(leaves.length)];
      const replacement = this.opOverLeaves();
      if (target === tree) tree = replacement;
      else assignNode(target, replacement);
    }
    return tree;
  }

  fits(tree: Node): boolean {
    return complexity(tree) <= this.o.maxsize && depth(tree) <= this.o.maxdepth;
  }

  /** A mutated copy of `tree`, or null when the mutation does not apply or breaks the size limits. */
  mutate(tree: Node, kind: Mutation): Node | null {
    const t = clone(tree);
    const nodes = preorder(t);
    const pick = <T>(list: T[]): T | null => (list.length ? list[this.rng.int(list.length)] : null);
    switch (kind) {
      case "mutateConstant": {
        const c = pick(nodes.filter((node) => node.kind === "const"));
        if (!c || c.kind !== "const") return null;
        const factor = Math.pow(1 + 0.076 + 0.1, this.rng.uniform());
        c.value = this.rng.uniform() < 0.5 ? c.value * factor : c.value / factor;
        if (this.rng.uniform() < 0.01) c.value = -c.value;
        break;
      }
      case "mutateOperator": {
        const node = pick(nodes.filter((x) => x.kind === "unary" || x.kind === "binary"));
        if (!node) return null;
        if (node.kind === "unary") node.op = this.unary[this.rng.int(this.unary.length)];
        else if (node.kind === "binary") node.op = this.binary[this.rng.int(this.binary.length)];
        break;
      }
      case "swapOperands": {
        const node = pick(nodes.filter((x) => x.kind === "binary"));
        if (!node || node.kind !== "binary") return null;
        [node.a, node.b] = [node.b, node.a];
        break;
      }
      case "addNode": {
        const leaf = pick(nodes.filter((x) => x.kind === "const" || x.kind === "var"))!;
        const replacement = this.rng.uniform() < 0.5 ? this.opOverLeaves() : this.opOverLeaves(clone(leaf));
        if (leaf === t) return this.fits(replacement) ? replacement : null;
        assignNode(leaf, replacement);
        break;
      }
      case "insertNode": {
        const node = pick(nodes)!;
        const replacement = this.opOverLeaves(clone(node));
        if (node === t) return this.fits(replacement) ? replacement : null;
        assignNode(node, replacement);
        break;
      }
      case "deleteNode": {
        const node = pick(nodes.filter((x) => x.kind === "unary" || x.kind === "binary"));
        if (!node) return null;
        const child = node.kind === "binary" && this.rng.uniform() < 0.5 ? node.b : (node as { a: Node }).a;
        const kept = clone(child);
        if (node === t) return kept;
        assignNode(node, kept);
        break;
      }
      case "simplify": return simplify(t);
      case "randomize": return this.randomTree(this.rng.int(Math.max(1, (this.o.maxsize - 1) >> 1)) + 1);
      case "doNothing": break;
    }
    return this.fits(t) ? t : null;
  }

  chooseMutation(tree: Node): Mutation {
    const size = complexity(tree);
    const weights = { ...MUTATION_WEIGHTS };
    if (size >= this.o.maxsize) { weights.addNode = 0; weights.insertNode = 0; }
    if (!preorder(tree).some((node) => node.kind === "const")) weights.mutateConstant = 0;
    let total = 0;
    for (const w of Object.values(weights)) total += w;
    let u = this.rng.uniform() * total;
    for (const [name, w] of Object.entries(weights) as [Mutation, number][]) {
      if ((u -= w) < 0) return name;
    }
    return "doNothing";
  }

  /**
   * Tournament selection: `tournamentSize` distinct members (partial Fisher–Yates), ranked by adjusted cost;
   * the k-th best wins with probability p(1-p)^k (the last takes the rest), drawn as one geometric variate.
   */
  tournament(population: Member[]): Member {
    const size = this.o.tournamentSize;
    const index = Array.from({ length: population.length }, (_, i) => i);
    for (let i = 0; i < size; i++) {
      const j = i + this.rng.int(population.length - i);
      [index[i], index[j]] = [index[j], index[i]];
    }
    const chosen = index.slice(0, size).map((i) => population[i]);
    const costs = chosen.map((m) => this.adjustedCost(m));
    const order = chosen.map((_, i) => i).sort((a, b) => costs[a] - costs[b] || chosen[a].birth - chosen[b].birth);
    const p = this.o.tournamentP;
    const k = p >= 1 ? 0 : p <= 0 ? size - 1 : Math.floor(Math.log(1 - this.rng.uniform()) / Math.log(1 - p));
    return chosen[order[Math.min(k, size - 1)]];
  }

  /** Replace the oldest member (regularised evolution, as PySR). */
  replaceOldest(population: Member[], child: Member): void {
    let oldest = 0;
    for (let i = 1; i < population.length; i++) if (population[i].birth < population[oldest].birth) oldest = i;
    this.shift(population[oldest].complexity, child.complexity);
    population[oldest] = child;
  }

  /** One mutation or crossover step in `population`. */
  step(population: Member[]): void {
    if (this.rng.uniform() < this.o.crossoverProbability) {
      const p1 = this.tournament(population), p2 = this.tournament(population);
      const a = clone(p1.tree), b = clone(p2.tree);
      const na = preorder(a), nb = preorder(b);
      const sa = na[this.rng.int(na.length)], sb = nb[this.rng.int(nb.length)];
      const ca = clone(sa), cb = clone(sb);
      const childA = sa === a ? cb : (assignNode(sa, cb), a);
      const childB = sb === b ? ca : (assignNode(sb, ca), b);
      for (const child of [childA, childB]) {
        if (!this.fits(child)) continue;
        const m = this.member(child);
        if (Number.isFinite(m.loss)) this.replaceOldest(population, m);
      }
      return;
    }
    const parent = this.tournament(population);
    const kind = this.chooseMutation(parent.tree);
    let tree: Node | null = null;
    for (let attempt = 0; attempt < 10 && !tree; attempt++) tree = this.mutate(parent.tree, kind);
    let child = tree ? this.member(tree) : null;
    // PySR's acceptance with use_frequency: reject a finite child with probability 1 - freq(old) / freq(new).
    if (child && Number.isFinite(child.loss)) {
      const fo = this.frequency[parent.complexity], fn = this.frequency[child.complexity];
      if (fo / fn < this.rng.uniform()) child = null;
    } else child = null;
    this.replaceOldest(population, child ?? { ...parent, tree: clone(parent.tree), birth: this.births++ });
  }

  /** End-of-iteration work on a population: constant optimisation (probability optimizeProbability) and simplification of every member. */
  finishPopulation(population: Member[]): void {
    for (let i = 0; i < population.length; i++) {
      const m = population[i];
      let tree = simplify(m.tree);
      let loss = m.loss;
      if (this.rng.uniform() < this.o.optimizeProbability && preorder(tree).some((node) => node.kind === "const")) {
        ({ tree, loss } = this.optimize(tree));
      } else loss = this.loss(tree);
      if (!Number.isFinite(loss)) { tree = m.tree; loss = m.loss; }
      const next = { tree, loss, complexity: complexity(tree), birth: m.birth };
      this.shift(m.complexity, next.complexity);
      population[i] = next;
      this.record(next);
    }
  }

  /** Levenberg–Marquardt on a copy of `tree`: the copy and its loss, or `tree` and its loss when the fitted constants break the units (e.g. a fitted power). */
  optimize(tree: Node, maxIterations = 20): { tree: Node; loss: number } {
    this.evaluations++;
    const fitted = clone(tree);
    const loss = optimizeConstants(fitted, this.evaluator, this.y, maxIterations);
    return this.admissible(fitted) ? { tree: fitted, loss } : { tree, loss: this.loss(tree) };
  }

  /** The Pareto front of the hall of fame: members whose loss (floored at `floor`) is below every simpler member's. */
  front(floor: number): Member[] {
    const out: Member[] = [];
    let bestLoss = Infinity;
    for (let c = 1; c <= this.o.maxsize; c++) {
      const m = this.hall[c];
      if (!m) continue;
      const loss = Math.max(m.loss, floor);
      if (loss < bestLoss) { out.push(m); bestLoss = loss; }
    }
    return out;
  }
}

/**
 * Symbolic regression: search for a formula `target ≈ f(data columns)` built
 * from `options.operators`, returning the Pareto front of complexity (node
 * count) against mean squared error and PySR's "best" pick.
 *
 * The algorithm is PySR's (Cranmer 2023, arXiv:2305.01582): `populations`
 * populations of expression trees evolve by regularised evolution (tournament
 * selection with adaptive parsimony, i.e. costs scaled by the running frequency
 * of each complexity; mutations of constants and operators, node insertion,
 * deletion, subtree growth, simplification, crossover; the oldest member
 * replaced); after each iteration every population's constants are optimised
 * (Levenberg–Marquardt, with probability `optimizeProbability` per member), its
 * members simplified, and members migrate between populations and from the
 * hall of fame. Model selection is PySR's "best": among front members with
 * loss ≤ 1.5 × the lowest, the highest score −Δlog(loss)/Δcomplexity. Losses
 * below 1e-20 × var(target) count as equal (exact to rounding), so a larger
 * expression never wins on round-off.
 *
 * Units (issue 17 item 3, as PySR's `X_units`/`y_units`): with `units` and
 * `targetUnit`, an expression whose dimension cannot equal the target's
 * (unlike terms added, a dimensional argument of exp/log/sin/cos, a dimensional
 * base with a non-constant power) gets infinite loss and never enters a
 * population or the front. Fitted constants are wildcards (they may carry any
 * unit) unless `dimensionlessConstants` is set.
 *
 * Reproducibility: populations are evolved in a fixed order from one seeded
 * generator, so the same seed gives the same front whenever the `iterations`
 * cap (or `stopLoss`) ends the search; a run ended by `timeLimit` stops after
 * a machine-dependent amount of work and is not reproducible.
 *
 * Cost: populations × cyclesPerIteration × iterations evaluations of a tree
 * over all rows (one typed-array loop per node), plus about 20 (k + 1)
 * evaluations per constant optimisation of a tree with k constants.
 *
 * @param data named columns (Float64Array or number[]) of equal length; names must be identifiers and not sympy names (E, I, N, O, Q, S, pi, beta, gamma, …).
 * @param target the values to explain, one per row.
 * @example
 *   const m = new Float64Array(200).map(() => 1 + Math.random()), a = m.map(() => Math.random());
 *   const r = symbolicRegression({ m, a }, m.map((v, i) => v * a[i]), { seed: 1, timeLimit: 10, iterations: 20 });
 *   r.best.expression; // "m * a"
 */
export function symbolicRegression(
  data: Record<string, ArrayLike<number>>,
  target: ArrayLike<number>,
  options: SymbolicOptions = {},
): SymbolicResult {
  const started = Date.now();
  const { names, columns, y } = validate(data, target);
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length;
  let variance = 0;
  for (const v of y) variance += (v - mean) ** 2;
  variance /= y.length;
  const o = resolveOptions(options);
  const search = new Search(o, names.length, columns, y, dimensions(names, o));
  const floor = 1e-20 * variance;
  const deadline = started + o.timeLimit * 1000;

  const populations: Member[][] = [];
  for (let p = 0; p < o.populations; p++) {
    const pop: Member[] = [];
    for (let i = 0; i < o.populationSize; i++) {
      let tree = search.randomTree(search.rng.int(3) + 1);
      if (!search.fits(tree)) tree = search.leaf();
      const m = search.member(tree);
      search.shift(0, m.complexity);
      pop.push(m);
    }
    populations.push(pop);
  }

  const bar = o.progress ? progress(o.iterations, { label: "Symbolic regression" }) : null;
  let iterations = 0;
  let stoppedBy: SymbolicResult["stoppedBy"] = "iterations";
  const bestLoss = () => search.hall.reduce((b, m) => (m && m.loss < b ? m.loss : b), Infinity);
  outer: for (; iterations < o.iterations; ) {
    for (const pop of populations) {
      for (let c = 0; c < o.cyclesPerIteration; c++) search.step(pop);
      search.finishPopulation(pop);
      if (Date.now() > deadline) { stoppedBy = "timeLimit"; iterations++; break outer; }
    }
    // Migration, in population order: from the best members of all populations, and from the front.
    const bestOf = populations.map((pop) => [...pop].sort((a, b) => search.cost(a) - search.cost(b) || a.birth - b.birth).slice(0, 12)).flat();
    const front = search.front(floor);
    for (const pop of populations) {
      for (let i = 0; i < pop.length; i++) {
        let source: Member | null = null;
        if (search.rng.uniform() < o.fractionReplaced) source = bestOf[search.rng.int(bestOf.length)];
        else if (front.length && search.rng.uniform() < o.fractionReplacedHof) source = front[search.rng.int(front.length)];
        if (!source) continue;
        search.shift(pop[i].complexity, source.complexity);
        pop[i] = { ...source, tree: clone(source.tree), birth: search.births++ };
      }
    }
    iterations++;
    const best = bestLoss();
    bar?.update(iterations, `lowest MSE ${best.toPrecision(3)}`);
    if (best <= o.stopLoss) { stoppedBy = "stopLoss"; break; }
    if (Date.now() > deadline) { stoppedBy = "timeLimit"; break; }
  }

  // Polish the front: Levenberg–Marquardt on every hall-of-fame member with constants, then simplify.
  for (let c = 1; c <= o.maxsize; c++) {
    const m = search.hall[c];
    if (!m || !preorder(m.tree).some((node) => node.kind === "const")) continue;
    const { tree, loss } = search.optimize(m.tree, 50);
    const simple = simplify(tree);
    const simpleLoss = search.loss(simple);
    search.record({ tree: simple, loss: simpleLoss, complexity: complexity(simple), birth: m.birth });
    if (loss < m.loss) search.hall[c] = { ...m, tree, loss };
  }
  bar?.done(`${iterations} iterations, ${stoppedBy}`);

  const front = search.front(floor).map((m, i, all): SymbolicEquation => {
    const prev = all[i - 1];
    const score = prev ? -(Math.log(Math.max(m.loss, floor, Number.MIN_VALUE)) - Math.log(Math.max(prev.loss, floor, Number.MIN_VALUE))) / (m.complexity - prev.complexity) : 0;
    return equation(m.tree, m.loss, score, names);
  });
  const lowest = Math.min(...front.map((e) => Math.max(e.loss, floor)));
  let best = front[0];
  for (const e of front) if (Math.max(e.loss, floor) <= 1.5 * lowest && (best.loss > 1.5 * lowest || e.score > best.score)) best = e;
  return {
    best, front, iterations, evaluations: search.evaluations, stoppedBy, seconds: (Date.now() - started) / 1000, options: o,
    toMimeBundle: () => symbolicBundle(front, best),
  };
}

/** The column and target dimensions from `options.units` / `targetUnit`, or null when no units are given. */
function dimensions(names: string[], o: SymbolicResult["options"]): { columns: Dimension[]; target: Dimension } | null {
  if (o.units === undefined && o.targetUnit === undefined) return null;
  if (o.units === undefined || o.targetUnit === undefined) throw new RangeError("symbolicRegression(options): units and targetUnit go together (give both or neither)");
  const units = o.units;
  for (const name of Object.keys(units)) if (!names.includes(name)) throw new RangeError(`symbolicRegression(options.units.${name}): no such column (columns: ${names.join(", ")})`);
  const columns = names.map((name) => {
    if (!Object.hasOwn(units, name)) throw new RangeError(`symbolicRegression(options.units): column "${name}" has no unit (give "1" if it is dimensionless)`);
    return parseUnit(units[name], `symbolicRegression(options.units.${name})`);
  });
  return { columns, target: parseUnit(o.targetUnit, "symbolicRegression(options.targetUnit)") };
}

function equation(tree: Node, loss: number, score: number, names: string[]): SymbolicEquation {
  const frozen = clone(tree);
  const used = [...new Set(preorder(frozen).flatMap((node) => (node.kind === "var" ? [node.feature] : [])))].sort((x, y) => x - y);
  return {
    expression: toText(frozen, names),
    latex: toLatex(frozen, names),
    complexity: complexity(frozen),
    loss,
    score,
    predict(data: Record<string, ArrayLike<number>>): Float64Array {
      if (data === null || typeof data !== "object") throw new TypeError("predict(data): data must be an object of named columns");
      const given = used.map((j) => {
        if (!Object.hasOwn(data, names[j])) throw new RangeError(`predict(data): column "${names[j]}" is missing (the expression uses ${used.map((k) => names[k]).join(", ")})`);
        return Float64Array.from(data[names[j]]);
      });
      const n = given.length ? given[0].length : Object.values(data)[0]?.length ?? 1;
      given.forEach((col, k) => { if (col.length !== n) throw new RangeError(`predict(data.${names[used[k]]}): length ${col.length} differs from ${names[used[0]]}'s ${n}`); });
      const cols = names.map(() => new Float64Array(0)); // columns the expression does not read stay empty
      used.forEach((j, k) => { cols[j] = given[k]; });
      return new Evaluator(cols, n).evaluate(frozen).slice();
    },
  };
}
