/**
 * Centre of mass (COM) and differential phase contrast (DPC): descan
 * correction, the scan-to-detector rotation that minimises the curl of the
 * COM field, and the integrated (iDPC) and differentiated (dDPC) phase.
 *
 * Frames: scan x = column, scan y = row; detector kx = column, ky = row.
 * The corrected COM is expressed in the scan frame:
 *   [comX, comY] = R(rotation) · F · ([rawX, rawY] − descan(x, y)),
 * F = diag(−1, 1) when `flip` (mirror of the detector kx axis), else I, and
 * R(θ) the counter-clockwise rotation by θ (radians; from +x towards +y).
 * For a weak phase object φ the COM shift is proportional to ∇φ, so the
 * corrected field is curl-free (Lazić et al., Ultramicroscopy 160 (2016) 265;
 * Savitzky et al., py4DSTEM, Microsc. Microanal. 27 (2021) 712).
 */
import { makeImage, type Image } from "../image";
import type { Dataset4D } from "./dataset";
import { centerOfMassUDF, detectorMask, scanImage, type Detector } from "./analyses";
import { fft2dInPlace, fftFreq } from "../image/fft";
import { runUDF, type RunOptions } from "./udf";
import { solve } from "../core/linalg";

export interface CenterOfMassOptions extends RunOptions {
  /** Plain intensity-weighted mean position in detector pixels (x = column), no corrections. Default false. */
  raw?: boolean;
  /** Restrict the COM to a detector region (e.g. the bright-field disk), same forms as virtualImage. */
  mask?: Detector;
  /** Skip NaN pixels instead of letting them make the position NaN. Default false (a frame with a NaN gives NaN). */
  ignoreNaN?: boolean;
  /**
   * Descan correction: "plane" (default) subtracts a least-squares plane
   * a + b·x + c·y fitted to the raw COM over the scan; "mean" subtracts the
   * mean position; "none" subtracts nothing; or reference images
   * { comX, comY } (e.g. the raw COM of a vacuum scan) to subtract.
   */
  descan?: "plane" | "mean" | "none" | { comX: Image; comY: Image };
  /** Scan-to-detector rotation in radians, or "auto" for the curl-minimising one. Default 0. */
  rotation?: number | "auto";
  /** Mirror the detector kx axis before rotating (ignored with rotation "auto", which decides it). Default false. */
  flip?: boolean;
}

export interface CenterOfMassResult {
  /** COM x (scan frame after corrections, or detector column with raw), in detector pixels. */
  comX: Image;
  /** COM y, in detector pixels. */
  comY: Image;
  /** Total intensity of each pattern. */
  intensity: Image;
  /** Rotation applied (radians); 0 with raw. */
  rotation: number;
  /** Whether kx was mirrored. */
  flip: boolean;
  /** The raw COM (detector pixels) before corrections. */
  rawX: Image;
  rawY: Image;
}

/**
 * Centre of mass of every pattern: Σ I·k / Σ I over the detector (or a
 * mask), k = (kx, ky) in detector pixels, accumulated in float64. With
 * `{ raw: true }` returns exactly that; otherwise subtracts the descan
 * (default: fitted plane) and rotates/mirrors into the scan frame (see the
 * module comment). A zero-intensity pattern has no COM: its pixels are NaN
 * (and are left out of the descan fit). Like py4DSTEM's `get_CoM` and
 * `calibrate_COM`/`solve_for_center_of_mass_relative_rotation`.
 *
 * @example const { comX, comY } = await centerOfMass(ds, { rotation: "auto" });
 */
export async function centerOfMass(ds: Dataset4D, options: CenterOfMassOptions = {}): Promise<CenterOfMassResult> {
  const mask = options.mask !== undefined ? detectorMask(options.mask, ds.detShape) : undefined;
  const r = await runUDF(ds, centerOfMassUDF({ mask, ignoreNaN: options.ignoreNaN }), options);
  const rawX = scanImage(ds, r.comX), rawY = scanImage(ds, r.comY), intensity = scanImage(ds, r.sum);
  if (options.raw) return { comX: rawX, comY: rawY, intensity, rotation: 0, flip: false, rawX, rawY };
  const [dx, dy] = descanCorrect(rawX, rawY, options.descan ?? "plane");
  let rotation: number, flip: boolean;
  if (options.rotation === "auto") ({ rotation, flip } = dpcRotation(dx, dy));
  else {
    rotation = options.rotation ?? 0; flip = !!options.flip;
    if (!Number.isFinite(rotation)) throw new RangeError(`centerOfMass: options.rotation must be a finite number (radians) or "auto", got ${options.rotation}`);
  }
  const [cx, cy] = rotateField(dx, dy, rotation, flip);
  return { comX: cx, comY: cy, intensity, rotation, flip, rawX, rawY };
}

/**
 * Subtract the descan from raw COM images (see CenterOfMassOptions.descan).
 * NaN pixels stay NaN and are ignored in the fit.
 */
export function descanCorrect(rawX: Image, rawY: Image, descan: CenterOfMassOptions["descan"] = "plane"): [Image, Image] {
  const w = rawX.width, h = rawX.height;
  if (rawY.width !== w || rawY.height !== h) throw new RangeError("descanCorrect: comX and comY differ in size");
  const outX = new Float32Array(w * h), outY = new Float32Array(w * h);
  if (typeof descan === "object") {
    if (descan.comX.width !== w || descan.comX.height !== h || descan.comY.width !== w || descan.comY.height !== h) {
      throw new RangeError(`descanCorrect: reference descan images must be ${w}×${h} like the scan`);
    }
    for (let i = 0; i < w * h; i++) { outX[i] = rawX.data[i] - descan.comX.data[i]; outY[i] = rawY.data[i] - descan.comY.data[i]; }
  } else if (descan === "none") {
    outX.set(rawX.data); outY.set(rawY.data);
  } else if (descan === "mean" || descan === "plane") {
    for (const [src, dst] of [[rawX.data, outX], [rawY.data, outY]] as const) {
      const c = descan === "plane" ? fitPlane(src, w, h) : meanPlane(src);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) dst[y * w + x] = src[y * w + x] - (c[0] + c[1] * x + c[2] * y);
    }
  } else throw new TypeError(`descanCorrect: descan must be "plane", "mean", "none" or { comX, comY }, got ${JSON.stringify(descan)}`);
  return [makeImage(outX, w, h, rawX.calibration), makeImage(outY, w, h, rawX.calibration)];
}

function meanPlane(v: Float32Array): [number, number, number] {
  let s = 0, n = 0;
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) { s += v[i]; n++; }
  return [n ? s / n : 0, 0, 0];
}

/** Least-squares plane a + b·x + c·y through the finite pixels. */
export function fitPlane(v: Float32Array, w: number, h: number): [number, number, number] {
  const A = [0, 0, 0, 0, 0, 0, 0, 0, 0], B = [0, 0, 0];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const z = v[y * w + x];
    if (z !== z) continue;
    const f = [1, x, y];
    for (let i = 0; i < 3; i++) { B[i] += f[i] * z; for (let j = 0; j < 3; j++) A[3 * i + j] += f[i] * f[j]; }
  }
  // Normal equations of the plane; a degenerate support (one row or column, or no finite pixel) gives the mean level.
  const s = solve(A, B, 3, 1e-9 * (Math.abs(A[0]) + 1));
  return s ? [s[0], s[1], s[2]] : [B[0] / Math.max(A[0], 1), 0, 0];
}

/** Apply R(θ)·F to a vector field (see the module comment). */
export function rotateField(cx: Image, cy: Image, rotation: number, flip = false): [Image, Image] {
  const n = cx.data.length, c = Math.cos(rotation), s = Math.sin(rotation), f = flip ? -1 : 1;
  const ox = new Float32Array(n), oy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = f * cx.data[i], y = cy.data[i];
    ox[i] = c * x - s * y; oy[i] = s * x + c * y;
  }
  return [makeImage(ox, cx.width, cx.height, cx.calibration), makeImage(oy, cx.width, cx.height, cx.calibration)];
}

/** Central-difference derivatives (one-sided at the edges) of a row-major image; NaNs give NaN. */
function gradients(v: Float32Array, w: number, h: number): { dx: Float64Array; dy: Float64Array } {
  const dx = new Float64Array(w * h), dy = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = y * w + x;
    dx[i] = w < 2 ? 0 : x === 0 ? v[i + 1] - v[i] : x === w - 1 ? v[i] - v[i - 1] : (v[i + 1] - v[i - 1]) / 2;
    dy[i] = h < 2 ? 0 : y === 0 ? v[i + w] - v[i] : y === h - 1 ? v[i] - v[i - w] : (v[i + w] - v[i - w]) / 2;
  }
  return { dx, dy };
}

/** Curl ∂Sy/∂x − ∂Sx/∂y of a vector field (scan pixels⁻¹ × field units). */
export function curl(cx: Image, cy: Image): Image {
  const gx = gradients(cx.data, cx.width, cx.height), gy = gradients(cy.data, cx.width, cx.height);
  const out = new Float32Array(cx.data.length);
  for (let i = 0; i < out.length; i++) out[i] = gy.dx[i] - gx.dy[i];
  return makeImage(out, cx.width, cx.height, cx.calibration);
}

/**
 * Differentiated DPC (dDPC): the divergence ∂Sx/∂x + ∂Sy/∂y of the corrected
 * COM field, proportional to the Laplacian of the phase (charge density).
 * Units: detector pixels per scan pixel (with both calibrations, multiply by
 * 2π·detPixelSize/scanStep for rad per scanUnit²; see `idpc`).
 */
export function ddpc(comX: Image, comY: Image): Image {
  const gx = gradients(comX.data, comX.width, comX.height), gy = gradients(comY.data, comX.width, comX.height);
  const out = new Float32Array(comX.data.length);
  for (let i = 0; i < out.length; i++) out[i] = gx.dx[i] + gy.dy[i];
  return makeImage(out, comX.width, comX.height, comX.calibration);
}

/**
 * The scan-to-detector rotation (and mirror) that minimises the mean squared
 * curl of the COM field. With F·(cx, cy) rotated by θ, the curl is
 * cos θ·curl₀ + sin θ·div₀, so ⟨curl²⟩ is a quadratic form in (cos θ, sin θ)
 * whose minimum is the eigenvector of its smallest eigenvalue: exact, no
 * grid search. This leaves θ and θ+π equally curl-free; the choice follows
 * the sign convention for atomic potentials: the COM field points towards
 * the atoms, so the divergence (dDPC) has its large excursions negative
 * (negative skewness). Pass an explicit rotation where that does not hold.
 * NaN pixels are ignored. Returns the rotation in radians in (−π, π].
 */
export function dpcRotation(comX: Image, comY: Image): { rotation: number; flip: boolean; curlRms: number; curlRmsOther: number } {
  let best: { rotation: number; flip: boolean; curlRms: number } | undefined;
  let other = NaN;
  for (const flip of [false, true]) {
    const [fx, fy] = rotateField(comX, comY, 0, flip);
    const c0 = curl(fx, fy).data, d0 = ddpc(fx, fy).data;
    let cc = 0, cd = 0, dd = 0, n = 0;
    for (let i = 0; i < c0.length; i++) {
      const c = c0[i], d = d0[i];
      if (c !== c || d !== d) continue;
      cc += c * c; cd += c * d; dd += d * d; n++;
    }
    if (n === 0) throw new RangeError("dpcRotation: the COM field has no finite pixels");
    cc /= n; cd /= n; dd /= n;
    // Minimise [cos sin]·[[cc cd][cd dd]]·[cos sin]ᵀ.
    const tr = cc + dd, det = cc * dd - cd * cd;
    const lmin = tr / 2 - Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
    let theta = Math.abs(cd) > 1e-300 ? Math.atan2(lmin - cc, cd) : cc <= dd ? Math.PI / 2 : 0;
    // Sign: for θ the divergence is −sin θ·curl₀ + cos θ·div₀; choose negative skewness.
    const [rx, ry] = rotateField(comX, comY, theta, flip);
    const dv = ddpc(rx, ry).data;
    let m = 0, m3 = 0, k = 0;
    for (let i = 0; i < dv.length; i++) if (dv[i] === dv[i]) { m += dv[i]; k++; }
    m /= k;
    for (let i = 0; i < dv.length; i++) if (dv[i] === dv[i]) m3 += (dv[i] - m) ** 3;
    if (m3 > 0) theta += Math.PI;
    theta = Math.atan2(Math.sin(theta), Math.cos(theta));
    const rms = Math.sqrt(Math.max(0, lmin));
    if (!best || rms < best.curlRms) { if (best) other = best.curlRms; best = { rotation: theta, flip, curlRms: rms }; }
    else other = rms;
  }
  return { ...best!, curlRmsOther: other };
}

/**
 * Integrated DPC (iDPC): the phase φ whose gradient best matches the COM
 * field in the least-squares sense, by Fourier integration
 * φ = F⁻¹[ (kx·Ĝx + ky·Ĝy) / (2πi·|k|²) ] on a mirror-extended (even/odd
 * symmetric) field so that the scan edges do not wrap around; the mean is
 * set to 0. Units: with both calibrations (`scanStep`, `detPixelSize` in
 * reciprocal length, e.g. 1/Å) the result is in radians
 * (∇φ = 2π·Δk); otherwise in detector-pixel × scan-pixel units.
 * NaN pixels are treated as 0.
 * Reference: Lazić, Bosch & Lazar, Ultramicroscopy 160 (2016) 265.
 */
export function idpc(comX: Image, comY: Image, calibration?: { scanStep?: number; detPixelSize?: number }): Image {
  const w = comX.width, h = comX.height, W = 2 * w, H = 2 * h;
  const gxr = new Float64Array(W * H), gxi = new Float64Array(W * H), gyr = new Float64Array(W * H), gyi = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const sx = x < w ? x : W - 1 - x, sy = y < h ? y : H - 1 - y;
    const fx = x < w ? 1 : -1, fy = y < h ? 1 : -1;
    const gx = comX.data[sy * w + sx], gy = comY.data[sy * w + sx];
    gxr[y * W + x] = fx * (gx === gx ? gx : 0);
    gyr[y * W + x] = fy * (gy === gy ? gy : 0);
  }
  fft2dInPlace({ re: gxr, im: gxi, width: W, height: H }); fft2dInPlace({ re: gyr, im: gyi, width: W, height: H });
  const pr = new Float64Array(W * H), pi = new Float64Array(W * H);
  for (let y = 0; y < H; y++) {
    const ky = fftFreq(y, H);
    for (let x = 0; x < W; x++) {
      const kx = fftFreq(x, W), k2 = kx * kx + ky * ky, i = y * W + x;
      if (k2 === 0) continue;
      // (kx Gx + ky Gy) / (2π i k²) = −i (kx Gx + ky Gy) / (2π k²)
      const nr = kx * gxr[i] + ky * gyr[i], ni = kx * gxi[i] + ky * gyi[i];
      const s = 1 / (2 * Math.PI * k2);
      pr[i] = ni * s; pi[i] = -nr * s;
    }
  }
  fft2dInPlace({ re: pr, im: pi, width: W, height: H }, true);
  const scale = calibration?.scanStep && calibration?.detPixelSize ? 2 * Math.PI * calibration.scanStep * calibration.detPixelSize : 1;
  const out = new Float32Array(w * h);
  let mean = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mean += pr[y * W + x];
  mean /= w * h;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = (pr[y * W + x] - mean) * scale;
  return makeImage(out, w, h, comX.calibration);
}
