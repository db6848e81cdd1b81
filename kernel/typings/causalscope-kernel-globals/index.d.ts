/**
 * Globals of every causalscope kernel cell (types only; the kernel installs
 * the values). This directory is a type root of the kernel's compiler.
 */

/** The causalscope library, preloaded (same as `import * as cs from "causalscope"`). */
declare const cs: typeof import("causalscope");

/** Options of `display()`. */
interface CausalscopeDisplayOptions {
  /** Send `value` as the MIME bundle it is (`{"text/html": ..., "text/plain": ...}`). */
  raw?: boolean;
  /** Identifier of the output for later updates; `true` makes a fresh one. */
  displayId?: string | true;
  /** Same as displayId (IPython spelling). */
  display_id?: string | true;
  /** Replace the output with this display id instead of adding one. */
  update?: boolean;
  /** Per-MIME-type metadata, e.g. `{ "image/png": { width: 400 } }`. */
  metadata?: Record<string, unknown>;
}

/** Handle of a display with an id: update it in place. */
interface CausalscopeDisplayHandle {
  readonly displayId: string;
  /** Replace the output with `value`'s bundle. */
  update(value: unknown, options?: CausalscopeDisplayOptions): void;
  /** Show `value` as another output with the same id. */
  display(value: unknown, options?: CausalscopeDisplayOptions): void;
}

/**
 * Show `value` in the cell's output, as IPython's `display()`: values with
 * `toMimeBundle()` (or the library's MIME_BUNDLE symbol) as their bundle,
 * anything else as text. With a display id, returns a handle to update it.
 */
declare function display(value: unknown, options: CausalscopeDisplayOptions & { displayId: string | true }): CausalscopeDisplayHandle;
declare function display(value: unknown, options: CausalscopeDisplayOptions & { display_id: string | true }): CausalscopeDisplayHandle;
declare function display(value: unknown, options?: CausalscopeDisplayOptions): void;

/** Clear the cell's output (`wait`: when the next output arrives). */
declare function clearOutput(wait?: boolean): void;

/** Ask the front end for a line of text (needs a front end that allows stdin). */
declare function input(prompt?: string, options?: { password?: boolean }): Promise<string>;
