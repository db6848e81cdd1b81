/**
 * 5-D HDF5 4D-STEM datasets with a singleton axis (e.g. (1, rows, cols, ky, kx)
 * from stacking software, or (rows, cols, 1, ky, kx)): readDataset4D reads them
 * as the 4-D data they are, frame for frame equal to what h5py wrote; a 5-D
 * dataset without a singleton axis is not taken for 4-D data.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readDataset4D } from "../../src/stem4d";

const PYTHON = process.env.CAUSALSCOPE_PYTHON ?? join(resolve(__dirname, "..", ".."), ".venv", "bin", "python");
const R = 3, C = 4, KY = 6, KX = 5;

test("(1, R, C, ky, kx) and (R, C, 1, ky, kx) read as (R, C, ky, kx); a full 5-D dataset is refused", async () => {
  if (!existsSync(PYTHON)) throw new Error(`needs the project venv's Python at ${PYTHON} (h5py): run \`node scripts/venv.mjs\``);
  const dir = mkdtempSync(join(tmpdir(), "h5-5d-"));
  execFileSync(PYTHON, ["-c", `
import h5py, numpy as np
d = np.arange(${R * C * KY * KX}, dtype="<u2").reshape(${R}, ${C}, ${KY}, ${KX})
with h5py.File("${dir}/lead.h5", "w") as f: f.create_dataset("data", data=d[None], chunks=(1, 1, 2, ${KY}, ${KX}), compression="gzip")
with h5py.File("${dir}/mid.h5", "w") as f: f.create_dataset("data", data=d[:, :, None])
with h5py.File("${dir}/full.h5", "w") as f: f.create_dataset("data", data=np.zeros((2, 2, 2, 3, 3), "<u2"))
`]);
  for (const name of ["lead.h5", "mid.h5"]) {
    const ds = await readDataset4D(join(dir, name));
    expect(ds.scanShape).toEqual([R, C]);
    expect(ds.detShape).toEqual([KY, KX]);
    const all = ds.readFrames(0, R * C);
    expect(Array.from(all)).toEqual(Array.from({ length: R * C * KY * KX }, (_, i) => i));
    const part = ds.readFrames(C + 1, 2); // frames inside one scan row
    expect(part[0]).toBe((C + 1) * KY * KX);
    ds.close();
  }
  await expect(readDataset4D(join(dir, "full.h5"))).rejects.toThrow(/no 4-D numeric dataset found/);
});
