/**
 * CI-test and score registries (src/causal/registry.ts): reported names
 * round-trip, user objects and registered factories drive the searches with
 * the same results as the built-ins, errors name the cause.
 */
import {
  learnStructure, pcStable, fci, hillClimb, ges, structureScore, fisherZ, prepareData, registerCITest, registerScore, ciTestNames, scoreNames,
  BaseTest, CITest, CIResult, CausalData, DecomposableScore, Graph,
} from "../../src/causal";
import { Rng } from "../../src/core/random";

const edges = (g: Graph) => g.edges.map((e) => `${e.from}${e.directed ? "->" : "--"}${e.to}`).sort();

/** Linear-Gaussian a -> b -> c <- d, e independent. */
function gauss(n: number, seed = 4): Record<string, Float64Array> {
  const r = new Rng(seed);
  const a = Float64Array.from({ length: n }, () => r.normal());
  const b = Float64Array.from(a, (v) => 0.8 * v + r.normal());
  const d = Float64Array.from({ length: n }, () => r.normal());
  const c = Float64Array.from(b, (v, i) => 0.7 * v - 0.6 * d[i] + r.normal());
  const e = Float64Array.from({ length: n }, () => r.normal());
  return { a, b, c, d, e };
}

function discrete(n: number, seed = 6): Record<string, string[]> {
  const r = new Rng(seed);
  const x = Array.from({ length: n }, () => (r.uniform() < 0.5 ? "lo" : "hi"));
  const y = x.map((v) => (r.uniform() < (v === "hi" ? 0.85 : 0.2) ? "on" : "off"));
  const z = y.map((v) => (r.uniform() < (v === "on" ? 0.8 : 0.3) ? "A" : "B"));
  return { x, y, z };
}

/** Fisher-z on ranks (a Spearman partial-correlation test): a new CI test in a few lines, as a BaseTest subclass. */
class SpearmanZ extends BaseTest {
  readonly name = "spearmanZ";
  private inner: BaseTest;
  constructor(data: CausalData) {
    super(data);
    const ranks = data.columns.map((c) => {
      const o = Array.from(c.keys()).sort((i, j) => c[i] - c[j]);
      const r = new Float64Array(c.length);
      o.forEach((i, k) => (r[i] = k));
      return r;
    });
    this.inner = fisherZ(Object.fromEntries(data.names.map((nm, j) => [nm, ranks[j]])));
  }
  protected compute(x: number, y: number, S: number[]): CIResult {
    return this.inner.test(x, y, S);
  }
}

describe("registries: names round-trip", () => {
  test("meta.test / meta.score are accepted back, case-insensitively, with the old spellings", () => {
    const data = gauss(600);
    const g = learnStructure(data);
    expect(g.meta!.test).toBe("fisherZ");
    for (const t of [g.meta!.test as string, "fisherz", "FISHERZ"]) expect(edges(learnStructure(data, { test: t }))).toEqual(edges(g));
    const h = learnStructure(data, { algorithm: "hc" });
    expect(h.meta!.score).toBe("bic-g");
    for (const s of [h.meta!.score as string, "BIC-G"]) expect(edges(learnStructure(data, { algorithm: "hc", score: s }))).toEqual(edges(h));
    const gs = ges(data, { score: "BGE" });
    expect(gs.meta!.score).toBe("bge");
    expect(edges(ges(data, { score: gs.meta!.score as string }))).toEqual(edges(gs));

    const disc = discrete(800);
    const gd = learnStructure(disc);
    expect(gd.meta!.test).toBe("gSquare");
    for (const t of ["gSquare", "gsq", "GSQ"]) expect(edges(learnStructure(disc, { test: t }))).toEqual(edges(gd));
    expect(learnStructure(disc, { algorithm: "hc", score: "BDeu" }).meta!.score).toBe("bdeu");

    const mixed = { ...gauss(400), phase: Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? "p" : "q")) };
    const gm = learnStructure(mixed);
    expect(gm.meta!.test).toBe("mixedLR");
    for (const t of ["mixedLR", "mixed"]) expect(edges(learnStructure(mixed, { test: t }))).toEqual(edges(gm));
    const hm = learnStructure(mixed, { algorithm: "hc" });
    expect(hm.meta!.score).toBe("bic-mixed");
    expect(edges(learnStructure(mixed, { algorithm: "hc", score: hm.meta!.score as string }))).toEqual(edges(hm));
  });

  test("the built-ins are listed; unknown names and misuse are errors naming the cause", () => {
    expect(ciTestNames()).toEqual(["fisherZ", "gSquare", "cmiKnn", "mixedLR"]);
    expect(scoreNames()).toEqual(["bic-g", "bic-d", "bdeu", "bge", "bic-mixed"]);
    const data = gauss(200);
    expect(() => pcStable(data, { test: "kendall" })).toThrow(/pcStable: unknown CI test "kendall"; expected "auto", "fisherZ", "gSquare", "cmiKnn", "mixedLR" \(case-insensitive\)/);
    expect(() => hillClimb(data, { score: "aic" })).toThrow(/hillClimb: unknown score "aic"/);
    expect(() => pcStable(data, { test: "gsq" })).toThrow(/pcStable: test "gsq" needs discrete data but the columns are continuous; use test "fisherZ" or "cmiKnn" or "mixedLR"/);
    expect(() => pcStable(discrete(300), { test: "fisherZ" })).toThrow(/test "fisherZ" needs continuous data but the columns are discrete .*use test "gSquare" or "cmiKnn" or "mixedLR"/);
    expect(() => ges(data, { score: "bic-mixed" })).toThrow(/ges: score "bic-mixed" is not score-equivalent .*use "bic-g", "bge"/);
    expect(() => registerCITest("gsq", (d) => fisherZ(d))).toThrow(/registerCITest: "gsq" already names the test "gSquare"/);
    expect(() => registerScore("", (d) => new AicG(d))).toThrow(/registerScore: name must be a non-empty string/);
    expect(() => pcStable(data, { test: { name: "x" } as never })).toThrow(/test must be a registered name .* or an object implementing CITest/);
  });
});

/** A BIC-G-like score computed independently (Gaussian log-likelihood by OLS, AIC penalty k = |pa| + 2). */
class AicG implements DecomposableScore {
  readonly name = "aic-g";
  readonly p: number;
  constructor(readonly data: CausalData) {
    this.p = data.p;
  }
  local(child: number, parents: ArrayLike<number>): number {
    const { n, columns } = this.data;
    const X = Array.from(parents, (j) => columns[j]);
    const rss = residualSS(columns[child], X);
    return -0.5 * n * (Math.log((2 * Math.PI * rss) / n) + 1) - (X.length + 2);
  }
}

/** RSS of the least-squares fit of y on X with intercept (Gram–Schmidt). */
function residualSS(y: Float64Array, X: Float64Array[]): number {
  const n = y.length;
  const basis: Float64Array[] = [new Float64Array(n).fill(1 / Math.sqrt(n))];
  for (const x of X) {
    const v = Float64Array.from(x);
    for (const q of basis) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[i] * q[i];
      for (let i = 0; i < n; i++) v[i] -= dot * q[i];
    }
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += v[i] * v[i];
    nrm = Math.sqrt(nrm);
    for (let i = 0; i < n; i++) v[i] /= nrm;
    basis.push(v);
  }
  const r = Float64Array.from(y);
  for (const q of basis) {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += r[i] * q[i];
    for (let i = 0; i < n; i++) r[i] -= dot * q[i];
  }
  let s = 0;
  for (let i = 0; i < n; i++) s += r[i] * r[i];
  return s;
}

describe("registries: user tests and scores", () => {
  test("a user CITest object (a call-counting wrapper around fisherZ) drives pcStable and fci to the built-in graphs", () => {
    const data = gauss(800);
    const d = prepareData(data);
    const inner = fisherZ(d);
    let calls = 0;
    const counting: CITest = {
      name: "countingFisherZ",
      data: inner.data,
      get count() {
        return inner.count;
      },
      pValue: (x, y, S) => inner.pValue(x, y, S),
      test: (x, y, S) => inner.test(x, y, S),
      pIdx(x, y, S) {
        calls++;
        return inner.pIdx(x, y, S);
      },
    };
    const ours = pcStable(data, { test: counting });
    const builtIn = pcStable(data);
    expect(edges(ours)).toEqual(edges(builtIn));
    expect(edges(builtIn)).toEqual(["a--b", "b->c", "d->c"]);
    expect(ours.meta!.test).toBe("countingFisherZ");
    expect(calls).toBeGreaterThanOrEqual(builtIn.meta!.tests as number);
    expect(ours.meta!.tests).toBe(builtIn.meta!.tests);
    const before = calls;
    expect(edges(fci(d, { test: counting }))).toEqual(edges(fci(d)));
    expect(calls).toBeGreaterThan(before);
    // bound to other columns: an error, not a silently wrong graph
    expect(() => pcStable({ b: data.b, a: data.a, c: data.c, d: data.d, e: data.e }, { test: counting })).toThrow(/pcStable: the test object is bound to columns \[a, b, c, d, e\] but the data have \[b, a, c, d, e\]/);
  });

  test("registerCITest: a BaseTest subclass by name (Spearman) keeps the true graph under monotone transforms where Fisher-z does not", () => {
    registerCITest("spearmanZ", (d) => new SpearmanZ(d), { accepts: ["continuous"], aliases: ["spearman"] });
    expect(ciTestNames()).toContain("spearmanZ");
    const g = gauss(2000);
    const sp = learnStructure(g, { test: "Spearman" });
    expect(sp.meta!.test).toBe("spearmanZ");
    expect(edges(sp)).toEqual(["a--b", "b->c", "d->c"]);
    // increasing maps of every column: ranks (so Spearman's tests and graph) unchanged; Fisher-z gains a false edge
    const warped = { a: g.a.map((v) => Math.exp(2 * v)), b: g.b.map((v) => v ** 3), c: g.c.map((v) => Math.atan(v)), d: g.d.map((v) => -1 / (3 + v * v) + v), e: g.e };
    expect(edges(learnStructure(warped, { test: sp.meta!.test as string, checkDeterminism: false }))).toEqual(edges(sp));
    expect(edges(learnStructure(warped, { checkDeterminism: false }))).toContain("a->c");
    expect(() => learnStructure(discrete(300), { test: "spearman" })).toThrow(/test "spearman" needs continuous data but the columns are discrete/);
  });

  test("registerScore and score objects: an AIC score drives hc / ges, ges only once registered score-equivalent", () => {
    const data = gauss(500);
    const d = prepareData(data);
    const aic = new AicG(d);
    const h = hillClimb(d, { score: aic });
    expect(h.meta!.score).toBe("aic-g");
    expect(h.meta!.scoreValue).toBeCloseTo(structureScore(h, d, { score: aic }), 6);
    // AIC = BIC-G + (k/2) log n − k per node (k = |pa| + 2): same likelihood, independently computed
    const k = h.nodes.reduce((s, v) => s + h.parents(v).length + 2, 0);
    expect(structureScore(h, d, { score: aic })).toBeCloseTo(structureScore(h, d, { score: "bic-g" }) + k * (0.5 * Math.log(d.n) - 1), 6);
    registerScore("aic-g", (dd) => new AicG(dd), { accepts: ["continuous"] });
    expect(hillClimb(data, { score: "AIC-G" }).meta!.score).toBe("aic-g");
    expect(() => ges(data, { score: "aic-g" })).toThrow(/ges: score "aic-g" is not score-equivalent/);
    registerScore("aic-g", (dd) => new AicG(dd), { accepts: ["continuous"], scoreEquivalent: true });
    const g = ges(data, { score: "aic-g" });
    expect(g.meta!.score).toBe("aic-g");
    expect(g.kind).toBe("cpdag");
    expect(() => hillClimb({ a: data.a, b: data.b }, { score: aic })).toThrow(/the score object has p = 5 variables but the data have 2 columns/);
  });
});
