"""Writes band-excitation files in pycroscopy's USID layout with h5py, for tests/spm/usid.test.ts.

stdin: JSON {path, width, height, frequencies, dc (list of DC offsets; [] for BE-line), real, imag
(position-major: position p = y * width + x, then DC step, then frequency), shuffle (bool: positions
written in a permuted order, with matching Position_Indices)}. For large files (bench/spm/sho.mjs),
"raw" may name a little-endian float64 file holding all real values then all imaginary values, in
place of the real and imag lists.
The layout follows pyUSID's write_main_dataset: Raw_Data (positions x spectroscopic points, complex64)
with attributes quantity/units and references to its four ancillary datasets, which sit beside it.
"""
import json
import sys

import h5py
import numpy as np

q = json.load(sys.stdin)
w, h, f = q["width"], q["height"], np.array(q["frequencies"], dtype=np.float32)
dc = np.array(q["dc"], dtype=np.float32)
n_pos = w * h
steps = max(1, len(dc))
n_spec = len(f) * steps
if "raw" in q:
    values = np.fromfile(q["raw"], dtype="<f8").reshape(2, n_pos * n_spec)
    data = (values[0] + 1j * values[1]).astype(np.complex64).reshape(n_pos, n_spec)
else:
    data = (np.array(q["real"]) + 1j * np.array(q["imag"])).astype(np.complex64).reshape(n_pos, n_spec)
pos_idx = np.array([[x, y] for y in range(h) for x in range(w)], dtype=np.uint32)
order = np.random.default_rng(1).permutation(n_pos) if q["shuffle"] else np.arange(n_pos)
pixel_um = 0.05
with h5py.File(q["path"], "w") as fh:
    fh.attrs["pyUSID_version"] = "0.0.10"
    m = fh.create_group("Measurement_000")
    m.attrs["data_type"] = "BEPSData" if len(dc) else "BELineData"
    m.attrs["grid_num_cols"] = w
    m.attrs["grid_num_rows"] = h
    c = m.create_group("Channel_000")
    raw = c.create_dataset("Raw_Data", data=data[order])
    raw.attrs["quantity"] = "Piezoresponse"
    raw.attrs["units"] = "V"
    pi = c.create_dataset("Position_Indices", data=pos_idx[order])
    pv = c.create_dataset("Position_Values", data=(pos_idx[order] * pixel_um * 1e-6).astype(np.float32))
    for d in (pi, pv):
        d.attrs["labels"] = ["X", "Y"]
        d.attrs["units"] = ["m", "m"]
    if len(dc):
        si = np.array([[k % len(f) for k in range(n_spec)], [k // len(f) for k in range(n_spec)]], dtype=np.uint32)
        sv = np.array([f[si[0]], dc[si[1]]], dtype=np.float32)
        labels, units = ["Frequency", "DC_Offset"], ["Hz", "V"]
    else:
        si = np.arange(n_spec, dtype=np.uint32)[None, :]
        sv = f[None, :]
        labels, units = ["Frequency"], ["Hz"]
    a = c.create_dataset("Spectroscopic_Indices", data=si)
    b = c.create_dataset("Spectroscopic_Values", data=sv)
    for d in (a, b):
        d.attrs["labels"] = labels
        d.attrs["units"] = units
    for name, d in (("Position_Indices", pi), ("Position_Values", pv), ("Spectroscopic_Indices", a), ("Spectroscopic_Values", b)):
        raw.attrs[name] = d.ref
print(json.dumps({"written": q["path"], "raw0": [float(data[0, 0].real), float(data[0, 0].imag)]}))
