/**
 * The atom-overlay view: a greyscale image with atoms drawn on a canvas.
 * Zoom (wheel) and pan (drag), a class legend with toggles, arrows to scale
 * with a gain, a hover tooltip, a contrast window, and box/lasso selection.
 *
 * Drawing: the image is drawn with drawImage from an offscreen canvas that
 * holds the contrast-mapped pixels; atoms are stamped into an ImageData
 * buffer (precomputed disc offsets, off-screen atoms culled), so a frame
 * with 100,000 atoms costs a few milliseconds (see bench/widgets).
 */
import type { AtomsPayload, SelectionMessage } from '../../src/show/shared/schema';
import { contrastLut, greyToValue, hexToRgb, packRgba } from './colors';
import { AtomGrid, View, atomsInPolygon, boxPolygon, fitView, toImage, zoomAt } from './geometry';
import { el, fmt } from './dom';

/** A selection as the overlay reports it (the comm message without its `event` tag). */
export type AtomSelection = Omit<SelectionMessage, 'event'>;

export interface AtomsViewOptions {
  /** Send a selection to the kernel; resolves to a status line for the user. */
  sendSelection?: (sel: AtomSelection) => Promise<string>;
  /** Largest canvas size in CSS pixels. */
  maxWidth?: number;
  maxHeight?: number;
}

type Mode = 'pan' | 'box' | 'lasso';

function discOffsets(r: number): Int16Array {
  const out: number[] = [];
  const R = Math.ceil(r);
  for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) if (dx * dx + dy * dy <= r * r + 0.25) out.push(dx, dy);
  return Int16Array.from(out);
}

export class AtomsView {
  readonly node: HTMLDivElement;
  readonly ready: Promise<void>;
  private readonly p: AtomsPayload;
  private readonly opts: AtomsViewOptions;
  private readonly stage: HTMLDivElement;
  private readonly base: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly tooltip: HTMLDivElement;
  private readonly status: HTMLDivElement;
  private scaleBar: { bar: HTMLDivElement; label: HTMLSpanElement } | null = null;
  private readonly grey: HTMLCanvasElement = document.createElement('canvas');
  private greyPixels: Uint8Array | null = null;
  private readonly visible: boolean[];
  private readonly classRgba: number[];
  private readonly grid: AtomGrid;
  private cssW = 0;
  private cssH = 0;
  private dpr = 1;
  private view: View = { scale: 1, tx: 0, ty: 0 };
  private mode: Mode = 'pan';
  private lo = 0;
  private hi = 255;
  private gain: number;
  private showArrows = true;
  private hovered = -1;
  private selected: Uint8Array;
  private selectionCount = 0;
  private drag: { kind: 'pan'; sx: number; sy: number; view: View } | { kind: 'box' | 'lasso'; pts: number[] } | null = null;
  private raf = 0;
  private disposed = false;
  private imageData: ImageData | null = null;
  private readonly listeners: (() => void)[] = [];
  /** Milliseconds the last frame took to draw (read by bench/widgets). */
  lastDrawMs = 0;

  constructor(host: HTMLElement, payload: AtomsPayload, opts: AtomsViewOptions = {}) {
    this.p = payload;
    this.opts = opts;
    const a = payload.atoms;
    this.visible = a.classes.map(() => true);
    this.classRgba = a.classes.map((c) => packRgba(...hexToRgb(c.color)));
    this.selected = new Uint8Array(a.count);
    this.gain = a.vectors ? a.vectors.gain : 1;
    let spacing = Math.sqrt((payload.image.width * payload.image.height) / Math.max(1, a.count));
    this.grid = new AtomGrid(a.x, a.y, payload.image.width, payload.image.height, Math.max(2, spacing));

    this.node = el('div', 'cs-atoms');
    this.node.dataset.csView = payload.id;
    if (payload.title) this.node.appendChild(el('div', 'cs-title', payload.title));
    const toolbar = el('div', 'cs-toolbar');
    this.node.appendChild(toolbar);
    const body = el('div', 'cs-atoms-body');
    this.node.appendChild(body);
    this.stage = el('div', 'cs-stage');
    this.base = el('canvas', 'cs-image-layer');
    this.overlay = el('canvas', 'cs-atom-layer');
    this.tooltip = el('div', 'cs-tooltip');
    this.tooltip.hidden = true;
    this.stage.append(this.base, this.overlay, this.tooltip);
    body.appendChild(this.stage);
    body.appendChild(this.buildLegend());
    this.status = el('div', 'cs-status');
    this.node.appendChild(this.status);
    this.buildToolbar(toolbar);
    host.appendChild(this.node);

    const W = payload.image.width, H = payload.image.height;
    const maxW = opts.maxWidth ?? 640, maxH = opts.maxHeight ?? 560;
    const s = Math.min(maxW / W, maxH / H);
    this.cssW = Math.max(160, Math.round(W * s));
    this.cssH = Math.max(120, Math.round(H * s));
    this.resize();
    this.resetView();
    this.attachEvents();
    this.setStatus(`${a.count.toLocaleString('en-US')} atoms · ${W}×${H} px image` + (payload.image.calibration ? ` · ${fmt(payload.image.calibration.pixelSize)} ${payload.image.calibration.unit}/px` : ''));
    this.ready = this.loadImage();
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
  }

  private async loadImage(): Promise<void> {
    const img = new Image();
    img.src = `data:image/png;base64,${this.p.image.png.replace(/\s+/g, '')}`;
    try {
      await img.decode();
    } catch {
      throw new Error('image.png: the browser could not decode the PNG');
    }
    if (img.naturalWidth !== this.p.image.width || img.naturalHeight !== this.p.image.height) {
      throw new Error(`image.png: the PNG is ${img.naturalWidth}×${img.naturalHeight}, image.width × image.height says ${this.p.image.width}×${this.p.image.height}`);
    }
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const rgba = ctx.getImageData(0, 0, c.width, c.height).data;
    this.greyPixels = new Uint8Array(c.width * c.height);
    for (let i = 0; i < this.greyPixels.length; i++) this.greyPixels[i] = rgba[4 * i];
    this.grey.width = c.width;
    this.grey.height = c.height;
    this.applyContrast();
  }

  private applyContrast(): void {
    if (!this.greyPixels) return;
    const lut = contrastLut(this.lo, this.hi);
    const ctx = this.grey.getContext('2d')!;
    const out = ctx.createImageData(this.grey.width, this.grey.height);
    const d = out.data, g = this.greyPixels;
    for (let i = 0, j = 0; i < g.length; i++, j += 4) {
      const v = lut[g[i]];
      d[j] = d[j + 1] = d[j + 2] = v;
      d[j + 3] = 255;
    }
    ctx.putImageData(out, 0, 0);
    this.requestDraw();
  }

  private buildToolbar(bar: HTMLDivElement): void {
    const modes: [Mode, string, string][] = [
      ['pan', 'Pan', 'Drag to pan, wheel to zoom'],
      ['box', 'Box', 'Drag a rectangle to select atoms'],
      ['lasso', 'Lasso', 'Draw around atoms to select them']
    ];
    const group = el('div', 'cs-group');
    const buttons: HTMLButtonElement[] = [];
    for (const [m, label, title] of modes) {
      const b = el('button', 'cs-button', label);
      b.type = 'button';
      b.title = title;
      b.dataset.mode = m;
      b.setAttribute('aria-pressed', String(m === this.mode));
      b.addEventListener('click', () => {
        this.mode = m;
        for (const o of buttons) o.setAttribute('aria-pressed', String(o === b));
        this.overlay.style.cursor = m === 'pan' ? 'grab' : 'crosshair';
      });
      buttons.push(b);
      group.appendChild(b);
    }
    bar.appendChild(group);
    const reset = el('button', 'cs-button', 'Reset view');
    reset.type = 'button';
    reset.addEventListener('click', () => this.resetView());
    const clear = el('button', 'cs-button', 'Clear selection');
    clear.type = 'button';
    clear.addEventListener('click', () => this.clearSelection());
    bar.append(reset, clear);

    const contrast = el('label', 'cs-control');
    contrast.append(el('span', '', 'Contrast'));
    const lo = el('input', 'cs-contrast-lo');
    const hi = el('input', 'cs-contrast-hi');
    for (const [input, v, title] of [[lo, 0, 'black level'], [hi, 255, 'white level']] as [HTMLInputElement, number, string][]) {
      input.type = 'range';
      input.min = '0';
      input.max = '255';
      input.value = String(v);
      input.title = title;
      input.addEventListener('input', () => {
        let a = Number(lo.value), b = Number(hi.value);
        if (b <= a) {
          if (input === lo) a = Number((lo.value = String(Math.max(0, b - 1))));
          else b = Number((hi.value = String(Math.min(255, a + 1))));
        }
        this.lo = a;
        this.hi = b;
        range.textContent = `${fmt(greyToValue(a, this.p.image.range))} – ${fmt(greyToValue(b, this.p.image.range))}`;
        this.applyContrast();
      });
    }
    const range = el('span', 'cs-range', `${fmt(this.p.image.range[0])} – ${fmt(this.p.image.range[1])}`);
    contrast.append(lo, hi, range);
    bar.appendChild(contrast);

    const vec = this.p.atoms.vectors;
    if (vec) {
      const arrows = el('label', 'cs-control');
      const cb = el('input', 'cs-arrows-toggle');
      cb.type = 'checkbox';
      cb.checked = true;
      cb.addEventListener('change', () => {
        this.showArrows = cb.checked;
        this.requestDraw();
      });
      const gain = el('input', 'cs-gain');
      gain.type = 'range';
      gain.min = '-1';
      gain.max = '2';
      gain.step = '0.01';
      gain.value = String(Math.log10(this.gain));
      gain.title = 'arrow gain (log scale)';
      const gv = el('span', 'cs-range', `×${fmt(this.gain)}`);
      gain.addEventListener('input', () => {
        this.gain = Math.pow(10, Number(gain.value));
        gv.textContent = `×${fmt(this.gain)}`;
        this.requestDraw();
      });
      arrows.append(cb, el('span', '', `${vec.label} arrows, gain`), gain, gv);
      bar.appendChild(arrows);
    }
  }

  private buildLegend(): HTMLDivElement {
    const legend = el('div', 'cs-legend');
    const a = this.p.atoms;
    const counts = new Array(a.classes.length).fill(0);
    for (let i = 0; i < a.count; i++) counts[a.cls[i]]++;
    a.classes.forEach((c, k) => {
      const row = el('label', 'cs-legend-item');
      const cb = el('input');
      cb.type = 'checkbox';
      cb.checked = true;
      cb.dataset.classIndex = String(k);
      cb.addEventListener('change', () => {
        this.visible[k] = cb.checked;
        if (this.hovered >= 0 && !this.visible[a.cls[this.hovered]]) this.hideTooltip();
        this.requestDraw();
      });
      const sw = el('span', 'cs-swatch');
      sw.style.backgroundColor = c.color;
      row.append(cb, sw, el('span', 'cs-class-name', c.name), el('span', 'cs-count', `(${counts[k].toLocaleString('en-US')})`));
      legend.appendChild(row);
    });
    if (a.vectors) {
      legend.appendChild(el('div', 'cs-legend-note', `arrows: ${a.vectors.label} (${a.vectors.unit}) × gain`));
    }
    if (this.p.image.calibration) {
      const box = el('div', 'cs-scalebar');
      const bar = el('div', 'cs-scalebar-bar');
      const label = el('span', 'cs-scalebar-label');
      box.append(bar, label);
      legend.appendChild(box);
      this.scaleBar = { bar, label };
    }
    return legend;
  }

  private resize(): void {
    this.dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    for (const c of [this.base, this.overlay]) {
      c.width = Math.round(this.cssW * this.dpr);
      c.height = Math.round(this.cssH * this.dpr);
      c.style.width = `${this.cssW}px`;
      c.style.height = `${this.cssH}px`;
    }
    this.stage.style.width = `${this.cssW}px`;
    this.stage.style.height = `${this.cssH}px`;
    this.imageData = null;
  }

  resetView(): void {
    this.view = fitView(this.p.image.width, this.p.image.height, this.cssW, this.cssH);
    this.requestDraw();
  }

  /** The current view transform (screen CSS px = image px × scale + offset). */
  getView(): View {
    return { ...this.view };
  }

  setView(v: View): void {
    this.view = { ...v };
    this.requestDraw();
  }

  private requestDraw(): void {
    if (this.raf || this.disposed) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.draw();
    });
  }

  /** Draw one frame now. */
  draw(): void {
    if (this.disposed) return;
    const t0 = performance.now();
    const { scale, tx, ty } = this.view;
    const dpr = this.dpr;
    const bctx = this.base.getContext('2d')!;
    bctx.setTransform(1, 0, 0, 1, 0, 0);
    bctx.fillStyle = '#000';
    bctx.fillRect(0, 0, this.base.width, this.base.height);
    if (this.greyPixels) {
      bctx.imageSmoothingEnabled = scale * dpr < 1;
      bctx.setTransform(scale * dpr, 0, 0, scale * dpr, tx * dpr, ty * dpr);
      bctx.drawImage(this.grey, 0, 0);
      bctx.setTransform(1, 0, 0, 1, 0, 0);
    }
    this.drawAtoms();
    this.updateScaleBar();
    this.node.dataset.view = JSON.stringify({ scale: this.view.scale, tx: this.view.tx, ty: this.view.ty });
    this.lastDrawMs = performance.now() - t0;
    this.node.dataset.drawMs = this.lastDrawMs.toFixed(2);
  }

  /** The legend's scale bar: a 1, 2 or 5 × 10^k length about 100 screen pixels long. */
  private updateScaleBar(): void {
    const cal = this.p.image.calibration;
    if (!cal || !this.scaleBar) return;
    const perScreenPx = cal.pixelSize / this.view.scale;
    const target = 100 * perScreenPx;
    const e = Math.floor(Math.log10(target));
    const m = target / Math.pow(10, e);
    const nice = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * Math.pow(10, e);
    this.scaleBar.bar.style.width = `${(nice / perScreenPx).toFixed(1)}px`;
    this.scaleBar.label.textContent = `${fmt(nice)} ${cal.unit}`;
  }

  /** Screen radius (device px) of an atom disc at the current zoom. */
  private discRadius(): number {
    return Math.max(1.5, Math.min(14, this.p.atoms.radius * this.view.scale * this.dpr));
  }

  private drawAtoms(): void {
    const W = this.overlay.width, H = this.overlay.height;
    if (!this.imageData || this.imageData.width !== W || this.imageData.height !== H) {
      this.imageData = new ImageData(W, H);
    }
    const buf = new Uint32Array(this.imageData.data.buffer);
    buf.fill(0);
    const a = this.p.atoms;
    const r = this.discRadius();
    const fill = discOffsets(r), edge = discOffsets(r + 1), ring = discOffsets(r + 2.5);
    const R = Math.ceil(r + 2.5);
    const k = this.view.scale * this.dpr, ox = this.view.tx * this.dpr, oy = this.view.ty * this.dpr;
    const dark = packRgba(0, 0, 0, 200), white = packRgba(255, 255, 255, 255);
    const stamp = (cx: number, cy: number, offs: Int16Array, color: number, inside: boolean) => {
      if (inside) {
        const base = cy * W + cx;
        for (let j = 0; j < offs.length; j += 2) buf[base + offs[j + 1] * W + offs[j]] = color;
      } else {
        for (let j = 0; j < offs.length; j += 2) {
          const px = cx + offs[j], py = cy + offs[j + 1];
          if (px >= 0 && py >= 0 && px < W && py < H) buf[py * W + px] = color;
        }
      }
    };
    const x = a.x, y = a.y, cls = a.cls, vis = this.visible, col = this.classRgba, sel = this.selected;
    for (let i = 0; i < a.count; i++) {
      const c = cls[i];
      if (!vis[c]) continue;
      const cx = Math.round(x[i] * k + ox), cy = Math.round(y[i] * k + oy);
      if (!(cx >= -R && cy >= -R && cx < W + R && cy < H + R)) continue;
      const inside = cx >= R && cy >= R && cx < W - R && cy < H - R;
      if (sel[i]) stamp(cx, cy, ring, white, inside);
      stamp(cx, cy, edge, dark, inside);
      stamp(cx, cy, fill, col[c], inside);
    }
    if (this.hovered >= 0 && vis[cls[this.hovered]]) {
      const i = this.hovered;
      const cx = Math.round(x[i] * k + ox), cy = Math.round(y[i] * k + oy);
      stamp(cx, cy, discOffsets(r + 3), white, false);
      stamp(cx, cy, edge, dark, false);
      stamp(cx, cy, fill, col[cls[i]], false);
    }
    const ctx = this.overlay.getContext('2d')!;
    ctx.putImageData(this.imageData, 0, 0);
    if (a.vectors && this.showArrows) this.drawArrows(ctx, k, ox, oy);
    this.drawSelectionShape(ctx);
  }

  private drawArrows(ctx: CanvasRenderingContext2D, k: number, ox: number, oy: number): void {
    const a = this.p.atoms, v = a.vectors!;
    const W = this.overlay.width, H = this.overlay.height;
    const g = this.gain * k;
    ctx.lineWidth = Math.max(1, this.dpr);
    ctx.lineCap = 'round';
    for (let c = 0; c < a.classes.length; c++) {
      if (!this.visible[c]) continue;
      ctx.beginPath();
      for (let i = 0; i < a.count; i++) {
        if (a.cls[i] !== c) continue;
        const dx = v.dx[i] * g, dy = v.dy[i] * g;
        if (!Number.isFinite(dx) || !Number.isFinite(dy)) continue;
        const x0 = a.x[i] * k + ox, y0 = a.y[i] * k + oy, x1 = x0 + dx, y1 = y0 + dy;
        if ((x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) || (x0 > W && x1 > W) || (y0 > H && y1 > H)) continue;
        const len = Math.hypot(dx, dy);
        if (len < 0.5) continue;
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
        const h = Math.min(len * 0.35, 6 * this.dpr), ux = dx / len, uy = dy / len;
        ctx.moveTo(x1 - h * (ux - 0.5 * uy), y1 - h * (uy + 0.5 * ux));
        ctx.lineTo(x1, y1);
        ctx.lineTo(x1 - h * (ux + 0.5 * uy), y1 - h * (uy - 0.5 * ux));
      }
      ctx.strokeStyle = a.classes[c].color;
      ctx.stroke();
    }
  }

  private drawSelectionShape(ctx: CanvasRenderingContext2D): void {
    const d = this.drag;
    if (!d || d.kind === 'pan' || d.pts.length < 4) return;
    const { scale, tx, ty } = this.view;
    const dpr = this.dpr;
    const pts = d.kind === 'box' ? boxPolygon(d.pts[0], d.pts[1], d.pts[d.pts.length - 2], d.pts[d.pts.length - 1]) : d.pts;
    ctx.save();
    ctx.beginPath();
    for (let j = 0; j < pts.length; j += 2) {
      const sx = (pts[j] * scale + tx) * dpr, sy = (pts[j + 1] * scale + ty) * dpr;
      if (j === 0) ctx.moveTo(sx, sy);
      else ctx.lineTo(sx, sy);
    }
    ctx.closePath();
    ctx.fillStyle = 'rgba(255,255,255,0.12)';
    ctx.fill();
    ctx.setLineDash([5 * dpr, 4 * dpr]);
    ctx.lineWidth = 1.5 * dpr;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
    ctx.restore();
  }

  private eventPos(e: MouseEvent): [number, number] {
    const r = this.overlay.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private on<K extends keyof HTMLElementEventMap>(target: HTMLElement, type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions): void {
    target.addEventListener(type, fn as EventListener, opts);
    this.listeners.push(() => target.removeEventListener(type, fn as EventListener, opts));
  }

  private attachEvents(): void {
    const o = this.overlay;
    o.style.cursor = 'grab';
    this.on(o, 'wheel', (e) => {
      e.preventDefault();
      const [sx, sy] = this.eventPos(e);
      const fit = fitView(this.p.image.width, this.p.image.height, this.cssW, this.cssH).scale;
      this.view = zoomAt(this.view, sx, sy, Math.exp(-e.deltaY * 0.0015), fit / 4, Math.max(fit * 64, 40));
      this.hideTooltip();
      this.requestDraw();
    }, { passive: false });
    this.on(o, 'pointerdown', (e) => {
      if (e.button !== 0) return;
      o.setPointerCapture(e.pointerId);
      const [sx, sy] = this.eventPos(e);
      this.hideTooltip();
      if (this.mode === 'pan') {
        this.drag = { kind: 'pan', sx, sy, view: { ...this.view } };
        o.style.cursor = 'grabbing';
      } else {
        const [ix, iy] = toImage(this.view, sx, sy);
        this.drag = { kind: this.mode, pts: [ix, iy] };
      }
    });
    this.on(o, 'pointermove', (e) => {
      const [sx, sy] = this.eventPos(e);
      const d = this.drag;
      if (d?.kind === 'pan') {
        this.view = { ...d.view, tx: d.view.tx + sx - d.sx, ty: d.view.ty + sy - d.sy };
        this.requestDraw();
      } else if (d) {
        const [ix, iy] = toImage(this.view, sx, sy);
        if (d.kind === 'box') d.pts = [d.pts[0], d.pts[1], ix, iy];
        else d.pts.push(ix, iy);
        this.requestDraw();
      } else this.hover(sx, sy);
    });
    const end = (e: PointerEvent) => {
      const d = this.drag;
      this.drag = null;
      if (o.hasPointerCapture(e.pointerId)) o.releasePointerCapture(e.pointerId);
      o.style.cursor = this.mode === 'pan' ? 'grab' : 'crosshair';
      if (d && d.kind !== 'pan') {
        const poly = d.kind === 'box' ? boxPolygon(d.pts[0], d.pts[1], d.pts[d.pts.length - 2], d.pts[d.pts.length - 1]) : d.pts;
        if (poly.length >= 6) void this.select(d.kind, poly);
        this.requestDraw();
      }
    };
    this.on(o, 'pointerup', end);
    this.on(o, 'pointercancel', end);
    this.on(o, 'pointerleave', () => {
      if (!this.drag) this.hideTooltip();
    });
    this.on(o, 'dblclick', () => this.resetView());
  }

  private hover(sx: number, sy: number): void {
    const [ix, iy] = toImage(this.view, sx, sy);
    const reach = (this.discRadius() / this.dpr + 4) / this.view.scale;
    const a = this.p.atoms;
    const i = this.grid.nearest(ix, iy, reach, (j) => this.visible[a.cls[j]]);
    if (i !== this.hovered) {
      this.hovered = i;
      this.requestDraw();
    }
    if (i < 0) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.textContent = this.describeAtom(i);
    this.tooltip.hidden = false;
    const tx = Math.min(sx + 14, this.cssW - 10), ty = sy + 14;
    this.tooltip.style.left = `${tx}px`;
    this.tooltip.style.top = `${ty}px`;
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
    if (this.hovered >= 0) {
      this.hovered = -1;
      this.requestDraw();
    }
  }

  /** The tooltip text of atom `i` (plain text, one fact per line). */
  describeAtom(i: number): string {
    const a = this.p.atoms, cal = this.p.image.calibration;
    const pos = (v: number) => (cal ? `${fmt(v)} px (${fmt(v * cal.pixelSize)} ${cal.unit})` : `${fmt(v)} px`);
    const lines = [`atom ${i}`, `class: ${a.classes[a.cls[i]].name}`, `x: ${pos(a.x[i])}`, `y: ${pos(a.y[i])}`];
    if (a.vectors) lines.push(`${a.vectors.label}: (${fmt(a.vectors.dx[i])}, ${fmt(a.vectors.dy[i])}) ${a.vectors.unit}`);
    for (const p of a.properties) {
      const v = p.values[i];
      lines.push(`${p.name}: ${typeof v === 'number' ? fmt(v) : v}`);
    }
    return lines.join('\n');
  }

  private async select(shape: 'box' | 'lasso', polygon: number[]): Promise<void> {
    const a = this.p.atoms;
    const indices = atomsInPolygon(a.x, a.y, polygon, (i) => this.visible[a.cls[i]]);
    this.selected.fill(0);
    for (const i of indices) this.selected[i] = 1;
    this.selectionCount = indices.length;
    this.requestDraw();
    const what = `${indices.length.toLocaleString('en-US')} atom${indices.length === 1 ? '' : 's'} selected (${shape})`;
    this.setStatus(what);
    this.node.dataset.selectionCount = String(indices.length);
    if (!this.opts.sendSelection) return;
    try {
      const msg = await this.opts.sendSelection({ view: this.p.id, shape, polygon: polygon.map((v) => Number(v.toFixed(2))), indices });
      this.setStatus(`${what} · ${msg}`);
    } catch (e) {
      this.setStatus(`${what} · not sent to the kernel: ${(e as Error).message}`);
    }
  }

  private clearSelection(): void {
    this.selected.fill(0);
    this.selectionCount = 0;
    this.node.dataset.selectionCount = '0';
    this.requestDraw();
    this.setStatus('selection cleared');
    if (this.opts.sendSelection) void this.opts.sendSelection({ view: this.p.id, shape: 'box', polygon: [], indices: [] }).catch(() => undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.raf) cancelAnimationFrame(this.raf);
    for (const off of this.listeners) off();
    this.node.remove();
  }
}
