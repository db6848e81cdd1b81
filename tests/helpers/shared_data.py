"""Real microscopy data beside the checkout (../shared/data); skip loudly when absent."""
import pathlib
import warnings

import pytest

SHARED_DATA = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data"


def shared_data(rel_path: str) -> pathlib.Path:
    path = SHARED_DATA / rel_path
    if not path.exists():
        msg = f"*** SKIPPING: real data {path} is absent (../shared/data is not beside this checkout) ***"
        warnings.warn(msg)
        pytest.skip(msg)
    return path
