"""Reference side of bench/spm/real-files.mjs: read AFMReader 0.0.7's own test files with AFMReader
(its load_spm / load_ibw / load_gwy / load_stp / load_top, i.e. pySPM 0.6.3 and igor2 0.5.15 under it)
and the .gwy also with gwyfile 0.3.0, every channel each exposes. Writes each image as float64
little-endian C-order to OUT/<k>.f64 and prints JSON: per image the file, reader, channel, shape,
nm per pixel, unit and scan size where the reader gives them.
NumPy 2: nothing needed patching for these versions (checked 2026-12-07)."""
import json
import sys
import warnings
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")
from AFMReader import gwy, ibw, spm, stp, top  # noqa: E402
from loguru import logger  # noqa: E402

logger.remove()  # AFMReader logs every step (gwy.py at DEBUG)
import gwyfile  # noqa: E402
import pySPM  # noqa: E402
from igor2 import binarywave  # noqa: E402

out_dir, res = Path(sys.argv[1]), Path(sys.argv[2])
rows = []


def emit(file, reader, channel, image, px_nm, **extra):
    k = len(rows)
    a = np.asarray(image, dtype="<f8")
    a.tofile(out_dir / f"{k}.f64")
    rows.append({"k": k, "file": file, "reader": reader, "channel": channel, "shape": list(a.shape), "px_nm": px_nm, **extra})


def attempt(file, reader, channel, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 -- reported per channel
        rows.append({"file": file, "reader": reader, "channel": channel, "error": f"{type(e).__name__}: {e}"})


# Bruker NanoScope: every "@2:Image Data" layer pySPM lists, through AFMReader.load_spm (flipud of pySPM).
f = res / "sample_0.spm"
scan = pySPM.Bruker(f)
for layer in scan.layers:
    name = layer[b"@2:Image Data"][0].decode("latin1").split('"')[1]

    def one(name=name):
        img, px = spm.load_spm(f, channel=name)
        ch = scan.get_channel(name)
        emit(f.name, "AFMReader 0.0.7 (pySPM 0.6.3)", name, img, float(px), unit=str(ch.zscale), size=ch.size["real"])

    attempt(f.name, "AFMReader 0.0.7 (pySPM 0.6.3)", name, one)

# Asylum .ibw: every layer igor2 labels, through AFMReader.load_ibw (x 1e9, transposed, flipud).
f = res / "sample_0.ibw"
wave = binarywave.load(f)["wave"]
labels = [lab.decode("latin1") for lab in wave["labels"][2] if lab]
note = {}
for line in wave["note"].decode("latin1").split("\r"):
    if ":" in line:
        key, val = line.split(":", 1)
        note[key.strip()] = val.strip()
for i, lab in enumerate(labels):
    def one(lab=lab, i=i):
        img, px = ibw.load_ibw(f, lab)
        emit(f.name, "AFMReader 0.0.7 (igor2 0.5.15)", lab, img, float(px), index=i, sfA=[float(v) for v in wave["wave_header"]["sfA"][:2]],
             fastScanSize=note.get("FastScanSize"), slowScanSize=note.get("SlowScanSize"))

    attempt(f.name, "AFMReader 0.0.7 (igor2 0.5.15)", lab, one)

# Gwyddion: AFMReader.load_gwy for every title, and gwyfile 0.3.0's data fields with their units.
f = res / "sample_0.gwy"
obj = gwyfile.load(str(f))
for title, df in gwyfile.util.get_datafields(obj).items():
    def one(title=title):
        img, px = gwy.load_gwy(f, channel=title)
        emit(f.name, "AFMReader 0.0.7", title, img, float(px))

    attempt(f.name, "AFMReader 0.0.7", title, one)
    xu = df.get("si_unit_xy")
    zu = df.get("si_unit_z")
    emit(f.name, "gwyfile 0.3.0", title, df.data, float(df.xreal) / df.data.shape[1] * 1e9 if xu and xu.get("unitstr") == "m" else None,
         unit=zu.get("unitstr", "") if zu else "", size={"x": df.xreal, "y": df.yreal, "unit": xu.get("unitstr", "") if xu else ""})

# WSxM: AFMReader.load_stp / load_top (one channel each).
for name, load in [("sample_0.stp", stp.load_stp), ("sample_1_um_scale.stp", stp.load_stp), ("sample_0.top", top.load_top), ("sample_1_um_scale.top", top.load_top)]:
    def one(name=name, load=load):
        img, px = load(res / name)
        emit(name, "AFMReader 0.0.7", "Topography", img, float(px))

    attempt(name, "AFMReader 0.0.7", "Topography", one)

print(json.dumps(rows))
