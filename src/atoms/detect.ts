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

/** Result of {@link estimateSpacing}. */
export interface SpacingEstimate {
  /** Nearest-neighbour distance between columns (pixels): the first peak of the autocorrelation. */
  spacing: number;
  /** Radius (pixels) at which the autocorrelation's central peak falls to half its height above the first minimum: ≈ 1.18·σ·√2 for Gaussian columns of width σ. */
  halfWidth: number;
  /** Column width σ estimated from `halfWidth` (pixels). */
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
 * Estimate the nearest-neighbour spacing and column width from the image's
 * autocorrelation (Wiener–Khinchin: inverse FFT of the power spectrum, any
 * image size; zero-padded to powers of two). The image is high-passed (Gaussian background of σ = min(w,h)/10
 * removed) and Hann-windowed first. The spacing is the first radius at which
 * the maximum of the autocorrelation over a ring has a prominent local
 * maximum (the nearest lattice vector). O(wh log wh).
 */
export function estimateSpacing(image: Image): SpacingEstimate {
  const { width: w, height: h } = image;
  if (w < 8 || h < 8) throw new RangeError(`estimateSpacing: image is ${w}×${h} pixels; at least 8×8 is needed to estimate a lattice spacing (pass options.minDistance / options.sigma instead)`);
  const bg = gaussianFilter(image, Math.max(4, Math.min(w, h) / 10)).data;
  // Zero-padded to powers of two (radix-2 FFTs; the Hann window makes the padding seamless).
  let W2 = 1, H2 = 1;
  while (W2 < w) W2 <<= 1;
  while (H2 < h) H2 <<= 1;
  const re = new Float64Array(W2 * H2);
  let mean = 0;
  for (let i = 0; i < w * h; i++) mean += image.data[i] - bg[i];
  mean /= w * h;
  const hx = new Float64Array(w);
  for (let x = 0; x < w; x++) hx[x] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (x + 0.5)) / w);
  const d = image.data;
  for (let y = 0; y < h; y++) {
    const wy = 0.5 - 0.5 * Math.cos((2 * Math.PI * (y + 0.5)) / h);
    for (let x = 0; x < w; x++) re[y * W2 + x] = (d[y * w + x] - bg[y * w + x] - mean) * hx[x] * wy;
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
  for (let r = rmin + 1; r < rmax; r++) {
    if (ring[r] >= ring[r - 1] && ring[r] >= ring[r + 1] && ring[r] - ring[rmin] > 0.1 * span) {
      // Require a real maximum: it must exceed what follows within a few pixels.
      peak = r;
      break;
    }
  }
  if (peak < 0 || span <= 0 || !(a0 > 0)) {
    throw new RangeError(`estimateSpacing: found no lattice periodicity in the ${w}×${h} image (no autocorrelation peak within ${rmax} px); pass options.minDistance and options.sigma`);
  }
  // Sub-pixel peak by a parabola through the ring maxima.
  const y0 = ring[peak - 1], y1 = ring[peak], y2 = ring[peak + 1];
  const den = y0 - 2 * y1 + y2;
  const spacing = peak + (den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (y0 - y2)) / den)) : 0);
  // Width of the central peak above the first minimum (r ≥ 1 avoids the white-noise spike at 0).
  const base = ring[rmin];
  const top = ring[1] + (ring[1] - ring[2]) * 0.5; // extrapolate a little towards r = 0
  let half = 1;
  const target = base + 0.5 * (top - base);
  for (let r = 1; r < rmin; r++) {
    if (ring[r + 1] <= target) { half = r + (ring[r] - target) / Math.max(ring[r] - ring[r + 1], 1e-300); break; }
  }
  const sigma = Math.max(0.5, half / (1.1774 * Math.SQRT2));
  return { spacing, halfWidth: half, sigma };
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
  /** Minimum contrast (value − ring mean), as a multiple of the filtered image's noise sd (default 6). */
  snr?: number;
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
  /** Noise sd of the input image (`estimateNoise`). */
  imageNoise: number;
}

/**
 * Local maxima of the filtered image separated by at least `minDistance`
 * (square footprint, as `skimage.feature.peak_local_max`) whose contrast
 * (value minus the mean of the filtered image on a ring of radius `ringRadius`,
 * so that smooth gradients do not count) passes both the noise
 * test (≥ snr × noise sd of the filtered image) and the relative threshold (`thresholdRel`).
 * Plateaus keep one pixel. O(wh) besides the filtering.
 */
export function detectPeaks(image: Image, options: DetectOptions): Peaks {
  const { width: w, height: h } = image;
  const md = Math.max(1, Math.round(options.minDistance));
  const filt = options.filter ?? "gaussian";
  let f: Float32Array;
  const imageNoise = estimateNoise(image);
  let noise = imageNoise;
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
  const snr = options.snr ?? 6;
  const absCut = snr * noise;
  const X: number[] = [], Y: number[] = [], V: number[] = [], P: number[] = [];
  cand.forEach((i, k) => {
    if (prom[k] < relCut || prom[k] < absCut || prom[k] <= 0) return;
    X.push(i % w); Y.push(Math.floor(i / w)); V.push(f[i]); P.push(prom[k]);
  });
  return { x: Int32Array.from(X), y: Int32Array.from(Y), value: Float64Array.from(V), prominence: Float64Array.from(P), noise, imageNoise };
}
