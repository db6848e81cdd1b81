/**
 * The No-U-Turn Sampler (Hoffman & Gelman, JMLR 15, 1593, 2014, Algorithm 6:
 * slice sampling of the trajectory, dual-averaging step-size adaptation)
 * with a diagonal mass matrix re-estimated after each of Stan's doubling
 * warm-up windows, several seeded chains, and convergence diagnostics: split R-hat
 * (Gelman et al., Bayesian Data Analysis, 3rd ed., §11.4) and the effective
 * sample size by Geyer's initial monotone sequence over chains (Stan
 * reference manual, "Effective sample size"). A transition whose energy
 * error exceeds 1000 is a divergence and is counted.
 * Cost: up to 2^maxDepth − 1 gradient evaluations per draw.
 */
import { Rng } from "../core";

/** log p(q) (up to a constant) that writes ∇ log p(q) into grad; −Infinity outside the support. */
export type LogDensity = (q: Float64Array, grad: Float64Array) => number;

/** Options of {@link nuts}. */
export interface NutsOptions {
  /** Number of chains (default 4). */
  chains?: number;
  /** Warm-up (adaptation) iterations per chain, discarded (default 500). */
  warmup?: number;
  /** Kept draws per chain (default 500). */
  samples?: number;
  /** Seed; chain c uses seed + c (default 0). */
  seed?: number;
  /** Target mean acceptance statistic of the step-size adaptation (default 0.8). */
  targetAccept?: number;
  /** Maximum tree depth (default 10). */
  maxDepth?: number;
  /** Initial positions, one per chain (default: uniform in (−2, 2) per coordinate, as Stan). */
  init?: ArrayLike<number>[];
  /** Names of the coordinates in reports (default q0, q1, …). */
  names?: string[];
}

/** Draws and diagnostics of {@link nuts}. */
export interface NutsResult {
  names: string[];
  /** draws[c] is chain c's samples×dim row-major draws. */
  draws: Float64Array[];
  samples: number;
  dim: number;
  /** Split R-hat per coordinate. */
  rhat: Float64Array;
  /** Effective sample size (all chains) per coordinate. */
  ess: Float64Array;
  /** Divergent transitions after warm-up, per chain. */
  divergences: number[];
  /** Adapted step size per chain. */
  stepSize: number[];
  /** Mean posterior draw per coordinate (all chains). */
  mean: Float64Array;
  /** Posterior standard deviation per coordinate (all chains). */
  sd: Float64Array;
}

const DELTA_MAX = 1000;

interface Point { q: Float64Array; p: Float64Array; g: Float64Array; logp: number }

/**
 * Sample from the density exp(logp) with NUTS. Each chain is independent
 * and seeded (seed + chain index), so results are reproducible.
 *
 * @example const r = nuts((q, g) => { g[0] = -q[0]; return -0.5 * q[0] ** 2; }, 1, { seed: 1 });
 */
export function nuts(logp: LogDensity, dim: number, options: NutsOptions = {}): NutsResult {
  const chains = options.chains ?? 4, warmup = options.warmup ?? 500, samples = options.samples ?? 500, seed = options.seed ?? 0;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`nuts(dim): must be a positive integer, got ${dim}`);
  for (const [k, v] of [["chains", chains], ["samples", samples]] as const) if (!Number.isInteger(v) || v < 1) throw new RangeError(`nuts(options.${k}): must be a positive integer, got ${v}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`nuts(options.warmup): must be a non-negative integer, got ${warmup}`);
  if (options.init && options.init.length !== chains) throw new RangeError(`nuts(options.init): ${options.init.length} initial points for ${chains} chains`);
  const draws: Float64Array[] = [], divergences: number[] = [], stepSize: number[] = [];
  for (let c = 0; c < chains; c++) {
    const r = runChain(logp, dim, warmup, samples, new Rng(seed + c), options, options.init?.[c]);
    draws.push(r.draws);
    divergences.push(r.divergences);
    stepSize.push(r.stepSize);
  }
  const { rhat, ess, mean, sd } = diagnostics(draws, samples, dim);
  return { names: options.names ?? Array.from({ length: dim }, (_, i) => `q${i}`), draws, samples, dim, rhat, ess, divergences, stepSize, mean, sd };
}

function runChain(logp: LogDensity, dim: number, warmup: number, samples: number, rng: Rng, options: NutsOptions, init?: ArrayLike<number>): { draws: Float64Array; divergences: number; stepSize: number } {
  const maxDepth = options.maxDepth ?? 10, delta = options.targetAccept ?? 0.8;
  const invMass = new Float64Array(dim).fill(1);
  const evaluate = (q: Float64Array, p: Float64Array): Point => {
    const g = new Float64Array(dim);
    const lp = logp(q, g);
    return { q, p, g, logp: Number.isNaN(lp) ? -Infinity : lp };
  };
  let start: Point | null = null;
  for (let attempt = 0; attempt < 100 && !start; attempt++) {
    const q = init && attempt === 0 ? Float64Array.from(init) : Float64Array.from({ length: dim }, () => rng.range(-2, 2));
    if (q.length !== dim) throw new RangeError(`nuts(options.init): an initial point has ${q.length} values, dim is ${dim}`);
    const pt = evaluate(q, new Float64Array(dim));
    if (Number.isFinite(pt.logp)) start = pt;
  }
  if (!start) throw new RangeError("nuts: no initial point with a finite log density after 100 tries");
  let cur: Point = start;
  const kinetic = (p: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < dim; i++) s += p[i] * p[i] * invMass[i];
    return 0.5 * s;
  };
  const leapfrog = (pt: Point, eps: number): Point => {
    const p = new Float64Array(dim), q = new Float64Array(dim);
    for (let i = 0; i < dim; i++) p[i] = pt.p[i] + 0.5 * eps * pt.g[i];
    for (let i = 0; i < dim; i++) q[i] = pt.q[i] + eps * invMass[i] * p[i];
    const next = evaluate(q, p);
    for (let i = 0; i < dim; i++) p[i] += 0.5 * eps * next.g[i];
    return next;
  };
  const noUTurn = (minus: Point, plus: Point): boolean => {
    let a = 0, b = 0;
    for (let i = 0; i < dim; i++) {
      const dq = plus.q[i] - minus.q[i];
      a += dq * invMass[i] * minus.p[i];
      b += dq * invMass[i] * plus.p[i];
    }
    return a >= 0 && b >= 0;
  };
  const drawMomentum = (): Float64Array => Float64Array.from(invMass, (m) => rng.normal() / Math.sqrt(m));

  interface Tree { minus: Point; plus: Point; proposal: Point; n: number; ok: boolean; alpha: number; nAlpha: number; divergent: boolean }
  const build = (pt: Point, logU: number, v: number, j: number, eps: number, joint0: number): Tree => {
    if (j === 0) {
      const next = leapfrog(pt, v * eps);
      const joint = next.logp - kinetic(next.p);
      const divergent = !(joint > logU - DELTA_MAX);
      return { minus: next, plus: next, proposal: next, n: logU <= joint ? 1 : 0, ok: !divergent, alpha: Number.isFinite(joint) ? Math.min(1, Math.exp(joint - joint0)) : 0, nAlpha: 1, divergent };
    }
    const t = build(pt, logU, v, j - 1, eps, joint0);
    if (!t.ok) return t;
    const t2 = build(v === -1 ? t.minus : t.plus, logU, v, j - 1, eps, joint0);
    if (v === -1) t.minus = t2.minus;
    else t.plus = t2.plus;
    if (t.n + t2.n > 0 && rng.uniform() < t2.n / (t.n + t2.n)) t.proposal = t2.proposal;
    t.alpha += t2.alpha;
    t.nAlpha += t2.nAlpha;
    t.ok = t2.ok && noUTurn(t.minus, t.plus);
    t.divergent = t2.divergent;
    t.n += t2.n;
    return t;
  };

  const transition = (eps: number): { alphaMean: number; divergent: boolean } => {
    cur = { ...cur, p: drawMomentum() };
    const joint0 = cur.logp - kinetic(cur.p);
    const logU = joint0 + Math.log(rng.uniform() || Number.MIN_VALUE);
    let minus = cur, plus = cur, n = 1, ok = true, alpha = 0, nAlpha = 0, divergent = false;
    let next = cur;
    for (let j = 0; ok && j < maxDepth; j++) {
      const v = rng.uniform() < 0.5 ? -1 : 1;
      const t = build(v === -1 ? minus : plus, logU, v, j, eps, joint0);
      if (v === -1) minus = t.minus;
      else plus = t.plus;
      if (t.ok && rng.uniform() < Math.min(1, t.n / n)) next = t.proposal;
      n += t.n;
      alpha += t.alpha;
      nAlpha += t.nAlpha;
      divergent = t.divergent;
      ok = t.ok && noUTurn(minus, plus);
    }
    cur = next;
    return { alphaMean: nAlpha ? alpha / nAlpha : 0, divergent };
  };

  // initial step size (Hoffman & Gelman Algorithm 4)
  const findEps = (): number => {
    let eps = 1;
    const p0 = drawMomentum(), base = { ...cur, p: p0 };
    const j0 = cur.logp - kinetic(p0);
    const logRatio = (e: number): number => { const nx = leapfrog(base, e); const v = nx.logp - kinetic(nx.p) - j0; return Number.isFinite(v) ? v : -Infinity; };
    const a = logRatio(eps) > Math.log(0.5) ? 1 : -1;
    for (let k = 0; k < 50 && a * logRatio(eps) > -a * Math.log(2); k++) eps *= 2 ** a;
    return eps;
  };

  let eps = findEps(), mu = Math.log(10 * eps), hBar = 0, logEpsBar = 0, m = 0;
  const restartAdaptation = (): void => { eps = findEps(); mu = Math.log(10 * eps); hBar = 0; logEpsBar = 0; m = 0; };
  // Stan's warm-up schedule: a fast initial buffer (15 %), slow windows of doubling length (the last one stretched
  // to the end) after each of which the diagonal inverse mass matrix is re-estimated, and a fast final buffer (10 %)
  const slowStart = Math.floor(0.15 * warmup), slowEnd = warmup - Math.floor(0.1 * warmup);
  const windowEnds = new Set<number>();
  for (let s = slowStart, w = Math.max(10, Math.round(0.025 * warmup)); s < slowEnd; w *= 2) {
    const e = s + w + 2 * (2 * w) > slowEnd ? slowEnd : s + w;
    windowEnds.add(e);
    s = e;
  }
  let window: Float64Array[] = [];
  for (let it = 0; it < warmup; it++) {
    const { alphaMean } = transition(eps);
    m++;
    hBar = (1 - 1 / (m + 10)) * hBar + (delta - alphaMean) / (m + 10);
    const logEps = mu - (Math.sqrt(m) / 0.05) * hBar;
    const w = m ** -0.75;
    logEpsBar = w * logEps + (1 - w) * logEpsBar;
    eps = Math.exp(logEps);
    if (it >= slowStart && it < slowEnd) window.push(Float64Array.from(cur.q));
    if (windowEnds.has(it + 1) && window.length > 5) {
      const k = window.length;
      for (let i = 0; i < dim; i++) {
        let s = 0, s2 = 0;
        for (const q of window) { s += q[i]; s2 += q[i] * q[i]; }
        const v = (s2 - (s * s) / k) / (k - 1);
        invMass[i] = (k / (k + 5)) * v + 1e-3 * (5 / (k + 5));
      }
      window = [];
      restartAdaptation();
    }
  }
  if (warmup > 0) eps = Math.exp(logEpsBar);
  const draws = new Float64Array(samples * dim);
  let divergences = 0;
  for (let s = 0; s < samples; s++) {
    if (transition(eps).divergent) divergences++;
    draws.set(cur.q, s * dim);
  }
  return { draws, divergences, stepSize: eps };
}

/** Split R-hat, ESS (Geyer's initial monotone sequence, chains pooled as in Stan), mean and sd per coordinate of row-major chain draws. */
export function diagnostics(draws: Float64Array[], samples: number, dim: number): { rhat: Float64Array; ess: Float64Array; mean: Float64Array; sd: Float64Array } {
  const M = draws.length, rhat = new Float64Array(dim), ess = new Float64Array(dim), mean = new Float64Array(dim), sd = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    const series = draws.map((d) => Float64Array.from({ length: samples }, (_, s) => d[s * dim + i]));
    const all = series.flatMap((x) => Array.from(x));
    const mu = all.reduce((a, b) => a + b, 0) / all.length;
    mean[i] = mu;
    sd[i] = Math.sqrt(all.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, all.length - 1));
    const half = Math.floor(samples / 2);
    const splits = half >= 2 ? series.flatMap((x) => [x.subarray(0, half), x.subarray(samples - half)]) : series;
    rhat[i] = rHat(splits);
    ess[i] = effectiveSize(series);
  }
  return { rhat, ess, mean, sd };
}

function meanVar(x: Float64Array): [number, number] {
  let s = 0;
  for (const v of x) s += v;
  const m = s / x.length;
  let v2 = 0;
  for (const v of x) v2 += (v - m) ** 2;
  return [m, v2 / (x.length - 1)];
}

function rHat(chains: Float64Array[]): number {
  const n = chains[0].length, mv = chains.map(meanVar);
  const W = mv.reduce((a, [, v]) => a + v, 0) / mv.length;
  const grand = mv.reduce((a, [m]) => a + m, 0) / mv.length;
  const B = (n / Math.max(1, mv.length - 1)) * mv.reduce((a, [m]) => a + (m - grand) ** 2, 0);
  if (!(W > 0)) return B > 0 ? Infinity : 1;
  return Math.sqrt(((n - 1) / n) * W + B / n) / Math.sqrt(W);
}

function effectiveSize(chains: Float64Array[]): number {
  const M = chains.length, n = chains[0].length, mv = chains.map(meanVar);
  const W = mv.reduce((a, [, v]) => a + v, 0) / M;
  const grand = mv.reduce((a, [m]) => a + m, 0) / M;
  const B = M > 1 ? (n / (M - 1)) * mv.reduce((a, [m]) => a + (m - grand) ** 2, 0) : 0;
  const varPlus = ((n - 1) / n) * W + B / n;
  if (!(varPlus > 0)) return M * n;
  const rho = (t: number): number => {
    let acov = 0;
    chains.forEach((x, c) => {
      const m = mv[c][0];
      let s = 0;
      for (let k = 0; k + t < n; k++) s += (x[k] - m) * (x[k + t] - m);
      acov += s / n;
    });
    return 1 - (W - acov / M) / varPlus;
  };
  let sum = 0, prevPair = Infinity;
  for (let t = 0; t + 1 < n; t += 2) {
    let pair = (t === 0 ? 1 : rho(t)) + rho(t + 1);
    if (pair < 0) break;
    pair = Math.min(pair, prevPair);
    prevPair = pair;
    sum += pair;
  }
  const tau = -1 + 2 * sum;
  return (M * n) / Math.max(tau, 1 / Math.log10(M * n));
}
