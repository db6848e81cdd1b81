"""Reference side of bench/io/mrc-files.mjs: read each MRC file with mrcfile 1.5.4 (permissive, as its
own tests open the FEI files) and write its data as float64 little-endian to OUT/<i>.f64 (C order,
(nz, ny, nx) or (ny, nx)). Prints JSON: per file the shape, dtype, mode, voxel size (Å), the
machine stamp, the extended-header type and size, and mrcfile's validation messages."""
import io
import json
import sys
import warnings
from contextlib import redirect_stdout

import mrcfile
import numpy as np

out_dir, paths = sys.argv[1], sys.argv[2:]
rows = []
for i, p in enumerate(paths):
    row = {"path": p}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with mrcfile.open(p, permissive=True) as m:
                d = np.asarray(m.data)
                h = m.header
                row.update(shape=list(d.shape), dtype=d.dtype.str, mode=int(h.mode),
                           voxel=[float(m.voxel_size.x), float(m.voxel_size.y), float(m.voxel_size.z)],
                           stamp=[int(b) for b in bytes(h.machst)], exttyp=bytes(h.exttyp).decode("latin1"),
                           nsymbt=int(h.nsymbt), mapcrs=[int(h.mapc), int(h.mapr), int(h.maps)],
                           ispg=int(h.ispg), dmin=float(h.dmin), dmax=float(h.dmax), dmean=float(h.dmean))
                d.astype("<f8").tofile(f"{out_dir}/{i}.f64")
        buf = io.StringIO()
        with redirect_stdout(buf):
            row["valid"] = bool(mrcfile.validate(p))
        row["validation"] = [s for s in buf.getvalue().splitlines() if s.strip()]
        row["warnings"] = [str(w.message) for w in caught]
    except Exception as e:  # noqa: BLE001 -- reported per file
        row["error"] = f"{type(e).__name__}: {e}"
    rows.append(row)
print(json.dumps(rows))
