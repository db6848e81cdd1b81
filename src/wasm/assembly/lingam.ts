/**
 * WebAssembly SIMD kernels of DirectLiNGAM (AssemblyScript, compiled by
 * src/wasm/build.mjs; glue and the JavaScript versions in
 * src/causal/lingam-entropy.ts).
 *
 * Entropy terms: the piecewise polynomials of lingam-entropy.ts, evaluated
 * with both functions of one value in the two float64 lanes (log cosh t − t
 * in lane 0, exp(−t²/2) in lane 1, t = |u|), so every Horner step is one
 * f64x2 multiply-add over an interleaved table. The arithmetic per value is
 * the JavaScript kernel's; the sums differ only in their order (Σ|u| and
 * Σ(log cosh u − |u|) are kept apart).
 *
 * Memory (exported as `memory`, byte addresses): the interleaved table at 0
 * (interval i, power k: [log cosh coefficient, exp coefficient] at
 * i·96 + k·16), written by the glue; the columns after it. Columns are
 * float64, 16-byte aligned, and the column passes go two rows at a time.
 */

/** Table geometry, as in lingam-entropy.ts: intervals per unit of t, the end of the table, coefficients per function. */
const PER_UNIT: f64 = 64, T_MAX: f64 = 20;
const NC = 6;

/**
 * [log cosh t − t, exp(−t²/2)] · [1, x] from the table, for t = |x| < T_MAX:
 * interval i = ⌊64t⌋, local variable s = 64t − i − ½.
 */
@inline function terms(x: f64, t: f64): v128 {
  const q = t * PER_UNIT;
  const i = <u32>q;
  const s = f64x2.splat(q - <f64>i - 0.5);
  const o: usize = i * (NC * 16);
  let h = v128.load(o, 80);
  h = f64x2.add(f64x2.mul(h, s), v128.load(o, 64));
  h = f64x2.add(f64x2.mul(h, s), v128.load(o, 48));
  h = f64x2.add(f64x2.mul(h, s), v128.load(o, 32));
  h = f64x2.add(f64x2.mul(h, s), v128.load(o, 16));
  h = f64x2.add(f64x2.mul(h, s), v128.load(o));
  return f64x2.mul(h, f64x2.replace_lane(f64x2(1, 0), 1, x));
}

/** The two lanes of `v` summed, lane 0 first. */
@inline function lanesSum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** ((u − r·w) − m)², the squared deviation of a residual from its mean. */
@inline function squaredDeviation(u: f64, w: f64, r: f64, m: f64): f64 {
  const d = u - r * w - m;
  return d * d;
}

/** The same for two rows (r and m splatted). */
@inline function squaredDeviations(u: v128, w: v128, r: v128, m: v128): v128 {
  const d = f64x2.sub(f64x2.sub(u, f64x2.mul(r, w)), m);
  return f64x2.mul(d, d);
}

/**
 * Entropy sums of both residuals of standardised columns px, py (n rows):
 * with r = Σ px·py / n, x = (px − r·py)·sc1 and y = (py − r·px)·sc2 scaled
 * to unit standard deviation (ddof 0). Writes Σ log cosh x, Σ x·exp(−x²/2),
 * Σ log cosh y, Σ y·exp(−y²/2), r as five float64 at `out`.
 */
export function pair(px: usize, py: usize, n: u32, out: usize): void {
  const end = px + (<usize>n << 3), end2 = px + (<usize>(n >> 1) << 4);
  // pass 1, two rows at a time: Σx·y, Σx, Σy
  let sxy = f64x2(0, 0), sx = f64x2(0, 0), sy = f64x2(0, 0);
  let a = px, b = py;
  for (; a < end2; a += 16, b += 16) {
    const X = v128.load(a), Y = v128.load(b);
    sxy = f64x2.add(sxy, f64x2.mul(X, Y));
    sx = f64x2.add(sx, X);
    sy = f64x2.add(sy, Y);
  }
  let r = lanesSum(sxy), m1 = lanesSum(sx), m2 = lanesSum(sy);
  if (a < end) {
    const xv = load<f64>(a), yv = load<f64>(b);
    r += xv * yv;
    m1 += xv;
    m2 += yv;
  }
  // r = Σxy/n; the residuals' means (Σx − rΣy)/n, (Σy − rΣx)/n
  const nf = <f64>n;
  r /= nf;
  const mean1 = (m1 - r * m2) / nf, mean2 = (m2 - r * m1) / nf;
  // pass 2: Σ(x − r·y − m1)², Σ(y − r·x − m2)²
  const R = f64x2.splat(r), M1 = f64x2.splat(mean1), M2 = f64x2.splat(mean2);
  let v1 = f64x2(0, 0), v2 = f64x2(0, 0);
  for (a = px, b = py; a < end2; a += 16, b += 16) {
    const X = v128.load(a), Y = v128.load(b);
    v1 = f64x2.add(v1, squaredDeviations(X, Y, R, M1));
    v2 = f64x2.add(v2, squaredDeviations(Y, X, R, M2));
  }
  let ss1 = lanesSum(v1), ss2 = lanesSum(v2);
  if (a < end) {
    const xv = load<f64>(a), yv = load<f64>(b);
    ss1 += squaredDeviation(xv, yv, r, mean1);
    ss2 += squaredDeviation(yv, xv, r, mean2);
  }
  const sc1 = 1 / Math.sqrt(ss1 / nf), sc2 = 1 / Math.sqrt(ss2 / nf);
  // pass 3, one row at a time: the entropy terms of both residuals
  let A1 = f64x2(0, 0), A2 = f64x2(0, 0);
  let T1 = 0.0, T2 = 0.0;
  for (a = px, b = py; a < end; a += 8, b += 8) {
    const xv = load<f64>(a), yv = load<f64>(b);
    const x = (xv - r * yv) * sc1, y = (yv - r * xv) * sc2;
    const tx = Math.abs(x), ty = Math.abs(y);
    if (tx < T_MAX) { A1 = f64x2.add(A1, terms(x, tx)); T1 += tx; } else T1 += tx - Math.LN2;
    if (ty < T_MAX) { A2 = f64x2.add(A2, terms(y, ty)); T2 += ty; } else T2 += ty - Math.LN2;
  }
  store<f64>(out, T1 + f64x2.extract_lane(A1, 0));
  store<f64>(out, f64x2.extract_lane(A1, 1), 8);
  store<f64>(out, T2 + f64x2.extract_lane(A2, 0), 16);
  store<f64>(out, f64x2.extract_lane(A2, 1), 24);
  store<f64>(out, r, 32);
}

/** Σ log cosh u, Σ u·exp(−u²/2) of the column pu (n rows) as two float64 at `out`. */
export function single(pu: usize, n: u32, out: usize): void {
  const end = pu + (<usize>n << 3);
  let A = f64x2(0, 0);
  let T = 0.0;
  for (let p = pu; p < end; p += 8) {
    const x = load<f64>(p);
    const t = Math.abs(x);
    if (t < T_MAX) { A = f64x2.add(A, terms(x, t)); T += t; } else T += t - Math.LN2;
  }
  store<f64>(out, T + f64x2.extract_lane(A, 0));
  store<f64>(out, f64x2.extract_lane(A, 1), 8);
}

/** Σ px·py over n rows. */
export function dot(px: usize, py: usize, n: u32): f64 {
  const end = px + (<usize>n << 3), end2 = px + (<usize>(n >> 1) << 4);
  let acc = f64x2(0, 0);
  for (; px < end2; px += 16, py += 16) acc = f64x2.add(acc, f64x2.mul(v128.load(px), v128.load(py)));
  let s = 0.0;
  if (px < end) s += load<f64>(px) * load<f64>(py);
  return s + lanesSum(acc);
}

/** Σ px over n rows. */
export function sum(px: usize, n: u32): f64 {
  const end = px + (<usize>n << 3), end2 = px + (<usize>(n >> 1) << 4);
  let acc = f64x2(0, 0);
  for (; px < end2; px += 16) acc = f64x2.add(acc, v128.load(px));
  let s = 0.0;
  if (px < end) s += load<f64>(px);
  return s + lanesSum(acc);
}

/** Σ (px − m)² over n rows. */
export function ssd(px: usize, n: u32, m: f64): f64 {
  const end = px + (<usize>n << 3), end2 = px + (<usize>(n >> 1) << 4);
  const M = f64x2.splat(m);
  let acc = f64x2(0, 0);
  for (; px < end2; px += 16) {
    const d = f64x2.sub(v128.load(px), M);
    acc = f64x2.add(acc, f64x2.mul(d, d));
  }
  let s = 0.0;
  if (px < end) {
    const d = load<f64>(px) - m;
    s += d * d;
  }
  return s + lanesSum(acc);
}

/** pout = (px − m)/sd over n rows. */
export function standardize(px: usize, n: u32, m: f64, sd: f64, pout: usize): void {
  const end = px + (<usize>n << 3), end2 = px + (<usize>(n >> 1) << 4);
  const M = f64x2.splat(m), SD = f64x2.splat(sd);
  for (; px < end2; px += 16, pout += 16) v128.store(pout, f64x2.div(f64x2.sub(v128.load(px), M), SD));
  if (px < end) store<f64>(pout, (load<f64>(px) - m) / sd);
}

/** px −= c·py over n rows; returns the new Σ px. */
export function axpy(px: usize, py: usize, n: u32, c: f64): f64 {
  const end = px + (<usize>n << 3), end2 = px + (<usize>(n >> 1) << 4);
  const C = f64x2.splat(c);
  let acc = f64x2(0, 0);
  for (; px < end2; px += 16, py += 16) {
    const x = f64x2.sub(v128.load(px), f64x2.mul(C, v128.load(py)));
    v128.store(px, x);
    acc = f64x2.add(acc, x);
  }
  let s = 0.0;
  if (px < end) {
    const x = load<f64>(px) - c * load<f64>(py);
    store<f64>(px, x);
    s += x;
  }
  return s + lanesSum(acc);
}
