/**
 * Interactive views for JupyterLab (exported as `show`): `show.atoms` (an
 * image with atoms overlaid) and `show.graph` (a causal graph). Each returns
 * a displayable whose bundle holds the widget payload (rendered by
 * causalscope's JupyterLab extension), a static picture (PNG / SVG) for
 * GitHub, nbviewer and nbconvert, and text. Selections made in the atom
 * overlay come back through `selection()`.
 */
import type { Image } from "../image/image";
import { isImage } from "../image/image";
import { MIME_BUNDLE, type MimeBundle } from "../display/mime";
import { toBase64 } from "../display/png";
import { VEGALITE_MIME_TYPE, VEGALITE_SCHEMA, renderVegaLitePng } from "../display/chart";
import { atomsPayload, chartPayload, framesPayload, graphPayload, newViewId, normaliseAtoms, subsetAtoms, type AtomsInput, type GraphInput, type ShowAtomsOptions, type ShowGraphOptions, type ShowScatterOptions } from "./payload";
import { ATOMS_MIME, CHART_MIME, GRAPH_MIME, edgeSymbol, parseGraphPayload, type AtomsPayloadJSON, type ChartPayloadJSON, type GraphPayloadJSON } from "./shared/schema";
import { formatValue } from "./shared/format";
import { atomsPng, payloadSvg } from "./static";
import { ensureSelectionTarget, rememberGraphView, rememberView } from "./selection";

export { ATOMS_MIME, CHART_MIME, GRAPH_MIME, SELECTION_COMM_TARGET, PALETTE } from "./shared/schema";
export type { AtomsPayloadJSON, ChartPayloadJSON, FramesJSON, GraphPayloadJSON } from "./shared/schema";
export type { AtomsInput, GraphInput, ShowAtomsOptions, ShowGraphOptions, ShowScatterOptions } from "./payload";
export { selection, lastSelection, receiveSelection, receivePrior, prior, type AtomSelection } from "./selection";
export type { GraphPrior, GraphLayoutName } from "./shared/schema";
/** Show an image (greyscale, windowed at the 0.5–99.5 percentiles by default). */
export { showImage as image } from "../display/image-display";
export type { ImageDisplayOptions } from "../display/image-display";

/** A displayed atom overlay: `payload` is what the widget receives. */
export class AtomsView {
  readonly id: string;
  readonly payload: AtomsPayloadJSON;
  readonly png: Uint8Array;
  readonly text: string;
  constructor(id: string, payload: AtomsPayloadJSON, png: Uint8Array, text: string) {
    this.id = id;
    this.payload = payload;
    this.png = png;
    this.text = text;
  }
  [MIME_BUNDLE](): MimeBundle {
    return { [ATOMS_MIME]: this.payload, "image/png": toBase64(this.png), "text/plain": this.text };
  }
  toString(): string {
    return this.text;
  }
}

/** A displayed chart linked to atom overlays: `payload` is what the widget receives, `spec` the Vega-Lite chart in it. */
export class LinkedChart {
  readonly id: string;
  readonly payload: ChartPayloadJSON;
  readonly text: string;
  constructor(id: string, payload: ChartPayloadJSON, text: string) {
    this.id = id;
    this.payload = payload;
    this.text = text;
  }
  get spec(): Record<string, unknown> {
    return this.payload.spec;
  }
  /** The linked chart for the extension, the plain Vega-Lite chart for JupyterLab without it, a PNG drawn here for elsewhere. */
  async [MIME_BUNDLE](): Promise<MimeBundle> {
    const png = await renderVegaLitePng(this.payload.spec);
    return { [CHART_MIME]: this.payload, [VEGALITE_MIME_TYPE]: this.payload.spec, "image/png": toBase64(png), "text/plain": this.text };
  }
  toString(): string {
    return this.text;
  }
}

/** A displayed causal graph. */
export class GraphView {
  readonly id: string;
  readonly payload: GraphPayloadJSON;
  readonly svg: string;
  readonly text: string;
  constructor(id: string, payload: GraphPayloadJSON, svg: string, text: string) {
    this.id = id;
    this.payload = payload;
    this.svg = svg;
    this.text = text;
  }
  [MIME_BUNDLE](): MimeBundle {
    return { [GRAPH_MIME]: this.payload, "image/svg+xml": this.svg, "text/plain": this.text };
  }
  toString(): string {
    return this.text;
  }
}

/**
 * Show atoms over an image: in JupyterLab an interactive overlay (zoom/pan,
 * class toggles, arrows with a gain, hover tooltips, contrast, box/lasso
 * selection read back with `selection()`); elsewhere a PNG with the atoms
 * drawn.
 *
 * `atoms`: a Table, an object of columns or an array of rows with `x`, `y`
 * in image pixels (x = column, y = row, as in `Image`), optionally a class
 * column (`sublattice` or `class`, or `options.classColumn`), vector
 * columns `dx`, `dy` (pixels; arrows), and any other columns (shown in the
 * tooltip). The grey window defaults to the 0.5–99.5 percentiles.
 *
 * An image series (`image` an array of Images or a series such as
 * `readSeries` returns) with atoms carrying a `frame` column (and a `track`
 * column, as `trackAtoms` writes) gets a frame slider (keyboard: ← → Home
 * End) showing each frame's image, its atoms and the tracks' trails; all
 * frames share frame 0's grey window, and the PNG shows frame 0.
 * `options.link` links the overlay to charts from `show.scatter` with the
 * same link (a brush there selects atoms here, and the other way round).
 * Cost: O(frames × pixels + atoms); the payload carries float32 positions
 * (about 11 bytes per atom per column in base64) and one PNG per frame.
 * @example
 *   const atoms = cs.findAtoms(img, { sigma: 2 });
 *   cs.show.atoms(img, atoms, { title: "SrTiO3 ADF" })
 *   cs.show.atoms(frames, cs.trackAtoms(frames.map((f) => cs.findAtoms(f))))
 */
export function atoms(images: AtomsImage, atomsInput: AtomsInput, options: ShowAtomsOptions = {}): AtomsView {
  const { frames, labels } = imagesOf(images);
  const image = frames[0];
  const a = normaliseAtoms(image, atomsInput, options, "show.atoms", frames.length);
  const id = newViewId("atoms");
  const { payload, levels, window } = atomsPayload(image, a, { ...options, id });
  const fp = framesPayload(frames, a, window, labels);
  if (fp) payload.frames = fp;
  // the static picture: frame 0 and its atoms
  const first = a.frames ? subsetAtoms(a, a.frames.frame.reduce<number[]>((r, f, i) => (f === 0 && r.push(i), r), [])) : a;
  const { png } = atomsPng(levels, image.width, image.height, first, image.calibration);
  rememberView(id, a.count);
  ensureSelectionTarget();
  const counts = a.classes.map((c, k) => {
    let n = 0;
    for (let i = 0; i < a.count; i++) if (a.cls[i] === k) n++;
    return `${c.name} ${n}`;
  });
  const text = `${options.title ? `${options.title}: ` : ""}${a.count} atoms over a ${image.width}×${image.height} image` + (a.classes.length > 1 ? ` (${counts.join(", ")})` : "") + (a.vectors ? `, ${a.vectors.label} arrows ×${a.gain}` : "") + (a.colorBy ? `, coloured by ${a.colorBy.name} (${a.colorBy.map}, ${formatValue(a.colorBy.range[0])} to ${formatValue(a.colorBy.range[1])})` : "") + (a.frames ? `, ${a.frames.count} frames${a.frames.track ? " with tracks" : ""} (the picture shows frame 0: ${first.count} atoms)` : "");
  return new AtomsView(id, payload, png, text);
}

/** What `show.atoms` draws atoms over: an Image, the frames of a series as an array of Images, or a Series (`readSeries`, `makeSeries`). */
export type AtomsImage = Image | readonly Image[] | { readonly length: number; frame(i: number): Image; readonly times?: ArrayLike<number>; readonly timeUnit?: string };

/** The frames of `images` (checked: non-empty, one size) and their labels from a series' times. */
function imagesOf(images: AtomsImage): { frames: Image[]; labels?: string[] } {
  const bad = "show.atoms: image must be an Image { data: Float32Array, width, height } with data.length = width*height, an array of such frames or a series";
  let frames: Image[];
  let labels: string[] | undefined;
  if (isImage(images)) frames = [images];
  else if (Array.isArray(images)) frames = images.slice();
  else if (images && typeof images === "object" && typeof (images as { frame?: unknown }).frame === "function" && Number.isInteger((images as { length?: unknown }).length)) {
    const s = images as Exclude<AtomsImage, Image | readonly Image[]>;
    frames = Array.from({ length: s.length }, (_, i) => s.frame(i));
    if (s.times && s.times.length === s.length) labels = Array.from(s.times, (t) => `t = ${formatValue(t)}${s.timeUnit ? ` ${s.timeUnit}` : ""}`);
  } else throw new TypeError(bad);
  if (frames.length === 0) throw new RangeError("show.atoms: image is an empty list of frames");
  frames.forEach((f, k) => {
    if (!isImage(f)) throw new TypeError(`${bad} (frame ${k} is not an Image)`);
    if (f.width === 0 || f.height === 0) throw new RangeError(`show.atoms: image${frames.length > 1 ? ` frame ${k}` : ""} is empty (${f.width}×${f.height} pixels)`);
    if (f.width !== frames[0].width || f.height !== frames[0].height) throw new RangeError(`show.atoms: frame ${k} is ${f.width}×${f.height} pixels, frame 0 is ${frames[0].width}×${frames[0].height}`);
  });
  return { frames, labels };
}

/**
 * A scatter plot of two per-atom columns, linked to the atom overlays shown
 * with the same `link` (`show.atoms(image, atoms, { link })`): in
 * JupyterLab, dragging a box (a brush) over points selects those atoms in
 * the overlays, which pass the selection to the kernel (`selection()`,
 * shape "linked"); a box or lasso in an overlay colours its atoms' points
 * here. One point per atom with finite x and y; its data row carries the
 * atom's index (`atom`, a row of `atoms`). Without the extension it is a
 * plain Vega-Lite chart; elsewhere a PNG. Cost O(atoms); the PNG is drawn
 * by vega server-side when the chart is displayed.
 * @example
 *   cs.show.atoms(img, atoms, { link: "cells" })
 *   cs.show.scatter(atoms, { x: "strain", y: "intensity", link: "cells" })
 */
export function scatter(atomsInput: AtomsInput, options: ShowScatterOptions): LinkedChart {
  const id = newViewId("chart");
  const payload = chartPayload(atomsInput, { ...options, id, schema: VEGALITE_SCHEMA });
  const n = (payload.spec.data as { values: unknown[] }).values.length;
  const text = `${options.title ? `${options.title}: ` : ""}scatter of ${options.y} vs ${options.x}, ${n} atoms, linked to the atom overlays of link "${options.link}"`;
  return new LinkedChart(id, payload, text);
}

/**
 * Show a causal graph: in JupyterLab an interactive drawing (layered, force
 * or circular layout; zoom and pan; edge width from |weight|, opacity from
 * confidence, both written beside the edge; click a node for its parents,
 * children and Markov blanket; drag nodes; export SVG; PAG / CPDAG legends)
 * where prior knowledge is drawn by hand (drag node to node: a required
 * edge; click an edge: forbidden; tiers per node) and read back with
 * `show.prior()`; elsewhere the same drawing as SVG. `graph`: a causalscope
 * Graph (e.g. from `learnStructure`), a result holding one as `.graph`
 * (`bootstrap`), or `{ nodes: string[], edges: { from, to, weight?,
 * confidence?, directed? }[] }`; `directed: false` draws an undirected edge
 * (CPDAG); a PAG's endpoint marks are drawn as they are (`o->`: a circle and
 * an arrowhead; `<->`: two arrowheads, dashed) and written in the text.
 * Cost: the layout (layered: about O(V·E); force: O(V²) per step, 300 steps).
 * @example
 *   cs.show.graph({ nodes: ["strain", "polarization"], edges: [{ from: "strain", to: "polarization", weight: 0.8, confidence: 0.95 }] })
 *   cs.show.graph(cs.bootstrap(data, { seed: 1 }), { layout: "circular" })
 */
export function graph(g: GraphInput | { graph: GraphInput }, options: ShowGraphOptions = {}): GraphView {
  const id = newViewId("graph");
  const payload = graphPayload(g, { ...options, id });
  const parsed = parseGraphPayload(payload);
  rememberGraphView(id, parsed.nodes.map((n) => n.id), parsed.prior);
  ensureSelectionTarget();
  const svg = payloadSvg(parsed);
  const lines = parsed.edges.map((e) => `  ${e.from} ${edgeSymbol(e.fromMark, e.toMark)} ${e.to}` + (e.weight !== undefined ? `  weight ${formatValue(e.weight)}` : "") + (e.confidence !== undefined ? `  confidence ${formatValue(e.confidence)}` : ""));
  const pr = parsed.prior;
  const priorLines = pr ? [...pr.required.map(([a, b]) => `  required ${a} -> ${b}`), ...pr.forbidden.map(([a, b]) => `  forbidden ${a} -> ${b}`), ...pr.tiers.map((t, k) => `  tier ${k + 1}: ${t.join(", ")}`)] : [];
  const text = `${options.title ? `${options.title}: ` : ""}graph with ${payload.nodes.length} nodes, ${payload.edges.length} edges\n${lines.join("\n")}` + (priorLines.length ? `\nprior knowledge:\n${priorLines.join("\n")}` : "");
  return new GraphView(id, payload, svg, text);
}

// Inside a kernel, accept selections as soon as the library is loaded (the
// kernel loads it on the first use of `cs`), so an overlay in a reopened
// notebook can send its selection without first re-running `show.atoms`.
ensureSelectionTarget();
