/**
 * Training data for the atom U-Net: synthetic lattices from `synth` at the
 * model's working scale (nearest-neighbour spacing `spacing` pixels), with
 * augmentation, and per-pixel targets. Also the image preparation shared by
 * training and inference (normalisation, resampling), so both see the same
 * pixels. Images are row-major Float32Array, x = column, y = row.
 */
import { Rng } from "../../core/random";
import { checkChoice } from "../../core/options";
import { square } from "../../synth/square";
import { perovskite } from "../../synth/perovskite";
import { hexagonal } from "../../synth/hexagonal";
import { dumbbell } from "../../synth/dumbbell";
import type { SyntheticLattice } from "../../synth/lattice";

/** Lattice families the trainer can draw from (`synth` generators). */
export type TrainingLattice = "square" | "perovskite" | "honeycomb" | "triangular" | "dumbbell";
export const TRAINING_LATTICES: readonly TrainingLattice[] = ["square", "perovskite", "honeycomb", "triangular", "dumbbell"];

/**
 * Nearest-neighbour distance over the generator's lattice constant (its
 * default geometry): square a, perovskite A–B a/√2, honeycomb a/√3,
 * triangular a, dumbbell the pair separation a/4.
 */
const NN_OVER_A: Record<TrainingLattice, number> = { square: 1, perovskite: Math.SQRT1_2, honeycomb: 1 / Math.sqrt(3), triangular: 1, dumbbell: 0.25 };

/** Ranges the augmentation draws from (uniform unless said otherwise). */
export interface AugmentOptions {
  /** Electrons per column, log-uniform (default [1e2, 1e5]). */
  dose?: [number, number];
  /** Zoom: the nearest-neighbour spacing drawn is `spacing` × this (default [0.8, 1.25]). */
  zoom?: [number, number];
  /** Column width σ relative to the generator's default (blur; default [0.8, 2.6]: up to 0.3 spacing on square and triangular lattices, 0.5 on honeycomb; on dumbbells {@link DUMBBELL_BLUR}). */
  blur?: [number, number];
}

/**
 * Column width σ of dumbbells over 0.22 × their pair separation (default
 * width): 0.8–3, i.e. σ = 0.18–0.66 separation. Two equal Gaussians show no
 * dip between them once σ > separation / 2, so a third of the pairs are
 * merged into one elongated blob, as Si, Ge or GaAs [110] at a resolution
 * that does not resolve the 1.4 Å pairs.
 */
const DUMBBELL_BLUR: [number, number] = [0.8, 3];
/**
 * Pair separation over the cubic lattice constant of dumbbell images (the
 * nearest-neighbour spacing is the separation): 0.2–0.3, around the 1/4 of
 * the diamond and zinc-blende structures along [110] (Si, Ge, GaAs), since the
 * projected geometry changes with tilt, scan distortion and merged columns
 * (centre-of-mass pairs look closer). The pair axis lies along the cell's a
 * axis (as [110] projections) in half the images and at a uniform random
 * angle to the lattice in the other half; the two columns' intensities differ
 * by a log-uniform factor in 1/1.6–1.6 (different species, channelling).
 */
const DUMBBELL_SEPARATION: [number, number] = [0.2, 0.3];

/** One synthetic training pair at the working scale. */
export interface Sample {
  /** Network input (`prepare`), size × size. */
  image: Float32Array;
  /** Target probability map (Gaussians of σ = TARGET_SIGMA × spacing at the true columns, peak 1), size × size. */
  target: Float32Array;
  /** True column positions, pixels. */
  x: number[];
  y: number[];
}

/** Width of the target Gaussians relative to the working nearest-neighbour spacing. */
export const TARGET_SIGMA = 0.15;

/**
 * Per-image normalisation used everywhere: subtract the mean, divide by the
 * standard deviation of the finite pixels (a constant image becomes zeros).
 * Non-finite pixels become 0 (the mean).
 */
export function normalize(data: Float32Array): Float32Array {
  let s = 0, s2 = 0, n = 0;
  for (let i = 0; i < data.length; i++) { const v = data[i]; if (Number.isFinite(v)) { s += v; s2 += v * v; n++; } }
  const mean = n ? s / n : 0;
  const sd = n ? Math.sqrt(Math.max(0, s2 / n - mean * mean)) : 0;
  const inv = sd > 0 ? 1 / sd : 0;
  return Float32Array.from(data, (v) => (Number.isFinite(v) ? (v - mean) * inv : 0));
}

/** σ of the background removed by {@link prepare}, in nearest-neighbour spacings. */
export const BACKGROUND_SIGMA = 2;

/**
 * The network's input, the same in training, fine-tuning and inference: the
 * image minus its Gaussian blur of σ = 2 spacings (removes the background,
 * thickness profiles and gradients slower than the lattice, as
 * `image.subtractBackground`), then `normalize`d. `spacing` is the
 * nearest-neighbour spacing in this image's pixels. O(wh·spacing).
 */
export function prepare(data: Float32Array, w: number, h: number, spacing: number): Float32Array {
  const clean = Float32Array.from(data, (v) => (Number.isFinite(v) ? v : 0));
  const bg = blur(clean, w, h, BACKGROUND_SIGMA * spacing);
  return normalize(Float32Array.from(clean, (v, i) => v - bg[i]));
}

/**
 * Resample an image by `factor` (new size = round(old × factor)) with
 * bilinear interpolation at pixel centres (x_old = x_new / factor), after a
 * Gaussian anti-alias blur of σ = 0.5/factor px when shrinking. O(wh).
 */
export function resample(data: Float32Array, w: number, h: number, factor: number): { data: Float32Array; width: number; height: number } {
  const W = Math.max(1, Math.round(w * factor)), H = Math.max(1, Math.round(h * factor));
  const src = factor < 1 ? blur(data, w, h, 0.5 / factor) : data;
  const out = new Float32Array(W * H);
  for (let Y = 0; Y < H; Y++) {
    const y = Math.min(h - 1, Math.max(0, Y / factor));
    const y0 = Math.min(h - 2, Math.floor(y)), fy = h > 1 ? y - Math.max(0, y0) : 0, ya = Math.max(0, y0), yb = Math.min(h - 1, ya + 1);
    for (let X = 0; X < W; X++) {
      const x = Math.min(w - 1, Math.max(0, X / factor));
      const x0 = Math.min(w - 2, Math.floor(x)), xa = Math.max(0, x0), xb = Math.min(w - 1, xa + 1), fx = w > 1 ? x - xa : 0;
      const top = src[ya * w + xa] * (1 - fx) + src[ya * w + xb] * fx;
      const bot = src[yb * w + xa] * (1 - fx) + src[yb * w + xb] * fx;
      out[Y * W + X] = top * (1 - fy) + bot * fy;
    }
  }
  return { data: out, width: W, height: H };
}

/**
 * Separable Gaussian blur (σ pixels, kernel ±3σ, edges clamped). Each output pixel sums its taps in kernel order in
 * double precision; the horizontal pass skips the clamping away from the edges and the vertical pass accumulates
 * whole rows (contiguous memory), which leaves every sum's order, so its value, unchanged. O(w·h·σ).
 */
export function blur(data: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return data;
  const r = Math.ceil(3 * sigma), k = new Float64Array(2 * r + 1);
  let ks = 0;
  for (let i = -r; i <= r; i++) ks += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= ks;
  const tmp = new Float32Array(w * h), out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      if (x >= r && x + r < w) for (let i = -r, j = row + x - r; i <= r; i++, j++) s += k[i + r] * data[j];
      else for (let i = -r; i <= r; i++) s += k[i + r] * data[row + Math.min(w - 1, Math.max(0, x + i))];
      tmp[row + x] = s;
    }
  }
  const acc = new Float64Array(w);
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let i = -r; i <= r; i++) {
      const kk = k[i + r], src = Math.min(h - 1, Math.max(0, y + i)) * w;
      for (let x = 0; x < w; x++) acc[x] += kk * tmp[src + x];
    }
    out.set(acc, y * w);
  }
  return out;
}

/** Target map: max over columns of exp(−d²/(2s²)), s = TARGET_SIGMA × spacing. */
export function targetMap(x: ArrayLike<number>, y: ArrayLike<number>, w: number, h: number, spacing: number): Float32Array {
  const s = TARGET_SIGMA * spacing, r = Math.ceil(3 * s), inv = 1 / (2 * s * s);
  const out = new Float32Array(w * h);
  for (let k = 0; k < x.length; k++) {
    const cx = x[k], cy = y[k];
    for (let py = Math.max(0, Math.floor(cy - r)); py <= Math.min(h - 1, Math.ceil(cy + r)); py++) {
      for (let px = Math.max(0, Math.floor(cx - r)); px <= Math.min(w - 1, Math.ceil(cx + r)); px++) {
        const v = Math.exp(-((px - cx) ** 2 + (py - cy) ** 2) * inv);
        if (v > out[py * w + px]) out[py * w + px] = v;
      }
    }
  }
  return out;
}

/** Draw one synthetic lattice image of `lattice` at nearest-neighbour spacing `nn` pixels. */
export function syntheticLattice(lattice: TrainingLattice, size: number, nn: number, r: Rng, aug: AugmentOptions = {}): SyntheticLattice {
  checkChoice("syntheticLattice", "lattice", lattice, TRAINING_LATTICES);
  const [d0, d1] = aug.dose ?? [1e2, 1e5];
  const dose = Math.exp(r.range(Math.log(d0), Math.log(d1)));
  const a = nn / NN_OVER_A[lattice];
  const blurF = r.range(...(aug.blur ?? (lattice === "dumbbell" ? DUMBBELL_BLUR : [0.8, 2.6])));
  const common = {
    width: size, height: size, dose, rotation: r.range(0, 360), origin: [r.range(0, a), r.range(0, a)] as [number, number],
    background: r.range(0, 0.3), scanNoise: r.uniform() < 0.3 ? r.range(0, 0.05 * nn) : 0, seed: r.int(1 << 30),
    dopants: { fraction: r.range(0, 0.1), intensity: r.range(1.2, 2) }, vacancies: { fraction: r.range(0, 0.05) },
  };
  switch (lattice) {
    case "square": return square({ ...common, latticeConstant: a, sigma: 0.12 * a * blurF });
    case "perovskite": return perovskite({ ...common, latticeConstant: a, sigma: 0.12 * a * blurF, intensityB: r.range(0.2, 1), dopants: { ...common.dopants, sublattice: r.uniform() < 0.5 ? "A" : "B" } });
    case "honeycomb": return hexagonal({ ...common, lattice: "honeycomb", latticeConstant: a, sigma: 0.19 * nn * blurF, intensityB: r.range(0.5, 1) });
    case "triangular": return hexagonal({ ...common, lattice: "triangular", latticeConstant: a, sigma: 0.12 * a * blurF });
    case "dumbbell": {
      const ad = nn / r.range(...DUMBBELL_SEPARATION), pairAngle = r.uniform() < 0.5 ? 90 : r.range(0, 180);
      return dumbbell({ ...common, origin: [r.range(0, ad), r.range(0, ad)], latticeConstant: ad, separation: nn, pairAngle, sigma: 0.22 * nn * blurF, intensityB: Math.exp(r.range(-1, 1) * Math.log(1.6)) });
    }
  }
}

/**
 * A thickness envelope: a soft-edged ellipse (random centre, radii 0.3–0.9 of
 * the patch, edge width 0.05–0.2 of it), 1 inside, 0 in "vacuum", as a
 * nanoparticle or a wedge seen in projection. size × size, values in [0, 1].
 */
export function thicknessEnvelope(size: number, r: Rng): Float32Array {
  const cx = r.range(0, size), cy = r.range(0, size), rx = r.range(0.3, 0.9) * size, ry = r.range(0.3, 0.9) * size;
  const t = r.range(0, Math.PI), c = Math.cos(t), s = Math.sin(t), edge = r.range(0.05, 0.2);
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const u = ((x - cx) * c + (y - cy) * s) / rx, v = (-(x - cx) * s + (y - cy) * c) / ry;
    out[y * size + x] = 1 / (1 + Math.exp((Math.hypot(u, v) - 1) / edge));
  }
  return out;
}

/**
 * Scan-line noise along x (the fast scan direction): per line an offset of sd
 * `offsetSd`, plus noise correlated along the line (AR(1) with coefficient
 * `rho`, stationary sd `streakSd`): the short horizontal streaks of a noisy
 * scan. Added in place to a size × size image.
 */
export function addScanLineNoise(img: Float32Array, size: number, r: Rng, offsetSd: number, streakSd: number, rho: number): void {
  const innov = streakSd * Math.sqrt(1 - rho * rho);
  for (let y = 0; y < size; y++) {
    const o = r.normal(0, offsetSd);
    let e = r.normal(0, streakSd);
    for (let x = 0; x < size; x++) {
      img[y * size + x] += o + e;
      e = rho * e + r.normal(0, innov);
    }
  }
}

/**
 * Probe tails in half the samples: a fraction (up to `weight`) of each
 * column's intensity spread over a Gaussian of σ = `sigma` × the spacing, as
 * the long tails of an aberration-corrected probe and thermal diffuse
 * scattering add a smooth halo that fills the dips between close columns.
 */
const PROBE_TAIL = { probability: 0.5, weight: 0.4, sigma: [0.5, 1.5] as [number, number] };

/** `(1 − weight) × img + weight × img blurred by σ = sigma px`: a probe with a Gaussian tail (size × size). */
export function addProbeTail(img: Float32Array, size: number, weight: number, sigma: number): Float32Array {
  const halo = blur(img, size, size, sigma);
  return Float32Array.from(img, (v, i) => (1 - weight) * v + weight * halo[i]);
}

/** A thickness envelope's value below which a column is vacuum (no target). */
const VACUUM = 0.3;

/**
 * One augmented training pair: a synthetic lattice (random rotation, origin,
 * zoom, column width, dose with Poisson noise, scan jitter, dopants,
 * vacancies), probe tails (`addProbeTail`, half the samples: up to 40 % of
 * the intensity in a halo of σ = 0.5–1.5 spacing), then a contrast (gamma
 * 0.7–1.4) change; in 30 % of the samples
 * a thickness envelope (`thicknessEnvelope`: the lattice fades into vacuum,
 * columns where the envelope is below 0.3 are not targets, plus a diffuse
 * bump of up to the signal range under the particle) with Gaussian noise of
 * 3–25 % of the range (the same everywhere, so thin regions have low
 * contrast); a background gradient (up to ±50 % of the range); Gaussian
 * read noise (up to 10 % of the range, half the samples); scan-line noise
 * (`addScanLineNoise`, 40 % of the samples: line offsets up to 15 % and
 * streaks up to 20 % of the range, correlation 0.3–0.9 per pixel); random flips and
 * transposition; then `prepare` (background removal and normalisation at the
 * working spacing).
 */
export function trainingSample(lattice: TrainingLattice, size: number, spacing: number, r: Rng, aug: AugmentOptions = {}): Sample {
  const nn = spacing * r.range(...(aug.zoom ?? [0.8, 1.25]));
  const lat = syntheticLattice(lattice, size, nn, r, aug);
  const img = r.uniform() < PROBE_TAIL.probability ? addProbeTail(lat.image.data, size, r.range(0, PROBE_TAIL.weight), r.range(...PROBE_TAIL.sigma) * nn) : lat.image.data;
  let lo = Infinity, hi = -Infinity;
  for (const v of img) { if (v < lo) lo = v; if (v > hi) hi = v; }
  const range = hi > lo ? hi - lo : 1;
  const gx = r.range(-0.5, 0.5) * range / size, gy = r.range(-0.5, 0.5) * range / size;
  const gamma = Math.exp(r.range(Math.log(0.7), Math.log(1.4)));
  const env = r.uniform() < 0.3 ? thicknessEnvelope(size, r) : null;
  const bump = env ? r.range(0, 1) * range : 0, envNoise = env ? r.range(0.03, 0.25) * range : 0;
  const read = r.uniform() < 0.5 ? r.range(0, 0.1) * range : 0;
  const flipX = r.uniform() < 0.5, flipY = r.uniform() < 0.5, swap = r.uniform() < 0.5;
  const raw = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const i = y * size + x;
    let v = Math.pow((img[i] - lo) / range, gamma) * range;
    if (env) v = v * env[i] + bump * env[i] + r.normal(0, envNoise);
    raw[i] = v + gx * (x - size / 2) + gy * (y - size / 2) + (read ? r.normal(0, read) : 0);
  }
  if (r.uniform() < 0.4) addScanLineNoise(raw, size, r, r.range(0, 0.15) * range, r.range(0, 0.2) * range, r.range(0.3, 0.9));
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const [X, Y] = transform(x, y, size, flipX, flipY, swap);
    out[Y * size + X] = raw[y * size + x];
  }
  const tx: number[] = [], ty: number[] = [];
  for (let i = 0; i < lat.atoms.x.length; i++) {
    const ax = lat.atoms.x[i], ay = lat.atoms.y[i];
    if (env) {
      const ex = Math.min(size - 1, Math.max(0, Math.round(ax))), ey = Math.min(size - 1, Math.max(0, Math.round(ay)));
      if (env[ey * size + ex] < VACUUM) continue;
    }
    const [X, Y] = transform(ax, ay, size, flipX, flipY, swap);
    tx.push(X); ty.push(Y);
  }
  return { image: prepare(out, size, size, spacing), target: targetMap(tx, ty, size, size, nn), x: tx, y: ty };
}

function transform(x: number, y: number, size: number, flipX: boolean, flipY: boolean, swap: boolean): [number, number] {
  let X = flipX ? size - 1 - x : x, Y = flipY ? size - 1 - y : y;
  if (swap) [X, Y] = [Y, X];
  return [X, Y];
}
