"""The child side of a peer agent: read its instructions and tables, write its submission.

A peer's child process (``python -m tunesmith.evaluation.kaggle._peer_flaml SPEC``) calls
:func:`read_spec`, :func:`load_tables`, fits within :func:`seconds_left`, then
:func:`write_submission` and :func:`write_result`.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.evaluation.kaggle._agents import RESULT_FILE, AgentTask

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

SUBMISSION_FILE = "submission.csv"


def read_spec(path: str | os.PathLike[str]) -> tuple[AgentTask, dict[str, Any]]:
    """The task and the whole instruction record written by ``write_spec``."""
    record = json.loads(Path(path).read_text())
    raw = dict(record["task"])
    raw["public_dir"] = Path(raw["public_dir"])
    raw["labels"] = tuple(raw["labels"])
    return AgentTask(**raw), record


def seconds_left(spec: dict[str, Any]) -> float:
    """The budget minus the time since the parent launched this child."""
    return float(spec["budget_s"]) - (time.time() - float(spec["started_at"]))


def load_tables(task: AgentTask) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Features and target of train.csv, and the features of test.csv (ids as their index).

    Classification targets are read as text, as the grader compares them.
    """
    import pandas as pd

    train = pd.read_csv(task.public_dir / "train.csv")
    test = pd.read_csv(task.public_dir / "test.csv")
    y = train[task.target]
    y = y.astype(float) if task.task_type == "regression" else y.astype(str)
    X = train.drop(columns=[task.id_column, task.target])
    X_test = test.set_index(task.id_column)[list(X.columns)]
    return X, y, X_test


def predict(task: AgentTask, model: Any, X_test: pd.DataFrame) -> np.ndarray:
    """What the submission's target column holds: P(positive class), a label or a value."""
    import numpy as np

    if task.prediction == "probability":
        classes = [str(c) for c in model.classes_]
        column = classes.index(str(task.positive_label))
        return np.asarray(model.predict_proba(X_test))[:, column]
    return np.asarray(model.predict(X_test))


def write_submission(task: AgentTask, out_dir: Path, ids: Any, values: Any) -> Path:
    """Write ``id,target`` rows in the order of ``sample_submission.csv``; return the path."""
    import pandas as pd

    sample = pd.read_csv(task.public_dir / "sample_submission.csv")
    frame = pd.DataFrame({task.id_column: list(ids), task.target: list(values)})
    order = frame.set_index(task.id_column).reindex(sample[task.id_column])
    order = order.reset_index()[list(sample.columns)]
    path = out_dir / SUBMISSION_FILE
    partial = path.with_name(f".{path.name}.partial")
    order.to_csv(partial, index=False)
    os.replace(partial, path)
    return path


def write_result(out_dir: Path, **details: Any) -> None:
    """Write what the child wants the parent to know to ``out_dir/agent_result.json``."""
    (out_dir / RESULT_FILE).write_text(json.dumps(details, indent=2, default=str) + "\n")


def child_main(solve: Callable[[AgentTask, dict[str, Any], Path], dict[str, Any]]) -> None:
    """Entry point of a peer's child: ``solve(task, spec, out_dir) -> details``; exit 1 on
    an exception (its traceback goes to the log, its message to the result)."""
    if len(sys.argv) != 2:
        sys.exit(f"usage: python -m {solve.__module__} SPEC.json")
    task, spec = read_spec(sys.argv[1])
    out_dir = Path(spec["out_dir"])
    try:
        details = solve(task, spec, out_dir)
    except Exception as exc:
        traceback.print_exc()
        write_result(out_dir, error=f"{type(exc).__name__}: {exc}")
        sys.exit(1)
    write_result(out_dir, **details)
