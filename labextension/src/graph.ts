/**
 * The causal-graph view: the library's graph drawing (layered layout, edge
 * width from |weight|, opacity from confidence, arrowheads and PAG circle
 * marks: src/show/shared/graph-drawing.ts, the code that draws the static
 * SVG too) built as SVG elements with the theme's colours; click a node to
 * highlight its parents, children and Markov blanket, drag nodes, export the
 * drawing as a standalone SVG file.
 */
import type { GraphPayload } from '../../src/show/shared/schema';
import {
  DagreLike, GraphLayout, NodeBox, drawingSize, edgeOpacity, edgeShape, edgeTitle, edgeWidth, layoutGraph, maxAbsWeight, nodeTitle, shortLabel
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
  heads: SVGPolygonElement[];
  circles: SVGCircleElement[];
  width: number;
  label?: SVGTextElement;
}

export class GraphView {
  readonly node: HTMLDivElement;
  readonly ready: Promise<void>;
  private readonly p: GraphPayload;
  private layout: GraphLayout | null = null;
  private svg: SVGSVGElement | null = null;
  private readonly nodeEls = new Map<string, SVGGElement>();
  private readonly edgeEls: EdgeEls[] = [];
  private readonly info: HTMLDivElement;
  private selectedId: string | null = null;
  private disposed = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(host: HTMLElement, payload: GraphPayload) {
    this.p = payload;
    this.node = el('div', 'cs-graph');
    this.node.dataset.csView = payload.id;
    if (payload.title) this.node.appendChild(el('div', 'cs-title', payload.title));
    const bar = el('div', 'cs-toolbar');
    const exp = el('button', 'cs-button cs-export', 'Export SVG');
    exp.type = 'button';
    exp.addEventListener('click', () => this.download());
    const relayout = el('button', 'cs-button', 'Re-layout');
    relayout.type = 'button';
    relayout.addEventListener('click', () => void this.render());
    bar.append(exp, relayout, el('span', 'cs-hint', 'click a node: parents, children, Markov blanket · drag to move'));
    this.node.appendChild(bar);
    this.info = el('div', 'cs-status');
    this.node.appendChild(el('div', 'cs-graph-canvas'));
    this.node.appendChild(this.info);
    this.node.appendChild(this.buildLegend());
    host.appendChild(this.node);
    this.setInfo();
    this.ready = this.render();
  }

  private buildLegend(): HTMLDivElement {
    const legend = el('div', 'cs-graph-legend');
    for (const [cls, text] of [['selected', 'selected'], ['parent', 'parent'], ['child', 'child'], ['blanket', 'other Markov-blanket member']]) {
      const item = el('span', 'cs-legend-item');
      item.append(el('span', `cs-node-swatch cs-node--${cls}`), el('span', '', text));
      legend.appendChild(item);
    }
    const ws = this.p.edges.map((e) => e.weight).filter((w): w is number => w !== undefined);
    const cs = this.p.edges.map((e) => e.confidence).filter((c): c is number => c !== undefined);
    const notes: string[] = [];
    if (ws.length) notes.push(`edge width ∝ |weight| (max ${fmt(Math.max(...ws.map(Math.abs)))})`);
    if (cs.length) notes.push('edge opacity = confidence');
    if (notes.length) legend.appendChild(el('span', 'cs-legend-note', notes.join(' · ')));
    return legend;
  }

  private async render(): Promise<void> {
    const dagre = await loadDagre();
    if (this.disposed) return;
    this.layout = layoutGraph(this.p, dagre);
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
    const maxW = maxAbsWeight(this.p);
    const edgeLayer = svgEl('g', { class: 'cs-edges' });
    const nodeLayer = svgEl('g', { class: 'cs-nodes' });
    svg.append(edgeLayer, nodeLayer);
    this.p.edges.forEach((e, i) => {
      const g = svgEl('g', { class: `cs-edge cs-edge--${e.type}`, opacity: edgeOpacity(e.confidence).toFixed(3) });
      g.dataset.from = e.from;
      g.dataset.to = e.to;
      const width = edgeWidth(e.weight, maxW);
      const path = svgEl('path', { class: 'cs-edge-line', 'stroke-width': width.toFixed(2), fill: 'none' });
      const title = svgEl('title');
      title.textContent = edgeTitle(e);
      g.append(title, path);
      // the marks fix how many heads and circles an edge has; routeEdge places them
      const shape = edgeShape(e, L.routes[i], L.nodes.get(e.from)!, L.nodes.get(e.to)!, width);
      const heads = shape.heads.map(() => g.appendChild(svgEl('polygon', { class: 'cs-edge-head' })));
      const circles = shape.circles.map(() => g.appendChild(svgEl('circle', { class: 'cs-edge-circle' })));
      let label: SVGTextElement | undefined;
      if (e.weight !== undefined) {
        label = svgEl('text', { class: 'cs-edge-label', 'text-anchor': 'start' });
        label.textContent = fmt(e.weight);
        g.appendChild(label);
      }
      edgeLayer.appendChild(g);
      this.edgeEls.push({ g, path, heads, circles, width, label });
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
    const bg = (e: Event) => {
      if (e.target === svg) this.selectNode(null);
    };
    svg.addEventListener('click', bg);
    holder.appendChild(svg);
    this.applyHighlight();
  }

  /** Draw edge i through `points` (layout route), or straight between its nodes' boxes when points is empty. */
  private routeEdge(i: number, points: { x: number; y: number }[]): void {
    const e = this.p.edges[i];
    const L = this.layout!;
    const els = this.edgeEls[i];
    const s = edgeShape(e, points, L.nodes.get(e.from)!, L.nodes.get(e.to)!, els.width);
    els.path.setAttribute('d', s.d);
    els.heads.forEach((poly, k) => poly.setAttribute('points', s.heads[k]));
    els.circles.forEach((c, k) => {
      c.setAttribute('cx', String(s.circles[k].cx));
      c.setAttribute('cy', String(s.circles[k].cy));
      c.setAttribute('r', String(s.circles[k].r));
    });
    if (els.label) {
      els.label.setAttribute('x', String(s.labelAt.x));
      els.label.setAttribute('y', String(s.labelAt.y));
    }
  }

  private attachNodeEvents(g: SVGGElement, box: NodeBox): void {
    let start: { x: number; y: number; bx: number; by: number; moved: boolean } | null = null;
    const toSvg = (e: PointerEvent) => {
      const m = this.svg!.getScreenCTM();
      if (!m) return { x: e.clientX, y: e.clientY };
      const pt = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
      return { x: pt.x, y: pt.y };
    };
    g.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      g.setPointerCapture(e.pointerId);
      const p = toSvg(e);
      start = { x: p.x, y: p.y, bx: box.x, by: box.y, moved: false };
      e.stopPropagation();
    });
    g.addEventListener('pointermove', (e) => {
      if (!start) return;
      const p = toSvg(e);
      const dx = p.x - start.x, dy = p.y - start.y;
      if (!start.moved && Math.hypot(dx, dy) < 3) return;
      start.moved = true;
      box.x = start.bx + dx;
      box.y = start.by + dy;
      g.setAttribute('transform', `translate(${box.x},${box.y})`);
      g.classList.add('cs-node--dragged');
      this.p.edges.forEach((ed, i) => {
        if (ed.from === box.id || ed.to === box.id) this.routeEdge(i, []);
      });
      this.growToFit();
    });
    const up = (e: PointerEvent) => {
      if (!start) return;
      if (g.hasPointerCapture(e.pointerId)) g.releasePointerCapture(e.pointerId);
      const moved = start.moved;
      start = null;
      if (!moved) this.selectNode(this.selectedId === box.id ? null : box.id);
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

  private growToFit(): void {
    const L = this.layout!;
    let w = L.width, h = L.height;
    for (const b of L.nodes.values()) {
      w = Math.max(w, b.x + b.width / 2 + 16);
      h = Math.max(h, b.y + b.height / 2 + 16);
    }
    this.svg!.setAttribute('width', String(w));
    this.svg!.setAttribute('height', String(h));
    this.svg!.setAttribute('viewBox', `0 0 ${w} ${h}`);
  }

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
    for (const c of this.cleanups) c();
    this.node.remove();
  }
}
