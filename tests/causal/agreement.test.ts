/**
 * Agreement with the reference tools on the same data and settings
 * (fixtures made by tests/fixtures/causal/generate_reference.py with
 * causal-learn 0.1.4.8, pgmpy 1.1.2, lingam 1.13.0).
 */
import { learnStructure, fisherZ, gSquare, structureScore, dag, directLingam, Graph, compareGraphs, dagToCpdag, shd } from "../../src/causal";
import { readCsv, reference, skeleton, sortPairs } from "./helpers";

const ref = reference();

/** causal-learn edge list [a, b, markAtA, markAtB] (-1 tail, 1 arrow, 2 circle) as a Graph. */
function clGraph(names: string[], edges: [string, string, number, number][], kind: "cpdag" | "pag"): Graph {
  const ch = (m: number) => (m === -1 ? "-" : m === 1 ? ">" : "o") as "-" | ">" | "o";
  const es = edges.map(([a, b, ma, mb]) => (ma === 1 && mb !== 1 ? { a: b, b: a, ma: mb, mb: ma } : { a, b, ma, mb }));
  return new Graph(
    names,
    es.map((e) => ({ from: e.a, to: e.b, directed: e.ma === -1 && e.mb === 1 })),
    kind,
    kind === "pag" ? { marks: es.map((e) => ({ from: e.a, to: e.b, fromMark: ch(e.ma), toMark: ch(e.mb) })) } : {},
  );
}

describe("CI tests match causal-learn", () => {
  test.each(["gauss10", "gauss20"])("fisherz p-values on %s", (key) => {
    const data = readCsv(key);
    const t = fisherZ(data);
    for (const [x, y, S, p] of ref[key].fisherz as [number, number, number[], number][]) {
      const ours = t.pValue(x, y, S);
      if (p > 1e-12) expect(Math.abs(ours - p) / p).toBeLessThan(1e-9);
      else expect(ours).toBeLessThan(1e-12);
    }
  });
  test.each(["asia", "sachs", "child"])("G² p-values on %s", (key) => {
    const data = readCsv(key);
    const t = gSquare(data);
    for (const [x, y, S, p] of ref[key].gsq as [number, number, number[], number][]) expect(t.pValue(x, y, S)).toBeCloseTo(p, 10);
  });
});

describe("PC-stable skeleton equals causal-learn's (same test, same alpha)", () => {
  test.each([
    ["gauss10", 0.01],
    ["gauss10", 0.05],
    ["gauss20", 0.01],
    ["gauss20", 0.05],
  ])("fisherz on %s, alpha %s", (key, alpha) => {
    const g = learnStructure(readCsv(key as string), { algorithm: "pc", alpha: alpha as number });
    const r = ref[key as string][`pc_${alpha}`];
    expect(skeleton(g)).toEqual(sortPairs(r.skeleton));
    // orientations too (uc_rule 0, priority 2, Meek)
    const cl = clGraph(g.nodes, r.edges, "cpdag");
    expect(shd(g, cl)).toBe(0);
  });
  test.each(["asia", "sachs", "child"])("G² on %s, alpha 0.05", (key) => {
    const g = learnStructure(readCsv(key), { algorithm: "pc", alpha: 0.05 });
    expect(g.meta!.test).toBe("gSquare");
    const r = ref[key]["pc_gsq_0.05"];
    expect(skeleton(g)).toEqual(sortPairs(r.skeleton));
    expect(shd(g, clGraph(g.nodes, r.edges, "cpdag"))).toBe(0);
  });
});

describe("hill climbing BIC is at least pgmpy's", () => {
  test.each([
    ["gauss10", "hc_bicg", "bic-g"],
    ["gauss20", "hc_bicg", "bic-g"],
    ["asia", "hc_bicd", "bic-d"],
    ["sachs", "hc_bicd", "bic-d"],
    ["child", "hc_bicd", "bic-d"],
  ])("%s (%s)", (key, field, score) => {
    const data = readCsv(key);
    const r = ref[key][field];
    const names = Object.keys(data);
    // our scorer reproduces pgmpy's score of pgmpy's DAG
    const theirs = dag(names, r.edges);
    const theirScore = structureScore(theirs, data, { score: score as never });
    expect(Math.abs(theirScore - r.score)).toBeLessThan(1e-6 * Math.abs(r.score));
    const g = learnStructure(data, { algorithm: "hc", score: score as never });
    expect(g.meta!.scoreValue as number).toBeGreaterThanOrEqual(r.score - 1e-6 * Math.abs(r.score));
    expect(structureScore(g, data, { score: score as never })).toBeCloseTo(g.meta!.scoreValue as number, 6);
    const t = learnStructure(data, { algorithm: "tabu", score: score as never });
    expect(t.meta!.scoreValue as number).toBeGreaterThanOrEqual(r.score - 1e-6 * Math.abs(r.score));
  });
});

describe("DirectLiNGAM matches lingam", () => {
  test.each(["lingam6", "lingam8"])("causal order and coefficients on %s", (key) => {
    const data = readCsv(key);
    const r = ref[key];
    const g = directLingam(data);
    const names = Object.keys(data);
    expect(g.meta!.order).toEqual((r.order as number[]).map((i) => names[i]));
    const p = names.length;
    for (let t = 0; t < p; t++)
      for (let s = 0; s < p; s++) {
        const e = g.edges.find((q) => q.from === names[s] && q.to === names[t]);
        const ours = e?.weight ?? 0;
        expect(Math.abs(ours - r.B[t][s])).toBeLessThan(1e-6);
      }
    // and the truth is recovered
    const truth = dag(names, r.truth);
    expect(compareGraphs(g, truth).shd).toBe(0);
  });
});

describe("GES and FCI against causal-learn", () => {
  test.each(["gauss10", "gauss20"])("GES CPDAG on %s", (key) => {
    const data = readCsv(key);
    const g = learnStructure(data, { algorithm: "ges" });
    const cl = clGraph(g.nodes, ref[key].ges.edges, "cpdag");
    const truth = dagToCpdag(dag(g.nodes, ref[key].truth));
    // same score, same greedy moves: identical equivalence class expected; at worst no less accurate
    expect(shd(g, truth)).toBeLessThanOrEqual(shd(cl, truth));
    expect(shd(g, cl)).toBe(0);
  });
  test.each(["gauss10", "gauss20"])("FCI PAG on %s", (key) => {
    const data = readCsv(key);
    const g = learnStructure(data, { algorithm: "fci", alpha: 0.05 });
    expect(g.kind).toBe("pag");
    expect(g.marks).toHaveLength(g.edges.length);
    const r = ref[key]["fci_0.05"];
    expect(skeleton(g)).toEqual(sortPairs(r.skeleton));
    const cl = clGraph(g.nodes, r.edges, "pag");
    expect(shd(g, cl)).toBeLessThanOrEqual(2);
  });
});
