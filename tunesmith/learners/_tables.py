"""The tables workers train on: written once by the caller, read once per worker process.

Parquet for a ``.parquet`` path, pickle otherwise; :func:`load_table` caches the frame per
process until the file changes.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from tunesmith.core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["load_table", "write_table"]


def write_table(data: pd.DataFrame, path: str | Path) -> Path:
    """Write ``data`` once for workers to read: Parquet (``.parquet``) or pickle (other suffix).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        data.to_parquet(path)
    else:
        data.to_pickle(path)
    return path


@functools.lru_cache(maxsize=4)
def _read(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    import pandas as pd

    if path.endswith(".parquet"):
        return pd.read_parquet(path)
    frame = pd.read_pickle(path)
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{path} holds a {type(frame).__name__}; expected a pandas DataFrame.")
    return frame


def load_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table`; cached per process until the file changes.

    Raises:
        DataError: The file does not exist.
    """
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise DataError(
            f"Data file {path} does not exist. Fix: write it with write_table() first, on a "
            "path every worker can read."
        ) from None
    return _read(str(path), stat.st_mtime_ns, stat.st_size)
