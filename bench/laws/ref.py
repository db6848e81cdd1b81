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


def optimizer(case):
    o = case.get("optimizer", {"kind": "stlsq"})
    if o["kind"] == "stlsq":
        return ps.STLSQ(threshold=case["threshold"], alpha=o.get("alpha", 0.05), normalize_columns=o.get("normalize", False))
    nu, t = o.get("nu", 1.0), case["threshold"]
    lam = t * t / (2 * nu) if o["regularizer"] == "l0" else t / nu  # prox threshold sqrt(2 lam nu) (L0) or lam nu (L1) = t
    return ps.SR3(reg_weight_lam=lam, regularizer=o["regularizer"].upper(), relax_coeff_nu=nu, unbias=o.get("unbias", False))


def main():
    spec = json.loads(sys.argv[1])
    with open(spec["data"]) as f:
        data = json.load(f)
    out = []
    for case in spec["cases"]:
        X = np.asarray(data[case["data"]], dtype=float)

        def fit_pde():
            # frames (nt, nx) -> PySINDy's (nx, nt, 1); periodic second-order differences in x, FiniteDifference in t
            u = X.T[:, :, None]
            lib = ps.PDELibrary(function_library=ps.PolynomialLibrary(degree=case["degree"], include_bias=False), derivative_order=case["order"],
                                spatial_grid=np.arange(u.shape[0]) * case["dx"], is_uniform=True, periodic=True)
            model = ps.SINDy(feature_library=lib, optimizer=ps.STLSQ(threshold=case["threshold"], alpha=0.05), differentiation_method=ps.FiniteDifference(axis=1))
            model.fit(u, t=case["dt"])
            return model

        def fit_ode():
            model = ps.SINDy(
                optimizer=optimizer(case),
                feature_library=ps.PolynomialLibrary(degree=case["degree"]),
                differentiation_method=differentiation(case),
            )
            model.fit(X, t=case["dt"])
            return model

        fit = fit_pde if case.get("pde") else fit_ode
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
