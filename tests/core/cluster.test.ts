/**
 * Clustering (src/core/cluster.ts) on synthetic ground truth: k-means and
 * its 1-D case recover well-separated clusters exactly, the Gaussian mixture
 * recovers the means, covariances and weights of two overlapping anisotropic
 * Gaussians, and bad arguments are named.
 */
import { kmeans, kmeans1d, gmm } from "../../src/core/cluster";
import { Rng } from "../../src/core/random";

/** n points per centre in 2-D with sd `sd`, labels = centre index. */
function blobs(centres: number[][], n: number, sd: number, seed: number): { data: Float64Array; truth: Int32Array } {
  const r = new Rng(seed), data = new Float64Array(centres.length * n * 2), truth = new Int32Array(centres.length * n);
  centres.forEach(([cx, cy], c) => { for (let i = 0; i < n; i++) { const p = c * n + i; data[2 * p] = cx + sd * r.normal(); data[2 * p + 1] = cy + sd * r.normal(); truth[p] = c; } });
  return { data, truth };
}
/** Fraction of points whose label maps to their true cluster under the best one-to-one relabelling (majority per cluster). */
function agreement(labels: Int32Array, truth: Int32Array, k: number): number {
  let ok = 0;
  for (let c = 0; c < k; c++) {
    const counts = new Array(k).fill(0);
    truth.forEach((t, i) => { if (t === c) counts[labels[i]]++; });
    ok += Math.max(...counts);
  }
  return ok / truth.length;
}

describe("kmeans", () => {
  const centres = [[0, 0], [10, 0], [0, 10]];
  const { data, truth } = blobs(centres, 200, 0.5, 1);
  it("recovers three well-separated clusters exactly, centroids within 0.1, labels 0 = largest", () => {
    const km = kmeans(data, 600, 2, 3, { seed: 1 });
    expect(agreement(km.labels, truth, 3)).toBe(1);
    for (const [cx, cy] of centres) {
      let best = Infinity;
      for (let c = 0; c < 3; c++) best = Math.min(best, Math.hypot(km.centroids[2 * c] - cx, km.centroids[2 * c + 1] - cy));
      expect(best).toBeLessThan(0.1);
    }
    expect(km.inertia).toBeGreaterThan(0);
    expect(kmeans(data, 600, 2, 3, { seed: 1 }).labels).toEqual(km.labels);
  });
  it("from given centroids runs once, deterministically, keeping the label order with order: none", () => {
    const init = Float64Array.of(0, 10, 10, 0, 0, 0);
    const km = kmeans(data, 600, 2, 3, { init, order: "none" });
    for (let i = 0; i < 600; i++) expect(km.labels[i]).toBe([2, 1, 0][truth[i]]);
  });
  it("names bad arguments and non-finite points", () => {
    expect(() => kmeans(data, 600, 2, 0)).toThrow(/k must be an integer in \[1, 600\]/);
    expect(() => kmeans(data, 601, 2, 3)).toThrow(/data has 1200 values, n×dim = 601×2/);
    expect(() => kmeans(Float64Array.of(0, NaN, 1, 1), 2, 2, 1)).toThrow(/data\[1\] \(point 0\) is not finite/);
    expect(() => kmeans(data, 600, 2, 3, { init: [0, 0] })).toThrow(/options.init has 2 values/);
  });
});

describe("kmeans1d", () => {
  it("splits three 1-D groups exactly with centres ascending", () => {
    const r = new Rng(3), v: number[] = [], truth: number[] = [];
    for (const [c, m] of [[2, 5], [0, -3], [1, 1]]) for (let i = 0; i < 100; i++) { v.push(m + 0.2 * r.normal()); truth.push(c); }
    const { labels, centers } = kmeans1d(v, 3);
    expect(Array.from(labels)).toEqual(truth);
    expect(centers[0]).toBeCloseTo(-3, 1); expect(centers[1]).toBeCloseTo(1, 1); expect(centers[2]).toBeCloseTo(5, 1);
  });
  it("k = 1 or no values: one cluster at the mean", () => {
    expect(Array.from(kmeans1d([1, 2, 6], 1).centers)).toEqual([3]);
    expect(kmeans1d([], 2).centers[0]).toBeNaN();
  });
});

describe("gmm", () => {
  it("recovers means, full covariances and weights of two overlapping anisotropic Gaussians", () => {
    // Component 0: weight 0.6, mean (0, 0), Σ = [[4, 1.5], [1.5, 1]]; component 1: weight 0.4, mean (4, 3), Σ = [[1, -0.5], [-0.5, 2]].
    const r = new Rng(21), n = 10000, data = new Float64Array(2 * n), truth = new Int32Array(n);
    const comps = [{ m: [0, 0], L: [2, 0, 0.75, Math.sqrt(1 - 0.5625)] }, { m: [4, 3], L: [1, 0, -0.5, Math.sqrt(2 - 0.25)] }];
    for (let i = 0; i < n; i++) {
      const c = i < 0.6 * n ? 0 : 1, { m, L } = comps[c], z0 = r.normal(), z1 = r.normal();
      data[2 * i] = m[0] + L[0] * z0; data[2 * i + 1] = m[1] + L[2] * z0 + L[3] * z1; truth[i] = c;
    }
    const g = gmm(data, n, 2, 2, { seed: 1 });
    const c0 = Math.hypot(g.means[0], g.means[1]) < Math.hypot(g.means[2], g.means[3]) ? 0 : 1, c1 = 1 - c0;
    const want = [{ c: c0, m: [0, 0], S: [4, 1.5, 1.5, 1], w: 0.6 }, { c: c1, m: [4, 3], S: [1, -0.5, -0.5, 2], w: 0.4 }];
    for (const { c, m, S, w } of want) {
      expect(Math.abs(g.means[2 * c] - m[0])).toBeLessThan(0.1);
      expect(Math.abs(g.means[2 * c + 1] - m[1])).toBeLessThan(0.1);
      for (let q = 0; q < 4; q++) expect(Math.abs(g.covariances[4 * c + q] - S[q])).toBeLessThan(0.1 * Math.max(1, Math.abs(S[q])));
      expect(Math.abs(g.weights[c] - w)).toBeLessThan(0.02);
    }
    for (let i = 0; i < n; i += 97) expect(g.probabilities[2 * i] + g.probabilities[2 * i + 1]).toBeCloseTo(1, 12);
    expect(agreement(g.labels, truth, 2)).toBeGreaterThan(0.93);
    expect(Number.isFinite(g.logLikelihood)).toBe(true);
  });
  it("names a bad k", () => {
    expect(() => gmm(Float64Array.of(0, 1, 2), 3, 1, 4)).toThrow(/gmm: k must be an integer in \[1, 3\]/);
  });
});
