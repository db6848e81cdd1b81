/**
 * Score of a given DAG under a decomposable structure score (same scores as
 * hillClimb / tabuSearch / ges; see score.ts), e.g. to compare a learned
 * graph with a reference tool's: `structureScore(graph, data, { score: "bic-d" })`.
 */
import { isPrepared } from "./citest";
import { CausalData, DataInput, DataOptions, prepareData } from "./data";
import { Graph, isAcyclic } from "./graph";
import { resolveScore } from "./registry";
import { DecomposableScore, ScoreName, ScoreOptions } from "./score";

/**
 * Sum over the nodes of the local scores given their parents in `graph` (a
 * DAG); `options.score` as in learnStructure (a registered name,
 * case-insensitive, or a DecomposableScore object; default by data kind).
 */
export function structureScore(graph: Graph, data: DataInput | CausalData, options: DataOptions & ScoreOptions & { score?: ScoreName | "bic-mixed" | DecomposableScore | (string & Record<never, never>) } = {}): number {
  const fn = "structureScore";
  const und = graph.edges.find((e) => !e.directed);
  if (und) throw new Error(`${fn}: graph must be a DAG; edge ${und.from} - ${und.to} is undirected`);
  if (!isAcyclic(graph)) throw new Error(`${fn}: graph has a directed cycle`);
  const d = isPrepared(data) ? data : prepareData(data, { ...options, columns: options.columns ?? graph.nodes }, fn, true);
  for (const v of graph.nodes) if (!d.names.includes(v)) throw new Error(`${fn}: node "${v}" is not a data column`);
  const sc = resolveScore(options.score, d, options, fn);
  const idx = new Map(d.names.map((v, i) => [v, i]));
  let s = 0;
  for (const v of graph.nodes) s += sc.local(idx.get(v)!, graph.parents(v).map((p) => idx.get(p)!));
  return s;
}
