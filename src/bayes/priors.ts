/**
 * Priors of hyperparameters and of a structured GP's mean-function
 * parameters, each evaluated in the unconstrained coordinate θ where NUTS
 * samples and L-BFGS searches: θ = log v for a positive value (logNormal,
 * halfNormal), θ = v for a real one (normal), θ = logit((v − lo)/(hi − lo))
 * for a bounded one (uniform). Each log-density includes the Jacobian of
 * v(θ), as NumPyro does for its constrained distributions. GPax
 * (`gpax/models/gp.py`) puts log-normal priors on lengthscales and signal
 * variance and a half-normal on the noise; these are the defaults of
 * `gaussianProcess(..., { inference: "nuts" })`.
 */
import { normCdf } from "../core/special";

/** Where a prior's value lives and how θ maps to it: "positive" (v = e^θ), "real" (v = θ), "interval" (v = lo + (hi − lo)·sigmoid θ). */
export type PriorSupport = "positive" | "real" | "interval";

/** A prior on one value v: its log-density as a function of the unconstrained θ (Jacobian included) and its derivative. */
export interface Prior {
  readonly description: string;
  readonly support: PriorSupport;
  /** [log p(θ), d log p(θ)/dθ]. */
  logDensity(theta: number): [number, number];
  /** One draw of θ from standard normal draws. */
  sample(normal: () => number): number;
  /** v(θ). */
  toValue(theta: number): number;
  /** θ(v); a RangeError for v outside the support. */
  toTheta(value: number): number;
  /** θ of the prior's median (a starting point). */
  readonly center: number;
}

function checkPositive(what: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${what}: value must be positive and finite, got ${v}`);
  return Math.log(v);
}
const exp = (t: number): number => Math.exp(t);

/** log v ~ Normal(mu, sigma): v is log-normal with median e^mu. */
export function logNormal(mu: number, sigma: number): Prior {
  if (!Number.isFinite(mu) || !(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`logNormal(mu, sigma): needs finite mu and sigma > 0, got ${mu}, ${sigma}`);
  const c = -Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
  const description = `LogNormal(${+mu.toPrecision(4)}, ${+sigma.toPrecision(4)})`;
  return {
    description,
    support: "positive",
    logDensity: (t) => [c - (0.5 * (t - mu) ** 2) / sigma ** 2, -(t - mu) / sigma ** 2],
    sample: (normal) => mu + sigma * normal(),
    toValue: exp,
    toTheta: (v) => checkPositive(description, v),
    center: mu,
  };
}

/** v ~ HalfNormal(scale): density ∝ exp(−v²/(2 scale²)) on v > 0. */
export function halfNormal(scale: number): Prior {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`halfNormal(scale): needs scale > 0, got ${scale}`);
  const c = 0.5 * Math.log(2 / Math.PI) - Math.log(scale);
  const description = `HalfNormal(${+scale.toPrecision(4)})`;
  return {
    description,
    support: "positive",
    logDensity: (t) => {
      const v2 = Math.exp(2 * t) / scale ** 2;
      return [c - 0.5 * v2 + t, 1 - v2];
    },
    sample: (normal) => Math.log(Math.abs(scale * normal()) || Number.MIN_VALUE),
    toValue: exp,
    toTheta: (v) => checkPositive(description, v),
    center: Math.log(0.6744897501960817 * scale),
  };
}

/** v ~ Normal(mu, sigma) on the real line (θ = v): for mean-function parameters of either sign. */
export function normal(mu: number, sigma: number): Prior {
  if (!Number.isFinite(mu) || !(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`normal(mu, sigma): needs finite mu and sigma > 0, got ${mu}, ${sigma}`);
  const c = -Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
  const description = `Normal(${+mu.toPrecision(4)}, ${+sigma.toPrecision(4)})`;
  return {
    description,
    support: "real",
    logDensity: (t) => [c - (0.5 * (t - mu) ** 2) / sigma ** 2, -(t - mu) / sigma ** 2],
    sample: (nrm) => mu + sigma * nrm(),
    toValue: (t) => t,
    toTheta: (v) => {
      if (!Number.isFinite(v)) throw new RangeError(`${description}: value must be finite, got ${v}`);
      return v;
    },
    center: mu,
  };
}

/** v ~ Uniform(lo, hi), sampled as θ = logit((v − lo)/(hi − lo)) (log-density of θ: log s(1 − s), s = sigmoid θ). */
export function uniform(lo: number, hi: number): Prior {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) throw new RangeError(`uniform(lo, hi): needs finite lo < hi, got ${lo}, ${hi}`);
  const description = `Uniform(${+lo.toPrecision(4)}, ${+hi.toPrecision(4)})`;
  const sigmoid = (t: number): number => 1 / (1 + Math.exp(-t));
  return {
    description,
    support: "interval",
    // log s(1 − s) = −|θ| − 2 log(1 + e^−|θ|), stable for large |θ|
    logDensity: (t) => [-Math.abs(t) - 2 * Math.log1p(Math.exp(-Math.abs(t))), 1 - 2 * sigmoid(t)],
    sample: (nrm) => {
      // Φ(z) of a standard normal draw is uniform on (0, 1)
      const s = Math.min(1 - 1e-12, Math.max(1e-12, normCdf(nrm())));
      return Math.log(s / (1 - s));
    },
    toValue: (t) => lo + (hi - lo) * sigmoid(t),
    toTheta: (v) => {
      if (!(v > lo && v < hi)) throw new RangeError(`${description}: value must lie strictly inside (${lo}, ${hi}), got ${v}`);
      const s = (v - lo) / (hi - lo);
      return Math.log(s / (1 - s));
    },
    center: 0,
  };
}
