// PCA / NMF / clustering of diffraction patterns against known answers:
// randomized SVD against the exact SVD (core/linalg), PCA of patterns built
// from two orthogonal components with known scores, NMF of an exactly
// non-negative low-rank scan, k-means phase maps of thousands of patterns.
import { dataset4D } from "../../src/stem4d/dataset";
import { patternPCA, patternNMF, clusterPatterns, randomizedSVD } from "../../src/stem4d/decompose";
import { svd } from "../../src/core/linalg";
import { rng } from "../../src/core/random";

/** |cosine| of the angle between two vectors. */
function absCos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return Math.abs(ab) / Math.sqrt(aa * bb);
}

/** n × d matrix with singular values `sv` along random orthonormal directions, plus Gaussian noise of sd `noise`. */
function lowRank(n: number, d: number, sv: number[], noise: number, seed: number): Float64Array {
  const r = rng(seed), X = new Float64Array(n * d);
  const U = svd(Float64Array.from({ length: n * sv.length }, () => r.normal()), n, sv.length).U;
  const V = svd(Float64Array.from({ length: d * sv.length }, () => r.normal()), d, sv.length).U;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    let v = noise * r.normal();
    for (let c = 0; c < sv.length; c++) v += sv[c] * U[i * sv.length + c] * V[j * sv.length + c];
    X[i * d + j] = v;
  }
  return X;
}

describe("randomizedSVD", () => {
  test("matches the exact SVD: singular values and vectors, centred or not", () => {
    const n = 300, d = 80, k = 5;
    const X = lowRank(n, d, [50, 30, 20, 10, 5], 0.05, 1);
    const exact = svd(X, n, d);
    const approx = randomizedSVD(X, n, d, k, { seed: 2 });
    for (let c = 0; c < k; c++) {
      expect(approx.s[c]).toBeCloseTo(exact.s[c], 8);
      const v = Float64Array.from({ length: d }, (_, j) => exact.V[j * exact.s.length + c]);
      const u = Float64Array.from({ length: n }, (_, i) => exact.U[i * exact.s.length + c]);
      expect(absCos(approx.V.subarray(c * d, (c + 1) * d), v)).toBeGreaterThan(1 - 1e-9);
      expect(absCos(approx.U.subarray(c * n, (c + 1) * n), u)).toBeGreaterThan(1 - 1e-9);
    }
    // with a mean: the SVD of the explicitly centred matrix
    const mean = Float64Array.from({ length: d }, (_, j) => 3 + Math.sin(j));
    const shifted = X.map((x, i) => x + mean[i % d]);
    const centred = randomizedSVD(shifted, n, d, k, { mean, seed: 3 });
    for (let c = 0; c < k; c++) expect(centred.s[c]).toBeCloseTo(exact.s[c], 8);
  });

  test("beyond the rank: zero singular values and zero vectors, not NaN", () => {
    const n = 40, d = 30;
    const X = lowRank(n, d, [4, 2], 0, 5);
    const { s, U, V } = randomizedSVD(X, n, d, 4);
    expect(s[0]).toBeCloseTo(4, 10);
    expect(s[1]).toBeCloseTo(2, 10);
    expect(Array.from(s.subarray(2))).toEqual([0, 0]);
    expect(V.subarray(2 * d).every((v) => v === 0)).toBe(true);
    expect(U.every(Number.isFinite)).toBe(true);
  });

  test("names the argument that is wrong", () => {
    expect(() => randomizedSVD(new Float64Array(10), 3, 4, 1)).toThrow(/randomizedSVD: X has 10 values, n × d = 3 × 4 needs 12/);
    expect(() => randomizedSVD(new Float64Array(12), 3, 4, 4)).toThrow(/k must be an integer in 1..min\(n, d\) = 3, got 4/);
    expect(() => randomizedSVD(new Float64Array(12), 3, 4, 2, { mean: new Float64Array(3) })).toThrow(/options.mean has 3 values, d = 4/);
  });
});

describe("patternPCA", () => {
  test("patterns = mean + a·p1 + b·p2 with known uncorrelated scores: components, variances and scores exact", async () => {
    // 8 × 8 scan of 8 × 8 patterns; p1, p2 orthonormal (p1 constant on pixel pairs and summing to 0, p2 alternating
    // on them), each with one largest-magnitude entry; a = ±2, b = ±1 in a pattern with zero mean and zero covariance.
    const rows = 8, cols = 8, k = 8, n = rows * cols, d = k * k;
    const unit = (v: Float64Array) => v.map((x) => x / Math.hypot(...v));
    const p1 = unit(Float64Array.from({ length: d }, (_, j) => Math.floor(j / 2) ** 2 - 325.5));
    const p2 = unit(Float64Array.from({ length: d }, (_, j) => (j % 2 === 0 ? 1 : -1) * (1 + j / d)));
    const a = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 2 : -2));
    const b = Float64Array.from({ length: n }, (_, i) => (Math.floor(i / 2) % 2 === 0 ? 1 : -1));
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = 10 + j / d + a[i] * p1[j] + b[i] * p2[j];
    const pca = await patternPCA(dataset4D(data, [rows, cols], [k, k]), { components: 3, bin: 1, transform: "none", workers: 0 });
    expect(pca.variance[0]).toBeCloseTo((4 * n) / (n - 1), 5);
    expect(pca.variance[1]).toBeCloseTo(n / (n - 1), 5);
    expect(pca.variance[2]).toBeCloseTo(0, 5);
    expect(pca.explained[0]).toBeCloseTo(0.8, 6);
    expect(pca.explained[1]).toBeCloseTo(0.2, 6);
    expect(absCos(pca.components[0].data, p1)).toBeGreaterThan(1 - 1e-6);
    expect(absCos(pca.components[1].data, p2)).toBeGreaterThan(1 - 1e-6);
    // sign convention: the largest-magnitude entry of each component is positive
    for (const c of pca.components.slice(0, 2)) {
      const big = c.data.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
      expect(big).toBeGreaterThan(0);
    }
    const s1 = Math.sign(pca.components[0].data[0] * p1[0]), s2 = Math.sign(pca.components[1].data[0] * p2[0]);
    for (let i = 0; i < n; i++) {
      expect(pca.scores[i * 3]).toBeCloseTo(s1 * a[i], 4);
      expect(pca.scores[i * 3 + 1]).toBeCloseTo(s2 * b[i], 4);
    }
    expect(pca.mean.data[5]).toBeCloseTo(10 + 5 / d, 5);
  });

  test("refuses a feature matrix too large to hold, naming the bin", async () => {
    // 2^17 frames of 64 × 64 binned by 1: 2^29 values; the data behind it is never read
    const ds = { ...dataset4D(new Float32Array(16), [1, 1], [4, 4]), nFrames: 2 ** 17, detShape: [64, 64] as [number, number], scanShape: [512, 256] as [number, number] };
    await expect(patternPCA(ds as never, { bin: 1 })).rejects.toThrow(/patternPCA: 131072 frames × 4096 features \(bin 1\) is more than the 2\^28 values held in memory; increase options.bin/);
  });
});

/** `rows` × `cols` scan of 16 × 16 patterns: mixtures of `phases` non-negative templates with known abundances (each position one pure phase when `pure`). */
function phaseScan(rows: number, cols: number, phases: number, pure: boolean, seed: number) {
  const r = rng(seed), k = 16, d = k * k, n = rows * cols;
  const templates = Array.from({ length: phases }, (_, p) => Float64Array.from({ length: d }, (_, j) => {
    const x = j % k, y = Math.floor(j / k), cx = 3 + 4.5 * p, cy = 12 - 3 * p;
    return 20 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 4) + 8 * Math.exp(-((x - 15 + cx) ** 2 + (y - cy / 2) ** 2) / 3);
  }));
  const label = Int32Array.from({ length: n }, (_, i) => Math.min(phases - 1, Math.max(0, Math.floor(((i % cols) / cols) * phases + 0.4 * Math.sin(Math.floor(i / cols) / 3)))));
  const abundance = Array.from({ length: n }, (_, i) => Float64Array.from({ length: phases }, (_, p) => (pure ? (p === label[i] ? 1 + 0.3 * r.uniform() : 0) : r.uniform())));
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    let v = 0;
    for (let p = 0; p < phases; p++) v += abundance[i][p] * templates[p][j];
    data[i * d + j] = v;
  }
  return { ds: dataset4D(data, [rows, cols], [k, k]), templates, label, abundance };
}

describe("patternNMF", () => {
  test("an exactly non-negative rank-3 scan: error below 1e-3, components and maps are the templates and abundances", async () => {
    const { ds, templates, abundance } = phaseScan(24, 24, 3, false, 4);
    const nmf = await patternNMF(ds, { components: 3, bin: 1, transform: "none", workers: 0, iterations: 500, tolerance: 1e-9 });
    console.log(`NMF on an exact rank-3 scan: relative error ${nmf.error.toExponential(2)} after ${nmf.iterations} sweeps`);
    expect(nmf.error).toBeLessThan(1e-3);
    for (const t of templates) expect(Math.max(...nmf.components.map((h) => absCos(h.data, t)))).toBeGreaterThan(0.999);
    for (let p = 0; p < 3; p++) {
      const truth = Float64Array.from(abundance, (a) => a[p]);
      expect(Math.max(...nmf.maps.map((m) => absCos(m.data, truth)))).toBeGreaterThan(0.999);
    }
    for (const h of nmf.components) expect(Math.min(...h.data)).toBeGreaterThanOrEqual(0);
  });

  test("the error after a sweep never rises, and a longer run reaches a lower error", async () => {
    const { ds } = phaseScan(16, 16, 3, false, 6);
    const opts = { components: 2, bin: 2, transform: "sqrt" as const, workers: 0, tolerance: 0 };
    const errs = [];
    for (const iterations of [10, 20, 40]) errs.push((await patternNMF(ds, { ...opts, iterations })).error);
    expect(errs[1]).toBeLessThanOrEqual(errs[0]);
    expect(errs[2]).toBeLessThanOrEqual(errs[1]);
  });

  test("names what is wrong", async () => {
    const { ds } = phaseScan(4, 4, 2, false, 1);
    await expect(patternNMF(ds, { components: 0 })).rejects.toThrow(/patternNMF: options.components must be an integer in 1..min\(frames, features\) = 16, got 0/);
    const neg = dataset4D(Float32Array.from({ length: 4 * 16 }, (_, i) => (i === 20 ? -1 : 1)), [2, 2], [4, 4]);
    await expect(patternNMF(neg, { components: 1, bin: 1, transform: "none" })).rejects.toThrow(/patternNMF: frame 1 has a negative or NaN feature \(-1\)/);
  });
});

describe("clusterPatterns", () => {
  test("3 phases over 4096 patterns: the true phase map", async () => {
    const { ds, label } = phaseScan(64, 64, 3, true, 8);
    const c = await clusterPatterns(ds, { clusters: 3, bin: 2, seed: 1, workers: 0 });
    // the best matching of cluster labels to phases
    const count = Array.from({ length: 3 }, () => new Int32Array(3));
    for (let i = 0; i < label.length; i++) count[c.labels.data[i]][label[i]]++;
    const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    const best = Math.max(...perms.map((p) => p.reduce((s, ph, cl) => s + count[cl][ph], 0)));
    expect(best).toBe(label.length);
    expect(c.pca.explained[0] + c.pca.explained[1]).toBeGreaterThan(0.9);
  });

  test("8 patterns (the size of a tiny real scan) with 1024 features", async () => {
    const data = new Float32Array(8 * 64 * 64);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 64 * 64; j++) data[i * 4096 + j] = (i < 4 ? j % 64 : 63 - (j % 64)) + (j % 7);
    const c = await clusterPatterns(dataset4D(data, [4, 2], [64, 64]), { clusters: 2, bin: 2, seed: 0, workers: 0 });
    expect(Array.from(c.labels.data)).toEqual(c.labels.data[0] === 0 ? [0, 0, 0, 0, 1, 1, 1, 1] : [1, 1, 1, 1, 0, 0, 0, 0]);
    expect(c.pca.components[0].width).toBe(32);
  });
});
