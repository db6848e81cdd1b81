/**
 * Electron-microscopy formats read by content through the reader registry,
 * against rosettasciio 0.15 reading the same files in the same run
 * (tests/fixtures/io/em_reference.py): exact pixel values (float32), shapes,
 * calibrations, titles and tags. Files: the real ones in
 * ../shared/data/em-formats and files generated here (make_dm.py writes DM3/DM4
 * byte by byte for every data type; mrcfile writes .mrc), plus truncated and
 * corrupted variants, which must give errors naming the file.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { readImage, readImageStack, readNpy } from "../../src/io";
import type { LoadedImage } from "../../src/io";
import { PYTHON } from "./fixtures";
import { SHARED_DATA } from "../helpers/shared-data";

interface Axis { size: number; scale: number; offset: number; units: string }
interface Signal { shape: number[]; dtype: string; title: string; axes: Axis[]; npy?: string; tags?: Record<string, unknown> }
type Reference = Signal[] | { error: string };

const FIXTURES = resolve(__dirname, "..", "fixtures", "io");
const dir = mkdtempSync(join(tmpdir(), "causalscope-em-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const py = (script: string, ...args: string[]) => execFileSync(PYTHON, [join(FIXTURES, script), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

const generated = ["make_dm.py", "make_tia.py", "make_velox.py", "make_mrc.py"].flatMap((script) => py(script, dir).trim().split("\n").map((n) => join(dir, n)));
const EM = join(SHARED_DATA, "em-formats");
const real = existsSync(EM) ? ["multi_signal.dm3", "test-12_2D.dm4", "test-MonarcCL_mono-image.dm4", "test_diffraction_pattern.dm3", "test_stackbuilder_imagestack.dm3", "test_fft_packed_complex8.dm4", "64x64_TEM_images_acquire_1.ser", "64x64_TEM_images_acquire.emi", "Test_SI_16x16_ReducedData_215kx.emd"].map((n) => join(EM, n)) : [];
if (!real.length) console.warn(`\n*** SKIPPING the real-file cases: ${EM} is absent (../shared/data is not beside this checkout) ***\n`);
py("em_reference.py", dir, ...generated, ...real);
const reference = JSON.parse(readFileSync(join(dir, "reference.json"), "utf8")) as Record<string, Reference>;

/** The 2-D pages rosettasciio's signals give (real signals of ≥ 2 axes; frames along the leading axes), with the x axis. */
function referencePages(ref: Signal[]): { values: Float32Array; width: number; height: number; x: Axis; y: Axis; title: string; shape: number[]; tags?: Record<string, unknown> }[] {
  const pages = [];
  for (const s of ref) {
    if (!s.npy) continue;
    const a = readNpy(join(dir, s.npy));
    const [h, w] = s.shape.slice(-2);
    const frames = s.shape.slice(0, -2).reduce((p, q) => p * q, 1);
    for (let f = 0; f < frames; f++) {
      pages.push({ values: (a.data as Float32Array).subarray(f * w * h, (f + 1) * w * h), width: w, height: h, x: s.axes[s.axes.length - 1], y: s.axes[s.axes.length - 2], title: s.title, shape: s.shape, tags: s.tags });
    }
  }
  return pages;
}

/**
 * rosettasciio's unit in causalscope's: TIA's "1 / nm" is written "1/nm" (as DM files
 * write it), and Velox scales, which rosettasciio gives with a prefix chosen by the
 * field of view ("1 / µm", "µm"), are given in nm and 1/nm.
 */
function ourUnits(scale: number, units: string): { value: number; unit: string } {
  const length: Record<string, number> = { nm: 1, "µm": 1e3, um: 1e3, pm: 1e-3, mm: 1e6 };
  const m = /^1 \/ (\S+)$/.exec(units);
  if (m && length[m[1]] !== undefined) return m[1] === "nm" ? { value: scale, unit: "1/nm" } : { value: scale / length[m[1]], unit: "1/nm" };
  return { value: scale, unit: units };
}

function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/**
 * Every page we read equals rosettasciio's: values, size, calibration (x axis), title,
 * stored shape. `exactScale` false: the pixel size may differ by the rounding of
 * rosettasciio's unit conversion (pint, used for Velox), at most 1e-12 relative.
 */
function expectSameAsReference(file: string, stack: LoadedImage[], exactScale = true): void {
  const ref = reference[file];
  if (!Array.isArray(ref)) throw new Error(`rosettasciio could not read ${file}: ${(ref as { error: string }).error}`);
  const pages = referencePages(ref);
  expect(stack.length).toBe(pages.length);
  stack.forEach((img, i) => {
    const p = pages[i];
    expect([img.width, img.height]).toEqual([p.width, p.height]);
    expect(firstDiff(img.data, p.values)).toBe(-1);
    const want = ourUnits(p.x.scale, p.x.units);
    if (!want.unit && want.value === 1) expect(img.calibration).toBeUndefined();
    else if (exactScale && want.value === p.x.scale) expect(img.calibration).toEqual({ pixelSize: want.value, unit: want.unit });
    else {
      // rosettasciio converted the unit (pint): equal up to the conversion's rounding
      expect(img.calibration?.unit).toBe(want.unit);
      expect(Math.abs(img.calibration!.pixelSize / want.value - 1)).toBeLessThan(1e-12);
    }
    expect(img.source.shape).toEqual(p.shape);
    expect(img.source.metadata?.title ?? "").toBe(p.title);
  });
}

const dmFiles = [...generated, ...real].filter((f) => /\.dm[34]$/.test(f) && Array.isArray(reference[f]) && referencePages(reference[f] as Signal[]).length > 0);

describe("DigitalMicrograph .dm3/.dm4: equal to rosettasciio", () => {
  it("covers every DM image data type in both versions, big-endian data, stacks, spectrum images, several images", () => {
    const names = dmFiles.map((f) => basename(f));
    for (const t of [1, 2, 6, 7, 9, 10, 11, 12, 14, 23]) for (const v of [3, 4]) expect(names).toContain(`type${t}.dm${v}`);
    expect(names).toEqual(expect.arrayContaining(["bigendian_type10.dm3", "bigendian_type2.dm3", "stack.dm4", "spectrum_image.dm4", "two_images.dm3", "nonsquare.dm3"]));
  });

  const littleEndian = dmFiles.filter((f) => !basename(f).startsWith("bigendian"));
  it.each(littleEndian.map((f) => [basename(f), f]))("%s", async (_name, file) => {
    const stack = await readImageStack(file);
    expectSameAsReference(file, stack);
    stack.forEach((img) => expect(img.source.format).toBe("dm"));
  });

  it.each(["bigendian_type10.dm3", "bigendian_type2.dm3", "bigendian_type7.dm3"])("%s: big-endian image data equals the values written (rosettasciio reads it as little-endian)", async (name) => {
    const img = await readImage(join(dir, name));
    const truth = readNpy(join(dir, `${name}.truth.npy`)).data as Float32Array;
    expect(firstDiff(img.data, truth)).toBe(-1);
    expect(img.source.dtype).toMatch(/^>/);
    expect(img.calibration).toEqual({ pixelSize: 0.5, unit: "µm" });
    const rsciio = readNpy(join(dir, (reference[join(dir, name)] as Signal[])[0].npy!)).data as Float32Array;
    expect(firstDiff(rsciio, truth)).not.toBe(-1);
  });

  it("tags become metadata: the image's ImageTags as rosettasciio reads them", async () => {
    for (const file of dmFiles) {
      const ref = reference[file] as Signal[];
      const img = (await readImageStack(file))[0];
      const tags = img.source.metadata!.tags;
      // arrays above 64 KiB stay in the file (a placeholder string), and an empty DM
      // string (a uint16 array of length 0) is "" where rosettasciio keeps []; everything else must match
      const strip = (v: unknown, r: unknown): unknown =>
        (typeof v === "string" && v.startsWith("<DM array of ")) || (v === "" && Array.isArray(r) && r.length === 0) ? r : v && typeof v === "object" && !Array.isArray(v) && r && typeof r === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x, (r as Record<string, unknown>)[k])])) : v;
      expect(strip(tags, ref[0].tags)).toEqual(ref[0].tags);
    }
  });

  it("readImage: one image needs no page; several need { page }, and page k is frame k", async () => {
    const one = await readImage(join(dir, "type10.dm3"));
    expect([one.width, one.height, one.calibration]).toEqual([7, 5, { pixelSize: 0.25, unit: "nm" }]);
    expect(one.source.metadata).toMatchObject({ dmVersion: 3, dataType: 10, axes: [{ size: 7, scale: 0.25, offset: -0.75, units: "nm" }, { size: 5, scale: 0.25, offset: -0.25, units: "nm" }] });
    const stackFile = join(dir, "stack.dm4");
    await expect(readImage(stackFile)).rejects.toThrow(`readImage(${JSON.stringify(stackFile)}): the DM file holds 4 images; pass { page: i } with 0 ≤ i < 4, or use readImageStack`);
    const third = await readImage(stackFile, { page: 2 });
    expect(firstDiff(third.data, (await readImageStack(stackFile))[2].data)).toBe(-1);
    expect(third.source.page).toBe(2);
    const two = await readImageStack(join(dir, "two_images.dm3"));
    expect(two.map((i) => [i.width, i.height, i.source.metadata?.title, i.calibration?.unit])).toEqual([[7, 5, "first", "Å"], [4, 3, "second", "1/nm"]]);
  });

  it("RGB is read as BT.601 luminance, with a warning; non-square pixels warn", async () => {
    const rgb = await readImage(join(dir, "type23.dm4"));
    expect(rgb.source.warnings).toEqual(["RGB converted to luminance 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601)"]);
    const ns = await readImage(join(dir, "nonsquare.dm3"));
    expect(ns.calibration).toEqual({ pixelSize: 0.30000001192092896, unit: "nm" });
    expect(ns.source.warnings[0]).toMatch(/pixels are not square \(x 0\.3\d* nm, y 0\.6\d* nm\); pixelSize is the x scale/);
  });

  it.each([
    ["complex.dm3", /image 1 \("complex"\) holds complex64 data \(DM data type 3\): readImage gives real-valued images, complex data is not read/],
    ["spectrum_only.dm3", /the DM file holds no 2-D image/],
    ["bad_truncated_half.dm4", /truncated: the header says the tags take \d+ bytes after the 16-byte header, the file has \d+ bytes/],
    ["bad_truncated_tail.dm4", /truncated: the header says the tags take/],
    ["bad_delimiter.dm4", /corrupt tag "root\.ApplicationBounds" at byte \d+: expected the %%%% delimiter/],
    ["bad_struct_count.dm3", /corrupt tag "root\.Huge": array of 4000000000 elements in a file of \d+ bytes/],
    ["bad_dimensions.dm4", /image 1 \("type 10"\): dimensions \[70, 5\] of u2 need 700 bytes, the data array holds 70 \(corrupt file\?\)/],
  ])("%s is refused, naming the file", async (name, reason) => {
    const file = join(dir, name);
    for (const read of [() => readImage(file), () => readImageStack(file)]) {
      const err = await read().then(() => undefined, (e: Error) => e);
      expect(err?.message).toContain(JSON.stringify(file));
      expect(err?.message).toMatch(reason);
    }
  });

  it("an unknown DM version is not taken for a DM file", async () => {
    const file = join(dir, "bad_version.dm4");
    await expect(readImage(file)).rejects.toThrow(/unknown file format: first bytes 00 00 00 05/);
  });
});

describe("real DigitalMicrograph files: what their source project asserts", () => {
  const dm = (n: string) => join(EM, n);
  (real.length ? it : it.skip)("multi_signal.dm3: the HAADF image (pixel sum 949490255, 0.01775 nm/px); the 1-D plot is skipped", async () => {
    const stack = await readImageStack(dm("multi_signal.dm3"));
    expect(stack.length).toBe(1);
    expect(stack[0].data.reduce((a, b) => a + b, 0)).toBe(949490255);
    expect(stack[0].calibration).toEqual({ pixelSize: 0.017751578241586685, unit: "nm" });
    expect(stack[0].source.metadata?.title).toBe("HAADF");
  });
  (real.length ? it : it.skip)("test_fft_packed_complex8.dm4: packed complex is refused, naming the file", async () => {
    await expect(readImage(dm("test_fft_packed_complex8.dm4"))).rejects.toThrow(/test_fft_packed_complex8\.dm4"\): image 1 \("FFT of untitled2"\) holds packed complex64 \(FFT\) data \(DM data type 27\)/);
  });
  (real.length ? it : it.skip)("test_stackbuilder_imagestack.dm3: 3 frames of 16 × 2, uint32, 0.05998 µm/px", async () => {
    const s = await readImageStack(dm("test_stackbuilder_imagestack.dm3"));
    expect(s.map((i) => [i.width, i.height, i.source.dtype])).toEqual([[16, 2, "<u4"], [16, 2, "<u4"], [16, 2, "<u4"]]);
    expect(s[0].calibration).toEqual({ pixelSize: 0.05998290330171585, unit: "µm" });
  });
});

const tiaFiles = [...generated, ...real].filter((f) => /(\.emi|type\d_1\.ser|64x64_TEM_images_acquire_1\.ser)$/.test(f) && Array.isArray(reference[f]));

describe("FEI TIA .ser/.emi: equal to rosettasciio", () => {
  it("covers every real TIA pixel type, series versions 528 and 544, image and diffraction units", () => {
    const names = tiaFiles.map((f) => basename(f));
    for (const t of [1, 2, 3, 4, 5, 6, 7, 8]) expect(names).toContain(`type${t}_1.ser`);
    expect(names).toEqual(expect.arrayContaining(["series.emi", "wide.emi"]));
  });

  it.each(tiaFiles.map((f) => [basename(f), f]))("%s", async (_name, file) => {
    const stack = await readImageStack(file);
    expectSameAsReference(file, stack);
  });

  it("a .ser read directly uses the .emi beside it (metres or 1/m); without one, metres with a warning", async () => {
    const viaSer = await readImageStack(join(dir, "wide_1.ser"));
    const viaEmi = await readImageStack(join(dir, "wide.emi"));
    expect(viaSer.map((i) => [i.calibration, Array.from(i.data)])).toEqual(viaEmi.map((i) => [i.calibration, Array.from(i.data)]));
    expect(viaSer[0].calibration).toEqual({ pixelSize: 0.015, unit: "1/nm" });
    expect(viaSer[0].source.metadata).toMatchObject({ seriesVersion: 544, experimentalDescription: { Mode: " TEM uP SA Zoom Diffraction", "High tension_kV": 300 } });
    const alone = await readImage(join(dir, "type5_1.ser"));
    expect(alone.source.warnings).toEqual(["no .emi file beside the .ser: the pixel size is taken to be in metres (it may be 1/m for a diffraction pattern)"]);
    await expect(readImage(join(dir, "series.emi"))).rejects.toThrow(/the TIA files holds 3 images; pass \{ page: i \}/);
    expect((await readImage(join(dir, "series_1.ser"), { page: 1 })).source.page).toBe(1);
  });

  it.each([
    ["complex_1.ser", /element 0 holds complex data \(TIA data type 9\)/],
    ["bad_cut_1.ser", /truncated: element 2 \(7×5 <u2\) needs bytes \d+\.\.\d+, the file has \d+/],
    ["bad_offsets_1.ser", /truncated: the data offset array at byte \d+ \(12 bytes\) lies beyond the end of the file/],
  ])("%s is refused, naming the file", async (name, reason) => {
    const file = join(dir, name);
    await expect(readImageStack(file)).rejects.toThrow(`readImageStack(${JSON.stringify(file)}): `);
    await expect(readImageStack(file)).rejects.toThrow(reason);
  });

  (real.length ? it : it.skip)("64x64_TEM_images_acquire: 64 × 64 float32 at 6.2818 nm/px; .ser and .emi give the same image", async () => {
    const ser = await readImage(join(EM, "64x64_TEM_images_acquire_1.ser"));
    const emi = await readImage(join(EM, "64x64_TEM_images_acquire.emi"));
    expect([ser.width, ser.height, ser.source.dtype]).toEqual([64, 64, "<f4"]);
    expect(ser.calibration).toEqual({ pixelSize: 6.281833616298531, unit: "nm" });
    expect(firstDiff(ser.data, emi.data)).toBe(-1);
    expect(emi.source.metadata).toMatchObject({ seriesVersion: 528, experimentalDescription: { Microscope: "Microscope Tecnai 200 kV D2267 SuperTwin", Magnification_x: 19500 } });
  });
});

describe("Thermo Fisher Velox .emd: equal to rosettasciio", () => {
  const velox = [join(dir, "velox_images.emd"), ...real.filter((f) => f.endsWith(".emd"))];
  it.each(velox.map((f) => [basename(f), f]))("%s", async (_name, file) => {
    const stack = await readImageStack(file);
    expectSameAsReference(file, stack, false);
    stack.forEach((img) => expect(img.source.format).toBe("velox"));
  });

  it("[rows, columns, frames] gives frames as pages; pixel sizes in nm and 1/nm; the values written", async () => {
    const s = await readImageStack(join(dir, "velox_images.emd"));
    const frames = readNpy(join(dir, "velox_images.stack.npy")).data as Float32Array;
    const pattern = readNpy(join(dir, "velox_images.pattern.npy")).data as Float32Array;
    expect(s.map((i) => [i.width, i.height, i.calibration, i.source.metadata?.title, i.source.dtype])).toEqual([
      [8, 6, { pixelSize: 0.25, unit: "nm" }, "HAADF", "<u2"], [8, 6, { pixelSize: 0.25, unit: "nm" }, "HAADF", "<u2"], [8, 6, { pixelSize: 0.25, unit: "nm" }, "HAADF", "<u2"],
      [7, 5, { pixelSize: 0.125, unit: "1/nm" }, "BM-Ceta", "<f4"],
    ]);
    for (let f = 0; f < 3; f++) expect(firstDiff(s[f].data, frames.subarray(f * 48, (f + 1) * 48))).toBe(-1);
    expect(firstDiff(s[3].data, pattern)).toBe(-1);
    const one = await readImage(join(dir, "velox_images.emd"), { page: 3 });
    expect(one.source.metadata).toMatchObject({ frame: 0, metadata: { Optics: { AccelerationVoltage: "300000" } } });
  });

  it("an FFT (compound, complex) image is refused, naming the file", async () => {
    const file = join(dir, "velox_fft.emd");
    await expect(readImageStack(file)).rejects.toThrow(`readImageStack(${JSON.stringify(file)}): Velox image c3333333333333333333333333333333 (/Data/Image/c3333333333333333333333333333333/Data) has dtype compound: FFT and DPC images are complex (compound) data`);
  });

  (real.length ? it : it.skip)("Test_SI_16x16_ReducedData_215kx.emd: five 16 × 16 maps at 3.5992 nm/px titled C, Ca, O, Cu, HAADF", async () => {
    const s = await readImageStack(join(EM, "Test_SI_16x16_ReducedData_215kx.emd"));
    expect(s.map((i) => i.source.metadata?.title)).toEqual(["C", "Ca", "O", "Cu", "HAADF"]);
    expect(s.map((i) => i.source.dtype)).toEqual(["<f4", "<f4", "<f4", "<f4", "<u2"]);
    expect(s[4].calibration?.pixelSize).toBeCloseTo(3.5992492559614689, 12);
  });
});

describe("MRC: pixels equal to mrcfile, calibration to rosettasciio", () => {
  const mrc = generated.filter((f) => f.endsWith(".mrc") && existsSync(`${f}.mrcfile.npy`));
  it("covers modes 0, 1, 2, 6, 12, a stack, big-endian data, an extended header", () => {
    const modes = mrc.map((f) => (JSON.parse(readFileSync(`${f}.voxel.json`, "utf8")) as { mode: number }).mode);
    expect(new Set(modes)).toEqual(new Set([0, 1, 2, 6, 12]));
    expect(mrc.map((f) => basename(f))).toEqual(expect.arrayContaining(["stack.mrc", "bigendian.mrc", "extended.mrc"]));
  });

  it.each(mrc.map((f) => [basename(f), f]))("%s", async (_name, file) => {
    const stack = await readImageStack(file);
    const want = readNpy(`${file}.mrcfile.npy`);
    const [h, w] = want.shape.slice(-2);
    expect(stack.length).toBe(want.shape.length === 3 ? want.shape[0] : 1);
    stack.forEach((img, k) => {
      expect([img.width, img.height, img.source.format]).toEqual([w, h, "mrc"]);
      expect(firstDiff(img.data, (want.data as Float32Array).subarray(k * w * h, (k + 1) * w * h))).toBe(-1);
    });
    const voxel = JSON.parse(readFileSync(`${file}.voxel.json`, "utf8")) as { x: number };
    expect(stack[0].calibration?.unit).toBe("nm");
    expect(Math.abs(stack[0].calibration!.pixelSize - voxel.x / 10)).toBeLessThan(1e-15);
    const ref = reference[file];
    if (Array.isArray(ref)) {
      // rosettasciio's scale exactly (it reads big-endian files and mode 0 differently: see the next test)
      expect(stack[0].calibration!.pixelSize).toBe(ref[0].axes[ref[0].axes.length - 1].scale);
    }
  });

  it("where rosettasciio differs, it is rosettasciio: mode 0 read as uint8 (MRC2014 and mrcfile: int8), big-endian files refused", async () => {
    const int8 = await readImage(join(dir, "mode_int8.mrc"));
    expect(Math.min(...int8.data)).toBeLessThan(0);
    expect(int8.source.dtype).toBe("|i1");
    expect((reference[join(dir, "mode_int8.mrc")] as Signal[])[0].dtype).toBe("uint8");
    expect((reference[join(dir, "bigendian.mrc")] as { error: string }).error).toMatch(/Unrecognised mode/);
    expect((await readImage(join(dir, "bigendian.mrc"))).source.dtype).toBe(">i2");
  });

  it("metadata, non-square pixels, the stack's sections as pages", async () => {
    const s = await readImageStack(join(dir, "stack.mrc"));
    expect(s.map((i) => i.source.metadata?.section)).toEqual([0, 1, 2, 3]);
    expect(s[0].source.metadata).toMatchObject({ mode: 2, nx: 9, ny: 6, nz: 4, mapcrs: [1, 2, 3] });
    const ns = await readImage(join(dir, "nonsquare.mrc"));
    expect(ns.source.warnings).toEqual(["pixels are not square (x 0.1 nm, y 0.2 nm); pixelSize is the x scale"]);
    await expect(readImage(join(dir, "stack.mrc"))).rejects.toThrow(/the MRC file holds 4 images; pass \{ page: i \}/);
  });

  it.each([
    ["complex.mrc", /MRC mode 4 \(complex float32\): readImage gives real-valued images, this mode is not read/],
    ["bad_truncated.mrc", /truncated: the header says 4 sections of 9 × 6 f4 after 1024 header bytes \(1888 bytes\), the file has 1788/],
    ["bad_mode.mrc", /MRC mode 77 is not an MRC2014 mode/],
  ])("%s is refused, naming the file", async (name, reason) => {
    const file = join(dir, name);
    await expect(readImageStack(file)).rejects.toThrow(`readImageStack(${JSON.stringify(file)}): `);
    await expect(readImageStack(file)).rejects.toThrow(reason);
  });
});
