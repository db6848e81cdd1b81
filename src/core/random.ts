/**
 * The one seeded random number generator of causalscope (synthetic data,
 * permutation tests, bootstrap, k-means seeding, Lanczos start vectors).
 * The same seed gives the same sequence on every platform: the state update
 * is pure 32-bit integer arithmetic.
 *
 * Generator: xoshiro128** (D. Blackman & S. Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 47, 2021), its 128-bit state
 * filled by a splitmix32-style mixer so that nearby seeds give unrelated
 * streams. Uniform doubles carry 53 random bits (two outputs). Normal
 * deviates: Box–Muller (pairs, the second one cached). Poisson deviates:
 * Knuth's multiplication method for means < 10 and the PTRS transformed
 * rejection method (W. Hörmann, Insurance: Mathematics and Economics 12,
 * 1993) above, as NumPy's `Generator.poisson`.
 *
 * This is the stream `causal/` has used since its first release (its seeded
 * results are unchanged); `synth.rng` used sfc32 before issue 10, so seeded
 * synthetic images differ from those of earlier versions.
 */

/** Natural log of k! (exact product below 16, Stirling series above; |rel. error| < 1e-15). */
function logFactorial(k: number): number {
  if (k < 16) {
    let f = 1;
    for (let i = 2; i <= k; i++) f *= i;
    return Math.log(f);
  }
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A seeded source of random numbers. `seed` is any finite number; it is
 * reduced modulo 2³² after truncation toward zero (so 3, 3.7 and 3 + 2³²
 * give the same stream). Construction and every draw are O(1).
 *
 * @example const r = new Rng(42); const u = r.uniform(), z = r.normal(0, 2);
 */
export class Rng {
  /** The seed this generator was made from. */
  readonly seed: number;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = NaN;

  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng(seed): seed must be a finite number, got ${seed}`);
    this.seed = seed;
    let z = (seed >>> 0) ^ 0x9e3779b9;
    const mix = (): number => {
      z = (z + 0x9e3779b9) | 0;
      let t = z ^ (z >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t = t ^ (t >>> 15);
      t = Math.imul(t, 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    this.s0 = mix();
    this.s1 = mix();
    this.s2 = mix();
    this.s3 = mix();
  }

  /** Uniform unsigned 32-bit integer (the raw xoshiro128** output). */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform on [0, 1) with 53 random bits (two `u32` draws). */
  uniform(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** Uniform on [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n) (n a positive integer). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Normal deviate with the given mean (default 0) and standard deviation (default 1); Box–Muller. */
  normal(mean = 0, sd = 1): number {
    let z: number;
    if (!Number.isNaN(this.spare)) {
      z = this.spare;
      this.spare = NaN;
    } else {
      let u = 0;
      while (u === 0) u = this.uniform();
      const v = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u));
      this.spare = r * Math.sin(2 * Math.PI * v);
      z = r * Math.cos(2 * Math.PI * v);
    }
    return mean + sd * z;
  }

  /** Poisson deviate with mean `lambda` ≥ 0 (0 for lambda = 0); throws on a negative or non-finite mean. */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`poisson(lambda): lambda must be a finite number >= 0, got ${lambda}`);
    if (lambda === 0) return 0;
    if (lambda < 10) {
      const L = Math.exp(-lambda);
      let k = 0;
      let p = this.uniform();
      while (p > L) {
        k++;
        p *= this.uniform();
      }
      return k;
    }
    // PTRS (Hörmann 1993).
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = this.uniform() - 0.5;
      const V = this.uniform();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
    }
  }

  /** In-place Fisher–Yates shuffle; returns `a`. O(n). */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

/** A new {@link Rng} for `seed` (default 0): `rng(7)` is `new Rng(7)`. */
export function rng(seed = 0): Rng {
  return new Rng(seed);
}
