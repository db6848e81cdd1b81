"""Reference-tool runner for bench/causal/run.mjs.

    python ref.py '{"tool": "causal-learn", "alg": "pc", "csv": "...", "discrete": true, "alpha": 0.05,
                    "reps": 5, "warmup": "small.csv"}'

Loads the CSV (header row), times only the structure-learning call, and
prints one JSON line: {"seconds": median, "times": [s, ...], "edges": [[a, b, markAtA, markAtB], ...]}
with marks -1 tail, 1 arrow, 2 circle (causal-learn's encoding). With "warmup",
one untimed call of the same algorithm on that (small, different) CSV comes
first, as bench/causal/run.mjs does for causalscope; "reps" timed calls
(default 1) follow, each on a fresh copy of the data, and the median is reported.
"""
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def cl_edges(G, names):
    g = G.graph
    out = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if g[i, j] != 0:
                out.append([names[i], names[j], int(g[i, j]), int(g[j, i])])
    return out


def dag_edges(edges):
    return [[a, b, -1, 1] for a, b in edges]


def learn(spec, csv):
    """One timed structure-learning call on `csv`: (seconds, edges)."""
    df = pd.read_csv(csv)
    names = list(df.columns)
    X = df.to_numpy()
    tool, alg = spec["tool"], spec["alg"]
    disc = spec.get("discrete", False)
    alpha = spec.get("alpha", 0.05)
    if tool == "causal-learn":
        if alg == "pc":
            from causallearn.search.ConstraintBased.PC import pc
            t0 = time.perf_counter()
            cg = pc(X.astype(float), alpha, "gsq" if disc else "fisherz", stable=True, uc_rule=0, uc_priority=2, show_progress=False)
            dt = time.perf_counter() - t0
            edges = cl_edges(cg.G, names)
        elif alg == "fci":
            from causallearn.search.ConstraintBased.FCI import fci
            t0 = time.perf_counter()
            G, _ = fci(X.astype(float), "gsq" if disc else "fisherz", alpha, show_progress=False, verbose=False)
            dt = time.perf_counter() - t0
            edges = cl_edges(G, names)
        elif alg == "ges":
            from causallearn.search.ScoreBased.GES import ges
            t0 = time.perf_counter()
            rec = ges(X.astype(float), score_func="local_score_BDeu" if disc else "local_score_BIC")
            dt = time.perf_counter() - t0
            edges = cl_edges(rec["G"], names)
        else:
            raise SystemExit(f"unknown alg {alg}")
    elif tool == "pgmpy":
        if alg == "hc":
            from pgmpy.estimators import HillClimbSearch
            data = df.astype(str) if disc else df
            t0 = time.perf_counter()
            dag = HillClimbSearch(data).estimate(scoring_method="bic-d" if disc else "bic-g", show_progress=False)
            dt = time.perf_counter() - t0
            edges = dag_edges(dag.edges())
        elif alg == "pc":
            from pgmpy.estimators import PC
            data = df.astype(str) if disc else df
            t0 = time.perf_counter()
            pdag = PC(data).estimate(ci_test="chi_square" if disc else "pearsonr", significance_level=alpha, variant="stable", return_type="pdag", show_progress=False)
            dt = time.perf_counter() - t0
            edges = []
            es = set(pdag.edges())
            for a, b in es:
                if (b, a) in es:
                    if names.index(a) < names.index(b):
                        edges.append([a, b, -1, -1])
                else:
                    edges.append([a, b, -1, 1])
        else:
            raise SystemExit(f"unknown alg {alg}")
    elif tool == "lingam":
        import lingam
        t0 = time.perf_counter()
        m = lingam.DirectLiNGAM()
        m.fit(X.astype(float))
        dt = time.perf_counter() - t0
        B = m.adjacency_matrix_
        edges = [[names[s], names[t], -1, 1] for t in range(len(names)) for s in range(len(names)) if B[t, s] != 0]
    else:
        raise SystemExit(f"unknown tool {tool}")
    return dt, edges


def main():
    spec = json.loads(sys.argv[1])
    if spec.get("warmup"):
        learn(spec, spec["warmup"])
    times = []
    for _ in range(int(spec.get("reps", 1))):
        dt, edges = learn(spec, spec["csv"])
        times.append(dt)
    print(json.dumps({"seconds": float(np.median(times)), "times": times, "edges": edges}))


if __name__ == "__main__":
    main()
