/**
 * Synthetic atom-centred patches with known classes and rotations for the
 * rVAE tests: Gaussian columns (σ = 1 px) on a `size`² patch, class 0 a
 * dimer (the centre and one neighbour 3.5 px away), class 1 a trimer (the
 * centre and neighbours 3.5 px away at 0° and 100°), each turned by an angle
 * drawn uniformly from ±`maxAngle`, plus Gaussian pixel noise.
 */
import { rng } from "../../src/core/random";

export interface Patches { patches: Float32Array; size: number; label: Int32Array; angle: Float64Array }

const MOTIFS = [[0], [0, (100 * Math.PI) / 180]];

export function motifPatches(n: number, options: { size?: number; maxAngle?: number; noise?: number; seed?: number } = {}): Patches {
  const size = options.size ?? 11, maxAngle = options.maxAngle ?? Math.PI / 4, noise = options.noise ?? 0.05, r = rng(options.seed ?? 0);
  const P = size * size, c = (size - 1) / 2, patches = new Float32Array(n * P), label = new Int32Array(n), angle = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    label[k] = k % 2;
    angle[k] = r.range(-maxAngle, maxAngle);
    const cols: [number, number][] = [[c, c], ...MOTIFS[label[k]].map((a): [number, number] => [c + 3.5 * Math.cos(a + angle[k]), c + 3.5 * Math.sin(a + angle[k])])];
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      let v = 0;
      for (const [px, py] of cols) v += Math.exp(-((x - px) ** 2 + (y - py) ** 2) / 2);
      patches[k * P + y * size + x] = v + r.normal(0, noise);
    }
  }
  return { patches, size, label, angle };
}
