/**
 * Spatial filters on images (row-major Float32Array, x = column, y = row,
 * lengths in pixels): separable Gaussian smoothing and derivatives,
 * Laplacian of Gaussian, difference of Gaussians, background subtraction,
 * normalisation, and a separable maximum filter for peak finding.
 *
 * Boundaries are handled by mirror reflection about the edge pixel centre
 * (`scipy.ndimage` mode "mirror"), so a constant image stays constant.
 * Gaussian kernels are truncated at 4σ (as `scipy.ndimage.gaussian_filter`).
 * Cost: O(w·h·σ) per separable pass. The Gaussian passes run in WebAssembly
 * SIMD where available (simd.ts), with results bit-identical to the
 * JavaScript loops here.
 */
import { Image } from "./image";
import { SmoothPass, isSymmetric, mirror, simdSmooth } from "./simd";
import { quantilesInPlace } from "../core/select";

function checkImage(fn: string, image: Image): void {
  if (!image || !(image.data instanceof Float32Array) || image.data.length !== image.width * image.height) {
    throw new TypeError(`${fn}: image must be an Image { data: Float32Array, width, height } with data.length = width*height`);
  }
}

function checkSigma(fn: string, name: string, sigma: number): void {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`${fn}: ${name} must be a finite number >= 0 (pixels), got ${sigma}`);
}

function withCal(src: Image, data: Float32Array): Image {
  return src.calibration ? { data, width: src.width, height: src.height, calibration: src.calibration } : { data, width: src.width, height: src.height };
}

/** Gaussian kernel (order 0, 1 or 2 derivative), truncated at `truncate`·σ (default 4), order-0 normalised to sum 1. */
export function gaussianKernel(sigma: number, order: 0 | 1 | 2 = 0, truncate = 4): Float64Array {
  checkSigma("gaussianKernel", "sigma", sigma);
  if (sigma === 0) return Float64Array.of(order === 0 ? 1 : 0);
  const r = Math.max(1, Math.ceil(truncate * sigma));
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) { const g = Math.exp((-0.5 * i * i) / (sigma * sigma)); k[i + r] = g; sum += g; }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  if (order === 1) for (let i = -r; i <= r; i++) k[i + r] *= -i / (sigma * sigma);
  if (order === 2) {
    for (let i = -r; i <= r; i++) k[i + r] *= (i * i - sigma * sigma) / (sigma ** 4);
    // Remove the DC response left by truncation so constants give exactly 0.
    let m = 0; for (let i = 0; i < k.length; i++) m += k[i];
    m /= k.length; for (let i = 0; i < k.length; i++) k[i] -= m;
  }
  return k;
}

/** Transpose a row-major w×h array into h×w (cache-blocked). */
export function transpose(src: Float32Array, width: number, height: number, out = new Float32Array(width * height)): Float32Array {
  const B = 32;
  for (let y0 = 0; y0 < height; y0 += B) for (let x0 = 0; x0 < width; x0 += B) {
    const y1 = Math.min(height, y0 + B), x1 = Math.min(width, x0 + B);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[x * height + y] = src[y * width + x];
  }
  return out;
}

/**
 * Correlate every row with a 1-D kernel (mirror boundaries), into `out`. A symmetric kernel
 * folds the pair of taps j and 2r − j and advances four outputs at a time (independent sums,
 * each with the same operations in the same order as one at a time).
 */
function convolveRows(src: Float32Array, width: number, height: number, kernel: Float64Array, out: Float32Array): Float32Array {
  const r = (kernel.length - 1) >> 1, n = width, r2 = 2 * r;
  const buf = new Float64Array(n + 2 * r);
  const symmetric = isSymmetric(kernel);
  if (symmetric && simdSmooth(src, width, height, [{ axis: 0, kernel }], out)) return out;
  const kc = kernel[r];
  for (let l = 0; l < height; l++) {
    const base = l * width;
    for (let i = 0; i < r; i++) { buf[i] = src[base + mirror(i - r, n)]; buf[n + r + i] = src[base + mirror(n + i, n)]; }
    for (let i = 0; i < n; i++) buf[i + r] = src[base + i];
    if (symmetric) {
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        let s0 = kc * buf[i + r], s1 = kc * buf[i + r + 1], s2 = kc * buf[i + r + 2], s3 = kc * buf[i + r + 3];
        for (let j = 0; j < r; j++) {
          const kj = kernel[j], p = i + j, q = i + r2 - j;
          s0 += kj * (buf[p] + buf[q]); s1 += kj * (buf[p + 1] + buf[q + 1]); s2 += kj * (buf[p + 2] + buf[q + 2]); s3 += kj * (buf[p + 3] + buf[q + 3]);
        }
        out[base + i] = s0; out[base + i + 1] = s1; out[base + i + 2] = s2; out[base + i + 3] = s3;
      }
      for (; i < n; i++) {
        let s = kc * buf[i + r];
        for (let j = 0; j < r; j++) s += kernel[j] * (buf[i + j] + buf[i + r2 - j]);
        out[base + i] = s;
      }
    } else {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < kernel.length; j++) s += kernel[j] * buf[i + j];
        out[base + i] = s;
      }
    }
  }
  return out;
}

/**
 * Correlate every row (axis 0 = x) or column (axis 1 = y) with a 1-D kernel
 * (mirror boundaries). Columns are done as rows of the transpose.
 */
export function convolve1d(src: Float32Array, width: number, height: number, kernel: Float64Array, axis: 0 | 1, out = new Float32Array(width * height)): Float32Array {
  if (axis === 0) return convolveRows(src, width, height, kernel, out);
  return convolveColumns(src, width, height, kernel, out);
}

/**
 * Correlate every column with a 1-D kernel, streaming whole rows (contiguous memory, no
 * transpose). A symmetric kernel takes the tap pairs (j, 2r − j) four at a time per sweep of
 * a Float64 accumulator row (then one at a time); the first sweep starts from the centre tap
 * and the last writes the output row. Per pixel the same operations in the same order as tap by tap.
 */
function convolveColumns(src: Float32Array, width: number, height: number, kernel: Float64Array, out: Float32Array): Float32Array {
  const r = (kernel.length - 1) >> 1;
  const acc = new Float64Array(width);
  const kc = kernel[r];
  if (!isSymmetric(kernel)) {
    for (let y = 0; y < height; y++) {
      const c0 = y * width;
      for (let x = 0; x < width; x++) acc[x] = kc * src[c0 + x];
      for (let j = 0; j < kernel.length; j++) {
        if (j === r) continue;
        const a = mirror(y + j - r, height) * width, kj = kernel[j];
        for (let x = 0; x < width; x++) acc[x] += kj * src[a + x];
      }
      for (let x = 0; x < width; x++) out[c0 + x] = acc[x];
    }
    return out;
  }
  if (simdSmooth(src, width, height, [{ axis: 1, kernel }], out)) return out;
  if (r === 0) { for (let i = 0; i < width * height; i++) out[i] = kc * src[i]; return out; }
  // Source row offsets of the pair j at [2j, 2j + 1].
  const rows = new Int32Array(2 * r);
  for (let y = 0; y < height; y++) {
    const c = y * width;
    for (let j = 0; j < r; j++) { rows[2 * j] = mirror(y + j - r, height) * width; rows[2 * j + 1] = mirror(y + r - j, height) * width; }
    for (let j = 0; j < r;) {
      const first = j === 0;
      if (r - j >= 4) {
        const a0 = rows[2 * j], b0 = rows[2 * j + 1], a1 = rows[2 * j + 2], b1 = rows[2 * j + 3], a2 = rows[2 * j + 4], b2 = rows[2 * j + 5], a3 = rows[2 * j + 6], b3 = rows[2 * j + 7];
        const k0 = kernel[j], k1 = kernel[j + 1], k2 = kernel[j + 2], k3 = kernel[j + 3];
        j += 4;
        if (first && j === r) for (let x = 0; x < width; x++) out[c + x] = kc * src[c + x] + k0 * (src[a0 + x] + src[b0 + x]) + k1 * (src[a1 + x] + src[b1 + x]) + k2 * (src[a2 + x] + src[b2 + x]) + k3 * (src[a3 + x] + src[b3 + x]);
        else if (first) for (let x = 0; x < width; x++) acc[x] = kc * src[c + x] + k0 * (src[a0 + x] + src[b0 + x]) + k1 * (src[a1 + x] + src[b1 + x]) + k2 * (src[a2 + x] + src[b2 + x]) + k3 * (src[a3 + x] + src[b3 + x]);
        else if (j === r) for (let x = 0; x < width; x++) out[c + x] = acc[x] + k0 * (src[a0 + x] + src[b0 + x]) + k1 * (src[a1 + x] + src[b1 + x]) + k2 * (src[a2 + x] + src[b2 + x]) + k3 * (src[a3 + x] + src[b3 + x]);
        else for (let x = 0; x < width; x++) acc[x] = acc[x] + k0 * (src[a0 + x] + src[b0 + x]) + k1 * (src[a1 + x] + src[b1 + x]) + k2 * (src[a2 + x] + src[b2 + x]) + k3 * (src[a3 + x] + src[b3 + x]);
      } else {
        const a = rows[2 * j], b = rows[2 * j + 1], k = kernel[j];
        j++;
        if (first && j === r) for (let x = 0; x < width; x++) out[c + x] = kc * src[c + x] + k * (src[a + x] + src[b + x]);
        else if (first) for (let x = 0; x < width; x++) acc[x] = kc * src[c + x] + k * (src[a + x] + src[b + x]);
        else if (j === r) for (let x = 0; x < width; x++) out[c + x] = acc[x] + k * (src[a + x] + src[b + x]);
        else for (let x = 0; x < width; x++) acc[x] = acc[x] + k * (src[a + x] + src[b + x]);
      }
    }
  }
  return out;
}

/** Coefficients B, b1, b2, b3 of the recursive Gaussian (Young & van Vliet 1995) and its line padding 4σ. */
function recursiveCoefficients(sigma: number): { coef: [number, number, number, number]; pad: number } {
  const q = sigma >= 2.5 ? 0.98711 * sigma - 0.9633 : 3.97156 - 4.14554 * Math.sqrt(1 - 0.26891 * sigma);
  const b0 = 1.57825 + 2.44413 * q + 1.4281 * q * q + 0.422205 * q * q * q;
  const b1 = (2.44413 * q + 2.85619 * q * q + 1.26661 * q * q * q) / b0;
  const b2 = -(1.4281 * q * q + 1.26661 * q * q * q) / b0;
  const b3 = (0.422205 * q * q * q) / b0;
  return { coef: [1 - (b1 + b2 + b3), b1, b2, b3], pad: Math.ceil(4 * sigma) };
}

/**
 * Recursive (IIR) Gaussian along one axis: I. T. Young and L. J. van Vliet,
 * "Recursive implementation of the Gaussian filter", Signal Processing 44,
 * 1995. O(1) per pixel whatever σ (used for σ > 8 px, where it is accurate
 * to ~1 % of the signal range); lines are mirror-padded by 4σ.
 */
function recursiveGaussian1d(src: Float32Array, width: number, height: number, coefficients: { coef: [number, number, number, number]; pad: number }, axis: 0 | 1, out = new Float32Array(width * height)): Float32Array {
  if (simdSmooth(src, width, height, [{ axis, ...coefficients }], out)) return out;
  const [B, b1, b2, b3] = coefficients.coef, pad = coefficients.pad;
  const n = axis === 0 ? width : height;
  const lines = axis === 0 ? height : width;
  const stride = axis === 0 ? 1 : width;
  const lineStep = axis === 0 ? width : 1;
  const len = n + 2 * pad;
  const idx = new Int32Array(len);
  for (let i = 0; i < len; i++) idx[i] = mirror(i - pad, n) * stride;
  // Four lines at a time, each recursion's last three outputs in registers (independent
  // recursions advance at throughput, not latency); the causal outputs wait in `fw` for the
  // anti-causal pass, which writes the unpadded part. A last group of fewer than four lines
  // repeats its last line (the same values written twice).
  const fw = new Float64Array(4 * len);
  for (let l0 = 0; l0 < lines; l0 += 4) {
    const o0 = l0 * lineStep, o1 = Math.min(l0 + 1, lines - 1) * lineStep, o2 = Math.min(l0 + 2, lines - 1) * lineStep, o3 = Math.min(l0 + 3, lines - 1) * lineStep;
    // Causal pass; before the first sample, the outputs equal it.
    let p0 = src[o0 + idx[0]], p1 = src[o1 + idx[0]], p2 = src[o2 + idx[0]], p3 = src[o3 + idx[0]];
    let q0 = p0, q1 = p1, q2 = p2, q3 = p3, r0 = p0, r1 = p1, r2 = p2, r3 = p3; // outputs at i − 1, i − 2, i − 3
    for (let i = 0; i < len; i++) {
      const s = idx[i];
      const y0 = B * src[o0 + s] + b1 * p0 + b2 * q0 + b3 * r0;
      const y1 = B * src[o1 + s] + b1 * p1 + b2 * q1 + b3 * r1;
      const y2 = B * src[o2 + s] + b1 * p2 + b2 * q2 + b3 * r2;
      const y3 = B * src[o3 + s] + b1 * p3 + b2 * q3 + b3 * r3;
      r0 = q0; q0 = p0; p0 = y0; r1 = q1; q1 = p1; p1 = y1; r2 = q2; q2 = p2; p2 = y2; r3 = q3; q3 = p3; p3 = y3;
      const d = 4 * i;
      fw[d] = y0; fw[d + 1] = y1; fw[d + 2] = y2; fw[d + 3] = y3;
    }
    // Anti-causal pass; after the last sample, the outputs equal the last causal output.
    q0 = r0 = p0; q1 = r1 = p1; q2 = r2 = p2; q3 = r3 = p3;
    for (let i = len - 1; i >= 0; i--) {
      const d = 4 * i;
      const y0 = B * fw[d] + b1 * p0 + b2 * q0 + b3 * r0;
      const y1 = B * fw[d + 1] + b1 * p1 + b2 * q1 + b3 * r1;
      const y2 = B * fw[d + 2] + b1 * p2 + b2 * q2 + b3 * r2;
      const y3 = B * fw[d + 3] + b1 * p3 + b2 * q3 + b3 * r3;
      r0 = q0; q0 = p0; p0 = y0; r1 = q1; q1 = p1; p1 = y1; r2 = q2; q2 = p2; p2 = y2; r3 = q3; q3 = p3; p3 = y3;
      const o = i - pad;
      if (o >= 0 && o < n) { const t = o * stride; out[o0 + t] = y0; out[o1 + t] = y1; out[o2 + t] = y2; out[o3 + t] = y3; }
    }
  }
  return out;
}

/** The pass of {@link gaussianFilter} along `axis`: the truncated kernel for σ ≤ 8 px, else the recursive filter. */
function smoothPass(sigma: number, axis: 0 | 1, truncate: number): SmoothPass {
  return sigma > 8 ? { axis, ...recursiveCoefficients(sigma) } : { axis, kernel: gaussianKernel(sigma, 0, truncate) };
}

/** Passes one after another (in WebAssembly SIMD where available, else JavaScript), into `out`. */
function separable(src: Float32Array, w: number, h: number, passes: SmoothPass[], out = new Float32Array(w * h)): Float32Array {
  if (simdSmooth(src, w, h, passes, out)) return out;
  let cur = src;
  passes.forEach((p, i) => {
    const dst = i === passes.length - 1 ? out : new Float32Array(w * h);
    cur = "kernel" in p ? convolve1d(cur, w, h, p.kernel, p.axis, dst) : recursiveGaussian1d(cur, w, h, p, p.axis, dst);
  });
  return cur;
}

/**
 * Gaussian smoothing with standard deviation `sigma` pixels (separate
 * `sigmaY` for anisotropic smoothing). Equivalent to
 * `scipy.ndimage.gaussian_filter(image, sigma, mode="mirror", truncate=truncate)`
 * for σ ≤ 8 px; larger σ use the recursive filter (Young & van Vliet 1995).
 */
export function gaussianFilter(image: Image, sigma: number, sigmaY = sigma, truncate = 4): Image {
  checkImage("gaussianFilter", image);
  checkSigma("gaussianFilter", "sigma", sigma);
  checkSigma("gaussianFilter", "sigmaY", sigmaY);
  if (!(truncate >= 1)) throw new RangeError(`gaussianFilter: truncate must be >= 1 (kernel half-width in σ), got ${truncate}`);
  const { width: w, height: h } = image;
  return withCal(image, separable(image.data, w, h, [smoothPass(sigma, 0, truncate), smoothPass(sigmaY, 1, truncate)]));
}

/**
 * Laplacian of Gaussian ∇²(G_σ * I), computed separably as
 * G''(x)G(y) + G(x)G''(y). With `normalize` (default true) it is scaled by
 * −σ² so bright blobs of radius ≈ σ√2 give positive maxima, comparable across
 * scales (T. Lindeberg, Int. J. Comput. Vision 30, 1998; `skimage.feature.blob_log`).
 */
export function laplacianOfGaussian(image: Image, sigma: number, options: { normalize?: boolean } = {}): Image {
  checkImage("laplacianOfGaussian", image);
  checkSigma("laplacianOfGaussian", "sigma", sigma);
  if (sigma === 0) throw new RangeError("laplacianOfGaussian: sigma must be > 0 pixels");
  const { width: w, height: h } = image;
  const g0 = gaussianKernel(sigma, 0), g2 = gaussianKernel(sigma, 2);
  const a = separable(image.data, w, h, [{ axis: 0, kernel: g2 }, { axis: 1, kernel: g0 }]);
  const b = separable(image.data, w, h, [{ axis: 0, kernel: g0 }, { axis: 1, kernel: g2 }]);
  const s = options.normalize === false ? 1 : -sigma * sigma;
  for (let i = 0; i < a.length; i++) a[i] = s * (a[i] + b[i]);
  return withCal(image, a);
}

/**
 * Difference of Gaussians G_σ1 * I − G_σ2 * I (σ1 < σ2): a band-pass that
 * approximates a scaled LoG for σ2/σ1 ≈ 1.6 (D. Marr & E. Hildreth 1980).
 */
export function differenceOfGaussians(image: Image, sigma1: number, sigma2 = 1.6 * sigma1): Image {
  checkImage("differenceOfGaussians", image);
  checkSigma("differenceOfGaussians", "sigma1", sigma1);
  checkSigma("differenceOfGaussians", "sigma2", sigma2);
  if (!(sigma2 > sigma1)) throw new RangeError(`differenceOfGaussians: sigma2 (${sigma2}) must be larger than sigma1 (${sigma1})`);
  const a = gaussianFilter(image, sigma1).data, b = gaussianFilter(image, sigma2).data;
  for (let i = 0; i < a.length; i++) a[i] -= b[i];
  return withCal(image, a);
}

/**
 * Subtract a smooth background. `method: "gaussian"` (default) subtracts a
 * Gaussian blur of width `sigma` (pixels; choose ≥ 2× the feature spacing);
 * `"opening"` subtracts a Gaussian-smoothed grey-scale opening (min then max
 * filter) of half-width `sigma`, which follows the lower envelope (the
 * support between columns), like a rolling-ball background.
 */
export function subtractBackground(image: Image, sigma: number, options: { method?: "gaussian" | "opening" } = {}): Image {
  checkImage("subtractBackground", image);
  checkSigma("subtractBackground", "sigma", sigma);
  const { width: w, height: h } = image;
  let bg: Float32Array;
  if ((options.method ?? "gaussian") === "gaussian") {
    bg = gaussianFilter(image, sigma).data;
  } else if (options.method === "opening") {
    const r = Math.max(1, Math.round(sigma));
    const opened = maximumFilter(minimumFilter(image.data, w, h, r), w, h, r);
    bg = gaussianFilter({ data: opened, width: w, height: h }, r / 2).data;
  } else {
    throw new RangeError(`subtractBackground: options.method must be "gaussian" or "opening", got ${String(options.method)}`);
  }
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = image.data[i] - bg[i];
  return withCal(image, out);
}

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** "minmax" → [0, 1]; "zscore" → mean 0, sd 1; "percentile" → [lo, hi] percentiles to [0, 1], clipped. */
  method?: "minmax" | "zscore" | "percentile";
  /** Percentiles for "percentile", default [1, 99]. */
  percentiles?: [number, number];
}

/** Normalise intensities (non-finite pixels are ignored in the statistics and left as they are). */
export function normalize(image: Image, options: NormalizeOptions = {}): Image {
  checkImage("normalize", image);
  const d = image.data, out = new Float32Array(d.length);
  const method = options.method ?? "minmax";
  let a = 0, b = 1;
  if (method === "minmax") {
    let lo = Infinity, hi = -Infinity;
    for (const v of d) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    a = lo; b = hi > lo ? hi - lo : 1;
  } else if (method === "zscore") {
    let s = 0, s2 = 0, n = 0;
    for (const v of d) if (Number.isFinite(v)) { s += v; s2 += v * v; n++; }
    const m = s / (n || 1);
    a = m; b = Math.sqrt(Math.max(s2 / (n || 1) - m * m, 0)) || 1;
  } else if (method === "percentile") {
    const [pl, ph] = options.percentiles ?? [1, 99];
    if (!(pl >= 0 && ph <= 100 && pl < ph)) throw new RangeError(`normalize: options.percentiles must satisfy 0 <= lo < hi <= 100, got [${pl}, ${ph}]`);
    const lo = percentile(d, pl), hi = percentile(d, ph);
    a = lo; b = hi > lo ? hi - lo : 1;
    for (let i = 0; i < d.length; i++) out[i] = Math.min(1, Math.max(0, (d[i] - a) / b));
    return withCal(image, out);
  } else {
    throw new RangeError(`normalize: options.method must be "minmax", "zscore" or "percentile", got ${String(method)}`);
  }
  for (let i = 0; i < d.length; i++) out[i] = (d[i] - a) / b;
  return withCal(image, out);
}

/**
 * The p-th percentile (p in [0, 100], clamped) of the finite values, by
 * NumPy's default linear interpolation (`np.percentile` of the finite
 * values); NaN when there are none. O(n) expected (core/select).
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const finite = new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite[n++] = values[i];
  return quantilesInPlace(finite, [Math.min(100, Math.max(0, p)) / 100])[0];
}

/** 1-D running max (or min, via negation) over windows of half-width r along rows (van Herk / Gil–Werman, O(n)). */
function runningMaxRows(src: Float32Array, width: number, height: number, r: number, negate: boolean): Float32Array {
  const out = new Float32Array(width * height);
  const n = width, k = 2 * r + 1;
  const padded = Math.ceil((n + 2 * r) / k) * k;
  const buf = new Float32Array(padded), g = new Float32Array(padded), hh = new Float32Array(padded);
  const sgn = negate ? -1 : 1;
  for (let l = 0; l < height; l++) {
    const base = l * width;
    buf.fill(-Infinity, 0, r);
    for (let j = 0; j < n; j++) buf[j + r] = sgn * src[base + j];
    buf.fill(-Infinity, n + r);
    for (let s0 = 0; s0 < padded; s0 += k) {
      let m = buf[s0];
      g[s0] = m;
      for (let i = 1; i < k; i++) { const v = buf[s0 + i]; if (v > m) m = v; g[s0 + i] = m; }
      m = buf[s0 + k - 1];
      hh[s0 + k - 1] = m;
      for (let i = k - 2; i >= 0; i--) { const v = buf[s0 + i]; if (v > m) m = v; hh[s0 + i] = m; }
    }
    for (let i = 0; i < n; i++) { const a = hh[i], b = g[i + k - 1]; out[base + i] = sgn * (a > b ? a : b); }
  }
  return out;
}

function extreme2d(data: Float32Array, width: number, height: number, r: number, isMax: boolean): Float32Array {
  const a = runningMaxRows(data, width, height, r, !isMax);
  const t = runningMaxRows(transpose(a, width, height), height, width, r, !isMax);
  return transpose(t, height, width);
}

/** Maximum over the (2r+1)×(2r+1) square around each pixel (edges: only pixels inside). O(wh). */
export function maximumFilter(data: Float32Array, width: number, height: number, r: number): Float32Array {
  return extreme2d(data, width, height, r, true);
}

/** Minimum over the (2r+1)×(2r+1) square around each pixel. O(wh). */
export function minimumFilter(data: Float32Array, width: number, height: number, r: number): Float32Array {
  return extreme2d(data, width, height, r, false);
}
