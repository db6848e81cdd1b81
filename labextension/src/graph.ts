/**
 * The causal-graph view: the library's graph drawing (layered, force or
 * circular layout, edge width from |weight|, opacity from confidence,
 * arrowheads and PAG circle marks, labels beside the edges:
 * src/show/shared/graph-drawing.ts, the code that draws the static SVG too)
 * built as SVG elements with the theme's colours. Wheel to zoom, drag the
 * background to pan; click a node to highlight its parents, children and
 * Markov blanket, drag nodes, export the drawing as a standalone SVG file.
 * Prior knowledge is drawn by hand (mode "require": drag node to node;
 * "forbid": click an edge or drag node to node; a tier per node in the prior
 * panel) and sent to the kernel, where `cs.show.prior()` reads it.
 */
import { GRAPH_LAYOUTS, edgeSymbol, type GraphEdge, type GraphLayoutName, type GraphPayload, type GraphPrior } from '../../src/show/shared/schema';
import {
  DagreLike, GraphLayout, LabelBox, NodeBox, Point, drawingBounds, drawingSize, edgeLabel, edgeOpacity, edgeShape, edgeTitle, edgeWidth, labelSize, layoutGraph, markLegend, markSample,
  maxAbsWeight, nodeTitle, placeLabels, shortLabel
} from '../../src/show/shared/graph-drawing';
import { neighbourhood } from './neighbourhood';
import { el, fmt, svgEl } from './dom';

let dagrePromise: Promise<DagreLike> | null = null;
/** dagre, imported once on first use. */
function loadDagre(): Promise<DagreLike> {
  if (!dagrePromise) {
    dagrePromise = import('@dagrejs/dagre').then((m: any) => (m.default && m.default.layout ? m.default : m) as DagreLike);
  }
  return dagrePromise;
}

interface EdgeEls {
  g: SVGGElement;
  path: SVGPathElement;
  hit: SVGPathElement;
  heads: SVGPolygonElement[];
  circles: SVGCircleElement[];
  width: number;
  points: Point[];
  label?: SVGTextElement;
}

/** What the view needs from its host: a way to send the drawn prior to the kernel (resolves to a status line). */
export interface GraphViewOptions {
  sendPrior?: (prior: GraphPrior) => Promise<string>;
}

type Mode = 'move' | 'require' | 'forbid';
const MODES: [Mode, string][] = [
  ['move', 'move & select'],
  ['require', 'prior: drag node → node to require an edge'],
  ['forbid', 'prior: click an edge (or drag node → node) to forbid it']
];

/** Zoom limits of the view. */
const MIN_SCALE = 0.2, MAX_SCALE = 8;

const samePair = (a: [string, string], b: [string, string]) => a[0] === b[0] && a[1] === b[1];

export class GraphView {
  readonly node: HTMLDivElement;
  readonly ready: Promise<void>;
  private readonly p: GraphPayload;
  private readonly options: GraphViewOptions;
  private layout: GraphLayout | null = null;
  private layoutName: GraphLayoutName;
  private svg: SVGSVGElement | null = null;
  private viewport: SVGGElement | null = null;
  private priorLayer: SVGGElement | null = null;
  private rubber: SVGLineElement | null = null;
  private view = { scale: 1, tx: 0, ty: 0 };
  private labelBoxes: (LabelBox | null)[] = [];
  private viewBox: { x: number; y: number } | null = null;
  private mode: Mode = 'move';
  private readonly nodeEls = new Map<string, SVGGElement>();
  private readonly edgeEls: EdgeEls[] = [];
  private readonly info: HTMLDivElement;
  private readonly priorPanel: HTMLDetailsElement;
  private readonly priorStatus: HTMLDivElement;
  private selectedId: string | null = null;
  private disposed = false;
  /** The prior drawn so far: edges in the order drawn, tier number (1, 2, ...) per node id. */
  private required: [string, string][] = [];
  private forbidden: [string, string][] = [];
  private readonly tier = new Map<string, number>();

  constructor(host: HTMLElement, payload: GraphPayload, options: GraphViewOptions = {}) {
    this.p = payload;
    this.options = options;
    this.layoutName = payload.layout ?? 'layered';
    if (payload.prior) {
      this.required = payload.prior.required.map(([a, b]) => [a, b]);
      this.forbidden = payload.prior.forbidden.map(([a, b]) => [a, b]);
      payload.prior.tiers.forEach((t, k) => t.forEach((id) => this.tier.set(id, k + 1)));
    }
    this.node = el('div', 'cs-graph');
    this.node.dataset.csView = payload.id;
    if (payload.title) this.node.appendChild(el('div', 'cs-title', payload.title));
    this.node.appendChild(this.buildToolbar());
    this.info = el('div', 'cs-status');
    this.node.appendChild(el('div', 'cs-graph-canvas'));
    this.node.appendChild(this.info);
    this.node.appendChild(this.buildLegend());
    this.priorPanel = el('details', 'cs-prior');
    this.priorStatus = el('div', 'cs-prior-status');
    this.node.appendChild(this.priorPanel);
    host.appendChild(this.node);
    this.setInfo();
    this.updatePriorPanel();
    this.priorPanel.open = this.priorCount() > 0;
    this.setView(this.view);
    this.ready = this.render();
  }

  private buildToolbar(): HTMLDivElement {
    const bar = el('div', 'cs-toolbar');
    const exp = el('button', 'cs-button cs-export', 'Export SVG');
    exp.type = 'button';
    exp.addEventListener('click', () => this.download());
    const layout = el('select', 'cs-select cs-graph-layout');
    layout.setAttribute('aria-label', 'layout');
    for (const name of GRAPH_LAYOUTS) {
      const o = el('option', '', name);
      o.value = name;
      layout.appendChild(o);
    }
    layout.value = this.layoutName;
    layout.addEventListener('change', () => {
      this.layoutName = layout.value as GraphLayoutName;
      void this.render();
    });
    const mode = el('select', 'cs-select cs-graph-mode');
    mode.setAttribute('aria-label', 'mode');
    for (const [m, text] of MODES) {
      const o = el('option', '', text);
      o.value = m;
      mode.appendChild(o);
    }
    mode.addEventListener('change', () => {
      this.mode = mode.value as Mode;
      this.node.dataset.mode = this.mode;
      if (this.mode !== 'move') this.priorPanel.open = true;
    });
    this.node.dataset.mode = this.mode;
    const relayout = el('button', 'cs-button cs-graph-relayout', 'Re-layout');
    relayout.type = 'button';
    relayout.addEventListener('click', () => void this.render());
    const reset = el('button', 'cs-button cs-graph-reset', 'Reset view');
    reset.type = 'button';
    reset.addEventListener('click', () => this.setView({ scale: 1, tx: 0, ty: 0 }));
    const lab = el('label', 'cs-label', 'layout ');
    lab.appendChild(layout);
    bar.append(exp, lab, relayout, mode, reset, el('span', 'cs-hint', 'wheel: zoom · drag background: pan · click a node: parents, children, Markov blanket'));
    return bar;
  }

  private buildLegend(): HTMLDivElement {
    const legend = el('div', 'cs-graph-legend');
    for (const [cls, text] of [['selected', 'selected'], ['parent', 'parent'], ['child', 'child'], ['blanket', 'other Markov-blanket member']]) {
      const item = el('span', 'cs-legend-item');
      item.append(el('span', `cs-node-swatch cs-node--${cls}`), el('span', '', text));
      legend.appendChild(item);
    }
    const marks = this.marksLegend();
    if (marks) legend.appendChild(marks);
    const ws = this.p.edges.map((e) => e.weight).filter((w): w is number => w !== undefined);
    const cs = this.p.edges.map((e) => e.confidence).filter((c): c is number => c !== undefined);
    const notes: string[] = [];
    if (ws.length) notes.push(`edge width ∝ |weight| (max ${fmt(Math.max(...ws.map(Math.abs)))})`);
    if (cs.length) notes.push('edge opacity = confidence');
    if (ws.length || cs.length) notes.push(`label: ${ws.length && cs.length ? 'weight (confidence)' : ws.length ? 'weight' : 'confidence'}`);
    if (notes.length) legend.appendChild(el('span', 'cs-legend-note', notes.join(' · ')));
    return legend;
  }

  /** The PAG / CPDAG endpoint-mark legend (graph-drawing.ts `markLegend`), with drawn samples. */
  private marksLegend(): HTMLDivElement | null {
    const legend = markLegend(this.p);
    if (!legend) return null;
    const box = el('div', `cs-graph-legend-marks cs-graph-legend--${legend.kind.toLowerCase()}`);
    box.setAttribute('aria-label', `${legend.kind} legend`);
    box.appendChild(el('span', 'cs-legend-heading', legend.title));
    for (const { fromMark, toMark, text } of legend.rows) {
      const item = el('span', 'cs-legend-item');
      const sample = svgEl('svg', { class: 'cs-mark-sample', width: 44, height: 14, viewBox: '0 0 44 14' });
      const s = markSample(fromMark, toMark);
      sample.appendChild(svgEl('path', { class: 'cs-edge-line', d: s.d, 'stroke-width': 1.5, fill: 'none' }));
      for (const h of s.heads) sample.appendChild(svgEl('polygon', { class: 'cs-edge-head', points: h }));
      for (const c of s.circles) sample.appendChild(svgEl('circle', { class: 'cs-edge-circle', cx: c.cx, cy: c.cy, r: c.r }));
      item.append(sample, el('span', 'cs-mark-symbol', edgeSymbol(fromMark, toMark)), el('span', '', text));
      box.appendChild(item);
    }
    return box;
  }

  private async render(): Promise<void> {
    const dagre = await loadDagre();
    if (this.disposed) return;
    this.layout = layoutGraph(this.p, dagre, this.layoutName);
    this.node.dataset.layout = this.layoutName;
    this.draw();
  }

  private draw(): void {
    const L = this.layout!;
    const holder = this.node.querySelector('.cs-graph-canvas')!;
    holder.textContent = '';
    this.nodeEls.clear();
    this.edgeEls.length = 0;
    const { width, height } = drawingSize(L);
    const svg = svgEl('svg', { class: 'cs-graph-svg', width, height, viewBox: `0 0 ${width} ${height}` });
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', this.p.title || 'causal graph');
    this.svg = svg;
    const viewport = svgEl('g', { class: 'cs-graph-view' });
    this.viewport = viewport;
    const maxW = maxAbsWeight(this.p);
    const edgeLayer = svgEl('g', { class: 'cs-edges' });
    const priorLayer = svgEl('g', { class: 'cs-prior-layer' });
    const nodeLayer = svgEl('g', { class: 'cs-nodes' });
    const labelLayer = svgEl('g', { class: 'cs-edge-labels' });
    this.priorLayer = priorLayer;
    viewport.append(edgeLayer, priorLayer, nodeLayer, labelLayer);
    svg.appendChild(viewport);
    this.p.edges.forEach((e, i) => {
      const g = svgEl('g', { class: `cs-edge cs-edge--${e.type}`, opacity: edgeOpacity(e.confidence).toFixed(3) });
      g.dataset.from = e.from;
      g.dataset.to = e.to;
      g.dataset.symbol = edgeSymbol(e.fromMark, e.toMark);
      const width = edgeWidth(e.weight, maxW);
      const path = svgEl('path', { class: 'cs-edge-line', 'stroke-width': width.toFixed(2), fill: 'none' });
      const hit = svgEl('path', { class: 'cs-edge-hit', 'stroke-width': 10, fill: 'none' });
      const title = svgEl('title');
      title.textContent = edgeTitle(e);
      g.append(title, path, hit);
      // the marks fix how many heads and circles an edge has; routeEdge places them
      const shape = edgeShape(e, L.routes[i], L.nodes.get(e.from)!, L.nodes.get(e.to)!, width);
      const heads = shape.heads.map(() => g.appendChild(svgEl('polygon', { class: 'cs-edge-head' })));
      const circles = shape.circles.map(() => g.appendChild(svgEl('circle', { class: 'cs-edge-circle' })));
      let label: SVGTextElement | undefined;
      const text = edgeLabel(e);
      if (text) {
        // labels sit above every line and box, with the edge's opacity
        label = svgEl('text', { class: 'cs-edge-label', 'text-anchor': 'middle', 'dominant-baseline': 'central', opacity: edgeOpacity(e.confidence).toFixed(3) });
        label.dataset.edge = String(i);
        label.textContent = text;
        labelLayer.appendChild(label);
      }
      hit.addEventListener('click', (ev) => {
        if (this.mode !== 'forbid') return;
        ev.stopPropagation();
        this.forbidAdjacency(e.from, e.to);
      });
      edgeLayer.appendChild(g);
      this.edgeEls.push({ g, path, hit, heads, circles, width, points: shape.points, label });
      this.routeEdge(i, L.routes[i]);
    });
    for (const n of this.p.nodes) {
      const box = L.nodes.get(n.id)!;
      const g = svgEl('g', { class: 'cs-node', transform: `translate(${box.x},${box.y})`, tabindex: 0 });
      g.dataset.id = n.id;
      const rect = svgEl('rect', { x: -box.width / 2, y: -box.height / 2, width: box.width, height: box.height, rx: 8, ry: 8 });
      const text = svgEl('text', { 'text-anchor': 'middle', 'dominant-baseline': 'central' });
      text.textContent = shortLabel(n.label);
      const title = svgEl('title');
      title.textContent = nodeTitle(n);
      g.append(title, rect, text);
      nodeLayer.appendChild(g);
      this.nodeEls.set(n.id, g);
      this.attachNodeEvents(g, box);
    }
    this.attachViewEvents(svg);
    holder.appendChild(svg);
    this.viewBox = null;
    this.placeEdgeLabels();
    this.drawPrior();
    this.setView({ scale: 1, tx: 0, ty: 0 });
    this.applyHighlight();
  }

  /** Draw edge i through `points` (layout route), or straight between its nodes' boxes when points is empty. */
  private routeEdge(i: number, points: Point[]): void {
    const e = this.p.edges[i];
    const L = this.layout!;
    const els = this.edgeEls[i];
    const s = edgeShape(e, points, L.nodes.get(e.from)!, L.nodes.get(e.to)!, els.width);
    els.path.setAttribute('d', s.d);
    els.hit.setAttribute('d', s.d);
    els.points = s.points;
    els.heads.forEach((poly, k) => poly.setAttribute('points', s.heads[k]));
    els.circles.forEach((c, k) => {
      c.setAttribute('cx', String(s.circles[k].cx));
      c.setAttribute('cy', String(s.circles[k].cy));
      c.setAttribute('r', String(s.circles[k].r));
    });
  }

  /** Put every edge label beside its edge, clear of lines, boxes and other labels (measured text sizes). */
  private placeEdgeLabels(): void {
    const sizes = this.edgeEls.map((els) => {
      if (!els.label) return null;
      let w = 0, h = 0;
      try {
        const b = els.label.getBBox();
        w = b.width;
        h = b.height;
      } catch {
        /* not rendered yet */
      }
      const est = labelSize(els.label.textContent ?? '');
      return w > 0 && h > 0 ? { width: Math.ceil(w) + 2, height: Math.ceil(h) } : est;
    });
    const at = placeLabels(this.edgeEls.map((els) => els.points), sizes, this.layout!.nodes.values(), drawingSize(this.layout!));
    this.edgeEls.forEach((els, i) => {
      const r = at[i];
      if (!els.label || !r) return;
      els.label.setAttribute('x', String(r.x));
      els.label.setAttribute('y', String(r.y));
    });
    this.labelBoxes = at;
    this.fitViewBox();
  }

  /**
   * Size the svg to hold every node (dragged ones too) and label. When the
   * viewBox origin moves (a label or node went past the top or left), the
   * view shifts by as much, so nothing moves on screen under the pointer.
   */
  private fitViewBox(): void {
    const b = drawingBounds(this.layout!, this.labelBoxes);
    const old = this.viewBox;
    if (old && (b.x !== old.x || b.y !== old.y)) this.setView({ scale: this.view.scale, tx: this.view.tx + b.x - old.x, ty: this.view.ty + b.y - old.y });
    this.viewBox = b;
    this.svg!.setAttribute('width', String(b.width));
    this.svg!.setAttribute('height', String(b.height));
    this.svg!.setAttribute('viewBox', `${b.x} ${b.y} ${b.width} ${b.height}`);
  }

  // ---- zoom and pan -------------------------------------------------------

  private setView(v: { scale: number; tx: number; ty: number }): void {
    this.view = v;
    this.viewport?.setAttribute('transform', `translate(${v.tx.toFixed(2)},${v.ty.toFixed(2)}) scale(${v.scale.toFixed(4)})`);
    this.node.dataset.view = JSON.stringify({ scale: Number(v.scale.toFixed(4)), tx: Number(v.tx.toFixed(2)), ty: Number(v.ty.toFixed(2)) });
  }

  /** Client coordinates to the svg element's user space (before the view transform). */
  private toSvgSpace(clientX: number, clientY: number): Point {
    const m = this.svg!.getScreenCTM();
    if (!m) return { x: clientX, y: clientY };
    const pt = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
    return { x: pt.x, y: pt.y };
  }

  /** Client coordinates to drawing coordinates (inside the view transform). */
  private toDrawing(clientX: number, clientY: number): Point {
    const p = this.toSvgSpace(clientX, clientY);
    return { x: (p.x - this.view.tx) / this.view.scale, y: (p.y - this.view.ty) / this.view.scale };
  }

  private attachViewEvents(svg: SVGSVGElement): void {
    svg.addEventListener('wheel', (e) => {
      e.preventDefault();
      const p = this.toSvgSpace(e.clientX, e.clientY);
      const { scale, tx, ty } = this.view;
      const s = Math.max(MIN_SCALE, Math.min(MAX_SCALE, scale * Math.exp(-e.deltaY * 0.0015)));
      // keep the drawing point under the cursor fixed
      this.setView({ scale: s, tx: p.x - ((p.x - tx) / scale) * s, ty: p.y - ((p.y - ty) / scale) * s });
    }, { passive: false });
    let pan: { x: number; y: number; tx: number; ty: number; moved: boolean } | null = null;
    svg.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || (e.target as Element).closest('.cs-node, .cs-edge-hit, .cs-prior-edge')) return;
      const p = this.toSvgSpace(e.clientX, e.clientY);
      pan = { x: p.x, y: p.y, tx: this.view.tx, ty: this.view.ty, moved: false };
      svg.setPointerCapture(e.pointerId);
    });
    svg.addEventListener('pointermove', (e) => {
      if (!pan) return;
      const p = this.toSvgSpace(e.clientX, e.clientY);
      if (!pan.moved && Math.hypot(p.x - pan.x, p.y - pan.y) < 3) return;
      pan.moved = true;
      svg.classList.add('cs-graph-svg--panning');
      this.setView({ scale: this.view.scale, tx: pan.tx + p.x - pan.x, ty: pan.ty + p.y - pan.y });
    });
    const up = (e: PointerEvent) => {
      if (!pan) return;
      if (svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
      svg.classList.remove('cs-graph-svg--panning');
      if (!pan.moved) this.selectNode(null);
      pan = null;
    };
    svg.addEventListener('pointerup', up);
    svg.addEventListener('pointercancel', up);
  }

  // ---- nodes: select, move, draw prior edges ------------------------------

  private attachNodeEvents(g: SVGGElement, box: NodeBox): void {
    let start: { x: number; y: number; bx: number; by: number; moved: boolean; mode: Mode } | null = null;
    g.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      g.setPointerCapture(e.pointerId);
      const p = this.toDrawing(e.clientX, e.clientY);
      start = { x: p.x, y: p.y, bx: box.x, by: box.y, moved: false, mode: this.mode };
      e.stopPropagation();
    });
    g.addEventListener('pointermove', (e) => {
      if (!start) return;
      const p = this.toDrawing(e.clientX, e.clientY);
      const dx = p.x - start.x, dy = p.y - start.y;
      if (!start.moved && Math.hypot(dx, dy) < 3) return;
      start.moved = true;
      if (start.mode !== 'move') {
        this.drawRubber(box, p);
        return;
      }
      box.x = start.bx + dx;
      box.y = start.by + dy;
      g.setAttribute('transform', `translate(${box.x},${box.y})`);
      g.classList.add('cs-node--dragged');
      this.p.edges.forEach((ed, i) => {
        if (ed.from === box.id || ed.to === box.id) this.routeEdge(i, []);
      });
      this.placeEdgeLabels();
      this.drawPrior();
    });
    const up = (e: PointerEvent) => {
      if (!start) return;
      if (g.hasPointerCapture(e.pointerId)) g.releasePointerCapture(e.pointerId);
      const { moved, mode } = start;
      start = null;
      this.rubber?.remove();
      this.rubber = null;
      if (!moved) {
        this.selectNode(this.selectedId === box.id ? null : box.id);
        return;
      }
      if (mode === 'move' || e.type === 'pointercancel') return;
      const target = document.elementFromPoint(e.clientX, e.clientY)?.closest('.cs-node') as SVGGElement | null;
      const to = target && this.svg!.contains(target) ? target.dataset.id : undefined;
      if (to !== undefined && to !== box.id) {
        if (mode === 'require') this.requireEdge(box.id, to);
        else this.forbidEdges([[box.id, to]]);
      }
    };
    g.addEventListener('pointerup', up);
    g.addEventListener('pointercancel', up);
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.selectNode(this.selectedId === box.id ? null : box.id);
      }
    });
  }

  private drawRubber(from: NodeBox, to: Point): void {
    if (!this.rubber) {
      this.rubber = svgEl('line', { class: `cs-prior-rubber cs-prior-rubber--${this.mode}` });
      this.viewport!.appendChild(this.rubber);
    }
    this.rubber.setAttribute('x1', String(from.x));
    this.rubber.setAttribute('y1', String(from.y));
    this.rubber.setAttribute('x2', String(to.x));
    this.rubber.setAttribute('y2', String(to.y));
  }

  // ---- prior knowledge ----------------------------------------------------

  private requireEdge(a: string, b: string): void {
    const e: [string, string] = [a, b];
    this.forbidden = this.forbidden.filter((f) => !samePair(f, e));
    this.required = this.required.filter((r) => !samePair(r, [b, a]));
    if (!this.required.some((r) => samePair(r, e))) this.required.push(e);
    this.priorChanged();
  }

  private forbidEdges(edges: [string, string][]): void {
    for (const e of edges) {
      this.required = this.required.filter((r) => !samePair(r, e));
      if (!this.forbidden.some((f) => samePair(f, e))) this.forbidden.push(e);
    }
    this.priorChanged();
  }

  /** Forbid an adjacency: both directions. */
  private forbidAdjacency(a: string, b: string): void {
    this.forbidEdges([[a, b], [b, a]]);
  }

  private priorCount(): number {
    return this.required.length + this.forbidden.length + this.tier.size;
  }

  /** The drawn prior in the learners' shape (tiers renumbered 1, 2, ... in order, empty tiers dropped). */
  prior(): GraphPrior {
    const nums = [...new Set(this.tier.values())].sort((x, y) => x - y);
    const tiers = nums.map((k) => this.p.nodes.filter((n) => this.tier.get(n.id) === k).map((n) => n.id));
    return { required: this.required.map(([a, b]) => [a, b]), forbidden: this.forbidden.map(([a, b]) => [a, b]), tiers };
  }

  private priorChanged(): void {
    this.drawPrior();
    this.updatePriorPanel();
    const send = this.options.sendPrior;
    if (!send) {
      this.priorStatus.textContent = 'not sent: this output has no kernel';
      return;
    }
    this.priorStatus.textContent = 'sending to the kernel…';
    send(this.prior()).then(
      (msg) => { this.priorStatus.textContent = msg; },
      (err) => { this.priorStatus.textContent = `not sent: ${(err as Error).message ?? err}`; }
    );
  }

  /** Required edges (dashed, arrowhead), forbidden ones (red, crossed) and tier badges. */
  private drawPrior(): void {
    const layer = this.priorLayer, L = this.layout;
    if (!layer || !L) return;
    layer.textContent = '';
    const pairs = new Map<string, { a: string; b: string; dirs: Set<string> }>();
    for (const [a, b] of this.forbidden) {
      const k = JSON.stringify(a < b ? [a, b] : [b, a]);
      const entry = pairs.get(k) ?? { a, b, dirs: new Set<string>() };
      entry.dirs.add(JSON.stringify([a, b]));
      pairs.set(k, entry);
    }
    const line = (a: string, b: string, cls: string, marks: [GraphEdge['fromMark'], GraphEdge['toMark']], title: string) => {
      const e: GraphEdge = { from: a, to: b, type: 'directed', fromMark: marks[0], toMark: marks[1] };
      const s = edgeShape(e, [], L.nodes.get(a)!, L.nodes.get(b)!, 2);
      const g = svgEl('g', { class: `cs-prior-edge ${cls}` });
      g.dataset.from = a;
      g.dataset.to = b;
      const t = svgEl('title');
      t.textContent = `${title} (click to remove)`;
      g.append(t, svgEl('path', { class: 'cs-prior-line', d: s.d, fill: 'none' }), svgEl('path', { class: 'cs-edge-hit', d: s.d, fill: 'none', 'stroke-width': 10 }));
      for (const h of s.heads) g.appendChild(svgEl('polygon', { class: 'cs-prior-head', points: h }));
      g.addEventListener('click', (ev) => {
        if (this.mode === 'move') return;
        ev.stopPropagation();
        if (cls === 'cs-prior-required') this.required = this.required.filter((r) => !samePair(r, [a, b]));
        else this.forbidden = this.forbidden.filter((f) => !(f[0] === a && f[1] === b) && !(f[0] === b && f[1] === a));
        this.priorChanged();
      });
      layer.appendChild(g);
      return { g, s };
    };
    for (const [a, b] of this.required) line(a, b, 'cs-prior-required', ['-', '>'], `required ${a} -> ${b}`);
    for (const { a, b, dirs } of pairs.values()) {
      const both = dirs.size === 2;
      const { g, s } = line(a, b, 'cs-prior-forbidden', both ? ['-', '-'] : ['-', '>'], both ? `forbidden ${a} -- ${b} (both directions)` : `forbidden ${a} -> ${b}`);
      const mid = s.points[Math.floor(s.points.length / 2)], m0 = s.points[Math.floor(s.points.length / 2) - 1] ?? mid;
      const cross = svgEl('text', { class: 'cs-prior-cross', x: ((mid.x + m0.x) / 2).toFixed(1), y: ((mid.y + m0.y) / 2).toFixed(1), 'text-anchor': 'middle', 'dominant-baseline': 'central' });
      cross.textContent = '×';
      g.appendChild(cross);
    }
    // tier badges beside the nodes' top-right corners (a layer of their own: a node's only <text> is its label)
    for (const [id, k] of this.tier) {
      const b = L.nodes.get(id);
      if (!b) continue;
      const badge = svgEl('text', { class: 'cs-node-tier', x: (b.x + b.width / 2 + 3).toFixed(1), y: (b.y - b.height / 2 + 8).toFixed(1) });
      badge.dataset.id = id;
      badge.textContent = `tier ${k}`;
      layer.appendChild(badge);
    }
  }

  private updatePriorPanel(): void {
    const panel = this.priorPanel;
    panel.textContent = '';
    const n = this.priorCount();
    panel.appendChild(el('summary', '', `Prior knowledge${n ? ` (${this.required.length} required, ${this.forbidden.length} forbidden, ${this.tier.size} in tiers)` : ''}: read it in the kernel with cs.show.prior()`));
    const list = (title: string, edges: [string, string][], kind: 'required' | 'forbidden') => {
      const box = el('div', `cs-prior-list cs-prior-list--${kind}`);
      box.appendChild(el('span', 'cs-prior-heading', `${title}: `));
      if (!edges.length) box.appendChild(el('span', 'cs-hint', kind === 'required' ? 'none (mode "require": drag from a node to another)' : 'none (mode "forbid": click an edge, or drag from a node to another)'));
      edges.forEach(([a, b]) => {
        const item = el('span', 'cs-prior-item');
        item.appendChild(el('span', '', `${a} -> ${b}`));
        const x = el('button', 'cs-button cs-prior-remove', '×');
        x.type = 'button';
        x.title = `remove ${kind} ${a} -> ${b}`;
        x.setAttribute('aria-label', x.title);
        x.addEventListener('click', () => {
          if (kind === 'required') this.required = this.required.filter((r) => !samePair(r, [a, b]));
          else this.forbidden = this.forbidden.filter((f) => !samePair(f, [a, b]));
          this.priorChanged();
        });
        item.appendChild(x);
        box.appendChild(item);
      });
      panel.appendChild(box);
    };
    list('required', this.required, 'required');
    list('forbidden', this.forbidden, 'forbidden');
    const tiers = el('div', 'cs-prior-tiers');
    tiers.appendChild(el('span', 'cs-prior-heading', 'tiers (no edge points into an earlier tier): '));
    const count = this.p.nodes.length;
    for (const node of this.p.nodes) {
      const lab = el('label', 'cs-prior-tier');
      lab.appendChild(el('span', '', `${shortLabel(node.label)} `));
      const sel = el('select', 'cs-select');
      sel.setAttribute('aria-label', `tier of ${node.label}`);
      sel.dataset.id = node.id;
      const none = el('option', '', '—');
      none.value = '';
      sel.appendChild(none);
      for (let k = 1; k <= count; k++) {
        const o = el('option', '', String(k));
        o.value = String(k);
        sel.appendChild(o);
      }
      sel.value = this.tier.has(node.id) ? String(this.tier.get(node.id)) : '';
      sel.addEventListener('change', () => {
        if (sel.value === '') this.tier.delete(node.id);
        else this.tier.set(node.id, Number(sel.value));
        this.priorChanged();
      });
      lab.appendChild(sel);
      tiers.appendChild(lab);
    }
    panel.appendChild(tiers);
    const clear = el('button', 'cs-button cs-prior-clear', 'Clear prior');
    clear.type = 'button';
    clear.disabled = n === 0;
    clear.addEventListener('click', () => {
      this.required = [];
      this.forbidden = [];
      this.tier.clear();
      this.priorChanged();
    });
    panel.append(clear, this.priorStatus);
  }

  // ---- highlight ----------------------------------------------------------

  /** Select a node (null: clear), highlighting its neighbourhood. */
  selectNode(id: string | null): void {
    this.selectedId = id;
    this.applyHighlight();
    this.setInfo();
  }

  private applyHighlight(): void {
    const id = this.selectedId;
    const nb = id ? neighbourhood(this.p, id) : null;
    for (const [nid, g] of this.nodeEls) {
      g.classList.remove('cs-node--selected', 'cs-node--parent', 'cs-node--child', 'cs-node--blanket', 'cs-node--dim');
      if (!nb) continue;
      if (nid === id) g.classList.add('cs-node--selected');
      else if (nb.parents.has(nid)) g.classList.add('cs-node--parent');
      else if (nb.children.has(nid)) g.classList.add('cs-node--child');
      else if (nb.markovBlanket.has(nid)) g.classList.add('cs-node--blanket');
      else g.classList.add('cs-node--dim');
    }
    this.p.edges.forEach((e, i) => {
      const g = this.edgeEls[i]?.g;
      if (!g) return;
      g.classList.remove('cs-edge--active', 'cs-edge--dim');
      if (!nb) return;
      const touches = e.from === id || e.to === id;
      const spouse = e.type === 'directed' && nb.children.has(e.to) && nb.markovBlanket.has(e.from);
      g.classList.add(touches || spouse ? 'cs-edge--active' : 'cs-edge--dim');
    });
  }

  private setInfo(): void {
    const id = this.selectedId;
    if (!id) {
      const dir = this.p.edges.filter((e) => e.type === 'directed').length;
      this.info.textContent = `${this.p.nodes.length} nodes · ${this.p.edges.length} edges (${dir} directed)`;
      return;
    }
    const nb = neighbourhood(this.p, id);
    const label = (s: Set<string>) => (s.size ? [...s].map((n) => this.p.nodes.find((x) => x.id === n)?.label ?? n).join(', ') : 'none');
    const lbl = this.p.nodes.find((x) => x.id === id)?.label ?? id;
    const parts = [`${lbl}: parents ${label(nb.parents)}`, `children ${label(nb.children)}`];
    if (nb.adjacent.size) parts.push(`undirected/bidirected ${label(nb.adjacent)}`);
    parts.push(`Markov blanket ${label(nb.markovBlanket)}`);
    this.info.textContent = parts.join(' · ');
  }

  /** The drawing as a standalone SVG document, theme colours resolved. */
  toSvgString(): string {
    if (!this.svg) return '';
    const clone = this.svg.cloneNode(true) as SVGSVGElement;
    clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    const src = [this.svg, ...Array.from(this.svg.querySelectorAll('*'))];
    const dst = [clone, ...Array.from(clone.querySelectorAll('*'))];
    const props = ['fill', 'stroke', 'stroke-width', 'opacity', 'font-family', 'font-size', 'font-weight', 'stroke-dasharray'];
    src.forEach((s, i) => {
      const cs = getComputedStyle(s);
      const d = dst[i] as SVGElement;
      d.removeAttribute('class');
      for (const p of props) {
        const v = cs.getPropertyValue(p);
        if (v) d.setAttribute(p, v);
      }
    });
    const bg = svgEl('rect', { x: 0, y: 0, width: '100%', height: '100%', fill: getComputedStyle(this.node).getPropertyValue('--jp-layout-color0').trim() || '#ffffff' });
    clone.insertBefore(bg, clone.firstChild);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone);
  }

  private download(): void {
    const blob = new Blob([this.toSvgString()], { type: 'image/svg+xml' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${(this.p.title || 'causal-graph').replace(/[^\w.-]+/g, '_')}.svg`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  dispose(): void {
    this.disposed = true;
    this.node.remove();
  }
}
