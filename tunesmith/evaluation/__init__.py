"""Benchmarks: a Kaggle-style task suite with a grader (``evaluation.kaggle``); Bayesmark next.

Example:
    >>> from tunesmith.evaluation import build_suite, grade
    >>> build_suite("suite", tasks=["diamonds"])
    >>> grade("suite/diamonds", "submission.csv").score
"""

from __future__ import annotations

from tunesmith.evaluation.kaggle import (
    BaselineScore,
    BuiltTask,
    Grade,
    KaggleTask,
    Leaderboard,
    MedalThresholds,
    TaskInfo,
    build_suite,
    build_task,
    get_task,
    grade,
    list_tasks,
    load_task_info,
    run_baselines,
)

__all__ = [
    "BaselineScore",
    "BuiltTask",
    "Grade",
    "KaggleTask",
    "Leaderboard",
    "MedalThresholds",
    "TaskInfo",
    "build_suite",
    "build_task",
    "get_task",
    "grade",
    "list_tasks",
    "load_task_info",
    "run_baselines",
]
