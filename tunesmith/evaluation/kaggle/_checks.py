"""The checks of a submission, and its score with the metric code ``tunesmith.learners`` uses.

Every cell is read as text, so ids and labels are compared as written (``3`` and ``3.0`` are
the same integer id or class) and nothing is coerced silently.
"""

from __future__ import annotations

import io
import math
import os
import re
from typing import TYPE_CHECKING, Any

from tunesmith.evaluation.kaggle._task import TaskInfo

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

_EXAMPLES = 3
_INTEGRAL = re.compile(r"^[+-]?\d+\.0*$")


class InvalidSubmission(Exception):
    """Internal: a check failed; the message becomes ``Grade.error``."""


class _Predictions:
    """Predictions already made, in the shape ``tunesmith.learners.score`` reads a model in."""

    def __init__(self, classes: np.ndarray, values: np.ndarray, proba: np.ndarray | None) -> None:
        self.classes_ = classes
        self._values = values
        self._proba = proba

    def predict(self, X: Any) -> np.ndarray:
        return self._values

    def predict_proba(self, X: Any) -> np.ndarray:
        assert self._proba is not None
        return self._proba


def read_csv_text(source: str | os.PathLike[str] | io.StringIO) -> pd.DataFrame:
    """Read a CSV with every cell as text (missing cells as NaN), as the grader compares it."""
    import pandas as pd

    return pd.read_csv(source, dtype=str)


def _canonical_id(value: Any) -> str:
    text = str(value).strip()
    return text.split(".")[0] if _INTEGRAL.match(text) else text


def _examples(values: Any) -> str:
    shown = [repr(v) if isinstance(v, str) else str(v) for v in list(values)[:_EXAMPLES]]
    return ", ".join(shown)


def _check_columns(info: TaskInfo, frame: pd.DataFrame) -> None:
    columns = [str(c) for c in frame.columns]
    expected = [info.id_column, info.target]
    if sorted(columns) == sorted(expected):
        return
    fix = "Fix: write exactly these two columns, as sample_submission.csv has them"
    if any(c.startswith("Unnamed") for c in columns):
        fix += " (with pandas: to_csv(path, index=False))"
    raise InvalidSubmission(
        f"The submission's columns are {columns}; expected exactly {expected}. {fix}."
    )


def _check_ids(info: TaskInfo, ids: pd.Series, expected: pd.Series) -> None:
    if ids.isna().any():
        raise InvalidSubmission(
            f"{int(ids.isna().sum())} row(s) have no '{info.id_column}'. Fix: give every row "
            "the id of its test.csv row."
        )
    problems = []
    repeated = ids[ids.duplicated()].unique()
    if len(repeated):
        problems.append(
            f"{len(repeated)} id(s) appear more than once (e.g. {_examples(repeated)})"
        )
    wanted = set(expected)
    extra = [i for i in dict.fromkeys(ids) if i not in wanted]
    if extra:
        problems.append(f"{len(extra)} id(s) are not in test.csv (e.g. {_examples(extra)})")
    given = set(ids)
    missing = [i for i in expected if i not in given]
    if missing:
        problems.append(
            f"{len(missing)} id(s) of test.csv are missing (e.g. {_examples(missing)})"
        )
    if problems:
        raise InvalidSubmission(
            f"The submission's ids do not match test.csv ({info.n_test} rows, one per id): "
            f"{'; '.join(problems)}. Fix: write exactly one row per id of test.csv."
        )


def _shown(values: Any, ids: Any, fmt: str = "{!r}") -> str:
    pairs = list(zip(values, ids, strict=True))[:_EXAMPLES]
    return ", ".join(f"{fmt.format(v)} (id {i})" for v, i in pairs)


def _numbers(info: TaskInfo, values: pd.Series, ids: pd.Series) -> np.ndarray:
    import numpy as np
    import pandas as pd

    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(array)
    if bad.any():
        raise InvalidSubmission(
            f"{int(bad.sum())} value(s) of '{info.target}' are missing or not finite numbers, "
            f"e.g. {_shown(values[bad], ids[bad])}. Fix: write a finite number in every row."
        )
    if info.prediction == "probability":
        out = (array < 0) | (array > 1)
        if out.any():
            raise InvalidSubmission(
                f"{int(out.sum())} value(s) of '{info.target}' are outside [0, 1], e.g. "
                f"{_shown(array[out], ids[out], '{:g}')}. The column holds the probability "
                f"that '{info.target}' is {info.positive_label!r}, not a label or a raw score."
            )
    return array


def _labels(info: TaskInfo, values: pd.Series, ids: pd.Series) -> np.ndarray:
    import numpy as np

    known = set(info.labels)
    integral = all(_INTEGRAL.match(f"{label}.0") for label in info.labels)

    def canonical(value: Any) -> Any:
        text = str(value).strip()
        if text not in known and integral and _INTEGRAL.match(text):
            return text.split(".")[0]
        return text

    labels = values.map(canonical)
    bad = values.isna() | ~labels.isin(known)
    if bad.any():
        raise InvalidSubmission(
            f"{int(bad.sum())} value(s) of '{info.target}' are not classes of this task, e.g. "
            f"{_shown(values[bad], ids[bad])}. Expected one of: {', '.join(info.labels)}."
        )
    return np.asarray(labels, dtype=str)


def check_and_score(info: TaskInfo, answers: pd.DataFrame, frame: pd.DataFrame) -> float:
    """Validate a submission (all cells as text) and score it against ``answers``.

    Raises:
        InvalidSubmission: A check failed (the message says which and how to fix it).
    """
    import numpy as np

    from tunesmith.learners import score

    _check_columns(info, frame)
    frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    ids = frame[info.id_column].map(_canonical_id, na_action="ignore")
    expected = answers[info.id_column].map(_canonical_id)
    _check_ids(info, ids, expected)
    values = frame[info.target].set_axis(ids).reindex(expected)
    aligned_ids = expected.reset_index(drop=True)
    values = values.reset_index(drop=True)
    if info.prediction == "label":
        predicted = _labels(info, values, aligned_ids)
        proba = None
    else:
        predicted = _numbers(info, values, aligned_ids)
        proba = None
        if info.prediction == "probability":
            proba = np.column_stack([1 - predicted, predicted])
    truth = answers[info.target]
    y = truth.astype(float).to_numpy() if info.task_type == "regression" else truth.to_numpy(str)
    model = _Predictions(np.asarray(info.labels, dtype=str), predicted, proba)
    try:
        value = score(info.metric, info.task_type, model, None, y)
    except ValueError as exc:
        raise InvalidSubmission(
            f"The metric cannot be computed on this submission: {exc}"
        ) from None
    if not math.isfinite(value):
        raise InvalidSubmission(
            f"The {info.metric} of this submission is not finite ({value}). Fix: keep "
            "probabilities away from exactly 0 and 1 where the answer is the other class."
        )
    return value
