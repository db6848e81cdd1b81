/**
 * WebAssembly SIMD kernels for the two hottest 4D-STEM reductions (virtual
 * detector sums and the centre of mass), assembled here byte by byte (no
 * toolchain needed) and shipped to worker threads as bytes inside UDF params.
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

const I32 = 0x7f, F64 = 0x7c, F32 = 0x7d, V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f; n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}
const f64c = (v: number) => [0x44, ...new Uint8Array(new Float64Array([v]).buffer)];
const v128f32 = (a: number, b: number, c: number, d: number) => [0xfd, 0x0c, ...new Uint8Array(new Float32Array([a, b, c, d]).buffer)];
const get = (i: number) => [0x20, ...uleb(i)], set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const I32_ADD = 0x6a, I32_MUL = 0x6c, I32_GE_U = 0x4f, F64_ADD = 0xa0, F64_MUL = 0xa2, F64_FROM_U32 = 0xb8, F64_PROMOTE = 0xbb;
const V_LOAD = (off = 0) => [0xfd, 0x00, 0x04, ...uleb(off)];
const F32X4_ADD = [0xfd, ...uleb(0xe4)], F32X4_MUL = [0xfd, ...uleb(0xe6)];
const lane = (l: number) => [0xfd, 0x1f, l, F64_PROMOTE];
const I32_LOAD = (off: number) => [0x28, 0x02, ...uleb(off)];
const F64_STORE = (off: number) => [0x39, 0x03, ...uleb(off)];
/** Horizontal sum of a v128 local (f32x4) as f64 on the stack. */
const hsum = (v: number) => [...get(v), ...lane(0), ...get(v), ...lane(1), F64_ADD, ...get(v), ...lane(2), F64_ADD, ...get(v), ...lane(3), F64_ADD];
/** `block { loop { if (a >= b) break; body; continue } }` */
const forLoop = (cond: number[], body: number[]) => [0x02, 0x40, 0x03, 0x40, ...cond, I32_GE_U, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];
const incr = (i: number, by: number) => [...get(i), ...i32c(by), I32_ADD, ...set(i)];

function comBody(): number[] {
  // params 0 ptr, 1 n, 2 kx, 3 ky, 4 out; locals 5 f, 6 y, 7 x, 8 p, 9 s, 10 sx, 11 sy, 12 acc, 13 wacc, 14 xv, 15 rs, 16 v
  const locals = [[4, I32], [3, F64], [3, V128], [1, F64], [1, V128]];
  const inner = forLoop([...get(7), ...get(2)], [
    ...get(8), ...V_LOAD(), ...set(16),
    ...get(12), ...get(16), ...F32X4_ADD, ...set(12),
    ...get(13), ...get(16), ...get(14), ...F32X4_MUL, ...F32X4_ADD, ...set(13),
    ...get(14), ...v128f32(4, 4, 4, 4), ...F32X4_ADD, ...set(14),
    ...incr(8, 16), ...incr(7, 4),
  ]);
  const rows = forLoop([...get(6), ...get(3)], [
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
  const frames = forLoop([...get(5), ...get(1)], [
    ...f64c(0), ...set(9), ...f64c(0), ...set(10), ...f64c(0), ...set(11), ...i32c(0), ...set(6),
    ...rows,
    ...outAddr, ...get(9), ...F64_STORE(0),
    ...outAddr, ...get(10), ...F64_STORE(8),
    ...outAddr, ...get(11), ...F64_STORE(16),
    ...incr(5, 1),
  ]);
  const code = [...get(0), ...set(8), ...i32c(0), ...set(5), ...frames, 0x0b];
  return [...uleb(locals.length), ...locals.flatMap(([c, t]) => [...uleb(c), t]), ...code];
}

function viBody(): number[] {
  // params 0 ptr, 1 n, 2 kx, 3 ky, 4 out, 5 mask, 6 ranges; locals 7 f, 8 y, 9 q, 10 qend, 11 fbase, 12 s (f64), 13 acc (v128)
  const locals = [[5, I32], [1, F64], [1, V128]];
  const inner = forLoop([...get(9), ...get(10)], [
    ...get(13), ...get(11), ...get(9), I32_ADD, ...V_LOAD(), ...get(5), ...get(9), I32_ADD, ...V_LOAD(), ...F32X4_MUL, ...F32X4_ADD, ...set(13),
    ...incr(9, 16),
  ]);
  const rowStart = [...get(8), ...get(2), I32_MUL]; // y*kx
  const rng = (off: number) => [...get(6), ...get(8), ...i32c(8), I32_MUL, I32_ADD, ...I32_LOAD(off)];
  const rows = forLoop([...get(8), ...get(3)], [
    ...rowStart, ...rng(0), I32_ADD, ...i32c(4), I32_MUL, ...set(9),
    ...rowStart, ...rng(4), I32_ADD, ...i32c(4), I32_MUL, ...set(10),
    ...v128f32(0, 0, 0, 0), ...set(13),
    ...inner,
    ...get(12), ...hsum(13), F64_ADD, ...set(12),
    ...incr(8, 1),
  ]);
  const frames = forLoop([...get(7), ...get(1)], [
    ...get(0), ...get(7), ...get(2), ...get(3), I32_MUL, ...i32c(4), I32_MUL, I32_MUL, I32_ADD, ...set(11),
    ...f64c(0), ...set(12), ...i32c(0), ...set(8),
    ...rows,
    ...get(4), ...get(7), ...i32c(8), I32_MUL, I32_ADD, ...get(12), ...F64_STORE(0),
    ...incr(7, 1),
  ]);
  const code = [...i32c(0), ...set(7), ...frames, 0x0b];
  return [...uleb(locals.length), ...locals.flatMap(([c, t]) => [...uleb(c), t]), ...code];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}
const str = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/** The kernel module's bytes (see the module comment). */
export function kernelWasm(): Uint8Array {
  const types = [2, 0x60, 5, I32, I32, I32, I32, I32, 0, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0];
  const imports = [1, ...str("env"), ...str("mem"), 0x02, 0x00, 0x01];
  const funcs = [2, 0, 1];
  const exports = [2, ...str("com"), 0x00, 0, ...str("vi"), 0x00, 1];
  const bodies = [comBody(), viBody()];
  const code = [2, ...bodies.flatMap((b) => [...uleb(b.length), ...b])];
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code)]);
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
