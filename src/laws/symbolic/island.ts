/**
 * One island of the symbolic-regression search (./search.ts): a population of
 * expression trees that evolves on its own for one iteration (PySR's
 * `ncycles_per_iteration` mutations, then constant optimisation and
 * simplification), with its own seeded generator, its own count of births
 * and its own hall of fame. Everything an iteration reads arrives in an
 * `IslandJob` and everything it changes leaves in an `IslandResult` (plain,
 * structured-cloneable data), so `evolveIsland` runs the same, to the bit, in
 * the calling thread or as a task of the worker pool (src/core/pool.ts).
 *
 * This is the island model of SymbolicRegression.jl (Cranmer 2023,
 * arXiv:2305.01582, §3: populations evolve in parallel and meet only at
 * migration), with the migration and the merge of the halls of fame done in
 * a fixed order by the caller.
 *
 * Imports stay light (no display code): worker threads require this module.
 */
import { Rng } from "../../core/random";
import { mse, optimizeConstants } from "./constants";
import { type Dimension, consistent } from "./units";
import {
  type BinaryOperator, type Node, type Operator, type UnaryOperator,
  Evaluator, assignNode, binaryNode, clone, constNode, unaryNode, varNode, complexity, depth, isBinary, isUnary, preorder, simplify,
} from "./expression";

/** The search settings an island reads (the resolved options of `symbolicRegression`). */
export interface IslandSettings {
  operators: Operator[];
  populations: number;
  populationSize: number;
  cyclesPerIteration: number;
  maxsize: number;
  maxdepth: number;
  parsimony: number;
  adaptiveParsimonyScaling: number;
  tournamentSize: number;
  tournamentP: number;
  crossoverProbability: number;
  optimizeProbability: number;
  fractionReplaced: number;
  fractionReplacedHof: number;
  dimensionlessConstants: boolean;
}

/** The data and settings of a search, the same for every island and iteration (read only). */
export interface Problem {
  columns: Float64Array[];
  y: Float64Array;
  settings: IslandSettings;
  /** Column and target dimensions, or null without units. */
  dims: { columns: Dimension[]; target: Dimension } | null;
}

/** A member of a population. `birth` counts the island's births (older = smaller). */
export interface Member {
  tree: Node;
  loss: number;
  complexity: number;
  birth: number;
}

/** What persists of an island between iterations. */
export interface IslandState {
  /** Island (population) number, 0-based. */
  index: number;
  /** Seed of the generator of the island's next iteration (drawn from its previous generator; see `islandSeed`). */
  seed: number;
  /** Births so far (the next member's `birth`). */
  births: number;
  /** The population; empty before the first iteration (the island then draws it). */
  members: Member[];
}

/** Members that may migrate into the island at the start of an iteration. */
export interface Migrants {
  /** The lowest-cost members of every population (PySR's `fraction_replaced` source). */
  best: Member[];
  /** The Pareto front of the merged hall of fame (PySR's `fraction_replaced_hof` source). */
  front: Member[];
}

/** One iteration of one island: the task `evolveIsland` runs. */
export interface IslandJob {
  problem: Problem;
  state: IslandState;
  /** Count of members per complexity over all populations, plus 1 (PySR's frequency), at the last synchronisation. */
  frequency: Float64Array;
  migrants: Migrants | null;
  /** Wall-clock deadline (Date.now() milliseconds): past it, the island does not start its iteration. */
  deadline: number;
}

/** What an iteration of an island produced. */
export interface IslandResult {
  state: IslandState;
  /** The island's best member per complexity during this iteration (index = complexity; null where none). */
  hall: (Member | null)[];
  /** Expressions evaluated. */
  evaluations: number;
  /** Whether the island evolved (false: the deadline had passed). */
  evolved: boolean;
}

const MUTATION_WEIGHTS = {
  mutateConstant: 0.048, mutateOperator: 0.47, swapOperands: 0.1, addNode: 0.79, insertNode: 5.1,
  deleteNode: 1.7, simplify: 0.002, randomize: 0.00023, doNothing: 0.21,
};
type Mutation = keyof typeof MUTATION_WEIGHTS;

/**
 * Seed of island `index`'s first generator, from the search's `seed`: both
 * mixed by a splitmix32-style finaliser (pure 32-bit arithmetic), so islands
 * of one search and nearby seeds get unrelated streams. An island's later
 * generators are seeded by a draw of its previous one.
 */
export function islandSeed(seed: number, index: number): number {
  let z = (Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** Variance of `y` (population), floored at the smallest double: the loss of the best constant. */
export function baselineLoss(y: Float64Array): number {
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length;
  let variance = 0;
  for (const v of y) variance += (v - mean) ** 2;
  return Math.max(variance / y.length, Number.MIN_VALUE);
}

/** Loss, constant optimisation and cost of trees on a problem (shared by the islands and the final polish). */
export class Scorer {
  readonly evaluator: Evaluator;
  readonly baseline: number;
  evaluations = 0;

  constructor(readonly problem: Problem) {
    this.evaluator = new Evaluator(problem.columns, problem.y.length);
    this.baseline = baselineLoss(problem.y);
  }

  /** Whether `tree` respects the units (always true without units). */
  admissible(tree: Node): boolean {
    const dims = this.problem.dims;
    return !dims || consistent(tree, dims.columns, dims.target, this.problem.settings.dimensionlessConstants);
  }

  /** MSE of `tree`; Infinity when it is not finite or breaks the units. */
  loss(tree: Node): number {
    if (!this.admissible(tree)) return Infinity;
    this.evaluations++;
    return mse(this.evaluator.evaluate(tree), this.problem.y);
  }

  /** Levenberg–Marquardt on a copy of `tree`: the copy and its loss, or `tree` and its loss when the fitted constants break the units (e.g. a fitted power). */
  optimize(tree: Node, maxIterations = 20): { tree: Node; loss: number } {
    this.evaluations++;
    const fitted = clone(tree);
    const loss = optimizeConstants(fitted, this.evaluator, this.problem.y, maxIterations);
    return this.admissible(fitted) ? { tree: fitted, loss } : { tree, loss: this.loss(tree) };
  }

  /** Normalised cost: loss / baseline loss + parsimony × complexity (PySR). */
  cost(m: Member): number {
    return m.loss / this.baseline + this.problem.settings.parsimony * m.complexity;
  }
}

/**
 * A copy of `m` (its tree copied too) with birth `birth`. Members and trees
 * are always built by these constructors, never kept as structured clones:
 * V8 gives a cloned object another hidden class than an object literal, and
 * over mixed classes the search took 1.4× the CPU (measured, 100 rows).
 */
export function copyMember(m: Member, birth = m.birth): Member {
  return { tree: clone(m.tree), loss: m.loss, complexity: m.complexity, birth };
}

/** Record `m` in `hall` (index = complexity) when it is finite, fits `maxsize` and beats the member there (ties keep the earlier). */
export function record(hall: (Member | null)[], m: Member, maxsize: number): void {
  const best = hall[m.complexity];
  if (Number.isFinite(m.loss) && m.complexity <= maxsize && (!best || m.loss < best.loss)) hall[m.complexity] = copyMember(m);
}

/** The evolution state of one island during one iteration. */
class Island extends Scorer {
  readonly o: IslandSettings;
  readonly rng: Rng;
  readonly nFeatures: number;
  readonly binary: BinaryOperator[];
  readonly unary: UnaryOperator[];
  /** Count of members per complexity plus 1: the last synchronisation's, updated by this island's own replacements. */
  readonly frequency: Float64Array;
  /** exp(adaptiveParsimonyScaling × frequency / total) per complexity, kept in step with `frequency`. */
  readonly multiplier: Float64Array;
  readonly total: number;
  readonly hall: (Member | null)[];
  births: number;

  constructor(problem: Problem, state: IslandState, frequency: Float64Array) {
    super(problem);
    const o = (this.o = problem.settings);
    this.rng = new Rng(state.seed);
    this.births = state.births;
    this.nFeatures = problem.columns.length;
    this.binary = o.operators.filter(isBinary);
    this.unary = o.operators.filter(isUnary);
    this.total = o.maxsize + 1 + o.populations * o.populationSize;
    this.frequency = Float64Array.from(frequency);
    this.multiplier = this.frequency.map((f) => Math.exp((o.adaptiveParsimonyScaling * f) / this.total));
    this.hall = new Array<Member | null>(o.maxsize + 1).fill(null);
  }

  member(tree: Node, loss = this.loss(tree)): Member {
    const m = { tree, loss, complexity: complexity(tree), birth: this.births++ };
    record(this.hall, m, this.o.maxsize);
    return m;
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

  /** A fresh population of `populationSize` random trees of 1 to 3 operators. */
  populate(): Member[] {
    const pop: Member[] = [];
    for (let i = 0; i < this.o.populationSize; i++) {
      let tree = this.randomTree(this.rng.int(3) + 1);
      if (!this.fits(tree)) tree = this.leaf();
      const m = this.member(tree);
      this.shift(0, m.complexity);
      pop.push(m);
    }
    return pop;
  }

  /** Migration into `pop`: each member is replaced, with probability fractionReplaced, by one of `best`, else with probability fractionReplacedHof by one of `front` (as PySR). */
  migrate(pop: Member[], migrants: Migrants): void {
    const { best, front } = migrants;
    for (let i = 0; i < pop.length; i++) {
      let source: Member | null = null;
      if (best.length && this.rng.uniform() < this.o.fractionReplaced) source = best[this.rng.int(best.length)];
      else if (front.length && this.rng.uniform() < this.o.fractionReplacedHof) source = front[this.rng.int(front.length)];
      if (!source) continue;
      this.shift(pop[i].complexity, source.complexity);
      pop[i] = copyMember(source, this.births++);
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
    this.replaceOldest(population, child ?? copyMember(parent, this.births++));
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
      record(this.hall, next, this.o.maxsize);
    }
  }
}

/**
 * One iteration of one island (the worker-pool task of the search): draw the
 * population on the first iteration, else take in the migrants; then
 * `cyclesPerIteration` mutation/crossover steps, constant optimisation and
 * simplification. Does nothing (evolved: false) once `deadline` has passed.
 * Reads `job` without changing it and keeps none of its objects (members
 * and migrants are copied), so it runs the same in the calling thread as on
 * a worker's structured clone. Cost: cyclesPerIteration + populationSize
 * tree evaluations over all rows, plus the constant optimisations.
 */
export function evolveIsland(job: IslandJob): IslandResult {
  const { problem, state } = job;
  const island = new Island(problem, state, job.frequency);
  let pop: Member[];
  if (state.members.length === 0) pop = island.populate();
  else {
    pop = state.members.map((m) => copyMember(m));
    if (job.migrants) island.migrate(pop, job.migrants);
  }
  const evolved = Date.now() <= job.deadline;
  if (evolved) {
    for (let c = 0; c < problem.settings.cyclesPerIteration; c++) island.step(pop);
    island.finishPopulation(pop);
  }
  return {
    state: { index: state.index, seed: island.rng.u32(), births: island.births, members: pop },
    hall: island.hall, evaluations: island.evaluations, evolved,
  };
}
