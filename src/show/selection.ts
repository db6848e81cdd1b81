/**
 * Selections made in the atom overlay arrive over the `causalscope.selection`
 * comm (the widget opens it; see docs/widgets.md). The kernel keeps the latest
 * one per view; `selection()` reads it in the next cell.
 */
import { kernelBridge, type KernelBridge } from "../display/mime";
import { SELECTION_COMM_TARGET } from "./shared/schema";

/** One selection made in an atom overlay. */
export interface AtomSelection {
  /** Id of the view (the displayed `show.atoms` output) it was made in. */
  view: string;
  /** "box" or "lasso". */
  shape: "box" | "lasso";
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
  const shape = d.shape === "lasso" ? "lasso" : "box";
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

/** Register the comm target with the running kernel (once per kernel; no-op outside a kernel). */
export function ensureSelectionTarget(): boolean {
  const bridge = kernelBridge();
  if (!bridge || !bridge.registerCommTarget) return false;
  if (registered.has(bridge)) return true;
  bridge.registerCommTarget(SELECTION_COMM_TARGET, (_commId, data) => {
    const handle = (msg: unknown) => {
      try {
        receiveSelection(msg);
      } catch (e) {
        console.error((e as Error).message);
      }
    };
    if (data && typeof data === "object" && (data as { event?: unknown }).event === "selection") handle(data);
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
