"""The run store: one directory per run, readable back from the directory alone.

Layout::

    RUN/plan.json          the plan and the run configuration
    RUN/events.jsonl       the append-only event log
    RUN/study.db           the Optuna study (SQLite)
    RUN/train.pkl          the training table, written once for the workers
    RUN/test.pkl           the test rows, if any; RUN/sample_submission.pkl likewise
    RUN/leaderboard.csv    finished trials, best first
    RUN/model.joblib       the best pipeline refitted on all training data
    RUN/submission.csv     predictions for the test rows, if any
    RUN/report.html        the run's report (summary, plan, plots, leaderboard), self-contained
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.agent._config import RunConfig
from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._events import Event, read_events
from tunesmith.agent._plan import Plan
from tunesmith.core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

STUDY_NAME = "tunesmith"
INTERRUPTED = "Interrupted:"
"""Prefix of the error of a trial whose process was killed; such trials are not counted."""
LEADERBOARD_COLUMNS = (
    "rank",
    "trial",
    "learner",
    "state",
    "loss",
    "duration_s",
    "params",
    "error",
)


class RunStore:
    """Paths and readers of one run directory.

    Args:
        path: The run directory (created on the first write).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.plan_path = self.path / "plan.json"
        self.events_path = self.path / "events.jsonl"
        self.study_path = self.path / "study.db"
        self.train_path = self.path / "train.pkl"
        self.test_path = self.path / "test.pkl"
        self.sample_path = self.path / "sample_submission.pkl"
        self.leaderboard_path = self.path / "leaderboard.csv"
        self.model_path = self.path / "model.joblib"
        self.submission_path = self.path / "submission.csv"
        self.report_path = self.path / "report.html"
        # The llama.cpp score reader's prompt states, for a resumed search's first LLM step.
        self.llm_cache_path = self.path / "llm-cache"

    @property
    def exists(self) -> bool:
        """Whether the directory holds a run (a ``plan.json``)."""
        return bool(self.plan_path.exists())

    # -- plan ----------------------------------------------------------------------------------

    def write_plan(self, plan: PlanDraft, config: RunConfig) -> None:
        """Write ``plan.json`` (atomically: a reader never sees half a file)."""
        self.path.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {"plan": plan.model_dump(mode="json"), "config": config.model_dump(mode="json")},
            indent=2,
        )
        partial = self.plan_path.with_suffix(".json.tmp")
        partial.write_text(text + "\n", encoding="utf-8")
        os.replace(partial, self.plan_path)

    def read_plan(self) -> tuple[Plan, RunConfig]:
        """Read the plan and the run configuration.

        Raises:
            DataError: The directory holds no run.
        """
        if not self.exists:
            raise DataError(
                f"{self.path} holds no run: {self.plan_path.name} is missing. Fix: pass the "
                "directory a run was written to (it has plan.json and events.jsonl)."
            )
        raw = json.loads(self.plan_path.read_text(encoding="utf-8"))
        return Plan.model_validate(raw["plan"]), RunConfig.model_validate(raw["config"])

    # -- events, trials, leaderboard -----------------------------------------------------------

    def events(self) -> list[Event]:
        """Every event of the run, in order."""
        return read_events(self.events_path)

    def storage(self, config: RunConfig) -> str:
        """The study's storage for ``config``: its own, or ``RUN/study.db``."""
        return config.storage if config.storage is not None else str(self.study_path)

    def trials(self) -> list[Any]:
        """The study's trials (Optuna ``FrozenTrial``), by number; empty before the first."""
        import optuna

        from tunesmith.tools import open_storage

        _, config = self.read_plan() if self.exists else (None, RunConfig())
        if config.storage is None and not self.study_path.exists():
            return []
        try:
            storage = open_storage(self.storage(config))
            assert storage is not None  # a path or URL is never None
            study = optuna.load_study(study_name=config.study_name, storage=storage)
        except KeyError:
            return []
        return list(study.get_trials(deepcopy=False))

    def leaderboard(self) -> pd.DataFrame:
        """Finished trials, best first: complete ones by loss, then failed and pruned ones.

        Columns: rank (complete trials only), trial, learner, the plan's metric in natural
        units, state, loss (the minimised value), duration_s, params (JSON), error.
        """
        plan, _ = self.read_plan()
        return leaderboard_frame(self.trials(), plan.metric)

    def write_leaderboard(self, metric: str) -> pd.DataFrame:
        """Write ``leaderboard.csv`` from the study and return it."""
        frame = leaderboard_frame(self.trials(), metric)
        frame.to_csv(self.leaderboard_path, index=False)
        return frame

    def load_model(self) -> Any:
        """Load the refitted best pipeline.

        Raises:
            DataError: No model was saved (the run has not finished, or no trial completed).
        """
        import joblib

        if not self.model_path.exists():
            raise DataError(
                f"{self.model_path} does not exist: the run has no refitted model yet. It is "
                "written when a run finishes with at least one complete trial. Fix: finish or "
                "resume the run, and check events.jsonl for failed trials."
            )
        return joblib.load(self.model_path)


def leaderboard_frame(trials: list[Any], metric: str) -> pd.DataFrame:
    """Build the leaderboard of ``trials`` (Optuna ``FrozenTrial``) for ``metric``."""
    import pandas as pd
    from optuna.trial import TrialState

    from tunesmith.learners import greater_is_better

    sign = -1.0 if greater_is_better(metric) else 1.0
    finished = [t for t in trials if t.state != TrialState.RUNNING]
    complete = sorted(
        (t for t in finished if t.state == TrialState.COMPLETE), key=lambda t: t.value
    )
    rest = [t for t in finished if t.state != TrialState.COMPLETE]
    rows = []
    for rank, trial in enumerate([*complete, *rest], start=1):
        done = trial.state == TrialState.COMPLETE
        rows.append(
            {
                "rank": rank if done else None,
                "trial": trial.number,
                "learner": trial.params.get("learner"),
                metric: sign * trial.value if done else None,
                "state": trial.state.name.lower(),
                "loss": trial.value if done else None,
                "duration_s": trial.user_attrs.get("tunesmith:duration_s"),
                "params": json.dumps(trial.params, sort_keys=True, default=str),
                "error": trial.user_attrs.get("tunesmith:error"),
            }
        )
    columns = ["rank", "trial", "learner", metric, *LEADERBOARD_COLUMNS[3:]]
    frame = pd.DataFrame(rows, columns=columns)
    frame["rank"] = frame["rank"].astype("Int64")
    return frame
