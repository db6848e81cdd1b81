/**
 * Small text helpers shared by the display bundles (HTML escaping, number
 * formatting). Pure functions, no state.
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escape text for safe inclusion in HTML element content or a quoted
 * attribute value: `&`, `<`, `>`, `"` and `'` become entities.
 *
 * @example escapeHtml("<script>") === "&lt;script&gt;"
 */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Format a number for display: integers as they are, other finite values
 * with `digits` significant digits (trailing zeros removed), NaN and ±Inf
 * spelled out.
 */
export function formatNumber(value: number, digits = 6): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e15)) return value.toExponential(digits - 1).replace(/\.?0+e/, "e");
  return String(Number(value.toPrecision(digits)));
}
