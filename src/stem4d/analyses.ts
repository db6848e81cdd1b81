/**
 * Basic 4D-STEM analyses, each a UDF (see ./udf.ts) plus a convenience
 * function: mean and max patterns, virtual detectors and the raw centre of
 * mass. Conventions: scan x = column, y = row; detector kx = column,
 * ky = row; positions in pixels.
 *
 * Each UDF's `process` is an exported function of this module (the
 * `process*` functions), named by `{ module, export }` so that worker
 * threads require this module and run exactly the same code.
 */
import { makeImage, type Image } from "../image/image";
import type { Dataset4D } from "./dataset";
import type { TaskRef } from "../core/pool";
import { runUDF, runUDFs, type DatasetMeta, type RunOptions, type UDF } from "./udf";
import { align16, decodeRaw, framesInKernels, intKernel, simdKernels, wasmKernels, type RawFrames } from "./simd";

/** Reference to a process function of this module (for worker threads). */
const here = (name: string): TaskRef => ({ module: __filename, export: name });

/** Scan-sized image from a nav buffer (calibrated by the scan step when known). */
export function scanImage(ds: Dataset4D, values: ArrayLike<number>): Image {
  const c = ds.calibration;
  return makeImage(values instanceof Float32Array ? values : Float32Array.from(values), ds.scanShape[1], ds.scanShape[0],
    c.scanStep ? { pixelSize: c.scanStep, unit: c.scanUnit ?? "" } : undefined);
}

/** Detector-sized image (calibrated by the reciprocal pixel size when known). */
export function detectorImage(ds: Dataset4D, values: ArrayLike<number>): Image {
  const c = ds.calibration;
  return makeImage(values instanceof Float32Array ? values : Float32Array.from(values), ds.detShape[1], ds.detShape[0],
    c.detPixelSize ? { pixelSize: c.detPixelSize, unit: c.detUnit ?? "" } : undefined);
}

function metaOf(ds: Dataset4D): DatasetMeta {
  return { scanShape: ds.scanShape, detShape: ds.detShape, nFrames: ds.nFrames, frameSize: ds.frameSize };
}

// ---------------------------------------------------------------- mean / max

/** UDF: the mean pattern (sum over frames / number of frames), detector-sized. */
export function meanPatternUDF(): UDF<Float64Array, null> {
  return {
    name: "meanPattern",
    params: null,
    buffers: () => ({ sum: { kind: "sig" } }),
    process: here("processMeanPattern"),
    finalize: (b, meta) => { const s = b.sum; for (let j = 0; j < s.length; j++) s[j] /= meta.nFrames; return s; },
  };
}

/** UDF: the per-pixel maximum over all frames (NaN wins, so NaNs are visible). */
export function maxPatternUDF(): UDF<Float64Array, null> {
  return {
    name: "maxPattern",
    params: null,
    buffers: () => ({ max: { kind: "sig", init: -Infinity, merge: "max" } }),
    process: here("processMaxPattern"),
    finalize: (b) => b.max,
  };
}

/** Process of meanPatternUDF: adds each frame into the sig buffer `sum`. */
export function processMeanPattern(frames: Float32Array, n: number, _start: number, b: Record<string, Float64Array>, _p: null, meta: DatasetMeta): void {
  const s = b.sum, fs = meta.frameSize;
  for (let i = 0; i < n; i++) {
    const o = i * fs;
    for (let j = 0; j < fs; j++) s[j] += frames[o + j];
  }
}

/** Process of maxPatternUDF: per-pixel maximum into the sig buffer `max` (NaN wins). */
export function processMaxPattern(frames: Float32Array, n: number, _start: number, b: Record<string, Float64Array>, _p: null, meta: DatasetMeta): void {
  const m = b.max, fs = meta.frameSize;
  for (let i = 0; i < n; i++) {
    const o = i * fs;
    for (let j = 0; j < fs; j++) { const v = frames[o + j]; if (v > m[j] || v !== v) m[j] = v; }
  }
}

/** The mean diffraction pattern (ky × kx Image). Accumulates in float64. */
export async function meanPattern(ds: Dataset4D, options?: RunOptions): Promise<Image> {
  return detectorImage(ds, await runUDF(ds, meanPatternUDF(), options));
}

/** The maximum diffraction pattern (ky × kx Image; a pixel is NaN if any frame has NaN there). */
export async function maxPattern(ds: Dataset4D, options?: RunOptions): Promise<Image> {
  return detectorImage(ds, await runUDF(ds, maxPatternUDF(), options));
}

// ---------------------------------------------------------------- detectors

/** A virtual detector in detector pixels (kx = column, ky = row); bounds are inclusive. */
export type Detector =
  | { type: "circle"; center: [number, number]; radius: number }
  | { type: "annulus"; center: [number, number]; inner: number; outer: number }
  /** Annular sector: radii as for the annulus; angles in radians from +kx towards +ky, from `start` counter-clockwise (towards +ky) to `end`. */
  | { type: "sector"; center: [number, number]; inner: number; outer: number; start: number; end: number }
  /** Per-pixel weights, ky × kx (row-major); an Image, a flat array, or rows of numbers/booleans. */
  | Image | ArrayLike<number> | ArrayLike<ArrayLike<number | boolean>>;

/**
 * The ky × kx weight mask of a detector. A pixel (kx, ky) belongs to a
 * circle when (kx-cx)² + (ky-cy)² ≤ r², to an annulus when
 * inner² ≤ d² ≤ outer² (both bounds inclusive), to a sector when it is in
 * the annulus and its angle atan2(ky-cy, kx-cx) lies in [start, end].
 */
export function detectorMask(detector: Detector, detShape: [number, number]): Float32Array {
  const [ky, kx] = detShape;
  const n = ky * kx;
  const where = "virtualImage(detector)";
  const d = detector as { type?: string };
  if (d && typeof d === "object" && typeof d.type === "string") {
    const det = detector as { type: string; center: [number, number]; radius?: number; inner?: number; outer?: number; start?: number; end?: number };
    if (!Array.isArray(det.center) || det.center.length !== 2 || !det.center.every(Number.isFinite)) throw new TypeError(`${where}: center must be [kx, ky] in detector pixels, got ${JSON.stringify(det.center)}`);
    const [cx, cy] = det.center;
    let r0: number, r1: number;
    if (det.type === "circle") {
      if (!(det.radius! >= 0)) throw new RangeError(`${where}: circle radius must be a number >= 0, got ${det.radius}`);
      r0 = -1; r1 = det.radius!;
    } else if (det.type === "annulus" || det.type === "sector") {
      if (!(det.inner! >= 0) || !(det.outer! >= det.inner!)) throw new RangeError(`${where}: ${det.type} needs 0 <= inner <= outer, got inner ${det.inner}, outer ${det.outer}`);
      r0 = det.inner!; r1 = det.outer!;
    } else throw new TypeError(`${where}: unknown detector type ${JSON.stringify(det.type)} (circle, annulus, sector, or a ky×kx mask)`);
    const sector = det.type === "sector";
    if (sector && !(Number.isFinite(det.start) && Number.isFinite(det.end))) throw new TypeError(`${where}: sector needs finite start and end angles (radians)`);
    const m = new Float32Array(n);
    const lo2 = r0 < 0 ? -1 : r0 * r0, hi2 = r1 * r1;
    for (let y = 0; y < ky; y++) {
      for (let x = 0; x < kx; x++) {
        const dx = x - cx, dy = y - cy, d2 = dx * dx + dy * dy;
        if (d2 < lo2 || d2 > hi2) continue;
        if (sector) {
          const span = det.end! - det.start!;
          let a = Math.atan2(dy, dx) - det.start!;
          a = ((a % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
          if (!(span >= 2 * Math.PI || a <= span)) continue;
        }
        m[y * kx + x] = 1;
      }
    }
    return m;
  }
  const img = detector as Image;
  if (img && img.data instanceof Float32Array && Number.isInteger(img.width)) {
    if (img.width !== kx || img.height !== ky) throw new RangeError(`${where}: mask is ${img.width}×${img.height} (width×height), detector is ${kx}×${ky}`);
    return Float32Array.from(img.data);
  }
  const arr = detector as ArrayLike<unknown>;
  if (arr && typeof arr.length === "number") {
    if (arr.length === ky && arr.length > 0 && typeof arr[0] === "object") {
      const m = new Float32Array(n);
      for (let y = 0; y < ky; y++) {
        const row = arr[y] as ArrayLike<number | boolean>;
        if (!row || row.length !== kx) throw new RangeError(`${where}: mask row ${y} has ${row?.length} entries, detector has kx = ${kx}`);
        for (let x = 0; x < kx; x++) m[y * kx + x] = Number(row[x]);
      }
      return m;
    }
    if (arr.length !== n) throw new RangeError(`${where}: mask has ${arr.length} values, detector ky×kx = ${ky}×${kx} = ${n}`);
    return Float32Array.from(arr as ArrayLike<number>);
  }
  throw new TypeError(`${where}: expected { type: "circle" | "annulus" | "sector", ... } or a ky×kx mask`);
}

/** `simd`: use the WebAssembly kernel (./simd.ts), decided when the UDF is made. */
interface VirtualParams { simd: boolean; mode: number; runs: Int32Array; index: Int32Array; weight: Float32Array; mask: Float32Array; ranges: Int32Array }

/**
 * UDF: weighted sum of each pattern over a detector mask → one value per
 * scan position. Binary masks are summed over runs of consecutive pixels
 * (no index indirection); sparse weighted masks over their non-zero pixels;
 * dense weighted masks as a dot product. Four partial sums per loop keep
 * the CPU's adders busy; every path accumulates in float64. When kx is a
 * multiple of 4 and WebAssembly SIMD is available, the sum runs in the SIMD
 * kernel (./simd.ts: float32 lanes within a row, float64 across rows);
 * frames whose SIMD sum is not finite are recomputed by the float64 loop so
 * that NaN/Inf outside the detector never leak in. 8/16-bit counts from a
 * file are then summed as stored (processRaw: no float32 copy of the
 * frames; the same sums bit for bit).
 */
export function virtualImageUDF(mask: Float32Array, meta?: DatasetMeta): UDF<Float64Array, VirtualParams> {
  if (meta && mask.length !== meta.frameSize) throw new RangeError(`virtualImageUDF: mask has ${mask.length} values, frames have ${meta.frameSize}`);
  let count = 0, binary = true;
  for (let j = 0; j < mask.length; j++) if (mask[j] !== 0) { count++; if (mask[j] !== 1) binary = false; }
  const index = new Int32Array(count), weight = new Float32Array(count);
  for (let j = 0, c = 0; j < mask.length; j++) if (mask[j] !== 0) { index[c] = j; weight[c] = mask[j]; c++; }
  const runs: number[] = [];
  if (binary) for (let c = 0; c < count; c++) {
    if (c > 0 && index[c] === index[c - 1] + 1) runs[runs.length - 1] = index[c] + 1;
    else runs.push(index[c], index[c] + 1);
  }
  // mode 0: runs (binary); 1: sparse weighted; 2: dense weighted
  const mode = binary ? 0 : count > mask.length / 2 ? 2 : 1;
  // Per-row column range of the mask (multiples of 4) for the SIMD kernel.
  const kx = meta?.detShape[1] ?? 0, ky = meta?.detShape[0] ?? 0;
  const ranges = new Int32Array(2 * ky);
  const simd = simdKernels() !== null && kx > 0 && kx % 4 === 0 && ky * kx === mask.length;
  if (simd) for (let y = 0; y < ky; y++) {
    let x0 = kx, x1 = 0;
    for (let x = 0; x < kx; x++) if (mask[y * kx + x] !== 0) { if (x < x0) x0 = x; x1 = x + 1; }
    if (x1 > x0) { ranges[2 * y] = x0 & ~3; ranges[2 * y + 1] = Math.min(kx, (x1 + 3) & ~3); }
  }
  return {
    name: "virtualImage",
    params: { mode, runs: Int32Array.from(runs), index, weight: mode === 2 ? Float32Array.from(mask) : weight, mask: simd ? Float32Array.from(mask) : new Float32Array(0), ranges, simd },
    buffers: () => ({ intensity: { kind: "nav" } }),
    process: here("processVirtualImage"),
    ...(simd ? { processRaw: here("processVirtualImageRaw") } : {}),
    finalize: (b) => b.intensity,
  };
}

/** Process of virtualImageUDF: the detector sum of each frame into the nav buffer `intensity` (see virtualImageUDF). */
export function processVirtualImage(frames: Float32Array, n: number, _start: number, b: Record<string, Float64Array>, p: VirtualParams, meta: DatasetMeta): void {
  const out = b.intensity, fs = meta.frameSize;
  if (!p.simd) {
    for (let i = 0; i < n; i++) out[i] = virtualSum64(frames, i * fs, p, fs);
    return;
  }
  const kx = meta.detShape[1], ky = meta.detShape[0];
  // Frames already in kernel memory (simd.ts readFramesIntoKernels) are read where they are, below them
  // the scratch: results, mask, row ranges; other frames are copied after the scratch in batches of ≤ 4 MiB.
  const inPlace = framesInKernels(frames, n, fs, ky);
  const B = inPlace ? n : Math.max(1, Math.min(n, Math.floor((4 << 20) / (fs * 4))));
  const [outP, maskP, rangesP, end] = virtualScratch(B, fs, ky);
  const framesP = inPlace ? frames.byteOffset : end;
  const k = wasmKernels(simdKernels()!, inPlace ? 0 : framesP + B * fs * 4);
  writeVirtualScratch(k.memory.buffer, p, B, fs, ky);
  for (let f0 = 0; f0 < n; f0 += B) {
    const m = Math.min(B, n - f0);
    if (!inPlace) new Float32Array(k.memory.buffer, framesP, m * fs).set(frames.subarray(f0 * fs, (f0 + m) * fs));
    k.vi(framesP, m, kx, ky, outP, maskP, rangesP);
    out.set(new Float64Array(k.memory.buffer, outP, m), f0);
  }
  // Frames with a non-finite SIMD sum are redone in float64 (exact NaN/Inf semantics).
  for (let i = 0; i < n; i++) if (!Number.isFinite(out[i])) out[i] = virtualSum64(frames, i * fs, p, fs);
}

/**
 * Process of virtualImageUDF for 8/16-bit counts as stored (UDF.processRaw):
 * the integer kernel (simd.ts intKernel) gives the same sums as
 * processVirtualImage on the decoded frames, bit for bit.
 */
export function processVirtualImageRaw(raw: RawFrames, n: number, start: number, b: Record<string, Float64Array>, p: VirtualParams, meta: DatasetMeta): void {
  const out = b.intensity, fs = meta.frameSize, kx = meta.detShape[1], ky = meta.detShape[0];
  const kernel = p.simd ? intKernel(raw, "vi", n, kx, ky) : undefined;
  // Without the kernel: decoded frames (with p.simd false the float path stays out of the kernel memory that may hold raw).
  if (!kernel) return processVirtualImage(decodeRaw(raw, 0, n), n, start, b, p, meta);
  const [outP, maskP, rangesP] = virtualScratch(n, fs, ky);
  writeVirtualScratch(kernel.memory.buffer, p, n, fs, ky);
  kernel.run(outP, maskP, rangesP);
  out.set(new Float64Array(kernel.memory.buffer, outP, n));
  for (let i = 0; i < n; i++) if (!Number.isFinite(out[i])) out[i] = virtualSum64(decodeRaw(raw, i, 1), 0, p, fs);
}

/** Byte offsets in kernel memory of the vi kernel's results (B frames), mask and row ranges, and the end of that scratch. */
function virtualScratch(B: number, fs: number, ky: number): [number, number, number, number] {
  const maskP = align16(B * 8), rangesP = maskP + align16(fs * 4);
  return [0, maskP, rangesP, rangesP + align16(ky * 8)];
}

/** The mask and the row ranges of `p` written where virtualScratch(B, ...) puts them. */
function writeVirtualScratch(memory: ArrayBuffer, p: VirtualParams, B: number, fs: number, ky: number): void {
  const [, maskP, rangesP] = virtualScratch(B, fs, ky);
  new Float32Array(memory, maskP, fs).set(p.mask);
  new Int32Array(memory, rangesP, 2 * ky).set(p.ranges);
}

/** The float64 detector sum of the frame at frames[o, o + fs) (see virtualImageUDF). */
function virtualSum64(frames: Float32Array, o: number, p: VirtualParams, fs: number): number {
  const runs = p.runs, idx = p.index, w = p.weight;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  if (p.mode === 0) {
    for (let r = 0; r < runs.length; r += 2) {
      let j = o + runs[r];
      const e = o + runs[r + 1];
      for (; j + 3 < e; j += 4) { s0 += frames[j]; s1 += frames[j + 1]; s2 += frames[j + 2]; s3 += frames[j + 3]; }
      for (; j < e; j++) s0 += frames[j];
    }
  } else if (p.mode === 1) {
    for (let j = 0; j < idx.length; j++) s0 += frames[o + idx[j]] * w[j];
  } else {
    let j = 0;
    for (; j + 3 < fs; j += 4) { s0 += frames[o + j] * w[j]; s1 += frames[o + j + 1] * w[j + 1]; s2 += frames[o + j + 2] * w[j + 2]; s3 += frames[o + j + 3] * w[j + 3]; }
    for (; j < fs; j++) s0 += frames[o + j] * w[j];
  }
  return (s0 + s1) + (s2 + s3);
}

/**
 * Virtual detector image: for every scan position the sum of the pattern
 * over the detector's pixels (weighted by the mask values for a mask), in
 * float64 then stored as float32. Returns a scan-sized Image (width = scan
 * columns, height = scan rows), calibrated by the scan step when known.
 * Like py4DSTEM's `get_virtual_image` (modes "circle", "annulus", "mask").
 * A NaN in a pattern inside the detector makes that pixel NaN.
 *
 * @example const bf = await virtualImage(ds, { type: "circle", center: [64, 64], radius: 10 });
 */
export async function virtualImage(ds: Dataset4D, detector: Detector, options?: RunOptions): Promise<Image> {
  const mask = detectorMask(detector, ds.detShape);
  return scanImage(ds, await runUDF(ds, virtualImageUDF(mask, metaOf(ds)), options));
}

/** Several virtual images in one pass over the data (e.g. BF + ADF while streaming a large file). */
export async function virtualImages(ds: Dataset4D, detectors: Detector[], options?: RunOptions): Promise<Image[]> {
  const udfs = detectors.map((d) => virtualImageUDF(detectorMask(d, ds.detShape), metaOf(ds)));
  const res = await runUDFs(ds, udfs, options);
  return res.map((r) => scanImage(ds, r as Float64Array));
}

// ---------------------------------------------------------------- COM

/** `simd`: WebAssembly SIMD is available (./simd.ts); the process also needs kx % 4 == 0 and no ignoreNaN. */
interface ComParams { mask: Float32Array | null; ignoreNaN: boolean; simd: boolean }

/**
 * UDF: per-pattern total intensity and intensity-weighted mean position
 * (kx, ky) in detector pixels. nav buffer `com` holds [sum, sumX, sumY]
 * per frame. With WebAssembly SIMD (and no ignoreNaN) 8/16-bit counts from
 * a file are summed as stored (processRaw: no float32 copy of the frames;
 * the same sums bit for bit).
 */
export function centerOfMassUDF(options: { mask?: Float32Array; ignoreNaN?: boolean } = {}): UDF<{ sum: Float64Array; comX: Float64Array; comY: Float64Array }, ComParams> {
  const simd = simdKernels() !== null;
  return {
    name: "centerOfMass",
    params: { mask: options.mask ?? null, ignoreNaN: !!options.ignoreNaN, simd },
    buffers: () => ({ com: { kind: "nav", extra: 3 } }),
    process: here("processCenterOfMass"),
    ...(simd && !options.ignoreNaN ? { processRaw: here("processCenterOfMassRaw") } : {}),
    finalize: (b, meta) => {
      const n = meta.nFrames, sum = new Float64Array(n), comX = new Float64Array(n), comY = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const s = b.com[3 * i];
        sum[i] = s;
        // A zero-intensity pattern has no centre of mass: NaN (documented).
        comX[i] = s !== 0 ? b.com[3 * i + 1] / s : NaN;
        comY[i] = s !== 0 ? b.com[3 * i + 2] / s : NaN;
      }
      return { sum, comX, comY };
    },
  };
}

/** Process of centerOfMassUDF: [Σv, Σv·kx, Σv·ky] of each frame into the nav buffer `com` (see centerOfMassUDF). */
export function processCenterOfMass(frames: Float32Array, n: number, _start: number, b: Record<string, Float64Array>, p: ComParams, meta: DatasetMeta): void {
  const out = b.com, fs = meta.frameSize, kx = meta.detShape[1], ky = meta.detShape[0], mask = p.mask;
  const cols = new Float64Array(kx);
  if (!(p.simd && !p.ignoreNaN && kx % 4 === 0)) {
    for (let i = 0; i < n; i++) comSums64(frames, i, p, meta, cols, out);
    return;
  }
  // SIMD kernel (./simd.ts). Frames in kernel memory are read in place, as in processVirtualImage; others are
  // copied after the scratch in batches of ≤ 4 MiB.
  const inPlace = framesInKernels(frames, n, fs, ky);
  const B = inPlace ? n : Math.max(1, Math.min(n, Math.floor((4 << 20) / (fs * 4))));
  const [outP, maskP, rangesP, end] = comScratch(B, mask !== null, fs, ky);
  const framesP = inPlace ? frames.byteOffset : end;
  const k = wasmKernels(simdKernels()!, inPlace ? 0 : framesP + B * fs * 4);
  if (mask !== null) writeComMaskScratch(k.memory.buffer, mask, B, kx, ky);
  for (let f0 = 0; f0 < n; f0 += B) {
    const m = Math.min(B, n - f0);
    if (!inPlace) new Float32Array(k.memory.buffer, framesP, m * fs).set(frames.subarray(f0 * fs, (f0 + m) * fs));
    if (mask === null) k.com(framesP, m, kx, ky, outP); // NaN/Inf propagate exactly as in comSums64
    else for (let q = 0; q < 3; q++) k.vi(framesP, m, kx, ky, outP + q * B * 8, maskP + q * fs * 4, rangesP);
    copyComSums(k.memory.buffer, mask !== null, B, m, out, f0);
  }
  // Masked: frames whose SIMD sums are not finite are redone in float64 (a NaN outside the mask must not leak in).
  if (mask !== null) for (let i = 0; i < n; i++) if (!comFinite(out, i)) comSums64(frames, i, p, meta, cols, out);
}

/**
 * Process of centerOfMassUDF for 8/16-bit counts as stored (UDF.processRaw):
 * the integer kernels (simd.ts intKernel) give the same sums as
 * processCenterOfMass on the decoded frames, bit for bit.
 */
export function processCenterOfMassRaw(raw: RawFrames, n: number, start: number, b: Record<string, Float64Array>, p: ComParams, meta: DatasetMeta): void {
  const out = b.com, kx = meta.detShape[1], ky = meta.detShape[0], mask = p.mask;
  const kernel = p.simd && !p.ignoreNaN ? intKernel(raw, mask === null ? "com" : "vi", n, kx, ky) : undefined;
  // Without the kernel: decoded frames (the float path then needs no SIMD either and stays out of the kernel memory that may hold raw).
  if (!kernel) return processCenterOfMass(decodeRaw(raw, 0, n), n, start, b, p, meta);
  const [outP, maskP, rangesP] = comScratch(n, mask !== null, meta.frameSize, ky);
  if (mask === null) kernel.run(outP);
  else {
    writeComMaskScratch(kernel.memory.buffer, mask, n, kx, ky);
    for (let q = 0; q < 3; q++) kernel.run(outP + q * n * 8, maskP + q * meta.frameSize * 4, rangesP);
  }
  copyComSums(kernel.memory.buffer, mask !== null, n, n, out, 0);
  if (mask !== null) for (let i = 0; i < n; i++) if (!comFinite(out, i)) comSums64(decodeRaw(raw, i, 1), 0, p, meta, new Float64Array(kx), out, i);
}

/**
 * Byte offsets in kernel memory of the COM kernels' results (B frames), of
 * the three weight images m, m·x, m·y and the row ranges (masked COM: three
 * vi sums), and the end of that scratch (simd.ts kernelScratchBytes).
 */
function comScratch(B: number, masked: boolean, fs: number, ky: number): [number, number, number, number] {
  if (!masked) return [0, 0, 0, align16(B * 24)];
  const maskP = align16(3 * B * 8), rangesP = maskP + align16(3 * fs * 4);
  return [0, maskP, rangesP, rangesP + align16(ky * 8)];
}

/** The weight images m, m·x, m·y of `mask` and its row ranges (multiples of 4) written where comScratch(B, true, ...) puts them. */
function writeComMaskScratch(memory: ArrayBuffer, mask: Float32Array, B: number, kx: number, ky: number): void {
  const fs = kx * ky, [, maskP, rangesP] = comScratch(B, true, fs, ky);
  const m3 = new Float32Array(memory, maskP, 3 * fs), rg = new Int32Array(memory, rangesP, 2 * ky);
  for (let y = 0; y < ky; y++) {
    let x0 = kx, x1 = 0;
    for (let x = 0; x < kx; x++) {
      const w = mask[y * kx + x];
      m3[y * kx + x] = w; m3[fs + y * kx + x] = w * x; m3[2 * fs + y * kx + x] = w * y;
      if (w !== 0) { if (x < x0) x0 = x; x1 = x + 1; }
    }
    rg[2 * y] = x1 > x0 ? x0 & ~3 : 0; rg[2 * y + 1] = x1 > x0 ? Math.min(kx, (x1 + 3) & ~3) : 0;
  }
}

/** The kernels' sums of m frames (B-frame scratch) into out[3·(f0 + i) …]: com writes them interleaved, the three masked vi sums one after another. */
function copyComSums(memory: ArrayBuffer, masked: boolean, B: number, m: number, out: Float64Array, f0: number): void {
  if (!masked) { out.set(new Float64Array(memory, 0, 3 * m), 3 * f0); return; }
  const r = new Float64Array(memory, 0, 3 * B);
  for (let i = 0; i < m; i++) { out[3 * (f0 + i)] = r[i]; out[3 * (f0 + i) + 1] = r[B + i]; out[3 * (f0 + i) + 2] = r[2 * B + i]; }
}

function comFinite(out: Float64Array, i: number): boolean {
  return Number.isFinite(out[3 * i]) && Number.isFinite(out[3 * i + 1]) && Number.isFinite(out[3 * i + 2]);
}

/**
 * [Σv, Σv·x, Σv·y] in float64 of frame i of `frames` into out[3·to …]
 * (`to` defaults to i); `cols` is a kx scratch.
 */
function comSums64(frames: Float32Array, i: number, p: ComParams, meta: DatasetMeta, cols: Float64Array, out: Float64Array, to = i): void {
  const kx = meta.detShape[1], ky = meta.detShape[0], o = i * meta.frameSize, mask = p.mask;
  let s = 0, sx = 0, sy = 0;
  if (mask === null && !p.ignoreNaN) {
    // Fast path: column sums (independent adds) and row sums (four partial sums).
    cols.fill(0);
    for (let y = 0; y < ky; y++) {
      const ro = o + y * kx;
      let r0 = 0, r1 = 0, r2 = 0, r3 = 0, x = 0;
      for (; x + 3 < kx; x += 4) {
        const a = frames[ro + x], b1 = frames[ro + x + 1], c = frames[ro + x + 2], d = frames[ro + x + 3];
        r0 += a; r1 += b1; r2 += c; r3 += d;
        cols[x] += a; cols[x + 1] += b1; cols[x + 2] += c; cols[x + 3] += d;
      }
      for (; x < kx; x++) { const a = frames[ro + x]; r0 += a; cols[x] += a; }
      const rs = (r0 + r1) + (r2 + r3);
      s += rs; sy += rs * y;
    }
    for (let x = 0; x < kx; x++) sx += cols[x] * x;
  } else {
    for (let y = 0; y < ky; y++) {
      let rs = 0, rx = 0;
      const ro = o + y * kx;
      for (let x = 0; x < kx; x++) {
        let v = frames[ro + x];
        if (mask !== null) { const w = mask[y * kx + x]; if (w === 0) continue; v *= w; }
        if (p.ignoreNaN && v !== v) continue;
        rs += v; rx += v * x;
      }
      s += rs; sx += rx; sy += rs * y;
    }
  }
  out[3 * to] = s; out[3 * to + 1] = sx; out[3 * to + 2] = sy;
}
