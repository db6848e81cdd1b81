/**
 * causalscope's JupyterLab MIME renderers (a mime-renderer extension):
 * `application/vnd.causalscope.atoms+json` (atom overlay) and
 * `application/vnd.causalscope.graph+json` (causal graph),
 * `application/vnd.causalscope.chart+json` (a Vega-Lite chart linked to atom
 * overlays). Payload schemas:
 * docs/widgets.md; the MIME types, payload types and parsers are the
 * library's own (src/show/shared/schema.ts, compiled into this bundle). A payload this extension cannot read shows a readable
 * error, with the bundle's static picture when it has one.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { ATOMS_MIME, CHART_MIME, GRAPH_MIME, SELECTION_COMM_TARGET, parseAtomsPayload, parseChartPayload, parseGraphPayload, type GraphPrior, type PriorMessage, type SelectionMessage } from '../../src/show/shared/schema';
import { AtomSelection, AtomsView } from './atoms';
import { ChartView } from './chart';
import { GraphView } from './graph';
import { el } from './dom';

export { ATOMS_MIME, CHART_MIME, GRAPH_MIME, SELECTION_COMM_TARGET };

/** What the renderer needs of a kernel connection (@jupyterlab/services IKernelConnection). */
interface CommLike {
  readonly isDisposed: boolean;
  open(data?: unknown): unknown;
  send(data: unknown): unknown;
  onClose: ((msg: unknown) => void) | undefined;
}
interface KernelLike {
  readonly isDisposed?: boolean;
  createComm(targetName: string, commId?: string): CommLike;
}

/** The kernel of the notebook or console holding `w` (first ancestor with a sessionContext). */
function kernelOf(w: Widget): KernelLike | null {
  for (let p: Widget | null = w; p; p = p.parent) {
    const sc = (p as unknown as { sessionContext?: { session?: { kernel?: KernelLike | null } | null } }).sessionContext;
    if (sc) return sc.session?.kernel ?? null;
  }
  return null;
}

/** One renderer widget per output; `renderModel` is a function of the bundle. */
export class CausalscopeRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private view: AtomsView | GraphView | ChartView | null = null;
  private comm: CommLike | null = null;
  private commClosed = false;

  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass('cs-widget');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.view?.dispose();
    this.view = null;
    this.node.textContent = '';
    let data: unknown = model.data[this.mimeType];
    try {
      if (typeof data === 'string') {
        try {
          data = JSON.parse(data);
        } catch {
          throw new Error('the payload is a string that is not JSON');
        }
      }
      if (this.mimeType === ATOMS_MIME) {
        const payload = parseAtomsPayload(data);
        const view = new AtomsView(this.node, payload, { sendSelection: (s) => this.sendSelection(s) });
        this.view = view;
        await view.ready;
      } else if (this.mimeType === GRAPH_MIME) {
        const payload = parseGraphPayload(data);
        const view = new GraphView(this.node, payload, { sendPrior: (prior) => this.sendPrior(payload.id, prior) });
        this.view = view;
        await view.ready;
      } else if (this.mimeType === CHART_MIME) {
        const view = new ChartView(this.node, parseChartPayload(data));
        this.view = view;
        await view.ready;
      } else throw new Error(`no renderer for ${this.mimeType}`);
    } catch (e) {
      this.view?.dispose();
      this.view = null;
      this.showError(e as Error, model);
    }
  }

  private showError(e: Error, model: IRenderMime.IMimeModel): void {
    this.node.textContent = '';
    const box = el('div', 'cs-error');
    box.setAttribute('role', 'alert');
    const what = this.mimeType === ATOMS_MIME ? 'atom overlay' : this.mimeType === CHART_MIME ? 'linked chart' : 'causal graph';
    box.appendChild(el('div', 'cs-error-title', `causalscope: cannot show this ${what}`));
    box.appendChild(el('pre', 'cs-error-message', e && e.message ? e.message : String(e)));
    const png = model.data['image/png'];
    const svg = model.data['image/svg+xml'];
    if (typeof png === 'string' || typeof svg === 'string') {
      box.appendChild(el('div', 'cs-error-note', 'Showing the static picture from the same output instead:'));
      const img = el('img', 'cs-fallback');
      // An <img> never runs scripts from an SVG, so data-derived SVG is safe here.
      img.src = typeof png === 'string' ? `data:image/png;base64,${png}` : `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg as string)))}`;
      img.alt = 'static fallback picture';
      box.appendChild(img);
    }
    this.node.appendChild(box);
  }

  /** Send a selection to the kernel over the `causalscope.selection` comm. */
  private async sendSelection(sel: AtomSelection): Promise<string> {
    await this.send({ event: 'selection', ...sel });
    return 'sent to the kernel: read it with cs.selection()';
  }

  /** Send the prior knowledge drawn on graph view `view` to the kernel (same comm). */
  private async sendPrior(view: string, prior: GraphPrior): Promise<string> {
    await this.send({ event: 'prior', view, prior });
    return 'sent to the kernel: read it with cs.show.prior()';
  }

  private async send(msg: SelectionMessage | PriorMessage): Promise<void> {
    const kernel = kernelOf(this);
    if (!kernel || kernel.isDisposed) throw new Error('no running kernel for this output');
    if (!this.comm || this.comm.isDisposed || this.commClosed) {
      this.commClosed = false;
      const comm = kernel.createComm(SELECTION_COMM_TARGET);
      comm.onClose = () => {
        this.commClosed = true;
      };
      this.comm = comm;
      await comm.open(msg);
    } else await this.comm.send(msg);
    // A kernel without the target closes the comm right away.
    await new Promise((r) => setTimeout(r, 150));
    if (this.commClosed) throw new Error(`the kernel has no "${SELECTION_COMM_TARGET}" comm target (run a cell that calls cs.show.atoms, cs.show.graph or cs.selection() in this kernel)`);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.view?.dispose();
    this.view = null;
    super.dispose();
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [ATOMS_MIME, GRAPH_MIME, CHART_MIME],
  defaultRank: 45,
  createRenderer: (options) => new CausalscopeRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'causalscope-labextension:renderers',
  rendererFactory,
  rank: 45,
  dataType: 'json',
  fileTypes: [
    { name: 'causalscope-atoms', mimeTypes: [ATOMS_MIME], extensions: ['.atoms.json'], displayName: 'causalscope atoms' },
    { name: 'causalscope-graph', mimeTypes: [GRAPH_MIME], extensions: ['.graph.json'], displayName: 'causalscope graph' }
  ],
  documentWidgetFactoryOptions: [
    { name: 'causalscope atoms', primaryFileType: 'causalscope-atoms', fileTypes: ['causalscope-atoms'], defaultFor: ['causalscope-atoms'] },
    { name: 'causalscope graph', primaryFileType: 'causalscope-graph', fileTypes: ['causalscope-graph'], defaultFor: ['causalscope-graph'] }
  ]
};

export default extension;
