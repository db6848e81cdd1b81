/**
 * Low-rank (truncated SVD) denoising of an image treated as a height×width
 * matrix: keeps the `rank` strongest singular components. Lattice images are
 * nearly low-rank along their rows and columns, shot noise is not. This is
 * what Atomap's `get_atom_positions(..., pca=True)` does (scikit-learn
 * `TruncatedSVD`, 22 components, uncentred). Computed by randomized subspace
 * iteration (N. Halko, P.-G. Martinsson, J. Tropp, SIAM Review 53, 2011) with
 * oversampling 10 and 4 power iterations, then an exact eigen-decomposition of
 * the small projected Gram matrix (cyclic Jacobi). O(w·h·rank). Seeded.
 */
import { Image } from "./image";

function jacobiEig(A: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A), v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-22 * (1 + a.reduce((s, x) => s + x * x, 0))) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = a[p * n + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) {
        const akp = a[k * n + p], akq = a[k * n + q];
        a[k * n + p] = c * akp - s * akq; a[k * n + q] = s * akp + c * akq;
      }
      for (let k = 0; k < n; k++) {
        const apk = a[p * n + k], aqk = a[q * n + k];
        a[p * n + k] = c * apk - s * aqk; a[q * n + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < n; k++) {
        const vkp = v[k * n + p], vkq = v[k * n + q];
        v[k * n + p] = c * vkp - s * vkq; v[k * n + q] = s * vkp + c * vkq;
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** Orthonormalise the columns of an m×l row-major matrix in place (modified Gram–Schmidt, twice). */
function orthonormalize(Q: Float64Array, m: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) for (let j = 0; j < l; j++) {
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < m; i++) d += Q[i * l + j] * Q[i * l + k];
      for (let i = 0; i < m; i++) Q[i * l + j] -= d * Q[i * l + k];
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += Q[i * l + j] ** 2;
    nrm = Math.sqrt(nrm) || 1;
    for (let i = 0; i < m; i++) Q[i * l + j] /= nrm;
  }
}

/**
 * Rank-`rank` approximation of the image (rows × columns matrix), as
 * Atomap's PCA denoising. Non-finite pixels must be replaced beforehand.
 * @example const clean = svdDenoise(image, 22);
 */
export function svdDenoise(image: Image, rank: number, seed = 0): Image {
  const { width: w, height: h, data } = image;
  if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`svdDenoise: rank must be a positive integer, got ${rank}`);
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new RangeError(`svdDenoise: pixel ${i} (x=${i % w}, y=${Math.floor(i / w)}) is not finite`);
  const l = Math.min(rank + 10, w, h);
  // Ω: w×l pseudo-random (seeded LCG), Y = A Ω (h×l).
  let s = (seed * 2654435761 + 1) >>> 0;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 - 0.5; };
  const Om = new Float64Array(w * l);
  for (let i = 0; i < Om.length; i++) Om[i] = rnd();
  const Y = new Float64Array(h * l), Z = new Float64Array(w * l);
  const mulA = (X: Float64Array, out: Float64Array) => { // out(h×l) = A X(w×l)
    out.fill(0);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const a = data[y * w + x]; if (a) for (let j = 0; j < l; j++) out[y * l + j] += a * X[x * l + j]; }
  };
  const mulAt = (X: Float64Array, out: Float64Array) => { // out(w×l) = Aᵀ X(h×l)
    out.fill(0);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const a = data[y * w + x]; if (a) for (let j = 0; j < l; j++) out[x * l + j] += a * X[y * l + j]; }
  };
  mulA(Om, Y); orthonormalize(Y, h, l);
  for (let it = 0; it < 4; it++) { mulAt(Y, Z); orthonormalize(Z, w, l); mulA(Z, Y); orthonormalize(Y, h, l); }
  // B = Qᵀ A (l×w); Gram B Bᵀ (l×l) = Uβ Σ² Uβᵀ.
  mulAt(Y, Z); // Z = Aᵀ Q (w×l) = Bᵀ
  const G = new Float64Array(l * l);
  for (let x = 0; x < w; x++) for (let i = 0; i < l; i++) { const zi = Z[x * l + i]; for (let j = 0; j < l; j++) G[i * l + j] += zi * Z[x * l + j]; }
  const { values, vectors } = jacobiEig(G, l);
  const order = Array.from({ length: l }, (_, i) => i).sort((a, b) => values[b] - values[a]).slice(0, Math.min(rank, l));
  // U_k = Q Uβ[:, k] (h×k); approx = U_k (U_kᵀ A) = U_k (Uβ_kᵀ B).
  const k = order.length;
  const U = new Float64Array(h * k);
  for (let y = 0; y < h; y++) for (let c = 0; c < k; c++) { let v = 0; for (let i = 0; i < l; i++) v += Y[y * l + i] * vectors[i * l + order[c]]; U[y * k + c] = v; }
  const V = new Float64Array(w * k); // (U_kᵀ A)ᵀ = Bᵀ Uβ_k
  for (let x = 0; x < w; x++) for (let c = 0; c < k; c++) { let v = 0; for (let i = 0; i < l; i++) v += Z[x * l + i] * vectors[i * l + order[c]]; V[x * k + c] = v; }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { let v = 0; for (let c = 0; c < k; c++) v += U[y * k + c] * V[x * k + c]; out[y * w + x] = v; }
  return image.calibration ? { data: out, width: w, height: h, calibration: image.calibration } : { data: out, width: w, height: h };
}
