/**
 * Units and dimensional analysis for symbolic regression: unit strings parsed
 * to exponents of the seven SI base dimensions, and the dimension of an
 * expression tree (or null when it is dimensionally inconsistent), after
 * PySR's `X_units` / `y_units` (Cranmer 2023; Tenachi et al. 2023, Φ-SO).
 *
 * Free constants are wildcards by default (a fitted constant may carry any
 * unit, as PySR's default); with `dimensionlessConstants` they are pure numbers
 * (PySR's `dimensionless_constants_only`).
 */
import type { Node } from "./expression";

/** Exponents of the SI base dimensions, in the order of `BASE_UNITS`. */
export type Dimension = Float64Array;
/** The SI base units, in the order of a `Dimension`'s entries. */
export const BASE_UNITS = ["m", "kg", "s", "A", "K", "mol", "cd"] as const;

// Named units: the exponents of (m, kg, s, A, K, mol, cd). Scale (a prefix, eV vs J) does not change a dimension.
const NAMED: Record<string, number[]> = {
  m: [1, 0, 0, 0, 0, 0, 0], g: [0, 1, 0, 0, 0, 0, 0], kg: [0, 1, 0, 0, 0, 0, 0], s: [0, 0, 1, 0, 0, 0, 0],
  A: [0, 0, 0, 1, 0, 0, 0], K: [0, 0, 0, 0, 1, 0, 0], mol: [0, 0, 0, 0, 0, 1, 0], cd: [0, 0, 0, 0, 0, 0, 1],
  Hz: [0, 0, -1, 0, 0, 0, 0], N: [1, 1, -2, 0, 0, 0, 0], Pa: [-1, 1, -2, 0, 0, 0, 0], J: [2, 1, -2, 0, 0, 0, 0],
  eV: [2, 1, -2, 0, 0, 0, 0], W: [2, 1, -3, 0, 0, 0, 0], C: [0, 0, 1, 1, 0, 0, 0], V: [2, 1, -3, -1, 0, 0, 0],
  Ohm: [2, 1, -3, -2, 0, 0, 0], F: [-2, -1, 4, 2, 0, 0, 0], T: [0, 1, -2, -1, 0, 0, 0], Wb: [2, 1, -2, -1, 0, 0, 0],
  H: [2, 1, -2, -2, 0, 0, 0], S: [-2, -1, 3, 2, 0, 0, 0], Å: [1, 0, 0, 0, 0, 0, 0], rad: [0, 0, 0, 0, 0, 0, 0],
};
const PREFIXES = ["Y", "Z", "E", "P", "G", "M", "k", "h", "d", "c", "m", "u", "µ", "n", "p", "f", "a"];

function named(symbol: string): number[] | undefined {
  if (Object.hasOwn(NAMED, symbol)) return NAMED[symbol];
  for (const p of PREFIXES) if (symbol.startsWith(p) && Object.hasOwn(NAMED, symbol.slice(p.length))) return NAMED[symbol.slice(p.length)];
  return undefined;
}

/**
 * The dimension of a unit string: products of SI (or SI-derived, optionally
 * prefixed) unit symbols separated by spaces or `*`, with integer or decimal
 * powers (`m^2`, `s^-1`), everything after one `/` in the denominator; `""` or
 * `"1"` is dimensionless. E.g. `"kg m/s^2"`, `"nm"`, `"eV"`, `"C^2/(N m^2)"` is
 * not accepted (no parentheses). `what` names the argument in errors.
 */
export function parseUnit(unit: string, what: string): Dimension {
  const dim = new Float64Array(BASE_UNITS.length);
  const text = unit.trim();
  if (text === "" || text === "1") return dim;
  const parts = text.split("/");
  if (parts.length > 2 || /[()]/.test(text)) throw new RangeError(`${what}: unit "${unit}" has more than one "/" or parentheses; write e.g. "kg m/s^2" or "m s^-2"`);
  parts.forEach((part, k) => {
    for (const token of part.split(/[\s*·]+/).filter(Boolean)) {
      const m = /^([^\s^]+?)(?:\^?(-?\d+(?:\.\d+)?))?$/.exec(token);
      const exps = m && named(m[1]);
      if (!m || !exps) {
        if (token === "1" && k === 0) continue;
        throw new RangeError(`${what}: unknown unit "${token}" in "${unit}"; accepted: ${Object.keys(NAMED).join(" ")} with prefixes ${PREFIXES.join(" ")}, powers as m^2 or s^-1`);
      }
      const power = (m[2] === undefined ? 1 : Number(m[2])) * (k === 1 ? -1 : 1);
      for (let j = 0; j < dim.length; j++) dim[j] += exps[j] * power;
    }
  });
  return dim;
}

/** A unit text for a dimension, e.g. `m kg s^-2` (`1` when dimensionless). */
export function formatDimension(dim: Dimension): string {
  const parts = BASE_UNITS.flatMap((u, j) => (dim[j] === 0 ? [] : [dim[j] === 1 ? u : `${u}^${dim[j]}`]));
  return parts.length ? parts.join(" ") : "1";
}

const WILD = "wild" as const;
type Dim = Dimension | typeof WILD | null;

function equal(a: Dimension, b: Dimension): boolean {
  for (let j = 0; j < a.length; j++) if (Math.abs(a[j] - b[j]) > 1e-9) return false;
  return true;
}
const isZero = (d: Dimension) => d.every((x) => Math.abs(x) <= 1e-9);

/**
 * The dimension of `node` given the dimensions of its variables; `"wild"`
 * when it contains a free constant that can absorb any unit; null when it is
 * inconsistent (a sum of unlike quantities, a transcendental function or an
 * exponent of a dimensional quantity, a dimensional quantity raised to a
 * non-constant power).
 */
export function dimensionOf(node: Node, columns: readonly Dimension[], dimensionlessConstants = false): Dim {
  switch (node.kind) {
    case "const": return dimensionlessConstants ? new Float64Array(BASE_UNITS.length) : WILD;
    case "var": return columns[node.feature];
    case "unary": {
      const a = dimensionOf(node.a, columns, dimensionlessConstants);
      if (a === null) return null;
      if (node.op === "sqrt") return a === WILD ? WILD : a.map((x) => x / 2);
      return a === WILD || isZero(a) ? new Float64Array(BASE_UNITS.length) : null;
    }
    case "binary": {
      const a = dimensionOf(node.a, columns, dimensionlessConstants), b = dimensionOf(node.b, columns, dimensionlessConstants);
      if (a === null || b === null) return null;
      switch (node.op) {
        case "+": case "-":
          if (a === WILD) return b;
          if (b === WILD) return a;
          return equal(a, b) ? a : null;
        case "*": case "/":
          if (a === WILD || b === WILD) return WILD;
          return a.map((x, j) => (node.op === "*" ? x + b[j] : x - b[j]));
        case "^":
          if (b !== WILD && !isZero(b)) return null;
          if (a === WILD) return WILD;
          if (isZero(a)) return a;
          return node.b.kind === "const" ? a.map((x) => x * (node.b as { value: number }).value) : null;
      }
    }
  }
}

/** Whether `node` can have the target's dimension (a wildcard result can). */
export function consistent(node: Node, columns: readonly Dimension[], target: Dimension, dimensionlessConstants = false): boolean {
  const d = dimensionOf(node, columns, dimensionlessConstants);
  return d !== null && (d === WILD || equal(d, target));
}
