/**
 * Band-excitation piezoresponse (BE-PFM): simple-harmonic-oscillator fits of
 * the complex response at each pixel, with the model and the parameters
 * pycroscopy/BGlib use (`be_sho_fitter`, `SHO_fun`):
 *
 *   R(ω) = A e^{iφ} ω0² / (ω² − i ω ω0 / Q − ω0²)
 *
 * A = amplitude (response units; |R(ω0)| = A·Q), ω0 = resonance frequency
 * (the unit of `frequencies`, usually Hz), Q = quality factor, φ = phase
 * (radians). The fit minimises Σ |R_model − R_measured|² over the real and
 * imaginary parts (Levenberg–Marquardt with analytic derivatives, Marquardt
 * scaling), started from the peak of |R|: ω0 at the maximum, Q = ω0 / FWHM,
 * A = max|R| / Q, φ = arg R(ω0) − π/2.
 */
import { solve } from "../core/linalg";
import type { Image } from "../image/image";

/** SHO parameters: amplitude A, resonance frequency, quality factor Q, phase φ (radians). */
export interface SHOParameters {
  amplitude: number;
  frequency: number;
  quality: number;
  phase: number;
}

/** A band-excitation data set: the complex response of each pixel at each frequency, pixel-major [row][column][bin]. */
export interface BEResponse {
  frequencies: ArrayLike<number>;
  real: Float32Array | Float64Array;
  imag: Float32Array | Float64Array;
  width: number;
  height: number;
}

/** Options of {@link fitSHO}. */
export interface FitSHOOptions {
  /** Levenberg–Marquardt iterations per pixel (default 100). */
  maxIterations?: number;
  /** Stop when the relative decrease of the residual sum of squares is below this (default 1e-12). */
  tolerance?: number;
  /**
   * A previous, possibly partial fit of the same data set (same width and
   * height): the pixels it attempted are kept as they are (values, failures)
   * and only the others are fitted, so a long fit can be done in parts.
   */
  resume?: SHOFit;
  /** With `resume`: fit again the pixels that failed in it (e.g. with a larger maxIterations). Default false. */
  retryFailures?: boolean;
  /** Attempt at most this many pixels in this call (in pixel order); the rest stay for a later call with `resume`. Default: all. */
  maxPixels?: number;
}

/** Per-pixel SHO maps (row-major, width × height) and each pixel's failure, if any. */
export interface SHOFit {
  amplitude: Image;
  frequency: Image;
  quality: Image;
  phase: Image;
  /** Coefficient of determination of the complex fit (1 − RSS / Σ|R − mean R|²). */
  rSquared: Image;
  /** 1 where the fit converged to a physical optimum (A > 0, Q > 0, ω0 inside the band ± its width). */
  converged: Uint8Array;
  /** Pixels that did not converge, with the reason; their map values are NaN. In pixel order. */
  failures: { pixel: number; x: number; y: number; reason: string }[];
  /** 1 for each pixel attempted (converged or failed); 0 = not fitted yet (NaN maps, not a failure): see `maxPixels`. */
  attempted: Uint8Array;
  /** Number of pixels not attempted yet (0 when the fit is complete). */
  remaining: number;
  /** The same parameters as plain objects, one per pixel (NaN where failed). */
  parameters(pixel: number): SHOParameters;
}

/**
 * The SHO response at `frequencies` (real and imaginary parts), as
 * pycroscopy's `SHO_fun`. O(n).
 *
 * @example const { real, imag } = shoResponse(freqs, { amplitude: 1e-3, frequency: 350e3, quality: 150, phase: 0.5 });
 */
export function shoResponse(frequencies: ArrayLike<number>, p: SHOParameters): { real: Float64Array; imag: Float64Array } {
  const n = frequencies.length;
  const real = new Float64Array(n);
  const imag = new Float64Array(n);
  const c = Math.cos(p.phase) * p.amplitude * p.frequency ** 2;
  const s = Math.sin(p.phase) * p.amplitude * p.frequency ** 2;
  for (let i = 0; i < n; i++) {
    const w = frequencies[i];
    const dr = w * w - p.frequency ** 2;
    const di = (-w * p.frequency) / p.quality;
    const d2 = dr * dr + di * di;
    // (c + i s) / (dr + i di) = (c + i s)(dr − i di) / |D|²
    real[i] = (c * dr + s * di) / d2;
    imag[i] = (s * dr - c * di) / d2;
  }
  return { real, imag };
}

/** Residuals (real parts then imaginary parts) and the Jacobian (2n × 4, row-major) at params [A, ω0, Q, φ]. */
function evaluate(f: ArrayLike<number>, re: ArrayLike<number>, im: ArrayLike<number>, q: Float64Array, r: Float64Array, J: Float64Array): number {
  const [A, w0, Q, phi] = q;
  const n = f.length;
  const er = Math.cos(phi);
  const ei = Math.sin(phi);
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const w = f[i];
    const dr = w * w - w0 * w0;
    const di = (-w * w0) / Q;
    const d2 = dr * dr + di * di;
    // 1/D = (dr − i di)/|D|²
    const ir = dr / d2;
    const ii = -di / d2;
    // S = A e^{iφ} ω0² / D
    const kr = A * w0 * w0 * er;
    const ki = A * w0 * w0 * ei;
    const sr = kr * ir - ki * ii;
    const si = kr * ii + ki * ir;
    r[i] = sr - re[i];
    r[n + i] = si - im[i];
    rss += r[i] * r[i] + r[n + i] * r[n + i];
    // ∂S/∂A = S/A; ∂S/∂φ = i S
    const row = 4 * i;
    const rowI = 4 * (n + i);
    J[row] = sr / A;
    J[rowI] = si / A;
    J[row + 3] = -si;
    J[rowI + 3] = sr;
    // ∂S/∂ω0 = S (2/ω0 − D'/D), D' = ∂D/∂ω0 = −2ω0 − iω/Q
    const pr = -2 * w0;
    const pi = -w / Q;
    const qr = pr * ir - pi * ii; // D'/D
    const qi = pr * ii + pi * ir;
    const gr = 2 / w0 - qr;
    const gi = -qi;
    J[row + 1] = sr * gr - si * gi;
    J[rowI + 1] = sr * gi + si * gr;
    // ∂S/∂Q = −S ∂D/∂Q / D, ∂D/∂Q = i ω ω0 / Q²
    const tr = 0;
    const ti = (w * w0) / (Q * Q);
    const ur = -(tr * ir - ti * ii);
    const ui = -(tr * ii + ti * ir);
    J[row + 2] = sr * ur - si * ui;
    J[rowI + 2] = sr * ui + si * ur;
  }
  return rss;
}

/** The peak-based starting point described in the module comment. */
function guess(f: ArrayLike<number>, re: ArrayLike<number>, im: ArrayLike<number>): Float64Array {
  const n = f.length;
  let k = 0;
  const mag = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    mag[i] = Math.hypot(re[i], im[i]);
    if (mag[i] > mag[k]) k = i;
  }
  const half = mag[k] / Math.SQRT2; // −3 dB (half power) width
  let lo = k;
  while (lo > 0 && mag[lo] > half) lo--;
  let hi = k;
  while (hi < n - 1 && mag[hi] > half) hi++;
  const w0 = f[k];
  const fwhm = Math.max(Math.abs(f[hi] - f[lo]), Math.abs(f[Math.min(n - 1, 1)] - f[0]));
  const Q = Math.max(1, w0 / fwhm);
  return Float64Array.from([mag[k] / Q, w0, Q, Math.atan2(im[k], re[k]) - Math.PI / 2]);
}

/** Levenberg–Marquardt from `q` (modified in place); returns the final RSS or a failure reason. */
function levenbergMarquardt(f: ArrayLike<number>, re: ArrayLike<number>, im: ArrayLike<number>, q: Float64Array, maxIt: number, tol: number): number | string {
  const n = f.length;
  const r = new Float64Array(2 * n);
  const J = new Float64Array(8 * n);
  const rT = new Float64Array(2 * n);
  const JT = new Float64Array(8 * n);
  let rss = evaluate(f, re, im, q, r, J);
  let lambda = 1e-3;
  const H = new Float64Array(16);
  const g = new Float64Array(4);
  const trial = new Float64Array(4);
  for (let it = 0; it < maxIt; it++) {
    H.fill(0);
    g.fill(0);
    for (let i = 0; i < 2 * n; i++) {
      const o = 4 * i;
      for (let a = 0; a < 4; a++) {
        g[a] += J[o + a] * r[i];
        for (let b = a; b < 4; b++) H[a * 4 + b] += J[o + a] * J[o + b];
      }
    }
    for (let a = 0; a < 4; a++) for (let b = 0; b < a; b++) H[a * 4 + b] = H[b * 4 + a];
    let improved = false;
    for (let tries = 0; tries < 20 && !improved; tries++) {
      const M = H.slice();
      for (let a = 0; a < 4; a++) M[a * 5] += lambda * H[a * 5];
      const step = solve(M, g, 4, 0);
      if (!step) { lambda *= 10; continue; }
      for (let a = 0; a < 4; a++) trial[a] = q[a] - step[a];
      if (!(trial[0] > 0 && trial[1] > 0 && trial[2] > 0)) { lambda *= 10; continue; }
      const t = evaluate(f, re, im, trial, rT, JT);
      if (t < rss) {
        const rel = (rss - t) / Math.max(rss, 1e-300);
        q.set(trial);
        r.set(rT);
        J.set(JT);
        rss = t;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (rel < tol) return rss;
      } else lambda *= 10;
    }
    if (!improved) return rss; // no step lowers the RSS: at a minimum to machine precision
  }
  return `no convergence in ${maxIt} iterations`;
}

/**
 * Fit the SHO model to every pixel of a band-excitation data set
 * (`response.real`/`imag`: width × height × bins, pixel-major). Returns maps
 * of amplitude, resonance frequency, Q, phase (wrapped to (−π, π]) and R², a
 * per-pixel `converged` flag and a list of failures with reasons (NaN in the
 * maps there) — a fit never silently returns a wrong number for a pixel it
 * could not fit. Resumable: `maxPixels` stops after that many pixels
 * (`attempted`, `remaining` say where), `resume` continues a previous result
 * (and `retryFailures` refits its failures); fitting in parts gives exactly
 * the maps of one call. Cost: O(pixels × bins × iterations) (≈ 10–30 iterations).
 * Reference: pycroscopy/BGlib `be_sho_fitter` (same model and parameters).
 *
 * @example const fit = fitSHO({ frequencies, real, imag, width: 100, height: 100 }); fit.frequency.data[0];
 */
export function fitSHO(response: BEResponse, options: FitSHOOptions = {}): SHOFit {
  const { frequencies: f, real, imag, width: w, height: h } = response;
  const n = f.length;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new RangeError(`fitSHO: width and height must be positive integers, got ${w} x ${h}`);
  if (n < 5) throw new RangeError(`fitSHO: at least 5 frequency bins are needed for 4 parameters, got ${n}`);
  if (real.length !== w * h * n || imag.length !== w * h * n) throw new RangeError(`fitSHO: real and imag must hold width × height × bins = ${w} × ${h} × ${n} = ${w * h * n} values, got ${real.length} and ${imag.length}`);
  const maxIt = options.maxIterations ?? 100;
  const tol = options.tolerance ?? 1e-12;
  const band = [Math.min(...Array.from(f)), Math.max(...Array.from(f))];
  const span = band[1] - band[0];
  const maxPixels = options.maxPixels ?? Infinity;
  if (!(maxPixels >= 0) || (Number.isFinite(maxPixels) && !Number.isInteger(maxPixels))) throw new RangeError(`fitSHO: options.maxPixels must be a non-negative integer, got ${options.maxPixels}`);
  const prev = options.resume;
  if (prev !== undefined && (!(prev.attempted instanceof Uint8Array) || prev.attempted.length !== w * h || prev.frequency?.width !== w || prev.frequency?.height !== h)) {
    throw new RangeError(`fitSHO: options.resume must be a fitSHO result of a ${w} × ${h} data set, got ${prev?.frequency ? `${prev.frequency.width} × ${prev.frequency.height}` : typeof prev}`);
  }
  if (options.retryFailures && !prev) throw new RangeError("fitSHO: options.retryFailures needs options.resume (the fit whose failures to retry)");
  const maps = Array.from({ length: 5 }, () => new Float32Array(w * h).fill(NaN));
  const params = new Float64Array(4 * w * h).fill(NaN);
  const converged = new Uint8Array(w * h);
  const attempted = new Uint8Array(w * h);
  const failures: SHOFit["failures"] = [];
  if (prev) {
    const prevMaps = [prev.amplitude, prev.frequency, prev.quality, prev.phase, prev.rSquared];
    const reasons = new Map(prev.failures.map((f) => [f.pixel, f]));
    for (let p = 0; p < w * h; p++) {
      if (!prev.attempted[p] || (options.retryFailures && !prev.converged[p])) continue;
      attempted[p] = 1;
      converged[p] = prev.converged[p];
      maps.forEach((m, k) => { m[p] = prevMaps[k].data[p]; });
      const q = prev.parameters(p);
      params.set([q.amplitude, q.frequency, q.quality, q.phase], 4 * p);
      const failure = reasons.get(p);
      if (!prev.converged[p] && failure) failures.push(failure);
    }
  }
  let budget = maxPixels;
  for (let p = 0; p < w * h; p++) {
    if (attempted[p]) continue;
    if (budget <= 0) break;
    budget--;
    attempted[p] = 1;
    const re = real.subarray(p * n, (p + 1) * n);
    const im = imag.subarray(p * n, (p + 1) * n);
    let reason: string | undefined;
    let finite = true;
    for (let i = 0; i < n; i++) if (!Number.isFinite(re[i]) || !Number.isFinite(im[i])) finite = false;
    const q = finite ? guess(f, re, im) : new Float64Array(4);
    let rss = NaN;
    if (!finite) reason = "non-finite response values";
    else {
      const out = levenbergMarquardt(f, re, im, q, maxIt, tol);
      if (typeof out === "string") reason = out;
      else rss = out;
    }
    if (!reason && !(q[1] > band[0] - span && q[1] < band[1] + span)) reason = `resonance ${q[1]} outside the band ${band[0]}..${band[1]} ± its width`;
    if (reason) {
      failures.push({ pixel: p, x: p % w, y: Math.floor(p / w), reason });
      continue;
    }
    const phase = Math.atan2(Math.sin(q[3]), Math.cos(q[3]));
    let mr = 0;
    let mi = 0;
    for (let i = 0; i < n; i++) { mr += re[i] / n; mi += im[i] / n; }
    let tss = 0;
    for (let i = 0; i < n; i++) tss += (re[i] - mr) ** 2 + (im[i] - mi) ** 2;
    params.set([q[0], q[1], q[2], phase], 4 * p);
    maps[0][p] = q[0];
    maps[1][p] = q[1];
    maps[2][p] = q[2];
    maps[3][p] = phase;
    maps[4][p] = 1 - rss / tss;
    converged[p] = 1;
  }
  const img = (data: Float32Array): Image => ({ data, width: w, height: h });
  failures.sort((a, b) => a.pixel - b.pixel);
  let remaining = 0;
  for (const a of attempted) if (!a) remaining++;
  return {
    amplitude: img(maps[0]), frequency: img(maps[1]), quality: img(maps[2]), phase: img(maps[3]), rSquared: img(maps[4]), converged, failures, attempted, remaining,
    parameters: (pixel) => ({ amplitude: params[4 * pixel], frequency: params[4 * pixel + 1], quality: params[4 * pixel + 2], phase: params[4 * pixel + 3] }),
  };
}
