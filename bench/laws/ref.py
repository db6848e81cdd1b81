"""PySINDy side of bench/laws/run.mjs: reads a JSON spec (data file, cases),
fits each case with PySINDy and prints one JSON line: per case the feature
names, coefficients and the fit times (seconds; imports and data loading
excluded, one untimed warm-up fit per case)."""
import json
import sys
import time
import warnings

import numpy as np
import pysindy as ps

warnings.filterwarnings("ignore")


def differentiation(case):
    if case["diff"] == "fd":
        return ps.FiniteDifference()
    return ps.SmoothedFiniteDifference(smoother_kws={"window_length": case["window"], "polyorder": case["polyorder"]})


def main():
    spec = json.loads(sys.argv[1])
    with open(spec["data"]) as f:
        data = json.load(f)
    out = []
    for case in spec["cases"]:
        X = np.asarray(data[case["data"]], dtype=float)

        def fit():
            model = ps.SINDy(
                optimizer=ps.STLSQ(threshold=case["threshold"], alpha=0.05),
                feature_library=ps.PolynomialLibrary(degree=case["degree"]),
                differentiation_method=differentiation(case),
            )
            model.fit(X, t=case["dt"])
            return model

        fit()
        times = []
        for _ in range(case["reps"]):
            t0 = time.perf_counter()
            model = fit()
            times.append(time.perf_counter() - t0)
        out.append({
            "featureNames": model.get_feature_names(),
            "coefficients": model.coefficients().tolist(),
            "times": times,
        })
    print(json.dumps({"version": ps.__version__ if hasattr(ps, "__version__") else "?", "cases": out}))


main()
