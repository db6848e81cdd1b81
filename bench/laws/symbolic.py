"""Reference side of bench/laws/symbolic.mjs: gplearn on the same data, and the
sympy recovery check applied to both tools' expressions.

    python symbolic.py  <  one case per line  ->  one verdict per line (JSON)

A case: {"id", "columns": [names], "X": [[...]] (rows), "y": [...], "Xheld": [[...]],
"yheld": [...], "truth": sympy text, "noise", "operators", "seed", "positive": [names],
"ours": expression text, "gplearn": {"population_size", "parsimony", "budget"}}.
gplearn is warm-started one generation at a time until it has used `budget` CPU
seconds (time.process_time; or its best raw fitness reaches 0): ours' CPU seconds
on the same case, so both get the same CPU time.
Recovery: symbolic_check.recovered with tol 1e-6 without noise, 1e-2 with.
"""
import json
import sys
import time

import numpy as np
import sympy
from gplearn.functions import make_function
from gplearn.genetic import SymbolicRegressor

from symbolic_check import recovered


def _exp(x):
    with np.errstate(over="ignore"):
        return np.where(x < 100, np.exp(np.minimum(x, 100)), 0.0)


def _pow(a, b):
    with np.errstate(all="ignore"):
        r = np.power(np.abs(a), b)
    return np.where(np.isfinite(r) & (np.abs(r) < 1e100), r, 0.0)


EXP = make_function(function=_exp, name="exp", arity=1)
POW = make_function(function=_pow, name="pow", arity=2)
# Our operator -> gplearn's function (gplearn's log/sqrt/div are its protected versions).
FUNCTIONS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "sqrt": "sqrt", "log": "log", "sin": "sin", "cos": "cos", "exp": EXP, "^": POW}
SYMPY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "sqrt": lambda a: sympy.sqrt(sympy.Abs(a)), "log": lambda a: sympy.log(sympy.Abs(a)), "sin": sympy.sin, "cos": sympy.cos,
    "exp": sympy.exp, "pow": lambda a, b: sympy.Abs(a) ** b,
}


def gplearn_within(c, X, y):
    """SymbolicRegressor grown one generation at a time until the CPU budget is spent; (model, wall s, CPU s, generations)."""
    g = c["gplearn"]
    model = SymbolicRegressor(population_size=g["population_size"], generations=1, warm_start=True,
                              function_set=tuple(FUNCTIONS[o] for o in c["operators"]),
                              parsimony_coefficient=g.get("parsimony", 0.001), random_state=c["seed"], n_jobs=1)
    t, cpu = time.perf_counter(), time.process_time()
    generations = 0
    while True:
        generations += 1
        model.set_params(generations=generations)
        model.fit(X, y)
        if time.process_time() - cpu >= g["budget"] or model._program.raw_fitness_ <= 0 or generations >= 10000:
            return model, time.perf_counter() - t, time.process_time() - cpu, generations


def main():
    for line in sys.stdin:
        c = json.loads(line)
        names = c["columns"]
        # Symbols positive where the sampled range is (so sqrt(|x|) = sqrt(x) there, for both tools).
        symbols = {n: sympy.Symbol(n, positive=True) if n in c["positive"] else sympy.Symbol(n, real=True) for n in names}
        truth = sympy.sympify(c["truth"], locals=symbols)
        tol = 1e-2 if c["noise"] > 0 else 1e-6
        X, y = np.array(c["X"]), np.array(c["y"])
        model, seconds, cpu, generations = gplearn_within(c, X, y)
        local = {**SYMPY, **{f"X{i}": symbols[n] for i, n in enumerate(names)}}
        theirs = sympy.sympify(str(model._program), locals=local)
        pred = model.predict(np.array(c["Xheld"]))
        yh = np.array(c["yheld"])
        held = float(np.max(np.abs(pred - yh) / np.maximum(1, np.abs(yh))))
        ours = sympy.sympify(c["ours"], locals=symbols)
        print(json.dumps({"gplearn": str(theirs), "gplearnSeconds": seconds, "gplearnCpu": cpu, "gplearnGenerations": generations, "gplearnHeldOut": held,
                          "gplearnRecovered": recovered(theirs, truth, tol)[0], "oursRecovered": recovered(ours, truth, tol)[0]}), flush=True)


if __name__ == "__main__":
    main()
