/**
 * WebAssembly SIMD kernels for the two hottest 4D-STEM reductions, virtual
 * detector sums and the centre of mass (AssemblyScript, compiled by
 * src/wasm/build.mjs; glue in src/stem4d/simd.ts, run inside the UDF worker
 * threads of src/stem4d/analyses.ts).
 *
 * Frames are kx × ky float32 detector patterns stored one after another;
 * kx % 4 == 0. Within one detector row the sums run in four float32 lanes (as
 * a float32 dot product does); each row's lane sums are promoted to float64
 * ((l0 + l1) + l2) + l3 and all further accumulation is float64. All
 * arguments are byte addresses (16-byte aligned) into the imported memory
 * `env.memory`, or counts.
 */

/** The four float32 lanes of `v` summed in float64, lane 0 first. */
@inline function lanesSum(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

/**
 * Centre-of-mass sums of `n` frames from `ptr`: out[3f … 3f + 2] = Σv, Σv·x,
 * Σv·y (float64) of frame f, x = detector column, y = detector row.
 */
export function com(ptr: usize, n: u32, kx: u32, ky: u32, out: usize): void {
  let p = ptr;
  for (let f: u32 = 0; f < n; f++) {
    let s = 0.0, sx = 0.0, sy = 0.0;
    for (let y: u32 = 0; y < ky; y++) {
      let acc = f32x4(0, 0, 0, 0), wacc = f32x4(0, 0, 0, 0), xv = f32x4(0, 1, 2, 3);
      for (let x: u32 = 0; x < kx; x += 4) {
        const v = v128.load(p);
        acc = f32x4.add(acc, v);
        wacc = f32x4.add(wacc, f32x4.mul(v, xv));
        xv = f32x4.add(xv, f32x4(4, 4, 4, 4));
        p += 16;
      }
      const rowSum = lanesSum(acc);
      s += rowSum;
      sy += rowSum * <f64>y;
      sx += lanesSum(wacc);
    }
    const o = out + f * 24;
    store<f64>(o, s);
    store<f64>(o, sx, 8);
    store<f64>(o, sy, 16);
  }
}

/**
 * Virtual-detector sums of `n` frames from `ptr`: out[f] = Σ v·mask (float64)
 * with `mask` a kx × ky float32 image, row y restricted to the columns
 * ranges[2y] ≤ x < ranges[2y + 1] (int32, multiples of 4).
 */
export function vi(ptr: usize, n: u32, kx: u32, ky: u32, out: usize, mask: usize, ranges: usize): void {
  for (let f: u32 = 0; f < n; f++) {
    const frame = ptr + f * (kx * ky * 4);
    let s = 0.0;
    for (let y: u32 = 0; y < ky; y++) {
      const row = y * kx;
      const qend: usize = (row + load<u32>(ranges + y * 8, 4)) * 4;
      let acc = f32x4(0, 0, 0, 0);
      for (let q: usize = (row + load<u32>(ranges + y * 8)) * 4; q < qend; q += 16) {
        acc = f32x4.add(acc, f32x4.mul(v128.load(frame + q), v128.load(mask + q)));
      }
      s += lanesSum(acc);
    }
    store<f64>(out + f * 8, s);
  }
}

// ---------------------------------------------------------------- integer counts

/**
 * Integer kernels: the same sums read straight from the detector's 8- or
 * 16-bit counts, with no float32 copy of the frames. Each group of four
 * pixels is widened to float32 in a register (exact: counts < 2²⁴) and then
 * goes through exactly the operations of `com` and `vi`, in the same order,
 * so the results are bit-identical to those kernels run on the frames
 * decoded to float32.
 *
 * `fmt` says how the counts are stored: FMT_U8, FMT_U16 (little-endian) or
 * FMT_U16BE (big-endian, e.g. Merlin .mib). Frame f starts at
 * ptr + f·stride (a stride may include a per-frame header); `flip` = 1
 * delivers each frame's rows bottom to top (row y of the result is stored
 * row ky − 1 − y), as the float32 decoder does for such files. The frames
 * need no alignment. One exported function per kernel and format (compiled
 * separately, so the format costs no branch in the inner loop).
 */
const FMT_U8: u32 = 1;
const FMT_U16: u32 = 2;
const FMT_U16BE: u32 = 3;

/** Four consecutive pixels from `p` stored as `fmt`, as f32x4 (exact). */
@inline function pixels4(p: usize, fmt: u32): v128 {
  let v: v128;
  // a swizzle index of -1 gives a zero byte: each count lands zero-extended in a 32-bit lane
  if (fmt == FMT_U8) v = i8x16.swizzle(v128.load32_zero(p), i8x16(0, -1, -1, -1, 1, -1, -1, -1, 2, -1, -1, -1, 3, -1, -1, -1));
  else if (fmt == FMT_U16) v = v128.load16x4_u(p);
  // big-endian: the two bytes of each count swapped by the same swizzle
  else v = i8x16.swizzle(v128.load64_zero(p), i8x16(1, 0, -1, -1, 3, 2, -1, -1, 5, 4, -1, -1, 7, 6, -1, -1));
  return f32x4.convert_i32x4_s(v);
}

/** Address of the stored row that is delivered as row `y`. */
@inline function rowAt(frame: usize, y: u32, kx: u32, ky: u32, flip: u32, bpp: u32): usize {
  return frame + <usize>((flip ? ky - 1 - y : y) * kx * bpp);
}

/**
 * `com` over counts stored as `fmt` (see the section comment), two frames
 * at a time (f and g = f + 1, or g = f for a last odd frame): each frame's
 * sums run in their own registers in the same order as in `com`, and the
 * two chains of additions overlap in the CPU. Inlined once per format.
 */
@inline function comOf(fmt: u32, ptr: usize, stride: u32, n: u32, kx: u32, ky: u32, flip: u32, out: usize): void {
  const bpp: u32 = fmt == FMT_U8 ? 1 : 2;
  for (let f: u32 = 0; f < n; f += 2) {
    const g = f + 1 < n ? f + 1 : f;
    const frameF = ptr + <usize>(f * stride), frameG = ptr + <usize>(g * stride);
    let sF = 0.0, sxF = 0.0, syF = 0.0, sG = 0.0, sxG = 0.0, syG = 0.0;
    for (let y: u32 = 0; y < ky; y++) {
      let pF = rowAt(frameF, y, kx, ky, flip, bpp), pG = rowAt(frameG, y, kx, ky, flip, bpp);
      let accF = f32x4(0, 0, 0, 0), waccF = f32x4(0, 0, 0, 0), accG = f32x4(0, 0, 0, 0), waccG = f32x4(0, 0, 0, 0), xv = f32x4(0, 1, 2, 3);
      for (let x: u32 = 0; x < kx; x += 4) {
        const vF = pixels4(pF, fmt), vG = pixels4(pG, fmt);
        accF = f32x4.add(accF, vF);
        accG = f32x4.add(accG, vG);
        waccF = f32x4.add(waccF, f32x4.mul(vF, xv));
        waccG = f32x4.add(waccG, f32x4.mul(vG, xv));
        xv = f32x4.add(xv, f32x4(4, 4, 4, 4));
        pF += 4 * bpp;
        pG += 4 * bpp;
      }
      const rowF = lanesSum(accF), rowG = lanesSum(accG);
      sF += rowF; syF += rowF * <f64>y; sxF += lanesSum(waccF);
      sG += rowG; syG += rowG * <f64>y; sxG += lanesSum(waccG);
    }
    const oF = out + f * 24, oG = out + g * 24;
    store<f64>(oG, sG); store<f64>(oG, sxG, 8); store<f64>(oG, syG, 16);
    store<f64>(oF, sF); store<f64>(oF, sxF, 8); store<f64>(oF, syF, 16);
  }
}

/**
 * `vi` over counts stored as `fmt` (see the section comment), two frames at
 * a time as in `comOf` (one mask load serves both). Inlined once per format.
 */
@inline function viOf(fmt: u32, ptr: usize, stride: u32, n: u32, kx: u32, ky: u32, flip: u32, out: usize, mask: usize, ranges: usize): void {
  const bpp: u32 = fmt == FMT_U8 ? 1 : 2;
  for (let f: u32 = 0; f < n; f += 2) {
    const g = f + 1 < n ? f + 1 : f;
    const frameF = ptr + <usize>(f * stride), frameG = ptr + <usize>(g * stride);
    let sF = 0.0, sG = 0.0;
    for (let y: u32 = 0; y < ky; y++) {
      const rowF = rowAt(frameF, y, kx, ky, flip, bpp), rowG = rowAt(frameG, y, kx, ky, flip, bpp), mrow = mask + <usize>(y * kx * 4);
      const x1 = load<u32>(ranges + y * 8, 4);
      let accF = f32x4(0, 0, 0, 0), accG = f32x4(0, 0, 0, 0);
      for (let x = load<u32>(ranges + y * 8); x < x1; x += 4) {
        const m = v128.load(mrow + <usize>(x * 4)), q = <usize>(x * bpp);
        accF = f32x4.add(accF, f32x4.mul(pixels4(rowF + q, fmt), m));
        accG = f32x4.add(accG, f32x4.mul(pixels4(rowG + q, fmt), m));
      }
      sF += lanesSum(accF);
      sG += lanesSum(accG);
    }
    store<f64>(out + g * 8, sG);
    store<f64>(out + f * 8, sF);
  }
}

/**
 * Centre-of-mass sums of `n` frames of integer counts (see the section
 * comment; one export per stored format): out[3f … 3f + 2] = Σv, Σv·x, Σv·y,
 * as `com` gives for the same frames in float32.
 */
export function comU8(ptr: usize, stride: u32, n: u32, kx: u32, ky: u32, flip: u32, out: usize): void { comOf(FMT_U8, ptr, stride, n, kx, ky, flip, out); }
export function comU16(ptr: usize, stride: u32, n: u32, kx: u32, ky: u32, flip: u32, out: usize): void { comOf(FMT_U16, ptr, stride, n, kx, ky, flip, out); }
export function comU16BE(ptr: usize, stride: u32, n: u32, kx: u32, ky: u32, flip: u32, out: usize): void { comOf(FMT_U16BE, ptr, stride, n, kx, ky, flip, out); }

/**
 * Virtual-detector sums of `n` frames of integer counts (see the section
 * comment; one export per stored format): out[f] as `vi` gives for the same
 * frames in float32, with the same mask and row ranges.
 */
export function viU8(ptr: usize, stride: u32, n: u32, kx: u32, ky: u32, flip: u32, out: usize, mask: usize, ranges: usize): void { viOf(FMT_U8, ptr, stride, n, kx, ky, flip, out, mask, ranges); }
export function viU16(ptr: usize, stride: u32, n: u32, kx: u32, ky: u32, flip: u32, out: usize, mask: usize, ranges: usize): void { viOf(FMT_U16, ptr, stride, n, kx, ky, flip, out, mask, ranges); }
export function viU16BE(ptr: usize, stride: u32, n: u32, kx: u32, ky: u32, flip: u32, out: usize, mask: usize, ranges: usize): void { viOf(FMT_U16BE, ptr, stride, n, kx, ky, flip, out, mask, ranges); }
