/**
 * WebAssembly SIMD version of the entropy kernel of lingam-entropy.ts,
 * assembled byte by byte with src/wasm/assemble.ts (no toolchain): the same
 * piecewise polynomials, evaluated with both functions of one value in the
 * two float64 lanes (log cosh t − t in lane 0, exp(−t²/2) in lane 1), so
 * every Horner step is one f64x2 multiply-add over an interleaved table.
 * The arithmetic per value is the JavaScript kernel's; the sums differ only
 * in their order (Σ|u| and Σ(log cosh u − |u|) are kept apart).
 *
 * Memory (exported as `mem`, byte addresses): the interleaved table at 0
 * (interval i, power k: [log cosh coefficient, exp coefficient] at
 * i·96 + k·16), data from TABLE_BYTES on. Exports:
 * - pair(px, py, n, out): for standardised columns px, py (float64, n rows)
 *   with r = Σ px·py / n, the residuals x = (px − r·py)·sc1 and
 *   y = (py − r·px)·sc2 scaled to unit standard deviation (two passes, two
 *   rows at a time: Σ px·py, Σ px, Σ py; then the residuals' Σ(· − mean)²),
 *   writes Σ log cosh x, Σ x·exp(−x²/2), Σ log cosh y, Σ y·exp(−y²/2), r as
 *   five float64 at out;
 * - single(pu, n, out): Σ log cosh u, Σ u·exp(−u²/2) at out;
 * - the column passes of DirectLiNGAM's residualisation, two rows at a time:
 *   dot(px, py, n) → Σ px·py; sum(px, n) → Σ px; ssd(px, n, m) → Σ(px − m)²;
 *   standardize(px, n, m, sd, pout): pout = (px − m)/sd;
 *   axpy(px, py, n, c) → Σ px after px −= c·py.
 */

import { F64, F64_ADD, F64_DIV, F64_LOAD, F64_MUL, F64_STORE, F64_SUB, I32, I32_ADD, V128, VADD, VMUL, VSUB, V_LOAD, V_STORE, WasmFunction, body, f64c, forLoop, get, i32c, set, tee, uleb, wasmModule } from "../wasm/assemble";

const v128f64 = (a: number, b: number) => [0xfd, 0x0c, ...new Uint8Array(new Float64Array([a, b]).buffer)];
const F64_ABS = 0x99, F64_LT = 0x63, I32_SHL = 0x74;
const I32_TRUNC_F64_U = 0xab, F64_CONVERT_I32_U = 0xb8;
const SPLAT = [0xfd, 0x14], REPLACE1 = [0xfd, 0x22, 1], EXTRACT = (l: number) => [0xfd, 0x21, l];

/** The polynomial table (lingam-entropy.ts): intervals per unit of t, its end, coefficients per function and interval. */
export const PER_UNIT = 64, T_MAX = 20, NC = 6;
const N_INT = T_MAX * PER_UNIT;
export const TABLE_BYTES = N_INT * NC * 16;

/**
 * One value `x` (local) into the accumulators: T += |x| (+ ln 2 subtracted
 * past the table), A += [log cosh t − t, exp(−t²/2)]·[1, x]. Scratch locals
 * t, q (f64), o (i32), s (v128).
 */
function accumulate(x: number, T: number, A: number, t: number, q: number, o: number, s: number): number[] {
  const horner: number[] = [...get(o), ...V_LOAD((NC - 1) * 16)];
  for (let k = NC - 2; k >= 0; k--) horner.push(...get(s), ...VMUL, ...get(o), ...V_LOAD(k * 16), ...VADD);
  return [
    ...get(x), F64_ABS, ...tee(t), ...f64c(T_MAX), F64_LT,
    0x04, 0x40, // if t < 20
    ...get(t), ...f64c(PER_UNIT), F64_MUL, ...tee(q), I32_TRUNC_F64_U, ...set(o), // interval i
    ...get(q), ...get(o), F64_CONVERT_I32_U, F64_SUB, ...f64c(0.5), F64_SUB, ...SPLAT, ...set(s), // s = q − i − ½
    ...get(o), ...i32c(NC * 16), 0x6c /* i32.mul */, ...set(o), // table byte offset i·96
    ...get(A), ...horner, ...v128f64(1, 0), ...get(x), ...REPLACE1, ...VMUL, ...VADD, ...set(A),
    ...get(T), ...get(t), F64_ADD, ...set(T),
    0x05, // else
    ...get(T), ...get(t), ...f64c(Math.LN2), F64_SUB, F64_ADD, ...set(T),
    0x0b,
  ];
}


function pairBody(): number[] {
  // params 0 px, 1 py, 2 n, 3 out; locals 4 end, 5 end2, 6 a, 7 b (i32); 8 xv, 9 yv, 10 x, 11 y, 12 t, 13 q (f64);
  // 14 o (i32); 15 T1, 16 T2, 17 r, 18 m1, 19 m2, 20 sc1, 21 sc2, 22 nf (f64); 23 A1, 24 A2, 25 s, 26 V1, 27 V2, 28 V3, 29 X, 30 Y (v128)
  const locals: [number, number][] = [[4, I32], [6, F64], [1, I32], [8, F64], [8, V128]];
  const rewind = [...get(0), ...set(6), ...get(1), ...set(7)];
  const advance = (by: number) => [...get(6), ...i32c(by), I32_ADD, ...set(6), ...get(7), ...i32c(by), I32_ADD, ...set(7)];
  const loadXY = [...get(6), ...V_LOAD(0), ...set(29), ...get(7), ...V_LOAD(0), ...set(30)];
  const tail = (body: number[]) => [...get(6), ...get(4), 0x49 /* i32.lt_u */, 0x04, 0x40, ...get(6), ...F64_LOAD(), ...set(8), ...get(7), ...F64_LOAD(), ...set(9), ...body, 0x0b];
  const hsum = (v: number) => [...get(v), ...EXTRACT(0), ...get(v), ...EXTRACT(1), F64_ADD];
  // pass 1, two rows at a time: Σx·y, Σx, Σy
  const pass1 = [
    ...rewind, ...v128f64(0, 0), ...set(26), ...v128f64(0, 0), ...set(27), ...v128f64(0, 0), ...set(28),
    ...forLoop(6, 5, [
      ...loadXY,
      ...get(26), ...get(29), ...get(30), ...VMUL, ...VADD, ...set(26),
      ...get(27), ...get(29), ...VADD, ...set(27),
      ...get(28), ...get(30), ...VADD, ...set(28),
      ...advance(16),
    ]),
    ...hsum(26), ...set(17), ...hsum(27), ...set(18), ...hsum(28), ...set(19),
    ...tail([...get(17), ...get(8), ...get(9), F64_MUL, F64_ADD, ...set(17), ...get(18), ...get(8), F64_ADD, ...set(18), ...get(19), ...get(9), F64_ADD, ...set(19)]),
    // r = Σxy/n; residual means (Σx − rΣy)/n, (Σy − rΣx)/n
    ...get(2), F64_CONVERT_I32_U, ...set(22),
    ...get(17), ...get(22), F64_DIV, ...set(17),
    ...get(18), ...get(17), ...get(19), F64_MUL, F64_SUB, ...get(22), F64_DIV, ...set(20),
    ...get(19), ...get(17), ...get(18), F64_MUL, F64_SUB, ...get(22), F64_DIV, ...set(21),
    ...get(20), ...set(18), ...get(21), ...set(19),
  ];
  // pass 2: Σ(x − r·y − m1)², Σ(y − r·x − m2)² (V1 = r, V2 = m1, V3 = m2 splatted; sums in A1, A2)
  const sq = (u: number, w: number, m: number) => [...get(u), ...get(26), ...get(w), ...VMUL, ...VSUB, ...get(m), ...VSUB, ...tee(25), ...get(25), ...VMUL];
  const sqs = (u: number, w: number, m: number, acc: number) => [...get(acc), ...get(u), ...get(17), ...get(w), F64_MUL, F64_SUB, ...get(m), F64_SUB, ...tee(12), ...get(12), F64_MUL, F64_ADD, ...set(acc)];
  const pass2 = [
    ...rewind, ...get(17), ...SPLAT, ...set(26), ...get(18), ...SPLAT, ...set(27), ...get(19), ...SPLAT, ...set(28),
    ...v128f64(0, 0), ...set(23), ...v128f64(0, 0), ...set(24),
    ...forLoop(6, 5, [
      ...loadXY,
      ...get(23), ...sq(29, 30, 27), ...VADD, ...set(23),
      ...get(24), ...sq(30, 29, 28), ...VADD, ...set(24),
      ...advance(16),
    ]),
    ...hsum(23), ...set(20), ...hsum(24), ...set(21),
    ...tail([...sqs(8, 9, 18, 20), ...sqs(9, 8, 19, 21)]),
    // scales 1/sd = 1/sqrt(s/n)
    ...f64c(1), ...get(20), ...get(22), F64_DIV, 0x9f /* f64.sqrt */, F64_DIV, ...set(20),
    ...f64c(1), ...get(21), ...get(22), F64_DIV, 0x9f, F64_DIV, ...set(21),
  ];
  const step = [
    ...get(6), ...F64_LOAD(), ...set(8),
    ...get(7), ...F64_LOAD(), ...set(9),
    ...get(8), ...get(17), ...get(9), F64_MUL, F64_SUB, ...get(20), F64_MUL, ...set(10),
    ...get(9), ...get(17), ...get(8), F64_MUL, F64_SUB, ...get(21), F64_MUL, ...set(11),
    ...accumulate(10, 15, 23, 12, 13, 14, 25),
    ...accumulate(11, 16, 24, 12, 13, 14, 25),
    ...advance(8),
  ];
  const code = [
    ...get(0), ...get(2), ...i32c(3), I32_SHL, I32_ADD, ...set(4),
    ...get(0), ...get(2), ...i32c(1), 0x76 /* i32.shr_u */, ...i32c(4), I32_SHL, I32_ADD, ...set(5),
    ...pass1,
    ...pass2,
    ...rewind, ...v128f64(0, 0), ...set(23), ...v128f64(0, 0), ...set(24), ...f64c(0), ...set(15), ...f64c(0), ...set(16),
    ...forLoop(6, 4, step),
    ...get(3), ...get(15), ...get(23), ...EXTRACT(0), F64_ADD, ...F64_STORE(0),
    ...get(3), ...get(23), ...EXTRACT(1), ...F64_STORE(8),
    ...get(3), ...get(16), ...get(24), ...EXTRACT(0), F64_ADD, ...F64_STORE(16),
    ...get(3), ...get(24), ...EXTRACT(1), ...F64_STORE(24),
    ...get(3), ...get(17), ...F64_STORE(32),
  ];
  return body(locals, code);
}

function singleBody(): number[] {
  // params 0 pu, 1 n, 2 out; locals 3 end, 4 x, 5 t, 6 q, 7 o, 8 T, 9 A, 10 s
  const locals: [number, number][] = [[1, I32], [3, F64], [1, I32], [1, F64], [2, V128]];
  const step = [...get(0), ...F64_LOAD(), ...set(4), ...accumulate(4, 8, 9, 5, 6, 7, 10), ...get(0), ...i32c(8), I32_ADD, ...set(0)];
  const code = [
    ...get(0), ...get(1), ...i32c(3), I32_SHL, I32_ADD, ...set(3),
    ...forLoop(0, 3, step),
    ...get(2), ...get(8), ...get(9), ...EXTRACT(0), F64_ADD, ...F64_STORE(0),
    ...get(2), ...get(9), ...EXTRACT(1), ...F64_STORE(8),
  ];
  return body(locals, code);
}

/**
 * Column passes two rows at a time: `vstep` with the rows' pairs in v128
 * locals, then, for an odd row count, `tail` with the last row; pointers
 * (locals `ptrs`) advance by 16 bytes per pair. Locals `end2`, `end` are set
 * from the first pointer and n (local `n`).
 */
function rowPairs(ptrs: number[], n: number, end2: number, end: number, vstep: number[], tail: number[]): number[] {
  return [
    ...get(ptrs[0]), ...get(n), ...i32c(3), I32_SHL, I32_ADD, ...set(end),
    ...get(ptrs[0]), ...get(n), ...i32c(1), 0x76 /* i32.shr_u */, ...i32c(4), I32_SHL, I32_ADD, ...set(end2),
    ...forLoop(ptrs[0], end2, [...vstep, ...ptrs.flatMap((q) => [...get(q), ...i32c(16), I32_ADD, ...set(q)])]),
    ...get(ptrs[0]), ...get(end), 0x49 /* i32.lt_u */, 0x04, 0x40, ...tail, 0x0b,
  ];
}
const hsumV = (v: number) => [...get(v), ...EXTRACT(0), ...get(v), ...EXTRACT(1), F64_ADD];
const VDIV = [0xfd, ...uleb(0xf3)];

/** dot(px, py, n) → Σ px·py. */
function dotBody(): number[] {
  // params 0 px, 1 py, 2 n; locals 3 end2, 4 end (i32), 5 s (f64), 6 acc (v128)
  return body([[2, I32], [1, F64], [1, V128]], [
    ...v128f64(0, 0), ...set(6),
    ...rowPairs([0, 1], 2, 3, 4,
      [...get(6), ...get(0), ...V_LOAD(0), ...get(1), ...V_LOAD(0), ...VMUL, ...VADD, ...set(6)],
      [...get(5), ...get(0), ...F64_LOAD(), ...get(1), ...F64_LOAD(), F64_MUL, F64_ADD, ...set(5)]),
    ...get(5), ...hsumV(6), F64_ADD,
  ]);
}

/** sum(px, n) → Σ px. */
function sumBody(): number[] {
  // params 0 px, 1 n; locals 2 end2, 3 end (i32), 4 s (f64), 5 acc (v128)
  return body([[2, I32], [1, F64], [1, V128]], [
    ...v128f64(0, 0), ...set(5),
    ...rowPairs([0], 1, 2, 3, [...get(5), ...get(0), ...V_LOAD(0), ...VADD, ...set(5)], [...get(4), ...get(0), ...F64_LOAD(), F64_ADD, ...set(4)]),
    ...get(4), ...hsumV(5), F64_ADD,
  ]);
}

/** ssd(px, n, m) → Σ (px − m)². */
function ssdBody(): number[] {
  // params 0 px, 1 n, 2 m; locals 3 end2, 4 end (i32), 5 s, 6 d (f64), 7 acc, 8 M, 9 D (v128)
  return body([[2, I32], [2, F64], [3, V128]], [
    ...v128f64(0, 0), ...set(7), ...get(2), ...SPLAT, ...set(8),
    ...rowPairs([0], 1, 3, 4,
      [...get(7), ...get(0), ...V_LOAD(0), ...get(8), ...VSUB, ...tee(9), ...get(9), ...VMUL, ...VADD, ...set(7)],
      [...get(5), ...get(0), ...F64_LOAD(), ...get(2), F64_SUB, ...tee(6), ...get(6), F64_MUL, F64_ADD, ...set(5)]),
    ...get(5), ...hsumV(7), F64_ADD,
  ]);
}

/** standardize(px, n, m, sd, pout): pout = (px − m)/sd. */
function standardizeBody(): number[] {
  // params 0 px, 1 n, 2 m, 3 sd, 4 pout; locals 5 end2, 6 end (i32), 7 M, 8 SD (v128)
  return body([[2, I32], [2, V128]], [
    ...get(2), ...SPLAT, ...set(7), ...get(3), ...SPLAT, ...set(8),
    ...rowPairs([0, 4], 1, 5, 6,
      [...get(4), ...get(0), ...V_LOAD(0), ...get(7), ...VSUB, ...get(8), ...VDIV, ...V_STORE()],
      [...get(4), ...get(0), ...F64_LOAD(), ...get(2), F64_SUB, ...get(3), F64_DIV, ...F64_STORE()]),
  ]);
}

/** axpy(px, py, n, c) → Σ px after px −= c·py. */
function axpyBody(): number[] {
  // params 0 px, 1 py, 2 n, 3 c; locals 4 end2, 5 end (i32), 6 s, 7 x (f64), 8 acc, 9 C, 10 X (v128)
  return body([[2, I32], [2, F64], [3, V128]], [
    ...v128f64(0, 0), ...set(8), ...get(3), ...SPLAT, ...set(9),
    ...rowPairs([0, 1], 2, 4, 5,
      [...get(0), ...get(0), ...V_LOAD(0), ...get(9), ...get(1), ...V_LOAD(0), ...VMUL, ...VSUB, ...tee(10), ...V_STORE(), ...get(8), ...get(10), ...VADD, ...set(8)],
      [...get(0), ...get(0), ...F64_LOAD(), ...get(3), ...get(1), ...F64_LOAD(), F64_MUL, F64_SUB, ...tee(7), ...F64_STORE(), ...get(6), ...get(7), F64_ADD, ...set(6)]),
    ...get(6), ...hsumV(8), F64_ADD,
  ]);
}

/** The kernel module's bytes (see the module comment). */
export function entropyWasm(): Uint8Array {
  const fns: WasmFunction[] = [
    ["pair", [I32, I32, I32, I32], [], pairBody()],
    ["single", [I32, I32, I32], [], singleBody()],
    ["dot", [I32, I32, I32], [F64], dotBody()],
    ["sum", [I32, I32], [F64], sumBody()],
    ["ssd", [I32, I32, F64], [F64], ssdBody()],
    ["standardize", [I32, I32, F64, F64, I32], [], standardizeBody()],
    ["axpy", [I32, I32, I32, F64], [F64], axpyBody()],
  ];
  return wasmModule(fns, { pages: Math.ceil((TABLE_BYTES + 64) / 65536) }); // one memory (table and sums)
}
