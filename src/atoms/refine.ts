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

function cholSolve(H: Float64Array, g: Float64Array, P: number, out: Float64Array): boolean {
  // In-place Cholesky of a copy.
  const L = new Float64Array(P * P);
  for (let i = 0; i < P; i++) {
    for (let j = 0; j <= i; j++) {
      let s = H[i * P + j];
      for (let k = 0; k < j; k++) s -= L[i * P + k] * L[j * P + k];
      if (i === j) { if (!(s > 0)) return false; L[i * P + i] = Math.sqrt(s); }
      else L[i * P + j] = s / L[j * P + j];
    }
  }
  const z = new Float64Array(P);
  for (let i = 0; i < P; i++) { let s = g[i]; for (let k = 0; k < i; k++) s -= L[i * P + k] * z[k]; z[i] = s / L[i * P + i]; }
  for (let i = P - 1; i >= 0; i--) { let s = z[i]; for (let k = i + 1; k < P; k++) s -= L[k * P + i] * out[k]; out[i] = s / L[i * P + i]; }
  return true;
}

function invertSPD(H: Float64Array, P: number): Float64Array | null {
  const inv = new Float64Array(P * P), e = new Float64Array(P), col = new Float64Array(P);
  for (let j = 0; j < P; j++) {
    e.fill(0); e[j] = 1;
    if (!cholSolve(H, e, P, col)) return null;
    for (let i = 0; i < P; i++) inv[i * P + j] = col[i];
  }
  return inv;
}

/** Value of atom k's Gaussian at (x, y) from the state. */
function gaussAt(s: GaussianState, k: number, x: number, y: number): number {
  const dx = x - s.x[k], dy = y - s.y[k];
  const q = s.pa[k] * dx * dx + 2 * s.pb[k] * dx * dy + s.pc[k] * dy * dy;
  return q > 60 ? 0 : s.amp[k] * Math.exp(-0.5 * q);
}

/**
 * Fit Gaussians to every atom, in place on `state` (which holds the start
 * values). `neighbors(i)` lists the atoms whose tails may reach atom i's
 * window. Returns the number of LM fits performed.
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
  let px = new Float64Array(1024), py = new Float64Array(1024), pv = new Float64Array(1024), Wt = new Float64Array(1024), tl = new Float64Array(1024);
  for (let sweep = 0; sweep < sweeps && todo.length; sweep++) {
    const next: number[][] = [];
    for (const G of todo) {
      const inG = new Set(G);
      const others = new Set<number>();
      for (const i of G) for (const j of neighbors(i)) if (!inG.has(j)) others.add(j);
      // Pixel set: union of the members' disks.
      let npx = 0;
      stampId++;
      for (const i of G) {
        const r = opts.radius[i], cx = state.x[i], cy = state.y[i];
        const xa = Math.max(0, Math.ceil(cx - r)), xb = Math.min(w - 1, Math.floor(cx + r));
        const ya = Math.max(0, Math.ceil(cy - r)), yb = Math.min(h - 1, Math.floor(cy + r));
        for (let y = ya; y <= yb; y++) for (let x = xa; x <= xb; x++) {
          const k = y * w + x;
          if ((x - cx) ** 2 + (y - cy) ** 2 > r * r || stamp[k] === stampId || (valid && !valid[k])) continue;
          stamp[k] = stampId;
          if (npx === px.length) { const grow = (a: Float64Array) => { const b = new Float64Array(a.length * 2); b.set(a); return b; }; px = grow(px); py = grow(py); pv = grow(pv); Wt = grow(Wt); tl = grow(tl); }
          px[npx] = x; py[npx] = y; pv[npx] = data[k]; tl[npx] = 0; npx++;
        }
      }
      let tails = false;
      // Another sweep only where a neighbour's tail exceeds 5 % of this group's peak.
      let tailCut = Infinity;
      for (const i of G) tailCut = Math.min(tailCut, 0.05 * state.amp[i]);
      if (others.size) {
        for (let t = 0; t < npx; t++) {
          let s = 0;
          for (const j of others) s += gaussAt(state, j, px[t], py[t]);
          if (s > 0) { pv[t] -= s; tl[t] = s; if (s > tailCut) tails = true; }
        }
      }
      const m = G.length, NB = plane ? 3 : 1, P = NB + (ell ? 6 : 4) * m;
      if (npx <= P + 2) { for (const i of G) { state.converged[i] = 0; } continue; }
      const stride = ell ? 6 : 4;
      // Parameter vector: [bg, (x, y, A, a, b, c) | (x, y, A, a)].
      const p = new Float64Array(P);
      p[0] = state.bg[G[0]];
      // Plane background b0 + bx·(x − gx) + by·(y − gy) about the group centroid.
      let gx = 0, gy = 0;
      for (const i of G) { gx += state.x[i] / m; gy += state.y[i] / m; }
      G.forEach((i, k) => {
        const o = NB + stride * k;
        p[o] = state.x[i]; p[o + 1] = state.y[i]; p[o + 2] = state.amp[i];
        if (ell) { p[o + 3] = state.pa[i]; p[o + 4] = state.pb[i]; p[o + 5] = state.pc[i]; }
        else p[o + 3] = 0.5 * (state.pa[i] + state.pc[i]);
      });
      const x0 = G.map((i) => state.x[i]), y0 = G.map((i) => state.y[i]), rad = G.map((i) => opts.radius[i]);
      const J = new Float64Array(P), H = new Float64Array(P * P), Hd = new Float64Array(P * P), g = new Float64Array(P), delta = new Float64Array(P);
      const model = (q: Float64Array, t: number, Jout: Float64Array | null): number => {
        const ddx = px[t] - gx, ddy = py[t] - gy;
        let mu = plane ? q[0] + q[1] * ddx + q[2] * ddy : q[0];
        if (Jout) { Jout.fill(0); Jout[0] = 1; if (plane) { Jout[1] = ddx; Jout[2] = ddy; } }
        for (let k = 0; k < m; k++) {
          const o = NB + stride * k;
          const dx = px[t] - q[o], dy = py[t] - q[o + 1];
          const a = q[o + 3], b = ell ? q[o + 4] : 0, c = ell ? q[o + 5] : q[o + 3];
          const qq = a * dx * dx + 2 * b * dx * dy + c * dy * dy;
          if (qq > 80) continue;
          const e = Math.exp(-0.5 * qq), gv = q[o + 2] * e;
          mu += gv;
          if (Jout) {
            Jout[o] = gv * (a * dx + b * dy);
            Jout[o + 1] = gv * (b * dx + c * dy);
            Jout[o + 2] = e;
            if (ell) { Jout[o + 3] = -0.5 * gv * dx * dx; Jout[o + 4] = -gv * dx * dy; Jout[o + 5] = -0.5 * gv * dy * dy; }
            else Jout[o + 3] = -0.5 * gv * (dx * dx + dy * dy);
          }
        }
        return mu;
      };
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
      const chi2At = (q: Float64Array): number => {
        let s = 0;
        for (let t = 0; t < npx; t++) { const r = pv[t] - model(q, t, null); s += Wt[t] * r * r; }
        return s;
      };
      const setWeights = (q: Float64Array) => {
        if (!poisson) { Wt.fill(1); return; }
        for (let t = 0; t < npx; t++) Wt[t] = 1 / Math.max(model(q, t, null) + tl[t], 1);
      };
      let lambda = 1e-3, converged = false;
      const trial = new Float64Array(P);
      let it = 0;
      for (; it < maxIt; it++) {
        H.fill(0); g.fill(0);
        let chi2 = 0;
        for (let t = 0; t < npx; t++) {
          const mu = model(p, t, J);
          const wt = (Wt[t] = poisson ? 1 / Math.max(mu + tl[t], 1) : 1);
          const r = pv[t] - mu;
          chi2 += wt * r * r;
          for (let u = 0; u < P; u++) {
            const ju = J[u] * wt;
            if (ju === 0) continue;
            g[u] += ju * r;
            for (let v = 0; v <= u; v++) H[u * P + v] += ju * J[v];
          }
        }
        for (let u = 0; u < P; u++) for (let v = 0; v < u; v++) H[v * P + u] = H[u * P + v];
        let improved = false;
        for (let tries = 0; tries < 12; tries++) {
          Hd.set(H);
          for (let u = 0; u < P; u++) Hd[u * P + u] = H[u * P + u] * (1 + lambda) + 1e-12;
          if (!cholSolve(Hd, g, P, delta)) { lambda *= 10; continue; }
          for (let u = 0; u < P; u++) trial[u] = p[u] + delta[u];
          if (!okParams(trial)) { lambda *= 10; continue; }
          const c2 = chi2At(trial);
          if (c2 <= chi2) {
            p.set(trial);
            lambda = Math.max(lambda / 5, 1e-9);
            improved = true;
            let maxShift = 0;
            for (let k = 0; k < m; k++) maxShift = Math.max(maxShift, Math.abs(delta[NB + stride * k]), Math.abs(delta[NB + 1 + stride * k]));
            if (maxShift < 1e-4 || chi2 - c2 < 1e-8 * chi2) converged = true;
            break;
          }
          lambda *= 10;
        }
        if (!improved) { converged = true; break; }
        if (converged) break;
      }
      fits++;
      // Covariance at the solution: (JᵀWJ)⁻¹ · χ²/(n − P).
      setWeights(p);
      H.fill(0);
      let chi2 = 0;
      for (let t = 0; t < npx; t++) {
        const r = pv[t] - model(p, t, J), wt = Wt[t];
        chi2 += wt * r * r;
        for (let u = 0; u < P; u++) { const ju = J[u] * wt; if (ju) for (let v = 0; v <= u; v++) H[u * P + v] += ju * J[v]; }
      }
      for (let u = 0; u < P; u++) for (let v = 0; v < u; v++) H[v * P + u] = H[u * P + v];
      const scale = chi2 / Math.max(1, npx - P);
      const cov = invertSPD(H, P);
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
