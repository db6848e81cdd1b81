"""Write a Dectris Arina/Eiger acquisition in the detector's layout, for tests/stem4d/arina.test.ts.

usage: arina_fixture.py OUTDIR PREFIX DTYPE FRAMES_PER_FILE N_FRAMES KY KX

OUTDIR/PREFIX_master.h5 holds /entry/data/data_000001, data_000002, ... as HDF5
external links (relative file names) to OUTDIR/PREFIX_data_00000N.h5, each with
/entry/data/data (frames, ky, kx) of DTYPE compressed with bitshuffle + LZ4
(hdf5plugin), chunked one frame per chunk as the detector writes, plus the
detector metadata the master carries (/entry/instrument/detector/...).
Frame i, pixel (y, x) holds (i * 7919 + y * KX + x) * SCALE mod 2^bits, with
SCALE = 65521 for uint32 so values exceed 16 bits (checked by the test with the
same formula). Prints nothing; the test recomputes the expected frames.
"""
import sys

import h5py
import hdf5plugin
import numpy as np

out, prefix, dtype, per_file, n, ky, kx = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:8])
dt = np.dtype(dtype)
scale = 65521 if dt.itemsize == 4 else 1
bits = 8 * dt.itemsize
i = np.arange(n, dtype=np.uint64)[:, None, None]
y = np.arange(ky, dtype=np.uint64)[None, :, None]
x = np.arange(kx, dtype=np.uint64)[None, None, :]
frames = (((i * 7919 + y * kx + x) * scale) % (1 << bits)).astype(dt)

names = []
for k, start in enumerate(range(0, n, per_file), start=1):
    name = f"{prefix}_data_{k:06d}.h5"
    names.append(name)
    part = frames[start:start + per_file]
    with h5py.File(f"{out}/{name}", "w") as f:
        d = f.create_dataset("entry/data/data", data=part, chunks=(1, ky, kx), **hdf5plugin.Bitshuffle(cname="lz4"))
        d.attrs["image_nr_low"] = np.int32(start + 1)
        d.attrs["image_nr_high"] = np.int32(start + len(part))

with h5py.File(f"{out}/{prefix}_master.h5", "w") as f:
    f.attrs["NX_class"] = "NXroot"
    e = f.create_group("entry")
    e.attrs["NX_class"] = "NXentry"
    g = e.create_group("data")
    for k, name in enumerate(names, start=1):
        g[f"data_{k:06d}"] = h5py.ExternalLink(name, "/entry/data/data")
    det = e.create_group("instrument/detector")
    det["x_pixel_size"] = np.float32(75e-6)
    det["y_pixel_size"] = np.float32(75e-6)
    det["x_pixel_size"].attrs["units"] = "m"
    det["bit_depth_image"] = np.uint32(bits)
    det["countrate_correction_applied"] = np.uint32(1)
    det["description"] = b"Dectris ARINA Si 1M"
    s = det.create_group("detectorSpecific")
    s["nimages"] = np.uint64(n)
    s["ntrigger"] = np.uint64(1)
    s["x_pixels_in_detector"] = np.uint32(kx)
    s["y_pixels_in_detector"] = np.uint32(ky)
    s["pixel_mask"] = np.zeros((ky, kx), np.uint32)  # a 2-D array in the master: never the data
