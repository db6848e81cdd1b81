/**
 * Constant optimisation of an expression tree by Levenberg–Marquardt on the
 * mean squared error (Levenberg 1944, Marquardt 1963; PySR uses BFGS for the
 * same step, Cranmer 2023 §3). The Jacobian is by forward differences, one
 * extra evaluation of the tree per constant.
 */
import { solve } from "../../core/linalg";
import { type Evaluator, type Node, preorder } from "./expression";

/** Mean squared error of `pred` against `y`; Infinity when any prediction is not finite. */
export function mse(pred: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const d = pred[i] - y[i];
    s += d * d;
  }
  return Number.isFinite(s) ? s / y.length : Infinity;
}

/**
 * Fit the constants of `tree` (in place) to minimise the MSE against `y`.
 * Returns the final MSE (never larger than the starting one). Cost:
 * `maxIterations` × (k + 1) evaluations for k constants, plus k×k solves.
 */
export function optimizeConstants(tree: Node, evaluator: Evaluator, y: Float64Array, maxIterations = 20): number {
  const consts = preorder(tree).filter((node): node is Extract<Node, { kind: "const" }> => node.kind === "const");
  const k = consts.length, n = y.length;
  let loss = mse(evaluator.evaluate(tree), y);
  if (k === 0 || !Number.isFinite(loss)) return loss;
  const params = Float64Array.from(consts, (c) => c.value);
  const set = (p: Float64Array) => { for (let j = 0; j < k; j++) consts[j].value = p[j]; };
  const J = new Float64Array(k * n), r = new Float64Array(n);
  const JtJ = new Float64Array(k * k), Jtr = new Float64Array(k), A = new Float64Array(k * k);
  const trial = new Float64Array(k);
  let lambda = 1e-3;
  for (let it = 0; it < maxIterations; it++) {
    const base = evaluator.evaluate(tree);
    for (let i = 0; i < n; i++) r[i] = base[i] - y[i];
    for (let j = 0; j < k; j++) {
      const h = 1e-7 * Math.max(1, Math.abs(params[j]));
      consts[j].value = params[j] + h;
      const f = evaluator.evaluate(tree);
      for (let i = 0; i < n; i++) J[j * n + i] = (f[i] - y[i] - r[i]) / h;
      consts[j].value = params[j];
    }
    for (let a = 0; a < k; a++) {
      let g = 0;
      for (let i = 0; i < n; i++) g += J[a * n + i] * r[i];
      Jtr[a] = -g;
      for (let b = a; b < k; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += J[a * n + i] * J[b * n + i];
        JtJ[a * k + b] = JtJ[b * k + a] = s;
      }
    }
    if (!Jtr.every(Number.isFinite) || !JtJ.every(Number.isFinite)) break;
    let improved = false;
    for (let attempt = 0; attempt < 8 && !improved; attempt++) {
      A.set(JtJ);
      for (let a = 0; a < k; a++) A[a * k + a] += lambda * (JtJ[a * k + a] + 1e-12);
      const step = solve(A, Jtr, k);
      if (step) {
        for (let j = 0; j < k; j++) trial[j] = params[j] + step[j];
        set(trial);
        const next = mse(evaluator.evaluate(tree), y);
        if (next < loss) {
          const gain = (loss - next) / loss;
          params.set(trial);
          loss = next;
          lambda = Math.max(lambda / 3, 1e-12);
          improved = true;
          if (gain < 1e-12) it = maxIterations;
          break;
        }
      }
      lambda *= 4;
    }
    set(params);
    if (!improved || loss === 0) break;
  }
  set(params);
  return loss;
}
