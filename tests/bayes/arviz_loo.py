"""ArviZ's WAIC and PSIS-LOO as the reference of tests/bayes/loo.test.ts.

stdin: JSON list of {"logLik": S x n (rows = draws), "chains": C, "reff": r}; the S draws are
split into C chains of S/C in order. stdout: JSON list of {"waic": {...}, "loo": {...}} with
elpd, se, p, pointwise and (loo) pareto_k, plus psislw's smoothed log weights of column 0.
"""
import json
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")
import arviz as az  # noqa: E402

def floats(values):
    """Finite floats as numbers, inf/nan as null (JSON has neither)."""
    return [float(v) if np.isfinite(v) else None for v in np.ravel(values)]


out = []
for req in json.load(sys.stdin):
    ll = np.asarray(req["logLik"], dtype=float)  # S x n
    S, n = ll.shape
    C = req["chains"]
    arr = ll.reshape(C, S // C, n)
    idata = az.from_dict(posterior={"mu": np.zeros((C, S // C))}, log_likelihood={"y": arr})
    w = az.waic(idata, pointwise=True, scale="log")
    lo = az.loo(idata, pointwise=True, scale="log", reff=req["reff"])
    lw, k = az.psislw(-ll[:, 0].copy(), req["reff"])
    out.append({
        "waic": {"elpd": float(w["elpd_waic"]), "se": float(w["se"]), "p": float(w["p_waic"]), "pointwise": [float(v) for v in np.ravel(w["waic_i"].values)]},
        "loo": {"elpd": float(lo["elpd_loo"]), "se": float(lo["se"]), "p": float(lo["p_loo"]), "pointwise": [float(v) for v in np.ravel(lo["loo_i"].values)],
                "pareto_k": floats(lo["pareto_k"].values)},
        "psis0": {"logWeights": [float(v) for v in np.ravel(lw)], "k": floats([k])[0]},
    })
json.dump(out, sys.stdout)
