/**
 * Numbers as the widgets and static pictures print them (shared with the
 * JupyterLab extension; dependency-free, see schema.ts).
 */

/** Format a number for people: 4 significant digits, an exponent only below 1e-3 or from 1e5 in magnitude. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
