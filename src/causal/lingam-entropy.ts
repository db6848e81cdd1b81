/**
 * The maximum-entropy approximation of differential entropy (Hyvärinen 1998,
 * "New approximations of differential entropy", NIPS 10) that DirectLiNGAM's
 * pairwise measure evaluates O(p³ n) times:
 *
 *   H(u) ≈ (1 + ln 2π)/2 − k₁ (mean log cosh u − γ)² − k₂ (mean u·exp(−u²/2))²
 *
 * for a standardised sample u (k₁ = 79.047, k₂ = 7.4129, γ = 0.37457, as in
 * the `lingam` package's `_entropy`).
 *
 * Kernel: instead of three transcendental calls per value, log cosh t − t and
 * exp(−t²/2) (t = |u|) are read from piecewise polynomials: 1280 intervals of
 * width 1/64 on 0 ≤ t < 20, a degree-5 Chebyshev interpolant on each
 * (coefficients computed on first use from `Math.log1p` / `Math.exp`, stored
 * as monomials in the local variable s = 64t − i − ½ ∈ [−½, ½]). Absolute error ≤ 4·10⁻¹⁵
 * for log cosh (the size of its own rounding for t near 20) and ≤ 2·10⁻¹⁵ for
 * exp(−t²/2); for t ≥ 20, log cosh t = t − ln 2 and exp(−t²/2) = 0 to
 * double precision (e^−40 and e^−200 are below half an ulp). About 4× faster
 * than `Math.log(Math.cosh(u))` and `Math.exp` (V8); tests/causal/lingam.test.ts
 * checks it against them.
 *
 * Columns placed in WebAssembly memory by `wasmColumns` run the same
 * polynomials in the WebAssembly SIMD kernel of src/wasm/assembly/lingam.ts
 * (AssemblyScript, compiled at build time; about 1.7× faster again), and so
 * do DirectLiNGAM's column passes (sum, dot,
 * standardise, subtract a multiple; end of this file), so that even a
 * first, not yet optimised call runs compiled loops. Other arrays, or
 * runtimes without WebAssembly SIMD, use the JavaScript loops here.
 */
import { lingamWasm } from "../wasm/binaries.generated";

/**
 * The polynomial table: intervals per unit of t, its end, coefficients per
 * function and interval (src/wasm/assembly/lingam.ts has the same numbers);
 * the kernel's interleaved copy takes TABLE_BYTES from address 0.
 */
const PER_UNIT = 64, T_MAX = 20, NC = 6;
const TABLE_BYTES = T_MAX * PER_UNIT * NC * 16;

const K1 = 79.047;
const K2 = 7.4129;
const GAMMA = 0.37457;
const H0 = (1 + Math.log(2 * Math.PI)) / 2;

/**
 * Piecewise Chebyshev interpolants of `f` on [0, T_MAX): for interval i
 * (t ∈ [i/64, (i+1)/64)), s = 64t − i − ½ and f(t) ≈ Σₖ c[i·12 + off + k] sᵏ.
 * Both functions share one table, `off` 0 and 6, so one interval's 12
 * coefficients sit together.
 */
function interpolants(fs: ((t: number) => number)[]): Float64Array {
  const nInt = T_MAX * PER_UNIT;
  const stride = NC * fs.length;
  const c = new Float64Array(nInt * stride);
  const nodes = Array.from({ length: NC }, (_, k) => Math.cos((Math.PI * (k + 0.5)) / NC));
  const cosJK = Array.from({ length: NC * NC }, (_, jk) => Math.cos((Math.PI * Math.floor(jk / NC) * ((jk % NC) + 0.5)) / NC));
  // Chebyshev polynomials T_j as monomial coefficients, times 2^q for the variable s = (Chebyshev variable)/2
  const T: number[][] = [[1], [0, 1]];
  for (let j = 2; j < NC; j++) T.push(Array.from({ length: j + 1 }, (_, q) => (q ? 2 * (T[j - 1][q - 1] ?? 0) : 0) - (T[j - 2][q] ?? 0)));
  const mono = T.map((t) => t.map((v, q) => v * 2 ** q));
  const w = 0.5 / PER_UNIT;
  const fv = new Float64Array(NC);
  for (let i = 0; i < nInt; i++) {
    const mid = i / PER_UNIT + w;
    for (let fi = 0; fi < fs.length; fi++) {
      for (let k = 0; k < NC; k++) fv[k] = fs[fi](mid + w * nodes[k]);
      const o = i * stride + fi * NC;
      for (let j = 0; j < NC; j++) {
        let s = 0;
        for (let k = 0; k < NC; k++) s += fv[k] * cosJK[j * NC + k];
        const cj = ((j ? 2 : 1) * s) / NC;
        for (let q = 0; q <= j; q++) c[o + q] += cj * mono[j][q];
      }
    }
  }
  return c;
}

let TABLE: Float64Array | undefined;
/** [log cosh t − t, exp(−t²/2)] interpolants, 12 coefficients per interval (made on first use: ~5 ms). */
const table = () => (TABLE ??= interpolants([(t) => Math.log1p(Math.exp(-2 * t)) - Math.LN2, (t) => Math.exp(-(t * t) / 2)]));

interface Wasm {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  pair(px: number, py: number, n: number, out: number): void;
  single(pu: number, n: number, out: number): void;
  dot(px: number, py: number, n: number): number;
  sum(px: number, n: number): number;
  ssd(px: number, n: number, m: number): number;
  standardize(px: number, n: number, m: number, sd: number, pout: number): void;
  axpy(px: number, py: number, n: number, c: number): number;
}
/** Where the kernels write their sums (4 float64), and where columns start. */
const OUT = TABLE_BYTES;
const COLUMNS = TABLE_BYTES + 64;
/** Columns beyond this many bytes stay in JavaScript arrays (WebAssembly memory never shrinks). */
const MAX_WASM_BYTES = 256 * 2 ** 20;

let wasm: Wasm | null | undefined;
/** The instantiated SIMD kernel with the interleaved table in place, or null without WebAssembly SIMD. */
function kernel(): Wasm | null {
  if (wasm !== undefined) return wasm;
  try {
    const WA = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => unknown; Instance: new (m: unknown, i: object) => { exports: Wasm } } }).WebAssembly;
    wasm = new WA.Instance(new WA.Module(lingamWasm()), {}).exports;
    wasm.memory.grow(Math.ceil(COLUMNS / 65536) - wasm.memory.buffer.byteLength / 65536); // table and sums
    const t = new Float64Array(wasm.memory.buffer, 0, TABLE_BYTES / 8);
    const c = table();
    for (let i = 0; i < T_MAX * PER_UNIT; i++)
      for (let k = 0; k < NC; k++) {
        t[i * 2 * NC + 2 * k] = c[i * 2 * NC + k];
        t[i * 2 * NC + 2 * k + 1] = c[i * 2 * NC + NC + k];
      }
  } catch {
    wasm = null;
  }
  return wasm;
}

/**
 * Columns of the given lengths (contents undefined) in WebAssembly memory,
 * for the SIMD kernels; valid until the next call (which may move them).
 * Null where WebAssembly SIMD is missing or the columns would exceed 256 MiB.
 */
export function wasmColumns(lengths: number[]): Float64Array[] | null {
  const k = kernel();
  const starts: number[] = [];
  let end = COLUMNS;
  for (const n of lengths) {
    starts.push(end);
    end += Math.ceil(n / 2) * 16; // 16-byte aligned starts
  }
  if (!k || end - COLUMNS > MAX_WASM_BYTES) return null;
  if (end > k.memory.buffer.byteLength) {
    try {
      k.memory.grow(Math.ceil((end - k.memory.buffer.byteLength) / 65536));
    } catch {
      return null; // the engine refused the memory: JavaScript arrays instead
    }
  }
  const buf = k.memory.buffer;
  return lengths.map((n, i) => new Float64Array(buf, starts[i], n));
}

/** Entropy approximation from the two means: mean log cosh u (`a`) and mean u·exp(−u²/2) (`b`). */
export function entropyFromMeans(a: number, b: number): number {
  return H0 - K1 * (a - GAMMA) ** 2 - K2 * b * b;
}

/**
 * Maximum-entropy approximation of the differential entropy (nats) of a
 * standardised sample `u` (zero mean, unit variance); O(n).
 */
export function entropyApprox(u: ArrayLike<number>): number {
  const n = u.length;
  if (wasm && u instanceof Float64Array && u.buffer === wasm.memory.buffer) {
    wasm.single(u.byteOffset, n, OUT);
    const s = new Float64Array(wasm.memory.buffer, OUT, 2);
    return entropyFromMeans(s[0] / n, s[1] / n);
  }
  const c = table();
  let a = 0;
  let b = 0;
  for (let k = 0; k < n; k++) {
    const x = u[k];
    const t = Math.abs(x);
    if (t < T_MAX) {
      const q = t * PER_UNIT;
      const i = q | 0;
      const s = q - i - 0.5;
      const o = i * 12;
      a += t + (((((c[o + 5] * s + c[o + 4]) * s + c[o + 3]) * s + c[o + 2]) * s + c[o + 1]) * s + c[o]);
      b += x * (((((c[o + 11] * s + c[o + 10]) * s + c[o + 9]) * s + c[o + 8]) * s + c[o + 7]) * s + c[o + 6]);
    } else a += t - Math.LN2;
  }
  return entropyFromMeans(a / n, b / n);
}

/**
 * Entropies of both residuals of a pair of standardised columns, each scaled
 * to unit standard deviation (ddof 0), as lingam's `_diff_mutual_info`
 * computes them: with r = Σ xi·xj / n, out[0] = H((xi − r·xj)/sd),
 * out[1] = H((xj − r·xi)/sd); O(n).
 */
export function residualEntropies(xi: Float64Array, xj: Float64Array, out: Float64Array): void {
  const n = xi.length;
  if (wasm && xi.buffer === wasm.memory.buffer && xj.buffer === wasm.memory.buffer) {
    wasm.pair(xi.byteOffset, xj.byteOffset, n, OUT);
    const s = new Float64Array(wasm.memory.buffer, OUT, 4);
    out[0] = entropyFromMeans(s[0] / n, s[1] / n);
    out[1] = entropyFromMeans(s[2] / n, s[3] / n);
    return;
  }
  let sxy = 0;
  let sx = 0;
  let sy = 0;
  for (let k = 0; k < n; k++) {
    sxy += xi[k] * xj[k];
    sx += xi[k];
    sy += xj[k];
  }
  const r = sxy / n;
  const m1 = (sx - r * sy) / n;
  const m2 = (sy - r * sx) / n;
  let v1 = 0;
  let v2 = 0;
  for (let k = 0; k < n; k++) {
    const d1 = xi[k] - r * xj[k] - m1;
    const d2 = xj[k] - r * xi[k] - m2;
    v1 += d1 * d1;
    v2 += d2 * d2;
  }
  const sc1 = 1 / Math.sqrt(v1 / n);
  const sc2 = 1 / Math.sqrt(v2 / n);
  const c = table();
  let a1 = 0;
  let b1 = 0;
  let a2 = 0;
  let b2 = 0;
  for (let k = 0; k < n; k++) {
    const x = (xi[k] - r * xj[k]) * sc1;
    const y = (xj[k] - r * xi[k]) * sc2;
    const tx = Math.abs(x);
    const ty = Math.abs(y);
    if (tx < T_MAX) {
      const q = tx * PER_UNIT;
      const i = q | 0;
      const s = q - i - 0.5;
      const o = i * 12;
      a1 += tx + (((((c[o + 5] * s + c[o + 4]) * s + c[o + 3]) * s + c[o + 2]) * s + c[o + 1]) * s + c[o]);
      b1 += x * (((((c[o + 11] * s + c[o + 10]) * s + c[o + 9]) * s + c[o + 8]) * s + c[o + 7]) * s + c[o + 6]);
    } else a1 += tx - Math.LN2;
    if (ty < T_MAX) {
      const q = ty * PER_UNIT;
      const i = q | 0;
      const s = q - i - 0.5;
      const o = i * 12;
      a2 += ty + (((((c[o + 5] * s + c[o + 4]) * s + c[o + 3]) * s + c[o + 2]) * s + c[o + 1]) * s + c[o]);
      b2 += y * (((((c[o + 11] * s + c[o + 10]) * s + c[o + 9]) * s + c[o + 8]) * s + c[o + 7]) * s + c[o + 6]);
    } else a2 += ty - Math.LN2;
  }
  out[0] = entropyFromMeans(a1 / n, b1 / n);
  out[1] = entropyFromMeans(a2 / n, b2 / n);
}

// ---- column passes of DirectLiNGAM (in the SIMD module for columns in its memory, so that even a first,
// unoptimised call runs them compiled; two rows at a time there, one here)

const inWasm = (w: Wasm | null | undefined, ...xs: Float64Array[]): w is Wasm => !!w && xs.every((x) => x.buffer === w.memory.buffer);

/** Σ x. */
export function sum(x: Float64Array): number {
  if (inWasm(wasm, x)) return wasm.sum(x.byteOffset, x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

/** Σ x·y. */
export function dot(x: Float64Array, y: Float64Array): number {
  if (inWasm(wasm, x, y)) return wasm.dot(x.byteOffset, y.byteOffset, x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** Σ (x − m)². */
export function sumSquaredDeviations(x: Float64Array, m: number): number {
  if (inWasm(wasm, x)) return wasm.ssd(x.byteOffset, x.length, m);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) * (x[i] - m);
  return s;
}

/** out = (x − m)/sd. */
export function scaleInto(x: Float64Array, m: number, sd: number, out: Float64Array): void {
  if (inWasm(wasm, x, out)) return wasm.standardize(x.byteOffset, x.length, m, sd, out.byteOffset);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - m) / sd;
}

/** x −= c·y; returns the new Σ x. */
export function subtractScaled(x: Float64Array, y: Float64Array, c: number): number {
  if (inWasm(wasm, x, y)) return wasm.axpy(x.byteOffset, y.byteOffset, x.length, c);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] -= c * y[i];
  return s;
}
