/**
 * Synthetic image series with known drift for the series tests: one square
 * lattice with vacancies (the same vacant sites in every frame), moved by a
 * known [dx, dy] per frame (a constant displacement field, so the lattice
 * draws do not change), Poisson noise drawn independently per frame.
 */
import { square } from "../../src/synth";
import { applyPoisson, rng } from "../../src/synth";
import type { Image } from "../../src/image";

export interface DriftSeries {
  frames: Image[];
  /** True drift of each frame relative to frame 0, [dx, dy] pixels. */
  shifts: [number, number][];
}

/** `n` frames of `size`², lattice constant `a`, dose per column `dose`, random drift of up to ±`maxShift` px (frame 0 at 0). */
export function driftSeries(n: number, options: { size?: number; a?: number; dose?: number; maxShift?: number; seed?: number } = {}): DriftSeries {
  const size = options.size ?? 128, a = options.a ?? 12, dose = options.dose ?? 1000, maxShift = options.maxShift ?? 4;
  const r = rng(options.seed ?? 1);
  const shifts: [number, number][] = [[0, 0]];
  for (let i = 1; i < n; i++) shifts.push([r.range(-maxShift, maxShift), r.range(-maxShift, maxShift)]);
  const frames = shifts.map((d, i) => {
    // noiseless image (expected counts at dose 1000), scaled to the dose, then one Poisson draw per frame
    const { image } = square({ width: size, height: size, latticeConstant: a, vacancies: { fraction: 0.06 }, displacement: d, seed: 7 });
    const data = image.data.map((v) => (v * dose) / 1000);
    applyPoisson(data, rng(1000 + i + 97 * (options.seed ?? 1)));
    return { data, width: size, height: size };
  });
  return { frames, shifts };
}
