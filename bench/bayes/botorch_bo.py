"""BoTorch's GP-EI loop: the reference of the Bayesian-optimisation comparison of bench/bayes (run.mjs --bo-seeds).

Reads {"problem": "branin" | "hartmann6", "budget": int, "runs": [{"seed": int, "initial": [[x...], ...]}, ...]}
on stdin (each run's initial design in the problem's units, the one causalscope's loop drew for the same seed, so
both loops start from the same data). Each iteration, as BoTorch's tutorials do it: inputs scaled to the unit cube,
SingleTaskGP with its default kernel and priors and Standardize on the outcome, fit_gpytorch_mll,
LogExpectedImprovement (analytic, best_f = the best value so far) maximised by optimize_acqf with 10 restarts from
512 raw samples; the objective is negated (BoTorch maximises). float64, torch.set_num_threads(1) (causalscope's loop
is single-threaded). Prints JSON: per run the values in order and the wall time of every iteration (fit +
acquisition, the objective call excluded).
"""
import json
import math
import sys
import time
import warnings

import torch

torch.set_num_threads(1)
from botorch.acquisition import LogExpectedImprovement  # noqa: E402
from botorch.fit import fit_gpytorch_mll  # noqa: E402
from botorch.models import SingleTaskGP  # noqa: E402
from botorch.models.transforms import Standardize  # noqa: E402
from botorch.optim import optimize_acqf  # noqa: E402
from gpytorch.mlls import ExactMarginalLogLikelihood  # noqa: E402

A6 = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P6 = [[v * 1e-4 for v in r] for r in [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                                      [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]]
W6 = [1, 1.2, 3, 3.2]


def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


def hartmann6(x):
    return -sum(w * math.exp(-sum(a * (xj - p) ** 2 for a, xj, p in zip(A, x, P))) for w, A, P in zip(W6, A6, P6))


PROBLEMS = {"branin": (branin, [[-5, 10], [0, 15]]), "hartmann6": (hartmann6, [[0, 1]] * 6)}


def run(objective, bounds, budget, initial, seed):
    torch.manual_seed(seed)
    lo = torch.tensor([b[0] for b in bounds], dtype=torch.float64)
    span = torch.tensor([b[1] - b[0] for b in bounds], dtype=torch.float64)
    X = (torch.tensor(initial, dtype=torch.float64) - lo) / span
    ys = [objective(x) for x in initial]
    times = []
    unit = torch.stack([torch.zeros(len(bounds), dtype=torch.float64), torch.ones(len(bounds), dtype=torch.float64)])
    while len(ys) < budget:
        t0 = time.perf_counter()
        Y = -torch.tensor(ys, dtype=torch.float64).unsqueeze(-1)
        model = SingleTaskGP(X, Y, outcome_transform=Standardize(m=1))
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        acq = LogExpectedImprovement(model, best_f=Y.max())
        cand, _ = optimize_acqf(acq, bounds=unit, q=1, num_restarts=10, raw_samples=512)
        times.append(time.perf_counter() - t0)
        x = (lo + cand[0] * span).tolist()
        X = torch.cat([X, cand])
        ys.append(objective(x))
    return {"seed": seed, "y": ys, "seconds": times}


def main():
    req = json.load(sys.stdin)
    objective, bounds = PROBLEMS[req["problem"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BoTorch's numerical-warning chatter; results are checked on the node side
        out = [run(objective, bounds, req["budget"], r["initial"], r["seed"]) for r in req["runs"]]
    json.dump({"runs": out, "botorch": __import__("botorch").__version__, "torch": torch.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
