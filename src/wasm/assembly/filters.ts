/**
 * WebAssembly SIMD kernels for the Gaussian smoothing of src/image/filters.ts
 * (AssemblyScript, compiled by src/wasm/build.mjs; glue in src/image/simd.ts).
 *
 * Each float64 lane carries the JavaScript loops' arithmetic exactly: float32
 * pixels promoted to float64, the same operations in the same order, rounded
 * to float32 on the store, so the outputs are bit-identical to filters.ts.
 *
 * - FIR (rows, cols, rows64, cols64), a lane = an output pixel:
 *   s = k_c·v_c, then s += k_j·(v_j + v_{2r−j}) for j = 0 … r − 1; eight
 *   outputs per step (four f64x2 accumulators). A row's last step may run
 *   past its end, into the next row's outputs (written again when that row is
 *   done) or into 32 bytes of padding after the image.
 * - Recursive Gaussian (iir, Young & van Vliet 1995), a lane = a line: eight
 *   lines at a time, the causal outputs kept in a scratch buffer for the
 *   anti-causal pass.
 *
 * All arguments are byte addresses into the module's memory (exported as
 * `memory`); the caller lays out the images and tables (see simd.ts).
 */

/** Four float64x2 accumulators (s0 … s3) rounded to float32 and stored as eight floats at `p`. */
@inline function storeFloat32(p: usize, s0: v128, s1: v128, s2: v128, s3: v128): void {
  v128.store(p, i64x2.shuffle(f32x4.demote_f64x2_zero(s0), f32x4.demote_f64x2_zero(s1), 0, 2));
  v128.store(p, i64x2.shuffle(f32x4.demote_f64x2_zero(s2), f32x4.demote_f64x2_zero(s3), 0, 2), 16);
}

/** The same rounded to float32 but stored widened back to float64 (what JavaScript reads from its Float32Array). */
@inline function storeRounded64(p: usize, s0: v128, s1: v128, s2: v128, s3: v128): void {
  v128.store(p, f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(s0)));
  v128.store(p, f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(s1)), 16);
  v128.store(p, f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(s2)), 32);
  v128.store(p, f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(s3)), 48);
}

/**
 * Every row of the float32 image `src` (w × h) into `out` (element type T:
 * f32, or f64 for a following column pass). `kern` = k_0 … k_{r−1}, k_c
 * (float64); `idx` = w + 2r int32 byte offsets of the mirror-padded row's
 * pixels; `buf` = scratch of w + 2r + 8 float64.
 */
@inline function rowPass<T>(src: usize, out: usize, w: usize, h: usize, kern: usize, r: usize, idx: usize, buf: usize): void {
  const rb = r << 3; // bytes of r float64
  const kend = kern + rb;
  const kc = v128.load64_splat(kend);
  for (let l: usize = 0; l < h; l++) {
    const srow = src + ((l * w) << 2);
    let po = out + l * w * sizeof<T>();
    // the mirror-padded row, promoted to float64
    let pb = buf;
    const pend = idx + ((w + 2 * r) << 2);
    for (let pi = idx; pi < pend; pi += 4) {
      store<f64>(pb, <f64>load<f32>(srow + load<usize>(pi)));
      pb += 8;
    }
    const iend = buf + (w << 3);
    for (let i = buf; i < iend; i += 64) {
      let s0 = f64x2.mul(kc, v128.load(i + rb));
      let s1 = f64x2.mul(kc, v128.load(i + rb, 16));
      let s2 = f64x2.mul(kc, v128.load(i + rb, 32));
      let s3 = f64x2.mul(kc, v128.load(i + rb, 48));
      let pa = i, pq = i + 2 * rb;
      for (let pk = kern; pk < kend; pk += 8) {
        const kj = v128.load64_splat(pk);
        s0 = f64x2.add(s0, f64x2.mul(kj, f64x2.add(v128.load(pa), v128.load(pq))));
        s1 = f64x2.add(s1, f64x2.mul(kj, f64x2.add(v128.load(pa, 16), v128.load(pq, 16))));
        s2 = f64x2.add(s2, f64x2.mul(kj, f64x2.add(v128.load(pa, 32), v128.load(pq, 32))));
        s3 = f64x2.add(s3, f64x2.mul(kj, f64x2.add(v128.load(pa, 48), v128.load(pq, 48))));
        pa += 8;
        pq -= 8;
      }
      if (sizeof<T>() == 8) storeRounded64(po, s0, s1, s2, s3);
      else storeFloat32(po, s0, s1, s2, s3);
      po += 8 * sizeof<T>();
    }
  }
}

/** Eight consecutive samples of element type T from `p` + 16·v bytes (float64) or 8·v bytes (float32, promoted): lanes 2v, 2v + 1. */
@inline function load2<T>(p: usize, v: usize): v128 {
  if (sizeof<T>() == 8) return v128.load(p + 16 * v);
  return f64x2.promote_low_f32x4(v128.load64_zero(p + 8 * v));
}

/**
 * Every column of `src` (w × h, element type T: f32, or f64 from rows64)
 * into the float32 `out`. `tab` holds per output row y the 2r byte addresses
 * of source rows mirror(y + j − r) and mirror(y + r − j), j = 0 … r − 1 (int32).
 */
@inline function colPass<T>(src: usize, out: usize, w: usize, h: usize, kern: usize, r: usize, tab: usize): void {
  const wb = w * sizeof<T>(); // bytes of a source row
  const kc = v128.load64_splat(kern + (r << 3));
  for (let y: usize = 0; y < h; y++) {
    const c = src + y * wb;
    let po = out + ((y * w) << 2);
    const tabrow = tab + ((y * r) << 3);
    const ptend = tabrow + (r << 3);
    for (let x: usize = 0; x < wb; x += 8 * sizeof<T>()) {
      let s0 = f64x2.mul(kc, load2<T>(c + x, 0));
      let s1 = f64x2.mul(kc, load2<T>(c + x, 1));
      let s2 = f64x2.mul(kc, load2<T>(c + x, 2));
      let s3 = f64x2.mul(kc, load2<T>(c + x, 3));
      let pk = kern;
      for (let pt = tabrow; pt < ptend; pt += 8) {
        const kj = v128.load64_splat(pk);
        const a = load<usize>(pt) + x, b = load<usize>(pt, 4) + x;
        s0 = f64x2.add(s0, f64x2.mul(kj, f64x2.add(load2<T>(a, 0), load2<T>(b, 0))));
        s1 = f64x2.add(s1, f64x2.mul(kj, f64x2.add(load2<T>(a, 1), load2<T>(b, 1))));
        s2 = f64x2.add(s2, f64x2.mul(kj, f64x2.add(load2<T>(a, 2), load2<T>(b, 2))));
        s3 = f64x2.add(s3, f64x2.mul(kj, f64x2.add(load2<T>(a, 3), load2<T>(b, 3))));
        pk += 8;
      }
      storeFloat32(po, s0, s1, s2, s3);
      po += 32;
    }
  }
}

/** Row pass, float32 in and out. */
export function rows(src: usize, out: usize, w: usize, h: usize, kern: usize, r: usize, idx: usize, buf: usize): void {
  rowPass<f32>(src, out, w, h, kern, r, idx, buf);
}

/** Row pass with float64 output (float32-rounded values), for cols64. */
export function rows64(src: usize, out: usize, w: usize, h: usize, kern: usize, r: usize, idx: usize, buf: usize): void {
  rowPass<f64>(src, out, w, h, kern, r, idx, buf);
}

/** Column pass, float32 in and out. */
export function cols(src: usize, out: usize, w: usize, h: usize, kern: usize, r: usize, tab: usize): void {
  colPass<f32>(src, out, w, h, kern, r, tab);
}

/** Column pass over the float64 output of rows64. */
export function cols64(src: usize, out: usize, w: usize, h: usize, kern: usize, r: usize, tab: usize): void {
  colPass<f64>(src, out, w, h, kern, r, tab);
}

/** Samples of two lines (byte addresses a, b) at byte offset s, promoted to float64: [a[s], b[s]]. */
@inline function gather(a: usize, b: usize, s: usize): v128 {
  return f64x2.replace_lane(f64x2.splat(<f64>load<f32>(a + s)), 1, <f64>load<f32>(b + s));
}

/** One step of the recursion: y = B·x + b1·p + b2·q + b3·r (in that order). */
@inline function recur(x: v128, p: v128, q: v128, r: v128, B: v128, b1: v128, b2: v128, b3: v128): v128 {
  return f64x2.add(f64x2.add(f64x2.add(f64x2.mul(B, x), f64x2.mul(b1, p)), f64x2.mul(b2, q)), f64x2.mul(b3, r));
}

/**
 * Recursive Gaussian along lines of the float32 image `src` into `out`:
 * `groups` groups of eight lines starting at the byte offsets lineTab[8g + k]
 * (int32); idx = len byte offsets of the mirror-padded line's samples
 * (len = n + 2·pad); fw = scratch of 8·len float64; coef = B, b1, b2, b3
 * (float64); strideBytes = bytes between a line's samples. Before the first
 * padded sample the outputs equal it; after the last, the last causal output.
 */
export function iir(src: usize, out: usize, groups: usize, lineTab: usize, idx: usize, len: i32, pad: i32, n: i32, fw: usize, coef: usize, strideBytes: i32): void {
  const B = v128.load64_splat(coef), b1 = v128.load64_splat(coef, 8), b2 = v128.load64_splat(coef, 16), b3 = v128.load64_splat(coef, 24);
  for (let g: usize = 0; g < groups; g++) {
    const lt = lineTab + (g << 5);
    const o0 = load<usize>(lt), o1 = load<usize>(lt, 4), o2 = load<usize>(lt, 8), o3 = load<usize>(lt, 12);
    const o4 = load<usize>(lt, 16), o5 = load<usize>(lt, 20), o6 = load<usize>(lt, 24), o7 = load<usize>(lt, 28);
    const a0 = src + o0, a1 = src + o1, a2 = src + o2, a3 = src + o3, a4 = src + o4, a5 = src + o5, a6 = src + o6, a7 = src + o7;
    const d0 = out + o0, d1 = out + o1, d2 = out + o2, d3 = out + o3, d4 = out + o4, d5 = out + o5, d6 = out + o6, d7 = out + o7;
    // causal pass: p, q, r = the outputs at i − 1, i − 2, i − 3 (lanes = lines 2m, 2m + 1)
    let s = load<usize>(idx);
    let p0 = gather(a0, a1, s), p1 = gather(a2, a3, s), p2 = gather(a4, a5, s), p3 = gather(a6, a7, s);
    let q0 = p0, q1 = p1, q2 = p2, q3 = p3, r0 = p0, r1 = p1, r2 = p2, r3 = p3;
    let pf = fw;
    const end = idx + (<usize>len << 2);
    for (let pi = idx; pi < end; pi += 4) {
      s = load<usize>(pi);
      let y = recur(gather(a0, a1, s), p0, q0, r0, B, b1, b2, b3); r0 = q0; q0 = p0; p0 = y;
      y = recur(gather(a2, a3, s), p1, q1, r1, B, b1, b2, b3); r1 = q1; q1 = p1; p1 = y;
      y = recur(gather(a4, a5, s), p2, q2, r2, B, b1, b2, b3); r2 = q2; q2 = p2; p2 = y;
      y = recur(gather(a6, a7, s), p3, q3, r3, B, b1, b2, b3); r3 = q3; q3 = p3; p3 = y;
      v128.store(pf, p0);
      v128.store(pf, p1, 16);
      v128.store(pf, p2, 32);
      v128.store(pf, p3, 48);
      pf += 64;
    }
    // anti-causal pass, down to the first unpadded sample (earlier outputs are not written)
    q0 = r0 = p0; q1 = r1 = p1; q2 = r2 = p2; q3 = r3 = p3;
    const last = pad + n;
    pf = fw + <usize>(len - 1) * 64;
    for (let i = len - 1; i >= pad; i--) {
      let y = recur(v128.load(pf), p0, q0, r0, B, b1, b2, b3); r0 = q0; q0 = p0; p0 = y;
      y = recur(v128.load(pf, 16), p1, q1, r1, B, b1, b2, b3); r1 = q1; q1 = p1; p1 = y;
      y = recur(v128.load(pf, 32), p2, q2, r2, B, b1, b2, b3); r2 = q2; q2 = p2; p2 = y;
      y = recur(v128.load(pf, 48), p3, q3, r3, B, b1, b2, b3); r3 = q3; q3 = p3; p3 = y;
      if (i < last) {
        const t = <usize>((i - pad) * strideBytes);
        store<f32>(d0 + t, <f32>f64x2.extract_lane(p0, 0));
        store<f32>(d1 + t, <f32>f64x2.extract_lane(p0, 1));
        store<f32>(d2 + t, <f32>f64x2.extract_lane(p1, 0));
        store<f32>(d3 + t, <f32>f64x2.extract_lane(p1, 1));
        store<f32>(d4 + t, <f32>f64x2.extract_lane(p2, 0));
        store<f32>(d5 + t, <f32>f64x2.extract_lane(p2, 1));
        store<f32>(d6 + t, <f32>f64x2.extract_lane(p3, 0));
        store<f32>(d7 + t, <f32>f64x2.extract_lane(p3, 1));
      }
      pf -= 64;
    }
  }
}
