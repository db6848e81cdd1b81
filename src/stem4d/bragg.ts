/**
 * Bragg disk detection by cross-correlation with a probe template, after
 * py4DSTEM's `find_Bragg_disks` (Savitzky et al., Microsc. Microanal. 27
 * (2021) 712; Pekin et al., Ultramicroscopy 176 (2017) 170): each pattern is
 * correlated with the vacuum probe (optionally "hybrid" correlation,
 * |F|^corrPower with the phase kept), local maxima above a threshold are
 * kept, strongest first, at least `minDistance` apart, and refined to
 * sub-pixel precision by a parabola through the peak and its neighbours,
 * optionally followed by exact evaluation of the band-limited correlation
 * off the pixel grid by matrix DFT (as in Guizar-Sicairos et al., Opt.
 * Lett. 33 (2008) 156, and py4DSTEM's "multicorr"): a parabola fit on
 * 3×3 exact correlation values min(0.25, 1.6/upsample) px apart around
 * the first estimate.
 *
 * Positions are detector pixels, kx = column, ky = row, for the centre of
 * each disk (the template's own centre of mass is the reference point).
 */
import { makeImage, type Image } from "../image";
import type { Dataset4D } from "./dataset";
import { runUDF, type DatasetMeta, type RunOptions, type UDF } from "./udf";
import { renameOptions } from "../core/options";

export interface BraggDiskOptions extends RunOptions {
  /** Minimum distance between disks, detector pixels. Default: the template's radius (from its area), at least 3. */
  minDistance?: number;
  /** Keep maxima ≥ thresholdRel × the pattern's highest correlation. Default 0.05. */
  thresholdRel?: number;
  /** Keep maxima ≥ this absolute correlation. Default 0. */
  thresholdAbs?: number;
  /** At most this many disks per pattern (strongest first). Default 64. */
  maxPeaks?: number;
  /** 1: cross-correlation; 0: phase correlation; in between: hybrid. Default 1. */
  corrPower?: number;
  /** Sub-pixel refinement: "upsample" (default: parabola, then two DFT-evaluated 3×3 refinements), "parabolic" (faster) or "none". */
  subpixel?: "none" | "parabolic" | "upsample";
  /** Final refinement step is 1/upsample px for subpixel "upsample". Default 16. */
  upsample?: number;
  /** Drop disks whose centre is closer than this to the detector edge (pixels; scikit-image's `exclude_border`). Default 0. */
  excludeBorder?: number;
  /** @deprecated since 0.2: `excludeBorder`. */
  edgeBoundary?: number;
}

/**
 * Detected disks of every pattern, columnar: the disks of frame f
 * (f = row*cols + col) are entries [offsets[f], offsets[f+1]) of x, y
 * (detector pixels) and intensity (correlation peak height).
 */
export interface BraggDisks {
  scanShape: [number, number];
  detShape: [number, number];
  offsets: Uint32Array;
  x: Float32Array;
  y: Float32Array;
  intensity: Float32Array;
}

/**
 * The correlation and peak-finding kernels, { prepare, detect }; made once
 * per thread by processBraggDisks (which worker threads require by name).
 */
export function braggKernelLib() {
  function fft(re: Float64Array, im: Float64Array, inv: boolean): void {
    const n = re.length;
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) { let t = re[i]; re[i] = re[j]; re[j] = t; t = im[i]; im[i] = im[j]; im[j] = t; }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const ang = ((inv ? 2 : -2) * Math.PI) / len, wr0 = Math.cos(ang), wi0 = Math.sin(ang);
      for (let i = 0; i < n; i += len) {
        let wr = 1, wi = 0;
        for (let j = 0; j < len / 2; j++) {
          const a = i + j, b = a + len / 2;
          const xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr; im[b] = im[a] - xi; re[a] += xr; im[a] += xi;
          const t = wr * wr0 - wi * wi0; wi = wr * wi0 + wi * wr0; wr = t;
        }
      }
    }
    if (inv) for (let i = 0; i < n; i++) { re[i] /= n; im[i] /= n; }
  }
  function fft2(re: Float64Array, im: Float64Array, W: number, H: number, inv: boolean): void {
    const rr = new Float64Array(W), ri = new Float64Array(W);
    for (let y = 0; y < H; y++) {
      const o = y * W;
      for (let x = 0; x < W; x++) { rr[x] = re[o + x]; ri[x] = im[o + x]; }
      fft(rr, ri, inv);
      for (let x = 0; x < W; x++) { re[o + x] = rr[x]; im[o + x] = ri[x]; }
    }
    const cr = new Float64Array(H), ci = new Float64Array(H);
    for (let x = 0; x < W; x++) {
      for (let y = 0; y < H; y++) { cr[y] = re[y * W + x]; ci[y] = im[y * W + x]; }
      fft(cr, ci, inv);
      for (let y = 0; y < H; y++) { re[y * W + x] = cr[y]; im[y * W + x] = ci[y]; }
    }
  }
  const pow2 = (n: number) => { let m = 1; while (m < n) m <<= 1; return m; };
  /** Template → conjugate spectrum, with the template's COM moved to the origin (integer roll; remainder returned). */
  function prepare(template: Float32Array, kx: number, ky: number) {
    const W = pow2(kx), H = pow2(ky);
    let s = 0, sx = 0, sy = 0;
    for (let y = 0; y < ky; y++) for (let x = 0; x < kx; x++) { const v = template[y * kx + x]; s += v; sx += v * x; sy += v * y; }
    if (!(s > 0)) throw new RangeError("braggDisks(template): the template has no positive intensity");
    const cx = sx / s, cy = sy / s, rx = Math.round(cx), ry = Math.round(cy);
    const re = new Float64Array(W * H), im = new Float64Array(W * H);
    let area = 0;
    for (let y = 0; y < ky; y++) for (let x = 0; x < kx; x++) {
      const v = template[y * kx + x];
      const X = ((x - rx) % W + W) % W, Y = ((y - ry) % H + H) % H;
      re[Y * W + X] += v;
    }
    let mx = 0;
    for (let i = 0; i < template.length; i++) mx = Math.max(mx, template[i]);
    for (let i = 0; i < template.length; i++) if (template[i] >= mx / 2) area++;
    fft2(re, im, W, H, false);
    for (let i = 0; i < im.length; i++) im[i] = -im[i];
    return { W, H, tre: re, tim: im, offX: cx - rx, offY: cy - ry, radius: Math.sqrt(area / Math.PI) };
  }
  /** Disks of one pattern: appends [x, y, intensity] triples to out. */
  function detect(frame: Float32Array, kx: number, ky: number, t: { W: number; H: number; tre: Float64Array; tim: Float64Array; offX: number; offY: number },
    o: { minDistance: number; thresholdRel: number; thresholdAbs: number; maxPeaks: number; corrPower: number; subpixel: string; upsample: number; excludeBorder: number }, out: number[]): void {
    const W = t.W, H = t.H;
    const re = new Float64Array(W * H), im = new Float64Array(W * H);
    for (let y = 0; y < ky; y++) for (let x = 0; x < kx; x++) re[y * W + x] = frame[y * kx + x];
    fft2(re, im, W, H, false);
    for (let i = 0; i < re.length; i++) {
      let a = re[i] * t.tre[i] - im[i] * t.tim[i], b = re[i] * t.tim[i] + im[i] * t.tre[i];
      if (o.corrPower !== 1) { const m = Math.hypot(a, b); const f = m > 0 ? Math.pow(m, o.corrPower - 1) : 0; a *= f; b *= f; }
      re[i] = a; im[i] = b;
    }
    const spRe = o.subpixel === "upsample" ? Float64Array.from(re) : null, spIm = o.subpixel === "upsample" ? Float64Array.from(im) : null;
    fft2(re, im, W, H, true);
    const c = re;
    let cmax = -Infinity;
    for (let i = 0; i < c.length; i++) if (c[i] > cmax) cmax = c[i];
    if (!(cmax > 0)) return;
    const thr = Math.max(o.thresholdAbs, o.thresholdRel * cmax);
    const cand: number[] = [];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const v = c[y * W + x];
      if (!(v >= thr)) continue;
      let isMax = true;
      for (let dy = -1; dy <= 1 && isMax; dy++) for (let dx = -1; dx <= 1; dx++) {
        if (!dx && !dy) continue;
        const X = (x + dx + W) % W, Y = (y + dy + H) % H;
        const u = c[Y * W + X];
        if (u > v || (u === v && (dy < 0 || (dy === 0 && dx < 0)))) { isMax = false; break; }
      }
      if (isMax) cand.push(y * W + x);
    }
    cand.sort((a, b) => c[b] - c[a]);
    const kept: number[] = [];
    const md2 = o.minDistance * o.minDistance;
    for (const idx of cand) {
      if (kept.length / 3 >= o.maxPeaks) break;
      const ix = idx % W, iy = (idx - ix) / W;
      let px = ix, py = iy, val = c[idx];
      // Parabola through the peak and its 4 neighbours (all sub-pixel modes start here).
      if (o.subpixel !== "none") {
        const l = c[iy * W + (ix - 1 + W) % W], r = c[iy * W + (ix + 1) % W], u = c[((iy - 1 + H) % H) * W + ix], d = c[((iy + 1) % H) * W + ix];
        const denx = l - 2 * val + r, deny = u - 2 * val + d;
        if (denx < 0) px += Math.max(-0.5, Math.min(0.5, (0.5 * (l - r)) / denx));
        if (deny < 0) py += Math.max(-0.5, Math.min(0.5, (0.5 * (u - d)) / deny));
      }
      if (o.subpixel === "upsample") {
        // Evaluate the band-limited correlation exactly (matrix DFT of its spectrum) on 3×3 points
        // around the estimate and fit a parabola (step min(0.25, 1.6/upsample) px; 0.1 px for upsample 16).
        for (const h of [Math.min(0.25, 1.6 / o.upsample)]) {
          const xs = [px - h, px, px + h], ys = [py - h, py, py + h];
          const exr = new Float64Array(W * 3), exi = new Float64Array(W * 3);
          for (let kxi = 0; kxi < W; kxi++) {
            const f = kxi < W / 2 ? kxi : kxi - W, nyq = 2 * kxi === W;
            for (let j = 0; j < 3; j++) { const a = (2 * Math.PI * f * xs[j]) / W; exr[kxi * 3 + j] = Math.cos(a); exi[kxi * 3 + j] = nyq ? 0 : Math.sin(a); }
          }
          const Ar = new Float64Array(H * 3), Ai = new Float64Array(H * 3);
          for (let kyi = 0; kyi < H; kyi++) {
            const ro = kyi * W;
            let a0r = 0, a0i = 0, a1r = 0, a1i = 0, a2r = 0, a2i = 0;
            // The correlation is real, so its spectrum is Hermitian: the half plane 0 <= kx <= W/2
            // (inner columns doubled) gives the same real part at half the cost.
            for (let kxi = 0; 2 * kxi <= W; kxi++) {
              const wgt = kxi === 0 || 2 * kxi === W ? 1 : 2;
              const sr = wgt * spRe![ro + kxi], si = wgt * spIm![ro + kxi], e = kxi * 3;
              a0r += sr * exr[e] - si * exi[e]; a0i += sr * exi[e] + si * exr[e];
              a1r += sr * exr[e + 1] - si * exi[e + 1]; a1i += sr * exi[e + 1] + si * exr[e + 1];
              a2r += sr * exr[e + 2] - si * exi[e + 2]; a2i += sr * exi[e + 2] + si * exr[e + 2];
            }
            Ar[kyi * 3] = a0r; Ai[kyi * 3] = a0i; Ar[kyi * 3 + 1] = a1r; Ai[kyi * 3 + 1] = a1i; Ar[kyi * 3 + 2] = a2r; Ai[kyi * 3 + 2] = a2i;
          }
          const g = [0, 0, 0, 0, 0, 0, 0, 0, 0];
          for (let q = 0; q < 3; q++) {
            for (let kyi = 0; kyi < H; kyi++) {
              const f = kyi < H / 2 ? kyi : kyi - H, nyq = 2 * kyi === H;
              const a = (2 * Math.PI * f * ys[q]) / H, cr = Math.cos(a), ci = nyq ? 0 : Math.sin(a);
              for (let j = 0; j < 3; j++) g[q * 3 + j] += Ar[kyi * 3 + j] * cr - Ai[kyi * 3 + j] * ci;
            }
          }
          const cc = g[4], gl = g[3], gr = g[5], gu = g[1], gd = g[7];
          const dx2 = gl - 2 * cc + gr, dy2 = gu - 2 * cc + gd;
          if (dx2 < 0) px += h * Math.max(-1, Math.min(1, (0.5 * (gl - gr)) / dx2));
          if (dy2 < 0) py += h * Math.max(-1, Math.min(1, (0.5 * (gu - gd)) / dy2));
          val = cc / (W * H);
        }
      }
      // Unwrap (correlation is circular) and shift by the template's sub-pixel centre.
      if (W > kx && px >= (W + kx) / 2) px -= W;
      if (H > ky && py >= (H + ky) / 2) py -= H;
      px += t.offX; py += t.offY;
      if (px < o.excludeBorder - 0.5 || py < o.excludeBorder - 0.5 || px > kx - 0.5 - o.excludeBorder || py > ky - 0.5 - o.excludeBorder) continue;
      let close = false;
      for (let k = 0; k < kept.length; k += 3) { const dx = kept[k] - px, dy = kept[k + 1] - py; if (dx * dx + dy * dy < md2) { close = true; break; } }
      if (close) continue;
      kept.push(px, py, val);
    }
    for (const v of kept) out.push(v);
  }
  return { prepare, detect };
}

interface BraggParams {
  t: { W: number; H: number; tre: Float64Array; tim: Float64Array; offX: number; offY: number };
  o: { minDistance: number; thresholdRel: number; thresholdAbs: number; maxPeaks: number; corrPower: number; subpixel: string; upsample: number; excludeBorder: number };
}

/** UDF: disks per pattern, into a nav buffer of 1 + 3·maxPeaks values (count, then x, y, intensity triples). */
export function braggDisksUDF(template: Image, detShape: [number, number], options: BraggDiskOptions = {}): UDF<BraggDisks, BraggParams> {
  options = renameOptions(options, { edgeBoundary: "excludeBorder" }, "braggDisks");
  const [ky, kx] = detShape;
  if (!template || !(template.data instanceof Float32Array)) throw new TypeError("braggDisks(template): template must be an Image (the vacuum probe, ky × kx)");
  if (template.width !== kx || template.height !== ky) throw new RangeError(`braggDisks(template): template is ${template.width}×${template.height}, detector is ${kx}×${ky} (kx×ky)`);
  const lib = braggKernelLib();
  const t = lib.prepare(template.data, kx, ky);
  const o = {
    minDistance: options.minDistance ?? Math.max(3, t.radius),
    thresholdRel: options.thresholdRel ?? 0.05,
    thresholdAbs: options.thresholdAbs ?? 0,
    maxPeaks: options.maxPeaks ?? 64,
    corrPower: options.corrPower ?? 1,
    subpixel: options.subpixel ?? "upsample",
    upsample: options.upsample ?? 16,
    excludeBorder: options.excludeBorder ?? 0,
  };
  if (!["none", "parabolic", "upsample"].includes(o.subpixel)) throw new TypeError(`braggDisks: options.subpixel must be "none", "parabolic" or "upsample", got ${JSON.stringify(o.subpixel)}`);
  if (!(o.corrPower >= 0 && o.corrPower <= 1)) throw new RangeError(`braggDisks: options.corrPower must be in [0, 1], got ${o.corrPower}`);
  if (!(Number.isInteger(o.maxPeaks) && o.maxPeaks > 0)) throw new RangeError(`braggDisks: options.maxPeaks must be a positive integer, got ${o.maxPeaks}`);
  if (!(Number.isInteger(o.upsample) && o.upsample >= 1)) throw new RangeError(`braggDisks: options.upsample must be a positive integer, got ${o.upsample}`);
  const stride = 1 + 3 * o.maxPeaks;
  return {
    name: "braggDisks",
    params: { t: { W: t.W, H: t.H, tre: t.tre, tim: t.tim, offX: t.offX, offY: t.offY }, o },
    buffers: () => ({ disks: { kind: "nav", extra: stride } }),
    process: { module: __filename, export: "processBraggDisks" },
    finalize: (buf, meta) => {
      const nF = meta.nFrames, offsets = new Uint32Array(nF + 1);
      for (let f = 0; f < nF; f++) offsets[f + 1] = offsets[f] + buf.disks[f * stride];
      const total = offsets[nF], x = new Float32Array(total), y = new Float32Array(total), intensity = new Float32Array(total);
      for (let f = 0; f < nF; f++) for (let k = 0, j = offsets[f]; j < offsets[f + 1]; k++, j++) {
        const o3 = f * stride + 1 + 3 * k;
        x[j] = buf.disks[o3]; y[j] = buf.disks[o3 + 1]; intensity[j] = buf.disks[o3 + 2];
      }
      return { scanShape: meta.scanShape, detShape: meta.detShape, offsets, x, y, intensity };
    },
  };
}

let kernels: ReturnType<typeof braggKernelLib> | undefined;

/** Process of braggDisksUDF (runs on worker threads): per frame, the disk count then x, y, intensity triples into the nav buffer `disks`. */
export function processBraggDisks(frames: Float32Array, n: number, _start: number, b: Record<string, Float64Array>, p: BraggParams, meta: DatasetMeta): void {
  kernels ??= braggKernelLib();
  const kx = meta.detShape[1], ky = meta.detShape[0], fs = meta.frameSize, stride = 1 + 3 * p.o.maxPeaks, out = b.disks;
  const found: number[] = [];
  for (let i = 0; i < n; i++) {
    found.length = 0;
    kernels.detect(frames.subarray(i * fs, (i + 1) * fs), kx, ky, p.t, p.o, found);
    const m = found.length / 3;
    out[i * stride] = m;
    for (let k = 0; k < found.length; k++) out[i * stride + 1 + k] = found[k];
  }
}

/**
 * Find the Bragg disks of every pattern by correlation with `template` (the
 * vacuum probe image, ky × kx; its centre of mass is the reference point),
 * see the module comment and `BraggDiskOptions`. Cost: two FFTs of the
 * (power-of-two padded) detector per pattern, plus per disk a local DFT
 * with subpixel "upsample".
 *
 * @example const disks = await braggDisks(ds, probe, { thresholdRel: 0.1, subpixel: "upsample" });
 */
export async function braggDisks(ds: Dataset4D, template: Image, options: BraggDiskOptions = {}): Promise<BraggDisks> {
  return runUDF(ds, braggDisksUDF(template, ds.detShape, options), options);
}

/** Bragg disks of a single pattern (ky × kx Image), as arrays of x, y, intensity. */
export function braggDisksInPattern(pattern: Image, template: Image, options: BraggDiskOptions = {}): { x: Float32Array; y: Float32Array; intensity: Float32Array } {
  const udf = braggDisksUDF(template, [pattern.height, pattern.width], options);
  const lib = braggKernelLib();
  const found: number[] = [];
  lib.detect(pattern.data, pattern.width, pattern.height, udf.params.t, udf.params.o, found);
  const m = found.length / 3, x = new Float32Array(m), y = new Float32Array(m), intensity = new Float32Array(m);
  for (let k = 0; k < m; k++) { x[k] = found[3 * k]; y[k] = found[3 * k + 1]; intensity[k] = found[3 * k + 2]; }
  return { x, y, intensity };
}

/**
 * Bragg vector map: a detector-sized histogram of all disk positions,
 * each disk adding its intensity bilinearly at its sub-pixel position
 * (py4DSTEM's `get_bvm`). Optionally only frames where `frames[f]` is true.
 */
export function braggVectorMap(disks: BraggDisks, frames?: ArrayLike<number | boolean>): Image {
  const [ky, kx] = disks.detShape;
  const out = new Float32Array(kx * ky);
  const nF = disks.offsets.length - 1;
  for (let f = 0; f < nF; f++) {
    if (frames && !frames[f]) continue;
    for (let j = disks.offsets[f]; j < disks.offsets[f + 1]; j++) {
      const x = disks.x[j], y = disks.y[j], w = disks.intensity[j];
      const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
      for (const [xx, yy, ww] of [[x0, y0, (1 - fx) * (1 - fy)], [x0 + 1, y0, fx * (1 - fy)], [x0, y0 + 1, (1 - fx) * fy], [x0 + 1, y0 + 1, fx * fy]]) {
        if (xx >= 0 && yy >= 0 && xx < kx && yy < ky) out[yy * kx + xx] += w * ww;
      }
    }
  }
  return makeImage(out, kx, ky);
}
