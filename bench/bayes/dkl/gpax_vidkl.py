"""GPax's viDKL on the patches of bench/bayes/dkl.mjs (the reference of the deep-kernel-learning comparison).

Reads {"Xtr": [[...], ...], "ytr": [...], "Xte": [[...], ...], "runs": [{"label", "hidden": [..] | null,
"activation": "tanh" | "relu", "zdim", "steps", "lr", "seed"}]} on stdin (patches already standardised as
causalscope does: the training pixels' mean and sd). hidden null: GPax's default MLP (64-64 ReLU). GPax's own
defaults otherwise: RBF kernel, LogNormal(0, 1) kernel priors, Normal(0, 1) weight priors, AutoDelta guide,
Adam with b1 = 0.5, full batch. Prints JSON: per run the predictive mean and variance (noise included, GPax's
default) at Xte and the wall time of fit + predict (compilation included).
"""
import json
import sys
import time

import gpax
import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np


def make_mlp(hidden, activation):
    act = jnp.tanh if activation == "tanh" else jax.nn.relu

    class MLP(hk.Module):
        def __init__(self, embedim=2):
            super().__init__()
            self._embedim = embedim

        def __call__(self, x):
            for h in hidden:
                x = act(hk.Linear(h)(x))
            return hk.Linear(self._embedim)(x)

    return MLP


def main():
    req = json.load(sys.stdin)
    Xtr = jnp.asarray(req["Xtr"], dtype=jnp.float32)
    ytr = jnp.asarray(req["ytr"], dtype=jnp.float32)
    Xte = jnp.asarray(req["Xte"], dtype=jnp.float32)
    # standardise y as causalscope does; predictions are mapped back
    mu, sd = float(np.mean(req["ytr"])), float(np.std(req["ytr"]))
    out = []
    for run in req["runs"]:
        t0 = time.perf_counter()
        nn = None if run["hidden"] is None else make_mlp(run["hidden"], run["activation"])
        model = gpax.viDKL(Xtr.shape[-1], z_dim=run["zdim"], kernel="RBF", nn=nn)
        key, key2 = gpax.utils.get_keys(run["seed"])
        model.fit(key, Xtr, (ytr - mu) / sd, num_steps=run["steps"], step_size=run["lr"], print_summary=False, progress_bar=False)
        mean, var = model.predict(key2, Xte)
        mean = np.asarray(mean) * sd + mu
        var = np.asarray(var) * sd * sd
        out.append({"label": run["label"], "mean": mean.tolist(), "var": var.tolist(), "seconds": time.perf_counter() - t0})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
