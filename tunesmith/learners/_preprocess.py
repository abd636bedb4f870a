"""Preprocessing chosen from the column types, fitted as part of the learner's pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tunesmith.core.errors import DataError

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from tunesmith.learners._catalogue import Learner, TaskType

_MISSING = "__missing__"
# One-hot columns per categorical feature; rarer levels share an "infrequent" column.
MAX_ONEHOT_CATEGORIES = 32


def as_strings(X: Any) -> np.ndarray:
    """Turn a categorical block into uniform strings, with missing values as one sentinel.

    Encoders reject columns that mix strings and numbers, and pandas' missing markers vary
    (None, NaN, pd.NA), so every categorical value is compared as text.
    """
    frame = pd.DataFrame(X)
    out = frame.astype(object).where(frame.notna(), _MISSING).astype(str)
    return out.to_numpy(dtype=object)


def datetimes_as_float(X: Any) -> np.ndarray:
    """Turn datetime columns into seconds since 1970 (NaN where missing)."""
    frame = pd.DataFrame(X)
    columns = []
    for name in frame.columns:
        parsed = pd.to_datetime(frame[name], errors="coerce", utc=True)
        seconds = (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        columns.append(seconds.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def column_groups(X: pd.DataFrame) -> dict[str, list[Any]]:
    """Split the columns of ``X`` into numeric, datetime and categorical groups."""
    groups: dict[str, list[Any]] = {"numeric": [], "datetime": [], "categorical": []}
    for name in X.columns:
        dtype = X[name].dtype
        if pd.api.types.is_bool_dtype(dtype) or (
            pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
        ):
            groups["numeric"].append(name)
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            groups["datetime"].append(name)
        else:
            groups["categorical"].append(name)
    return groups


def _numeric_steps(learner: Learner) -> list[tuple[str, Any]]:
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    steps: list[tuple[str, Any]] = [
        ("float", FunctionTransformer(_to_float, feature_names_out="one-to-one"))
    ]
    if not learner.handles_missing:
        # add_indicator keeps "was missing" as a signal once the value is filled in.
        steps.append(
            (
                "impute",
                SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            )
        )
    if learner.needs_scaling:
        steps.append(("scale", StandardScaler()))
    return steps


def _to_float(X: Any) -> np.ndarray:
    return np.asarray(pd.DataFrame(X).astype("float64"), dtype=np.float64)


def _categorical_steps(learner: Learner) -> list[tuple[str, Any]]:
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder

    steps: list[tuple[str, Any]] = [
        ("strings", FunctionTransformer(as_strings, feature_names_out="one-to-one"))
    ]
    if learner.encoding == "onehot":
        encoder: Any = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=MAX_ONEHOT_CATEGORIES,
            sparse_output=False,
            dtype=np.float64,
        )
    else:
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, dtype=np.float64
        )
    steps.append(("encode", encoder))
    return steps


def build_preprocessor(learner: Learner, X_sample: pd.DataFrame | np.ndarray) -> Any:
    """Return an unfitted ColumnTransformer suited to ``learner`` and the columns of X_sample.

    Numeric and boolean columns are cast to float, imputed (median plus a missing indicator)
    unless the learner handles NaN, and standardised for learners that need it. Datetimes become
    seconds since 1970 and are then treated as numeric. Everything else is categorical: one-hot
    (unseen and rare levels go to an "infrequent" column) or ordinal (unseen levels -> -1).
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    frame = X_sample if isinstance(X_sample, pd.DataFrame) else pd.DataFrame(X_sample)
    if frame.shape[1] == 0:
        raise DataError(
            "X_sample has no columns. Expected at least one feature column; "
            "pass the training features (without the target)."
        )
    groups = column_groups(frame)
    # DataFrames are matched by column name, arrays by position.
    names = isinstance(X_sample, pd.DataFrame)

    def cols(key: str) -> list[Any]:
        picked = groups[key]
        return picked if names else [list(frame.columns).index(c) for c in picked]

    transformers: list[tuple[str, Any, list[Any]]] = []
    if groups["numeric"]:
        transformers.append(("numeric", Pipeline(_numeric_steps(learner)), cols("numeric")))
    if groups["datetime"]:
        steps = [("seconds", FunctionTransformer(datetimes_as_float)), *_numeric_steps(learner)]
        transformers.append(("datetime", Pipeline(steps), cols("datetime")))
    if groups["categorical"]:
        transformers.append(
            ("categorical", Pipeline(_categorical_steps(learner)), cols("categorical"))
        )
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)


def build_pipeline(
    learner: Learner,
    params: Mapping[str, Any] | None,
    task_type: TaskType,
    X_sample: pd.DataFrame | np.ndarray,
    *,
    seed: int | None,
    n_jobs: int = 1,
    use_gpu: bool = False,
) -> Pipeline:
    """Build an unfitted Pipeline: preprocessing for the columns of X_sample, then the learner.

    The fitted pipeline predicts on raw rows (same columns as X_sample), including rows with
    missing values and categories never seen in training.

    Args:
        learner: A catalogued learner (see ``get_learner``).
        params: Hyper-parameters for ``learner.build`` (defaults fill the rest).
        task_type: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        X_sample: Training features, or a sample with the same columns and dtypes.
        seed: Random seed of the learner; None for a non-reproducible one.
        n_jobs: Threads the learner may use.
        use_gpu: Train on a CUDA GPU where the learner can.

    Returns:
        ``Pipeline([("preprocess", ColumnTransformer), ("model", estimator)])``.
    """
    from sklearn.pipeline import Pipeline

    estimator = learner.build(params, task_type, seed=seed, n_jobs=n_jobs, use_gpu=use_gpu)
    return Pipeline([("preprocess", build_preprocessor(learner, X_sample)), ("model", estimator)])
