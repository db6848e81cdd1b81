"""scikit-learn's GaussianProcessRegressor as the reference of tests/bayes and bench/bayes.

Reads one JSON request (or a list of them, answered by a list) on stdin: {"X": [[...]], "y": [...], "Xs": [[...]], "kernel": "<sklearn kernel expression>",
"optimize": bool, "normalize_y": bool, "alpha": float, "restarts": int, "seed": int, "repeat": int}
and prints {"mean", "std", "std_noise_free"?, "lml", "kernel", "theta", "seconds"} as JSON (floats as repr strings).
`seconds` is the median wall time of `repeat` fit+predict calls (for the benchmark).
"""
import json
import sys
import time

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, DotProduct, ExpSineSquared, Matern, WhiteKernel  # noqa: F401  (used by eval)


def run(req):
    X = np.asarray(req["X"], dtype=float)
    y = np.asarray(req["y"], dtype=float)
    Xs = np.asarray(req["Xs"], dtype=float)
    times = []
    for _ in range(int(req.get("repeat", 1))):
        kernel = eval(req["kernel"])
        t0 = time.perf_counter()
        gp = GaussianProcessRegressor(
            kernel=kernel,
            alpha=req.get("alpha", 1e-10),
            optimizer="fmin_l_bfgs_b" if req.get("optimize", False) else None,
            normalize_y=req.get("normalize_y", False),
            n_restarts_optimizer=req.get("restarts", 0),
            random_state=req.get("seed", 0),
        )
        gp.fit(X, y)
        mean, std = gp.predict(Xs, return_std=True)
        times.append(time.perf_counter() - t0)
    out = {
        "mean": [repr(float(v)) for v in mean],
        "std": [repr(float(v)) for v in std],
        "lml": repr(float(gp.log_marginal_likelihood_value_)),
        "kernel": str(gp.kernel_),
        "theta": [repr(float(v)) for v in gp.kernel_.theta],
        "seconds": float(np.median(times)),
    }
    return out


def main():
    req = json.load(sys.stdin)
    json.dump([run(r) for r in req] if isinstance(req, list) else run(req), sys.stdout)


if __name__ == "__main__":
    main()
