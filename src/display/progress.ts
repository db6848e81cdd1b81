/**
 * Progress bars that update in place in the notebook.
 *
 * `progress(total)` shows an HTML `<progress>` bar (with a `text/plain`
 * twin for consoles and saved notebooks) through `kernelBridge().display`
 * under one display id; `update(done)` replaces that output (Jupyter
 * `update_display_data`), at most one message per `intervalMs` (default
 * 100 ms, i.e. ≤ 10 updates/s) so a tight loop does not flood the front end.
 * A skipped update is sent later by a timer when the event loop is free, and
 * `done()` always sends the final state. Outside a kernel (plain Node, jest)
 * there is no bridge and the bar does nothing visible.
 */
import { escapeHtml, formatNumber } from "./html";
import { kernelBridge, type KernelBridge, type MimeBundle } from "./mime";

/** Options of `progress`. */
export interface ProgressOptions {
  /** Text before the bar, e.g. "Finding atoms". */
  label?: string;
  /** Minimum time between two display messages, in ms. Default 100. */
  intervalMs?: number;
  /** The bridge to display through. Default `kernelBridge()` (tests pass a fake). */
  bridge?: KernelBridge;
  /** Clock in ms (tests pass a fake). Default `Date.now`. */
  now?: () => number;
}

/** A progress bar; see `progress`. */
export interface Progress {
  /** The Jupyter display id the bar's outputs share. */
  readonly displayId: string;
  /** Record that `done` of `total` units are finished (clamped to 0..total), with an optional status text. */
  update(done: number, text?: string): void;
  /** Mark the work finished: shows 100 % and the elapsed time. Later calls do nothing. */
  done(text?: string): void;
}

let counter = 0;

/** The bar's bundle: HTML `<progress>` and a text bar of 30 characters. */
export function progressBundle(done: number, total: number, label?: string, text?: string): MimeBundle {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const pct = `${Math.floor(fraction * 100)}%`;
  const counts = `${formatNumber(done)}/${formatNumber(total)}`;
  const width = 30, filled = Math.round(fraction * width);
  const plain = [label, `[${"#".repeat(filled)}${".".repeat(width - filled)}]`, pct, `(${counts})`, text].filter(Boolean).join(" ");
  const html =
    `<div class="causalscope-progress" style="display:flex;gap:0.5em;align-items:center;font-family:monospace">` +
    (label ? `<span>${escapeHtml(label)}</span>` : "") +
    `<progress value="${done}" max="${total}" style="width:20em"></progress>` +
    `<span>${pct} (${counts})</span>` +
    (text ? `<span>${escapeHtml(text)}</span>` : "") +
    `</div>`;
  return { "text/html": html, "text/plain": plain };
}

/**
 * A progress bar for `total` units of work (a positive finite number, e.g.
 * frames or images), shown in place in the current cell's output.
 *
 * @example
 *   const bar = progress(frames.length, { label: "Centre of mass" });
 *   for (let i = 0; i < frames.length; i++) { work(i); bar.update(i + 1); }
 *   bar.done();
 */
export function progress(total: number, options: ProgressOptions = {}): Progress {
  if (typeof total !== "number" || !Number.isFinite(total) || total <= 0) {
    throw new RangeError(`progress: total must be a positive finite number, got ${total}`);
  }
  const intervalMs = options.intervalMs ?? 100;
  if (!(intervalMs >= 0)) throw new RangeError(`progress: options.intervalMs must be >= 0, got ${intervalMs}`);
  const now = options.now ?? Date.now;
  const bridge = options.bridge ?? kernelBridge();
  const label = options.label;
  const displayId = `causalscope-progress-${process.pid}-${++counter}-${now()}`;
  const started = now();
  let current = 0, status: string | undefined, lastSent = -Infinity, finished = false, pending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const send = (update: boolean) => {
    if (!bridge) return;
    lastSent = now();
    pending = false;
    try {
      bridge.display(progressBundle(current, total, label, status), { displayId, update });
    } catch {
      // a closed front end must not break the computation being tracked
    }
  };
  send(false);

  return {
    displayId,
    update(done: number, text?: string) {
      if (finished) return;
      if (typeof done !== "number" || Number.isNaN(done)) throw new RangeError(`progress.update: done must be a number, got ${done}`);
      current = Math.min(total, Math.max(0, done));
      status = text;
      if (!bridge) return;
      const t = now();
      if (t - lastSent >= intervalMs) {
        if (timer) { clearTimeout(timer); timer = undefined; }
        send(true);
      } else if (!pending) {
        pending = true;
        timer = setTimeout(() => { timer = undefined; if (pending && !finished) send(true); }, intervalMs - (t - lastSent));
        timer.unref?.();
      }
    },
    done(text?: string) {
      if (finished) return;
      finished = true;
      if (timer) { clearTimeout(timer); timer = undefined; }
      current = total;
      const seconds = (now() - started) / 1000;
      status = [text, `done in ${formatNumber(seconds, 3)} s`].filter(Boolean).join(", ");
      send(true);
    },
  };
}
