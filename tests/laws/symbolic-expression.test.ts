// Expression trees of src/laws/symbolic: text that sympy parses to the same function
// (checked by evaluating both), LaTeX, and the algebraic simplifications.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import {
  type Node, Evaluator, binaryNode as bin, constNode as c, simplify, toLatex, toText, unaryNode as un, varNode as v,
} from "../../src/laws/symbolic/expression";

const python = path.join(__dirname, "..", "..", ".venv", "bin", "python");
const names = ["a", "b", "x_1"];
const a = v(0), b = v(1), x1 = v(2);

describe("expression text", () => {
  const cases: [Node, string][] = [
    [bin("-", a, bin("-", b, x1)), "a - (b - x_1)"],
    [bin("-", bin("-", a, b), x1), "a - b - x_1"],
    [bin("/", a, bin("*", b, x1)), "a / (b * x_1)"],
    [bin("^", bin("+", a, b), c(2)), "(a + b)^2"],
    [bin("^", a, bin("^", b, c(0.5))), "a^(b^0.5)"],
    [bin("^", bin("^", a, b), c(3)), "(a^b)^3"],
    [bin("*", c(-2.5), a), "(-2.5) * a"],
    [bin("*", a, c(1e-20)), "a * (1e-20)"],
    [bin("^", a, c(-1)), "a^(-1)"],
    [bin("-", a, c(-2)), "a + 2"],
    [bin("+", bin("*", a, b), c(-3e-7)), "a * b - 3e-7"],
    [bin("/", un("sqrt", bin("-", un("exp", a), un("log", b))), un("cos", un("sin", x1))), "sqrt(exp(a) - log(b)) / cos(sin(x_1))"],
  ];
  test("minimal parentheses", () => {
    for (const [tree, text] of cases) expect(toText(tree, names)).toBe(text);
  });

  test("sympy.sympify reads the text as the same function (evaluated at 5 points)", () => {
    const cols = [Float64Array.from([1.5, 2, 0.7, 3.1, 1.1]), Float64Array.from([0.3, 1.2, 2.5, 0.9, 1.7]), Float64Array.from([0.2, -1, 2.2, 0.5, 3])];
    const ev = new Evaluator(cols, 5);
    const ours = cases.map(([tree]) => Array.from(ev.evaluate(tree)));
    const script = `
import json, sys, sympy
spec = json.load(sys.stdin)
syms = sympy.symbols("a b x_1")
out = []
for text in spec["texts"]:
    f = sympy.lambdify(syms, sympy.sympify(text), "math")
    out.append([float(f(*[col[i] for col in spec["cols"]])) for i in range(5)])
print(json.dumps(out))
`;
    const theirs: number[][] = JSON.parse(execFileSync(python, ["-c", script], {
      input: JSON.stringify({ texts: cases.map(([, text]) => text), cols: cols.map((col) => Array.from(col)) }), encoding: "utf8",
    }));
    theirs.forEach((row, k) => row.forEach((value, i) => expect(value).toBeCloseTo(ours[k][i], 10)));
  });

  test("LaTeX", () => {
    expect(toLatex(bin("/", bin("*", a, bin("^", b, c(2))), c(2)), names)).toBe("\\frac{a \\cdot {b}^{2}}{2}");
    expect(toLatex(bin("*", un("exp", bin("-", c(0), a)), un("sqrt", x1)), names)).toBe("e^{0 - a} \\cdot \\sqrt{x_{1}}");
    expect(toLatex(bin("*", c(2.5e-12), un("sin", a)), names)).toBe("\\left(2.5 \\cdot 10^{-12}\\right) \\cdot \\sin\\left(a\\right)");
  });
});

describe("simplify", () => {
  const s = (tree: Node) => toText(simplify(tree), names);
  test("constant folding and identities", () => {
    expect(s(bin("+", bin("*", c(2), c(3)), a))).toBe("a + 6");
    expect(s(bin("-", bin("*", a, b), bin("*", a, b)))).toBe("0");
    expect(s(bin("/", un("sin", a), un("sin", a)))).toBe("1");
    expect(s(bin("*", bin("+", a, c(0)), c(1)))).toBe("a");
    expect(s(bin("*", c(2), bin("*", c(3), a)))).toBe("6 * a");
    expect(s(bin("+", bin("+", a, c(1)), c(2)))).toBe("a + 3");
    expect(s(bin("^", bin("/", a, c(1)), c(1)))).toBe("a");
    expect(s(bin("*", a, c(0)))).toBe("0");
    expect(s(un("exp", c(0)))).toBe("1");
    // Not folded when the result would not be finite: log(0) stays.
    expect(s(bin("+", un("log", c(0)), a))).toBe("log(0) + a");
  });
});
