"""AtomAI side of bench/deep/atomai-accuracy.ts: train AtomAI's Segmentor on causalscope's exported training
pairs with AtomAI's own trainer, then find columns with AtomAI's own `predict` (normalisation to [0, 1], U-Net,
sigmoid, `Locator`: threshold 0.5, centres of mass of the blobs, 5-px edge cut; optionally its 2-D Gaussian
`refine`), and time predict + locate end to end. CPU, 2 threads (torch.set_num_threads), run with
OMP_WAIT_POLICY=PASSIVE by the caller.

    python atomai_accuracy.py train DATA_DIR OUT_PT FILTERS LAYERS CYCLES BATCH
        DATA_DIR holds train_x.npy (n, 64, 64) float32 network inputs already in [0, 1], train_y.npy (n, 64, 64)
        uint8 binary masks and test_x.npy / test_y.npy (AtomAI's trainer evaluates one test batch per cycle).
        Segmentor("Unet", nb_classes=1, nb_filters=FILTERS, layers=LAYERS (comma list), with_dilation=False,
        batch_norm=True, upsampling bilinear; seed 1), fit(loss="ce" (BCEWithLogits), Adam lr 1e-3,
        training_cycles=CYCLES, batch_size=BATCH, full_epoch=False: one mini-batch per cycle, no swa, no on-the-fly
        augmentation). Saves the state dict to OUT_PT; prints wall and process CPU seconds of fit().
    python atomai_accuracy.py predict OUT_PT FILTERS LAYERS MANIFEST.json RESULT.json
        MANIFEST lists {"name", "path"} of float32 (h, w) .npy network inputs; for each, model.predict(image)
        (AtomAI's defaults: norm=True, thresh=0.5) and model.predict(image, refine=True, d=2); writes
        {name: {"x": [...], "y": [...], "xr": [...], "yr": [...]}} with x = column, y = row in the input's pixels.
    python atomai_accuracy.py time OUT_PT FILTERS LAYERS INPUTS REPS
        INPUTS: comma list of .npy images; one warm-up, then REPS timed model.predict calls each (predict + locate).
The last line printed is the JSON result.
"""
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np
import torch
import atomai
from atomai.models import Segmentor

THREADS = 2
REFINE_D = 2
torch.set_num_threads(THREADS)
torch.set_num_interop_threads(1)


def segmentor(filters, layers):
    layers = [int(v) for v in str(layers).split(",")]
    return Segmentor("Unet", nb_classes=1, nb_filters=int(filters), layers=layers, with_dilation=False, batch_norm=True,
                     upsampling_mode="bilinear", seed=1)


def train(data_dir, out_pt, filters, layers, cycles, batch):
    load = lambda n: np.load(os.path.join(data_dir, n))
    x, y, xt, yt = load("train_x.npy"), load("train_y.npy"), load("test_x.npy"), load("test_y.npy")
    model = segmentor(filters, layers)
    c0, t0 = time.process_time(), time.perf_counter()
    model.fit(x[:, None].astype(np.float32), y[:, None].astype(np.int64), xt[:, None].astype(np.float32), yt[:, None].astype(np.int64),
              loss="ce", training_cycles=int(cycles), batch_size=int(batch), full_epoch=False, swa=False,
              print_loss=max(1, int(cycles) // 6), plot_training_history=False, filename=out_pt[:-3])
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    torch.save(model.net.state_dict(), out_pt)
    losses = model.loss_acc["train_loss"]
    tail = max(1, len(losses) // 10)
    return {"atomai": atomai.__version__, "torch": torch.__version__, "threads": torch.get_num_threads(),
            "images": int(len(x)), "test_images": int(len(xt)), "cycles": int(cycles), "batch": int(batch),
            "parameters": sum(p.numel() for p in model.net.parameters()), "wall_s": wall, "cpu_s": cpu,
            "loss_first": float(np.mean(losses[:tail])), "loss_last": float(np.mean(losses[-tail:])),
            "test_loss_last": float(np.mean(model.loss_acc["test_loss"][-tail:]))}


def trained(out_pt, filters, layers):
    model = segmentor(filters, layers)
    model.net.load_state_dict(torch.load(out_pt, map_location="cpu"))
    model.net.eval()
    return model


def columns(coords):
    """AtomAI's coordinates of frame 0 are (row, column, class): return x = column, y = row."""
    c = coords[0]
    return [float(v) for v in c[:, 1]], [float(v) for v in c[:, 0]]


def predict(out_pt, filters, layers, manifest, result):
    model = trained(out_pt, filters, layers)
    out = {}
    for item in json.load(open(manifest)):
        img = np.load(item["path"]).astype(np.float64)
        _, coords = model.predict(img, verbose=False)
        x, y = columns(coords)
        # refine=True: its window half-side d defaults to int(0.25 × the mean nearest-neighbour distance of the found
        # columns), which is 1 px when two columns are found close together, and curve_fit then has 4 pixels for 7
        # parameters and raises; d = 2 is that default at the working spacing (8 px). Nothing found: nothing to refine.
        xr, yr = columns(model.predict(img, refine=True, d=REFINE_D, verbose=False)[1]) if len(x) > 1 else (x, y)
        out[item["name"]] = {"x": x, "y": y, "xr": xr, "yr": yr}
    json.dump(out, open(result, "w"))
    return {"images": len(out)}


def timing(out_pt, filters, layers, inputs, reps):
    model = trained(out_pt, filters, layers)
    res = {}
    for path in inputs.split(","):
        img = np.load(path).astype(np.float64)
        model.predict(img, verbose=False)  # warm-up
        ts = []
        for _ in range(int(reps)):
            t0 = time.perf_counter()
            _, coords = model.predict(img, verbose=False)
            ts.append((time.perf_counter() - t0) * 1000)
        res[path] = {"all_ms": ts, "columns": int(len(coords[0])), "shape": list(img.shape)}
    return res


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    print(json.dumps({"train": train, "predict": predict, "time": timing}[mode](*args)))
