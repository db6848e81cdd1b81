/**
 * The image type shared by every capability.
 *
 * Convention (used everywhere in causalscope, stated once here):
 * pixels are stored row-major in a `Float32Array`; pixel (x, y) is at
 * `data[y * width + x]`; x is the column index, y the row index, both in
 * pixels, origin at the centre of the top-left pixel. Physical units apply
 * only where a `calibration` is attached: a length in pixels times
 * `calibration.pixelSize` is a length in `calibration.unit`.
 */

/** Physical size of one pixel. */
export interface Calibration {
  /** Length of one pixel along x and y, in `unit`. */
  pixelSize: number;
  /** Unit of `pixelSize`, e.g. "nm", "Å", "pm", "1/nm". */
  unit: string;
}

/** A 2-D greyscale image: row-major float32 pixels, x = column, y = row. */
export interface Image {
  data: Float32Array;
  width: number;
  height: number;
  calibration?: Calibration;
}

/**
 * Make an image from row-major pixels, checking that the sizes agree.
 * `data` is used as given when it is already a Float32Array, else copied.
 */
export function makeImage(
  data: ArrayLike<number>,
  width: number,
  height: number,
  calibration?: Calibration,
): Image {
  if (!Number.isInteger(width) || width < 0) throw new RangeError(`makeImage: width must be a non-negative integer, got ${width}`);
  if (!Number.isInteger(height) || height < 0) throw new RangeError(`makeImage: height must be a non-negative integer, got ${height}`);
  if (data.length !== width * height) {
    throw new RangeError(`makeImage: data has ${data.length} pixels, width*height = ${width}*${height} = ${width * height}`);
  }
  if (calibration && !(calibration.pixelSize > 0 && Number.isFinite(calibration.pixelSize))) {
    throw new RangeError(`makeImage: calibration.pixelSize must be a positive finite number, got ${calibration.pixelSize}`);
  }
  const pixels = data instanceof Float32Array ? data : Float32Array.from(data);
  return calibration ? { data: pixels, width, height, calibration } : { data: pixels, width, height };
}

/** True when `value` has the shape of an `Image`. */
export function isImage(value: unknown): value is Image {
  const v = value as Image;
  return !!v && v.data instanceof Float32Array && Number.isInteger(v.width) && Number.isInteger(v.height) && v.data.length === v.width * v.height;
}
