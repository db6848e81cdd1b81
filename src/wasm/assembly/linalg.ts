/**
 * WebAssembly SIMD kernel of the dense SPD routines in src/core/linalg.ts
 * (AssemblyScript, compiled by src/wasm/build.mjs; glue, blocking and the
 * JavaScript twin `dotSubJs` in linalg.ts).
 *
 * One operation, C −= A·Bᵀ restricted to a column range of A and B, carries
 * all the O(k³) work of the blocked Cholesky factorisation, the triangular
 * inverse and the product L⁻ᵀ·L⁻¹. Rows are row-major float64 and every dot
 * product runs over contiguous memory. Each dot product is summed exactly
 * as `dotSubJs` sums it: the terms m = k0, k0 + 2, … in lane 0 and
 * k0 + 1, k0 + 3, … in lane 1 (a multiply, then an add: no fused
 * multiply-add), lane 0 + lane 1, plus the last term when the count is odd;
 * then C −= that sum. The outputs are therefore bit-identical to the
 * JavaScript loops.
 *
 * Tiles of 2 rows of A × 4 rows of B (eight f64x2 accumulators, six loads
 * per eight multiply-adds), a 1 × 4 tile for an odd last row of A, single
 * dot products for the remaining columns.
 *
 * Memory (exported as `memory`): byte addresses chosen by the glue.
 */

/** Lane 0 + lane 1 of `s`, plus a·b at byte offset `last` when the count is odd. */
@inline function total(s: v128, pa: usize, pb: usize, last: usize, odd: bool): f64 {
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  if (odd) t += load<f64>(pa + last) * load<f64>(pb + last);
  return t;
}

/** C[pc] −= Σ_m A[pa + m]·B[pb + m] over byte offsets m ∈ [from, to) in pairs, plus the odd last term. */
@inline function dot1(pc: usize, pa: usize, pb: usize, from: usize, to: usize, last: usize, odd: bool): void {
  let s = f64x2.splat(0);
  for (let m = from; m < to; m += 16) s = f64x2.add(s, f64x2.mul(v128.load(pa + m), v128.load(pb + m)));
  store<f64>(pc, load<f64>(pc) - total(s, pa, pb, last, odd));
}

/**
 * For r < rows and q < cols: C[r·ldc + q] −= Σ_{m=k0}^{k1−1} A[r·lda + m]·B[q·ldb + m].
 * `c`, `a`, `b`: byte addresses of C[0], A[0], B[0] (float64); ldc, lda, ldb: row
 * strides in elements; k0 ≤ k1: the column range, in elements.
 */
export function dotsub(c: usize, ldc: usize, a: usize, lda: usize, b: usize, ldb: usize, rows: usize, cols: usize, k0: usize, k1: usize): void {
  const n = k1 - k0;
  const odd = (n & 1) == 1;
  const from = k0 << 3, to = (k0 + (n & ~(<usize>1))) << 3, last = (k1 - 1) << 3;
  const sc = ldc << 3, sa = lda << 3, sb = ldb << 3;
  let r: usize = 0;
  for (; r + 1 < rows; r += 2) {
    const a0 = a + r * sa, a1 = a0 + sa, c0 = c + r * sc, c1 = c0 + sc;
    let q: usize = 0;
    for (; q + 3 < cols; q += 4) {
      const b0 = b + q * sb, b1 = b0 + sb, b2 = b1 + sb, b3 = b2 + sb;
      let s00 = f64x2.splat(0), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
      for (let m = from; m < to; m += 16) {
        const x0 = v128.load(a0 + m), x1 = v128.load(a1 + m);
        const y0 = v128.load(b0 + m), y1 = v128.load(b1 + m), y2 = v128.load(b2 + m), y3 = v128.load(b3 + m);
        s00 = f64x2.add(s00, f64x2.mul(x0, y0));
        s01 = f64x2.add(s01, f64x2.mul(x0, y1));
        s02 = f64x2.add(s02, f64x2.mul(x0, y2));
        s03 = f64x2.add(s03, f64x2.mul(x0, y3));
        s10 = f64x2.add(s10, f64x2.mul(x1, y0));
        s11 = f64x2.add(s11, f64x2.mul(x1, y1));
        s12 = f64x2.add(s12, f64x2.mul(x1, y2));
        s13 = f64x2.add(s13, f64x2.mul(x1, y3));
      }
      const p0 = c0 + (q << 3), p1 = c1 + (q << 3);
      store<f64>(p0, load<f64>(p0) - total(s00, a0, b0, last, odd));
      store<f64>(p0 + 8, load<f64>(p0 + 8) - total(s01, a0, b1, last, odd));
      store<f64>(p0 + 16, load<f64>(p0 + 16) - total(s02, a0, b2, last, odd));
      store<f64>(p0 + 24, load<f64>(p0 + 24) - total(s03, a0, b3, last, odd));
      store<f64>(p1, load<f64>(p1) - total(s10, a1, b0, last, odd));
      store<f64>(p1 + 8, load<f64>(p1 + 8) - total(s11, a1, b1, last, odd));
      store<f64>(p1 + 16, load<f64>(p1 + 16) - total(s12, a1, b2, last, odd));
      store<f64>(p1 + 24, load<f64>(p1 + 24) - total(s13, a1, b3, last, odd));
    }
    for (; q < cols; q++) {
      const bq = b + q * sb;
      dot1(c0 + (q << 3), a0, bq, from, to, last, odd);
      dot1(c1 + (q << 3), a1, bq, from, to, last, odd);
    }
  }
  if (r < rows) {
    const a0 = a + r * sa, c0 = c + r * sc;
    let q: usize = 0;
    for (; q + 3 < cols; q += 4) {
      const b0 = b + q * sb, b1 = b0 + sb, b2 = b1 + sb, b3 = b2 + sb;
      let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
      for (let m = from; m < to; m += 16) {
        const x = v128.load(a0 + m);
        s0 = f64x2.add(s0, f64x2.mul(x, v128.load(b0 + m)));
        s1 = f64x2.add(s1, f64x2.mul(x, v128.load(b1 + m)));
        s2 = f64x2.add(s2, f64x2.mul(x, v128.load(b2 + m)));
        s3 = f64x2.add(s3, f64x2.mul(x, v128.load(b3 + m)));
      }
      const p0 = c0 + (q << 3);
      store<f64>(p0, load<f64>(p0) - total(s0, a0, b0, last, odd));
      store<f64>(p0 + 8, load<f64>(p0 + 8) - total(s1, a0, b1, last, odd));
      store<f64>(p0 + 16, load<f64>(p0 + 16) - total(s2, a0, b2, last, odd));
      store<f64>(p0 + 24, load<f64>(p0 + 24) - total(s3, a0, b3, last, odd));
    }
    for (; q < cols; q++) dot1(c0 + (q << 3), a0, b + q * sb, from, to, last, odd);
  }
}
