/**
 * Grains and particles: marking by threshold (absolute or Otsu's) or by
 * watershed from markers, and per-grain statistics as a table, with the
 * semantics of Gwyddion's "Grains" tools and scikit-image's `threshold_otsu`,
 * `measure.label`, `segmentation.watershed` and `measure.regionprops` (the
 * reference the tests compare against, pixel for pixel).
 *
 * Grains are numbered 1, 2, … in raster order of their first pixel (row 0
 * left to right, then row 1, …); 0 is the background. x = column, y = row;
 * lengths in pixels, and in the image's calibrated unit where it has one.
 */
import { checkChoice } from "../core/options";
import type { Image } from "../image/image";
import { table, type Table } from "../table";
import { checkImage } from "./level";

/** A labelled image: `labels[y * width + x]` is the grain of that pixel (0 = none). */
export interface Grains {
  labels: Int32Array;
  width: number;
  height: number;
  /** Number of grains (the largest label). */
  count: number;
  /** The height that separated grains from the background (the image's z unit), or NaN when the mask was given. */
  threshold: number;
}

/** Pixel neighbourhood: 4 (edges, Gwyddion's and scikit-image's connectivity 1) or 8 (edges and corners). */
export type Connectivity = 4 | 8;

/** Options of {@link markGrains}. */
export interface MarkGrainsOptions {
  /** "otsu" (default; {@link otsuThreshold}) or a height in the image's z unit. */
  threshold?: "otsu" | number;
  /** Grains are the pixels below the threshold (pits, holes) instead of above it (default false). */
  below?: boolean;
  /** Neighbourhood that joins pixels into one grain (default 4). */
  connectivity?: Connectivity;
  /** Grains with fewer pixels are removed and the rest renumbered (default 1: keep all). */
  minArea?: number;
}

/** Finite minimum and maximum; throws when the image has no finite pixel. */
function finiteRange(fn: string, data: Float32Array): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of data) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (lo > hi) throw new RangeError(`${fn}(image): no finite pixel`);
  return [lo, hi];
}

/**
 * Otsu's threshold: the height that maximises the between-class variance of
 * a 256-bin histogram over [min, max], returned as the centre of the last
 * bin of the lower class — scikit-image's `threshold_otsu(image, nbins=256)`
 * exactly (NumPy's histogram binning included). NaN pixels are ignored; a
 * constant image is an error (no threshold separates anything). O(n).
 */
export function otsuThreshold(image: Image, bins = 256): number {
  const fn = "otsuThreshold";
  checkImage(fn, image);
  if (!Number.isInteger(bins) || bins < 2) throw new RangeError(`${fn}: bins must be an integer ≥ 2, got ${bins}`);
  const [lo, hi] = finiteRange(fn, image.data);
  if (lo === hi) throw new RangeError(`${fn}(image): the image is constant (every finite pixel is ${lo}): no threshold separates grains`);
  const edges = binEdges(lo, hi, bins);
  const hist = histogram(image.data, edges);
  const centre = (i: number): number => edges[i] + (edges[i + 1] - edges[i]) / 2;
  // Class weights and means from the left (1) and from the right (2), as scikit-image.
  const w1 = new Float64Array(bins), m1 = new Float64Array(bins), w2 = new Float64Array(bins), m2 = new Float64Array(bins);
  let w = 0, s = 0;
  for (let i = 0; i < bins; i++) { w += hist[i]; s += hist[i] * centre(i); w1[i] = w; m1[i] = s / w; }
  w = 0; s = 0;
  for (let i = bins - 1; i >= 0; i--) { w += hist[i]; s += hist[i] * centre(i); w2[i] = w; m2[i] = s / w; }
  let best = -1, arg = 0;
  for (let i = 0; i < bins - 1; i++) {
    const v = w1[i] * w2[i + 1] * (m1[i] - m2[i + 1]) ** 2;
    if (v > best) { best = v; arg = i; } // both classes hold ≥ 1 pixel (min and max), so no 0/0
  }
  return centre(arg);
}

/** `np.linspace(lo, hi, bins + 1)`, rounding included. */
function binEdges(lo: number, hi: number, bins: number): Float64Array {
  const step = (hi - lo) / bins;
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => i * step + lo);
  edges[bins] = hi;
  return edges;
}

/** NumPy's uniform-bin histogram (the last bin closed), finite values only. */
function histogram(data: Float32Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1, lo = edges[0];
  const hist = new Float64Array(bins);
  const norm = bins / (edges[bins] - lo);
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    let k = Math.floor((v - lo) * norm);
    if (k === bins) k--;
    if (v < edges[k]) k--;
    else if (v >= edges[k + 1] && k !== bins - 1) k++;
    hist[k]++;
  }
  return hist;
}

/** Neighbour offsets [dx, dy] of a connectivity, in scikit-image's order. */
function neighbours(connectivity: Connectivity): [number, number][] {
  return connectivity === 4
    ? [[0, -1], [-1, 0], [1, 0], [0, 1]]
    : [[0, -1], [-1, 0], [1, 0], [0, 1], [-1, -1], [1, -1], [-1, 1], [1, 1]];
}

/**
 * Connected components of a mask (non-zero = in a grain), numbered in raster
 * order of their first pixel — scikit-image's `measure.label(mask,
 * connectivity=1 | 2)`. O(n).
 */
export function labelGrains(mask: ArrayLike<number | boolean>, width: number, height: number, connectivity: Connectivity = 4): { labels: Int32Array; count: number } {
  const fn = "labelGrains";
  if (mask.length !== width * height) throw new RangeError(`${fn}: mask has ${mask.length} values, width × height = ${width * height}`);
  checkChoice(fn, "connectivity", connectivity, [4, 8] as const);
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const offsets = neighbours(connectivity);
  let count = 0;
  for (let start = 0; start < labels.length; start++) {
    if (!mask[start] || labels[start]) continue;
    labels[start] = ++count;
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const p = stack[--top], px = p % width, py = (p - px) / width;
      for (const [dx, dy] of offsets) {
        const x = px + dx, y = py + dy;
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const q = y * width + x;
        if (mask[q] && !labels[q]) { labels[q] = count; stack[top++] = q; }
      }
    }
  }
  return { labels, count };
}

/** Removes grains smaller than `minArea` pixels and renumbers the rest in raster order. */
function dropSmall(labels: Int32Array, count: number, minArea: number): number {
  if (minArea <= 1) return count;
  const area = new Int32Array(count + 1);
  for (const l of labels) area[l]++;
  const renumber = new Int32Array(count + 1);
  let next = 0;
  for (const l of labels) if (l && area[l] >= minArea && !renumber[l]) renumber[l] = ++next;
  for (let i = 0; i < labels.length; i++) labels[i] = renumber[labels[i]];
  return next;
}

/**
 * Grains by threshold (Gwyddion's "Mark by Threshold"): the pixels above
 * (or, with `below`, under) the threshold, joined into grains by
 * `connectivity`; NaN pixels belong to no grain. Level the image first
 * (`levelPlane`, `alignRows`): a tilt makes one side a single grain. O(n).
 * ```ts
 * const grains = cs.spm.markGrains(levelled.image, { threshold: "otsu", minArea: 5 });
 * cs.spm.grainStatistics(levelled.image, grains)   // a Table, one row per grain
 * ```
 */
export function markGrains(image: Image, options: MarkGrainsOptions = {}): Grains {
  const fn = "markGrains";
  checkImage(fn, image);
  const connectivity = options.connectivity ?? 4;
  checkChoice(fn, "connectivity", connectivity, [4, 8] as const);
  const t = options.threshold ?? "otsu";
  let threshold: number;
  if (t === "otsu") threshold = otsuThreshold(image);
  else if (typeof t === "number" && Number.isFinite(t)) threshold = t;
  else throw new TypeError(`${fn}: options.threshold must be "otsu" or a finite height, got ${String(t)}`);
  const minArea = options.minArea ?? 1;
  if (!Number.isInteger(minArea) || minArea < 1) throw new RangeError(`${fn}: options.minArea must be a positive integer (pixels), got ${minArea}`);
  const below = options.below ?? false;
  const mask = new Uint8Array(image.data.length);
  for (let i = 0; i < mask.length; i++) { const v = image.data[i]; mask[i] = below ? (v < threshold ? 1 : 0) : v > threshold ? 1 : 0; }
  const { labels, count } = labelGrains(mask, image.width, image.height, connectivity);
  return { labels, width: image.width, height: image.height, count: dropSmall(labels, count, minArea), threshold };
}

/** Options of {@link watershedGrains}. */
export interface WatershedOptions {
  /** Grain seeds, one per grain, as pixel positions (x = column, y = row); label k + 1 grows from markers[k]. */
  markers: { x: ArrayLike<number>; y: ArrayLike<number> };
  /** Pixels that may join a grain (non-zero), e.g. `markGrains(...).labels`; default every finite pixel. */
  mask?: ArrayLike<number | boolean>;
  /** Grains are valleys (flooded from their minima) instead of hills (default false). */
  below?: boolean;
  /** Default 4. */
  connectivity?: Connectivity;
}

/**
 * Watershed segmentation from markers: grains grow from their seeds over
 * pixels in order of decreasing height (increasing with `below`), the earlier
 * pushed pixel first among equal heights, until they meet — scikit-image's
 * `segmentation.watershed(-image, markers, mask=mask, connectivity)` exactly.
 * Splits touching particles that one threshold joins. Seeds can come from
 * `cs.findAtoms` or `cs.atoms.detectPeaks`. O(n log n).
 */
export function watershedGrains(image: Image, options: WatershedOptions): Grains {
  const fn = "watershedGrains";
  checkImage(fn, image);
  const { width: w, height: h, data } = image;
  const markers = options?.markers;
  if (!markers || markers.x?.length === undefined || markers.x.length !== markers.y?.length) {
    throw new TypeError(`${fn}: options.markers must be { x, y } arrays of equal length (pixels)`);
  }
  const connectivity = options.connectivity ?? 4;
  checkChoice(fn, "connectivity", connectivity, [4, 8] as const);
  if (options.mask !== undefined && options.mask.length !== w * h) throw new RangeError(`${fn}: options.mask has ${options.mask.length} values, the image has ${w} × ${h} = ${w * h}`);
  const sign = options.below ? 1 : -1; // flood the lowest of sign × height first
  const allowed = (p: number): boolean => Number.isFinite(data[p]) && (options.mask === undefined || !!options.mask[p]);
  const labels = new Int32Array(w * h);
  const heap = new PixelHeap(w * h);
  for (let k = 0; k < markers.x.length; k++) {
    const x = Math.round(markers.x[k]), y = Math.round(markers.y[k]);
    if (!(x >= 0 && y >= 0 && x < w && y < h)) throw new RangeError(`${fn}: marker ${k} at (${markers.x[k]}, ${markers.y[k]}) is outside the ${w} × ${h} image`);
    const p = y * w + x;
    if (!allowed(p)) throw new RangeError(`${fn}: marker ${k} at (${x}, ${y}) is on a masked or NaN pixel`);
    if (labels[p]) throw new RangeError(`${fn}: markers ${labels[p] - 1} and ${k} are on the same pixel (${x}, ${y})`);
    labels[p] = k + 1;
  }
  // Seeds enter the queue in raster order, as scikit-image pushes them.
  for (let p = 0; p < labels.length; p++) if (labels[p]) heap.push(sign * data[p], p);
  const offsets = neighbours(connectivity);
  while (heap.size > 0) {
    const p = heap.pop(), px = p % w, py = (p - px) / w;
    for (const [dx, dy] of offsets) {
      const x = px + dx, y = py + dy;
      if (x < 0 || y < 0 || x >= w || y >= h) continue;
      const q = y * w + x;
      if (labels[q] || !allowed(q)) continue;
      labels[q] = labels[p];
      heap.push(sign * data[q], q);
    }
  }
  return { labels, width: w, height: h, count: markers.x.length, threshold: NaN };
}

/** Binary min-heap of pixels keyed by (value, push order): equal values leave in the order they came. */
class PixelHeap {
  private value: Float64Array;
  private age: Float64Array;
  private pixel: Int32Array;
  private pushed = 0;
  size = 0;
  constructor(capacity: number) {
    this.value = new Float64Array(capacity);
    this.age = new Float64Array(capacity);
    this.pixel = new Int32Array(capacity);
  }
  private less(i: number, j: number): boolean {
    return this.value[i] < this.value[j] || (this.value[i] === this.value[j] && this.age[i] < this.age[j]);
  }
  private swap(i: number, j: number): void {
    [this.value[i], this.value[j]] = [this.value[j], this.value[i]];
    [this.age[i], this.age[j]] = [this.age[j], this.age[i]];
    [this.pixel[i], this.pixel[j]] = [this.pixel[j], this.pixel[i]];
  }
  push(value: number, pixel: number): void {
    let i = this.size++;
    this.value[i] = value; this.age[i] = this.pushed++; this.pixel[i] = pixel;
    while (i > 0) { const parent = (i - 1) >> 1; if (!this.less(i, parent)) break; this.swap(i, parent); i = parent; }
  }
  pop(): number {
    const top = this.pixel[0];
    this.size--;
    if (this.size > 0) {
      this.value[0] = this.value[this.size]; this.age[0] = this.age[this.size]; this.pixel[0] = this.pixel[this.size];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < this.size && this.less(l, m)) m = l;
        if (r < this.size && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m); i = m;
      }
    }
    return top;
  }
}

/**
 * One row per grain: `grain` (its label), `area` (pixels), `x`, `y` (centroid,
 * pixels), `equivalentDiameter` (of the disc of the same area, pixels),
 * `meanHeight`, `maxHeight`, `minHeight` (z unit, NaN pixels skipped),
 * `volume` (Σ height × pixel area above zero: level with `zeroMinimum` or
 * subtract the base first), the bounding box `xMin`, `yMin`, `xMax`, `yMax`
 * (inclusive pixels); and, when the image is calibrated, `areaCalibrated`
 * (unit²) and `equivalentDiameterCalibrated` (unit). Matches scikit-image's
 * regionprops (area, centroid, equivalent_diameter_area, intensity_mean/max/min,
 * bbox). O(n).
 */
export function grainStatistics(image: Image, grains: Grains): Table {
  const fn = "grainStatistics";
  checkImage(fn, image);
  if (!grains || !(grains.labels instanceof Int32Array) || grains.width !== image.width || grains.height !== image.height) {
    throw new TypeError(`${fn}: grains must come from markGrains/watershedGrains on an image of the same size (${image.width} × ${image.height})`);
  }
  const n = grains.count, w = image.width;
  const area = new Float64Array(n), sx = new Float64Array(n), sy = new Float64Array(n);
  const sum = new Float64Array(n), finite = new Float64Array(n);
  const maxH = new Float64Array(n).fill(-Infinity), minH = new Float64Array(n).fill(Infinity);
  const xMin = new Float64Array(n).fill(Infinity), yMin = new Float64Array(n).fill(Infinity), xMax = new Float64Array(n).fill(-Infinity), yMax = new Float64Array(n).fill(-Infinity);
  grains.labels.forEach((l, p) => {
    if (!l) return;
    if (l > n) throw new RangeError(`${fn}: label ${l} exceeds grains.count ${n}`);
    const g = l - 1, x = p % w, y = (p - x) / w, v = image.data[p];
    area[g]++; sx[g] += x; sy[g] += y;
    if (x < xMin[g]) xMin[g] = x; if (x > xMax[g]) xMax[g] = x; if (y < yMin[g]) yMin[g] = y; if (y > yMax[g]) yMax[g] = y;
    if (Number.isFinite(v)) { sum[g] += v; finite[g]++; if (v > maxH[g]) maxH[g] = v; if (v < minH[g]) minH[g] = v; }
  });
  const px = image.calibration?.pixelSize;
  const pixelArea = px ? px * px : 1;
  const grain = Float64Array.from({ length: n }, (_, g) => g + 1);
  const meanHeight = sum.map((s, g) => (finite[g] ? s / finite[g] : NaN));
  const noData = (v: Float64Array): Float64Array => v.map((x, g) => (finite[g] ? x : NaN));
  const columns: Record<string, Float64Array> = {
    grain, area,
    x: sx.map((s, g) => s / area[g]), y: sy.map((s, g) => s / area[g]),
    equivalentDiameter: area.map((a) => Math.sqrt((4 * a) / Math.PI)),
    meanHeight, maxHeight: noData(maxH), minHeight: noData(minH),
    volume: sum.map((s) => s * pixelArea),
    xMin, yMin, xMax, yMax,
  };
  if (px) {
    columns.areaCalibrated = area.map((a) => a * pixelArea);
    columns.equivalentDiameterCalibrated = columns.equivalentDiameter.map((d) => d * px);
  }
  return table(columns);
}
