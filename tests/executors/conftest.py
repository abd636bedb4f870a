"""Shared helpers of the executor tests: importable workloads and small data tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Workers are spawned: they import test workloads by module name from the parent's sys.path.
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(scope="session")
def breast_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Breast cancer (binary) as a pickle written once with write_table."""
    from sklearn.datasets import load_breast_cancer

    from tunesmith.learners import write_table

    frame = load_breast_cancer(as_frame=True).frame
    return write_table(frame, tmp_path_factory.mktemp("data") / "breast.parquet")
