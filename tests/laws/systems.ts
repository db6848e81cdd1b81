// Ground-truth dynamical systems for the SINDy tests and the bench: RK4
// integration (our own, 10 substeps per sample) and seeded Gaussian noise.
import { Rng } from "../../src/core";

export type Rhs = (x: readonly number[]) => number[];

/** Integrates dx/dt = f(x) from x0 by classical RK4, `substeps` steps per sample interval dt; n samples (rows). */
export function integrate(f: Rhs, x0: readonly number[], dt: number, n: number, substeps = 10): number[][] {
  const rows: number[][] = [x0.slice()];
  let x = x0.slice();
  const h = dt / substeps;
  const add = (a: readonly number[], b: readonly number[], s: number): number[] => a.map((v, i) => v + s * b[i]);
  for (let i = 1; i < n; i++) {
    for (let s = 0; s < substeps; s++) {
      const k1 = f(x), k2 = f(add(x, k1, h / 2)), k3 = f(add(x, k2, h / 2)), k4 = f(add(x, k3, h));
      x = x.map((v, j) => v + (h / 6) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]));
    }
    rows.push(x.slice());
  }
  return rows;
}

/** Adds Gaussian noise of standard deviation `level` × (standard deviation of each state) to every sample. */
export function addNoise(X: readonly number[][], level: number, seed: number): number[][] {
  if (level === 0) return X.map((r) => r.slice());
  const d = X[0].length, n = X.length, r = new Rng(seed);
  const sd = Array.from({ length: d }, (_, v) => {
    let m = 0, s = 0;
    for (const row of X) m += row[v];
    m /= n;
    for (const row of X) s += (row[v] - m) ** 2;
    return Math.sqrt(s / n);
  });
  return X.map((row) => row.map((v, j) => v + r.normal(0, level * sd[j])));
}

/** Lorenz (σ = 10, ρ = 28, β = 8/3) from (-8, 8, 27): n samples every dt. */
export const lorenz: Rhs = ([x, y, z]) => [10 * (y - x), x * (28 - z) - y, x * y - (8 / 3) * z];
/** Lotka–Volterra x0' = x0 − 0.5 x0 x1, x1' = −1.5 x1 + 0.75 x0 x1 (equilibrium (2, 2)). */
export const lotkaVolterra: Rhs = ([x, y]) => [1.0 * x - 0.5 * x * y, -1.5 * y + 0.75 * x * y];
/** Damped harmonic oscillator x' = v, v' = −ω² x − 2ζω v with ω = 2, ζ = 0.1: x' = v, v' = −4 x − 0.4 v. */
export const dampedOscillator: Rhs = ([x, v]) => [v, -4 * x - 0.4 * v];

/** True coefficient of every non-zero term, by state and term name (degree-2 polynomial names). */
export const LORENZ_TRUE: Record<string, number>[] = [
  { x0: -10, x1: 10 },
  { x0: 28, x1: -1, "x0 x2": -1 },
  { x2: -8 / 3, "x0 x1": 1 },
];
export const LV_TRUE: Record<string, number>[] = [
  { x0: 1, "x0 x1": -0.5 },
  { x1: -1.5, "x0 x1": 0.75 },
];
export const OSC_TRUE: Record<string, number>[] = [
  { x1: 1 },
  { x0: -4, x1: -0.4 },
];

/**
 * A 1-D periodic field u(x, t) of u_t = f(u, u_x, u_xx), integrated by the method of lines on a grid twice as fine as
 * the one returned (second-order central differences, RK4 with step h), sampled every dt for `frames` frames and
 * every other grid point: frames of nx points, spacing dx = length / nx.
 */
export function periodicField(f: (u: number, ux: number, uxx: number) => number, u0: (x: number) => number, options: { length: number; nx: number; dt: number; frames: number; h: number; x0: number }): number[][] {
  const { length, nx, dt, frames, h, x0 } = options;
  const n = 2 * nx, d = length / n, steps = Math.round(dt / h);
  let u = Float64Array.from({ length: n }, (_, i) => u0(x0 + i * d));
  const rhs = (v: Float64Array): Float64Array => v.map((ui, i) => {
    const l = v[(i - 1 + n) % n], r = v[(i + 1) % n];
    return f(ui, (r - l) / (2 * d), (r - 2 * ui + l) / (d * d));
  });
  const out: number[][] = [];
  for (let k = 0; k < frames; k++) {
    out.push(Array.from({ length: nx }, (_, i) => u[2 * i]));
    for (let s = 0; s < steps; s++) {
      const k1 = rhs(u), k2 = rhs(u.map((v, i) => v + (h / 2) * k1[i])), k3 = rhs(u.map((v, i) => v + (h / 2) * k2[i])), k4 = rhs(u.map((v, i) => v + h * k3[i]));
      u = u.map((v, i) => v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
    }
  }
  return out;
}
