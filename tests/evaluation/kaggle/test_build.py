from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunesmith.core.errors import ConfigurationError, DataError
from tunesmith.evaluation.kaggle import (
    TASKS,
    BuiltTask,
    KaggleTask,
    build_suite,
    build_task,
    get_task,
    list_tasks,
    load_task_info,
    prepare,
)
from tunesmith.evaluation.kaggle._describe import metric_words

PUBLIC = {"description.md", "train.csv", "test.csv", "sample_submission.csv"}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.*"))}


@pytest.mark.parametrize("name", ["penguins", "breast_cancer", "unemployment_benefits", "digits"])
def test_folder_holds_public_files_and_private_answers(
    suite: dict[str, BuiltTask], name: str
) -> None:
    folder = Path(suite[name].path)
    info = load_task_info(folder)
    assert {p.name for p in (folder / "public").iterdir()} == PUBLIC
    assert {p.name for p in (folder / "private").iterdir()} == {"answers.csv", "task.json"}
    train = pd.read_csv(folder / "public" / "train.csv")
    test = pd.read_csv(folder / "public" / "test.csv")
    sample = pd.read_csv(folder / "public" / "sample_submission.csv")
    answers = pd.read_csv(folder / "private" / "answers.csv")
    assert info.target in train.columns
    assert info.target not in test.columns
    assert list(test.columns) == [c for c in train.columns if c != info.target]
    assert list(sample.columns) == list(answers.columns) == [info.id_column, info.target]
    assert list(sample[info.id_column]) == list(test[info.id_column])
    assert list(answers[info.id_column]) == list(test[info.id_column])
    ids = set(train[info.id_column]) | set(test[info.id_column])
    assert not set(train[info.id_column]) & set(test[info.id_column])
    assert ids == set(range(info.n_train + info.n_test))
    assert (len(train), len(test)) == (info.n_train, info.n_test)
    assert abs(info.n_test / (info.n_train + info.n_test) - 0.2) < 0.01


def test_split_is_stratified(suite: dict[str, BuiltTask]) -> None:
    folder = Path(suite["unemployment_benefits"].path)
    train = pd.read_csv(folder / "public" / "train.csv")
    answers = pd.read_csv(folder / "private" / "answers.csv")
    rate_train = (train["ui"] == "yes").mean()
    rate_test = (answers["ui"] == "yes").mean()
    assert abs(rate_train - rate_test) < 0.002


def test_ids_do_not_follow_the_original_row_order(suite: dict[str, BuiltTask]) -> None:
    # load_digits is ordered 0, 1, 2, ... 9, 0, 1, ...: an unshuffled id would give it away.
    train = pd.read_csv(Path(suite["digits"].path) / "public" / "train.csv")
    assert (train["id"] % 10 == train["digit"]).mean() < 0.2


def test_description_names_the_target_metric_and_format(suite: dict[str, BuiltTask]) -> None:
    text = (Path(suite["unemployment_benefits"].path) / "public" / "description.md").read_text()
    assert "`ui`" in text
    assert "log loss" in text
    assert "probability that `ui` is `yes`" in text
    assert "`id`" in text
    labels = (Path(suite["penguins"].path) / "public" / "description.md").read_text()
    assert "one of: Adelie, Chinstrap, Gentoo" in labels


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path, suite: dict[str, BuiltTask]) -> None:
    build_suite(tmp_path / "again", ["penguins", "breast_cancer"], seed=0)
    for name in ("penguins", "breast_cancer"):
        assert _files(tmp_path / "again" / name) == _files(Path(suite[name].path))


def test_another_seed_gives_another_split(tmp_path: Path, suite: dict[str, BuiltTask]) -> None:
    other = build_task("penguins", tmp_path, seed=1)
    assert other.info.fingerprint != suite["penguins"].info.fingerprint
    assert other.info.seed == 1


def test_rebuilding_is_idempotent(tmp_path: Path) -> None:
    first = build_task("breast_cancer", tmp_path, seed=0)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.*")}
    second = build_task("breast_cancer", tmp_path, seed=0)
    assert second == first
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.*")} == before


def test_a_stale_leaderboard_is_removed_on_rebuild(tmp_path: Path) -> None:
    build_task("penguins", tmp_path, seed=0, baselines=True, flaml_budget_s=None)
    board = tmp_path / "penguins" / "private" / "leaderboard.json"
    assert board.is_file()
    build_task("penguins", tmp_path, seed=0)  # same data: kept
    assert board.is_file()
    stored = json.loads(board.read_text())
    board.write_text(json.dumps({**stored, "rule": "an older rule", "thresholds": {
        "bronze": 0.0, "silver": 0.0, "gold": 0.0}}))  # fmt: skip
    again = build_task("penguins", tmp_path, seed=0, baselines=True, flaml_budget_s=None)
    assert again.leaderboard is not None  # another rule: rerun
    assert again.leaderboard.thresholds.gold > 0.5
    rebuilt = build_task("penguins", tmp_path, seed=3)
    assert not board.exists()
    assert rebuilt.leaderboard is None


def test_a_leaderboard_of_another_flaml_budget_is_rerun_and_then_kept(tmp_path: Path) -> None:
    without = build_task("penguins", tmp_path, seed=0, baselines=True, flaml_budget_s=None)
    assert without.leaderboard is not None
    assert without.leaderboard.score_of("flaml") is None
    board = tmp_path / "penguins" / "private" / "leaderboard.json"
    with_flaml = build_task("penguins", tmp_path, seed=0, baselines=True, flaml_budget_s=3.0)
    assert with_flaml.leaderboard is not None
    assert with_flaml.leaderboard.flaml_budget_s == 3.0
    assert with_flaml.leaderboard.score_of("flaml") is not None
    written = board.stat().st_mtime_ns
    kept = build_task("penguins", tmp_path, seed=0, baselines=True, flaml_budget_s=3.0)
    assert kept.leaderboard == with_flaml.leaderboard  # FLAML is not run again
    assert board.stat().st_mtime_ns == written
    assert build_task("penguins", tmp_path, seed=0).leaderboard == with_flaml.leaderboard


def test_an_unknown_task_name_fails_with_suggestions(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Did you mean 'penguins'"):
        build_suite(tmp_path, ["penguin"])
    assert not any(tmp_path.iterdir())


def test_a_folder_that_is_not_a_task_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a built task folder"):
        load_task_info(tmp_path)


def test_a_task_info_can_be_read_from_the_public_folder(suite: dict[str, BuiltTask]) -> None:
    public = Path(suite["penguins"].path) / "public"
    assert load_task_info(public) == suite["penguins"].info
    assert suite["penguins"].public_dir == public


def test_a_positive_class_that_sorts_first_is_rejected() -> None:
    base = get_task("unemployment_benefits")
    wrong = KaggleTask(**{**base.__dict__, "name": "wrong", "positive_label": "no"})
    with pytest.raises(ConfigurationError, match="sorts last"):
        prepare(wrong)


def test_the_suite_has_the_promised_tasks() -> None:
    assert len(TASKS) >= 8
    assert list_tasks()[:3] == ["flchain_survival", "diamonds", "computer_prices"]
    metrics = {t.metric for t in TASKS}
    assert metrics == {"roc_auc", "accuracy", "f1", "log_loss", "rmse", "mae", "r2"}


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_every_task_prepares_consistently(task: KaggleTask) -> None:
    prepared = prepare(task, seed=0)
    info = prepared.info
    text = prepared.files["public/description.md"].decode()
    assert f"`{task.target}`" in text
    assert metric_words(task) in text
    assert task.target in prepared.train.columns
    assert task.target not in prepared.test.columns
    features = [c for c in prepared.train.columns if c not in ("id", task.target)]
    assert features, "a task needs features"
    assert set(features) <= set(prepared.test.columns)
    named = set(re.findall(r"`([^`]+)`", task.data_notes))  # the columns the notes name
    assert named <= set(prepared.train.columns)
    if info.task_type == "binary":
        assert info.labels[1] == info.positive_label
    if info.task_type == "regression":
        assert np.isfinite(prepared.train[task.target]).all()
    assert 300 <= info.n_train + info.n_test <= 10_000
