/** The causal API: the cs.causal namespace, the flat tutorial verbs, and the names results report. */
import * as cs from "causalscope";

test("public names", () => {
  const causal = cs.causal as unknown as Record<string, unknown>;
  for (const name of ["learnStructure", "causalDirection", "bootstrap", "fitSEM", "effect", "simpson", "isAcyclic", "dSeparated", "markovBlanket", "backdoorAdjustmentSets", "dagToCpdag", "graphFromJSON", "fisherZ", "gSquare", "cmiKnn", "pcStable", "fci", "hillClimb", "tabuSearch", "ges", "directLingam", "Graph",
    "registerCITest", "registerScore", "ciTestNames", "scoreNames", "deterministicRelations", "BaseTest"])
    expect(typeof causal[name]).toBe("function");
  for (const name of ["learnStructure", "bootstrap", "fitSEM", "causalDirection", "simpson"]) expect(typeof (cs as Record<string, unknown>)[name]).toBe("function");
  const g = cs.learnStructure({ a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], b: [2, 4, 6.5, 8, 10, 12.2, 14, 16, 18.1, 20], c: [1, 0, 1, 0, 1, 0, 1, 0, 1, 0.5] }, { algorithm: "pc" });
  expect(g.nodes).toEqual(["a", "b", "c"]);
  // serialisation is the Graph's own (no generic free toJSON on a namespace: JSON.stringify(cs.causal) would call it)
  for (const name of ["toJSON", "toDot", "toSvg"]) expect(causal[name]).toBeUndefined();
  expect(cs.causal.graphFromJSON(JSON.parse(JSON.stringify(g))).edges).toEqual(g.edges);
  expect(g.toSvg()).toMatch(/^<svg/);
  expect(g.edges.every((e) => "from" in e && "to" in e && "directed" in e)).toBe(true);
  // b is 2a up to rounding: named in meta.warnings; meta.test goes back in as test
  expect(g.meta!.warnings).toEqual([expect.stringMatching(/column "(a|b)" is nearly deterministic: linear in "(a|b)"/)]);
  expect(cs.learnStructure({ a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], c: [1, 0, 1, 0, 1, 0, 1, 0, 1, 0.5] }, { test: g.meta!.test as string }).meta!.test).toBe("fisherZ");
});
