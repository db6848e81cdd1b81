/**
 * Small complex FFTs for the 4D-STEM code (any length: radix-2 for powers of
 * two, Bluestein's chirp-z otherwise). Data are split real/imaginary
 * Float64Arrays; transforms are in place; the inverse divides by N.
 */

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();

function radix2Tables(n: number) {
  let t = twiddleCache.get(n);
  if (!t) {
    const cos = new Float64Array(n / 2), sin = new Float64Array(n / 2);
    for (let i = 0; i < n / 2; i++) { cos[i] = Math.cos((2 * Math.PI * i) / n); sin[i] = Math.sin((2 * Math.PI * i) / n); }
    const rev = new Uint32Array(n);
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) { let r = 0; for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b); rev[i] = r; }
    t = { cos, sin, rev };
    twiddleCache.set(n, t);
  }
  return t;
}

function fftRadix2(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  const { cos, sin, rev } = radix2Tables(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) { let t = re[i]; re[i] = re[j]; re[j] = t; t = im[i]; im[i] = im[j]; im[j] = t; }
  }
  const sgn = inverse ? 1 : -1;
  for (let size = 2; size <= n; size *= 2) {
    const half = size / 2, step = n / size;
    for (let i = 0; i < n; i += size) {
      for (let j = 0, k = 0; j < half; j++, k += step) {
        const wr = cos[k], wi = sgn * sin[k];
        const a = i + j, b = a + half;
        const xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
      }
    }
  }
}

const bluesteinCache = new Map<number, { m: number; wr: Float64Array; wi: Float64Array; br: Float64Array; bi: Float64Array }>();

function fftBluestein(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  let t = bluesteinCache.get(n);
  if (!t) {
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    const wr = new Float64Array(n), wi = new Float64Array(n);
    for (let k = 0; k < n; k++) { const a = (Math.PI * ((k * k) % (2 * n))) / n; wr[k] = Math.cos(a); wi[k] = Math.sin(a); }
    const br = new Float64Array(m), bi = new Float64Array(m);
    br[0] = wr[0]; bi[0] = wi[0];
    for (let k = 1; k < n; k++) { br[k] = br[m - k] = wr[k]; bi[k] = bi[m - k] = wi[k]; }
    fftRadix2(br, bi, false);
    t = { m, wr, wi, br, bi };
    bluesteinCache.set(n, t);
  }
  const { m, wr, wi, br, bi } = t;
  const s = inverse ? -1 : 1; // forward uses chirp exp(-i pi k^2/n)
  const ar = new Float64Array(m), ai = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    const cr = wr[k], ci = -s * wi[k];
    ar[k] = re[k] * cr - im[k] * ci; ai[k] = re[k] * ci + im[k] * cr;
  }
  fftRadix2(ar, ai, false);
  for (let k = 0; k < m; k++) {
    const b2r = br[k], b2i = s * bi[k];
    const xr = ar[k] * b2r - ai[k] * b2i, xi = ar[k] * b2i + ai[k] * b2r;
    ar[k] = xr; ai[k] = xi;
  }
  fftRadix2(ar, ai, true);
  for (let k = 0; k < n; k++) {
    const xr = ar[k] / m, xi = ai[k] / m, cr = wr[k], ci = -s * wi[k];
    re[k] = xr * cr - xi * ci; im[k] = xr * ci + xi * cr;
  }
}

/** In-place 1-D FFT (forward: exp(-2πi jk/N)); the inverse divides by N. */
export function fft1(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n <= 1) return;
  if ((n & (n - 1)) === 0) fftRadix2(re, im, inverse);
  else fftBluestein(re, im, inverse);
  if (inverse) for (let i = 0; i < n; i++) { re[i] /= n; im[i] /= n; }
}

/** In-place 2-D FFT of a row-major height × width array. */
export function fft2(re: Float64Array, im: Float64Array, width: number, height: number, inverse = false): void {
  const rr = new Float64Array(width), ri = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) { rr[x] = re[o + x]; ri[x] = im[o + x]; }
    fft1(rr, ri, inverse);
    for (let x = 0; x < width; x++) { re[o + x] = rr[x]; im[o + x] = ri[x]; }
  }
  const cr = new Float64Array(height), ci = new Float64Array(height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) { cr[y] = re[y * width + x]; ci[y] = im[y * width + x]; }
    fft1(cr, ci, inverse);
    for (let y = 0; y < height; y++) { re[y * width + x] = cr[y]; im[y * width + x] = ci[y]; }
  }
}

/** Signed frequency (cycles per sample) of FFT bin k of n. */
export function fftFreq(k: number, n: number): number {
  return (k <= (n - 1) / 2 ? k : k - n) / n;
}
