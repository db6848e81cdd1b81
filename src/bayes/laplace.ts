/**
 * The Laplace approximation of a model's evidence (MacKay, Information
 * Theory, Inference and Learning Algorithms, 2003, ch. 27–28): at the mode ẑ
 * of the log posterior over D unconstrained coordinates,
 * log Z ≈ log p(y, ẑ) + (D/2) log 2π − ½ log det H, H the Hessian of
 * −log p(y, z) by central differences of its analytic gradient.
 * Cost: 2D gradient evaluations.
 */
import { cholesky } from "../core";

const LOG_2PI = Math.log(2 * Math.PI);

/** −log p(y, z) at z, its gradient written to g (Infinity outside the support). */
export type NegLogJoint = (z: Float64Array, g: Float64Array) => number;

/**
 * Laplace log evidence at the mode `z` (where f = negLogJoint(z)); a string
 * naming the reason when H is not positive definite (the mode is not a
 * strict maximum: a parameter at a bound or not identified by the data).
 * @internal
 */
export function laplaceLogEvidence(negLogJoint: NegLogJoint, z: Float64Array, f: number): number | string {
  const D = z.length, H = new Float64Array(D * D), gp = new Float64Array(D), gm = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    const h = 1e-4 * Math.max(1, Math.abs(z[j]));
    const up = Float64Array.from(z), dn = Float64Array.from(z);
    up[j] += h;
    dn[j] -= h;
    if (!Number.isFinite(negLogJoint(up, gp)) || !Number.isFinite(negLogJoint(dn, gm))) return `the log posterior is not finite next to the mode (coordinate ${j})`;
    for (let i = 0; i < D; i++) H[i * D + j] = (gp[i] - gm[i]) / (2 * h);
  }
  for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) H[i * D + j] = H[j * D + i] = 0.5 * (H[i * D + j] + H[j * D + i]);
  if (cholesky(H, D) >= 0) return "the posterior mode is not a strict maximum (Hessian not positive definite; a parameter at a bound or unidentified), so the Laplace evidence is undefined";
  let logDet = 0;
  for (let i = 0; i < D; i++) logDet += 2 * Math.log(H[i * D + i]);
  return -f + 0.5 * D * LOG_2PI - 0.5 * logDet;
}
