"""Data and scikit-learn reference for bench/stem4d/decompose.mjs.

Usage (each prints one JSON object on the last line of stdout):
  decompose_ref.py make DATA.npy TRUTH.npy ROWS COLS K PHASES SEED
      a (ROWS, COLS, K, K) uint16 scan of PHASES crystalline phases (grains from
      random seed points), Poisson counts; TRUTH.npy the (ROWS, COLS) phase labels
  decompose_ref.py fit DATA.npy BIN COMPONENTS PHASES OUTDIR
      binned sqrt features, then PCA (randomized SVD), k-means on the
      randomized-PCA scores and NMF (nndsvda + cd) with scikit-learn; times them
      and writes OUTDIR/sk_*.npy
  decompose_ref.py compare TRUTH.npy OUTDIR
      agreement of ours (OUTDIR/ours_*.npy) and scikit-learn with the exact PCA
      (eigh of the covariance of OUTDIR/features.npy) and the truth

Conventions: arrays are (rows, cols, ky, kx); features are the (ky/BIN, kx/BIN)
bin sums, square-rooted, frame-major (as patternPCA's `bin`, `transform: "sqrt"`).
"""
import json
import os
import sys
import time

import numpy as np


def make(data_path, truth_path, rows, cols, k, phases, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:k, 0:k].astype(np.float32)
    c = (k - 1) / 2
    r = k / 14  # disk radius
    templates = []
    for p in range(phases):
        # a lattice per phase: spacing and angle differ, as for grains of different phases/orientations
        g = k * (0.17 + 0.035 * p)
        a = np.deg2rad(13 + 37 * p)
        g1 = g * np.array([np.cos(a), np.sin(a)])
        g2 = g * np.array([np.cos(a + np.deg2rad(90 if p % 2 == 0 else 60)), np.sin(a + np.deg2rad(90 if p % 2 == 0 else 60))])
        t = np.zeros((k, k), np.float32)
        for h in range(-3, 4):
            for l in range(-3, 4):
                x, y = c + h * g1[0] + l * g2[0], c + h * g1[1] + l * g2[1]
                amp = 1.0 if h == 0 and l == 0 else 0.25 / (1 + 0.3 * (h * h + l * l))
                t += amp / (1 + np.exp(4 * (np.hypot(xx - x, yy - y) - r)))
        templates.append(t / t.sum())
    # grains: nearest of 4 seed points per phase
    seeds = rng.uniform(0, 1, (4 * phases, 2)) * [rows, cols]
    sy, sx = np.mgrid[0:rows, 0:cols]
    d = (sy[..., None] - seeds[:, 0]) ** 2 + (sx[..., None] - seeds[:, 1]) ** 2
    truth = (np.argmin(d, axis=2) % phases).astype(np.int32)
    out = np.lib.format.open_memmap(data_path, mode="w+", dtype="<u2", shape=(rows, cols, k, k))
    dose = 2e5
    for y in range(rows):
        # thickness (total dose) varies smoothly across the scan
        scale = dose * (1 + 0.2 * np.sin(2 * np.pi * (np.arange(cols) / cols + y / rows)))
        lam = np.stack([templates[truth[y, x]] for x in range(cols)]) * scale[:, None, None].astype(np.float32)
        out[y] = np.minimum(rng.poisson(lam), 65535).astype(np.uint16)
    out.flush()
    del out
    np.save(truth_path, truth)
    return {"data": data_path, "truth": truth_path, "bytes": os.path.getsize(data_path)}


def features(a, b):
    rows, cols, ky, kx = a.shape
    out = np.empty((rows * cols, (ky // b) * (kx // b)), np.float64)
    step = max(1, (64 << 20) // (cols * ky * kx * a.itemsize))
    for r in range(0, rows, step):
        blk = np.asarray(a[r:r + step], np.float64)
        n = blk.shape[0] * cols
        out[r * cols:r * cols + n] = np.sqrt(blk.reshape(n, ky // b, b, kx // b, b).sum(axis=(2, 4))).reshape(n, -1)
    return out


def timed(fn):
    t, c = time.perf_counter(), time.process_time()
    r = fn()
    return r, time.perf_counter() - t, time.process_time() - c


def fit(data_path, b, comps, phases, outdir):
    import sklearn
    from sklearn.cluster import KMeans
    from sklearn.decomposition import NMF, PCA
    a = np.load(data_path, mmap_mode="r")
    X, t_feat, c_feat = timed(lambda: features(a, b))
    res = {"sklearn": sklearn.__version__, "numpy": np.__version__, "n": X.shape[0], "d": X.shape[1]}
    res["features_s"], res["features_cpu"] = t_feat, c_feat
    pca = PCA(n_components=comps, svd_solver="randomized", random_state=0)
    scores, res["pca_s"], res["pca_cpu"] = timed(lambda: pca.fit_transform(X))
    km = KMeans(n_clusters=phases, n_init=4, random_state=0)
    labels, res["kmeans_s"], res["kmeans_cpu"] = timed(lambda: km.fit_predict(scores[:, :6]))
    nmf = NMF(n_components=phases, init="nndsvda", solver="cd", max_iter=200, tol=1e-4, random_state=0)
    W, res["nmf_s"], res["nmf_cpu"] = timed(lambda: nmf.fit_transform(X))
    res["nmf_iterations"] = int(nmf.n_iter_)
    res["nmf_error"] = float(np.linalg.norm(X - W @ nmf.components_) / np.linalg.norm(X))
    res["explained"] = pca.explained_variance_ratio_.tolist()
    np.save(os.path.join(outdir, "sk_pca_components.npy"), pca.components_)
    np.save(os.path.join(outdir, "sk_kmeans_labels.npy"), labels)
    np.save(os.path.join(outdir, "sk_nmf_components.npy"), nmf.components_)
    np.save(os.path.join(outdir, "features.npy"), X)
    return res


def compare(truth_path, outdir):
    from scipy.linalg import subspace_angles
    from sklearn.metrics import adjusted_rand_score
    ld = lambda name: np.load(os.path.join(outdir, name))
    truth = np.load(truth_path).ravel()
    X = ld("features.npy")
    # exact PCA: eigenvectors of the d x d covariance (LAPACK eigh)
    w, v = np.linalg.eigh(np.cov(X, rowvar=False))
    w, v = w[::-1], v[:, ::-1]
    exact_v, exact_ev = v.T, w / w.sum()
    out = {"exact_explained": exact_ev[:8].tolist()}
    for who, v in (("ours", ld("ours_pca_components.npy")), ("sklearn", ld("sk_pca_components.npy"))):
        k = v.shape[0]
        # largest principal angle (degrees) between the leading j-dimensional subspaces, j = 1..k
        out[f"{who}_pca_angle_deg"] = [float(np.rad2deg(subspace_angles(v[:j].T, exact_v[:j].T).max())) for j in range(1, k + 1)]
    for who, lab in (("ours", ld("ours_kmeans_labels.npy").ravel()), ("sklearn", ld("sk_kmeans_labels.npy"))):
        out[f"{who}_kmeans_ari"] = float(adjusted_rand_score(truth, lab))
    # NMF: how well each true phase's mean feature pattern is matched by a component (cosine similarity)
    means = np.stack([X[truth == p].mean(axis=0) for p in range(truth.max() + 1)])
    for who, h in (("ours", ld("ours_nmf_components.npy")), ("sklearn", ld("sk_nmf_components.npy"))):
        hn = h / np.linalg.norm(h, axis=1, keepdims=True)
        mn = means / np.linalg.norm(means, axis=1, keepdims=True)
        out[f"{who}_nmf_best_cosine"] = (mn @ hn.T).max(axis=1).tolist()
    return out


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "make":
        out = make(args[0], args[1], *map(int, args[2:7]))
    elif cmd == "fit":
        out = fit(args[0], int(args[1]), int(args[2]), int(args[3]), args[4])
    elif cmd == "compare":
        out = compare(args[0], args[1])
    else:
        raise SystemExit(f"decompose_ref.py: unknown command {cmd!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
