/**
 * What the widgets send back arrives over the `causalscope.selection` comm
 * (the widget opens it; see docs/widgets.md): selections made in the atom
 * overlay (`event: "selection"`) and prior knowledge drawn on a causal graph
 * (`event: "prior"`). The kernel keeps the latest one per view;
 * `selection()` and `prior()` read them in the next cell.
 */
import { kernelBridge, type KernelBridge } from "../display/mime";
import { PayloadError, SELECTION_COMM_TARGET, parseGraphPrior, type GraphPrior } from "./shared/schema";

/** One selection made in an atom overlay. */
export interface AtomSelection {
  /** Id of the view (the displayed `show.atoms` output) it was made in. */
  view: string;
  /** "box" or "lasso" in the overlay; "linked": made in another view of the overlay's link group (a brush in a linked chart). */
  shape: "box" | "lasso" | "linked";
  /** The drawn polygon in image pixels, flat [x0, y0, x1, y1, ...]. */
  polygon: number[];
  /** Indices (rows of the atoms passed to show.atoms), ascending. */
  indices: number[];
  /** When the kernel received it. */
  receivedAt: Date;
}

const byView = new Map<string, AtomSelection>();
/** Atom counts of the views this kernel displayed, to check incoming indices. */
const viewCounts = new Map<string, number>();
let latest: AtomSelection | undefined;
const registered = new WeakSet<KernelBridge>();

export function rememberView(id: string, count: number): void {
  viewCounts.set(id, count);
}

/**
 * Take a message from the widget; returns the stored selection, or throws
 * naming the bad field (the kernel logs it; the widget keeps its status).
 */
export function receiveSelection(data: unknown): AtomSelection {
  const d = data as Record<string, unknown>;
  if (!d || typeof d !== "object" || d.event !== "selection") throw new TypeError(`${SELECTION_COMM_TARGET}: expected {event: "selection", ...}, got ${JSON.stringify(data)?.slice(0, 80)}`);
  const view = typeof d.view === "string" ? d.view : "";
  const shape = d.shape === "lasso" || d.shape === "linked" ? d.shape : "box";
  if (!Array.isArray(d.indices)) throw new TypeError(`${SELECTION_COMM_TARGET}: indices must be an array`);
  const max = viewCounts.get(view);
  const indices: number[] = [];
  for (const v of d.indices) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || (max !== undefined && v >= max)) throw new RangeError(`${SELECTION_COMM_TARGET}: index ${JSON.stringify(v)} is not an atom of view ${view}${max !== undefined ? ` (${max} atoms)` : ""}`);
    indices.push(v);
  }
  indices.sort((a, b) => a - b);
  const polygon = Array.isArray(d.polygon) ? d.polygon.filter((v): v is number => typeof v === "number") : [];
  const sel: AtomSelection = { view, shape, polygon, indices, receivedAt: new Date() };
  byView.set(view, sel);
  latest = sel;
  return sel;
}

const priorByView = new Map<string, GraphPrior>();
/** Node ids of the graph views this kernel displayed. */
const graphNodes = new Map<string, string[]>();
let latestPrior: GraphPrior | undefined;

/** Remember a displayed graph view's nodes (and the prior it was shown with, the view's prior until edited). */
export function rememberGraphView(id: string, nodes: string[], prior?: GraphPrior): void {
  graphNodes.set(id, nodes.slice());
  if (prior) priorByView.set(id, prior);
}

/**
 * Take a prior-knowledge message from a graph widget; returns the stored
 * prior, or throws naming the bad field (a node id the view does not have,
 * a self-loop, a node in two tiers). Whether the prior is consistent
 * (required edges acyclic, none both required and forbidden) is checked by
 * the learners, whose error names the edge.
 */
export function receivePrior(data: unknown): GraphPrior {
  const d = data as Record<string, unknown>;
  if (!d || typeof d !== "object" || d.event !== "prior") throw new TypeError(`${SELECTION_COMM_TARGET}: expected {event: "prior", ...}, got ${JSON.stringify(data)?.slice(0, 80)}`);
  const view = typeof d.view === "string" ? d.view : "";
  const nodes = graphNodes.get(view);
  let prior: GraphPrior;
  try {
    prior = parseGraphPrior(d.prior, "prior", new Set(nodes ?? collectIds(d.prior)));
  } catch (e) {
    if (e instanceof PayloadError) throw new RangeError(`${SELECTION_COMM_TARGET}: ${e.message}${nodes ? ` (view ${view})` : ""}`);
    throw e;
  }
  priorByView.set(view, prior);
  latestPrior = prior;
  return prior;
}

/** Every string in a prior message (the node ids of a view this kernel did not display, e.g. a reopened notebook's). */
function collectIds(v: unknown): string[] {
  const out = new Set<string>();
  const walk = (x: unknown) => {
    if (typeof x === "string") out.add(x);
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") Object.values(x).forEach(walk);
  };
  walk(v);
  return [...out];
}

function receive(msg: unknown): void {
  if (msg && typeof msg === "object" && (msg as { event?: unknown }).event === "prior") receivePrior(msg);
  else receiveSelection(msg);
}

/** Register the comm target with the running kernel (once per kernel; no-op outside a kernel). */
export function ensureSelectionTarget(): boolean {
  const bridge = kernelBridge();
  if (!bridge || !bridge.registerCommTarget) return false;
  if (registered.has(bridge)) return true;
  bridge.registerCommTarget(SELECTION_COMM_TARGET, (_commId, data) => {
    const handle = (msg: unknown) => {
      try {
        receive(msg);
      } catch (e) {
        console.error((e as Error).message);
      }
    };
    if (data && typeof data === "object" && typeof (data as { event?: unknown }).event === "string") handle(data);
    return handle;
  });
  registered.add(bridge);
  return true;
}

/**
 * The atom indices of the latest selection made (box or lasso) in an atom
 * overlay shown by `show.atoms`, or in the view with id `view`; an empty
 * array before any selection. Indices are rows of the atoms given to
 * `show.atoms`, ascending. The full record (shape, polygon, time) is
 * `show.lastSelection()`.
 * @example
 *   cs.show.atoms(img, atoms)      // draw a lasso around some atoms, then:
 *   const picked = atoms.take(cs.selection())
 */
export function selection(view?: string): number[] {
  ensureSelectionTarget();
  const s = view === undefined ? latest : byView.get(view);
  return s ? s.indices.slice() : [];
}

/** The latest selection record (or that of view `view`), undefined before any. */
export function lastSelection(view?: string): AtomSelection | undefined {
  ensureSelectionTarget();
  const s = view === undefined ? latest : byView.get(view);
  return s ? { ...s, indices: s.indices.slice(), polygon: s.polygon.slice() } : undefined;
}

/**
 * The prior knowledge drawn on a causal graph shown by `show.graph` (the
 * latest edited, or that of the view with id `view`), in the shape the
 * learners take as `options.prior`: `{ required, forbidden, tiers }` with
 * edges as [from, to] (`required`: edges dragged from node to node;
 * `forbidden`: edges marked forbidden, both directions for an adjacency;
 * `tiers`: earlier tiers first). Before any is drawn: an empty prior. A
 * contradictory drawing (e.g. a cycle of required edges) is refused by the
 * learner it is passed to, with an error naming the edges.
 * @example
 *   cs.show.graph(cs.learnStructure(data))   // drag, forbid, set tiers; then:
 *   cs.learnStructure(data, { prior: cs.show.prior() })
 */
export function prior(view?: string): GraphPrior {
  ensureSelectionTarget();
  const r = view === undefined ? latestPrior : priorByView.get(view);
  if (!r) return { required: [], forbidden: [], tiers: [] };
  return { required: r.required.map(([a, b]) => [a, b]), forbidden: r.forbidden.map(([a, b]) => [a, b]), tiers: r.tiers.map((t) => t.slice()) };
}
