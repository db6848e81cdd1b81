/**
 * Synthetic 4D-STEM data with ground truth: a scan of diffraction patterns,
 * each a bright-field disk plus (optionally) a lattice of Bragg disks, all
 * shifted by descan and by the deflection of a known phase object, with a
 * chosen strain/rotation field and an optional domain of a second phase
 * (rotated lattice), and Poisson noise at a chosen dose.
 *
 * Conventions: scan x = column, y = row (scan pixels); detector kx = column,
 * ky = row (detector pixels). The deflection D (scan frame, detector pixels)
 * reaches the detector as F·R(−rotation)·D (F mirrors kx when `flip`), so
 * `centerOfMass(ds, { rotation, flip })` maps it back (see stem4d/dpc.ts).
 * Bragg vectors g₁, g₂ (detector pixels) deform as g' = (I+ε+ω)^(−T)·g for
 * the real-space deformation I + ε + ω, ε = [[exx, exy], [exy, eyy]],
 * ω = [[0, −θ], [θ, 0]] (θ in radians), all in detector axes.
 */
import { Dataset4D, dataset4D } from "../stem4d/dataset";
import { makeImage, type Image } from "../image";
import { rng as makeRng } from "../core/random";

export interface Stem4DStrain { exx: number; eyy: number; exy: number; theta: number }

export interface Stem4DOptions {
  /** [rows, cols] of the scan. Default [32, 32]. */
  scanShape?: [number, number];
  /** [ky, kx] of the detector. Default [64, 64]. */
  detShape?: [number, number];
  /** Pattern centre [kx, ky] (detector pixels) before descan. Default the detector centre ((kx−1)/2, (ky−1)/2). */
  center?: [number, number];
  /** Radius of the bright-field (and Bragg) disks, detector pixels. Default 5. */
  diskRadius?: number;
  /** Descan: centre shift per scan pixel, [dkx/dx, dkx/dy, dky/dx, dky/dy]. Default [0, 0, 0, 0]. */
  descan?: [number, number, number, number];
  /** Scan-to-detector rotation (radians). Default 0. */
  rotation?: number;
  /** Mirror kx on the detector. Default false. */
  flip?: boolean;
  /** Largest deflection of the phase object, detector pixels (0: none). Default 1. */
  deflection?: number;
  /** Spacing of the Gaussian "atoms" of the phase object, scan pixels. Default 8. */
  atomSpacing?: number;
  /** Width σ of an atom, scan pixels. Default 1.6. */
  atomSigma?: number;
  /** Bragg lattice g₁, g₂ in detector pixels, or null for BF disk only. Default null. */
  lattice?: { g1: [number, number]; g2: [number, number]; orders?: number; intensity?: number } | null;
  /** Strain/rotation field at scan position (x, y); default none. */
  strain?: (x: number, y: number) => Partial<Stem4DStrain>;
  /** A domain of a second phase: scan positions where `inside(x, y)` get the lattice rotated by `rotation` radians and Bragg intensity × `intensity`. */
  domain?: { inside: (x: number, y: number) => boolean; rotation?: number; intensity?: number };
  /** Electrons per pattern (Poisson noise), or undefined for noiseless expected intensities (peak 1 per pixel). */
  dose?: number;
  /** Constant background per pixel added before noise, as a fraction of the disk intensity. Default 0. */
  background?: number;
  /** Seed for the noise. Default 0. */
  seed?: number;
  /** Back the data with a SharedArrayBuffer (worker threads read without copies). Default false. */
  shared?: boolean;
  /** Scan step, detector pixel size etc. */
  calibration?: Dataset4D["calibration"];
}

export interface Stem4DTruth {
  /** Deflection (scan frame, detector pixels): what corrected centerOfMass recovers. */
  comX: Image; comY: Image;
  /** Descan offset of the pattern centre (detector pixels, relative to `center`). */
  descanX: Image; descanY: Image;
  /** Expected raw COM of the BF disk: centre + descan + deflection on the detector (detector pixels). */
  rawX: Image; rawY: Image;
  /** Phase of the object in detector-pixel × scan-pixel units (∇phase = deflection). */
  phase: Image;
  /** Applied strain and rotation (detector axes). */
  exx: Image; eyy: Image; exy: Image; theta: Image;
  /** 1 inside the domain, 0 outside. */
  domain: Image;
  /** Reference (unstrained, outside the domain) Bragg vectors, detector pixels. */
  g1: [number, number]; g2: [number, number];
  center: [number, number];
  diskRadius: number;
  /** A noiseless probe template: the BF disk centred at `center`, ky × kx. */
  probe: Image;
}

function drawDisk(buf: Float32Array, kx: number, ky: number, cx: number, cy: number, r: number, amp: number): void {
  const x0 = Math.max(0, Math.floor(cx - r - 1)), x1 = Math.min(kx - 1, Math.ceil(cx + r + 1));
  const y0 = Math.max(0, Math.floor(cy - r - 1)), y1 = Math.min(ky - 1, Math.ceil(cy + r + 1));
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
    const d = Math.hypot(x - cx, y - cy);
    const v = Math.min(1, Math.max(0, r + 0.5 - d));
    if (v > 0) buf[y * kx + x] += amp * v;
  }
}

/**
 * Make a synthetic 4D-STEM dataset and its ground truth; see the module
 * comment. Deterministic for a given `seed`.
 *
 * @example const { dataset, truth } = synth.stem4d({ scanShape: [32, 32], dose: 1e4, seed: 1 });
 */
export function stem4d(options: Stem4DOptions = {}): { dataset: Dataset4D; truth: Stem4DTruth } {
  const [rows, cols] = options.scanShape ?? [32, 32];
  const [ky, kx] = options.detShape ?? [64, 64];
  for (const [name, v] of [["scanShape", [rows, cols]], ["detShape", [ky, kx]]] as const) {
    if (!v.every((d) => Number.isInteger(d) && d > 0)) throw new RangeError(`synth.stem4d: ${name} must be two positive integers, got ${JSON.stringify(v)}`);
  }
  const center = options.center ?? [(kx - 1) / 2, (ky - 1) / 2];
  const r = options.diskRadius ?? 5;
  const descan = options.descan ?? [0, 0, 0, 0];
  const rot = options.rotation ?? 0, flip = !!options.flip;
  const spacing = options.atomSpacing ?? 8, sigma = options.atomSigma ?? 1.6;
  const dose = options.dose;
  if (dose !== undefined && !(dose > 0)) throw new RangeError(`synth.stem4d: dose must be > 0 electrons per pattern, got ${dose}`);
  const n = rows * cols, fs = ky * kx;

  // Phase object: Gaussian atoms on a square grid (offset half a spacing), unit amplitude.
  const phase = new Float64Array(n), gx = new Float64Array(n), gy = new Float64Array(n);
  for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) {
    let p = 0, dx = 0, dy = 0;
    const ax0 = Math.floor((x - 4 * sigma) / spacing - 0.5), ax1 = Math.ceil((x + 4 * sigma) / spacing);
    const ay0 = Math.floor((y - 4 * sigma) / spacing - 0.5), ay1 = Math.ceil((y + 4 * sigma) / spacing);
    for (let j = ay0; j <= ay1; j++) for (let i = ax0; i <= ax1; i++) {
      const ux = x - (i + 0.5) * spacing, uy = y - (j + 0.5) * spacing;
      const e = Math.exp(-(ux * ux + uy * uy) / (2 * sigma * sigma));
      p += e; dx += (-ux / (sigma * sigma)) * e; dy += (-uy / (sigma * sigma)) * e;
    }
    phase[y * cols + x] = p; gx[y * cols + x] = dx; gy[y * cols + x] = dy;
  }
  let gmax = 0;
  for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.hypot(gx[i], gy[i]));
  const kappa = gmax > 0 ? (options.deflection ?? 1) / gmax : 0;

  const data = options.shared ? new Float32Array(new SharedArrayBuffer(n * fs * 4)) : new Float32Array(n * fs);
  const t = { comX: new Float32Array(n), comY: new Float32Array(n), descanX: new Float32Array(n), descanY: new Float32Array(n), rawX: new Float32Array(n), rawY: new Float32Array(n), phase: new Float32Array(n), exx: new Float32Array(n), eyy: new Float32Array(n), exy: new Float32Array(n), theta: new Float32Array(n), domain: new Float32Array(n) };
  const random = makeRng(options.seed ?? 0);
  const c = Math.cos(-rot), s = Math.sin(-rot), f = flip ? -1 : 1;
  const lat = options.lattice ?? null;
  const orders = lat?.orders ?? 3, braggI = lat?.intensity ?? 0.3;
  const bg = options.background ?? 0;
  const frame = new Float32Array(fs);
  for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) {
    const i = y * cols + x;
    const Dx = kappa * gx[i], Dy = kappa * gy[i];
    // detector shift = F · R(−rot) · D
    const sx = f * (c * Dx - s * Dy), sy = s * Dx + c * Dy;
    const ddx = descan[0] * x + descan[1] * y, ddy = descan[2] * x + descan[3] * y;
    const px = center[0] + ddx + sx, py = center[1] + ddy + sy;
    t.comX[i] = Dx; t.comY[i] = Dy; t.descanX[i] = ddx; t.descanY[i] = ddy; t.rawX[i] = px; t.rawY[i] = py; t.phase[i] = kappa * phase[i];
    frame.fill(bg);
    drawDisk(frame, kx, ky, px, py, r, 1);
    if (lat) {
      const st = options.strain?.(x, y) ?? {};
      const exx = st.exx ?? 0, eyy = st.eyy ?? 0, exy = st.exy ?? 0;
      let th = st.theta ?? 0;
      const inDomain = options.domain?.inside(x, y) ?? false;
      let amp = braggI;
      if (inDomain) { th += options.domain!.rotation ?? 0; amp *= options.domain!.intensity ?? 1; }
      t.exx[i] = exx; t.eyy[i] = eyy; t.exy[i] = exy; t.theta[i] = st.theta ?? 0; t.domain[i] = inDomain ? 1 : 0;
      // Real-space deformation A = I + ε + ω (ω exact rotation for large domain angles).
      const ct = Math.cos(th), sn = Math.sin(th);
      // A = Rot(th) · (I + ε) : small-strain equivalent of I + ε + ω for small th
      const a11 = ct * (1 + exx) - sn * exy, a12 = ct * exy - sn * (1 + eyy);
      const a21 = sn * (1 + exx) + ct * exy, a22 = sn * exy + ct * (1 + eyy);
      const det = a11 * a22 - a12 * a21;
      // A^{-T} = (1/det) [[a22, -a21], [-a12, a11]]
      const m11 = a22 / det, m12 = -a21 / det, m21 = -a12 / det, m22 = a11 / det;
      const g1 = [m11 * lat.g1[0] + m12 * lat.g1[1], m21 * lat.g1[0] + m22 * lat.g1[1]];
      const g2 = [m11 * lat.g2[0] + m12 * lat.g2[1], m21 * lat.g2[0] + m22 * lat.g2[1]];
      for (let h = -orders; h <= orders; h++) for (let k = -orders; k <= orders; k++) {
        if (h === 0 && k === 0) continue;
        const bx = px + h * g1[0] + k * g2[0], by = py + h * g1[1] + k * g2[1];
        if (bx < -r || by < -r || bx > kx - 1 + r || by > ky - 1 + r) continue;
        const gl = Math.hypot(h * g1[0] + k * g2[0], h * g1[1] + k * g2[1]) / Math.max(1e-9, Math.hypot(lat.g1[0], lat.g1[1]));
        drawDisk(frame, kx, ky, bx, by, r, amp * Math.exp(-0.3 * gl * gl));
      }
    }
    const out = data.subarray(i * fs, (i + 1) * fs);
    if (dose !== undefined) {
      let tot = 0;
      for (let j = 0; j < fs; j++) tot += frame[j];
      const scale = tot > 0 ? dose / tot : 0;
      for (let j = 0; j < fs; j++) out[j] = random.poisson(frame[j] * scale);
    } else out.set(frame);
  }
  const probeBuf = new Float32Array(fs);
  drawDisk(probeBuf, kx, ky, center[0], center[1], r, 1);
  const img = (a: Float32Array) => makeImage(a, cols, rows);
  const truth: Stem4DTruth = {
    comX: img(t.comX), comY: img(t.comY), descanX: img(t.descanX), descanY: img(t.descanY), rawX: img(t.rawX), rawY: img(t.rawY),
    phase: img(t.phase), exx: img(t.exx), eyy: img(t.eyy), exy: img(t.exy), theta: img(t.theta), domain: img(t.domain),
    g1: lat ? [lat.g1[0], lat.g1[1]] : [0, 0], g2: lat ? [lat.g2[0], lat.g2[1]] : [0, 0],
    center: [center[0], center[1]], diskRadius: r,
    probe: makeImage(probeBuf, kx, ky),
  };
  return { dataset: dataset4D(data, [rows, cols], [ky, kx], options.calibration ?? {}), truth };
}
