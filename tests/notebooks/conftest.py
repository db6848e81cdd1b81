"""Notebook tests: install the causalscope kernelspec into this venv first."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "kernel"))
from kernelspec import install_kernelspec  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def causalscope_kernelspec():
    install_kernelspec()
