/**
 * Normalised conductance on a grid with an analytic I(V) = a(V + V³) per
 * pixel: dI/dV = a(1 + 3V²), I/V = a(1 + V²), so (dI/dV)/(I/V) = (1 + 3V²)/(1 + V²)
 * whatever a; at V = 0 the pointwise ratio is NaN, the broadened one finite.
 */
import type { SPMGrid } from "../../src/io/formats/spm-types";
import { normalizedConductance } from "../../src/spm";

const V = Float64Array.from({ length: 41 }, (_, i) => -1 + i * 0.05);
V[20] = 0; // exactly zero bias
function grid(): SPMGrid {
  const w = 3, h = 2, m = V.length;
  const cur = new Float32Array(w * h * m), didv = new Float32Array(w * h * m);
  for (let p = 0; p < w * h; p++) {
    const a = 1e-10 * (p + 1);
    for (let k = 0; k < m; k++) { cur[p * m + k] = a * (V[k] + V[k] ** 3); didv[p * m + k] = a * (1 + 3 * V[k] ** 2); }
  }
  return { width: w, height: h, points: m, axis: { name: "Bias", unit: "V", direction: undefined, values: V }, channels: [{ name: "Current", unit: "A", data: cur }, { name: "LI Demod 1 X", unit: "A", data: didv }], parameters: [] };
}

test("pointwise: (1 + 3V²)/(1 + V²) at every pixel to float32 precision, NaN at V = 0", () => {
  const c = normalizedConductance(grid(), { dIdV: "LI Demod 1 X", current: "Current" });
  expect(c.name).toBe("LI Demod 1 X / (I/V)");
  for (let p = 0; p < 6; p++) for (let k = 0; k < V.length; k++) {
    const v = c.data[p * V.length + k];
    if (k === 20) expect(Number.isNaN(v)).toBe(true);
    else expect(Math.abs(v - (1 + 3 * V[k] ** 2) / (1 + V[k] ** 2))).toBeLessThan(1e-5);
  }
});

test("broadened (ΔV = 0.1 V): finite everywhere, near 1 at zero bias, close to the pointwise ratio away from it; errors named", () => {
  const c = normalizedConductance(grid(), { dIdV: "LI Demod 1 X", current: "Current", broadening: 0.1 });
  expect(c.data.every(Number.isFinite)).toBe(true);
  expect(Math.abs(c.data[20] - 1)).toBeLessThan(0.05);
  expect(Math.abs(c.data[40] - 2) / 2).toBeLessThan(0.1);
  expect(() => normalizedConductance(grid(), { dIdV: "dIdV", current: "Current" })).toThrow(/normalizedConductance: no grid channel "dIdV"; channels: "Current", "LI Demod 1 X"/);
  expect(() => normalizedConductance(grid(), { dIdV: "LI Demod 1 X", current: "Current", broadening: -1 })).toThrow(/broadening must be ≥ 0 \(in V\)/);
});
