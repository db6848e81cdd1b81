/** The force and circular layouts, edge-label placement and text, and the payload's prior / layout fields. */
import dagre from "@dagrejs/dagre";
import { drawingBounds, edgeLabel, edgeShape, edgeWidth, graphSvg, layoutGraph, maxAbsWeight, placeLabels, labelSize, type NodeBox, type Point } from "../../src/show/shared/graph-drawing";
import { parseGraphPayload } from "../../src/show/shared/schema";

// ten nodes: a hub with spokes plus a chain, weights and confidences on every edge
const ids = ["hub", "a", "b", "c", "d", "constructor", "__proto__", "a much longer node label", "e", "f"];
const g = parseGraphPayload({
  version: 1,
  nodes: ids.map((id) => ({ id })),
  edges: [
    ...ids.slice(1, 6).map((id, k) => ({ from: "hub", to: id, weight: 0.1 * (k + 1), confidence: 0.5 + 0.1 * k })),
    { from: "constructor", to: "__proto__", weight: -1.25 },
    { from: "__proto__", to: "a much longer node label", confidence: 0.33 },
    { from: "e", to: "f", type: "undirected", weight: 2 },
    { from: "f", to: "hub", type: "bidirected", weight: 0.5, confidence: 1 },
  ],
});

const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) => Math.abs(a.x - b.x) * 2 < a.width + b.width && Math.abs(a.y - b.y) * 2 < a.height + b.height;

function labelsFor(layout: "layered" | "force" | "circular") {
  const L = layoutGraph(g, dagre as any, layout);
  const maxW = maxAbsWeight(g);
  const shapes = g.edges.map((e, i) => edgeShape(e, L.routes[i], L.nodes.get(e.from)!, L.nodes.get(e.to)!, edgeWidth(e.weight, maxW)));
  const sizes = g.edges.map((e) => labelSize(edgeLabel(e)));
  return { L, shapes, labels: placeLabels(shapes.map((s) => s.points), sizes, L.nodes.values(), { width: L.width, height: L.height }) };
}

/** Is any of 200 points along the polyline strictly inside the box? */
function lineInside(line: Point[], r: { x: number; y: number; width: number; height: number }): boolean {
  for (let k = 1; k < line.length; k++)
    for (let t = 0; t <= 1; t += 0.005) {
      const x = line[k - 1].x + (line[k].x - line[k - 1].x) * t, y = line[k - 1].y + (line[k].y - line[k - 1].y) * t;
      if (Math.abs(x - r.x) < r.width / 2 && Math.abs(y - r.y) < r.height / 2) return true;
    }
  return false;
}

describe.each(["layered", "force", "circular"] as const)("%s layout", (layout) => {
  const { L, shapes, labels } = labelsFor(layout);
  it("places every node without overlaps (16 px apart for force and circular)", () => {
    const boxes = [...L.nodes.values()];
    expect(boxes.map((b) => b.id)).toEqual(ids);
    const gap = layout === "layered" ? 0 : 15.9;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      expect(overlap({ ...boxes[i], width: boxes[i].width + gap, height: boxes[i].height + gap }, boxes[j])).toBe(false);
    }
  });
  it("puts every edge label off every line, box and other label, inside the drawing's bounds", () => {
    const B = drawingBounds(L, labels);
    labels.forEach((r, i) => {
      expect(r).not.toBeNull();
      for (const s of shapes) expect(lineInside(s.points, r!)).toBe(false);
      for (const b of L.nodes.values()) expect(overlap(r!, b)).toBe(false);
      labels.forEach((q, j) => { if (j !== i) expect(overlap(r!, q!)).toBe(false); });
      expect(r!.x - r!.width / 2).toBeGreaterThanOrEqual(B.x);
      expect(r!.x + r!.width / 2).toBeLessThanOrEqual(B.x + B.width);
      expect(r!.y - r!.height / 2).toBeGreaterThanOrEqual(B.y);
    });
  });
});

describe("layouts", () => {
  it("circular: nodes on one circle, clockwise from the top in payload order", () => {
    const L = layoutGraph(g, dagre as any, "circular");
    const c = [...L.nodes.values()];
    const mx = c.reduce((s, b) => s + b.x, 0) / c.length, my = c.reduce((s, b) => s + b.y, 0) / c.length;
    const r = c.map((b) => Math.hypot(b.x - mx, b.y - my));
    for (const v of r) expect(v).toBeCloseTo(r[0], 6);
    const angle = c.map((b) => Math.atan2(b.y - my, b.x - mx));
    expect(angle[0]).toBeCloseTo(-Math.PI / 2, 6);
    expect(angle[1]).toBeCloseTo(-Math.PI / 2 + (2 * Math.PI) / 10, 6);
  });
  it("force: deterministic, and adjacent nodes closer than non-adjacent ones on average", () => {
    const L1 = layoutGraph(g, dagre as any, "force"), L2 = layoutGraph(g, dagre as any, "force");
    expect([...L1.nodes.values()]).toEqual([...L2.nodes.values()]);
    const d = (a: string, b: string) => Math.hypot(L1.nodes.get(a)!.x - L1.nodes.get(b)!.x, L1.nodes.get(a)!.y - L1.nodes.get(b)!.y);
    const adj = new Set(g.edges.map((e) => [e.from, e.to].sort().join("\u0000")));
    let sa = 0, na = 0, sn = 0, nn = 0;
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) {
      if (adj.has([ids[i], ids[j]].sort().join("\u0000"))) { sa += d(ids[i], ids[j]); na++; } else { sn += d(ids[i], ids[j]); nn++; }
    }
    expect(sa / na).toBeLessThan(0.75 * (sn / nn));
  });
  it("an unknown layout names the accepted ones; the payload's layout is the default", () => {
    expect(() => layoutGraph(g, dagre as any, "spring" as any)).toThrow(/layout must be one of layered, force, circular, got "spring"/);
    const p = parseGraphPayload({ version: 1, nodes: [{ id: "a" }, { id: "b" }], edges: [{ from: "a", to: "b" }], layout: "circular" });
    expect(p.layout).toBe("circular");
    expect(layoutGraph(p, dagre as any).routes).toEqual([[]]);
    expect(() => parseGraphPayload({ version: 1, nodes: [], edges: [], layout: "tree" })).toThrow(/^layout: expected one of layered, force, circular, got a string \("tree"\)/);
  });
});

describe("edge labels", () => {
  it("write the weight, the confidence as a percentage, or both", () => {
    const e = { from: "a", to: "b", type: "directed" as const, fromMark: "-" as const, toMark: ">" as const };
    expect(edgeLabel({ ...e, weight: 0.62, confidence: 0.94 })).toBe("0.62 (94%)");
    expect(edgeLabel({ ...e, confidence: 0.4 })).toBe("40%");
    expect(edgeLabel({ ...e, weight: -1.25 })).toBe("-1.25");
    expect(edgeLabel(e)).toBe("");
  });
  it("a label goes to the side of its line away from a node box; no label where the size is null", () => {
    // a label far larger than the gap between two parallel lines, squeezed between boxes
    const box = (id: string, x: number, y: number): NodeBox => ({ id, label: id, x, y, width: 40, height: 32 });
    const lines = [[{ x: 0, y: 0 }, { x: 0, y: 100 }], [{ x: 10, y: 0 }, { x: 10, y: 100 }]];
    const [r] = placeLabels(lines.slice(0, 1), [{ width: 30, height: 12 }], [box("a", -40, 50)], { width: 100, height: 100 });
    // left is blocked by the box: the label goes right of the line
    expect(r!.x - 15).toBeGreaterThan(0);
    const both = placeLabels(lines, [{ width: 30, height: 12 }, null], [], { width: 100, height: 100 });
    expect(both[1]).toBeNull();
    expect(lineInside(lines[0], both[0]!) || lineInside(lines[1], both[0]!)).toBe(false);
  });
  it("the static SVG writes each label once, inside its viewBox", () => {
    const L = layoutGraph(g, dagre as any);
    const svg = graphSvg(g, L);
    expect((svg.match(/class="cs-edge-label"/g) ?? []).length).toBe(g.edges.length);
    expect(svg).toContain(">0.1 (50%)</text>");
    expect(svg).toContain(">33%</text>");
  });
});

describe("the static SVG's legend and prior", () => {
  const pag = parseGraphPayload({
    version: 1, nodes: ["A", "B", "C"].map((id) => ({ id })),
    edges: [{ from: "A", to: "B", fromMark: "o", toMark: ">" }, { from: "B", to: "C", fromMark: "o", toMark: "o" }],
    prior: { required: [["A", "C"]], forbidden: [["C", "B"], ["B", "C"]], tiers: [["A"], ["B"]] },
  });
  const svg = graphSvg(pag, layoutGraph(pag, dagre as any));
  it("explains the PAG marks below the drawing, with drawn samples", () => {
    expect(svg).toContain(">PAG (FCI) endpoint marks:</text>");
    for (const sym of ["o-&gt;", "o-o", "&lt;-&gt;"]) expect(svg).toContain(`>${sym}</text>`);
    // 3 circles on the edges (o-> and o-o), 1 + 2 in the legend's samples
    expect((svg.match(/<circle class="cs-edge-circle"/g) ?? []).length).toBe(3);
    expect((svg.match(/<circle class="cs-legend-circle"/g) ?? []).length).toBe(3);
  });
  it("draws the prior: one required edge, one crossed forbidden adjacency, tier badges", () => {
    expect((svg.match(/class="cs-prior-edge cs-prior-required"/g) ?? []).length).toBe(1);
    expect((svg.match(/class="cs-prior-edge cs-prior-forbidden"/g) ?? []).length).toBe(1);
    expect(svg).toContain("<title>forbidden C -- B (both directions)</title>");
    expect(svg.match(/>tier \d<\/text>/g)).toEqual([">tier 1</text>", ">tier 2</text>"]);
  });
  it("a CPDAG gets the CPDAG legend; a DAG none", () => {
    const cpdag = parseGraphPayload({ version: 1, nodes: [{ id: "a" }, { id: "b" }], edges: [{ from: "a", to: "b", type: "undirected" }] });
    expect(graphSvg(cpdag, layoutGraph(cpdag, dagre as any))).toContain(">CPDAG edges:</text>");
    const d = parseGraphPayload({ version: 1, nodes: [{ id: "a" }, { id: "b" }], edges: [{ from: "a", to: "b" }] });
    expect(graphSvg(d, layoutGraph(d, dagre as any))).not.toContain("cs-graph-legend-marks");
  });
});

describe("the payload's prior", () => {
  const base = { version: 1, nodes: [{ id: "a" }, { id: "b" }, { id: "constructor" }], edges: [] };
  it("keeps required / forbidden pairs and tiers", () => {
    const p = parseGraphPayload({ ...base, prior: { required: [["a", "b"]], forbidden: [["b", "constructor"]], tiers: [["constructor"], ["a", "b"]] } });
    expect(p.prior).toEqual({ required: [["a", "b"]], forbidden: [["b", "constructor"]], tiers: [["constructor"], ["a", "b"]] });
    expect(parseGraphPayload({ ...base, prior: {} }).prior).toEqual({ required: [], forbidden: [], tiers: [] });
  });
  it.each([
    [{ required: [["a", "zz"]] }, /^prior\.required\[0\]\[1\]: "zz" is not a node id/],
    [{ forbidden: [["a", "a"]] }, /^prior\.forbidden\[0\]: "a" -> itself is a self-loop/],
    [{ required: ["a->b"] }, /^prior\.required\[0\]: expected \[from, to\]/],
    [{ tiers: [["a"], ["a"]] }, /^prior\.tiers\[1\]\[0\]: "a" is in two tiers/],
    [{ tiers: "a" }, /^prior\.tiers: expected an array of arrays/],
  ])("refuses %j naming the field", (prior, msg) => {
    expect(() => parseGraphPayload({ ...base, prior })).toThrow(msg);
  });
});
