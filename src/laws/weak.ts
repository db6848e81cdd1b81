/**
 * Weak-form SINDy for noisy data: instead of differentiating the states,
 * multiply ẋ = Θ(x) ξ by smooth test functions φ_k that vanish at the ends
 * of short time windows and integrate by parts,
 *   −∫ φ_k′ x dt = ∫ φ_k Θ(x) dt · ξ,
 * so no derivative of the data is taken and the integrals average the noise.
 * Each window gives one regression row per state; the sparse regression
 * (STLSQ, SR3, ensembles) is unchanged.
 *
 * Test functions: φ(s) ∝ (s (1 − s))^p on the window, s ∈ [0, 1] the
 * position in it (p − 1 continuous derivatives vanishing at the ends),
 * scaled to unit integral, so that each row is a local weighted mean of ẋ
 * and of Θ: thresholds and ridge weights keep their strong-form meaning.
 * Integrals by the trapezoid rule over the samples.
 *
 * References: Messenger & Bortz, "Weak SINDy: Galerkin-based data-driven
 * model selection", Multiscale Model. Simul. 19, 1474 (2021); Reinbold,
 * Gurevich & Grigoriev, Phys. Rev. E 101, 010203 (2020); PySINDy's
 * WeakPDELibrary.
 */

/** Weak-form settings as used (reported in a fitted model's options). */
export interface WeakInfo {
  /** Window length in samples. */
  width: number;
  /** Exponent p of the test function (4 s (1 − s))^p. */
  power: number;
  /** Samples between the starts of consecutive windows. */
  stride: number;
}

/** Options of the weak form: window `width` in samples (default 41), test-function `power` (default 4), `stride` between windows (default width/4, rounded). */
export interface WeakOptions {
  width?: number;
  power?: number;
  stride?: number;
}

/** Resolves and checks the weak-form options. */
export function weakInfo(options: WeakOptions = {}): WeakInfo {
  const width = options.width ?? 41, power = options.power ?? 4;
  if (!Number.isInteger(width) || width < 5) throw new RangeError(`sindy({ weak: { width } }): window width must be an integer >= 5 samples, got ${width}`);
  if (!Number.isInteger(power) || power < 1) throw new RangeError(`sindy({ weak: { power } }): must be an integer >= 1, got ${power}`);
  const stride = options.stride ?? Math.max(1, Math.round(width / 4));
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`sindy({ weak: { stride } }): must be an integer >= 1, got ${stride}`);
  return { width, power, stride };
}

/**
 * Weak-form regression rows of one trajectory: for every window k (starts
 * 0, stride, … while the window fits), the library integrals ∫ φ_k θ_j dt
 * (one column per term) and the targets −∫ φ_k′ x_v dt (one per state).
 * `theta`: library columns at the samples; `states`: state columns; dt the
 * sampling interval. O(windows · width · (terms + states)).
 */
export function weakRows(theta: readonly Float64Array[], states: readonly Float64Array[], dt: number, info: WeakInfo): { theta: Float64Array[]; targets: Float64Array[] } {
  const n = states[0].length, { width, power, stride } = info;
  const K = n >= width ? Math.floor((n - width) / stride) + 1 : 0;
  const L = (width - 1) * dt, phi = new Float64Array(width), dphi = new Float64Array(width);
  for (let i = 0; i < width; i++) {
    const s = i / (width - 1), u = 4 * s * (1 - s);
    phi[i] = u ** power;
    dphi[i] = ((power * 4 * (1 - 2 * s)) * u ** (power - 1)) / L; // dφ/dt
  }
  // trapezoid weights: φ and φ′ vanish at both ends (power >= 1 for φ; φ′ needs power >= 2), so the end weights only matter for p = 1
  const w = new Float64Array(width).fill(dt);
  w[0] = w[width - 1] = dt / 2;
  // scale φ to unit integral: each row is then a local weighted mean (of Θ, and of ẋ), in the units of the strong
  // form, so the threshold and the ridge weight mean the same in both forms (ξ is unchanged by the scale)
  let area = 0;
  for (let i = 0; i < width; i++) area += w[i] * phi[i];
  for (let i = 0; i < width; i++) { phi[i] /= area; dphi[i] /= area; }
  const integrate = (f: Float64Array, col: Float64Array, sign: number): Float64Array => {
    const out = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      const a = k * stride;
      let s = 0;
      for (let i = 0; i < width; i++) s += w[i] * f[i] * col[a + i];
      out[k] = sign * s;
    }
    return out;
  };
  return { theta: theta.map((c) => integrate(phi, c, 1)), targets: states.map((c) => integrate(dphi, c, -1)) };
}
