"""BGlib's 9-parameter loop model (pycroscopy/BGlib be_loop.py, loop_fit_function), evaluated with
scipy.special.erf for tests/spm/loop.test.ts. Reads {"vdc": [...], "coefs": [[9 numbers], ...]} on
stdin, writes one list of model values per coefficient vector."""
import json
import sys

import numpy as np
from scipy.special import erf


def loop_fit_function(vdc, coef_vec):
    a = coef_vec[:5]
    b = coef_vec[5:]
    d = 1000
    v1 = np.asarray(vdc[:int(len(vdc) / 2)])
    v2 = np.asarray(vdc[int(len(vdc) / 2):])
    g1 = (b[1] - b[0]) / 2 * (erf((v1 - a[2]) * d) + 1) + b[0]
    g2 = (b[3] - b[2]) / 2 * (erf((v2 - a[3]) * d) + 1) + b[2]
    y1 = (g1 * erf((v1 - a[2]) / g1) + b[0]) / (b[0] + b[1])
    y2 = (g2 * erf((v2 - a[3]) / g2) + b[2]) / (b[2] + b[3])
    f1 = a[0] + a[1] * y1 + a[4] * v1
    f2 = a[0] + a[1] * y2 + a[4] * v2
    return np.hstack((f1, f2))


req = json.load(sys.stdin)
json.dump([loop_fit_function(np.array(req["vdc"]), np.array(c)).tolist() for c in req["coefs"]], sys.stdout)
