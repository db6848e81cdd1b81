/**
 * Noise models for synthetic data (shared by every `synth.*` generator). The
 * random numbers come from the one seeded generator of `src/core/random.ts`
 * (`rng(seed)`, re-exported here as `synth.rng`).
 */
import { Rng, rng } from "../core/random";

export { Rng, rng };

/**
 * Replace every pixel value v (an expected count, ≥ 0) by a Poisson deviate
 * with mean v, in place. Negative or non-finite means throw, naming the pixel.
 */
export function applyPoisson(data: Float32Array, r: Rng): Float32Array {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`applyPoisson: pixel ${i} has mean ${v}; Poisson means must be finite and >= 0`);
    data[i] = r.poisson(v);
  }
  return data;
}

/** Add independent normal noise of standard deviation `sd` to every pixel, in place. */
export function applyGaussianNoise(data: Float32Array, sd: number, r: Rng): Float32Array {
  if (!(sd >= 0)) throw new RangeError(`applyGaussianNoise: sd must be >= 0, got ${sd}`);
  if (sd === 0) return data;
  for (let i = 0; i < data.length; i++) data[i] += r.normal(0, sd);
  return data;
}
