/**
 * Synthetic image of a dumbbell lattice: pairs of close columns on a centred
 * rectangular lattice, as diamond and zinc-blende crystals (Si, Ge, GaAs)
 * look along [110]. Same image model and options as every lattice generator
 * (`columns.ts`, `lattice.ts`). x = column, y = row, pixels.
 */
import { checkPositive } from "./columns";
import { LatticeOptions, SyntheticLattice, DisplacementField, BasisSite, renderLattice, rotate, checkLatticeConstant } from "./lattice";

/** Options of {@link dumbbell}. */
export interface DumbbellOptions extends LatticeOptions {
  /** Cubic lattice constant a, pixels (default 32): the projected cell is a/√2 (along x before rotation) × a (along y), with a dumbbell at its corners and centre. */
  latticeConstant?: number;
  /** Distance between the two columns of a dumbbell, pixels (default a/4, as Si [110]: 1.36 Å for a = 5.43 Å). */
  separation?: number;
  /** Direction from column 0 to column 1 of each dumbbell, degrees counter-clockwise as displayed from the lattice's x axis, before `rotation` (default 90: along the cell's a axis, column 1 above column 0). */
  pairAngle?: number;
  /** Integrated intensities of the two columns of a pair (defaults 1 and 1; e.g. 1 and 1.06 for Ga and As). */
  intensityA?: number;
  intensityB?: number;
  /** Displacement of every column as a function of its ideal position, pixels. */
  displacement?: DisplacementField;
}

/**
 * Synthetic dumbbell lattice with true positions. The primitive basis is
 * a1 = (a/√2, 0), a2 = (a/(2√2), a/2) (rotated by `rotation`); each lattice
 * point is the centre of a pair, column 0 (`sublattice` 0) at −separation/2
 * and column 1 at +separation/2 along `pairAngle`. Default σ = 0.22 ×
 * separation (a pair just resolved, as Si [110] in an aberration-corrected
 * STEM). Dopants and vacancies apply to all columns. Cost: O(columns · σ²).
 * ```ts
 * const { image, atoms } = synth.dumbbell({ latticeConstant: 32, intensityB: 1.06, dose: 5000, seed: 2 });
 * ```
 */
export function dumbbell(options: DumbbellOptions = {}): SyntheticLattice {
  const fn = "synth.dumbbell";
  const a = options.latticeConstant ?? 32;
  checkLatticeConstant(fn, a);
  const sep = options.separation ?? a / 4;
  checkPositive(fn, "separation", sep);
  const rot = options.rotation ?? 0;
  const a1 = rotate([a / Math.SQRT2, 0], rot), a2 = rotate([a / (2 * Math.SQRT2), a / 2], rot);
  // The nearest pair centres are |a2| = 0.61 a apart: columns of neighbouring pairs must not coincide.
  if (sep >= Math.hypot(a2[0], a2[1])) throw new RangeError(`${fn}: options.separation must be less than the distance between dumbbells, ${Math.hypot(a2[0], a2[1]).toFixed(2)} px for latticeConstant ${a}; got ${sep}`);
  const iA = options.intensityA ?? 1, iB = options.intensityB ?? 1;
  checkPositive(fn, "intensityA", iA, true); checkPositive(fn, "intensityB", iB, true);
  const half = rotate([sep / 2, 0], (options.pairAngle ?? 90) + rot);
  // Fractional coordinates of ±half in the basis (a1, a2).
  const det = a1[0] * a2[1] - a1[1] * a2[0];
  const fi = (half[0] * a2[1] - half[1] * a2[0]) / det, fj = (a1[0] * half[1] - a1[1] * half[0]) / det;
  const displacement = options.displacement ? { field: options.displacement, option: "displacement" } : undefined;
  const sites: BasisSite[] = [
    { frac: [-fi, -fj], sublattice: 0, intensity: iA, displacement },
    { frac: [fi, fj], sublattice: 1, intensity: iB, displacement },
  ];
  return renderLattice(fn, [a1, a2], sites, options, options.origin ?? [a / 2, a / 2], options.sigma ?? 0.22 * sep);
}
