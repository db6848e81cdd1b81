/**
 * Bayesian model comparison of structured Gaussian processes: each
 * hypothesis is a physical mean function m(x; φ) (a user function with
 * Normal priors on its parameters) under a GP that absorbs what the model
 * does not explain (GPax's structured GP). Each model's evidence p(y | model)
 * integrates over φ and the kernel hyperparameters θ (default priors of
 * `gaussianProcess`) by the Laplace approximation at the posterior mode:
 * log Z ≈ log p(y | ẑ) + log p(ẑ) + (D/2) log 2π − ½ log det H, z = (θ, φ),
 * H the Hessian of −log posterior (central differences of the analytic
 * gradient). Reference: MacKay, Information Theory, Inference and Learning
 * Algorithms (2003), ch. 28; Kass & Raftery, JASA 90, 773 (1995) for the
 * scale of Bayes factors. Cost per model: one GP fit (O(n³) per evaluation)
 * plus 2D gradient evaluations for H.
 */
import { Rng } from "../core";
import { checkTargets, defaultKernel, defaultPrior, lmlAndGradient, toPoints, type KernelName } from "./gp";
import { minimizeLbfgsb } from "./lbfgs";
import { laplaceLogEvidence } from "./laplace";

/** A hypothesis: m(x; φ) in y's units, starting values and Normal priors [mean, sd] on each φ. */
export interface MeanModel {
  fn: (x: number[], params: number[]) => number;
  init: number[];
  prior: Array<[number, number]>;
}

/** Options of {@link compareModels}. */
export interface CompareOptions {
  dims?: number;
  /** Kernel of the residual GP (default "rbf"). */
  kernel?: KernelName;
  /** Seed of the restarts (default 0). */
  seed?: number;
  /** Extra starts of φ drawn from its prior (default 2). */
  restarts?: number;
  /** Smallest log Bayes factor that decides (default log 20 ≈ 3.0, "strong" in Kass & Raftery's scale). */
  threshold?: number;
}

/** Per model: log evidence (y's units), posterior-mode mean parameters; the decision and the log Bayes factor of the best model over the runner-up. */
export interface ComparisonResult {
  models: Record<string, { logEvidence: number; params: number[]; logLikelihood: number }>;
  best: string;
  logBayesFactor: number;
  /** The best model's name when logBayesFactor ≥ threshold, else "undecided". */
  decision: string;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Compare ≥ 2 structured-GP hypotheses on the same data by their Laplace
 * evidence. Errors name the model and the argument for a mean function that
 * throws or returns a non-finite value, and for priors that do not match
 * `init`.
 *
 * @example compareModels(X, y, { linear: { fn: (x, [a, b]) => a + b * x[0], init: [0, 1], prior: [[0, 10], [0, 10]] }, ... })
 */
export function compareModels(X: number[][] | Float64Array, y: Float64Array | number[], models: Record<string, MeanModel>, options: CompareOptions = {}): ComparisonResult {
  const { data, n, d } = toPoints(X, options.dims, "compareModels(X)");
  const y0 = checkTargets(y, n);
  const names = Object.keys(models ?? {});
  if (names.length < 2) throw new RangeError(`compareModels(models): needs at least two named models, got ${names.length}`);
  let yMean = 0;
  for (const v of y0) yMean += v;
  yMean /= n;
  let v2 = 0;
  for (const v of y0) v2 += (v - yMean) ** 2;
  const yScale = Math.sqrt(v2 / n);
  const yy = Float64Array.from(y0, (v) => (v - yMean) / yScale);
  const points = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, i * d + d)));
  const threshold = options.threshold ?? Math.log(20);
  const out: ComparisonResult["models"] = {};
  for (const name of names) {
    const model = models[name];
    const p = model?.init?.length ?? 0;
    if (typeof model?.fn !== "function") throw new TypeError(`compareModels(models.${name}.fn): expected a function (x: number[], params: number[]) => number`);
    if (!Array.isArray(model.prior) || model.prior.length !== p || model.prior.some((pr) => !(pr[1] > 0) || !Number.isFinite(pr[0]))) throw new RangeError(`compareModels(models.${name}.prior): needs one [mean, sd > 0] per parameter (${p})`);
    const meanAt = (phi: ArrayLike<number>): Float64Array => {
      const params = Array.from(phi), m = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let v: number;
        try {
          v = model.fn(points[i], params);
        } catch (e) {
          throw new RangeError(`compareModels(models.${name}.fn): threw at X[${i}] with params [${params.join(", ")}]: ${(e as Error).message}`);
        }
        if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`compareModels(models.${name}.fn): returned ${v} at X[${i}] with params [${params.join(", ")}]`);
        m[i] = (v - yMean) / yScale;
      }
      return m;
    };
    meanAt(model.init);
    const kernel = defaultKernel(options.kernel ?? "rbf", data, n, d, "compareModels"), k = kernel.size, D = k + p;
    const priors = kernel.thetaNames.map((nm, i) => defaultPrior(nm, Math.exp(kernel.theta[i])));
    const alpha = new Float64Array(n), gk = new Float64Array(k);
    // −log posterior over z = (θ, φ) and its gradient; −log likelihood alone when `withPrior` is false
    const negLogPost = (z: Float64Array, g: Float64Array, withPrior: boolean): number => {
      const theta = z.subarray(0, k), phi = z.subarray(k);
      let m: Float64Array;
      try {
        m = meanAt(phi);
      } catch {
        return Infinity; // a trial step outside the mean function's domain
      }
      const r = Float64Array.from(yy, (v, i) => v - m[i]);
      const ll = lmlAndGradient(kernel, theta, gk, data, n, d, r, 1e-10, alpha);
      if (!Number.isFinite(ll)) return Infinity;
      let f = -ll;
      for (let i = 0; i < k; i++) g[i] = -gk[i];
      for (let j = 0; j < p; j++) {
        const h = 1e-6 * Math.max(1, Math.abs(phi[j]));
        const up = Array.from(phi), dn = Array.from(phi);
        up[j] += h;
        dn[j] -= h;
        const mu = meanAt(up), md = meanAt(dn);
        let s = 0;
        for (let i = 0; i < n; i++) s += alpha[i] * (mu[i] - md[i]) / (2 * h);
        g[k + j] = -s;
      }
      if (withPrior) {
        priors.forEach((pr, i) => { const [v, dv] = pr.logDensity(theta[i]); f -= v; g[i] -= dv; });
        model.prior.forEach(([mu, sd], j) => { f += 0.5 * ((phi[j] - mu) / sd) ** 2 + Math.log(sd) + 0.5 * LOG_2PI; g[k + j] += (phi[j] - mu) / sd ** 2; });
      }
      return f;
    };
    const b = kernel.thetaBounds;
    const lower = Float64Array.from({ length: D }, (_, i) => (i < k ? b[2 * i] : -Infinity));
    const upper = Float64Array.from({ length: D }, (_, i) => (i < k ? b[2 * i + 1] : Infinity));
    const rng = new Rng(options.seed ?? 0);
    const starts = [Float64Array.from([...kernel.theta, ...model.init])];
    for (let r = 0; r < (options.restarts ?? 2); r++) starts.push(Float64Array.from([...kernel.theta, ...model.prior.map(([mu, sd]) => mu + sd * rng.normal())]));
    let best: { x: Float64Array; f: number } | null = null;
    for (const s of starts) {
      try {
        const res = minimizeLbfgsb((z, g) => negLogPost(z, g, true), s, { lower, upper });
        if (!best || res.f < best.f) best = res;
      } catch {
        // a start where the mean function or K fails
      }
    }
    if (!best) throw new RangeError(`compareModels(models.${name}): no starting point gives a finite likelihood`);
    const z = best.x;
    const evidence = laplaceLogEvidence((zz, g) => negLogPost(zz, g, true), z, best.f);
    if (typeof evidence === "string") throw new RangeError(`compareModels(models.${name}): ${evidence}`);
    const logEvidence = evidence - n * Math.log(yScale);
    const logLikelihood = -negLogPost(z, new Float64Array(D), false) - n * Math.log(yScale);
    out[name] = { logEvidence, params: Array.from(z.subarray(k)), logLikelihood };
  }
  const order = names.slice().sort((a, c) => out[c].logEvidence - out[a].logEvidence);
  const logBayesFactor = out[order[0]].logEvidence - out[order[1]].logEvidence;
  return { models: out, best: order[0], logBayesFactor, decision: logBayesFactor >= threshold ? order[0] : "undecided" };
}
