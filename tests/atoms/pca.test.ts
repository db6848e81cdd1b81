/**
 * pcaDenoise: the exact rank-k truncated SVD used by findAtoms' `denoise`
 * (Atomap's pca=True). Checked by properties that hold only for the exact
 * truncation: a rank-r image is returned unchanged for k ≥ r, the residual is
 * orthogonal to the approximation, the Eckart–Young residual equals the sum
 * of the discarded squared singular values (from symmetricEigen of the Gram
 * matrix). The Lanczos path
 * (short side > 4k + 32) is compared with the dense exact truncation
 * computed here, and on the Au nanoparticle with numpy.linalg.svd.
 */
import { makeImage, findAtoms, synth, readImage, Image } from "causalscope";
import { pcaDenoise } from "../../src/atoms";
import { symmetricEigen } from "../../src/core/linalg";
import { describeWithData } from "../helpers/shared-data";

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 - 0.5; };
}

function randomImage(w: number, h: number, rank: number, noise: number, seed: number) {
  const r = lcg(seed), d = new Float32Array(w * h);
  for (let c = 0; c < rank; c++) {
    const u = Array.from({ length: h }, r), v = Array.from({ length: w }, r), s = 10 * (rank - c);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] += s * u[y] * v[x];
  }
  for (let i = 0; i < d.length; i++) d[i] += noise * r();
  return makeImage(d, w, h);
}

const ss = (a: ArrayLike<number>, b?: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += (a[i] - (b ? b[i] : 0)) ** 2; return s; };

/** The exact rank-k truncation by the dense route (Gram matrix over the short side, symmetricEigen), in double precision. */
function denseTruncation(image: Image, k: number): Float64Array {
  const { width: w, height: h, data } = image;
  const byRows = h <= w, m = byRows ? h : w, n = byRows ? w : h;
  const at = (a: number, j: number) => (byRows ? data[a * w + j] : data[j * w + a]);
  const G = new Float64Array(m * m);
  for (let a = 0; a < m; a++) for (let b = a; b < m; b++) { let s = 0; for (let j = 0; j < n; j++) s += at(a, j) * at(b, j); G[a * m + b] = G[b * m + a] = s; }
  const { values, vecs } = symmetricEigen(G, m);
  const top = Array.from({ length: m }, (_, i) => i).sort((p, q) => values[q] - values[p]).slice(0, k);
  const out = new Float64Array(w * h);
  for (const c of top) {
    const u = vecs.subarray(c * m, (c + 1) * m);
    for (let j = 0; j < n; j++) {
      let p = 0;
      for (let a = 0; a < m; a++) p += u[a] * at(a, j);
      for (let a = 0; a < m; a++) out[byRows ? a * w + j : j * w + a] += u[a] * p;
    }
  }
  return out;
}

describe("pcaDenoise / symmetricEigen", () => {
  it("symmetricEigen diagonalises a symmetric matrix (A v = λ v, orthonormal v)", () => {
    const n = 7, r = lcg(3), A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = r();
    const { values, vecs } = symmetricEigen(Float64Array.from(A), n);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < n; a++) {
        let Av = 0;
        for (let b = 0; b < n; b++) Av += A[a * n + b] * vecs[i * n + b];
        expect(Av).toBeCloseTo(values[i] * vecs[i * n + a], 10);
      }
      for (let j = 0; j < n; j++) { let d = 0; for (let k = 0; k < n; k++) d += vecs[i * n + k] * vecs[j * n + k]; expect(d).toBeCloseTo(i === j ? 1 : 0, 10); }
    }
  });
  for (const [w, h] of [[40, 25], [25, 40]]) {
    it(`returns a rank-3 ${w}×${h} image unchanged at k ≥ 3; exact Eckart–Young residual with noise`, () => {
      const clean = randomImage(w, h, 3, 0, 1);
      for (const k of [3, 5]) {
        const p = pcaDenoise(clean, k);
        expect(Math.sqrt(ss(p.data, clean.data) / ss(clean.data))).toBeLessThan(1e-5);
      }
      const noisy = randomImage(w, h, 3, 2, 2);
      const k = 4, p = pcaDenoise(noisy, k);
      // Residual ⟂ approximation.
      let dot = 0;
      for (let i = 0; i < p.data.length; i++) dot += (noisy.data[i] - p.data[i]) * p.data[i];
      expect(Math.abs(dot) / ss(p.data)).toBeLessThan(1e-5);
      // ‖A − A_k‖² = Σ_{i>k} σ_i² (eigenvalues of the Gram matrix over the short side).
      const m = Math.min(w, h), n = Math.max(w, h), G = new Float64Array(m * m);
      const at = (a: number, j: number) => (h <= w ? noisy.data[a * w + j] : noisy.data[j * w + a]);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) { let s = 0; for (let j = 0; j < n; j++) s += at(a, j) * at(b, j); G[a * m + b] = s; }
      const ev = Array.from(symmetricEigen(G, m).values).sort((x, y) => y - x);
      const tail = ev.slice(k).reduce((s, v) => s + v, 0);
      expect(ss(noisy.data, p.data) / tail).toBeCloseTo(1, 4);
    });
  }
  for (const [w, h, k] of [[230, 180, 5], [230, 180, 22], [180, 230, 22]]) {
    it(`Lanczos path (${w}×${h}, k = ${k}) equals the dense exact truncation within 1e-6`, () => {
      // Rank 30 with singular values 10·(30 − c) plus noise: the k-th and (k+1)-th are close, as on real images.
      const im = randomImage(w, h, 30, 3, 5 + k);
      const exact = denseTruncation(im, k), p = pcaDenoise(im, k);
      expect(Math.sqrt(ss(p.data, exact) / ss(exact))).toBeLessThan(1e-6);
    });
  }
  it("a rank-3 image through the Lanczos path (Krylov space closes early): unchanged at k = 5", () => {
    const clean = randomImage(200, 150, 3, 0, 7);
    const p = pcaDenoise(clean, 5);
    expect(Math.sqrt(ss(p.data, clean.data) / ss(clean.data))).toBeLessThan(1e-5);
  });
  it("findAtoms' components (PCA denoising): the exact truncation at any size (780×772 here), no warning, the columns found", () => {
    const big = synth.hexagonal({ width: 780, height: 772, dose: 2000, seed: 3 });
    const a = findAtoms(big.image, { components: 12, refine: false });
    expect(a.parameters.warnings.join(" ")).not.toMatch(/denoise|SVD/);
    expect(a.numRows).toBeGreaterThan(0.95 * big.atoms.x.length);
    expect(a.numRows).toBeLessThanOrEqual(1.01 * big.atoms.x.length);
  });
  it("rejects a bad rank or non-finite pixels", () => {
    const im = randomImage(8, 8, 1, 0, 4);
    expect(() => pcaDenoise(im, 0)).toThrow(/components/);
    const bad = makeImage(Float32Array.from(im.data, (v, i) => (i === 9 ? NaN : v)), 8, 8);
    expect(() => pcaDenoise(bad, 2)).toThrow(/x=1, y=1/);
  });
});

describeWithData("stem/au_np_atom_lattice.hdf5", "pcaDenoise on the Au nanoparticle (504×479) vs numpy.linalg.svd", (path) => {
  it("rank 22: pixels and the Eckart–Young residual as numpy's exact truncation", async () => {
    const image = await readImage(path);
    const p = pcaDenoise(image, 22);
    // numpy 2.4 (float64): U, s, Vt = np.linalg.svd(A); A22 = (U[:, :22] * s[:22]) @ Vt[:22];
    // σ19…σ25 = 5282.80, 5019.71, 4881.32, 4817.80, 4760.52: the 22nd and 23rd differ by 1.3 %.
    const numpy: [number, number, number][] = [[0, 0, 15444.3204], [100, 200, 16190.4018], [239, 251, 16602.0823], [478, 503, 15917.131], [300, 17, 15684.6889], [17, 480, 15430.8004], [250, 250, 16620.2883], [400, 100, 16205.5277]];
    for (const [y, x, v] of numpy) expect(Math.abs(p.data[y * image.width + x] - v) / v).toBeLessThan(1e-6);
    // ‖A − A22‖_F = √Σ_{i>22} σ_i² = 46190.725 (numpy).
    expect(Math.sqrt(ss(image.data, p.data)) / 46190.72534).toBeCloseTo(1, 5);
  });
});
