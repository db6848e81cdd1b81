/**
 * The WebAssembly SIMD FIR kernels (src/image/simd.ts) against the JavaScript
 * loops of src/image/filters.ts (symmetric FIR passes, recursive Gaussian):
 * the same arithmetic per output pixel, so the outputs must be bit-identical
 * (NaN where the JavaScript gives NaN).
 */
import { convolve1d, gaussianFilter, gaussianKernel, laplacianOfGaussian } from "../../src/image/filters";
import { filterWasm, setSimdFilters } from "../../src/image/simd";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

function image(w: number, h: number, seed: number, nans = 0): Float32Array {
  const r = lcg(seed), d = new Float32Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = (r() - 0.2) * 10 ** (1 + 4 * r());
  for (let k = 0; k < nans && d.length > 0; k++) d[Math.floor(r() * d.length)] = NaN;
  return d;
}

/** Index of the first pixel where the two differ in bits (NaN matches NaN), or −1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function both<T>(fn: () => T): [T, T] {
  setSimdFilters(false);
  try {
    const js = fn();
    setSimdFilters(true);
    return [js, fn()];
  } finally {
    setSimdFilters(true);
  }
}

describe("WebAssembly SIMD Gaussian filtering", () => {
  it("validates in this runtime (Node >= 20 has WebAssembly SIMD), so the tests below compare two paths", () => {
    const WA = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(WA.validate(filterWasm())).toBe(true);
  });

  const sizes: [number, number][] = [[1, 1], [1, 9], [9, 1], [2, 3], [7, 5], [13, 17], [33, 8], [64, 31], [127, 65]];
  const kernels: [number, number][] = [[0, 4], [0.5, 4], [1, 1], [1.3, 3], [2, 4], [3, 3], [4.7, 4], [8, 4], [6, 2.5]];
  it.each(sizes)("convolve1d rows and columns and gaussianFilter are bit-identical to JavaScript on %p×%p images (with NaN pixels) for 9 σ/truncate", (w, h) => {
    for (const [sigma, truncate] of kernels) {
      const src = image(w, h, 1000 * w + h, w * h > 4 ? 2 : 0);
      for (const k of [gaussianKernel(sigma, 0, truncate), gaussianKernel(Math.max(sigma, 0.5), 2, truncate)]) {
        for (const axis of [0, 1] as const) {
          const [js, simd] = both(() => convolve1d(src, w, h, k, axis));
          expect([sigma, truncate, axis, firstDifference(js, simd)]).toEqual([sigma, truncate, axis, -1]);
        }
      }
      // both passes in one call (the row pass hands float64 to the column pass)
      const [js2, simd2] = both(() => gaussianFilter({ data: src, width: w, height: h }, sigma, 0.7 * sigma + 0.2, truncate).data);
      expect([sigma, truncate, "2d", firstDifference(js2, simd2)]).toEqual([sigma, truncate, "2d", -1]);
    }
  });

  it.each(sizes)("the recursive Gaussian (σ > 8) along rows and columns is bit-identical to JavaScript on %p×%p images (with NaN pixels)", (w, h) => {
    const img = { data: image(w, h, 7 * w + h, w * h > 4 ? 1 : 0), width: w, height: h };
    for (const [sx, sy] of [[8.5, 8.5], [14.3, 2], [2, 14.3], [40, 9]]) {
      const [js, simd] = both(() => gaussianFilter(img, sx, sy).data);
      expect([sx, sy, firstDifference(js, simd)]).toEqual([sx, sy, -1]);
    }
  });

  it("NaN pixels spread exactly as in JavaScript and nowhere else", () => {
    const w = 40, h = 30, src = image(w, h, 7);
    src[5 * w + 20] = NaN;
    const [js, simd] = both(() => gaussianFilter({ data: src, width: w, height: h }, 1.5).data);
    expect(firstDifference(js, simd)).toBe(-1);
    // r = 6: the NaN reaches the 13×13 square around (20, 5) and nothing else.
    let nan = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (Number.isNaN(simd[y * w + x])) { nan++; expect(Math.abs(x - 20) <= 6 && Math.abs(y - 5) <= 6).toBe(true); }
    expect(nan).toBe(12 * 13); // rows 0…11, columns 14…26
  });

  it("gaussianFilter (anisotropic, truncated) and laplacianOfGaussian are bit-identical on a 257×129 image", () => {
    const w = 257, h = 129, img = { data: image(w, h, 42), width: w, height: h };
    for (const [sx, sy, t] of [[3, 3, 3], [2.2, 5.1, 4], [0, 1.7, 4], [7.9, 0.6, 2]]) {
      const [js, simd] = both(() => gaussianFilter(img, sx, sy, t).data);
      expect([sx, sy, t, firstDifference(js, simd)]).toEqual([sx, sy, t, -1]);
    }
    const [a, b] = both(() => laplacianOfGaussian(img, 2.5).data);
    expect(firstDifference(a, b)).toBe(-1);
  });

  it("smooths a single bright pixel into the outer product of the kernel (known answer)", () => {
    const w = 21, h = 15, d = new Float32Array(w * h);
    d[7 * w + 10] = 1;
    const k = gaussianKernel(1.5, 0, 4); // r = 6
    const out = gaussianFilter({ data: d, width: w, height: h }, 1.5).data;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const dx = x - 10, dy = y - 7;
      const want = Math.abs(dx) <= 6 && Math.abs(dy) <= 6 ? k[dy + 6] * Math.fround(k[dx + 6]) : 0;
      expect(out[y * w + x]).toBeCloseTo(want, 7);
    }
  });
});
