"""Atomap's own automatic pipeline on the Au nanoparticle image, against the
141 reference positions stored in the same file (Atomap output, curated).

    python bench/atoms/au_atomap_auto.py [DATA_DIR] [--out tests/atoms/fixtures/au-atomap-auto.json]

Run with the reference-tool venv (bench/atoms/requirements.txt: atomap 0.4.2,
scikit-image), e.g. the python that `referencePython("bench/atoms")` of
bench/reference-venv.mjs returns. DATA_DIR defaults to ../shared/data beside
the checkout.

For each setting: `atomap.api.get_atom_positions(signal, separation, pca=...,
subtract_background=..., normalize_intensity=...)` (peak_local_max on the
optionally PCA-denoised image, threshold_rel 0.02), then `Sublattice`,
`find_nearest_neighbors()`, `refine_atom_positions_using_center_of_mass()`,
`refine_atom_positions_using_2d_gaussian()`. Matching: mutual nearest
neighbours within 3 and 6 px (as tests/atoms/match.ts, no border). Atomap's
PCA is sklearn's randomized TruncatedSVD (rank 22, unseeded), so counts vary
by a few between runs; the fixture stores one run.

Also recorded ("pcaRank"): integer peaks (peak_local_max, min_distance 10)
of the *exact* rank-k SVD truncation for k = 16, 22, 30 against the
reference: how much of the reference is tied to the particular rank 22.
"""
import json, os, sys, time, warnings
import numpy as np

warnings.filterwarnings("ignore")
import logging
logging.getLogger("hyperspy").setLevel(logging.ERROR)
import h5py
from scipy.spatial import cKDTree
from skimage.feature import peak_local_max
import hyperspy.api as hs
import atomap.api as am

here = os.path.dirname(os.path.abspath(__file__))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else os.path.join(here, "..", "..", "tests", "atoms", "fixtures", "au-atomap-auto.json")
args = [a for a in args if a != out]
data = args[0] if args else os.path.join(here, "..", "..", "..", "shared", "data")
path = os.path.join(data, "stem", "au_np_atom_lattice.hdf5")
with h5py.File(path, "r") as f:
    img = f["image_data0"][()].astype(np.float64)
    ref = f["_sublattice/atom_positions"][()]
tref = cKDTree(ref)


def match(P, tol):
    P = np.asarray(P, float).reshape(-1, 2)
    if len(P) == 0:
        return {"matched": 0, "extra": 0, "missing": len(ref)}
    d, i = cKDTree(P).query(ref)
    _, back = tref.query(P)
    m = int(sum(1 for k in range(len(ref)) if d[k] <= tol and back[i[k]] == k))
    return {"matched": m, "extra": len(P) - m, "missing": len(ref) - m}


runs = []
for sep, pca, bg, norm in [(10, False, False, False), (8, True, False, False), (10, True, False, False), (10, True, True, True), (12, True, False, False)]:
    s = hs.signals.Signal2D(img.copy())
    t0 = time.perf_counter()
    pos = am.get_atom_positions(s, separation=sep, pca=pca, subtract_background=bg, normalize_intensity=norm)
    sub = am.Sublattice(pos, image=img)
    sub.find_nearest_neighbors()
    sub.refine_atom_positions_using_center_of_mass(show_progressbar=False)
    com = np.c_[sub.x_position, sub.y_position]
    sub.refine_atom_positions_using_2d_gaussian(show_progressbar=False)
    gau = np.c_[sub.x_position, sub.y_position]
    r = {"separation": sep, "pca": pca, "subtract_background": bg, "normalize_intensity": norm, "seconds": round(time.perf_counter() - t0, 2),
         "n": len(pos), "peaks": {"3": match(pos, 3), "6": match(pos, 6)}, "com": {"3": match(com, 3), "6": match(com, 6)},
         "gaussian": {"3": match(gau, 3), "6": match(gau, 6)}, "x": [round(float(v), 3) for v in gau[:, 0]], "y": [round(float(v), 3) for v in gau[:, 1]]}
    print(f"atomap sep {sep} pca {pca} bg {bg} norm {norm}: n {len(pos)}; peaks {r['peaks']}; COM {r['com']}; Gaussian {r['gaussian']}", flush=True)
    runs.append(r)

U, S, Vt = np.linalg.svd(img, full_matrices=False)
ranks = {}
for k in (16, 22, 30):
    pk = peak_local_max((U[:, :k] * S[:k]) @ Vt[:k], min_distance=10, threshold_rel=0.02)[:, ::-1]
    ranks[str(k)] = {"n": len(pk), "3": match(pk, 3), "6": match(pk, 6)}
    print(f"exact rank-{k} SVD, integer peaks (min_distance 10): n {len(pk)}; {ranks[str(k)]}", flush=True)

res = {"image": "stem/au_np_atom_lattice.hdf5", "reference": len(ref), "referenceInteger": int((np.abs(ref - np.round(ref)) < 1e-6).all(1).sum()),
       "tool": "atomap 0.4.2 get_atom_positions + COM + 2-D Gaussian (x, y: Gaussian-refined)", "runs": runs, "pcaRank": ranks}
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
with open(out, "w") as fh:
    json.dump(res, fh, separators=(",", ":"))
print("wrote", out)
