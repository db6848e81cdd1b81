// Direct source imports keep this suite independent of other capabilities' work in progress.
import * as synth from "../../src/synth/stem4d";
import { patternPCA, patternNMF, clusterPatterns } from "../../src/stem4d";
import { kmeans, gmm } from "../../src/core/cluster";

function agreement(labels: Float32Array, truth: Float32Array): number {
  let same = 0;
  for (let i = 0; i < labels.length; i++) if ((labels[i] === 1) === (truth[i] === 1)) same++;
  return Math.max(same, labels.length - same) / labels.length;
}

function absCorrelation(a: Float32Array, b: Float32Array): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]; mb += b[i]; }
  ma /= a.length; mb /= b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) ** 2; sbb += (b[i] - mb) ** 2; }
  return Math.abs(sab / Math.sqrt(saa * sbb));
}

describe("decomposition and clustering", () => {
  const { dataset, truth } = synth.stem4d({
    scanShape: [16, 16], detShape: [32, 32], diskRadius: 2, deflection: 0.5,
    lattice: { g1: [8, 0], g2: [0, 8], orders: 2, intensity: 0.6 },
    domain: { inside: (x, y) => (x - 10) ** 2 + (y - 6) ** 2 < 25, rotation: Math.PI / 6, intensity: 1.5 },
    dose: 5e3, seed: 9,
  });

  test("k-means and GMM on separable blobs", () => {
    const n = 60, pts = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) { const c = i % 3; pts[2 * i] = c * 10 + Math.sin(i); pts[2 * i + 1] = (c === 1 ? 5 : 0) + Math.cos(i * 1.7); }
    const km = kmeans(pts, n, 2, 3, { seed: 1 });
    const g = gmm(pts, n, 2, 3, { seed: 1 });
    for (const labels of [km.labels, g.labels]) {
      for (let i = 3; i < n; i++) expect(labels[i]).toBe(labels[i % 3]);
      expect(new Set(labels).size).toBe(3);
    }
    expect(kmeans(pts, n, 2, 3, { seed: 1 }).labels).toEqual(km.labels); // seeded
    expect(() => kmeans(pts, n, 2, 0)).toThrow(/k must be an integer/);
  });

  test("PCA first component and k-means/GMM cluster maps find the domain", async () => {
    const pca = await patternPCA(dataset, { components: 4, bin: 2 });
    expect(pca.maps[0].width).toBe(16);
    expect(pca.components[0].width).toBe(16);
    expect(pca.explained[0]).toBeGreaterThan(pca.explained[1]);
    expect(absCorrelation(pca.maps[0].data, truth.domain.data)).toBeGreaterThan(0.9);
    const par = await patternPCA(dataset, { components: 4, bin: 2, workers: 2, partitionFrames: 50 });
    const ser = await patternPCA(dataset, { components: 4, bin: 2, workers: 0, partitionFrames: 50 });
    expect(par.scores).toEqual(ser.scores);
    for (const method of ["kmeans", "gmm"] as const) {
      const c = await clusterPatterns(dataset, { clusters: 2, bin: 2, method, seed: 3 });
      const a = agreement(c.labels.data, truth.domain.data);
      console.log(`${method}: cluster map agrees with the true domain on ${(100 * a).toFixed(1)} % of scan positions`);
      expect(a).toBeGreaterThan(0.97);
      expect(c.centroids.length).toBe(2);
    }
  });

  test("NMF separates the two phases", async () => {
    const nmf = await patternNMF(dataset, { components: 2, bin: 2, seed: 1, iterations: 300 });
    expect(nmf.error).toBeLessThan(0.2);
    const best = Math.max(...nmf.maps.map((m) => absCorrelation(m.data, truth.domain.data)));
    console.log(`NMF: relative error ${nmf.error.toFixed(3)}, best |r| of a map with the domain ${best.toFixed(3)}`);
    expect(best).toBeGreaterThan(0.9);
    for (const h of nmf.components) expect(Math.min(...h.data)).toBeGreaterThanOrEqual(0);
  });
});
