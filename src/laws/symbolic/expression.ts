/**
 * Expression trees of the symbolic regression: the node type, the operator
 * set, evaluation over whole columns, algebraic simplification, and export as
 * text (sympy / mathjs syntax) and LaTeX.
 *
 * Evaluation walks the tree once per call and applies each node to whole
 * Float64Array columns (one tight loop per node, no per-row tree walking),
 * with one scratch buffer per tree depth, as SymbolicRegression.jl's
 * array-at-a-time evaluation (Cranmer 2023, arXiv:2305.01582, §3).
 */

/** Binary operators the search may use. `^` is `Math.pow`. */
export const BINARY_OPERATORS = ["+", "-", "*", "/", "^"] as const;
/** Unary operators the search may use. */
export const UNARY_OPERATORS = ["sqrt", "exp", "log", "sin", "cos"] as const;
export type BinaryOperator = (typeof BINARY_OPERATORS)[number];
export type UnaryOperator = (typeof UNARY_OPERATORS)[number];
/** Every operator name accepted in `options.operators`. */
export type Operator = BinaryOperator | UnaryOperator;

/** A node: a constant, a variable (column `feature`), or an operator applied to one (`a`) or two (`a`, `b`) children. */
export type Node =
  | { kind: "const"; value: number }
  | { kind: "var"; feature: number }
  | { kind: "unary"; op: UnaryOperator; a: Node }
  | { kind: "binary"; op: BinaryOperator; a: Node; b: Node };

/**
 * Node constructors. Every node carries the same six fields in the same order
 * (unused ones 0 / "" / null), so V8 gives all nodes one hidden class and
 * `assignNode` can overwrite a node in place without changing its shape.
 */
function make(kind: Node["kind"], op: string, value: number, feature: number, a: Node | null, b: Node | null): Node {
  return { kind, op, value, feature, a, b } as unknown as Node;
}
export const constNode = (value: number): Node => make("const", "", value, -1, null, null);
export const varNode = (feature: number): Node => make("var", "", 0, feature, null, null);
export const unaryNode = (op: UnaryOperator, a: Node): Node => make("unary", op, 0, -1, a, null);
export const binaryNode = (op: BinaryOperator, a: Node, b: Node): Node => make("binary", op, 0, -1, a, b);

export function isBinary(op: string): op is BinaryOperator {
  return (BINARY_OPERATORS as readonly string[]).includes(op);
}
export function isUnary(op: string): op is UnaryOperator {
  return (UNARY_OPERATORS as readonly string[]).includes(op);
}

/** A deep copy of `node`. */
export function clone(node: Node): Node {
  switch (node.kind) {
    case "const": return constNode(node.value);
    case "var": return varNode(node.feature);
    case "unary": return unaryNode(node.op, clone(node.a));
    case "binary": return binaryNode(node.op, clone(node.a), clone(node.b));
  }
}

/** Complexity = number of nodes (PySR's default: every operator, variable and constant counts 1). */
export function complexity(node: Node): number {
  switch (node.kind) {
    case "const": case "var": return 1;
    case "unary": return 1 + complexity(node.a);
    case "binary": return 1 + complexity(node.a) + complexity(node.b);
  }
}

/** Depth (a leaf has depth 1). */
export function depth(node: Node): number {
  switch (node.kind) {
    case "const": case "var": return 1;
    case "unary": return 1 + depth(node.a);
    case "binary": return 1 + Math.max(depth(node.a), depth(node.b));
  }
}

/** The nodes of `node` in pre-order (the root first). */
export function preorder(node: Node, out: Node[] = []): Node[] {
  out.push(node);
  if (node.kind === "unary") preorder(node.a, out);
  else if (node.kind === "binary") { preorder(node.a, out); preorder(node.b, out); }
  return out;
}

/** Overwrite `target` in place with the fields of `source` (used to replace a subtree of a cloned tree). */
export function assignNode(target: Node, source: Node): void {
  const t = target as unknown as Record<string, unknown>, s = source as unknown as Record<string, unknown>;
  t.kind = s.kind; t.op = s.op; t.value = s.value; t.feature = s.feature; t.a = s.a; t.b = s.b;
}

function applyBinary(op: BinaryOperator, x: number, y: number): number {
  switch (op) {
    case "+": return x + y;
    case "-": return x - y;
    case "*": return x * y;
    case "/": return x / y;
    case "^": return Math.pow(x, y);
  }
}

function applyUnary(op: UnaryOperator, x: number): number {
  switch (op) {
    case "sqrt": return Math.sqrt(x);
    case "exp": return Math.exp(x);
    case "log": return Math.log(x);
    case "sin": return Math.sin(x);
    case "cos": return Math.cos(x);
  }
}

/**
 * Evaluates trees over fixed columns. One evaluator per data set; its scratch
 * buffers (one per depth level) are reused across calls, so `evaluate`
 * allocates nothing. Not re-entrant.
 */
export class Evaluator {
  readonly n: number;
  private readonly buffers: Float64Array[] = [];
  constructor(readonly columns: readonly Float64Array[], n: number) {
    this.n = n;
  }

  private buffer(level: number): Float64Array {
    while (this.buffers.length <= level) this.buffers.push(new Float64Array(this.n));
    return this.buffers[level];
  }

  /** The values of `node` at every row, in a scratch buffer valid until the next call (copy it to keep it). */
  evaluate(node: Node): Float64Array {
    return this.into(node, 0);
  }

  private into(node: Node, level: number): Float64Array {
    const n = this.n, out = this.buffer(level);
    switch (node.kind) {
      case "const": out.fill(node.value); return out;
      case "var": out.set(this.columns[node.feature]); return out;
      case "unary": {
        this.into(node.a, level);
        const op = node.op;
        if (op === "sqrt") for (let i = 0; i < n; i++) out[i] = Math.sqrt(out[i]);
        else if (op === "exp") for (let i = 0; i < n; i++) out[i] = Math.exp(out[i]);
        else if (op === "log") for (let i = 0; i < n; i++) out[i] = Math.log(out[i]);
        else if (op === "sin") for (let i = 0; i < n; i++) out[i] = Math.sin(out[i]);
        else for (let i = 0; i < n; i++) out[i] = Math.cos(out[i]);
        return out;
      }
      case "binary": {
        this.into(node.a, level);
        const op = node.op;
        // A leaf right operand is read directly (no copy into a scratch buffer).
        if (node.b.kind === "const") {
          const c = node.b.value;
          if (op === "+") for (let i = 0; i < n; i++) out[i] += c;
          else if (op === "-") for (let i = 0; i < n; i++) out[i] -= c;
          else if (op === "*") for (let i = 0; i < n; i++) out[i] *= c;
          else if (op === "/") for (let i = 0; i < n; i++) out[i] /= c;
          else if (c === 2) for (let i = 0; i < n; i++) out[i] *= out[i];
          else for (let i = 0; i < n; i++) out[i] = Math.pow(out[i], c);
          return out;
        }
        const r = node.b.kind === "var" ? this.columns[node.b.feature] : this.into(node.b, level + 1);
        if (op === "+") for (let i = 0; i < n; i++) out[i] += r[i];
        else if (op === "-") for (let i = 0; i < n; i++) out[i] -= r[i];
        else if (op === "*") for (let i = 0; i < n; i++) out[i] *= r[i];
        else if (op === "/") for (let i = 0; i < n; i++) out[i] /= r[i];
        else for (let i = 0; i < n; i++) out[i] = Math.pow(out[i], r[i]);
        return out;
      }
    }
  }
}

/** Structural key of a subtree (equal keys ⇔ identical trees); used by simplification. */
export function key(node: Node): string {
  switch (node.kind) {
    case "const": return `c${node.value}`;
    case "var": return `v${node.feature}`;
    case "unary": return `${node.op}(${key(node.a)})`;
    case "binary": return `(${key(node.a)}${node.op}${key(node.b)})`;
  }
}

const constant = constNode;
const isConst = (node: Node, value?: number): boolean => node.kind === "const" && (value === undefined || node.value === value);

/**
 * Algebraic simplification, bottom-up, returning a new tree that computes the
 * same function wherever the original is defined and never uses an operator
 * the original did not: constant folding (finite results only), `x+0`, `x-0`,
 * `x*1`, `x*0`, `x/1`, `0/x`, `x^1`, `x^0`, `x-x → 0`, `x/x → 1`, and merging
 * of constants through `+`/`*` chains (`c1*(c2*x) → (c1 c2)*x`,
 * `c1+(c2+x) → (c1+c2)+x`). As SymbolicRegression.jl's simplify step (which
 * uses DynamicExpressions' constant folding and SymbolicUtils rules).
 */
export function simplify(node: Node): Node {
  if (node.kind === "const" || node.kind === "var") return clone(node);
  if (node.kind === "unary") {
    const a = simplify(node.a);
    if (a.kind === "const") {
      const v = applyUnary(node.op, a.value);
      if (Number.isFinite(v)) return constant(v);
    }
    return unaryNode(node.op, a);
  }
  const op = node.op;
  let a = simplify(node.a), b = simplify(node.b);
  if (a.kind === "const" && b.kind === "const") {
    const v = applyBinary(op, a.value, b.value);
    if (Number.isFinite(v)) return constant(v);
  }
  switch (op) {
    case "+":
      if (isConst(a, 0)) return b;
      if (isConst(b, 0)) return a;
      if (a.kind === "const") [a, b] = [b, a]; // constant on the right
      if (b.kind === "const" && a.kind === "binary" && a.op === "+") {
        if (a.b.kind === "const") return binaryNode("+", a.a, constant(a.b.value + b.value));
        if (a.a.kind === "const") return binaryNode("+", a.b, constant(a.a.value + b.value));
      }
      break;
    case "-":
      if (isConst(b, 0)) return a;
      if (key(a) === key(b)) return constant(0);
      break;
    case "*":
      if (isConst(a, 1)) return b;
      if (isConst(b, 1)) return a;
      if (isConst(a, 0) || isConst(b, 0)) return constant(0);
      if (b.kind === "const") [a, b] = [b, a]; // constant on the left
      if (a.kind === "const" && b.kind === "binary" && b.op === "*") {
        if (b.a.kind === "const") return binaryNode("*", constant(a.value * b.a.value), b.b);
        if (b.b.kind === "const") return binaryNode("*", constant(a.value * b.b.value), b.a);
      }
      break;
    case "/":
      if (isConst(b, 1)) return a;
      if (isConst(a, 0)) return constant(0);
      if (key(a) === key(b)) return constant(1);
      break;
    case "^":
      if (isConst(b, 1)) return a;
      if (isConst(b, 0)) return constant(1);
      break;
  }
  return binaryNode(op, a, b);
}

/** Shortest decimal text of a constant that round-trips (e.g. `0.5`, `2.9979e+8` → `299790000`). */
export function formatConstant(value: number): string {
  return String(value);
}

const PRECEDENCE: Record<BinaryOperator, number> = { "+": 1, "-": 1, "*": 2, "/": 2, "^": 3 };

function precedence(node: Node): number {
  if (node.kind === "binary") return PRECEDENCE[node.op];
  if (node.kind === "const" && (node.value < 0 || /e/i.test(formatConstant(node.value)))) return 0;
  return 4;
}

/**
 * The expression as text with the given variable names and the operators
 * `+ - * / ^ sqrt exp log sin cos`, minimal parentheses. Parses with
 * `sympy.parse_expr` (whose default `convert_xor=True` reads `^` as a power)
 * and with mathjs.
 */
export function toText(node: Node, names: readonly string[]): string {
  switch (node.kind) {
    case "const": return formatConstant(node.value);
    case "var": return names[node.feature];
    case "unary": return `${node.op}(${toText(node.a, names)})`;
    case "binary": {
      const p = PRECEDENCE[node.op];
      const wrap = (child: Node, right: boolean) => {
        const q = precedence(child);
        const needs = node.op === "^" ? (right ? q < 4 : q <= 3) : q < p || (right && q === p && (node.op === "-" || node.op === "/"));
        const text = toText(child, names);
        return needs ? `(${text})` : text;
      };
      if ((node.op === "+" || node.op === "-") && node.b.kind === "const" && node.b.value < 0) {
        return `${wrap(node.a, false)} ${node.op === "+" ? "-" : "+"} ${formatConstant(-node.b.value)}`; // a - (-2) written a + 2
      }
      const sep = node.op === "^" ? "^" : ` ${node.op} `;
      return `${wrap(node.a, false)}${sep}${wrap(node.b, true)}`;
    }
  }
}

/** A variable name in LaTeX: `x_0` → `x_{0}`, longer names upright (`\mathrm{mass}`). */
function latexName(name: string): string {
  const [head, ...rest] = name.split("_");
  const base = head.length > 1 ? `\\mathrm{${head}}` : head;
  return rest.length ? `${base}_{${rest.join("\\_")}}` : base;
}

function latexConstant(value: number): string {
  const text = formatConstant(value);
  const m = /^(-?[\d.]+)e([+-]\d+)$/i.exec(text);
  return m ? `${m[1]} \\cdot 10^{${Number(m[2])}}` : text;
}

/** The expression as LaTeX (`\frac`, `\sqrt`, `e^{…}`, `\log`, `\sin`, `\cos`, `\cdot`). */
export function toLatex(node: Node, names: readonly string[]): string {
  switch (node.kind) {
    case "const": return latexConstant(node.value);
    case "var": return latexName(names[node.feature]);
    case "unary": {
      const inner = toLatex(node.a, names);
      if (node.op === "sqrt") return `\\sqrt{${inner}}`;
      if (node.op === "exp") return `e^{${inner}}`;
      return `\\${node.op}\\left(${inner}\\right)`;
    }
    case "binary": {
      if (node.op === "/") return `\\frac{${toLatex(node.a, names)}}{${toLatex(node.b, names)}}`;
      const p = PRECEDENCE[node.op];
      const wrap = (child: Node, right: boolean) => {
        const q = precedence(child);
        const text = toLatex(child, names);
        const needs = node.op === "^" ? !right && q <= 3 : q < p || (right && q === p && node.op === "-");
        return needs && !(child.kind === "binary" && child.op === "/" && node.op !== "^") ? `\\left(${text}\\right)` : text;
      };
      if (node.op === "^") return `{${wrap(node.a, false)}}^{${toLatex(node.b, names)}}`;
      const sep = node.op === "*" ? " \\cdot " : ` ${node.op} `;
      return `${wrap(node.a, false)}${sep}${wrap(node.b, true)}`;
    }
  }
}
