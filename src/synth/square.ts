/**
 * Synthetic image of a square lattice, one column per cell (e.g. a simple
 * cubic metal or one cation sublattice), with exact ground truth, using the
 * same image model and options as every lattice generator (`columns.ts`,
 * `lattice.ts`). x = column, y = row, pixels.
 */
import { LatticeOptions, SyntheticLattice, DisplacementField, renderLattice, rotate, checkLatticeConstant } from "./lattice";

/** Options of {@link square}. */
export interface SquareOptions extends LatticeOptions {
  /** Lattice constant a (the nearest-neighbour distance), pixels (default 16). */
  latticeConstant?: number;
  /** Displacement of every column as a function of its ideal position, pixels (e.g. a strain field). */
  displacement?: DisplacementField;
}

/**
 * Synthetic square lattice with true positions: columns of intensity 1 at
 * origin + i·a1 + j·a2, a1 = a·(cos θ, −sin θ), a2 = a·(sin θ, cos θ) for
 * `rotation` θ. Default σ = 0.12 a. Dopants and vacancies apply to all
 * columns. Cost: O(columns · σ²).
 * ```ts
 * const { image, atoms, vacancies } = synth.square({ latticeConstant: 12, rotation: 10, dose: 1000, vacancies: { fraction: 0.05 }, seed: 1 });
 * ```
 */
export function square(options: SquareOptions = {}): SyntheticLattice {
  const fn = "synth.square";
  const a = options.latticeConstant ?? 16;
  checkLatticeConstant(fn, a);
  const rot = options.rotation ?? 0;
  const basis: [[number, number], [number, number]] = [rotate([a, 0], rot), rotate([0, a], rot)];
  const displacement = options.displacement ? { field: options.displacement, option: "displacement" } : undefined;
  return renderLattice(fn, basis, [{ frac: [0, 0], sublattice: 0, intensity: 1, displacement }], options, options.origin ?? [a / 2, a / 2], options.sigma ?? 0.12 * a);
}
