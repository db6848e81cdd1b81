/**
 * `findAtomsDeep`: atomic columns found by a U-Net ensemble, refined on the
 * raw pixels. Pipeline:
 *  1. scale: the nearest-neighbour spacing (`estimateSpacing`, or
 *     `options.spacing`) sets the resampling factor to the models' working
 *     scale (`AtomModelInfo.spacing`);
 *  2. each model predicts a column-probability map of the resampled image,
 *     background-subtracted and normalised (`data.ts` `prepare`) (tiles with overlap for large images); the ensemble's
 *     per-pixel mean is the probability map and its per-pixel standard
 *     deviation the uncertainty map (AtomAI's ensemble learning, Ghosh et al.,
 *     npj Comput. Mater. 7, 100 (2021));
 *  3. columns are the local maxima of the mean map above `threshold` (at least
 *     0.35 spacings apart), located by the map's centroid; each model's own
 *     maxima give the detection frequency and the spread of positions;
 *  4. positions are mapped back to input pixels and refined on the raw image
 *     by the classical iterated centre of mass (`refine.ts`); the reported
 *     1-sd `uncertainty` is its propagated pixel noise (noise level from the
 *     image's high-frequency power, `spectralNoise`) times the moving
 *     window's inflation (`windowFactor`);
 *  5. classes (`classes.ts`): each column "host", "dopant" or "vacancy"
 *     against the columns of its own sublattice, with a class probability;
 *     vacancy sites where no column was found are extra rows (`detected` 0).
 * Coordinates: x = column, y = row, pixels of the input image.
 */
import { Image } from "../../image/image";
import { table, Table } from "../../table";
import { initBackend, tfjs } from "../../backend/backend";
import { checkChoice } from "../../core/options";
import { quickselect } from "../../core/select";
import { estimateSpacing } from "../detect";
import { refineCenterOfMass, PixelSource, PixelNoise } from "../refine";
import { fft2, fftFreq } from "../../image/fft";
import { PointGrid } from "../grid";
import type { FindAtomsParameters } from "../parameters";
import { AtomModel, checkModel } from "./model";
import { prepare, resample } from "./data";
import { pretrainedAtomModel } from "./pretrained";
import { toOnnx, onnxSession } from "./onnx";
import { atomClasses } from "./classes";
import type { LatticeTranslations } from "./classes";
import type { OnnxSession } from "./onnx";
import type { Tensor } from "@tensorflow/tfjs";

/** Options of {@link findAtomsDeep}. Lengths in pixels of the input image. */
export interface FindAtomsDeepOptions {
  /** Nearest-neighbour column spacing, pixels (default: `estimateSpacing`, which also gives the column width σ for the refinement window; when given, σ = 0.2 × spacing). */
  spacing?: number;
  /** Model or ensemble (default: the pretrained ensemble, `pretrainedAtomModel()`). All members need the same working spacing. */
  model?: AtomModel | AtomModel[];
  /** Minimum mean column probability of a detection (default 0.4: the best mean F1 over 0.3–0.5 on the synthetic hard families of bench/deep/accuracy.ts, tied with 0.3, which adds false columns in heavy noise). */
  threshold?: number;
  /** "com" (default): iterated centre of mass on the raw image; false: the network's positions. */
  refine?: "com" | false;
  /** Noise model of the uncertainty: "poisson", "gaussian" or "auto" (default: poisson when all pixels are non-negative integers). */
  noise?: "poisson" | "gaussian" | "auto";
  /** Tile size at the working scale for large images, pixels, multiple of 8 (default 1024: one pass up to 1024² working pixels). */
  tile?: number;
  /**
   * What runs the networks: "onnx" (default: each model exported once with `toOnnx` and run by
   * onnxruntime-node, 3–4× faster than tfjs-wasm on AtomAI's U-Net, bench/deep/RESULTS.md) or
   * "tfjs" (the active TensorFlow.js backend, `cs.backend()`). Positions agree within 0.01 px
   * (tests/atoms/deep-engine, tests/atoms/deep/find.test.ts).
   */
  engine?: "onnx" | "tfjs";
}

/** `parameters` of a deep result: the classical ones plus the ensemble's. */
export interface FindAtomsDeepParameters extends FindAtomsParameters {
  method: "deep";
  /** Ensemble members. */
  models: number;
  /** Working spacing of the models, and the resampling factor (working px per input px). */
  workingSpacing: number;
  scale: number;
  /** Median over the columns of probability × detection frequency (0–1): low when the ensemble is unsure or disagrees (an image unlike the training data). */
  confidence: number;
  /** Median over the columns of `snr` (contrast on the raw pixels in noise sd). */
  significance: number;
  /** True when `confidence` < 0.5, `significance` < 3 or fewer than 5 columns were found (see `warnings`). */
  outOfDistribution: boolean;
  /** Ensemble mean column probability, per input pixel. */
  probabilityMap: Image;
  /** Ensemble standard deviation of the column probability, per input pixel (the uncertainty map). */
  uncertaintyMap: Image;
  /** The lattice the classes were judged on (`classes.ts` `latticeTranslations`), null when none was found (every class "unknown"). */
  lattice: LatticeTranslations | null;
  /** Vacancy rows (sites, not atoms: `detected` = 0). */
  vacancies: number;
}

/** Table of {@link findAtomsDeep}. */
export type DeepAtomTable = Table & { readonly parameters: FindAtomsDeepParameters };

/** Largest resampled image the finder accepts (working-scale pixels). */
const MAX_WORKING_PIXELS = 4096 * 4096;
/** Confidence below which a result is flagged out of distribution. */
const OOD_CONFIDENCE = 0.5;
/** Median column significance (noise sd) below which a result is flagged. */
const MIN_SNR = 3;
/** Fewer columns than this are flagged: medians over so few say nothing about the image. */
const MIN_COLUMNS = 5;

/** Frequencies (cycles/px, both axes) above which {@link spectralNoise} takes the power spectrum to be noise. */
const NOISE_BAND = 0.3;

/**
 * Standard deviation of the white pixel noise from the image's high-frequency
 * power: the median of |FFT|² over the corner band |fx|, |fy| ≥ 0.3 cycles/px,
 * over ln 2 (the median of an exponential variable) and the pixel count
 * (Parseval: white noise of variance s² has E|X_k|² = wh·s²). A probe-limited
 * signal (column σ ≳ 1 px) has no power there, so, unlike a pixel-difference
 * estimate (`estimateNoise`), high-dose columns do not inflate it; the band
 * leaves out the axes, where the image's non-periodic edges leak. Noise
 * correlated between pixels (scan streaks, interpolation) is underestimated.
 * O(wh log wh).
 */
function spectralNoise(img: Image): number {
  const { width: w, height: h } = img;
  const c = fft2(img);
  const p: number[] = [];
  for (let ky = 0; ky < h; ky++) {
    if (Math.abs(fftFreq(ky, h)) < NOISE_BAND) continue;
    for (let kx = 0; kx < w; kx++) if (Math.abs(fftFreq(kx, w)) >= NOISE_BAND) p.push(c.re[ky * w + kx] ** 2 + c.im[ky * w + kx] ** 2);
  }
  return p.length ? Math.sqrt(quickselect(Float64Array.from(p), p.length >> 1) / Math.LN2 / (w * h)) : 0;
}

/**
 * Pixel noise for the centre-of-mass propagation (`refine.ts` `PixelNoise`):
 * Gaussian, variance s²; Poisson, variance gain × level with the gain
 * s² / mean level (pure counts give gain 1; detector units per count give
 * their ratio), s from {@link spectralNoise}.
 */
export function pixelNoiseOf(img: Image, model: "poisson" | "gaussian", sd: number): PixelNoise {
  if (model === "gaussian") return { gain: 0, floor: sd * sd };
  let s = 0;
  for (const v of img.data) s += v;
  const mean = s / img.data.length, gain = mean > 0 && sd > 0 ? (sd * sd) / mean : 1;
  return { gain, floor: gain };
}

/**
 * Variance inflation of the iterated centre of mass, per column: the
 * refinement stops where Σ_W(c) v (x − c) = 0 over a window W that moves
 * with c, so a pixel-noise perturbation δG moves c by δG / (S − π r² v̄),
 * not δG / S (S = Σ v; v = pixel − window minimum; the window's boundary
 * integral ∮ v (x − c) n_x ds = π r² v̄ for a boundary mean v̄). v̄ is the mean
 * of v over the outer half-pixel ring (r − 0.5, r]; the minimum lies below it
 * by the noise, so the factor S / (S − π r² v̄) matters at low dose. Clamped
 * to 5. Measured on synthetic lattices (README.md): it brings the z-score sd
 * from 1.1–1.4 to 0.7–1.1 at 10²–10³ e⁻/column.
 */
function windowFactor(src: PixelSource, x: Float64Array, y: Float64Array, radius: Float64Array): Float64Array {
  const { data, width: w, height: h, valid } = src;
  return Float64Array.from(x, (cx, i) => {
    const cy = y[i], r = radius[i];
    const xa = Math.max(0, Math.ceil(cx - r)), xb = Math.min(w - 1, Math.floor(cx + r)), ya = Math.max(0, Math.ceil(cy - r)), yb = Math.min(h - 1, Math.floor(cy + r));
    let mn = Infinity;
    for (let py = ya; py <= yb; py++) for (let px = xa; px <= xb; px++) {
      const k = py * w + px;
      if ((px - cx) ** 2 + (py - cy) ** 2 <= r * r && (!valid || valid[k]) && data[k] < mn) mn = data[k];
    }
    let s = 0, edge = 0, ne = 0;
    for (let py = ya; py <= yb; py++) for (let px = xa; px <= xb; px++) {
      const k = py * w + px, d = Math.hypot(px - cx, py - cy);
      if (d > r || (valid && !valid[k])) continue;
      const v = data[k] - mn;
      s += v;
      if (d > r - 0.5) { edge += v; ne++; }
    }
    if (!(s > 0) || !ne) return 1;
    return Math.min(5, s / Math.max(0.2 * s, s - Math.PI * r * r * (edge / ne)));
  });
}

/**
 * Contrast of each column on the raw pixels: mean within 0.25 spacing minus
 * mean in the ring 0.35–0.5 spacing, over the ring pixels' sd ×
 * √(1/n_in + 1/n_ring) (a two-sample z). Non-finite pixels are skipped.
 */
function columnSnr(data: Float32Array, valid: Uint8Array | null, w: number, h: number, x: Float64Array, y: Float64Array, spacing: number): Float64Array {
  const rIn = Math.max(1, 0.25 * spacing), r0 = Math.max(rIn + 0.5, 0.35 * spacing), r1 = Math.max(r0 + 1, 0.5 * spacing);
  const R = Math.ceil(r1);
  return Float64Array.from(x, (cx, i) => {
    const cy = y[i];
    let sIn = 0, nIn = 0, s = 0, s2 = 0, n = 0;
    for (let py = Math.max(0, Math.round(cy) - R); py <= Math.min(h - 1, Math.round(cy) + R); py++) for (let px = Math.max(0, Math.round(cx) - R); px <= Math.min(w - 1, Math.round(cx) + R); px++) {
      const j = py * w + px;
      if (valid && !valid[j]) continue;
      const d = Math.hypot(px - cx, py - cy), v = data[j];
      if (d <= rIn) { sIn += v; nIn++; } else if (d >= r0 && d <= r1) { s += v; s2 += v * v; n++; }
    }
    if (nIn < 1 || n < 3) return NaN;
    const m = s / n, sd = Math.sqrt(Math.max(0, (s2 - n * m * m) / (n - 1)));
    return sd > 0 ? (sIn / nIn - m) / (sd * Math.sqrt(1 / nIn + 1 / n)) : NaN;
  });
}

/**
 * Find atomic columns with a U-Net ensemble (see the module comment). Returns
 * the classical finder's table shape: `x`, `y` (px), `class` ("host",
 * "dopant", "vacancy" or "unknown": `classes.ts`, README.md "Classes"),
 * `classProbability` (probability of that class; NaN for "unknown"),
 * `probability` (the ensemble's mean probability at the column's maximum),
 * `snr` (the column's contrast on the raw pixels in noise sd: mean within
 * 0.25 spacing minus the 0.35–0.5-spacing ring, a two-sample z), `uncertainty` (1-sd position
 * error, px, from the refinement; √(1/12 + spread²) where the refinement was
 * not kept), `uncertaintyX`, `uncertaintyY`, `frequency` (fraction of the
 * members that found the column), `spread` (sd of the members' positions,
 * px), `refined` (1 when the centre of mass was kept), `detected` (1 for a
 * found column, 0 for a vacancy site: a row that is a lattice site, not an
 * atom, with `probability` = `classProbability` = its probability of being
 * vacant, `uncertainty` its predicted position's, `frequency` 0, `spread`
 * NaN; `parameters.vacancies` counts them). A blank image gives an
 * empty table; an image without a detectable lattice is an error asking for
 * `spacing`; a low-confidence result carries a warning. Cost: one forward
 * pass per member over the resampled image (README.md for timings) plus
 * O(n · window) refinement and classes (O(n · spacing²)); for atoms only, keep the rows with `detected` = 1.
 *
 * @example
 * const atoms = await findAtomsDeep(image);
 * atoms.numeric("x"); atoms.parameters.confidence;
 */
export async function findAtomsDeep(image: Image, options: FindAtomsDeepOptions = {}): Promise<DeepAtomTable> {
  const fn = "findAtomsDeep";
  if (!image || !(image.data instanceof Float32Array) || !Number.isInteger(image.width) || !Number.isInteger(image.height) || image.data.length !== image.width * image.height) {
    throw new TypeError(`${fn}(image): image must be an Image { data: Float32Array, width, height } with data.length = width*height`);
  }
  const { width: w, height: h } = image;
  if (w < 8 || h < 8) throw new RangeError(`${fn}(image): image is ${w}×${h} pixels; at least 8×8 is needed`);
  const refineMode: "com" | false = checkChoice(fn, "refine", options.refine, ["com", false] as const) ?? "com";
  const noiseOpt = checkChoice(fn, "noise", options.noise, ["poisson", "gaussian", "auto"] as const) ?? "auto";
  const engine = checkChoice(fn, "engine", options.engine, ["onnx", "tfjs"] as const) ?? "onnx";
  const threshold = options.threshold ?? 0.4;
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`${fn}: options.threshold must be a probability in (0, 1), got ${threshold}`);
  const tile = options.tile ?? 1024;
  if (!Number.isInteger(tile) || tile < 32 || tile % 8) throw new RangeError(`${fn}: options.tile must be an integer multiple of 8, at least 32, got ${tile}`);
  const models = options.model === undefined ? await pretrainedAtomModel() : Array.isArray(options.model) ? options.model : [options.model];
  if (!models.length) throw new RangeError(`${fn}: options.model is an empty ensemble`);
  models.forEach((m) => checkModel(fn, m));
  const s0 = models[0].info.spacing;
  if (models.some((m) => m.info.spacing !== s0)) throw new RangeError(`${fn}: the ensemble's models have different working spacings (${models.map((m) => m.info.spacing).join(", ")})`);

  // Non-finite pixels, range, counts.
  const warnings: string[] = [];
  let data = image.data, valid: Uint8Array | null = null;
  let nBad = 0, lo = Infinity, hi = -Infinity, counts = true;
  for (const v of data) {
    if (!Number.isFinite(v)) { nBad++; continue; }
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (counts && (v < 0 || v !== Math.round(v))) counts = false;
  }
  if (nBad === data.length) throw new RangeError(`${fn}(image): all ${data.length} pixels are NaN or infinite`);
  if (nBad) {
    const finite = new Float64Array(data.length - nBad);
    valid = new Uint8Array(data.length);
    let k = 0;
    for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) { valid[i] = 1; finite[k++] = data[i]; }
    const med = quickselect(finite, finite.length >> 1);
    data = Float32Array.from(data, (v) => (Number.isFinite(v) ? v : med));
    warnings.push(`${nBad} non-finite pixel(s) replaced by the median for detection and excluded from the refinement`);
  }
  const img: Image = { data, width: w, height: h };
  const noise = noiseOpt === "auto" ? (counts ? "poisson" : "gaussian") : noiseOpt;
  const params: FindAtomsDeepParameters = {
    method: "deep", sigma: NaN, spacing: NaN, minDistance: NaN, smoothing: 0, noise, refine: refineMode, sublatticeMethod: "none", sublatticeSeparation: NaN, imageNoise: NaN,
    width: w, height: h, warnings, models: models.length, workingSpacing: s0, scale: NaN, confidence: 0, significance: NaN, outOfDistribution: false,
    probabilityMap: { data: new Float32Array(w * h), width: w, height: h }, uncertaintyMap: { data: new Float32Array(w * h), width: w, height: h }, lattice: null, vacancies: 0,
    ...(image.calibration ? { calibration: image.calibration } : {}),
  };
  if (!(hi > lo)) { warnings.push("the image is constant: no columns"); return empty(params); }

  // 1. Scale.
  let spacing = options.spacing, sigma = NaN;
  if (spacing !== undefined && !(Number.isFinite(spacing) && spacing > 0)) throw new RangeError(`${fn}: options.spacing must be a positive number of pixels, got ${spacing}`);
  if (spacing === undefined) {
    try {
      const est = estimateSpacing(img);
      spacing = est.spacing;
      // Unresolved pairs (est.pairs): σ is the pair's own column width, wide against the pair's spacing; keep it.
      sigma = est.pairs.length ? est.sigma : Math.min(Math.max(est.sigma, 0.12 * spacing), 0.3 * spacing);
      warnings.push(...est.warnings);
    } catch (e) {
      throw new RangeError(`${fn}: could not estimate the column spacing (${(e as Error).message.replace(/^estimateSpacing: /, "")}); pass options.spacing (nearest-neighbour distance, pixels)`);
    }
  } else sigma = 0.2 * spacing;
  if (!(spacing > 1.5) || spacing > 0.5 * Math.max(w, h)) throw new RangeError(`${fn}: nearest-neighbour spacing ${spacing.toFixed(2)} px is outside what a ${w}×${h} image can show (1.5 px to half its size); pass options.spacing`);
  const scale = s0 / spacing;
  const W = Math.round(w * scale), H = Math.round(h * scale);
  if (W * H > MAX_WORKING_PIXELS) throw new RangeError(`${fn}: at spacing ${spacing.toFixed(2)} px the image resamples to ${W}×${H} pixels at the models' working scale (${s0} px), more than 4096²; process it in parts or pass options.spacing`);
  if (W < 8 || H < 8) throw new RangeError(`${fn}: at spacing ${spacing.toFixed(2)} px the image resamples to ${W}×${H} pixels, too small to show a lattice`);
  Object.assign(params, { spacing, sigma, scale, minDistance: 0.35 * spacing, imageNoise: spectralNoise(img) });

  // 2. Probability maps.
  const rs = resample(data, w, h, scale);
  const input = prepare(rs.data, rs.width, rs.height, s0);
  await initBackend();
  const maps = [] as Float32Array[];
  for (const m of models) maps.push(await predictTiled(m, input, rs.width, rs.height, tile, engine));
  const n = rs.width * rs.height, mean = new Float32Array(n), sd = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0, s2 = 0;
    for (const p of maps) { s += p[i]; s2 += p[i] * p[i]; }
    mean[i] = s / maps.length;
    sd[i] = Math.sqrt(Math.max(0, s2 / maps.length - mean[i] ** 2));
  }
  params.probabilityMap = backToInput(mean, rs.width, rs.height, w, h, scale);
  params.uncertaintyMap = backToInput(sd, rs.width, rs.height, w, h, scale);

  // 3. Columns of the mean map; per-member detections.
  const rMin = 0.35 * s0, rCentroid = 0.3 * s0;
  const peaks = centroids(mean, rs.width, rs.height, localMaxima(mean, rs.width, rs.height, threshold, rMin), rCentroid);
  const k = peaks.x.length;
  const memberPeaks = maps.map((p) => centroids(p, rs.width, rs.height, localMaxima(p, rs.width, rs.height, threshold, rMin), rCentroid));
  const frequency = new Float64Array(k), spread = new Float64Array(k).fill(NaN), probability = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    probability[i] = peaks.value[i];
    const xs: number[] = [], ys: number[] = [];
    for (const mp of memberPeaks) {
      const r = mp.grid.nearest(peaks.x[i], peaks.y[i], 1, -1, rMin);
      if (r.index.length) { xs.push(mp.x[r.index[0]]); ys.push(mp.y[r.index[0]]); }
    }
    frequency[i] = xs.length / maps.length;
    if (xs.length >= 2) {
      const mx = xs.reduce((a, b) => a + b) / xs.length, my = ys.reduce((a, b) => a + b) / ys.length;
      spread[i] = Math.sqrt(xs.reduce((s, v, j) => s + (v - mx) ** 2 + (ys[j] - my) ** 2, 0) / (2 * (xs.length - 1))) / scale;
    }
  }
  const conf = Float64Array.from(probability, (p, i) => p * frequency[i]);
  params.confidence = k ? quickselect(Float64Array.from(conf), k >> 1) : 0;
  params.outOfDistribution = params.confidence < OOD_CONFIDENCE;
  if (!k) warnings.push(`no columns: no pixel of the ensemble's probability map reaches ${threshold}`);
  else if (params.outOfDistribution) warnings.push(`low confidence ${params.confidence.toFixed(2)} (median probability × detection frequency over ${k} columns < ${OOD_CONFIDENCE}): the image is unlike the training data (lattice, scale or noise); check the overlay or fine-tune (fineTuneAtomModel)`);
  if (!k) return empty(params);

  // 4. Back to input pixels; refinement.
  const x = Float64Array.from(peaks.x, (v) => v / scale), y = Float64Array.from(peaks.y, (v) => v / scale);
  const uncX = new Float64Array(k), uncY = new Float64Array(k), refined = new Uint8Array(k);
  const pixelNoise = pixelNoiseOf(img, noise, params.imageNoise);
  for (let i = 0; i < k; i++) uncX[i] = uncY[i] = Math.sqrt(1 / 12 + (Number.isFinite(spread[i]) ? spread[i] ** 2 : 0));
  if (refineMode === "com") {
    const grid = new PointGrid(x, y, Math.max(2, spacing));
    const radius = Float64Array.from(x, (_, i) => {
      const r = grid.nearest(x[i], y[i], 1, i);
      const dnn = r.distance.length ? r.distance[0] : 2 * spacing!;
      return Math.max(1.5, Math.min(0.5 * dnn, 2.5 * sigma));
    });
    const src: PixelSource = { data, width: w, height: h, valid };
    const com = refineCenterOfMass(src, x, y, radius, pixelNoise);
    const inflate = windowFactor(src, com.x, com.y, radius);
    for (let i = 0; i < k; i++) {
      if (!(Math.hypot(com.x[i] - x[i], com.y[i] - y[i]) < 0.5 * radius[i]) || !Number.isFinite(com.uncX[i])) continue;
      x[i] = com.x[i]; y[i] = com.y[i]; uncX[i] = inflate[i] * com.uncX[i]; uncY[i] = inflate[i] * com.uncY[i]; refined[i] = 1;
    }
    const kept = refined.reduce((s, v) => s + v, 0);
    if (kept < k) warnings.push(`${k - kept} column(s) kept the network's position (the centre of mass moved by more than half its window): refined = 0`);
  }
  // Significance on the raw pixels: a network can see columns in pure noise.
  const snr = columnSnr(data, valid, w, h, x, y, spacing);
  const finite = Float64Array.from(snr).filter(Number.isFinite);
  params.significance = finite.length ? quickselect(finite, finite.length >> 1) : NaN;
  if (k < MIN_COLUMNS) {
    params.outOfDistribution = true;
    warnings.push(`only ${k} column(s): too few to judge whether the image is like the training data (confidence and significance are medians over the columns)`);
  }
  if (!(params.significance >= MIN_SNR)) {
    params.outOfDistribution = true;
    warnings.push(`the columns are not significant on the raw pixels (median contrast ${params.significance.toFixed(1)} noise sd < ${MIN_SNR}, column \`snr\`): they may be noise the network mistook for a lattice`);
  }
  // 5. Classes (classes.ts): host, dopant, vacancy against the column's own sublattice; vacancy sites as extra rows.
  const unc = Float64Array.from(uncX, (u, i) => Math.sqrt(0.5 * (u * u + uncY[i] ** 2)));
  const cls = atomClasses({ image: img, valid, x, y, uncertainty: unc, spacing, noise: pixelNoise, probabilityMap: params.probabilityMap }, { lattice: params.significance >= MIN_SNR });
  const v = cls.vacancies, nv = v.x.length;
  params.lattice = cls.lattice;
  params.vacancies = nv;
  if (!cls.lattice) warnings.push(params.significance >= MIN_SNR ? `classes "unknown": no lattice (${k < 8 ? "fewer than 8 columns" : "no two translations that each map 40 % of the columns onto columns of the same intensity"})` : `classes "unknown": the columns are not significant on the raw pixels`);
  const cat = (a: ArrayLike<number>, b: ArrayLike<number>) => { const o = new Float64Array(k + nv); o.set(a); o.set(b, k); return o; };
  const vacSnr = columnSnr(data, valid, w, h, v.x, v.y, spacing);
  const t = table({
    x: cat(x, v.x), y: cat(y, v.y), class: [...cls.columnClass, ...Array.from({ length: nv }, () => "vacancy")], probability: cat(probability, v.probability),
    classProbability: cat(cls.columnProbability, v.probability), snr: cat(snr, vacSnr), uncertainty: cat(unc, v.uncertainty),
    uncertaintyX: cat(uncX, v.uncertainty), uncertaintyY: cat(uncY, v.uncertainty), frequency: cat(frequency, new Float64Array(nv)), spread: cat(spread, new Float64Array(nv).fill(NaN)),
    refined: Uint8Array.from(cat(refined, new Float64Array(nv))), detected: Uint8Array.from({ length: k + nv }, (_, i) => (i < k ? 1 : 0)),
  });
  return Object.assign(t, { parameters: params }) as DeepAtomTable;
}

function empty(params: FindAtomsDeepParameters): DeepAtomTable {
  const e = () => new Float64Array(0);
  const t = table({ x: e(), y: e(), class: [] as string[], probability: e(), classProbability: e(), uncertainty: e(), uncertaintyX: e(), uncertaintyY: e(), frequency: e(), spread: e(), refined: new Uint8Array(0), detected: new Uint8Array(0) });
  return Object.assign(t, { parameters: params }) as DeepAtomTable;
}

/** Run one model over a W×H normalised image in overlapping tiles; returns the column-probability map (channel 0 of a sigmoid head, 1 − background of a softmax head). */
export async function predictTiled(model: AtomModel, input: Float32Array, W: number, H: number, tile: number, engine: "onnx" | "tfjs" = "onnx"): Promise<Float32Array> {
  const tf = tfjs();
  const session = engine === "onnx" ? await sessionOf(model) : undefined;
  const out = new Float32Array(W * H);
  const overlap = 32;
  const tw = Math.min(tile, ceil8(W)), th = Math.min(tile, ceil8(H));
  const stepX = tw >= W ? tw : tw - 2 * overlap, stepY = th >= H ? th : th - 2 * overlap;
  const classes = model.info.config.classes;
  for (let oy = 0; ; oy += stepY) {
    const y0 = Math.max(0, Math.min(oy, H - th));
    for (let ox = 0; ; ox += stepX) {
      const x0 = Math.max(0, Math.min(ox, W - tw));
      const patch = new Float32Array(tw * th);
      for (let j = 0; j < th; j++) for (let i = 0; i < tw; i++) { const X = x0 + i, Y = y0 + j; patch[j * tw + i] = X < W && Y < H ? input[Y * W + X] : 0; }
      let v: Float32Array;
      if (session) {
        const { data } = await session.run({ data: patch, shape: [1, th, tw, 1] });
        v = new Float32Array(tw * th);
        for (let k = 0; k < v.length; k++) v[k] = classes === 1 ? data[k] : 1 - data[k * classes];
      } else {
        const prob = tf.tidy(() => {
          const p = model.net.predict(tf.tensor4d(patch, [1, th, tw, 1])) as Tensor;
          return classes === 1 ? p : tf.scalar(1).sub(p.slice([0, 0, 0, 0], [1, th, tw, 1]));
        });
        v = (await prob.data()) as Float32Array;
        prob.dispose();
      }
      // Keep the tile's centre; its outer `overlap` pixels only where no other tile covers them.
      const keepX0 = x0 === 0 ? 0 : overlap, keepY0 = y0 === 0 ? 0 : overlap;
      const keepX1 = x0 + tw >= W ? tw : tw - overlap, keepY1 = y0 + th >= H ? th : th - overlap;
      for (let j = keepY0; j < keepY1; j++) for (let i = keepX0; i < keepX1; i++) { const X = x0 + i, Y = y0 + j; if (X < W && Y < H) out[Y * W + X] = v[j * tw + i]; }
      if (x0 + tw >= W) break;
    }
    if (y0 + th >= H) break;
  }
  return out;
}

const ceil8 = (v: number) => Math.ceil(v / 8) * 8;

/** One ONNX Runtime session per model, made on first use (the export takes milliseconds; the session lives as long as the model). */
const sessions = new WeakMap<AtomModel, Promise<OnnxSession>>();
function sessionOf(model: AtomModel): Promise<OnnxSession> {
  let s = sessions.get(model);
  if (!s) {
    s = onnxSession(toOnnx(model.net));
    sessions.set(model, s);
  }
  return s;
}

/** Pixels above `threshold` that are the maximum of the map within radius r (ties: the first in raster order). */
function localMaxima(p: Float32Array, W: number, H: number, threshold: number, r: number): number[] {
  const R = Math.ceil(r), r2 = r * r, out: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = p[y * W + x];
    if (!(v >= threshold)) continue;
    let isMax = true;
    for (let dy = -R; dy <= R && isMax; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= H) continue;
      for (let dx = -R; dx <= R; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= W || dx * dx + dy * dy > r2 || (dx === 0 && dy === 0)) continue;
        const u = p[yy * W + xx];
        if (u > v || (u === v && yy * W + xx < y * W + x)) { isMax = false; break; }
      }
    }
    if (isMax) out.push(y * W + x);
  }
  return out;
}

/** Probability-weighted centroid of the map within radius r of each maximum, and the map's value at the maximum. */
function centroids(p: Float32Array, W: number, H: number, maxima: number[], r: number): { x: Float64Array; y: Float64Array; value: Float64Array; grid: PointGrid } {
  const R = Math.ceil(r), x = new Float64Array(maxima.length), y = new Float64Array(maxima.length), value = Float64Array.from(maxima, (i) => p[i]);
  maxima.forEach((idx, k) => {
    const cx = idx % W, cy = (idx - cx) / W;
    let s = 0, sx = 0, sy = 0;
    for (let yy = Math.max(0, cy - R); yy <= Math.min(H - 1, cy + R); yy++) for (let xx = Math.max(0, cx - R); xx <= Math.min(W - 1, cx + R); xx++) {
      if ((xx - cx) ** 2 + (yy - cy) ** 2 > r * r) continue;
      const v = p[yy * W + xx];
      s += v; sx += v * xx; sy += v * yy;
    }
    x[k] = s > 0 ? sx / s : cx; y[k] = s > 0 ? sy / s : cy;
  });
  return { x, y, value, grid: new PointGrid(x, y, 4) };
}

/** A working-scale map resampled back to the input's w×h grid (x_in = X / scale). */
function backToInput(map: Float32Array, W: number, H: number, w: number, h: number, scale: number): Image {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const Y = Math.min(H - 1, y * scale), Y0 = Math.min(H - 1, Math.floor(Y)), Y1 = Math.min(H - 1, Y0 + 1), fy = Y - Y0;
    for (let x = 0; x < w; x++) {
      const X = Math.min(W - 1, x * scale), X0 = Math.min(W - 1, Math.floor(X)), X1 = Math.min(W - 1, X0 + 1), fx = X - X0;
      out[y * w + x] = (map[Y0 * W + X0] * (1 - fx) + map[Y0 * W + X1] * fx) * (1 - fy) + (map[Y1 * W + X0] * (1 - fx) + map[Y1 * W + X1] * fx) * fy;
    }
  }
  return { data: out, width: w, height: h };
}
