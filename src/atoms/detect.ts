/**
 * Detection of atomic columns: scale estimate from the image's
 * autocorrelation, noise estimate, and local maxima with a minimum
 * separation and a significance threshold (the approach of
 * `skimage.feature.peak_local_max`, used by Atomap's `get_atom_positions`,
 * with a noise-based default threshold instead of a fixed relative one).
 * x = column, y = row, pixels.
 */
import { Image } from "../image/image";
import { gaussianFilter, laplacianOfGaussian } from "../image/filters";
import { fftPow2, fftPow2Columns } from "../image/fft";
import { quickselect } from "../core/select";
import { latticeBasisFFT } from "./lattice";
import { lstsq, solve } from "../core/linalg";
import { checkChoice } from "../core/options";

/** Result of {@link estimateSpacing}. */
export interface SpacingEstimate {
  /**
   * Nearest-neighbour spacing (pixels): the shortest distance between two
   * distinct columns of the projected structure, whatever their sublattice
   * (graphene: the C–C bond, a/√3; a perovskite along [001] with visible B
   * columns: the A–B distance a/√2; a dumbbell: its two columns), counting
   * every column that stands out in the lattice-averaged unit cell.
   */
  spacing: number;
  /** Length of the shortest lattice vector (pixels): the repeat distance; equals `spacing` on a one-column-per-cell (Bravais) lattice. */
  period: number;
  /** Distinct columns per unit cell found in the lattice average (NaN when `method` is "autocorrelation"). */
  columnsPerCell: number;
  /** Area of the unit cell (px²; NaN when `method` is "autocorrelation"). */
  cellArea: number;
  /** Lattice basis (pixels) and the columns of the averaged cell as fractions (u, v) of it, with pixel (0, 0) as origin (null when `method` is "autocorrelation"). */
  cell: { a1: [number, number]; a2: [number, number]; sites: Array<[number, number]> } | null;
  /** "motif": from the lattice-averaged unit cell; "autocorrelation": the first autocorrelation peak (no lattice basis found). */
  method: "motif" | "autocorrelation";
  /** Radius (pixels) at which the autocorrelation's central peak falls to half its height above the first minimum: ≈ 1.18·σ·√2 for Gaussian columns of width σ. */
  halfWidth: number;
  /** Column width σ (pixels): estimated from `halfWidth`, or, when the averaged cell's columns are unresolved `pairs`, their fitted σ. */
  sigma: number;
  /**
   * Major over minor axis of the most elongated column (1: round): of the fitted elliptical Gaussian in the
   * lattice-averaged cell ("motif"), or of the autocorrelation's central peak ("autocorrelation"; it is
   * elongated as the columns are); NaN when every column of the cell is in a close pair seen with a dip.
   */
  elongation: number;
  /** Columns of the averaged cell that are two columns without a dip between them (dumbbells closer than ~2σ), found from their shape: empty when none. Both columns are in `cell.sites` and count for `spacing`. */
  pairs: MotifPair[];
  /** Why the spacing may be wrong (elongated columns that could be unresolved pairs), and what to pass instead; empty when nothing is doubtful. */
  warnings: string[];
}

/** A column of the lattice-averaged cell resolved as a pair of round columns ({@link SpacingEstimate.pairs}). */
export interface MotifPair {
  /** Centre of the pair as cell fractions (u, v) in [0, 1) (pixel (0, 0) the origin, as `cell.sites`). */
  centre: [number, number];
  /** Half the vector from one column of the pair to the other (pixels). */
  half: [number, number];
  /** Fitted σ of each column (pixels). */
  sigma: number;
}

/**
 * Unnormalised circular autocorrelation of the W×H (powers of two, ≥ 2) real array `x` whose
 * rows ≥ h are zero, in place: on return the rows of lag dy ∈ [0, ry] and [H − ry, H) hold
 * W·H × the autocorrelation at every lag dx (wrapped); other rows are left unspecified.
 * Wiener–Khinchin with real-input transforms: rows two at a time as one complex FFT
 * (z = x_a + i·x_b), only the W/2 + 1 non-negative column frequencies (Hermitian symmetry),
 * |F|², inverse column FFTs, and the needed rows back to real two at a time.
 */
function autocorrelationInPlace(x: Float64Array, W: number, H: number, h: number, ry: number): void {
  const Wh = (W >> 1) + 1, mask = W - 1;
  const R = new Float64Array(Wh * H), I = new Float64Array(Wh * H);
  const zr = new Float64Array(W), zi = new Float64Array(W);
  // Forward rows: X_a[k] = (Z[k] + conj Z[−k]) / 2, X_b[k] = (Z[k] − conj Z[−k]) / 2i.
  for (let y = 0; y < h; y += 2) {
    const a = y * W, hasB = y + 1 < h;
    for (let k = 0; k < W; k++) { zr[k] = x[a + k]; zi[k] = hasB ? x[a + W + k] : 0; }
    fftPow2(zr, zi, W, false);
    const oa = y * Wh, ob = oa + Wh;
    for (let k = 0; k < Wh; k++) {
      const q = (W - k) & mask, pr = zr[k], pi = zi[k], qr = zr[q], qi = zi[q];
      R[oa + k] = 0.5 * (pr + qr); I[oa + k] = 0.5 * (pi - qi);
      if (hasB) { R[ob + k] = 0.5 * (pi + qi); I[ob + k] = 0.5 * (qr - pr); }
    }
  }
  fftPow2Columns(R, I, Wh, H, 0, Wh, false);
  for (let i = 0; i < Wh * H; i++) { R[i] = R[i] * R[i] + I[i] * I[i]; I[i] = 0; }
  fftPow2Columns(R, I, Wh, H, 0, Wh, true);
  // Inverse rows (Hermitian in kx, so real), two at a time: Z = Y_a + i·Y_b, with Y[W − k] = conj Y[k].
  const rows: number[] = [];
  if (2 * ry + 1 >= H) for (let y = 0; y < H; y++) rows.push(y);
  else { for (let y = 0; y <= ry; y++) rows.push(y); for (let y = H - ry; y < H; y++) rows.push(y); }
  for (let p = 0; p < rows.length; p += 2) {
    const ya = rows[p], yb = p + 1 < rows.length ? rows[p + 1] : -1;
    const oa = ya * Wh, ob = yb * Wh;
    for (let k = 0; k < Wh; k++) {
      const ar = R[oa + k], ai = I[oa + k], br = yb >= 0 ? R[ob + k] : 0, bi = yb >= 0 ? I[ob + k] : 0;
      zr[k] = ar - bi; zi[k] = ai + br;
      if (k > 0 && k < W - k) { zr[W - k] = ar + bi; zi[W - k] = br - ai; }
    }
    fftPow2(zr, zi, W, true);
    x.set(zr, ya * W);
    if (yb >= 0) x.set(zi, yb * W);
  }
}

/**
 * First autocorrelation peak and column width (the scale when no lattice
 * basis is found, and always the width): Wiener–Khinchin (inverse FFT of the
 * power spectrum; zero-padded to powers of two) of the high-passed (`hp`),
 * Hann-windowed image. The period is the first radius at which the maximum of
 * the autocorrelation over a ring has a prominent local maximum (NaN when
 * none stands out from the noise). O(wh log wh).
 */
function autocorrelationScale(hp: Float64Array, w: number, h: number): { spacing: number; halfWidth: number; sigma: number; elongation: number } {

  // Zero-padded to powers of two (radix-2 FFTs; the Hann window makes the padding seamless).
  let W2 = 1, H2 = 1;
  while (W2 < w) W2 <<= 1;
  while (H2 < h) H2 <<= 1;
  const re = new Float64Array(W2 * H2);
  let mean = 0;
  for (let i = 0; i < w * h; i++) mean += hp[i];
  mean /= w * h;
  const hx = new Float64Array(w);
  for (let x = 0; x < w; x++) hx[x] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (x + 0.5)) / w);
  for (let y = 0; y < h; y++) {
    const wy = 0.5 - 0.5 * Math.cos((2 * Math.PI * (y + 0.5)) / h);
    for (let x = 0; x < w; x++) re[y * W2 + x] = (hp[y * w + x] - mean) * hx[x] * wy;
  }
  const rmax = Math.floor(Math.min(w, h) / 3);
  // Autocorrelation = inverse FFT of the power spectrum, only where the rings need it (|dy| ≤ rmax).
  autocorrelationInPlace(re, W2, H2, h, rmax);
  const scale = 1 / (W2 * H2);
  const ring = new Float64Array(rmax + 1).fill(-Infinity);
  for (let dy = -rmax; dy <= rmax; dy++) {
    const row = (dy < 0 ? dy + H2 : dy) * W2;
    // Lags that round to a radius ≤ rmax: dx² + dy² ≤ rmax² + rmax (integers below (rmax + ½)²).
    let xm = Math.floor(Math.sqrt(rmax * rmax + rmax - dy * dy));
    while (xm * xm > rmax * rmax + rmax - dy * dy) xm--;
    while ((xm + 1) * (xm + 1) <= rmax * rmax + rmax - dy * dy) xm++;
    for (let dx = -xm; dx <= xm; dx++) {
      // Integer dx, dy: √(dx²+dy²) is never within rounding of a half-integer, so this equals Math.round(Math.hypot(dx, dy)).
      const r = Math.round(Math.sqrt(dx * dx + dy * dy));
      const v = re[row + (dx < 0 ? dx + W2 : dx)] * scale;
      if (v > ring[r]) ring[r] = v;
    }
  }
  const a0 = ring[0];
  // First minimum after the centre, then the first prominent maximum.
  let rmin = 1;
  while (rmin < rmax && ring[rmin + 1] < ring[rmin]) rmin++;
  let span = 0;
  for (let r = rmin; r <= rmax; r++) span = Math.max(span, ring[r] - ring[rmin]);
  let peak = -1;
  // White noise gives the autocorrelation at a lag an sd of a0·√Σw⁴ / Σw² = 1.94·a0/√(wh) (Hann window); the
  // ring maximum of such noise has spurious maxima of a few sd, so a peak must also stand 6 sd above the first minimum.
  const noiseFloor = (6 * 1.944 * ring[0]) / Math.sqrt(w * h);
  for (let r = rmin + 1; r < rmax; r++) {
    if (ring[r] >= ring[r - 1] && ring[r] >= ring[r + 1] && ring[r] - ring[rmin] > 0.1 * span && ring[r] - ring[rmin] > noiseFloor) {
      // Require a real maximum: it must exceed what follows within a few pixels.
      peak = r;
      break;
    }
  }
  // Sub-pixel peak by a parabola through the ring maxima (NaN: no significant peak).
  let spacing = NaN;
  if (peak > 0 && span > 0 && a0 > 0) {
    const y0 = ring[peak - 1], y1 = ring[peak], y2 = ring[peak + 1];
    const den = y0 - 2 * y1 + y2;
    spacing = peak + (den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (y0 - y2)) / den)) : 0);
  }
  // Width of the central peak above the first minimum (r ≥ 1 avoids the white-noise spike at 0).
  const base = ring[rmin];
  const top = ring[1] + (ring[1] - ring[2]) * 0.5; // extrapolate a little towards r = 0
  let half = 1;
  const target = base + 0.5 * (top - base);
  for (let r = 1; r < rmin; r++) {
    if (ring[r + 1] <= target) { half = r + (ring[r] - target) / Math.max(ring[r] - ring[r + 1], 1e-300); break; }
  }
  const sigma = Math.max(0.5, half / (1.1774 * Math.SQRT2));
  // Elongation of the central peak: second moments of its part above the first minimum's level (lags within rmin).
  let sw = 0, sxx = 0, sxy = 0, syy = 0;
  for (let dy = -rmin; dy <= rmin; dy++) {
    const row = (dy < 0 ? dy + H2 : dy) * W2;
    for (let dx = -rmin; dx <= rmin; dx++) {
      if (dx * dx + dy * dy > rmin * rmin || (!dx && !dy)) continue;
      const wgt = Math.max(0, re[row + (dx < 0 ? dx + W2 : dx)] * scale - base);
      sw += wgt; sxx += wgt * dx * dx; sxy += wgt * dx * dy; syy += wgt * dy * dy;
    }
  }
  const m = 0.5 * (sxx + syy), d = Math.hypot(0.5 * (sxx - syy), sxy);
  const elongation = sw > 0 && m > d ? Math.sqrt((m + d) / (m - d)) : NaN;
  return { spacing, halfWidth: half, sigma, elongation };
}

/**
 * Position of the maximum of a 2-D quadratic fitted by least squares to the
 * values `m` at the points (`px`, `py`) (pixels; nine here: a bin and its
 * neighbours), or null when the fit has no maximum within `reach` px of the
 * first point. The fit is in Cartesian coordinates, so oblique and irregular
 * bins are handled (not a parabola per axis).
 */
function quadraticPeak(px: number[], py: number[], m: number[], reach: number): [number, number] | null {
  const A: number[] = [], x0 = px[0], y0 = py[0];
  for (let k = 0; k < px.length; k++) { const x = px[k] - x0, y = py[k] - y0; A.push(1, x, y, x * x, x * y, y * y); }
  const c = lstsq(A, px.length, 6, m).x;
  // f = c0 + c1 x + c2 y + c3 x² + c4 xy + c5 y²: gradient zero at H·p = −g with H = [[2c3, c4], [c4, 2c5]].
  const h11 = 2 * c[3], h12 = c[4], h22 = 2 * c[5], det = h11 * h22 - h12 * h12;
  if (!(det > 0 && h11 < 0)) return null;
  const dx = (-c[1] * h22 + c[2] * h12) / det, dy = (-c[2] * h11 + c[1] * h12) / det;
  return Math.hypot(dx, dy) <= reach ? [x0 + dx, y0 + dy] : null;
}

/**
 * Least-squares fit of `model` (values at every point for parameters `p`,
 * written into `out`) to the values `v` by Levenberg–Marquardt with a
 * forward-difference Jacobian (steps 1e-6 × max(|p_j|, `scale`)), at most
 * `iterations` steps. Returns the parameters and the residual sum of squares.
 * O(iterations · parameters · cost of the model).
 */
function fitLM(model: (p: Float64Array, out: Float64Array) => void, p0: ArrayLike<number>, v: Float64Array, scale: number, iterations = 60): { p: Float64Array; rss: number } {
  const k = p0.length, n = v.length;
  let p = Float64Array.from(p0);
  const f = new Float64Array(n), g = new Float64Array(n), J = new Float64Array(n * k);
  const rssOf = (q: Float64Array) => { model(q, g); let s = 0; for (let i = 0; i < n; i++) s += (g[i] - v[i]) ** 2; return s; };
  let rss = rssOf(p), lambda = 1e-3;
  for (let it = 0; it < iterations; it++) {
    model(p, f);
    for (let j = 0; j < k; j++) {
      const step = 1e-6 * Math.max(Math.abs(p[j]), scale), q = Float64Array.from(p);
      q[j] += step;
      model(q, g);
      for (let i = 0; i < n; i++) J[i * k + j] = (g[i] - f[i]) / step;
    }
    const JtJ = new Float64Array(k * k), Jtr = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const r = v[i] - f[i];
      for (let a = 0; a < k; a++) { const ja = J[i * k + a]; Jtr[a] += ja * r; for (let b = 0; b <= a; b++) JtJ[a * k + b] += ja * J[i * k + b]; }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) JtJ[b * k + a] = JtJ[a * k + b];
    let accepted = false;
    for (let tries = 0; tries < 10 && !accepted; tries++) {
      const A = Float64Array.from(JtJ);
      for (let a = 0; a < k; a++) A[a * k + a] *= 1 + lambda;
      const d = solve(A, Jtr, k);
      const q = d ? Float64Array.from(p, (x, j) => x + d[j]) : null;
      const r2 = q ? rssOf(q) : Infinity;
      if (!(r2 < rss)) { lambda *= 10; continue; }
      const gain = (rss - r2) / rss;
      p = q!; rss = r2; lambda = Math.max(1e-9, lambda / 10); accepted = true;
      if (gain < 1e-10) return { p, rss };
    }
    if (!accepted) break;
  }
  return { p, rss };
}

/** Shape of one column of the lattice-averaged cell ({@link columnShape}). */
interface ColumnShape {
  /** Major over minor axis of the fitted elliptical Gaussian (1: round). */
  elongation: number;
  /** Major axis direction, degrees from +x towards +y, in (−90, 90]. */
  angle: number;
  /** When the blob is two round columns: their midpoint relative to the window's origin, half the vector from one to the other, and their σ (pixels); else null. */
  pair: { centre: [number, number]; half: [number, number]; sigma: number } | null;
  /** Elongated (≥ 1.25) and fitted to within twice the noise by the elliptical or the pair model, without the pair being significantly better: one elongated column or an unresolved pair, the data cannot tell. */
  ambiguous: boolean;
}

/** Least elongation (major / minor axis) of a column of the averaged cell that is tested for being an unresolved pair. */
const PAIR_TEST_ELONGATION = 1.1;

/** Elongation from which columns not resolved as pairs are reported as possibly unresolved pairs ({@link SpacingEstimate.warnings}): two round columns 2σ apart (closer, no dip) are 1.41 : 1. */
const UNRESOLVED_WARN_ELONGATION = 1.25;

/**
 * Shape of a blob of the lattice-averaged cell from the bin means `v` at
 * `px`, `py` (pixels, relative to the blob's maximum; the bins within half
 * the distance to its nearest neighbour), with the blob repeated at the
 * lattice translations `images` (its periodic neighbours' tails). Two models
 * are fitted by least squares (Levenberg–Marquardt): one elliptical Gaussian
 * plus a constant (7 parameters: an astigmatic or drift-stretched column),
 * and two round Gaussians of one σ at centre ± h, each with its own amplitude,
 * plus a constant (8: a dumbbell). Where the columns are closer than about 2σ
 * no dip separates them, but the two differ in the profile along the major
 * axis: a pair is flatter-topped (excess kurtosis −2s⁴/(σ²+s²)² for
 * half-separation s). The blob is a pair when its elongation is at least 1.1,
 * the pair model lowers the residual sum of squares by at least 25 × the
 * variance `noiseVar` of a bin mean (5 sd) and removes at least 30 % of the
 * elliptical model's misfit beyond that noise (n · noiseVar), |h| ≥ σ/4 and
 * |h| + σ ≤ `reach` (the window's radius). It is `ambiguous` when elongated ≥ 1.25 : 1 and
 * fitted to within twice the noise without the pair being better (too few
 * counts to tell; a blob neither model describes, as an ABF image's bright
 * gaps or a strained particle's smeared average, is not).
 * O(bins · images · iterations).
 */
function columnShape(px: Float64Array, py: Float64Array, v: Float64Array, reach: number, images: Array<[number, number]>, noiseVar: number): ColumnShape {
  const n = v.length;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { lo = Math.min(lo, v[i]); hi = Math.max(hi, v[i]); }
  // Start: second moments of the values above the window's minimum.
  let sw = 0, sxx = 0, sxy = 0, syy = 0;
  for (let i = 0; i < n; i++) { const wgt = Math.max(0, v[i] - lo); sw += wgt; sxx += wgt * px[i] * px[i]; sxy += wgt * px[i] * py[i]; syy += wgt * py[i] * py[i]; }
  sxx /= sw; sxy /= sw; syy /= sw;
  const eig = (a: number, b: number, c: number) => { const m = 0.5 * (a + c), d = Math.hypot(0.5 * (a - c), b); return [m + d, m - d, 0.5 * Math.atan2(2 * b, a - c)]; };
  const [l1, l2, th] = eig(sxx, sxy, syy);
  const ell = (p: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (const [ix, iy] of images) { const dx = px[i] - p[0] - ix, dy = py[i] - p[1] - iy; s += Math.exp(-0.5 * (p[4] * dx * dx + 2 * p[5] * dx * dy + p[6] * dy * dy)); }
      out[i] = p[3] + p[2] * s;
    }
  };
  const det0 = sxx * syy - sxy * sxy;
  const e = fitLM(ell, [0, 0, hi - lo, lo, syy / det0, -sxy / det0, sxx / det0], v, 1);
  const [a, b, c] = [e.p[4], e.p[5], e.p[6]], det = a * c - b * b;
  // Covariance = inverse of [[a, b], [b, c]].
  const [c1, c2, angle] = det > 0 && a > 0 ? eig(c / det, -b / det, a / det) : [NaN, NaN, NaN];
  const elongation = Math.sqrt(c1 / c2), deg = (angle * 180) / Math.PI;
  if (!(elongation >= PAIR_TEST_ELONGATION)) return { elongation, angle: deg, pair: null, ambiguous: false };
  const pairModel = (p: Float64Array, out: Float64Array) => {
    const k = -0.5 / (p[4] * p[4]);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (const [ix, iy] of images) {
        const dx = px[i] - p[0] - ix, dy = py[i] - p[1] - iy;
        s += p[2] * Math.exp(k * ((dx + p[5]) ** 2 + (dy + p[6]) ** 2)) + p[7] * Math.exp(k * ((dx - p[5]) ** 2 + (dy - p[6]) ** 2));
      }
      out[i] = p[3] + s;
    }
  };
  const s0 = Math.sqrt(Math.max(l1 - l2, 0.25 * l2));
  const start = [0, 0, 0.6 * (hi - lo), lo, Math.sqrt(l2), s0 * Math.cos(th), s0 * Math.sin(th), 0.6 * (hi - lo)];
  const q = fitLM(pairModel, start, v, 1);
  const sigma = Math.abs(q.p[4]), half: [number, number] = [q.p[5], q.p[6]], sep = Math.hypot(...half);
  const pair = { centre: [q.p[0], q.p[1]] as [number, number], half, sigma };
  const sane = sigma > 0 && q.p[2] > 0 && q.p[7] > 0 && sep >= 0.25 * sigma && sep + sigma <= reach;
  const noise = n * noiseVar;
  const better = sane && e.rss - q.rss >= 25 * noiseVar && q.rss - noise <= 0.7 * (e.rss - noise);
  // Ambiguous: elongated, described to within the noise, and no better as a pair (a real blob's shape, not a misfit).
  const ambiguous = !better && elongation >= UNRESOLVED_WARN_ELONGATION && Math.min(e.rss, q.rss) <= 2 * noise;
  return { elongation, angle: deg, pair: better ? pair : null, ambiguous };
}

/**
 * How much of a blob's elongation in the lattice-averaged cell each column
 * has itself: the anisotropy along `axis` (the excess of the second moment
 * along it over the one across) of every instance of the blob in the image
 * about its own centroid, averaged, over the same about the instance's lattice
 * position (weights: `hp` above `base`, pixels within `R` of the lattice
 * position (cx, cy) + i·a1 + j·a2, instances wholly inside the image). About 1
 * for a pair of columns; about 0 when round columns at scattered positions
 * (two polarisation domains, strain) smear the average. Centroid noise is
 * isotropic and cancels from both anisotropies. O(wh).
 */
function intrinsicElongation(hp: Float64Array, w: number, h: number, a1: [number, number], a2: [number, number], cx: number, cy: number, R: number, base: number, axis: [number, number]): number {
  const det = a1[0] * a2[1] - a1[1] * a2[0], L = Math.hypot(...axis), ux = axis[0] / L, uy = axis[1] / L;
  const frac = (x: number, y: number) => [(x * a2[1] - y * a2[0]) / det, (a1[0] * y - a1[1] * x) / det];
  const corners = [frac(-cx, -cy), frac(w - cx, -cy), frac(-cx, h - cy), frac(w - cx, h - cy)];
  const lo = [Math.floor(Math.min(...corners.map((c) => c[0]))), Math.floor(Math.min(...corners.map((c) => c[1])))];
  const hi = [Math.ceil(Math.max(...corners.map((c) => c[0]))), Math.ceil(Math.max(...corners.map((c) => c[1])))];
  let own = 0, lattice = 0, count = 0;
  for (let j = lo[1]; j <= hi[1]; j++) for (let i = lo[0]; i <= hi[0]; i++) {
    const px = cx + i * a1[0] + j * a2[0], py = cy + i * a1[1] + j * a2[1];
    if (px - R < 0 || py - R < 0 || px + R > w - 1 || py + R > h - 1) continue;
    let m0 = 0, mu = 0, mv = 0, muu = 0, mvv = 0;
    for (let y = Math.ceil(py - R); y <= Math.floor(py + R); y++) for (let x = Math.ceil(px - R); x <= Math.floor(px + R); x++) {
      const dx = x - px, dy = y - py;
      if (dx * dx + dy * dy > R * R) continue;
      const wgt = Math.max(0, hp[y * w + x] - base), u = dx * ux + dy * uy, v = -dx * uy + dy * ux;
      m0 += wgt; mu += wgt * u; mv += wgt * v; muu += wgt * u * u; mvv += wgt * v * v;
    }
    if (!(m0 > 0)) continue;
    const eu = mu / m0, ev = mv / m0;
    lattice += (muu - mvv) / m0;
    own += (muu - mvv) / m0 - (eu * eu - ev * ev);
    count++;
  }
  return count && lattice > 0 ? own / lattice : NaN;
}

/**
 * Nearest-neighbour spacing from the lattice-averaged unit cell: every pixel
 * of the high-passed image `hp` is folded into the cell of the basis
 * (a1, a2) and averaged on a grid of about one bin per pixel, so that
 * hundreds of cells add up and columns too dim or too noisy to see one by one
 * stand out (unit-cell averaging, as in HRTEM crystallographic image
 * processing, e.g. S. Hovmöller, Ultramicroscopy 41, 1992). Columns are the
 * periodic local maxima of the (binomially smoothed) average whose
 * prominence — height above the lowest point on the segment to the nearest
 * higher maximum, or above the cell's median for the highest — is at least 5
 * standard errors of the bin means and 5 % of the average's range, merged when
 * closer than `minSeparation` px. The spacing is the shortest distance between
 * two of them, periodic images included (the shortest lattice vector when the
 * cell holds one column). Null when the average shows no column. O(wh + bins·maxima).
 */
function motifSpacing(hp: Float64Array, w: number, h: number, a1: [number, number], a2: [number, number], minSeparation: number, sigma: number): { spacing: number; sites: Array<[number, number]>; pairs: MotifPair[]; elongation: number; angle: number; ambiguous: boolean } | null {
  const det = a1[0] * a2[1] - a1[1] * a2[0];
  const l1 = Math.hypot(...a1), l2 = Math.hypot(...a2);
  if (!(Math.abs(det) > 4) || !(l1 >= 2 && l2 >= 2) || l1 > Math.min(w, h) / 2 || l2 > Math.min(w, h) / 2) return null;
  // About one bin per pixel of cell length: a lattice commensurate with the pixels (a = 16.00 px) has only a phases.
  const M1 = Math.max(6, Math.round(l1)), M2 = Math.max(6, Math.round(l2)), nb = M1 * M2;
  const sum = new Float64Array(nb), sq = new Float64Array(nb), cnt = new Float64Array(nb), su = new Float64Array(nb), sv = new Float64Array(nb);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    // Bin k covers cell fractions [k − ½, k + ½)/M (wrapped), so that the pixel phases of a lattice
    // commensurate with the pixels fall on bin centres, not (rounding either way) on bin edges.
    let u = (x * a2[1] - y * a2[0]) / det, v = (a1[0] * y - a1[1] * x) / det;
    u -= Math.floor(u); v -= Math.floor(v);
    const bi = Math.round(u * M1) % M1, bj = Math.round(v * M2) % M2, b = bj * M1 + bi;
    // Fractions relative to the bin centre's cell (a pixel at u = 0.99 in bin 0 counts as −0.01).
    if (u * M1 > M1 - 0.5) u -= 1;
    if (v * M2 > M2 - 0.5) v -= 1;
    const val = hp[y * w + x];
    sum[b] += val; sq[b] += val * val; cnt[b]++; su[b] += u; sv[b] += v;
  }
  const at = (i: number, j: number) => (((j % M2) + M2) % M2) * M1 + (((i % M1) + M1) % M1);
  const mean = new Float64Array(nb), se2 = new Float64Array(nb);
  let empty = 0;
  // Where the pixels of a bin actually lie (cell fractions): near-commensurate lattices put them at the bin's edge, not its centre.
  const fu = new Float64Array(nb), fv = new Float64Array(nb);
  for (let b = 0; b < nb; b++) {
    fu[b] = cnt[b] ? su[b] / cnt[b] : (b % M1) / M1;
    fv[b] = cnt[b] ? sv[b] / cnt[b] : Math.floor(b / M1) / M2;
    if (cnt[b] < 2) { empty++; continue; }
    mean[b] = sum[b] / cnt[b];
    se2[b] = Math.max(0, sq[b] / cnt[b] - mean[b] * mean[b]) / (cnt[b] - 1);
  }
  if (empty > 0.1 * nb) return null;
  // A few empty bins (pixel phases that the lattice never visits): the mean of their filled neighbours.
  for (let b = 0; b < nb && empty; b++) {
    if (cnt[b] >= 2) continue;
    const i = b % M1, j = (b - i) / M1;
    let t = 0, c = 0;
    for (let dj = -1; dj <= 1; dj++) for (let di = -1; di <= 1; di++) { const q = at(i + di, j + dj); if (cnt[q] >= 2) { t += mean[q]; c++; } }
    if (!c) return null;
    mean[b] = t / c;
  }
  // Periodic [1 2 1]⊗[1 2 1]/16 smoothing; the standard error of a smoothed bin ≈ 3/8 of a bin's (Σ weights² = (3/8)²).
  const m = new Float64Array(nb);
  let se = 0;
  for (let j = 0; j < M2; j++) for (let i = 0; i < M1; i++) {
    let t = 0;
    for (let dj = -1; dj <= 1; dj++) for (let di = -1; di <= 1; di++) t += (2 - Math.abs(di)) * (2 - Math.abs(dj)) * mean[at(i + di, j + dj)];
    m[j * M1 + i] = t / 16;
    se = Math.max(se, se2[j * M1 + i]);
  }
  se = 0.375 * Math.sqrt(se);
  let lo = Infinity, hi = -Infinity;
  for (let b = 0; b < nb; b++) { lo = Math.min(lo, m[b]); hi = Math.max(hi, m[b]); }
  if (!(hi > lo)) return null;
  const median = quickselect(Float64Array.from(m), nb >> 1);
  // Periodic local maxima (ties broken by bin order), refined by parabolas; positions in pixels within the cell.
  const peaks: Array<{ x: number; y: number; v: number; i: number; j: number }> = [];
  for (let j = 0; j < M2; j++) for (let i = 0; i < M1; i++) {
    const b = j * M1 + i, v = m[b];
    let isMax = true;
    for (let dj = -1; dj <= 1 && isMax; dj++) for (let di = -1; di <= 1; di++) {
      if (!di && !dj) continue;
      const u = m[at(i + di, j + dj)];
      if (u > v || (u === v && at(i + di, j + dj) < b)) { isMax = false; break; }
    }
    if (!isMax) continue;
    // The bin and its 8 neighbours (across the cell's edges: shifted by a lattice vector), centre first.
    const px: number[] = [], py: number[] = [], pv: number[] = [];
    for (const [di, dj] of [[0, 0], [-1, -1], [0, -1], [1, -1], [-1, 0], [1, 0], [-1, 1], [0, 1], [1, 1]]) {
      const q = at(i + di, j + dj), n1 = Math.floor((i + di) / M1), n2 = Math.floor((j + dj) / M2);
      const uu = fu[q] + n1, vv = fv[q] + n2;
      px.push(uu * a1[0] + vv * a2[0]); py.push(uu * a1[1] + vv * a2[1]); pv.push(mean[q]);
    }
    const [x, y] = quadraticPeak(px, py, pv, Math.hypot(a1[0], a1[1]) / M1 + Math.hypot(a2[0], a2[1]) / M2) ?? [px[0], py[0]];
    peaks.push({ x, y, v, i, j });
  }
  peaks.sort((p, q) => q.v - p.v);
  // Shortest periodic vector between two points of the cell (n1, n2 ∈ {−2..2}).
  const wrap = (dx: number, dy: number, self: boolean): [number, number] => {
    let best: [number, number] = [Infinity, Infinity], bd = Infinity;
    for (let n2 = -2; n2 <= 2; n2++) for (let n1 = -2; n1 <= 2; n1++) {
      if (self && !n1 && !n2) continue;
      const ex = dx + n1 * a1[0] + n2 * a2[0], ey = dy + n1 * a1[1] + n2 * a2[1], d = Math.hypot(ex, ey);
      if (d < bd) { bd = d; best = [ex, ey]; }
    }
    return best;
  };
  // Value of the smoothed average at a point of the cell (nearest bin).
  const valueAt = (x: number, y: number) => {
    const u = (x * a2[1] - y * a2[0]) / det, v = (a1[0] * y - a1[1] * x) / det;
    return m[at(Math.floor(u * M1), Math.floor(v * M2))];
  };
  const kept: typeof peaks = [];
  for (let k = 0; k < peaks.length; k++) {
    const p = peaks[k];
    // The highest maximum against the cell's median level (the background: against the minimum, pure noise would pass).
    let floor = median;
    if (k > 0) {
      // Nearest higher maximum, and the lowest point on the straight segment to it.
      let best: [number, number] = [Infinity, Infinity];
      for (let q = 0; q < k; q++) { const d = wrap(peaks[q].x - p.x, peaks[q].y - p.y, false); if (Math.hypot(...d) < Math.hypot(...best)) best = d; }
      const steps = Math.max(4, Math.ceil(2 * Math.hypot(...best)));
      floor = Infinity;
      for (let t = 0; t <= steps; t++) floor = Math.min(floor, valueAt(p.x + (best[0] * t) / steps, p.y + (best[1] * t) / steps));
    }
    const prominence = p.v - floor;
    if (prominence < 5 * se || prominence < 0.05 * (hi - lo)) continue;
    if (kept.some((q) => Math.hypot(...wrap(q.x - p.x, q.y - p.y, false)) < minSeparation)) continue;
    kept.push(p);
  }
  if (!kept.length) return null;
  // Blobs: single columns, and two columns much closer to each other (< 4σ, σ from the autocorrelation) than to
  // anything else (≥ 1.5 × farther), a dumbbell seen with a dip: kept as found, not tested for being pairs.
  const partner = kept.map((p, k) => {
    const d: Array<[number, number]> = [];
    for (let q = 0; q < kept.length; q++) for (let n2 = -2; n2 <= 2; n2++) for (let n1 = -2; n1 <= 2; n1++) {
      if (q === k && !n1 && !n2) continue;
      d.push([Math.hypot(kept[q].x - p.x + n1 * a1[0] + n2 * a2[0], kept[q].y - p.y + n1 * a1[1] + n2 * a2[1]), q]);
    }
    d.sort((u, v) => u[0] - v[0]);
    return d[0][1] !== k && d[0][0] < 4 * sigma && d[1][0] >= 1.5 * d[0][0] ? d[0][1] : -1;
  });
  const blobs: Array<{ x: number; y: number; known?: { half: [number, number] } }> = [];
  kept.forEach((p, k) => {
    const q = partner[k];
    if (q < 0 || partner[q] !== k) { blobs.push({ x: p.x, y: p.y }); return; }
    if (q < k) return;
    const v = wrap(kept[q].x - p.x, kept[q].y - p.y, false);
    blobs.push({ x: p.x + v[0] / 2, y: p.y + v[1] / 2, known: { half: [v[0] / 2, v[1] / 2] } });
  });
  // Shape of each blob (the unsmoothed bin means within half the distance to its nearest neighbour, periodic
  // images included): an elongated column may be two columns without a dip between them (columnShape).
  const images: Array<[number, number]> = [];
  for (let n2 = -1; n2 <= 1; n2++) for (let n1 = -1; n1 <= 1; n1++) images.push([n1 * a1[0] + n2 * a2[0], n1 * a1[1] + n2 * a2[1]]);
  const columns: Array<[number, number]> = [], pairs: MotifPair[] = [];
  let elongation = NaN, angle = NaN, ambiguous = false;
  for (let k = 0; k < blobs.length; k++) {
    const p = blobs[k];
    // A close pair seen with a dip stays at the average's maxima: a pair fit would undo their mutual pull (−12 % at
    // 2.5σ for Gaussians) but is biased by real columns' non-Gaussian shape (+15 % against the fitted columns on the
    // Si [110] test image).
    if (p.known) { columns.push([p.x - p.known.half[0], p.y - p.known.half[1]], [p.x + p.known.half[0], p.y + p.known.half[1]]); continue; }
    let reach = Infinity;
    for (let q = 0; q < blobs.length; q++) reach = Math.min(reach, Math.hypot(...wrap(blobs[q].x - p.x, blobs[q].y - p.y, q === k)));
    const R = 0.5 * reach;
    const X: number[] = [], Y: number[] = [], V: number[] = [], S: number[] = [];
    for (let b = 0; b < nb; b++) {
      if (cnt[b] < 2) continue;
      const d = wrap(fu[b] * a1[0] + fv[b] * a2[0] - p.x, fu[b] * a1[1] + fv[b] * a2[1] - p.y, false);
      if (Math.hypot(...d) < R) { X.push(d[0]); Y.push(d[1]); V.push(mean[b]); S.push(se2[b]); }
    }
    const shape = X.length >= 12 ? columnShape(Float64Array.from(X), Float64Array.from(Y), Float64Array.from(V), R, images, quickselect(Float64Array.from(S), S.length >> 1)) : null;
    if (shape && !(shape.elongation <= elongation)) { elongation = shape.elongation; angle = shape.angle; }
    // Elongated in the average only (round columns at scattered positions: domains, strain): neither pair nor doubt.
    const axis: [number, number] = shape?.pair ? shape.pair.half : [Math.cos((shape?.angle ?? 0) * Math.PI / 180), Math.sin((shape?.angle ?? 0) * Math.PI / 180)];
    const own = shape?.pair || shape?.ambiguous ? intrinsicElongation(hp, w, h, a1, a2, p.x, p.y, R, quickselect(Float64Array.from(V), V.length >> 1), axis) >= 0.5 : false;
    if (shape?.ambiguous && own) ambiguous = true;
    if (shape?.pair && own) {
      const { half, sigma, centre } = shape.pair, cx = p.x + centre[0], cy = p.y + centre[1];
      columns.push([cx - half[0], cy - half[1]], [cx + half[0], cy + half[1]]);
      pairs.push({ centre: fraction(cx, cy), half, sigma });
    } else columns.push([p.x, p.y]);
  }
  let spacing = Infinity;
  for (let a = 0; a < columns.length; a++) for (let b = a; b < columns.length; b++) spacing = Math.min(spacing, Math.hypot(...wrap(columns[b][0] - columns[a][0], columns[b][1] - columns[a][1], a === b)));
  // Sites as cell fractions (u, v) in [0, 1), in the frame where pixel (0, 0) is the origin.
  function fraction(x: number, y: number): [number, number] {
    const u = (x * a2[1] - y * a2[0]) / det, v = (a1[0] * y - a1[1] * x) / det;
    return [u - Math.floor(u), v - Math.floor(v)];
  }
  return { spacing, sites: columns.map(([x, y]) => fraction(x, y)), pairs, elongation, angle, ambiguous };
}

/**
 * Nearest-neighbour spacing (see {@link SpacingEstimate.spacing}: the
 * shortest distance between two distinct columns, any sublattice), lattice
 * period and column width of an atomic-resolution image.
 *
 * The image is high-passed (its Gaussian blur of σ = min(w,h)/10 removed).
 * The lattice basis comes from the Bragg peaks of its power spectrum
 * (`latticeBasisFFT`); the image averaged over that unit cell (every cell
 * added up, so dim and noisy columns stand out) gives the columns of the
 * cell, and the spacing is the shortest distance between two of them
 * (`method` "motif"); for a cell of one column, the first autocorrelation
 * peak when that is shorter than the cell's shortest vector (a strained or
 * twinned particle spreads its distances around the average cell's; the
 * autocorrelation sees the short ones). The
 * autocorrelation alone cannot give it: where columns
 * are wide, a honeycomb's autocorrelation has no peak at the bond (its
 * first-order Bragg peaks, which dominate, are those of a triangular
 * lattice), so it would return √3 × the bond. Without a lattice basis (no
 * Bragg peaks, one direction only) the spacing is the first peak of the
 * ring-maximum autocorrelation (`method` "autocorrelation"). The column width
 * comes from the autocorrelation's central peak. Each column of the averaged
 * cell is then fitted as one elliptical Gaussian and as two round ones
 * (`columnShape`): a dumbbell whose columns are closer than ~2σ shows no dip
 * (one maximum per pair, so the cell has one column and the spacing would be
 * the distance between pairs), but is elongated and flat-topped; where two
 * round columns fit clearly better, both are columns of the cell (`pairs`,
 * `sigma` their fitted width) and the spacing is their separation. Where the
 * columns are elongated but the counts cannot tell (or no cell could be made),
 * `warnings` says so and what to pass. Either only when the columns
 * themselves are elongated, not just their average (`intrinsicElongation`:
 * two polarisation domains shift round columns apart in the average). Two columns seen apart but much
 * closer to each other than to any other (< 4σ) are not tested (each alone
 * would look elongated by its partner's flank). O(wh log wh + columns · bins · iterations).
 *
 * @example
 * estimateSpacing(synth.hexagonal({ latticeConstant: 8, sigma: 1.4, dose: 100 }).image).spacing // ≈ 8/√3 = 4.62
 */
export function estimateSpacing(image: Image): SpacingEstimate {
  const { width: w, height: h } = image;
  if (w < 8 || h < 8) throw new RangeError(`estimateSpacing: image is ${w}×${h} pixels; at least 8×8 is needed to estimate a lattice spacing (pass options.spacing / options.sigma instead)`);
  const bg = gaussianFilter(image, Math.max(4, Math.min(w, h) / 10)).data;
  const hp = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) hp[i] = image.data[i] - bg[i];
  const acf = autocorrelationScale(hp, w, h);
  let basis: { a1: [number, number]; a2: [number, number] } | null = null;
  if (w >= 16 && h >= 16) {
    // At least 8 periods across the image (a particle's envelope, not a lattice, lies below that frequency), as the average needs many cells.
    try { basis = latticeBasisFFT({ data: Float32Array.from(hp), width: w, height: h }, { minFrequency: 8 / Math.min(w, h) }); } catch { basis = null; }
  }
  const motif = basis ? motifSpacing(hp, w, h, basis.a1, basis.a2, Math.max(1, acf.halfWidth), acf.sigma) : null;
  const period = basis ? Math.min(Math.hypot(...basis.a1), Math.hypot(...basis.a2)) : NaN;
  // One column per cell: the shortest lattice vector of the average cell, or the autocorrelation's first
  // peak when shorter (it sees the actual distances, which strain or twins in a particle spread below the
  // average cell's; more than halving it would be an outlier). Two or more: the distance between them.
  const bravais = motif && motif.sites.length === 1 && acf.spacing >= 0.5 * motif.spacing && acf.spacing < motif.spacing;
  const elongation = motif ? motif.elongation : acf.elongation;
  const warnings: string[] = [];
  if (motif?.pairs.length) {
    warnings.push(`the columns of the lattice-averaged cell are pairs ${(2 * Math.hypot(...motif.pairs[0].half)).toFixed(2)} px apart with no dip between them (σ ${motif.pairs[0].sigma.toFixed(2)} px), resolved from their shape; if they are single elongated columns instead, pass options.spacing (the distance between them, px)`);
  } else if (motif ? motif.ambiguous : elongation >= UNRESOLVED_WARN_ELONGATION) {
    const axis = motif ? ` along ${motif.angle.toFixed(0)}°` : "";
    warnings.push(`the columns are elongated (axes ${elongation.toFixed(2)} : 1${axis}) ${motif ? "and too noisy to tell two round columns from one elliptical one" : "and no lattice-averaged cell could be made to tell (too few cells)"}: if they are unresolved pairs (dumbbells), the spacing ${(bravais ? acf.spacing : motif ? motif.spacing : acf.spacing).toFixed(2)} px is the distance between pairs, not between columns; pass options.spacing (the nearest-neighbour distance, px) and options.sigma`);
  }
  const sigma = motif?.pairs.length ? motif.pairs[0].sigma : acf.sigma;
  if (motif) return { spacing: bravais ? acf.spacing : motif.spacing, period, columnsPerCell: motif.sites.length, cellArea: Math.abs(basis!.a1[0] * basis!.a2[1] - basis!.a1[1] * basis!.a2[0]), cell: { a1: basis!.a1, a2: basis!.a2, sites: motif.sites }, method: "motif", halfWidth: acf.halfWidth, sigma, elongation, pairs: motif.pairs, warnings };
  if (!(acf.spacing > 0)) throw new RangeError(`estimateSpacing: found no lattice periodicity in the ${w}×${h} image (no column stands out in the lattice-averaged cell, no autocorrelation peak above the noise within ${Math.floor(Math.min(w, h) / 3)} px); pass options.spacing (nearest-neighbour distance, px) and options.sigma`);
  return { spacing: acf.spacing, period: acf.spacing, columnsPerCell: NaN, cellArea: NaN, cell: null, method: "autocorrelation", halfWidth: acf.halfWidth, sigma, elongation, pairs: [], warnings };
}

/**
 * Robust standard deviation of white noise in an image: median absolute value
 * of the 3×3 second-difference operator [[1,−2,1],[−2,4,−2],[1,−2,1]]
 * (whose response to white noise of sd s has sd 6s), over 0.6745·6
 * (J. Immerkær, "Fast noise variance estimation", CVIU 64, 1996, with a median
 * in place of the mean for robustness to structure). Non-finite pixels are skipped.
 */
export function estimateNoise(image: Image): number {
  const { width: w, height: h, data: d } = image;
  if (w < 3 || h < 3) return 0;
  // Subsample to at most ~50 000 positions (a regular grid), enough for a median.
  const step = Math.max(1, Math.ceil(Math.sqrt(((w - 2) * (h - 2)) / 50000)));
  const vals = new Float64Array(Math.ceil((w - 2) / step) * Math.ceil((h - 2) / step));
  let n = 0;
  for (let y = 1; y < h - 1; y += step) for (let x = 1; x < w - 1; x += step) {
    const i = y * w + x;
    const v = d[i - w - 1] - 2 * d[i - w] + d[i - w + 1] - 2 * d[i - 1] + 4 * d[i] - 2 * d[i + 1] + d[i + w - 1] - 2 * d[i + w] + d[i + w + 1];
    if (v === v && Math.abs(v) !== Infinity) vals[n++] = Math.abs(v);
  }
  if (n === 0) return 0;
  return quickselect(vals.subarray(0, n), n >> 1) / (0.6745 * 6);
}

/** Options of {@link detectPeaks}. */
export interface DetectOptions {
  /** Minimum separation between peaks (pixels): a peak is the maximum of the (2r+1)² square around it. */
  minDistance: number;
  /** Smoothing σ (pixels) applied before peak finding (0 for none). */
  smoothing: number;
  /** Peak filter: "gaussian" (smoothed image, default) or "log" (scale-normalised Laplacian of Gaussian at σ = smoothing). */
  filter?: "gaussian" | "log";
  /** Minimum contrast (value − ring mean), as a multiple of the filtered image's noise sd. Default: adaptive (see {@link detectPeaks}). */
  snr?: number;
  /** Pixel noise model for the noise sd: "gaussian" (default: the measured sd, `estimateNoise`) or "poisson" (variance ∝ level, right for low counts: see {@link pixelNoise}). */
  noise?: "poisson" | "gaussian";
  /** Pixel noise sd of the input (image units) to use instead of estimating it: for derived images (background-subtracted, residuals) whose own level says nothing of their noise. */
  pixelNoise?: number;
  /** Relative threshold in [0, 1] (scikit-image's `threshold_rel`): also require contrast ≥ thresholdRel × the 95th-percentile prominence (default 0). */
  thresholdRel?: number;
  /** Radius (pixels) of the ring whose mean is the local reference level for the contrast (default 2·minDistance; findAtoms uses half the column spacing). */
  ringRadius?: number;
  /** Pixels this close to the border are ignored (default 1: maxima on the outermost pixels are edge artefacts). */
  excludeBorder?: number;
}

/** Peaks found by {@link detectPeaks}: integer pixel positions, filtered value and prominence. */
export interface Peaks {
  x: Int32Array;
  y: Int32Array;
  value: Float64Array;
  prominence: Float64Array;
  /** Noise sd of the filtered image used for the `snr` test. */
  noise: number;
  /** Pixel noise sd it was derived from (image units): `options.pixelNoise`, or {@link pixelNoise} of the image for the `noise` model. */
  pixelNoise: number;
  /** Significance threshold applied (contrast / `noise`): `snr` when given, else the adaptive one. */
  threshold: number;
  /** Local maxima before the significance tests (all candidates). */
  candidates: number;
  /** Noise sd of the input image (`estimateNoise`, whatever the `noise` model). */
  imageNoise: number;
}

/**
 * Pixel noise sd of an image (image units). "gaussian": the measured sd
 * (`estimateNoise`). "poisson": the same when the median is ≥ 10 counts, and
 * below that √(mean count), the Poisson sd: there the median-based estimate
 * fails (on images of mostly 0, 1 and 2 counts the median |second
 * difference| is quantised, and can be 0).
 */
export function pixelNoise(image: Image, model: "poisson" | "gaussian" = "gaussian"): number {
  const sd = estimateNoise(image);
  if (model === "gaussian") return sd;
  const { data } = image;
  const step = Math.max(1, Math.floor(data.length / 50000));
  const vals: number[] = [];
  let sum = 0;
  for (let i = 0; i < data.length; i += step) { const v = data[i]; if (Number.isFinite(v)) { vals.push(v); sum += v; } }
  if (!vals.length) return sd;
  const med = quickselect(Float64Array.from(vals), vals.length >> 1);
  return med >= 10 ? sd : Math.sqrt(Math.max(sum / vals.length, 0));
}

/** Median and spread of the contrast (in noise sd) of the local maxima of smoothed white noise measured against their ring, as detectPeaks measures it (Poisson and Gaussian noise, 128²–256², smoothing 0.9–2 px: medians 1.7–1.9). */
const NOISE_MAX_MEDIAN = 1.8, NOISE_MAX_SPREAD = 0.75;

/**
 * Default significance threshold (contrast over the filtered image's noise
 * sd) from the contrasts `z` of all candidate maxima, which mix noise maxima
 * (low: median ≈ 1.8 sd, spread ≈ 0.75 sd) and columns. The number of noise
 * maxima is read off the distribution: twice the number below the noise
 * median (columns lie above it at any dose where they can be found), n₀; the
 * threshold is the largest contrast expected of the highest of n₀ noise
 * maxima, 1.8 + 0.75·√(2 ln n₀) (the Gaussian extreme-value scale), within
 * [3, 6]. So a dense lattice at low dose, with few noise maxima between its
 * columns, keeps columns of 3–5 sd, while pure noise (all candidates noise:
 * ~4 for 80 maxima, ~4.7 for 2000) yields nothing; 6 was the fixed default
 * before. When the contrasts above that floor show a clear gap (one ≥ 1.5 ×
 * the one below it) under 6, the threshold moves into the widest such gap
 * (its geometric middle, at most 6): the maxima just above the floor are then
 * a structured background's (a nanoparticle's amorphous support), not
 * columns that continue the distribution.
 */
export function adaptiveSnr(z: ArrayLike<number>): number {
  let below = 0;
  for (let k = 0; k < z.length; k++) if (z[k] < NOISE_MAX_MEDIAN) below++;
  const n0 = Math.max(2, 2 * below);
  const floor = Math.min(6, Math.max(3, NOISE_MAX_MEDIAN + NOISE_MAX_SPREAD * Math.sqrt(2 * Math.log(n0))));
  // A clear gap (the next contrast ≥ 1.5 × the previous) between that floor and 6: the threshold goes in it
  // (geometric middle, at most 6), so maxima of a structured background (a support's texture, which white-noise
  // statistics do not describe) just above the floor stay out when the columns stand far above them.
  const s = Float64Array.from(z).filter((v) => v >= floor).sort();
  let best = 1.5, t = floor;
  for (let k = 0; k + 1 < s.length && s[k] < 6; k++) if (s[k + 1] / s[k] >= best) { best = s[k + 1] / s[k]; t = Math.min(6, Math.sqrt(s[k] * s[k + 1])); }
  return t;
}

/**
 * Local maxima of the filtered image separated by at least `minDistance`
 * (square footprint, as `skimage.feature.peak_local_max`) whose contrast
 * (value minus the mean of the filtered image on a ring of radius `ringRadius`,
 * so that smooth gradients do not count) passes both the noise
 * test (≥ snr × noise sd of the filtered image; by default the adaptive
 * {@link adaptiveSnr} of the candidates' contrasts, with the pixel noise of
 * {@link pixelNoise} for the `noise` model) and the relative threshold
 * (`thresholdRel`). Plateaus keep one pixel. O(wh) besides the filtering.
 */
export function detectPeaks(image: Image, options: DetectOptions): Peaks {
  const { width: w, height: h } = image;
  const md = Math.max(1, Math.round(options.minDistance));
  const filt = checkChoice("detectPeaks", "filter", options.filter, ["gaussian", "log"] as const) ?? "gaussian";
  const model = checkChoice("detectPeaks", "noise", options.noise, ["poisson", "gaussian"] as const) ?? "gaussian";
  let f: Float32Array;
  const imageNoise = estimateNoise(image);
  const pixelSd = options.pixelNoise ?? (model === "poisson" ? pixelNoise(image, "poisson") : imageNoise);
  let noise = pixelSd;
  if (filt === "log") {
    const s = Math.max(0.5, options.smoothing);
    f = laplacianOfGaussian(image, s).data;
    noise /= s * Math.sqrt(2 * Math.PI); // sd of −σ²∇²G_σ * white noise: ∫(σ²∇²G)² = 1/(2πσ²)
  } else {
    // Unsmoothed: the image itself (only read).
    f = options.smoothing > 0 ? gaussianFilter(image, options.smoothing, options.smoothing, 3).data : image.data;
    if (options.smoothing > 0) noise /= 2 * Math.sqrt(Math.PI) * options.smoothing;
  }
  const border = Math.max(0, Math.round(options.excludeBorder ?? 1));
  const ringR = Math.max(1.5, options.ringRadius ?? 2 * md);
  // Bilinear sample of the filtered image (clamped at the edges).
  const sample = (x: number, y: number): number => {
    x = Math.min(w - 1, Math.max(0, x)); y = Math.min(h - 1, Math.max(0, y));
    const x0 = Math.min(w - 2, Math.floor(x)), y0 = Math.min(h - 2, Math.floor(y));
    const fx = w > 1 ? x - x0 : 0, fy = h > 1 ? y - y0 : 0;
    const i = y0 * w + x0;
    if (w === 1 || h === 1) return f[Math.round(y) * w + Math.round(x)];
    return (1 - fy) * ((1 - fx) * f[i] + fx * f[i + 1]) + fy * ((1 - fx) * f[i + w] + fx * f[i + w + 1]);
  };
  const cand: number[] = [];
  const prom: number[] = [];
  // Pixels of a plateau already represented by a peak (allocated at the first plateau: most images have none).
  let taken: Uint8Array | null = null;
  const NR = 24;
  const ringX = new Float64Array(NR), ringY = new Float64Array(NR);
  for (let k = 0; k < NR; k++) { const t = (2 * Math.PI * k) / NR; ringX[k] = ringR * Math.cos(t); ringY[k] = ringR * Math.sin(t); }
  // A peak is the maximum of the (2md+1)² square around it (as a maximum filter), found as a
  // 3×3 maximum first and then checked against its square: O(wh + candidates·md²).
  const consider = (x: number, y: number, i: number, v: number): void => {
    if (!Number.isFinite(v)) return;
    const ya = Math.max(0, y - md), yb = Math.min(h - 1, y + md), xa = Math.max(0, x - md), xb = Math.min(w - 1, x + md);
    let equal = 0;
    for (let yy = ya; yy <= yb; yy++) {
      const row = yy * w;
      for (let xx = xa; xx <= xb; xx++) { const u = f[row + xx]; if (u > v) return; if (u === v) equal++; }
    }
    // Plateau: suppress equal pixels within md (keep the first, as skimage); all equal: no peak.
    if (equal > 1) {
      const t = taken ?? (taken = new Uint8Array(w * h));
      for (let yy = ya; yy <= yb; yy++) for (let xx = xa; xx <= xb; xx++) if (f[yy * w + xx] === v) t[yy * w + xx] = 1;
    }
    if (equal === (yb - ya + 1) * (xb - xa + 1)) return;
    // Contrast: value minus the mean on a ring of radius ringR (a smooth gradient averages out).
    let ring = 0;
    for (let k = 0; k < NR; k++) ring += sample(x + ringX[k], y + ringY[k]);
    cand.push(i);
    prom.push(v - ring / NR);
  };
  // A pixel on the image edge: compare with the neighbours that exist.
  const edge = (x: number, y: number): void => {
    const i = y * w + x, v = f[i];
    if (!(v === v) || (taken !== null && taken[i])) return;
    if ((x > 0 && f[i - 1] > v) || (x < w - 1 && f[i + 1] > v) || (y > 0 && (f[i - w] > v || (x > 0 && f[i - w - 1] > v) || (x < w - 1 && f[i - w + 1] > v))) || (y < h - 1 && (f[i + w] > v || (x > 0 && f[i + w - 1] > v) || (x < w - 1 && f[i + w + 1] > v)))) return;
    consider(x, y, i, v);
  };
  // Scan order (rows, then columns) decides which pixel of a plateau is kept.
  for (let y = border; y < h - border; y++) {
    if (y === 0 || y === h - 1) { for (let x = border; x < w - border; x++) edge(x, y); continue; }
    if (border === 0) edge(0, y);
    // Interior pixels (all 8 neighbours inside): no bounds checks, right neighbour first.
    const row = y * w, end = row + Math.min(w - 1, w - border);
    for (let i = row + Math.max(1, border); i < end; i++) {
      const v = f[i];
      if (f[i + 1] > v || f[i - 1] > v || f[i - w] > v || f[i + w] > v || f[i - w - 1] > v || f[i - w + 1] > v || f[i + w - 1] > v || f[i + w + 1] > v) continue;
      if (!(v === v) || (taken !== null && taken[i])) continue;
      consider(i - row, y, i, v);
    }
    if (border === 0 && w > 1) edge(w - 1, y);
  }
  let relCut = 0;
  if (options.thresholdRel && options.thresholdRel > 0 && prom.length) {
    const s = Float64Array.from(prom).sort();
    relCut = options.thresholdRel * s[Math.min(s.length - 1, Math.floor(0.95 * (s.length - 1)))];
  }
  const snr = options.snr ?? adaptiveSnr(prom.map((p) => p / noise));
  const absCut = snr * noise;
  const X: number[] = [], Y: number[] = [], V: number[] = [], P: number[] = [];
  cand.forEach((i, k) => {
    if (prom[k] < relCut || prom[k] < absCut || prom[k] <= 0) return;
    X.push(i % w); Y.push(Math.floor(i / w)); V.push(f[i]); P.push(prom[k]);
  });
  return { x: Int32Array.from(X), y: Int32Array.from(Y), value: Float64Array.from(V), prominence: Float64Array.from(P), noise, pixelNoise: pixelSd, imageNoise, threshold: snr, candidates: cand.length };
}
