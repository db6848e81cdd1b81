/**
 * Mixed discrete + continuous data (issue 5): the mixed likelihood-ratio CI
 * test (calibration under the null, power, reduction to fisherZ / gSquare,
 * multinomial-logit fits against closed forms), structure recovery on mixed
 * SEMs with known DAGs (PC, FCI, HC, tabu), and the input rules / errors.
 */
import { bootstrap, learnStructure, prepareData, dag, dagToCpdag, shd, compareGraphs, fisherZ, gSquare, readBIF, sampleBayesNet, randomLinearSEM, sampleLinearSEM, Graph } from "../../src/causal";
import { mixedLR, MixedLR, MixedScore, multinomialLogLik } from "../../src/causal/mixed";
import { LocalScore } from "../../src/causal/score";
import { Rng } from "../../src/core/random";
import { bif, skeleton } from "./helpers";

const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));
const prepMixed = (data: object) => prepareData(data, {}, "test", true);

/**
 * Per-cell descriptors with a known DAG: dopant (3 levels) → a (mean shift);
 * a → b ← e (linear); b → phase ← session (logistic; phase and session
 * binary); phase → c (mean shift).
 */
const NODES = ["dopant", "a", "e", "b", "session", "phase", "c"];
const TRUTH = dag(NODES, ["dopant->a", "a->b", "e->b", "b->phase", "session->phase", "phase->c"]);
function simulateMixed(n: number, seed: number) {
  const r = new Rng(seed);
  const dopant: string[] = [];
  const session: string[] = [];
  const phase: string[] = [];
  const a = new Float64Array(n);
  const e = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = r.int(3);
    dopant.push(["Nb", "Ti", "Zr"][k]);
    const s = r.int(2);
    session.push(s ? "s2" : "s1");
    a[i] = [0, 1, -1][k] + r.normal();
    e[i] = r.normal();
    b[i] = 0.8 * a[i] + 0.8 * e[i] + r.normal();
    const ph = r.uniform() < sigmoid(1.5 * b[i] + 1.5 * s - 0.75);
    phase.push(ph ? "T" : "R");
    c[i] = (ph ? 1 : 0) + r.normal();
  }
  return { dopant, a, e, b, session, phase, c };
}

/**
 * Null designs (X ⟂ Y | S true) of each pair type, and the same with an
 * X–Y effect `eff`:
 * 1. continuous x, 3-level d given continuous z (z → x linear, z → d multinomial logit);
 * 2. binary d1, d2 given continuous z (both logistic in z);
 * 3. continuous x, y given a 3-level d (mean shifts).
 */
function nullDesign(kind: 1 | 2 | 3, n: number, seed: number, eff = 0): { data: object; x: string; y: string; S: string[] } {
  const r = new Rng(seed);
  const z = new Float64Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const d1: string[] = [];
  const d2: string[] = [];
  for (let i = 0; i < n; i++) {
    z[i] = r.normal();
    if (kind === 1) {
      x[i] = 0.8 * z[i] + r.normal();
      const l1 = 1.2 * z[i] + eff * x[i];
      const l2 = -0.8 * z[i];
      const p0 = 1 / (1 + Math.exp(l1) + Math.exp(l2));
      const p1 = Math.exp(l1) * p0;
      const u = r.uniform();
      d1.push(u < p0 ? "A" : u < p0 + p1 ? "B" : "C");
    } else if (kind === 2) {
      const a = r.uniform() < sigmoid(1.5 * z[i]);
      d1.push(a ? "yes" : "no");
      d2.push(r.uniform() < sigmoid(-1.2 * z[i] + 0.3 + eff * (a ? 1 : 0)) ? "p" : "q");
    } else {
      const k = r.int(3);
      d1.push(["A", "B", "C"][k]);
      x[i] = [0, 1, -1][k] + r.normal();
      y[i] = [0, -1, 1.5][k] + eff * x[i] + r.normal();
    }
  }
  if (kind === 1) return { data: { z, x, d: d1 }, x: "x", y: "d", S: ["z"] };
  if (kind === 2) return { data: { z, d1, d2 }, x: "d1", y: "d2", S: ["z"] };
  return { data: { x, y, d: d1 }, x: "x", y: "y", S: ["d"] };
}

describe("mixedLR CI test", () => {
  // Binomial(200, 0.05): P(X ≤ 2) = 0.0046, P(X ≥ 20) = 0.0058, so [3, 19] is a 99% interval for the
  // number of rejections at α = 0.05 of a calibrated test (the larger-p symmetrisation can only lower it).
  test.each([1, 2, 3] as const)("null design %i: rejection rate at α = 0.05 over 200 seeds (n = 500) within the 99%% binomial interval; the same design with an effect is detected", (kind) => {
    let rejected = 0;
    for (let s = 1; s <= 200; s++) {
      const { data, x, y, S } = nullDesign(kind, 500, s);
      if (new MixedLR(prepMixed(data)).pValue(x, y, S) < 0.05) rejected++;
    }
    expect(rejected).toBeGreaterThanOrEqual(3);
    expect(rejected).toBeLessThanOrEqual(19);
    const alt = nullDesign(kind, 500, 999, 0.5);
    expect(new MixedLR(prepMixed(alt.data)).pValue(alt.x, alt.y, alt.S)).toBeLessThan(1e-3);
  });

  test("all continuous: identical to fisherZ (statistic and p-value)", () => {
    const sem = randomLinearSEM(6, { seed: 3 });
    const d = prepareData(sampleLinearSEM(sem, 800, { seed: 4 }));
    const m = new MixedLR(d);
    const f = fisherZ(d);
    const queries: [number, number, number[]][] = [[0, 1, []], [0, 5, [2]], [1, 4, [0, 3]], [2, 3, [0, 1, 5]]];
    for (const [x, y, S] of queries) {
      const a = m.test(x, y, S);
      const b = f.test(x, y, S);
      expect(a.statistic).toBeCloseTo(b.statistic, 9);
      expect(Math.abs(a.pValue - b.pValue)).toBeLessThanOrEqual(1e-12 + 1e-9 * b.pValue);
    }
  });

  test("all discrete: identical to gSquare (G², dof, p-value)", () => {
    const d = prepareData(sampleBayesNet(readBIF(bif("asia"), "asia"), 3000, { seed: 5 }));
    const m = new MixedLR(d);
    const g = gSquare(d);
    for (const [x, y, S] of [["smoke", "lung", []], ["asia", "either", ["tub"]], ["bronc", "xray", ["either", "smoke"]]] as [string, string, string[]][]) {
      expect(m.test(x, y, S)).toEqual(g.test(x, y, S));
    }
  });

  test("continuous pair given a discrete variable: Fisher z of the partial correlation given its indicators", () => {
    // X ⟂ Y | D with D → X, D → Y mean shifts: marginally strongly dependent, conditionally not
    const { data } = nullDesign(3, 2000, 7);
    const t = new MixedLR(prepMixed(data));
    expect(t.pValue("x", "y")).toBeLessThan(1e-20);
    const r = t.test("x", "y", ["d"]);
    expect(r.pValue).toBeGreaterThan(0.01);
    // closed form: the within-level correlation (pooled), n − 2 − 3 degrees of freedom
    const { x, y, d } = data as { x: Float64Array; y: Float64Array; d: string[] };
    const mean = (v: Float64Array, l: string) => {
      let s = 0;
      let k = 0;
      for (let i = 0; i < v.length; i++) if (d[i] === l) (s += v[i]), k++;
      return s / k;
    };
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < x.length; i++) {
      const u = x[i] - mean(x, d[i]);
      const v = y[i] - mean(y, d[i]);
      sxy += u * v;
      sxx += u * u;
      syy += v * v;
    }
    const rho = sxy / Math.sqrt(sxx * syy);
    expect(r.statistic).toBeCloseTo(Math.sqrt(2000 - 2 - 3) * Math.abs(Math.atanh(rho)), 8);
  });

  test("symmetric in its arguments; cached; names and indices agree", () => {
    const d = prepMixed(simulateMixed(600, 2));
    const t = new MixedLR(d);
    const a = t.test("phase", "a", ["b"]);
    expect(t.test("a", "phase", ["b"])).toEqual(a);
    expect(t.pIdx(1, 5, [3])).toBe(a.pValue);
    expect(t.count).toBe(1);
    expect(a.dof).toBe(1);
    expect(t.test("dopant", "phase", ["b"]).dof).toBe(2);
    expect(() => t.test("a", "nope")).toThrow(/y "nope" is not a column/);
    expect(mixedLR(simulateMixed(600, 2)).test("a", "phase", ["b"])).toEqual(a);
    expect(() => t.test("a", "a")).toThrow(/same variable "a"/);
  });

  test("a discrete variable that is a function of S (complete separation): the logistic direction is left out", () => {
    // w → d (d = [w > 0], deterministic) → x (mean shift): x and d are adjacent, so x ⟂ d | w is false;
    // the logistic regression of d on w separates the levels, its likelihood ratio is degenerate
    const r = new Rng(13);
    const n = 1000;
    const w = Float64Array.from({ length: n }, () => r.normal());
    const d = Array.from(w, (v) => (v > 0 ? "hi" : "lo"));
    const e = Array.from(w, (v) => (v > 0.5 ? "up" : "down"));
    const x = Float64Array.from(d, (l) => (l === "hi" ? 1 : 0) + r.normal());
    const t = new MixedLR(prepMixed({ w, d, e, x }));
    expect(t.pValue("x", "d", ["w"])).toBeLessThan(1e-6);
    // d and e are both functions of w: nothing is left to depend on given w
    expect(t.test("d", "e", ["w"])).toEqual({ pValue: 1, statistic: 0, dof: 1 });
    // a continuous column that is a function of d (a nominal lattice parameter per level): constant given d,
    // and its indicators' span holds d's, so regressions on both are rank-deficient, not errors
    const nominal = Float64Array.from(d, (l) => (l === "hi" ? 4.01 : 3.95));
    const t2 = new MixedLR(prepMixed({ w, d, x, nominal }));
    expect(t2.pValue("x", "nominal", ["d"])).toBe(1);
    expect(t2.pValue("w", "x", ["d", "nominal"])).toBeGreaterThan(0.01);
    expect(t2.pValue("x", "d", ["nominal"])).toBeGreaterThan(0.999);
  });

  // Reference: pgmpy 1.1.2 `pgmpy.ci_tests.PillaiTrace` (bench/causal/.venv) on simulateMixed(1000, 21)
  // written to CSV (17 digits; dopant, session, phase as pandas categories), residualising with the
  // models mixedLR uses: an sklearn estimator that fits LinearRegression() to a continuous target and
  // LogisticRegression(penalty=None, tol=1e-12) to a categorical one; p = PillaiTrace(df, estimator=...)
  // (x, y, S) then .p_value_. pgmpy reports 1 − F-cdf, so p < 1.1e-16 reads 0 (written 0 here).
  // Pillai's trace on residuals and the larger-p likelihood-ratio pair are different statistics for
  // the same hypothesis: asymptotically equivalent, not identical. Max observed |log10 ratio|: 0.11
  // (dopant ⟂ b | a: 0.70 vs 0.54).
  test("p-values agree with pgmpy PillaiTrace (linear / logistic residualisation) on a seeded fixture", () => {
    const PILLAI: [string, string, string[], number][] = [
      ["dopant", "a", [], 0],
      ["dopant", "b", [], 0],
      ["dopant", "b", ["a"], 0.5424],
      ["a", "phase", [], 0],
      ["a", "phase", ["b"], 0.7273],
      ["b", "phase", [], 0],
      ["b", "phase", ["session"], 0],
      ["session", "phase", [], 4.105e-10],
      ["session", "phase", ["b"], 0],
      ["session", "b", [], 0.7014],
      ["session", "b", ["phase"], 1.758e-07],
      ["phase", "c", [], 0],
      ["phase", "c", ["b"], 0],
      ["b", "c", ["phase"], 0.189],
      ["e", "c", ["phase"], 0.2004],
      ["dopant", "phase", ["b"], 0.4854],
      ["a", "e", [], 0.6917],
      ["a", "e", ["b"], 0],
      ["dopant", "c", [], 0.007444],
      ["dopant", "session", [], 0.6447],
    ];
    const t = mixedLR(simulateMixed(1000, 21));
    for (const [x, y, S, ref] of PILLAI) {
      const p = t.pValue(x, y, S);
      if (ref === 0) expect(p).toBeLessThan(1e-12);
      else expect(Math.abs(Math.log10(p / ref))).toBeLessThan(0.15);
      for (const alpha of [0.05, 0.01]) expect(p < alpha).toBe(ref < alpha);
    }
  });

  test("multinomial logit: maximised log-likelihood equals the closed form of the saturated model", () => {
    // y (3 levels) on the indicators of a 4-level x: the MLE reproduces the cell frequencies,
    // ℓ = Σ n_xy log(n_xy / n_x); intercept only: Σ n_y log(n_y / n)
    const r = new Rng(11);
    const n = 1500;
    const x = new Int32Array(n);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = r.int(4);
      const u = r.uniform();
      y[i] = u < 0.2 + 0.15 * x[i] ? 0 : u < 0.8 ? 1 : 2;
    }
    const cnt = new Float64Array(12);
    const nx = new Float64Array(4);
    const ny = new Float64Array(3);
    for (let i = 0; i < n; i++) {
      cnt[x[i] * 3 + y[i]]++;
      nx[x[i]]++;
      ny[y[i]]++;
    }
    let full = 0;
    for (let a = 0; a < 4; a++) for (let b = 0; b < 3; b++) if (cnt[a * 3 + b]) full += cnt[a * 3 + b] * Math.log(cnt[a * 3 + b] / nx[a]);
    let null0 = 0;
    for (let b = 0; b < 3; b++) null0 += ny[b] * Math.log(ny[b] / n);
    const ind = [1, 2, 3].map((l) => Float64Array.from(x, (v) => (v === l ? 1 : 0)));
    const fit = multinomialLogLik(y, 3, ind);
    expect(fit.logLik).toBeCloseTo(full, 6);
    expect(multinomialLogLik(y, 3, []).logLik).toBeCloseTo(null0, 9);
    // the coefficients are the log odds of each level against level 0 in each x stratum
    expect(fit.beta[0]).toBeCloseTo(Math.log(cnt[1] / cnt[0]), 5);
    expect(fit.beta[4 + 2]).toBeCloseTo(Math.log(cnt[2 * 3 + 2] / cnt[2 * 3]) - Math.log(cnt[2] / cnt[0]), 5);
    // a warm start at the optimum stays there
    expect(multinomialLogLik(y, 3, ind, fit.beta).logLik).toBeCloseTo(full, 9);
  });
});

/**
 * Random mixed SEM over p variables in topological order: each is discrete (2 or 3 levels) with
 * probability 0.4, parents are earlier variables with probability deg/(p − 1); a continuous child is
 * linear in its parents' embeddings (level indicators of discrete parents) plus N(0, 1) noise, a
 * discrete child multinomial-logistic in them; coefficients ±[0.6, 1.5].
 */
function randomMixedSEM(p: number, n: number, seed: number, deg = 2): { data: Record<string, Float64Array | string[]>; truth: Graph } {
  const r = new Rng(seed);
  const names = Array.from({ length: p }, (_, i) => `v${i}`);
  const K = names.map(() => (r.uniform() < 0.4 ? 2 + r.int(2) : 0));
  const parents = names.map((_, j) => Array.from({ length: j }, (_, i) => i).filter(() => r.uniform() < deg / (p - 1)));
  const mag = () => (0.6 + 0.9 * r.uniform()) * (r.uniform() < 0.5 ? -1 : 1);
  const dims = (v: number) => (K[v] ? K[v] - 1 : 1);
  const coef = parents.map((pa, j) => pa.map((i) => Array.from({ length: dims(j) }, () => Array.from({ length: dims(i) }, mag))));
  const cols = names.map(() => new Float64Array(n));
  const emb = (i: number, t: number) => (K[i] ? Array.from({ length: K[i] - 1 }, (_, l) => (cols[i][t] === l + 1 ? 1 : 0)) : [cols[i][t]]);
  for (let t = 0; t < n; t++)
    for (let j = 0; j < p; j++) {
      const eta: number[] = new Array(dims(j)).fill(0);
      parents[j].forEach((i, u) => {
        const e = emb(i, t);
        for (let a = 0; a < eta.length; a++) for (let b = 0; b < e.length; b++) eta[a] += coef[j][u][a][b] * e[b];
      });
      if (!K[j]) cols[j][t] = eta[0] + r.normal();
      else {
        const ex = [1, ...eta.map(Math.exp)];
        let u = r.uniform() * ex.reduce((a, b) => a + b, 0);
        let l = 0;
        while (u > ex[l] && l < K[j] - 1) u -= ex[l++];
        cols[j][t] = l;
      }
    }
  const data: Record<string, Float64Array | string[]> = {};
  names.forEach((nm, j) => (data[nm] = K[j] ? Array.from(cols[j], (v) => `L${v}`) : cols[j]));
  return { data, truth: dag(names, parents.flatMap((pa, j) => pa.map((i) => `${names[i]}->${names[j]}`))) };
}

const cpdagShdTo = (g: Graph, truth: Graph) => shd(g.kind === "dag" ? dagToCpdag(g) : g, dagToCpdag(truth));
const cpdagShd = (g: Graph) => cpdagShdTo(g, TRUTH);

describe("structure learning on mixed data (7 variables, 3 discrete, known DAG)", () => {
  // Computed over seeds 1–10 at n = 3000: PC at α = 0.01 and HC / tabu recover the true CPDAG
  // (SHD 0) on every seed; PC at α = 0.05 has SHD 0,1,0,0,3,0,1,3,0,0 (chance type-I errors:
  // an extra c – e or c – session edge). The tests run seeds 1–3 with one edge mark of slack.
  const seeds = [1, 2, 3];
  const data = seeds.map((s) => simulateMixed(3000, s));

  test("PC (α = 0.01) with test auto (→ mixed): CPDAG SHD ≤ 1", () => {
    for (const x of data) {
      const g = learnStructure(x, { algorithm: "pc", alpha: 0.01 });
      expect(g.meta!.test).toBe("mixedLR");
      expect(cpdagShd(g)).toBeLessThanOrEqual(1);
    }
  });

  test("FCI: the skeleton is the true one and the v-structures at b and phase are arrowheads", () => {
    const g = learnStructure(data[0], { algorithm: "fci", alpha: 0.01 });
    expect(skeleton(g)).toEqual(skeleton(TRUTH));
    // the mark at v of the edge u *-* v
    const markAt = (u: string, v: string) => {
      const m = g.marks!.find((e) => (e.from === u && e.to === v) || (e.from === v && e.to === u))!;
      return m.to === v ? m.toMark : m.fromMark;
    };
    for (const [u, v] of [["a", "b"], ["e", "b"], ["b", "phase"], ["session", "phase"]]) expect(markAt(u, v)).toBe(">");
  });

  test("hc and tabu with the bic-mixed score: CPDAG SHD ≤ 1", () => {
    for (const x of data) {
      const h = learnStructure(x, { algorithm: "hc" });
      expect(h.meta!.score).toBe("bic-mixed");
      expect(cpdagShd(h)).toBeLessThanOrEqual(1);
    }
    expect(cpdagShd(learnStructure(data[0], { algorithm: "tabu" }))).toBeLessThanOrEqual(1);
  });

  // Computed on seeds 1–8 (10 variables, 2–8 discrete, 7–13 edges, n = 3000): PC (α = 0.01) mean CPDAG
  // SHD 3.9, adjacency precision 0.99, recall 0.96; the workarounds the mixed test replaces do worse on
  // the same data: level codes as numbers with Fisher z 5.3 / 0.95 / 0.92, continuous columns cut at
  // terciles with G² 5.5 / 0.91 / 0.95. HC (bic-mixed) mean SHD 0.75. Seeds 1 and 3 run here (PC SHD
  // 5 and 2, HC 3 and 0: the two of seeds 1–4 that are not recovered exactly by both learners).
  test("random mixed SEMs (10 variables): PC adjacencies and HC CPDAGs close to the truth", () => {
    let pcShd = 0;
    let hcShd = 0;
    const seeds = [1, 3];
    for (const seed of seeds) {
      const { data, truth } = randomMixedSEM(10, 3000, seed);
      const m = compareGraphs(learnStructure(data, { algorithm: "pc", alpha: 0.01 }), dagToCpdag(truth));
      expect(m.adjacencyPrecision).toBeGreaterThanOrEqual(0.95);
      expect(m.adjacencyRecall).toBeGreaterThanOrEqual(0.9);
      pcShd += m.shd;
      hcShd += cpdagShdTo(learnStructure(data, { algorithm: "hc" }), truth);
    }
    expect(pcShd / seeds.length).toBeLessThanOrEqual(4); // computed: (5 + 2) / 2 = 3.5
    expect(hcShd / seeds.length).toBeLessThanOrEqual(2); // computed: (3 + 0) / 2 = 1.5
  });

  test("an integer-coded dopant named in discreteColumns gives the same graph as string labels", () => {
    const x = data[0];
    const coded = { ...x, dopant: Int32Array.from(x.dopant, (s) => ["Nb", "Ti", "Zr"].indexOf(s)), session: x.session.map((s) => (s === "s2" ? 1 : 0)), phase: x.phase.map((s) => (s === "T" ? 1 : 0)) };
    const g = learnStructure(coded, { algorithm: "pc", discreteColumns: ["dopant", "session", "phase"] });
    expect(g.edges).toEqual(learnStructure(x, { algorithm: "pc" }).edges);
    // without discreteColumns the integer columns are continuous: plain Fisher z
    expect(learnStructure(coded, { algorithm: "pc" }).meta!.test).toBe("fisherZ");
  });
});

describe("pure data through the mixed machinery", () => {
  test("test mixed on continuous data gives the fisherz graph; bic-mixed equals bic-g", () => {
    const sem = randomLinearSEM(7, { seed: 8 });
    const x = sampleLinearSEM(sem, 1000, { seed: 9 });
    expect(learnStructure(x, { algorithm: "pc", test: "mixed" }).edges).toEqual(learnStructure(x, { algorithm: "pc" }).edges);
    const d = prepareData(x);
    const parents = [[], [0], [0, 1], [2], [], [3, 4], [0, 5]];
    expect(new MixedScore(d).total(parents)).toBeCloseTo(new LocalScore(d, "bic-g").total(parents), 6);
  });
});

describe("mixed data: input rules and errors", () => {
  const x = simulateMixed(300, 4);
  test("explicit tests / scores of one data type name the columns of the other", () => {
    expect(() => learnStructure(x, { algorithm: "pc", test: "fisherz" })).toThrow(/test "fisherz" needs continuous data but columns "dopant", "session", "phase" are discrete/);
    expect(() => learnStructure(x, { algorithm: "fci", test: "gsq" })).toThrow(/test "gsq" needs discrete data but columns "a", "e", "b", "c" are continuous/);
    expect(() => learnStructure(x, { algorithm: "tabu", edgePrior: 1 })).toThrow(/tabuSearch: edgePrior is not available with score "bic-mixed"/);
    expect(() => learnStructure(x, { algorithm: "hc", score: "bic-g" })).toThrow(/score "bic-g" needs all-continuous or all-discrete data but the data are mixed \(discrete columns: dopant, session, phase\)/);
    expect(() => learnStructure(x, { algorithm: "ges" })).toThrow(/ges: column "dopant" holds strings \(categorical\) but column "a" is continuous; mixed discrete\/continuous data are handled only by learnStructure with algorithm "pc", "fci", "hc" or "tabu"/);
    expect(() => learnStructure(x, { algorithm: "lingam" })).toThrow(/column "dopant" holds strings/);
  });
  test("discreteColumns: unknown names, too many levels, and callers that take one data type", () => {
    expect(() => learnStructure(x, { discreteColumns: ["nope"] })).toThrow(/discreteColumns: "nope" is not one of the columns/);
    expect(() => learnStructure(x, { discreteColumns: ["a"] })).toThrow(/column "a" is discrete with 300 levels, more than maxLevels \(20\)/);
    expect(() => prepareData(x)).toThrow(/column "dopant" holds strings \(categorical\) but column "a" is continuous; mixed discrete\/continuous data are handled only by learnStructure/);
    expect(() => prepareData({ a: x.a, e: x.e }, { discreteColumns: ["a"], dataType: "continuous" })).toThrow(/discreteColumns \(a\) given but dataType is "continuous"/);
  });
  test("mixed CausalData: column types, codes for the discrete columns only", () => {
    const d = prepMixed(x);
    expect(d.discrete).toBe(false);
    expect(d.columnTypes).toEqual(["discrete", "continuous", "continuous", "continuous", "discrete", "discrete", "continuous"]);
    expect(d.cards).toEqual([3, 0, 0, 0, 2, 2, 0]);
    expect(d.levels![0]).toEqual(["Nb", "Ti", "Zr"]);
  });
});

describe("bootstrap on mixed data", () => {
  it("resamples mixed descriptors with the mixed test: the true skeleton in every resample", () => {
    const data = simulateMixed(2000, 3);
    const res = bootstrap(data, { algorithm: "pc", alpha: 0.01, seed: 1 }, 10);
    const freq = new Map(res.edges.map((e) => [[e.from, e.to].sort().join("-"), e.frequency]));
    for (const e of TRUTH.edges) expect(freq.get([e.from, e.to].sort().join("-"))).toBeGreaterThanOrEqual(0.9);
    expect(Math.max(0, ...res.edges.filter((e) => !TRUTH.edges.some((t) => [t.from, t.to].sort().join() === [e.from, e.to].sort().join())).map((e) => e.frequency))).toBeLessThanOrEqual(0.3);
  });
});
