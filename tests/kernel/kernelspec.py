"""Install the causalscope kernelspec into the running venv (shared by the kernel and notebook tests).

The kernel must be built first (`npm run build`, which scripts/test.mjs runs);
when it is not, the tests fail with that instruction rather than skip.
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
KERNEL_BIN = ROOT / "kernel" / "bin" / "causalscope-kernel.js"
KERNEL_MAIN = ROOT / "kernel" / "dist" / "main.js"
KERNEL_NAME = "causalscope"

_installed = False


def install_kernelspec() -> None:
    """Write <sys.prefix>/share/jupyter/kernels/causalscope with the kernel's own installer."""
    global _installed
    if _installed:
        return
    # Kernels started by the tests keep their input history out of the user's home.
    os.environ.setdefault("CAUSALSCOPE_HISTORY", os.path.join(tempfile.mkdtemp(prefix="causalscope-history-"), "history.jsonl"))
    if not KERNEL_MAIN.exists():
        raise RuntimeError(f"{KERNEL_MAIN} is missing: build first (npm run build, or npm run build -w kernel)")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH: the causalscope kernel runs on Node.js >= 20.19")
    subprocess.run([node, str(KERNEL_BIN), "install", "--prefix", sys.prefix], check=True, cwd=ROOT)
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.language == "typescript", spec.to_dict()
    _installed = True
