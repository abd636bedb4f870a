"""Read a table from a file (CSV, TSV, Parquet) or take a DataFrame, with clear errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

_PARQUET = (".parquet", ".pq")


def read_table(source: Any, what: str = "data") -> pd.DataFrame:
    """Read a non-empty table with unique, string column names.

    Args:
        source: A CSV, TSV or Parquet path, or a pandas DataFrame (returned as is).
        what: How error messages name the table, e.g. ``"training data"``.

    Returns:
        The table.

    Raises:
        DataError: The file is missing or unreadable, the table is empty, or column names
            repeat.
    """
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        frame = source
    elif isinstance(source, str | os.PathLike):
        frame = _read_file(Path(source), what)
    else:
        raise DataError(
            f"The {what} is a {type(source).__name__}; expected a pandas DataFrame or the path "
            "of a CSV, TSV or Parquet file. Fix: load it with pandas.read_csv first."
        )
    if frame.shape[0] == 0:
        raise DataError(
            f"The {what} has no rows (the table is empty). Fix: pass a table with data in it."
        )
    if frame.shape[1] == 0:
        raise DataError(
            f"The {what} has no columns (the table is empty). Fix: check the file and its "
            "separator."
        )
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"Column names repeat: {dupes}. Expected unique names; rename them.")
    return frame.set_axis(names, axis=1) if names != list(frame.columns) else frame


def _read_file(path: Path, what: str) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise DataError(
            f"The {what} file {path} does not exist. Fix: check the path; pass a CSV, TSV or "
            "Parquet file."
        )
    try:
        if path.suffix in _PARQUET:
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if path.suffix == ".tsv" else ",")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise DataError(
            f"Cannot read the {what} file {path} as a table ({exc}). Expected a CSV, TSV or "
            "Parquet file; check its format and separator."
        ) from None
