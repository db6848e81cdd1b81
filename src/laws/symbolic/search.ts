/**
 * Symbolic regression: an evolutionary search over expression trees for a
 * formula y ≈ f(columns), after PySR / SymbolicRegression.jl (Cranmer 2023,
 * "Interpretable machine learning for science with PySR and
 * SymbolicRegression.jl", arXiv:2305.01582).
 */
import { checkChoice } from "../../core/options";
import { defaultWorkers, sharedPool } from "../../core/pool";
import { progress } from "../../display/progress";
import type { MimeBundle } from "../../display/mime";
import { symbolicBundle } from "./display";
import { type Dimension, parseUnit } from "./units";
import { BINARY_OPERATORS, UNARY_OPERATORS, type Node, type Operator, Evaluator, clone, complexity, preorder, simplify, toLatex, toText } from "./expression";
import { type IslandJob, type IslandResult, type IslandState, type Member, type Migrants, type Problem, Scorer, evolveIsland, islandSeed, record } from "./island";

/** Options of `symbolicRegression`. Defaults follow PySR where the name matches. */
export interface SymbolicOptions {
  /** Seed of the search; the same seed (and an `iterations` cap that binds before `timeLimit`) gives the same front, on any number of workers. Default 0. */
  seed?: number;
  /** Wall-clock cap in seconds, checked before each population's iteration and at each synchronisation. Default 60. */
  timeLimit?: number;
  /** Iteration cap (PySR `niterations`); each iteration evolves every population then migrates. Default 100. */
  iterations?: number;
  /** Operators: any of `+ - * / ^ sqrt exp log sin cos`. Default `["+", "-", "*", "/"]` (PySR's default). */
  operators?: readonly string[];
  /** Number of populations (PySR `populations`). Default 8. */
  populations?: number;
  /** Members per population (PySR `population_size`). Default 33. */
  populationSize?: number;
  /** Mutations per population per iteration (PySR's cycles × tournaments per cycle): how long a population evolves on its own between synchronisations. Default 200. */
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
  /** Probability per member and iteration of being replaced by one of the 12 lowest-cost members of any population (PySR `fraction_replaced`). Default 0.00036. */
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

// Names that sympy.parse_expr would read as its own constants, functions or Python keywords.
const RESERVED = new Set([
  "E", "I", "N", "O", "Q", "S", "pi", "oo", "nan", "zoo", "beta", "gamma", "zeta", "Li", "li", "re", "im",
  "sqrt", "exp", "log", "sin", "cos", "tan", "abs", "Abs", "sign", "ln", "factorial",
  "lambda", "and", "or", "not", "if", "else", "for", "in", "is", "def", "class", "return", "from", "import",
  "True", "False", "None", "as", "with", "while", "pass", "del", "global", "try", "except", "raise", "yield",
]);

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
  if (options === null || typeof options !== "object") throw new TypeError(`symbolicRegression(options): must be an object, got ${options === null ? "null" : typeof options}`);
  const operators = options.operators ?? ["+", "-", "*", "/"];
  if (!Array.isArray(operators)) throw new TypeError(`symbolicRegression(options.operators): must be an array of operator names, got ${typeof operators}`);
  if (operators.length === 0) throw new RangeError("symbolicRegression(options.operators): empty");
  for (const op of operators) checkChoice<string>("symbolicRegression", "operators", op ?? String(op), [...BINARY_OPERATORS, ...UNARY_OPERATORS]);
  for (const name of ["progress", "dimensionlessConstants"] as const) checkChoice("symbolicRegression", name, options[name], [true, false]);
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

/**
 * Symbolic regression: search for a formula `target ≈ f(data columns)` built
 * from `options.operators`, returning the Pareto front of complexity (node
 * count) against mean squared error and PySR's "best" pick.
 *
 * The algorithm is PySR's (Cranmer 2023, arXiv:2305.01582): `populations`
 * populations of expression trees evolve by regularised evolution (tournament
 * selection with adaptive parsimony, i.e. costs scaled by the frequency of
 * each complexity; mutations of constants and operators, node insertion,
 * deletion, subtree growth, simplification, crossover; the oldest member
 * replaced); after each iteration every population's constants are optimised
 * (Levenberg–Marquardt, with probability `optimizeProbability` per member), its
 * members simplified, and members migrate between populations and from the
 * hall of fame. Model selection is PySR's "best": among front members with
 * loss ≤ 1.5 × the lowest, the highest score −Δlog(loss)/Δcomplexity. Losses
 * below 1e-20 × var(target) count as equal (exact to rounding), so a larger
 * expression never wins on round-off.
 *
 * Island model (as SymbolicRegression.jl): each population is an island with
 * its own generator, seeded from (`seed`, population index), its own births
 * and hall of fame; during an iteration it sees only itself and the
 * complexity frequencies of all populations as they were at the start of
 * the iteration. Between iterations a synchronisation step, in population
 * order, merges the halls of fame (ties keep the earlier), recounts the
 * frequencies and offers each island the 12 lowest-cost members of every
 * population and the Pareto front as migrants (./island.ts). So the islands
 * of an iteration may run on worker threads (`symbolicRegressionAsync`) with
 * results identical to the bit to this function's.
 *
 * Units (issue 17 item 3, as PySR's `X_units`/`y_units`): with `units` and
 * `targetUnit`, an expression whose dimension cannot equal the target's
 * (unlike terms added, a dimensional argument of exp/log/sin/cos, a dimensional
 * base with a non-constant power) gets infinite loss and never enters a
 * population or the front. Fitted constants are wildcards (they may carry any
 * unit) unless `dimensionlessConstants` is set.
 *
 * Reproducibility: the same seed gives the same front whenever the
 * `iterations` cap (or `stopLoss`) ends the search, in the calling thread or on
 * any number of workers; a run ended by `timeLimit` stops after a
 * machine-dependent amount of work and is not reproducible. (Since the island
 * model, seeded fronts differ from those of the earlier single-generator
 * search.)
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
  const given = (options ?? {}) as SymbolicOptions & { workers?: unknown };
  if (given.workers !== undefined && given.workers !== 0) {
    throw new TypeError(`symbolicRegression: options.workers (${JSON.stringify(given.workers)}) needs worker threads, which are asynchronous: call symbolicRegressionAsync`);
  }
  const run = search(Date.now(), data, target, given);
  let step = run.next();
  while (!step.done) step = run.next((step.value as IslandJob[]).map(evolveIsland));
  return step.value as SymbolicResult;
}

/** Options of `symbolicRegressionAsync`: those of `symbolicRegression` and `workers`. */
export interface SymbolicAsyncOptions extends SymbolicOptions {
  /**
   * Worker threads for the populations (docs/conventions.md): 0 = the calling
   * thread, which yields to the event loop between populations; "auto" (the
   * default) = `defaultWorkers()`, the available parallelism up to 8; at most
   * `populations` are used. The result does not depend on it.
   */
  workers?: number | "auto";
}

/**
 * As `symbolicRegression`, with the populations of each iteration evolved
 * on `workers` worker threads (tasks of the library's pool, src/core/pool.ts:
 * each worker requires ./island.ts and calls `evolveIsland`) while the
 * calling thread only synchronises them; the same seed gives the same result,
 * to the bit, as `symbolicRegression` and as any other number of workers
 * (when `iterations` or `stopLoss` ends the search). Speed-up: up to
 * min(workers, populations, cores), less the copying of each population to
 * its thread and back once per iteration (small against `cyclesPerIteration`
 * = 200 mutations; see bench/laws/RESULTS.md). The data are shared with the
 * threads, not copied.
 *
 * @example
 *   const r = await symbolicRegressionAsync({ m, a }, f, { seed: 1, iterations: 20, workers: 2 });
 */
export async function symbolicRegressionAsync(
  data: Record<string, ArrayLike<number>>,
  target: ArrayLike<number>,
  options: SymbolicAsyncOptions = {},
): Promise<SymbolicResult> {
  const started = Date.now();
  const { workers = "auto", ...rest } = options ?? {};
  if (workers !== "auto" && !(Number.isInteger(workers) && workers >= 0)) {
    throw new RangeError(`symbolicRegressionAsync: options.workers must be a non-negative integer or "auto", got ${JSON.stringify(workers)}`);
  }
  const run = search(started, data, target, rest, workers !== 0);
  let step = run.next();
  try {
    while (!step.done) {
      const jobs = step.value as IslandJob[];
      const k = Math.min(workers === "auto" ? defaultWorkers() : workers, jobs.length);
      let results: IslandResult[];
      if (k === 0) {
        results = [];
        for (const job of jobs) {
          results.push(evolveIsland(job));
          await new Promise((resolve) => setImmediate(resolve));
        }
      } else {
        const tasks = jobs.map((job) => ({ module: ISLAND_MODULE, export: "evolveIsland", args: [job] }));
        results = await sharedPool().map<IslandResult>(tasks, { concurrency: k });
      }
      step = run.next(results);
    }
  } catch (e) {
    run.return(undefined as never);
    throw e;
  }
  return step.value as SymbolicResult;
}

const ISLAND_MODULE = require.resolve("./island");

/**
 * The search as a sequence of iterations: yields the island jobs of each
 * iteration (one per population), receives their results in population
 * order, synchronises them, and returns the result. `shared`: the data go
 * into SharedArrayBuffers (read by worker threads without a copy).
 */
function* search(
  started: number, data: Record<string, ArrayLike<number>>, target: ArrayLike<number>, options: SymbolicOptions, shared = false,
): Generator<IslandJob[], SymbolicResult, IslandResult[]> {
  const { names, columns, y } = validate(data, target);
  const o = resolveOptions(options);
  const place = (a: Float64Array) => {
    if (!shared) return a;
    const out = new Float64Array(new SharedArrayBuffer(a.byteLength));
    out.set(a);
    return out;
  };
  const problem: Problem = { columns: columns.map(place), y: place(y), settings: o, dims: dimensions(names, o) };
  const scorer = new Scorer(problem);
  const floor = 1e-20 * scorer.baseline;
  const deadline = started + o.timeLimit * 1000;
  let states: IslandState[] = Array.from({ length: o.populations }, (_, index) => ({ index, seed: islandSeed(o.seed, index), births: 0, members: [] }));
  const hall = new Array<Member | null>(o.maxsize + 1).fill(null);
  let frequency = new Float64Array(o.maxsize + 1).fill(1);
  let migrants: Migrants | null = null;
  let iterations = 0, evaluations = 0;
  let stoppedBy: SymbolicResult["stoppedBy"] = "iterations";
  const bar = o.progress ? progress(o.iterations, { label: "Symbolic regression" }) : null;
  try {
    while (iterations < o.iterations) {
      const results: IslandResult[] = yield states.map((state) => ({ problem, state, frequency, migrants, deadline }));
      // Synchronisation, in population order.
      for (const r of results) {
        evaluations += r.evaluations;
        for (const m of r.hall) if (m) record(hall, m, o.maxsize);
      }
      states = results.map((r) => r.state);
      frequency = new Float64Array(o.maxsize + 1).fill(1);
      for (const s of states) for (const m of s.members) frequency[m.complexity]++;
      const byCost = (a: Member, b: Member) => scorer.cost(a) - scorer.cost(b) || a.birth - b.birth;
      migrants = { best: states.flatMap((s) => [...s.members].sort(byCost).slice(0, 12)), front: paretoFront(hall, floor, o.maxsize) };
      if (results.some((r) => r.evolved)) iterations++;
      const best = hall.reduce((b, m) => (m && m.loss < b ? m.loss : b), Infinity);
      bar?.update(iterations, `lowest MSE ${best.toPrecision(3)}`);
      if (best <= o.stopLoss) { stoppedBy = "stopLoss"; break; }
      if (results.some((r) => !r.evolved) || Date.now() > deadline) { stoppedBy = "timeLimit"; break; }
    }

    // Polish the front: Levenberg–Marquardt on every hall-of-fame member with constants, then simplify.
    for (let c = 1; c <= o.maxsize; c++) {
      const m = hall[c];
      if (!m || !preorder(m.tree).some((node) => node.kind === "const")) continue;
      const { tree, loss } = scorer.optimize(m.tree, 50);
      const simple = simplify(tree);
      const simpleLoss = scorer.loss(simple);
      record(hall, { tree: simple, loss: simpleLoss, complexity: complexity(simple), birth: m.birth }, o.maxsize);
      if (loss < m.loss) hall[c] = { tree, loss, complexity: m.complexity, birth: m.birth };
    }
  } finally {
    bar?.done(`${iterations} iterations, ${stoppedBy}`);
  }

  const front = paretoFront(hall, floor, o.maxsize).map((m, i, all): SymbolicEquation => {
    const prev = all[i - 1];
    const score = prev ? -(Math.log(Math.max(m.loss, floor, Number.MIN_VALUE)) - Math.log(Math.max(prev.loss, floor, Number.MIN_VALUE))) / (m.complexity - prev.complexity) : 0;
    return equation(m.tree, m.loss, score, names);
  });
  const lowest = Math.min(...front.map((e) => Math.max(e.loss, floor)));
  let best = front[0];
  for (const e of front) if (Math.max(e.loss, floor) <= 1.5 * lowest && (best.loss > 1.5 * lowest || e.score > best.score)) best = e;
  return {
    best, front, iterations, evaluations: evaluations + scorer.evaluations, stoppedBy, seconds: (Date.now() - started) / 1000, options: o,
    toMimeBundle: () => symbolicBundle(front, best),
  };
}

/** The Pareto front of a hall of fame (index = complexity): members whose loss (floored at `floor`) is below every simpler member's. */
function paretoFront(hall: readonly (Member | null)[], floor: number, maxsize: number): Member[] {
  const out: Member[] = [];
  let bestLoss = Infinity;
  for (let c = 1; c <= maxsize; c++) {
    const m = hall[c];
    if (!m) continue;
    const loss = Math.max(m.loss, floor);
    if (loss < bestLoss) { out.push(m); bestLoss = loss; }
  }
  return out;
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
