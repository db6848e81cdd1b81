import { makeImage } from "causalscope";
import { fft1d } from "../../src/image/fft";
import { fft2, ifft2, gaussianFilter, laplacianOfGaussian, differenceOfGaussians, subtractBackground, normalize, maximumFilter, powerSpectrum, fourierFilter, gaussianKernel, convolve1d } from "../../src/image";

function naiveDft(re: number[], im: number[]): [number[], number[]] {
  const n = re.length, R: number[] = [], I: number[] = [];
  for (let k = 0; k < n; k++) {
    let sr = 0, si = 0;
    for (let j = 0; j < n; j++) { const a = (-2 * Math.PI * j * k) / n; sr += re[j] * Math.cos(a) - im[j] * Math.sin(a); si += re[j] * Math.sin(a) + im[j] * Math.cos(a); }
    R.push(sr); I.push(si);
  }
  return [R, I];
}

describe("fft1d", () => {
  it.each([1, 2, 3, 5, 7, 8, 12, 17, 64, 100, 127, 380])("matches the naive DFT for n = %p and inverts", (n) => {
    const re = Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + (i % 3));
    const im = Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
    const [R, I] = naiveDft(re, im);
    const fr = Float64Array.from(re), fi = Float64Array.from(im);
    fft1d(fr, fi);
    let err = 0;
    for (let k = 0; k < n; k++) err = Math.max(err, Math.abs(fr[k] - R[k]), Math.abs(fi[k] - I[k]));
    expect(err).toBeLessThan(1e-9 * Math.max(1, n));
    fft1d(fr, fi, true);
    for (let k = 0; k < n; k++) { expect(fr[k]).toBeCloseTo(re[k], 9); expect(fi[k]).toBeCloseTo(im[k], 9); }
  });
});

describe("fft2 / ifft2", () => {
  it("finds a plane wave at its frequency for a non-power-of-two size and round-trips", () => {
    const w = 30, h = 21, data = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = Math.cos(2 * Math.PI * (3 * x / w + 5 * y / h));
    const F = fft2(makeImage(data, w, h));
    const mag = (kx: number, ky: number) => Math.hypot(F.re[ky * w + kx], F.im[ky * w + kx]);
    expect(mag(3, 5)).toBeCloseTo((w * h) / 2, 3);
    expect(mag(w - 3, h - 5)).toBeCloseTo((w * h) / 2, 3);
    expect(mag(4, 5)).toBeLessThan(1e-6);
    const back = ifft2(F);
    let err = 0;
    for (let i = 0; i < data.length; i++) err = Math.max(err, Math.abs(back.data[i] - data[i]));
    expect(err).toBeLessThan(1e-5);
  });
  it("powerSpectrum puts a lattice's Bragg peak at the centre-relative frequency", () => {
    const w = 64, h = 50, data = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = Math.cos(2 * Math.PI * x / 8);
    const ps = powerSpectrum(makeImage(data, w, h));
    let best = 0, bi = 0;
    for (let i = 0; i < ps.data.length; i++) if (ps.data[i] > best) { best = ps.data[i]; bi = i; }
    const kx = (bi % w) - w / 2, ky = Math.floor(bi / w) - h / 2;
    expect(Math.abs(kx)).toBe(8);
    expect(ky).toBe(0);
  });
  it("fourierFilter low-pass removes a high-frequency component and keeps a low one", () => {
    const w = 40, h = 40, data = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = Math.cos(2 * Math.PI * x * 2 / w) + Math.cos(2 * Math.PI * x * 15 / w);
    const out = fourierFilter(makeImage(data, w, h), { lowpass: 0.15 });
    for (let x = 0; x < w; x++) expect(out.data[5 * w + x]).toBeCloseTo(Math.cos(2 * Math.PI * x * 2 / w), 3);
    const hp = fourierFilter(makeImage(data, w, h), { highpass: 0.2 });
    for (let x = 0; x < w; x++) expect(hp.data[5 * w + x]).toBeCloseTo(Math.cos(2 * Math.PI * x * 15 / w), 3);
  });
});

describe("gaussianFilter and friends", () => {
  it("keeps constants constant and conserves the sum of a centred impulse", () => {
    const c = gaussianFilter(makeImage(new Float32Array(25 * 20).fill(3), 25, 20), 2.5);
    for (const v of c.data) expect(v).toBeCloseTo(3, 5);
    const d = new Float32Array(41 * 41); d[20 * 41 + 20] = 1;
    const g = gaussianFilter(makeImage(d, 41, 41), 2);
    let s = 0, sxx = 0;
    for (let y = 0; y < 41; y++) for (let x = 0; x < 41; x++) { s += g.data[y * 41 + x]; sxx += g.data[y * 41 + x] * (x - 20) ** 2; }
    expect(s).toBeCloseTo(1, 5);
    expect(Math.sqrt(sxx / s)).toBeCloseTo(2, 2);
  });
  it("large sigma (recursive filter) agrees with direct convolution to 1 %", () => {
    const w = 120, h = 90, d = new Float32Array(w * h);
    for (let i = 0; i < d.length; i++) d[i] = Math.sin(i * 0.37) * 5 + ((i * 7919) % 13) + (i % w) * 0.1;
    const fast = gaussianFilter(makeImage(d, w, h), 12).data;
    // Direct: two passes with the explicit kernel.
    const k = gaussianKernel(12);
    const direct = convolve1d(convolve1d(d, w, h, k, 0), w, h, k, 1);
    let err = 0, range = 0;
    for (let i = 0; i < d.length; i++) { err = Math.max(err, Math.abs(fast[i] - direct[i])); range = Math.max(range, Math.abs(direct[i])); }
    expect(err / range).toBeLessThan(0.01);
  });
  it("LoG is maximal at the centre of a Gaussian blob and zero on constants", () => {
    const w = 41, d = new Float32Array(w * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) d[y * w + x] = 5 + Math.exp(-((x - 20) ** 2 + (y - 20) ** 2) / (2 * 9));
    const L = laplacianOfGaussian(makeImage(d, w, w), 3);
    let best = -Infinity, bi = 0;
    for (let i = 0; i < L.data.length; i++) if (L.data[i] > best) { best = L.data[i]; bi = i; }
    expect(bi).toBe(20 * w + 20);
    const L0 = laplacianOfGaussian(makeImage(new Float32Array(100).fill(7), 10, 10), 1.5);
    for (const v of L0.data) expect(Math.abs(v)).toBeLessThan(1e-4);
    const D = differenceOfGaussians(makeImage(d, w, w), 2);
    expect(D.data[20 * w + 20]).toBeGreaterThan(0);
    expect(() => differenceOfGaussians(makeImage(d, w, w), 2, 1)).toThrow(/sigma2/);
  });
  it("gaussianKernel derivatives have the right moments", () => {
    const k1 = gaussianKernel(2, 1);
    let m1 = 0; const r = (k1.length - 1) / 2;
    for (let i = -r; i <= r; i++) m1 += k1[i + r] * i;
    expect(m1).toBeCloseTo(-1, 3); // correlation with −x gives d/dx of a ramp = 1 after sign
  });
  it("subtractBackground removes a ramp, normalize rescales, maximumFilter matches brute force", () => {
    const w = 30, h = 20, d = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = 0.5 * x + (x % 6 === 0 && y % 5 === 0 ? 10 : 0);
    const b = subtractBackground(makeImage(d, w, h), 8, { method: "opening" });
    expect(Math.abs(b.data[10 * w + 13])).toBeLessThan(0.6);
    const n = normalize(makeImage(d, w, h));
    expect(Math.min(...n.data)).toBe(0); expect(Math.max(...n.data)).toBeCloseTo(1, 6);
    const z = normalize(makeImage(d, w, h), { method: "zscore" });
    expect(z.data.reduce((a, v) => a + v, 0) / z.data.length).toBeCloseTo(0, 4);
    const r = 2, m = maximumFilter(d, w, h, r);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      let best = -Infinity;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) best = Math.max(best, d[yy * w + xx]);
      expect(m[y * w + x]).toBe(best);
    }
    expect(() => gaussianFilter(makeImage(d, w, h), -1)).toThrow(/sigma must be a finite number >= 0/);
  });
});
