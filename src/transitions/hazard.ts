/**
 * Where will the new phase nucleate? A discrete-time survival model over
 * per-column local descriptors (J. D. Singer & J. B. Willett, J. Educ. Stat.
 * 18, 155, 1993: one row per column per frame at risk, a logistic hazard),
 * fitted as a Bayesian logistic regression with a Gaussian prior on the
 * standardized coefficients: MAP by Newton's method, posterior by the
 * Laplace approximation (C. M. Bishop, Pattern Recognition and Machine
 * Learning, §4.4–4.5, 2006). And its honest evaluation on held-out movies:
 * the pooled ROC AUC and the top-k hit rate of the predicted site, each with
 * a bootstrap interval over movies (B. Efron & R. Tibshirani, An
 * Introduction to the Bootstrap, 1993), for the model and for baselines
 * scored the same way.
 */
import { Table, table } from "../table";
import { rng } from "../core/random";
import { cholesky, choleskySolve, invertSPD } from "../core/linalg";
import { quantile } from "../core/select";
import { checkChoice } from "../core/options";
import { meanSd } from "./descriptors";

/**
 * Person-period rows for one movie: every row of `frames[t]` (one
 * descriptor table per frame, e.g. {@link localDescriptors}) for the frames
 * at risk t = 0 … eventFrame − 1, with the columns of the tables plus
 * `frame` and `event` (1 for the one row `event.row` of frame
 * event.frame − 1: the column that turns into the nucleus at `event.frame`;
 * 0 otherwise). A movie without a nucleus (`event` null) contributes every
 * frame, all censored (event 0). Every table must have the same columns.
 * O(rows).
 */
export function survivalRows(frames: readonly Table[], event: { frame: number; row: number } | null): Table {
  const where = "survivalRows(frames, event)";
  if (!Array.isArray(frames) || frames.length === 0) throw new TypeError(`${where}: frames must be a non-empty array of descriptor tables`);
  const end = event ? event.frame : frames.length;
  if (event) {
    if (!(Number.isInteger(event.frame) && event.frame >= 1 && event.frame <= frames.length)) throw new RangeError(`${where}: event.frame must be an integer in [1, ${frames.length}] (the frame where the nucleus first appears), got ${event.frame}`);
    const n = frames[event.frame - 1].numRows;
    if (!(Number.isInteger(event.row) && event.row >= 0 && event.row < n)) throw new RangeError(`${where}: event.row must be a row of frames[${event.frame - 1}] (0..${n - 1}), got ${event.row}`);
  }
  const names = frames[0].columnNames;
  let total = 0;
  for (let t = 0; t < end; t++) {
    const got = frames[t].columnNames;
    if (got.length !== names.length || got.some((c: string, i: number) => c !== names[i])) throw new RangeError(`${where}: frames[${t}] has columns ${got.join(", ")}; frames[0] has ${names.join(", ")}`);
    total += frames[t].numRows;
  }
  const cols: Record<string, Float64Array> = {};
  for (const c of names) cols[c] = new Float64Array(total);
  const frame = new Int32Array(total), ev = new Uint8Array(total);
  let o = 0;
  for (let t = 0; t < end; t++) {
    const f = frames[t], n = f.numRows;
    for (const c of names) cols[c].set(f.numeric(c), o);
    frame.fill(t, o, o + n);
    if (event && t === event.frame - 1) ev[o + event.row] = 1;
    o += n;
  }
  return table({ ...cols, frame, event: ev });
}

/** Options of {@link fitHazard}. */
export interface FitHazardOptions {
  /** Descriptor columns of the hazard (required). */
  features: string[];
  /** 0/1 event column (default "event", as {@link survivalRows} writes it). */
  event?: string;
  /** Prior standard deviation of each standardized coefficient (log-odds per sd of the feature, default 1). */
  priorSd?: number;
  /** Prior standard deviation of the intercept (default 10: nearly flat). */
  interceptSd?: number;
}

/** A fitted hazard: the features with their standardization, the MAP coefficients [intercept, β…] on the standardized scale, their Laplace covariance, posterior sd and 95 % intervals, and the Newton iterations used. Pass to {@link predictHazard}. */
export interface HazardModel {
  features: string[];
  center: Float64Array;
  scale: Float64Array;
  coefficients: Float64Array;
  covariance: Float64Array;
  sd: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  events: number;
  rows: number;
  iterations: number;
}

function featureMatrix(data: Table, features: string[], where: string): Float64Array[] {
  return features.map((name) => {
    if (!data.has(name)) throw new RangeError(`${where}: no column "${name}" (columns: ${data.columnNames.join(", ")})`);
    const v = Float64Array.from(data.numeric(name));
    const bad = v.findIndex((z) => !Number.isFinite(z));
    if (bad >= 0) throw new RangeError(`${where}: column "${name}" row ${bad} is not finite (${v[bad]}); drop such rows first (e.g. strain and angleSpread of a column without bonds: neighbors = 0)`);
    return v;
  });
}

/**
 * Fit the per-column nucleation hazard P(event at the next frame | at risk,
 * descriptors) = σ(β₀ + Σ βⱼ zⱼ), zⱼ the standardized features, with priors
 * β₀ ~ N(0, interceptSd²), βⱼ ~ N(0, priorSd²): MAP by Newton–Raphson
 * with backtracking (the log posterior is concave; stops when the step is
 * below 1e-8, and throws when that takes over 100 iterations), Laplace
 * covariance = the inverse negative Hessian of the log posterior at the MAP.
 * Throws naming the column for a missing or non-finite feature and when the
 * rows hold no event. O(iterations · rows · p²).
 * ```ts
 * const model = fitHazard(rows, { features: ["vacancyCount", "strain"], priorSd: 1 });
 * model.coefficients; model.lower; model.upper;
 * ```
 */
export function fitHazard(data: Table, options: FitHazardOptions): HazardModel {
  const where = "fitHazard(data)";
  if (!(data instanceof Table)) throw new TypeError(`${where}: data must be a Table (survivalRows output)`);
  if (!options || !Array.isArray(options.features) || options.features.length === 0) throw new TypeError(`${where}: options.features must name at least one descriptor column`);
  const features = options.features.slice(), p = features.length + 1, n = data.numRows;
  const priorSd = options.priorSd ?? 1, interceptSd = options.interceptSd ?? 10;
  if (!(priorSd > 0 && Number.isFinite(priorSd))) throw new RangeError(`${where}: options.priorSd must be a finite number > 0, got ${priorSd}`);
  if (!(interceptSd > 0 && Number.isFinite(interceptSd))) throw new RangeError(`${where}: options.interceptSd must be a finite number > 0, got ${interceptSd}`);
  const evName = options.event ?? "event";
  const [y] = featureMatrix(data, [evName], where);
  let events = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`${where}: column "${evName}" row ${i} must be 0 or 1, got ${y[i]}`);
    events += y[i];
  }
  if (events === 0) throw new RangeError(`${where}: column "${evName}" has no events in ${n} rows: nothing to learn a hazard from`);
  const raw = featureMatrix(data, features, where);
  const center = new Float64Array(p - 1), scale = new Float64Array(p - 1);
  const Z = raw.map((v, j) => {
    const { mean: m, sd } = meanSd(v);
    center[j] = m; scale[j] = sd;
    return v.map((z) => (z - m) / sd);
  });
  const prec = Float64Array.from({ length: p }, (_, j) => (j === 0 ? 1 / interceptSd ** 2 : 1 / priorSd ** 2));
  const beta = new Float64Array(p), g = new Float64Array(p), H = new Float64Array(p * p), row = new Float64Array(p), trial = new Float64Array(p);
  beta[0] = Math.log(events / (n - events + 1e-300));
  // log posterior (up to a constant): Σ yη − log(1 + e^η) − ½ Σ prec·β²
  const logPost = (b: Float64Array): number => {
    let lp = 0;
    for (let i = 0; i < n; i++) {
      let eta = b[0];
      for (let j = 1; j < p; j++) eta += b[j] * Z[j - 1][i];
      lp += y[i] * eta - (eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta)));
    }
    for (let j = 0; j < p; j++) lp -= 0.5 * prec[j] * b[j] * b[j];
    return lp;
  };
  let it = 0, current = logPost(beta), converged = false;
  for (it = 1; it <= 100 && !converged; it++) {
    g.fill(0); H.fill(0);
    for (let i = 0; i < n; i++) {
      row[0] = 1;
      let eta = beta[0];
      for (let j = 1; j < p; j++) { row[j] = Z[j - 1][i]; eta += beta[j] * row[j]; }
      const mu = 1 / (1 + Math.exp(-eta)), w = mu * (1 - mu), r = y[i] - mu;
      for (let a = 0; a < p; a++) { g[a] += r * row[a]; for (let b = 0; b <= a; b++) H[a * p + b] += w * row[a] * row[b]; }
    }
    for (let a = 0; a < p; a++) { g[a] -= prec[a] * beta[a]; H[a * p + a] += prec[a]; for (let b = 0; b < a; b++) H[b * p + a] = H[a * p + b]; }
    const L = H.slice();
    if (cholesky(L, p) >= 0) throw new RangeError(`${where}: the posterior Hessian is not positive definite (collinear features? ${features.join(", ")})`);
    const step = choleskySolve(L, p, g);
    // backtracking: halve the Newton step until the (concave) log posterior does not decrease
    let t = 1, next = -Infinity;
    for (; t > 1e-12; t /= 2) {
      for (let a = 0; a < p; a++) trial[a] = beta[a] + t * step[a];
      next = logPost(trial);
      if (next >= current - 1e-12 * Math.abs(current)) break;
    }
    let size = 0;
    for (let a = 0; a < p; a++) size = Math.max(size, Math.abs(t * step[a]));
    beta.set(trial); current = next;
    converged = size < 1e-8;
  }
  if (!converged) throw new RangeError(`${where}: Newton's method did not converge in 100 iterations (features ${features.join(", ")}); the data may separate the events perfectly: use a smaller options.priorSd`);
  // Hessian at the MAP for the Laplace covariance
  H.fill(0);
  for (let i = 0; i < n; i++) {
    row[0] = 1;
    let eta = beta[0];
    for (let j = 1; j < p; j++) { row[j] = Z[j - 1][i]; eta += beta[j] * row[j]; }
    const mu = 1 / (1 + Math.exp(-eta)), w = mu * (1 - mu);
    for (let a = 0; a < p; a++) for (let b = 0; b <= a; b++) H[a * p + b] += w * row[a] * row[b];
  }
  for (let a = 0; a < p; a++) { H[a * p + a] += prec[a]; for (let b = 0; b < a; b++) H[b * p + a] = H[a * p + b]; }
  const covariance = invertSPD(H, p)!;
  const sd = Float64Array.from({ length: p }, (_, j) => Math.sqrt(covariance[j * p + j]));
  return {
    features, center, scale, coefficients: beta, covariance, sd,
    lower: beta.map((b, j) => b - 1.959963984540054 * sd[j]), upper: beta.map((b, j) => b + 1.959963984540054 * sd[j]),
    events, rows: n, iterations: it - 1,
  };
}

/**
 * Posterior predictive nucleation probability per row of `descriptors`
 * under a {@link fitHazard} model: E[σ(η)] over the Laplace posterior of
 * the linear predictor η ~ N(m, s²), by the probit approximation
 * σ(m / √(1 + πs²/8)) (D. J. C. MacKay, Neural Comput. 4, 720, 1992).
 * O(rows · p²).
 */
export function predictHazard(model: HazardModel, descriptors: Table): Float64Array {
  const where = "predictHazard(model, descriptors)";
  if (!(descriptors instanceof Table)) throw new TypeError(`${where}: descriptors must be a Table`);
  const raw = featureMatrix(descriptors, model.features, where), p = model.features.length + 1, n = descriptors.numRows;
  const out = new Float64Array(n), z = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    z[0] = 1;
    for (let j = 1; j < p; j++) z[j] = (raw[j - 1][i] - model.center[j - 1]) / model.scale[j - 1];
    let m = 0, s2 = 0;
    for (let a = 0; a < p; a++) { m += model.coefficients[a] * z[a]; for (let b = 0; b < p; b++) s2 += z[a] * model.covariance[a * p + b] * z[b]; }
    out[i] = 1 / (1 + Math.exp(-m / Math.sqrt(1 + (Math.PI * Math.max(s2, 0)) / 8)));
  }
  return out;
}

/**
 * Area under the ROC curve of `scores` for binary `labels` (1 = positive):
 * the Mann–Whitney probability that a positive outscores a negative, ties
 * counted ½ (mid-ranks; equals scikit-learn's `roc_auc_score`). NaN when
 * either class is empty. O(n log n).
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`rocAuc: scores (${n}) and labels (${labels.length}) differ in length`);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) if (Number.isNaN(scores[i])) throw new RangeError(`rocAuc: scores[${i}] is NaN`);
  idx.sort((a, b) => scores[a] - scores[b]);
  let rankPos = 0, pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const mid = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]] === 1) { rankPos += mid; pos++; }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Options of {@link evaluateNucleation}. */
export interface EvaluateNucleationOptions {
  /** Bootstrap resamples of the movies (default 1000). */
  resamples?: number;
  /** Central interval level (default 0.95). */
  level?: number;
  /** The k of the top-k hit rates (default [1, 5, 10]). */
  topK?: number[];
  /** Bootstrap seed (default 0). */
  seed?: number;
}

/** What {@link evaluateNucleation} returns: the pooled AUC and its percentile bootstrap interval, and per k the hit rate (the true site among the k highest scores) with its interval; `movies` evaluated. */
export interface NucleationScore {
  auc: number;
  aucInterval: [number, number];
  topK: { k: number; hitRate: number; interval: [number, number] }[];
  movies: number;
}

/**
 * Score nucleation-site predictions on held-out movies. Movie m has one
 * score per candidate column (`scores[m]`, higher = more likely the
 * nucleus) and its true nucleus row `truth[m]`. The AUC pools every
 * movie's candidates (positives: the nuclei) and is resampled by movie
 * (cluster bootstrap, percentile interval); the top-k hit rate counts a
 * movie as a hit when fewer than k candidates outscore the true one (ties
 * count as half a rank above, so a constant score gives the chance rate
 * k/n). Each movie's candidates are sorted once and every (nucleus, movie)
 * pair counted once, so a resample costs O(M²) for M movies: O(M·N log N +
 * resamples · M²) for N candidates in all.
 */
export function evaluateNucleation(scores: ArrayLike<number>[], truth: number[], options: EvaluateNucleationOptions = {}): NucleationScore {
  const where = "evaluateNucleation(scores, truth)";
  const M = scores.length;
  if (M === 0 || truth.length !== M) throw new RangeError(`${where}: need one truth row per movie and at least one movie, got ${M} score arrays and ${truth.length} truths`);
  for (let m = 0; m < M; m++) if (!(Number.isInteger(truth[m]) && truth[m] >= 0 && truth[m] < scores[m].length)) throw new RangeError(`${where}: truth[${m}] must be a row of scores[${m}] (0..${scores[m].length - 1}), got ${truth[m]}`);
  for (let m = 0; m < M; m++) for (let i = 0; i < scores[m].length; i++) if (Number.isNaN(scores[m][i])) throw new RangeError(`${where}: scores[${m}][${i}] is NaN`);
  const B = options.resamples ?? 1000, level = options.level ?? 0.95, ks = options.topK ?? [1, 5, 10];
  if (!(Number.isInteger(B) && B >= 1)) throw new RangeError(`${where}: options.resamples must be a positive integer, got ${B}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`${where}: options.level must be in (0, 1), got ${level}`);
  // per movie: expected rank of the truth among its candidates (ties half above)
  const rank = truth.map((t, m) => {
    const s = scores[m], v = s[t];
    let above = 0, tie = 0;
    for (let i = 0; i < s.length; i++) if (i !== t) { if (s[i] > v) above++; else if (s[i] === v) tie++; }
    return { above, tie };
  });
  const hit = (m: number, k: number): number => {
    const { above, tie } = rank[m];
    if (above >= k) return 0;
    return Math.min(1, (k - above) / (tie + 1));
  };
  // C[m·M + q] = how many candidates of movie q (its nucleus excluded) score below movie m's nucleus, ties ½:
  // the pooled AUC of any resample with multiplicities w is Σ w_m w_q C[m, q] / (Σ w_m · Σ w_q (n_q − 1)).
  const C = new Float64Array(M * M), negatives = scores.map((s) => s.length - 1);
  for (let q = 0; q < M; q++) {
    const neg = Float64Array.from(Array.prototype.filter.call(scores[q], (_: number, i: number) => i !== truth[q]) as number[]).sort();
    for (let m = 0; m < M; m++) {
      const v = scores[m][truth[m]];
      let lo = 0, hi = neg.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (neg[mid] < v) lo = mid + 1; else hi = mid; }
      let up = lo;
      while (up < neg.length && neg[up] === v) up++;
      C[m * M + q] = lo + 0.5 * (up - lo);
    }
  }
  const aucOf = (w: Float64Array): number => {
    let num = 0, pos = 0, den = 0;
    for (let m = 0; m < M; m++) {
      if (!w[m]) continue;
      pos += w[m]; den += w[m] * negatives[m];
      for (let q = 0; q < M; q++) if (w[q]) num += w[m] * w[q] * C[m * M + q];
    }
    return den > 0 ? num / (pos * den) : NaN;
  };
  const all = Array.from({ length: M }, (_, m) => m);
  const r = rng(options.seed ?? 0), aucs = new Float64Array(B), hits = ks.map(() => new Float64Array(B)), w = new Float64Array(M);
  for (let b = 0; b < B; b++) {
    w.fill(0);
    for (let i = 0; i < M; i++) w[r.int(M)]++;
    aucs[b] = aucOf(w);
    ks.forEach((k, q) => { let h = 0; for (let m = 0; m < M; m++) if (w[m]) h += w[m] * hit(m, k); hits[q][b] = h / M; });
  }
  const lo = (1 - level) / 2, hi = 1 - lo;
  return {
    auc: aucOf(new Float64Array(M).fill(1)),
    aucInterval: [quantile(aucs, lo), quantile(aucs, hi)],
    topK: ks.map((k, q) => ({ k, hitRate: all.reduce((h, m) => h + hit(m, k), 0) / M, interval: [quantile(hits[q], lo), quantile(hits[q], hi)] as [number, number] })),
    movies: M,
  };
}

/**
 * Scores of a baseline nucleation predictor per row of `descriptors`:
 * "uniform" (every column alike: chance), "nearestDefect" (−vacancyDistance:
 * the column closest to a vacancy first), "strain" (the local strain: the
 * most tensile column first). Pass to {@link evaluateNucleation} like the
 * model's scores. O(rows).
 */
export function baselineScores(descriptors: Table, baseline: "uniform" | "nearestDefect" | "strain"): Float64Array {
  if (checkChoice("baselineScores", "baseline", baseline, ["uniform", "nearestDefect", "strain"] as const) === undefined) throw new TypeError('baselineScores(descriptors, baseline): baseline is required: "uniform", "nearestDefect" or "strain"');
  const n = descriptors.numRows;
  if (baseline === "uniform") return new Float64Array(n);
  const name = baseline === "strain" ? "strain" : "vacancyDistance";
  if (!descriptors.has(name)) throw new RangeError(`baselineScores(descriptors, "${baseline}"): no column "${name}" (localDescriptors output has it)`);
  const v = Float64Array.from(descriptors.numeric(name));
  return baseline === "strain" ? v : v.map((d) => -d);
}
