/**
 * Transition statistics (`markovTransitions`, `phaseFraction`,
 * `betaQuantile`, `gammaQuantile`): quantiles against SciPy, exact counts on
 * a hand example, intervals covering the truth of a known Markov chain.
 */
import { markovTransitions, phaseFraction, betaQuantile, gammaQuantile } from "../../src/transitions";
import { rng } from "../../src/core/random";

describe("betaQuantile and gammaQuantile", () => {
  it("match scipy.stats", () => {
    // scipy.stats.beta.ppf([0.025, 0.975], 3.5, 10.5); beta.ppf(0.5, 0.5, 200.5)
    expect(betaQuantile(0.025, 3.5, 10.5)).toBeCloseTo(0.06965667, 7);
    expect(betaQuantile(0.975, 3.5, 10.5)).toBeCloseTo(0.49737212, 7);
    expect(betaQuantile(0.5, 0.5, 200.5)).toBeCloseTo(0.0011352752238281772, 10);
    // scipy.stats.gamma.ppf([0.025, 0.975], 4.5, scale=1/20); gamma.ppf(0.01, 0.5)
    expect(gammaQuantile(0.025, 4.5, 20)).toBeCloseTo(0.06750974, 7);
    expect(gammaQuantile(0.975, 4.5, 20)).toBeCloseTo(0.47556919, 7);
    expect(gammaQuantile(0.01, 0.5, 1)).toBeCloseTo(7.854392895485092e-05, 10);
    expect(() => betaQuantile(0.5, 0, 1)).toThrow(/a, b > 0/);
  });
});

describe("markovTransitions", () => {
  it("counts transitions and exposure exactly, skipping unobserved sites", () => {
    const states = [[0, 0, 1, -1], [0, 1, 1, 0], [1, 1, 0, 0]];
    const t = markovTransitions(states, { frameTime: 2, names: ["a", "b"] });
    const rows = t.toRows();
    const get = (f: string, to: string) => rows.find((r) => r.from === f && r.to === to)!;
    // pairs (t → t+1): site0 0→0, 0→1; site1 0→1, 1→1; site2 1→1, 1→0; site3 (−1)→0 skipped, 0→0
    expect([get("a", "a").count, get("a", "b").count, get("b", "a").count, get("b", "b").count]).toEqual([2, 2, 1, 2]);
    expect(get("a", "b").exposure).toBe(4);
    expect(get("a", "b").probability).toBeCloseTo(2.5 / 5, 14); // Dirichlet(0.5): (2 + 0.5)/(4 + 1)
    expect(get("a", "b").rate).toBeCloseTo(2.5 / 8, 14); // Gamma(2.5, 4 · 2 s)
    expect(get("a", "a").rate).toBeNaN();
    expect(() => markovTransitions([[0, 1], [0]])).toThrow(/states\[1\] has 1 sites, states\[0\] has 2/);
    expect(() => markovTransitions([[0, 1.5]])).toThrow(/states\[0\]\[1\] must be an integer state/);
  });

  it("has calibrated 95 % intervals on known chains", () => {
    const P = [[0.9, 0.08, 0.02], [0.3, 0.7, 0], [0, 0.05, 0.95]];
    let covered = 0, tested = 0;
    for (let seed = 0; seed < 20; seed++) {
      const r = rng(seed), states: Int32Array[] = [new Int32Array(200)];
      for (let t = 1; t < 30; t++) states.push(states[t - 1].map((s) => { let u = r.uniform(), j = 0; while (u >= P[s][j]) { u -= P[s][j]; j++; } return j; }));
      for (const row of markovTransitions(states).toRows()) {
        const p = P[Number(row.from)][Number(row.to)];
        if (p === 0) { expect(row.count).toBe(0); continue; }
        tested++;
        if (Number(row.probabilityLower) < p && p < Number(row.probabilityUpper)) covered++;
      }
    }
    expect(tested).toBe(140);
    // measured: 132 / 140 = 0.943; too wide intervals would cover all
    expect(covered / tested).toBeGreaterThan(0.88);
    expect(covered).toBeLessThan(tested);
  });
});

describe("phaseFraction", () => {
  it("gives per-frame fractions of the observed sites", () => {
    const t = phaseFraction([[0, 0, 2, -1], [0, 2, 2, 2]], { names: ["host", "vacancy", "new"], dose: [0, 100] });
    expect(t.columnNames).toEqual(["frame", "dose", "observed", "host", "vacancy", "new"]);
    expect(Array.from(t.numeric("observed"))).toEqual([3, 4]);
    expect(Array.from(t.numeric("host"))).toEqual([2 / 3, 0.25]);
    expect(Array.from(t.numeric("new"))).toEqual([1 / 3, 0.75]);
    expect(() => phaseFraction([[0], [1]], { time: [0] })).toThrow(/options\.time has 1 values for 2 frames/);
  });
});
