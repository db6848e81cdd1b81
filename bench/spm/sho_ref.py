"""Reference side of bench/spm/sho.mjs: per-pixel SHO fits with scipy.optimize.least_squares
(method "lm", the MINPACK Levenberg-Marquardt) of the full complex residual, the model of
pycroscopy/BGlib's SHOfunc, started from the same grid guess as ours, on the BE-line USID file the
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


def start_grid():
    """Our starting grid (src/spm/sho.ts startGrid): resonance at every bin x 6 Q log-spaced from
    w0/span to w0/(median bin spacing), each SHO shape normalised to unit norm."""
    fs = np.sort(f)
    span = fs[-1] - fs[0]
    step = np.median(np.diff(fs))
    w0 = np.repeat(f, 6)
    q = (w0 / span) * (span / step) ** np.tile(np.arange(6) / 5, len(f))
    shape = w0[:, None] ** 2 / (f[None, :] ** 2 - 1j * f[None, :] * w0[:, None] / q[:, None] - w0[:, None] ** 2)
    norm = np.linalg.norm(shape, axis=1)
    return w0, q, shape / norm[:, None], norm


def guesses(data):
    """The best grid candidate per pixel, its complex amplitude in closed form (as ours)."""
    w0, q, unit, norm = start_grid()
    dots = data @ unit.conj().T  # pixels x candidates: <b, R>
    best = np.argmax(np.abs(dots), axis=1)
    c = dots[np.arange(len(data)), best] / norm[best]
    return np.stack([np.abs(c), w0[best], q[best], np.angle(c)], axis=1)


out = np.empty((n_pix, 4))
t0, c0 = time.perf_counter(), time.process_time()
x0s = guesses(raw)
for p in range(n_pix):
    data = re[p] + 1j * im[p]

    def resid(x):
        d = sho(x, f) - data
        return np.concatenate([d.real, d.imag])

    x0 = x0s[p]
    out[p] = least_squares(resid, x0, method="lm", x_scale="jac").x
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
out[:, 3] = np.arctan2(np.sin(out[:, 3]), np.cos(out[:, 3]))
print(json.dumps({"wall": wall, "cpu": cpu, "params": out.ravel().tolist()}))
