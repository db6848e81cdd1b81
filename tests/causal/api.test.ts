/** The causal API is re-exported from the package entry point under the names the issue fixes. */
import * as cs from "causalscope";

test("public names", () => {
  for (const name of ["learnStructure", "causalDirection", "bootstrap", "fitSEM", "effect", "simpson", "isAcyclic", "dSeparated", "markovBlanket", "backdoorAdjustmentSets", "dagToCpdag", "toDot", "toJSON", "fisherZ", "gSquare", "cmiKnn", "pcStable", "fci", "hillClimb", "tabuSearch", "ges", "directLingam", "Graph"])
    expect(typeof (cs as Record<string, unknown>)[name]).toBe("function");
  const g = cs.learnStructure({ a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b: [2, 4, 6.5, 8, 10, 12.2, 14, 16, 18.1, 20], c: [1, 0, 1, 0, 1, 0, 1, 0, 1, 0.5] }, { algorithm: "pc" });
  expect(g.nodes).toEqual(["a", "b", "c"]);
  expect(g.edges.every((e) => "from" in e && "to" in e && "directed" in e)).toBe(true);
});
