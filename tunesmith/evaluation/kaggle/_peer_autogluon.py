"""The ``autogluon`` peer's child: AutoGluon's TabularPredictor on one task.

Run by the python of AutoGluon's own virtual environment, as a script:
``$TUNESMITH_AUTOGLUON_PYTHON _peer_autogluon.py OUT/agent_task.json``. It imports nothing
of tunesmith (that environment does not have it), only pandas and autogluon.tabular.
AutoGluon gets the task's metric, its problem type, the budget left since launch as
``time_limit`` and its ``medium_quality`` presets (its default, named so the record says so);
everything else is its default (its model list, bagging, its own random seed, every core).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

METRICS = {"rmse": "root_mean_squared_error", "mae": "mean_absolute_error"}
PROBLEM_TYPES = {"binary": "binary", "multiclass": "multiclass", "regression": "regression"}
PRESETS = "medium_quality"


def autogluon_metric(metric: str, task_type: str) -> str:
    """AutoGluon's name for ``metric`` (``f1`` on several classes is its ``f1_macro``)."""
    if metric == "f1" and task_type == "multiclass":
        return "f1_macro"
    return METRICS.get(metric, metric)


def _solve(spec: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd
    from autogluon.tabular import TabularPredictor

    task, out_dir = spec["task"], Path(spec["out_dir"])
    public, target, id_column = Path(task["public_dir"]), task["target"], task["id_column"]
    train = pd.read_csv(public / "train.csv").drop(columns=[id_column])
    test = pd.read_csv(public / "test.csv")
    regression = task["task_type"] == "regression"
    train[target] = train[target].astype(float if regression else str)
    left = float(spec["budget_s"]) - (time.time() - float(spec["started_at"]))
    predictor = TabularPredictor(
        label=target, problem_type=PROBLEM_TYPES[task["task_type"]],
        eval_metric=autogluon_metric(task["metric"], task["task_type"]),
        path=str(out_dir / "models"), verbosity=0,
    ).fit(train, time_limit=max(left, 1.0), presets=PRESETS)  # fmt: skip
    features = test.drop(columns=[id_column])
    if task["prediction"] == "probability":
        proba = predictor.predict_proba(features)
        values = proba[next(c for c in proba.columns if str(c) == task["positive_label"])]
    else:
        values = predictor.predict(features)
    sample = pd.read_csv(public / "sample_submission.csv")
    frame = pd.DataFrame({id_column: test[id_column], target: list(values)})
    frame = frame.set_index(id_column).reindex(sample[id_column]).reset_index()
    partial = out_dir / ".submission.csv.partial"
    frame[list(sample.columns)].to_csv(partial, index=False)
    os.replace(partial, out_dir / "submission.csv")
    return {
        "time_limit_s": round(left, 2), "presets": PRESETS,
        "best_model": str(predictor.model_best), "n_models": len(predictor.model_names()),
    }  # fmt: skip


def main() -> None:
    """Read the spec, fit, write the submission and ``agent_result.json``."""
    if len(sys.argv) != 2:
        sys.exit("usage: python _peer_autogluon.py SPEC.json")
    spec = json.loads(Path(sys.argv[1]).read_text())
    result = Path(spec["out_dir"]) / "agent_result.json"
    try:
        details = _solve(spec)
    except Exception as exc:
        traceback.print_exc()
        result.write_text(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        sys.exit(1)
    result.write_text(json.dumps(details, indent=2) + "\n")


if __name__ == "__main__":
    main()
