"""py4DSTEM side of bench/stem4d/py4dstem.mjs: data files and file-to-result runs.

Usage (each prints one JSON object on the last line of stdout):
  py4dstem_ref.py make-mib PATH ROWS COLS BITS   a Merlin .mib (+ .hdr beside it) of ROWS x COLS frames of
                                                 256 x 256 (one chip, BITS 6: U08, 12: U16), BF disk + Bragg
                                                 disks + Poisson counts; headers as Merlin software 0.76 writes
  py4dstem_ref.py make-h5 PATH ROWS COLS         a float32 (ROWS, COLS, 128, 128) DataCube saved by py4DSTEM.save
  py4dstem_ref.py run PATH WHAT CX CY RI RO      py4DSTEM from the file: import_file (.mib, mem="MEMMAP") or
                                                 read (.h5), then WHAT: "vi" get_virtual_image(annulus),
                                                 "com" get_CoM of every pattern (process.utils, as
                                                 calibration.get_origin uses it), "max" get_dp_max
Conventions: CX is the detector column, CY the row, in the file's own row order (py4DSTEM does not
flip .mib rows; causalscope does, as rosettasciio); py4DSTEM's (qx, qy) = (row, column).
"""
import json
import os
import sys
import time

import numpy as np

DET = 256


def patterns(k, maxval, dose, count, seed):
    """`count` noisy variants of one pattern: BF disk (r = k/14) + a square lattice of weaker disks."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:k, 0:k].astype(np.float64)
    c, r, g = (k - 1) / 2, k / 14, k * 0.19
    t = np.zeros((k, k))
    np.seterr(over="ignore")  # exp overflows to inf far from a disk: 1 / (1 + inf) = 0, as wanted
    for h in range(-2, 3):
        for l in range(-2, 3):
            amp = 1.0 if h == 0 and l == 0 else 0.3
            t += amp / (1 + np.exp(4 * (np.hypot(xx - c - h * g - 0.1 * l * g, yy - c - l * g + 0.1 * h * g) - r)))
    t = t / t.sum() * dose
    out = []
    for v in range(count):
        shift = (v % 4 - 1.5) * 0.6, (v // 4 - 1.5) * 0.6  # a little beam shift per variant
        tv = np.roll(np.roll(t, int(round(shift[0])), axis=1), int(round(shift[1])), axis=0)
        out.append(np.minimum(rng.poisson(tv), maxval))
    return out


def make_mib(path, rows, cols, bits):
    if bits not in (6, 12):
        raise SystemExit("make-mib: BITS must be 6 or 12")
    ptype, dt, maxval = ("U08", ">u1", 63) if bits == 6 else ("U16", ">u2", 4095)
    variants = [p.astype(dt).tobytes() for p in patterns(DET, maxval, 3e3 if bits == 6 else 4e5, 16, 1)]
    n = rows * cols
    with open(path, "wb") as f:
        for i in range(n):
            head = (f"MQ1,{i + 1:06d},00384,01,0256,0256,{ptype},   1x1,01,2021-05-07 18:51:10.905800,0.100000,0,0,0,"
                    "4.000000E+1,5.110000E+2,0.000000E+0,0.000000E+0,0.000000E+0,0.000000E+0,0.000000E+0,0.000000E+0,3RX,"
                    "068,511,000,000,000,000,000,000,100,255,100,125,100,100,080,100,090,030,128,004,255,126,128,174,172,511,511,"
                    f"MQ1A,2021-05-07T16:51:10.{905800928 + 1000 * i:09d}Z,100000000ns,{bits},").encode("ascii")
            f.write(head.ljust(384, b"\0"))
            f.write(variants[(i * 7) % 16])
    hdr = (f"HDR,\t\nTime and Date Stamp (day, mnth, yr, hr, min, s):\t07/05/2021 18:50:41\n"
           f"Assembly Size (NX1, 2X2):\t   1x1\nCounter Depth (number):\t{bits}\n"
           f"Frames in Acquisition (Number):\t{n}\nFrames per Trigger (Number):\t{cols}\n"
           f"ScanX:\t{cols}\nScanY:\t{rows}\nEnd\t\n")
    with open(path[:-4] + ".hdr", "w") as f:
        f.write(hdr)
    return {"path": path, "bytes": os.path.getsize(path)}


def make_h5(path, rows, cols):
    import py4DSTEM
    k = 128
    variants = [p.astype(np.float32) for p in patterns(k, np.inf, 2e5, 16, 2)]
    data = np.empty((rows, cols, k, k), np.float32)
    for i in range(rows * cols):
        data[i // cols, i % cols] = variants[(i * 7) % 16]
    py4DSTEM.save(path, py4DSTEM.DataCube(data=data), mode="o")
    return {"path": path, "bytes": os.path.getsize(path)}


def open_datacube(path):
    import py4DSTEM
    if path.endswith(".mib"):
        return py4DSTEM.import_file(path, mem="MEMMAP")
    dc = py4DSTEM.read(path)
    return dc


def run(path, what, cx, cy, ri, ro):
    import py4DSTEM
    from py4DSTEM.process.utils import get_CoM
    # first calls load lazily imported modules: not part of the pass over the file
    tiny = py4DSTEM.DataCube(data=np.ones((2, 2, 8, 8), np.float32))
    tiny.get_virtual_image(mode="annulus", geometry=((3.5, 3.5), (1, 3)), verbose=False, name="w", returncalc=True)
    tiny.get_dp_max(returncalc=True)
    t, c = time.perf_counter(), time.process_time()
    dc = open_datacube(path)
    rows, cols = dc.data.shape[:2]
    out = {"version": py4DSTEM.__version__, "shape": list(dc.data.shape), "dtype": str(dc.data.dtype)}
    if what == "vi":
        vi = dc.get_virtual_image(mode="annulus", geometry=((cy, cx), (ri, ro)), verbose=False, name="adf", returncalc=True)
        out["vi_sum"] = float(np.asarray(vi.data, np.float64).sum())
    elif what == "com":
        qx = np.empty((rows, cols))
        qy = np.empty((rows, cols))
        for rx in range(rows):
            for ry in range(cols):
                qx[rx, ry], qy[rx, ry] = get_CoM(dc.data[rx, ry])
        out["com_col_mean"], out["com_row_mean"] = float(qy.mean()), float(qx.mean())
    elif what == "max":
        dp = dc.get_dp_max(returncalc=True)
        a = np.asarray(dp.data, np.float64)
        out["max_sum"], out["max_row_weighted"] = float(a.sum()), float((a.sum(axis=1) * np.arange(a.shape[0])).sum())
    else:
        raise SystemExit(f"run: WHAT must be vi, com or max, got {what!r}")
    out["s"], out["cpu"] = time.perf_counter() - t, time.process_time() - c
    return out


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "make-mib":
        out = make_mib(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "make-h5":
        out = make_h5(args[0], int(args[1]), int(args[2]))
    elif cmd == "run":
        out = run(args[0], args[1], *map(float, args[2:6]))
    else:
        raise SystemExit(f"py4dstem_ref.py: unknown command {cmd!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
