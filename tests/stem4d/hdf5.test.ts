// Direct source imports keep this suite independent of other capabilities' work in progress.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as synth from "../../src/synth/stem4d";
import { readDataset4D, virtualImage, writeHdf5_4D, writeNpy4D } from "../../src/stem4d";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stem4d-h5-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const python = path.join(__dirname, "../../.venv/bin/python");
const havePy = fs.existsSync(python);

describe("HDF5 / EMD", () => {
  const { dataset } = synth.stem4d({ scanShape: [5, 6], detShape: [12, 10], diskRadius: 3, dose: 300, seed: 1, calibration: { scanStep: 0.25, scanUnit: "nm", detPixelSize: 0.01, detUnit: "1/Å" } });
  const all = dataset.readFrames(0, dataset.nFrames);

  test("EMD 0.2 write → read round-trip, streaming, calibration", async () => {
    const f = path.join(tmp, "a.emd");
    await writeHdf5_4D(f, dataset, { partitionFrames: 12, compression: 4 });
    const back = await readDataset4D(f);
    expect(back.scanShape).toEqual([5, 6]);
    expect(back.detShape).toEqual([12, 10]);
    expect(back.readFrames(0, back.nFrames)).toEqual(all);
    // chunk boundaries inside scan rows
    expect(back.readFrames(4, 9)).toEqual(all.subarray(4 * 120, 13 * 120));
    expect(back.calibration.scanStep).toBeCloseTo(0.25, 12);
    expect(back.calibration.detPixelSize).toBeCloseTo(0.01, 12);
    expect(back.calibration.scanUnit).toBe("nm");
    const det = { type: "circle" as const, center: [4.5, 5.5] as [number, number], radius: 3 };
    expect((await virtualImage(back, det, { workers: 2, partitionFrames: 7 })).data).toEqual((await virtualImage(dataset, det)).data);
    back.close();
    if (havePy) {
      const out = execFileSync(python, ["-c", `import h5py,numpy as np; f=h5py.File(${JSON.stringify(f)},'r'); d=f['data/datacube/data']; print(d.shape, d.dtype, float(np.asarray(d).sum()), f['data/datacube'].attrs['emd_group_type'])`]).toString();
      let s = 0;
      for (const v of all) s += v;
      expect(out).toContain("(5, 6, 12, 10) float32");
      expect(out).toContain(String(s));
    }
  });

  (havePy ? test : test.skip)("py4DSTEM/emdfile-style and plain chunked uint16 files written by h5py", async () => {
    const npy = path.join(tmp, "src.npy");
    await writeNpy4D(npy, dataset, { dtype: "uint16" });
    const f1 = path.join(tmp, "p4.h5"), f2 = path.join(tmp, "plain.h5");
    execFileSync(python, ["-c", `
import h5py, numpy as np
a = np.load(${JSON.stringify(npy)})
with h5py.File(${JSON.stringify(f1)}, 'w') as f:
    r = f.create_group('experiment'); r.attrs['emd_group_type'] = 'root'
    g = r.create_group('datacube'); g.attrs['emd_group_type'] = 'array'
    g.create_dataset('data', data=a, chunks=(1, 2, 12, 10), compression='gzip')
    for i, (n, s) in enumerate([(5, 0.5), (6, 0.5), (12, 0.02), (10, 0.02)]):
        d = g.create_dataset('dim%d' % i, data=np.arange(n) * s); d.attrs['units'] = 'A' if i < 2 else 'A^-1'
with h5py.File(${JSON.stringify(f2)}, 'w') as f:
    f.create_dataset('meta/x', data=np.arange(3))
    f.create_dataset('frames', data=a.reshape(30, 12, 10), chunks=(4, 12, 10))
`]);
    const want = Float32Array.from(all, (v) => Math.round(v));
    const d1 = await readDataset4D(f1);
    expect(d1.dtype.descr).toBe("<u2");
    expect(d1.readFrames(0, 30)).toEqual(want);
    expect(d1.calibration.scanStep).toBeCloseTo(0.5, 12);
    expect(d1.calibration.detUnit).toBe("A^-1");
    d1.close();
    await expect(readDataset4D(f2)).rejects.toThrow(/no 4-D numeric dataset found.*\/frames \[30,12,10\]/);
    const d2 = await readDataset4D(f2, { scanShape: [5, 6] });
    expect(d2.readFrames(3, 20)).toEqual(want.subarray(3 * 120, 23 * 120));
    await expect(readDataset4D(f2, { dataset: "nope" })).rejects.toThrow(/no dataset "nope"/);
    d2.close();
  });

  test("not an HDF5 file", async () => {
    const f = path.join(tmp, "bad.h5");
    fs.writeFileSync(f, "hello");
    await expect(readDataset4D(f)).rejects.toThrow(/bad\.h5.*unknown file format.*hdf5 \(89 48 44 46/);
  });
});
