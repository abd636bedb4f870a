"""The records of a Kaggle-style task: its definition, and the ``task.json`` a build writes."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from tunesmith.core.errors import DataError
from tunesmith.learners import MetricName, TaskType, greater_is_better

if TYPE_CHECKING:
    import pandas as pd

Prediction = Literal["probability", "label", "value"]
PROBABILITY_METRICS = frozenset({"roc_auc", "log_loss"})
# The id column of every task: the suite assigns ids itself, after a seeded shuffle.
ID_COLUMN = "id"


def prediction_kind(metric: str, task_type: str) -> Prediction:
    """What a submission's prediction column holds for ``metric`` on ``task_type``."""
    if task_type == "regression":
        return "value"
    return "probability" if metric in PROBABILITY_METRICS else "label"


@dataclasses.dataclass(frozen=True)
class KaggleTask:
    """One task of the suite: where its data come from and how it is scored.

    Attributes:
        name: Folder name and the name ``get_task`` takes (snake_case).
        title: One line for tables and the description's heading.
        request: The opening of ``description.md``: what to predict, as a user would ask it.
        data_notes: What a row is and what the columns mean, in a sentence or two.
        target: The target column, spelled as in ``train.csv``.
        task_type: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        metric: The metric, named as ``tunesmith.learners`` names it.
        source: Where the data come from (package and table).
        loader: Returns the raw table (features and target) for a seed.
        positive_label: Binary tasks: the positive class, written as in the CSV files. It must
            sort after the other class, so that scikit-learn's ``classes_[1]`` is this class.
        test_fraction: Share of rows held out as the test set.
    """

    name: str
    title: str
    request: str
    data_notes: str
    target: str
    task_type: TaskType
    metric: MetricName
    source: str
    loader: Callable[[int], pd.DataFrame] = dataclasses.field(repr=False, compare=False)
    positive_label: str | None = None
    test_fraction: float = 0.2

    @property
    def prediction(self) -> Prediction:
        """What the submission's prediction column holds: probability, label or value."""
        return prediction_kind(self.metric, self.task_type)


class TaskInfo(BaseModel):
    """The contents of ``private/task.json``: everything the grader needs besides the answers.

    Attributes:
        name: The task's name.
        title: One line describing the task.
        task_type: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        metric: The metric's name (as ``tunesmith.learners`` names it).
        greater_is_better: Whether a larger score is better.
        target: The target column.
        id_column: The id column.
        prediction: What the submission's target column holds: probability, label or value.
        positive_label: Binary tasks: the positive class; None otherwise.
        labels: Classification: every class, as text, sorted; empty for regression.
        seed: The seed the split was made with.
        n_train: Rows of ``public/train.csv``.
        n_test: Rows of ``public/test.csv`` (and of the answers).
        source: Where the data come from.
        fingerprint: sha256 over train.csv, test.csv and answers.csv; a leaderboard computed
            for other files is ignored.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    task_type: TaskType
    metric: MetricName
    greater_is_better: bool
    target: str
    id_column: str
    prediction: Prediction
    positive_label: str | None
    labels: tuple[str, ...]
    seed: int
    n_train: int
    n_test: int
    source: str
    fingerprint: str

    @classmethod
    def for_task(
        cls,
        task: KaggleTask,
        *,
        labels: tuple[str, ...],
        seed: int,
        n_train: int,
        n_test: int,
        fingerprint: str,
    ) -> TaskInfo:
        """The record of ``task`` as built with ``seed``."""
        return cls(
            name=task.name, title=task.title, task_type=task.task_type, metric=task.metric,
            greater_is_better=greater_is_better(task.metric), target=task.target,
            id_column=ID_COLUMN, prediction=task.prediction, positive_label=task.positive_label,
            labels=labels, seed=seed, n_train=n_train, n_test=n_test, source=task.source,
            fingerprint=fingerprint,
        )  # fmt: skip


def resolve_task_dir(path: str | os.PathLike[str]) -> Path:
    """Return the task folder (the one with ``public/`` and ``private/``) for ``path``.

    ``path`` may be the task folder itself or its ``public/`` or ``private/`` subfolder.

    Raises:
        DataError: No ``private/task.json`` is there.
    """
    path = Path(path)
    for candidate in (path, path.parent):
        if (candidate / "private" / "task.json").is_file():
            return candidate
    raise DataError(
        f"'{path}' is not a built task folder: expected '{path / 'private' / 'task.json'}'. "
        "Fix: build the suite with `tunesmith bench tasks --out DIR` and pass DIR/<task>."
    )


def load_task_info(task_dir: str | os.PathLike[str]) -> TaskInfo:
    """Read ``private/task.json`` of a built task (or of its public/private subfolder).

    Raises:
        DataError: The folder is not a built task, or its task.json is unreadable.
    """
    path = resolve_task_dir(task_dir) / "private" / "task.json"
    try:
        return TaskInfo.model_validate(json.loads(path.read_text()))
    except (OSError, ValueError) as exc:
        raise DataError(
            f"Cannot read {path}: {exc}. Expected the task.json a build writes. "
            "Fix: rebuild the task with `tunesmith bench tasks --out DIR`."
        ) from None
