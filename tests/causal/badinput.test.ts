/**
 * Bad input: a clear error naming the column/argument, or the documented
 * handling; never a hang or a silently wrong graph.
 */
import { learnStructure, fisherZ, causalDirection, fitSEM, dag, simpson, bootstrap, effect } from "../../src/causal";
import { Table } from "../../src/table";
import { Rng } from "../../src/core/random";

function gaussData(n: number, seed = 1): Record<string, Float64Array> {
  const r = new Rng(seed);
  const a = Float64Array.from({ length: n }, () => r.normal());
  const b = Float64Array.from(a, (v) => 0.8 * v + r.normal());
  const c = Float64Array.from(b, (v) => -0.6 * v + r.normal());
  return { a, b, c };
}

const ALGS = ["pc", "fci", "hc", "tabu", "ges", "lingam"] as const;

describe("bad input", () => {
  test("constant column: error naming it, for every algorithm", () => {
    const d = { ...gaussData(200), k: new Float64Array(200).fill(3) };
    for (const algorithm of ALGS) expect(() => learnStructure(d, { algorithm })).toThrow(/column "k" is constant/);
  });

  test("perfectly collinear columns: error naming the dependent column", () => {
    const d = gaussData(200);
    const e = Float64Array.from(d.a, (v, i) => 2 * v - d.b[i]);
    for (const algorithm of ALGS) expect(() => learnStructure({ ...d, e }, { algorithm })).toThrow(/column "e" is perfectly collinear/);
  });

  test("NaN: error naming column and row; missing: 'drop' deletes rows", () => {
    const d = gaussData(300);
    d.b[17] = NaN;
    expect(() => learnStructure(d, { algorithm: "pc" })).toThrow(/column "b" has a missing value \(NaN\/null\) at row 17/);
    const g = learnStructure(d, { algorithm: "pc", missing: "drop" });
    expect(g.meta!.n).toBe(299);
    expect(g.edges.length).toBeGreaterThan(0);
  });

  test("fewer rows than columns", () => {
    const r = new Rng(2);
    const d: Record<string, Float64Array> = {};
    for (let j = 0; j < 8; j++) d[`v${j}`] = Float64Array.from({ length: 5 }, () => r.normal());
    for (const algorithm of ALGS) expect(() => learnStructure(d, { algorithm })).toThrow(/fewer rows \(5\) than columns \(8\)/);
  });

  test("strings: categorical when all columns are, mixed data only for tests and scores that take it", () => {
    const d = gaussData(100);
    const s = Array.from({ length: 100 }, (_, i) => (i % 3 ? "low" : "high"));
    expect(() => learnStructure({ ...d, s }, { algorithm: "pc", test: "fisherz" })).toThrow(/test "fisherz" needs continuous data but columns "s" are discrete/);
    expect(() => learnStructure({ ...d, s }, { algorithm: "ges" })).toThrow(/column "s" holds strings \(categorical\) but column "a" is continuous; mixed discrete\/continuous data are handled only by learnStructure with algorithm "pc", "fci", "hc" or "tabu"/);
    expect(() => learnStructure({ ...d, s }, { algorithm: "lingam" })).toThrow(/column "s" holds strings/);
    const mixed = Array.from({ length: 100 }, (_, i) => (i === 50 ? "n/a" : i)) as unknown as number[];
    expect(() => learnStructure({ ...d, mixed }, { algorithm: "hc" })).toThrow(/column "mixed" mixes numbers and strings \(row 50: "n\/a"\)/);
    expect(() => learnStructure({ a: d.a, b: { not: "an array" } } as never)).toThrow(/column "b" must be an array/);
    expect(() => learnStructure(null as never)).toThrow(/data must be a table/);
  });

  test("a Table from src/table is accepted, including string columns", () => {
    const d = gaussData(300);
    const t = Table.of(new Map<string, Float64Array>([["a", d.a], ["b", d.b], ["c", d.c]]));
    const g = learnStructure(t, { algorithm: "pc" });
    expect(g.nodes).toEqual(["a", "b", "c"]);
    expect(g.edges.map((e) => [e.from, e.to].sort().join("-")).sort()).toEqual(["a-b", "b-c"]);
  });

  test("cyclic or contradictory prior knowledge", () => {
    const d = gaussData(200);
    for (const algorithm of ALGS)
      expect(() => learnStructure(d, { algorithm, prior: { required: ["a->b", "b->c", "c->a"] } })).toThrow(/prior.required edges form a directed cycle/);
    expect(() => learnStructure(d, { algorithm: "hc", prior: { required: ["a->b"], forbidden: ["a->b"] } })).toThrow(/both required and forbidden/);
    expect(() => learnStructure(d, { algorithm: "hc", prior: { required: ["c->a"], tiers: [["a"], ["b", "c"]] } })).toThrow(/c->a is both required and forbidden/);
    expect(() => learnStructure(d, { algorithm: "pc", prior: { forbidden: ["a->zz"] } })).toThrow(/"zz" is not a column/);
    expect(() => learnStructure(d, { algorithm: "pc", prior: { required: ["a-b" as never] } })).toThrow(/must be written "from->to"/);
  });

  test("bad options are named", () => {
    const d = gaussData(100);
    expect(() => learnStructure(d, { algorithm: "nope" as never })).toThrow(/unknown algorithm "nope"/);
    expect(() => learnStructure(d, { algorithm: "pc", alpha: 1.5 })).toThrow(/alpha must be in \(0, 1\)/);
    expect(() => learnStructure(d, { algorithm: "pc", test: "gsq" })).toThrow(/pcStable: test "gsq" needs discrete data but the columns are continuous; use test "fisherZ" or "cmiKnn" or "mixedLR"/);
    expect(() => learnStructure(d, { algorithm: "hc", score: "bdeu" })).toThrow(/score "bdeu" needs discrete data/);
    expect(() => learnStructure(d, { algorithm: "pc", columns: ["a", "q"] })).toThrow(/column "q" not found/);
    expect(() => fisherZ(d).pValue("a", "nope")).toThrow(/y "nope" is not a column/);
    expect(() => fisherZ(d).pValue("a", "a")).toThrow(/same variable/);
    expect(() => bootstrap(d, { algorithm: "pc" }, 0)).toThrow(/positive integer/);
  });

  test("pairwise direction and inference inputs", () => {
    const d = gaussData(100);
    expect(() => causalDirection(d.a, new Float64Array(100).fill(1), { method: "igci" })).toThrow(/y is constant/);
    expect(() => causalDirection(d.a, d.b.subarray(0, 50))).toThrow(/x has 100 values, y has 50/);
    expect(() => causalDirection([1, 2, NaN, 4, 5, 6, 7, 8, 9, 10, 11], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toThrow(/x\[2\] is NaN/);
    expect(() => fitSEM(dag(["a", "b", "z"], ["a->b"]), d)).toThrow(/column "z" not found/);
    const cyc = dag(["a", "b"], ["a->b", "b->a"]);
    expect(() => fitSEM(cyc, d)).toThrow(/directed cycle/);
    const m = fitSEM(dag(["a", "b", "c"], ["a->b", "b->c"]), d);
    expect(() => effect(m, { treatment: "a", outcome: "zz" })).toThrow(/outcome "zz" is not a variable/);
    expect(() => simpson(d, { x: "a", y: "b", by: "nope" })).toThrow(/by column "nope" not found/);
  });
});
