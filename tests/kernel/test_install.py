"""`causalscope-kernel install` writes a kernelspec Jupyter can use, in each location."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = ROOT / "kernel" / "bin" / "causalscope-kernel.js"
NODE = shutil.which("node")


def install(*args, env=None):
    return subprocess.run([NODE, str(BIN), "install", *args], capture_output=True, text=True, cwd=ROOT, env=env)


def check_spec(spec_dir: pathlib.Path):
    spec = json.loads((spec_dir / "kernel.json").read_text())
    assert spec["display_name"] == "TypeScript (causalscope)"
    assert spec["language"] == "typescript"
    assert spec["interrupt_mode"] == "message"
    assert spec["argv"][-2:] == ["-f", "{connection_file}"]
    assert pathlib.Path(spec["argv"][0]).exists(), "argv[0] must be the node that installed it"
    assert spec["argv"][1] == "--enable-source-maps"
    assert pathlib.Path(spec["argv"][2]) == BIN
    for logo, size in (("logo-32x32.png", 32), ("logo-64x64.png", 64)):
        data = (spec_dir / logo).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (size, size)


def test_install_prefix(tmp_path):
    r = install("--prefix", str(tmp_path))
    assert r.returncode == 0, r.stderr
    check_spec(tmp_path / "share" / "jupyter" / "kernels" / "causalscope")


def test_install_user_honours_jupyter_data_dir(tmp_path):
    env = dict(os.environ, JUPYTER_DATA_DIR=str(tmp_path / "data"))
    r = install("--user", env=env)
    assert r.returncode == 0, r.stderr
    check_spec(tmp_path / "data" / "kernels" / "causalscope")


def test_install_sys_prefix_uses_the_pythons_prefix(tmp_path):
    # A throwaway "python" whose sys.prefix is tmp_path, so the real venv is untouched.
    fake = tmp_path / "fakepython"
    fake.write_text(f"#!/bin/sh\necho {tmp_path}\n")
    fake.chmod(0o755)
    r = install("--sys-prefix", "--python", str(fake))
    assert r.returncode == 0, r.stderr
    check_spec(tmp_path / "share" / "jupyter" / "kernels" / "causalscope")


def test_install_into_this_venv_is_found_by_jupyter_client():
    r = install("--prefix", sys.prefix)
    assert r.returncode == 0, r.stderr
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("causalscope")
    assert spec.display_name == "TypeScript (causalscope)"
    assert spec.interrupt_mode == "message"


def test_install_heap_mib_goes_into_the_kernelspec_env(tmp_path):
    r = install("--prefix", str(tmp_path), "--heap-mib", "2048")
    assert r.returncode == 0, r.stderr
    spec = json.loads((tmp_path / "share" / "jupyter" / "kernels" / "causalscope" / "kernel.json").read_text())
    assert spec["env"] == {"CAUSALSCOPE_HEAP_MIB": "2048"}
    r = install("--prefix", str(tmp_path))
    spec = json.loads((tmp_path / "share" / "jupyter" / "kernels" / "causalscope" / "kernel.json").read_text())
    assert spec["env"] == {}, "without --heap-mib the limit is decided at each start from the machine's memory"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--heap-mib", "12"], "install --heap-mib: heap size must be at least 128 MiB, got 12"),
        (["--heap-mib", "lots"], 'install --heap-mib: heap size must be a whole number of MiB, got "lots"'),
        (["--prefix", "/tmp/x", "--user"], "at most one of"),
        (["--bogus"], "unknown option --bogus"),
        (["--prefix"], "--prefix needs a value"),
        (["--name", "bad name!"], "must be letters"),
    ],
)
def test_install_errors_name_the_problem(args, message):
    r = install(*args)
    assert r.returncode != 0
    assert message in r.stderr
