/**
 * Display in the notebook (`cs.display`): MIME bundles with static
 * fallbacks, greyscale PNGs of images, vega-lite charts rendered to SVG/PNG,
 * in-place progress bars, and the bridge to the kernel.
 */
export { MIME_BUNDLE, kernelBridge, mimeBundleOf } from "./mime";
export type { MimeBundle, Displayable, DisplayOptions, KernelBridge } from "./mime";
export { greyLevelWindow, toGreyLevels, encodeGreyPng, imageToPng } from "./png";
export type { GreyLevelOptions, GreyLevelWindow } from "./png";
export { imageBundle, binImage } from "./image-display";
export type { ImageDisplayOptions } from "./image-display";
export {
  chart, histogram, scatter, heatmap, Chart, Histogram,
  renderVegaLiteSvg, renderVegaLitePng, svgToPng, VEGALITE_MIME_TYPE,
} from "./chart";
export type { VegaLiteSpec, RenderOptions, HistogramOptions, ChartData, ScatterOptions, HeatmapOptions } from "./chart";
export { progress } from "./progress";
export type { ProgressOptions, Progress } from "./progress";
export { displayBundle } from "./formatter";
