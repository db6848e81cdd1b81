/**
 * Compressed HDF5 read correctly or refused, never wrong numbers: files
 * written by h5py + hdf5plugin (tests/fixtures/io/make_hdf5_filters.py) with
 * LZF, Bitshuffle (+LZ4, +Zstd, none), LZ4, Zstandard and Blosc (LZ4, LZ4HC,
 * zlib, Zstd × no/byte/bit shuffle), layouts 3 and 4, fill values, big-endian
 * and float16 data; each read compared value for value with what h5py reads.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readHdf5Dataset, readImage, readNpy } from "../../src/io";
import { readDataset4D } from "../../src/stem4d";
import { PYTHON } from "./fixtures";

interface Entry { file: string; dataset: string; npy: string; filters: number[] }

const dir = mkdtempSync(join(tmpdir(), "causalscope-h5filters-"));
execFileSync(PYTHON, [resolve(__dirname, "..", "fixtures", "io", "make_hdf5_filters.py"), dir], { stdio: ["ignore", "pipe", "inherit"] });
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, Entry>;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string) => join(dir, name);
const reference = (key: string) => readNpy(file(manifest[key].npy));

/** Index of the first element that differs (Object.is on numbers), or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (!Object.is(Number(a[i]), Number(b[i]))) return i;
  return -1;
}

const REFUSED = new Set(["latest_extensible", "blosc_blosclz"]);

describe("readHdf5Dataset equals h5py + hdf5plugin, value for value", () => {
  it.each(Object.keys(manifest).filter((k) => !REFUSED.has(k)))("%s", async (key) => {
    const e = manifest[key];
    const ref = reference(key);
    const ds = await readHdf5Dataset(file(e.file), e.dataset);
    expect(ds.shape).toEqual(ref.shape);
    expect(firstDiff(ds.data as ArrayLike<number>, ref.data as ArrayLike<number>)).toBe(-1);
  });

  it("the fixtures use the pipelines they are named after", () => {
    expect(manifest.lzf_4d.filters).toEqual([32000]);
    expect(manifest.lzf_shuffle.filters).toEqual([2, 32000]);
    expect(manifest.bslz4_u16.filters).toEqual([32008]);
    expect(manifest.blosc_zstd_bitshuffle.filters).toEqual([32001]);
    expect(manifest.lz4.filters).toEqual([32004]);
    expect(manifest.zstd.filters).toEqual([32015]);
  });

  it.each([
    ["lzf_edges", [[5, 30], [3, 29]]],
    ["bslz4_f4_edges", [[2, 7], [6, 13], [4, 5]]],
    ["latest_fixed_array", [[1, 3], [2, 5], [10, 24], [0, 7]]],
    ["sparse_filled", [[3, 12], [4, 11]]],
  ] as [string, [number, number][]][])("a hyperslab across chunk boundaries: %s", async (key, slice) => {
    const e = manifest[key];
    const ref = reference(key);
    const ds = await readHdf5Dataset(file(e.file), e.dataset, { slice });
    expect(ds.shape).toEqual(slice.map(([a, b]) => b - a));
    const want: number[] = [];
    const strides = ref.shape.map((_, d) => ref.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const walk = (d: number, at: number): void => {
      if (d === slice.length) {
        want.push(Number((ref.data as ArrayLike<number>)[at]));
        return;
      }
      for (let i = slice[d][0]; i < slice[d][1]; i++) walk(d + 1, at + i * strides[d]);
    };
    walk(0, 0);
    expect(firstDiff(ds.data as ArrayLike<number>, want)).toBe(-1);
  });

  it("chunks never written read as the fill value (-7 defined, 0 by default)", async () => {
    const d = (await readHdf5Dataset(file("sparse.h5"), "filled")).data as Int32Array;
    expect(d[0]).toBe(-7);
    expect(d[5]).toBe(3);
    expect(((await readHdf5Dataset(file("sparse.h5"), "zero_fill")).data as Float32Array)[0]).toBe(0);
  });
});

describe("readDataset4D and readImage read filtered datasets exactly", () => {
  it.each(["lzf_4d", "bslz4_u16", "bslz4_u32", "bszstd", "lz4", "latest_fixed_array", "bslz4_zeros"])("%s: every frame equals h5py", async (key) => {
    const e = manifest[key];
    const ref = reference(key);
    const ds = await readDataset4D(file(e.file), { dataset: e.dataset });
    try {
      expect([...ds.scanShape, ...ds.detShape]).toEqual(ref.shape);
      const frames = ds.readFrames(0, ds.nFrames);
      expect(firstDiff(frames, Float32Array.from(ref.data as ArrayLike<number>))).toBe(-1);
      if (key === "bslz4_zeros") expect(frames.reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      ds.close();
    }
  });

  it("part of a scan row (frames 3..7 of a 3×5 scan)", async () => {
    const ref = reference("bslz4_u32");
    const ds = await readDataset4D(file("bitshuffle.h5"), { dataset: "u32" });
    try {
      const got = ds.readFrames(3, 4);
      expect(firstDiff(got, Float32Array.from((ref.data as Uint32Array).subarray(3 * 480, 7 * 480)))).toBe(-1);
    } finally {
      ds.close();
    }
  });

  it("readImage of an LZF 2-D dataset", async () => {
    const img = await readImage(file("lzf.h5"), { dataset: "odd" });
    expect([img.height, img.width]).toEqual([37, 29]);
    expect(firstDiff(img.data, Float32Array.from(reference("lzf_edges").data as Int16Array))).toBe(-1);
  });
});

describe("what cannot be decoded is refused, naming the file, the dataset and the reason", () => {
  it("a filter nobody decodes here (ZFP, 32013)", async () => {
    const f = file("zfp.h5");
    await expect(readHdf5Dataset(f, "zfp")).rejects.toThrow(`readHdf5Dataset(${JSON.stringify(f)}): dataset "zfp" is compressed with HDF5 filter 32013 (ZFP`);
    await expect(readDataset4D(f, { dataset: "zfp", scanShape: [7, 1] })).rejects.toThrow(/readDataset4D\(".*zfp\.h5"\): dataset "\/zfp" is compressed with HDF5 filter 32013 \(ZFP/);
  });

  it("Blosc with the blosclz codec", async () => {
    const f = file("blosc_blosclz.h5");
    await expect(readHdf5Dataset(f, "blosclz")).rejects.toThrow(`readHdf5Dataset(${JSON.stringify(f)}): dataset "blosclz" (filters Blosc, decoded by causalscope): chunk [0, 0, 0, 0]`);
    await expect(readHdf5Dataset(f, "blosclz")).rejects.toThrow(/Blosc codec blosclz is not decoded by causalscope/);
  });

  it("an extensible-array chunk index (libver latest, unlimited axis)", async () => {
    await expect(readHdf5Dataset(file("latest.h5"), "extensible")).rejects.toThrow(/latest\.h5"\): dataset "extensible" \(filters LZF, decoded by causalscope\): its chunks are indexed by an extensible array/);
  });

  it("a corrupt LZF chunk", async () => {
    const f = file("corrupt_lzf.h5");
    await expect(readHdf5Dataset(f, "cube")).rejects.toThrow(`readHdf5Dataset(${JSON.stringify(f)}): dataset "cube" (filters LZF, decoded by causalscope): chunk [0, 4, 0, 0]`);
    await expect(readHdf5Dataset(f, "cube")).rejects.toThrow(/LZF \(HDF5 filter 32000\) chunk cannot be decoded: LZF back reference points before the start/);
    // the other chunks still read
    const ok = await readHdf5Dataset(f, "cube", { slice: [[0, 1], [0, 4]] });
    expect(firstDiff(ok.data as Uint16Array, (reference("lzf_4d").data as Uint16Array).subarray(0, 4 * 480))).toBe(-1);
  });

  it("an LZ4 chunk whose header claims 1 TiB is refused before any allocation", async () => {
    const f = file("corrupt_lz4.h5");
    await expect(readHdf5Dataset(f, "cube")).rejects.toThrow(`readHdf5Dataset(${JSON.stringify(f)}): dataset "cube" (filters LZ4, decoded by causalscope): chunk [1, 0, 0, 0]`);
    await expect(readHdf5Dataset(f, "cube")).rejects.toThrow(/the LZ4 header declares 1099511627776 bytes, the chunk holds 9600 \(corrupt header\)/);
  });

  it("a bitshuffle-LZ4 block whose size runs past the chunk, through readDataset4D", async () => {
    const f = file("corrupt_bslz4.h5");
    const ds = await readDataset4D(f, { dataset: "cube" });
    try {
      expect(() => ds.readFrames(0, ds.nFrames)).toThrow(/readDataset4D\(".*corrupt_bslz4\.h5"\): dataset "\/cube" \(filters Bitshuffle, decoded by causalscope\): chunk \[0, 2, 0, 0\].*Bitshuffle \(HDF5 filter 32008\) chunk cannot be decoded: block at byte 12 declares 1000000 compressed bytes/);
    } finally {
      ds.close();
    }
  });
});
