/**
 * The one drawing of a causal graph, used by every picture of one:
 * `Graph.toMimeBundle`, `show.graph`'s SVG fallback and the JupyterLab
 * widget. `layoutGraph` places the nodes: in layers top to bottom (dagre's
 * Sugiyama-style layout: Gansner et al. 1993, "A technique for drawing
 * directed graphs"), by a spring embedder (Fruchterman & Reingold 1991) or
 * on a circle; `edgeShape` turns an edge's route and endpoint marks
 * into the line, arrowheads and PAG circles; `placeLabels` puts the edge
 * labels beside their edges where they cross no line, box or other label;
 * `graphSvg` writes the whole
 * drawing as a standalone SVG; the widget builds the same elements in the
 * DOM (with theme colours) and moves them when a node is dragged.
 *
 * Shared with the JupyterLab extension and dependency-free (see schema.ts):
 * dagre is passed in, so the library loads it eagerly and the widget lazily.
 */
import { GRAPH_LAYOUTS, edgeSymbol, type EndpointMark, type GraphEdge, type GraphLayoutName, type GraphPayload, type GraphPrior } from "./schema";
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
 * Place the nodes of `g` with the named layout (default: the payload's
 * `layout`, else "layered"); routes run box border to box border.
 * - "layered": top to bottom (nodesep 30 px, ranksep 55 px, margin 16 px);
 *   undirected and bidirected edges are laid out as from → to; nodes are
 *   given to dagre under their index, so any string is a safe node id; cost:
 *   dagre's network-simplex ranking and crossing reduction, about O(V·E).
 * - "circular": nodes in payload order clockwise from the top, on a circle
 *   on which neighbouring centres are the widest box's diagonal plus 48 px
 *   apart (so no boxes overlap); straight edges. O(V).
 * - "force": spring embedder (Fruchterman & Reingold 1991, "Graph drawing by
 *   force-directed placement"), deterministic (starts from the circle), 300
 *   steps, then boxes pushed apart until none overlap; straight edges.
 *   O(300·V² + E).
 */
export function layoutGraph(g: GraphPayload, dagre: DagreLike, name: GraphLayoutName = g.layout ?? "layered"): GraphLayout {
  if (!GRAPH_LAYOUTS.includes(name)) throw new RangeError(`layoutGraph: layout must be one of ${GRAPH_LAYOUTS.join(", ")}, got ${JSON.stringify(name)}`);
  if (name === "layered") return layeredLayout(g, dagre);
  const boxes = g.nodes.map((n) => ({ id: n.id, label: n.label, x: 0, y: 0, width: labelWidth(n.label), height: NODE_HEIGHT }));
  circlePositions(boxes);
  if (name === "force") springPositions(boxes, g);
  return straightLayout(g, boxes);
}

function layeredLayout(g: GraphPayload, dagre: DagreLike): GraphLayout {
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

/** Boxes clockwise from the top of a circle on which neighbours are a box diagonal plus 48 px apart (chord). */
function circlePositions(boxes: NodeBox[]): void {
  const n = boxes.length;
  const diag = Math.max(0, ...boxes.map((b) => Math.hypot(b.width, b.height)));
  const r = n < 2 ? 0 : Math.max(60, (diag + 48) / (2 * Math.sin(Math.PI / n)));
  boxes.forEach((b, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, n);
    b.x = r * Math.cos(a);
    b.y = r * Math.sin(a);
  });
}

/** Fruchterman–Reingold from the current positions, then overlap removal. */
function springPositions(boxes: NodeBox[], g: GraphPayload): void {
  const n = boxes.length;
  if (n < 2) return;
  const index = new Map(boxes.map((b, i) => [b.id, i]));
  const pairs = g.edges.filter((e) => e.from !== e.to).map((e) => [index.get(e.from)!, index.get(e.to)!]);
  const k = 80 + boxes.reduce((s, b) => s + b.width, 0) / n / 2; // ideal edge length, px (room for a label between boxes)
  const dx = new Float64Array(n), dy = new Float64Array(n);
  let temp = k * 2;
  for (let step = 0; step < 300; step++) {
    dx.fill(0);
    dy.fill(0);
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        let ux = boxes[i].x - boxes[j].x, uy = boxes[i].y - boxes[j].y;
        let d = Math.hypot(ux, uy);
        if (d < 1e-6) { ux = 1e-3 * (i - j); uy = 1e-3; d = Math.hypot(ux, uy); }
        const f = (k * k) / d / d;
        dx[i] += ux * f; dy[i] += uy * f; dx[j] -= ux * f; dy[j] -= uy * f;
      }
    for (const [i, j] of pairs) {
      const ux = boxes[i].x - boxes[j].x, uy = boxes[i].y - boxes[j].y;
      const f = Math.hypot(ux, uy) / k;
      dx[i] -= ux * f; dy[i] -= uy * f; dx[j] += ux * f; dy[j] += uy * f;
    }
    for (let i = 0; i < n; i++) {
      const d = Math.hypot(dx[i], dy[i]);
      if (d > 0) { boxes[i].x += (dx[i] / d) * Math.min(d, temp); boxes[i].y += (dy[i] / d) * Math.min(d, temp); }
    }
    temp = Math.max(1, temp * 0.985);
  }
  separateBoxes(boxes, 16);
}

/** Push overlapping boxes apart along the axis of least overlap until every pair is `gap` px apart (at most 200 sweeps). O(sweeps·V²). */
export function separateBoxes(boxes: NodeBox[], gap: number): void {
  for (let sweep = 0; sweep < 200; sweep++) {
    let moved = false;
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        const ox = (a.width + b.width) / 2 + gap - Math.abs(a.x - b.x);
        const oy = (a.height + b.height) / 2 + gap - Math.abs(a.y - b.y);
        if (ox <= 0 || oy <= 0) continue;
        moved = true;
        if (ox < oy) { const s = (a.x < b.x || (a.x === b.x && i < j) ? -1 : 1) * (ox / 2 + 0.01); a.x += s; b.x -= s; }
        else { const s = (a.y < b.y || (a.y === b.y && i < j) ? -1 : 1) * (oy / 2 + 0.01); a.y += s; b.y -= s; }
      }
    if (!moved) return;
  }
}

/** Shift boxes to a 16 px margin; straight routes (empty: drawn box to box). */
function straightLayout(g: GraphPayload, boxes: NodeBox[]): GraphLayout {
  const M = 16;
  const x0 = Math.min(...boxes.map((b) => b.x - b.width / 2)), y0 = Math.min(...boxes.map((b) => b.y - b.height / 2));
  const nodes = new Map<string, NodeBox>();
  let width = 0, height = 0;
  for (const b of boxes) {
    b.x += M - x0;
    b.y += M - y0;
    width = Math.max(width, b.x + b.width / 2 + M);
    height = Math.max(height, b.y + b.height / 2 + M);
    nodes.set(b.id, b);
  }
  return { nodes, routes: g.edges.map(() => []), width, height };
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
  /** The drawn line as points (a self-loop: its control polygon), for label placement. */
  points: Point[];
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
  return { d, heads, circles, points: pts };
}

/**
 * The label written beside an edge: its weight, its confidence as a
 * percentage, or both (`0.62 (94%)`); "" when it has neither.
 */
export function edgeLabel(e: GraphEdge): string {
  const w = e.weight !== undefined ? formatValue(e.weight) : "";
  const c = e.confidence !== undefined ? `${Math.round(e.confidence * 100)}%` : "";
  return w && c ? `${w} (${c})` : w || c;
}

/** Font size of edge labels, px. */
export const LABEL_FONT_SIZE = 11;

/** Approximate size (px) of an edge label at 11 px sans-serif (0.62 em per character; the widget measures instead). */
export function labelSize(text: string): { width: number; height: number } {
  return { width: Math.ceil(text.length * 0.62 * LABEL_FONT_SIZE) + 2, height: LABEL_FONT_SIZE + 3 };
}

/** An axis-aligned box by its centre and size. */
export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

function segmentHitsBox(a: Point, b: Point, r: LabelBox, pad: number): boolean {
  // Liang–Barsky clipping of segment ab against the padded box
  const x0 = r.x - r.width / 2 - pad, x1 = r.x + r.width / 2 + pad, y0 = r.y - r.height / 2 - pad, y1 = r.y + r.height / 2 + pad;
  const dx = b.x - a.x, dy = b.y - a.y;
  let t0 = 0, t1 = 1;
  for (const [p, q] of [[-dx, a.x - x0], [dx, x1 - a.x], [-dy, a.y - y0], [dy, y1 - a.y]]) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

function boxesOverlap(a: LabelBox, b: LabelBox, pad: number): boolean {
  return Math.abs(a.x - b.x) * 2 < a.width + b.width + 2 * pad && Math.abs(a.y - b.y) * 2 < a.height + b.height + 2 * pad;
}

/**
 * Centres for the edge labels, each beside its own edge and clear of every
 * drawn line, node box and label placed before it (2 px apart). Candidates:
 * points at 1/2, 2/5, 3/5, 1/3, 2/3, 1/4, 3/4, 0.15, 0.85 of the edge's
 * length, on either side, at 1..4 label extents from the line. The best one
 * crosses fewest things, then is nearest its edge's middle (px off the
 * line beyond the first step plus px along it from the middle), then reaches
 * least outside `area` (the layout's extent; the drawing grows to hold
 * labels, see drawingBounds). `lines[i]` is edge i's drawn polyline,
 * `sizes[i]` its label's size (null: no label; result null). Greedy, in
 * edge order: O(labels · 72 candidates · (segments + nodes + labels)).
 */
export function placeLabels(lines: Point[][], sizes: ({ width: number; height: number } | null)[], nodes: Iterable<NodeBox>, area: { width: number; height: number }, pad = 2): (LabelBox | null)[] {
  const boxes = [...nodes];
  const segs: [Point, Point][] = [];
  for (const l of lines) for (let k = 1; k < l.length; k++) segs.push([l[k - 1], l[k]]);
  const placed: LabelBox[] = [];
  const crossings = (r: LabelBox) => {
    let n = 0;
    for (const [a, b] of segs) if (segmentHitsBox(a, b, r, pad)) n++;
    for (const b of boxes) if (boxesOverlap(r, b, pad)) n++;
    for (const q of placed) if (boxesOverlap(r, q, pad)) n++;
    return n;
  };
  const outside = (r: LabelBox) => Math.max(0, r.width / 2 - r.x) + Math.max(0, r.x + r.width / 2 - area.width) + Math.max(0, r.height / 2 - r.y) + Math.max(0, r.y + r.height / 2 - area.height);
  return lines.map((line, i) => {
    const size = sizes[i];
    if (!size || line.length < 2) return null;
    const cum = [0];
    for (let k = 1; k < line.length; k++) cum.push(cum[k - 1] + Math.hypot(line[k].x - line[k - 1].x, line[k].y - line[k - 1].y));
    const total = cum[cum.length - 1];
    let best: LabelBox | null = null, bestScore = Infinity;
    for (const f of [0.5, 0.4, 0.6, 1 / 3, 2 / 3, 0.25, 0.75, 0.15, 0.85]) {
      const at = f * total;
      let k = 1;
      while (k < line.length - 1 && cum[k] < at) k++;
      const a = line[k - 1], b = line[k], seg = cum[k] - cum[k - 1] || 1;
      const t = Math.max(0, Math.min(1, (at - cum[k - 1]) / seg));
      const px = a.x + (b.x - a.x) * t, py = a.y + (b.y - a.y) * t;
      const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
      const nx = -(b.y - a.y) / len, ny = (b.x - a.x) / len;
      // distance from the centre to the box edge along the normal
      const reach = Math.abs(nx) * size.width / 2 + Math.abs(ny) * size.height / 2;
      for (const step of [1, 2, 3, 4]) for (const side of [1, -1]) {
        const extra = (step - 1) * Math.max(size.height, reach);
        const off = reach + pad + 2 + extra;
        const r = { x: px + side * nx * off, y: py + side * ny * off, width: size.width, height: size.height };
        const sc = crossings(r) * 1e6 + extra + Math.abs(f - 0.5) * total + 0.25 * outside(r);
        if (sc < bestScore) { best = r; bestScore = sc; }
      }
    }
    const r = { x: Number(best!.x.toFixed(1)), y: Number(best!.y.toFixed(1)), width: size.width, height: size.height };
    placed.push(r);
    return r;
  });
}

/**
 * The drawing's extent: the layout's size (at least 120 × 60 px), grown to
 * hold every node box (16 px margin; dragged nodes) and label (2 px), as an
 * SVG viewBox (x, y may be negative).
 */
export function drawingBounds(L: GraphLayout, labels: (LabelBox | null)[]): { x: number; y: number; width: number; height: number } {
  const size = drawingSize(L);
  let x0 = 0, y0 = 0, x1 = size.width, y1 = size.height;
  for (const b of L.nodes.values()) {
    x0 = Math.min(x0, b.x - b.width / 2 - 16); x1 = Math.max(x1, b.x + b.width / 2 + 16);
    y0 = Math.min(y0, b.y - b.height / 2 - 16); y1 = Math.max(y1, b.y + b.height / 2 + 16);
  }
  for (const r of labels) {
    if (!r) continue;
    x0 = Math.min(x0, r.x - r.width / 2 - 2); x1 = Math.max(x1, r.x + r.width / 2 + 2);
    y0 = Math.min(y0, r.y - r.height / 2 - 2); y1 = Math.max(y1, r.y + r.height / 2 + 2);
  }
  x0 = Math.floor(x0); y0 = Math.floor(y0);
  return { x: x0, y: y0, width: Math.ceil(x1) - x0, height: Math.ceil(y1) - y0 };
}

/** One row of an endpoint-mark legend: the marks of a sample edge and what they mean. */
export interface MarkLegendRow {
  fromMark: EndpointMark;
  toMark: EndpointMark;
  text: string;
}

/**
 * The endpoint-mark legend of a graph, shared by the widget and the static
 * SVG: for a PAG (any circle mark) what each mark means (Zhang 2008, "On the
 * completeness of orientation rules for causal discovery in the presence of
 * latent confounders and selection bias"); for a CPDAG (undirected edges)
 * what an undirected edge means (Chickering 2002); for bidirected edges
 * alone, that row; null for a DAG. O(edges).
 */
export function markLegend(g: GraphPayload): { kind: "PAG" | "CPDAG" | "edge"; title: string; rows: MarkLegendRow[] } | null {
  const has = (f: (e: GraphEdge) => boolean) => g.edges.some(f);
  const bidirected: MarkLegendRow = { fromMark: ">", toMark: ">", text: "arrowheads at both ends: neither causes the other; a hidden common cause" };
  if (has((e) => e.fromMark === "o" || e.toMark === "o")) {
    return {
      kind: "PAG", title: "PAG (FCI) endpoint marks:", rows: [
        { fromMark: "-", toMark: ">", text: "tail → arrowhead: a cause of (an ancestor of) the target, in every graph the data allow" },
        { fromMark: "o", toMark: ">", text: "circle: this end is not determined (tail or arrowhead); the arrowhead end is not a cause of the other" },
        { fromMark: "o", toMark: "o", text: "circles at both ends: adjacent, no orientation determined" },
        bidirected,
      ],
    };
  }
  if (has((e) => e.type === "undirected")) {
    const rows: MarkLegendRow[] = [
      { fromMark: "-", toMark: ">", text: "directed: the same orientation in every DAG that fits the data" },
      { fromMark: "-", toMark: "-", text: "undirected: the data cannot orient it (both directions are in the Markov equivalence class)" },
    ];
    if (has((e) => e.type === "bidirected")) rows.push(bidirected);
    return { kind: "CPDAG", title: "CPDAG edges:", rows };
  }
  if (has((e) => e.type === "bidirected")) return { kind: "edge", title: "edges:", rows: [bidirected] };
  return null;
}

/** A short sample of an edge with the given marks, 44 × 14 px, for legends. */
export function markSample(fromMark: EndpointMark, toMark: EndpointMark): EdgeShape {
  const e: GraphEdge = { from: "a", to: "b", type: "directed", fromMark, toMark };
  const a: NodeBox = { id: "a", label: "", x: 2, y: 7, width: 0, height: 0 };
  const b: NodeBox = { id: "b", label: "", x: 42, y: 7, width: 0, height: 0 };
  return edgeShape(e, [], a, b, 1.5);
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
 * |weight|, weight and confidence written beside the edge (`placeLabels`),
 * bidirected edges dashed, the payload's prior knowledge (required edges
 * green, forbidden red and crossed, tiers), and the PAG / CPDAG legend
 * (`markLegend`) below.
 * The elements carry the widget's class names (cs-node, cs-edge, ...).
 * Data strings are XML-escaped. O(nodes + edge route points).
 */
export function graphSvg(g: GraphPayload, L: GraphLayout): string {
  const maxW = maxAbsWeight(g);
  const shapes = g.edges.map((e, i) => edgeShape(e, L.routes[i], L.nodes.get(e.from)!, L.nodes.get(e.to)!, edgeWidth(e.weight, maxW)));
  const texts = g.edges.map(edgeLabel);
  const labels = placeLabels(shapes.map((s) => s.points), texts.map((t) => (t ? labelSize(t) : null)), L.nodes.values(), drawingSize(L));
  const box = drawingBounds(L, labels);
  const legend = markLegend(g);
  const LEGEND_ROW = 18;
  const legendH = legend ? 8 + LEGEND_ROW * (legend.rows.length + 1) : 0;
  const legendW = legend ? Math.max(...legend.rows.map((r) => 8 + 44 + 8 + 30 + Math.ceil(r.text.length * 0.56 * LABEL_FONT_SIZE) + 8)) : 0;
  const W = Math.max(box.width, legendW), top = g.title ? 24 : 0;
  const H = box.height + top + legendH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="${FONT_SIZE}">`);
  parts.push(`<rect width="100%" height="100%" fill="${PAPER}"/>`);
  if (g.title) parts.push(`<text x="${W / 2}" y="17" text-anchor="middle" font-weight="bold">${escapeXml(g.title)}</text>`);
  parts.push(`<g transform="translate(${-box.x},${top - box.y})">`);
  g.edges.forEach((e, i) => {
    const sw = edgeWidth(e.weight, maxW);
    const s = shapes[i];
    parts.push(`<g class="cs-edge cs-edge--${e.type}" opacity="${edgeOpacity(e.confidence).toFixed(3)}"><title>${escapeXml(edgeTitle(e))}</title>`);
    parts.push(`<path class="cs-edge-line" d="${s.d}" fill="none" stroke="${INK}" stroke-width="${sw.toFixed(2)}"${e.type === "bidirected" ? ' stroke-dasharray="6 3"' : ""}/>`);
    for (const h of s.heads) parts.push(`<polygon class="cs-edge-head" points="${h}" fill="${INK}"/>`);
    for (const c of s.circles) parts.push(`<circle class="cs-edge-circle" cx="${c.cx}" cy="${c.cy}" r="${c.r}" fill="${PAPER}" stroke="${INK}" stroke-width="1.5"/>`);
    const at = labels[i];
    if (at) parts.push(`<text class="cs-edge-label" x="${at.x}" y="${at.y}" text-anchor="middle" dominant-baseline="central" font-size="${LABEL_FONT_SIZE}" fill="#555555">${escapeXml(texts[i])}</text>`);
    parts.push(`</g>`);
  });
  if (g.prior) parts.push(...priorSvg(g.prior, L));
  for (const n of g.nodes) {
    const b = L.nodes.get(n.id)!;
    parts.push(`<g class="cs-node" transform="translate(${b.x.toFixed(1)},${b.y.toFixed(1)})"><title>${escapeXml(nodeTitle(n))}</title>`);
    parts.push(`<rect x="${-b.width / 2}" y="${-b.height / 2}" width="${b.width}" height="${b.height}" rx="8" ry="8" fill="${PAPER}" stroke="${INK}" stroke-width="1.5"/>`);
    parts.push(`<text text-anchor="middle" dominant-baseline="central">${escapeXml(shortLabel(n.label))}</text></g>`);
  }
  parts.push(`</g>`);
  if (legend) {
    const y0 = top + box.height + 8;
    parts.push(`<g class="cs-graph-legend-marks" transform="translate(8,${y0})" font-size="${LABEL_FONT_SIZE}"><text x="0" y="${LEGEND_ROW / 2}" dominant-baseline="central" font-weight="bold">${escapeXml(legend.title)}</text>`);
    legend.rows.forEach((r, k) => {
      const s = markSample(r.fromMark, r.toMark);
      parts.push(`<g transform="translate(0,${LEGEND_ROW * (k + 1) + 2})"><path d="${s.d}" fill="none" stroke="${INK}" stroke-width="1.5"/>`);
      for (const h of s.heads) parts.push(`<polygon class="cs-legend-head" points="${h}" fill="${INK}"/>`);
      for (const c of s.circles) parts.push(`<circle class="cs-legend-circle" cx="${c.cx}" cy="${c.cy}" r="${c.r}" fill="${PAPER}" stroke="${INK}" stroke-width="1.5"/>`);
      parts.push(`<text x="52" y="7" dominant-baseline="central" font-family="monospace">${escapeXml(edgeSymbol(r.fromMark, r.toMark))}</text><text x="82" y="7" dominant-baseline="central">${escapeXml(r.text)}</text></g>`);
    });
    parts.push(`</g>`);
  }
  parts.push(`</svg>`);
  return parts.join("\n");
}

const REQUIRED_INK = "#2e7d32";
const FORBIDDEN_INK = "#c62828";

/** Prior knowledge drawn over a graph (static SVG): required edges green dashed with an arrowhead, forbidden ones red dashed and crossed, tier badges. */
function priorSvg(prior: GraphPrior, L: GraphLayout): string[] {
  const parts: string[] = [];
  const line = (a: string, b: string, ink: string, toMark: EndpointMark, cls: string, title: string) => {
    const s = edgeShape({ from: a, to: b, type: "directed", fromMark: "-", toMark }, [], L.nodes.get(a)!, L.nodes.get(b)!, 2);
    parts.push(`<g class="cs-prior-edge ${cls}"><title>${escapeXml(title)}</title><path d="${s.d}" fill="none" stroke="${ink}" stroke-width="2" stroke-dasharray="5 3"/>`);
    for (const h of s.heads) parts.push(`<polygon points="${h}" fill="${ink}"/>`);
    return s;
  };
  for (const [a, b] of prior.required) {
    line(a, b, REQUIRED_INK, ">", "cs-prior-required", `required ${a} -> ${b}`);
    parts.push(`</g>`);
  }
  const seen = new Set<string>();
  for (const [a, b] of prior.forbidden) {
    const key = JSON.stringify(a < b ? [a, b] : [b, a]);
    if (seen.has(key)) continue;
    seen.add(key);
    const both = prior.forbidden.some(([c, d]) => c === b && d === a);
    const s = line(a, b, FORBIDDEN_INK, both ? "-" : ">", "cs-prior-forbidden", both ? `forbidden ${a} -- ${b} (both directions)` : `forbidden ${a} -> ${b}`);
    const m = s.points[Math.floor(s.points.length / 2)], m0 = s.points[Math.floor(s.points.length / 2) - 1] ?? m;
    parts.push(`<text x="${((m.x + m0.x) / 2).toFixed(1)}" y="${((m.y + m0.y) / 2).toFixed(1)}" text-anchor="middle" dominant-baseline="central" fill="${FORBIDDEN_INK}" font-size="16" font-weight="bold">×</text></g>`);
  }
  prior.tiers.forEach((t, k) => {
    for (const id of t) {
      const b = L.nodes.get(id);
      if (b) parts.push(`<text class="cs-node-tier" x="${(b.x + b.width / 2 + 3).toFixed(1)}" y="${(b.y - b.height / 2 + 8).toFixed(1)}" font-size="10" font-weight="bold" fill="#1565c0">tier ${k + 1}</text>`);
    }
  });
  return parts;
}
