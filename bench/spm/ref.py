"""Reference side of bench/spm/run.mjs: read one .sxm with nanonispy 1.1.0 and level its first
channel (numpy least-squares plane, then per-row median) -- the same work as ours, timed here.
Prints JSON: seconds for read and for level, and checksums of the levelled image."""
import json
import sys
import time

import numpy as np

np.float = float  # nanonispy 1.1.0 on NumPy 2
np.int = int
import nanonispy.read as nr  # noqa: E402

path, channel, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
t_read, t_level = [], []
for _ in range(repeats):
    t0 = time.perf_counter()
    s = nr.Scan(path)
    t1 = time.perf_counter()
    z = s.signals[channel]["forward"][::-1].astype(np.float64)  # file order -> row 0 = top (SCAN_DIR up)
    h, w = z.shape
    y, x = np.mgrid[0:h, 0:w]
    A = np.column_stack([np.ones(z.size), x.ravel(), y.ravel()])
    c, *_ = np.linalg.lstsq(A, z.ravel(), rcond=None)
    p = z - (A @ c).reshape(h, w)
    p = p - np.median(p, axis=1, keepdims=True)
    t2 = time.perf_counter()
    t_read.append(t1 - t0)
    t_level.append(t2 - t1)
print(json.dumps({"read": sorted(t_read)[len(t_read) // 2], "level": sorted(t_level)[len(t_level) // 2], "coef": c.tolist(), "p00": float(p[0, 0]), "p_last": float(p[-1, -1])}))
