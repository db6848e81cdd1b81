/**
 * Selection and quantiles: the k-th smallest value in expected linear time,
 * and quantiles with NumPy's default definition.
 *
 * Quantile definition (NumPy `np.quantile(a, q)`, method "linear", Hyndman &
 * Fan 1996 type 7): sort the n values v₀ ≤ … ≤ v₍ₙ₋₁₎, take the virtual index
 * h = q·(n − 1), i = ⌊h⌋, t = h − i, and return v_i + (v_{i+1} − v_i)·t, computed as
 * NumPy's `_lerp` does (v_{i+1} − (v_{i+1} − v_i)·(1 − t) when t ≥ 0.5) so that
 * results agree bit for bit. NaN values are skipped (as `np.nanquantile`);
 * no values gives NaN.
 */

/** A typed array of values that {@link quickselect} may reorder. */
export type SelectArray = Float64Array | Float32Array;

/**
 * k-th smallest value (0-based) of `a`, in O(n) expected time (≈ 1.5 n
 * comparisons: Floyd–Rivest SELECT, R. W. Floyd & R. L. Rivest, Commun. ACM
 * 18, 1975, algorithm 489). Reorders `a` so that a[0..k−1] ≤ a[k] ≤
 * a[k+1..n−1]. Values must not be NaN.
 *
 * @example const med = quickselect(Float64Array.from(values), values.length >> 1);
 */
export function quickselect(a: SelectArray, k: number): number {
  if (!(Number.isInteger(k) && k >= 0 && k < a.length)) throw new RangeError(`quickselect: k must be an integer index in [0, ${a.length}), got ${k}`);
  selectRange(a, 0, a.length - 1, k);
  return a[k];
}

function selectRange(a: SelectArray, left: number, right: number, k: number): void {
  while (right > left) {
    if (right - left > 600) {
      // Recurse on a sample around k so that the pivot lands close to the k-th value.
      const n = right - left + 1, i = k - left + 1, z = Math.log(n), s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (i - n / 2 < 0 ? -1 : 1);
      selectRange(a, Math.max(left, Math.floor(k - (i * s) / n + sd)), Math.min(right, Math.floor(k + ((n - i) * s) / n + sd)), k);
    }
    const t = a[k];
    let i = left, j = right, u: number;
    u = a[left]; a[left] = a[k]; a[k] = u;
    if (a[right] > t) { u = a[right]; a[right] = a[left]; a[left] = u; }
    while (i < j) {
      u = a[i]; a[i] = a[j]; a[j] = u;
      i++; j--;
      while (a[i] < t) i++;
      while (a[j] > t) j--;
    }
    if (a[left] === t) { u = a[left]; a[left] = a[j]; a[j] = u; } else { j++; u = a[j]; a[j] = a[right]; a[right] = u; }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

/** NumPy's `_lerp`: a + (b − a)·t, written from the nearer end. */
function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/**
 * Quantiles `qs` (each in [0, 1]) of the non-NaN values, NumPy's default
 * linear definition (see the module comment). Copies the values once
 * (Float32 input stays Float32), then {@link quantilesInPlace}.
 *
 * @example const [lo, hi] = quantiles(image.data, [0.01, 0.99]);
 */
export function quantiles(values: ArrayLike<number>, qs: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  const a = values instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) { const v = values[i]; if (v === v) a[n++] = v; }
  return quantilesInPlace(a, qs);
}

/**
 * {@link quantiles} of the values of `a` (none may be NaN), reordering `a`
 * instead of copying it: O(n) expected per quantile. No values gives NaN.
 * Throws, naming the quantile, when a q is outside [0, 1].
 */
export function quantilesInPlace(a: SelectArray, qs: ArrayLike<number>): Float64Array {
  for (let j = 0; j < qs.length; j++) if (!(qs[j] >= 0 && qs[j] <= 1)) throw new RangeError(`quantiles: q[${j}] must be in [0, 1], got ${qs[j]}`);
  const n = a.length, out = new Float64Array(qs.length);
  if (n === 0) return out.fill(NaN);
  for (let j = 0; j < qs.length; j++) {
    const h = qs[j] * (n - 1), lo = Math.floor(h), t = h - lo;
    const vlo = quickselect(a, lo);
    if (t === 0 || lo + 1 >= n) { out[j] = vlo; continue; }
    // After the selection every value beyond index lo is >= a[lo]: the next order statistic is their minimum.
    let vhi = Infinity;
    for (let i = lo + 1; i < n; i++) if (a[i] < vhi) vhi = a[i];
    out[j] = lerp(vlo, vhi, t);
  }
  return out;
}

/** The q-quantile (q in [0, 1]) of the non-NaN values: `np.nanquantile(values, q)`. O(n) expected. */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantiles(values, [q])[0];
}

/**
 * Median of the non-NaN values, as `np.nanmedian`: the middle order statistic,
 * or (a + b) / 2 of the two middle ones for even n; NaN when there are none.
 * Copies the values once; O(n) expected.
 */
export function median(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  if (n === 0) return NaN;
  const a = new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) { const v = values[i]; if (v === v) a[n++] = v; }
  const m = n >> 1, hi = quickselect(a, m);
  if (n % 2) return hi;
  let lo = -Infinity;
  for (let i = 0; i < m; i++) if (a[i] > lo) lo = a[i];
  return (lo + hi) / 2;
}
