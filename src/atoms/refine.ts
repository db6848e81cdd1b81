/**
 * Sub-pixel refinement of atomic-column positions: iterated centre of mass,
 * and Levenberg–Marquardt fitting of 2-D elliptical (rotated) Gaussians, with
 * overlapping neighbours fitted jointly and the tails of the other
 * neighbours subtracted (block Gauss–Seidel), and per-atom uncertainties
 * from the inverse Fisher/normal matrix.
 *
 * Model of one column (pixel centres at integers, x = column, y = row):
 *   g(x, y) = A · exp(−½ [a·dx² + 2b·dx·dy + c·dy²]),  dx = x − x0, dy = y − y0,
 * i.e. a Gaussian whose inverse covariance is [[a, b], [b, c]]; this
 * parameterisation has no singularity at circular columns (unlike σx, σy, θ).
 * The window model adds a constant background, or optionally a plane
 * b0 + bx·x + by·y (columns on a sloping support, e.g. a nanoparticle). Weights: 1 (least squares)
 * or 1/μ (Poisson: iteratively reweighted least squares ≡ Fisher scoring for
 * the Poisson likelihood, which reaches the Cramér–Rao bound asymptotically).
 * LM: K. Levenberg 1944, D. Marquardt 1963 (multiplicative damping of the
 * diagonal, as MINPACK). Atomap fits one column at a time with a circular or
 * elliptical Gaussian (M. Nord et al., Adv. Struct. Chem. Imag. 3, 9, 2017).
 */
import { cholesky, choleskySolve, invertSPD } from "../core/linalg";
import { quickselect } from "../core/select";
import type { Image } from "../image/image";

/** Pixels of an image with a validity mask (non-finite pixels have valid = 0). */
export interface PixelSource {
  data: Float32Array;
  width: number;
  height: number;
  valid: Uint8Array | null;
}

/**
 * Pixel noise for uncertainty propagation: Var(pixel) = max(gain · value, floor).
 * Poisson counts: gain 1, floor 1; counts recorded in detector units: gain =
 * units per count; uniform Gaussian noise of sd s: gain 0, floor s².
 */
export interface PixelNoise {
  gain: number;
  floor: number;
}

/**
 * Iterated centre of mass in a disk of radius `radius[i]` around each start
 * position, on intensities minus the window's minimum. Stops after
 * `iterations` or when the shift is below 0.001 px. Returns new arrays.
 *
 * Uncertainty (1 sd, px): the pixel noise propagated to first order through
 * x̂ = Σ vₖxₖ / Σ vₖ (vₖ = pixel − window minimum) in the final window:
 * Var(x̂) = Σ (xₖ − x̂)² Var(pixelₖ) / (Σ vₖ)², likewise y, with Var(pixel)
 * from `noise`. The minimum's own noise drops out to first order (its derivative is
 * Σ (xₖ − x̂) / Σ vₖ, ≈ 0 for a window centred on x̂); bias from truncation
 * or neighbours' tails is not included. NaN where the window sum is not positive.
 */
export function refineCenterOfMass(src: PixelSource, x0: ArrayLike<number>, y0: ArrayLike<number>, radius: ArrayLike<number>, noise: PixelNoise, iterations = 10): { x: Float64Array; y: Float64Array; uncX: Float64Array; uncY: Float64Array } {
  const { data, width: w, height: h, valid } = src;
  const n = x0.length;
  const X = Float64Array.from(x0), Y = Float64Array.from(y0);
  const uncX = new Float64Array(n).fill(NaN), uncY = new Float64Array(n).fill(NaN);
  const { gain, floor } = noise;
  for (let i = 0; i < n; i++) {
    const r = radius[i];
    for (let it = 0; it < iterations; it++) {
      const cx = X[i], cy = Y[i];
      const xa = Math.max(0, Math.ceil(cx - r)), xb = Math.min(w - 1, Math.floor(cx + r));
      const ya = Math.max(0, Math.ceil(cy - r)), yb = Math.min(h - 1, Math.floor(cy + r));
      let mn = Infinity;
      for (let y = ya; y <= yb; y++) for (let x = xa; x <= xb; x++) {
        const k = y * w + x;
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r && (!valid || valid[k]) && data[k] < mn) mn = data[k];
      }
      // Raw moments about the window centre: Σv, Σv·dx, Σv·dy, and ΣV, ΣV·dx, ΣV·dx², … of the pixel variances V.
      let s = 0, sx = 0, sy = 0, q = 0, qx = 0, qy = 0, qxx = 0, qyy = 0;
      for (let y = ya; y <= yb; y++) for (let x = xa; x <= xb; x++) {
        const k = y * w + x;
        if ((x - cx) ** 2 + (y - cy) ** 2 > r * r || (valid && !valid[k])) continue;
        const v = data[k] - mn, dx = x - cx, dy = y - cy;
        s += v; sx += v * dx; sy += v * dy;
        const V = Math.max(gain * data[k], floor);
        q += V; qx += V * dx; qy += V * dy; qxx += V * dx * dx; qyy += V * dy * dy;
      }
      if (!(s > 0)) break;
      const ox = sx / s, oy = sy / s;
      // Σ V (d − ô)² = Σ V d² − 2 ô Σ V d + ô² Σ V.
      uncX[i] = Math.sqrt(Math.max(0, qxx - 2 * ox * qx + ox * ox * q)) / s;
      uncY[i] = Math.sqrt(Math.max(0, qyy - 2 * oy * qy + oy * oy * q)) / s;
      X[i] = cx + ox; Y[i] = cy + oy;
      if (Math.hypot(ox, oy) < 1e-3) break;
    }
  }
  return { x: X, y: Y, uncX, uncY };
}

/** Current Gaussian parameters of every atom (mutable working state). */
export interface GaussianState {
  x: Float64Array;
  y: Float64Array;
  amp: Float64Array;
  pa: Float64Array;
  pb: Float64Array;
  pc: Float64Array;
  bg: Float64Array;
  uncX: Float64Array;
  uncY: Float64Array;
  converged: Uint8Array;
  fitted: Uint8Array;
}

/** Options of {@link fitGaussians}. */
export interface GaussianFitOptions {
  /** Fit window radius per atom (pixels). */
  radius: Float64Array;
  /** Atoms closer than this (pixels) are fitted jointly (union-find groups, at most `maxGroup`). */
  jointDistance: number;
  /** Largest jointly fitted group (default 6). */
  maxGroup?: number;
  /** "poisson" (weights 1/μ) or "uniform". */
  weights: "poisson" | "uniform";
  /** Gauss–Seidel sweeps: atoms whose window holds a neighbour's tail are re-fitted in later sweeps (default 2). */
  sweeps?: number;
  /** Fit elliptical Gaussians (default true); false fixes b = 0, a = c (circular). */
  elliptical?: boolean;
  /** Window background: "constant" (default) or "plane" (b0 + bx·x + by·y; for sloping supports, costs some precision). */
  background?: "constant" | "plane";
  /** Max LM iterations per group (default 25). */
  maxIterations?: number;
}

/**
 * Value of atom k's Gaussian at (x, y) from the state (0 beyond q = 60, where
 * it is below e⁻³⁰ of the amplitude).
 */
function gaussAt(s: GaussianState, k: number, x: number, y: number): number {
  const dx = x - s.x[k], dy = y - s.y[k];
  const q = s.pa[k] * dx * dx + 2 * s.pb[k] * dx * dy + s.pc[k] * dy * dy;
  return q > 60 ? 0 : s.amp[k] * Math.exp(-0.5 * q);
}

/**
 * Smallest quadratic form a·dx² + 2b·dx·dy + c·dy² of atom k over a disk of
 * radius r about (x, y): the smaller eigenvalue of [[a, b], [b, c]] times the
 * squared distance from atom k to the disk (0 when the disk holds it).
 */
function minQuadForm(s: GaussianState, k: number, x: number, y: number, r: number): number {
  const d = Math.max(0, Math.hypot(x - s.x[k], y - s.y[k]) - r);
  const a = s.pa[k], b = s.pb[k], c = s.pc[k];
  return Math.max(0, 0.5 * (a + c) - Math.hypot(0.5 * (a - c), b)) * d * d;
}

/** Growable scratch arrays of the group fits (no allocation inside the LM loop). */
class FitScratch {
  px = new Float64Array(1024); py = new Float64Array(1024); pv = new Float64Array(1024); tl = new Float64Array(1024);
  /** exp(−q/2) of every member at every pixel: at the current parameters, and at the trial. */
  E = new Float64Array(1024); Et = new Float64Array(1024);
  H = new Float64Array(64); Hd = new Float64Array(64); L = new Float64Array(64);
  g = new Float64Array(8); J = new Float64Array(8); delta = new Float64Array(8); trial = new Float64Array(8); z = new Float64Array(8); p = new Float64Array(8);
  pixels(n: number): void {
    if (n <= this.px.length) return;
    const grow = (a: Float64Array) => { const b = new Float64Array(2 * n); b.set(a); return b; };
    this.px = grow(this.px); this.py = grow(this.py); this.pv = grow(this.pv); this.tl = grow(this.tl);
  }
  group(npx: number, m: number, P: number): void {
    if (npx * m > this.E.length) { this.E = new Float64Array(2 * npx * m); this.Et = new Float64Array(2 * npx * m); }
    if (P * P > this.H.length) { this.H = new Float64Array(P * P); this.Hd = new Float64Array(P * P); this.L = new Float64Array(P * P); }
    if (P > this.g.length) { this.g = new Float64Array(P); this.J = new Float64Array(P); this.delta = new Float64Array(P); this.trial = new Float64Array(P); this.z = new Float64Array(P); this.p = new Float64Array(P); }
  }
}

/**
 * LM steps stop when the accepted step's length in the metric of the Hessian
 * (the observed information; JᵀWJ in Gauss–Newton steps), in units of the
 * fit's standard deviation (√(δᵀ·H·δ / s²), s² = χ²/(n − P)), is below this: every parameter then moves by under 1 % of
 * its 1-sd uncertainty, and with the Newton steps' quadratic convergence the
 * distance left to the optimum is smaller still.
 */
const STEP_SD = 0.01;

/**
 * A group whose every member has left its column (major-axis σ above the
 * window radius, or centre moved by more than half the radius from its start)
 * after this many consecutive accepted steps is abandoned, not converged:
 * such fits model the background (weak columns on a nanoparticle's thickness
 * profile) and `findAtoms` replaces them by the centre of mass. On the Au
 * nanoparticle image 59 of 133 fits end so, after 25 steps; 2 of those
 * abandoned at 6 steps would have come back.
 */
const LEFT_STEPS = 6;

/**
 * Whether a fitted Gaussian has left its column: its major-axis σ exceeds the
 * window radius, or its centre (x, y) moved by more than half the radius from
 * the start (x0, y0). (a, b, c): the precision matrix [[a, b], [b, c]] (px⁻²).
 * Used while fitting (see {@link LEFT_STEPS}) and by `findAtoms`, which keeps
 * the centre of mass for such fits.
 */
export function leftColumn(x: number, y: number, a: number, b: number, c: number, x0: number, y0: number, radius: number): boolean {
  const lmin = 0.5 * (a + c) - Math.hypot(0.5 * (a - c), b);
  return !(lmin > 0 && 1 / Math.sqrt(lmin) <= radius && Math.hypot(x - x0, y - y0) <= 0.5 * radius);
}

/**
 * Fit Gaussians to every atom, in place on `state` (which holds the start
 * values). `neighbors(i)` lists the atoms whose tails may reach atom i's
 * window. Returns the number of LM fits performed.
 *
 * Each group minimises the negative Poisson log-likelihood of the window
 * pixels y given the model μ (plus the neighbours' subtracted tails τ):
 * Σ (μ + τ) − y·log(μ + τ), continued below μ + τ = 1 count by ½(y − μ − τ)²
 * (weights 1/max(μ + τ, 1)), or ½ Σ (y − μ)² for uniform weights.
 * Levenberg–Marquardt steps: Gauss–Newton (matrix JᵀWJ) until a step is
 * within 1 sd, then Newton on the exact Hessian Σ f″·JJᵀ + Σ f′·∇²μ
 * (analytic second derivatives of the Gaussian; Gauss–Newton again in a step
 * where it is not positive definite). Gauss–Newton alone converges only
 * linearly where the columns are not exactly Gaussian (large residuals):
 * 15 iterations per column on average on the SrTiO3 HAADF EMD, 13 % of the
 * fits still moving after 25 (with Newton: 5–7). Stops: {@link STEP_SD},
 * {@link LEFT_STEPS}. One exp per pixel and member per trial, reused for the
 * derivatives once the trial is accepted.
 */
export function fitGaussians(src: PixelSource, state: GaussianState, neighbors: (i: number) => number[], opts: GaussianFitOptions): number {
  const n = state.x.length;
  const { data, width: w, height: h, valid } = src;
  const maxGroup = opts.maxGroup ?? 6;
  const ell = opts.elliptical !== false;
  const maxIt = opts.maxIterations ?? 25;
  const poisson = opts.weights === "poisson";
  const plane = opts.background === "plane";
  // Joint groups: union-find over pairs closer than jointDistance.
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => { while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; } return i; };
  const size = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) for (const j of neighbors(i)) {
    if (j <= i) continue;
    if (Math.hypot(state.x[i] - state.x[j], state.y[i] - state.y[j]) < opts.jointDistance) {
      const a = find(i), b = find(j);
      if (a !== b && size[a] + size[b] <= maxGroup) { parent[b] = a; size[a] += size[b]; }
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) { const r = find(i); let g = groups.get(r); if (!g) groups.set(r, (g = [])); g.push(i); }
  // Brightest groups first, so that dimmer columns see their bright neighbours' fitted tails.
  const groupList = [...groups.values()].sort((g1, g2) => Math.max(...g2.map((i) => state.amp[i])) - Math.max(...g1.map((i) => state.amp[i])));
  // Which groups have other atoms' tails in their windows (those need another sweep).
  const sweeps = opts.sweeps ?? 2;
  let fits = 0;
  let todo = groupList;
  const stamp = new Int32Array(w * h);
  let stampId = 0;
  const S = new FitScratch();
  const stride = ell ? 6 : 4, NB = plane ? 3 : 1;
  for (let sweep = 0; sweep < sweeps && todo.length; sweep++) {
    const next: number[][] = [];
    for (const G of todo) {
      const m = G.length, P = NB + stride * m;
      // Pixel set: union of the members' disks.
      let npx = 0;
      stampId++;
      for (const i of G) {
        const r = opts.radius[i], cx = state.x[i], cy = state.y[i];
        const xa = Math.max(0, Math.ceil(cx - r)), xb = Math.min(w - 1, Math.floor(cx + r));
        const ya = Math.max(0, Math.ceil(cy - r)), yb = Math.min(h - 1, Math.floor(cy + r));
        S.pixels(npx + (xb - xa + 1) * (yb - ya + 1));
        const { px, py, pv, tl } = S;
        for (let y = ya; y <= yb; y++) for (let x = xa; x <= xb; x++) {
          const k = y * w + x;
          if ((x - cx) ** 2 + (y - cy) ** 2 > r * r || stamp[k] === stampId || (valid && !valid[k])) continue;
          stamp[k] = stampId;
          px[npx] = x; py[npx] = y; pv[npx] = data[k]; tl[npx] = 0; npx++;
        }
      }
      const { px, py, pv, tl } = S;
      // Another sweep only where a neighbour's tail exceeds 5 % of this group's peak.
      let tailCut = Infinity;
      for (const i of G) tailCut = Math.min(tailCut, 0.05 * state.amp[i]);
      // Neighbours whose Gaussian reaches some member's disk with q ≤ 60 (beyond, gaussAt is 0).
      const others: number[] = [];
      for (const i of G) for (const j of neighbors(i)) {
        if (G.includes(j) || others.includes(j)) continue;
        if (G.some((k) => minQuadForm(state, j, state.x[k], state.y[k], opts.radius[k]) <= 60)) others.push(j);
      }
      let tails = false;
      if (others.length) {
        for (let t = 0; t < npx; t++) {
          let s = 0;
          for (const j of others) s += gaussAt(state, j, px[t], py[t]);
          if (s > 0) { pv[t] -= s; tl[t] = s; if (s > tailCut) tails = true; }
        }
      }
      if (npx <= P + 2) { for (const i of G) { state.converged[i] = 0; } continue; }
      S.group(npx, m, P);
      const { H, Hd, L, g, J, delta, trial, z } = S;
      // Parameter vector: [bg, (x, y, A, a, b, c) | (x, y, A, a)].
      const p = S.p;
      p[0] = state.bg[G[0]];
      // Plane background b0 + bx·(x − gx) + by·(y − gy) about the group centroid.
      let gx = 0, gy = 0;
      for (const i of G) { gx += state.x[i] / m; gy += state.y[i] / m; }
      if (plane) { p[1] = 0; p[2] = 0; }
      G.forEach((i, k) => {
        const o = NB + stride * k;
        p[o] = state.x[i]; p[o + 1] = state.y[i]; p[o + 2] = state.amp[i];
        if (ell) { p[o + 3] = state.pa[i]; p[o + 4] = state.pb[i]; p[o + 5] = state.pc[i]; }
        else p[o + 3] = 0.5 * (state.pa[i] + state.pc[i]);
      });
      const x0 = G.map((i) => state.x[i]), y0 = G.map((i) => state.y[i]), rad = G.map((i) => opts.radius[i]);
      const okParams = (q: Float64Array): boolean => {
        for (let k = 0; k < m; k++) {
          const o = NB + stride * k;
          if (!(q[o + 2] > 0)) return false;
          const a = q[o + 3], b = ell ? q[o + 4] : 0, c = ell ? q[o + 5] : a;
          if (!(a > 0 && c > 0 && a * c - b * b > 0)) return false;
          // σ between 0.25 px and the window radius.
          if (a > 16 || c > 16 || 1 / Math.sqrt(a) > 1.5 * rad[k] + 1 || 1 / Math.sqrt(c) > 1.5 * rad[k] + 1) return false;
          if (Math.hypot(q[o] - x0[k], q[o + 1] - y0[k]) > 0.75 * rad[k]) return false;
        }
        return Number.isFinite(q[0]);
      };
      // Objective at q; stores exp(−q/2) of every member at every pixel in Eout.
      const objective = (q: Float64Array, Eout: Float64Array): number => {
        let f = 0;
        for (let t = 0; t < npx; t++) {
          const X = px[t], Y = py[t];
          let mu = plane ? q[0] + q[1] * (X - gx) + q[2] * (Y - gy) : q[0];
          for (let k = 0, o = NB; k < m; k++, o += stride) {
            const dx = X - q[o], dy = Y - q[o + 1];
            const a = q[o + 3], b = ell ? q[o + 4] : 0, c = ell ? q[o + 5] : a;
            const qq = a * dx * dx + 2 * b * dx * dy + c * dy * dy;
            const e = qq > 80 ? 0 : Math.exp(-0.5 * qq);
            Eout[t * m + k] = e;
            mu += q[o + 2] * e;
          }
          const r = pv[t] - mu;
          if (!poisson) { f += 0.5 * r * r; continue; }
          const mt = mu + tl[t], yv = pv[t] + tl[t];
          f += mt >= 1 ? mt - yv * Math.log(mt) : 0.5 * r * r + 1 - 0.5 * (yv - 1) * (yv - 1);
        }
        return f;
      };
      // At q (with S.E holding its exps): gradient g = Σ w·r·J and χ² = Σ w·r² (returned), and in H
      // the Hessian Σ f″·JJᵀ − Σ w·r·∇²μ (newton) or the Gauss–Newton matrix Σ w·JJᵀ.
      const derivatives = (q: Float64Array, newton: boolean): number => {
        const E = S.E;
        H.fill(0, 0, P * P); g.fill(0, 0, P);
        let chi2 = 0;
        J[0] = 1;
        for (let t = 0; t < npx; t++) {
          const X = px[t], Y = py[t];
          let mu = q[0];
          if (plane) { J[1] = X - gx; J[2] = Y - gy; mu += q[1] * J[1] + q[2] * J[2]; }
          for (let k = 0, o = NB; k < m; k++, o += stride) {
            const dx = X - q[o], dy = Y - q[o + 1], e = E[t * m + k], gv = q[o + 2] * e;
            const a = q[o + 3], b = ell ? q[o + 4] : 0, c = ell ? q[o + 5] : a;
            mu += gv;
            J[o] = gv * (a * dx + b * dy); J[o + 1] = gv * (b * dx + c * dy); J[o + 2] = e;
            if (ell) { J[o + 3] = -0.5 * gv * dx * dx; J[o + 4] = -gv * dx * dy; J[o + 5] = -0.5 * gv * dy * dy; }
            else J[o + 3] = -0.5 * gv * (dx * dx + dy * dy);
          }
          const r = pv[t] - mu;
          let wt = 1, wH = 1;
          if (poisson) { const mt = mu + tl[t]; if (mt >= 1) { wt = 1 / mt; wH = newton ? (pv[t] + tl[t]) * wt * wt : wt; } }
          chi2 += wt * r * r;
          for (let u = 0; u < P; u++) {
            const ju = J[u];
            g[u] += wt * r * ju;
            const jw = wH * ju, row = u * P;
            for (let v = 0; v <= u; v++) H[row + v] += jw * J[v];
          }
          if (!newton) continue;
          // −w·r·∇²g of each member (blocks on the diagonal; a member's Gaussian is linear in A).
          const cr = wt * r;
          for (let k = 0, o = NB; k < m; k++, o += stride) {
            const e = E[t * m + k];
            if (e === 0) continue;
            const dx = X - q[o], dy = Y - q[o + 1], gv = q[o + 2] * e, cg = cr * gv, ce = cr * e;
            const a = q[o + 3], b = ell ? q[o + 4] : 0, c = ell ? q[o + 5] : a;
            const u = a * dx + b * dy, v = b * dx + c * dy;
            const r0 = o * P, r1 = r0 + P, r2 = r1 + P, r3 = r2 + P;
            H[r0 + o] -= cg * (u * u - a);
            H[r1 + o] -= cg * (u * v - b); H[r1 + o + 1] -= cg * (v * v - c);
            H[r2 + o] -= ce * u; H[r2 + o + 1] -= ce * v;
            if (ell) {
              const ha = -0.5 * dx * dx, hb = -dx * dy, hc = -0.5 * dy * dy, r4 = r3 + P, r5 = r4 + P;
              H[r3 + o] -= cg * (u * ha + dx); H[r3 + o + 1] -= cg * v * ha; H[r3 + o + 2] -= ce * ha; H[r3 + o + 3] -= cg * ha * ha;
              H[r4 + o] -= cg * (u * hb + dy); H[r4 + o + 1] -= cg * (v * hb + dx); H[r4 + o + 2] -= ce * hb; H[r4 + o + 3] -= cg * hb * ha; H[r4 + o + 4] -= cg * hb * hb;
              H[r5 + o] -= cg * u * hc; H[r5 + o + 1] -= cg * (v * hc + dy); H[r5 + o + 2] -= ce * hc; H[r5 + o + 3] -= cg * hc * ha; H[r5 + o + 4] -= cg * hc * hb; H[r5 + o + 5] -= cg * hc * hc;
            } else {
              const hs = -0.5 * (dx * dx + dy * dy);
              H[r3 + o] -= cg * (u * hs + dx); H[r3 + o + 1] -= cg * (v * hs + dy); H[r3 + o + 2] -= ce * hs; H[r3 + o + 3] -= cg * hs * hs;
            }
          }
        }
        for (let u = 0; u < P; u++) for (let v = 0; v < u; v++) H[v * P + u] = H[u * P + v];
        return chi2;
      };
      // Gauss–Newton steps until one is within 1 sd (far from the optimum the Hessian is rarely positive definite), then Newton.
      let lambda = 1e-3, converged = false, newton = false, left = 0;
      let f0 = objective(p, S.E);
      for (let it = 0; it < maxIt; it++) {
        // Newton where the Hessian is positive definite, Gauss–Newton otherwise.
        let chi2 = derivatives(p, newton);
        if (newton) { L.set(H.subarray(0, P * P)); if (cholesky(L, P) >= 0) chi2 = derivatives(p, false); }
        const s2 = chi2 / Math.max(1, npx - P);
        let improved = false;
        for (let tries = 0; tries < 12; tries++) {
          Hd.set(H.subarray(0, P * P));
          for (let u = 0; u < P; u++) Hd[u * P + u] = H[u * P + u] * (1 + lambda) + 1e-12;
          if (cholesky(Hd, P) >= 0) { lambda *= 10; continue; }
          choleskySolve(Hd, P, g, delta, z);
          for (let u = 0; u < P; u++) trial[u] = p[u] + delta[u];
          if (!okParams(trial)) { lambda *= 10; continue; }
          const f = objective(trial, S.Et);
          if (f <= f0) {
            p.set(trial.subarray(0, P)); f0 = f;
            const E = S.E; S.E = S.Et; S.Et = E;
            lambda = Math.max(lambda / 5, 1e-9);
            improved = true;
            let step = 0;
            for (let u = 0; u < P; u++) { let s = 0; for (let v = 0; v < P; v++) s += H[u * P + v] * delta[v]; step += delta[u] * s; }
            if (!(step >= STEP_SD * STEP_SD * s2)) converged = true;
            if (step < s2) newton = true;
            break;
          }
          lambda *= 10;
        }
        if (!improved) { converged = true; break; }
        if (converged) break;
        let out = true;
        for (let k = 0; k < m && out; k++) { const o = NB + stride * k; out = leftColumn(p[o], p[o + 1], p[o + 3], ell ? p[o + 4] : 0, ell ? p[o + 5] : p[o + 3], x0[k], y0[k], rad[k]); }
        left = out ? left + 1 : 0;
        if (left === LEFT_STEPS) break;
      }
      fits++;
      // Covariance at the solution: (JᵀWJ)⁻¹ · χ²/(n − P).
      const chi2 = derivatives(p, false);
      const scale = chi2 / Math.max(1, npx - P);
      const cov = invertSPD(H.subarray(0, P * P), P);
      G.forEach((i, k) => {
        const o = NB + stride * k;
        state.x[i] = p[o]; state.y[i] = p[o + 1]; state.amp[i] = p[o + 2];
        if (ell) { state.pa[i] = p[o + 3]; state.pb[i] = p[o + 4]; state.pc[i] = p[o + 5]; }
        else { state.pa[i] = state.pc[i] = p[o + 3]; state.pb[i] = 0; }
        state.bg[i] = plane ? p[0] + p[1] * (state.x[i] - gx) + p[2] * (state.y[i] - gy) : p[0];
        state.uncX[i] = cov ? Math.sqrt(Math.max(0, cov[o * P + o] * scale)) : NaN;
        state.uncY[i] = cov ? Math.sqrt(Math.max(0, cov[(o + 1) * P + o + 1] * scale)) : NaN;
        // A positional uncertainty beyond the window means the column is not identifiable.
        state.converged[i] = converged && state.uncX[i] < rad[k] && state.uncY[i] < rad[k] ? 1 : 0;
        state.fitted[i] = 1;
      });
      if (tails) next.push(G);
    }
    todo = next;
  }
  return fits;
}

/**
 * Pixel variance model for the centre-of-mass and integer-peak uncertainties.
 * "gaussian": uniform, the measured noise sd². "poisson": proportional to the
 * value, Var = g · value with the gain g = sd² / median value (image units per
 * count: 1 for photon/electron counts; detectors that record counts in other
 * units or with an offset are calibrated by the measured noise at the median
 * level), g = 1 when the median is below 10 counts (there the noise estimate
 * is biased by the discreteness of the counts).
 */
export function propagationNoise(image: Image, model: "poisson" | "gaussian", sd: number): PixelNoise {
  if (model === "gaussian") return { gain: 0, floor: sd * sd };
  const med = medianLevel(image);
  const gain = med >= 10 && sd > 0 ? (sd * sd) / med : 1;
  return { gain, floor: gain };
}

/** Median of the finite pixel values on a regular grid of at most ~50 000 pixels (as `estimateNoise` samples). */
function medianLevel(image: Image): number {
  const { width: w, height: h, data } = image;
  const step = Math.max(1, Math.ceil(Math.sqrt((w * h) / 50000)));
  const vals = new Float64Array(Math.ceil(w / step) * Math.ceil(h / step));
  let n = 0;
  for (let y = 0; y < h; y += step) for (let x = 0; x < w; x += step) { const v = data[y * w + x]; if (Number.isFinite(v)) vals[n++] = v; }
  return n ? quickselect(vals.subarray(0, n), n >> 1) : NaN;
}
