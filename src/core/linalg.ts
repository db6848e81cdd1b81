/**
 * Dense linear algebra on row-major Float64Array matrices (entry (i, j) of
 * an m×n matrix at [i·n + j]): Cholesky and triangular solves, SPD and
 * general inverses, linear solves, least squares (QR) and ordinary least
 * squares with inference, symmetric eigendecomposition, SVD.
 *
 * Hand-written kernels where they are hot and small (Cholesky inside the
 * atom fits' Levenberg–Marquardt loop, the 3×3 solves of plane and lattice
 * fits, the symmetric eigensolver of PCA); ml-matrix for the SVD; the
 * O(k³) loops of the Gaussian processes' large Cholesky factorisations and
 * inverses in WebAssembly SIMD (src/wasm/assembly/linalg.ts). None of these
 * functions allocate inside their loops.
 */
import { SingularValueDecomposition, Matrix } from "ml-matrix";
import { linalgWasm } from "../wasm/binaries.generated";

/**
 * In-place Cholesky factorisation A = L·Lᵀ of a k×k symmetric matrix whose
 * lower triangle is stored row-major in `a` (the lower triangle gets L; the
 * upper triangle is neither read nor written). Returns -1 on success, else
 * the index of the first pivot that is not above `relTol` times its diagonal
 * entry (that row is numerically a linear combination of the earlier ones;
 * relTol = 0: A is not positive definite). O(k³/3), allocation-free.
 * Reference: Golub & Van Loan, Matrix Computations, 4th ed., Alg. 4.2.1.
 */
export function cholesky(a: Float64Array, k: number, relTol = 0): number {
  for (let j = 0; j < k; j++) {
    const diagonal = a[j * k + j];
    let d = diagonal;
    for (let m = 0; m < j; m++) d -= a[j * k + m] * a[j * k + m];
    if (!(d > relTol * diagonal)) return j;
    d = Math.sqrt(d);
    a[j * k + j] = d;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j];
      for (let m = 0; m < j; m++) s -= a[i * k + m] * a[j * k + m];
      a[i * k + j] = s / d;
    }
  }
  return -1;
}

/** Forward substitution: `out` = L⁻¹ b for the lower triangle L of the k×k `L` (row-major). O(k²); `out` may be `b`. */
export function solveLower(L: Float64Array, k: number, b: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let m = 0; m < i; m++) s -= L[i * k + m] * out[m];
    out[i] = s / L[i * k + i];
  }
  return out;
}

/** Back substitution with the transpose: `out` = L⁻ᵀ b for the lower triangle L of `L`. O(k²); `out` may be `b`. */
export function solveLowerTransposed(L: Float64Array, k: number, b: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i];
    for (let m = i + 1; m < k; m++) s -= L[m * k + i] * out[m];
    out[i] = s / L[i * k + i];
  }
  return out;
}

/** Solve L·Lᵀ·x = b with a factor from {@link cholesky}; `work` is scratch of length k. O(k²). */
export function choleskySolve(L: Float64Array, k: number, b: ArrayLike<number>, out: Float64Array = new Float64Array(k), work: Float64Array = new Float64Array(k)): Float64Array {
  solveLower(L, k, b, work);
  return solveLowerTransposed(L, k, work, out);
}

/**
 * Inverse of a symmetric positive definite k×k matrix (full storage; only
 * the lower triangle is read) by Cholesky; null when it is not positive
 * definite. O(k³). The input is not modified.
 */
export function invertSPD(a: Float64Array, k: number): Float64Array | null {
  const L = Float64Array.from(a.subarray(0, k * k));
  if (cholesky(L, k) >= 0) return null;
  const inv = new Float64Array(k * k), e = new Float64Array(k), z = new Float64Array(k), col = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    e.fill(0);
    e[j] = 1;
    choleskySolve(L, k, e, col, z);
    for (let i = 0; i < k; i++) inv[i * k + j] = col[i];
  }
  return inv;
}

/**
 * Inverse of a general k×k matrix by Gauss–Jordan elimination with partial
 * pivoting; null when singular (a pivot below 1e-300). O(k³); allocates a
 * k×2k work matrix. For symmetric positive definite matrices prefer
 * {@link invertSPD}.
 */
export function invert(a: Float64Array, k: number, out: Float64Array = new Float64Array(k * k)): Float64Array | null {
  const w = 2 * k;
  const m = new Float64Array(k * w);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) m[i * w + j] = a[i * k + j];
    m[i * w + k + i] = 1;
  }
  for (let c = 0; c < k; c++) {
    let piv = c;
    let best = Math.abs(m[c * w + c]);
    for (let r = c + 1; r < k; r++) {
      const v = Math.abs(m[r * w + c]);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (best < 1e-300) return null;
    if (piv !== c)
      for (let j = 0; j < w; j++) {
        const t = m[c * w + j];
        m[c * w + j] = m[piv * w + j];
        m[piv * w + j] = t;
      }
    const inv = 1 / m[c * w + c];
    for (let j = 0; j < w; j++) m[c * w + j] *= inv;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r * w + c];
      if (f === 0) continue;
      for (let j = 0; j < w; j++) m[r * w + j] -= f * m[c * w + j];
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[i * k + j] = m[i * w + k + j];
  return out;
}

/**
 * Solve the k×k system A x = b by Gaussian elimination with partial
 * pivoting; null when a pivot's magnitude is below `pivotTol` (default
 * 1e-300: exactly singular). `A` and `b` are not modified. O(k³) (the 3×3
 * plane and lattice fits use it too).
 */
export function solve(A: ArrayLike<number>, b: ArrayLike<number>, k: number, pivotTol = 1e-300): Float64Array | null {
  const M = Float64Array.from({ length: k * k }, (_, i) => A[i]);
  const x = Float64Array.from({ length: k }, (_, i) => b[i]);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r * k + c]) > Math.abs(M[piv * k + c])) piv = r;
    if (!(Math.abs(M[piv * k + c]) >= pivotTol)) return null;
    if (piv !== c) {
      for (let j = 0; j < k; j++) {
        const t = M[c * k + j];
        M[c * k + j] = M[piv * k + j];
        M[piv * k + j] = t;
      }
      const t = x[c];
      x[c] = x[piv];
      x[piv] = t;
    }
    for (let r = c + 1; r < k; r++) {
      const f = M[r * k + c] / M[c * k + c];
      if (f === 0) continue;
      for (let j = c; j < k; j++) M[r * k + j] -= f * M[c * k + j];
      x[r] -= f * x[c];
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = x[r];
    for (let j = r + 1; j < k; j++) s -= M[r * k + j] * x[j];
    x[r] = s / M[r * k + r];
  }
  return x;
}

/** Thin QR factorisation of {@link qr}: Q (m×n, orthonormal columns) and R (n×n, upper triangular), row-major. */
export interface QR {
  Q: Float64Array;
  R: Float64Array;
}

/**
 * Thin QR factorisation A = Q·R of an m×n matrix (m ≥ n) by Householder
 * reflections (Golub & Van Loan, Alg. 5.2.1), with R's diagonal made
 * non-negative. O(2mn² − 2n³/3). Throws when m < n.
 */
export function qr(A: ArrayLike<number>, m: number, n: number): QR {
  if (!(m >= n)) throw new RangeError(`qr: needs rows m >= columns n, got ${m}×${n}`);
  if (A.length !== m * n) throw new RangeError(`qr: A has ${A.length} values, m×n = ${m}×${n} = ${m * n}`);
  const W = Float64Array.from(A); // overwritten by R above the diagonal and the Householder vectors below
  const beta = new Float64Array(n), rdiag = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let norm = 0;
    for (let i = j; i < m; i++) norm = Math.hypot(norm, W[i * n + j]);
    if (norm === 0) { beta[j] = 0; rdiag[j] = 0; continue; }
    const alpha = W[j * n + j] > 0 ? -norm : norm; // v = x − alpha e₁, no cancellation
    W[j * n + j] -= alpha;
    let vv = 0;
    for (let i = j; i < m; i++) vv += W[i * n + j] * W[i * n + j];
    beta[j] = 2 / vv;
    rdiag[j] = alpha;
    for (let c = j + 1; c < n; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += W[i * n + j] * W[i * n + c];
      s *= beta[j];
      for (let i = j; i < m; i++) W[i * n + c] -= s * W[i * n + j];
    }
  }
  const R = new Float64Array(n * n), Q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) {
    R[i * n + i] = rdiag[i];
    for (let c = i + 1; c < n; c++) R[i * n + c] = W[i * n + c];
  }
  // Q = H₀ H₁ … H_{n−1} applied to the first n columns of the identity, last reflection first.
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let j = n - 1; j >= 0; j--) {
    if (beta[j] === 0) continue;
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += W[i * n + j] * Q[i * n + c];
      s *= beta[j];
      for (let i = j; i < m; i++) Q[i * n + c] -= s * W[i * n + j];
    }
  }
  // Non-negative diagonal: flip the sign of row i of R and column i of Q together.
  for (let i = 0; i < n; i++) {
    if (R[i * n + i] >= 0) continue;
    for (let c = i; c < n; c++) R[i * n + c] = -R[i * n + c];
    for (let r = 0; r < m; r++) Q[r * n + i] = -Q[r * n + i];
  }
  return { Q, R };
}

/**
 * Least-squares solution x (length n) minimising ‖A x − b‖₂ for an m×n
 * matrix A (row-major, m ≥ n, full column rank) by {@link qr}: x = R⁻¹ Qᵀ b,
 * which avoids squaring the condition number as the normal equations do.
 * Also returns the residual sum of squares. Throws, naming the column, when
 * A is rank-deficient (|R_jj| ≤ 1e-12·max|R_ii|) instead of returning an
 * arbitrary solution. O(mn²).
 * @example const { x } = lstsq(design, nRows, 3, z); // plane z = x0 + x1·col + x2·row
 */
export function lstsq(A: ArrayLike<number>, m: number, n: number, b: ArrayLike<number>): { x: Float64Array; rss: number } {
  if (b.length !== m) throw new RangeError(`lstsq: b has ${b.length} values, A has ${m} rows`);
  const { Q, R } = qr(A, m, n);
  let big = 0;
  for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(R[i * n + i]));
  for (let i = 0; i < n; i++) if (!(Math.abs(R[i * n + i]) > 1e-12 * big)) throw new RangeError(`lstsq: A is rank-deficient: column ${i} is (numerically) a combination of columns 0..${i - 1}`);
  const x = new Float64Array(n);
  for (let c = 0; c < n; c++) { let s = 0; for (let r = 0; r < m; r++) s += Q[r * n + c] * b[r]; x[c] = s; }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let c = i + 1; c < n; c++) s -= R[i * n + c] * x[c];
    x[i] = s / R[i * n + i];
  }
  let rss = 0;
  for (let r = 0; r < m; r++) {
    let e = b[r];
    for (let c = 0; c < n; c++) e -= A[r * n + c] * x[c];
    rss += e * e;
  }
  return { x, rss };
}

/**
 * Ordinary least squares of y on the columns X, with intercept, as a
 * regression for inference: coefficients (without intercept), intercept,
 * residual sum of squares, the coefficient covariance σ̂²(XᵀX)⁻¹ with
 * σ̂² = RSS/(n − k − 1) (centred cross products, Gauss–Jordan inverse) and
 * the residual degrees of freedom. Throws when the regressors are perfectly
 * collinear. O(n k² + k³). For a plain least-squares solve use {@link lstsq}.
 */
export function ols(y: Float64Array, X: Float64Array[]): { coef: Float64Array; intercept: number; rss: number; covCoef: Float64Array; df: number } {
  const n = y.length;
  const k = X.length;
  const columnMean = (c: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < c.length; i++) s += c[i];
    return s / c.length;
  };
  const my = columnMean(y);
  const mx = X.map(columnMean);
  const XtX = new Float64Array(k * k);
  const Xty = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    const ca = X[a];
    for (let b = a; b < k; b++) {
      const cb = X[b];
      let s = 0;
      for (let i = 0; i < n; i++) s += (ca[i] - mx[a]) * (cb[i] - mx[b]);
      XtX[a * k + b] = s;
      XtX[b * k + a] = s;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += (ca[i] - mx[a]) * (y[i] - my);
    Xty[a] = s;
  }
  const inv = k ? invert(XtX, k) : new Float64Array(0);
  if (!inv) throw new Error("ols: the regressors are perfectly collinear (singular XᵀX)");
  const coef = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    let s = 0;
    for (let b = 0; b < k; b++) s += inv[a * k + b] * Xty[b];
    coef[a] = s;
  }
  let intercept = my;
  for (let a = 0; a < k; a++) intercept -= coef[a] * mx[a];
  let rss = 0;
  for (let i = 0; i < n; i++) {
    let r = y[i] - intercept;
    for (let a = 0; a < k; a++) r -= coef[a] * X[a][i];
    rss += r * r;
  }
  const df = n - k - 1;
  const s2 = rss / df;
  const covCoef = new Float64Array(k * k);
  for (let i = 0; i < k * k; i++) covCoef[i] = inv[i] * s2;
  return { coef, intercept, rss, covCoef, df };
}

/**
 * Eigendecomposition of a symmetric n×n matrix (row-major, overwritten):
 * eigenvalues `values` (unsorted) and eigenvectors as rows of `vecs`
 * (vecs[i·n + k] = component k of the vector of values[i]). Householder
 * tridiagonalisation + implicit QL (tred2/tql2 of EISPACK, as ported in
 * JAMA — the algorithm ml-matrix's EigenvalueDecomposition also runs, here
 * on flat arrays: the same eigenvalues bit for bit, 1.3× faster at n = 256 and
 * 2.4× at n = 512). O(n³).
 */
export function symmetricEigen(A: Float64Array, n: number): { values: Float64Array; vecs: Float64Array } {
  const V = A; // tred2 works in place on V[i][j] = V[i*n + j]
  const d = new Float64Array(n), e = new Float64Array(n);
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  // Householder reduction to tridiagonal form.
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) { d[j] = V[(i - 1) * n + j]; V[i * n + j] = 0; V[j * n + i] = 0; }
    } else {
      for (let k = 0; k < i; k++) { d[k] /= scale; h += d[k] * d[k]; }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) { g += V[k * n + j] * d[k]; e[k] += V[k * n + j] * f; }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] /= h; f += e[j] * d[j]; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j]; g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) { d[j] = V[(n - 1) * n + j]; V[(n - 1) * n + j] = 0; }
  V[n * n - 1] = 1;
  e[0] = 0;
  // Eigenvectors as rows (W[i][k] = V[k][i]) so that the QL rotations touch contiguous memory.
  const W = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) W[i * n + k] = V[k * n + i];
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  tridiagonalQL(d, e, W, n);
  return { values: d, vecs: W };
}

/**
 * Implicit QL on the symmetric tridiagonal n×n matrix with diagonal `d` and
 * off-diagonal e[i] = T[i][i+1] (e[n−1] ignored), both overwritten: `d` gets the eigenvalues
 * (unsorted) and each rotation of eigenvector rows i, i+1 is applied to the rows of the
 * n×`cols` matrix `W`: starting from the n×n identity, row i ends as eigenvector i; starting
 * from the last column of the identity (cols = 1), W[i] ends as the last component of
 * eigenvector i, in O(n²) (tql2 of EISPACK, as ported in JAMA). Throws after 60 sweeps on one eigenvalue.
 */
export function tridiagonalQL(d: Float64Array, e: Float64Array, W: Float64Array, cols: number): void {
  const n = d.length;
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) { if (Math.abs(e[m]) <= eps * tst1) break; m++; }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error("tridiagonalQL: QL iteration did not converge");
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = c, c3 = c, s = 0, s2 = 0;
        const el1 = e[l + 1];
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          g = c * e[i]; h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r; c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          const a = i * cols, b = (i + 1) * cols;
          for (let k = 0; k < cols; k++) { const t = W[b + k]; W[b + k] = s * W[a + k] + c * t; W[a + k] = c * W[a + k] - s * t; }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p; d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Thin singular value decomposition of {@link svd}: A = U·diag(s)·Vᵀ, U m×r, V n×r (row-major), s descending, r = min(m, n). */
export interface SVD {
  U: Float64Array;
  s: Float64Array;
  V: Float64Array;
  rank: number;
}

/**
 * Thin SVD of an m×n matrix (row-major) by ml-matrix's
 * SingularValueDecomposition (Golub–Kahan–Reinsch, as JAMA); `rank` counts
 * singular values above max(m, n)·ε·s₀. O(mn·min(m, n)).
 */
export function svd(A: ArrayLike<number>, m: number, n: number): SVD {
  if (A.length !== m * n) throw new RangeError(`svd: A has ${A.length} values, m×n = ${m}×${n} = ${m * n}`);
  const M = new Matrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) M.set(i, j, A[i * n + j]);
  const dec = new SingularValueDecomposition(M, { autoTranspose: true });
  const r = Math.min(m, n);
  const s = Float64Array.from(dec.diagonal.slice(0, r));
  const Um = dec.leftSingularVectors, Vm = dec.rightSingularVectors;
  const U = new Float64Array(m * r), V = new Float64Array(n * r);
  for (let i = 0; i < m; i++) for (let c = 0; c < r; c++) U[i * r + c] = Um.get(i, c);
  for (let i = 0; i < n; i++) for (let c = 0; c < r; c++) V[i * r + c] = Vm.get(i, c);
  const tol = Math.max(m, n) * 2 ** -52 * (s[0] ?? 0);
  let rank = 0;
  for (let c = 0; c < r; c++) if (s[c] > tol) rank++;
  return { U, s, V, rank };
}

// ---------------------------------------------------------------------------
// Large dense SPD matrices (the Gaussian processes of src/bayes/): blocked
// Cholesky and the inverse from a Cholesky factor. All their O(k³) work is
// one operation, C −= A·Bᵀ over a column range (`DotSub`), run by the
// WebAssembly SIMD kernel of src/wasm/assembly/linalg.ts where the runtime
// has it (the matrices copied into its memory) and by `dotSubJs` otherwise.
// Both sum every dot product in the same order, so the two paths give
// bit-identical results (tests/core/linalg).

/** C[c + r·ldc + q] −= Σ_{m=k0}^{k1−1} A[a + r·lda + m]·B[b + q·ldb + m] for r < rows, q < cols (offsets in elements). */
type DotSub = (C: Float64Array, c: number, ldc: number, A: Float64Array, a: number, lda: number, B: Float64Array, b: number, ldb: number, rows: number, cols: number, k0: number, k1: number) => void;

/**
 * {@link DotSub} in JavaScript, summing as the SIMD kernel does: terms
 * m = k0, k0 + 2, … and k0 + 1, k0 + 3, … in two sums, added, plus the last
 * term when the count is odd.
 */
function dotSubJs(C: Float64Array, c: number, ldc: number, A: Float64Array, a: number, lda: number, B: Float64Array, b: number, ldb: number, rows: number, cols: number, k0: number, k1: number): void {
  const end = k0 + ((k1 - k0) & ~1), odd = (k1 - k0) & 1;
  for (let r = 0; r < rows; r++) {
    const pa = a + r * lda, pc = c + r * ldc;
    for (let q = 0; q < cols; q++) {
      const pb = b + q * ldb;
      let s0 = 0, s1 = 0;
      for (let m = k0; m < end; m += 2) {
        s0 += A[pa + m] * B[pb + m];
        s1 += A[pa + m + 1] * B[pb + m + 1];
      }
      let t = s0 + s1;
      if (odd) t += A[pa + k1 - 1] * B[pb + k1 - 1];
      C[pc + q] -= t;
    }
  }
}

interface LinalgWasm {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  dotsub(c: number, ldc: number, a: number, lda: number, b: number, ldb: number, rows: number, cols: number, k0: number, k1: number): void;
}
/** Matrices with fewer rows run the scalar loops ({@link factorLoops}, {@link inverseLoops}). */
const SIMD_FROM = 256;
/** Matrices beyond this many bytes stay in JavaScript arrays (WebAssembly memory never shrinks). */
const MAX_WASM_BYTES = 512 * 2 ** 20;
let simd: LinalgWasm | null | undefined;

/** `count` k×k float64 matrices in the SIMD kernel's memory (contents undefined; valid until the next call), or null without WebAssembly SIMD or beyond 512 MiB. */
function wasmMatrices(k: number, count: number): Float64Array[] | null {
  if (simd === undefined) {
    try {
      const WA = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => unknown; Instance: new (m: unknown, i: object) => { exports: LinalgWasm } } }).WebAssembly;
      simd = new WA.Instance(new WA.Module(linalgWasm()), {}).exports;
    } catch {
      simd = null;
    }
  }
  const bytes = k * k * 8 * count;
  if (!simd || bytes > MAX_WASM_BYTES) return null;
  if (bytes > simd.memory.buffer.byteLength) {
    try {
      simd.memory.grow(Math.ceil((bytes - simd.memory.buffer.byteLength) / 65536));
    } catch {
      return null; // the engine refused the memory: JavaScript arrays instead
    }
  }
  const buf = simd.memory.buffer;
  return Array.from({ length: count }, (_, i) => new Float64Array(buf, i * k * k * 8, k * k));
}

/** {@link DotSub} by the SIMD kernel, for arrays that are views of its memory. */
const dotSubWasm: DotSub = (C, c, ldc, A, a, lda, B, b, ldb, rows, cols, k0, k1) =>
  simd!.dotsub(C.byteOffset + 8 * c, ldc, A.byteOffset + 8 * a, lda, B.byteOffset + 8 * b, ldb, rows, cols, k0, k1);

/**
 * Cholesky A = L·Lᵀ as {@link cholesky} (lower triangle of the row-major k×k
 * `a` overwritten by L, the upper triangle neither read nor written; returns
 * -1 or the first failing pivot, relative to `relTol` times its diagonal
 * entry), left-looking in block columns of `block` columns: each block
 * column is first updated by all earlier columns at once (dot products of
 * contiguous rows, 2×4 at a time in WebAssembly SIMD), then factored column
 * by column. O(k³/3) flops; the rounding differs from {@link cholesky} only in
 * the order of the sums. Uses k²·8 bytes of WebAssembly memory (kept for the
 * next call) up to k ≈ 8000; below 256 rows, scalar loops ({@link factorLoops}).
 * Reference: Golub & Van Loan, Matrix Computations, 4th ed., §4.2.9.
 */
export function choleskyBlocked(a: Float64Array, k: number, relTol = 0, block = 48): number {
  if (k < SIMD_FROM) return factorLoops(a, k, relTol, block);
  return wasmMatrices(k, 1) ? denseBlocked.simd.choleskyBlocked(a, k, relTol, block) : factorBlocked(a, k, relTol, block, dotSubJs);
}

/** {@link choleskyBlocked} in place on `a` with the given {@link DotSub}. */
function factorBlocked(a: Float64Array, k: number, relTol: number, block: number, dot: DotSub): number {
  const diag0 = new Float64Array(k);
  for (let j = 0; j < k; j++) diag0[j] = a[j * k + j];
  for (let j0 = 0; j0 < k; j0 += block) {
    const j1 = Math.min(k, j0 + block);
    if (j0 > 0) {
      // a[i][c] −= Σ_{m<j0} a[i][m]·a[c][m] for c ∈ [j0, j1), c ≤ i: the diagonal block row by row, then the rows below
      for (let i = j0; i < j1; i++) dot(a, i * k + j0, k, a, i * k, k, a, j0 * k, k, 1, i - j0 + 1, 0, j0);
      if (j1 < k) dot(a, j1 * k + j0, k, a, j1 * k, k, a, j0 * k, k, k - j1, j1 - j0, 0, j0);
    }
    for (let c = j0; c < j1; c++) {
      const rc = c * k;
      if (c > j0) dot(a, rc + c, k, a, rc, k, a, rc, k, 1, 1, j0, c);
      let d = a[rc + c];
      if (!(d > relTol * diag0[c])) return c;
      d = Math.sqrt(d);
      a[rc + c] = d;
      if (c + 1 === k) continue;
      if (c > j0) dot(a, rc + k + c, k, a, rc + k, k, a, rc, k, k - c - 1, 1, j0, c);
      for (let i = c + 1; i < k; i++) a[i * k + c] /= d;
    }
  }
  return -1;
}

/** Block size of the triangular inverse and the product in {@link choleskyInverse}. */
const INVERSE_BLOCK = 48;

/**
 * (L·Lᵀ)⁻¹ (full symmetric k×k, row-major) from the lower-triangular factor
 * L of {@link cholesky}/{@link choleskyBlocked} (only L's lower triangle is
 * read): U = L⁻ᵀ (row j of U solves L·x = e_j, blocked over columns as in
 * {@link choleskyBlocked}), then U·Uᵀ (entry (a, b) the dot product of U's
 * rows a and b from column max(a, b)), as LAPACK's dpotri (dtrtri +
 * dlauum). About 2k³/3 flops, in WebAssembly SIMD where available (2k²·8
 * bytes of its memory, kept for the next call, up to k ≈ 5800); allocates
 * the k×k result (and U without SIMD). Below 256 rows, scalar loops ({@link inverseLoops}).
 * Reference: Golub & Van Loan, Matrix Computations, 4th ed., §3.1 and §4.2; LAPACK dpotri.
 */
export function choleskyInverse(L: Float64Array, k: number): Float64Array {
  if (k < SIMD_FROM) return inverseLoops(L, k);
  const w = wasmMatrices(k, 2);
  return w ? inverseSimd(L, k, w) : inverseJs(L, k);
}

/** {@link choleskyInverse} by the SIMD kernel in the two matrices `w` of its memory. */
function inverseSimd(L: Float64Array, k: number, w: Float64Array[]): Float64Array {
  const [R, U] = w;
  R.set(L.subarray(0, k * k));
  U.fill(0);
  inverseTransposed(R, U, k, dotSubWasm);
  R.fill(0);
  gramOfRows(U, R, k, dotSubWasm);
  return R.slice();
}

/**
 * U = L⁻ᵀ into the zero-filled `U` (upper triangle, row-major): U[j][i] =
 * (δ_ij − Σ_{j≤m<i} L[i][m]·U[j][m]) / L[i][i], the columns i in blocks, the
 * sums over earlier blocks first (pairs of rows j from column j on).
 */
function inverseTransposed(L: Float64Array, U: Float64Array, k: number, dot: DotSub): void {
  for (let i0 = 0; i0 < k; i0 += INVERSE_BLOCK) {
    const i1 = Math.min(k, i0 + INVERSE_BLOCK);
    for (let j = 0; j < i0; j += 2) dot(U, j * k + i0, k, U, j * k, k, L, i0 * k, k, Math.min(2, i0 - j), i1 - i0, j, i0);
    for (let i = i0; i < i1; i++) {
      if (i > i0) dot(U, i, k, U, 0, k, L, i * k, k, i, 1, i0, i); // U[j][m] = 0 for m < j
      const d = L[i * k + i];
      for (let j = 0; j < i; j++) U[j * k + i] /= d;
      U[i * k + i] = 1 / d;
    }
  }
}

/**
 * W = U·Uᵀ (full symmetric) for the upper-triangular U into the zero-filled
 * `W`: W[a][b] = Σ_{i ≥ max(a, b)} U[a][i]·U[b][i], column blocks of W, pairs
 * of rows a from column a on; computed negated by {@link DotSub}, then
 * negated and mirrored.
 */
function gramOfRows(U: Float64Array, W: Float64Array, k: number, dot: DotSub): void {
  for (let b0 = 0; b0 < k; b0 += INVERSE_BLOCK) {
    const b1 = Math.min(k, b0 + INVERSE_BLOCK);
    for (let a = b0; a < k; a += 2) dot(W, a * k + b0, k, U, a * k, k, U, b0 * k, k, Math.min(2, k - a), b1 - b0, a, k);
  }
  const T = 32; // tiles, so that the mirrored writes stay in cache
  for (let a0 = 0; a0 < k; a0 += T)
    for (let b0 = 0; b0 <= a0; b0 += T)
      for (let a = a0; a < Math.min(k, a0 + T); a++)
        for (let b = b0; b < Math.min(a + 1, b0 + T); b++) {
          const v = -W[a * k + b];
          W[a * k + b] = v;
          W[b * k + a] = v;
        }
}

/** @internal The blocked paths of {@link choleskyBlocked} and {@link choleskyInverse} at any size: `js` (JavaScript twin) and `simd` (null without WebAssembly SIMD); tests compare them bit for bit. */
export const denseBlocked = {
  js: {
    choleskyBlocked: (a: Float64Array, k: number, relTol = 0, block = 48): number => factorBlocked(a, k, relTol, block, dotSubJs),
    choleskyInverse: (L: Float64Array, k: number): Float64Array => inverseJs(L, k),
  },
  simd: {
    choleskyBlocked: (a: Float64Array, k: number, relTol = 0, block = 48): number => {
      const R = wasmMatrices(k, 1)![0];
      R.set(a.subarray(0, k * k));
      const pivot = factorBlocked(R, k, relTol, block, dotSubWasm);
      for (let i = 0; i < k; i++) a.set(R.subarray(i * k, i * k + i + 1), i * k);
      return pivot;
    },
    choleskyInverse: (L: Float64Array, k: number): Float64Array => inverseSimd(L, k, wasmMatrices(k, 2)!),
  },
};

/** {@link choleskyInverse} in JavaScript arrays. */
function inverseJs(L: Float64Array, k: number): Float64Array {
  const U = new Float64Array(k * k), W = new Float64Array(k * k);
  inverseTransposed(L, U, k, dotSubJs);
  gramOfRows(U, W, k, dotSubJs);
  return W;
}

/**
 * Below {@link SIMD_FROM} rows, {@link choleskyBlocked} and {@link
 * choleskyInverse} run these scalar loops (no copies into WebAssembly
 * memory; the results of small problems, e.g. seeded NUTS chains on GP
 * hyperparameters, stay those of the loops' summation order). Cholesky in
 * block columns, four dot products per row read; the inverse as L⁻¹ by rows
 * (four rows share each read of an earlier row), then U·Uᵀ with U = L⁻ᵀ.
 */
function factorLoops(a: Float64Array, k: number, relTol: number, block: number): number {
  const diag0 = new Float64Array(k);
  for (let j = 0; j < k; j++) diag0[j] = a[j * k + j];
  for (let j0 = 0; j0 < k; j0 += block) {
    const j1 = Math.min(k, j0 + block);
    if (j0 > 0)
      for (let i = j0; i < k; i++) {
        const ri = i * k, cEnd = Math.min(j1, i + 1);
        let c = j0;
        for (; c + 3 < cEnd; c += 4) {
          const r0 = c * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let m = 0; m < j0; m++) {
            const v = a[ri + m];
            s0 += v * a[r0 + m];
            s1 += v * a[r1 + m];
            s2 += v * a[r2 + m];
            s3 += v * a[r3 + m];
          }
          a[ri + c] -= s0;
          a[ri + c + 1] -= s1;
          a[ri + c + 2] -= s2;
          a[ri + c + 3] -= s3;
        }
        for (; c < cEnd; c++) {
          const rc = c * k;
          let s = 0;
          for (let m = 0; m < j0; m++) s += a[ri + m] * a[rc + m];
          a[ri + c] -= s;
        }
      }
    for (let c = j0; c < j1; c++) {
      const rc = c * k;
      let d = a[rc + c];
      for (let m = j0; m < c; m++) d -= a[rc + m] * a[rc + m];
      if (!(d > relTol * diag0[c])) return c;
      d = Math.sqrt(d);
      a[rc + c] = d;
      for (let i = c + 1; i < k; i++) {
        const ri = i * k;
        let s = a[ri + c];
        for (let m = j0; m < c; m++) s -= a[ri + m] * a[rc + m];
        a[ri + c] = s / d;
      }
    }
  }
  return -1;
}

/** (L·Lᵀ)⁻¹ from the factor by the scalar loops (see {@link factorLoops}). */
function inverseLoops(L: Float64Array, k: number): Float64Array {
  const M = new Float64Array(k * k); // M = L⁻¹, lower, row-major: row i = (e_i − Σ_{m<i} L[i][m]·row m)/L[i][i]
  let i0 = 0;
  for (; i0 + 3 < k; i0 += 4) { // four rows share each read of row m < i0
    const q0 = i0 * k, q1 = q0 + k, q2 = q1 + k, q3 = q2 + k;
    for (let m = 0; m < i0; m++) {
      const l0 = L[q0 + m], l1 = L[q1 + m], l2 = L[q2 + m], l3 = L[q3 + m], rm = m * k;
      for (let j = 0; j <= m; j++) {
        const v = M[rm + j];
        M[q0 + j] -= l0 * v;
        M[q1 + j] -= l1 * v;
        M[q2 + j] -= l2 * v;
        M[q3 + j] -= l3 * v;
      }
    }
    for (let i = i0; i < i0 + 4; i++) finishRow(L, M, k, i, i0);
  }
  for (let i = i0; i < k; i++) finishRow(L, M, k, i, 0);
  const U = new Float64Array(k * k); // U = Mᵀ = L⁻ᵀ, upper
  for (let i = 0; i < k; i++) for (let a = 0; a <= i; a++) U[a * k + i] = M[i * k + a];
  const out = M; // (L Lᵀ)⁻¹[a][b] = Σ_{i ≥ max(a,b)} U[a][i] U[b][i]; U is zero below its diagonal
  out.fill(0);
  let a0 = 0;
  for (; a0 + 3 < k; a0 += 4) { // four rows a share each read of row b
    const p0 = a0 * k, p1 = p0 + k, p2 = p1 + k, p3 = p2 + k;
    for (let b = 0; b <= a0 + 3; b++) {
      const rb = b * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = a0; i < k; i++) {
        const v = U[rb + i];
        s0 += v * U[p0 + i];
        s1 += v * U[p1 + i];
        s2 += v * U[p2 + i];
        s3 += v * U[p3 + i];
      }
      out[p0 + b] = s0;
      out[p1 + b] = s1;
      out[p2 + b] = s2;
      out[p3 + b] = s3;
    }
  }
  for (let a = a0; a < k; a++) {
    const ra = a * k;
    for (let b = 0; b <= a; b++) {
      const rb = b * k;
      let s = 0;
      for (let i = a; i < k; i++) s += U[ra + i] * U[rb + i];
      out[ra + b] = s;
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) out[b * k + a] = out[a * k + b];
  return out;
}

/** Row i of L⁻¹ in {@link inverseLoops}: subtract rows m ∈ [from, i), add e_i, divide by L[i][i]. */
function finishRow(L: Float64Array, M: Float64Array, k: number, i: number, from: number): void {
  const ri = i * k;
  for (let m = from; m < i; m++) {
    const l = L[ri + m];
    if (l === 0) continue;
    const rm = m * k;
    for (let j = 0; j <= m; j++) M[ri + j] -= l * M[rm + j];
  }
  M[ri + i] += 1;
  const inv = 1 / L[ri + i];
  for (let j = 0; j <= i; j++) M[ri + j] *= inv;
}
