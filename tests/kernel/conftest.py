"""Kernel tests: install the causalscope kernelspec into this venv before any test runs."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from kernelspec import install_kernelspec  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def causalscope_kernelspec():
    install_kernelspec()
