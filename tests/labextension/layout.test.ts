/** Graph structure (parents, children, Markov blanket) and the layered layout. */
import dagre from "@dagrejs/dagre";
import { boxExit, layoutGraph, pathData } from "../../src/show/shared/graph-drawing";
import { neighbourhood } from "../../labextension/src/neighbourhood";
import { parseGraphPayload } from "../../src/show/shared/schema";

// A -> C <- B, C -> D, E -> D, D - F (undirected), G <-> C (bidirected)
const g = parseGraphPayload({
  version: 1,
  nodes: ["A", "B", "C", "D", "E", "F", "G", "H"].map((id) => ({ id })),
  edges: [
    { from: "A", to: "C" }, { from: "B", to: "C" }, { from: "C", to: "D" }, { from: "E", to: "D" },
    { from: "D", to: "F", type: "undirected" }, { from: "G", to: "C", type: "bidirected" },
  ],
});

describe("neighbourhood", () => {
  it("gives parents, children and the Markov blanket (parents, children, children's other parents)", () => {
    const c = neighbourhood(g, "C");
    expect([...c.parents].sort()).toEqual(["A", "B"]);
    expect([...c.children]).toEqual(["D"]);
    expect([...c.adjacent]).toEqual(["G"]);
    expect([...c.markovBlanket].sort()).toEqual(["A", "B", "D", "E", "G"]);
    expect([...neighbourhood(g, "H").markovBlanket]).toEqual([]);
    const a = neighbourhood(g, "A");
    expect([...a.markovBlanket].sort()).toEqual(["B", "C"]); // B is a spouse through C
  });
});

describe("layered layout", () => {
  const L = layoutGraph(g, dagre as any);
  it("places every node, without overlaps, inside the drawing", () => {
    expect(L.nodes.size).toBe(8);
    const boxes = [...L.nodes.values()];
    for (const b of boxes) {
      expect(b.x - b.width / 2).toBeGreaterThanOrEqual(0);
      expect(b.y - b.height / 2).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width / 2).toBeLessThanOrEqual(L.width);
      expect(b.y + b.height / 2).toBeLessThanOrEqual(L.height);
    }
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      const overlap = Math.abs(a.x - b.x) < (a.width + b.width) / 2 && Math.abs(a.y - b.y) < (a.height + b.height) / 2;
      expect(overlap).toBe(false);
    }
  });
  it("draws causes above effects (top to bottom layers)", () => {
    const y = (id: string) => L.nodes.get(id)!.y;
    expect(y("A")).toBeLessThan(y("C"));
    expect(y("B")).toBeLessThan(y("C"));
    expect(y("C")).toBeLessThan(y("D"));
    expect(y("E")).toBeLessThan(y("D"));
  });
  it("routes each edge from its source box to its target box", () => {
    expect(L.routes).toHaveLength(6);
    const e = L.routes[2]; // C -> D
    const c = L.nodes.get("C")!, d = L.nodes.get("D")!;
    const first = e[0], last = e[e.length - 1];
    expect(Math.abs(first.y - (c.y + c.height / 2))).toBeLessThan(1.5);
    expect(Math.abs(last.y - (d.y - d.height / 2))).toBeLessThan(1.5);
  });
  it("boxExit meets the box border; pathData writes straight segments", () => {
    const box = { id: "n", label: "n", x: 100, y: 50, width: 80, height: 30 };
    expect(boxExit(box, 100, 200)).toEqual({ x: 100, y: 65 });
    expect(boxExit(box, 300, 50)).toEqual({ x: 140, y: 50 });
    expect(pathData([{ x: 0, y: 0 }, { x: 1.25, y: 2 }])).toBe("M0.0,0.0 L1.3,2.0");
  });
});
