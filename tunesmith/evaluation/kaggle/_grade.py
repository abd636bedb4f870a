"""Grade a submission against a task's private answers, with the metric code learners use.

A bad submission never raises: it gets ``valid=False`` and a message that says what is wrong
and how to fix it. A bad *task* (a folder that was never built) raises ``DataError``.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from tunesmith.core.errors import DataError
from tunesmith.evaluation.kaggle._checks import InvalidSubmission, check_and_score, read_csv_text
from tunesmith.evaluation.kaggle._medals import Leaderboard, Medal, MedalThresholds, medal_for
from tunesmith.evaluation.kaggle._task import (
    KaggleTask,
    TaskInfo,
    load_task_info,
    resolve_task_dir,
)

if TYPE_CHECKING:
    import pandas as pd


class Grade(BaseModel):
    """The outcome of grading one submission.

    Attributes:
        task: The task's name.
        metric: The metric's name.
        greater_is_better: Whether a larger score is better.
        valid: Whether the submission passed every check.
        score: The metric on the private answers; None when the submission is invalid.
        error: What is wrong with an invalid submission, and how to fix it; None when valid.
        medal: none, bronze, silver or gold; None when invalid or the task has no thresholds.
        thresholds: The task's medal thresholds, if its baselines have been run.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: str
    metric: str
    greater_is_better: bool
    valid: bool
    score: float | None = None
    error: str | None = None
    medal: Medal | None = None
    thresholds: MedalThresholds | None = None


def _result(info: TaskInfo, **fields: Any) -> Grade:
    return Grade(
        task=info.name, metric=info.metric, greater_is_better=info.greater_is_better, **fields
    )


def load_leaderboard(task_dir: Path, info: TaskInfo) -> Leaderboard | None:
    """The task's leaderboard, or None if it has none or it was computed for other data."""
    path = task_dir / "private" / "leaderboard.json"
    if not path.is_file():
        return None
    try:
        board = Leaderboard.model_validate(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None
    return board if board.fingerprint == info.fingerprint else None


def _task_inputs(
    task: str | os.PathLike[str] | KaggleTask, seed: int
) -> tuple[TaskInfo, pd.DataFrame, Leaderboard | None]:
    if isinstance(task, KaggleTask):
        from tunesmith.evaluation.kaggle._prepare import prepare

        prepared = prepare(task, seed)
        answers = read_csv_text(io.StringIO(prepared.files["private/answers.csv"].decode()))
        return prepared.info, answers, None
    task_dir = resolve_task_dir(task)
    info = load_task_info(task_dir)
    path = task_dir / "private" / "answers.csv"
    try:
        answers = read_csv_text(path)
    except (OSError, ValueError) as exc:
        raise DataError(
            f"Cannot read the answers {path}: {exc}. Fix: rebuild the task with "
            "`tunesmith bench tasks --out DIR`."
        ) from None
    return info, answers, load_leaderboard(task_dir, info)


def grade_frame(
    info: TaskInfo, answers: pd.DataFrame, frame: pd.DataFrame, board: Leaderboard | None
) -> Grade:
    """Grade a submission already read as text (see ``read_csv_text``)."""
    try:
        value = check_and_score(info, answers, frame)
    except InvalidSubmission as exc:
        return _result(info, valid=False, error=str(exc))
    if board is None:
        return _result(info, valid=True, score=value)
    medal = medal_for(value, info.metric, board.thresholds)
    return _result(info, valid=True, score=value, medal=medal, thresholds=board.thresholds)


def grade(
    task: str | os.PathLike[str] | KaggleTask,
    submission: str | os.PathLike[str],
    *,
    seed: int = 0,
) -> Grade:
    """Grade ``submission`` (a CSV path) on a task.

    Args:
        task: A built task folder (``OUT/<task>``, or its public/private subfolder), or a
            ``KaggleTask``, which is prepared in memory with ``seed`` (no medals then).
        submission: The CSV to grade.
        seed: The split seed, only for a ``KaggleTask``.

    Returns:
        The grade. An invalid submission (missing or unreadable file, wrong columns, missing,
        repeated or unknown ids, missing or non-finite values, unknown classes, probabilities
        outside [0, 1]) gives ``valid=False`` and an ``error`` message, never an exception.

    Raises:
        DataError: ``task`` is not a built task folder, or its private files are unreadable.
    """
    info, answers, board = _task_inputs(task, seed)
    path = Path(submission)
    if not path.is_file():
        return _result(
            info, valid=False,
            error=f"No submission file at {path}. Fix: write the submission CSV there.",
        )  # fmt: skip
    try:
        frame = read_csv_text(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _result(
            info, valid=False,
            error=f"Cannot parse {path.name} as CSV: {reason}. Fix: write a comma-separated "
            f"file with a header row '{info.id_column},{info.target}'.",
        )  # fmt: skip
    return grade_frame(info, answers, frame, board)
