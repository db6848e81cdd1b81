/**
 * MIME bundles for the kernel: turning cell values into the `data` of
 * `execute_result` / `display_data` messages.
 *
 * The contract (src/display/mime.ts of the library): a value is displayable
 * when it has a method under `Symbol.for("causalscope.mimeBundle")` or a
 * `toMimeBundle()` method; either returns a bundle (or a promise of one).
 * Everything else is shown as `text/plain` through `util.inspect`, as
 * IPython shows `repr()`.
 */
import { inspect } from "node:util";

/** A MIME bundle: MIME type → data (strings, or JSON for `*json` types). */
export type MimeBundle = Record<string, unknown>;

/** The library's well-known symbol for `toMimeBundle` (same as `MIME_BUNDLE`). */
export const MIME_BUNDLE = Symbol.for("causalscope.mimeBundle");
/** The library's well-known symbol for the kernel bridge (same as `KERNEL_BRIDGE`). */
export const KERNEL_BRIDGE = Symbol.for("causalscope.kernelBridge");
/** The library's formatter for values without a bundle of their own, e.g. a plain Image (same as `DISPLAY_FORMATTER`). */
export const DISPLAY_FORMATTER = Symbol.for("causalscope.displayFormatter");

/** MIME type keys the protocol accepts (jupyter msgspec pattern). */
const MIME_KEY = /^[\w\-+.]+\/[\w\-+.]+$/;

/** `util.inspect` as the kernel uses it for `text/plain`. */
export function plainText(value: unknown): string {
  if (typeof value === "string") return inspect(value);
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10000, breakLength: 100 });
}

/** Whether `value` implements the display contract. */
export function isDisplayable(value: unknown): boolean {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  const v = value as Record<string | symbol, unknown>;
  return typeof v[MIME_BUNDLE] === "function" || typeof v.toMimeBundle === "function";
}

/**
 * Make a bundle wire-ready: binary data (Uint8Array/Buffer) becomes base64,
 * non-string data of non-JSON types becomes a string, and a missing
 * `text/plain` is filled with `fallbackText`. Throws when a key is not a MIME
 * type, naming the key.
 */
export function normalizeBundle(bundle: MimeBundle, fallbackText?: () => string): MimeBundle {
  if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle)) {
    throw new TypeError(`display: a MIME bundle must be an object mapping MIME types to data, got ${plainText(bundle)}`);
  }
  const out: MimeBundle = {};
  for (const [mime, data] of Object.entries(bundle)) {
    if (!MIME_KEY.test(mime)) throw new TypeError(`display: bundle key ${JSON.stringify(mime)} is not a MIME type (type/subtype)`);
    if (data === undefined) continue;
    if (data instanceof Uint8Array) {
      out[mime] = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
    } else if (typeof data === "string" || /json$/.test(mime)) {
      out[mime] = data;
    } else {
      out[mime] = typeof data === "object" ? JSON.stringify(data) : String(data);
    }
  }
  if (!("text/plain" in out) && fallbackText) out["text/plain"] = fallbackText();
  return out;
}

/**
 * The display bundle of any value: the value's own bundle when it is
 * displayable (with a `text/plain` fallback added if it lacks one), else the
 * library's formatter's bundle when it has one for the value (a plain Image
 * shows as a picture), else `{ "text/plain": util.inspect(value) }`.
 */
export async function bundleOf(value: unknown): Promise<MimeBundle> {
  if (isDisplayable(value)) {
    const v = value as Record<string | symbol, () => MimeBundle | Promise<MimeBundle>>;
    const bundle = typeof v[MIME_BUNDLE] === "function" ? await v[MIME_BUNDLE]() : await v.toMimeBundle();
    return normalizeBundle(bundle, () => plainText(value));
  }
  const formatter = (globalThis as Record<symbol, unknown>)[DISPLAY_FORMATTER];
  if (typeof formatter === "function" && value !== null && typeof value === "object") {
    const bundle = (await formatter(value)) as MimeBundle | undefined;
    if (bundle) return normalizeBundle(bundle, () => plainText(value));
  }
  return { "text/plain": plainText(value) };
}
