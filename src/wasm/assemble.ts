/**
 * A minimal WebAssembly assembler: the binary encodings (LEB128, sections,
 * locals, loops, a module of i32/f64-parameter functions over one memory)
 * shared by the hand-written SIMD kernels (src/image/simd.ts,
 * src/stem4d/simd.ts, src/causal/lingam-simd.ts), so no toolchain is needed.
 * Instruction bytes follow the WebAssembly core specification 2.0 (SIMD
 * opcodes after the 0xfd prefix, LEB128-encoded).
 */

/** Value types. */
export const I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Signed LEB128 (i32 constants). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];
export const i32c = (v: number) => [0x41, ...sleb(v)];
export const f64c = (v: number) => [0x44, ...new Uint8Array(new Float64Array([v]).buffer)];

export const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_LT_S = 0x48, I32_LT_U = 0x49, I32_GE_U = 0x4f;
export const F64_ADD = 0xa0, F64_SUB = 0xa1, F64_MUL = 0xa2, F64_DIV = 0xa3, F64_PROMOTE = 0xbb, F32_DEMOTE = 0xb6;
export const I32_LOAD = (off = 0) => [0x28, 0x02, ...uleb(off)];
export const F32_LOAD = (off = 0) => [0x2a, 0x02, ...uleb(off)];
export const F64_LOAD = (off = 0) => [0x2b, 0x03, ...uleb(off)];
export const F32_STORE = (off = 0) => [0x38, 0x02, ...uleb(off)];
export const F64_STORE = (off = 0) => [0x39, 0x03, ...uleb(off)];
export const V_LOAD = (off = 0) => [0xfd, 0x00, 0x04, ...uleb(off)];
export const V_STORE = (off = 0) => [0xfd, 0x0b, 0x04, ...uleb(off)];
/** f64x2 arithmetic. */
export const VADD = [0xfd, ...uleb(0xf0)], VSUB = [0xfd, ...uleb(0xf1)], VMUL = [0xfd, ...uleb(0xf2)];

/** `local[i] += by` (i32). */
export const incr = (i: number, by: number) => [...get(i), ...i32c(by), I32_ADD, ...set(i)];

/** `block { loop { if (local[a] >= local[b], unsigned) break; body; continue } }` */
export const forLoop = (a: number, b: number, body: number[]) => [0x02, 0x40, 0x03, 0x40, ...get(a), ...get(b), I32_GE_U, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];

/** A function body: local declarations as [count, type] runs, then the code (the final `end` added). */
export function body(locals: [number, number][], code: number[]): number[] {
  return [...uleb(locals.length), ...locals.flatMap(([c, t]) => [...uleb(c), t]), ...code, 0x0b];
}

/** One exported function: name, parameter and result types, body (from {@link body}). */
export type WasmFunction = [name: string, params: number[], results: number[], body: number[]];

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}
const str = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/**
 * A module of the given exported functions over one memory: imported as
 * env.mem (`memory: "import"`) or defined with `pages` initial 64 KiB pages
 * and exported as `mem`.
 */
export function wasmModule(fns: WasmFunction[], memory: "import" | { pages: number }): Uint8Array {
  const types = [fns.length, ...fns.flatMap(([, ps, rs]) => [0x60, ps.length, ...ps, rs.length, ...rs])];
  const funcs = [fns.length, ...fns.map((_, i) => i)];
  const exported = fns.flatMap(([name], i) => [...str(name), 0x00, i]);
  const sections =
    memory === "import"
      ? [...section(1, types), ...section(2, [1, ...str("env"), ...str("mem"), 0x02, 0x00, 0x01]), ...section(3, funcs), ...section(7, [fns.length, ...exported])]
      : [...section(1, types), ...section(3, funcs), ...section(5, [1, 0x00, ...uleb(memory.pages)]), ...section(7, [fns.length + 1, ...exported, ...str("mem"), 0x02, 0])];
  const code = [fns.length, ...fns.flatMap(([, , , b]) => [...uleb(b.length), ...b])];
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...sections, ...section(10, code)]);
}
