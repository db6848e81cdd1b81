/**
 * The display contract between the library and the kernel.
 *
 * A value is displayable when it has a `toMimeBundle()` method, or a method
 * under the well-known symbol `MIME_BUNDLE` (use the symbol for objects whose
 * public surface should stay clean). Either returns a MIME bundle (or a
 * promise of one): an object mapping MIME types to data, e.g.
 * `{ "image/png": base64, "text/plain": "Image 512×512" }`. Every bundle the
 * library makes carries a static fallback (`image/png` or `image/svg+xml`)
 * and `text/plain`, so notebooks render outside JupyterLab too.
 *
 * The kernel installs a `KernelBridge` under `KERNEL_BRIDGE` on globalThis;
 * library code that must talk to the front end (progress bars that update in
 * place, comms) goes through `kernelBridge()`, which is undefined outside a
 * kernel (plain Node, jest): callers then fall back to doing nothing visible.
 */

export type MimeBundle = Record<string, unknown>;

/** Symbol under which an object may implement `toMimeBundle`. */
export const MIME_BUNDLE: unique symbol = Symbol.for("causalscope.mimeBundle") as never;

export interface Displayable {
  toMimeBundle(): MimeBundle | Promise<MimeBundle>;
}

/** Options of one display message. */
export interface DisplayOptions {
  /** Identifier for later in-place updates (Jupyter `display_id`). */
  displayId?: string;
  /** Replace the output with this display id instead of adding a new one. */
  update?: boolean;
  /** Per-MIME metadata (e.g. `{ "image/png": { width: 400 } }`). */
  metadata?: Record<string, unknown>;
}

/** What the kernel offers the library; see the module comment. */
export interface KernelBridge {
  display(bundle: MimeBundle, options?: DisplayOptions): void;
  /** Clear the running cell's output (`wait`: when the next output arrives). */
  clearOutput?(wait?: boolean): void;
  /** Send a message on an open comm. */
  sendComm?(commId: string, data: unknown, buffers?: Uint8Array[]): void;
  /** Close an open comm. */
  closeComm?(commId: string, data?: unknown): void;
  /** Open a comm to the front end on `target`; returns its id. */
  openComm?(target: string, data: unknown, onMessage?: (data: unknown) => void): string;
  /** Register a handler for comms the front end opens on `target`. */
  registerCommTarget?(target: string, onOpen: (commId: string, data: unknown, send: (data: unknown) => void) => ((data: unknown) => void) | void): void;
}

export const KERNEL_BRIDGE: unique symbol = Symbol.for("causalscope.kernelBridge") as never;

/**
 * Symbol under which the library installs, on globalThis, its formatter for
 * values that carry no bundle of their own (a plain `Image` object):
 * `(value) => Promise<MimeBundle | undefined>`. The kernel asks it before
 * falling back to `text/plain` (see `displayBundle` in formatter.ts).
 */
export const DISPLAY_FORMATTER: unique symbol = Symbol.for("causalscope.displayFormatter") as never;

/** The running kernel's bridge, or undefined outside a kernel. */
export function kernelBridge(): KernelBridge | undefined {
  return (globalThis as Record<symbol, KernelBridge | undefined>)[KERNEL_BRIDGE];
}

/** The MIME bundle of a displayable value, or undefined when it has none. */
export async function mimeBundleOf(value: unknown): Promise<MimeBundle | undefined> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return undefined;
  const v = value as Partial<Displayable> & { [MIME_BUNDLE]?: () => MimeBundle | Promise<MimeBundle> };
  if (typeof v[MIME_BUNDLE] === "function") return await v[MIME_BUNDLE]!();
  if (typeof v.toMimeBundle === "function") return await v.toMimeBundle();
  return undefined;
}
