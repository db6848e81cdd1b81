/**
 * The fast kernels give the same numbers as the plain computations they
 * replace: integer-coded columns (lookup-table level coding), discrete local
 * scores of candidate parent sets built from a hinted base, G² counts with
 * fused stratum codes.
 */
import { prepareData, readBIF, sampleBayesNet } from "causalscope";
import { LocalScore } from "../../src/causal/score";
import { GSquare } from "../../src/causal/citest";
import { bif } from "./helpers";

function alarmData(n: number) {
  const net = readBIF(bif("alarm"), "alarm");
  const s = sampleBayesNet(net, n, { seed: 5 });
  const cols = Object.fromEntries(net.nodes.map((v) => [v, Float64Array.from(s[v], (x) => net.states[v].indexOf(x))]));
  return { net, s, cols };
}

describe("causal kernels", () => {
  test("integer-coded numeric columns get the same levels and codes as the general path", () => {
    const a = [3, -2, 7, 3, 0, -0, 7, -2, 100];
    const b = [1, 2, 1, 2, 1, 2, 1, 2, 1];
    const fast = prepareData({ a: Float64Array.from(a), b: Float64Array.from(b) }, { dataType: "discrete" });
    // strings force the general (Set / Map) path; labels compare numerically there too when all numbers
    const gen = prepareData({ a: a.map(String), b: b.map(String) }, { dataType: "discrete" });
    expect(fast.levels![0]).toEqual(["-2", "0", "3", "7", "100"]);
    expect(fast.cards).toEqual([5, 2]);
    expect(Array.from(fast.codes![0])).toEqual([2, 0, 3, 2, 1, 1, 3, 0, 4]);
    expect(Array.from(fast.codes![1])).toEqual(Array.from(gen.codes![1]));
    const viaArray = prepareData({ a, b }, { dataType: "discrete" });
    expect(Array.from(viaArray.codes![0])).toEqual(Array.from(fast.codes![0]));
    expect(viaArray.levels).toEqual(fast.levels);
    const dropped = prepareData({ a: Float64Array.from([1, NaN, 2, 1]), b: Float64Array.from([0, 1, 1, 0]) }, { dataType: "discrete", missing: "drop" });
    expect(dropped.n).toBe(3);
    expect(Array.from(dropped.codes![0])).toEqual([0, 1, 0]);
  });

  test("discrete local scores from a hinted base equal the unhinted scores", () => {
    const { cols } = alarmData(5000);
    const d = prepareData(cols, { dataType: "discrete" });
    for (const name of ["bic-d", "bdeu"] as const) {
      const plain = new LocalScore(d, name);
      const hinted = new LocalScore(d, name);
      for (const [child, base] of [[4, []], [4, [1, 7]], [20, [3, 11, 30]], [36, [0, 35]]] as [number, number[]][]) {
        hinted.hint(child, base);
        const batched = new LocalScore(d, name);
        batched.prefetch(child, base, Array.from({ length: d.p }, (_, i) => i));
        for (let e = 0; e < d.p; e++) {
          if (e === child || base.includes(e)) continue;
          expect(batched.local(child, [...base, e])).toBe(plain.local(child, [...base, e]));
        }
        for (let e = 0; e < d.p; e++) {
          if (e === child || base.includes(e)) continue;
          const pa = [...base, e];
          expect(hinted.local(child, pa)).toBe(plain.local(child, pa));
        }
      }
    }
  });

  test("G² over rows collapsed to a scope equals G² over all rows", () => {
    const { cols } = alarmData(6000);
    const d = prepareData(cols, { dataType: "discrete" });
    const plain = new GSquare(d);
    const scoped = new GSquare(d);
    const V = [4, 6, 11, 20, 25, 30];
    scoped.scope(V, 1000);
    for (const [x, y, S] of [[4, 6, []], [11, 20, [25]], [4, 30, [6, 11]], [6, 25, [4, 11, 20]], [4, 11, [6, 20, 25, 30]], [0, 4, [6]]] as [number, number, number[]][]) {
      const a = plain.test(x, y, S);
      const b = scoped.test(x, y, S);
      expect(b.statistic).toBe(a.statistic);
      expect(b.pValue).toBe(a.pValue);
      expect(b.dof).toBe(a.dof);
    }
    scoped.scope(null);
  });

  test("batched order-1 G² tests equal the tests one by one", () => {
    const { cols } = alarmData(6000);
    const d = prepareData(cols, { dataType: "discrete" });
    const one = new GSquare(d);
    const batch = new GSquare(d);
    const zs = [0, 2, 5, 7, 9, 13, 21, 30, 36];
    const out = new Float64Array(zs.length);
    for (const [x, y] of [[3, 17], [20, 4]]) {
      batch.pBatch1(x, y, zs, out);
      zs.forEach((z, t) => expect(out[t]).toBe(one.pIdx(x, y, [z])));
    }
    expect(batch.count).toBe(one.count);
  });

  test("G² with fused stratum codes equals a direct count", () => {
    const { cols } = alarmData(4000);
    const d = prepareData(cols, { dataType: "discrete" });
    const t = new GSquare(d);
    const codes = d.codes!;
    const cards = d.cards!;
    for (const [x, y, S] of [[0, 5, [1, 2]], [10, 20, [3, 4, 5]], [7, 8, [9, 11, 12, 13]]] as [number, number, number[]][]) {
      // reference G² from a direct count over the raw rows
      const cx = cards[x], cy = cards[y];
      const counts = new Map<string, number[]>();
      for (let i = 0; i < d.n; i++) {
        const key = S.map((s) => codes[s][i]).join(",");
        let c = counts.get(key);
        if (!c) counts.set(key, (c = new Array(cx * cy).fill(0)));
        c[codes[x][i] * cy + codes[y][i]]++;
      }
      let g = 0;
      for (const c of counts.values()) {
        const rs = new Array(cx).fill(0), cs = new Array(cy).fill(0);
        let tot = 0;
        for (let a = 0; a < cx; a++) for (let b = 0; b < cy; b++) { rs[a] += c[a * cy + b]; cs[b] += c[a * cy + b]; tot += c[a * cy + b]; }
        for (let a = 0; a < cx; a++) for (let b = 0; b < cy; b++) if (c[a * cy + b] > 0) g += c[a * cy + b] * Math.log((c[a * cy + b] * tot) / (rs[a] * cs[b]));
      }
      expect(t.test(x, y, S).statistic).toBeCloseTo(2 * g, 8);
    }
  });
});
