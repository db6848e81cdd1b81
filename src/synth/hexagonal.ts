/**
 * Synthetic image of a 2-D hexagonal lattice (triangular, or honeycomb with
 * two sublattices such as graphene, h-BN or MoS2 seen along c) with exact
 * ground truth, using the same image model and noise options as every
 * lattice generator (see `columns.ts`, `lattice.ts`). x = column, y = row, pixels.
 */
import { checkChoice } from "../core/options";
import { checkPositive } from "./columns";
import { LatticeOptions, SyntheticLattice, DisplacementField, BasisSite, renderLattice, rotate, checkLatticeConstant } from "./lattice";

/** Options of {@link hexagonal}. */
export interface HexagonalOptions extends LatticeOptions {
  /** Distance between nearest same-sublattice columns (the hexagonal a), pixels (default 16); the nearest-neighbour distance is a/√3 (honeycomb) or a (triangular). */
  latticeConstant?: number;
  /** "honeycomb" (two sites per cell, default) or "triangular" (one). */
  lattice?: "honeycomb" | "triangular";
  /** Integrated intensities of the two sublattices (defaults 1 and 1). */
  intensityA?: number;
  intensityB?: number;
  /** Displacement of every column as a function of its ideal position, pixels (e.g. a strain field). */
  displacement?: DisplacementField;
}

/**
 * Synthetic hexagonal lattice with true positions. Default σ: 0.19 × the
 * nearest-neighbour distance (honeycomb), 0.12 × (triangular).
 * Dopants and vacancies apply to all columns. Cost: O(columns · σ²).
 * ```ts
 * const { image, atoms } = synth.hexagonal({ latticeConstant: 12, intensityB: 0.7, dose: 2000, seed: 3 });
 * ```
 */
export function hexagonal(options: HexagonalOptions = {}): SyntheticLattice {
  const fn = "synth.hexagonal";
  const a = options.latticeConstant ?? 16;
  checkLatticeConstant(fn, a);
  const kind = options.lattice ?? "honeycomb";
  checkChoice(fn, "lattice", kind, ["honeycomb", "triangular"] as const);
  const nn = kind === "honeycomb" ? a / Math.sqrt(3) : a;
  const sigma = options.sigma ?? 0.12 * nn * (kind === "honeycomb" ? 1.6 : 1);
  const iA = options.intensityA ?? 1, iB = options.intensityB ?? 1;
  checkPositive(fn, "intensityA", iA, true); checkPositive(fn, "intensityB", iB, true);
  const rot = options.rotation ?? 0;
  const basis: [[number, number], [number, number]] = [rotate([a, 0], rot), rotate([a / 2, (a * Math.sqrt(3)) / 2], rot)];
  const displacement = options.displacement ? { field: options.displacement, option: "displacement" } : undefined;
  const sites: BasisSite[] = [{ frac: [0, 0], sublattice: 0, intensity: iA, displacement }];
  if (kind === "honeycomb") sites.push({ frac: [1 / 3, 1 / 3], sublattice: 1, intensity: iB, displacement });
  return renderLattice(fn, basis, sites, options, options.origin ?? [a / 2, a / 2], sigma);
}
