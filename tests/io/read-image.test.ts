import { copyFileSync } from "node:fs";
import { detectFormat, readImage, readImageStack } from "../../src/io";
import { isImage } from "../../src/image";
import { Fixtures, firstMismatch, makeFixtures } from "./fixtures";

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fx?.cleanup());

describe("readImage dispatches on content, not extension", () => {
  it.each([
    ["npy_f4_le_C.npy", "npy"],
    ["tif_u1_le_raw.tif", "tiff"],
    ["png_g8.png", "png"],
    ["h5_emd.emd", "hdf5"],
  ])("%s → %s, whatever the file is called", async (name, format) => {
    const renamed = fx.path(`renamed_${name}.dat`);
    copyFileSync(fx.path(name), renamed);
    const img = await readImage(renamed);
    expect(img.source.format).toBe(format);
    expect(isImage(img)).toBe(true);
  });

  it("names the file and the magic bytes of an unknown format", async () => {
    await expect(readImage(fx.path("unknown.bin"))).rejects.toThrow(
      /^readImage\(".*unknown\.bin"\): unknown file format: first bytes 47 49 46 38 39 61 01 00 \("GIF89a\.\."\); formats tried: npy \(93 4e 55 4d 50 59/,
    );
  });
  it("says a file is empty or missing", async () => {
    await expect(readImage(fx.path("empty.npy"))).rejects.toThrow(/readImage\(".*empty\.npy"\): the file is empty \(0 bytes\)/);
    await expect(readImage(fx.path("missing.npy"))).rejects.toThrow(/readImage\(".*missing\.npy"\): cannot open: ENOENT/);
  });
  it("detectFormat on bytes", () => {
    expect(detectFormat(Uint8Array.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8]))).toBe("tiff");
    expect(detectFormat(Uint8Array.from([0x49, 0x49, 43, 0, 8, 0, 0, 0]))).toBe("tiff"); // BigTIFF
    expect(detectFormat(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))).toBeNull();
  });
});

describe("readImage on .npy", () => {
  it("reads every dtype as float32 pixels, values as numpy wrote them", async () => {
    for (const dt of ["b1", "i1", "u1", "i2", "u2", "i4", "u4", "f2", "f4"]) {
      const name = `npy_${dt}_${dt.endsWith("1") ? "le" : "be"}_C.npy`;
      const img = await readImage(fx.path(name));
      expect([img.height, img.width]).toEqual([3, 4]);
      // float32 holds these exactly except 32-bit integers beyond 2^24: compare through Math.fround
      const exp = fx.entry(name).values.map((v) => (typeof v === "number" ? Math.fround(v) : v));
      expect(`${name}: ${firstMismatch(img.data, exp)}`).toBe(`${name}: null`);
    }
  });
  it("keeps NaN and ±Inf pixels", async () => {
    const img = await readImage(fx.path("npy_img_nan.npy"));
    expect(firstMismatch(img.data, fx.entry("npy_img_nan.npy").values)).toBeNull();
    expect(Number.isNaN(img.data[0])).toBe(true);
    expect(img.data[8]).toBe(Infinity);
    expect(img.data[16]).toBe(-Infinity);
  });
  it("3-D arrays: a page, or the whole stack", async () => {
    await expect(readImage(fx.path("npy_stack.npy"))).rejects.toThrow(/the array of shape \[3, 5, 6\] holds 3 images; pass \{ page: i \} with 0 ≤ i < 3, or use readImageStack/);
    const p1 = await readImage(fx.path("npy_stack.npy"), { page: 1 });
    expect(p1.source).toMatchObject({ page: 1, pageCount: 3, shape: [3, 5, 6], dtype: "<f4" });
    expect(firstMismatch(p1.data, fx.entry("npy_stack.npy").values.slice(30, 60))).toBeNull();
    const stack = await readImageStack(fx.path("npy_stack.npy"));
    expect(stack.map((s) => [s.width, s.height, s.source.page])).toEqual([[6, 5, 0], [6, 5, 1], [6, 5, 2]]);
    expect(stack[0].data.buffer).not.toBe(stack[1].data.buffer); // each frame owns its pixels
  });
  it("reads a Fortran-ordered 3-D array frame by frame in C order", async () => {
    const stack = await readImageStack(fx.path("npy_u2_be_F.npy"));
    expect(stack).toHaveLength(3);
    expect(firstMismatch(stack.flatMap((s) => Array.from(s.data)), fx.entry("npy_u2_be_F.npy").values)).toBeNull();
  });
  it("refuses zero-size, 0-d and 1-d arrays clearly", async () => {
    await expect(readImage(fx.path("npy_zero.npy"))).rejects.toThrow(/readImage\(".*npy_zero\.npy"\): the array \(dtype <f4\) has shape \[0, 5\]: zero-size array, no pixels to read/);
    await expect(readImage(fx.path("npy_scalar.npy"))).rejects.toThrow(/has shape \[\]: an image needs 2 axes \(height, width\)/);
    await expect(readImage(fx.path("npy_i8_big.npy"))).rejects.toThrow(/has shape \[3\]: an image needs 2 axes/);
  });
  it("passes on the reader's reason for a broken file", async () => {
    await expect(readImage(fx.path("bad_npy_truncated.npy"))).rejects.toThrow(/readNpy\(".*bad_npy_truncated\.npy"\): truncated: header says 96 bytes of data/);
    await expect(readImage(fx.path("npy_complex.npy"))).rejects.toThrow(/complex dtype <c8 is not supported/);
  });
});

describe("readImage options", () => {
  it("a page that does not exist in a 2-D image", async () => {
    await expect(readImage(fx.path("png_g8.png"), { page: 1 })).rejects.toThrow(/page 1 does not exist: the PNG holds 1 image/);
    await expect(readImage(fx.path("h5_emd.emd"), { page: 2 })).rejects.toThrow(/page 2 does not exist: dataset "\/data\/single\/data" \(shape \[6, 8\]\) holds 1 image/);
  });
  it("`unit` fills in a missing unit but never overrides one the file states", async () => {
    const img = await readImage(fx.path("h5_hyperspy.hspy"), { unit: "pm" });
    expect(img.calibration?.unit).toBe("nm");
  });
});
