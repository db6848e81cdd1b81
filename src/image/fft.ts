/**
 * Fast Fourier transforms of any length, in 1-D and 2-D, on typed arrays.
 *
 * Lengths that are powers of two use an iterative radix-2 Cooley–Tukey
 * transform; every other length uses Bluestein's chirp-z algorithm
 * (L. Bluestein, IEEE Trans. Audio Electroacoust. 18, 1970), which rewrites a
 * length-n DFT as a circular convolution of power-of-two length ≥ 2n − 1, so
 * every size costs O(n log n). Conventions follow NumPy's `numpy.fft`:
 * forward X[k] = Σ_j x[j] e^{−2πi jk/n}, inverse with e^{+2πi jk/n} and 1/n,
 * zero frequency at index 0 (use {@link fftshift} to centre it).
 *
 * 2-D transforms act on row-major images (x = column, y = row): the
 * frequency at index (kx, ky) is (kx/width, ky/height) cycles per pixel for
 * kx < width/2, negative above.
 */
import { Image } from "./image";

interface Plan {
  n: number;
  pow2: boolean;
  // radix-2
  cos?: Float64Array;
  sin?: Float64Array;
  rev?: Uint32Array;
  // Bluestein
  m?: number;
  chirpRe?: Float64Array;
  chirpIm?: Float64Array;
  kernRe?: Float64Array; // FFT of the conjugate chirp, length m
  kernIm?: Float64Array;
  sub?: Plan;
  bufRe?: Float64Array;
  bufIm?: Float64Array;
}

const plans = new Map<number, Plan>();

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function makePlan(n: number): Plan {
  const cached = plans.get(n);
  if (cached) return cached;
  let plan: Plan;
  if (isPow2(n)) {
    const cos = new Float64Array(n >> 1), sin = new Float64Array(n >> 1);
    for (let i = 0; i < n >> 1; i++) { cos[i] = Math.cos((2 * Math.PI * i) / n); sin[i] = Math.sin((2 * Math.PI * i) / n); }
    const rev = new Uint32Array(n);
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      rev[i] = r >>> 0;
    }
    plan = { n, pow2: true, cos, sin, rev };
  } else {
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    const chirpRe = new Float64Array(n), chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // angle = π k² / n, with k² reduced mod 2n to keep precision.
      const k2 = (k * k) % (2 * n);
      const a = (Math.PI * k2) / n;
      chirpRe[k] = Math.cos(a);
      chirpIm[k] = -Math.sin(a);
    }
    const kernRe = new Float64Array(m), kernIm = new Float64Array(m);
    kernRe[0] = chirpRe[0]; kernIm[0] = -chirpIm[0];
    for (let k = 1; k < n; k++) {
      kernRe[k] = kernRe[m - k] = chirpRe[k];
      kernIm[k] = kernIm[m - k] = -chirpIm[k];
    }
    const sub = makePlan(m);
    transformPow2(sub, kernRe, kernIm, false);
    plan = { n, pow2: false, m, chirpRe, chirpIm, kernRe, kernIm, sub, bufRe: new Float64Array(m), bufIm: new Float64Array(m) };
  }
  plans.set(n, plan);
  return plan;
}

function transformPow2(plan: Plan, re: Float64Array, im: Float64Array, inverse: boolean, offset = 0, stride = 1): void {
  const n = plan.n, rev = plan.rev!, cos = plan.cos!, sin = plan.sin!;
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      const a = offset + i * stride, b = offset + j * stride;
      let t = re[a]; re[a] = re[b]; re[b] = t;
      t = im[a]; im[a] = im[b]; im[b] = t;
    }
  }
  const sgn = inverse ? 1 : -1;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1, step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step], wi = sgn * sin[k * step];
        const a = offset + (start + k) * stride, b = a + half * stride;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
      }
    }
  }
}

function transformAny(plan: Plan, re: Float64Array, im: Float64Array, inverse: boolean, offset: number, stride: number): void {
  if (plan.pow2) { transformPow2(plan, re, im, inverse, offset, stride); return; }
  const n = plan.n, m = plan.m!, cr = plan.chirpRe!, ci = plan.chirpIm!, br = plan.bufRe!, bi = plan.bufIm!;
  // Inverse DFT = conj(DFT(conj(x))).
  const s = inverse ? -1 : 1;
  br.fill(0); bi.fill(0);
  for (let k = 0; k < n; k++) {
    const xr = re[offset + k * stride], xi = s * im[offset + k * stride];
    br[k] = xr * cr[k] - xi * ci[k];
    bi[k] = xr * ci[k] + xi * cr[k];
  }
  transformPow2(plan.sub!, br, bi, false);
  const kr = plan.kernRe!, ki = plan.kernIm!;
  for (let k = 0; k < m; k++) {
    const r = br[k] * kr[k] - bi[k] * ki[k];
    const i = br[k] * ki[k] + bi[k] * kr[k];
    br[k] = r; bi[k] = i;
  }
  transformPow2(plan.sub!, br, bi, true);
  for (let k = 0; k < n; k++) {
    const yr = br[k] / m, yi = bi[k] / m;
    re[offset + k * stride] = yr * cr[k] - yi * ci[k];
    im[offset + k * stride] = s * (yr * ci[k] + yi * cr[k]);
  }
}

/**
 * In-place 1-D FFT of any length n ≥ 1 (unnormalised forward; the inverse
 * divides by n, as NumPy). O(n log n).
 */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  if (re.length !== im.length) throw new RangeError(`fft1d: re has ${re.length} values, im has ${im.length}`);
  const n = re.length;
  if (n <= 1) return;
  transformAny(makePlan(n), re, im, inverse, 0, 1);
  if (inverse) for (let i = 0; i < n; i++) { re[i] /= n; im[i] /= n; }
}

/**
 * Unnormalised in-place radix-2 FFT of the n values `re/im[offset + i·stride]`
 * (n a power of two; the inverse is not divided by n). O(n log n).
 */
export function fftPow2(re: Float64Array, im: Float64Array, n: number, inverse = false, offset = 0, stride = 1): void {
  if (!isPow2(n)) throw new RangeError(`fftPow2: n must be a power of two, got ${n}`);
  transformPow2(makePlan(n), re, im, inverse, offset, stride);
}

/**
 * Unnormalised in-place radix-2 FFT down the columns x ∈ [x0, x1) of a W×H
 * row-major array (H a power of two), all columns in one sweep: each
 * butterfly runs along a contiguous stretch of two rows (cache-friendly).
 * Per column, the same operations in the same order as `fftPow2` of that column.
 */
export function fftPow2Columns(re: Float64Array, im: Float64Array, W: number, H: number, x0 = 0, x1 = W, inverse = false): void {
  if (!isPow2(H)) throw new RangeError(`fftPow2Columns: H must be a power of two, got ${H}`);
  const { cos, sin, rev } = makePlan(H) as Required<Pick<Plan, "cos" | "sin" | "rev">>;
  for (let i = 0; i < H; i++) {
    const j = rev[i];
    if (j > i) {
      const a = i * W, b = j * W;
      for (let x = x0; x < x1; x++) {
        let t = re[a + x]; re[a + x] = re[b + x]; re[b + x] = t;
        t = im[a + x]; im[a + x] = im[b + x]; im[b + x] = t;
      }
    }
  }
  const sgn = inverse ? 1 : -1;
  for (let size = 2; size <= H; size <<= 1) {
    const half = size >> 1, step = H / size;
    for (let start = 0; start < H; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step], wi = sgn * sin[k * step];
        const a = (start + k) * W, b = a + half * W;
        for (let x = x0; x < x1; x++) {
          const rb = re[b + x], ib = im[b + x];
          const xr = rb * wr - ib * wi;
          const xi = rb * wi + ib * wr;
          re[b + x] = re[a + x] - xr; im[b + x] = im[a + x] - xi;
          re[a + x] += xr; im[a + x] += xi;
        }
      }
    }
  }
}

/** Signed frequency (cycles per sample) of FFT bin k of n, as NumPy's `fftfreq`. */
export function fftFreq(k: number, n: number): number {
  return (k <= (n - 1) / 2 ? k : k - n) / n;
}

/** A complex 2-D array, row-major (`re[ky * width + kx]`). */
export interface ComplexImage {
  re: Float64Array;
  im: Float64Array;
  width: number;
  height: number;
}

/**
 * In-place 2-D FFT of a row-major complex array of any width and height
 * (rows, then columns). The inverse divides by width·height.
 * O(wh log(wh)).
 */
export function fft2dInPlace(c: ComplexImage, inverse = false): ComplexImage {
  const { re, im, width: w, height: h } = c;
  if (re.length !== w * h || im.length !== w * h) throw new RangeError(`fft2d: arrays have ${re.length}/${im.length} values, width*height = ${w * h}`);
  if (w > 1) {
    const p = makePlan(w);
    for (let y = 0; y < h; y++) transformAny(p, re, im, inverse, y * w, 1);
  }
  if (h > 1 && isPow2(h)) fftPow2Columns(re, im, w, h, 0, w, inverse);
  else if (h > 1) {
    // Columns: copy to a contiguous buffer for cache efficiency.
    const p = makePlan(h);
    const cr = new Float64Array(h), ci = new Float64Array(h);
    for (let x = 0; x < w; x++) {
      for (let y = 0; y < h; y++) { cr[y] = re[y * w + x]; ci[y] = im[y * w + x]; }
      transformAny(p, cr, ci, inverse, 0, 1);
      for (let y = 0; y < h; y++) { re[y * w + x] = cr[y]; im[y * w + x] = ci[y]; }
    }
  }
  if (inverse) {
    const s = 1 / (w * h);
    for (let i = 0; i < w * h; i++) { re[i] *= s; im[i] *= s; }
  }
  return c;
}

/** Forward 2-D FFT of an image (any size). Returns a new complex array. */
export function fft2(image: Image): ComplexImage {
  const { width, height, data } = image;
  const re = Float64Array.from(data), im = new Float64Array(width * height);
  return fft2dInPlace({ re, im, width, height });
}

/** Inverse 2-D FFT; returns the real part as an image (imaginary part dropped). */
export function ifft2(spectrum: ComplexImage): Image {
  const c = fft2dInPlace({ re: Float64Array.from(spectrum.re), im: Float64Array.from(spectrum.im), width: spectrum.width, height: spectrum.height }, true);
  return { data: Float32Array.from(c.re), width: c.width, height: c.height };
}

/**
 * Power spectrum |F|² of an image, zero frequency moved to the centre pixel
 * (⌊width/2⌋, ⌊height/2⌋). The mean is subtracted first and, when `window`
 * is true (default), a Hann window applied, to suppress edge streaks.
 */
export function powerSpectrum(image: Image, options: { window?: boolean } = {}): Image {
  const { width: w, height: h, data } = image;
  const re = new Float64Array(w * h), im = new Float64Array(w * h);
  let mean = 0;
  for (let i = 0; i < w * h; i++) mean += data[i];
  mean /= w * h || 1;
  const hann = options.window !== false;
  for (let y = 0; y < h; y++) {
    const wy = hann && h > 1 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * y) / (h - 1)) : 1;
    for (let x = 0; x < w; x++) {
      const wx = hann && w > 1 ? 0.5 - 0.5 * Math.cos((2 * Math.PI * x) / (w - 1)) : 1;
      re[y * w + x] = (data[y * w + x] - mean) * wx * wy;
    }
  }
  fft2dInPlace({ re, im, width: w, height: h });
  const out = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) out[i] = re[i] * re[i] + im[i] * im[i];
  return fftshift({ data: out, width: w, height: h });
}

/** Move the zero-frequency pixel to (⌊w/2⌋, ⌊h/2⌋), as `numpy.fft.fftshift`. */
export function fftshift(image: Image): Image {
  const { width: w, height: h, data } = image;
  const out = new Float32Array(w * h);
  const sx = Math.floor(w / 2), sy = Math.floor(h / 2);
  for (let y = 0; y < h; y++) {
    const ty = (y + sy) % h;
    for (let x = 0; x < w; x++) out[ty * w + ((x + sx) % w)] = data[y * w + x];
  }
  return { data: out, width: w, height: h, ...(image.calibration ? { calibration: image.calibration } : {}) };
}

/** Options of {@link fourierFilter}. Frequencies in cycles per pixel (0 … 0.5·√2). */
export interface FourierFilterOptions {
  /** Keep frequencies below this (Gaussian roll-off of width `rolloff`). */
  lowpass?: number;
  /** Remove frequencies below this (Gaussian roll-off). */
  highpass?: number;
  /** Width of the Gaussian roll-off, cycles/pixel (default 0.02). */
  rolloff?: number;
  /** Custom transfer function of (fx, fy) in cycles/pixel; multiplies the spectrum. */
  mask?: (fx: number, fy: number) => number;
}

/**
 * Filter an image in Fourier space: low-pass, high-pass, band-pass (both) or
 * any mask H(fx, fy) (e.g. Bragg-peak masks). Soft Gaussian edges avoid
 * ringing. Periodic boundaries (the FFT's). Returns a new image.
 */
export function fourierFilter(image: Image, options: FourierFilterOptions): Image {
  const { width: w, height: h } = image;
  const roll = options.rolloff ?? 0.02;
  if (!(roll > 0)) throw new RangeError(`fourierFilter: options.rolloff must be > 0, got ${roll}`);
  const F = fft2(image);
  for (let ky = 0; ky < h; ky++) {
    const fy = (ky < (h + 1) / 2 ? ky : ky - h) / h;
    for (let kx = 0; kx < w; kx++) {
      const fx = (kx < (w + 1) / 2 ? kx : kx - w) / w;
      const f = Math.hypot(fx, fy);
      let g = 1;
      if (options.lowpass !== undefined && f > options.lowpass) g *= Math.exp(-0.5 * ((f - options.lowpass) / roll) ** 2);
      if (options.highpass !== undefined && f < options.highpass) g *= Math.exp(-0.5 * ((options.highpass - f) / roll) ** 2);
      if (options.mask) g *= options.mask(fx, fy);
      const i = ky * w + kx;
      F.re[i] *= g; F.im[i] *= g;
    }
  }
  const out = ifft2(F);
  return image.calibration ? { ...out, calibration: image.calibration } : out;
}
