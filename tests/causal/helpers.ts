/** Shared helpers for the causal tests: fixture loading. */
import * as fs from "fs";
import * as path from "path";

export const FIXTURES = path.join(__dirname, "..", "fixtures", "causal");

/** Read a numeric CSV fixture (header row) into columns. */
export function readCsv(name: string): Record<string, Float64Array> {
  const text = fs.readFileSync(path.join(FIXTURES, "data", `${name}.csv`), "utf8").trim().split("\n");
  const names = text[0].split(",").map((s) => s.trim());
  const cols = names.map(() => new Float64Array(text.length - 1));
  for (let i = 1; i < text.length; i++) {
    const parts = text[i].split(",");
    for (let j = 0; j < names.length; j++) cols[j][i - 1] = Number(parts[j]);
  }
  return Object.fromEntries(names.map((n, j) => [n, cols[j]]));
}

/** The reference-tool outputs (generate_reference.py). */
export function reference(): any {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, "reference.json"), "utf8"));
}

export function bif(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, "networks", `${name}.bif`), "utf8");
}

/** Sorted skeleton pairs of a graph. */
export function skeleton(g: { edges: { from: string; to: string }[] }): string[][] {
  return g.edges.map((e) => [e.from, e.to].sort()).sort((a, b) => (a[0] + "\u0000" + a[1]).localeCompare(b[0] + "\u0000" + b[1]));
}

export function sortPairs(pairs: string[][]): string[][] {
  return pairs.map((p) => p.slice().sort()).sort((a, b) => (a[0] + "\u0000" + a[1]).localeCompare(b[0] + "\u0000" + b[1]));
}
