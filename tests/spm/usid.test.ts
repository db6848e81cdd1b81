/**
 * Band-excitation files in pycroscopy's USID layout (written by h5py as
 * pyUSID's write_main_dataset lays them out: tests/spm/usid_fixture.py):
 * readSPM puts them in a grid in the common orientation, with every value as
 * written; beResponse + fitSHO recover the SHO parameters the file was made
 * from; BEPS steps are selected by name; broken files are errors.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { rng } from "../../src/core/random";
import { beResponse, fitSHO, readSPM, shoResponse } from "../../src/spm";

const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(resolve(__dirname, "..", ".."), ".venv", "bin", "python");
const dir = mkdtempSync(join(tmpdir(), "usid-"));
const W = 6, H = 4, BINS = 48;
const frequencies = Array.from({ length: BINS }, (_, i) => 330e3 + (40e3 * i) / (BINS - 1));
/** Known SHO parameters per pixel: resonance and phase vary with x and y. */
const truth = (x: number, y: number, step = 0) => ({ amplitude: 1e-3 * (1 + 0.1 * x), frequency: 345e3 + 1e3 * y + 500 * step, quality: 150, phase: y < 2 ? 0.3 : -2.8 });

/** Writes a USID file of the truth plus seeded noise; returns its path and the values written (position-major). */
function write(name: string, dc: number[], shuffle: boolean): { path: string; real: number[]; imag: number[] } {
  if (!existsSync(PYTHON)) throw new Error(`needs the project venv's Python at ${PYTHON} (h5py): run \`node scripts/venv.mjs\``);
  const path = join(dir, name);
  const real: number[] = [], imag: number[] = [];
  const r = rng(7);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let s = 0; s < Math.max(1, dc.length); s++) {
    const resp = shoResponse(frequencies, truth(x, y, s));
    for (let k = 0; k < BINS; k++) { real.push(resp.real[k] + r.normal(0, 2e-6)); imag.push(resp.imag[k] + r.normal(0, 2e-6)); }
  }
  execFileSync(PYTHON, [join(__dirname, "usid_fixture.py")], { input: JSON.stringify({ path, width: W, height: H, frequencies, dc, real, imag, shuffle }), encoding: "utf8", maxBuffer: 1 << 26 });
  return { path, real, imag };
}

test("BE-line, positions written shuffled: a 6 × 4 grid in the common orientation, values as written, calibrated; fitSHO recovers every pixel", async () => {
  const { path, real, imag } = write("be-line.h5", [], true);
  const f = await readSPM(path);
  expect(f.metadata.format).toBe("usid");
  expect(f.metadata.version).toBe("0.0.10");
  const g = f.grid!;
  expect([g.width, g.height, g.points]).toEqual([W, H, BINS]);
  expect(g.channels.map((c) => c.name)).toEqual(["Piezoresponse (real)", "Piezoresponse (imaginary)"]);
  expect(g.channels[0].unit).toBe("V");
  expect(g.axis.name).toBe("Frequency");
  expect(g.axis.unit).toBe("Hz");
  expect(Math.abs(g.axis.values[5] - Math.fround(frequencies[5]))).toBe(0);
  expect(g.calibration!.unit).toBe("nm");
  expect(Math.abs(g.calibration!.pixelSize - 50)).toBeLessThan(1e-3);
  for (const [x, y, k] of [[0, 0, 0], [5, 0, 47], [2, 3, 20], [5, 3, 1]]) {
    const i = (y * W + x) * BINS + k; // pixel-major in both: the shuffled file order is undone
    expect(g.channels[0].data[i]).toBe(Math.fround(real[i]));
    expect(g.channels[1].data[i]).toBe(Math.fround(imag[i]));
  }
  const fit = fitSHO(beResponse(g));
  expect(fit.failures).toEqual([]);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const t = truth(x, y), p = fit.parameters(y * W + x);
    expect(Math.abs(p.frequency / t.frequency - 1)).toBeLessThan(1e-4);
    expect(Math.abs(p.amplitude / t.amplitude - 1)).toBeLessThan(0.02);
    expect(Math.abs(Math.atan2(Math.sin(p.phase - t.phase), Math.cos(p.phase - t.phase)))).toBeLessThan(0.02);
  }
});

test("BEPS (frequency × 3 DC steps): dimensions per point; beResponse needs a DC step and fits the chosen one", async () => {
  const { path } = write("beps.h5", [-5, 0, 5], false);
  const g = (await readSPM(path)).grid!;
  expect(g.points).toBe(3 * BINS);
  expect(g.dimensions!.map((d) => `${d.name} ${d.unit}`)).toEqual(["Frequency Hz", "DC_Offset V"]);
  expect(g.dimensions![1].values[BINS]).toBe(0);
  expect(() => beResponse(g)).toThrow(/beResponse: the grid sweeps DC_Offset \(3 steps\): choose one with options.select/);
  expect(() => beResponse(g, { select: { Field: 0 } })).toThrow(/options.select names "Field", not a swept dimension other than frequency \(DC_Offset\)/);
  const r = beResponse(g, { select: { DC_Offset: 2 } });
  expect(r.frequencies.length).toBe(BINS);
  const p = fitSHO(r).parameters(3 * W + 1);
  expect(Math.abs(p.frequency / truth(1, 3, 2).frequency - 1)).toBeLessThan(1e-4);
});

test("broken files: truncated, not USID, no such channel — errors naming the file and the reason", async () => {
  const { path } = write("cut.h5", [], false);
  const bytes = readFileSync(path);
  const cut = join(dir, "cut-truncated.h5");
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await expect(readSPM(cut)).rejects.toThrow(/cut-truncated\.h5/);
  const other = join(dir, "plain.h5");
  execFileSync(PYTHON, ["-c", `import h5py, numpy; h5py.File(${JSON.stringify(other)}, "w").create_dataset("image", data=numpy.zeros((4, 4)))`]);
  await expect(readSPM(other)).rejects.toThrow(/plain\.h5.*not a scanning-probe file: no USID Measurement_NNN\/Channel_NNN\/Raw_Data/);
  const g = (await readSPM(path)).grid!;
  expect(() => beResponse(g, { channel: "Amplitude" })).toThrow(/no grid channel "Amplitude \(real\)"/);
});
