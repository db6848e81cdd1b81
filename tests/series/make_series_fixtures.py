"""Series fixtures for tests/series/read.test.ts, written by the reference
libraries (numpy, tifffile, h5py, Pillow) into the directory argv[1].
Every stack holds the frames of base.npy (uint16 [6, 20, 24]), so the test
compares each frame read with base.npy's."""
import os
import sys

import h5py
import numpy as np
import tifffile
from PIL import Image

out = sys.argv[1]
rng = np.random.default_rng(15)
base = rng.integers(0, 60000, (6, 20, 24), dtype="u2")
np.save(os.path.join(out, "base.npy"), base)

# .npy: 3-D stacks, a single image, a stack with a NaN pixel in frame 2
np.save(os.path.join(out, "stack_u2.npy"), base)
np.save(os.path.join(out, "stack_f4.npy"), base.astype("f4"))
np.save(os.path.join(out, "single.npy"), base[0])
nan = base[:4].astype("f4")
nan[2, 5, 7] = np.nan
np.save(os.path.join(out, "nan.npy"), nan)

# TIFF: ImageJ hyperstack with a frame interval and a pixel size; plain multi-page; pages of two sizes; one page
tifffile.imwrite(os.path.join(out, "imagej.tif"), base, imagej=True, resolution=(1 / 0.25, 1 / 0.25),
                 metadata={"axes": "TYX", "finterval": 0.5, "unit": "nm"})
tifffile.imwrite(os.path.join(out, "plain.tif"), base.astype("f4"))
with tifffile.TiffWriter(os.path.join(out, "sizes.tif")) as w:
    w.write(base[0])
    w.write(base[1, :, :20])
tifffile.imwrite(os.path.join(out, "single.tif"), base[0])


def hyperspy(name, time_scale):
    with h5py.File(os.path.join(out, name), "w") as h:
        h.attrs["file_format"] = "HyperSpy"
        h.attrs["file_format_version"] = "3.1"
        g = h.create_group("Experiments/movie")
        g.create_dataset("data", data=base.astype("f4"), chunks=(1, 20, 24), compression="gzip")
        for i, (n, s, off, u, nav) in enumerate([(6, time_scale, 1.0, "s", True), (20, 0.02, 0.0, "nm", False), (24, 0.02, 0.0, "nm", False)]):
            ax = g.create_group(f"axis-{i}")
            ax.attrs["size"] = np.int64(n)
            ax.attrs["scale"] = s
            ax.attrs["offset"] = off
            ax.attrs["units"] = u
            ax.attrs["navigate"] = np.bool_(nav)


hyperspy("movie.hspy", 0.2)
hyperspy("backwards.hspy", -0.2)


def emd(name, times):
    with h5py.File(os.path.join(out, name), "w") as h:
        h.attrs["version_major"] = np.int32(0)
        h.attrs["version_minor"] = np.int32(2)
        g = h.create_group("data/movie")
        g.attrs["emd_group_type"] = np.int32(1)
        g.create_dataset("data", data=base)
        for k, (v, u) in enumerate([(np.array(times), b"s"), (np.arange(20) * 0.05, b"n_m"), (np.arange(24) * 0.05, b"n_m")]):
            d = g.create_dataset(f"dim{k + 1}", data=v.astype("f8"))
            d.attrs["units"] = np.bytes_(u)


emd("movie.emd", [0.0, 0.1, 0.3, 0.35, 0.5, 0.9])
emd("unordered.emd", [0.0, 0.1, 0.05, 0.35, 0.5, 0.9])

# a folder of images, one per frame, in three formats; natural order f1, f2, ..., f10 ...
folder = os.path.join(out, "folder")
os.mkdir(folder)
names = ["f1", "f2", "f3", "f9", "f10", "f11"]
for k, n in enumerate(names):
    if k % 3 == 0:
        np.save(os.path.join(folder, n + ".npy"), base[k])
    elif k % 3 == 1:
        Image.fromarray(base[k].astype(np.uint16)).save(os.path.join(folder, n + ".png"))
    else:
        tifffile.imwrite(os.path.join(folder, n + ".tif"), base[k])
open(os.path.join(folder, ".DS_Store"), "wb").write(b"\0\0\0\1Bud1")

mixed = os.path.join(out, "mixed")
os.mkdir(mixed)
np.save(os.path.join(mixed, "a.npy"), base[0])
np.save(os.path.join(mixed, "b.npy"), base[1, :, :23])
