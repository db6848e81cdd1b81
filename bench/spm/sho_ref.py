"""Reference side of bench/spm/sho.mjs: per-pixel SHO fits with scipy.optimize.least_squares
(method "lm", the MINPACK Levenberg-Marquardt), the model of pycroscopy/BGlib's SHO_fun, started from
the same peak/FWHM guess as ours. Prints JSON: seconds and the fitted parameters."""
import json
import sys
import time

import numpy as np
from scipy.optimize import least_squares

path, n_pix, bins = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = np.fromfile(path, dtype="<f8")
f = raw[:bins]
re = raw[bins:bins + n_pix * bins].reshape(n_pix, bins)
im = raw[bins + n_pix * bins:].reshape(n_pix, bins)


def sho(p, w):
    a, w0, q, phi = p
    return a * np.exp(1j * phi) * w0 ** 2 / (w ** 2 - 1j * w * w0 / q - w0 ** 2)


def guess(r, i):
    mag = np.hypot(r, i)
    k = int(np.argmax(mag))
    half = mag[k] / np.sqrt(2)
    lo = k
    while lo > 0 and mag[lo] > half:
        lo -= 1
    hi = k
    while hi < len(mag) - 1 and mag[hi] > half:
        hi += 1
    fw = max(abs(f[hi] - f[lo]), abs(f[1] - f[0]))
    q = max(1.0, f[k] / fw)
    return np.array([mag[k] / q, f[k], q, np.arctan2(i[k], r[k]) - np.pi / 2])


out = np.empty((n_pix, 4))
t0 = time.perf_counter()
for p in range(n_pix):
    data = re[p] + 1j * im[p]

    def resid(x):
        d = sho(x, f) - data
        return np.concatenate([d.real, d.imag])

    x0 = guess(re[p], im[p])
    out[p] = least_squares(resid, x0, method="lm", x_scale="jac").x
t = time.perf_counter() - t0
out[:, 3] = np.arctan2(np.sin(out[:, 3]), np.cos(out[:, 3]))
print(json.dumps({"seconds": t, "params": out.ravel().tolist()}))
