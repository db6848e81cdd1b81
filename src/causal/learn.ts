/**
 * Structure learning: one function per algorithm, all taking the same
 * options (bnlearn's shape) and returning a `Graph`, plus `learnStructure`
 * which dispatches on `algorithm`.
 *
 * | algorithm | function | output | reference |
 * | --- | --- | --- | --- |
 * | "pc" | `pcStable` | CPDAG | Colombo & Maathuis 2014; causal-learn `pc` |
 * | "fci" | `fci` | PAG | Spirtes et al. 2000; Zhang 2008; causal-learn `fci` |
 * | "hc" | `hillClimb` | DAG | bnlearn `hc`; pgmpy `HillClimbSearch` |
 * | "tabu" | `tabuSearch` | DAG | bnlearn `tabu` |
 * | "ges" | `ges` | CPDAG | Chickering 2002; causal-learn `ges` |
 * | "lingam" | `directLingam` | DAG with weights | Shimizu et al. 2011; lingam `DirectLiNGAM` |
 *
 * Mixed discrete + continuous columns (strings/booleans, or numeric columns
 * named in `discreteColumns`, next to continuous ones; see data.ts) are
 * handled by pc / fci with the mixed likelihood-ratio CI test and by hc /
 * tabu with the mixed BIC (mixed.ts; Tsagris et al. 2018). `test: "auto"`
 * (the default) picks "fisherZ" for continuous, "gSquare" for discrete and
 * "mixedLR" for mixed data; `score` defaults likewise to "bic-g", "bic-d",
 * "bic-mixed". Tests and scores are resolved by registry.ts (names
 * case-insensitive, user tests / scores by registerCITest / registerScore or
 * as objects); asking for one that does not accept the data's kind is an
 * error naming the columns of the other type; ges and lingam reject mixed
 * data. Every learned graph's `meta` carries `warnings` (guard.ts:
 * near-deterministic columns) and the canonical `test` / `score` name.
 */
import { CITest, CITestName, isPrepared } from "./citest";
import { CausalData, DataInput, DataOptions, discreteNames, prepareData } from "./data";
import { fciCore } from "./fci";
import { DeterminismOptions, determinismWarnings } from "./guard";
import { gesCore } from "./ges";
import { cpdagIdx, fromMarkGraph, Graph, MarkGraph } from "./graph";
import { directLingamCore } from "./lingam";
import { orientPC, skeletonStable } from "./pc";
import { Knowledge, Prior } from "./prior";
import { resolveCITest, resolveScore } from "./registry";
import { DecomposableScore, ScoreName, ScoreOptions } from "./score";
import { scoreSearch } from "./search";

export type Algorithm = "pc" | "fci" | "hc" | "tabu" | "ges" | "lingam";

/** Options shared by every structure-learning function. */
export interface LearnOptions extends DataOptions, ScoreOptions, DeterminismOptions {
  algorithm?: Algorithm;
  /**
   * Structure score for hc / tabu / ges (registry.ts; names case-insensitive, as `meta.score` reports them):
   * "bic-g" (default for continuous), "bic-d" (default for discrete), "bic-mixed" (default for mixed; hc / tabu),
   * "bdeu", "bge", a name given to registerScore, or a DecomposableScore object over the same columns.
   */
  score?: ScoreName | "bic-mixed" | DecomposableScore | (string & Record<never, never>);
  /**
   * CI test for pc / fci (registry.ts; names case-insensitive, as `meta.test` reports them): "auto" (default:
   * "fisherZ" for continuous, "gSquare" for discrete, "mixedLR" for mixed data), "fisherZ", "gSquare" (alias "gsq"),
   * "mixedLR" (alias "mixed"; mixed-data likelihood ratio, mixed.ts), "cmiKnn" (nonparametric), a name given to
   * registerCITest, or a CITest object bound to the same columns (e.g. a BaseTest subclass).
   */
  test?: CITestName | "auto" | CITest | (string & Record<never, never>);
  /** Significance level for pc / fci (default 0.05). */
  alpha?: number;
  /** Prior knowledge: required / forbidden edges, tiers. */
  prior?: Prior;
  /** Seed for randomised parts (restarts, permutation tests, bootstrap). */
  seed?: number;
  /** pc / fci: maximum conditioning-set size. */
  maxDepth?: number;
  /** fci: Possible-D-Sep procedure, "complete" (default; Spirtes et al. 2000) or "causal-learn" (reproduces causal-learn 0.1.4.8's fci); see fci.ts. */
  possibleDsep?: "complete" | "causal-learn";
  /** fci: largest Possible-D-Sep conditioning set tested (default min(maxDepth, 3) for "complete", unlimited for "causal-learn"). */
  maxPdsSize?: number;
  /** fci: allow selection bias (also apply Zhang's rules R5–R7; default false). */
  selectionBias?: boolean;
  /** hc / tabu: maximum number of parents. */
  maxIndegree?: number;
  /** hc: random restarts (default 0). */
  restarts?: number;
  /** tabu: tabu list length (default 10). */
  tabuLength?: number;
  /** hc / tabu: return the CPDAG of the learned DAG instead of the DAG. */
  cpdag?: boolean;
}

/** Validated data; `need`: "continuous" (LiNGAM), "single" (no mixed data: ges), "any" (pc, fci, hc, tabu). */
function prep(data: DataInput | CausalData, o: LearnOptions, fn: string, need: "continuous" | "single" | "any"): CausalData {
  const d = isPrepared(data) ? data : prepareData(data, need === "continuous" ? { ...o, dataType: o.dataType === "discrete" ? "discrete" : "continuous" } : o, fn, need === "any");
  if (need === "continuous" && d.discrete) throw new Error(`${fn}: needs continuous data but the columns are discrete`);
  if (need !== "any" && d.columnTypes) throw new Error(`${fn}: needs ${need === "continuous" ? "continuous" : "all-continuous or all-discrete"} data but the data are mixed (discrete columns: ${discreteNames(d).join(", ")}); use algorithm "pc", "fci", "hc" or "tabu"`);
  return d;
}

function checkAlpha(a: number | undefined, fn: string): number {
  const alpha = a ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new Error(`${fn}: alpha must be in (0, 1), got ${a}`);
  return alpha;
}

/**
 * PC-stable: constraint-based search returning a CPDAG. Tests of order
 * 0, 1, 2, ... with `test` at level `alpha`; see pc.ts. O(p^(d+2)) tests for
 * maximum degree d.
 */
export function pcStable(data: DataInput | CausalData, options: LearnOptions = {}): Graph {
  const fn = "pcStable";
  const d = prep(data, options, fn, "any");
  const warnings = determinismWarnings(d, options, fn);
  const alpha = checkAlpha(options.alpha, fn);
  const K = new Knowledge(d.names, options.prior, fn);
  const test = resolveCITest(options.test, d, options, fn);
  const sk = skeletonStable(test, d.p, { alpha, maxDepth: options.maxDepth, knowledge: K });
  const g = orientPC(sk, d.p, K);
  const out = fromMarkGraph(g, d.names, "cpdag");
  out.meta = { algorithm: "pc", test: test.name, alpha, tests: test.count, n: d.n, warnings };
  return out;
}

/** FCI: like PC but allows latent confounders and returns a PAG; see fci.ts. */
export function fci(data: DataInput | CausalData, options: LearnOptions = {}): Graph {
  const fn = "fci";
  const d = prep(data, options, fn, "any");
  const warnings = determinismWarnings(d, options, fn);
  const alpha = checkAlpha(options.alpha, fn);
  const K = new Knowledge(d.names, options.prior, fn);
  const test = resolveCITest(options.test, d, options, fn);
  const g = fciCore(test, d.p, { alpha, maxDepth: options.maxDepth, knowledge: K, maxPdsSize: options.maxPdsSize, possibleDsep: options.possibleDsep, selectionBias: options.selectionBias });
  const out = fromMarkGraph(g, d.names, "pag");
  out.meta = { algorithm: "fci", test: test.name, alpha, tests: test.count, n: d.n, warnings };
  return out;
}

function parentsToGraph(parents: number[][], names: string[], cpdag: boolean): Graph {
  const mg = new MarkGraph(names.length);
  parents.forEach((pa, j) => pa.forEach((i) => mg.orient(i, j)));
  return fromMarkGraph(cpdag ? cpdagIdx(mg) : mg, names, cpdag ? "cpdag" : "dag");
}

/**
 * Greedy hill climbing over DAGs from the empty graph with add / remove /
 * reverse, maximising `score` (default BIC); see search.ts. Returns a DAG
 * (`meta.score` is its score).
 */
export function hillClimb(data: DataInput | CausalData, options: LearnOptions = {}): Graph {
  return scoreBased(data, options, "hillClimb", 0);
}

/** Tabu search (bnlearn `tabu`): hill climbing that escapes local optima through non-improving moves, keeping the best DAG. */
export function tabuSearch(data: DataInput | CausalData, options: LearnOptions = {}): Graph {
  return scoreBased(data, options, "tabuSearch", options.tabuLength ?? 10);
}

function scoreBased(data: DataInput | CausalData, o: LearnOptions, fn: string, tabuLength: number): Graph {
  const d = prep(data, o, fn, "any");
  const warnings = determinismWarnings(d, o, fn);
  const K = new Knowledge(d.names, o.prior, fn);
  const sc = resolveScore(o.score, d, o, fn);
  if (o.maxIndegree !== undefined && !(Number.isInteger(o.maxIndegree) && o.maxIndegree >= 0)) throw new Error(`${fn}: maxIndegree must be a non-negative integer, got ${o.maxIndegree}`);
  // Greedy climbing from the empty graph is path-dependent (score-equivalent moves tie), so
  // hill climbing defaults to 20 restarts (random tie-breaking orders and perturbations, bnlearn restart semantics).
  const res = scoreSearch(sc, { knowledge: K, maxIndegree: o.maxIndegree, tabuLength, restarts: o.restarts ?? (tabuLength ? 0 : 20), seed: o.seed });
  const g = parentsToGraph(res.parents, d.names, !!o.cpdag);
  g.meta = { algorithm: tabuLength ? "tabu" : "hc", score: sc.name, scoreValue: res.score, iterations: res.iterations, n: d.n, warnings };
  return g;
}

/** Greedy equivalence search over CPDAGs (forward insertions, backward deletions) with a decomposable score; see ges.ts. */
export function ges(data: DataInput | CausalData, options: LearnOptions = {}): Graph {
  const fn = "ges";
  const d = prep(data, options, fn, "single");
  const warnings = determinismWarnings(d, options, fn);
  const K = new Knowledge(d.names, options.prior, fn);
  const sc = resolveScore(options.score, d, options, fn, true);
  const { g, score } = gesCore(sc, K);
  const out = fromMarkGraph(g, d.names, "cpdag");
  out.meta = { algorithm: "ges", score: sc.name, scoreValue: score, n: d.n, warnings };
  return out;
}

/**
 * DirectLiNGAM for linear non-Gaussian data: a DAG whose edge weights are
 * the connection strengths B (x_target = Σ B·x_source + e). `meta.order`
 * is the causal order. See lingam.ts.
 */
export function directLingam(data: DataInput | CausalData, options: LearnOptions = {}): Graph {
  const fn = "directLingam";
  const d = prep(data, options, fn, "continuous");
  const warnings = determinismWarnings(d, options, fn);
  const K = new Knowledge(d.names, options.prior, fn);
  const { order, B } = directLingamCore(d, K);
  const p = d.p;
  const mg = new MarkGraph(p);
  for (let t = 0; t < p; t++) for (let s = 0; s < p; s++) if (B[t * p + s] !== 0) mg.orient(s, t);
  const g = fromMarkGraph(mg, d.names, "dag", (i, j) => B[j * p + i]);
  g.meta = { algorithm: "lingam", order: order.map((i) => d.names[i]), n: d.n, warnings };
  return g;
}

/**
 * Learn a causal graph from data with the chosen `algorithm` (default "pc").
 * `data` is a table or `{ [column]: Float64Array | number[] | string[] }`.
 */
export function learnStructure(data: DataInput | CausalData, options: LearnOptions = {}): Graph {
  const alg = options.algorithm ?? "pc";
  switch (alg) {
    case "pc":
      return pcStable(data, options);
    case "fci":
      return fci(data, options);
    case "hc":
      return hillClimb(data, options);
    case "tabu":
      return tabuSearch(data, options);
    case "ges":
      return ges(data, options);
    case "lingam":
      return directLingam(data, options);
    default:
      throw new Error(`learnStructure: unknown algorithm "${alg as string}"; expected "pc", "fci", "hc", "tabu", "ges" or "lingam"`);
  }
}
