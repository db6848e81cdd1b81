/**
 * PDE-FIND (src/laws/pde.ts) on fields with known equations: viscous Burgers
 * u_t = −u u_x + 0.1 u_xx and Fisher–KPP reaction–diffusion u_t = 0.5 u_xx + u − u²
 * (periodic profiles integrated here by the method of lines on a grid twice as
 * fine, tests/laws/systems.ts), and 2-D diffusion u_t = 0.5 (u_xx + u_yy) from
 * the exact spreading Gaussian (maps, x = column, y = row). Asserted: the exact
 * set of terms and the coefficients within the stated tolerance; the noise
 * level at which plain finite differences stop working is asserted too.
 */
import { pdeFind, stlsq } from "../../src/laws";
import { Rng } from "../../src/core";
import { periodicField, addNoise } from "./systems";

const BURGERS = periodicField((u, ux, uxx) => -u * ux + 0.1 * uxx, (x) => Math.exp(-((x + 2) ** 2)), { length: 16, nx: 256, dt: 0.01, frames: 301, h: 0.002, x0: -8 });
const FISHER = periodicField((u, ux, uxx) => 0.5 * uxx + u - u * u, (x) => 0.8 * Math.exp(-(x * x)), { length: 40, nx: 200, dt: 0.02, frames: 201, h: 0.002, x0: -20 });

function heatMaps(frames: number, noise = 0, seed = 1): { data: Float32Array; width: number; height: number }[] {
  const D = 0.5, nx = 48, ny = 40, dx = 0.25, r = new Rng(seed);
  return Array.from({ length: frames }, (_, k) => {
    const t = 1 + 0.02 * k, data = new Float32Array(nx * ny);
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      const X = (x - 24) * dx, Y = (y - 18) * dx;
      data[y * nx + x] = (1 / t) * Math.exp(-(X * X + Y * Y) / (4 * D * t)) + (noise ? r.normal(0, noise) : 0);
    }
    return { data, width: nx, height: ny };
  });
}

/** Coefficient of each term by name; absent terms must be exactly 0. */
function expectLaw(m: { featureNames: string[]; coefficients: number[][] }, truth: Record<string, number>, tol: number): void {
  const found: Record<string, number> = {};
  m.featureNames.forEach((n, j) => { if (m.coefficients[0][j] !== 0) found[n] = m.coefficients[0][j]; });
  expect(Object.keys(found).sort()).toEqual(Object.keys(truth).sort());
  for (const [n, v] of Object.entries(truth)) expect(Math.abs(found[n] - v) / Math.abs(v)).toBeLessThan(tol);
}

test("Burgers: u_t = -u u_x + 0.1 u_xx, within 1 %; PySINDy's term names", () => {
  const m = pdeFind(BURGERS, { dt: 0.01, dx: 16 / 256, periodic: true, threshold: 0.05 });
  expect(m.featureNames).toEqual(["u", "u^2", "u_x", "u_xx", "u u_x", "u^2 u_x", "u u_xx", "u^2 u_xx"]);
  expectLaw(m, { "u u_x": -1, u_xx: 0.1 }, 0.01);
  expect(m.equations).toEqual(["u_t = 0.100 u_xx - 1.002 u u_x"]);
  expect(m.options).toMatchObject({ frames: 301, grid: [256], rows: 299 * 256, periodic: true, order: 2, degree: 2 });
});

test("Burgers with 0.1 % noise is still recovered; with 1 % plain finite differences fail", () => {
  expectLaw(pdeFind(addNoise(BURGERS, 0.001, 3), { dt: 0.01, dx: 16 / 256, periodic: true, threshold: 0.05 }), { "u u_x": -1, u_xx: 0.1 }, 0.02);
  const bad = pdeFind(addNoise(BURGERS, 0.01, 3), { dt: 0.01, dx: 16 / 256, periodic: true, threshold: 0.05 });
  expect(bad.coefficients[0][bad.featureNames.indexOf("u_xx")]).toBe(0);
});

test("Fisher–KPP reaction–diffusion: u_t = 0.5 u_xx + u - u^2, within 1 %", () => {
  expectLaw(pdeFind(FISHER, { dt: 0.02, dx: 0.2, periodic: true, threshold: 0.05 }), { u: 1, "u^2": -1, u_xx: 0.5 }, 0.01);
});

test("2-D diffusion from maps: u_t = 0.5 u_xx + 0.5 u_yy within 2 %, edges dropped, ensemble inclusion 1", () => {
  const maps = heatMaps(40);
  const m = pdeFind(maps, { dt: 0.02, dx: 0.25, degree: 1, threshold: 0.05 });
  expect(m.featureNames).toEqual(["u", "u_x", "u_y", "u_xx", "u_xy", "u_yy", "u u_x", "u u_y", "u u_xx", "u u_xy", "u u_yy"]);
  expectLaw(m, { u_xx: 0.5, u_yy: 0.5 }, 0.02);
  expect(m.options.rows).toBe(38 * 46 * 38);
  const e = pdeFind(maps, { dt: 0.02, dx: 0.25, degree: 1, optimizer: stlsq({ threshold: 0.05 }), ensemble: { models: 10, seed: 1 } });
  expect(e.ensemble!.inclusion[0][3]).toBe(1);
  expect(e.ensemble!.inclusion[0][5]).toBe(1);
  expect(e.ensemble!.inclusion[0][0]).toBe(0);
});

test("noisy maps (noise 0.3 % of the peak): plain differences fail, Savitzky–Golay smoothing (9) recovers the law within 2 % (a 15-sample window biases this 4-pixel-wide spot)", () => {
  const maps = heatMaps(40, 0.003, 2);
  const plain = pdeFind(maps, { dt: 0.02, dx: 0.25, degree: 1, threshold: 0.05 });
  expect(plain.coefficients[0][plain.featureNames.indexOf("u u_xx")]).not.toBe(0);
  const smoothed = pdeFind(maps, { dt: 0.02, dx: 0.25, degree: 1, threshold: 0.05, smooth: { window: 9 } });
  expectLaw(smoothed, { u_xx: 0.5, u_yy: 0.5 }, 0.02);
  expect(smoothed.options.smooth).toEqual({ window: 9, polyorder: 3 });
  expect(() => pdeFind(maps.slice(0, 10), { dt: 0.02, dx: 0.25, smooth: { window: 15 } })).toThrow(/window of 15 samples is longer than the field \(48×40 points, 10 frames\)/);
});

test("bad input is refused with the reason", () => {
  const maps = heatMaps(5);
  maps[2].data[3 * 48 + 7] = NaN;
  expect(() => pdeFind(maps, { dt: 0.02, dx: 0.25 })).toThrow(/frame 2, x 7, y 3 is NaN/);
  expect(() => pdeFind(BURGERS, { dt: 0.01, dx: 0 })).toThrow(/pdeFind\(\{ dx \}\): must be a finite number > 0, got 0/);
  expect(() => pdeFind(BURGERS.slice(0, 2), { dt: 0.01, dx: 0.1 })).toThrow(/2 frames; the time derivative needs at least 3/);
  expect(() => pdeFind(heatMaps(5), { dt: 0.02, dx: 0.25, order: 3 })).toThrow(/order.*1\.\.2 for maps, got 3/);
  expect(() => pdeFind([[1, 2, 3], [1, 2]], { dt: 1, dx: 1 })).toThrow(/frame 1 has 2 values, expected 3/);
  // a constant field: its derivatives vanish (and u^2 is a multiple of u)
  expect(() => pdeFind(Array.from({ length: 5 }, () => new Array(20).fill(2)), { dt: 1, dx: 1, periodic: true })).toThrow(/collinear library terms: u_x is zero everywhere on this field/);
  expect(() => pdeFind(Array.from({ length: 5 }, () => new Array(20).fill(2)), { dt: 1, dx: 1, periodic: true, order: 1, degree: 2 })).toThrow(/collinear library terms: u_x is zero everywhere/);
  const linear = Array.from({ length: 5 }, (_, k) => Array.from({ length: 20 }, (_, i) => k + 0.1 * i));
  expect(() => pdeFind(linear, { dt: 1, dx: 1, degree: 1, order: 1 })).toThrow(/collinear library terms: u u_x is \(numerically\) a linear combination of u on this field/); // u_x = 0.1 everywhere
});
