/**
 * JavaScript side of the WebAssembly SIMD kernels for the two hottest 4D-STEM
 * reductions (virtual detector sums and the centre of mass), whose source is
 * src/wasm/assembly/stem4d.ts (AssemblyScript, compiled at build time; its
 * comment gives the numerics and the exports com and vi). The bytes travel to
 * worker threads inside UDF params.
 *
 * Numerics: float32 lanes within a detector row, float64 across rows; the
 * relative rounding error of a pattern sum is about kx/4 · 2⁻²⁴ (≤ 2·10⁻⁶
 * for kx = 128) of the row sums, far below shot noise. Kernels need
 * kx % 4 == 0; otherwise, or where WebAssembly SIMD is missing, the UDFs
 * fall back to plain float64 loops.
 */

import { stem4dWasm } from "../wasm/binaries.generated";

let cached: Uint8Array | null | undefined;
/** The kernel bytes when this runtime validates them (WebAssembly SIMD), else null. */
export function simdKernels(): Uint8Array | null {
  if (cached !== undefined) return cached;
  try {
    const bytes = stem4dWasm();
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
    const inst = new WA.Instance(new WA.Module(wasm), { env: { memory } });
    k = g.__causalscopeSimd = { wasm, com: inst.exports.com as Function, vi: inst.exports.vi as Function, memory };
  }
  const need = Math.ceil(bytes / 65536) - k.memory.buffer.byteLength / 65536;
  if (need > 0) k.memory.grow(need);
  return k;
}
