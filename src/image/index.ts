/**
 * Images (`cs.image`): the `Image` type (row-major Float32Array, x = column,
 * y = row, pixels unless calibrated), filters and Fourier transforms.
 */
export { makeImage, isImage } from "./image";
export type { Image, Calibration } from "./image";
export { fft2, ifft2, powerSpectrum, fftshift, fftFreq, fourierFilter } from "./fft";
export type { ComplexImage, FourierFilterOptions } from "./fft";
export {
  gaussianKernel, gaussianFilter, laplacianOfGaussian, differenceOfGaussians, subtractBackground,
  normalize, percentile, maximumFilter, minimumFilter, convolve1d,
} from "./filters";
export type { NormalizeOptions } from "./filters";
