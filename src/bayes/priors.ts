/**
 * Priors on positive hyperparameters, evaluated in the log space θ = log v
 * where NUTS samples (each log-density includes the Jacobian of v = e^θ).
 * GPax (`gpax/models/gp.py`) puts log-normal priors on lengthscales and
 * signal variance and a half-normal on the noise; these are the defaults
 * of `gaussianProcess(..., { inference: "nuts" })`.
 */

/** A prior on a positive value v: its log-density as a function of θ = log v (Jacobian included) and its derivative. */
export interface Prior {
  readonly description: string;
  /** log p(θ) + its derivative written to grad[0]. */
  logDensity(theta: number): [number, number];
  /** One draw of θ. */
  sample(normal: () => number): number;
}

/** log v ~ Normal(mu, sigma): v is log-normal with median e^mu. */
export function logNormal(mu: number, sigma: number): Prior {
  if (!Number.isFinite(mu) || !(sigma > 0) || !Number.isFinite(sigma)) throw new RangeError(`logNormal(mu, sigma): needs finite mu and sigma > 0, got ${mu}, ${sigma}`);
  const c = -Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
  return {
    description: `LogNormal(${+mu.toPrecision(4)}, ${+sigma.toPrecision(4)})`,
    logDensity: (t) => [c - (0.5 * (t - mu) ** 2) / sigma ** 2, -(t - mu) / sigma ** 2],
    sample: (normal) => mu + sigma * normal(),
  };
}

/** v ~ HalfNormal(scale): density ∝ exp(−v²/(2 scale²)) on v > 0. */
export function halfNormal(scale: number): Prior {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`halfNormal(scale): needs scale > 0, got ${scale}`);
  const c = 0.5 * Math.log(2 / Math.PI) - Math.log(scale);
  return {
    description: `HalfNormal(${+scale.toPrecision(4)})`,
    logDensity: (t) => {
      const v2 = Math.exp(2 * t) / scale ** 2;
      return [c - 0.5 * v2 + t, 1 - v2];
    },
    sample: (normal) => Math.log(Math.abs(scale * normal()) || Number.MIN_VALUE),
  };
}
