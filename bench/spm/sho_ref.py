"""Reference side of bench/spm/sho.mjs: per-pixel SHO fits with scipy.optimize.least_squares
(method "lm", the MINPACK Levenberg-Marquardt) of the full complex residual, the model of
pycroscopy/BGlib's SHOfunc, started from the same peak/FWHM guess as ours, on the BE-line USID file the
benchmark writes (Raw_Data: positions x frequency bins, complex64; frequencies from
Spectroscopic_Values). Prints JSON: wall and CPU seconds of the fits and the parameters per position."""
import json
import sys
import time

import h5py
import numpy as np
from scipy.optimize import least_squares

with h5py.File(sys.argv[1], "r") as fh:
    ch = fh["Measurement_000/Channel_000"]
    raw = ch["Raw_Data"][()].astype(np.complex128)
    f = ch["Spectroscopic_Values"][0].astype(np.float64)
n_pix = raw.shape[0]
re, im = raw.real, raw.imag


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
t0, c0 = time.perf_counter(), time.process_time()
for p in range(n_pix):
    data = re[p] + 1j * im[p]

    def resid(x):
        d = sho(x, f) - data
        return np.concatenate([d.real, d.imag])

    x0 = guess(re[p], im[p])
    out[p] = least_squares(resid, x0, method="lm", x_scale="jac").x
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
out[:, 3] = np.arctan2(np.sin(out[:, 3]), np.cos(out[:, 3]))
print(json.dumps({"wall": wall, "cpu": cpu, "params": out.ravel().tolist()}))
