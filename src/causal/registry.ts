/**
 * Registries of conditional-independence tests and structure scores: the
 * one place where the `test` and `score` options of the learning functions
 * are resolved (imageio's plugin registry; bnlearn's `test` / `score`
 * arguments).
 *
 * - A name is looked up case-insensitively among the canonical names and
 *   their aliases; the canonical name is what a learned graph reports in
 *   `meta.test` / `meta.score`, so a reported name can always be passed back.
 *   Canonical CI tests: "fisherZ" (alias "fisherz"), "gSquare" ("gsq"),
 *   "cmiKnn" ("cmiknn"), "mixedLR" ("mixed"). Scores: "bic-g", "bic-d",
 *   "bdeu", "bge", "bic-mixed".
 * - Each entry declares the data kinds it accepts ("continuous", "discrete",
 *   "mixed"); asking for it on other data is an error naming the columns of
 *   the wrong kind and the registered alternatives that fit.
 * - `registerCITest(name, factory, { accepts, aliases })` and
 *   `registerScore(name, factory, { accepts, aliases, scoreEquivalent })` add
 *   tests and scores (a new built-in: its own file plus one registration
 *   line at the bottom of this module); the factory gets the validated data,
 *   the learning options and the calling function's name (for its errors).
 * - Instead of a name, `test` / `score` may be an object implementing `CITest`
 *   / `DecomposableScore` (e.g. a `BaseTest` subclass, or a wrapper that
 *   counts calls); it must be bound to the same columns, in the same order,
 *   as the data being learned from.
 */
import { CITest, CmiKnn, FisherZ, GSquare } from "./citest";
import { CausalData, discreteNames } from "./data";
import { MixedLR, MixedScore } from "./mixed";
import { DecomposableScore, LocalScore, ScoreName, ScoreOptions } from "./score";

/** The kinds of data sets: all continuous, all discrete, or mixed (see data.ts). */
export type DataKind = "continuous" | "discrete" | "mixed";

/** Options a factory may read (a subset of LearnOptions). */
export interface FactoryOptions extends ScoreOptions {
  seed?: number;
}

/** Makes a CI test bound to validated data; `fn` names the caller in errors. */
export type CITestFactory = (data: CausalData, options: FactoryOptions, fn: string) => CITest;
/** Makes a decomposable score over validated data; `fn` names the caller in errors. */
export type ScoreFactory = (data: CausalData, options: FactoryOptions, fn: string) => DecomposableScore;

export interface RegistrationOptions {
  /** Data kinds the test / score handles (default all three). */
  accepts?: DataKind[];
  /** Other names it answers to (case-insensitive, like the name). */
  aliases?: string[];
}

export interface ScoreRegistrationOptions extends RegistrationOptions {
  /** Equal scores for Markov-equivalent DAGs (needed by ges; default false). */
  scoreEquivalent?: boolean;
}

interface Entry<F> {
  name: string;
  factory: F;
  accepts: DataKind[];
  scoreEquivalent: boolean;
}

class Registry<F> {
  private entries: Entry<F>[] = [];
  private byKey = new Map<string, Entry<F>>();
  constructor(private readonly what: "test" | "score") {}
  add(name: string, factory: F, o: ScoreRegistrationOptions, fn: string): void {
    if (typeof name !== "string" || !name.trim()) throw new TypeError(`${fn}: name must be a non-empty string, got ${JSON.stringify(name)}`);
    if (typeof factory !== "function") throw new TypeError(`${fn}: factory for "${name}" must be a function (data, options, fn) => ${this.what === "test" ? "CITest" : "DecomposableScore"}`);
    const accepts = o.accepts ?? ["continuous", "discrete", "mixed"];
    for (const k of accepts) if (!["continuous", "discrete", "mixed"].includes(k)) throw new Error(`${fn}: accepts for "${name}" must list "continuous", "discrete" or "mixed", got ${JSON.stringify(k)}`);
    const keys = [name, ...(o.aliases ?? [])].map((s) => s.toLowerCase());
    for (const k of keys) {
      const old = this.byKey.get(k);
      if (old && old.name !== name) throw new Error(`${fn}: "${k}" already names the ${this.what} "${old.name}"`);
    }
    const e: Entry<F> = { name, factory, accepts, scoreEquivalent: !!o.scoreEquivalent };
    this.entries = this.entries.filter((x) => x.name !== name).concat(e);
    for (const [k, v] of this.byKey) if (v.name === name) this.byKey.delete(k);
    for (const k of keys) this.byKey.set(k, e);
  }
  get(name: string): Entry<F> | undefined {
    return this.byKey.get(name.toLowerCase());
  }
  names(): string[] {
    return this.entries.map((e) => e.name);
  }
  /** Canonical names of the entries accepting `kind` (and score-equivalent ones when asked). */
  fitting(kind: DataKind, equivalentOnly = false): string[] {
    return this.entries.filter((e) => e.accepts.includes(kind) && (!equivalentOnly || e.scoreEquivalent)).map((e) => e.name);
  }
}

const tests = new Registry<CITestFactory>("test");
const scores = new Registry<ScoreFactory>("score");

/**
 * Register a CI test under `name` (case-insensitive; replaces an earlier
 * registration of the same name): `learnStructure(data, { test: name })`
 * then calls `factory(data, options, fn)`. See the module comment.
 */
export function registerCITest(name: string, factory: CITestFactory, options: RegistrationOptions = {}): void {
  tests.add(name, factory, options, "registerCITest");
}

/** Register a decomposable structure score under `name` (see `registerCITest` and the module comment). */
export function registerScore(name: string, factory: ScoreFactory, options: ScoreRegistrationOptions = {}): void {
  scores.add(name, factory, options, "registerScore");
}

/** Canonical names of the registered CI tests, in registration order. */
export function ciTestNames(): string[] {
  return tests.names();
}

/** Canonical names of the registered scores, in registration order. */
export function scoreNames(): string[] {
  return scores.names();
}

/** The kind of a validated data set. */
export function dataKind(d: CausalData): DataKind {
  return d.columnTypes ? "mixed" : d.discrete ? "discrete" : "continuous";
}

const quote = (xs: string[]) => xs.map((s) => `"${s}"`).join(", ");

/** Error for a test / score that does not accept the data's kind: names the columns of the other kind and the registered alternatives. */
function kindError(what: "test" | "score", given: string, accepts: DataKind[], d: CausalData, alternatives: string[], fn: string): Error {
  const kind = dataKind(d);
  const use = alternatives.length ? `use ${what} ${alternatives.map((a) => `"${a}"`).join(" or ")}` : `no registered ${what} accepts ${kind} data`;
  if (kind === "mixed") {
    const disc = discreteNames(d);
    const cont = d.names.filter((c) => !disc.includes(c));
    // a test of one kind names the other kind's columns; a score is fitted to all columns at once
    if (what === "test" && accepts.includes("continuous") && !accepts.includes("discrete"))
      return new Error(`${fn}: ${what} "${given}" needs continuous data but columns ${quote(disc)} are discrete; ${use} (the "auto" default for mixed data), or drop them`);
    if (what === "test" && accepts.includes("discrete") && !accepts.includes("continuous"))
      return new Error(`${fn}: ${what} "${given}" needs discrete data but columns ${quote(cont)} are continuous; ${use} (the "auto" default for mixed data), or discretise them`);
    return new Error(`${fn}: ${what} "${given}" needs all-continuous or all-discrete data but the data are mixed (discrete columns: ${disc.join(", ")}); ${use} (the "auto" default for mixed data)`);
  }
  if (kind === "discrete") return new Error(`${fn}: ${what} "${given}" needs ${accepts.includes("mixed") && !accepts.includes("continuous") ? "mixed" : "continuous"} data but the columns are discrete (categorical or small integers); ${use}, or pass dataType: "continuous"`);
  return new Error(`${fn}: ${what} "${given}" needs ${accepts.includes("discrete") ? "discrete" : "mixed"} data but the columns are continuous; ${use}, or discretise them`);
}

/** Same columns, same order, same rows: an object's bound data match the data being learned from. */
function checkBound(bound: CausalData | undefined, d: CausalData, what: string, fn: string): void {
  if (!bound) return;
  const same = Array.isArray(bound.names) && bound.names.length === d.p && bound.names.every((c, i) => c === d.names[i]);
  if (!same) throw new Error(`${fn}: the ${what} object is bound to columns [${(bound.names ?? []).join(", ")}] but the data have [${d.names.join(", ")}]; build it on the same columns, in the same order`);
  if (bound.n !== d.n) throw new Error(`${fn}: the ${what} object is bound to ${bound.n} rows but the data have ${d.n}; build it on the same data`);
}

/**
 * The CI test for `spec` on data `d`: "auto" (default; "fisherZ",
 * "gSquare" or "mixedLR" by the data's kind), a registered name or alias, or
 * a CITest object bound to the same columns.
 */
export function resolveCITest(spec: string | CITest | undefined, d: CausalData, o: FactoryOptions, fn: string): CITest {
  if (spec !== undefined && typeof spec === "object" && spec !== null) {
    if (typeof (spec as CITest).pIdx !== "function" || typeof (spec as CITest).name !== "string") throw new TypeError(`${fn}: test must be a registered name (${quote(tests.names())}), "auto" or an object implementing CITest (name, data, pIdx, test, pValue, count)`);
    checkBound((spec as CITest).data, d, "test", fn);
    return spec as CITest;
  }
  const given = spec ?? "auto";
  if (typeof given !== "string") throw new TypeError(`${fn}: test must be a name or a CITest object, got ${typeof given}`);
  const kind = dataKind(d);
  const name = given.toLowerCase() === "auto" ? { mixed: "mixedLR", discrete: "gSquare", continuous: "fisherZ" }[kind] : given;
  const e = tests.get(name);
  if (!e) throw new Error(`${fn}: unknown CI test "${given}"; expected "auto", ${quote(tests.names())} (case-insensitive), a name given to registerCITest, or a CITest object`);
  if (!e.accepts.includes(kind)) throw kindError("test", given, e.accepts, d, tests.fitting(kind), fn);
  return e.factory(d, o, fn);
}

/**
 * The decomposable score for `spec` on data `d`: undefined (the default:
 * "bic-g", "bic-d" or "bic-mixed" by the data's kind), a registered name or
 * alias, or a DecomposableScore object over the same columns.
 * `scoreEquivalent`: only scores registered as score-equivalent (ges).
 */
export function resolveScore(spec: string | DecomposableScore | undefined, d: CausalData, o: FactoryOptions, fn: string, scoreEquivalent = false): DecomposableScore {
  if (spec !== undefined && typeof spec === "object" && spec !== null) {
    const s = spec as DecomposableScore & { data?: CausalData };
    if (typeof s.local !== "function" || typeof s.name !== "string") throw new TypeError(`${fn}: score must be a registered name (${quote(scores.names())}) or an object implementing DecomposableScore (name, p, local)`);
    if (s.p !== d.p) throw new Error(`${fn}: the score object has p = ${s.p} variables but the data have ${d.p} columns`);
    checkBound(s.data, d, "score", fn);
    return s;
  }
  if (spec !== undefined && typeof spec !== "string") throw new TypeError(`${fn}: score must be a name or a DecomposableScore object, got ${typeof spec}`);
  const kind = dataKind(d);
  const given = spec ?? { mixed: "bic-mixed", discrete: "bic-d", continuous: "bic-g" }[kind];
  const e = scores.get(given);
  if (!e) throw new Error(`${fn}: unknown score "${given}"; expected ${quote(scores.names())} (case-insensitive), a name given to registerScore, or a DecomposableScore object`);
  if (scoreEquivalent && !e.scoreEquivalent) throw new Error(`${fn}: score "${given}" is not score-equivalent (Markov-equivalent DAGs may score differently), which ${fn} needs; use ${quote(scores.fitting(kind, true))}, or algorithm "hc" / "tabu"`);
  if (!e.accepts.includes(kind)) throw kindError("score", given, e.accepts, d, scores.fitting(kind, scoreEquivalent), fn);
  return e.factory(d, o, fn);
}

// Built-in CI tests and scores: one line each.
registerCITest("fisherZ", (d) => new FisherZ(d), { accepts: ["continuous"], aliases: ["fisherz"] });
registerCITest("gSquare", (d) => new GSquare(d), { accepts: ["discrete"], aliases: ["gsq"] });
registerCITest("cmiKnn", (d, o) => new CmiKnn(d, { seed: o.seed }), { accepts: ["continuous", "discrete"] });
registerCITest("mixedLR", (d) => new MixedLR(d), { accepts: ["mixed", "continuous", "discrete"], aliases: ["mixed"] });
const local = (name: ScoreName): ScoreFactory => (d, o) => new LocalScore(d, name, o);
registerScore("bic-g", local("bic-g"), { accepts: ["continuous"], scoreEquivalent: true });
registerScore("bic-d", local("bic-d"), { accepts: ["discrete"], scoreEquivalent: true });
registerScore("bdeu", local("bdeu"), { accepts: ["discrete"], scoreEquivalent: true });
registerScore("bge", local("bge"), { accepts: ["continuous"], scoreEquivalent: true });
registerScore("bic-mixed", (d, o, fn) => {
  if (o.edgePrior !== undefined) throw new Error(`${fn}: edgePrior is not available with score "bic-mixed"`);
  return new MixedScore(d);
}, { accepts: ["mixed", "continuous", "discrete"] });
