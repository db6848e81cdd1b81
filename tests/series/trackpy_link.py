"""trackpy.link on per-frame atom tables (reference of tests/series/track.test.ts).
stdin: a list of {"frames": [{"x": [...], "y": [...]}, ...], "searchRange": r, "memory": m}
stdout: for each request, one list of particle ids per frame, in the rows' order."""
import json
import sys

import pandas as pd
import trackpy as tp

tp.quiet()


def link(req):
    rows = [
        {"frame": f, "x": x, "y": y, "row": k}
        for f, t in enumerate(req["frames"])
        for k, (x, y) in enumerate(zip(t["x"], t["y"]))
    ]
    linked = tp.link(pd.DataFrame(rows), search_range=req["searchRange"], memory=req["memory"], link_strategy="recursive")
    out = []
    for f in range(len(req["frames"])):
        part = linked[linked["frame"] == f].sort_values("row")
        out.append([int(p) for p in part["particle"]])
    return out


print(json.dumps([link(r) for r in json.load(sys.stdin)]))
