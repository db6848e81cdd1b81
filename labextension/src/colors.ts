/** Colour mapping for the atom overlay: class colours and the contrast window. (Edge styling: src/show/shared/graph-drawing.ts.) */

/** "#rrggbb" → [r, g, b]. */
export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`hexToRgb: ${JSON.stringify(hex)} is not a "#rrggbb" colour`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** A colour packed as the Uint32 that ImageData holds (defined with the marker stamps, shared with the static PNG). */
export { packRgba } from '../../src/show/shared/markers';

/**
 * The grey-level lookup of the contrast window: grey values (0..255) at or
 * below `lo` map to black, at or above `hi` to white, linear between.
 * `lo`/`hi` are on the 0..255 scale of the transmitted 8-bit image.
 */
export function contrastLut(lo: number, hi: number): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256);
  const a = Math.max(0, Math.min(255, lo));
  const b = Math.max(a + 1e-6, Math.min(255, hi));
  for (let g = 0; g < 256; g++) lut[g] = Math.round(((g - a) / (b - a)) * 255);
  return lut;
}

/** A grey level (0..255 of the transmitted image) back in data units, given the payload's range. */
export function greyToValue(grey: number, range: [number, number]): number {
  return range[0] + (grey / 255) * (range[1] - range[0]);
}
