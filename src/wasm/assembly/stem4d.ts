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
