import { readFileSync } from "node:fs";
import { decodeTiff, readImage, readImageStack, readPng, readTiff } from "../../src/io";
import { Fixtures, firstMismatch, makeFixtures } from "./fixtures";

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fx?.cleanup());

const TIFF_TYPES: Record<string, [string, number, string]> = {
  u1: ["uint", 8, "Uint8Array"], i1: ["int", 8, "Int8Array"], u2: ["uint", 16, "Uint16Array"], i2: ["int", 16, "Int16Array"],
  u4: ["uint", 32, "Uint32Array"], i4: ["int", 32, "Int32Array"], f2: ["float", 16, "Float32Array"], f4: ["float", 32, "Float32Array"], f8: ["float", 64, "Float64Array"],
};

describe("readTiff against tifffile: dtypes × byte order × compression × predictor", () => {
  const cases: string[] = [];
  for (const dt of Object.keys(TIFF_TYPES)) {
    for (const bo of ["le", "be"]) {
      cases.push(`tif_${dt}_${bo}_raw.tif`, `tif_${dt}_${bo}_zlib.tif`);
      if (dt[0] !== "f") cases.push(`tif_${dt}_${bo}_zlib_pred.tif`);
    }
  }
  it.each(cases)("%s", (name) => {
    const exp = fx.entry(name);
    const [page, ...rest] = readTiff(fx.path(name));
    expect(rest).toHaveLength(0);
    const dt = name.split("_")[1];
    const [fmt, bits, cls] = TIFF_TYPES[dt];
    expect(page).toMatchObject({ width: 11, height: 9, samplesPerPixel: 1, sampleFormat: fmt, bitsPerSample: bits });
    expect(page.data.constructor.name).toBe(cls);
    expect(firstMismatch(page.data, exp.values)).toBeNull();
  });
});

describe("readTiff: layouts and codecs", () => {
  it.each([
    ["tif_tiled.tif", 50, 40],
    ["tif_bigtiff.tif", 5, 4],
    ["tif_nan.tif", 7, 6],
  ])("%s (tiles, BigTIFF big-endian float64, NaN/Inf)", (name, w, h) => {
    const [page] = readTiff(fx.path(name));
    expect([page.width, page.height]).toEqual([w, h]);
    expect(firstMismatch(page.data, fx.entry(name).values)).toBeNull();
  });

  const pil = () => fx.names().filter((n) => n.startsWith("tif_pil_"));
  it("LZW, PackBits and Adobe Deflate written by Pillow/libtiff (8-bit, 16-bit, float32; 300×300 LZW reaching 12-bit codes)", () => {
    const names = pil();
    expect(names).toContain("tif_pil_lzw_large.tif");
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) {
      const [page] = readTiff(fx.path(name));
      const e = fx.entry(name);
      expect([page.height, page.width]).toEqual(e.shape);
      const mismatch = firstMismatch(page.data, e.values);
      expect(`${name}: ${mismatch}`).toBe(`${name}: null`);
    }
  });

  it.each(["tif_pred3_tiff_adobe_deflate.tif", "tif_pred3_tiff_lzw.tif", "tif_pred2_lzw_u16.tif"])(
    "predictors written by libtiff: %s",
    (name) => {
      const [page] = readTiff(fx.path(name));
      expect(page.data.constructor.name).toBe(name.includes("pred3") ? "Float32Array" : "Uint16Array");
      expect(firstMismatch(page.data, fx.entry(name).values)).toBeNull();
    },
  );

  it("reads every page of a multi-page file, and one page on request", () => {
    const e = fx.entry("tif_multipage.tif");
    const pages = readTiff(fx.path("tif_multipage.tif"));
    expect(pages).toHaveLength(3);
    const all = pages.flatMap((p) => Array.from(p.data as Float32Array));
    expect(firstMismatch(all, e.values)).toBeNull();
    const [p2] = readTiff(fx.path("tif_multipage.tif"), [2]);
    expect(firstMismatch(p2.data, e.values.slice(40))).toBeNull();
    expect(() => readTiff(fx.path("tif_multipage.tif"), [3])).toThrow(/page 3 does not exist: the file has 3 pages \(0\.\.2\)/);
  });

  it("RGB chunky and planar give the same samples", () => {
    const e = fx.entry("tif_rgb.tif");
    for (const name of ["tif_rgb.tif", "tif_rgb_planar.tif"]) {
      const [p] = readTiff(fx.path(name));
      expect(p.samplesPerPixel).toBe(3);
      expect(p.photometric).toBe(2);
      expect(firstMismatch(p.data, e.values)).toBeNull();
    }
  });

  it("takes the pixel size from ImageJ metadata", () => {
    const [p] = readTiff(fx.path("tif_imagej.tif"));
    expect(p.calibration?.unit).toBe("nm");
    expect(p.calibration?.pixelSize).toBeCloseTo(0.25, 12);
    expect(firstMismatch(p.data, fx.entry("tif_imagej.tif").values)).toBeNull();
  });

  it("does not alter the caller's bytes (decoding from a Buffer)", () => {
    const buf = readFileSync(fx.path("tif_i2_be_raw.tif"));
    const copy = Buffer.from(buf);
    decodeTiff(buf, "buffer");
    expect(buf.equals(copy)).toBe(true);
  });
});

describe("readTiff: broken files fail clearly", () => {
  it.each([
    ["bad_tif_truncated.tif", /readTiff\(".*bad_tif_truncated\.tif"\): truncated: page 0 strip \d+ needs bytes \d+\.\.\d+, the file has \d+/],
    ["bad_tif_ifd.tif", /readTiff\(".*bad_tif_ifd\.tif"\): truncated or corrupt: IFD 0 at byte \d+ \(\+2\) lies beyond the end of the file/],
    ["bad_tif_deflate.tif", /readTiff\(".*bad_tif_deflate\.tif"\): corrupt: page 0 strip 0 fails to decompress/],
    ["png_g8.png", /readTiff\(".*png_g8\.png"\): not a TIFF file: first bytes 89 50 4e 47/],
  ])("%s", (name, msg) => {
    expect(() => readTiff(fx.path(name))).toThrow(msg);
  });
});

describe("readPng", () => {
  it("8-bit and 16-bit greyscale exactly", () => {
    for (const name of ["png_g8.png", "png_g16.png"]) {
      const p = readPng(fx.path(name));
      expect([p.height, p.width]).toEqual([7, 9]);
      expect(p.colour).toBe(false);
      expect(p.bitDepth).toBe(name.includes("16") ? 16 : 8);
      expect(firstMismatch(p.data, fx.entry(name).values)).toBeNull();
    }
  });
  it("RGB and RGBA become BT.601 luminance (alpha ignored)", () => {
    for (const name of ["png_rgb.png", "png_rgba.png"]) {
      const p = readPng(fx.path(name));
      expect(p.colour).toBe(true);
      expect(firstMismatch(p.data, fx.entry(name).values, { tol: 1e-6 })).toBeNull();
    }
  });
  it("palette PNGs become the luminance of their palette colours", () => {
    const p = readPng(fx.path("png_palette.png"));
    expect(p.colour).toBe(true);
    expect(firstMismatch(p.data, fx.entry("png_palette.png").values, { tol: 1e-6 })).toBeNull();
  });
  it("low bit depths keep the stored levels (4-bit: 0..15, not rescaled to 0..255)", () => {
    const p = readPng(fx.path("png_g4.png"));
    expect(p.bitDepth).toBe(4);
    expect(firstMismatch(p.data, fx.entry("png_g4.png").values)).toBeNull();
  });
  it.each([
    ["bad_png_truncated.png", /readPng\(".*bad_png_truncated\.png"\): truncated or corrupt: chunk "IDAT" at byte 33 declares \d+ bytes, the file has \d+ left/],
    ["bad_png_crc.png", /readPng\(".*bad_png_crc\.png"\): corrupt: CRC mismatch in chunk "IDA." at byte 33/],
  ])("%s fails clearly", (name, msg) => {
    expect(() => readPng(fx.path(name))).toThrow(msg);
  });
});

describe("readImage / readImageStack on TIFF and PNG", () => {
  it("reads a TIFF page as float32 with x = column, y = row", async () => {
    const img = await readImage(fx.path("tif_u2_be_zlib_pred.tif"));
    expect([img.width, img.height]).toEqual([11, 9]);
    expect(img.data).toBeInstanceOf(Float32Array);
    expect(img.source).toMatchObject({ format: "tiff", dtype: "uint16", pageCount: 1 });
    const e = fx.entry("tif_u2_be_zlib_pred.tif").values as number[];
    expect(img.data[2 * 11 + 5]).toBe(e[2 * 11 + 5]);
  });
  it("needs a page for a multi-page TIFF and says how many there are", async () => {
    await expect(readImage(fx.path("tif_multipage.tif"))).rejects.toThrow(/readImage\(".*"\): the TIFF holds 3 images; pass \{ page: i \} with 0 ≤ i < 3, or use readImageStack/);
    const p1 = await readImage(fx.path("tif_multipage.tif"), { page: 1 });
    expect(firstMismatch(p1.data, fx.entry("tif_multipage.tif").values.slice(20, 40))).toBeNull();
    expect(p1.source.page).toBe(1);
    await expect(readImage(fx.path("tif_multipage.tif"), { page: 5 })).rejects.toThrow(/page 5 does not exist: the TIFF holds 3 images/);
  });
  it("readImageStack returns every page", async () => {
    const stack = await readImageStack(fx.path("tif_multipage.tif"));
    expect(stack.map((s) => s.source.page)).toEqual([0, 1, 2]);
    expect(firstMismatch(stack.flatMap((s) => Array.from(s.data)), fx.entry("tif_multipage.tif").values)).toBeNull();
  });
  it("keeps NaN and ±Inf pixels", async () => {
    const img = await readImage(fx.path("tif_nan.tif"));
    expect(Number.isNaN(img.data[0])).toBe(true);
    expect(img.data[1 * 7 + 1]).toBe(Infinity);
    expect(img.data[2 * 7 + 2]).toBe(-Infinity);
  });
  it("carries the ImageJ calibration", async () => {
    const img = await readImage(fx.path("tif_imagej.tif"));
    expect(img.calibration?.unit).toBe("nm");
    expect(img.calibration?.pixelSize).toBeCloseTo(0.25, 12);
  });
  it("converts RGB TIFF to luminance and says so", async () => {
    const img = await readImage(fx.path("tif_rgb.tif"));
    const rgb = fx.entry("tif_rgb.tif").values as number[];
    expect(img.data[3]).toBeCloseTo(0.299 * rgb[9] + 0.587 * rgb[10] + 0.114 * rgb[11], 4);
    expect(img.source.warnings.join()).toMatch(/BT\.601/);
  });
  it("reads PNG by content even with a misleading extension", async () => {
    const { copyFileSync } = await import("node:fs");
    copyFileSync(fx.path("png_g16.png"), fx.path("really_a_png.tif"));
    const img = await readImage(fx.path("really_a_png.tif"));
    expect(img.source.format).toBe("png");
    expect(firstMismatch(img.data, fx.entry("png_g16.png").values)).toBeNull();
  });
  it("refuses a JPK Instruments TIFF (raw counts without JPK's scaling), naming it; a plain TIFF with tag 32768 reads", async () => {
    for (const read of [readImage, readImageStack]) {
      await expect(read(fx.path("jpk_like.jpk"))).rejects.toThrow(/jpk_like\.jpk"\): a JPK Instruments TIFF \(JPK software 6\.0\.41\): its channels are raw integers .* no pixel values are returned; open it in Gwyddion/);
    }
    const img = await readImage(fx.path("tif_private_32768.tif"));
    expect(firstMismatch(img.data, fx.entry("tif_private_32768.tif").values)).toBeNull();
  });
  it("names the file and reason for a truncated TIFF", async () => {
    await expect(readImage(fx.path("bad_tif_truncated.tif"))).rejects.toThrow(/^readTiff\(".*bad_tif_truncated\.tif"\): truncated/);
  });
});
