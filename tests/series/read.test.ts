/**
 * readSeries (src/series/read.ts) on stacks written by numpy, tifffile, h5py
 * and Pillow (tests/series/make_series_fixtures.py): every frame equals the
 * written one, time stamps and calibration come from the file, and bad
 * input fails naming the file and the reason. makeSeries checks the same.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readSeries, makeSeries, type Series } from "../../src/series";
import { readNpy } from "../../src/io";

const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(resolve(__dirname, "..", ".."), ".venv", "bin", "python");
let dir = "";
let base: Float32Array;
const p = (name: string) => join(dir, name);

beforeAll(() => {
  if (!existsSync(PYTHON)) throw new Error(`series fixtures need the project venv's Python at ${PYTHON} (numpy, tifffile, h5py, pillow): run \`node scripts/venv.mjs\``);
  dir = mkdtempSync(join(tmpdir(), "cs-series-read-"));
  execFileSync(PYTHON, [join(__dirname, "make_series_fixtures.py"), dir], { stdio: ["ignore", "pipe", "inherit"] });
  base = Float32Array.from(readNpy(p("base.npy")).data as Uint16Array);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every frame of `s` equals frame i of base.npy (6 × 20 × 24). */
function expectBase(s: Series): void {
  expect(s.length).toBe(6);
  expect([s.width, s.height]).toEqual([24, 20]);
  for (let i = 0; i < 6; i++) {
    const f = s.frame(i);
    expect(f.data).toEqual(base.subarray(i * 480, (i + 1) * 480));
  }
}

describe("readSeries reads every format's frames exactly", () => {
  it.each(["stack_u2.npy", "stack_f4.npy", "plain.tif"])("%s: 6 frames, no time stamps", async (name) => {
    const s = await readSeries(p(name));
    expectBase(s);
    expect(s.times).toBeUndefined();
    s.close();
    expect(() => s.frame(0)).toThrow(/the series has been closed/);
  });

  it("ImageJ TIFF: pixel size from the resolution, times from finterval (0.5 s)", async () => {
    const s = await readSeries(p("imagej.tif"));
    expectBase(s);
    expect(s.calibration).toEqual({ pixelSize: 0.25, unit: "nm" });
    expect(s.frame(3).calibration).toEqual({ pixelSize: 0.25, unit: "nm" });
    expect(Array.from(s.times!)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(s.timeUnit).toBe("s");
  });

  it("HyperSpy: frames as hyperslabs of a gzip-chunked dataset, times offset + i·scale from axis-0 (s), calibration from axis-2", async () => {
    const s = await readSeries(p("movie.hspy"));
    expectBase(s);
    expect(s.calibration).toEqual({ pixelSize: 0.02, unit: "nm" });
    Array.from(s.times!).forEach((t, i) => expect(t).toBeCloseTo(1 + 0.2 * i, 12));
    expect(s.timeUnit).toBe("s");
    s.close();
  });

  it("EMD: times from the dim1 vector, pixel size from dim3", async () => {
    const s = await readSeries(p("movie.emd"));
    expectBase(s);
    expect(Array.from(s.times!)).toEqual([0, 0.1, 0.3, 0.35, 0.5, 0.9]);
    expect(s.calibration?.unit).toBe("nm");
    expect(s.calibration?.pixelSize).toBeCloseTo(0.05, 12);
    s.close();
  });

  it("a folder of .npy, 16-bit PNG and TIFF files in natural name order (f2 before f10), hidden files skipped", async () => {
    const s = await readSeries(p("folder"));
    expectBase(s);
    expect(s.warnings).toEqual([]);
    expect([...s].length).toBe(6);
  });

  it("options.times replaces the file's", async () => {
    const s = await readSeries(p("stack_u2.npy"), { times: [0, 1, 2, 3, 4, 5], timeUnit: "min" });
    expect(Array.from(s.times!)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.timeUnit).toBe("min");
  });

  it("displays as a summary line and frame 0", async () => {
    const s = await readSeries(p("imagej.tif"));
    const b = s.toMimeBundle();
    expect(b["text/plain"]).toMatch(/^Series: 6 frames of 24×20, 0.25 nm\/px, t 0..2.5 s/);
    expect(typeof b["image/png"]).toBe("string");
  });
});

describe("readSeries refuses bad input naming the file and the reason", () => {
  it.each([
    ["single.npy", /readSeries\(".*single\.npy"\): the array holds a single 24×20 image; a series needs at least 2 frames/],
    ["single.tif", /readSeries\(".*single\.tif"\): holds a single 24×20 image; a series needs at least 2 frames/],
    ["sizes.tif", /readSeries\(".*sizes\.tif"\): frames of different sizes: page 1 is 20×20, page 0 is 24×20/],
    ["mixed", /readSeries\(".*mixed"\): frames of different sizes: b\.npy is 23×20, a\.npy is 24×20/],
    ["backwards.hspy", /readSeries\(".*backwards\.hspy"\): the series is not time-ordered: frame 1 is at 0\.8, frame 0 at 1/],
    ["unordered.emd", /readSeries\(".*unordered\.emd"\): the series is not time-ordered: frame 2 is at 0\.05, frame 1 at 0\.1/],
    ["missing.npy", /readSeries\(".*missing\.npy"\): cannot open/],
  ])("%s", async (name, message) => {
    await expect(readSeries(p(name))).rejects.toThrow(message);
  });

  it("a frame with a NaN pixel throws when read, naming the frame and the pixel", async () => {
    const s = await readSeries(p("nan.npy"));
    expect(s.frame(1).width).toBe(24);
    expect(() => s.frame(2)).toThrow(/Series\.frame\(".*nan\.npy"\): frame 2 has a non-finite pixel \(NaN at x = 7, y = 5\)/);
    expect(() => s.frame(6)).toThrow(/frame 6 does not exist: the series holds 4 frames \(0\.\.3\)/);
  });

  it("options.times must increase", async () => {
    await expect(readSeries(p("stack_u2.npy"), { times: [0, 1, 2, 2, 4, 5] })).rejects.toThrow(/not time-ordered: frame 3 is at 2, frame 2 at 2/);
    await expect(readSeries(p("stack_u2.npy"), { times: [0, 1] })).rejects.toThrow(/2 time stamps for 6 frames/);
  });
});

describe("makeSeries", () => {
  const img = (w: number, h: number, v = 1) => ({ data: new Float32Array(w * h).fill(v), width: w, height: h });
  it("builds a series from images in memory and returns copies", () => {
    const frames = [img(4, 3, 1), img(4, 3, 2)];
    const s = makeSeries(frames, { times: [0, 0.1] });
    expect(s.length).toBe(2);
    expect(s.timeUnit).toBe("s");
    s.frame(1).data[0] = 99;
    expect(frames[1].data[0]).toBe(2);
  });
  it("refuses a single frame, frames of different sizes, NaN frames and unordered times", () => {
    expect(() => makeSeries([img(4, 3)])).toThrow(/makeSeries\("memory"\): holds 1 frame; a series needs at least 2 frames/);
    expect(() => makeSeries([img(4, 3), img(3, 4)])).toThrow(/frames of different sizes: frame 1 is 3×4, the series is 4×3/);
    expect(() => makeSeries([img(4, 3), img(4, 3, NaN)])).toThrow(/frame 1 has a non-finite pixel \(NaN at x = 0, y = 0\)/);
    expect(() => makeSeries([img(4, 3), img(4, 3)], { times: [1, 0] })).toThrow(/not time-ordered: frame 1 is at 0, frame 0 at 1/);
  });
});
