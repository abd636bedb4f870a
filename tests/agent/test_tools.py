from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tunesmith.agent import agent_registry
from tunesmith.tools import default_registry


def test_agent_registry_adds_pbt_to_the_tool_layer() -> None:
    names = agent_registry().names
    assert names[: len(default_registry().names)] == default_registry().names
    assert names[-1] == "run_population_based_training"
    schema = agent_registry().schemas()[-1]["function"]
    assert "schedule" in schema["description"] or "Population Based" in schema["description"]
    assert set(schema["parameters"]["required"]) == {"path", "target", "task_type", "metric"}


def test_bad_pbt_arguments_come_back_as_a_message(tmp_path: Path) -> None:
    result = agent_registry().call(
        "run_population_based_training",
        {"path": str(tmp_path / "x.csv"), "target": "y", "task_type": "binary",
         "metric": "roc_auc", "population": 1},
    )  # fmt: skip
    assert not result.ok
    assert "population must be between 2 and 32" in (result.error or "")


SCRIPT = """
import json, sys
from tunesmith.agent import agent_registry
result = agent_registry().call("run_population_based_training", {
    "path": sys.argv[1], "target": "species", "task_type": "multiclass", "metric": "accuracy",
    "population": 4, "epochs": 6, "perturbation_interval": 3, "seed": 0})
print("RESULT" + json.dumps({"ok": result.ok, "content": result.content, "error": result.error}))
"""


@pytest.mark.slow
def test_pbt_tool_runs_for_real_and_reports_a_schedule(tmp_path: Path) -> None:
    """In a child process: Ray keeps per-process state that would disturb later Ray tests."""
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    frame = iris.frame.rename(columns={"target": "species"})
    frame["species"] = iris.target_names[frame["species"]]
    path = tmp_path / "iris.csv"
    frame.to_csv(path, index=False)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, timeout=300
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line is not None, done.stderr[-3000:]
    result = json.loads(line[len("RESULT") :])
    assert result["ok"], result["error"]
    content = result["content"]
    assert content["best_value"] > 0.6
    assert content["schedule"][0]["epoch"] == 0
    assert content["best_params"]
