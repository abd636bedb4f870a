"""A Kaggle-style task suite from data that installed packages ship, with a grader and medals.

The folders follow MLE-bench's prepared competitions: an agent gets ``OUT/<task>/public``
(``description.md``, ``train.csv``, ``test.csv``, ``sample_submission.csv``); the answers,
``task.json`` and the leaderboard of reference baselines stay in ``OUT/<task>/private``.

Example:
    >>> from tunesmith.evaluation.kaggle import build_suite, grade, run_baselines
    >>> built = build_suite("suite", tasks=["penguins"], seed=0)
    >>> run_baselines("suite/penguins")  # constant, RandomForest, HistGradientBoosting
    >>> grade("suite/penguins", "submission.csv").medal
    'silver'
"""

from __future__ import annotations

from tunesmith.evaluation.kaggle._baselines import BASELINES, run_baselines
from tunesmith.evaluation.kaggle._build import BuiltTask, build_suite, build_task
from tunesmith.evaluation.kaggle._catalogue import TASKS, get_task, list_tasks
from tunesmith.evaluation.kaggle._grade import Grade, grade
from tunesmith.evaluation.kaggle._medals import (
    BaselineScore,
    Leaderboard,
    Medal,
    MedalThresholds,
    medal_for,
    medal_thresholds,
)
from tunesmith.evaluation.kaggle._prepare import Prepared, prepare
from tunesmith.evaluation.kaggle._task import KaggleTask, TaskInfo, load_task_info

__all__ = [
    "BASELINES",
    "TASKS",
    "BaselineScore",
    "BuiltTask",
    "Grade",
    "KaggleTask",
    "Leaderboard",
    "Medal",
    "MedalThresholds",
    "Prepared",
    "TaskInfo",
    "build_suite",
    "build_task",
    "get_task",
    "grade",
    "list_tasks",
    "load_task_info",
    "medal_for",
    "medal_thresholds",
    "prepare",
    "run_baselines",
]
