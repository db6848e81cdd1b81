/**
 * Lattice measurement of an atomic-resolution image from its power spectrum
 * (Gwyddion's "Measure Lattice" in its PSDF mode): the two shortest
 * non-parallel Bragg peaks give the real-space basis, reported in the image's
 * calibrated unit. x = column, y = row.
 */
import { latticeBasisOfSpectrum } from "../atoms/lattice";
import { quantile } from "../core/select";
import { powerSpectrum } from "../image/fft";
import type { Image } from "../image/image";

/** A 2-D lattice: basis vectors and their lengths and angle, in `unit`. */
export interface LatticeMeasurement {
  /** Basis vectors [x, y] in `unit` (a1 the more horizontal one, pointing right; a2 pointing down). */
  a1: [number, number];
  a2: [number, number];
  /** |a1| and |a2|, in `unit`. */
  a: number;
  b: number;
  /** Angle between a1 and a2, degrees (60 or 120 for a hexagonal lattice, 90 for a square one). */
  angle: number;
  /** The image's calibration unit, or "px" when it has none. */
  unit: string;
}

/**
 * The lattice of a periodic image from the peaks of its Hann-windowed power
 * spectrum, refined to sub-pixel frequency (as `cs.atoms.latticeBasisFFT`), with
 * no atom finding; in calibrated units when the image has a pixel size. Level
 * the image first (a tilt adds low-frequency power, not peaks). Accuracy:
 * about 1/(periods across the image)² of a period from the peak refinement;
 * drift between rows distorts the result as it distorts the image. The two
 * peaks must span a lattice: the spectrum must also peak at g1 + g2 or g1 − g2
 * (≥ 10 × the median power at that radius), else it is an error — line
 * offsets or a tilt left in the image make peaks that are not a lattice.
 * O(n log n).
 * ```ts
 * const lattice = cs.spm.measureLattice(levelled.image);   // { a, b, angle, unit }
 * ```
 */
export function measureLattice(image: Image, options: { thresholdRel?: number; minFrequency?: number } = {}): LatticeMeasurement {
  const { width: w, height: h } = image;
  if (w < 16 || h < 16) throw new RangeError(`measureLattice: image is ${w}×${h} pixels; at least 16×16 is needed`);
  const ps = powerSpectrum(image).data;
  const { a1, a2 } = latticeBasisOfSpectrum(ps, w, h, options);
  checkCombinationPeak(ps, w, h, a1, a2);
  const s = image.calibration?.pixelSize ?? 1;
  const unit = image.calibration?.pixelSize ? image.calibration.unit ?? "" : "px";
  const v1: [number, number] = [a1[0] * s, a1[1] * s], v2: [number, number] = [a2[0] * s, a2[1] * s];
  const a = Math.hypot(...v1), b = Math.hypot(...v2);
  const angle = (Math.acos(Math.max(-1, Math.min(1, (v1[0] * v2[0] + v1[1] * v2[1]) / (a * b)))) * 180) / Math.PI;
  return { a1: v1, a2: v2, a, b, angle, unit };
}

/**
 * Throws unless the power spectrum has a peak at g1 + g2 or g1 − g2, the
 * reciprocal vectors of a1, a2 (a 2-D lattice has one; two unrelated
 * periodicities, such as line offsets beside a weak lattice, do not).
 */
function checkCombinationPeak(ps: Float32Array, w: number, h: number, a1: [number, number], a2: [number, number]): void {
  const cx = Math.floor(w / 2), cy = Math.floor(h / 2);
  // Reciprocal basis (cycles/px): g_i · a_j = δ_ij.
  const det = a1[0] * a2[1] - a1[1] * a2[0];
  const g1 = [a2[1] / det, -a2[0] / det], g2 = [-a1[1] / det, a1[0] / det];
  /** Largest power within 1 px of the frequency f, and the median power on the ring of its radius (± 1 px). */
  const probe = (fx: number, fy: number): { peak: number; ring: number } => {
    const px = cx + fx * w, py = cy + fy * h, r = Math.hypot(fx * w, fy * h);
    let peak = 0;
    const ring: number[] = [];
    for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
      const v = ps[y * w + x];
      if (Math.abs(Math.hypot(x - cx, y - cy) - r) <= 1) ring.push(v);
      if (Math.abs(x - px) <= 1 && Math.abs(y - py) <= 1 && v > peak) peak = v;
    }
    return { peak, ring: quantile(Float64Array.from(ring), 0.5) };
  };
  const sum = probe(g1[0] + g2[0], g1[1] + g2[1]), diff = probe(g1[0] - g2[0], g1[1] - g2[1]);
  if (!(sum.peak >= 10 * sum.ring || diff.peak >= 10 * diff.ring)) {
    const len = (v: [number, number]): string => Math.hypot(...v).toFixed(2);
    throw new RangeError(
      `measureLattice(image): the two strongest periodicities (${len(a1)} and ${len(a2)} px) do not span a 2-D lattice (no peak at g1 ± g2 in the power spectrum); ` +
        "level the image and align its rows first (cs.levelPlane, cs.alignRows), or crop to the lattice",
    );
  }
}
