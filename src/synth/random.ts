/**
 * Seeded random numbers for synthetic data (shared by every `synth.*`
 * generator). The same seed always gives the same sequence, on every
 * platform: the generator is pure 32-bit integer arithmetic.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's "small fast counter", PractRand
 * tested), seeded through splitmix32 so that nearby seeds give unrelated
 * streams. Normal deviates: Box–Muller. Poisson deviates: Knuth's
 * multiplication method for small means, and the PTRS transformed-rejection
 * method (W. Hörmann, "The transformed rejection method for generating
 * Poisson random variables", Insurance: Mathematics and Economics 12, 1993)
 * for means ≥ 10, as in NumPy's `Generator.poisson`.
 */

/** A seeded source of random numbers. */
export interface Rng {
  /** Uniform on [0, 1), 32 bits of resolution. */
  uniform(): number;
  /** Uniform on [lo, hi). */
  range(lo: number, hi: number): number;
  /** Integer uniform on [0, n). */
  int(n: number): number;
  /** Normal deviate with the given mean (default 0) and standard deviation (default 1). */
  normal(mean?: number, sd?: number): number;
  /** Poisson deviate with mean `lambda` ≥ 0 (0 for lambda = 0). */
  poisson(lambda: number): number;
  /** The seed this generator was made from. */
  readonly seed: number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Natural log of k! (exact table below 16, Stirling series above). */
function logFactorial(k: number): number {
  if (k < 16) {
    let f = 1;
    for (let i = 2; i <= k; i++) f *= i;
    return Math.log(f);
  }
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}

/**
 * Make a seeded random number generator. `seed` is any finite number
 * (integers recommended); the same seed gives the same sequence.
 */
export function rng(seed = 0): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`rng(seed): seed must be a finite number, got ${seed}`);
  const init = splitmix32((seed | 0) ^ Math.floor(seed / 4294967296));
  let a = init(), b = init(), c = init(), d = init();
  const next32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) next32();
  const uniform = (): number => next32() / 4294967296;
  let spare: number | null = null;
  const stdNormal = (): number => {
    if (spare !== null) { const s = spare; spare = null; return s; }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  const poisson = (lambda: number): number => {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`poisson(lambda): lambda must be a finite number >= 0, got ${lambda}`);
    if (lambda === 0) return 0;
    if (lambda < 10) {
      const L = Math.exp(-lambda);
      let k = 0, p = uniform();
      while (p > L) { k++; p *= uniform(); }
      return k;
    }
    // PTRS (Hörmann 1993).
    const slam = Math.sqrt(lambda), loglam = Math.log(lambda);
    const b2 = 0.931 + 2.53 * slam;
    const a2 = -0.059 + 0.02483 * b2;
    const invalpha = 1.1239 + 1.1328 / (b2 - 3.4);
    const vr = 0.9277 - 3.6224 / (b2 - 2);
    for (;;) {
      const U = uniform() - 0.5;
      const V = uniform();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor((2 * a2 / us + b2) * U + lambda + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (Math.log(V) + Math.log(invalpha) - Math.log(a2 / (us * us) + b2) <= -lambda + k * loglam - logFactorial(k)) return k;
    }
  };
  return {
    seed,
    uniform,
    range: (lo, hi) => lo + (hi - lo) * uniform(),
    int: (n) => Math.floor(uniform() * n),
    normal: (mean = 0, sd = 1) => mean + sd * stdNormal(),
    poisson,
  };
}

/**
 * Replace every pixel value v (an expected count, ≥ 0) by a Poisson deviate
 * with mean v, in place. Negative or non-finite means throw, naming the pixel.
 */
export function applyPoisson(data: Float32Array, r: Rng): Float32Array {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`applyPoisson: pixel ${i} has mean ${v}; Poisson means must be finite and >= 0`);
    data[i] = r.poisson(v);
  }
  return data;
}

/** Add independent normal noise of standard deviation `sd` to every pixel, in place. */
export function applyGaussianNoise(data: Float32Array, sd: number, r: Rng): Float32Array {
  if (!(sd >= 0)) throw new RangeError(`applyGaussianNoise: sd must be >= 0, got ${sd}`);
  if (sd === 0) return data;
  for (let i = 0; i < data.length; i++) data[i] += r.normal(0, sd);
  return data;
}
