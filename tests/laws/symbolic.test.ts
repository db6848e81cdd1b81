// Symbolic regression (src/laws/symbolic): recovery of Feynman-style formulas at
// 0 % and 1 % noise, checked symbolically with sympy (.venv, requirements/laws.txt)
// and numerically on held-out points; reproducibility; bad input.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { symbolicRegression, symbolicRegressionAsync, type SymbolicResult } from "../../src/laws/symbolic/search";
import { Rng } from "../../src/core/random";
import { sharedPool } from "../../src/core/pool";

const python = path.join(__dirname, "..", "..", ".venv", "bin", "python");

/**
 * sympy verdicts by bench/laws/symbolic_check.py (shared with the gplearn benchmark):
 * each found expression is parsed with sympy.sympify (whose default
 * convert_xor=True reads ^ as a power; parse_expr needs the convert_xor
 * transformation for that), its floats are replaced by the rationals of smallest
 * denominator within `tol` (relative), and simplify(found - truth) must be 0 (or
 * found / truth a number within tol of 1).
 */
function sympyEqual(cases: { found: string; truth: string; tol: number }[]): { ok: boolean; residue: string }[] {
  const script = `
import json, sys, sympy
sys.path.insert(0, ${JSON.stringify(path.join(__dirname, "..", "..", "bench", "laws"))})
from symbolic_check import recovered
out = []
for c in json.load(sys.stdin):
    ok, residue = recovered(sympy.sympify(c["found"]), sympy.sympify(c["truth"]), c["tol"])
    out.append({"ok": ok, "residue": residue})
print(json.dumps(out))
`;
  const text = execFileSync(python, ["-c", script], { input: JSON.stringify(cases), encoding: "utf8" });
  return JSON.parse(text);
}

interface Formula {
  name: string;
  truth: string;
  ranges: Record<string, [number, number]>;
  f: (v: Record<string, number>) => number;
  operators: string[];
}

// Feynman-style laws with AI Feynman-like variable ranges (1..5 unless a sign change matters).
const FORMULAS: Formula[] = [
  { name: "F = m a (I.12.1-like)", truth: "m*a", ranges: { m: [1, 5], a: [1, 5] }, f: (v) => v.m * v.a, operators: ["+", "-", "*", "/"] },
  { name: "E = m v^2 / 2 (I.13.4-like)", truth: "m*v**2/2", ranges: { m: [1, 5], v: [1, 5] }, f: (v) => (v.m * v.v ** 2) / 2, operators: ["+", "-", "*", "/", "^"] },
  { name: "y = x0 exp(-x1)", truth: "x0*exp(-x1)", ranges: { x0: [1, 5], x1: [1, 5] }, f: (v) => v.x0 * Math.exp(-v.x1), operators: ["+", "-", "*", "/", "exp"] },
  { name: "Coulomb-like q1 q2 / r^2 (I.12.2-like)", truth: "q1*q2/r**2", ranges: { q1: [1, 5], q2: [1, 5], r: [1, 5] }, f: (v) => (v.q1 * v.q2) / v.r ** 2, operators: ["+", "-", "*", "/"] },
  { name: "y = x sin(x)", truth: "x*sin(x)", ranges: { x: [-3, 3] }, f: (v) => v.x * Math.sin(v.x), operators: ["+", "-", "*", "/", "sin", "cos"] },
];

function sample(formula: Formula, n: number, seed: number, noise: number): { data: Record<string, Float64Array>; y: Float64Array } {
  const rng = new Rng(seed);
  const names = Object.keys(formula.ranges);
  const data: Record<string, Float64Array> = {};
  for (const name of names) {
    const [lo, hi] = formula.ranges[name];
    data[name] = Float64Array.from({ length: n }, () => rng.range(lo, hi));
  }
  const y = Float64Array.from({ length: n }, (_, i) => formula.f(Object.fromEntries(names.map((k) => [k, data[k][i]]))));
  if (noise > 0) {
    let mean = 0, sq = 0;
    for (const v of y) mean += v / n;
    for (const v of y) sq += (v - mean) ** 2 / n;
    const sd = Math.sqrt(sq);
    for (let i = 0; i < n; i++) y[i] += noise * sd * rng.normal();
  }
  return { data, y };
}

const SEARCH = { seed: 1, iterations: 20, timeLimit: 120, progress: false };

// Everything a seeded result holds but its run time.
const summary = (r: SymbolicResult) => ({
  front: r.front.map((e) => [e.expression, e.loss, e.complexity, e.score]),
  best: r.best.expression, evaluations: r.evaluations, iterations: r.iterations, stoppedBy: r.stoppedBy,
});

interface Recovery {
  formula: Formula;
  noise: number;
  result: SymbolicResult;
  data: Record<string, Float64Array>;
  y: Float64Array;
  expression: string;
  heldOutError: number;
  verdict: { ok: boolean; residue: string };
}

describe("symbolicRegression recovers known laws", () => {
  // All searches first, then one sympy process for every verdict (a python start per case would double the time).
  let results: Recovery[] = [];
  beforeAll(() => {
    const runs = FORMULAS.flatMap((formula) =>
      [0, 0.01].map((noise) => {
        const { data, y } = sample(formula, 100, noise ? 12 : 11, noise);
        const found = symbolicRegression(data, y, { ...SEARCH, operators: formula.operators });
        expect(found.stoppedBy).toBe("iterations");
        // Held-out points (another seed, no noise): relative error of the best expression.
        const held = sample(formula, 100, 99, 0);
        const pred = found.best.predict(held.data);
        let heldOutError = 0;
        for (let i = 0; i < held.y.length; i++) heldOutError = Math.max(heldOutError, Math.abs(pred[i] - held.y[i]) / Math.max(1, Math.abs(held.y[i])));
        return { formula, noise, result: found, data, y, expression: found.best.expression, heldOutError };
      }),
    );
    const verdicts = sympyEqual(runs.map((r) => ({ found: r.expression, truth: r.formula.truth, tol: r.noise ? 0.01 : 1e-6 })));
    results = runs.map((r, i) => ({ ...r, verdict: verdicts[i] }));
  }, 240_000);

  for (const formula of FORMULAS) {
    for (const noise of [0, 0.01]) {
      test(`${formula.name} at ${noise * 100} % noise: sympy finds found - truth = 0`, () => {
        const r = results.find((x) => x.formula === formula && x.noise === noise)!;
        expect({ found: r.expression, ...r.verdict }).toEqual({ found: r.expression, ok: true, residue: "0" });
        // Noise-free data: the law itself to 1e-6 relative on held-out points; 1 % noise: within the noise's effect on the constants.
        expect(r.heldOutError).toBeLessThanOrEqual(noise ? 0.01 : 1e-6);
      });
    }
  }

  test("the front is Pareto-ordered and best follows PySR's rule", () => {
    const { result: r, data, y } = results.find((x) => x.formula === FORMULAS[3] && x.noise > 0)!;
    for (let i = 1; i < r.front.length; i++) {
      expect(r.front[i].complexity).toBeGreaterThan(r.front[i - 1].complexity);
      expect(r.front[i].loss).toBeLessThan(r.front[i - 1].loss);
      const score = -Math.log(r.front[i].loss / r.front[i - 1].loss) / (r.front[i].complexity - r.front[i - 1].complexity);
      expect(r.front[i].score).toBeCloseTo(score, 10);
    }
    const lowest = Math.min(...r.front.map((e) => e.loss));
    const eligible = r.front.filter((e) => e.loss <= 1.5 * lowest);
    expect(r.best.score).toBe(Math.max(...eligible.map((e) => e.score)));
    // The reported loss is the MSE of the expression on the data.
    const pred = r.best.predict(data);
    let mse = 0;
    for (let i = 0; i < y.length; i++) mse += (pred[i] - y[i]) ** 2 / y.length;
    expect(r.best.loss).toBeCloseTo(mse, 12);
    expect(r.best.latex).toMatch(/\\frac/);
    // Notebook display: a text table with the best row marked, HTML, an SVG plot with one point per front member.
    const bundle = r.toMimeBundle() as Record<string, string>;
    expect(bundle["text/plain"].split("\n").filter((line) => line.startsWith("*"))).toEqual([expect.stringContaining(r.best.expression)]);
    expect((bundle["image/svg+xml"].match(/<circle/g) ?? []).length).toBe(r.front.length);
    expect(bundle["text/html"]).toContain("<table>");
    expect(bundle["text/latex"]).toBe(`$$${r.best.latex}$$`);
  });

  test("a law is recovered on 2 workers with the same front as in the calling thread", async () => {
    const r = results.find((x) => x.formula === FORMULAS[3] && x.noise > 0)!;
    const onWorkers = await symbolicRegressionAsync(r.data, r.y, { ...SEARCH, operators: r.formula.operators, workers: 2 });
    expect(r.verdict.ok).toBe(true);
    expect(summary(onWorkers)).toEqual(summary(r.result));
  }, 240_000);
});

describe("symbolicRegression reproducibility and input checks", () => {
  test("the same seed gives the same front in the calling thread and on 0, 1, 2 workers; another seed searches differently", async () => {
    const { data, y } = sample(FORMULAS[2], 100, 5, 0.01);
    const options = { iterations: 3, populations: 4, operators: FORMULAS[2].operators, progress: false };
    const a = summary(symbolicRegression(data, y, { ...options, seed: 3 }));
    for (const workers of [0, 1, 2]) {
      const r = await symbolicRegressionAsync(data, y, { ...options, seed: 3, workers });
      if (workers > 0) expect(sharedPool().threads).toBeGreaterThanOrEqual(1); // ran on worker threads
      expect(summary(r)).toEqual(a);
    }
    // Floats compared exactly above (toEqual on numbers is Object.is); a different seed must change the search.
    expect(a.iterations).toBe(3);
    expect(summary(symbolicRegression(data, y, { ...options, seed: 4 })).evaluations).not.toBe(a.evaluations);
  }, 120_000);

  test("a time limit caps the search", () => {
    const { data, y } = sample(FORMULAS[1], 200, 5, 0);
    const r = symbolicRegression(data, y, { seed: 0, iterations: 1e6, timeLimit: 0.5, progress: false });
    expect(r.stoppedBy).toBe("timeLimit");
    expect(r.seconds).toBeLessThan(3);
  });

  test("bad input is rejected with the argument and reason", () => {
    const x = Float64Array.from([1, 2, 3, 4]), y = Float64Array.from([1, 2, 3, 4]);
    expect(() => symbolicRegression({ x: Float64Array.from([1, NaN, 3, 4]) }, y)).toThrow(/data\.x\): value NaN at row 1 is not finite/);
    expect(() => symbolicRegression({ x }, Float64Array.from([1, 2, Infinity, 4]))).toThrow(/target\): value Infinity at row 2/);
    expect(() => symbolicRegression({ x: Float64Array.from([1, 2, 3]) }, y)).toThrow(/data\.x\): length 3 differs from the target's 4/);
    expect(() => symbolicRegression({ x }, y, { operators: ["+", "tanh"] })).toThrow(
      'symbolicRegression: options.operators must be one of "+", "-", "*", "/", "^", "sqrt", "exp", "log", "sin", "cos"; got "tanh"',
    );
    expect(() => symbolicRegression({ x }, y, { operators: "+" as never })).toThrow(/options\.operators\): must be an array/);
    expect(() => symbolicRegression({ x }, y, { progress: "no" as never })).toThrow(/options\.progress must be one of true, false; got "no"/);
    expect(() => symbolicRegression({ E: x }, y)).toThrow(/column name "E" is a sympy\/Python name/);
    expect(() => symbolicRegression({ "x-1": x }, y)).toThrow(/not an identifier/);
    expect(() => symbolicRegression({}, y)).toThrow(/no columns/);
    expect(() => symbolicRegression({ x }, y, { iterations: 0 })).toThrow(/options\.iterations\): must be a positive integer/);
    expect(() => symbolicRegression({ x }, y, { timeLimit: -1 })).toThrow(/options\.timeLimit/);
  });

  test("bad workers and bad data are refused before any thread starts (the promise rejects, nothing hangs)", async () => {
    const x = Float64Array.from([1, 2, 3, 4]), y = Float64Array.from([1, 2, 3, 4]);
    for (const workers of [-1, 1.5, NaN, "2"]) {
      await expect(symbolicRegressionAsync({ x }, y, { workers: workers as number })).rejects.toThrow(
        `symbolicRegressionAsync: options.workers must be a non-negative integer or "auto", got ${JSON.stringify(workers)}`,
      );
    }
    await expect(symbolicRegressionAsync({ x: Float64Array.from([1, NaN, 3, 4]) }, y, { workers: 2 })).rejects.toThrow(/data\.x\): value NaN at row 1/);
    await expect(symbolicRegressionAsync({ x }, y, { workers: 2, populations: 0 })).rejects.toThrow(/options\.populations\): must be a positive integer/);
    expect(() => symbolicRegression({ x }, y, { workers: 2 } as never)).toThrow(/options\.workers \(2\) needs worker threads.*call symbolicRegressionAsync/);
  });
});
