import { makeImage, synth } from "causalscope";
import { pcaDenoise } from "../../src/atoms";

describe("pcaDenoise (low-rank denoising)", () => {
  it("reproduces an exactly low-rank image and reduces noise on a lattice", () => {
    const w = 60, h = 50, d = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = Math.sin(x / 5) * Math.cos(y / 7) + 2 * Math.cos(x / 3) + 0.5 * y;
    const r = pcaDenoise(makeImage(d, w, h), 3);
    let err = 0;
    for (let i = 0; i < d.length; i++) err = Math.max(err, Math.abs(r.data[i] - d[i]));
    expect(err).toBeLessThan(1e-3);
    const clean = synth.perovskite({ width: 96, height: 96, latticeConstant: 12, seed: 1 });
    const noisy = synth.perovskite({ width: 96, height: 96, latticeConstant: 12, dose: 300, seed: 1 });
    const scale = 300 / 1000;
    const den = pcaDenoise(noisy.image, 12);
    let e0 = 0, e1 = 0;
    for (let i = 0; i < den.data.length; i++) { e0 += (noisy.image.data[i] - scale * clean.image.data[i]) ** 2; e1 += (den.data[i] - scale * clean.image.data[i]) ** 2; }
    expect(e1).toBeLessThan(0.6 * e0);
    expect(() => pcaDenoise(makeImage(d, w, h), 0)).toThrow(/components/);
  });
});
