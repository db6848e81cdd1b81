/**
 * WebAssembly SIMD kernels for the two hottest 4D-STEM reductions (virtual
 * detector sums and the centre of mass), assembled byte by byte with
 * src/wasm/assemble.ts (no toolchain) and shipped to worker threads as bytes inside UDF params.
 *
 * Numerics: within one detector row the sums run in four float32 lanes
 * (products of float32 pixels and mask weights or column indices, as in a
 * float32 dot product); each row's lane sums are promoted to float64 and all
 * further accumulation is float64. The relative rounding error of a pattern
 * sum is therefore about kx/4 · 2⁻²⁴ (≤ 2·10⁻⁶ for kx = 128) of the row
 * sums, far below shot noise. Kernels need kx % 4 == 0; otherwise, or where
 * WebAssembly SIMD is missing, the UDFs fall back to plain float64 loops.
 *
 * Exports (memory imported as env.mem; byte addresses, 16-byte aligned):
 * - com(ptr, n, kx, ky, out): out[3f..3f+2] = Σv, Σv·x, Σv·y (float64) of frame f.
 * - vi(ptr, n, kx, ky, out, mask, ranges): out[f] = Σ v·mask (float64), rows y
 *   restricted to the column range ranges[2y] ≤ x < ranges[2y+1] (int32, multiples of 4).
 */

import { F64, F64_ADD, F64_MUL, F64_PROMOTE, F64_STORE, I32, I32_ADD, I32_LOAD, I32_MUL, V128, V_LOAD, body, f64c, forLoop, get, i32c, incr, set, uleb, wasmModule } from "../wasm/assemble";

const F64_FROM_U32 = 0xb8;
const v128f32 = (a: number, b: number, c: number, d: number) => [0xfd, 0x0c, ...new Uint8Array(new Float32Array([a, b, c, d]).buffer)];
const F32X4_ADD = [0xfd, ...uleb(0xe4)], F32X4_MUL = [0xfd, ...uleb(0xe6)];
const lane = (l: number) => [0xfd, 0x1f, l, F64_PROMOTE];
/** Horizontal sum of a v128 local (f32x4) as f64 on the stack. */
const hsum = (v: number) => [...get(v), ...lane(0), ...get(v), ...lane(1), F64_ADD, ...get(v), ...lane(2), F64_ADD, ...get(v), ...lane(3), F64_ADD];

function comBody(): number[] {
  // params 0 ptr, 1 n, 2 kx, 3 ky, 4 out; locals 5 f, 6 y, 7 x, 8 p, 9 s, 10 sx, 11 sy, 12 acc, 13 wacc, 14 xv, 15 rs, 16 v
  const locals: [number, number][] = [[4, I32], [3, F64], [3, V128], [1, F64], [1, V128]];
  const inner = forLoop(7, 2, [
    ...get(8), ...V_LOAD(), ...set(16),
    ...get(12), ...get(16), ...F32X4_ADD, ...set(12),
    ...get(13), ...get(16), ...get(14), ...F32X4_MUL, ...F32X4_ADD, ...set(13),
    ...get(14), ...v128f32(4, 4, 4, 4), ...F32X4_ADD, ...set(14),
    ...incr(8, 16), ...incr(7, 4),
  ]);
  const rows = forLoop(6, 3, [
    ...v128f32(0, 0, 0, 0), ...set(12), ...v128f32(0, 0, 0, 0), ...set(13), ...v128f32(0, 1, 2, 3), ...set(14),
    ...i32c(0), ...set(7),
    ...inner,
    ...hsum(12), ...set(15),
    ...get(9), ...get(15), F64_ADD, ...set(9),
    ...get(11), ...get(15), ...get(6), F64_FROM_U32, F64_MUL, F64_ADD, ...set(11),
    ...get(10), ...hsum(13), F64_ADD, ...set(10),
    ...incr(6, 1),
  ]);
  const outAddr = [...get(4), ...get(5), ...i32c(24), I32_MUL, I32_ADD];
  const frames = forLoop(5, 1, [
    ...f64c(0), ...set(9), ...f64c(0), ...set(10), ...f64c(0), ...set(11), ...i32c(0), ...set(6),
    ...rows,
    ...outAddr, ...get(9), ...F64_STORE(0),
    ...outAddr, ...get(10), ...F64_STORE(8),
    ...outAddr, ...get(11), ...F64_STORE(16),
    ...incr(5, 1),
  ]);
  const code = [...get(0), ...set(8), ...i32c(0), ...set(5), ...frames];
  return body(locals, code);
}

function viBody(): number[] {
  // params 0 ptr, 1 n, 2 kx, 3 ky, 4 out, 5 mask, 6 ranges; locals 7 f, 8 y, 9 q, 10 qend, 11 fbase, 12 s (f64), 13 acc (v128)
  const locals: [number, number][] = [[5, I32], [1, F64], [1, V128]];
  const inner = forLoop(9, 10, [
    ...get(13), ...get(11), ...get(9), I32_ADD, ...V_LOAD(), ...get(5), ...get(9), I32_ADD, ...V_LOAD(), ...F32X4_MUL, ...F32X4_ADD, ...set(13),
    ...incr(9, 16),
  ]);
  const rowStart = [...get(8), ...get(2), I32_MUL]; // y*kx
  const rng = (off: number) => [...get(6), ...get(8), ...i32c(8), I32_MUL, I32_ADD, ...I32_LOAD(off)];
  const rows = forLoop(8, 3, [
    ...rowStart, ...rng(0), I32_ADD, ...i32c(4), I32_MUL, ...set(9),
    ...rowStart, ...rng(4), I32_ADD, ...i32c(4), I32_MUL, ...set(10),
    ...v128f32(0, 0, 0, 0), ...set(13),
    ...inner,
    ...get(12), ...hsum(13), F64_ADD, ...set(12),
    ...incr(8, 1),
  ]);
  const frames = forLoop(7, 1, [
    ...get(0), ...get(7), ...get(2), ...get(3), I32_MUL, ...i32c(4), I32_MUL, I32_MUL, I32_ADD, ...set(11),
    ...f64c(0), ...set(12), ...i32c(0), ...set(8),
    ...rows,
    ...get(4), ...get(7), ...i32c(8), I32_MUL, I32_ADD, ...get(12), ...F64_STORE(0),
    ...incr(7, 1),
  ]);
  const code = [...i32c(0), ...set(7), ...frames];
  return body(locals, code);
}

/** The kernel module's bytes (see the module comment). */
export function kernelWasm(): Uint8Array {
  return wasmModule([["com", [I32, I32, I32, I32, I32], [], comBody()], ["vi", [I32, I32, I32, I32, I32, I32, I32], [], viBody()]], "import");
}

let cached: Uint8Array | null | undefined;
/** The kernel bytes when this runtime validates them (WebAssembly SIMD), else null. */
export function simdKernels(): Uint8Array | null {
  if (cached !== undefined) return cached;
  try {
    const bytes = kernelWasm();
    const WA = (globalThis as unknown as { WebAssembly?: { validate(b: Uint8Array): boolean } }).WebAssembly;
    cached = WA && WA.validate(bytes) ? bytes : null;
  } catch {
    cached = null;
  }
  return cached;
}

/**
 * Self-contained helper used inside UDF process functions (shipped as
 * source): instantiate the kernels once per thread (cached on globalThis)
 * and make sure the memory holds `bytes` bytes. Returns { exports, memory }.
 */
export function wasmKernels(wasm: Uint8Array, bytes: number): { com: Function; vi: Function; memory: { buffer: ArrayBuffer; grow(pages: number): number } } {
  type Mem = { buffer: ArrayBuffer; grow(pages: number): number };
  const g = globalThis as unknown as { __causalscopeSimd?: { wasm: Uint8Array; com: Function; vi: Function; memory: Mem }; WebAssembly: any };
  let k = g.__causalscopeSimd;
  if (!k || k.wasm.length !== wasm.length) {
    const WA = g.WebAssembly;
    const memory: Mem = new WA.Memory({ initial: 1 });
    const inst = new WA.Instance(new WA.Module(wasm), { env: { mem: memory } });
    k = g.__causalscopeSimd = { wasm, com: inst.exports.com as Function, vi: inst.exports.vi as Function, memory };
  }
  const need = Math.ceil(bytes / 65536) - k.memory.buffer.byteLength / 65536;
  if (need > 0) k.memory.grow(need);
  return k;
}
