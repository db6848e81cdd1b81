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
import { atomsPayload, graphPayload, newViewId, normaliseAtoms, type AtomsInput, type GraphInput, type ShowAtomsOptions, type ShowGraphOptions } from "./payload";
import { ATOMS_MIME, GRAPH_MIME, edgeSymbol, parseGraphPayload, type AtomsPayloadJSON, type GraphPayloadJSON } from "./shared/schema";
import { formatValue } from "./shared/format";
import { atomsPng, payloadSvg } from "./static";
import { ensureSelectionTarget, rememberGraphView, rememberView } from "./selection";

export { ATOMS_MIME, GRAPH_MIME, SELECTION_COMM_TARGET, PALETTE } from "./shared/schema";
export type { AtomsPayloadJSON, GraphPayloadJSON } from "./shared/schema";
export type { AtomsInput, GraphInput, ShowAtomsOptions, ShowGraphOptions } from "./payload";
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
 * Cost: O(pixels + atoms); the payload carries float32 positions (about
 * 11 bytes per atom per column in base64).
 * @example
 *   const atoms = cs.findAtoms(img, { sigma: 2 });
 *   cs.show.atoms(img, atoms, { title: "SrTiO3 ADF" })
 */
export function atoms(image: Image, atomsInput: AtomsInput, options: ShowAtomsOptions = {}): AtomsView {
  if (!isImage(image)) throw new TypeError("show.atoms: image must be an Image { data: Float32Array, width, height } with data.length = width*height");
  if (image.width === 0 || image.height === 0) throw new RangeError(`show.atoms: image is empty (${image.width}×${image.height} pixels)`);
  const a = normaliseAtoms(image, atomsInput, options);
  const id = newViewId("atoms");
  const { payload, levels } = atomsPayload(image, a, { ...options, id });
  const { png } = atomsPng(levels, image.width, image.height, a, image.calibration);
  rememberView(id, a.count);
  ensureSelectionTarget();
  const counts = a.classes.map((c, k) => {
    let n = 0;
    for (let i = 0; i < a.count; i++) if (a.cls[i] === k) n++;
    return `${c.name} ${n}`;
  });
  const text = `${options.title ? `${options.title}: ` : ""}${a.count} atoms over a ${image.width}×${image.height} image` + (a.classes.length > 1 ? ` (${counts.join(", ")})` : "") + (a.vectors ? `, ${a.vectors.label} arrows ×${a.gain}` : "") + (a.colorBy ? `, coloured by ${a.colorBy.name} (${a.colorBy.map}, ${formatValue(a.colorBy.range[0])} to ${formatValue(a.colorBy.range[1])})` : "");
  return new AtomsView(id, payload, png, text);
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
