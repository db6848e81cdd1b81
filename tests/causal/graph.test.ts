import {
  Graph,
  dag,
  isAcyclic,
  topologicalOrder,
  dSeparated,
  markovBlanket,
  backdoorAdjustmentSets,
  dagToCpdag,
  shd,
  compareGraphs,
  graphFromJSON,
  readBIF,
} from "../../src/causal";
import { toDot, toJSON } from "../../src/causal/graph";
import { mimeBundleOf } from "../../src/display/mime";
import { bif } from "./helpers";

describe("Graph type", () => {
  test("carries exactly nodes and edges in the widget shape", () => {
    const g = dag(["a", "b", "c"], ["a->b", "b->c"]);
    expect(g.nodes).toEqual(["a", "b", "c"]);
    expect(g.edges).toEqual([
      { from: "a", to: "b", directed: true },
      { from: "b", to: "c", directed: true },
    ]);
    expect(g.parents("b")).toEqual(["a"]);
    expect(g.children("b")).toEqual(["c"]);
  });

  test("rejects unknown nodes, self-loops and duplicate names", () => {
    expect(() => dag(["a", "b"], ["a->z"])).toThrow(/unknown node "z"/);
    expect(() => dag(["a", "b"], ["a->a"])).toThrow(/self-loop/);
    expect(() => new Graph(["a", "a"], [])).toThrow(/duplicate/);
  });

  test("displays as SVG + text/plain, and JSON round-trips", async () => {
    const g = dag(["x", "y"], ["x->y"]);
    g.edges[0].confidence = 0.8;
    g.edges[0].weight = 1.5;
    const b = (await mimeBundleOf(g))!;
    expect(String(b["image/svg+xml"])).toMatch(/^<svg[^>]*xmlns/);
    expect(String(b["image/svg+xml"])).toContain('class="cs-edge-head"');
    expect(b["text/plain"]).toContain("x -> y");
    expect(b["text/plain"]).toContain("confidence 80%");
    const j = JSON.parse(JSON.stringify(toJSON(g)));
    const g2 = graphFromJSON(j);
    expect(g2.edges).toEqual(g.edges);
    expect(g2.kind).toBe("dag");
  });

  test("DOT export", () => {
    const g = new Graph(["a", "b", "c"], [{ from: "a", to: "b", directed: true }, { from: "b", to: "c", directed: false }], "cpdag");
    const dot = toDot(g);
    expect(dot).toContain('"a" -> "b";');
    expect(dot).toContain('"b" -> "c" [dir=none];');
    const pag = new Graph(["a", "b"], [{ from: "a", to: "b", directed: false }], "pag", { marks: [{ from: "a", to: "b", fromMark: "o", toMark: ">" }] });
    expect(toDot(pag)).toContain("arrowtail=odot, arrowhead=normal");
  });
});

describe("acyclicity and order", () => {
  test("detects cycles", () => {
    expect(isAcyclic(dag(["a", "b", "c"], ["a->b", "b->c"]))).toBe(true);
    expect(isAcyclic(dag(["a", "b", "c"], ["a->b", "b->c", "c->a"]))).toBe(false);
    expect(topologicalOrder(dag(["c", "b", "a"], ["a->b", "b->c"]))).toEqual(["a", "b", "c"]);
  });
});

describe("d-separation (Pearl 1988 examples)", () => {
  // a -> c <- b, c -> d
  const g = dag(["a", "b", "c", "d"], ["a->c", "b->c", "c->d"]);
  test("collider blocks unless it or a descendant is conditioned on", () => {
    expect(dSeparated(g, "a", "b")).toBe(true);
    expect(dSeparated(g, "a", "b", ["c"])).toBe(false);
    expect(dSeparated(g, "a", "b", ["d"])).toBe(false);
  });
  test("chain and fork blocked by the middle node", () => {
    const chain = dag(["x", "m", "y"], ["x->m", "m->y"]);
    expect(dSeparated(chain, "x", "y")).toBe(false);
    expect(dSeparated(chain, "x", "y", "m")).toBe(true);
    const fork = dag(["x", "m", "y"], ["m->x", "m->y"]);
    expect(dSeparated(fork, "x", "y", ["m"])).toBe(true);
  });
  test("asia: known independences", () => {
    const asia = readBIF(bif("asia"), "asia").graph;
    expect(dSeparated(asia, "asia", "smoke")).toBe(true);
    expect(dSeparated(asia, "tub", "lung")).toBe(true);
    expect(dSeparated(asia, "tub", "lung", ["either"])).toBe(false);
    expect(dSeparated(asia, "xray", "dysp", ["either"])).toBe(true);
    expect(dSeparated(asia, "xray", "dysp")).toBe(false);
    expect(dSeparated(asia, "xray", "smoke", ["either"])).toBe(true);
    expect(dSeparated(asia, "asia", "dysp", ["tub"])).toBe(true);
  });
  test("errors name the argument", () => {
    expect(() => dSeparated(g, "zz", "b")).toThrow(/x "zz" is not a node/);
    expect(() => dSeparated(new Graph(["a", "b"], [{ from: "a", to: "b", directed: false }], "cpdag"), "a", "b")).toThrow(/needs a DAG/);
  });
});

describe("Markov blanket and back-door sets", () => {
  test("Markov blanket = parents, children, co-parents", () => {
    const asia = readBIF(bif("asia"), "asia").graph;
    expect(markovBlanket(asia, "lung").sort()).toEqual(["either", "smoke", "tub"].sort());
    expect(markovBlanket(asia, "either").sort()).toEqual(["bronc", "dysp", "lung", "tub", "xray"].sort());
  });

  test("confounder: {z} is the minimal back-door set", () => {
    const g = dag(["z", "x", "y"], ["z->x", "z->y", "x->y"]);
    expect(backdoorAdjustmentSets(g, "x", "y")).toEqual([["z"]]);
  });

  test("M-bias: the empty set is valid and conditioning on the collider alone is not", () => {
    // u1 -> x, u1 -> m <- u2, u2 -> y, x -> y
    const g = dag(["u1", "u2", "m", "x", "y"], ["u1->x", "u1->m", "u2->m", "u2->y", "x->y"]);
    const sets = backdoorAdjustmentSets(g, "x", "y");
    expect(sets[0]).toEqual([]);
    expect(sets).toHaveLength(1); // every other valid set is a superset of {} (minimality)
    expect(dSeparated(new Graph(g.nodes, g.edges.filter((e) => e.from !== "x")), "x", "y", ["m"])).toBe(false);
  });

  test("Pearl (2009) Fig. 3.4-style graph: two minimal sets", () => {
    // x <- a -> b <- c -> y, b -> x? use: a -> x, a -> b, c -> b, c -> y, b -> x, b -> y, x -> y
    const g = dag(["a", "b", "c", "x", "y"], ["a->x", "a->b", "c->b", "c->y", "b->x", "b->y", "x->y"]);
    const sets = backdoorAdjustmentSets(g, "x", "y").map((s) => s.sort().join(","));
    expect(sets).toEqual(expect.arrayContaining(["a,b", "b,c"]));
    expect(sets).not.toContain("b");
  });

  test("descendants of the treatment are never used", () => {
    const g = dag(["x", "m", "y", "z"], ["x->m", "m->y", "z->x", "z->y"]);
    for (const s of backdoorAdjustmentSets(g, "x", "y")) expect(s).not.toContain("m");
  });
});

describe("DAG -> CPDAG", () => {
  test("chain becomes undirected, collider stays", () => {
    const chain = dagToCpdag(dag(["a", "b", "c"], ["a->b", "b->c"]));
    expect(chain.kind).toBe("cpdag");
    expect(chain.edges.every((e) => !e.directed)).toBe(true);
    const coll = dagToCpdag(dag(["a", "b", "c"], ["a->b", "c->b"]));
    expect(coll.edges.every((e) => e.directed && e.to === "b")).toBe(true);
  });

  test("Meek R1 propagates below a collider", () => {
    const c = dagToCpdag(dag(["a", "b", "c", "d"], ["a->c", "b->c", "c->d"]));
    expect(c.edges.find((e) => e.from === "c" && e.to === "d")?.directed).toBe(true);
  });

  test("asia CPDAG (bnlearn's cpdag(asia)): 3 undirected edges", () => {
    const c = dagToCpdag(readBIF(bif("asia"), "asia").graph);
    const und = c.edges.filter((e) => !e.directed).map((e) => [e.from, e.to].sort().join("-"));
    expect(und.sort()).toEqual(["asia-tub", "bronc-smoke", "lung-smoke"].sort());
    expect(c.edges.filter((e) => e.directed)).toHaveLength(5);
  });

  test("SHD and metrics", () => {
    const t = dag(["a", "b", "c"], ["a->b", "c->b"]);
    const e = dag(["a", "b", "c"], ["a->b", "b->c"]);
    expect(shd(t, t)).toBe(0);
    expect(shd(e, t)).toBe(1);
    const m = compareGraphs(e, t);
    expect(m.adjacencyPrecision).toBe(1);
    expect(m.adjacencyRecall).toBe(1);
    expect(m.directionAccuracy).toBe(0.5);
    expect(() => shd(t, dag(["a", "b"], []))).toThrow(/different node sets/);
  });
});
