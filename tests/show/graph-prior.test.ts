/**
 * show.graph's inputs (a result holding `.graph`, options.layout,
 * options.prior) and prior knowledge arriving from the graph widget over the
 * comm, read back by show.prior() in the shape the learners take.
 */
import { KERNEL_BRIDGE, MIME_BUNDLE } from "../../src/display/mime";
import * as show from "../../src/show";
import { Graph } from "../../src/causal/graph";
import { learnStructure } from "../../src/causal/learn";
import { bootstrap } from "../../src/causal/bootstrap";

const bundleOf = (v: unknown) => (v as any)[MIME_BUNDLE]();

/** x -> y -> z, linear Gaussian, seeded (LCG + Box–Muller). */
function chain(n: number) {
  let s = 12345;
  const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return (s + 0.5) / 2147483648; };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
  const x = new Float64Array(n), y = new Float64Array(n), z = new Float64Array(n);
  for (let i = 0; i < n; i++) { x[i] = gauss(); y[i] = 0.8 * x[i] + 0.6 * gauss(); z[i] = 0.8 * y[i] + 0.6 * gauss(); }
  return { x, y, z };
}
const edgeSet = (g: Graph) => g.edges.map((e) => `${e.from} ${e.to} ${e.directed}`).sort();

describe("show.graph inputs", () => {
  it("shows a bootstrap result's consensus graph, and says to pass .graph for other objects", () => {
    const boot = bootstrap(chain(300), { seed: 1 }, 10);
    const v = show.graph(boot as any);
    expect(v.payload.nodes.map((n) => n.id)).toEqual(["x", "y", "z"]);
    expect(v.payload.edges.length).toBe(boot.graph.edges.length);
    expect(v.payload.edges.every((e) => e.confidence !== undefined)).toBe(true);
    expect(() => show.graph({ n: 3, edges: [] } as any)).toThrow("show.graph: graph.nodes must be an array of node names; got an object with keys n, edges (pass a causalscope Graph, or a result's .graph)");
  });
  it("checks options.layout against the accepted layouts", () => {
    const g = { nodes: ["a", "b"], edges: [{ from: "a", to: "b" }] };
    expect(show.graph(g, { layout: "circular" }).payload.layout).toBe("circular");
    expect(show.graph(g).payload.layout).toBeUndefined();
    expect(() => show.graph(g, { layout: "tree" as any })).toThrow('show.graph: options.layout must be one of "layered", "force", "circular"; got "tree"');
  });
  it("draws options.prior (edges as \"a->b\" or [a, b]) and lists it in the text", () => {
    const g = { nodes: ["a", "b", "c"], edges: [{ from: "a", to: "b" }] };
    const v = show.graph(g, { prior: { required: ["a->b"], forbidden: [["c", "a"]], tiers: [["a"], ["b", "c"]] } });
    expect(v.payload.prior).toEqual({ required: [["a", "b"]], forbidden: [["c", "a"]], tiers: [["a"], ["b", "c"]] });
    expect(bundleOf(v)["text/plain"]).toBe("graph with 3 nodes, 1 edges\n  a -> b\nprior knowledge:\n  required a -> b\n  forbidden c -> a\n  tier 1: a\n  tier 2: b, c");
    expect(() => show.graph(g, { prior: { required: ["a->q"] } })).toThrow('show.graph: options.prior.required[0][1]: "q" is not a node id');
    expect(() => show.graph(g, { prior: { forbidWithinTier: true, tiers: [["a"]] } })).toThrow(/forbidWithinTier cannot be drawn/);
  });
});

describe("prior knowledge over the comm", () => {
  afterEach(() => { delete (globalThis as any)[KERNEL_BRIDGE]; });
  it("arrives on the causalscope.selection target; show.prior() gives it to the learners, which then learn another graph", () => {
    const targets = new Map<string, any>();
    (globalThis as any)[KERNEL_BRIDGE] = { display() {}, registerCommTarget: (t: string, onOpen: any) => targets.set(t, onOpen) };
    const data = chain(400);
    const learned = learnStructure(data);
    expect(edgeSet(learned)).toEqual(["x y false", "y z false"]);
    const v = show.graph(learned);
    expect(show.prior()).toEqual({ required: [], forbidden: [], tiers: [] });
    const drawn = { required: [["x", "y"]], forbidden: [["y", "z"], ["z", "y"]], tiers: [["x"], ["y"]] };
    const onMsg = targets.get(show.SELECTION_COMM_TARGET)("comm-1", { event: "prior", view: v.id, prior: drawn }, () => undefined);
    expect(show.prior()).toEqual(drawn);
    expect(show.prior(v.id)).toEqual(drawn);
    expect(edgeSet(learnStructure(data, { prior: show.prior() }))).toEqual(["x y true"]);
    // a later edit replaces it; selections on the same comm still work
    onMsg({ event: "prior", view: v.id, prior: { required: [["z", "y"]], forbidden: [], tiers: [] } });
    expect(show.prior().required).toEqual([["z", "y"]]);
    // z -> y required; x -- y then follows by Meek's rule 1 (z, x not adjacent): y -> x
    expect(edgeSet(learnStructure(data, { prior: show.prior() }))).toEqual(["y x true", "z y true"]);
  });
  it("names a bad field; a contradictory drawing is refused by the learner, naming the edges", () => {
    const v = show.graph({ nodes: ["x", "y", "z"], edges: [] });
    expect(() => show.receivePrior({ event: "prior", view: v.id, prior: { required: [["x", "q"]] } })).toThrow(`causalscope.selection: prior.required[0][1]: "q" is not a node id (view ${v.id})`);
    show.receivePrior({ event: "prior", view: v.id, prior: { required: [["x", "y"], ["y", "z"], ["z", "x"]], forbidden: [], tiers: [] } });
    expect(show.prior(v.id).required).toEqual([["x", "y"], ["y", "z"], ["z", "x"]]);
    expect(() => learnStructure(chain(50), { prior: show.prior() })).toThrow("pcStable: prior.required edges form a directed cycle through x, y, z; a causal graph must be acyclic");
    // the prior a graph is shown with is that view's prior until edited
    const w = show.graph({ nodes: ["a", "b"], edges: [] }, { prior: { required: ["a->b"] } });
    expect(show.prior(w.id)).toEqual({ required: [["a", "b"]], forbidden: [], tiers: [] });
  });
});
