from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tunesmith.core import FloatParam, SearchSpace
from tunesmith.core.errors import ConfigurationError, DataError
from tunesmith.tools import (
    ToolRegistry,
    default_registry,
    explain_trial,
    optimize,
    propose_search_space,
    read_leaderboard,
    run_search,
)

SNAPSHOT = Path(__file__).parent / "snapshots" / "tool_schemas.json"


def test_schemas_match_the_snapshot() -> None:
    """The LLM-facing schemas change only on purpose (UPDATE_SNAPSHOTS=1 rewrites them)."""
    schemas = default_registry().schemas()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(schemas, indent=2, sort_keys=True) + "\n")
    assert schemas == json.loads(SNAPSHOT.read_text())


def test_every_parameter_is_documented_for_the_llm() -> None:
    for schema in default_registry().schemas():
        function = schema["function"]
        assert function["description"]
        for name, spec in function["parameters"]["properties"].items():
            assert spec.get("description"), f"{function['name']}.{name} has no description"


def test_a_tool_without_argument_docs_is_refused() -> None:
    def undocumented(x: int) -> int:
        """Do something."""
        return x

    with pytest.raises(ConfigurationError, match="'undocumented' does not document"):
        ToolRegistry([undocumented])


def test_bad_arguments_come_back_as_an_actionable_message() -> None:
    result = default_registry().call("propose_search_space", {"learners": "svm"})
    assert not result.ok
    assert "'learners': Input should be a valid list" in (result.error or "")
    assert "'task_type': Field required" in (result.error or "")
    assert result.as_text().startswith("Error: ")


def test_arguments_may_be_a_json_string_and_bad_json_is_explained() -> None:
    registry = default_registry()
    good = registry.call("list_learners", '{"task_type": "regression"}')
    assert good.ok
    assert "ridge" in [row["name"] for row in good.content]
    assert "logistic_regression" not in [row["name"] for row in good.content]
    bad = registry.call("list_learners", '{"task_type": ')
    assert not bad.ok
    assert "not valid JSON" in (bad.error or "")


def test_unknown_tool_name_suggests_the_closest() -> None:
    result = default_registry().call("list_learner")
    assert not result.ok
    assert "Did you mean 'list_learners'" in (result.error or "")


def test_errors_of_the_tool_itself_reach_the_llm_as_text() -> None:
    result = default_registry().call(
        "propose_search_space", {"learners": ["logistic_regression"], "task_type": "regression"}
    )
    assert not result.ok
    assert "cannot do a regression task" in (result.error or "")


def test_python_callers_get_the_exception() -> None:
    with pytest.raises(ConfigurationError, match="cannot do a regression task"):
        propose_search_space(["logistic_regression"], "regression")


def test_propose_search_space_is_conditional_on_the_learner() -> None:
    proposal = propose_search_space(["svm", "knn"], "binary")
    names = [p["name"] for p in proposal["parameters"]]
    assert names[0] == "learner"
    assert "svm.C" in names
    assert "knn.n_neighbors" in names
    svm_c = next(p for p in proposal["parameters"] if p["name"] == "svm.C")
    assert svm_c["active_when"] == {"learner": "svm"}


def _failing_sometimes(config: dict[str, float]) -> float:
    if config["x"] > 2.0:
        raise RuntimeError("x too large for this toy objective")
    return (config["x"] - 1.0) ** 2


def test_leaderboard_and_trial_explanations_read_a_real_study(tmp_path: Path) -> None:
    storage = str(tmp_path / "study.db")
    space = SearchSpace(params=[FloatParam(name="x", low=-5.0, high=5.0)])
    summary = optimize(_failing_sometimes, space, "random", n_trials=20, seed=1, storage=storage)
    board = read_leaderboard(storage, top=3)
    values = [row["value"] for row in board["top"]]
    assert values == sorted(values)
    assert values[0] == summary.best_value
    assert board["n_complete"] + board["n_failed"] == 20
    assert board["n_failed"] == summary.n_failed > 0

    best = explain_trial(storage, board["top"][0]["number"])
    assert best["rank"] == 1
    assert best["state"] == "complete"
    failed = next(t for t in summary.trials if t.state == "failed")
    explained = explain_trial(storage, failed.number)
    assert explained["state"] == "fail"
    assert "x too large" in explained["error"]
    assert explained["rank"] is None


def test_reading_a_missing_study_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="No study named 'tunesmith'"):
        read_leaderboard(str(tmp_path / "empty.db"))
    result = default_registry().call(
        "explain_trial", {"storage": str(tmp_path / "e.db"), "number": 3}
    )
    assert not result.ok
    assert "Run a search first" in (result.error or "")


@pytest.fixture
def breast_csv(tmp_path: Path) -> str:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.iloc[::3]  # 190 real rows
    path = tmp_path / "breast.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_run_search_finds_a_good_model_and_its_leaderboard_is_readable(
    breast_csv: str, tmp_path: Path
) -> None:
    storage = str(tmp_path / "search.db")
    result = run_search(
        breast_csv, "target", "binary", "roc_auc", ["logistic_regression", "random_forest"],
        n_trials=6, storage=storage, cv_folds=3, seed=0,
    )  # fmt: skip
    assert result["n_complete"] == 6
    assert result["best_learner"] in {"logistic_regression", "random_forest"}
    assert result["best_value"] > 0.9  # breast cancer is easy: a real fit, not a constant
    board = read_leaderboard(storage, top=6)
    assert board["direction"] == "maximize"
    values = [row["value"] for row in board["top"]]
    assert values == sorted(values, reverse=True)
    assert values[0] == result["best_value"]


def test_run_search_through_the_registry_reports_a_wrong_target(breast_csv: str) -> None:
    result = default_registry().call(
        "run_search",
        {
            "path": breast_csv, "target": "diagnosis", "task_type": "binary",
            "metric": "roc_auc", "learners": ["random_forest"], "n_trials": 2,
        },
    )  # fmt: skip
    assert not result.ok
    assert "Column 'diagnosis' is not in" in (result.error or "")


def test_run_search_on_an_empty_file_is_a_data_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="Cannot read"):
        run_search(str(empty), "y", "binary", "accuracy", ["random_forest"], n_trials=1)
