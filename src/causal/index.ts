/**
 * Causal discovery and inference over columnar descriptor tables
 * (per-atom / per-unit-cell measurements). See each module for methods and
 * references:
 * - graph.ts: Graph (DAG / CPDAG / PAG), d-separation, Markov blanket,
 *   back-door sets, DAG → CPDAG, SHD, DOT / JSON / SVG;
 * - citest.ts: fisherZ, gSquare, cmiKnn (one CITest interface; BaseTest to
 *   subclass); mixed.ts: mixedLR (mixed discrete + continuous data) and the
 *   bic-mixed score; registry.ts: registerCITest, registerScore, ciTestNames,
 *   scoreNames (names that round-trip from meta.test / meta.score);
 * - guard.ts: deterministicRelations (near-deterministic columns: warnings
 *   in every learned graph's meta.warnings; exact collinearity is an error);
 * - learn.ts: learnStructure and pcStable, fci, hillClimb, tabuSearch, ges,
 *   directLingam (shared options, prior knowledge, seed); scoring.ts:
 *   structureScore (BIC-G, BIC-D, BDeu, BGe of a given DAG);
 * - pairwise.ts: causalDirection (igci, anm, lingam);
 * - bootstrap.ts: bootstrap / bootstrapAsync (worker threads): edge and
 *   direction frequencies, consensus graph with confidences;
 * - sem.ts: fitSEM, effect (back-door, with CI), simulate, doIntervention;
 * - simpson.ts: simpson, partialCorrelations;
 * - networks.ts: readBIF, sampleBayesNet, randomLinearSEM, sampleLinearSEM.
 */
export { Graph, dag, graphFromJSON, isAcyclic, topologicalOrder, ancestors, descendants, dSeparated, markovBlanket, backdoorAdjustmentSets, dagToCpdag, shd, compareGraphs } from "./graph";
export type { GraphEdge, EdgeMarks, EndpointMark, GraphKind, GraphJSON } from "./graph";
export { fisherZ, gSquare, cmiKnn, BaseTest } from "./citest";
export { mixedLR } from "./mixed";
export type { CITest, CIResult, CITestName, CmiKnnOptions } from "./citest";
export { prepareData } from "./data";
export type { CausalData, DataInput, DataOptions } from "./data";
export { deterministicRelations } from "./guard";
export type { DeterminismOptions, DeterministicRelation } from "./guard";
export type { Prior, EdgeSpec } from "./prior";
export type { ScoreName, ScoreOptions, DecomposableScore } from "./score";
export { registerCITest, registerScore, ciTestNames, scoreNames } from "./registry";
export type { CITestFactory, ScoreFactory, RegistrationOptions, ScoreRegistrationOptions, DataKind, FactoryOptions } from "./registry";
export { learnStructure, pcStable, fci, hillClimb, tabuSearch, ges, directLingam } from "./learn";
export type { Algorithm, LearnOptions } from "./learn";
export { structureScore } from "./scoring";
export { causalDirection } from "./pairwise";
export type { DirectionResult } from "./pairwise";
export { bootstrap, bootstrapAsync } from "./bootstrap";
export type { BootstrapResult, EdgeFrequency } from "./bootstrap";
export { fitSEM, effect, simulate, doIntervention, SEMModel } from "./sem";
export type { EffectResult, NodeEquation, DiscreteCPT } from "./sem";
export { simpson, partialCorrelations } from "./simpson";
export type { SimpsonResult, StratumAssociation } from "./simpson";
export { readBIF, sampleBayesNet, randomLinearSEM, sampleLinearSEM } from "./networks";
export type { BayesNet, LinearSEM } from "./networks";
