/**
 * The linked chart: a Vega-Lite chart (drawn by vega, loaded on first use)
 * whose data rows name atoms, in a link group with atom overlays. Dragging
 * its brush selects the atoms of the points inside it in the group's
 * overlays; a selection made in an overlay sets the chart's `cs_linked`
 * (0/1 per atom index) and `cs_linked_count` parameters, which colour the
 * points (docs/widgets.md). SVG rendering up to 5000 points (canvas beyond).
 */
import type { View } from 'vega';
import type { ChartPayload } from '../../src/show/shared/schema';
import { el } from './dom';
import { type LinkMember, type LinkMessage, joinLink } from './link';

type Vega = { vega: typeof import('vega'); vl: typeof import('vega-lite') };
let vegaLoad: Promise<Vega> | null = null;

/** vega and vega-lite, imported once (a separate chunk of the extension). */
function loadVega(): Promise<Vega> {
  vegaLoad ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  vegaLoad.catch(() => {
    vegaLoad = null;
  });
  return vegaLoad;
}

/** Data rows (0-based) whose fields all lie in the brush's intervals ({field: [a, b]}); none for an empty brush. O(rows × fields). */
export function rowsInBrush(rows: readonly Record<string, unknown>[], brush: Record<string, unknown> | null | undefined): number[] {
  const ranges = Object.entries(brush ?? {}).filter((e): e is [string, [number, number]] => Array.isArray(e[1]) && e[1].length === 2);
  if (!ranges.length) return [];
  const out: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    if (ranges.every(([f, [a, b]]) => {
      const v = rows[r][f];
      return typeof v === 'number' && v >= Math.min(a, b) && v <= Math.max(a, b);
    })) out.push(r);
  }
  return out;
}

export class ChartView {
  readonly node: HTMLDivElement;
  readonly ready: Promise<void>;
  private readonly p: ChartPayload;
  private readonly plot: HTMLDivElement;
  private readonly status: HTMLDivElement;
  private readonly link: LinkMember;
  private readonly flags: number[];
  private view: View | null = null;
  /** True while the user's brush selects (its emptying then clears the selection; the chart clearing its own brush does not). */
  private brushActive = false;
  private disposed = false;

  constructor(host: HTMLElement, payload: ChartPayload) {
    this.p = payload;
    let max = -1;
    for (const v of payload.rows) if (v > max) max = v;
    this.flags = new Array(max + 1).fill(0);
    this.node = el('div', 'cs-chart');
    this.node.dataset.csView = payload.id;
    this.node.dataset.link = payload.link;
    this.plot = el('div', 'cs-chart-plot');
    this.status = el('div', 'cs-status', `linked to the atom overlays of "${payload.link}": drag a box over points to select their atoms`);
    this.node.append(this.plot, this.status);
    host.appendChild(this.node);
    this.link = joinLink(payload.link, (m) => void this.linked(m));
    this.ready = this.draw();
  }

  private async draw(): Promise<void> {
    const { vega, vl } = await loadVega();
    if (this.disposed) return;
    let compiled;
    try {
      compiled = vl.compile(this.p.spec as never).spec;
    } catch (e) {
      throw new Error(`spec: not valid Vega-Lite: ${(e as Error).message}`);
    }
    const view = new vega.View(vega.parse(compiled), { renderer: this.p.rows.length > 5000 ? 'canvas' : 'svg', container: this.plot, hover: true });
    this.view = view;
    await view.runAsync();
    view.addSignalListener(this.p.brush, (_name, value) => this.brushed(value as Record<string, unknown>));
  }

  private brushed(value: Record<string, unknown> | null): void {
    const empty = !value || Object.keys(value).length === 0;
    if (empty && !this.brushActive) return;
    this.brushActive = !empty;
    const rows = (this.p.spec.data as { values: Record<string, unknown>[] }).values;
    const indices = [...new Set(rowsInBrush(rows, value).map((r) => this.p.rows[r]))].sort((a, b) => a - b);
    this.node.dataset.brush = JSON.stringify(value ?? {});
    void this.highlight(indices);
    const n = indices.length;
    this.status.textContent = n ? `${n} atom${n === 1 ? '' : 's'} in the brush: selected in the linked overlays` : 'brush cleared';
    this.link.publish({ indices, how: 'brush in the chart' });
  }

  /** A selection made in another view of the group: clear the brush, colour the selected atoms' points. */
  private async linked(m: LinkMessage): Promise<void> {
    await this.ready.catch(() => undefined);
    const view = this.view;
    if (!view || this.disposed) return;
    this.brushActive = false;
    for (const s of [`${this.p.brush}_x`, `${this.p.brush}_y`]) {
      try {
        view.signal(s, []);
      } catch {
        /* the spec's brush has no such channel */
      }
    }
    await view.runAsync();
    delete this.node.dataset.brush;
    await this.highlight(m.indices);
    const n = this.node.dataset.highlighted;
    this.status.textContent = `${n} point${n === '1' ? '' : 's'} of the atoms selected (${m.how})`;
  }

  /** Set the chart's linked-selection parameters to `indices` and redraw. */
  private async highlight(indices: number[]): Promise<void> {
    const view = this.view;
    if (!view) return;
    this.flags.fill(0);
    for (const i of indices) if (i < this.flags.length) this.flags[i] = 1;
    let shown = 0;
    for (const v of this.p.rows) shown += this.flags[v];
    view.signal('cs_linked', this.flags.slice()).signal('cs_linked_count', indices.length);
    await view.runAsync();
    this.node.dataset.highlighted = String(shown);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.link.leave();
    this.view?.finalize();
    this.node.remove();
  }
}
