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
 * scaling), started from the best of a grid of resonances (every bin
 * frequency × 6 quality factors), the complex amplitude A e^{iφ} solved in
 * closed form for each (the model is linear in it). A start at the largest
 * bin instead (the previous guess) ends in a local minimum worse than the
 * true parameters at 2–4 % of pixels at peak SNR ≈ 1.5–10 (9–15 of the 400
 * of tests/spm/sho.test.ts's low-SNR test for three seeds; now 0).
 *
 * Measured against pycroscopy/BGlib 0.0.6 `BESHOfitter` on one 100 × 100 ×
 * 64-bin USID file (bench/spm/sho.mjs, RESULTS.md): errors at the
 * Cramér–Rao bound, 35–55 % below BGlib's, whose fit step returns its
 * `complex_gaussian` guess unchanged (a zero complex-step Jacobian).
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

/**
 * Candidate starting points, the same for every pixel: resonance at each bin
 * frequency × 6 quality factors log-spaced from ω0/span (a peak as wide as
 * the band) to ω0/Δf (as narrow as the median bin spacing), each with its
 * SHO shape b_i = ω0² / (ω_i² − i ω_i ω0/Q − ω0²) normalised to unit norm
 * (`shape`: real, imaginary interleaved per candidate) and that norm.
 */
interface StartGrid { w0: Float64Array; Q: Float64Array; shape: Float64Array; norm: Float64Array }

const GRID_Q = 6;

function startGrid(f: ArrayLike<number>): StartGrid {
  const n = f.length;
  const sorted = Float64Array.from(f).sort();
  const span = sorted[n - 1] - sorted[0];
  const gaps = Float64Array.from({ length: n - 1 }, (_, i) => sorted[i + 1] - sorted[i]).sort();
  const step = gaps[(n - 1) >> 1] > 0 ? gaps[(n - 1) >> 1] : span / (n - 1);
  const m = n * GRID_Q;
  const grid: StartGrid = { w0: new Float64Array(m), Q: new Float64Array(m), shape: new Float64Array(2 * m * n), norm: new Float64Array(m) };
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < GRID_Q; j++) {
      const c = k * GRID_Q + j;
      const w0 = f[k];
      const Q = (w0 / span) * (span / step) ** (j / (GRID_Q - 1));
      grid.w0[c] = w0;
      grid.Q[c] = Q;
      let norm = 0;
      for (let i = 0; i < n; i++) {
        const dr = f[i] * f[i] - w0 * w0;
        const di = (-f[i] * w0) / Q;
        const d2 = dr * dr + di * di;
        const br = (w0 * w0 * dr) / d2;
        const bi = (-w0 * w0 * di) / d2;
        grid.shape[2 * (c * n + i)] = br;
        grid.shape[2 * (c * n + i) + 1] = bi;
        norm += br * br + bi * bi;
      }
      norm = Math.sqrt(norm);
      grid.norm[c] = norm;
      for (let i = 0; i < 2 * n; i++) grid.shape[2 * c * n + i] /= norm;
    }
  }
  return grid;
}

/**
 * The starting point: the candidate of `grid` with the least residual, its
 * complex amplitude A e^{iφ} solved in closed form (the model is linear in
 * it: variable projection), so the start lies in the basin of the best
 * resonance on the grid rather than at the largest, possibly noisy, bin.
 * O(bins² × 6).
 */
function guess(f: ArrayLike<number>, re: ArrayLike<number>, im: ArrayLike<number>, grid: StartGrid): Float64Array {
  const n = f.length;
  let best = 0, bestScore = -1, bestR = 0, bestI = 0;
  for (let c = 0; c < grid.w0.length; c++) {
    // <b̂, R> = Σ conj(b̂_i) R_i; the residual is |R|² − |<b̂, R>|², so the best candidate maximises |<b̂, R>|.
    let dr = 0, di = 0;
    const o = 2 * c * n;
    for (let i = 0; i < n; i++) {
      const br = grid.shape[o + 2 * i], bi = grid.shape[o + 2 * i + 1];
      dr += br * re[i] + bi * im[i];
      di += br * im[i] - bi * re[i];
    }
    const score = dr * dr + di * di;
    if (score > bestScore) { bestScore = score; best = c; bestR = dr; bestI = di; }
  }
  // A e^{iφ} = <b̂, R> / ‖b‖
  const norm = grid.norm[best];
  return Float64Array.from([Math.hypot(bestR, bestI) / norm, grid.w0[best], grid.Q[best], Math.atan2(bestI, bestR)]);
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
 * the maps of one call. Cost: O(pixels × bins × (6 bins + iterations)) (≈ 10–30 iterations).
 * Reference: pycroscopy/BGlib `be_sho_fitter` (same model and parameters).
 *
 * @example const fit = fitSHO({ frequencies, real, imag, width: 100, height: 100 }); fit.frequency.data[0];
 */
export function fitSHO(response: BEResponse, options: FitSHOOptions = {}): SHOFit {
  const { frequencies: f, real, imag, width: w, height: h } = response;
  const n = f.length;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new RangeError(`fitSHO: width and height must be positive integers, got ${w} x ${h}`);
  if (n < 5) throw new RangeError(`fitSHO: at least 5 frequency bins are needed for 4 parameters, got ${n}`);
  for (let i = 0; i < n; i++) if (!(f[i] > 0 && Number.isFinite(f[i]))) throw new RangeError(`fitSHO: frequencies must be positive and finite, got ${f[i]} at bin ${i}`);
  if (real.length !== w * h * n || imag.length !== w * h * n) throw new RangeError(`fitSHO: real and imag must hold width × height × bins = ${w} × ${h} × ${n} = ${w * h * n} values, got ${real.length} and ${imag.length}`);
  const maxIt = options.maxIterations ?? 100;
  const tol = options.tolerance ?? 1e-12;
  const band = [Math.min(...Array.from(f)), Math.max(...Array.from(f))];
  const span = band[1] - band[0];
  if (!(span > 0)) throw new RangeError(`fitSHO: the frequencies must span a band, got all ${band[0]}`);
  const grid = startGrid(f);
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
    const q = finite ? guess(f, re, im, grid) : new Float64Array(4);
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
