"""BGlib side of bench/spm/sho.mjs and bench/spm/loop.mjs: pycroscopy/BGlib 0.0.6's BESHOfitter on a
band-excitation USID file, as its documentation runs it (set_up_guess(complex_gaussian, num_points=5),
do_guess, set_up_fit(), do_fit), timed; with --loops (a BEPS file with a DC_Offset dimension), then its
BELoopFitter on the SHO fit ("BEPSData", "DC modulation mode", "full": loop projection, cluster-tree
guess, per-pixel fit). BGlib writes its results into the file: pass a copy.

    sho_bglib.py FILE [--loops]

Two patches for NumPy 2, neither changing what BGlib computes:
- numpy_groupies 0.9.7 (pinned by BGlib) uses the np.object/np.float/np.int aliases NumPy 2 removed:
  they are restored (only where missing; np.bool exists again in NumPy 2 and is left alone).
- BESHOfitter._reformat_results stores `1 - result.fun` (a 1-element array) into a scalar field, which
  NumPy 2 refuses; the 1-element array is turned into its one float first (what NumPy 1 did).

Prints JSON: versions, cores, wall and CPU seconds of the guess and the fit (CPU includes worker
processes: joblib's, dask's), and the guess and fit parameters per position (and step)
[A, w0, Q, phi, R2] in file order; with --loops also the DC vector, the projected loops (positions x
steps) and the loop guess and fit coefficients per position [a0..a4, b0..b3, R2], with their times.
"""
import contextlib
import json
import resource
import sys
import time

import numpy as np

for _name, _value in {"object": object, "float": float, "int": int, "complex": complex, "str": str}.items():
    if _name not in np.__dict__:
        setattr(np, _name, _value)

import h5py  # noqa: E402
import psutil  # noqa: E402
import pyUSID as usid  # noqa: E402
import scipy  # noqa: E402
import sidpy  # noqa: E402
import BGlib  # noqa: E402
from BGlib.be.analysis import BELoopFitter, BESHOfitter  # noqa: E402
from BGlib.be.analysis.be_sho_fitter import SHOGuessFunc  # noqa: E402
from pyUSID.processing.comp_utils import recommend_cpu_cores  # noqa: E402

_reformat = BESHOfitter._reformat_results


def _reformat_numpy2(self, results, strategy="wavelet_peaks"):
    if strategy == "least_squares":
        for r in results:
            r.fun = float(np.ravel(r.fun)[0])
    return _reformat(self, results, strategy)


BESHOfitter._reformat_results = _reformat_numpy2


def cpu_seconds():
    """CPU time of this process and of its children (live and ended), user + system."""
    me = psutil.Process()
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = sum(me.cpu_times()[:2]) + ended.ru_utime + ended.ru_stime
    for c in me.children(recursive=True):
        try:
            total += sum(c.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return total


def fields(dset):
    a = dset[()].reshape(-1)
    return np.stack([a[name] for name in a.dtype.names], axis=1)


def main():
    # dask's "processes" scheduler (BELoopFitter) spawns workers that import this file: keep work in main()
    path, loops = sys.argv[1], "--loops" in sys.argv[2:]
    result = {}
    with h5py.File(path, "r+") as fh, contextlib.redirect_stdout(sys.stderr):  # BGlib's progress messages
        h5_main = usid.hdf_utils.find_dataset(fh, "Raw_Data")[0]
        w0, c0 = time.perf_counter(), cpu_seconds()
        fitter = BESHOfitter(h5_main, verbose=False)
        fitter.set_up_guess(guess_func=SHOGuessFunc.complex_gaussian, num_points=5)
        h5_guess = fitter.do_guess()
        w1, c1 = time.perf_counter(), cpu_seconds()
        fitter.set_up_fit()
        h5_fit = fitter.do_fit()
        w2, c2 = time.perf_counter(), cpu_seconds()
        guess, fit = fields(h5_guess), fields(h5_fit)
        cores = recommend_cpu_cores(h5_main.shape[0])  # what the fit's joblib.Parallel used (the guess: Process default)
        if loops:
            loop_fitter = BELoopFitter(h5_fit, "BEPSData", "DC modulation mode", "full", verbose=False)
            loop_fitter.set_up_guess()
            h5_loop_guess = loop_fitter.do_guess()
            w3, c3 = time.perf_counter(), cpu_seconds()
            loop_fitter.set_up_fit()
            h5_loop_fit = loop_fitter.do_fit()
            w4, c4 = time.perf_counter(), cpu_seconds()
            group = h5_loop_fit.parent
            result.update({
                "dc": usid.hdf_utils.get_unit_values(h5_fit.h5_spec_inds, h5_fit.h5_spec_vals)["DC_Offset"].tolist(),
                "projected": group["Projected_Loops"][()].ravel().tolist(),
                "loopGuess": fields(h5_loop_guess).ravel().tolist(), "loopFit": fields(h5_loop_fit).ravel().tolist(),
                "loopGuessTime": {"wall": w3 - w2, "cpu": c3 - c2}, "loopFitTime": {"wall": w4 - w3, "cpu": c4 - c3},
            })

    print(json.dumps({**result,
        "versions": {"BGlib": BGlib.__version__, "pyUSID": usid.__version__, "sidpy": sidpy.__version__,
                     "numpy": np.__version__, "scipy": scipy.__version__, "h5py": h5py.__version__},
        "cores": cores,
        "guess": {"wall": w1 - w0, "cpu": c1 - c0}, "fit": {"wall": w2 - w1, "cpu": c2 - c1},
        "guessParams": guess.ravel().tolist(), "fitParams": fit.ravel().tolist(),
    }))


if __name__ == "__main__":
    main()
