/**
 * Transition statistics of local states through a movie: a first-order
 * Markov model of per-site state changes between consecutive frames (counts,
 * per-frame transition probabilities with Dirichlet/Beta posterior
 * intervals, rates per unit time with Gamma posterior intervals) and the
 * fraction of sites in each state against time or dose — the statistics of
 * A. Maksov et al., npj Comput. Mater. 5, 12 (2019), with their uncertainty.
 */
import { Table, table } from "../table";
import { betaQuantile, gammaQuantile } from "../core/special";

/** Check a frames × sites state sequence; the number of states k (max state + 1, or `k`). */
function checkStates(where: string, states: readonly ArrayLike<number>[], k?: number): number {
  if (!Array.isArray(states) || states.length < 1) throw new TypeError(`${where}: states must be a non-empty array (one array of per-site states per frame)`);
  const n = states[0].length;
  let kk = 0;
  states.forEach((s, t) => {
    if (s.length !== n) throw new RangeError(`${where}: states[${t}] has ${s.length} sites, states[0] has ${n}: index sites the same way in every frame (-1 = not observed)`);
    for (let i = 0; i < n; i++) {
      const v = s[i];
      if (!(Number.isInteger(v) && v >= -1)) throw new RangeError(`${where}: states[${t}][${i}] must be an integer state >= 0 (or -1 = not observed), got ${v}`);
      if (k !== undefined && v >= k) throw new RangeError(`${where}: states[${t}][${i}] = ${v} but options.k = ${k}`);
      kk = Math.max(kk, v + 1);
    }
  });
  return k ?? kk;
}

/** Options of {@link markovTransitions}. */
export interface MarkovOptions {
  /** Number of states (default: the largest state + 1). */
  k?: number;
  /** Time between frames, e.g. seconds (default 1): rates are per this unit of time. */
  frameTime?: number;
  /** Dirichlet concentration per transition, and Gamma shape of each rate's prior (default 0.5: Jeffreys-like). */
  prior?: number;
  /** Central level of the intervals (default 0.95). */
  level?: number;
  /** State names for the `from`/`to` columns (default "0", "1", …). */
  names?: string[];
}

/**
 * First-order Markov model of per-site states between consecutive frames.
 * `states[t][i]` is site i's state at frame t (0..k−1; −1 = not observed:
 * pairs with a missing end are skipped). Returns one row per (from, to):
 * `from`, `to` (names), `count` nᵢⱼ, `exposure` (site-frames that started
 * in `from` and were observed at the next frame), `probability` (posterior
 * mean of the per-frame transition probability under a Dirichlet(prior)
 * prior on each row: (nᵢⱼ + c)/(nᵢ + k·c)) with `probabilityLower`/`Upper`
 * (its Beta marginal's quantiles), and `rate` (per unit time, off-diagonal:
 * Gamma(c + nᵢⱼ, exposure·frameTime) posterior mean, the constant-hazard
 * estimate, close to −log(1 − p)/frameTime while transitions per frame are
 * rare) with `rateLower`/`Upper`; diagonal rows carry NaN rates.
 * O(frames · sites + k² · quantile cost).
 * ```ts
 * markovTransitions(movie.states, { names: ["host", "vacancy", "new"] });
 * ```
 */
export function markovTransitions(states: readonly ArrayLike<number>[], options: MarkovOptions = {}): Table {
  const where = "markovTransitions(states)";
  const k = checkStates(where, states, options.k), dt = options.frameTime ?? 1, c = options.prior ?? 0.5, level = options.level ?? 0.95;
  if (!(dt > 0 && Number.isFinite(dt))) throw new RangeError(`${where}: options.frameTime must be a finite number > 0, got ${dt}`);
  if (!(c > 0 && Number.isFinite(c))) throw new RangeError(`${where}: options.prior must be a finite number > 0, got ${c}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`${where}: options.level must be in (0, 1), got ${level}`);
  const names = options.names ?? Array.from({ length: k }, (_, i) => String(i));
  if (names.length !== k) throw new RangeError(`${where}: options.names has ${names.length} names for ${k} states`);
  const N = Array.from({ length: k }, () => new Float64Array(k));
  for (let t = 1; t < states.length; t++) {
    const a = states[t - 1], b = states[t];
    for (let i = 0; i < a.length; i++) if (a[i] >= 0 && b[i] >= 0) N[a[i]][b[i]]++;
  }
  const lo = (1 - level) / 2, hi = 1 - lo;
  const cols = { from: [] as string[], to: [] as string[], count: [] as number[], exposure: [] as number[], probability: [] as number[], probabilityLower: [] as number[], probabilityUpper: [] as number[], rate: [] as number[], rateLower: [] as number[], rateUpper: [] as number[] };
  for (let i = 0; i < k; i++) {
    const ni = N[i].reduce((s, v) => s + v, 0), total = ni + k * c;
    for (let j = 0; j < k; j++) {
      const a = N[i][j] + c, b = total - a;
      cols.from.push(names[i]); cols.to.push(names[j]); cols.count.push(N[i][j]); cols.exposure.push(ni);
      cols.probability.push(a / total);
      cols.probabilityLower.push(betaQuantile(lo, a, b)); cols.probabilityUpper.push(betaQuantile(hi, a, b));
      const off = i !== j && ni > 0, T = ni * dt;
      cols.rate.push(off ? a / T : NaN);
      cols.rateLower.push(off ? gammaQuantile(lo, a, T) : NaN); cols.rateUpper.push(off ? gammaQuantile(hi, a, T) : NaN);
    }
  }
  return table({ ...cols, count: Int32Array.from(cols.count), exposure: Int32Array.from(cols.exposure) });
}

/** Options of {@link phaseFraction}. */
export interface PhaseFractionOptions {
  /** Number of states (default: the largest state + 1). */
  k?: number;
  /** State names, used as column names (default "state0", "state1", …). */
  names?: string[];
  /** Time and cumulative dose of each frame, added as columns `time` and `dose` when given. */
  time?: ArrayLike<number>;
  dose?: ArrayLike<number>;
}

/**
 * Fraction of the observed sites in each state, per frame: a table with
 * `frame`, `observed` (sites with a state ≥ 0), optional `time`/`dose`, and
 * one column per state (fractions of the observed sites, NaN when none is
 * observed). O(frames · sites).
 * ```ts
 * phaseFraction(movie.states, { names: ["host", "vacancy", "new"], dose: movie.dose });
 * ```
 */
export function phaseFraction(states: readonly ArrayLike<number>[], options: PhaseFractionOptions = {}): Table {
  const where = "phaseFraction(states)";
  const k = checkStates(where, states, options.k), T = states.length;
  const names = options.names ?? Array.from({ length: k }, (_, i) => `state${i}`);
  if (names.length !== k) throw new RangeError(`${where}: options.names has ${names.length} names for ${k} states`);
  const cols: Record<string, Float64Array | Int32Array> = { frame: Int32Array.from({ length: T }, (_, t) => t) };
  const observed = new Int32Array(T);
  for (const key of ["time", "dose"] as const) {
    const v = options[key];
    if (v === undefined) continue;
    if (v.length !== T) throw new RangeError(`${where}: options.${key} has ${v.length} values for ${T} frames`);
    cols[key] = Float64Array.from(v);
  }
  const F = names.map(() => new Float64Array(T));
  states.forEach((s, t) => {
    for (let i = 0; i < s.length; i++) if (s[i] >= 0) { F[s[i]][t]++; observed[t]++; }
    for (const f of F) f[t] = observed[t] ? f[t] / observed[t] : NaN;
  });
  cols.observed = observed;
  names.forEach((name, j) => (cols[name] = F[j]));
  return table(cols);
}
