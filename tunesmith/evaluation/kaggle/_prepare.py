"""Prepare a task in memory: seeded ids, the train/test split, and the bytes of every file.

Like MLE-bench's ``prepare.py``: the raw table is shuffled with the seed and numbered (so an
id says nothing about the original row order), then split 80/20 (stratified by class for
classification). The files are rendered to bytes here, so a build writes exactly what the
grader would read, and the same seed gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING

from tunesmith.core.errors import ConfigurationError, DataError
from tunesmith.evaluation.kaggle._describe import describe
from tunesmith.evaluation.kaggle._task import ID_COLUMN, KaggleTask, TaskInfo

if TYPE_CHECKING:
    import pandas as pd

PUBLIC_FILES = ("description.md", "train.csv", "test.csv", "sample_submission.csv")


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A task split and rendered, before anything is written.

    Attributes:
        info: The record written to ``private/task.json``.
        train: ``public/train.csv`` as a table (id, features, target).
        test: ``public/test.csv`` as a table (id, features).
        answers: ``private/answers.csv`` as a table (id, target).
        files: Relative path (``public/train.csv`` ...) to the file's bytes.
    """

    info: TaskInfo
    train: pd.DataFrame
    test: pd.DataFrame
    answers: pd.DataFrame
    files: dict[str, bytes]


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Render ``frame`` as CSV (no index, ``\\n`` line ends, UTF-8)."""
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def fingerprint(files: dict[str, bytes]) -> str:
    """sha256 over the data files (train, test, answers), so a stale leaderboard is noticed."""
    digest = hashlib.sha256()
    for name in ("public/train.csv", "public/test.csv", "private/answers.csv"):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


def constant_prediction(info: TaskInfo, train_target: pd.Series) -> float | str:
    """The best constant: the positive-class share, the majority class, the median or mean.

    The median for mae (it minimises absolute error), the mean for rmse and r2; ties between
    classes go to the class that sorts first.
    """
    if info.prediction == "probability":
        return round(float((train_target.astype(str) == info.positive_label).mean()), 6)
    if info.prediction == "label":
        counts = train_target.astype(str).value_counts()
        return str(min(counts.index[counts == counts.max()]))
    values = train_target.astype(float)
    return float(values.median() if info.metric == "mae" else values.mean())


def _labels(task: KaggleTask, target: pd.Series) -> tuple[str, ...]:
    if task.task_type == "regression":
        return ()
    labels = tuple(sorted({str(v) for v in target}))
    if task.task_type == "binary":
        if len(labels) != 2 or task.positive_label != labels[1]:
            raise ConfigurationError(
                f"Task '{task.name}': positive_label {task.positive_label!r} must be the class "
                f"that sorts last of exactly two; the classes are {list(labels)}. Fix the "
                "task definition (scikit-learn treats classes_[1] as the positive class)."
            )
    elif task.prediction == "probability":
        raise ConfigurationError(
            f"Task '{task.name}': {task.metric} on a multiclass target needs one probability "
            "column per class, which the suite's two-column format does not have. Fix: use "
            "accuracy or f1."
        )
    return labels


def _split(task: KaggleTask, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    import numpy as np
    from sklearn.model_selection import train_test_split

    raw = task.loader(seed)
    if task.target not in raw.columns:
        raise DataError(
            f"Task '{task.name}': the loaded table has no column '{task.target}'. Columns: "
            f"{', '.join(map(str, raw.columns))}. Fix the task's target or loader."
        )
    raw = raw[raw[task.target].notna()]
    frame = raw.iloc[np.random.default_rng(seed).permutation(len(raw))].reset_index(drop=True)
    frame.insert(0, ID_COLUMN, np.arange(len(frame)))
    stratify = frame[task.target] if task.task_type != "regression" else None
    train, test = train_test_split(
        frame, test_size=task.test_fraction, random_state=seed, stratify=stratify
    )
    return train.sort_values(ID_COLUMN), test.sort_values(ID_COLUMN)


def prepare(task: KaggleTask, seed: int = 0) -> Prepared:
    """Split ``task``'s data with ``seed`` and render its public and private files.

    Raises:
        MissingExtraError: The package that ships the data is not installed.
        ConfigurationError: The task's definition does not fit its data.
    """
    train, test = _split(task, seed)
    labels = _labels(task, train[task.target])
    answers = test[[ID_COLUMN, task.target]]
    public_test = test.drop(columns=[task.target])
    files = {
        "public/train.csv": to_csv_bytes(train),
        "public/test.csv": to_csv_bytes(public_test),
        "private/answers.csv": to_csv_bytes(answers),
    }
    info = TaskInfo.for_task(
        task, labels=labels, seed=seed, n_train=len(train), n_test=len(test),
        fingerprint=fingerprint(files),
    )  # fmt: skip
    sample = answers.copy()
    sample[task.target] = constant_prediction(info, train[task.target])
    files["public/sample_submission.csv"] = to_csv_bytes(sample)
    text = describe(task, labels=labels, n_train=len(train), n_test=len(test))
    files["public/description.md"] = text.encode("utf-8")
    files["private/task.json"] = (json.dumps(info.model_dump(), indent=2) + "\n").encode()
    return Prepared(info=info, train=train, test=public_test, answers=answers, files=files)
