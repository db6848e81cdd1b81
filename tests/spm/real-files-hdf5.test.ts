/**
 * HDF5 files of scanning-probe formats readSPM does not read are refused naming the format, as AFMReader
 * 0.0.7's sample_0.h5-jpk (root attribute file-format-info b"JPK SCAN", version b"3.0") and
 * sample_0_1.topostats (datasets image, pixel_to_nm_scaling, topostats_file_version) are
 * (bench/spm/real-files.mjs). Small files with the same markers, written with h5py.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSPM } from "../../src/spm";
import { PYTHON } from "../io/fixtures";

const dir = mkdtempSync(join(tmpdir(), "cs-spm-hdf5-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
execFileSync(PYTHON, ["-c", `
import h5py, numpy as np, sys
d = sys.argv[1]
with h5py.File(d + "/scan.h5-jpk", "w") as f:
    f.attrs["file-format-info"] = np.bytes_(b"JPK SCAN")
    f.attrs["file-format-version"] = np.bytes_(b"3.0")
    f.create_dataset("Measurement_000/Channel_000/Error", data=np.arange(16, dtype="<i4").reshape(4, 4))
with h5py.File(d + "/x.topostats", "w") as f:
    f["image"] = np.zeros((4, 4))
    f["pixel_to_nm_scaling"] = 0.5
    f["topostats_file_version"] = 0.2
`, dir]);

test("a JPK HDF5 scan and a TopoStats file are refused naming their format", async () => {
  await expect(readSPM(join(dir, "scan.h5-jpk"))).rejects.toThrow(/scan\.h5-jpk.*the file is a JPK HDF5 scan \(file-format-info "JPK SCAN", version 3\.0\), a format readSPM does not read/);
  await expect(readSPM(join(dir, "x.topostats"))).rejects.toThrow(/x\.topostats.*the file is a TopoStats file \(\.topostats, processed images\), a format readSPM does not read/);
});
