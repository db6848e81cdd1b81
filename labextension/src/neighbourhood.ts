/**
 * Graph structure and layout for the causal-graph widget: parents, children,
 * Markov blanket, and a layered (Sugiyama) layout computed with dagre
 * (Gansner et al. 1993, "A technique for drawing directed graphs").
 */
import type { GraphPayload } from './schema';

export interface NodeBox {
  id: string;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EdgeRoute {
  index: number;
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  nodes: Map<string, NodeBox>;
  edges: EdgeRoute[];
  width: number;
  height: number;
}

/** The subset of dagre's API used here (the module is passed in so it can be loaded lazily). */
export interface DagreLike {
  graphlib: { Graph: new (opts?: { multigraph?: boolean }) => any };
  layout(g: any): void;
}

/** Longest label drawn in full; longer ones are shortened with "…" (the full label is the node's tooltip). */
export const MAX_LABEL = 30;

/** The label as drawn in a node box. */
export function shortLabel(label: string): string {
  return label.length > MAX_LABEL ? label.slice(0, MAX_LABEL - 1) + '…' : label;
}

/** Approximate width (px) of a node box for a label at 13 px sans-serif. */
export function labelWidth(label: string): number {
  return Math.max(40, 7.6 * shortLabel(label).length + 24);
}

/** Layered layout, top to bottom; bidirected/undirected edges are laid out as from → to. */
export function layoutGraph(g: GraphPayload, dagre: DagreLike): GraphLayout {
  const dg = new dagre.graphlib.Graph({ multigraph: true });
  dg.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 55, marginx: 16, marginy: 16 });
  dg.setDefaultEdgeLabel(() => ({}));
  for (const n of g.nodes) dg.setNode(n.id, { width: labelWidth(n.label), height: 32 });
  g.edges.forEach((e, i) => {
    if (e.from !== e.to) dg.setEdge(e.from, e.to, { minlen: e.type === 'directed' ? 1 : 1 }, `e${i}`);
  });
  dagre.layout(dg);
  const nodes = new Map<string, NodeBox>();
  for (const n of g.nodes) {
    const d = dg.node(n.id);
    nodes.set(n.id, { id: n.id, label: n.label, x: d.x, y: d.y, width: d.width, height: d.height });
  }
  const edges: EdgeRoute[] = g.edges.map((e, i) => {
    const d = e.from === e.to ? undefined : dg.edge(e.from, e.to, `e${i}`);
    return { index: i, points: d ? d.points.map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })) : [] };
  });
  const gg = dg.graph();
  return { nodes, edges, width: gg.width ?? 0, height: gg.height ?? 0 };
}

export interface Neighbourhood {
  parents: Set<string>;
  children: Set<string>;
  /** Undirected/bidirected neighbours (CPDAG/PAG edges that are not oriented). */
  adjacent: Set<string>;
  /** Parents, children, the children's other parents, and unoriented neighbours. */
  markovBlanket: Set<string>;
}

/** Parents, children and Markov blanket of `id` (Pearl 1988). */
export function neighbourhood(g: GraphPayload, id: string): Neighbourhood {
  const parents = new Set<string>(), children = new Set<string>(), adjacent = new Set<string>();
  for (const e of g.edges) {
    if (e.type === 'directed') {
      if (e.to === id && e.from !== id) parents.add(e.from);
      if (e.from === id && e.to !== id) children.add(e.to);
    } else {
      if (e.from === id && e.to !== id) adjacent.add(e.to);
      if (e.to === id && e.from !== id) adjacent.add(e.from);
    }
  }
  const mb = new Set<string>([...parents, ...children, ...adjacent]);
  for (const e of g.edges) if (e.type === 'directed' && children.has(e.to) && e.from !== id) mb.add(e.from);
  return { parents, children, adjacent, markovBlanket: mb };
}

/** Where the segment from the centre of `box` towards (tx, ty) leaves the box. */
export function boxExit(box: NodeBox, tx: number, ty: number): { x: number; y: number } {
  const dx = tx - box.x, dy = ty - box.y;
  if (dx === 0 && dy === 0) return { x: box.x, y: box.y };
  const sx = dx === 0 ? Infinity : box.width / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : box.height / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return { x: box.x + dx * s, y: box.y + dy * s };
}

/** SVG path data through points (straight segments). */
export function pathData(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}
