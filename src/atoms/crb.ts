/**
 * Cramér–Rao lower bound on the position of a Gaussian atomic column imaged
 * with Poisson (shot) noise: the smallest standard deviation any unbiased
 * estimator of x0 (or y0) can reach from the pixels of one window.
 *
 * Model (as `synth` renders it, pixel centres at integers):
 *   μ(x, y) = b + N/(2πσ²) · exp(−((x − x0)² + (y − y0)²)/(2σ²)),
 * with N the column's integrated counts (electrons per column), σ the column
 * width and b the background per pixel. For Poisson data the Fisher
 * information is I_ij = Σ_pixels (∂μ/∂θ_i)(∂μ/∂θ_j)/μ (e.g. J. Chao, E. S.
 * Ward, R. J. Ober, "Fisher information theory for parameter estimation in
 * single molecule microscopy: tutorial", JOSA A 33, B36, 2016). The bound is
 * √((I⁻¹)_x0x0) with all of θ = (x0, y0, N, a, b', c, b) unknown (elliptical
 * shape as `findAtoms` fits it: inverse covariance [[a, b'], [b', c]]), averaged
 * in quadrature over sub-pixel positions. Without background and with small
 * pixels it tends to σ/√N.
 */

/** Options of {@link cramerRaoBound}. */
export interface CramerRaoOptions {
  /** Column width σ, pixels. */
  sigma: number;
  /** Integrated counts of the column (electrons per column). */
  counts: number;
  /** Background counts per pixel (default 0). */
  background?: number;
  /** Window radius in pixels over which the data are used (default 4σ). */
  radius?: number;
  /** Fit model whose parameters are all unknown: "elliptical" (default, as findAtoms) or "circular". */
  model?: "elliptical" | "circular";
  /** Number of sub-pixel offsets per axis to average over (default 4). */
  offsets?: number;
}

function invert(M: Float64Array, P: number): Float64Array | null {
  const A = Float64Array.from(M), inv = new Float64Array(P * P);
  for (let i = 0; i < P; i++) inv[i * P + i] = 1;
  for (let c = 0; c < P; c++) {
    let piv = c;
    for (let r = c + 1; r < P; r++) if (Math.abs(A[r * P + c]) > Math.abs(A[piv * P + c])) piv = r;
    if (Math.abs(A[piv * P + c]) < 1e-300) return null;
    if (piv !== c) for (let k = 0; k < P; k++) { let t = A[c * P + k]; A[c * P + k] = A[piv * P + k]; A[piv * P + k] = t; t = inv[c * P + k]; inv[c * P + k] = inv[piv * P + k]; inv[piv * P + k] = t; }
    const d = A[c * P + c];
    for (let k = 0; k < P; k++) { A[c * P + k] /= d; inv[c * P + k] /= d; }
    for (let r = 0; r < P; r++) if (r !== c) {
      const f = A[r * P + c];
      if (f) for (let k = 0; k < P; k++) { A[r * P + k] -= f * A[c * P + k]; inv[r * P + k] -= f * inv[c * P + k]; }
    }
  }
  return inv;
}

/**
 * Cramér–Rao bound on the standard deviation of x0 (pixels; by symmetry the
 * same for y0) of one Gaussian column under Poisson noise. Cost: O(offsets²·r²).
 * @example cramerRaoBound({ sigma: 2, counts: 1e4, background: 5 }) // ≈ 0.02 px
 */
export function cramerRaoBound(options: CramerRaoOptions): number {
  const { sigma, counts } = options;
  const b = options.background ?? 0;
  if (!(sigma > 0)) throw new RangeError(`cramerRaoBound: options.sigma must be > 0 pixels, got ${sigma}`);
  if (!(counts > 0)) throw new RangeError(`cramerRaoBound: options.counts must be > 0, got ${counts}`);
  if (!(b >= 0)) throw new RangeError(`cramerRaoBound: options.background must be >= 0, got ${b}`);
  const R = options.radius ?? 4 * sigma;
  const ell = (options.model ?? "elliptical") === "elliptical";
  const K = Math.max(1, Math.round(options.offsets ?? 4));
  const P = ell ? 7 : 5;
  const a = 1 / (sigma * sigma);
  const A = counts / (2 * Math.PI * sigma * sigma);
  let sumVar = 0;
  const d = new Float64Array(P);
  for (let oy = 0; oy < K; oy++) for (let ox = 0; ox < K; ox++) {
    const x0 = (ox + 0.5) / K - 0.5, y0 = (oy + 0.5) / K - 0.5;
    const F = new Float64Array(P * P);
    const r = Math.ceil(R) + 1;
    for (let y = -r; y <= r; y++) for (let x = -r; x <= r; x++) {
      const dx = x - x0, dy = y - y0;
      if (dx * dx + dy * dy > R * R) continue;
      const e = Math.exp(-0.5 * a * (dx * dx + dy * dy)), g = A * e;
      const mu = b + g;
      if (!(mu > 0)) continue;
      // θ = (x0, y0, amplitude, a, [b', c], background)
      d[0] = g * a * dx; d[1] = g * a * dy; d[2] = e;
      if (ell) { d[3] = -0.5 * g * dx * dx; d[4] = -g * dx * dy; d[5] = -0.5 * g * dy * dy; d[6] = 1; }
      else { d[3] = -0.5 * g * (dx * dx + dy * dy); d[4] = 1; }
      for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) F[i * P + j] += (d[i] * d[j]) / mu;
    }
    if (b === 0) F[(P - 1) * P + (P - 1)] += 1e-12; // background known to be 0 is not estimable from μ>0 pixels alone
    const inv = invert(F, P);
    if (!inv) return NaN;
    sumVar += inv[0];
  }
  return Math.sqrt(sumVar / (K * K));
}
