/**
 * The one drawing of a causal graph, used by every picture of one:
 * `Graph.toMimeBundle`, `show.graph`'s SVG fallback and the JupyterLab
 * widget. `layoutGraph` places the nodes in layers top to bottom (dagre's
 * Sugiyama-style layout: Gansner et al. 1993, "A technique for drawing
 * directed graphs"); `edgeShape` turns an edge's route and endpoint marks
 * into the line, arrowheads and PAG circles; `graphSvg` writes the whole
 * drawing as a standalone SVG; the widget builds the same elements in the
 * DOM (with theme colours) and moves them when a node is dragged.
 *
 * Shared with the JupyterLab extension and dependency-free (see schema.ts):
 * dagre is passed in, so the library loads it eagerly and the widget lazily.
 */
import { edgeSymbol, type EndpointMark, type GraphEdge, type GraphPayload } from "./schema";
import { formatValue } from "./format";

export interface Point {
  x: number;
  y: number;
}

/** A node's box: centre (x, y), size, in drawing pixels. */
export interface NodeBox {
  id: string;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphLayout {
  /** Boxes by node id (a Map: ids such as "constructor" or "__proto__" are ordinary keys). */
  nodes: Map<string, NodeBox>;
  /** Route of each edge (aligned with the payload's edges), box border to box border; empty for a self-loop. */
  routes: Point[][];
  width: number;
  height: number;
}

/** The part of dagre's API used here (the module is passed in so the widget can load it lazily). */
export interface DagreLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  graphlib: { Graph: new (opts?: { multigraph?: boolean }) => any };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  layout(g: any): void;
}

/** Longest label drawn in full; longer ones are shortened with "…" (the full label is the node's tooltip). */
export const MAX_LABEL = 30;
/** Height of a node box, px. */
export const NODE_HEIGHT = 32;
/** Font size of node labels, px (13 px sans-serif is about 7.6 px per character). */
export const FONT_SIZE = 13;

/** The label as drawn in a node box. */
export function shortLabel(label: string): string {
  return label.length > MAX_LABEL ? label.slice(0, MAX_LABEL - 1) + "…" : label;
}

/** Approximate width (px) of a node box for a label at 13 px sans-serif. */
export function labelWidth(label: string): number {
  return Math.max(40, 7.6 * shortLabel(label).length + 24);
}

/**
 * Layered layout, top to bottom (nodesep 30 px, ranksep 55 px, margin 16 px);
 * undirected and bidirected edges are laid out as from → to. Nodes are given
 * to dagre under their index, so any string is a safe node id. Cost: dagre's
 * network-simplex ranking and crossing reduction, about O(V·E) in practice.
 */
export function layoutGraph(g: GraphPayload, dagre: DagreLike): GraphLayout {
  const dg = new dagre.graphlib.Graph({ multigraph: true });
  dg.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 55, marginx: 16, marginy: 16 });
  dg.setDefaultEdgeLabel(() => ({}));
  const key = new Map<string, string>();
  g.nodes.forEach((n, i) => {
    key.set(n.id, `n${i}`);
    dg.setNode(`n${i}`, { width: labelWidth(n.label), height: NODE_HEIGHT });
  });
  g.edges.forEach((e, i) => {
    if (e.from !== e.to) dg.setEdge(key.get(e.from)!, key.get(e.to)!, {}, `e${i}`);
  });
  dagre.layout(dg);
  const nodes = new Map<string, NodeBox>();
  for (const n of g.nodes) {
    const d = dg.node(key.get(n.id)!);
    nodes.set(n.id, { id: n.id, label: n.label, x: d.x, y: d.y, width: d.width, height: d.height });
  }
  const routes = g.edges.map((e, i): Point[] => {
    if (e.from === e.to) return [];
    const d = dg.edge(key.get(e.from)!, key.get(e.to)!, `e${i}`);
    return d.points.map((p: Point) => ({ x: p.x, y: p.y }));
  });
  const gg = dg.graph();
  return { nodes, routes, width: gg.width ?? 0, height: gg.height ?? 0 };
}

/** Where the segment from the centre of `box` towards (tx, ty) leaves the box. */
export function boxExit(box: NodeBox, tx: number, ty: number): Point {
  const dx = tx - box.x, dy = ty - box.y;
  if (dx === 0 && dy === 0) return { x: box.x, y: box.y };
  const sx = dx === 0 ? Infinity : box.width / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : box.height / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return { x: box.x + dx * s, y: box.y + dy * s };
}

/** SVG path data through points (straight segments, 0.1 px). */
export function pathData(points: Point[]): string {
  return points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
}

/**
 * Stroke width (px) of an edge from its weight: 1.5 px for no weight, growing
 * linearly with |weight| / max |weight| from 1 to 6 px.
 */
export function edgeWidth(weight: number | undefined, maxAbsWeight: number): number {
  if (weight === undefined || !(maxAbsWeight > 0)) return 1.5;
  return 1 + 5 * Math.min(1, Math.abs(weight) / maxAbsWeight);
}

/** Opacity of an edge from its confidence in [0, 1]: 0.15 + 0.85 × confidence (no confidence: opaque). */
export function edgeOpacity(confidence: number | undefined): number {
  if (confidence === undefined) return 1;
  return 0.15 + 0.85 * Math.max(0, Math.min(1, confidence));
}

/** Largest |weight| among the edges (0 when none has a weight). */
export function maxAbsWeight(g: GraphPayload): number {
  return Math.max(0, ...g.edges.map((e) => Math.abs(e.weight ?? 0)));
}

/** An edge's tooltip: `a o-> b · weight 0.5 · confidence 0.8`. */
export function edgeTitle(e: GraphEdge): string {
  const bits = [`${e.from} ${edgeSymbol(e.fromMark, e.toMark)} ${e.to}`];
  if (e.weight !== undefined) bits.push(`weight ${formatValue(e.weight)}`);
  if (e.confidence !== undefined) bits.push(`confidence ${formatValue(e.confidence)}`);
  return bits.join(" · ");
}

/** A node's tooltip: the full label, with the id when they differ. */
export function nodeTitle(n: { id: string; label: string }): string {
  return n.label === n.id ? n.id : `${n.label} (${n.id})`;
}

/** The geometry of one drawn edge. */
export interface EdgeShape {
  /** SVG path data of the line. */
  d: string;
  /** Arrowheads (SVG polygon `points`), for the ">" marks. */
  heads: string[];
  /** Open circles, for the "o" marks (PAG). */
  circles: { cx: number; cy: number; r: number }[];
  /** Start of the weight label (text-anchor start), beside the line. */
  labelAt: Point;
}

/** Radius (px) of a PAG circle mark on a line of width `sw`. */
function circleRadius(sw: number): number {
  return 3.5 + sw / 2;
}

/**
 * The line, arrowheads (">": a triangle 8 + 1.5·sw long, 2·(4 + sw) wide,
 * tip on the box border) and circles ("o": an open circle touching the box)
 * of edge `e`, drawn through `route` (box border to box border). An empty
 * route (a dragged node, a self-loop) draws a straight line between the
 * boxes `a` (at `from`) and `b` (at `to`), or a loop on the right of `a`.
 */
export function edgeShape(e: GraphEdge, route: Point[], a: NodeBox, b: NodeBox, sw: number): EdgeShape {
  let pts = route;
  let d: string;
  if (e.from === e.to) {
    const x = a.x + a.width / 2, y = a.y;
    d = `M${x.toFixed(1)},${(y - 6).toFixed(1)} C${(x + 30).toFixed(1)},${(y - 30).toFixed(1)} ${(x + 30).toFixed(1)},${(y + 30).toFixed(1)} ${x.toFixed(1)},${(y + 6).toFixed(1)}`;
    pts = [{ x, y: y - 6 }, { x: x + 20, y: y - 18 }, { x: x + 20, y: y + 18 }, { x, y: y + 6 }];
  } else {
    if (pts.length < 2) pts = [boxExit(a, b.x, b.y), boxExit(b, a.x, a.y)];
    d = pathData(pts);
  }
  const heads: string[] = [];
  const circles: EdgeShape["circles"] = [];
  const end = (m: EndpointMark, tip: Point, from: Point) => {
    const dx = tip.x - from.x, dy = tip.y - from.y, len = Math.hypot(dx, dy) || 1;
    const ux = dx / len, uy = dy / len;
    if (m === ">") {
      const h = 8 + sw * 1.5, w = 4 + sw, bx = tip.x - ux * h, by = tip.y - uy * h;
      heads.push(`${tip.x.toFixed(1)},${tip.y.toFixed(1)} ${(bx - uy * w).toFixed(1)},${(by + ux * w).toFixed(1)} ${(bx + uy * w).toFixed(1)},${(by - ux * w).toFixed(1)}`);
    } else if (m === "o") {
      const r = circleRadius(sw);
      circles.push({ cx: Number((tip.x - ux * r).toFixed(1)), cy: Number((tip.y - uy * r).toFixed(1)), r: Number(r.toFixed(2)) });
    }
  };
  end(e.toMark, pts[pts.length - 1], pts[pts.length - 2]);
  end(e.fromMark, pts[0], pts[1]);
  const m = pts[Math.floor((pts.length - 1) / 2)], n = pts[Math.floor(pts.length / 2)];
  // beside the line, right of the middle of its middle segment
  return { d, heads, circles, labelAt: { x: Number(((m.x + n.x) / 2 + sw / 2 + 4).toFixed(1)), y: Number(((m.y + n.y) / 2 - 4).toFixed(1)) } };
}

/** Size of the drawing (at least 120 × 60 px). */
export function drawingSize(L: GraphLayout): { width: number; height: number } {
  return { width: Math.max(120, Math.ceil(L.width)), height: Math.max(60, Math.ceil(L.height)) };
}

/** XML-escape text for SVG. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"));
}

const INK = "#333333";
const PAPER = "#ffffff";

/**
 * The graph as a standalone SVG document (the static picture of every graph
 * bundle): the layout `L` of `g` drawn with `edgeShape`, dark ink on white,
 * the title (if any) above; edge opacity from confidence, width from
 * |weight| with the weight written beside the edge, bidirected edges dashed.
 * The elements carry the widget's class names (cs-node, cs-edge, ...).
 * Data strings are XML-escaped. O(nodes + edge route points).
 */
export function graphSvg(g: GraphPayload, L: GraphLayout): string {
  const { width: W, height } = drawingSize(L);
  const top = g.title ? 24 : 0;
  const H = height + top;
  const maxW = maxAbsWeight(g);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="${FONT_SIZE}">`);
  parts.push(`<rect width="100%" height="100%" fill="${PAPER}"/>`);
  if (g.title) parts.push(`<text x="${W / 2}" y="17" text-anchor="middle" font-weight="bold">${escapeXml(g.title)}</text>`);
  parts.push(`<g transform="translate(0,${top})">`);
  g.edges.forEach((e, i) => {
    const sw = edgeWidth(e.weight, maxW);
    const s = edgeShape(e, L.routes[i], L.nodes.get(e.from)!, L.nodes.get(e.to)!, sw);
    parts.push(`<g class="cs-edge cs-edge--${e.type}" opacity="${edgeOpacity(e.confidence).toFixed(3)}"><title>${escapeXml(edgeTitle(e))}</title>`);
    parts.push(`<path class="cs-edge-line" d="${s.d}" fill="none" stroke="${INK}" stroke-width="${sw.toFixed(2)}"${e.type === "bidirected" ? ' stroke-dasharray="6 3"' : ""}/>`);
    for (const h of s.heads) parts.push(`<polygon class="cs-edge-head" points="${h}" fill="${INK}"/>`);
    for (const c of s.circles) parts.push(`<circle class="cs-edge-circle" cx="${c.cx}" cy="${c.cy}" r="${c.r}" fill="${PAPER}" stroke="${INK}" stroke-width="1.5"/>`);
    if (e.weight !== undefined) parts.push(`<text class="cs-edge-label" x="${s.labelAt.x}" y="${s.labelAt.y}" text-anchor="start" font-size="11" fill="#666666">${escapeXml(formatValue(e.weight))}</text>`);
    parts.push(`</g>`);
  });
  for (const n of g.nodes) {
    const b = L.nodes.get(n.id)!;
    parts.push(`<g class="cs-node" transform="translate(${b.x.toFixed(1)},${b.y.toFixed(1)})"><title>${escapeXml(nodeTitle(n))}</title>`);
    parts.push(`<rect x="${-b.width / 2}" y="${-b.height / 2}" width="${b.width}" height="${b.height}" rx="8" ry="8" fill="${PAPER}" stroke="${INK}" stroke-width="1.5"/>`);
    parts.push(`<text text-anchor="middle" dominant-baseline="central">${escapeXml(shortLabel(n.label))}</text></g>`);
  }
  parts.push(`</g></svg>`);
  return parts.join("\n");
}
