/**
 * The atom-overlay view: a greyscale image with atoms drawn on a canvas.
 * The canvas fills the output's width at the image's aspect ratio (at most
 * 80 % of the window's height; drag the corner handle to resize). Zoom
 * (wheel) and pan (drag), a class legend with toggles and per-class marker
 * shapes, markers of constant screen size (outlines by default, so the
 * columns stay visible), colour by a numeric column with a colour bar,
 * arrows to scale with a gain slider and a reference arrow, a hover tooltip
 * kept inside the window, a contrast window, box/lasso selection, and
 * export of the view as PNG (3× the screen's resolution) or SVG. An image
 * series (payload `frames`) gets a frame slider (keyboard too) showing each
 * frame's image, its atoms and the tracks' trails; a payload `link` shares
 * the selection with the linked charts and overlays of the page (./link.ts).
 *
 * Drawing: the image is drawn with drawImage from an offscreen canvas that
 * holds the contrast-mapped pixels; atoms are stamped into an ImageData
 * buffer (precomputed marker stamps, only the grid cells in view visited),
 * so a frame costs O(pixels + atoms in view · marker area).
 */
import type { AtomsPayload, SelectionMessage } from '../../src/show/shared/schema';
import { COLOR_MAPS, type ColorByMap, type ColorMapName, colorByRgb, colorMapRgb, defaultColorRange, wheelRgb } from '../../src/show/shared/colormap';
import { type MarkerStamp, covarianceEllipse, markerPath, markerStamp, stamp } from '../../src/show/shared/markers';
import { contrastLut, greyToValue, hexToRgb, packRgba } from './colors';
import { AtomGrid, View, atomsInPolygon, boxPolygon, fitView, toImage, zoomAt } from './geometry';
import { el, fmt } from './dom';
import { type LinkMember, type LinkMessage, joinLink } from './link';

/** A selection as the overlay reports it (the comm message without its `event` tag). */
export type AtomSelection = Omit<SelectionMessage, 'event'>;

export interface AtomsViewOptions {
  /** Send a selection to the kernel; resolves to a status line for the user. */
  sendSelection?: (sel: AtomSelection) => Promise<string>;
  /** Largest canvas height in CSS pixels (default: 80 % of the window's height, at least 240). */
  maxHeight?: number;
}

type Mode = 'pan' | 'box' | 'lasso';
type LegendItem =
  | { kind: 'colorbar'; map: ColorMapName; title: string; lo: string; hi: string }
  | { kind: 'wheel'; wheel: HTMLCanvasElement; title: string; label: string }
  | { kind: 'scale' | 'arrow'; px: number; label: string };

/** Keys that step a range slider: kept from JupyterLab's notebook shortcuts while the frame slider has the focus. */
const FRAME_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown']);

/** Device pixels per CSS pixel of the exported PNG ("publication resolution": 3 × 96 dpi ≈ 300 dpi at the on-screen size). */
export const EXPORT_PIXEL_RATIO = 3;

/** A drawing target: device pixels per CSS pixel and the view (CSS px). */
interface Surface {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
  ratio: number;
}

/**
 * The marker radius (CSS px) actually drawn: the chosen size, but at most
 * 0.45 × the atoms' screen spacing (so that neighbours never merge when
 * zoomed far out). Constant at every zoom where atoms are further apart.
 */
export function drawnMarkerRadius(markerPx: number, spacingImagePx: number, scale: number): number {
  return Math.max(1, Math.min(markerPx, 0.45 * spacingImagePx * scale));
}

/** The reference arrow of the legend: a round vector length (data units) drawn about `targetPx` screen px long at this gain and zoom. */
export function referenceArrow(gain: number, scale: number, targetPx = 40): { value: number; px: number } {
  const raw = targetPx / (gain * scale);
  const e = Math.floor(Math.log10(raw));
  const m = raw / Math.pow(10, e);
  const value = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * Math.pow(10, e);
  return { value, px: value * gain * scale };
}

export class AtomsView {
  readonly node: HTMLDivElement;
  readonly ready: Promise<void>;
  private readonly p: AtomsPayload;
  private readonly opts: AtomsViewOptions;
  private readonly body: HTMLDivElement;
  private readonly stage: HTMLDivElement;
  private readonly base: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly tooltip: HTMLDivElement;
  private readonly status: HTMLDivElement;
  private scaleBar: { bar: HTMLDivElement; label: HTMLSpanElement } | null = null;
  private refArrow: { canvas: HTMLCanvasElement; label: HTMLSpanElement } | null = null;
  private colorBar: { canvas: HTMLCanvasElement; ticks: HTMLSpanElement[]; box: HTMLDivElement } | null = null;
  /** The contrast-mapped image at full size, then halved until it fits in 256 px (drawn from the level nearest the zoom). */
  private pyramid: HTMLCanvasElement[] = [];
  private greyPixels: Uint8Array | null = null;
  private readonly visible: boolean[];
  private readonly grid: AtomGrid;
  private readonly spacing: number;
  /** Packed colour of each atom (class colour, or its colorBy colour). */
  private colors: Uint32Array;
  private colorMap: ColorByMap | null;
  private colorRange: [number, number] | null;
  private markerPx: number;
  private markerSlider: HTMLInputElement | null = null;
  /** True until the user picks a marker size: the default follows the canvas size. */
  private markerAuto = true;
  /** True while the view is the fitted one (a resize refits it). */
  private fitted = true;
  private cssW = 0;
  private cssH = 0;
  private userHeight: number | null = null;
  private dpr = 1;
  private view: View = { scale: 1, tx: 0, ty: 0 };
  private mode: Mode = 'pan';
  private lo = 0;
  private hi = 255;
  private gain: number;
  private showArrows = true;
  private showEllipses = true;
  private hovered = -1;
  private selected: Uint8Array;
  private drag: { kind: 'pan'; sx: number; sy: number; view: View } | { kind: 'box' | 'lasso'; pts: number[] } | { kind: 'resize'; sy: number; h: number } | null = null;
  private raf = 0;
  private disposed = false;
  private imageData: ImageData | null = null;
  private readonly listeners: (() => void)[] = [];
  private readonly observer: ResizeObserver | null = null;
  /** Milliseconds the last frame took to draw (read by bench/widgets and the e2e frame-time check). */
  lastDrawMs = 0;
  /** The frame shown (image series), and the one being loaded. */
  private frame = 0;
  private wantedFrame = 0;
  private readonly frameGrey = new Map<number, Uint8Array>();
  /** The legend's per-class count of each class, in class order. */
  private readonly countSpans: HTMLSpanElement[] = [];
  private frameControls: { slider: HTMLInputElement; label: HTMLSpanElement; play: HTMLButtonElement } | null = null;
  private playTimer = 0;
  /** Atom indices of each track in frame order (image series with tracks). */
  private readonly tracks: Map<number, number[]> | null = null;
  private link: LinkMember | null = null;
  private linkSendTimer = 0;
  private linkSeq = 0;

  constructor(host: HTMLElement, payload: AtomsPayload, opts: AtomsViewOptions = {}) {
    this.p = payload;
    this.opts = opts;
    const a = payload.atoms;
    this.visible = a.classes.map(() => true);
    this.selected = new Uint8Array(a.count);
    this.gain = a.vectors ? a.vectors.gain : 1;
    this.colorMap = a.colorBy ? a.colorBy.map : null;
    this.colorRange = a.colorBy ? a.colorBy.range : null;
    this.colors = this.atomColors();
    const perFrame = a.count / (payload.frames ? payload.frames.count : 1);
    this.spacing = Math.max(1, Math.sqrt((payload.image.width * payload.image.height) / Math.max(1, perFrame)));
    if (payload.frames?.track) this.tracks = tracksOf(payload.frames.track, payload.frames.frame);
    this.grid = new AtomGrid(a.x, a.y, payload.image.width, payload.image.height, Math.max(4, this.spacing * 2));
    this.markerPx = 6;

    this.node = el('div', 'cs-atoms');
    this.node.dataset.csView = payload.id;
    if (payload.title) this.node.appendChild(el('div', 'cs-title', payload.title));
    const toolbar = el('div', 'cs-toolbar');
    this.node.appendChild(toolbar);
    this.body = el('div', 'cs-atoms-body');
    this.node.appendChild(this.body);
    this.stage = el('div', 'cs-stage');
    this.base = el('canvas', 'cs-image-layer');
    this.overlay = el('canvas', 'cs-atom-layer');
    const handle = el('div', 'cs-resize-handle');
    handle.title = 'Drag to change the height; double-click for the image\'s aspect ratio';
    this.stage.append(this.base, this.overlay);
    this.body.append(this.stage, handle);
    this.body.appendChild(this.buildLegend());
    this.status = el('div', 'cs-status');
    this.node.appendChild(this.status);
    this.buildToolbar(toolbar);
    // The tooltip lives on the page (position: fixed), so no output area or short canvas clips it.
    this.tooltip = el('div', 'cs-tooltip');
    this.tooltip.setAttribute('role', 'tooltip');
    this.tooltip.dataset.csView = payload.id;
    this.tooltip.hidden = true;
    document.body.appendChild(this.tooltip);
    host.appendChild(this.node);

    this.layout();
    this.resetView();
    this.attachEvents(handle);
    if (typeof ResizeObserver !== 'undefined') {
      this.observer = new ResizeObserver(() => this.layout());
      this.observer.observe(this.node);
    }
    const W = payload.image.width, H = payload.image.height;
    this.setStatus(`${a.count.toLocaleString('en-US')} atoms · ${W}×${H} px image` + (payload.frames ? ` · ${payload.frames.count} frames` : '') + (payload.image.calibration ? ` · ${fmt(payload.image.calibration.pixelSize)} ${payload.image.calibration.unit}/px` : ''));
    if (payload.link) this.link = joinLink(payload.link, (m) => this.linkedSelection(m));
    this.ready = this.loadImage();
  }

  /** True when atom i is drawn: its class is ticked and it belongs to the frame shown. */
  private shown(i: number): boolean {
    const f = this.p.frames;
    return this.visible[this.p.atoms.cls[i]] && (!f || f.frame[i] === this.frame);
  }

  /**
   * Show frame `k` of an image series (clamped to the frames): its image
   * (decoded once, then cached) and its atoms. Resolves when it is drawn.
   */
  async setFrame(k: number): Promise<void> {
    const f = this.p.frames;
    if (!f) return;
    k = Math.max(0, Math.min(f.count - 1, Math.round(k)));
    this.wantedFrame = k;
    const c = this.frameControls;
    if (c) {
      c.slider.value = String(k);
      c.slider.setAttribute('aria-valuetext', `${f.labels[k]} (${k + 1} of ${f.count})`);
      c.label.textContent = `${f.labels[k]} · ${k + 1}/${f.count}`;
    }
    let grey: Uint8Array | null = null;
    if (f.png) {
      grey = this.frameGrey.get(k) ?? (await decodeGrey(f.png[k], this.p.image.width, this.p.image.height, `frames.png[${k}]`));
      this.frameGrey.set(k, grey);
    }
    if (this.wantedFrame !== k || this.disposed) return; // a later step overtook this one
    this.frame = k;
    this.updateCounts();
    if (grey && grey !== this.greyPixels) {
      this.greyPixels = grey;
      this.applyContrast();
    }
    this.hideTooltip();
    this.requestDraw();
  }

  private togglePlay(): void {
    const f = this.p.frames, c = this.frameControls;
    if (!f || !c) return;
    if (this.playTimer) {
      clearInterval(this.playTimer);
      this.playTimer = 0;
    } else {
      this.playTimer = window.setInterval(() => void this.setFrame((this.wantedFrame + 1) % f.count), 250);
    }
    c.play.textContent = this.playTimer ? 'Pause' : 'Play';
    c.play.setAttribute('aria-pressed', String(this.playTimer !== 0));
  }

  /** A selection made in another view of the link group: select those atoms here and pass it on to the kernel. */
  private linkedSelection(m: LinkMessage): void {
    const a = this.p.atoms;
    this.selected.fill(0);
    let n = 0;
    for (const i of m.indices) if (i >= 0 && i < a.count && !this.selected[i]) { this.selected[i] = 1; n++; }
    this.node.dataset.selectionCount = String(n);
    this.node.dataset.selectionSource = 'linked';
    this.requestDraw();
    const what = `${n.toLocaleString('en-US')} atom${n === 1 ? '' : 's'} selected (linked: ${m.how})`;
    this.setStatus(what);
    if (!this.opts.sendSelection) return;
    // a brush moves continuously: the kernel gets the selection once it rests
    clearTimeout(this.linkSendTimer);
    const indices = m.indices.filter((i) => i >= 0 && i < a.count);
    const seq = ++this.linkSeq;
    this.linkSendTimer = window.setTimeout(() => {
      // only the latest selection's outcome is shown
      this.opts.sendSelection!({ view: this.p.id, shape: 'linked', polygon: [], indices }).then(
        (msg) => seq === this.linkSeq && this.setStatus(`${what} · ${msg}`),
        (e) => seq === this.linkSeq && this.setStatus(`${what} · not sent to the kernel: ${(e as Error).message}`)
      );
    }, 200);
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
  }

  /** Packed colour of each atom: from its value on the colour map, else its class colour. O(n). */
  private atomColors(): Uint32Array {
    const a = this.p.atoms, out = new Uint32Array(a.count);
    if (a.colorBy && this.colorMap && this.colorRange) {
      const c = { ...a.colorBy, map: this.colorMap, range: this.colorRange };
      for (let i = 0; i < a.count; i++) out[i] = packRgba(...colorByRgb(c, i));
    } else {
      const cls = a.classes.map((c) => packRgba(...hexToRgb(c.color)));
      for (let i = 0; i < a.count; i++) out[i] = cls[a.cls[i]];
    }
    return out;
  }

  private async loadImage(): Promise<void> {
    const f = this.p.frames;
    this.greyPixels = await decodeGrey(f?.png ? f.png[0] : this.p.image.png, this.p.image.width, this.p.image.height, f?.png ? 'frames.png[0]' : 'image.png');
    if (f?.png) this.frameGrey.set(0, this.greyPixels);
    this.applyContrast();
  }

  private applyContrast(): void {
    if (!this.greyPixels) return;
    const lut = contrastLut(this.lo, this.hi);
    const full = document.createElement('canvas');
    full.width = this.p.image.width;
    full.height = this.p.image.height;
    const ctx = full.getContext('2d')!;
    const out = ctx.createImageData(full.width, full.height);
    const d = out.data, g = this.greyPixels;
    for (let i = 0, j = 0; i < g.length; i++, j += 4) {
      const v = lut[g[i]];
      d[j] = d[j + 1] = d[j + 2] = v;
      d[j + 3] = 255;
    }
    ctx.putImageData(out, 0, 0);
    this.pyramid = [full];
    for (let lv = full; Math.max(lv.width, lv.height) > 256; ) {
      const half = document.createElement('canvas');
      half.width = Math.max(1, Math.ceil(lv.width / 2));
      half.height = Math.max(1, Math.ceil(lv.height / 2));
      const hctx = half.getContext('2d')!;
      hctx.imageSmoothingEnabled = true;
      hctx.imageSmoothingQuality = 'high';
      hctx.drawImage(lv, 0, 0, half.width, half.height);
      this.pyramid.push(half);
      lv = half;
    }
    this.requestDraw();
  }

  private button(label: string, title: string, onClick: () => void): HTMLButtonElement {
    const b = el('button', 'cs-button', label);
    b.type = 'button';
    b.title = title;
    b.addEventListener('click', onClick);
    return b;
  }

  private slider(cls: string, min: number, max: number, step: number, value: number, title: string): HTMLInputElement {
    const s = el('input', cls);
    s.type = 'range';
    s.min = String(min);
    s.max = String(max);
    s.step = String(step);
    s.value = String(value);
    s.title = title;
    return s;
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
      const b = this.button(label, title, () => {
        this.mode = m;
        for (const o of buttons) o.setAttribute('aria-pressed', String(o === b));
        this.overlay.style.cursor = m === 'pan' ? 'grab' : 'crosshair';
      });
      b.dataset.mode = m;
      b.setAttribute('aria-pressed', String(m === this.mode));
      buttons.push(b);
      group.appendChild(b);
    }
    bar.appendChild(group);
    bar.append(
      this.button('Reset view', 'Fit the image in the view', () => this.resetView()),
      this.button('Clear selection', 'Deselect all atoms', () => this.clearSelection()),
      this.button('Export PNG', `Download the view as a PNG at ${EXPORT_PIXEL_RATIO}× screen resolution`, () => void this.exportPng()),
      this.button('Export SVG', 'Download the view as an SVG (markers, arrows, colour bar as vectors)', () => this.exportSvg())
    );

    const contrast = el('label', 'cs-control');
    contrast.append(el('span', '', 'Contrast'));
    const lo = this.slider('cs-contrast-lo', 0, 255, 1, 0, 'black level');
    const hi = this.slider('cs-contrast-hi', 0, 255, 1, 255, 'white level');
    for (const input of [lo, hi]) {
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

    const size = el('label', 'cs-control');
    const ms = this.slider('cs-marker-size', 1, 16, 1, this.markerPx, 'marker radius, screen pixels (the same at every zoom)');
    ms.addEventListener('input', () => {
      this.markerAuto = false;
      this.markerPx = Number(ms.value);
      this.requestDraw();
    });
    size.append(el('span', '', 'Markers'), ms);
    bar.appendChild(size);
    this.markerSlider = ms;

    const cb = this.p.atoms.colorBy;
    if (cb && cb.map !== 'wheel') {
      const pick = el('label', 'cs-control');
      const sel = el('select', 'cs-colormap');
      sel.title = 'colour map';
      for (const m of COLOR_MAPS) {
        const o = el('option', '', m);
        o.value = m;
        sel.appendChild(o);
      }
      sel.value = cb.map;
      sel.addEventListener('change', () => this.setColorMap(sel.value as ColorMapName));
      pick.append(el('span', '', `Colour: ${cb.name}`), sel);
      bar.appendChild(pick);
    }

    const frames = this.p.frames;
    if (frames) {
      const box = el('div', 'cs-control cs-frames');
      box.setAttribute('role', 'group');
      box.setAttribute('aria-label', 'frames');
      const prev = this.button('◀', 'Previous frame (← on the image)', () => void this.setFrame(this.wantedFrame - 1));
      prev.setAttribute('aria-label', 'previous frame');
      const slider = this.slider('cs-frame', 0, frames.count - 1, 1, 0, 'frame (← → on the image; Home, End)');
      slider.setAttribute('aria-label', 'frame');
      slider.addEventListener('input', () => void this.setFrame(Number(slider.value)));
      const next = this.button('▶', 'Next frame (→ on the image)', () => void this.setFrame(this.wantedFrame + 1));
      next.setAttribute('aria-label', 'next frame');
      const play = this.button('Play', 'Play the frames (4 per second)', () => this.togglePlay());
      play.setAttribute('aria-pressed', 'false');
      const label = el('span', 'cs-frame-label');
      label.setAttribute('aria-live', 'polite');
      box.append(el('span', '', 'Frame'), prev, slider, next, play, label);
      // the slider's own keys (JupyterLab's notebook shortcuts would take them)
      box.addEventListener('keydown', (e) => {
        if (FRAME_KEYS.has(e.key)) e.stopPropagation();
      });
      bar.appendChild(box);
      this.frameControls = { slider, label, play };
      slider.setAttribute('aria-valuetext', `${frames.labels[0]} (1 of ${frames.count})`);
      label.textContent = `${frames.labels[0]} · 1/${frames.count}`;
    }

    const ell = this.p.atoms.ellipses;
    if (ell) {
      const box = el('label', 'cs-control');
      const on = el('input', 'cs-ellipses-toggle');
      on.type = 'checkbox';
      on.checked = true;
      on.addEventListener('change', () => {
        this.showEllipses = on.checked;
        this.requestDraw();
      });
      box.append(on, el('span', '', `${ell.label} ellipses (× ${this.p.atoms.vectors ? 'arrow gain' : fmt(ell.gain)})`));
      bar.appendChild(box);
    }
    const vec = this.p.atoms.vectors;
    if (vec) {
      const arrows = el('label', 'cs-control');
      const on = el('input', 'cs-arrows-toggle');
      on.type = 'checkbox';
      on.checked = true;
      on.addEventListener('change', () => {
        this.showArrows = on.checked;
        this.requestDraw();
      });
      const gain = this.slider('cs-gain', -1, 3, 0.01, Math.log10(this.gain), 'arrow gain (log scale)');
      const gv = el('span', 'cs-range', `×${fmt(this.gain)}`);
      gain.addEventListener('input', () => {
        this.gain = Math.pow(10, Number(gain.value));
        gv.textContent = `×${fmt(this.gain)}`;
        this.requestDraw();
      });
      arrows.append(on, el('span', '', `${vec.label} arrows, gain`), gain, gv);
      bar.appendChild(arrows);
    }
  }

  /** Switch the colour map of `colorBy` (the range follows the map's default, kept when the map has none). */
  setColorMap(map: ColorMapName): void {
    const cb = this.p.atoms.colorBy;
    if (!cb || cb.map === 'wheel') return;
    this.colorMap = map;
    this.colorRange = map === cb.map ? cb.range : defaultColorRange(cb.values, map) ?? cb.range;
    this.colors = this.atomColors();
    this.updateColorBar();
    this.requestDraw();
  }

  /** Write each class's number of atoms in the frame shown (all atoms without frames) into the legend. O(atoms). */
  private updateCounts(): void {
    const a = this.p.atoms, f = this.p.frames;
    const counts = classCounts(a.cls, a.classes.length, f?.frame, this.frame);
    this.countSpans.forEach((span, k) => (span.textContent = `(${counts[k].toLocaleString('en-US')})`));
  }

  private buildLegend(): HTMLDivElement {
    const legend = el('div', 'cs-legend');
    const a = this.p.atoms;
    a.classes.forEach((c, k) => {
      const row = el('label', 'cs-legend-item');
      const cb = el('input');
      cb.type = 'checkbox';
      cb.checked = true;
      cb.dataset.classIndex = String(k);
      cb.addEventListener('change', () => {
        this.visible[k] = cb.checked;
        if (this.hovered >= 0 && !this.shown(this.hovered)) this.hideTooltip();
        this.requestDraw();
      });
      const sw = el('span', `cs-swatch cs-swatch--${c.shape}`);
      sw.dataset.shape = c.shape;
      sw.style.backgroundColor = a.colorBy ? 'transparent' : c.color;
      sw.style.borderColor = a.colorBy ? 'var(--jp-ui-font-color1)' : c.color;
      sw.style.color = a.colorBy ? 'var(--jp-ui-font-color1)' : c.color;
      const count = el('span', 'cs-count');
      this.countSpans.push(count);
      row.append(cb, sw, el('span', 'cs-class-name', c.name), count);
      legend.appendChild(row);
    });
    this.updateCounts();
    if (a.colorBy?.map === 'wheel') {
      const box = el('div', 'cs-colorbar cs-colorwheel');
      box.setAttribute('role', 'img');
      box.setAttribute('aria-label', `colorbar: ${a.colorBy.name} as a colour wheel: hue = direction, brightness = length from 0 to ${fmt(a.colorBy.range[1])}`);
      const wheel = el('canvas', 'cs-colorwheel-disc');
      wheel.width = wheel.height = 64;
      const ctx = wheel.getContext('2d')!;
      const img = ctx.createImageData(64, 64);
      for (let v = 0; v < 64; v++) for (let u = 0; u < 64; u++) {
        const dx = u - 31.5, dy = v - 31.5, d = Math.hypot(dx, dy) / 31.5;
        if (d <= 1) img.data.set([...wheelRgb(Math.atan2(dy, dx), d), 255], 4 * (v * 64 + u));
      }
      ctx.putImageData(img, 0, 0);
      box.append(el('div', 'cs-colorbar-title', a.colorBy.name), wheel, el('span', 'cs-colorbar-tick', `0 – ${fmt(a.colorBy.range[1])}`));
      legend.appendChild(box);
    } else if (a.colorBy) {
      const box = el('div', 'cs-colorbar');
      box.setAttribute('role', 'img');
      const canvas = el('canvas', 'cs-colorbar-ramp');
      canvas.width = 256;
      canvas.height = 1;
      const ticks = [el('span', 'cs-colorbar-tick'), el('span', 'cs-colorbar-tick'), el('span', 'cs-colorbar-tick')];
      const labels = el('div', 'cs-colorbar-labels');
      labels.append(...ticks);
      box.append(el('div', 'cs-colorbar-title', a.colorBy.name), canvas, labels);
      legend.appendChild(box);
      this.colorBar = { canvas, ticks, box };
      this.updateColorBar();
    }
    if (a.vectors) {
      const ref = el('div', 'cs-arrow-legend');
      const canvas = el('canvas', 'cs-arrow-ref');
      const label = el('span', 'cs-arrow-ref-label');
      ref.append(canvas, label);
      legend.appendChild(ref);
      this.refArrow = { canvas, label };
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

  private updateColorBar(): void {
    const cb = this.p.atoms.colorBy;
    if (!cb || !this.colorBar || !this.colorMap || this.colorMap === 'wheel' || !this.colorRange) return;
    const map: ColorMapName = this.colorMap;
    const { canvas, ticks, box } = this.colorBar;
    const ctx = canvas.getContext('2d')!;
    const img = ctx.createImageData(256, 1);
    for (let x = 0; x < 256; x++) {
      const [r, g, b] = colorMapRgb(map, x / 255);
      img.data.set([r, g, b, 255], 4 * x);
    }
    ctx.putImageData(img, 0, 0);
    const [lo, hi] = this.colorRange;
    ticks[0].textContent = fmt(lo);
    ticks[1].textContent = fmt((lo + hi) / 2);
    ticks[2].textContent = fmt(hi);
    box.setAttribute('aria-label', `colorbar: ${cb.name}, ${map} colour map from ${fmt(lo)} to ${fmt(hi)}`);
    box.dataset.map = map;
  }

  /** Size the canvases: the output's width at the image's aspect ratio (or the height the user dragged to). */
  private layout(): void {
    if (this.disposed) return;
    const W = this.p.image.width, H = this.p.image.height;
    const avail = Math.max(160, Math.floor(this.body.clientWidth || this.node.clientWidth || 640));
    const maxH = this.opts.maxHeight ?? Math.max(240, Math.round(0.8 * (window.innerHeight || 800)));
    // ceil: the image fills the width exactly and overhangs by under a pixel, never a strip at the sides
    let w = avail, h = Math.ceil((avail * H) / W);
    if (this.userHeight !== null) h = this.userHeight;
    else if (h > maxH) {
      h = maxH;
      w = Math.min(avail, Math.ceil((maxH * W) / H));
    }
    h = Math.max(60, h);
    const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    if (w === this.cssW && h === this.cssH && dpr === this.dpr) return;
    const old = { w: this.cssW, h: this.cssH };
    this.cssW = w;
    this.cssH = h;
    this.dpr = dpr;
    for (const c of [this.base, this.overlay]) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
    }
    this.stage.style.width = `${w}px`;
    this.stage.style.height = `${h}px`;
    this.imageData = null;
    if (this.markerAuto) {
      // about 0.3 of the atom spacing on screen when the image fits, 3..7 px; then the same at every zoom
      const fit = fitView(W, H, w, h).scale;
      this.markerPx = Math.max(3, Math.min(7, Math.round(0.3 * this.spacing * fit)));
      if (this.markerSlider) this.markerSlider.value = String(this.markerPx);
    }
    if (old.w > 0) {
      if (this.fitted) this.resetView();
      else {
        // keep the image point at the centre of the view there, scaled by the change of width
        const [ix, iy] = toImage(this.view, old.w / 2, old.h / 2);
        const scale = (this.view.scale * w) / old.w;
        this.view = { scale, tx: w / 2 - ix * scale, ty: h / 2 - iy * scale };
        this.requestDraw();
      }
    }
  }

  resetView(): void {
    this.fitted = true;
    this.view = fitView(this.p.image.width, this.p.image.height, this.cssW, this.cssH);
    this.requestDraw();
  }

  /** The current view transform (screen CSS px = image px × scale + offset). */
  getView(): View {
    return { ...this.view };
  }

  setView(v: View): void {
    this.fitted = false;
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
    const bctx = this.base.getContext('2d')!;
    this.drawImageLayer({ ctx: bctx, width: this.base.width, height: this.base.height, ratio: this.dpr });
    const octx = this.overlay.getContext('2d')!;
    const W = this.overlay.width, H = this.overlay.height;
    if (!this.imageData || this.imageData.width !== W || this.imageData.height !== H) this.imageData = new ImageData(W, H);
    this.stampAtoms(this.imageData, this.dpr, true);
    octx.putImageData(this.imageData, 0, 0);
    const surface = { ctx: octx, width: W, height: H, ratio: this.dpr };
    if (this.tracks) this.drawTracks(surface);
    if (this.p.atoms.ellipses && this.showEllipses) this.drawEllipses(surface);
    if (this.p.atoms.vectors && this.showArrows) this.drawArrows(surface);
    this.drawSelectionShape(octx);
    if (this.p.frames) this.node.dataset.frame = String(this.frame);
    this.updateScaleBar();
    this.updateRefArrow();
    const r = drawnMarkerRadius(this.markerPx, this.spacing, this.view.scale);
    this.node.dataset.view = JSON.stringify({ scale: this.view.scale, tx: this.view.tx, ty: this.view.ty });
    this.node.dataset.markerRadius = r.toFixed(2);
    this.lastDrawMs = performance.now() - t0;
    this.node.dataset.drawMs = this.lastDrawMs.toFixed(2);
  }

  private drawImageLayer(s: Surface): void {
    const { scale, tx, ty } = this.view;
    const { ctx, ratio } = s;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, s.width, s.height);
    if (!this.pyramid.length) return;
    // the pyramid level with at least one image pixel per device pixel, and only the part in view
    const k = scale * ratio;
    const level = Math.max(0, Math.min(this.pyramid.length - 1, Math.floor(Math.log2(1 / k))));
    const src = this.pyramid[level], f = src.width / this.p.image.width;
    const x0 = Math.max(0, Math.floor((-tx * ratio) / k * f)), y0 = Math.max(0, Math.floor((-ty * ratio) / k * f));
    const x1 = Math.min(src.width, Math.ceil(((s.width - tx * ratio) / k) * f)), y1 = Math.min(src.height, Math.ceil(((s.height - ty * ratio) / k) * f));
    if (x1 <= x0 || y1 <= y0) return;
    ctx.imageSmoothingEnabled = k / f < 1;
    ctx.drawImage(src, x0, y0, x1 - x0, y1 - y0, tx * ratio + (x0 / f) * k, ty * ratio + (y0 / f) * k, ((x1 - x0) / f) * k, ((y1 - y0) / f) * k);
  }

  /** The legend's scale bar: a 1, 2 or 5 × 10^k length about 100 screen pixels long. */
  private updateScaleBar(): void {
    const cal = this.p.image.calibration;
    if (!cal || !this.scaleBar) return;
    const s = this.scaleBarLength();
    this.scaleBar.bar.style.width = `${s.px.toFixed(1)}px`;
    this.scaleBar.label.textContent = `${fmt(s.value)} ${cal.unit}`;
  }

  private scaleBarLength(): { value: number; px: number } {
    const cal = this.p.image.calibration!;
    const perScreenPx = cal.pixelSize / this.view.scale;
    const target = 100 * perScreenPx;
    const e = Math.floor(Math.log10(target));
    const m = target / Math.pow(10, e);
    const nice = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * Math.pow(10, e);
    return { value: nice, px: nice / perScreenPx };
  }

  private updateRefArrow(): void {
    const v = this.p.atoms.vectors;
    if (!v || !this.refArrow) return;
    const { value, px } = referenceArrow(this.gain, this.view.scale);
    const { canvas, label } = this.refArrow;
    const dpr = this.dpr, w = Math.ceil(px + 12);
    if (canvas.width !== Math.round(w * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(14 * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = '14px';
    }
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, 14);
    ctx.strokeStyle = getComputedStyle(this.node).color || '#000';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    arrowPath(ctx, 2, 7, 2 + px, 7, 6);
    ctx.stroke();
    label.textContent = `${fmt(value)} ${v.unit} ${v.label} (×${fmt(this.gain)})`;
    canvas.dataset.lengthPx = px.toFixed(2);
  }

  /**
   * Stamp the markers of the atoms in view into `img` (device pixels at
   * `ratio` per CSS px). Where atoms are closer on screen than 3 device px
   * (zoomed far out) each atom is one pixel of its colour: a density map,
   * 1 write per atom instead of a marker's ~50.
   */
  private stampAtoms(img: ImageData, ratio: number, interactive: boolean): void {
    const W = img.width, H = img.height;
    const buf = new Uint32Array(img.data.buffer);
    buf.fill(0);
    const a = this.p.atoms;
    const r = drawnMarkerRadius(this.markerPx, this.spacing, this.view.scale) * ratio;
    const dots = r < 1.5;
    const width = Math.max(1, Math.round(1.5 * ratio));
    const stamps: MarkerStamp[] = a.classes.map((c) => markerStamp(c.shape, a.marker, r, width));
    const reach = dots ? 0 : Math.max(...stamps.map((m) => m.reach)) + 3 * ratio;
    const k = this.view.scale * ratio, ox = this.view.tx * ratio, oy = this.view.ty * ratio;
    const dark = packRgba(0, 0, 0, 200), white = packRgba(255, 255, 255, 255);
    const x = a.x, y = a.y, cls = a.cls, vis = this.visible, col = this.colors, sel = this.selected, items = this.grid.items;
    const fr = this.p.frames?.frame, f = this.frame;
    const ring = interactive && !dots ? markerStamp('circle', 'outline', r + 3 * ratio, Math.max(2, ratio * 2)) : null;
    const ranges = this.grid.rowRanges((-reach - ox) / k, (-reach - oy) / k, (W + reach - ox) / k, (H + reach - oy) / k);
    for (let q = 0; q < ranges.length; q += 2) {
      for (let j = ranges[q]; j < ranges[q + 1]; j++) {
        const i = items[j], c = cls[i];
        if (!vis[c] || (fr && fr[i] !== f)) continue;
        const cx = Math.round(x[i] * k + ox), cy = Math.round(y[i] * k + oy);
        if (dots) {
          if (cx >= 0 && cy >= 0 && cx < W && cy < H) buf[cy * W + cx] = col[i];
          continue;
        }
        if (!(cx >= -reach && cy >= -reach && cx < W + reach && cy < H + reach)) continue;
        const m = stamps[c];
        if (ring && sel[i]) stamp(buf, W, H, cx, cy, ring.body, white, ring.reach);
        stamp(buf, W, H, cx, cy, m.rim, dark, m.reach);
        stamp(buf, W, H, cx, cy, m.body, col[i], m.reach);
      }
    }
    if (ring && this.hovered >= 0 && this.shown(this.hovered)) {
      const i = this.hovered, m = stamps[cls[i]];
      const cx = Math.round(x[i] * k + ox), cy = Math.round(y[i] * k + oy);
      stamp(buf, W, H, cx, cy, ring.rim, dark, ring.reach);
      stamp(buf, W, H, cx, cy, ring.body, white, ring.reach);
      stamp(buf, W, H, cx, cy, m.rim, dark, m.reach);
      stamp(buf, W, H, cx, cy, m.body, col[i], m.reach);
    }
  }

  /**
   * Trails of the tracks alive in the frame shown, grouped by colour: each
   * joins its atom's positions in frames up to this one (x·k + ox, y·k + oy),
   * in the colour of its atom in this frame. O(tracked atoms).
   */
  private trails(k: number, ox: number, oy: number): Map<number, number[][]> {
    const a = this.p.atoms, fr = this.p.frames!.frame, f = this.frame;
    const byColour = new Map<number, number[][]>();
    for (const rows of this.tracks!.values()) {
      let end = -1; // the track's atom in this frame
      for (const i of rows) if (fr[i] === f) end = i;
      if (end < 0 || !this.visible[a.cls[end]] || fr[rows[0]] === f) continue;
      const pts: number[] = [];
      for (const i of rows) if (fr[i] <= f) pts.push(a.x[i] * k + ox, a.y[i] * k + oy);
      let list = byColour.get(this.colors[end]);
      if (!list) byColour.set(this.colors[end], (list = []));
      list.push(pts);
    }
    return byColour;
  }

  /** Draw the trails of the tracks (see `trails`), 1.5 CSS px wide. */
  private drawTracks(s: Surface): void {
    const { ctx, ratio } = s;
    const byColour = this.trails(this.view.scale * ratio, this.view.tx * ratio, this.view.ty * ratio);
    ctx.lineWidth = Math.max(1, 1.5 * ratio);
    ctx.lineJoin = 'round';
    for (const [colour, list] of byColour) {
      ctx.beginPath();
      for (const pts of list) {
        ctx.moveTo(pts[0], pts[1]);
        for (let j = 2; j < pts.length; j += 2) ctx.lineTo(pts[j], pts[j + 1]);
      }
      ctx.strokeStyle = `rgb(${colour & 255},${(colour >>> 8) & 255},${(colour >>> 16) & 255})`;
      ctx.stroke();
    }
  }

  /** Screen px per image px of the uncertainty ellipses: their gain, times the arrows' gain when there are arrows. */
  private ellipseGain(): number {
    const e = this.p.atoms.ellipses!;
    return e.gain * (this.p.atoms.vectors ? this.gain : 1);
  }

  /**
   * The 1-sd uncertainty ellipses × gain of the atoms in a W × H view (k screen px per
   * image px, offset ox, oy), grouped by their atom's colour: per ellipse x, y, major and
   * minor radius (px) and angle (rad). Ellipses under `minPx` across are left out.
   */
  private ellipsesInView(k: number, ox: number, oy: number, W: number, H: number, minPx: number): Map<number, number[]> {
    const a = this.p.atoms, e = a.ellipses!;
    const g = this.ellipseGain() * k;
    const byColour = new Map<number, number[]>();
    for (let i = 0; i < a.count; i++) {
      if (!this.shown(i)) continue;
      const x0 = a.x[i] * k + ox, y0 = a.y[i] * k + oy;
      const sx = e.sx[i], sy = e.sy[i];
      const el = covarianceEllipse(sx * sx, sy * sy, e.sxy ? e.sxy[i] : 0);
      const r1 = el.major * g, r2 = el.minor * g;
      if (!(r1 >= 0.75 * minPx) || x0 < -r1 || y0 < -r1 || x0 > W + r1 || y0 > H + r1) continue;
      let list = byColour.get(this.colors[i]);
      if (!list) byColour.set(this.colors[i], (list = []));
      list.push(x0, y0, r1, Math.max(r2, 0.5 * minPx), el.angle);
    }
    return byColour;
  }

  /** The 1-sd uncertainty ellipses × gain around the atoms in view, coloured like their atom's marker. */
  private drawEllipses(s: Surface): void {
    const { ctx, ratio, width: W, height: H } = s;
    const k = this.view.scale * ratio, ox = this.view.tx * ratio, oy = this.view.ty * ratio;
    ctx.lineWidth = Math.max(1, ratio);
    for (const [colour, list] of this.ellipsesInView(k, ox, oy, W, H, ratio)) {
      ctx.beginPath();
      for (let j = 0; j < list.length; j += 5) {
        ctx.moveTo(list[j] + list[j + 2] * Math.cos(list[j + 4]), list[j + 1] + list[j + 2] * Math.sin(list[j + 4]));
        ctx.ellipse(list[j], list[j + 1], list[j + 2], list[j + 3], list[j + 4], 0, 2 * Math.PI);
      }
      ctx.strokeStyle = `rgb(${colour & 255},${(colour >>> 8) & 255},${(colour >>> 16) & 255})`;
      ctx.stroke();
    }
    this.node.dataset.ellipseGain = this.ellipseGain().toPrecision(6);
  }

  /** Arrows of gain × (dx, dy), coloured like their atom's marker. */
  private drawArrows(s: Surface): void {
    const a = this.p.atoms, v = a.vectors!;
    const { ctx, ratio, width: W, height: H } = s;
    const k = this.view.scale * ratio, ox = this.view.tx * ratio, oy = this.view.ty * ratio;
    const g = this.gain * k;
    ctx.lineWidth = Math.max(1, 1.2 * ratio);
    ctx.lineCap = 'round';
    const byColour = new Map<number, number[]>();
    for (let i = 0; i < a.count; i++) {
      if (!this.shown(i)) continue;
      const dx = v.dx[i] * g, dy = v.dy[i] * g;
      if (!Number.isFinite(dx) || !Number.isFinite(dy)) continue;
      const x0 = a.x[i] * k + ox, y0 = a.y[i] * k + oy, x1 = x0 + dx, y1 = y0 + dy;
      if ((x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) || (x0 > W && x1 > W) || (y0 > H && y1 > H)) continue;
      if (Math.hypot(dx, dy) < 0.5 * ratio) continue;
      let list = byColour.get(this.colors[i]);
      if (!list) byColour.set(this.colors[i], (list = []));
      list.push(x0, y0, x1, y1);
    }
    for (const [colour, list] of byColour) {
      ctx.beginPath();
      for (let j = 0; j < list.length; j += 4) arrowPath(ctx, list[j], list[j + 1], list[j + 2], list[j + 3], 6 * ratio);
      ctx.strokeStyle = `rgb(${colour & 255},${(colour >>> 8) & 255},${(colour >>> 16) & 255})`;
      ctx.stroke();
    }
  }

  private drawSelectionShape(ctx: CanvasRenderingContext2D): void {
    const d = this.drag;
    if (!d || (d.kind !== 'box' && d.kind !== 'lasso') || d.pts.length < 4) return;
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

  /**
   * The current view as one picture at `ratio` device px per CSS px: image,
   * markers, arrows, and below it a strip with the colour bar, the reference
   * arrow and the scale bar (what the legend shows).
   */
  renderPicture(ratio = EXPORT_PIXEL_RATIO): HTMLCanvasElement {
    const W = Math.round(this.cssW * ratio), Hs = Math.round(this.cssH * ratio);
    const strip = this.p.atoms.colorBy || this.p.image.calibration || this.p.atoms.vectors ? Math.round(34 * ratio) : 0;
    const out = document.createElement('canvas');
    out.width = W;
    out.height = Hs + strip;
    const ctx = out.getContext('2d')!;
    this.drawImageLayer({ ctx, width: W, height: Hs, ratio });
    const layer = document.createElement('canvas');
    layer.width = W;
    layer.height = Hs;
    const img = new ImageData(W, Hs);
    this.stampAtoms(img, ratio, false);
    layer.getContext('2d')!.putImageData(img, 0, 0);
    ctx.drawImage(layer, 0, 0);
    if (this.tracks) this.drawTracks({ ctx, width: W, height: Hs, ratio });
    if (this.p.atoms.ellipses && this.showEllipses) this.drawEllipses({ ctx, width: W, height: Hs, ratio });
    if (this.p.atoms.vectors && this.showArrows) this.drawArrows({ ctx, width: W, height: Hs, ratio });
    if (strip) {
      ctx.setTransform(ratio, 0, 0, ratio, 0, Hs);
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, this.cssW, 34);
      ctx.fillStyle = '#000000';
      ctx.strokeStyle = '#000000';
      ctx.font = '11px sans-serif';
      ctx.textBaseline = 'top';
      let x = 6;
      for (const item of this.legendItems()) {
        if (item.kind === 'wheel') {
          ctx.drawImage(item.wheel, x, 2, 30, 30);
          ctx.textAlign = 'left';
          ctx.fillText(`${item.title}: ${item.label}`, x + 34, 12);
          x += 34 + ctx.measureText(`${item.title}: ${item.label}`).width + 14;
        } else if (item.kind === 'colorbar') {
          for (let i = 0; i < 120; i++) {
            const [r, g, b] = colorMapRgb(item.map, i / 119);
            ctx.fillStyle = `rgb(${r},${g},${b})`;
            ctx.fillRect(x + i, 4, 1.2, 10);
          }
          ctx.fillStyle = '#000000';
          ctx.textAlign = 'left';
          ctx.fillText(item.lo, x, 17);
          ctx.textAlign = 'right';
          ctx.fillText(item.hi, x + 120, 17);
          ctx.textAlign = 'left';
          ctx.fillText(item.title, x + 126, 4);
          x += 132 + ctx.measureText(item.title).width + 14;
        } else {
          ctx.lineWidth = item.kind === 'scale' ? 3 : 1.5;
          ctx.beginPath();
          if (item.kind === 'scale') {
            ctx.moveTo(x, 9);
            ctx.lineTo(x + item.px, 9);
          } else arrowPath(ctx, x, 9, x + item.px, 9, 6);
          ctx.stroke();
          ctx.textAlign = 'left';
          ctx.fillText(item.label, x, 17);
          x += Math.max(item.px, ctx.measureText(item.label).width) + 18;
        }
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
    }
    return out;
  }

  /** The legend entries of exported pictures, in CSS px at the current zoom. */
  private legendItems(): LegendItem[] {
    const items: LegendItem[] = [];
    const cb = this.p.atoms.colorBy;
    const wheel = this.node.querySelector<HTMLCanvasElement>('canvas.cs-colorwheel-disc');
    if (cb && this.colorRange && this.colorMap === 'wheel' && wheel) items.push({ kind: 'wheel', wheel, title: cb.name, label: `0 – ${fmt(this.colorRange[1])}` });
    else if (cb && this.colorRange && this.colorMap && this.colorMap !== 'wheel') items.push({ kind: 'colorbar', map: this.colorMap, title: cb.name, lo: fmt(this.colorRange[0]), hi: fmt(this.colorRange[1]) });
    const v = this.p.atoms.vectors;
    if (v && this.showArrows) {
      const r = referenceArrow(this.gain, this.view.scale);
      items.push({ kind: 'arrow', px: r.px, label: `${fmt(r.value)} ${v.unit} ${v.label}` });
    }
    const cal = this.p.image.calibration;
    if (cal) {
      const s = this.scaleBarLength();
      items.push({ kind: 'scale', px: s.px, label: `${fmt(s.value)} ${cal.unit}` });
    }
    return items;
  }

  private fileName(ext: string): string {
    return `${(this.p.title || 'atoms').replace(/[^\w.-]+/g, '_')}.${ext}`;
  }

  private static save(url: string, name: string): void {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  /** Download the view as a PNG at EXPORT_PIXEL_RATIO × the on-screen size. */
  async exportPng(): Promise<void> {
    await this.ready;
    const canvas = this.renderPicture();
    const blob = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/png'));
    if (!blob) throw new Error('Export PNG: the browser could not encode the picture');
    const url = URL.createObjectURL(blob);
    AtomsView.save(url, this.fileName('png'));
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /**
   * The view as a standalone SVG: the visible part of the image embedded as
   * a PNG at its own resolution (pixels kept sharp), markers, track trails,
   * uncertainty ellipses and arrows as vector paths (the atoms in view), the colour bar as a gradient, the
   * reference arrow and the scale bar. O(atoms in view).
   */
  toSvgString(): string {
    const { scale, tx, ty } = this.view;
    const w = this.cssW, h = this.cssH, strip = this.legendItems().length ? 34 : 0;
    const a = this.p.atoms;
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const f = (v: number) => Number(v.toFixed(2));
    const parts: string[] = [];
    parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + strip}" viewBox="0 0 ${w} ${h + strip}" font-family="sans-serif" font-size="11">`);
    parts.push(`<defs><clipPath id="cs-view"><rect width="${w}" height="${h}"/></clipPath></defs><rect width="${w}" height="${h}" fill="#000"/>`);
    if (this.pyramid.length) {
      // the image pixels in view, at their own resolution
      const full = this.pyramid[0];
      const x0 = Math.max(0, Math.floor(-tx / scale)), y0 = Math.max(0, Math.floor(-ty / scale));
      const x1 = Math.min(full.width, Math.ceil((w - tx) / scale)), y1 = Math.min(full.height, Math.ceil((h - ty) / scale));
      if (x1 > x0 && y1 > y0) {
        const crop = document.createElement('canvas');
        crop.width = x1 - x0;
        crop.height = y1 - y0;
        crop.getContext('2d')!.drawImage(full, -x0, -y0);
        parts.push(`<image clip-path="url(#cs-view)" x="${f(tx + x0 * scale)}" y="${f(ty + y0 * scale)}" width="${f(crop.width * scale)}" height="${f(crop.height * scale)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${crop.toDataURL('image/png')}"/>`);
      }
    }
    const r = drawnMarkerRadius(this.markerPx, this.spacing, scale);
    const hex = (c: number) => '#' + [c & 255, (c >>> 8) & 255, (c >>> 16) & 255].map((v) => v.toString(16).padStart(2, '0')).join('');
    const byColour = new Map<number, string[]>();
    const ranges = this.grid.rowRanges(-tx / scale - r, -ty / scale - r, (w - tx) / scale + r, (h - ty) / scale + r);
    for (let q = 0; q < ranges.length; q += 2) {
      for (let j = ranges[q]; j < ranges[q + 1]; j++) {
        const i = this.grid.items[j];
        if (!this.shown(i)) continue;
        const sx = a.x[i] * scale + tx, sy = a.y[i] * scale + ty;
        if (sx < -r || sy < -r || sx > w + r || sy > h + r) continue;
        let list = byColour.get(this.colors[i]);
        if (!list) byColour.set(this.colors[i], (list = []));
        list.push(markerPath(a.classes[a.cls[i]].shape, sx, sy, r));
      }
    }
    const filled = a.marker === 'filled';
    parts.push('<g clip-path="url(#cs-view)">');
    for (const [c, paths] of byColour) {
      const d = paths.join('');
      parts.push(`<path d="${d}" fill="${filled ? hex(c) : 'none'}" stroke="#000" stroke-opacity="0.8" stroke-width="${filled ? 1 : 3.5}"/>`);
      if (!filled) parts.push(`<path d="${d}" fill="none" stroke="${hex(c)}" stroke-width="1.5"/>`);
    }
    if (this.tracks) {
      for (const [c, list] of this.trails(scale, tx, ty)) {
        const d = list.map((pts) => `M${f(pts[0])} ${f(pts[1])}` + Array.from({ length: pts.length / 2 - 1 }, (_, j) => `L${f(pts[2 * j + 2])} ${f(pts[2 * j + 3])}`).join('')).join('');
        parts.push(`<path class="cs-trails" d="${d}" fill="none" stroke="${hex(c)}" stroke-width="1.5" stroke-linejoin="round"/>`);
      }
    }
    if (a.ellipses && this.showEllipses) {
      for (const [c, list] of this.ellipsesInView(scale, tx, ty, w, h, 1)) {
        const shapes: string[] = [];
        for (let j = 0; j < list.length; j += 5) {
          shapes.push(`<ellipse cx="${f(list[j])}" cy="${f(list[j + 1])}" rx="${f(list[j + 2])}" ry="${f(list[j + 3])}" transform="rotate(${f((list[j + 4] * 180) / Math.PI)} ${f(list[j])} ${f(list[j + 1])})"/>`);
        }
        parts.push(`<g class="cs-ellipses" fill="none" stroke="${hex(c)}" stroke-width="1">${shapes.join('')}</g>`);
      }
    }
    if (a.vectors && this.showArrows) {
      const v = a.vectors, g = this.gain * scale;
      const arrows = new Map<number, string[]>();
      for (let i = 0; i < a.count; i++) {
        if (!this.shown(i)) continue;
        const x0 = a.x[i] * scale + tx, y0 = a.y[i] * scale + ty, x1 = x0 + v.dx[i] * g, y1 = y0 + v.dy[i] * g;
        if (!Number.isFinite(x1) || !Number.isFinite(y1) || Math.hypot(x1 - x0, y1 - y0) < 0.5) continue;
        if ((x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) || (x0 > w && x1 > w) || (y0 > h && y1 > h)) continue;
        let list = arrows.get(this.colors[i]);
        if (!list) arrows.set(this.colors[i], (list = []));
        list.push(arrowSvgPath(x0, y0, x1, y1, 6));
      }
      for (const [c, paths] of arrows) parts.push(`<path d="${paths.join('')}" fill="none" stroke="${hex(c)}" stroke-width="1.2" stroke-linecap="round"/>`);
    }
    parts.push('</g>');
    if (strip) {
      parts.push(`<g transform="translate(0 ${h})"><rect width="${w}" height="${strip}" fill="#fff"/>`);
      let x = 6;
      for (const item of this.legendItems()) {
        if (item.kind === 'wheel') {
          parts.push(`<g class="cs-colorbar cs-colorwheel" aria-label="colorbar: ${esc(item.title)}"><image x="${x}" y="2" width="30" height="30" href="${item.wheel.toDataURL('image/png')}"/><text x="${x + 34}" y="20">${esc(`${item.title}: ${item.label}`)}</text></g>`);
          x += 34 + 6.5 * (item.title.length + item.label.length + 2) + 14;
        } else if (item.kind === 'colorbar') {
          const stops = Array.from({ length: 17 }, (_, i) => `<stop offset="${f(i / 16)}" stop-color="${hex(packRgba(...colorMapRgb(item.map, i / 16)))}"/>`).join('');
          parts.push(`<defs><linearGradient id="cs-colorbar-ramp">${stops}</linearGradient></defs>`);
          parts.push(`<g class="cs-colorbar" aria-label="colorbar: ${esc(item.title)}"><rect x="${x}" y="4" width="120" height="10" fill="url(#cs-colorbar-ramp)"/>`);
          parts.push(`<text x="${x}" y="26">${esc(item.lo)}</text><text x="${x + 120}" y="26" text-anchor="end">${esc(item.hi)}</text><text x="${x + 126}" y="13">${esc(item.title)}</text></g>`);
          x += 132 + 7 * item.title.length + 14;
        } else {
          parts.push(item.kind === 'scale'
            ? `<path d="M${x} 9h${f(item.px)}" stroke="#000" stroke-width="3"/>`
            : `<path d="${arrowSvgPath(x, 9, x + item.px, 9, 6)}" stroke="#000" stroke-width="1.5" fill="none"/>`);
          parts.push(`<text x="${x}" y="26">${esc(item.label)}</text>`);
          x += Math.max(item.px, 6.5 * item.label.length) + 18;
        }
      }
      parts.push('</g>');
    }
    parts.push('</svg>');
    return `<?xml version="1.0" encoding="UTF-8"?>\n${parts.join('\n')}\n`;
  }

  /** Download the view as an SVG file. */
  exportSvg(): void {
    const url = URL.createObjectURL(new Blob([this.toSvgString()], { type: 'image/svg+xml' }));
    AtomsView.save(url, this.fileName('svg'));
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  private eventPos(e: MouseEvent): [number, number] {
    const r = this.overlay.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private on<K extends keyof HTMLElementEventMap>(target: HTMLElement, type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions): void {
    target.addEventListener(type, fn as EventListener, opts);
    this.listeners.push(() => target.removeEventListener(type, fn as EventListener, opts));
  }

  private attachEvents(handle: HTMLDivElement): void {
    const o = this.overlay;
    o.style.cursor = 'grab';
    if (this.p.frames) {
      // the image takes the keyboard focus: ← → step frames, Home / End go to the first / last
      o.tabIndex = 0;
      o.setAttribute('aria-label', 'atoms over the image; ← → step through the frames');
      this.on(o, 'keydown', (e) => {
        const last = this.p.frames!.count - 1;
        const to = e.key === 'ArrowRight' ? this.wantedFrame + 1 : e.key === 'ArrowLeft' ? this.wantedFrame - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? last : null;
        if (to === null) return;
        e.preventDefault();
        e.stopPropagation();
        void this.setFrame(to);
      });
    }
    this.on(o, 'wheel', (e) => {
      e.preventDefault();
      const [sx, sy] = this.eventPos(e);
      const fit = fitView(this.p.image.width, this.p.image.height, this.cssW, this.cssH).scale;
      this.view = zoomAt(this.view, sx, sy, Math.exp(-e.deltaY * 0.0015), fit / 4, Math.max(fit * 64, 40));
      this.fitted = false;
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
        this.fitted = false;
        this.requestDraw();
      } else if (d && d.kind !== 'resize') {
        const [ix, iy] = toImage(this.view, sx, sy);
        if (d.kind === 'box') d.pts = [d.pts[0], d.pts[1], ix, iy];
        else {
          // every pointer position since the last event (the browser coalesces moves within a frame): a lasso keeps its corners on a busy machine
          const moves = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
          for (const m of moves.length ? moves : [e]) d.pts.push(...toImage(this.view, ...this.eventPos(m)));
        }
        this.requestDraw();
      } else if (!d) this.hover(sx, sy, e.clientX, e.clientY);
    });
    const end = (e: PointerEvent) => {
      const d = this.drag;
      this.drag = null;
      if (o.hasPointerCapture(e.pointerId)) o.releasePointerCapture(e.pointerId);
      o.style.cursor = this.mode === 'pan' ? 'grab' : 'crosshair';
      if (d && (d.kind === 'box' || d.kind === 'lasso')) {
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
    // the corner handle sets the canvas height; the width stays the output's
    this.on(handle, 'pointerdown', (e) => {
      e.preventDefault();
      e.stopPropagation();
      handle.setPointerCapture(e.pointerId);
      this.drag = { kind: 'resize', sy: e.clientY, h: this.cssH };
    });
    this.on(handle, 'pointermove', (e) => {
      const d = this.drag;
      if (d?.kind !== 'resize') return;
      this.userHeight = Math.max(60, Math.round(d.h + e.clientY - d.sy));
      this.layout();
    });
    const endResize = (e: PointerEvent) => {
      if (this.drag?.kind === 'resize') this.drag = null;
      if (handle.hasPointerCapture(e.pointerId)) handle.releasePointerCapture(e.pointerId);
    };
    this.on(handle, 'pointerup', endResize);
    this.on(handle, 'pointercancel', endResize);
    this.on(handle, 'dblclick', () => {
      this.userHeight = null;
      this.layout();
      this.resetView();
    });
  }

  private hover(sx: number, sy: number, clientX: number, clientY: number): void {
    const [ix, iy] = toImage(this.view, sx, sy);
    const reach = (drawnMarkerRadius(this.markerPx, this.spacing, this.view.scale) + 4) / this.view.scale;
    const a = this.p.atoms;
    const i = this.grid.nearest(ix, iy, reach, (j) => this.shown(j));
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
    const [left, top] = placeTooltip(clientX, clientY, this.tooltip.offsetWidth, this.tooltip.offsetHeight, window.innerWidth, window.innerHeight);
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${top}px`;
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
    if (a.colorBy && !a.properties.some((p) => p.name === a.colorBy!.name)) lines.push(`${a.colorBy.name}: ${fmt(a.colorBy.values[i])}`);
    for (const p of a.properties) {
      const v = p.values[i];
      lines.push(`${p.name}: ${typeof v === 'number' ? fmt(v) : v}`);
    }
    return lines.join('\n');
  }

  private async select(shape: 'box' | 'lasso', polygon: number[]): Promise<void> {
    const a = this.p.atoms;
    const indices = atomsInPolygon(a.x, a.y, polygon, (i) => this.shown(i));
    this.selected.fill(0);
    for (const i of indices) this.selected[i] = 1;
    this.requestDraw();
    const what = `${indices.length.toLocaleString('en-US')} atom${indices.length === 1 ? '' : 's'} selected (${shape})`;
    this.setStatus(what);
    this.node.dataset.selectionCount = String(indices.length);
    this.node.dataset.selectionSource = shape;
    this.link?.publish({ indices, how: `${shape} in the overlay` });
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
    this.node.dataset.selectionCount = '0';
    this.requestDraw();
    this.setStatus('selection cleared');
    this.link?.publish({ indices: [], how: 'cleared in the overlay' });
    if (this.opts.sendSelection) void this.opts.sendSelection({ view: this.p.id, shape: 'box', polygon: [], indices: [] }).catch(() => undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.raf) cancelAnimationFrame(this.raf);
    clearInterval(this.playTimer);
    clearTimeout(this.linkSendTimer);
    this.link?.leave();
    for (const off of this.listeners) off();
    this.observer?.disconnect();
    this.tooltip.remove();
    this.node.remove();
  }
}

/**
 * Top-left corner (viewport px) of a tooltip of size w × h for a pointer at
 * (x, y): below-right of the pointer, flipped to the other side where it
 * would leave the viewport (vw × vh), and clamped inside it (4 px margin).
 */
export function placeTooltip(x: number, y: number, w: number, h: number, vw: number, vh: number): [number, number] {
  const gap = 14, m = 4;
  let left = x + gap, top = y + gap;
  if (left + w > vw - m) left = x - gap - w;
  if (top + h > vh - m) top = y - gap - h;
  left = Math.max(m, Math.min(vw - m - w, left));
  top = Math.max(m, Math.min(vh - m - h, top));
  return [left, top];
}

/** Append an arrow from (x0, y0) to (x1, y1) with a head of up to `head` px to the current path. */
function arrowPath(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, head: number): void {
  const dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
  if (!(len > 0)) return;
  const h = Math.min(len * 0.35, head), ux = dx / len, uy = dy / len;
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.moveTo(x1 - h * (ux - 0.5 * uy), y1 - h * (uy + 0.5 * ux));
  ctx.lineTo(x1, y1);
  ctx.lineTo(x1 - h * (ux + 0.5 * uy), y1 - h * (uy - 0.5 * ux));
}

/** The same arrow as SVG path data. */
function arrowSvgPath(x0: number, y0: number, x1: number, y1: number, head: number): string {
  const f = (v: number) => Number(v.toFixed(2));
  const dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
  const h = Math.min(len * 0.35, head), ux = dx / len, uy = dy / len;
  return `M${f(x0)} ${f(y0)}L${f(x1)} ${f(y1)}M${f(x1 - h * (ux - 0.5 * uy))} ${f(y1 - h * (uy + 0.5 * ux))}L${f(x1)} ${f(y1)}L${f(x1 - h * (ux + 0.5 * uy))} ${f(y1 - h * (uy - 0.5 * ux))}`;
}

/** Number of atoms of each class (0..nClasses-1); with `frame`, only those whose frame is `f`. O(n). */
export function classCounts(cls: ArrayLike<number>, nClasses: number, frame?: ArrayLike<number>, f = 0): number[] {
  const counts = new Array<number>(nClasses).fill(0);
  for (let i = 0; i < cls.length; i++) if (!frame || frame[i] === f) counts[cls[i]]++;
  return counts;
}

/** Atom indices of each track id (≥ 0), ordered by frame. O(n log n). */
export function tracksOf(track: Int32Array, frame: Int32Array): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let i = 0; i < track.length; i++) {
    if (track[i] < 0) continue;
    let rows = out.get(track[i]);
    if (!rows) out.set(track[i], (rows = []));
    rows.push(i);
  }
  for (const rows of out.values()) rows.sort((p, q) => frame[p] - frame[q]);
  return out;
}

/** The grey level (red channel) of each pixel of a base64 PNG that must be w × h; `what` names it in errors. */
async function decodeGrey(png: string, w: number, h: number, what: string): Promise<Uint8Array> {
  const img = new Image();
  img.src = `data:image/png;base64,${png.replace(/\s+/g, '')}`;
  try {
    await img.decode();
  } catch {
    throw new Error(`${what}: the browser could not decode the PNG`);
  }
  if (img.naturalWidth !== w || img.naturalHeight !== h) {
    throw new Error(`${what}: the PNG is ${img.naturalWidth}×${img.naturalHeight}, image.width × image.height says ${w}×${h}`);
  }
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const ctx = c.getContext('2d')!;
  ctx.drawImage(img, 0, 0);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const grey = new Uint8Array(w * h);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i];
  return grey;
}
