/**
 * WebAssembly SIMD kernels for the Gaussian smoothing of filters.ts (the
 * symmetric FIR passes and the recursive Gaussian), assembled byte by byte
 * with src/wasm/assemble.ts. Each float64 lane carries the JavaScript loops'
 * arithmetic exactly (float32 pixels promoted to float64, the same
 * operations in the same order, rounded to float32 on the store), so the
 * outputs are bit-identical to filters.ts's JavaScript, which runs where
 * WebAssembly SIMD is missing, after `setSimdFilters(false)`, or where the
 * image would need more than 256 MiB of WebAssembly memory.
 *
 * - FIR, a lane = an output pixel: s = k_c·v_c, then s += k_j·(v_j + v_{2r−j})
 *   for j = 0 … r − 1; eight outputs per step (four f64x2 accumulators); a
 *   row's last step may run past its end, into the next row's outputs
 *   (written again when that row is done) or into 32 bytes of padding.
 * - Recursive (Young & van Vliet), a lane = a line: eight lines at a time.
 *
 * Exports (memory exported as `mem`, byte addresses):
 * - rows(src, out, w, h, kern, r, idx, buf): every row of the float32 image
 *   src (w × h) into out; kern = k_0 … k_{r−1}, k_c (float64); idx = w + 2r
 *   int32 byte offsets of the mirror-padded row's pixels; buf = scratch of
 *   w + 2r + 8 float64.
 * - cols(src, out, w, h, kern, r, tab): every column; tab holds per output
 *   row y the 2r byte addresses of source rows mirror(y + j − r) and
 *   mirror(y + r − j), j = 0 … r − 1 (int32).
 * - rows64 / cols64: the same with a float64 output / source: a row pass
 *   followed by a column pass hands over the float32-rounded values as
 *   float64 (what the JavaScript reads from its Float32Array), sparing the
 *   column pass its promotions (10–30 % faster two-pass smoothing).
 * - iir(src, out, groups, lineTab, idx, len, pad, n, fw, coef, strideBytes):
 *   groups of eight lines at the byte offsets lineTab[8g + k]; idx = len
 *   byte offsets of the mirror-padded line's samples (len = n + 2·pad);
 *   fw = scratch of 8·len float64; coef = B, b1, b2, b3 (float64).
 */

import { F32_DEMOTE, F32_LOAD, F32_STORE, F64_PROMOTE, F64_STORE, I32, I32_ADD, I32_LOAD, I32_LT_S, I32_MUL, I32_SUB, V128, VADD, VMUL, V_LOAD, V_STORE, WasmFunction, body, forLoop, get, i32c, incr, set, uleb, wasmModule } from "../wasm/assemble";

const SPLAT64 = (off = 0) => [0xfd, 0x0a, 0x03, ...uleb(off)]; // v128.load64_splat
const LOAD64_ZERO = (off = 0) => [0xfd, 0x5d, 0x03, ...uleb(off)];
const DEMOTE = [0xfd, 0x5e], PROMOTE_LOW = [0xfd, 0x5f];
const F64_SPLAT = [0xfd, 0x14], REPLACE1 = [0xfd, 0x22, 1], EXTRACT = (l: number) => [0xfd, 0x21, l];
/** i8x16.shuffle taking the low 8 bytes of each operand: [a0, a1, b0, b1] as float32. */
const LOWS = [0xfd, 0x0d, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** Accumulators per step (two outputs each). */
const V = 4;
/** Bytes a step may read or write past the last row: (2V − 1) float32, rounded up. */
const PAD_BYTES = 32;

/** Four float64x2 accumulators S..S+3 to four float32 pairs at `ptr` (two v128 stores). */
function storeOutputs(ptr: number, S: number): number[] {
  const out: number[] = [];
  for (let v = 0; v < V; v += 2) out.push(...get(ptr), ...get(S + v), ...DEMOTE, ...get(S + v + 1), ...DEMOTE, ...LOWS, ...V_STORE(8 * v));
  return out;
}

/** `wide`: float64 outputs (the float32 rounding promoted back, as the JavaScript reads them) for a following cols64. */
function rowsBody(wide: boolean): number[] {
  // params 0 src, 1 out, 2 w, 3 h, 4 kern, 5 r, 6 idx, 7 buf
  // locals (i32) 8 l, 9 srow, 10 pi, 11 pend, 12 pb, 13 i, 14 iend, 15 po, 16 pa, 17 pq, 18 pk, 19 kend, 20 rb; (v128) 21 kc, 22 kj, 23.. s
  const S = 23;
  const locals: [number, number][] = [[13, I32], [2 + V, V128]];
  const fill = [
    ...get(6), ...set(10), ...get(6), ...get(2), ...get(5), ...i32c(2), I32_MUL, I32_ADD, ...i32c(4), I32_MUL, I32_ADD, ...set(11), ...get(7), ...set(12),
    ...forLoop(10, 11, [...get(12), ...get(9), ...get(10), ...I32_LOAD(), I32_ADD, ...F32_LOAD(), F64_PROMOTE, ...F64_STORE(), ...incr(10, 4), ...incr(12, 8)]),
  ];
  const taps: number[] = [...get(18), ...SPLAT64(), ...set(22)];
  for (let v = 0; v < V; v++) taps.push(...get(S + v), ...get(22), ...get(16), ...V_LOAD(16 * v), ...get(17), ...V_LOAD(16 * v), ...VADD, ...VMUL, ...VADD, ...set(S + v));
  taps.push(...incr(16, 8), ...incr(17, -8), ...incr(18, 8));
  const step: number[] = [];
  for (let v = 0; v < V; v++) step.push(...get(21), ...get(13), ...get(20), I32_ADD, ...V_LOAD(16 * v), ...VMUL, ...set(S + v));
  step.push(
    ...get(13), ...set(16), ...get(13), ...get(20), I32_ADD, ...get(20), I32_ADD, ...set(17), ...get(4), ...set(18),
    ...forLoop(18, 19, taps),
    ...(wide ? Array.from({ length: V }, (_, v) => [...get(15), ...get(S + v), ...DEMOTE, ...PROMOTE_LOW, ...V_STORE(16 * v)]).flat() : storeOutputs(15, S)),
    ...incr(13, 16 * V), ...incr(15, (wide ? 16 : 8) * V),
  );
  const row = [
    ...get(0), ...get(8), ...get(2), I32_MUL, ...i32c(4), I32_MUL, I32_ADD, ...set(9),
    ...get(1), ...get(8), ...get(2), I32_MUL, ...i32c(wide ? 8 : 4), I32_MUL, I32_ADD, ...set(15),
    ...fill,
    ...get(7), ...set(13), ...get(7), ...get(2), ...i32c(8), I32_MUL, I32_ADD, ...set(14),
    ...forLoop(13, 14, step),
    ...incr(8, 1),
  ];
  const code = [
    ...get(5), ...i32c(8), I32_MUL, ...set(20),
    ...get(4), ...get(20), I32_ADD, ...set(19),
    ...get(19), ...SPLAT64(), ...set(21),
    ...i32c(0), ...set(8),
    ...forLoop(8, 3, row),
  ];
  return body(locals, code);
}

/** `wide`: float64 source (from rows64). */
function colsBody(wide: boolean): number[] {
  // params 0 src, 1 out, 2 w, 3 h, 4 kern, 5 r, 6 tab
  // locals (i32) 7 y, 8 c, 9 x, 10 wb (source row bytes), 11 pt, 12 ptend, 13 pk, 14 po, 15 tabrow, 16 a, 17 b; (v128) 18 kc, 19 kj, 20.. s
  const S = 20, eb = wide ? 8 : 4;
  const locals: [number, number][] = [[11, I32], [2 + V, V128]];
  const load = (addr: number, v: number) => (wide ? [...get(addr), ...V_LOAD(16 * v)] : [...get(addr), ...LOAD64_ZERO(8 * v), ...PROMOTE_LOW]);
  const taps: number[] = [
    ...get(13), ...SPLAT64(), ...set(19),
    ...get(11), ...I32_LOAD(0), ...get(9), I32_ADD, ...set(16),
    ...get(11), ...I32_LOAD(4), ...get(9), I32_ADD, ...set(17),
  ];
  for (let v = 0; v < V; v++) taps.push(...get(S + v), ...get(19), ...load(16, v), ...load(17, v), ...VADD, ...VMUL, ...VADD, ...set(S + v));
  taps.push(...incr(11, 8), ...incr(13, 8));
  const centre = [...get(8), ...get(9), I32_ADD, ...set(16)];
  for (let v = 0; v < V; v++) centre.push(...get(18), ...load(16, v), ...VMUL, ...set(S + v));
  const step = [
    ...centre,
    ...get(15), ...set(11), ...get(4), ...set(13),
    ...forLoop(11, 12, taps),
    ...storeOutputs(14, S),
    ...incr(9, 2 * eb * V), ...incr(14, 8 * V),
  ];
  const row = [
    ...get(0), ...get(7), ...get(10), I32_MUL, I32_ADD, ...set(8),
    ...get(1), ...get(7), ...get(2), I32_MUL, ...i32c(4), I32_MUL, I32_ADD, ...set(14),
    ...get(6), ...get(7), ...get(5), I32_MUL, ...i32c(8), I32_MUL, I32_ADD, ...set(15),
    ...get(15), ...get(5), ...i32c(8), I32_MUL, I32_ADD, ...set(12),
    ...i32c(0), ...set(9),
    ...forLoop(9, 10, step),
    ...incr(7, 1),
  ];
  const code = [
    ...get(2), ...i32c(eb), I32_MUL, ...set(10),
    ...get(4), ...get(5), ...i32c(8), I32_MUL, I32_ADD, ...SPLAT64(), ...set(18),
    ...i32c(0), ...set(7),
    ...forLoop(7, 3, row),
  ];
  return body(locals, code);
}

function iirBody(): number[] {
  // params 0 src, 1 out, 2 groups, 3 lineTab, 4 idx, 5 len, 6 pad, 7 n, 8 fw, 9 coef, 10 strideBytes
  // locals (i32) 11 g, 12..19 a_k, 20..27 d_k, 28 pi, 29 pf, 30 s, 31 i, 32 end;
  // (v128) 33 B, 34 b1, 35 b2, 36 b3, 37.. P_m, 41.. Q_m, 45.. R_m
  const A = 12, Dk = 20, P = 37, Q = 41, R = 45, M = 4;
  const locals: [number, number][] = [[22, I32], [16, V128]];
  const gather = (m: number, addr: () => number[]) => [
    ...get(A + 2 * m), ...addr(), I32_ADD, ...F32_LOAD(), F64_PROMOTE, ...F64_SPLAT,
    ...get(A + 2 * m + 1), ...addr(), I32_ADD, ...F32_LOAD(), F64_PROMOTE, ...REPLACE1,
  ];
  /** y = B·x + b1·p + b2·q + b3·r (in that order), then r ← q, q ← p, p ← y. */
  const recur = (m: number, x: number[]) => [
    ...get(33), ...x, ...VMUL, ...get(34), ...get(P + m), ...VMUL, ...VADD, ...get(35), ...get(Q + m), ...VMUL, ...VADD, ...get(36), ...get(R + m), ...VMUL, ...VADD,
    ...get(Q + m), ...set(R + m), ...get(P + m), ...set(Q + m), ...set(P + m),
  ];
  const first: number[] = [...get(4), ...I32_LOAD(), ...set(30)];
  for (let m = 0; m < M; m++) first.push(...gather(m, () => get(30)), ...set(P + m), ...get(P + m), ...set(Q + m), ...get(P + m), ...set(R + m));
  const causal: number[] = [...get(28), ...I32_LOAD(), ...set(30)];
  for (let m = 0; m < M; m++) causal.push(...recur(m, gather(m, () => get(30))), ...get(29), ...get(P + m), ...V_STORE(16 * m));
  causal.push(...incr(28, 4), ...incr(29, 16 * M));
  const anti: number[] = [];
  for (let m = 0; m < M; m++) anti.push(...recur(m, [...get(29), ...V_LOAD(16 * m)]));
  const stores: number[] = [...get(31), ...get(6), I32_SUB, ...get(10), I32_MUL, ...set(30)];
  for (let k = 0; k < 2 * M; k++) stores.push(...get(Dk + k), ...get(30), I32_ADD, ...get(P + (k >> 1)), ...EXTRACT(k & 1), F32_DEMOTE, ...F32_STORE());
  anti.push(...get(31), ...get(32), I32_LT_S, 0x04, 0x40, ...stores, 0x0b, ...incr(29, -16 * M), ...incr(31, -1));
  const group: number[] = [];
  for (let k = 0; k < 2 * M; k++) {
    const off = [...get(3), ...get(11), ...i32c(4 * 2 * M), I32_MUL, I32_ADD, ...I32_LOAD(4 * k)];
    group.push(...get(0), ...off, I32_ADD, ...set(A + k), ...get(1), ...off, I32_ADD, ...set(Dk + k));
  }
  group.push(
    ...first,
    ...get(4), ...set(28), ...get(4), ...get(5), ...i32c(4), I32_MUL, I32_ADD, ...set(32), ...get(8), ...set(29),
    ...forLoop(28, 32, causal),
    ...Array.from({ length: M }, (_, m) => [...get(P + m), ...set(Q + m), ...get(P + m), ...set(R + m)]).flat(),
    ...get(6), ...get(7), I32_ADD, ...set(32),
    ...get(5), ...i32c(1), I32_SUB, ...set(31),
    ...get(8), ...get(31), ...i32c(16 * M), I32_MUL, I32_ADD, ...set(29),
    // anti-causal, down to the first unpadded sample (earlier outputs are not written)
    0x02, 0x40, 0x03, 0x40, ...get(31), ...get(6), I32_LT_S, 0x0d, 1, ...anti, 0x0c, 0, 0x0b, 0x0b,
    ...incr(11, 1),
  );
  const code: number[] = [];
  for (let c = 0; c < 4; c++) code.push(...get(9), ...SPLAT64(8 * c), ...set(33 + c));
  code.push(...i32c(0), ...set(11), ...forLoop(11, 2, group));
  return body(locals, code);
}

/** The kernel module's bytes (see the module comment). */
export function filterWasm(): Uint8Array {
  const params = (n: number) => new Array(n).fill(I32);
  const fns: WasmFunction[] = [["rows", params(8), [], rowsBody(false)], ["cols", params(7), [], colsBody(false)], ["iir", params(11), [], iirBody()]];
  fns.push(["rows64", params(8), [], rowsBody(true)], ["cols64", params(7), [], colsBody(true)]);
  return wasmModule(fns, { pages: 1 });
}

interface Kernels {
  rows(src: number, out: number, w: number, h: number, kern: number, r: number, idx: number, buf: number): void;
  cols(src: number, out: number, w: number, h: number, kern: number, r: number, tab: number): void;
  rows64(src: number, out: number, w: number, h: number, kern: number, r: number, idx: number, buf: number): void;
  cols64(src: number, out: number, w: number, h: number, kern: number, r: number, tab: number): void;
  iir(src: number, out: number, groups: number, lineTab: number, idx: number, len: number, pad: number, n: number, fw: number, coef: number, strideBytes: number): void;
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
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
  const mem = k.mem.buffer;
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
  if (end > k.mem.buffer.byteLength) {
    try { k.mem.grow(Math.ceil((end - k.mem.buffer.byteLength) / 65536)); } catch { return false; }
  }
  new Float32Array(k.mem.buffer, pA, n).set(src);
  let from = pA, spare = pB;
  passes.forEach((p, i) => {
    const wideIn = i > 0 && wide[i - 1];
    const to = wide[i] ? pW : spare;
    runPass(k, p, w, h, from, to, base, wideIn, wide[i]);
    if (!wideIn) spare = from;
    from = to;
  });
  out.set(new Float32Array(k.mem.buffer, from, n));
  return true;
}
