/**
 * FCI: the Possible-D-Sep phase and the PAG against causal-learn 0.1.4.8's
 * `fci` on the same data, test and alpha (fixtures made by
 * tests/fixtures/causal/fci/generate.py), and Zhang's (2008) selection-bias
 * rules R5–R7 on hand-built PAGs.
 */
import * as fs from "fs";
import * as path from "path";
import { learnStructure } from "causalscope";
import { fisherZ, gSquare } from "../../src/causal";
import { fciCore, orientPag } from "../../src/causal/fci";
import { ARROW, CIRCLE, MarkGraph, TAIL } from "../../src/causal/graph";
import { skeletonStable } from "../../src/causal/pc";
import { FIXTURES } from "./helpers";

interface ClCase {
  csv: string;
  test: "gsq" | "fisherz";
  alpha: number;
  fas: [number, number][];
  skeleton: [number, number][];
  pdsRemoved: [number, number, number[]][];
  /** [i, j, mark at i, mark at j], -1 tail, 1 arrow, 2 circle */
  edges: [number, number, number, number][];
}
const ref: { cases: Record<string, ClCase> } = JSON.parse(fs.readFileSync(path.join(FIXTURES, "fci", "reference.json"), "utf8"));

function readColumns(csv: string): Record<string, Float64Array> {
  const text = fs.readFileSync(path.join(FIXTURES, csv), "utf8").trim().split("\n");
  const names = text[0].split(",");
  const cols = names.map(() => new Float64Array(text.length - 1));
  for (let i = 1; i < text.length; i++) {
    const parts = text[i].split(",");
    for (let j = 0; j < names.length; j++) cols[j][i - 1] = Number(parts[j]);
  }
  return Object.fromEntries(names.map((n, j) => [n, cols[j]]));
}

function pairs(g: MarkGraph): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < g.p; i++) for (let j = i + 1; j < g.p; j++) if (g.adjacent(i, j)) out.push([i, j]);
  return out;
}

const CL_MARK: Record<number, number> = { [TAIL]: -1, [ARROW]: 1, [CIRCLE]: 2 };
const cases = Object.keys(ref.cases);

describe("FCI against causal-learn's fci", () => {
  test("the fixtures exercise the Possible-D-Sep phase", () => {
    const removed = cases.reduce((s, k) => s + ref.cases[k].pdsRemoved.length, 0);
    expect(removed).toBeGreaterThanOrEqual(6);
  });

  test.each(cases)("%s: same edges removed by Possible-D-Sep, same skeleton", (key) => {
    const c = ref.cases[key];
    const data = readColumns(c.csv);
    const t = () => (c.test === "gsq" ? gSquare(data) : fisherZ(data));
    const p = Object.keys(data).length;
    const fas = skeletonStable(t(), p, { alpha: c.alpha });
    expect(pairs(fas.g)).toEqual(c.fas);
    const g = fciCore(t(), p, { alpha: c.alpha, possibleDsep: "causal-learn" });
    expect(pairs(g)).toEqual(c.skeleton);
    // the public entry point gives the same skeleton
    const G = learnStructure(data, { algorithm: "fci", alpha: c.alpha, test: c.test, possibleDsep: "causal-learn" });
    expect(G.edges).toHaveLength(c.skeleton.length);
  });

  test.each(cases.filter((k) => k !== "sachs"))("%s: same PAG (R5–R7 on, as causal-learn applies them)", (key) => {
    const c = ref.cases[key];
    const data = readColumns(c.csv);
    const g = fciCore(c.test === "gsq" ? gSquare(data) : fisherZ(data), Object.keys(data).length, { alpha: c.alpha, selectionBias: true, possibleDsep: "causal-learn" });
    expect(c.edges.map(([i, j]) => [i, j, CL_MARK[g.mark(j, i)], CL_MARK[g.mark(i, j)]])).toEqual(c.edges);
  });

  test("the complete Possible-D-Sep removes more edges than causal-learn's where the data allow it", () => {
    // latent0: causal-learn removes 3 edges in that phase; Spirtes et al.'s larger sets find more separations
    const c = ref.cases.latent0;
    const data = readColumns(c.csv);
    const p = Object.keys(data).length;
    const full = fciCore(fisherZ(data), p, { alpha: c.alpha, possibleDsep: "complete" });
    expect(pairs(full).length).toBeLessThan(c.skeleton.length);
  });

  test("maxPdsSize bounds the Possible-D-Sep sets: only the edge separated by a pair goes at 2", () => {
    // latent0: causal-learn separates 17–19 by {8, 12} and 11–16, 13–18 by sets of three
    const c = ref.cases.latent0;
    expect(c.pdsRemoved.map(([i, j, S]) => [i, j, S.length])).toEqual([
      [11, 16, 3],
      [13, 18, 3],
      [17, 19, 2],
    ]);
    const data = readColumns(c.csv);
    const g = fciCore(fisherZ(data), Object.keys(data).length, { alpha: c.alpha, maxPdsSize: 2, possibleDsep: "causal-learn" });
    const expected = [...c.skeleton, [11, 16], [13, 18]].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(pairs(g)).toEqual(expected);
  });

  test("bad options are named", () => {
    const data = readColumns(ref.cases.gauss10.csv);
    expect(() => fciCore(fisherZ(data), 10, { alpha: 0.05, possibleDsep: "pcalg" as "complete" })).toThrow(/possibleDsep must be "causal-learn" or "complete", got "pcalg"/);
    expect(() => fciCore(fisherZ(data), 10, { alpha: 0.05, maxPdsSize: -1 })).toThrow(/maxPdsSize must be a number >= 0, got -1/);
  });
});

/** A PAG from edges "a o-o b", "a --- b", "a -o b", "a o-> b", "a --> b" over single-letter nodes. */
function pag(nodes: string, edges: string[]): MarkGraph {
  const g = new MarkGraph(nodes.length);
  const mk: Record<string, number> = { o: CIRCLE, "-": TAIL, "<": ARROW, ">": ARROW };
  for (const e of edges) {
    const [a, link, b] = e.split(" ");
    g.set(nodes.indexOf(a), nodes.indexOf(b), mk[link[0]], mk[link[2]]);
  }
  return g;
}

/** Edges of a PAG in the same notation, sorted. */
function show(g: MarkGraph, nodes: string): string[] {
  const ch = (m: number, end: "a" | "b") => (m === CIRCLE ? "o" : m === TAIL ? "-" : end === "a" ? "<" : ">");
  const out: string[] = [];
  for (let i = 0; i < g.p; i++) for (let j = i + 1; j < g.p; j++) if (g.adjacent(i, j)) out.push(`${nodes[i]} ${ch(g.mark(j, i), "a")}-${ch(g.mark(i, j), "b")} ${nodes[j]}`);
  return out.sort();
}

function orient(nodes: string, edges: string[], selectionBias: boolean): string[] {
  const g = pag(nodes, edges);
  orientPag(g, new Map(), selectionBias);
  return show(g, nodes);
}

describe("Zhang's selection-bias rules R5–R7", () => {
  // R5: a o-o b with the uncovered circle path <a, c, d, b>, a !~ d, b !~ c: the whole cycle becomes undirected
  const cycle = ["a o-o b", "a o-o c", "c o-o d", "d o-o b"];
  test("R5 orients an uncovered circle cycle as undirected edges", () => {
    expect(orient("abcd", cycle, true)).toEqual(["a --- b", "a --- c", "b --- d", "c --- d"]);
  });
  test("R5 on a longer cycle (five nodes)", () => {
    const five = ["a o-o b", "a o-o c", "c o-o e", "e o-o d", "d o-o b"];
    expect(orient("abcde", five, true)).toEqual(["a --- b", "a --- c", "b --- d", "c --- e", "d --- e"]);
  });
  test("R5 does not fire on a covered (chordal) circle cycle, nor without selectionBias", () => {
    const chord = [...cycle, "a o-o d"];
    expect(orient("abcd", chord, true)).toEqual(show(pag("abcd", chord), "abcd"));
    expect(orient("abcd", cycle, false)).toEqual(show(pag("abcd", cycle), "abcd"));
  });
  test("R6: a --- b, b o-o c gives b --o c", () => {
    expect(orient("abc", ["a --- b", "b o-o c"], true)).toEqual(["a --- b", "b --o c"]);
    // no undirected edge into b: nothing to do
    expect(orient("abc", ["a o-- b", "b o-o c"], true)).toEqual(["a o-- b", "b o-o c"]);
    expect(orient("abc", ["a --- b", "b o-o c"], false)).toEqual(["a --- b", "b o-o c"]);
  });
  test("R6 leaves the mark at c alone: b o-> c becomes b --> c", () => {
    expect(orient("abc", ["a --- b", "b o-> c"], true)).toEqual(["a --- b", "b --> c"]);
  });
  test("R7: a --o b, b o-o c, a !~ c gives b --o c", () => {
    expect(orient("abc", ["a --o b", "b o-o c"], true)).toEqual(["a --o b", "b --o c"]);
    // a and c adjacent: R7 does not apply
    expect(orient("abc", ["a --o b", "b o-o c", "a o-o c"], true)).toEqual(["a --o b", "a o-o c", "b o-o c"]);
    expect(orient("abc", ["a --o b", "b o-o c"], false)).toEqual(["a --o b", "b o-o c"]);
  });
});

describe("R10 (uncovered potentially directed paths into both parents)", () => {
  const base = ["a o-o b", "a o-o d", "b --> c", "d --> c", "a o-> c"];
  test("a o-> c becomes a --> c when b, d are nonadjacent", () => {
    expect(orient("abcd", base, false)).toEqual(["a --> c", "a o-o b", "a o-o d", "b --> c", "c <-- d"]);
  });
  test("not when the paths' first nodes b, d are adjacent", () => {
    const shielded = [...base, "b o-o d"];
    expect(orient("abcd", shielded, false)).toEqual(show(pag("abcd", shielded), "abcd"));
  });
});
