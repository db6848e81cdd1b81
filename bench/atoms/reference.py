"""Reference atom finders for bench/atoms/run.mjs, on one float32 .npy image.

    python reference.py IMAGE.npy --tool skimage|atomap --separation PX [--out OUT.json]

skimage: `skimage.feature.peak_local_max(image, min_distance=separation,
threshold_rel=...)` then the centre of mass of the background-subtracted
pixels in a disk of radius separation/2 around each peak
(`scipy.ndimage.center_of_mass`), as a typical scikit-image pipeline.
atomap: `get_atom_positions(signal, separation)` (with `pca=True` under --pca), `Sublattice`,
`find_nearest_neighbors()`, `refine_atom_positions_using_center_of_mass()`,
`refine_atom_positions_using_2d_gaussian()` (Atomap's documented workflow).
Timing: detection (peak_local_max; get_atom_positions) is called --repeat times
(default 7) and detect_s / detect_cpu_s are the medians, detect_first_s the first
call; refinement (COM; Atomap's COM + Gaussian, seconds to minutes) runs once.
Prints/writes JSON: x, y (pixels, x = column), detect_s, detect_first_s, refine_s
(wall) and detect_cpu_s, refine_cpu_s (process CPU time, all threads), repeat.
"""
import argparse, json, time, warnings
import numpy as np

warnings.filterwarnings("ignore")
p = argparse.ArgumentParser()
p.add_argument("image")
p.add_argument("--tool", required=True, choices=["skimage", "atomap"])
p.add_argument("--separation", type=float, required=True)
p.add_argument("--threshold-rel", type=float, default=0.02)
p.add_argument("--pca", action="store_true", help="atomap: get_atom_positions(pca=True) (rank-22 denoising before the peaks)")
p.add_argument("--repeat", type=int, default=7, help="detection calls; the median is reported")
p.add_argument("--out")
a = p.parse_args()
img = np.load(a.image).astype(np.float32)
sep = int(a.separation)
res = {}


def timed(fn):
    """fn() called a.repeat times: (last result, median wall s, median cpu s, first call's wall s)."""
    walls, cpus, out = [], [], None
    for _ in range(a.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0); cpus.append(time.process_time() - c0)
    return out, float(np.median(walls)), float(np.median(cpus)), walls[0]


if a.tool == "skimage":
    from skimage.feature import peak_local_max
    from scipy import ndimage
    pk, det_wall, det_cpu, det_first = timed(lambda: peak_local_max(img, min_distance=sep, threshold_rel=a.threshold_rel))
    t1, c1 = time.perf_counter(), time.process_time()
    r = max(1, sep // 2)
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    disk = (xx ** 2 + yy ** 2) <= r * r
    xs, ys = [], []
    h, w = img.shape
    for (y, x) in pk:
        y0, y1, x0, x1 = y - r, y + r + 1, x - r, x + r + 1
        if y0 < 0 or x0 < 0 or y1 > h or x1 > w:
            xs.append(float(x)); ys.append(float(y)); continue
        win = img[y0:y1, x0:x1] * disk
        win = np.where(disk, win - win[disk].min(), 0)
        cy, cx = ndimage.center_of_mass(win)
        xs.append(x0 + cx); ys.append(y0 + cy)
    t2, c2 = time.perf_counter(), time.process_time()
    res = {"x": xs, "y": ys, "detect_s": det_wall, "detect_first_s": det_first, "refine_s": t2 - t1, "detect_cpu_s": det_cpu, "refine_cpu_s": c2 - c1, "repeat": a.repeat}
else:
    import hyperspy.api as hs
    import atomap.api as am
    s = hs.signals.Signal2D(img)
    pos, det_wall, det_cpu, det_first = timed(lambda: am.get_atom_positions(s, separation=sep, threshold_rel=a.threshold_rel, pca=a.pca))
    t1, c1 = time.perf_counter(), time.process_time()
    sub = am.Sublattice(pos, image=img)
    sub.find_nearest_neighbors()
    sub.refine_atom_positions_using_center_of_mass(show_progressbar=False)
    sub.refine_atom_positions_using_2d_gaussian(show_progressbar=False)
    t2, c2 = time.perf_counter(), time.process_time()
    res = {"x": [float(v) for v in sub.x_position], "y": [float(v) for v in sub.y_position], "detect_s": det_wall, "detect_first_s": det_first, "refine_s": t2 - t1, "detect_cpu_s": det_cpu, "refine_cpu_s": c2 - c1, "repeat": a.repeat}
out = json.dumps(res)
if a.out:
    open(a.out, "w").write(out)
else:
    print(out)
