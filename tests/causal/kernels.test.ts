/**
 * The fast kernels give the same numbers as the plain computations they
 * replace: integer-coded columns (lookup-table level coding), discrete local
 * scores of candidate parent sets built from a hinted base, G² counts with
 * fused stratum codes, distinct rows by packed group codes, the typed-array
 * p-value cache, the four-column covariance passes, the χ² / normal tails
 * with lgamma(dof/2) from a table.
 */
import { prepareData, randomLinearSEM, readBIF, sampleBayesNet, sampleLinearSEM } from "../../src/causal";
import { LocalScore } from "../../src/causal/score";
import { distinctRows, FisherZ, GSquare, PValueCache } from "../../src/causal/citest";
import { covarianceMatrix, mean } from "../../src/causal/stats";
import { chi2Sf, normSf } from "../../src/core/special";
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

  test("order-1 G² tests from a shared triple table (x, y | z), (x, z | y), (y, z | x) equal the tests one by one", () => {
    const { cols } = alarmData(6000);
    const d = prepareData(cols, { dataType: "discrete" });
    const one = new GSquare(d);
    const batch = new GSquare(d);
    const V = [1, 4, 13, 22, 25, 33];
    const out = new Float64Array(V.length);
    // every pair of V given each other member: each triple is counted once, then read back in other roles
    for (const x of V)
      for (const y of V) {
        if (x === y) continue;
        const zs = V.filter((v) => v !== x && v !== y);
        batch.pBatch1(x, y, zs, out);
        zs.forEach((z, t) => expect(out[t]).toBe(one.test(x, y, [z]).pValue));
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

  test("distinct rows: each data row once, in order of first occurrence, with its multiplicity", () => {
    // asia: 8 binary columns (one packed code, direct table); alarm: 37 columns of 2-4 levels (two codes, hash table)
    for (const [name, n] of [["asia", 5000], ["alarm", 20000]] as [string, number][]) {
      const net = readBIF(bif(name), name);
      const s = sampleBayesNet(net, n, { seed: 3 });
      const d = prepareData(Object.fromEntries(net.nodes.map((v) => [v, Float64Array.from(s[v], (x) => net.states[v].indexOf(x))])), { dataType: "discrete" });
      const seen = new Map<string, number>();
      const firstRows: number[] = [];
      const w: number[] = [];
      for (let i = 0; i < d.n; i++) {
        const key = d.codes!.map((c) => c[i]).join(",");
        const u = seen.get(key);
        if (u === undefined) {
          seen.set(key, firstRows.length);
          firstRows.push(i);
          w.push(1);
        } else w[u]++;
      }
      const r = distinctRows(d);
      expect(r.m).toBeLessThan(0.7 * d.n); // compressed (not the raw-rows fallback)
      expect(r.m).toBe(firstRows.length);
      expect(Array.from(r.w)).toEqual(w);
      for (let j = 0; j < d.p; j++) expect(Array.from(r.codes[j])).toEqual(firstRows.map((i) => d.codes![j][i]));
    }
  });

  test("typed-array p-value cache stores and returns what a Map does", () => {
    const cache = new PValueCache(4);
    const ref = new Map<number, number>();
    let z = 12345;
    const next = () => (z = (Math.imul(z, 1103515245) + 12345) >>> 0);
    for (let t = 0; t < 20000; t++) {
      // keys spread over [1, 9e15): small ones and ones above 2^32
      const key = t % 3 === 0 ? 1 + (next() % 5000) : 1 + next() * 2097152 + (next() % 2097152);
      const v = next() / 4294967296;
      if (t % 5 === 0) expect(cache.get(key)).toBe(ref.has(key) ? ref.get(key) : -1);
      cache.set(key, v);
      ref.set(key, v);
    }
    expect(cache.size).toBe(ref.size);
    for (const [k, v] of ref) expect(cache.get(k)).toBe(v);
    expect(cache.get(7e15 + 1)).toBe(ref.get(7e15 + 1) ?? -1);
    expect(() => cache.set(0, 0.5)).toThrow(/positive integer/);
    expect(() => cache.set(1.5, 0.5)).toThrow(/positive integer/);
  });

  test("Fisher-z fast path (sorted set, cached by number) equals the validated test", () => {
    const sem = randomLinearSEM(12, { seed: 4, expectedDegree: 2 });
    const d = prepareData(sampleLinearSEM(sem, 800, { seed: 5 }), { dataType: "continuous" });
    const fast = new FisherZ(d);
    const plain = new FisherZ(d);
    for (const [x, y, S] of [[0, 1, []], [5, 2, [7]], [3, 9, [11, 1]], [10, 4, [8, 0, 6]], [9, 3, [1, 11]]] as [number, number, number[]][]) {
      const sorted = S.slice().sort((a, b) => a - b);
      expect(fast.pIdx(x, y, S)).toBe(plain.test(x, y, sorted).pValue);
    }
    expect(fast.count).toBe(4); // {3, 9 | 1, 11} computed once
  });

  test("covariance matrix in four-column passes equals the plain two-pass sums bit for bit", () => {
    for (const p of [1, 6, 9]) {
      const cols = Array.from({ length: p }, (_, j) => Float64Array.from({ length: 301 }, (_, i) => Math.sin(i * (j + 1) * 0.37) * (j + 2) + j));
      const C = covarianceMatrix(cols);
      for (let a = 0; a < p; a++)
        for (let b = 0; b < p; b++) {
          const ma = mean(cols[a]);
          const mb = mean(cols[b]);
          let s = 0;
          for (let i = 0; i < 301; i++) s += (cols[a][i] - ma) * (cols[b][i] - mb);
          expect(C[a * p + b]).toBe(s / 300);
        }
    }
  });

  test("χ² and normal tails (lgamma of half-integers from a table) equal closed forms, first and repeated calls", () => {
    for (let rep = 0; rep < 2; rep++)
      for (const x of [0.3, 1, 2.5, 7, 19.3, 60]) {
        // Q(1, x/2) = e^(-x/2); Q(2, x/2) = e^(-x/2) (1 + x/2)
        expect(Math.abs(chi2Sf(x, 2) / Math.exp(-x / 2) - 1)).toBeLessThan(1e-13);
        expect(Math.abs(chi2Sf(x, 4) / (Math.exp(-x / 2) * (1 + x / 2)) - 1)).toBeLessThan(1e-13);
      }
    expect(chi2Sf(3.841458820694124, 1)).toBeCloseTo(0.05, 13); // scipy.stats.chi2.isf(0.05, 1)
    expect(normSf(1.959963984540054)).toBeCloseTo(0.025, 14); // scipy.stats.norm.isf(0.025)
  });
});
