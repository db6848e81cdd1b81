"""Reference side of bench/deep: AtomAI's U-Net in PyTorch (CPU) and ONNX Runtime for Python.

    python ref.py check ONNX INPUT.f32 EXPECTED.f32 H W
        Load causalscope's exported ONNX graph, copy its initializers into AtomAI's Unet
        (nb_filters=16, with_dilation=True, same module order as our layers) after onnx.checker's
        full check of the graph, run it on the input
        and print the largest difference from EXPECTED (our sigmoid output), once as AtomAI computes
        (F.interpolate bilinear, align_corners=False: half-pixel centres; its DilatedBlock sums the
        outputs of all 9 modules of the bottleneck) and once with causalscope's semantics (TensorFlow.js
        upsampling: source = output / 2; the bottleneck sums its 3 BatchNorm outputs), plus ONNX
        Runtime (Python) on the same graph.
    python ref.py infer ONNX SIZES REPS
        Time one forward pass (batch 1, 1 channel, SIZE² pixels, sigmoid output) of AtomAI's Unet
        in PyTorch (eval, inference_mode), of ONNX Runtime on our graph and of ONNX Runtime on
        PyTorch's own ONNX export of AtomAI's Unet (with ONNX Runtime's default spin-waiting, and
        without it as causalscope's onnxSession runs). 2 threads everywhere. One warm-up, then REPS timed
        calls: median and fastest in ms.
    python ref.py train SIZE BATCH STEPS REPS
        Time a training epoch (STEPS Adam steps of BATCH images SIZE², binary cross-entropy on the
        sigmoid output) of AtomAI's Unet with with_dilation=False (TensorFlow.js has no gradient of
        dilated convolutions, so causalscope trains this variant): one warm-up epoch, then REPS epochs.
The last line printed is the JSON result.
"""
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime as ort
import torch
from atomai.nets import Unet

THREADS = 2
torch.set_num_threads(THREADS)
torch.set_num_interop_threads(1)


def ort_session(model, spinning=True):
    """ONNX Runtime CPU session, 2 intra-op threads; spinning=True is ONNX Runtime's default, False is onnxSession's."""
    so = ort.SessionOptions()
    if not spinning:
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.intra_op_num_threads = THREADS
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])


def atomai_unet(with_dilation=True):
    torch.manual_seed(0)
    return Unet(nb_classes=1, nb_filters=16, with_dilation=with_dilation).eval()


def load_onnx_weights(net, path):
    """Copy the ONNX initializers (layer order: conv weight/bias, BatchNorm gamma/beta/mean/variance) into `net`'s modules in order."""
    graph = onnx.load(path).graph
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    layers = []  # (kind, ONNX layer name, BatchNorm epsilon) in graph order
    for node in graph.node:
        if node.op_type == "Conv":
            layers.append(("conv", node.input[1].rsplit(".", 1)[0], None))
        elif node.op_type == "BatchNormalization":
            layers.append(("bn", node.input[1].rsplit(".", 1)[0], next(a.f for a in node.attribute if a.name == "epsilon")))
    modules = [m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.BatchNorm2d))]
    if len(modules) != len(layers):
        raise SystemExit(f"ref.py: AtomAI's Unet has {len(modules)} conv/BatchNorm modules, the ONNX graph {len(layers)} layers")
    with torch.no_grad():
        for m, (kind, name, eps) in zip(modules, layers):
            if kind == "conv":
                assert isinstance(m, torch.nn.Conv2d), (name, m)
                m.weight.copy_(torch.from_numpy(inits[name + ".weight"]))
                m.bias.copy_(torch.from_numpy(inits[name + ".bias"]))
            else:
                assert isinstance(m, torch.nn.BatchNorm2d), (name, m)
                m.weight.copy_(torch.from_numpy(inits[name + ".gamma"]))
                m.bias.copy_(torch.from_numpy(inits[name + ".beta"]))
                m.running_mean.copy_(torch.from_numpy(inits[name + ".mean"]))
                m.running_var.copy_(torch.from_numpy(inits[name + ".variance"]))
                m.eps = float(eps)
    return net


def upsample_asymmetric(x):
    """tf.image.resizeBilinear without half-pixel centres, ×2: out[2i] = x[i], out[2i+1] = (x[i] + x[min(i+1, n-1)]) / 2."""
    def double(t, dim):
        nxt = torch.cat([t.narrow(dim, 1, t.shape[dim] - 1), t.narrow(dim, t.shape[dim] - 1, 1)], dim)
        return torch.stack([t, (t + nxt) / 2], dim + 1).flatten(dim, dim + 1)
    return double(double(x, 2), 3)


def dilated_sum_of_batchnorms(block):
    """causalscope's bottleneck: the sum of the outputs of the block's BatchNorm layers (AtomAI's DilatedBlock sums the
    output of every module of the block: each conv, LeakyReLU and BatchNorm)."""
    def fwd(t):
        outs = []
        for layer in block.atrous_module:
            t = layer(t)
            if isinstance(layer, torch.nn.BatchNorm2d):
                outs.append(t)
        return torch.stack(outs).sum(0)
    return fwd


def forward(net, x, tfjs_semantics=False):
    """sigmoid(net(x)); with tfjs_semantics, AtomAI's UpsampleBlocks upsample as TensorFlow.js and its DilatedBlock sums as causalscope's graph."""
    from atomai.nets.blocks import DilatedBlock, UpsampleBlock
    patched = [m for m in net.modules() if isinstance(m, (UpsampleBlock, DilatedBlock))] if tfjs_semantics else []
    for m in patched:
        m.forward = (lambda t, m=m: m.conv(upsample_asymmetric(t))) if isinstance(m, UpsampleBlock) else dilated_sum_of_batchnorms(m)
    try:
        with torch.inference_mode():
            return torch.sigmoid(net(x))
    finally:
        for m in patched:
            m.__dict__.pop("forward", None)


def check(onnx_path, input_path, expected_path, h, w):
    h, w = int(h), int(w)
    x = np.fromfile(input_path, dtype=np.float32).reshape(1, 1, h, w)
    expected = np.fromfile(expected_path, dtype=np.float32).reshape(1, 1, h, w)
    onnx.checker.check_model(onnx.load(onnx_path), full_check=True)  # raises on an invalid graph
    net = load_onnx_weights(atomai_unet(), onnx_path)
    tf_like = forward(net, torch.from_numpy(x), tfjs_semantics=True).numpy()
    own = forward(net, torch.from_numpy(x)).numpy()
    ours_py = ort_session(onnx_path).run(None, {"input": x.reshape(1, h, w, 1)})[0].reshape(1, 1, h, w)
    return {
        "atomai_tfjs_semantics_max_abs_diff": float(np.abs(tf_like - expected).max()),
        "atomai_own_max_abs_diff": float(np.abs(own - expected).max()),
        "ort_python_max_abs_diff": float(np.abs(ours_py - expected).max()),
        "parameters": sum(p.numel() for p in net.parameters()),
        "onnx_checker": "passed (full_check)",
    }


def timed(fn, reps):
    fn()  # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": float(np.median(ts)), "min_ms": float(min(ts)), "all_ms": ts}


def infer(onnx_path, sizes, reps):
    reps = int(reps)
    net = load_onnx_weights(atomai_unet(), onnx_path)
    ours = ort_session(onnx_path)
    # PyTorch's own ONNX export of AtomAI's Unet (+ sigmoid), as a PyTorch user would deploy it.
    wrapped = torch.nn.Sequential(net, torch.nn.Sigmoid()).eval()
    export_path = onnx_path.replace(".onnx", ".torch-export.onnx")
    torch.onnx.export(wrapped, torch.zeros(1, 1, 64, 64), export_path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {2: "h", 3: "w"}, "output": {2: "h", 3: "w"}}, opset_version=17, dynamo=False)
    theirs = ort_session(export_path)
    theirs_quiet = ort_session(export_path, spinning=False)
    out = {"torch": torch.__version__, "onnxruntime": ort.__version__, "threads": torch.get_num_threads(), "sizes": {}}
    for s in [int(v) for v in sizes.split(",")]:
        x = np.random.default_rng(0).standard_normal((1, 1, s, s)).astype(np.float32)
        xt = torch.from_numpy(x)
        out["sizes"][s] = {
            "pytorch": timed(lambda: forward(net, xt), reps),
            "ort_python_ours": timed(lambda: ours.run(None, {"input": x.reshape(1, s, s, 1)}), reps),
            "ort_python_torch_export": timed(lambda: theirs.run(None, {"input": x}), reps),
            "ort_python_torch_export_no_spin": timed(lambda: theirs_quiet.run(None, {"input": x}), reps),
        }
    return out


def train(size, batch, steps, reps):
    size, batch, steps, reps = int(size), int(batch), int(steps), int(reps)
    net = atomai_unet(with_dilation=False).train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    xs = torch.from_numpy(rng.standard_normal((steps, batch, 1, size, size)).astype(np.float32))
    ts = torch.from_numpy((rng.random((steps, batch, 1, size, size)) < 0.1).astype(np.float32))
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def epoch():
        for k in range(steps):
            opt.zero_grad()
            loss = loss_fn(net(xs[k]), ts[k])
            loss.backward()
            opt.step()
        return float(loss)

    r = timed(epoch, reps)
    r["parameters"] = sum(p.numel() for p in net.parameters())
    return r


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    result = {"check": check, "infer": infer, "train": train}[mode](*args)
    print(json.dumps(result))
