// Writers never destroy their source and never leave a file that reads back wrong.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Dataset4D, dataset4D, readDataset4D, writeHdf5_4D, writeNpy4D } from "../../src/stem4d";
import { parseDType } from "../../src/io/dtype";
import { readNpy, writeNpy } from "../../src/io";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "causalscope-writers-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const values = Float32Array.from({ length: 4 * 5 * 6 * 7 }, (_, i) => (i * 7919) % 1013);
const mem = dataset4D(values, [4, 5], [6, 7]);
const leftovers = () => fs.readdirSync(tmp).filter((f) => f.endsWith(".tmp"));

/** A dataset whose reads fail after `ok` frames (a disk that goes away mid-write). */
function failing(ok: number): Dataset4D {
  return new Dataset4D({
    description: "failing", dtype: parseDType("<f4"), onDisk: false,
    read(start, count, out) {
      if (start + count > ok) throw new Error("read error: device went away");
      out.set(values.subarray(start * 42, (start + count) * 42));
    },
    chunkSpec: () => undefined,
    close() {},
  }, [4, 5], [6, 7]);
}

describe("writers", () => {
  it("writeNpy4D and writeHdf5_4D refuse to overwrite the file the dataset is read from (also through a symlink)", async () => {
    const npy = path.join(tmp, "src.npy");
    await writeNpy4D(npy, mem);
    const before = fs.readFileSync(npy);
    const ds = await readDataset4D(npy);
    await expect(writeNpy4D(npy, ds)).rejects.toThrow(/writeNpy4D\(".*src\.npy"\): refusing to overwrite the file the data are read from/);
    const link = path.join(tmp, "link.npy");
    fs.symlinkSync(npy, link);
    await expect(writeNpy4D(link, ds, { dtype: "uint16" })).rejects.toThrow(/refusing to overwrite/);
    await expect(writeHdf5_4D(npy, ds)).rejects.toThrow(/writeHdf5_4D\(".*src\.npy"\): refusing to overwrite/);
    expect(fs.readFileSync(npy).equals(before)).toBe(true);
    expect(ds.readFrames(0, 20)).toEqual(values);
    ds.close();

    const h5 = path.join(tmp, "src.h5");
    await writeHdf5_4D(h5, mem);
    const hd = await readDataset4D(h5);
    await expect(writeHdf5_4D(h5, hd)).rejects.toThrow(/writeHdf5_4D\(".*src\.h5"\): refusing to overwrite/);
    expect(hd.readFrames(0, 20)).toEqual(values);
    hd.close();
    expect(leftovers()).toEqual([]);
  });

  it("a write that fails half-way leaves the old file intact and no temporary file", async () => {
    const npy = path.join(tmp, "keep.npy");
    writeNpy(npy, new Float32Array([1, 2, 3]), [3]);
    await expect(writeNpy4D(npy, failing(7), { partitionFrames: 3 })).rejects.toThrow(/device went away/);
    expect(Array.from(readNpy(npy).data as Float32Array)).toEqual([1, 2, 3]);
    const fresh = path.join(tmp, "fresh.npy");
    await expect(writeNpy4D(fresh, failing(7), { partitionFrames: 3 })).rejects.toThrow(/device went away/);
    expect(fs.existsSync(fresh)).toBe(false);
    const h5 = path.join(tmp, "keep.h5");
    await writeHdf5_4D(h5, mem);
    await expect(writeHdf5_4D(h5, failing(7), { partitionFrames: 5 })).rejects.toThrow(/device went away/);
    const back = await readDataset4D(h5);
    expect(back.readFrames(0, 20)).toEqual(values);
    back.close();
    expect(leftovers()).toEqual([]);
  });

  it("an HDF5 4-D dataset reshapes to another scan of the same frame count, frames unchanged", async () => {
    const h5 = path.join(tmp, "reshape.h5");
    await writeHdf5_4D(h5, mem);
    const d = await readDataset4D(h5, { scanShape: [2, 10] });
    expect([d.scanShape, d.detShape]).toEqual([[2, 10], [6, 7]]);
    expect(d.readFrames(3, 9)).toEqual(values.subarray(3 * 42, 12 * 42));
    expect(d.pattern(1, 3).data).toEqual(values.subarray(13 * 42, 14 * 42));
    d.close();
    await expect(readDataset4D(h5, { scanShape: [3, 7] })).rejects.toThrow(/options\.scanShape \[3,7\] has 21 positions, the file has 4×5 = 20/);
  });

  it("a complete write replaces the file and reads back exactly", async () => {
    const npy = path.join(tmp, "out.npy");
    fs.writeFileSync(npy, "old content");
    expect(await writeNpy4D(npy, mem, { partitionFrames: 3 })).toBe(fs.statSync(npy).size);
    const back = await readDataset4D(npy);
    expect(back.readFrames(0, 20)).toEqual(values);
    back.close();
  });
});
