"""What kind a column is: numeric, categorical, boolean, datetime, free text or an id.

Read from the dtype first, then from the values: 0/1 and yes/no columns are boolean, unique
consecutive integers or mostly unique strings are ids, strings that parse as dates are
datetimes, and strings of several words are text.
"""

from __future__ import annotations

import re
import warnings
from typing import Literal

import numpy as np
import pandas as pd

ColumnKind = Literal["numeric", "categorical", "boolean", "datetime", "text", "id"]

_BOOL_WORDS = {"true", "false", "yes", "no", "y", "n", "t", "f"}
_ID_WORDS = {"id", "uuid", "guid", "index", "key", "unnamed: 0"}


def _id_named(name: str) -> bool:
    lower = name.strip().lower()
    return (
        lower in _ID_WORDS
        or bool(re.search(r"[_\s.-](id|uuid|guid|key)$", lower))
        or bool(re.search(r"[a-z0-9](Id|ID)$", name))
    )


def _looks_like_dates(values: pd.Series) -> bool:
    head = values.astype(str).head(200)
    if not head.str.contains(r"\d", regex=True).all() or not head.str.contains(r"[-/:]").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(head, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.9)


def _numeric_kind(name: str, values: pd.Series, n_unique: int) -> ColumnKind:
    if n_unique <= 2 and set(np.unique(values.to_numpy())) <= {0, 1}:
        return "boolean"
    integral = pd.api.types.is_integer_dtype(values.dtype)
    if integral and len(values) >= 20 and n_unique == len(values):
        steps = np.diff(np.sort(values.to_numpy()))
        if _id_named(name) or bool((steps == 1).all()):
            return "id"
    return "numeric"


def _string_kind(name: str, values: pd.Series, n_unique: int) -> ColumnKind:
    text = values.astype(str)
    if n_unique <= 2 and set(text.str.lower().unique()) <= _BOOL_WORDS:
        return "boolean"
    if _looks_like_dates(values):
        return "datetime"
    words = float(text.head(2000).str.count(r"\s+").mean()) + 1.0
    distinct = n_unique / max(len(values), 1)
    if words >= 5 or (distinct >= 0.95 and len(values) >= 20 and words >= 3):
        return "text"
    if distinct >= 0.95 and len(values) >= 20:
        return "id"
    if _id_named(name) and distinct >= 0.5:
        return "id"
    return "categorical"


def column_kind(name: str, values: pd.Series, n_unique: int) -> ColumnKind:
    """The kind of a column from its non-missing ``values`` (a sample on large tables)."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype):
        return _numeric_kind(name, values, n_unique)
    if len(values) == 0:
        return "categorical"
    return _string_kind(name, values, n_unique)
