"""Reference values for tests/spm/readers.test.ts, read by established Python readers.

Usage: reference.py DATA_DIR  -> JSON on stdout.
- Nanonis .sxm/.3ds/.dat: nanonispy 1.1.0 (it uses np.float/np.int, removed in NumPy 1.24:
  aliased here to float/int; the 3ds header lacks keys nanonispy requires, given by header_override).
- Gwyddion .gwy: gwyfile 0.3.0.  Igor .ibw: igor2 0.5.15.
- Bruker NanoScope force curves and Createc VERT: no reader installs; numpy on the raw bytes with the
  header's own numbers (independent arithmetic, same layout reading).
Indices are reported in each reader's own order (nanonispy: file order; igor2: [x, y, layer]);
the test maps them to ours.
"""
import json
import sys

import numpy as np

np.float = float  # nanonispy 1.1.0 on NumPy 2
np.int = int

import gwyfile  # noqa: E402
import nanonispy.read as nr  # noqa: E402
from igor2 import binarywave  # noqa: E402

D = sys.argv[1]
out = {}

POINTS = [(0, 0), (29, 54), (77, 68), (100, 3), (191, 95), (191, 0), (0, 95)]
s = nr.Scan(f"{D}/nanonis_Image_445.sxm")
out["sxm"] = {
    "range": [float(v) for v in s.header["scan_range"]],
    "pixels": [int(v) for v in s.header["scan_pixels"]],
    "dir": s.header["scan_dir"],
    "angle": float(s.header["scan_angle"]),
    "channels": [
        {"name": name, "unit": unit, "samples": {d: [[r, c, float(s.signals[name][d][r, c])] for r, c in POINTS] for d in ("forward", "backward")}}
        for name, unit in zip(s.header["data_info"]["Name"], s.header["data_info"]["Unit"])
    ],
}

g = nr.Grid(f"{D}/nanonis_STS_grid_lockin.3ds", header_override={"Delay before measuring (s)": 0, "Start time": "", "End time": "", "Comment": ""})
GP = [(0, 0, 0), (3, 17, 42), (29, 29, 199), (12, 5, 100), (29, 0, 7)]
out["3ds"] = {
    "dim": [int(v) for v in g.header["dim_px"]],
    "size": [float(v) for v in g.header["size_xy"]],
    "angle": float(g.header["angle"]),
    "channels": g.header["channels"],
    "sweep": [float(g.signals["sweep_signal"][0]), float(g.signals["sweep_signal"][-1])],
    "samples": {c: [[i, j, k, float(g.signals[c][i, j, k])] for i, j, k in GP] for c in g.header["channels"]},
    "params": [[i, j, k, float(g.signals["params"][i, j, k])] for i, j, k in [(0, 0, 2), (0, 0, 3), (29, 0, 3), (0, 29, 2), (7, 9, 4)]],
}

sp = nr.Spec(f"{D}/nanonis_BiasSpectroscopy.dat")
out["dat"] = {"columns": list(sp.signals.keys()), "samples": {k: [[i, float(sp.signals[k][i])] for i in (0, 100, 255)] for k in sp.signals}}

o = gwyfile.load(f"{D}/gwy_SingFreqPFM_0003.gwy")
chans = []
for k in sorted((k for k in o.keys() if k.endswith("/data") and k.count("/") == 2), key=lambda k: int(k.split("/")[1])):
    f = o[k]
    a = f["data"].reshape(f["yres"], f["xres"])
    chans.append({
        "title": o[k + "/title"], "xres": f["xres"], "yres": f["yres"], "xreal": f["xreal"], "yreal": f["yreal"],
        "unitXY": f["si_unit_xy"]["unitstr"], "unitZ": f["si_unit_z"]["unitstr"],
        "samples": [[r, c, float(a[r, c])] for r, c in [(0, 0), (5, 100), (127, 127), (64, 3)]],
        "sum": float(a.sum()),
    })
out["gwy"] = chans

w = binarywave.load(f"{D}/asylum_BTFO_DSO_PFM.ibw")["wave"]
wd = w["wData"]
out["ibw"] = {
    "shape": list(wd.shape),
    "sfA": [float(v) for v in w["wave_header"]["sfA"]],
    "dataUnits": w["wave_header"]["dataUnits"][0].decode(),
    "dimUnits": [u[0].decode() for u in w["wave_header"]["dimUnits"]],
    "labels": [b.decode("latin1") for b in w["labels"][2]],
    "samples": [[x, y, l, float(wd[x, y, l])] for x, y, l in [(0, 0, 0), (5, 7, 1), (255, 0, 2), (10, 255, 3), (200, 100, 0)]],
}

raw = open(f"{D}/bruker_ForceCurve_Sapphire.001", "rb").read()
defl = np.frombuffer(raw[40960:40960 + 2048], "<i2").astype(float) * 0.0003750000 * 72.76923
zs = np.frombuffer(raw[43008:43008 + 2048], "<i2").astype(float) * 0.0003750000 * 960.1708
out["bruker"] = {"Deflection Error": [[i, float(defl[i])] for i in (0, 100, 511, 512, 1023)], "Height Sensor": [[i, float(zs[i])] for i in (0, 100, 511, 512, 1023)]}

text = open(f"{D}/createc_A190824.135614.VERT", "rb").read().decode("latin1")
rows = text[text.index("\nDATA") + 1:].splitlines()[2:]
arr = np.array([[float(v) for v in r.split("\t") if v.strip()] for r in rows if r.strip()])
out["vert"] = {"shape": list(arr.shape), "samples": [[i, j, float(arr[i, j])] for i, j in [(0, 1), (0, 3), (500, 2), (1023, 7), (10, 5)]]}

json.dump(out, sys.stdout)
