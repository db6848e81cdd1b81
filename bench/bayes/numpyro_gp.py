"""NumPyro's NUTS on the GP hyperparameters of bench/bayes (the reference of the NUTS comparison).

Reads {"X": [[x], ...], "y": [...] (standardised), "l0": float, "chains", "warmup", "samples", "seed"} on stdin;
model: variance ~ LogNormal(0, 1), lengthscale ~ LogNormal(log l0, 1), noise ~ HalfNormal(1),
y ~ N(0, variance * Matern52(lengthscale) + (noise + 1e-10) I), the defaults of causalscope's
gaussianProcess(..., { inference: "nuts", kernel: "matern52" }) on 1-D inputs. Prints JSON: per parameter the
posterior mean and sd of log(value), ESS and split R-hat (numpyro.diagnostics), and the wall time of
mcmc.run (compilation included) and of a second run (compiled).
"""
import json
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from numpyro.diagnostics import effective_sample_size, split_gelman_rubin  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402


def main():
    req = json.load(sys.stdin)
    X = jnp.asarray(req["X"], dtype=jnp.float64)[:, 0]
    y = jnp.asarray(req["y"], dtype=jnp.float64)
    n = y.shape[0]
    d = jnp.abs(X[:, None] - X[None, :])

    def model():
        var = numpyro.sample("variance", dist.LogNormal(0.0, 1.0))
        ls = numpyro.sample("lengthscale", dist.LogNormal(np.log(req["l0"]), 1.0))
        noise = numpyro.sample("noise", dist.HalfNormal(1.0))
        r = jnp.sqrt(5.0) * d / ls
        K = var * (1 + r + r * r / 3) * jnp.exp(-r) + (noise + 1e-10) * jnp.eye(n)
        numpyro.sample("y", dist.MultivariateNormal(jnp.zeros(n), covariance_matrix=K), obs=y)

    def run(seed):
        mcmc = MCMC(NUTS(model, target_accept_prob=0.8), num_warmup=req["warmup"], num_samples=req["samples"],
                    num_chains=req["chains"], chain_method="sequential", progress_bar=False)
        t0 = time.perf_counter()
        mcmc.run(jax.random.PRNGKey(seed))
        return mcmc, time.perf_counter() - t0

    mcmc, first = run(req["seed"])
    _, second = run(req["seed"] + 1)
    s = mcmc.get_samples(group_by_chain=True)
    out = {"seconds_first": first, "seconds_compiled": second, "params": {}}
    for name in ["variance", "lengthscale", "noise"]:
        v = np.log(np.asarray(s[name]))
        out["params"][name] = {"mean": float(v.mean()), "sd": float(v.std(ddof=1)),
                               "ess": float(effective_sample_size(v)), "rhat": float(split_gelman_rubin(v))}
    out["divergences"] = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
