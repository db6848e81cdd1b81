"""Reference side of bench/series/run.mjs.
argv: frames.npy tracks.json repeats
prints JSON: per-frame registration time and shifts of scikit-image's phase_cross_correlation
(upsample_factor 100, default phase normalisation) against frame 0, and trackpy.link's time and ids."""
import json
import sys
import time

import numpy as np
import pandas as pd
import trackpy as tp
from skimage.registration import phase_cross_correlation

tp.quiet()
frames = np.load(sys.argv[1]).astype(np.float64)
repeats = int(sys.argv[3])
times, shifts = [], []
for _ in range(repeats):
    t0 = time.perf_counter()
    shifts = [[0.0, 0.0]] + [(-phase_cross_correlation(frames[0], frames[i], upsample_factor=100)[0][::-1]).tolist() for i in range(1, len(frames))]
    times.append(time.perf_counter() - t0)
req = json.load(open(sys.argv[2]))
rows = [{"frame": f, "x": x, "y": y, "row": k} for f, t in enumerate(req["frames"]) for k, (x, y) in enumerate(zip(t["x"], t["y"]))]
df = pd.DataFrame(rows)
ttimes = []
for _ in range(repeats):
    t0 = time.perf_counter()
    linked = tp.link(df, search_range=req["searchRange"], memory=req["memory"])
    ttimes.append(time.perf_counter() - t0)
linked = linked.sort_values(["frame", "row"])
ids = [linked[linked["frame"] == f]["particle"].astype(int).tolist() for f in range(len(req["frames"]))]
print(json.dumps({"register": sorted(times)[len(times) // 2], "shifts": shifts, "link": sorted(ttimes)[len(ttimes) // 2], "ids": ids}))
