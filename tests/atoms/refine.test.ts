/**
 * fitGaussians against known answers: noise-free images of elliptical,
 * circular and overlapping Gaussians are recovered exactly from offset
 * starts; on Poisson noise, the fit stops at the likelihood's maximum
 * (not early).
 */
import { synth } from "causalscope";
import { fitGaussians, GaussianState, PixelSource } from "../../src/atoms/refine";

interface Column { x: number; y: number; amp: number; a: number; b: number; c: number }

function render(w: number, h: number, cols: Column[], bg: (x: number, y: number) => number): Float64Array {
  const mu = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let v = bg(x, y);
    for (const k of cols) { const dx = x - k.x, dy = y - k.y; v += k.amp * Math.exp(-0.5 * (k.a * dx * dx + 2 * k.b * dx * dy + k.c * dy * dy)); }
    mu[y * w + x] = v;
  }
  return mu;
}

/** Start state: every column moved by (0.4, −0.3) px, amplitude × 0.7, circular σ = 2.2 px, background 0. */
function start(cols: Column[]): GaussianState {
  const n = cols.length, f = (v: (k: Column) => number) => Float64Array.from(cols, v);
  return {
    x: f((k) => k.x + 0.4), y: f((k) => k.y - 0.3), amp: f((k) => 0.7 * k.amp), pa: new Float64Array(n).fill(1 / 2.2 ** 2), pb: new Float64Array(n), pc: new Float64Array(n).fill(1 / 2.2 ** 2),
    bg: new Float64Array(n), uncX: new Float64Array(n), uncY: new Float64Array(n), converged: new Uint8Array(n), fitted: new Uint8Array(n),
  };
}

const source = (mu: ArrayLike<number>, w: number, h: number): PixelSource => ({ data: Float32Array.from(mu), width: w, height: h, valid: null });
const all = (n: number) => (i: number) => Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);

describe("fitGaussians", () => {
  const W = 48, H = 40;
  // σ ≈ 1.8 px × 2.6 px, rotated; float32 pixels, so "exact" is to ~1e-5 relative.
  const rotated: Column = { x: 23.37, y: 19.81, amp: 800, a: 0.22, b: 0.06, c: 0.17 };

  it.each(["uniform", "poisson"] as const)("recovers a rotated elliptical Gaussian on a constant background, %s weights", (weights) => {
    const s = start([rotated]);
    fitGaussians(source(render(W, H, [rotated], () => 50), W, H), s, all(1), { radius: Float64Array.of(9), jointDistance: 1, weights });
    expect(s.converged[0]).toBe(1);
    expect(s.x[0]).toBeCloseTo(rotated.x, 4);
    expect(s.y[0]).toBeCloseTo(rotated.y, 4);
    expect(s.amp[0] / rotated.amp).toBeCloseTo(1, 5);
    expect(s.pa[0]).toBeCloseTo(rotated.a, 5);
    expect(s.pb[0]).toBeCloseTo(rotated.b, 5);
    expect(s.pc[0]).toBeCloseTo(rotated.c, 5);
    expect(s.bg[0]).toBeCloseTo(50, 3);
    // Float32 rounding only: the position uncertainty scaled by χ²/dof is tiny.
    expect(s.uncX[0]).toBeLessThan(1e-4);
  });

  it("recovers a circular Gaussian with elliptical: false and a sloping plane background", () => {
    const col: Column = { x: 20.6, y: 21.2, amp: 300, a: 0.25, b: 0, c: 0.25 };
    const s = start([col]);
    fitGaussians(source(render(W, H, [col], (x, y) => 40 + 1.5 * x - 0.8 * y), W, H), s, all(1), { radius: Float64Array.of(8), jointDistance: 1, weights: "uniform", elliptical: false, background: "plane" });
    expect(s.converged[0]).toBe(1);
    expect(s.x[0]).toBeCloseTo(col.x, 4);
    expect(s.y[0]).toBeCloseTo(col.y, 4);
    expect(s.pa[0]).toBeCloseTo(0.25, 5);
    expect(s.pb[0]).toBe(0);
    // Background reported at the fitted centre.
    expect(s.bg[0]).toBeCloseTo(40 + 1.5 * col.x - 0.8 * col.y, 2);
  });

  it("recovers two overlapping columns (2.5σ apart) fitted jointly", () => {
    const cols: Column[] = [{ x: 19.2, y: 20.1, amp: 500, a: 0.25, b: 0, c: 0.25 }, { x: 24.2, y: 20.4, amp: 350, a: 0.25, b: 0, c: 0.25 }];
    const s = start(cols);
    fitGaussians(source(render(W, H, cols, () => 20), W, H), s, all(2), { radius: Float64Array.of(4, 4), jointDistance: 8, weights: "poisson" });
    for (let k = 0; k < 2; k++) {
      expect(s.converged[k]).toBe(1);
      expect(s.x[k]).toBeCloseTo(cols[k].x, 4);
      expect(s.y[k]).toBeCloseTo(cols[k].y, 4);
      expect(s.amp[k] / cols[k].amp).toBeCloseTo(1, 4);
    }
  });

  it("on Poisson noise, stops at the likelihood's maximum: moving any centre by ±2 % of its reported uncertainty lowers the likelihood", () => {
    const rng = synth.rng(3);
    const cols: Column[] = [];
    // 20 px apart: the neighbours' tails are below e⁻²⁰ in each window.
    for (let k = 0; k < 9; k++) cols.push({ x: 10.3 + 20 * (k % 3) + 0.1 * k, y: 10.6 + 20 * Math.floor(k / 3), amp: 60 + 20 * k, a: 0.3, b: 0.03, c: 0.22 });
    const N = 64, r = 5.5;
    const data = Float64Array.from(render(N, N, cols, () => 5), (v) => rng.poisson(v));
    const s = start(cols);
    const cx = Float64Array.from(s.x), cy = Float64Array.from(s.y);
    fitGaussians(source(data, N, N), s, all(cols.length), { radius: new Float64Array(cols.length).fill(r), jointDistance: 1, weights: "poisson" });
    // Poisson negative log-likelihood of the window (disk of radius r about the start) at the fit with the centre moved by (ex, ey).
    const nll = (k: number, ex: number, ey: number) => {
      let f = 0;
      for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
        if ((x - cx[k]) ** 2 + (y - cy[k]) ** 2 > r * r) continue;
        const dx = x - s.x[k] - ex, dy = y - s.y[k] - ey;
        const mu = s.bg[k] + s.amp[k] * Math.exp(-0.5 * (s.pa[k] * dx * dx + 2 * s.pb[k] * dx * dy + s.pc[k] * dy * dy));
        f += mu - data[y * N + x] * Math.log(mu);
      }
      return f;
    };
    for (let k = 0; k < cols.length; k++) {
      expect(s.converged[k]).toBe(1);
      const f0 = nll(k, 0, 0), ex = 0.02 * s.uncX[k], ey = 0.02 * s.uncY[k];
      for (const [u, v] of [[ex, 0], [-ex, 0], [0, ey], [0, -ey]]) expect(nll(k, u, v)).toBeGreaterThan(f0);
      // And the fit is where the truth says, within 4 sd.
      expect(Math.abs(s.x[k] - cols[k].x)).toBeLessThan(4 * s.uncX[k]);
      expect(Math.abs(s.y[k] - cols[k].y)).toBeLessThan(4 * s.uncY[k]);
    }
  });
});
