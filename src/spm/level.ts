/**
 * Levelling and line corrections with Gwyddion's names and semantics
 * (Gwyddion user guide, "Data Processing: Levelling" and "Align Rows"; the
 * modules level.c, polylevel.c, linematch.c, scars.c, fix_zero).
 *
 * Every function here returns `{ image, removed }`: the corrected image (a
 * new Image; the input is not modified) and what was subtracted, as an Image
 * of the same size and calibration, so that `image + removed` is the input
 * (up to float32 rounding). Some add what they fitted (`coefficients`,
 * `rowShifts`, `mask`). Backgrounds are fitted in double precision.
 *
 * Masks are Uint8Array (or any array) of width × height, non-zero = masked.
 * `masking: "exclude"` (the default, Gwyddion's usual choice for grains or
 * particles) fits the background on the unmasked pixels; `"include"` fits on
 * the masked pixels only.
 */
import { solve } from "../core/linalg";
import { checkChoice } from "../core/options";
import { quantile } from "../core/select";
import type { Image } from "../image/image";

/** A correction's result: the corrected image and the subtracted background (same size and calibration). */
export interface Corrected {
  image: Image;
  removed: Image;
}

/** Which pixels a mask selects for the fit. */
export type Masking = "exclude" | "include";

/** Mask options shared by the fits. */
export interface MaskOptions {
  /** width × height values, non-zero = masked. */
  mask?: ArrayLike<number | boolean>;
  /** "exclude" (default): fit on unmasked pixels; "include": fit on masked pixels only. */
  masking?: Masking;
}

/** Throws unless `image` is an Image with width × height Float32Array pixels. @internal */
export function checkImage(fn: string, image: Image): void {
  if (!image || !(image.data instanceof Float32Array) || image.data.length !== image.width * image.height || image.width < 1 || image.height < 1) {
    throw new TypeError(`${fn}(image): image must be an Image (Float32Array data of width × height > 0 pixels)`);
  }
}

/** The pixels the fit uses, as a Uint8Array (1 = use), from the mask options. */
function usable(fn: string, image: Image, o: MaskOptions): Uint8Array {
  const n = image.width * image.height;
  const use = new Uint8Array(n);
  const masking = checkChoice(fn, "masking", o.masking, ["exclude", "include"] as const) ?? "exclude";
  if (o.mask === undefined) use.fill(1);
  else {
    if (o.mask.length !== n) throw new RangeError(`${fn}: options.mask has ${o.mask.length} values, the image has ${image.width} × ${image.height} = ${n}`);
    for (let i = 0; i < n; i++) use[i] = (!!o.mask[i]) === (masking === "include") ? 1 : 0;
  }
  for (let i = 0; i < n; i++) if (image.data[i] !== image.data[i]) use[i] = 0;
  return use;
}

function result(image: Image, background: Float64Array): Corrected {
  const n = image.data.length;
  const out = new Float32Array(n);
  const rem = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = image.data[i] - background[i];
    rem[i] = background[i];
  }
  const cal = image.calibration ? { calibration: { ...image.calibration } } : {};
  return { image: { data: out, width: image.width, height: image.height, ...cal }, removed: { data: rem, width: image.width, height: image.height, ...cal } };
}

/** Scaled coordinate in [-1, 1] of pixel index i of n (0 for n = 1). */
const scaled = (i: number, n: number): number => (n > 1 ? (2 * i) / (n - 1) - 1 : 0);

/**
 * Least-squares fit of Σ c_pq u^p v^q over the terms `terms` ([p, q] powers
 * of the scaled column u and row v), on the `use` pixels; normal equations
 * in double precision (coordinates scaled to [-1, 1] keep them well
 * conditioned for the degrees Gwyddion offers). Returns the coefficients and
 * the background at every pixel.
 */
function fitPolynomial(fn: string, image: Image, use: Uint8Array, terms: [number, number][]): { coefficients: Float64Array; background: Float64Array } {
  const { width: w, height: h, data } = image;
  const k = terms.length;
  const G = new Float64Array(k * k);
  const r = new Float64Array(k);
  const f = new Float64Array(k);
  // Powers of the scaled coordinates, tabulated once: upow[p][x] = u(x)^p, vpow[q][y] = v(y)^q.
  let maxP = 0;
  let maxQ = 0;
  for (const [p, q] of terms) { maxP = Math.max(maxP, p); maxQ = Math.max(maxQ, q); }
  const upow = Array.from({ length: maxP + 1 }, (_, p) => Float64Array.from({ length: w }, (_, x) => scaled(x, w) ** p));
  const vpow = Array.from({ length: maxQ + 1 }, (_, q) => Float64Array.from({ length: h }, (_, y) => scaled(y, h) ** q));
  const tu = terms.map(([p]) => upow[p]);
  const tv = terms.map(([, q]) => vpow[q]);
  const basis = (x: number, y: number): void => {
    for (let t = 0; t < k; t++) f[t] = tu[t][x] * tv[t][y];
  };
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!use[i]) continue;
      count++;
      basis(x, y);
      const z = data[i];
      for (let a = 0; a < k; a++) {
        r[a] += f[a] * z;
        for (let b = a; b < k; b++) G[a * k + b] += f[a] * f[b];
      }
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) G[a * k + b] = G[b * k + a];
  const c = count >= k ? solve(G, r, k, 1e-12 * Math.max(1, count)) : null;
  if (!c) throw new RangeError(`${fn}: ${count} usable pixels cannot determine ${k} coefficients (too few, or all on a line); use a smaller degree or a different mask`);
  const background = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      basis(x, y);
      let s = 0;
      for (let t = 0; t < k; t++) s += c[t] * f[t];
      background[y * w + x] = s;
    }
  }
  return { coefficients: c, background };
}

/**
 * Plane levelling (Gwyddion "Plane Level"): fit z = a + b·x + c·y by least
 * squares (on the unmasked pixels, or the masked ones with `masking:
 * "include"`) and subtract it. Returns `{ image, removed, coefficients }`,
 * coefficients `[a, b, c]` in value units per pixel (x = column, y = row,
 * origin at pixel (0, 0)). NaN pixels are left out of the fit. O(w·h).
 *
 * @example const { image, removed } = levelPlane(height, { mask: grains });
 */
export function levelPlane(image: Image, options: MaskOptions = {}): Corrected & { coefficients: [number, number, number] } {
  checkImage("levelPlane", image);
  const use = usable("levelPlane", image, options);
  const { coefficients: c, background } = fitPolynomial("levelPlane", image, use, [[0, 0], [1, 0], [0, 1]]);
  const { width: w, height: h } = image;
  // Back from scaled coordinates u = 2x/(w-1) - 1 to pixels.
  const bx = w > 1 ? (2 * c[1]) / (w - 1) : 0;
  const by = h > 1 ? (2 * c[2]) / (h - 1) : 0;
  const a = c[0] - (w > 1 ? c[1] : 0) - (h > 1 ? c[2] : 0);
  return { ...result(image, background), coefficients: [a, bx, by] };
}

/** The plane a + b·x + c·y (pixels) at every pixel, in double precision. */
function planeAt(w: number, h: number, [a, b, c]: [number, number, number]): Float64Array {
  const plane = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) plane[y * w + x] = a + b * x + c * y;
  return plane;
}

/** Options of {@link levelFacets}. */
export interface FacetOptions extends MaskOptions {
  /** Slopes weigh exp(−|∇z|² / (sharpness · ⟨|∇z|²⟩)): smaller keeps only the flattest facets (default 0.05). */
  sharpness?: number;
  /** Iterations at most (default 100); converged when the plane's slope change is below 1e-9 of the initial rms slope. */
  maxIterations?: number;
}

/**
 * Facet levelling (Gwyddion "Facet Level"): subtract the plane that makes the
 * surface's facets as horizontal as possible, instead of the least-squares
 * plane. Each 2 × 2 cell's slope (∂z/∂x, ∂z/∂y, per pixel) is weighted by
 * exp(−|∇z|²/(sharpness · ⟨|∇z|²⟩)), so steep sides of particles and steps
 * count for nothing; the weighted mean slope is subtracted and the step
 * repeated until it no longer changes. For flat terraces or a substrate
 * carrying large objects, where `levelPlane` is pulled by the objects.
 * Returns `{ image, removed, coefficients }` with coefficients `[a, b, c]`
 * as levelPlane (a puts the mean of the image at its mean before). Masked
 * cells (any corner masked, or NaN) are left out. O(w·h) per iteration.
 */
export function levelFacets(image: Image, options: FacetOptions = {}): Corrected & { coefficients: [number, number, number] } {
  const fn = "levelFacets";
  checkImage(fn, image);
  const use = usable(fn, image, options);
  const sharpness = options.sharpness ?? 0.05;
  if (!(sharpness > 0 && Number.isFinite(sharpness))) throw new RangeError(`${fn}: options.sharpness must be a positive number, got ${sharpness}`);
  const maxIterations = options.maxIterations ?? 100;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new RangeError(`${fn}: options.maxIterations must be a positive integer, got ${maxIterations}`);
  const { width: w, height: h, data } = image;
  if (w < 2 || h < 2) throw new RangeError(`${fn}(image): needs at least 2 × 2 pixels, got ${w} × ${h}`);
  // Cell slopes of the input, once; each iteration only shifts them by the plane found so far.
  const cells: number[] = [];
  for (let y = 1; y < h; y++) for (let x = 1; x < w; x++) {
    const i = y * w + x;
    if (use[i] && use[i - 1] && use[i - w] && use[i - w - 1]) cells.push(i);
  }
  if (!cells.length) throw new RangeError(`${fn}: no 2 × 2 cell of usable pixels (mask or NaN everywhere)`);
  const vx = new Float64Array(cells.length), vy = new Float64Array(cells.length);
  cells.forEach((i, k) => {
    vx[k] = 0.5 * (data[i] + data[i - w] - data[i - 1] - data[i - w - 1]);
    vy[k] = 0.5 * (data[i - 1] + data[i] - data[i - w - 1] - data[i - w]);
  });
  let bx = 0, by = 0, converged = false, mean2 = 0;
  for (let k = 0; k < cells.length; k++) mean2 += vx[k] ** 2 + vy[k] ** 2;
  mean2 /= cells.length;
  const tol = 1e-9 * Math.sqrt(mean2);
  for (let it = 0; it < maxIterations && !converged; it++) {
    let s2 = 0;
    for (let k = 0; k < cells.length; k++) s2 += (vx[k] - bx) ** 2 + (vy[k] - by) ** 2;
    const scale = sharpness * (s2 / cells.length);
    if (!(scale > 0)) break; // a perfect plane: every slope equals (bx, by)
    let sw = 0, sx = 0, sy = 0;
    for (let k = 0; k < cells.length; k++) {
      const dx = vx[k] - bx, dy = vy[k] - by, q = Math.exp(-(dx * dx + dy * dy) / scale);
      sw += q; sx += q * dx; sy += q * dy;
    }
    if (!(sw > 0)) throw new RangeError(`${fn}: every facet weight underflowed; increase options.sharpness`);
    bx += sx / sw; by += sy / sw;
    converged = Math.hypot(sx / sw, sy / sw) <= tol;
  }
  if (!converged) throw new RangeError(`${fn}: the facet plane did not converge in ${maxIterations} iterations (slopes with no dominant facet?); increase options.maxIterations or use levelPlane`);
  // Keep the mean of the levelled image where it was (Gwyddion subtracts a plane through the centre).
  const a = -(bx * (w - 1) + by * (h - 1)) / 2;
  const coefficients: [number, number, number] = [a, bx, by];
  return { ...result(image, planeAt(w, h, coefficients)), coefficients };
}

/**
 * Three-point levelling (Gwyddion's "Three Point Level" tool): subtract the
 * plane through three points the user marks on the flat reference (e.g. the
 * substrate between particles), each the mean of the pixels within `radius`
 * pixels of it (default 0: the pixel itself). The plane is zero at the three
 * points. Throws when the points are on one line or a neighbourhood has no
 * finite pixel. Returns `{ image, removed, coefficients }` as levelPlane.
 */
export function levelThreePoints(image: Image, points: [[number, number], [number, number], [number, number]], options: { radius?: number } = {}): Corrected & { coefficients: [number, number, number] } {
  const fn = "levelThreePoints";
  checkImage(fn, image);
  const { width: w, height: h, data } = image;
  if (!Array.isArray(points) || points.length !== 3) throw new TypeError(`${fn}: points must be three [x, y] pixel positions, got ${Array.isArray(points) ? points.length : typeof points}`);
  const radius = options.radius ?? 0;
  if (!(radius >= 0 && Number.isFinite(radius))) throw new RangeError(`${fn}: options.radius must be ≥ 0 pixels, got ${radius}`);
  const z = points.map(([px, py], k) => {
    if (!(px >= 0 && py >= 0 && px <= w - 1 && py <= h - 1)) throw new RangeError(`${fn}: point ${k} (${px}, ${py}) is outside the ${w} × ${h} image`);
    let s = 0, n = 0;
    for (let y = Math.max(0, Math.ceil(py - radius)); y <= Math.min(h - 1, Math.floor(py + radius)); y++) {
      for (let x = Math.max(0, Math.ceil(px - radius)); x <= Math.min(w - 1, Math.floor(px + radius)); x++) {
        const v = data[y * w + x];
        if ((x - px) ** 2 + (y - py) ** 2 <= radius * radius + 1e-9 && Number.isFinite(v)) { s += v; n++; }
      }
    }
    if (!n) throw new RangeError(`${fn}: no finite pixel within ${radius} px of point ${k} (${px}, ${py})`);
    return s / n;
  });
  const [[x0, y0], [x1, y1], [x2, y2]] = points;
  const det = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
  if (Math.abs(det) < 1e-9) throw new RangeError(`${fn}: the three points are on one line; they do not define a plane`);
  const b = ((z[1] - z[0]) * (y2 - y0) - (z[2] - z[0]) * (y1 - y0)) / det;
  const c = ((x1 - x0) * (z[2] - z[0]) - (x2 - x0) * (z[1] - z[0])) / det;
  const coefficients: [number, number, number] = [z[0] - b * x0 - c * y0, b, c];
  return { ...result(image, planeAt(w, h, coefficients)), coefficients };
}

/** Options of {@link levelPolynomial}. */
export interface PolynomialOptions extends MaskOptions {
  /** Degree in x (columns). Default 2. */
  degreeX?: number;
  /** Degree in y (rows). Default: degreeX. */
  degreeY?: number;
  /** Keep only terms x^p y^q with p + q ≤ maxDegree (Gwyddion's "limit total degree"). Default: no limit. */
  maxDegree?: number;
}

/**
 * Polynomial background (Gwyddion "Polynomial Background"): fit
 * Σ c_pq u^p v^q, p ≤ degreeX, q ≤ degreeY (and p + q ≤ maxDegree when given),
 * with u, v the column and row scaled to [-1, 1], and subtract it. Removes
 * bow (scanner curvature) and tilt together. Returns `{ image, removed,
 * coefficients, terms }` (coefficients in the scaled coordinates, in the
 * order of `terms`). O(w·h·k²) for k terms.
 */
export function levelPolynomial(image: Image, options: PolynomialOptions = {}): Corrected & { coefficients: Float64Array; terms: [number, number][] } {
  checkImage("levelPolynomial", image);
  const dx = options.degreeX ?? 2;
  const dy = options.degreeY ?? dx;
  const max = options.maxDegree ?? Infinity;
  for (const [k, v] of [["degreeX", dx], ["degreeY", dy]] as const) if (!Number.isInteger(v) || v < 0 || v > 11) throw new RangeError(`levelPolynomial: options.${k} must be an integer 0..11, got ${v}`);
  if (!(max >= 0)) throw new RangeError(`levelPolynomial: options.maxDegree must be ≥ 0, got ${options.maxDegree}`);
  const terms: [number, number][] = [];
  for (let q = 0; q <= dy; q++) for (let p = 0; p <= dx; p++) if (p + q <= max) terms.push([p, q]);
  const use = usable("levelPolynomial", image, options);
  const { coefficients, background } = fitPolynomial("levelPolynomial", image, use, terms);
  return { ...result(image, background), coefficients, terms };
}

/** Row-alignment methods (Gwyddion "Align Rows"). */
export type AlignMethod = "median" | "modus" | "polynomial" | "median-of-differences" | "trimmed-mean" | "trimmed-mean-of-differences";
const ALIGN_METHODS: readonly AlignMethod[] = ["median", "modus", "polynomial", "median-of-differences", "trimmed-mean", "trimmed-mean-of-differences"];

/** Options of {@link alignRows}. */
export interface AlignRowsOptions extends MaskOptions {
  /** Default "median". */
  method?: AlignMethod;
  /**
   * "median": the quantile of each row used as its level (default 0.5). For
   * rows mostly covered by raised features use a low quantile (e.g. 0.1) so
   * the substrate sets the level; for pits, a high one.
   */
  quantile?: number;
  /** "polynomial": degree of the polynomial fitted to each row (default 1; 0 = mean). */
  degree?: number;
  /** "trimmed-mean*": fraction cut from EACH end before averaging (0 = mean, 0.5 = median; default 0.2). */
  trim?: number;
}

/**
 * Half-sample mode (Bickel & Frühwirth 2006) of sorted values: repeatedly
 * keep the half-length window of smallest range; the estimate of the
 * modus Gwyddion's "Modus" method uses. Exact when most values are equal.
 */
function halfSampleMode(a: Float64Array): number {
  let lo = 0;
  let n = a.length;
  while (n > 3) {
    const m = Math.ceil(n / 2);
    let best = lo;
    for (let i = lo; i + m - 1 < lo + n; i++) if (a[i + m - 1] - a[i] < a[best + m - 1] - a[best]) best = i;
    lo = best;
    n = m;
  }
  if (n === 3) {
    const d1 = a[lo + 1] - a[lo];
    const d2 = a[lo + 2] - a[lo + 1];
    return d1 < d2 ? (a[lo] + a[lo + 1]) / 2 : d2 < d1 ? (a[lo + 1] + a[lo + 2]) / 2 : a[lo + 1];
  }
  return n === 2 ? (a[lo] + a[lo + 1]) / 2 : a[lo];
}

function trimmedMean(v: Float64Array, trim: number): number {
  const s = Float64Array.from(v).sort();
  const cut = Math.floor(trim * s.length);
  const hi = s.length - cut;
  if (hi <= cut) return quantile(s, 0.5);
  let t = 0;
  for (let i = cut; i < hi; i++) t += s[i];
  return t / (hi - cut);
}

/**
 * Row alignment (Gwyddion "Align Rows", linematch): removes the offsets
 * between scan lines that the slow-scan drift and tip changes leave.
 * - "median" (default): subtract each row's median (or `quantile`);
 * - "modus": subtract each row's mode (half-sample mode);
 * - "polynomial": subtract a polynomial of `degree` fitted to each row
 *   (degree 0 = mean, 1 = per-row tilt);
 * - "trimmed-mean": subtract each row's mean after cutting `trim` of the values at each end;
 * - "median-of-differences" / "trimmed-mean-of-differences": shift each row
 *   so that the median (trimmed mean) of its differences to the previous row
 *   is zero; row 0 keeps its level. Works when features fill whole rows.
 * Masked pixels (`mask`, `masking`) are left out of each row's statistic.
 * Returns `{ image, removed, rowShifts }` (rowShifts: the value subtracted
 * from each row, for the per-row-offset methods; for "polynomial", the
 * fitted polynomial's mean). O(w·h) (O(w log w) per row for modus/trimmed).
 */
export function alignRows(image: Image, options: AlignRowsOptions = {}): Corrected & { rowShifts: Float64Array } {
  const fn = "alignRows";
  checkImage(fn, image);
  const method = checkChoice(fn, "method", options.method, ALIGN_METHODS) ?? "median";
  const q = options.quantile ?? 0.5;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`${fn}: options.quantile must be in [0, 1], got ${options.quantile}`);
  if (options.quantile !== undefined && method !== "median") throw new RangeError(`${fn}: options.quantile applies to method "median" only (method is "${method}")`);
  const trim = options.trim ?? 0.2;
  if (!(trim >= 0 && trim <= 0.5)) throw new RangeError(`${fn}: options.trim must be in [0, 0.5], got ${options.trim}`);
  const degree = options.degree ?? 1;
  if (!Number.isInteger(degree) || degree < 0 || degree > 11) throw new RangeError(`${fn}: options.degree must be an integer 0..11, got ${options.degree}`);
  const use = usable(fn, image, options);
  const { width: w, height: h, data } = image;
  const background = new Float64Array(w * h);
  const shifts = new Float64Array(h);
  const rowValues = (y: number, other?: number): Float64Array => {
    const out: number[] = [];
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!use[i]) continue;
      if (other === undefined) out.push(data[i]);
      else if (use[other * w + x]) out.push(data[i] - data[other * w + x]);
    }
    return Float64Array.from(out);
  };
  const need = (v: Float64Array, y: number): Float64Array => {
    if (v.length === 0) throw new RangeError(`${fn}: row ${y} has no usable pixel (all masked or NaN${method.endsWith("differences") ? ", or none shared with the previous row" : ""})`);
    return v;
  };
  for (let y = 0; y < h; y++) {
    let s: number;
    if (method === "median") s = quantile(need(rowValues(y), y), q);
    else if (method === "modus") s = halfSampleMode(need(rowValues(y), y).sort());
    else if (method === "trimmed-mean") s = trimmedMean(need(rowValues(y), y), trim);
    else if (method === "median-of-differences") s = y === 0 ? 0 : shifts[y - 1] + quantile(need(rowValues(y, y - 1), y), 0.5);
    else if (method === "trimmed-mean-of-differences") s = y === 0 ? 0 : shifts[y - 1] + trimmedMean(need(rowValues(y, y - 1), y), trim);
    else {
      const row: Image = { data: data.subarray(y * w, (y + 1) * w), width: w, height: 1 };
      const terms: [number, number][] = Array.from({ length: degree + 1 }, (_, p) => [p, 0]);
      const { background: b } = fitPolynomial(`${fn} (row ${y})`, row, use.subarray(y * w, (y + 1) * w), terms);
      background.set(b, y * w);
      let m = 0;
      for (const v of b) m += v;
      shifts[y] = m / w;
      continue;
    }
    shifts[y] = s;
    background.fill(s, y * w, (y + 1) * w);
  }
  return { ...result(image, background), rowShifts: shifts };
}

/** Options of {@link removeScars}. */
export interface ScarOptions {
  /** A scar pixel differs from the rows above and below by more than `threshold` × the rms of vertical pixel differences. Default 0.666 (Gwyddion's default "hard threshold"). */
  threshold?: number;
  /** Shortest scar, in pixels along the row. Default 16. */
  minLength?: number;
  /** Widest scar, in rows. Default 4. */
  maxWidth?: number;
  /** Which scars: "both" (default), "positive" (too high), "negative" (too low). */
  type?: "both" | "positive" | "negative";
}

/**
 * Scar detection and removal (Gwyddion "Remove Scars", scars.c): scars are
 * short runs along a row, at most `maxWidth` rows wide and at least
 * `minLength` long, that lie above (or below) BOTH the row just above and
 * the row just below the run by more than `threshold` × σ, σ = rms of the
 * differences between vertically adjacent pixels. Marked pixels are
 * replaced by linear interpolation between the rows bounding the scar
 * (Gwyddion uses Laplace interpolation; for a scar one row wide and a
 * background linear along y both give the same values).
 * Returns `{ image, removed, mask }`: removed = image − corrected (zero off
 * the scars), mask = 1 on scar pixels. O(w·h·maxWidth).
 */
export function removeScars(image: Image, options: ScarOptions = {}): Corrected & { mask: Uint8Array } {
  const fn = "removeScars";
  checkImage(fn, image);
  const type = checkChoice(fn, "type", options.type, ["both", "positive", "negative"] as const) ?? "both";
  const thr = options.threshold ?? 0.666;
  const minLength = options.minLength ?? 16;
  const maxWidth = options.maxWidth ?? 4;
  if (!(thr > 0)) throw new RangeError(`${fn}: options.threshold must be > 0, got ${options.threshold}`);
  if (!Number.isInteger(minLength) || minLength < 1) throw new RangeError(`${fn}: options.minLength must be a positive integer, got ${options.minLength}`);
  if (!Number.isInteger(maxWidth) || maxWidth < 1) throw new RangeError(`${fn}: options.maxWidth must be a positive integer, got ${options.maxWidth}`);
  const { width: w, height: h, data } = image;
  let ss = 0;
  let n = 0;
  for (let y = 1; y < h; y++) for (let x = 0; x < w; x++) {
    const d = data[y * w + x] - data[(y - 1) * w + x];
    if (d === d) { ss += d * d; n++; }
  }
  const sigma = n ? Math.sqrt(ss / n) : 0;
  const mask = new Uint8Array(w * h);
  const corrected = Float64Array.from(data);
  const cut = thr * sigma;
  for (let width = 1; width <= maxWidth; width++) {
    for (let top = 1; top + width < h; top++) {
      const bottom = top + width; // the row below the scar
      let run = 0;
      for (let x = 0; x <= w; x++) {
        let is = false;
        if (x < w) {
          const above = data[(top - 1) * w + x];
          const below = data[bottom * w + x];
          let up = true;
          let down = true;
          for (let r = top; r < bottom; r++) {
            const v = data[r * w + x];
            if (!(v - Math.max(above, below) > cut)) up = false;
            if (!(Math.min(above, below) - v > cut)) down = false;
          }
          is = (up && type !== "negative") || (down && type !== "positive");
        }
        if (is) { run++; continue; }
        if (run >= minLength) {
          for (let xx = x - run; xx < x; xx++) {
            const above = data[(top - 1) * w + xx];
            const below = data[bottom * w + xx];
            for (let r = top; r < bottom; r++) {
              const i = r * w + xx;
              if (mask[i]) continue;
              mask[i] = 1;
              const t = (r - top + 1) / (width + 1);
              corrected[i] = above + (below - above) * t;
            }
          }
        }
        run = 0;
      }
    }
  }
  const background = new Float64Array(w * h);
  for (let i = 0; i < w * h; i++) background[i] = data[i] - corrected[i];
  return { ...result(image, background), mask };
}

/**
 * Zero minimum (Gwyddion "Fix Zero"): shift the data so its minimum is 0.
 * Returns `{ image, removed }` with removed = the minimum everywhere. NaN
 * pixels are ignored. O(w·h).
 */
export function zeroMinimum(image: Image): Corrected {
  checkImage("zeroMinimum", image);
  let m = Infinity;
  for (const v of image.data) if (v < m) m = v;
  if (m === Infinity) throw new RangeError("zeroMinimum: the image has no finite pixel");
  return result(image, new Float64Array(image.data.length).fill(m));
}

/** Options of {@link baseLevel}. */
export interface BaseLevelOptions extends MaskOptions {
  /** "mode" (default): the half-sample mode of the heights (the substrate when it is the most common level); "quantile": the `quantile` of the heights. */
  method?: "mode" | "quantile";
  /** For method "quantile": which quantile is the base, 0..1 (default 0.05). */
  quantile?: number;
}

/**
 * Base level: shift the data so the substrate is at 0, for heights of
 * particles or islands read straight off the image. The base is the
 * half-sample mode of the (unmasked, finite) values — Gwyddion's "modus",
 * the most common level, which is the substrate when it covers more of the
 * frame than any other level — or a low `quantile` for substrates that are
 * rough or mostly covered. Unlike zeroMinimum, one noise spike or pit does
 * not move it. Returns `{ image, removed, level }` (removed = level
 * everywhere). O(n log n).
 */
export function baseLevel(image: Image, options: BaseLevelOptions = {}): Corrected & { level: number } {
  const fn = "baseLevel";
  checkImage(fn, image);
  const method = checkChoice(fn, "method", options.method, ["mode", "quantile"] as const) ?? "mode";
  if (options.quantile !== undefined && method !== "quantile") throw new RangeError(`${fn}: options.quantile applies to method "quantile" only (method is "${method}")`);
  const q = options.quantile ?? 0.05;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`${fn}: options.quantile must be in [0, 1], got ${options.quantile}`);
  const use = usable(fn, image, options);
  const values: number[] = [];
  for (let i = 0; i < use.length; i++) if (use[i]) values.push(image.data[i]);
  if (!values.length) throw new RangeError(`${fn}: no usable pixel (all masked or NaN)`);
  const v = Float64Array.from(values).sort();
  const level = method === "mode" ? halfSampleMode(v) : quantile(v, q);
  return { ...result(image, new Float64Array(image.data.length).fill(level)), level };
}
