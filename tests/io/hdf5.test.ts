import { findHdf5Image, listHdf5, openHdf5, readHdf5Attrs, readHdf5Dataset, readImage, readImageStack } from "../../src/io";
import { Fixtures, firstMismatch, makeFixtures } from "./fixtures";

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fx?.cleanup());

const H5_DTYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"];

describe("readHdf5Dataset against h5py: every numeric dtype, both byte orders", () => {
  const cases: string[] = [];
  for (const dt of H5_DTYPES) for (const bo of dt.endsWith("1") ? ["le"] : ["le", "be"]) cases.push(`${dt}_${bo}`);
  it.each(cases)("%s", async (key) => {
    const name = `h5_dtypes.h5:/${key}`;
    const exp = fx.entry(name);
    const ds = await readHdf5Dataset(fx.path("h5_dtypes.h5"), key);
    expect(ds.shape).toEqual([5, 6]);
    expect(ds.dtype).toBe(exp.dtype);
    expect(firstMismatch(ds.data as ArrayLike<number>, exp.values)).toBeNull();
  });

  it("decodes float16 itself (h5wasm refuses it): NaN, ±Inf, -0, subnormal", async () => {
    const ds = await readHdf5Dataset(fx.path("h5_dtypes.h5"), "/f2_be");
    const d = ds.data as Float32Array;
    expect(d).toBeInstanceOf(Float32Array);
    expect(Number.isNaN(d[0])).toBe(true);
    expect([d[1], d[2]]).toEqual([Infinity, -Infinity]);
    expect(Object.is(d[3], -0)).toBe(true);
    expect(d[4]).toBe(2 ** -16);
  });

  it.each(["gzip_shuffle", "szip", "bool"])("filters and types h5wasm supports: %s", async (key) => {
    const ds = await readHdf5Dataset(fx.path("h5_dtypes.h5"), key);
    expect(firstMismatch(ds.data as ArrayLike<number>, fx.entry(`h5_dtypes.h5:/${key}`).values)).toBeNull();
    if (key === "bool") expect(ds.dtype).toBe("|b1");
  });

  it("reads string datasets and attributes", async () => {
    expect((await readHdf5Dataset(fx.path("h5_dtypes.h5"), "strings")).data).toEqual(["Au", "Ag"]);
    expect((await readHdf5Dataset(fx.path("h5_dtypes.h5"), "vstrings")).data).toEqual(["Sr", "Ti", "O"]);
    const ds = await readHdf5Dataset(fx.path("h5_dtypes.h5"), "f4_le");
    expect(ds.attrs).toEqual({ scale: 0.5, units: "nm", vec: [1, 2, 3] });
    expect(await readHdf5Attrs(fx.path("h5_dtypes.h5"), "/f4_le")).toEqual(ds.attrs);
  });

  it("reads a hyperslab (one frame of a stack)", async () => {
    const ds = await readHdf5Dataset(fx.path("h5_stack.h5"), "frames", { slice: [[1, 2], null, [2, 5]] });
    expect(ds.shape).toEqual([1, 5, 3]);
    const all = fx.entry("h5_stack.h5").values;
    const expected: (number | string)[] = [];
    for (let y = 0; y < 5; y++) for (let x = 2; x < 5; x++) expected.push(all[30 + y * 6 + x]);
    expect(firstMismatch(ds.data as Float32Array, expected)).toBeNull();
    await expect(readHdf5Dataset(fx.path("h5_stack.h5"), "frames", { slice: [[0, 4]] })).rejects.toThrow(/slice range \[0, 4\) is outside axis 0 of "frames" \(length 3\)/);
  });

  it("reads a zero-size dataset as empty, and readImage refuses it clearly", async () => {
    const ds = await readHdf5Dataset(fx.path("h5_misc.h5"), "empty");
    expect(ds.shape).toEqual([0, 5]);
    expect(ds.data.length).toBe(0);
    await expect(readImage(fx.path("h5_misc.h5"), { dataset: "empty" })).rejects.toThrow(/readImage\(".*h5_misc\.h5"\): dataset "\/empty" \(<f4\) has shape \[0, 5\]: zero-size array, no pixels/);
  });
});

describe("HDF5: unsupported filters and broken files never give silent garbage", () => {
  it("LZF (a filter h5wasm lacks) is decoded by causalscope: equals what h5py wrote", async () => {
    const lzf = await readHdf5Dataset(fx.path("h5_lzf.h5"), "lzf");
    const tile = Float32Array.from({ length: 100 * 100 }, (_, i) => i % 100);
    expect(lzf.shape).toEqual([100, 100]);
    expect(firstMismatch(lzf.data as Float32Array, Array.from(tile))).toBeNull();
    const img = await readImage(fx.path("h5_lzf.h5"), { dataset: "lzf" });
    expect(firstMismatch(img.data, Array.from(tile))).toBeNull();
    // (filters nobody decodes are refused by name: tests/io/hdf5-filters.test.ts)
  });
  it("a chunk whose optional Blosc filter was skipped on write (filter mask set) reads as stored", async () => {
    const d = await readHdf5Dataset(fx.path("h5_blosc_id.h5"), "blosc");
    expect(Array.from(d.data as Float32Array)).toEqual(new Array(64).fill(1));
  });
  it("a truncated file", async () => {
    await expect(readImage(fx.path("bad_h5_truncated.h5"))).rejects.toThrow(/readImage\(".*bad_h5_truncated\.h5"\): truncated: the HDF5 superblock says the file is \d+ bytes long, it has \d+/);
    await expect(listHdf5(fx.path("bad_h5_truncated.h5"))).rejects.toThrow(/listHdf5\(".*"\): truncated/);
  });
  it("a file with a user block (signature at byte 512), intact and truncated", async () => {
    const img = await readImage(fx.path("h5_userblock.h5"));
    expect(img.source).toMatchObject({ format: "hdf5", dataset: "/img" });
    expect(firstMismatch(img.data, fx.entry("h5_misc.h5:/images/nan").values)).toBeNull();
    await expect(readImage(fx.path("bad_h5_userblock_truncated.h5"))).rejects.toThrow(/truncated: the HDF5 superblock says the file is \d+ bytes long, it has 1500/);
  });
  it("a corrupted gzip chunk", async () => {
    await expect(readHdf5Dataset(fx.path("bad_h5_corrupt_chunk.h5"), "data")).rejects.toThrow(
      /readHdf5Dataset\(".*bad_h5_corrupt_chunk\.h5"\): reading "data" failed \(corrupt or truncated file\?\): .*filter/i,
    );
  });
  it("not an HDF5 file, missing dataset, group instead of dataset", async () => {
    await expect(readHdf5Dataset(fx.path("png_g8.png"), "x")).rejects.toThrow(/not an HDF5 file: first bytes 89 50 4e 47 0d 0a 1a 0a/);
    await expect(readHdf5Dataset(fx.path("h5_stack.h5"), "nope")).rejects.toThrow(/readHdf5Dataset\(".*h5_stack\.h5"\): no dataset at "nope"/);
    await expect(readHdf5Dataset(fx.path("h5_stack.h5"), "meta")).rejects.toThrow(/"meta" is a group, not a dataset/);
  });
  it("the library keeps working after errors", async () => {
    await expect(readHdf5Dataset(fx.path("bad_h5_corrupt_chunk.h5"), "data")).rejects.toThrow();
    const ok = await readHdf5Dataset(fx.path("h5_dtypes.h5"), "u2_be");
    expect(firstMismatch(ok.data as Uint16Array, fx.entry("h5_dtypes.h5:/u2_be").values)).toBeNull();
  });
});

describe("listHdf5", () => {
  it("lists groups and datasets with shape, dtype and filters", async () => {
    const list = await listHdf5(fx.path("h5_lzf.h5"));
    expect(list).toEqual([
      { path: "/lzf", kind: "dataset", shape: [100, 100], dtype: "<f4", filters: [{ id: 32000, name: "lzf" }] },
      { path: "/plain", kind: "dataset", shape: [3, 3], dtype: "<f4", filters: [] },
    ]);
    const hs = await listHdf5(fx.path("h5_hyperspy.hspy"));
    expect(hs.find((e) => e.path === "/Experiments/sig/data")).toMatchObject({ kind: "dataset", dtype: "<f2", shape: [5, 7] });
    expect(hs.find((e) => e.path === "/Experiments/sig/axis-0")).toMatchObject({ kind: "group" });
  });
});

describe("readImage on HDF5: finding the image and its calibration", () => {
  it("Berkeley EMD: data/<name>/data, pixel size from the dim vectors, EMD units n_m → nm", async () => {
    const img = await readImage(fx.path("h5_emd.emd"));
    expect(img.source).toMatchObject({ format: "hdf5", dataset: "/data/single/data", convention: "emd", dtype: "<u2", shape: [6, 8] });
    expect([img.width, img.height]).toEqual([8, 6]);
    expect(img.calibration?.unit).toBe("nm");
    expect(img.calibration?.pixelSize).toBeCloseTo(0.05, 7);
    expect(firstMismatch(img.data, fx.entry("h5_emd.emd").values)).toBeNull();
  });
  it("HyperSpy: Experiments/<name>/data, float16, axis scale and units", async () => {
    const img = await readImage(fx.path("h5_hyperspy.hspy"));
    expect(img.source).toMatchObject({ dataset: "/Experiments/sig/data", convention: "hyperspy", dtype: "<f2", shape: [5, 7] });
    expect([img.width, img.height]).toEqual([7, 5]);
    expect(img.calibration).toEqual({ pixelSize: 0.02, unit: "nm" });
    expect(firstMismatch(img.data, fx.entry("h5_hyperspy.hspy").values)).toBeNull();
    expect(img.source.warnings).toEqual([]);
  });
  it("falls back to the first numeric dataset with 2+ axes and says which", async () => {
    const img = await readImage(fx.path("h5_misc.h5"));
    expect(img.source).toMatchObject({ dataset: "/images/nan", convention: "first-numeric" });
    expect(img.source.warnings).toEqual(["no known layout (EMD, HyperSpy, atomap): using the first numeric dataset, /images/nan"]);
    expect(firstMismatch(img.data, fx.entry("h5_misc.h5:/images/nan").values)).toBeNull();
    expect(Number.isNaN(img.data[0])).toBe(true);
    expect(img.data[8]).toBe(Infinity);
    expect(img.data[16]).toBe(-Infinity);
  });
  it("3-D datasets need a page; readImageStack gives all frames", async () => {
    await expect(readImage(fx.path("h5_stack.h5"))).rejects.toThrow(/dataset "\/frames" \(shape \[3, 5, 6\]\) holds 3 images; pass \{ page: i \}/);
    const p2 = await readImage(fx.path("h5_stack.h5"), { page: 2 });
    expect(p2.source).toMatchObject({ page: 2, pageCount: 3, shape: [3, 5, 6] });
    expect(firstMismatch(p2.data, fx.entry("h5_stack.h5").values.slice(60))).toBeNull();
    await expect(readImage(fx.path("h5_stack.h5"), { page: 3 })).rejects.toThrow(/page 3 does not exist/);
    const stack = await readImageStack(fx.path("h5_stack.h5"));
    expect(stack).toHaveLength(3);
    expect(firstMismatch(stack.flatMap((s) => Array.from(s.data)), fx.entry("h5_stack.h5").values)).toBeNull();
  });
  it("an explicit dataset option, and a clear error when nothing looks like an image", async () => {
    const img = await readImage(fx.path("h5_dtypes.h5"), { dataset: "i2_be" });
    expect(img.source).toMatchObject({ dataset: "/i2_be", convention: "option" });
    await expect(readImage(fx.path("h5_dtypes.h5"), { dataset: "missing" })).rejects.toThrow(/no dataset "\/missing"; datasets: \/bool \[4×5\] \|b1/);
    await expect(readImage(fx.path("h5_noimage.h5"))).rejects.toThrow(/no image-like dataset \(numeric, 2 or more axes\) found; datasets: \/vector \[5\] <f8/);
  });
  it("a Velox EMD file is read by the Velox reader: [rows, columns, frames] as frames (tests/io/em-formats.test.ts)", async () => {
    await expect(readImage(fx.path("h5_velox_like.emd"))).rejects.toThrow(/the Velox file holds 2 images; pass \{ page: i \}/);
    const stack = await readImageStack(fx.path("h5_velox_like.emd"));
    expect(stack.map((i) => [i.width, i.height, i.source.format])).toEqual([[5, 4, "velox"], [5, 4, "velox"]]);
    // findHdf5Image itself still refuses to guess
    await expect(findHdf5Image(fx.path("h5_velox_like.emd"))).rejects.toThrow(/looks like a Thermo Fisher Velox EMD file \(\/Data\/Image\/0123abcd\/Data, shape \[4, 5, 2\]\)/);
  });
  it("findHdf5Image reports the convention used", async () => {
    const found = await findHdf5Image(fx.path("h5_emd.emd"));
    expect(found.convention).toBe("emd");
    expect(found.fullShape).toEqual([6, 8]);
  });
});

describe("openHdf5: one open file, many reads", () => {
  it("streams frames of a stack and lists, reads attributes, then refuses use after close", async () => {
    const h = await openHdf5(fx.path("h5_stack.h5"));
    const all = fx.entry("h5_stack.h5").values;
    try {
      expect(h.list().map((e) => e.path)).toEqual(["/frames", "/meta", "/meta/notes"]);
      for (let i = 0; i < 3; i++) {
        const f = h.read("frames", { slice: [[i, i + 1]] });
        expect(f.shape).toEqual([1, 5, 6]);
        expect(firstMismatch(f.data as Float32Array, all.slice(i * 30, (i + 1) * 30))).toBeNull();
      }
      expect(() => h.read("meta")).toThrow(/Hdf5Reader\.read\(".*h5_stack\.h5"\): "meta" is a group, not a dataset/);
    } finally {
      h.close();
    }
    expect(() => h.read("frames")).toThrow(/Hdf5Reader\.read\(".*"\): the file has been closed/);
    const hs = await openHdf5(fx.path("h5_hyperspy.hspy"));
    expect(hs.attrs("/")).toEqual({ file_format: "HyperSpy", file_format_version: "3.1" });
    expect(() => hs.read("Experiments/sig/data", { slice: [[0, 1]] })).not.toThrow();
    hs.close();
    const lzf = await openHdf5(fx.path("h5_lzf.h5"));
    expect(Array.from((lzf.read("lzf", { slice: [[7, 8], [10, 13]] }).data as Float32Array))).toEqual([10, 11, 12]);
    lzf.close();
  });
});
