/**
 * The scan angle applied on request: a frame scanned at an angle, resampled
 * onto the lab (piezo) axes.
 */
import type { Image } from "../image/image";
import { checkImage } from "./level";
import { bicubic } from "./drift";

/** What {@link applyScanAngle} returns. */
export interface LabImage {
  /** The frame on lab axes (x right, y down as displayed), NaN outside the scanned frame; calibration kept. */
  image: Image;
  /**
   * [a, b, c, d, e, f]: the frame pixel (x, y) lies at output pixel
   * (a·x + b·y + c, d·x + e·y + f); use it to carry positions found on the
   * frame (atoms, grains) into the lab image.
   */
  transform: [number, number, number, number, number, number];
}

/**
 * Rotate a scan frame into lab coordinates. `angle` is the scan angle in
 * degrees as Nanonis states it (`metadata.scanAngle` of .sxm and .3ds
 * files): the scan frame turned CLOCKWISE by `angle` relative to the lab's
 * x axis, as seen on screen with row 0 at the top (the convention of all
 * our readers, src/io/formats/spm-types.ts; the per-point X/Y positions of
 * .3ds grids confirm the sign). So the frame's x axis (its fast scan) points
 * along (cos a, sin a) in the lab image, its y axis along (−sin a, cos a)
 * (x right, y down). Other vendors' angles (NanoScope "Rotate Ang.", Igor
 * ScanAngle, WSxM) are passed through by the readers as written and have not
 * been checked against this sign: negate them if they turn the other way.
 *
 * The output grid has the input's pixel size and is the bounding box of the
 * rotated frame (frame centre at the output centre); pixels are resampled
 * bicubically (Keys, a = −0.5), NaN outside the frame. Square pixels are
 * assumed (the readers warn when the file's are not). Angle 0 returns a
 * copy. Returns `{ image, transform }`. O(W·H) of the output.
 *
 * @example
 *   const f = await readSPM(path);
 *   const { image } = applyScanAngle(f.channels[0].image, f.metadata.scanAngle ?? 0);
 */
export function applyScanAngle(image: Image, angle: number): LabImage {
  const fn = "applyScanAngle";
  checkImage(fn, image);
  if (typeof angle !== "number" || !Number.isFinite(angle)) throw new TypeError(`${fn}: angle must be a finite number of degrees (clockwise), got ${angle}`);
  const { width: w, height: h, data } = image;
  const a = (angle * Math.PI) / 180;
  // Exact values at multiples of 90° keep those rotations exact (no interpolation).
  const round = (v: number): number => (Math.abs(v - Math.round(v)) < 1e-12 ? Math.round(v) : v);
  const c = round(Math.cos(a)), s = round(Math.sin(a));
  const W = Math.floor(Math.abs(c) * (w - 1) + Math.abs(s) * (h - 1) + 1e-9) + 1;
  const H = Math.floor(Math.abs(s) * (w - 1) + Math.abs(c) * (h - 1) + 1e-9) + 1;
  const xc = (w - 1) / 2, yc = (h - 1) / 2, Xc = (W - 1) / 2, Yc = (H - 1) / 2;
  const out = new Float32Array(W * H), v = new Float64Array(3);
  const eps = 1e-9; // pixel centres on the frame's edge stay inside despite rounding
  for (let Y = 0; Y < H; Y++) for (let X = 0; X < W; X++) {
    const dX = X - Xc, dY = Y - Yc;
    let x = xc + c * dX + s * dY, y = yc - s * dX + c * dY;
    if (x < 0 && x > -eps) x = 0; else if (x > w - 1 && x < w - 1 + eps) x = w - 1;
    if (y < 0 && y > -eps) y = 0; else if (y > h - 1 && y < h - 1 + eps) y = h - 1;
    out[Y * W + X] = bicubic(data, w, h, x, y, v) ? v[0] : NaN;
  }
  const img: Image = { data: out, width: W, height: H };
  if (image.calibration) img.calibration = { ...image.calibration };
  return { image: img, transform: [c, -s, Xc - c * xc + s * yc, s, c, Yc - s * xc - c * yc] };
}
