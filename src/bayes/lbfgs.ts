/**
 * Limited-memory BFGS with box constraints by gradient projection: the
 * two-loop L-BFGS direction on the variables not held at a bound, a
 * projected backtracking (Armijo) line search, memory reset when the
 * direction stops descending. A compact stand-in for L-BFGS-B (Byrd, Lu,
 * Nocedal & Zhu, SIAM J. Sci. Comput. 16, 1190, 1995; scipy's
 * `fmin_l_bfgs_b`) for the small problems of Gaussian-process
 * hyperparameters and acquisition functions (≤ a few dozen variables).
 * Cost per iteration: one to a few function+gradient evaluations plus
 * O(m·k) for k variables and memory m.
 */

/** Result of {@link minimizeLbfgsb}. */
export interface MinimizeResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  /** True when the projected gradient or the relative decrease fell below tolerance. */
  converged: boolean;
}

/** Options of {@link minimizeLbfgsb}. */
export interface LbfgsbOptions {
  /** Lower bounds (default −∞ each). */
  lower?: ArrayLike<number>;
  /** Upper bounds (default +∞ each). */
  upper?: ArrayLike<number>;
  /** Iteration cap (default 200). */
  maxIterations?: number;
  /** History length m (default 10). */
  memory?: number;
  /**
   * Stop when max |x − P(x − ∇f)| ≤ gtol, P the projection onto the box (L-BFGS-B's projected-gradient norm;
   * default 1e-5, scipy's `gtol`/`pgtol`).
   */
  gtol?: number;
  /**
   * Stop when the decrease (f_k − f_{k+1}) ≤ ftol·max(|f_k|, |f_{k+1}|, 1) (default 2.220446049250313e-9 =
   * factr 1e7 × machine epsilon, scipy's `ftol`, the value scikit-learn's GP fit uses).
   */
  ftol?: number;
}

/**
 * Minimise f over the box [lower, upper] from x0 (projected into it).
 * `fg(x, g)` returns f(x) and writes ∇f(x) into g; a non-finite f counts as
 * a failed step (the line search backs off). The stopping rule and its
 * defaults are scipy's L-BFGS-B (`scipy.optimize.minimize(method="L-BFGS-B")`,
 * as scikit-learn calls it): projected gradient ∞-norm ≤ gtol before each
 * iteration, relative decrease ≤ ftol after each step.
 */
export function minimizeLbfgsb(fg: (x: Float64Array, g: Float64Array) => number, x0: ArrayLike<number>, options: LbfgsbOptions = {}): MinimizeResult {
  const k = x0.length, m = options.memory ?? 10, maxIt = options.maxIterations ?? 200, gtol = options.gtol ?? 1e-5, ftol = options.ftol ?? 2.220446049250313e-9;
  const lo = Float64Array.from({ length: k }, (_, i) => options.lower?.[i] ?? -Infinity);
  const hi = Float64Array.from({ length: k }, (_, i) => options.upper?.[i] ?? Infinity);
  const project = (v: Float64Array): Float64Array => {
    for (let i = 0; i < k; i++) v[i] = Math.min(hi[i], Math.max(lo[i], v[i]));
    return v;
  };
  let x = project(Float64Array.from(x0));
  let g = new Float64Array(k);
  let f = fg(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f)) throw new RangeError(`minimizeLbfgsb: the objective is not finite at the starting point (${f})`);
  const S: Float64Array[] = [], Y: Float64Array[] = [], rho: number[] = [];
  const pg = new Float64Array(k), d = new Float64Array(k), xn = new Float64Array(k), gn = new Float64Array(k), a = new Float64Array(m);
  let converged = false, it = 0;
  for (; it < maxIt; it++) {
    let pgMax = 0, pgNorm = 0;
    for (let i = 0; i < k; i++) {
      const blocked = (x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0);
      pg[i] = blocked ? 0 : g[i];
      pgMax = Math.max(pgMax, Math.abs(pg[i]));
      // L-BFGS-B's projgr: the step to the projection of x − g, which a nearby bound shortens
      pgNorm = Math.max(pgNorm, Math.abs(x[i] - Math.min(hi[i], Math.max(lo[i], x[i] - g[i]))));
    }
    if (pgNorm <= gtol) { converged = true; break; }
    // two-loop recursion on the free variables
    d.set(pg);
    for (let j = S.length - 1; j >= 0; j--) {
      let s = 0;
      for (let i = 0; i < k; i++) if (pg[i] !== 0) s += S[j][i] * d[i];
      a[j] = rho[j] * s;
      for (let i = 0; i < k; i++) if (pg[i] !== 0) d[i] -= a[j] * Y[j][i];
    }
    if (S.length) {
      const j = S.length - 1;
      let sy = 0, yy = 0;
      for (let i = 0; i < k; i++) { sy += S[j][i] * Y[j][i]; yy += Y[j][i] * Y[j][i]; }
      const gamma = sy / yy;
      for (let i = 0; i < k; i++) d[i] *= gamma;
    }
    for (let j = 0; j < S.length; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) if (pg[i] !== 0) s += Y[j][i] * d[i];
      const b = rho[j] * s;
      for (let i = 0; i < k; i++) if (pg[i] !== 0) d[i] += (a[j] - b) * S[j][i];
    }
    let slope = 0;
    for (let i = 0; i < k; i++) {
      d[i] = pg[i] === 0 ? 0 : -d[i];
      slope += d[i] * g[i];
    }
    if (!(slope < 0)) {
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < k; i++) d[i] = -pg[i];
    }
    let step = S.length ? 1 : Math.min(1, 1 / pgMax), fn = NaN, accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      let decrease = 0;
      for (let i = 0; i < k; i++) {
        xn[i] = x[i] + step * d[i];
      }
      project(xn);
      for (let i = 0; i < k; i++) decrease += g[i] * (xn[i] - x[i]);
      fn = fg(xn, gn);
      evaluations++;
      if (Number.isFinite(fn) && fn <= f + 1e-4 * decrease) { accepted = true; break; }
      step *= 0.5;
    }
    if (!accepted) {
      if (S.length === 0) break;
      S.length = Y.length = rho.length = 0;
      continue;
    }
    const s = new Float64Array(k), y = new Float64Array(k);
    let sy = 0, yy = 0;
    for (let i = 0; i < k; i++) {
      s[i] = xn[i] - x[i];
      y[i] = gn[i] - g[i];
      sy += s[i] * y[i];
      yy += y[i] * y[i];
    }
    if (sy > 1e-10 * yy) {
      if (S.length === m) { S.shift(); Y.shift(); rho.shift(); }
      S.push(s); Y.push(y); rho.push(1 / sy);
    }
    const fOld = f;
    [x, g] = [Float64Array.from(xn), Float64Array.from(gn)];
    f = fn;
    if (fOld - f <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) { converged = true; it++; break; }
  }
  return { x, f, iterations: it, evaluations, converged };
}
