/**
 * DirectLiNGAM (Shimizu et al. 2011, JMLR 12:1225) with the pairwise
 * likelihood-ratio measure of Hyvärinen & Smith (2013) in its entropy form,
 * exactly as the `lingam` package's `DirectLiNGAM(measure="pwling")`:
 * repeatedly pick the most exogenous variable (maximum-entropy approximation
 * of differential entropy, Hyvärinen 1998), regress it out of the rest, and
 * finally estimate the connection strengths B by adaptive lasso (LARS path,
 * BIC, then OLS refit on the selected predictors; `predict_adaptive_lasso`).
 *
 * Complexity O(p³ n) for the order (each unordered pair is scored once per
 * step; lingam scores both orders) plus O(p) small regressions.
 */
import { CausalData } from "./data";
import { Knowledge } from "./prior";

const K1 = 79.047;
const K2 = 7.4129;
const GAMMA = 0.37457;
const H0 = (1 + Math.log(2 * Math.PI)) / 2;

/** Maximum-entropy approximation of the differential entropy of a standardised sample (Hyvärinen 1998). */
export function entropyApprox(u: ArrayLike<number>, scale = 1, shift = 0, v?: ArrayLike<number>, rho = 0): number {
  // entropy of (u - rho*v - shift) * scale, without allocating
  const n = u.length;
  let a = 0;
  let b = 0;
  if (v) {
    for (let i = 0; i < n; i++) {
      const x = (u[i] - rho * v[i] - shift) * scale;
      const e = Math.exp(-(x * x) / 2);
      a += Math.log(Math.cosh(x));
      b += x * e;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = (u[i] - shift) * scale;
      a += Math.log(Math.cosh(x));
      b += x * Math.exp(-(x * x) / 2);
    }
  }
  a /= n;
  b /= n;
  return H0 - K1 * (a - GAMMA) ** 2 - K2 * b * b;
}

function standardize(x: Float64Array): Float64Array {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
  const sd = Math.sqrt(s / n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (x[i] - m) / sd;
  return out;
}

function cov0(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i] - ma) * (b[i] - mb);
  return s / n;
}

/**
 * lingam's `_diff_mutual_info` for standardised xi, xj: positive when xi -> xj
 * is the more likely direction.
 */
export function pairwiseLingamMeasure(xi: Float64Array, xj: Float64Array, hi?: number, hj?: number): number {
  const n = xi.length;
  let r = 0;
  for (let k = 0; k < n; k++) r += xi[k] * xj[k];
  r /= n; // correlation (both standardised, ddof 0)
  const Hi = hi ?? entropyApprox(xi);
  const Hj = hj ?? entropyApprox(xj);
  // ri_j = xi - r xj; its std (ddof 0) is sqrt(1 - r²) up to rounding; compute exactly like numpy.
  // Both directions in the same passes (each sum accumulates in the same order as residualStd /
  // entropyApprox one at a time, so the values are identical).
  let m1 = 0;
  let m2 = 0;
  for (let k = 0; k < n; k++) {
    m1 += xi[k] - r * xj[k];
    m2 += xj[k] - r * xi[k];
  }
  m1 /= n;
  m2 /= n;
  let s1 = 0;
  let s2 = 0;
  for (let k = 0; k < n; k++) {
    const d1 = xi[k] - r * xj[k] - m1;
    const d2 = xj[k] - r * xi[k] - m2;
    s1 += d1 * d1;
    s2 += d2 * d2;
  }
  const sc1 = 1 / Math.sqrt(s1 / n);
  const sc2 = 1 / Math.sqrt(s2 / n);
  let a1 = 0;
  let b1 = 0;
  let a2 = 0;
  let b2 = 0;
  for (let k = 0; k < n; k++) {
    const x = (xi[k] - r * xj[k] - 0) * sc1;
    const y = (xj[k] - r * xi[k] - 0) * sc2;
    const ex = Math.exp(-(x * x) / 2);
    const ey = Math.exp(-(y * y) / 2);
    a1 += Math.log(Math.cosh(x));
    b1 += x * ex;
    a2 += Math.log(Math.cosh(y));
    b2 += y * ey;
  }
  a1 /= n;
  b1 /= n;
  a2 /= n;
  b2 /= n;
  const Hri = H0 - K1 * (a1 - GAMMA) ** 2 - K2 * b1 * b1;
  const Hrj = H0 - K1 * (a2 - GAMMA) ** 2 - K2 * b2 * b2;
  return Hj + Hri - (Hi + Hrj);
}

export interface LingamResult {
  /** Causal order (column indices, causes first). */
  order: number[];
  /** Connection strengths, `B[target * p + source]` (x = Bx + e). */
  B: Float64Array;
}

/** DirectLiNGAM on prepared continuous data; see module comment. */
export function directLingamCore(d: CausalData, K?: Knowledge): LingamResult {
  const p = d.p;
  const X = d.columns.map((c) => Float64Array.from(c));
  let U = Array.from({ length: p }, (_, i) => i);
  const order: number[] = [];
  // must-precede relation from prior knowledge (strong application)
  const before = (a: number, b: number) => !!K && (K.required(a, b) || (K.forbidden(b, a) && !K.forbidden(a, b)));
  for (let step = 0; step < p; step++) {
    const Uc = K && !K.empty ? U.filter((i) => !U.some((j) => j !== i && before(j, i))) : U;
    let m: number;
    if (Uc.length === 1) m = Uc[0];
    else {
      const std = new Map<number, Float64Array>();
      const H = new Map<number, number>();
      for (const i of U) {
        const s = standardize(X[i]);
        std.set(i, s);
        H.set(i, entropyApprox(s));
      }
      const M = new Map<number, number>(Uc.map((i) => [i, 0]));
      const inUc = new Set(Uc);
      for (let a = 0; a < U.length; a++)
        for (let b = a + 1; b < U.length; b++) {
          const i = U[a];
          const j = U[b];
          if (!inUc.has(i) && !inUc.has(j)) continue;
          const dm = pairwiseLingamMeasure(std.get(i)!, std.get(j)!, H.get(i), H.get(j));
          if (inUc.has(i)) M.set(i, M.get(i)! + Math.min(0, dm) ** 2);
          if (inUc.has(j)) M.set(j, M.get(j)! + Math.min(0, -dm) ** 2);
        }
      m = Uc[0];
      let best = -Infinity;
      for (const i of Uc) {
        const v = -M.get(i)!;
        if (v > best) {
          best = v;
          m = i;
        }
      }
    }
    // regress m out of the remaining variables
    const xm = X[m];
    let vm = 0;
    {
      const n = xm.length;
      let mm = 0;
      for (let k = 0; k < n; k++) mm += xm[k];
      mm /= n;
      for (let k = 0; k < n; k++) vm += (xm[k] - mm) ** 2;
      vm /= n;
    }
    for (const i of U) {
      if (i === m) continue;
      const c = cov0(X[i], xm) / vm;
      const xi = X[i];
      for (let k = 0; k < xi.length; k++) xi[k] -= c * xm[k];
    }
    order.push(m);
    U = U.filter((i) => i !== m);
  }
  const B = new Float64Array(p * p);
  const Xstd = d.columns.map((c) => standardize(c));
  for (let t = 1; t < p; t++) {
    const target = order[t];
    let preds = order.slice(0, t);
    if (K) preds = preds.filter((s) => !K.forbidden(s, target));
    if (!preds.length) continue;
    const coef = adaptiveLasso(d.columns, Xstd, preds, target);
    preds.forEach((s, k) => (B[target * p + s] = coef[k]));
  }
  return { order, B };
}

/** Solve the symmetric system A x = b (k×k, Gaussian elimination with pivoting); null when singular. */
function solve(A: Float64Array, b: Float64Array, k: number): Float64Array | null {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r * k + c]) > Math.abs(M[piv * k + c])) piv = r;
    if (Math.abs(M[piv * k + c]) < 1e-300) return null;
    if (piv !== c) {
      for (let j = 0; j < k; j++) [M[c * k + j], M[piv * k + j]] = [M[piv * k + j], M[c * k + j]];
      [x[c], x[piv]] = [x[piv], x[c]];
    }
    for (let r = c + 1; r < k; r++) {
      const f = M[r * k + c] / M[c * k + c];
      if (f === 0) continue;
      for (let j = c; j < k; j++) M[r * k + j] -= f * M[c * k + j];
      x[r] -= f * x[c];
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = x[r];
    for (let j = r + 1; j < k; j++) s -= M[r * k + j] * x[j];
    x[r] = s / M[r * k + r];
  }
  return x;
}

/** OLS slope coefficients (with intercept) of y on the columns `cols`. */
export function olsCoef(cols: Float64Array[], y: Float64Array): Float64Array {
  const k = cols.length;
  const n = y.length;
  const sum = (c: Float64Array) => {
    let a = 0;
    for (let i = 0; i < n; i++) a += c[i];
    return a;
  };
  const mx = cols.map((c) => sum(c) / n);
  const my = sum(y) / n;
  const G = new Float64Array(k * k);
  const g = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    const ca = cols[a];
    const ma = mx[a];
    for (let b = a; b < k; b++) {
      const cb = cols[b];
      const mb = mx[b];
      let s = 0;
      for (let i = 0; i < n; i++) s += (ca[i] - ma) * (cb[i] - mb);
      G[a * k + b] = G[b * k + a] = s;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += (ca[i] - ma) * (y[i] - my);
    g[a] = s;
  }
  const x = solve(G, g, k);
  if (!x) throw new Error("directLingam: predictors are collinear (singular regression)");
  return x;
}

/**
 * LARS-lasso path (Efron et al. 2004, lasso modification) on centred X (n×k,
 * columns) and y; returns the coefficient vectors at every breakpoint,
 * starting from 0 and ending at the least-squares fit (alpha_min = 0).
 */
export function larsLassoPath(X: Float64Array[], y: Float64Array): Float64Array[] {
  const k = X.length;
  const n = y.length;
  const beta = new Float64Array(k);
  const path: Float64Array[] = [beta.slice()];
  const active: number[] = [];
  const isActive = new Uint8Array(k);
  const resid = Float64Array.from(y);
  const corr = () => X.map((c) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += c[i] * resid[i];
    return s;
  });
  // Gram entries are needed again at every step for the active set: computed once each (same sums)
  const gramCache = new Float64Array(k * k).fill(NaN);
  const gram = (a: number, b: number) => {
    let s = gramCache[a * k + b];
    if (s === s) return s;
    s = 0;
    const xa = X[a];
    const xb = X[b];
    for (let i = 0; i < n; i++) s += xa[i] * xb[i];
    gramCache[a * k + b] = s;
    return s;
  };
  let drop = -1;
  for (let iter = 0; iter < 8 * k + 8; iter++) {
    const c = corr();
    let C = 0;
    let jmax = -1;
    for (let j = 0; j < k; j++)
      if (!isActive[j] && Math.abs(c[j]) > C) {
        C = Math.abs(c[j]);
        jmax = j;
      }
    for (const j of active) C = Math.max(C, Math.abs(c[j]));
    if (C < 1e-12 * n) break;
    if (drop < 0 && jmax >= 0 && (active.length === 0 || Math.abs(c[jmax]) >= C * (1 - 1e-9))) {
      active.push(jmax);
      isActive[jmax] = 1;
    }
    drop = -1;
    const a = active.length;
    const G = new Float64Array(a * a);
    for (let r = 0; r < a; r++) for (let s = 0; s < a; s++) G[r * a + s] = gram(active[r], active[s]);
    const sgn = Float64Array.from(active, (j) => Math.sign(c[j]) || 1);
    const w0 = solve(G, sgn, a);
    if (!w0) break;
    let ss = 0;
    for (let r = 0; r < a; r++) ss += sgn[r] * w0[r];
    const AA = 1 / Math.sqrt(ss);
    const w = w0.map((v) => v * AA);
    // equiangular direction u = X_A w; a_j = X_j^T u
    const u = new Float64Array(n);
    for (let r = 0; r < a; r++) {
      const col = X[active[r]];
      for (let i = 0; i < n; i++) u[i] += w[r] * col[i];
    }
    let gamma = C / AA;
    for (let j = 0; j < k; j++) {
      if (isActive[j]) continue;
      let aj = 0;
      for (let i = 0; i < n; i++) aj += X[j][i] * u[i];
      const g1 = (C - c[j]) / (AA - aj);
      const g2 = (C + c[j]) / (AA + aj);
      if (g1 > 1e-15 && g1 < gamma) gamma = g1;
      if (g2 > 1e-15 && g2 < gamma) gamma = g2;
    }
    // lasso modification: a coefficient crossing zero leaves the active set
    for (let r = 0; r < a; r++) {
      const j = active[r];
      const gj = -beta[j] / w[r];
      if (gj > 1e-15 && gj < gamma) {
        gamma = gj;
        drop = j;
      }
    }
    for (let r = 0; r < a; r++) beta[active[r]] += gamma * w[r];
    for (let i = 0; i < n; i++) resid[i] -= gamma * u[i];
    if (drop >= 0) {
      beta[drop] = 0;
      isActive[drop] = 0;
      active.splice(active.indexOf(drop), 1);
    }
    path.push(beta.slice());
    if (drop < 0 && active.length === k && Math.abs(gamma - C / AA) < 1e-12 * (1 + gamma)) break;
    if (drop < 0 && active.length === Math.min(k, n - 1) && gamma === C / AA) break;
  }
  return path;
}

/**
 * lingam's `predict_adaptive_lasso`: standardise, weights |OLS coef|, LARS
 * lasso with BIC (sklearn `LassoLarsIC(criterion="bic")`, noise variance
 * from the OLS fit), then OLS on the original scale with the kept predictors.
 */
export function adaptiveLasso(Xraw: Float64Array[], Xstd: Float64Array[], preds: number[], target: number): Float64Array {
  const n = Xraw[0].length;
  const k = preds.length;
  const y = Xstd[target];
  const w = olsCoef(preds.map((s) => Xstd[s]), y).map(Math.abs);
  // weighted, centred design
  const Xw = preds.map((s, r) => {
    const col = Xstd[s];
    let m = 0;
    for (let i = 0; i < n; i++) m += col[i] * w[r];
    m /= n;
    const wr = w[r];
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = col[i] * wr - m;
    return out;
  });
  let my = 0;
  for (let i = 0; i < n; i++) my += y[i];
  my /= n;
  const yc = new Float64Array(n);
  for (let i = 0; i < n; i++) yc[i] = y[i] - my;
  const path = larsLassoPath(Xw, yc);
  // noise variance from OLS on the weighted design
  const olsW = olsCoef(Xw, yc);
  // residuals column by column (per row the same subtractions in the same order as row by row)
  const res = new Float64Array(n);
  const rssOf = (coef: ArrayLike<number>, skipZero: boolean): number => {
    res.set(yc);
    for (let j = 0; j < k; j++) {
      const cj = coef[j];
      if (skipZero && cj === 0) continue;
      const col = Xw[j];
      for (let i = 0; i < n; i++) res[i] -= cj * col[i];
    }
    let rss = 0;
    for (let i = 0; i < n; i++) rss += res[i] * res[i];
    return rss;
  };
  const rssOls = rssOf(olsW, false);
  const sigma2 = rssOls / (n - k - 1);
  let best = Infinity;
  let bestCoef = path[0];
  for (const coef of path) {
    const rss = rssOf(coef, true);
    let df = 0;
    for (let j = 0; j < k; j++) if (Math.abs(coef[j]) > 2.220446049250313e-16) df++;
    const crit = n * Math.log(2 * Math.PI * sigma2) + rss / sigma2 + Math.log(n) * df;
    if (crit < best) {
      best = crit;
      bestCoef = coef;
    }
  }
  const keep = preds.map((_, j) => Math.abs(bestCoef[j] * w[j]) > 0);
  const out = new Float64Array(k);
  const kept = preds.filter((_, j) => keep[j]);
  if (kept.length) {
    const c = olsCoef(kept.map((s) => Xraw[s]), Xraw[target]);
    let t = 0;
    for (let j = 0; j < k; j++) if (keep[j]) out[j] = c[t++];
  }
  return out;
}
