/**
 * PDE-FIND: the partial differential equation u_t = Σ ξ_j θ_j(u, u_x, u_xx, …)
 * of a field sampled on a regular grid over time (a profile or a map
 * evolving frame by frame: a concentration, a polarization or a strain map),
 * found by the same sparse regression as SINDy. Every interior grid point of
 * every interior frame is one regression row; the library holds the powers
 * of u (up to `degree`), the spatial derivatives (up to `order`) and their
 * products, named as PySINDy's PDELibrary writes them (`u`, `u_x`, `u_xx`,
 * `u u_x`, `u^2 u_xx`; in 2-D also `u_y`, `u_xy`, `u_yy`).
 *
 * Derivatives: second-order central differences in time (first and last
 * frames dropped) and in space (cells within the stencil's reach of an edge
 * dropped, or wrapped around with `periodic`).
 *
 * References: Rudy, Brunton, Proctor & Kutz, "Data-driven discovery of
 * partial differential equations", Sci. Adv. 3, e1602614 (2017); PySINDy's
 * PDELibrary.
 */
import { Optimizer, OptimizerInfo, stlsq, firstDependentTerm } from "./optimizer";
import { savitzkyGolaySmooth } from "./derivative";
import { EnsembleOptions, EnsembleResult, InformationCriteria, normalEquations, informationCriteria, resolveEnsemble, fitCoefficients, equationText, sumSquares } from "./sindy";
import { LawEvidence, lawEvidence } from "./evidence";

/** A 2-D frame: row-major values, x = column, y = row (the house image convention). */
export interface FieldFrame {
  data: ArrayLike<number>;
  width: number;
  height: number;
}

/** Options of {@link pdeFind}. */
export interface PdeFindOptions {
  /** Time between frames (> 0). */
  dt: number;
  /** Grid spacing along x (columns), > 0; derivatives are per this unit. */
  dx: number;
  /** Grid spacing along y (rows) for 2-D frames (default dx). */
  dy?: number;
  /** Highest power of u in the library (default 2). */
  degree?: number;
  /** Highest spatial derivative order: 1–3 for profiles, 1–2 for maps (default 2). */
  order?: number;
  /** Include the constant term `1` (default false, as PySINDy's PDELibrary). */
  bias?: boolean;
  /** Wrap the spatial stencils around the edges (periodic field) instead of dropping the edge cells (default false). */
  periodic?: boolean;
  /**
   * Savitzky–Golay smoothing of the field before differentiation, along x,
   * y (maps) and time, `window` samples (odd) with polynomial `polyorder`
   * (default 3): for noisy fields. Default none.
   */
  smooth?: { window: number; polyorder?: number };
  /** Name of the field in the equation (default `u`). */
  name?: string;
  /** Shorthand for `stlsq({ threshold, alpha })` (defaults 0.1, 0.05); not together with `optimizer`. */
  threshold?: number;
  alpha?: number;
  optimizer?: Optimizer;
  /** Bag the rows (ensemble): median coefficients, inclusion probabilities, intervals. */
  ensemble?: EnsembleOptions | boolean;
  /** Decimals in `equation` (default 3). */
  precision?: number;
}

/** The identified PDE. */
export interface PdeModel {
  /** Library term names (`u`, `u_xx`, `u u_x`, …), the columns of `coefficients`. */
  featureNames: string[];
  /** One row (the equation of u_t): one coefficient per term. */
  coefficients: number[][];
  /** The equation as text, e.g. `u_t = 0.100 u_xx - 1.000 u u_x`. */
  equations: string[];
  informationCriteria: InformationCriteria;
  /** Bayesian evidence of the kept terms (Zellner g-prior); compare fits with `compareLaws`. */
  evidence: LawEvidence;
  ensemble: EnsembleResult | null;
  warnings: string[];
  options: { dt: number; dx: number; dy: number | null; degree: number; order: number; bias: boolean; periodic: boolean; smooth: { window: number; polyorder: number } | null; frames: number; grid: number[]; rows: number; optimizer: OptimizerInfo; ensemble: EnsembleOptions | null };
}

/** Spatial derivative stencils (offsets and weights before division by h^order), second-order accurate. */
const STENCILS: Record<number, { offsets: number[]; weights: number[] }> = {
  1: { offsets: [-1, 1], weights: [-0.5, 0.5] },
  2: { offsets: [-1, 0, 1], weights: [1, -2, 1] },
  3: { offsets: [-2, -1, 1, 2], weights: [-0.5, 1, -1, 0.5] },
};

/** The field as frames of (ny × nx) values, nx = columns. */
function readFrames(frames: readonly (readonly number[])[] | readonly FieldFrame[]): { data: Float64Array[]; nx: number; ny: number; twoD: boolean } {
  if (!Array.isArray(frames) || frames.length === 0) throw new TypeError("pdeFind(frames): needs a non-empty array of frames (number[] profiles or { data, width, height } maps)");
  const f0 = frames[0] as unknown;
  const twoD = !Array.isArray(f0) && typeof f0 === "object" && f0 !== null && "width" in f0;
  const nx = twoD ? (f0 as FieldFrame).width : (f0 as number[]).length, ny = twoD ? (f0 as FieldFrame).height : 1;
  const data = (frames as readonly unknown[]).map((f, k) => {
    const values = twoD ? (f as FieldFrame).data : (f as number[]);
    if (twoD && ((f as FieldFrame).width !== nx || (f as FieldFrame).height !== ny)) throw new RangeError(`pdeFind(frames): frame ${k} is ${(f as FieldFrame).width}×${(f as FieldFrame).height}, frame 0 is ${nx}×${ny}`);
    if (!values || values.length !== nx * ny) throw new RangeError(`pdeFind(frames): frame ${k} has ${values?.length} values, expected ${nx * ny}`);
    const out = Float64Array.from(values);
    for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i])) throw new RangeError(`pdeFind(frames): frame ${k}, ${twoD ? `x ${i % nx}, y ${Math.floor(i / nx)}` : `x ${i}`} is ${out[i]}; the field must be finite`);
    return out;
  });
  return { data, nx, ny, twoD };
}

/** Savitzky–Golay smoothing of every frame along x (and y), then of every point along time, in place. */
function smoothField(data: Float64Array[], nx: number, ny: number, window: number, polyorder: number): void {
  const nt = data.length, line = (n: number): Float64Array => new Float64Array(n);
  const rowBuf = line(nx), colBuf = line(ny), timeBuf = line(nt);
  for (const u of data) {
    if (nx >= window) for (let y = 0; y < ny; y++) { for (let x = 0; x < nx; x++) rowBuf[x] = u[y * nx + x]; savitzkyGolaySmooth(rowBuf, window, polyorder).forEach((v, x) => { u[y * nx + x] = v; }); }
    if (ny >= window) for (let x = 0; x < nx; x++) { for (let y = 0; y < ny; y++) colBuf[y] = u[y * nx + x]; savitzkyGolaySmooth(colBuf, window, polyorder).forEach((v, y) => { u[y * nx + x] = v; }); }
  }
  if (nt >= window) for (let i = 0; i < nx * ny; i++) { for (let t = 0; t < nt; t++) timeBuf[t] = data[t][i]; savitzkyGolaySmooth(timeBuf, window, polyorder).forEach((v, t) => { data[t][i] = v; }); }
}

/** Derivative-term labels (without the field name) for 1-D or 2-D, up to `order`. */
function derivativeLabels(order: number, twoD: boolean): string[] {
  const out: string[] = [];
  for (let k = 1; k <= order; k++) {
    if (!twoD) { out.push("x".repeat(k)); continue; }
    for (let ny = 0; ny <= k; ny++) out.push("x".repeat(k - ny) + "y".repeat(ny));
  }
  return out;
}

/**
 * Finds the PDE u_t = Θ(u, u_x, …) ξ of a field sampled every `dt` on a
 * grid of spacing `dx` (and `dy`) by sparse regression (PDE-FIND). `frames`:
 * number[][] with one row per frame (a 1-D profile), or maps `{ data, width,
 * height }` (2-D; x = column, y = row). Library: u^a · ∂ for a = 0..degree and
 * ∂ ∈ {1, u_x, u_xx, …} (2-D: u_x, u_y, u_xx, u_xy, u_yy), the constant only
 * with `bias`. Cost O(rows · p²) with rows ≈ frames × grid points.
 * Throws when dt, dx are not > 0, on a non-finite value (frame and position),
 * on fewer than 3 frames, on too small a grid for the stencils, and on
 * collinear terms (named).
 * @example pdeFind(profiles, { dt: 0.05, dx: 0.0625, threshold: 0.05 }).equations // ["u_t = 0.100 u_xx - 1.000 u u_x"]
 */
export function pdeFind(frames: readonly (readonly number[])[] | readonly FieldFrame[], options: PdeFindOptions): PdeModel {
  if (!options || typeof options !== "object") throw new TypeError("pdeFind(frames, options): options { dt, dx, ... } are required");
  const { dt, dx } = options, dy = options.dy ?? dx;
  for (const [k, v] of [["dt", dt], ["dx", dx], ["dy", dy]] as const) if (!(typeof v === "number" && v > 0 && Number.isFinite(v))) throw new RangeError(`pdeFind({ ${k} }): must be a finite number > 0, got ${v}`);
  const degree = options.degree ?? 2, bias = options.bias ?? false, periodic = options.periodic ?? false, name = options.name ?? "u", precision = options.precision ?? 3;
  if (!Number.isInteger(degree) || degree < 0) throw new RangeError(`pdeFind({ degree }): must be an integer >= 0, got ${degree}`);
  if (options.optimizer && (options.threshold !== undefined || options.alpha !== undefined)) throw new RangeError("pdeFind: give either `optimizer` or the shorthand `threshold`/`alpha`, not both");
  const { data, nx, ny, twoD } = readFrames(frames);
  const order = options.order ?? 2;
  if (!Number.isInteger(order) || order < 1 || order > (twoD ? 2 : 3)) throw new RangeError(`pdeFind({ order }): must be an integer in 1..${twoD ? 2 : 3} for ${twoD ? "maps" : "profiles"}, got ${order}`);
  const nt = data.length;
  const smooth = options.smooth ? { window: options.smooth.window, polyorder: options.smooth.polyorder ?? 3 } : null;
  if (smooth) {
    if (nt < smooth.window || nx < smooth.window || (twoD && ny < smooth.window)) throw new RangeError(`pdeFind({ smooth }): the window of ${smooth.window} samples is longer than the field (${twoD ? `${nx}×${ny}` : nx} points, ${nt} frames)`);
    smoothField(data, nx, twoD ? ny : 1, smooth.window, smooth.polyorder);
  }
  if (nt < 3) throw new RangeError(`pdeFind(frames): ${nt} frames; the time derivative needs at least 3`);
  const reach = order === 3 ? 2 : 1;
  const xs: number[] = [], ys: number[] = [];
  for (let x = periodic ? 0 : reach; x < (periodic ? nx : nx - reach); x++) xs.push(x);
  for (let y = periodic || !twoD ? 0 : reach; y < (periodic || !twoD ? ny : ny - reach); y++) ys.push(y);
  if (xs.length === 0 || ys.length === 0) throw new RangeError(`pdeFind(frames): a ${nx}×${ny} grid leaves no interior points for derivatives of order ${order}`);
  const rows = (nt - 2) * xs.length * ys.length;
  // derivative columns, one per label, at every row (interior frame, interior point)
  const labels = derivativeLabels(order, twoD);
  const wrap = (i: number, n: number): number => (periodic ? ((i % n) + n) % n : i);
  const at = (u: Float64Array, x: number, y: number): number => u[wrap(y, ny) * nx + wrap(x, nx)];
  // each derivative as one flat stencil: offsets (ox, oy) and weights already divided by dx^kx dy^ky
  const stencils = labels.map((label) => {
    const kx = label.split("x").length - 1, ky = label.length - kx;
    const sx = STENCILS[kx] ?? { offsets: [0], weights: [1] }, sy = STENCILS[ky] ?? { offsets: [0], weights: [1] };
    const ox: number[] = [], oy: number[] = [], w: number[] = [];
    sx.offsets.forEach((a, i) => sy.offsets.forEach((b, j) => { ox.push(a); oy.push(b); w.push((sx.weights[i] * sy.weights[j]) / (dx ** kx * dy ** ky)); }));
    return { ox, oy, w };
  });
  const deriv = (u: Float64Array, x: number, y: number, j: number): number => {
    const { ox, oy, w } = stencils[j];
    let s = 0;
    for (let i = 0; i < w.length; i++) s += w[i] * at(u, x + ox[i], y + oy[i]);
    return s;
  };
  const U = new Float64Array(rows), Ut = new Float64Array(rows), D = labels.map(() => new Float64Array(rows));
  let r = 0;
  for (let t = 1; t < nt - 1; t++) for (const y of ys) for (const x of xs) {
    const u = data[t];
    U[r] = u[y * nx + x];
    Ut[r] = (data[t + 1][y * nx + x] - data[t - 1][y * nx + x]) / (2 * dt);
    for (let j = 0; j < labels.length; j++) D[j][r] = deriv(u, x, y, j);
    r++;
  }
  // library: u^a · ∂ (∂ = 1 or a derivative), PySINDy's PDELibrary order: powers of u, derivatives, then the products
  // derivative by derivative (u u_x, u^2 u_x, u u_xx, …)
  const featureNames: string[] = [], theta: Float64Array[] = [];
  const power = (a: number): string => (a === 1 ? name : `${name}^${a}`);
  if (bias) { featureNames.push("1"); theta.push(new Float64Array(rows).fill(1)); }
  for (let a = 1; a <= degree; a++) { featureNames.push(power(a)); theta.push(U.map((v) => v ** a)); }
  labels.forEach((l, j) => { featureNames.push(`${name}_${l}`); theta.push(D[j]); });
  labels.forEach((l, j) => { for (let a = 1; a <= degree; a++) { featureNames.push(`${power(a)} ${name}_${l}`); theta.push(D[j].map((v, i) => v * U[i] ** a)); } });
  const p = theta.length;
  if (rows <= p) throw new RangeError(`pdeFind(frames): ${rows} grid points × frames for ${p} library terms; need more`);
  const targets = [Ut];
  const full = normalEquations(theta, targets, null);
  const dep = firstDependentTerm(full);
  if (dep) {
    const others = dep.combination.map((j) => featureNames[j]);
    throw new RangeError(`pdeFind: collinear library terms: ${featureNames[dep.term]} is ${others.length ? `(numerically) a linear combination of ${others.join(", ")}` : "zero everywhere"} on this field; use a smaller degree or order`);
  }
  const optimizer = options.optimizer ?? stlsq({ threshold: options.threshold, alpha: options.alpha });
  const warnings: string[] = [];
  const ens = resolveEnsemble(options.ensemble, rows, "pdeFind");
  const { xi, ensemble } = fitCoefficients(theta, targets, full, optimizer, ens, warnings);
  return {
    featureNames,
    coefficients: xi.map((c) => Array.from(c)),
    equations: [equationText(`${name}_t`, xi[0], featureNames, precision)],
    informationCriteria: informationCriteria(theta, targets, xi),
    evidence: lawEvidence(full, sumSquares(targets), rows, xi, [`${name}_t`]),
    ensemble,
    warnings,
    options: { dt, dx, dy: twoD ? dy : null, degree, order, bias, periodic, smooth, frames: nt, grid: twoD ? [nx, ny] : [nx], rows, optimizer: optimizer.info, ensemble: ens },
  };
}
