/**
 * The SPM readers against established Python readers run on the same real
 * files (tests/spm/reference.py: nanonispy, gwyfile, igor2; numpy on the raw
 * bytes for NanoScope force curves and Createc VERT), plus the values the
 * source projects assert (../shared/data/README.md).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readImage, readImageStack } from "../../src/io/read-image";
import { gridMap, gridSpectrum, readSPM } from "../../src/spm";
import { sharedData } from "../helpers/shared-data";
import { nanonisSxmReader } from "../../src/io/formats/spm-nanonis";

const ROOT = resolve(__dirname, "..", "..");
const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(ROOT, ".venv", "bin", "python");
const DIR = sharedData("spm");

/* eslint-disable @typescript-eslint/no-explicit-any */
let ref: any;

const f32 = (x: number): number => Math.fround(x);

(DIR ? describe : describe.skip)("SPM readers on the real files in ../shared/data/spm", () => {
  const file = (name: string): string => join(DIR!, name);
  beforeAll(() => {
    if (!existsSync(PYTHON)) throw new Error(`tests/spm need the project venv's Python at ${PYTHON} (nanonispy, gwyfile, igor2): run \`node scripts/venv.mjs\``);
    ref = JSON.parse(execFileSync(PYTHON, [join(__dirname, "reference.py"), DIR!], { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "inherit"] }));
  }, 120_000);

  test("Nanonis .sxm: channels, units, scan size and every sampled pixel agree with nanonispy (flipped: SCAN_DIR up; backward mirrored)", async () => {
    const f = await readSPM(file("nanonis_Image_445.sxm"));
    const r = ref.sxm;
    expect(r.dir).toBe("up");
    const [w, h] = r.pixels;
    expect(f.metadata.format).toBe("nanonis-sxm");
    expect(f.metadata.scanSize).toEqual({ width: r.range[0] * 1e9, height: r.range[1] * 1e9, unit: "nm" });
    expect(f.metadata.scanAngle).toBe(59);
    expect(f.channels.map((c) => [c.name, c.unit, c.direction])).toEqual(r.channels.flatMap((c: any) => [[c.name, c.unit, "forward"], [c.name, c.unit, "backward"]]));
    let checked = 0;
    for (const c of f.channels) {
      expect([c.image.width, c.image.height]).toEqual([w, h]);
      expect(c.image.calibration).toEqual({ pixelSize: 2 / 96, unit: "nm" });
      const rc = r.channels.find((x: any) => x.name === c.name);
      for (const [row, col, v] of rc.samples[c.direction!]) {
        // nanonispy gives file order: row 0 = first line scanned (the bottom one here), backward lines right to left.
        const x = c.direction === "backward" ? w - 1 - col : col;
        expect(c.image.data[(h - 1 - row) * w + x]).toBe(f32(v));
        checked++;
      }
    }
    expect(checked).toBe(18 * 7);
    // The source project's (SpmImages.jl) assertions, rows in file order.
    const cur = f.channels.find((c) => c.name === "Current" && c.direction === "forward")!.image;
    expect(cur.data[(h - 1 - 29) * w + 54]).toBe(f32(7.2952433e-10));
    const df = f.channels.find((c) => c.name === "Frequency_Shift" && c.direction === "forward")!.image;
    expect(df.data[(h - 1 - 77) * w + 68]).toBeCloseTo(-2.944235, 5);
    // readSPM reads planes straight from the file; the registry's parseSPM on the bytes in memory gives the same.
    const bytes = readFileSync(file("nanonis_Image_445.sxm"));
    expect(nanonisSxmReader.parseSPM("readSPM", file("nanonis_Image_445.sxm"), bytes)).toEqual(f);
    // The same data declared SCAN_DIR down: rows stay in file order (row 0 = first line), backward still mirrored.
    const down = join(mkdtempSync(join(tmpdir(), "cs-sxm-")), "down.sxm");
    const i = bytes.indexOf(":SCAN_DIR:\nup\n");
    writeFileSync(down, Buffer.concat([bytes.subarray(0, i), Buffer.from(":SCAN_DIR:\ndown\n"), bytes.subarray(i + ":SCAN_DIR:\nup\n".length)]));
    const g = await readSPM(down);
    for (const k of [0, 1, 7]) for (let y = 0; y < h; y += 37) expect(g.channels[k].image.data.subarray(y * w, (y + 1) * w)).toEqual(f.channels[k].image.data.subarray((h - 1 - y) * w, (h - y) * w));
  });

  test("readImage(path, { channel }) gives that channel; no channel in a multi-channel file is an error listing them", async () => {
    const path = file("nanonis_Image_445.sxm");
    const spm = await readSPM(path);
    const z = await readImage(path, { channel: "Z" });
    expect(z.data).toEqual(spm.channels[0].image.data);
    expect(z.source.channel).toBe("Z");
    const zb = await readImage(path, { channel: "Z backward" });
    expect(zb.data).toEqual(spm.channels[1].image.data);
    expect(zb.calibration).toEqual({ pixelSize: 2 / 96, unit: "nm" });
    await expect(readImage(path)).rejects.toThrow(/holds 18 channels; pass \{ channel: name \} with one of "Z", "Z backward"/);
    await expect(readImage(path, { channel: "Height" })).rejects.toThrow(/no channel "Height"; channels: "Z", "Z backward"/);
    const all = await readImageStack(path);
    expect(all.map((i) => i.source.channel)).toEqual(spm.channels.map((c) => (c.direction === "backward" ? `${c.name} backward` : c.name)));
  });

  test("Nanonis .3ds (old header): grid shape, sweep axis, channels and sampled spectra agree with nanonispy (rows flipped: the first stored row is the bottom one)", async () => {
    const f = await readSPM(file("nanonis_STS_grid_lockin.3ds"));
    const r = ref["3ds"];
    const g = f.grid!;
    expect([g.width, g.height]).toEqual(r.dim);
    expect(g.points).toBe(200);
    expect(f.metadata.scanSize).toEqual({ width: r.size[0] * 1e9, height: r.size[1] * 1e9, unit: "nm" });
    expect(f.metadata.scanAngle).toBe(r.angle);
    expect(g.channels.map((c) => `${c.name} (${c.unit})`)).toEqual(r.channels);
    expect([g.axis.values[0], g.axis.values[199]]).toEqual(r.sweep.map(f32));
    expect(g.axis.name).toBe("Bias");
    // nanonispy [i, j, k]: i = stored row (slow, upwards), j = column, k = sweep point.
    for (const c of g.channels) {
      for (const [i, j, k, v] of r.samples[`${c.name} (${c.unit})`]) expect(c.data[((g.height - 1 - i) * g.width + j) * g.points + k]).toBe(f32(v));
    }
    const names = g.parameters.map((p) => p.name);
    for (const [i, j, k, v] of r.params) expect(g.parameters[k].data[(g.height - 1 - i) * g.width + j]).toBe(f32(v));
    // The orientation claim itself: after the flip, Y (rotated into the frame) decreases down the rows.
    const X = g.parameters[names.indexOf("X")].data;
    const Y = g.parameters[names.indexOf("Y")].data;
    const a = (45 * Math.PI) / 180;
    const v = (p: number): number => Math.sin(a) * X[p] + Math.cos(a) * Y[p];
    const u = (p: number): number => Math.cos(a) * X[p] - Math.sin(a) * Y[p];
    expect(v(0)).toBeGreaterThan(v((g.height - 1) * g.width));
    expect(u(g.width - 1)).toBeGreaterThan(u(0));
  });

  test("gridMap / gridSpectrum: the map at the sweep point nearest a bias, and one pixel's spectrum, equal nanonispy's values", async () => {
    const g = (await readSPM(file("nanonis_STS_grid_lockin.3ds"))).grid!;
    const r = ref["3ds"];
    expect(g.calibration).toEqual({ pixelSize: (r.size[0] * 1e9) / 30, unit: "nm" });
    for (const [i, j, k, v] of r.samples["LockinX (V)"]) {
      const { image, at, index } = gridMap(g, "LockinX", g.axis.values[k] + 1e-6);
      expect(index).toBe(k);
      expect(at).toBe(g.axis.values[k]);
      expect(image.data[(g.height - 1 - i) * g.width + j]).toBe(f32(v));
      expect(image.calibration).toEqual(g.calibration);
      expect(gridSpectrum(g, "LockinX", j, g.height - 1 - i)[k]).toBe(f32(v));
    }
    expect(() => gridMap(g, "dIdV", 0)).toThrow(/gridMap: no grid channel "dIdV"; channels: "Current", "LockinX", "LockinY", "Bias_m"/);
    expect(() => gridMap(g, "LockinX", 1)).toThrow(/gridMap: 1 V is outside the sweep -0.2199\d*\.\.0.2199\d* V/);
    expect(() => gridSpectrum(g, "LockinX", 30, 0)).toThrow(/pixel \(30, 0\) is outside the 30 × 30 grid/);
  });

  test("Nanonis .dat: 25 columns (repeated names kept apart by direction and [filt]) agree with nanonispy", async () => {
    const f = await readSPM(file("nanonis_BiasSpectroscopy.dat"));
    const s = f.spectra![0];
    const cols: string[] = ref.dat.columns;
    expect(cols.length).toBe(25);
    const all = [s.axis, ...s.signals];
    expect(all.length).toBe(25);
    const label = (x: { name: string; unit: string; direction: string | undefined }): string => `${x.name}|${x.unit}|${x.direction}`;
    expect(new Set(all.map(label)).size).toBe(25);
    expect(label(s.axis)).toBe("Bias calc|V|undefined");
    expect(label(s.signals[6])).toBe("Current|A|backward");
    expect(label(s.signals[12])).toBe("Current [filt]|A|forward");
    cols.forEach((c, i) => {
      for (const [k, v] of ref.dat.samples[c]) expect(all[i].values[k]).toBe(v);
    });
    expect(s.position!.x).toBeCloseTo(1101.23, 9);
  });

  test("Gwyddion .gwy: titles, units, sizes and pixels agree with gwyfile", async () => {
    const f = await readSPM(file("gwy_SingFreqPFM_0003.gwy"));
    expect(f.channels.map((c) => c.name)).toEqual(ref.gwy.map((c: any) => c.title));
    f.channels.forEach((c, i) => {
      const r = ref.gwy[i];
      expect(c.unit).toBe(r.unitZ);
      expect(c.direction).toBeUndefined();
      expect([c.image.width, c.image.height]).toEqual([r.xres, r.yres]);
      expect(c.image.calibration!.pixelSize).toBeCloseTo((r.xreal * 1e9) / r.xres, 9);
      for (const [row, col, v] of r.samples) expect(c.image.data[row * r.xres + col]).toBe(f32(v));
      let sum = 0;
      for (const x of c.image.data) sum += x;
      expect(sum).toBeCloseTo(r.sum, Math.max(0, -Math.floor(Math.log10(Math.abs(r.sum) + 1e-300)) + 3));
    });
    expect(f.metadata.scanSize!.width).toBeCloseTo(ref.gwy[0].xreal * 1e9, 6);
  });

  test("Igor .ibw (Asylum): layers, labels, units and pixels agree with igor2 (transposed and flipped: Igor is column-major, y up)", async () => {
    const f = await readSPM(file("asylum_BTFO_DSO_PFM.ibw"));
    const r = ref.ibw;
    expect(r.shape).toEqual([256, 256, 4]);
    // igor2 reads the whole 32-byte label: "PhaseRetracerace" for "PhaseRetrace\0race".
    expect(r.labels.slice(1)).toEqual(["HeightRetrace", "AmplitudeRetrace", "DeflectionRetrace", "PhaseRetracerace"]);
    expect(f.channels.map((c) => [c.name, c.unit, c.direction])).toEqual([
      ["HeightRetrace", "m", "backward"], ["AmplitudeRetrace", "m", "backward"], ["DeflectionRetrace", "m", "backward"], ["PhaseRetrace", "deg", "backward"],
    ]);
    expect(r.dataUnits).toBe("m");
    expect(f.metadata.warnings).toEqual([`PhaseRetrace: the wave's data unit is "m" for all layers; Asylum channels named "PhaseRetrace" are in "deg" (Gwyddion's rule), which is used`]);
    expect(f.channels[0].image.calibration).toEqual({ pixelSize: r.sfA[0] * 1e9, unit: "nm" });
    expect(f.metadata.header.ScanSize).toBe("2e-06");
    for (const [x, y, l, v] of r.samples) expect(f.channels[l].image.data[(255 - y) * 256 + x]).toBe(f32(v));
  });

  test("NanoScope force curve (v8.15): two channels, extend and retract of 512 points reversed (Gwyddion), scaled by hard scale x sensitivity, on the Z ramp", async () => {
    const f = await readSPM(file("bruker_ForceCurve_Sapphire.001"));
    expect(f.metadata.version).toBe("0x08150308");
    expect(f.channels).toEqual([]);
    expect(f.spectra!.map((s) => s.name)).toEqual(["Deflection Error", "Height Sensor"]);
    for (const s of f.spectra!) {
      expect(s.signals.map((x) => [x.name, x.unit, x.direction, x.values.length])).toEqual([[`${s.name} extend`, "nm", "forward", 512], [`${s.name} retract`, "nm", "backward", 512]]);
      // stored from the contact end; ours (as Gwyddion) from the far end of the ramp
      for (const [i, v] of ref.bruker[s.name]) expect(s.signals[i < 512 ? 0 : 1].values[511 - (i % 512)]).toBeCloseTo(v, 9);
      expect([s.axis.name, s.axis.unit]).toEqual(["Z ramp", "nm"]);
      expect(s.axis.values[511]).toBeCloseTo((511 * 16.72241 * 35.88) / 512, 9);
    }
    await expect(readImage(file("bruker_ForceCurve_Sapphire.001"))).rejects.toThrow(/holds no image channel \(it holds 2 spectra: use readSPM\)/);
  });

  test("Createc VERT: 1024 points, columns named by the channel mask, values as written", async () => {
    const f = await readSPM(file("createc_A190824.135614.VERT"));
    const s = f.spectra![0];
    expect(f.metadata.version).toBe("ParVERT30");
    expect(ref.vert.shape).toEqual([1024, 8]);
    const cols = [f.spectra![0].signals[0], s.axis, ...s.signals.slice(1)];
    expect(cols.map((c) => c.name)).toEqual(["index", "bias", "Z", "channel bit 0", "channel bit 4", "channel bit 5", "channel bit 6", "channel bit 12"]);
    expect(s.axis.unit).toBe("mV");
    for (const [i, j, v] of ref.vert.samples) expect(cols[j].values[i]).toBe(v);
    expect(f.metadata.warnings[0]).toMatch(/channel mask 4209/);
  });

  test("readImage on a spectra-only file names the format and what it holds", async () => {
    await expect(readImage(file("nanonis_BiasSpectroscopy.dat"))).rejects.toThrow(/a Nanonis \.dat point spectrum \(nanonis-dat\), which holds no 2-D image/);
  });
});
