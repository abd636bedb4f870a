from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from tunesmith.agent import RunStore, write_report
from tunesmith.agent._config import RunConfig, RunSummary
from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._events import read_events
from tunesmith.agent._importance import MIN_TRIALS, param_importance
from tunesmith.agent._loop import RunLoop
from tunesmith.core import DataError

REASON = "Small binary table <script>alert('x')</script> & two learners."
PLAN = PlanDraft(
    target="target",
    task_type="binary",
    metric="roc_auc",
    learners=["logistic_regression", "random_forest"],
    reason=REASON,
)
CONFIG = RunConfig(time_budget_s=120, max_trials=10, cv_folds=2, fidelity=10, seed=0)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame.sample(150, random_state=0)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory, table: pd.DataFrame) -> RunSummary:
    """A real run of ten trials over two learners (enough for parameter importance)."""
    return RunLoop(tmp_path_factory.mktemp("report") / "run", PLAN, CONFIG, data=table).run()


def _html(summary: RunSummary) -> str:
    return RunStore(summary.out_dir).report_path.read_text(encoding="utf-8")


def test_the_run_writes_a_self_contained_report_before_it_finishes(
    finished: RunSummary,
) -> None:
    store = RunStore(finished.out_dir)
    assert store.report_path.exists()
    events = read_events(store.events_path)
    assert events[-2].kind == "phase"
    assert events[-2].payload["phase"] == "report"
    assert events[-1].kind == "finished"
    html = _html(finished)
    assert "<script" not in html.lower()
    assert "http://" not in html
    assert "https://" not in html
    sources = re.findall(r'src="([^"]*)"', html)
    assert sources
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")


def test_the_report_shows_the_plan_and_config_generically_and_escapes_text(
    finished: RunSummary,
) -> None:
    html = _html(finished)
    assert "predict target (binary, roc_auc)" in html
    assert "Small binary table &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; two" in html
    stored = json.loads(RunStore(finished.out_dir).plan_path.read_text(encoding="utf-8"))
    for key in [*stored["plan"], *stored["config"]]:  # every field, however many there are
        assert f"<th>{key}</th>" in html, key
    assert "logistic_regression, random_forest" in html


def test_the_report_shows_the_summary_leaderboard_and_learners(finished: RunSummary) -> None:
    html = _html(finished)
    board = RunStore(finished.out_dir).leaderboard()
    best = board.iloc[0]
    assert int(best["trial"]) == finished.best_trial
    assert f"{best['roc_auc']:.6g} (trial {finished.best_trial}, {best['learner']})" in html
    first_row = f'<td class="num">1</td><td class="num">{finished.best_trial}</td>'
    assert first_row + f"<td>{best['learner']}</td>" in html
    assert f'<td class="num">{best["roc_auc"]:.6g}</td>' in html
    assert "finished (max_trials)" in html
    assert "10 complete, 0 failed" in html
    for learner, count in board.groupby("learner").size().items():
        assert f'<td>{learner}</td><td class="num">{count}</td>' in html
    assert "No trial failed." in html


def test_each_plot_is_one_inline_image_and_importance_is_computed(
    finished: RunSummary,
) -> None:
    html = _html(finished)
    # convergence, learners, importance of the best learner's parameters
    assert html.count('<img class="plot"') == 3
    found = param_importance(RunStore(finished.out_dir).trials())
    assert found is not None
    assert found.n_trials == 10
    assert found.learner_share is not None
    assert 0.0 <= found.learner_share <= 1.0
    assert found.best_learner == finished.best_params["learner"]  # type: ignore[index]
    own = {k.split(".", 1)[1] for k in finished.best_params or {} if "." in k}
    assert found.params
    assert set(found.params) <= own
    assert sum(found.params.values()) == pytest.approx(1.0)
    assert f"explains {found.learner_share:.0%} of the variance" in html
    assert f"Importance of {found.best_learner}&#x27;s parameters" in html


def test_importance_needs_enough_complete_trials(finished: RunSummary) -> None:
    trials = RunStore(finished.out_dir).trials()
    assert param_importance(trials[: MIN_TRIALS - 1]) is None
    assert param_importance(trials[:MIN_TRIALS]) is not None


def test_the_report_is_rebuilt_from_the_directory_alone(
    finished: RunSummary, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(finished.out_dir, copy)
    (copy / "report.html").unlink()
    path = write_report(copy, top=3)
    assert path == copy / "report.html"
    html = path.read_text(encoding="utf-8")
    assert "Leaderboard (top 3)" in html
    assert html.count('<tr><td class="num">') >= 3
    assert "finished (max_trials)" in html  # now read from the finished event
    assert html.count('<img class="plot"') == 3


def test_a_run_without_a_complete_trial_still_gets_a_report(
    tmp_path: Path, table: pd.DataFrame
) -> None:
    # A 1 MiB address-space cap makes every trial fail with MemoryError, deterministically.
    config = CONFIG.model_copy(update={"max_trials": 2, "memory_limit_mb": 1})
    summary = RunLoop(tmp_path / "run", PLAN, config, data=table).run()
    assert summary.n_complete == 0
    assert summary.n_failed == 2
    html = RunStore(tmp_path / "run").report_path.read_text(encoding="utf-8")
    assert "<img" not in html
    assert "No trial completed" in html
    assert f"Needs at least {MIN_TRIALS} complete trials" in html
    assert "0 complete, 2 failed" in html
    assert html.count("<td>out_of_memory</td>") == 2
    assert "memory cap of 1 MiB" in html


def test_a_folder_without_a_run_has_no_report(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="holds no run"):
        write_report(tmp_path)
    assert not (tmp_path / "report.html").exists()
