"""Reference values for tests/core/special.test.ts from SciPy (1.17.1 when written):
   .venv/bin/python tests/core/special_reference.py > tests/core/special_reference.json"""
import json
from scipy import special, stats

ps = [1e-6, 0.025, 0.6, 0.975, 0.999999]
dfs = [0.5, 1, 2, 3, 10, 100, 1000, 1e5]
print(json.dumps(dict(
    t=[[p, d, float(stats.t.ppf(p, d))] for p in ps for d in dfs],
    b=[[p, a, b, float(stats.beta.ppf(p, a, b))] for p in [1e-6, 0.05, 0.5, 0.95] for a, b in [(0.5, 0.5), (2, 5), (50, 0.5), (1e3, 2e3)]],
    g=[[p, s, r, float(stats.gamma.ppf(p, s, scale=1 / r))] for p in [1e-6, 0.05, 0.5, 0.95] for s, r in [(0.3, 1), (1, 2), (7.5, 0.1), (400, 3)]],
    c=[[x, df, float(stats.chi2.sf(x, df))] for x, df in [(0.1, 1), (3.84, 1), (30, 10), (200, 150), (1e3, 4)]],
    e=[[x, float(special.erfc(x))] for x in [-3, -0.5, 0, 1e-3, 0.7, 2.5, 10, 26]],
    l=[[x, float(special.gammaln(x))] for x in [1e-8, 0.5, 1, 2.5, 14.9, 15.1, 1e3, 1e7]],
    d=[[x, float(special.digamma(x))] for x in [1e-6, 0.3, 1, 2.5, 5.9, 6.1, 100, 1e6]],
)))
