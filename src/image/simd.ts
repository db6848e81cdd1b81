/**
 * JavaScript side of the WebAssembly SIMD kernels for the Gaussian smoothing
 * of filters.ts (the symmetric FIR passes and the recursive Gaussian), whose
 * source is src/wasm/assembly/filters.ts (AssemblyScript, compiled at build
 * time): memory layout, index tables and the choice of passes. The kernels
 * carry the JavaScript loops' arithmetic exactly (float32 pixels promoted to
 * float64, the same operations in the same order, rounded to float32 on the
 * store), so the outputs are bit-identical to filters.ts's JavaScript, which
 * runs where WebAssembly SIMD is missing, after `setSimdFilters(false)`, or
 * where the image would need more than 256 MiB of WebAssembly memory.
 */

import { filtersWasm } from "../wasm/binaries.generated";

/** The kernel module's bytes (exports rows, cols, rows64, cols64, iir and its memory). */
export const filterWasm = filtersWasm;

/** Outputs per FIR step of the kernels, in float64x2 accumulators (two outputs each). */
const V = 4;
/** Bytes a FIR step may read or write past the last row: (2V − 1) float32, rounded up. */
const PAD_BYTES = 32;

interface Kernels {
  rows(src: number, out: number, w: number, h: number, kern: number, r: number, idx: number, buf: number): void;
  cols(src: number, out: number, w: number, h: number, kern: number, r: number, tab: number): void;
  rows64(src: number, out: number, w: number, h: number, kern: number, r: number, idx: number, buf: number): void;
  cols64(src: number, out: number, w: number, h: number, kern: number, r: number, tab: number): void;
  iir(src: number, out: number, groups: number, lineTab: number, idx: number, len: number, pad: number, n: number, fw: number, coef: number, strideBytes: number): void;
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
}

let kernels: Kernels | null | undefined;
let enabled = true;

/** Use the SIMD kernels where available (default) or always the JavaScript loops (tests and benchmarks compare the two). */
export function setSimdFilters(on: boolean): void {
  enabled = on;
}

function instance(): Kernels | null {
  if (!enabled) return null;
  if (kernels !== undefined) return kernels;
  try {
    const WA = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => unknown; Instance: new (m: unknown, i: object) => { exports: Kernels } } }).WebAssembly;
    kernels = new WA.Instance(new WA.Module(filterWasm()), {}).exports;
  } catch {
    kernels = null;
  }
  return kernels;
}

/** Images needing more WebAssembly memory than this stay in JavaScript (the memory never shrinks). */
const MAX_WASM_BYTES = 256 * 2 ** 20;

/** Mirror-reflect index i into [0, n) (about the edge pixel centres; filters.ts's boundaries too). */
export function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

/** Offsets (16-byte aligned) of consecutive regions of the given byte sizes from `base`, and their end. */
function regions(base: number, sizes: number[]): [number[], number] {
  const at: number[] = [];
  let end = base;
  for (const s of sizes) { at.push(end); end += Math.ceil(s / 16) * 16; }
  return [at, end];
}

/** One separable smoothing pass: a symmetric FIR kernel (length 2r + 1), or the recursive Gaussian's B, b1, b2, b3 and line padding. */
export type SmoothPass = { axis: 0 | 1; kernel: Float64Array } | { axis: 0 | 1; coef: [number, number, number, number]; pad: number };

function scratchSizes(p: SmoothPass, w: number, h: number): number[] {
  if ("kernel" in p) {
    const r = (p.kernel.length - 1) >> 1;
    return p.axis === 0 ? [8 * (r + 1), 4 * (w + 2 * r), 8 * (w + 2 * r + 2 * V)] : [8 * (r + 1), 8 * r * h];
  }
  const n = p.axis === 0 ? w : h, lines = p.axis === 0 ? h : w, len = n + 2 * p.pad;
  return [32 * Math.ceil(lines / 8), 4 * len, 64 * len, 32];
}

function runPass(k: Kernels, p: SmoothPass, w: number, h: number, pSrc: number, pOut: number, base: number, wideIn: boolean, wideOut: boolean): void {
  const mem = k.memory.buffer;
  if ("kernel" in p) {
    const r = (p.kernel.length - 1) >> 1;
    const [[pKern, pTab, pBuf]] = regions(base, scratchSizes(p, w, h));
    new Float64Array(mem, pKern, r + 1).set(p.kernel.subarray(0, r + 1));
    if (p.axis === 0) {
      const idx = new Int32Array(mem, pTab, w + 2 * r);
      for (let i = 0; i < w + 2 * r; i++) idx[i] = 4 * mirror(i - r, w);
      (wideOut ? k.rows64 : k.rows)(pSrc, pOut, w, h, pKern, r, pTab, pBuf);
    } else {
      const tab = new Int32Array(mem, pTab, 2 * r * h);
      for (let y = 0; y < h; y++) for (let j = 0; j < r; j++) {
        tab[2 * r * y + 2 * j] = pSrc + (wideIn ? 8 : 4) * w * mirror(y + j - r, h);
        tab[2 * r * y + 2 * j + 1] = pSrc + (wideIn ? 8 : 4) * w * mirror(y + r - j, h);
      }
      (wideIn ? k.cols64 : k.cols)(pSrc, pOut, w, h, pKern, r, pTab);
    }
    return;
  }
  const n = p.axis === 0 ? w : h, lines = p.axis === 0 ? h : w;
  const stride = p.axis === 0 ? 1 : w, lineStep = p.axis === 0 ? w : 1;
  const len = n + 2 * p.pad, groups = Math.ceil(lines / 8);
  const [[pLines, pIdx, pFw, pCoef]] = regions(base, scratchSizes(p, w, h));
  const lt = new Int32Array(mem, pLines, 8 * groups);
  for (let l = 0; l < 8 * groups; l++) lt[l] = 4 * Math.min(l, lines - 1) * lineStep;
  const idx = new Int32Array(mem, pIdx, len);
  for (let i = 0; i < len; i++) idx[i] = 4 * mirror(i - p.pad, n) * stride;
  new Float64Array(mem, pCoef, 4).set(p.coef);
  k.iir(pSrc, pOut, groups, pLines, pIdx, len, p.pad, n, pFw, pCoef, 4 * stride);
}

/** Whether the kernel (length 2r + 1) reads the same reversed. */
export function isSymmetric(kernel: Float64Array): boolean {
  const r = (kernel.length - 1) >> 1;
  for (let j = 0; j < r; j++) if (kernel[j] !== kernel[2 * r - j]) return false;
  return true;
}

/**
 * Apply the passes in order to `src` (w × h, float32) in WebAssembly SIMD, the intermediate
 * images staying in WebAssembly memory, into `out`; false (nothing done) where the kernels
 * are unavailable, a FIR kernel is not symmetric, or the memory would exceed 256 MiB.
 */
export function simdSmooth(src: Float32Array, w: number, h: number, passes: SmoothPass[], out: Float32Array): boolean {
  const k = instance();
  const n = w * h;
  if (!k || n === 0 || passes.some((p) => "kernel" in p && !isSymmetric(p.kernel))) return false;
  // A FIR row pass followed by a FIR column pass hands over float64 (region W): no promotions in the column pass.
  const wide = passes.map((p, i) => "kernel" in p && p.axis === 0 && i + 1 < passes.length && "kernel" in passes[i + 1] && passes[i + 1].axis === 1);
  const [[pA, pB, pW], base] = regions(0, [4 * n + PAD_BYTES, 4 * n + PAD_BYTES, wide.some(Boolean) ? 8 * n + 2 * PAD_BYTES : 0]);
  const end = Math.max(...passes.map((p) => regions(base, scratchSizes(p, w, h))[1]));
  if (end > MAX_WASM_BYTES) return false;
  if (end > k.memory.buffer.byteLength) {
    try { k.memory.grow(Math.ceil((end - k.memory.buffer.byteLength) / 65536)); } catch { return false; }
  }
  new Float32Array(k.memory.buffer, pA, n).set(src);
  let from = pA, spare = pB;
  passes.forEach((p, i) => {
    const wideIn = i > 0 && wide[i - 1];
    const to = wide[i] ? pW : spare;
    runPass(k, p, w, h, from, to, base, wideIn, wide[i]);
    if (!wideIn) spare = from;
    from = to;
  });
  out.set(new Float32Array(k.memory.buffer, from, n));
  return true;
}
