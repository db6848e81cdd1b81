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

type Memory = { buffer: ArrayBuffer; grow(pages: number): number };
/** This thread's instance of the kernels (each worker thread has its own module state). */
let instance: { wasm: Uint8Array; com: Function; vi: Function; memory: Memory } | undefined;

/**
 * The kernels of `wasm`, instantiated once per thread, with a memory of at
 * least `bytes` bytes (grown as needed, never shrunk).
 */
export function wasmKernels(wasm: Uint8Array, bytes: number): { com: Function; vi: Function; memory: Memory } {
  if (!instance || instance.wasm !== wasm) {
    const WA = (globalThis as unknown as { WebAssembly: any }).WebAssembly; // the library's lib has no WebAssembly types
    const memory: Memory = new WA.Memory({ initial: 1 });
    const inst = new WA.Instance(new WA.Module(wasm), { env: { memory } });
    instance = { wasm, com: inst.exports.com as Function, vi: inst.exports.vi as Function, memory };
  }
  const need = Math.ceil(bytes / 65536) - instance.memory.buffer.byteLength / 65536;
  if (need > 0) instance.memory.grow(need);
  return instance;
}
