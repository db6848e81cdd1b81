"""Reference measurements for bench/stem4d/run.mjs (NumPy, py4DSTEM).

Usage (each prints one JSON object on the last line of stdout):
  ref.py evict PATH                       drop PATH from the page cache (posix_fadvise DONTNEED)
  ref.py seqread PATH                     plain sequential read, 8 MiB chunks
  ref.py parread PATH N                   the same bytes read by N threads (interleaved 8 MiB blocks)
  ref.py numpy PATH MODE CX CY RI RO      MODE: memory | mmap | mmap-cold (evicted between the two passes);
                                          annulus virtual image + raw COM
  ref.py py4dstem PATH MODE CX CY RI RO   same through py4DSTEM (get_virtual_image, get_CoM)
  ref.py bragg DATA.npy PROBE.npy TRUTH.json   py4DSTEM find_Bragg_disks accuracy and time

Conventions: arrays are (rows, cols, ky, kx); CX is the detector column, CY the row.
"""
import json
import os
import sys
import time

import numpy as np


def evict(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    return {"evicted": path}


def seqread(path):
    t = time.perf_counter()
    n = 0
    buf = bytearray(8 << 20)
    with open(path, "rb", buffering=0) as f:
        while True:
            k = f.readinto(buf)
            if not k:
                break
            n += k
    dt = time.perf_counter() - t
    return {"bytes": n, "seconds": dt}


def parread(path, nthreads):
    """Read the file in 8 MiB blocks with `nthreads` threads (os.preadv releases the GIL)."""
    import threading
    size = os.path.getsize(path)
    block = 8 << 20
    nblocks = (size + block - 1) // block
    total = [0] * nthreads

    def work(k):
        fd = os.open(path, os.O_RDONLY)
        buf = bytearray(block)
        try:
            for b in range(k, nblocks, nthreads):
                total[k] += os.preadv(fd, [buf], b * block)
        finally:
            os.close(fd)

    t = time.perf_counter()
    ts = [threading.Thread(target=work, args=(k,)) for k in range(nthreads)]
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    return {"bytes": sum(total), "seconds": time.perf_counter() - t}


def annulus_mask(ky, kx, cx, cy, ri, ro):
    yy, xx = np.mgrid[0:ky, 0:kx]
    d2 = (xx - cx) ** 2 + (yy - cy) ** 2
    return ((d2 >= ri * ri) & (d2 <= ro * ro)).astype(np.float32)


def load(path, mode):
    a = np.load(path, mmap_mode="r")
    if mode == "memory":
        a = np.ascontiguousarray(a)
    return a


def numpy_ref(path, mode, cx, cy, ri, ro):
    t0 = time.perf_counter()
    a = load(path, mode)
    t_load = time.perf_counter() - t0
    rows, cols, ky, kx = a.shape
    m = annulus_mask(ky, kx, cx, cy, ri, ro)
    step = max(1, (8 << 20) // (cols * ky * kx * a.itemsize))  # ~8 MiB of scan rows per chunk
    t, cpu0 = time.perf_counter(), time.process_time()
    vi = np.empty((rows, cols), np.float64)
    for r in range(0, rows, step):
        vi[r:r + step] = np.tensordot(np.asarray(a[r:r + step], np.float32), m, axes=([2, 3], [0, 1]))
    t_vi, c_vi = time.perf_counter() - t, time.process_time() - cpu0
    if mode == "mmap-cold":  # from disk: the second pass must not find the file cached by the first
        evict(path)
    xs = np.arange(kx, dtype=np.float32)
    ys = np.arange(ky, dtype=np.float32)
    t, cpu0 = time.perf_counter(), time.process_time()
    comx = np.empty((rows, cols)); comy = np.empty((rows, cols))
    for r in range(0, rows, step):
        c = np.asarray(a[r:r + step], np.float32)
        s = c.sum(axis=(2, 3), dtype=np.float64)
        comx[r:r + step] = (c.sum(axis=2, dtype=np.float64) @ xs) / s
        comy[r:r + step] = (c.sum(axis=3, dtype=np.float64) @ ys) / s
    t_com, c_com = time.perf_counter() - t, time.process_time() - cpu0
    return {"bytes": int(a.nbytes), "load_s": t_load, "vi_s": t_vi, "com_s": t_com, "vi_cpu": c_vi, "com_cpu": c_com, "vi_sum": float(vi.sum()), "comx_mean": float(np.nanmean(comx))}


def py4dstem_ref(path, mode, cx, cy, ri, ro):
    import py4DSTEM
    from py4DSTEM.process.utils import get_CoM
    a = load(path, mode)
    dc = py4DSTEM.DataCube(data=a)
    rows, cols, ky, kx = a.shape
    t = time.perf_counter()
    # py4DSTEM axes: (Rx, Ry, Qx, Qy) = (rows, cols, ky, kx); centre given as (qx, qy) = (row, col).
    vi = dc.get_virtual_image(mode="annulus", geometry=((cy, cx), (ri, ro)), verbose=False, name="adf", returncalc=True)
    t_vi = time.perf_counter() - t
    if mode == "mmap-cold":  # from disk: the second pass must not find the file cached by the first
        evict(path)
    t = time.perf_counter()
    comx = np.empty((rows, cols)); comy = np.empty((rows, cols))
    for r in range(rows):
        for c in range(cols):
            qx, qy = get_CoM(a[r, c])
            comy[r, c] = qx; comx[r, c] = qy
    t_com = time.perf_counter() - t
    return {"bytes": int(a.nbytes), "vi_s": t_vi, "com_s": t_com, "vi_sum": float(np.asarray(vi.data).sum()), "comx_mean": float(np.nanmean(comx)), "version": py4DSTEM.__version__}


def bragg(data_path, probe_path, truth_path):
    import py4DSTEM
    a = np.load(data_path)
    probe_img = np.load(probe_path)
    truth = json.load(open(truth_path))
    dc = py4DSTEM.DataCube(data=a)
    probe = py4DSTEM.Probe(data=probe_img)
    kernel = probe.get_kernel(mode="flat")
    p = truth["params"]
    t = time.perf_counter()
    bv = dc.find_Bragg_disks(template=kernel, corrPower=1, sigma=0, subpixel="multicorr", upsample_factor=16,
                             minRelativeIntensity=p["thresholdRel"], relativeToPeak=0, minPeakSpacing=p["minDistance"],
                             edgeBoundary=p["excludeBorder"], maxNumPeaks=70)
    dt = time.perf_counter() - t
    rows, cols = a.shape[:2]
    found = []
    for r in range(rows):
        for c in range(cols):
            v = bv.raw[r, c] if hasattr(bv, "raw") else bv.vectors_uncal[r, c]
            # py4DSTEM qx is the detector row (our y), qy the column (our x)
            found.append({"x": [float(q) for q in v.qy], "y": [float(q) for q in v.qx]})
    return {"seconds": dt, "found": found, "version": py4DSTEM.__version__}


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "evict":
        out = evict(args[0])
    elif cmd == "seqread":
        out = seqread(args[0])
    elif cmd == "parread":
        out = parread(args[0], int(args[1]))
    elif cmd in ("numpy", "py4dstem"):
        path, mode = args[0], args[1]
        cx, cy, ri, ro = map(float, args[2:6])
        out = (numpy_ref if cmd == "numpy" else py4dstem_ref)(path, mode, cx, cy, ri, ro)
    elif cmd == "bragg":
        out = bragg(*args[:3])
    else:
        raise SystemExit(f"ref.py: unknown command {cmd!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
