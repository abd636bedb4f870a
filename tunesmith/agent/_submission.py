"""The submission: check the test rows up front, then write predictions in the right format.

With a sample submission: its columns and id order, probabilities (positive class, or one
column per class) for ROC AUC and log loss. Without one: an id column if the test rows have one,
plus the target.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._store import RunStore
from tunesmith.core import DataError

if TYPE_CHECKING:
    import pandas as pd

PROBABILITY_METRICS = ("roc_auc", "log_loss")


def check_test(
    test: pd.DataFrame, data: pd.DataFrame, plan: PlanDraft, sample: pd.DataFrame | None
) -> None:
    """Raise DataError unless the test rows can be predicted and written like the sample."""
    features = [c for c in data.columns if c != plan.target]
    missing = [str(c) for c in features if c not in test.columns]
    if missing:
        raise DataError(
            f"The test rows lack {len(missing)} training feature column(s): "
            f"{', '.join(repr(c) for c in missing[:10])}. Expected every column of the "
            f"training data but {plan.target!r}. Fix: pass the test file that goes with this "
            "training data."
        )
    if sample is not None:
        _align(test, sample)
        columns = [str(c) for c in sample.columns[1:]]
        labels = {str(v) for v in data[plan.target].unique()}
        per_class = plan.task_type == "multiclass" and plan.metric in PROBABILITY_METRICS
        if len(columns) > 1 and not (per_class and set(columns) <= labels):
            raise DataError(
                f"The sample submission has {len(columns)} prediction columns {columns}; "
                f"expected one (the prediction of {plan.target!r}), or one per class of "
                f"{plan.target!r} for a multiclass {plan.metric} task. Fix: pass the sample "
                "submission that goes with this task."
            )


def _align(test: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """The test rows in the sample submission's id order."""
    import pandas as pd

    if len(sample.columns) < 2:
        raise DataError(
            f"The sample submission has columns {list(sample.columns)}; expected an id column "
            "followed by at least one prediction column."
        )
    id_col = sample.columns[0]
    if id_col not in test.columns:
        if len(sample) != len(test):
            raise DataError(
                f"The test rows have no {id_col!r} column (the sample submission's id) and "
                f"{len(test)} rows where the sample has {len(sample)}. Fix: add the id column "
                "to the test file, or pass the sample submission that goes with it."
            )
        return test
    positions = pd.Index(test[id_col]).get_indexer(sample[id_col])
    if test[id_col].duplicated().any() or (positions < 0).any():
        unknown = sample[id_col][positions < 0].head(5).tolist()
        raise DataError(
            f"The sample submission's ids do not match the test rows' {id_col!r} column "
            f"(ids missing from the test rows: {unknown}; or the test ids repeat). Fix: pass "
            "the test file and sample submission that belong together."
        )
    return test.iloc[positions]


def _id_column(test: pd.DataFrame) -> str | None:
    for column in test.columns:
        name = str(column).lower()
        if (name == "id" or name.endswith(("_id", "id"))) and test[column].is_unique:
            return str(column)
    return None


def write_submission(store: RunStore, model: Any, plan: PlanDraft) -> None:
    import numpy as np
    import pandas as pd

    test = pd.read_pickle(store.test_path)
    sample = pd.read_pickle(store.sample_path) if store.sample_path.exists() else None
    rows = test if sample is None else _align(test, sample)
    features = [c for c in pd.read_pickle(store.train_path).columns if c != plan.target]
    X = rows[features]
    classes = [str(c) for c in getattr(model, "classes_", [])]
    columns = [plan.target] if sample is None else [str(c) for c in sample.columns[1:]]
    wants_proba = plan.metric in PROBABILITY_METRICS
    out = pd.DataFrame(index=range(len(rows)))
    if sample is not None:
        out[sample.columns[0]] = sample[sample.columns[0]].to_numpy()
    elif (id_col := _id_column(test)) is not None and id_col != plan.target:
        out[id_col] = rows[id_col].to_numpy()
    if wants_proba and plan.task_type == "binary" and len(columns) == 1:
        out[columns[0]] = np.asarray(model.predict_proba(X))[:, 1]
    elif wants_proba and plan.task_type == "multiclass" and set(columns) <= set(classes):
        proba = np.asarray(model.predict_proba(X))
        for column in columns:
            out[column] = proba[:, classes.index(column)]
    else:
        out[columns[0]] = np.asarray(model.predict(X))
    partial = Path(f"{store.submission_path}.tmp")
    out.to_csv(partial, index=False)
    os.replace(partial, store.submission_path)
