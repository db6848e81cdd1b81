"""A precession-like 4D-STEM scan with a known strain field, saved as a NanoMegas
.blo blockfile by rosettasciio's writer (the format ASTAR precession systems
write), for tests/stem4d/precession.test.ts. No real precession dataset is in
../shared/data; this is the closest stand-in we can build and know the answer for.

What makes it look like precession electron diffraction (PED) rather than a
plain simulation: precession integrates the rocking curve, so every allowed
reflection is a flat-topped disk whose intensity follows a kinematic-like
structure factor (varied from reflection to reflection, Friedel pairs equal,
slow fall-off with |g|) and does not change with thickness or small tilts
across the scan; the central beam is far brighter than any diffracted disk and
saturates the 8-bit detector; disk edges are blurred by the detector's point
spread; a diffuse background (thermal diffuse and inelastic scattering) falls
off from the centre; Poisson noise and 8-bit quantisation; the pattern centre
drifts across the scan (descan); and two scan positions are over vacuum (only
the central beam), as at the edge of a lamella.

Lattice: an fcc [110] zone axis, primitive reflections g1 = (1,1,-1) and
g2 = (1,-1,1)-type, |g1| = |g2| = 16 px at 70.53 deg, rotated 20 deg from +kx.
Strain (real-space deformation A = R(theta) (I + eps), detector axes, as
causalscope's synth.stem4d and strainMap define it): zero in scan columns
0..2 (the reference region); beyond, exx ramps to 2 %, eyy has a -1 % bump,
exy up to +-0.5 %, theta ramps to 8 mrad. Each reflection g moves to
A^(-T) g.

Usage: precession_fixture.py OUTDIR -> writes OUTDIR/ped.blo and prints one
JSON line: {"file", "rows", "cols", "center", "radius", "exx", "eyy", "exy",
"theta", "vacuum"} (scan-sized lists, row-major).
"""
import json
import math
import sys
import warnings
from pathlib import Path

import numpy as np
from rsciio.blockfile import file_writer
from scipy.special import erfc

ROWS, COLS, K = 8, 12, 128
RADIUS, PSF_SIGMA = 3.2, 0.6
CENTER = (63.2, 64.7)  # (kx, ky) at scan (0, 0)
VACUUM = [(0, 11), (1, 11)]


def lattice():
    phi, angle, length = math.radians(20.0), math.acos(1 / 3), 16.0
    g1 = length * np.array([math.cos(phi), math.sin(phi)])
    g2 = length * np.array([math.cos(phi + angle), math.sin(phi + angle)])
    return g1, g2


def strain(x, y):
    u = max(0.0, (x - 2) / 9)
    inside = x > 2
    exx = 0.02 * u
    eyy = -0.01 * math.exp(-((x - 8) ** 2 + (y - 4) ** 2) / (2 * 2.5 ** 2)) if inside else 0.0
    exy = 0.005 * u * (2 * y / (ROWS - 1) - 1)
    theta = 0.008 * u
    return exx, eyy, exy, theta


def structure_factor(h, k):
    """Kinematic-like |F|^2 in [0.35, 1], equal for (h, k) and (-h, -k)."""
    a, b = (h, k) if (h, k) > (-h, -k) else (-h, -k)
    return 0.35 + 0.65 * ((math.sin(12.9898 * a + 78.233 * b) * 43758.5453) % 1.0)


def add_disk(pattern, cx, cy, amp):
    """Add a flat-topped disk of height `amp` centred at (cx, cy), edges blurred by the PSF (a window around it)."""
    w = int(RADIUS + 4 * PSF_SIGMA) + 2
    x0, x1 = max(0, int(cx) - w), min(K, int(cx) + w + 1)
    y0, y1 = max(0, int(cy) - w), min(K, int(cy) + w + 1)
    if x0 >= x1 or y0 >= y1:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    d = np.hypot(xx - cx, yy - cy)
    pattern[y0:y1, x0:x1] += amp * 0.5 * erfc((d - RADIUS) / (math.sqrt(2) * PSF_SIGMA))


def main(outdir):
    out = Path(outdir)
    rng = np.random.default_rng(20261207)
    g1, g2 = lattice()
    yy, xx = np.mgrid[0:K, 0:K].astype(np.float64)
    data = np.empty((ROWS, COLS, K, K), np.uint8)
    truth = {k: np.zeros((ROWS, COLS)) for k in ("exx", "eyy", "exy", "theta", "vacuum")}
    for y in range(ROWS):
        for x in range(COLS):
            cx = CENTER[0] + 0.06 * x - 0.03 * y
            cy = CENTER[1] + 0.02 * x + 0.05 * y
            d2 = (xx - cx) ** 2 + (yy - cy) ** 2
            pattern = 2.0 + 6.0 * np.exp(-d2 / (2 * 25.0 ** 2))
            add_disk(pattern, cx, cy, 600.0)  # central beam: saturates at 255
            vacuum = (y, x) in VACUUM
            if not vacuum:
                exx, eyy, exy, th = strain(x, y)
                c, s = math.cos(th), math.sin(th)
                A = np.array([[c, -s], [s, c]]) @ np.array([[1 + exx, exy], [exy, 1 + eyy]])
                M = np.linalg.inv(A).T
                h1, h2 = M @ g1, M @ g2
                for h in range(-5, 6):
                    for k in range(-5, 6):
                        if h == 0 and k == 0:
                            continue
                        g = h * h1 + k * h2
                        bx, by = cx + g[0], cy + g[1]
                        if not (-RADIUS < bx < K - 1 + RADIUS and -RADIUS < by < K - 1 + RADIUS):
                            continue
                        amp = 45.0 * structure_factor(h, k) * math.exp(-0.00012 * float(g @ g))
                        add_disk(pattern, bx, by, amp)
                truth["exx"][y, x], truth["eyy"][y, x], truth["exy"][y, x], truth["theta"][y, x] = exx, eyy, exy, th
            else:
                for key in ("exx", "eyy", "exy", "theta"):
                    truth[key][y, x] = float("nan")
                truth["vacuum"][y, x] = 1
            data[y, x] = np.minimum(rng.poisson(pattern), 255).astype(np.uint8)
    axes = [
        {"size": n, "index_in_array": i, "name": "yxab"[i], "scale": [1.5, 1.5, 0.01, 0.01][i], "offset": 0.0,
         "units": ["nm", "nm", "cm", "cm"][i], "navigate": i < 2}
        for i, n in enumerate(data.shape)
    ]
    signal = {"data": data, "axes": axes, "metadata": {}, "original_metadata": {}, "attributes": {"_lazy": False}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        file_writer(str(out / "ped.blo"), signal, show_progressbar=False)
    result = {"file": "ped.blo", "rows": ROWS, "cols": COLS, "center": list(CENTER), "radius": RADIUS}
    for key, v in truth.items():
        result[key] = [None if math.isnan(t) else t for t in v.ravel().tolist()]
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
