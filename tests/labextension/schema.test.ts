/**
 * The extension's payload parsers against payloads the library makes, and
 * against malformed and unknown-version payloads (readable, field-naming errors).
 */
import { makeImage } from "../../src/image/image";
import * as show from "../../src/show";
import {
  ATOMS_MIME, GRAPH_MIME, PayloadError, decodeColumn, parseAtomsPayload, parseGraphPayload,
} from "../../src/show/shared/schema";

function lattice(n = 6) {
  const x: number[] = [], y: number[] = [], sub: string[] = [], dx: number[] = [], dy: number[] = [], intensity: number[] = [];
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    x.push(5 + 10 * i); y.push(5 + 10 * j); sub.push((i + j) % 2 ? "B" : "A");
    dx.push(0.5); dy.push(-0.25); intensity.push(i * n + j);
  }
  return { x, y, sublattice: sub, dx, dy, intensity };
}

const image = makeImage(new Float32Array(60 * 60).map((_, k) => k % 60), 60, 60, { pixelSize: 0.02, unit: "nm" });

describe("atoms payload", () => {
  it("parses what show.atoms produces, with positions, classes, vectors and properties intact", () => {
    const atoms = lattice();
    const view = show.atoms(image, atoms, { title: "test <b>lattice</b>" });
    const bundle = (view as any)[Symbol.for("causalscope.mimeBundle")]();
    expect(Object.keys(bundle).sort()).toEqual([ATOMS_MIME, "image/png", "text/plain"].sort());
    const p = parseAtomsPayload(JSON.parse(JSON.stringify(bundle[ATOMS_MIME])));
    expect(p.title).toBe("test <b>lattice</b>"); // kept as text; the widget sets textContent
    expect(p.image.width).toBe(60);
    expect(p.image.calibration).toEqual({ pixelSize: 0.02, unit: "nm" });
    expect(p.atoms.count).toBe(36);
    expect(Array.from(p.atoms.x)).toEqual(atoms.x);
    expect(Array.from(p.atoms.y)).toEqual(atoms.y);
    expect(p.atoms.classes.map((c) => c.name)).toEqual(["A", "B"]);
    expect(Array.from(p.atoms.cls).map((k) => p.atoms.classes[k].name)).toEqual(atoms.sublattice);
    expect(p.atoms.vectors!.dx[3]).toBeCloseTo(0.5);
    expect(p.atoms.vectors!.dy[3]).toBeCloseTo(-0.25);
    expect(p.atoms.properties.map((q) => q.name)).toEqual(["intensity"]);
    expect(Array.from(p.atoms.properties[0].values as Float64Array)).toEqual(atoms.intensity);
  });

  it("accepts plain JSON arrays for hand-written payloads and defaults optional fields", () => {
    const p = parseAtomsPayload({ version: 1, image: { width: 2, height: 2, png: "iVBORw0KGgoAAAANSUhEUg==" }, atoms: { count: 2, x: [0, 1], y: [1, null] } });
    expect(p.atoms.classes).toEqual([{ name: "atoms", color: "#e69f00", shape: "circle" }]);
    expect(p.atoms.marker).toBe("outline");
    expect(p.atoms.colorBy).toBeUndefined();
    expect(Array.from(p.atoms.cls)).toEqual([0, 0]);
    expect(Number.isNaN(p.atoms.y[1])).toBe(true);
    expect(p.atoms.radius).toBe(3);
  });

  const good = () => ({ version: 1, image: { width: 2, height: 2, png: "iVBORw0KGgoAAAANSUhEUg==" }, atoms: { count: 2, x: [0, 1], y: [1, 1] } });
  const cases: [string, (p: any) => void, RegExp][] = [
    ["a newer version", (p) => { p.version = 2; }, /atoms payload version 2 is newer than this extension understands \(version 1\); upgrade/],
    ["no version", (p) => { delete p.version; }, /atoms payload\.version: expected an integer, got undefined/],
    ["x of the wrong length", (p) => { p.atoms.x = [1, 2, 3]; }, /atoms\.x: expected 2 values \(atoms\.count\), got 3/],
    ["x as a string", (p) => { p.atoms.x = "1,2"; }, /atoms\.x: expected a number array or \{dtype, base64\}, got a string/],
    ["a bad dtype", (p) => { p.atoms.x = { dtype: "float16", base64: "AAAA" }; }, /atoms\.x\.dtype: expected one of float32/],
    ["truncated base64 data", (p) => { p.atoms.x = { dtype: "float32", base64: "AAAAAAA=" }; }, /atoms\.x\.base64: 5 bytes is not a whole number of float32 values/],
    ["a class index out of range", (p) => { p.atoms.class = [0, 3]; }, /atoms\.class\[1\]: 3 is not an index into atoms\.classes \(1 classes\)/],
    ["a colour that is not #rrggbb", (p) => { p.atoms.classes = [{ name: "A", color: "red;background:url(x)" }]; }, /atoms\.classes\[0\]\.color: expected a colour "#rrggbb"/],
    ["a missing image", (p) => { delete p.image; }, /image: expected an object, got undefined/],
    ["a zero width", (p) => { p.image.width = 0; }, /image\.width: expected a positive integer, got number 0/],
    ["png that is not base64", (p) => { p.image.png = "<script>alert(1)</script>"; }, /image\.png: expected a base64 PNG/],
  ];
  it.each(cases)("rejects %s with a message naming the field", (_what, mutate, message) => {
    const p = good();
    mutate(p);
    expect(() => parseAtomsPayload(p)).toThrow(PayloadError);
    expect(() => parseAtomsPayload(p)).toThrow(message);
  });

  it("rejects non-objects", () => {
    expect(() => parseAtomsPayload(null)).toThrow("atoms payload: expected an object, got null");
    expect(() => parseAtomsPayload([1])).toThrow("atoms payload: expected an object, got an array of 1");
  });

  it("names only real dtypes (not Object.prototype keys)", () => {
    expect(() => decodeColumn({ dtype: "constructor", base64: "AAAA" }, "c", -1)).toThrow("c.dtype: expected one of float32, float64, int32, uint32, int16, uint16, int8, uint8, got a string (\"constructor\")");
  });

  it("decodes every dtype little-endian", () => {
    const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
    expect(Array.from(decodeColumn({ dtype: "int16", base64: b64(Int16Array.of(-2, 7)) }, "c", 2))).toEqual([-2, 7]);
    expect(Array.from(decodeColumn({ dtype: "float64", base64: b64(Float64Array.of(0.1, 1e300)) }, "c", 2))).toEqual([0.1, 1e300]);
    expect(Array.from(decodeColumn({ dtype: "uint8", base64: b64(Uint8Array.of(255, 0)) }, "c", -1))).toEqual([255, 0]);
  });
});

describe("graph payload", () => {
  it("keeps PAG endpoint marks, giving them from the type when absent", () => {
    const p = parseGraphPayload({ version: 1, nodes: [{ id: "a" }, { id: "b" }, { id: "constructor" }], edges: [
      { from: "a", to: "b", fromMark: "o", toMark: ">" }, { from: "b", to: "constructor", type: "bidirected" }, { from: "a", to: "constructor", fromMark: "o", toMark: "o", type: "undirected" },
    ] });
    expect(p.edges.map((e) => [e.type, e.fromMark, e.toMark])).toEqual([["undirected", "o", ">"], ["bidirected", ">", ">"], ["undirected", "o", "o"]]);
  });

  it("parses what show.graph produces, edge types included", () => {
    const view = show.graph({
      nodes: ["strain", "polarization", "<img src=x onerror=alert(1)>"],
      edges: [
        { from: "strain", to: "polarization", weight: 0.8, confidence: 0.9 },
        { from: "polarization", to: "<img src=x onerror=alert(1)>", directed: false },
      ],
    });
    const bundle = (view as any)[Symbol.for("causalscope.mimeBundle")]();
    expect(Object.keys(bundle).sort()).toEqual([GRAPH_MIME, "image/svg+xml", "text/plain"].sort());
    const p = parseGraphPayload(JSON.parse(JSON.stringify(bundle[GRAPH_MIME])));
    expect(p.nodes.map((n) => n.label)).toEqual(["strain", "polarization", "<img src=x onerror=alert(1)>"]);
    expect(p.edges).toEqual([
      { from: "strain", to: "polarization", type: "directed", fromMark: "-", toMark: ">", weight: 0.8, confidence: 0.9 },
      { from: "polarization", to: "<img src=x onerror=alert(1)>", type: "undirected", fromMark: "-", toMark: "-" },
    ]);
    // the SVG fallback escapes data strings
    expect(bundle["image/svg+xml"]).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(bundle["image/svg+xml"]).not.toContain("<img");
  });

  it.each([
    [{ version: 3, nodes: [], edges: [] }, /graph payload version 3 is newer/],
    [{ version: 1, nodes: "a,b", edges: [] }, /nodes: expected an array, got a string/],
    [{ version: 1, nodes: [{ id: "a" }, { id: "a" }], edges: [] }, /nodes\[1\]\.id: duplicate node id "a"/],
    [{ version: 1, nodes: [{ id: "a" }], edges: [{ from: "a", to: "b" }] }, /edges\[0\]\.to: "b" is not a node id/],
    [{ version: 1, nodes: [{ id: "a" }, { id: "b" }], edges: [{ from: "a", to: "b", confidence: 1.5 }] }, /edges\[0\]\.confidence: expected a number in \[0, 1\], got number 1\.5/],
    [{ version: 1, nodes: [{ id: "a" }, { id: "b" }], edges: [{ from: "a", to: "b", type: "circle" }] }, /edges\[0\]\.type: expected one of directed, undirected, bidirected/],
    [{ version: 1, nodes: [{ id: "a" }, { id: "b" }], edges: [{ from: "a", to: "b", type: "directed", fromMark: "o", toMark: ">" }] }, /edges\[0\]\.type: "directed" disagrees with the marks o-> \(type "undirected"\)/],
    [{ version: 1, nodes: [{ id: "a" }, { id: "b" }], edges: [{ from: "a", to: "b", fromMark: "o" }] }, /edges\[0\]\.toMark: expected one of "-", ">", "o", got undefined/],
    [{ version: 1, nodes: [{ id: "a" }, { id: "b" }], edges: [{ from: "a", to: "b", fromMark: ">", toMark: "-" }] }, /edges\[0\]: marks ">" at from, "-" at to make b -> a; write it with from and to swapped/],
  ])("rejects malformed payload %#", (payload, message) => {
    expect(() => parseGraphPayload(payload)).toThrow(message);
  });
});
