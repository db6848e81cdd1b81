/**
 * show.atoms / show.graph bundles (payload + static picture + text), their
 * argument errors, and selections arriving over the comm.
 */
import { PNG } from "pngjs";
// Imported from the capability's own modules so that this suite does not depend on
// every other capability compiling (the package entry is checked in tests/show/export.test.ts).
import { makeImage } from "../../src/image/image";
import { MIME_BUNDLE, KERNEL_BRIDGE } from "../../src/display/mime";
import * as show from "../../src/show";
import { selection } from "../../src/show";
import { mimeBundleOf } from "../../src/display/mime";
import { Graph, dag, toSvg } from "../../src/causal/graph";
import { parseAtomsPayload, parseChartPayload } from "../../src/show/shared/schema";
import { classColors } from "../../src/show/payload";

const bundleOf = (v: unknown) => (v as any)[MIME_BUNDLE]();

function grid(n: number, step: number) {
  const x: number[] = [], y: number[] = [], sublattice: number[] = [];
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) { x.push(step / 2 + step * i); y.push(step / 2 + step * j); sublattice.push((i + j) % 2); }
  return { x, y, sublattice };
}

describe("show.atoms", () => {
  const img = makeImage(new Float32Array(100 * 100).fill(0.5), 100, 100);
  it("draws each atom in its class colour in the PNG fallback", () => {
    const atoms = grid(5, 20);
    const b = bundleOf(show.atoms(img, atoms, { colors: { "0": "#ff0000", "1": "#00ff00" }, marker: "filled" }));
    const png = PNG.sync.read(Buffer.from(b["image/png"], "base64"));
    const s = png.width / 100; // integer upscale
    expect(Number.isInteger(s)).toBe(true);
    expect(png.width).toBeGreaterThanOrEqual(384);
    for (let i = 0; i < atoms.x.length; i++) {
      const px = Math.round((atoms.x[i] + 0.5) * s - 0.5), py = Math.round((atoms.y[i] + 0.5) * s - 0.5);
      const j = 4 * (py * png.width + px);
      expect([png.data[j], png.data[j + 1], png.data[j + 2]]).toEqual(atoms.sublattice[i] ? [0, 255, 0] : [255, 0, 0]);
    }
    // between atoms the image shows through, grey
    const j = 4 * (Math.round(20 * s) * png.width + Math.round(20 * s));
    expect(png.data[j]).toBe(png.data[j + 1]);
    expect(b["text/plain"]).toBe("25 atoms over a 100×100 image (0 13, 1 12)");
  });

  it("takes a Table-like object, array rows, vectors and properties", () => {
    const rows = [{ x: 10, y: 10, species: "Sr", strain: 0.01, dx: 1, dy: 0 }, { x: 50, y: 60, species: "Ti", strain: -0.02, dx: 0, dy: 2 }];
    const v = show.atoms(img, rows, { classColumn: "species", title: "two" });
    const p = v.payload;
    expect(p.title).toBe("two");
    expect(p.atoms.classes.map((c) => c.name)).toEqual(["Sr", "Ti"]);
    expect(p.atoms.vectors?.label).toBe("displacement");
    expect(p.atoms.properties.map((q) => q.name)).toEqual(["strain"]);
    const table = { columnNames: ["x", "y"], column: (n: string) => (n === "x" ? Float64Array.of(1, 2) : Float64Array.of(3, 4)) };
    expect(show.atoms(img, table).payload.atoms.count).toBe(2);
  });

  it("chooses a gain so typical arrows are visible: 1, 2 or 5 × 10^k", () => {
    const atoms = { ...grid(10, 10), dx: new Array(100).fill(0.05), dy: new Array(100).fill(0) };
    // spacing 10 px, median length 0.05 px → raw gain 66.7 → 50
    expect(show.atoms(img, atoms).payload.atoms.vectors!.gain).toBe(50);
    expect(show.atoms(img, atoms, { gain: 3 }).payload.atoms.vectors!.gain).toBe(3);
  });

  it("names the argument and the reason when the input is wrong", () => {
    expect(() => show.atoms({ data: [1], width: 1, height: 1 } as any, { x: [0], y: [0] })).toThrow("show.atoms: image must be an Image");
    expect(() => show.atoms(img, { u: [1] } as any)).toThrow('show.atoms: atoms need "x" and "y" columns (image pixels: x = column, y = row); got columns u');
    expect(() => show.atoms(img, { x: [1, 2], y: [1] })).toThrow('show.atoms: column "y" has 1 values, "x" has 2');
    expect(() => show.atoms(img, { x: [1, NaN], y: [1, 2] })).toThrow("show.atoms: atom 1 has a non-finite position (x NaN, y 2)");
    expect(() => show.atoms(img, { x: [1], y: [1] }, { classColumn: "kind" })).toThrow('show.atoms: options.classColumn "kind" is not a column of atoms');
    expect(() => show.atoms(img, { x: [1], y: [1] }, { colors: { atoms: "red" } })).toThrow('show.atoms: options.colors["atoms"] must be "#rrggbb", got "red"');
  });
});

describe("show.graph", () => {
  it("bundles the payload, an SVG with every node and edge, and an edge list", () => {
    const g = { nodes: ["a", "b", "c"], edges: [{ from: "a", to: "b", weight: 0.5, confidence: 0.8 }, { from: "b", to: "c", directed: false }] };
    const b = bundleOf(show.graph(g, { title: "toy" }));
    const svg: string = b["image/svg+xml"];
    expect(svg.startsWith("<svg")).toBe(true);
    expect((svg.match(/<g class="cs-node"/g) ?? []).length).toBe(3);
    expect((svg.match(/<g class="cs-edge /g) ?? []).length).toBe(2);
    expect((svg.match(/<polygon class="cs-edge-head"/g) ?? []).length).toBe(1); // one arrowhead: the undirected edge has none
    expect(svg).toContain(">CPDAG edges:</text>"); // and the legend says what an undirected edge means
    expect(svg).toContain('opacity="0.830"');
    expect(b["text/plain"]).toBe("toy: graph with 3 nodes, 2 edges\n  a -> b  weight 0.5  confidence 0.8\n  b -- c");
  });
  it("reads PAG marks: <-> becomes bidirected, o-> and o-o undirected, and keeps the marks", () => {
    const p = show.graph({ nodes: ["a", "b", "c", "d"], edges: [{ from: "a", to: "b", directed: false }, { from: "b", to: "c", directed: false }, { from: "c", to: "d", directed: false }], marks: [{ fromMark: ">", toMark: ">" }, { fromMark: "o", toMark: ">" }, { fromMark: "o", toMark: "o" }] }).payload;
    expect(p.edges.map((e) => e.type)).toEqual(["bidirected", "undirected", "undirected"]);
    expect(p.edges.map((e) => [e.fromMark, e.toMark])).toEqual([[">", ">"], ["o", ">"], ["o", "o"]]);
  });
  it("rejects edges to unknown nodes and bad confidences, naming the edge", () => {
    expect(() => show.graph({ nodes: ["a"], edges: [{ from: "a", to: "z" }] })).toThrow('show.graph: graph.edges[0].to "z" is not in graph.nodes');
    expect(() => show.graph({ nodes: ["a", "b"], edges: [{ from: "a", to: "b", confidence: 2 }] })).toThrow("show.graph: graph.edges[0].confidence must be in [0, 1], got 2");
    expect(() => show.graph({ nodes: "ab" } as any)).toThrow("show.graph: graph.nodes must be an array of node names");
  });
});

describe("PAG endpoint marks in the text and the drawing", () => {
  // a <-> b, b o-> c, c o-o d, d -> e, e -- f (PAG marks for the first three, as a causalscope Graph of kind "pag" gives them)
  const pag = new Graph(["a", "b", "c", "d", "e", "f"], [
    { from: "a", to: "b", directed: false }, { from: "b", to: "c", directed: false }, { from: "c", to: "d", directed: false },
    { from: "d", to: "e", directed: true }, { from: "e", to: "f", directed: false },
  ], "pag", { marks: [
    { from: "a", to: "b", fromMark: ">", toMark: ">" }, { from: "b", to: "c", fromMark: "o", toMark: ">" }, { from: "c", to: "d", fromMark: "o", toMark: "o" },
    { from: "d", to: "e", fromMark: "-", toMark: ">" }, { from: "e", to: "f", fromMark: "-", toMark: "-" },
  ] });
  const b = bundleOf(show.graph(pag));
  const svg: string = b["image/svg+xml"];
  const edgeSvg = (k: number) => svg.split('<g class="cs-edge ')[k + 1].split("</g>")[0];

  it("writes each edge with its marks: <->, o->, o-o, ->, --", () => {
    expect(b["text/plain"]).toBe("graph with 6 nodes, 5 edges\n  a <-> b\n  b o-> c\n  c o-o d\n  d -> e\n  e -- f");
  });
  it("draws arrowheads for > marks and open circles for o marks, at the right ends", () => {
    const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
    expect([0, 1, 2, 3, 4].map((k) => [count(edgeSvg(k), /<polygon/g), count(edgeSvg(k), /<circle/g)])).toEqual([[2, 0], [1, 1], [0, 2], [1, 0], [0, 0]]);
    // b o-> c: the circle sits at b (the tail end of the line), the arrowhead's tip at c
    const nodeXY = (id: string) => svg.match(new RegExp(`<g class="cs-node" transform="translate\\(([-\\d.]+),([-\\d.]+)\\)"><title>${id}</title>`))!.slice(1).map(Number);
    const [bx, by] = nodeXY("b"), [cx, cy] = nodeXY("c");
    const circle = edgeSvg(1).match(/cx="([-\d.]+)" cy="([-\d.]+)"/)!.slice(1).map(Number);
    const tip = edgeSvg(1).match(/points="([-\d.]+),([-\d.]+)/)!.slice(1).map(Number);
    const dist = (p: number[], q: number[]) => Math.hypot(p[0] - q[0], p[1] - q[1]);
    expect(dist(circle, [bx, by])).toBeLessThan(dist(circle, [cx, cy]));
    expect(dist(tip, [cx, cy])).toBeLessThan(dist(tip, [bx, by]));
    expect(edgeSvg(0)).toContain('stroke-dasharray="6 3"'); // bidirected: dashed
  });
  it("Graph.toMimeBundle draws the very same picture as show.graph", async () => {
    expect((await mimeBundleOf(pag))!["image/svg+xml"]).toBe(svg);
    expect(toSvg(pag)).toBe(svg);
  });
  it("writes an edge whose lone arrowhead is at `from` reversed", () => {
    const p = show.graph({ nodes: ["x", "y"], edges: [{ from: "x", to: "y" }], marks: [{ fromMark: ">", toMark: "-" }] }).payload;
    expect(p.edges).toEqual([{ from: "y", to: "x", type: "directed", fromMark: "-", toMark: ">" }]);
    expect(() => show.graph({ nodes: ["x", "y"], edges: [{ from: "x", to: "y" }], marks: [{ fromMark: "*", toMark: ">" }] })).toThrow('show.graph: graph.marks[0].fromMark must be "-", ">" or "o", got "*"');
  });
});

describe("the layered drawing", () => {
  const translate = (svg: string, id: string) => svg.match(new RegExp(`<g class="cs-node" transform="translate\\(([-\\d.]+),([-\\d.]+)\\)"><title>${id}</title>`))!.slice(1).map(Number);
  it("draws causes above their effects, in the static SVG of a Graph too", () => {
    const svg = toSvg(dag(["a", "b", "c", "d"], ["a->b", "b->c", "a->d", "d->c"]));
    const y = (id: string) => translate(svg, id)[1];
    expect(y("a")).toBeLessThan(y("b"));
    expect(y("b")).toBeLessThan(y("c"));
    expect(y("d")).toBeLessThan(y("c"));
  });
  it("takes node names that are Object.prototype keys (constructor, __proto__, toString)", () => {
    const names = ["constructor", "__proto__", "toString", "hasOwnProperty"];
    const g = dag(names, ["constructor->__proto__", "__proto__->toString", "toString->hasOwnProperty"]);
    const v = show.graph(g, { labels: { toString: "to string" } });
    for (const n of names) expect(v.svg).toContain(`<title>${n === "toString" ? "to string (toString)" : n}</title>`);
    expect(v.payload.nodes.map((n) => n.label)).toEqual(["constructor", "__proto__", "to string", "hasOwnProperty"]);
    const y = (id: string) => translate(v.svg, id === "toString" ? "to string \\(toString\\)" : id)[1];
    expect(y("constructor")).toBeLessThan(y("__proto__"));
    expect(y("__proto__")).toBeLessThan(y("toString"));
    expect(v.text).toBe("graph with 4 nodes, 3 edges\n  constructor -> __proto__\n  __proto__ -> toString\n  toString -> hasOwnProperty");
  });
  it("colours atom classes named like Object.prototype keys from the palette", () => {
    const img = makeImage(new Float32Array(100), 10, 10);
    const p = show.atoms(img, { x: [1, 5], y: [1, 5], class: ["constructor", "toString"] }).payload;
    expect(p.atoms.classes).toEqual([{ name: "constructor", color: show.PALETTE[0], shape: "circle" }, { name: "toString", color: show.PALETTE[1], shape: "square" }]);
  });
});

describe("selection over the comm", () => {
  afterEach(() => { delete (globalThis as any)[KERNEL_BRIDGE]; });
  it("registers the causalscope.selection target and returns the latest selection's indices", () => {
    const targets = new Map<string, any>();
    (globalThis as any)[KERNEL_BRIDGE] = { display() {}, registerCommTarget: (t: string, onOpen: any) => targets.set(t, onOpen) };
    const img = makeImage(new Float32Array(16), 4, 4);
    const v = show.atoms(img, { x: [0, 1, 2, 3], y: [0, 1, 2, 3] });
    expect([...targets.keys()]).toEqual([show.SELECTION_COMM_TARGET]);
    const onMsg = targets.get(show.SELECTION_COMM_TARGET)("comm-1", { event: "selection", view: v.id, shape: "lasso", polygon: [0, 0, 2, 0, 2, 2], indices: [2, 0] }, () => undefined);
    expect(selection()).toEqual([0, 2]);
    expect(show.lastSelection()?.shape).toBe("lasso");
    onMsg({ event: "selection", view: v.id, shape: "box", polygon: [], indices: [3] });
    expect(selection()).toEqual([3]);
    onMsg({ event: "selection", view: v.id, shape: "linked", polygon: [], indices: [1] }); // a brush in a linked chart
    expect(show.lastSelection()?.shape).toBe("linked");
    onMsg({ event: "selection", view: v.id, shape: "box", polygon: [], indices: [3] });
    expect(selection(v.id)).toEqual([3]);
    expect(selection("no-such-view")).toEqual([]);
  });
  it("rejects indices that are not atoms of the view", () => {
    const img = makeImage(new Float32Array(16), 4, 4);
    const v = show.atoms(img, { x: [0, 1], y: [0, 1] });
    expect(() => show.receiveSelection({ event: "selection", view: v.id, indices: [5] })).toThrow(`causalscope.selection: index 5 is not an atom of view ${v.id} (2 atoms)`);
  });
});

describe("image series: per-frame atoms and tracks", () => {
  // 3 frames of 40 × 40 px: a bright 3 × 3 px column at (10 + 8 f, 20) in frame f, and a fixed one at (30, 30)
  const frames = [0, 1, 2].map((f) => {
    const d = new Float32Array(40 * 40);
    for (const [cx, cy] of [[10 + 8 * f, 20], [30, 30]]) for (let v = -1; v <= 1; v++) for (let u = -1; u <= 1; u++) d[(cy + v) * 40 + cx + u] = 1;
    return makeImage(d, 40, 40);
  });
  const tracked = { frame: [0, 0, 1, 1, 2, 2], x: [10, 30, 18, 30, 26, 30], y: [20, 30, 20, 30, 20, 30], track: [0, 1, 0, 1, 0, 1] };

  it("carries one PNG per frame in one grey window, the frame and track columns, labels from a series' times", () => {
    const series = { length: 3, frame: (i: number) => frames[i], times: [0, 0.5, 1], timeUnit: "s" };
    const v = show.atoms(series, tracked, { marker: "filled" });
    expect(v.text).toBe("6 atoms over a 40×40 image, 3 frames with tracks (the picture shows frame 0: 2 atoms)");
    const p = parseAtomsPayload(JSON.parse(JSON.stringify(v.payload)));
    expect(p.frames!.count).toBe(3);
    expect(Array.from(p.frames!.frame)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(p.frames!.track!)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(p.frames!.labels).toEqual(["t = 0 s", "t = 0.5 s", "t = 1 s"]);
    // frame 2's PNG is bright at its column (26, 20) and dark where frame 0's was (10, 20)
    const grey = (k: number, x: number, y: number) => { const png = PNG.sync.read(Buffer.from(p.frames!.png![k], "base64")); return png.data[4 * (y * 40 + x)]; };
    expect([grey(2, 26, 20), grey(2, 10, 20), grey(0, 10, 20)]).toEqual([255, 0, 255]);
    // the static picture is frame 0 with frame 0's atoms only
    const png = PNG.sync.read(Buffer.from(bundleOf(v)["image/png"], "base64"));
    const s = png.width / 40, at = (x: number, y: number) => Array.from(png.data.subarray(4 * (Math.round((y + 0.5) * s - 0.5) * png.width + Math.round((x + 0.5) * s - 0.5)), 4 * (Math.round((y + 0.5) * s - 0.5) * png.width + Math.round((x + 0.5) * s - 0.5)) + 3));
    expect(at(10, 20)).toEqual([0xe6, 0x9f, 0x00]);
    expect(at(26, 20)).toEqual([0, 0, 0]); // frame 2's atom is not drawn; frame 0's image is dark there
  });

  it("a frame column over one image (per-frame atoms, no PNGs); null turns it off", () => {
    const p = show.atoms(frames[0], tracked).payload;
    expect(p.frames!.count).toBe(3);
    expect(p.frames!.png).toBeUndefined();
    expect(show.atoms(frames[0], tracked, { frameColumn: null }).payload.frames).toBeUndefined();
    expect(show.atoms(frames, tracked, { trackColumn: null }).payload.frames!.track).toBeUndefined();
  });

  it("names the argument and the reason when frames and atoms disagree", () => {
    const { frame: _f, ...noFrame } = tracked;
    expect(() => show.atoms(frames, noFrame)).toThrow('show.atoms: image is 3 frames, so the atoms need a frame column (options.frameColumn; default "frame"), got columns x, y, track');
    expect(() => show.atoms(frames.slice(0, 2), tracked)).toThrow('show.atoms: column "frame" (frames) row 4 is frame 2, but image has 2 frames');
    expect(() => show.atoms(frames, { ...tracked, frame: [0, 0.5, 1, 1, 2, 2] })).toThrow('show.atoms: column "frame" (frames) row 1 is 0.5, not a frame index (an integer ≥ 0)');
    expect(() => show.atoms(frames, { ...tracked, track: [0, 1, 0, 1.5, 0, 1] })).toThrow('show.atoms: column "track" (tracks) row 3 is 1.5, not a track id');
    expect(() => show.atoms([frames[0], makeImage(new Float32Array(20), 5, 4)], tracked)).toThrow("show.atoms: frame 1 is 5×4 pixels, frame 0 is 40×40");
    expect(() => show.atoms([], tracked)).toThrow("show.atoms: image is an empty list of frames");
    const payload = JSON.parse(JSON.stringify(show.atoms(frames, tracked).payload));
    payload.frames.frame = [0, 0, 1, 1, 2, 3];
    expect(() => parseAtomsPayload(payload)).toThrow("frames.frame[5]: 3 is not a frame index (frames.count 3)");
    payload.frames.frame = [0, 0, 1, 1, 2, 2];
    payload.frames.png = payload.frames.png.slice(1);
    expect(() => parseAtomsPayload(payload)).toThrow("frames.png: expected an array of 3 base64 PNGs (frames.count), got an array of 2");
  });
});

describe("linked views: show.scatter and the link option", () => {
  const atoms = { x: [1, 2, 3, 4], y: [5, 6, 7, 8], strain: [0.1, NaN, 0.3, 0.4], intensity: [10, 20, 30, 40], site: ["A", "B", "A", "B"] };

  it("one data row per atom with finite x and y, carrying its atom index; a brush and the linked parameters", async () => {
    const c = show.scatter(atoms, { x: "strain", y: "intensity", color: "site", link: "g" });
    const p = parseChartPayload(JSON.parse(JSON.stringify(c.payload)));
    expect(Array.from(p.rows)).toEqual([0, 2, 3]); // atom 1 has no strain
    expect(p.link).toBe("g");
    expect(p.brush).toBe("brush");
    expect((c.spec.params as { name: string }[]).map((q) => q.name)).toEqual(["brush", "cs_linked", "cs_linked_count"]);
    expect((c.spec.data as { values: unknown[] }).values[1]).toEqual({ atom: 2, strain: 0.3, intensity: 30, site: "A" });
    expect(c.text).toBe('scatter of intensity vs strain, 3 atoms, linked to the atom overlays of link "g"');
    const b = await mimeBundleOf(c);
    expect(Object.keys(b!).sort()).toEqual(["application/vnd.causalscope.chart+json", "application/vnd.vegalite.v5+json", "image/png", "text/plain"]);
    expect(show.atoms(makeImage(new Float32Array(100), 10, 10), atoms, { link: "g" }).payload.link).toBe("g");
  });

  it("a string color column takes the overlay's class colours for the same classes, palette or options.colors", () => {
    const img = makeImage(new Float32Array(100), 10, 10);
    const sites = { ...atoms, site: ["Ti", "Sr", "Ti", "Ba"] }; // first seen is not first in the overlay's (sorted) class order
    for (const colors of [undefined, { Ti: "#112233", Sr: "#A0B0C0" }]) {
      const classes = show.atoms(img, sites, { classColumn: "site", colors }).payload.atoms.classes as { name: string; color: string }[];
      const enc = (show.scatter(sites, { x: "strain", y: "intensity", color: "site", link: "g", colors }).spec.encoding as any).color;
      expect(enc.type).toBe("nominal");
      expect(enc.scale).toEqual({ domain: classes.map((c) => c.name), range: classes.map((c) => c.color) });
    }
    const enc = (show.scatter(sites, { x: "strain", y: "intensity", color: "site", link: "g", colors: { Ti: "#112233" } }).spec.encoding as any).color;
    expect(enc.scale).toEqual({ domain: ["Ba", "Sr", "Ti"], range: [...classColors(["Ba", "Sr"]), "#112233"] });
    expect(classColors(["Ba", "Sr"])).toEqual(["#e69f00", "#56b4e9"]);
    // a numeric column keeps a sequential scale
    expect((show.scatter(atoms, { x: "strain", y: "intensity", color: "intensity", link: "g" }).spec.encoding as any).color).toMatchObject({ type: "quantitative" });
    expect(() => show.scatter(sites, { x: "strain", y: "intensity", color: "site", link: "g", colors: { Ti: "red" } })).toThrow('show.scatter: options.colors["Ti"] must be "#rrggbb", got "red"');
  });

  it("names the argument and the reason", () => {
    expect(() => show.scatter(atoms, { x: "strain", y: "intensity" } as any)).toThrow("show.scatter: options.link must be a non-empty string (the link group of the atom overlays to link to), got undefined");
    expect(() => show.scatter(atoms, { x: "strain", y: "depth", link: "g" })).toThrow('show.scatter: atoms have no "depth" column');
    expect(() => show.scatter({ ...atoms, atom: [1, 2, 3, 4] }, { x: "atom", y: "intensity", link: "g" })).toThrow('show.scatter: a column named "atom" cannot be plotted');
    expect(() => show.atoms(makeImage(new Float32Array(100), 10, 10), atoms, { link: "" })).toThrow('show.atoms: options.link must be a non-empty string (the name of a link group), got ""');
    expect(() => parseChartPayload({ version: 1, link: "g", key: "atom", brush: "brush", spec: { data: { values: [{ atom: 0 }, { atom: -1 }] } } })).toThrow("spec.data.values[1].atom: expected an atom index (an integer ≥ 0), got number -1");
  });
});

