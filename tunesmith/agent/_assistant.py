"""The Python API: ``Assistant().run(request, data=...) -> Run`` and ``Assistant().stream(...)``.

Example:
    >>> from tunesmith.agent import Assistant
    >>> run = Assistant().run("predict Survived, optimise ROC AUC", data="train.csv",
    ...                       test="test.csv", time_budget=120)
    >>> run.leaderboard.head()
    >>> run.predict(new_rows)
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tunesmith.agent._config import RunConfig, RunSummary, settings_error
from tunesmith.agent._events import Event
from tunesmith.agent._live import LiveRun
from tunesmith.agent._loop import RunLoop
from tunesmith.agent._plan import Plan, check_request, make_plan
from tunesmith.agent._store import RunStore
from tunesmith.core.errors import ConfigurationError
from tunesmith.tools import read_table

if TYPE_CHECKING:
    import pandas as pd
    from langchain_core.language_models import BaseChatModel

    from tunesmith.llm import LLMCall


class Run:
    """A run directory, read back: plan, events, leaderboard, best model, predictions.

    Args:
        out_dir: The run directory.
        summary: How the session that produced it ended, if known.
    """

    def __init__(self, out_dir: str | os.PathLike[str], summary: RunSummary | None = None):
        self.store = RunStore(out_dir)
        self.summary = summary
        self._model: Any = None

    @classmethod
    def open(cls, out_dir: str | os.PathLike[str]) -> Run:
        """Open a run directory written earlier (by this or another process).

        The summary is the last finished session's, read from the event log.

        Raises:
            DataError: The directory holds no run.
        """
        run = cls(out_dir)
        run.store.read_plan()
        finished = [e for e in run.events if e.kind == "finished"]
        if finished:  # the last session that ran to the end
            run.summary = RunSummary.model_validate(finished[-1].payload)
        return run

    @property
    def out_dir(self) -> Path:
        """The run directory."""
        return self.store.path

    @property
    def plan(self) -> Plan:
        """The plan the run followed."""
        return self.store.read_plan()[0]

    @property
    def config(self) -> RunConfig:
        """The run configuration."""
        return self.store.read_plan()[1]

    @property
    def events(self) -> list[Event]:
        """Every event of the run so far, in order."""
        return self.store.events()

    @property
    def leaderboard(self) -> pd.DataFrame:
        """Finished trials, best first (see :meth:`RunStore.leaderboard`)."""
        return self.store.leaderboard()

    @property
    def best_model(self) -> Any:
        """The best configuration's pipeline, refitted on all training rows."""
        if self._model is None:
            self._model = self.store.load_model()
        return self._model

    @property
    def submission_path(self) -> Path | None:
        """The submission written for the test rows, or None."""
        path = self.store.submission_path
        return path if path.exists() else None

    @property
    def report_path(self) -> Path | None:
        """The HTML report (``report.html``), or None before the run has finished."""
        path = self.store.path / "report.html"
        return path if path.exists() else None

    def predict(self, X: pd.DataFrame) -> Any:
        """Predict rows with the same feature columns as the training data."""
        return self.best_model.predict(X)

    def __repr__(self) -> str:
        return f"Run({str(self.out_dir)!r})"


class Assistant:
    """Turn a plain-language request and a table into a tuned model and a submission.

    Args:
        llm: The planner's chat model: a langchain-core ``BaseChatModel``, a spec string for
            :func:`tunesmith.llm.load` (``"embedded"``, ``"gguf:PATH"``, ``"openai:URL#MODEL"``)
            or None (``TUNESMITH_LLM``, else the embedded model). Loaded on first use.
        n_workers: Trials evaluated at once (with the default local executor).
        storage_dir: Where runs without an explicit ``out`` go (default ``./tunesmith-runs``).
        executor: Runs the trials: None for a ``LocalExecutor`` per run (isolated worker
            processes), or an executor you made, e.g. ``RayExecutor(address="auto")``; it is
            used by each run and not shut down.
        storage: Where each run's Optuna study lives: None for ``RUN/study.db``, else a
            SQLAlchemy URL (``postgresql://...``, ``sqlite:///all-runs.db``) or a journal file
            path; each run gets its own study name there.
    """

    def __init__(
        self,
        llm: BaseChatModel | str | None = None,
        *,
        n_workers: int = 1,
        storage_dir: str | os.PathLike[str] | None = None,
        executor: Any = None,
        storage: str | None = None,
    ) -> None:
        self.llm = llm
        self.n_workers = n_workers
        self.storage_dir = storage_dir
        self.executor = executor
        self.storage = storage
        self.model_: BaseChatModel | None = None
        self._planning: tuple[Plan, list[LLMCall]] | None = None

    @property
    def model(self) -> BaseChatModel:
        """The chat model, loaded on first use."""
        if self.model_ is None:
            from langchain_core.language_models import BaseChatModel

            if isinstance(self.llm, BaseChatModel):
                self.model_ = self.llm
            else:
                from tunesmith.llm import load

                self.model_ = load(self.llm)
        return self.model_

    def plan(
        self,
        request: str,
        data: Any,
        *,
        time_budget: float | None = None,
        max_trials: int | None = None,
        **settings: Any,
    ) -> Plan:
        """Plan ``request`` on ``data`` (a path or a DataFrame), without running it.

        Args:
            request: What to do, in plain language.
            data: Training rows: a CSV/TSV/Parquet path or a DataFrame.
            time_budget: Seconds of search (None: what the request says, else 120).
            max_trials: Trials at most (None: what the request says, else no limit).
            **settings: ``optimizer``, ``plateau_trials``, ``cv_folds``, ``holdout_fraction``.

        Raises:
            ClarificationNeeded: The request names no target and none is evident; its
                ``question`` and ``candidates`` say what to ask the user.
            DataError, PlanError: The data is unusable, or the plan does not fit it.
        """
        frame = read_table(data, "training data")
        budget = {"time_budget_s": time_budget, "max_trials": max_trials, **settings}
        check_request(request, frame, **budget)  # before the LLM is loaded
        calls: list[LLMCall] = []
        made = make_plan(self.model, request, frame, calls=calls, **budget)
        self._planning = (made, calls)  # a run of this plan records what planning it cost
        return made

    def run(
        self,
        request: str,
        data: Any,
        *,
        plan: Plan | None = None,
        test: Any = None,
        sample_submission: Any = None,
        out: str | os.PathLike[str] | None = None,
        time_budget: float | None = None,
        max_trials: int | None = None,
        seed: int = 0,
        **options: Any,
    ) -> Run:
        """Plan, search, refit and predict; return the finished run.

        Args:
            request: What to do, in plain language.
            data: Training rows: a CSV/TSV/Parquet path or a DataFrame.
            plan: A plan made earlier with :meth:`plan` (perhaps edited); None: plan now.
            test: Rows to predict (path or DataFrame); the submission is written if given.
            sample_submission: The submission's format (path or DataFrame).
            out: The run directory; a new one under ``storage_dir`` if omitted.
            time_budget: Seconds for the whole job, planning included (None: the plan's; the
                request's, else 120). Trials still running at the end get a grace period
                (10% of the budget, at least 5 s), then the best is refitted.
            max_trials: Trials to run at most (None: the plan's).
            seed: Seed of the whole run.
            **options: Further settings: ``optimizer``, ``plateau_trials``, ``cv_folds``,
                ``holdout_fraction`` (plan settings) and ``fidelity``, ``trial_timeout_s``,
                ``memory_limit_mb`` (run settings).

        Raises:
            ClarificationNeeded: The request names no target and none is evident.
            DataError: A table is missing, unreadable, empty, or does not fit the plan.
            PlanError: The LLM's plan does not fit the data.
            ConfigurationError: A budget or option is invalid, or ``out`` holds a run already.
        """
        loop = self._loop(
            request, data, plan=plan, test=test, sample_submission=sample_submission, out=out,
            time_budget=time_budget, max_trials=max_trials, seed=seed, **options,
        )  # fmt: skip
        return Run(loop.store.path, loop.run())

    def start(self, request: str, data: Any, **kwargs: Any) -> LiveRun:
        """Like :meth:`run`, but in a background thread: returns a :class:`LiveRun` at once.

        Use it to watch events (``.events()``), send follow-ups (``.send("try xgboost too")``),
        stop (``.stop()``) and wait for the result (``.wait()``). A planning error (e.g. a
        clarifying question) is raised by ``.events()`` or ``.wait()``.
        """
        return LiveRun(lambda: self._loop(request, data, **kwargs), lambda: self.model)

    def stream(self, request: str, data: Any, **kwargs: Any) -> Iterator[Event]:
        """Like :meth:`run`, but yield the events as they happen.

        The run goes on in a background thread. Closing the generator early (``break``) asks
        the run to stop and waits for it; an error in the run is raised here.
        """
        live = self.start(request, data, **kwargs)
        try:
            yield from live.events()
        finally:
            if not live.done:
                live.stop()
                live.join()

    def resume(self, out: str | os.PathLike[str], **options: Any) -> Run:
        """Continue a run that stopped or was killed; ``options`` replace RunConfig fields."""
        store = RunStore(out)
        _, stored = store.read_plan()
        config = _config(stored.model_dump() | options)
        loop = RunLoop(out, config=config, executor=self.executor, llm=self._sampler_llm(config))
        return Run(out, loop.run())

    def _loop(
        self,
        request: str,
        data: Any,
        *,
        plan: Plan | None = None,
        test: Any = None,
        sample_submission: Any = None,
        out: str | os.PathLike[str] | None = None,
        time_budget: float | None = None,
        max_trials: int | None = None,
        seed: int = 0,
        started: float | None = None,
        **options: Any,
    ) -> RunLoop:
        started = time.monotonic() if started is None else started  # planning counts
        out_dir = Path(out) if out is not None else self._new_run_dir()
        if RunStore(out_dir).exists:
            raise ConfigurationError(
                f"{out_dir} already holds a run. Fix: Assistant().resume({str(out_dir)!r}) to "
                "continue it, or pass another out directory."
            )
        frame = read_table(data, "training data")
        test_frame = None if test is None else read_table(test, "test data")
        sample = None if sample_submission is None else read_table(sample_submission, "sample")
        settings = {k: options.pop(k) for k in list(options) if k in _PLAN_SETTINGS}
        calls: list[LLMCall] = []
        if plan is None:
            budget = {"time_budget_s": time_budget, "max_trials": max_trials, **settings}
            check_request(request, frame, **budget)  # before the LLM is loaded
            plan = make_plan(self.model, request, frame, calls=calls, **budget)
        else:
            made = self._planning
            calls = list(made[1]) if made is not None and made[0] is plan else []
            plan = _edit(plan, time_budget_s=time_budget, max_trials=max_trials, **settings)
        run_fields = {"n_workers": self.n_workers, "seed": seed, **options}
        if self.storage is not None:
            study = f"tunesmith-{out_dir.name}-{uuid.uuid4().hex[:8]}"
            run_fields = {"storage": self.storage, "study_name": study} | run_fields
        config = _config(plan.run_config().model_dump() | run_fields)
        return RunLoop(
            out_dir, plan, config, data=frame, test=test_frame, sample_submission=sample,
            started=started, executor=self.executor, llm=self._sampler_llm(config),
            planning_calls=calls,
        )  # fmt: skip

    def _sampler_llm(self, config: RunConfig) -> BaseChatModel | None:
        """The chat model for an LLM optimiser (loaded only when the run uses one)."""
        return self.model if config.optimizer in ("hybrid", "llm") else None

    def _new_run_dir(self) -> Path:
        root = Path(self.storage_dir) if self.storage_dir is not None else Path("tunesmith-runs")
        return root / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"


_PLAN_SETTINGS = ("optimizer", "plateau_trials", "cv_folds", "holdout_fraction")


def _edit(plan: Plan, **changes: Any) -> Plan:
    """``plan`` with the given (non-None) settings changed, validated."""
    from tunesmith.agent._plan import Validation

    given = {k: v for k, v in changes.items() if v is not None}
    fields = plan.model_dump()
    validation = dict(fields["validation"])
    if "cv_folds" in given:
        validation.update(scheme="cv", folds=given.pop("cv_folds"))
    if "holdout_fraction" in given:
        validation.update(scheme="holdout", holdout_fraction=given.pop("holdout_fraction"))
    try:
        fields["validation"] = Validation.model_validate(validation)
        return Plan.model_validate(fields | given)
    except ValidationError as exc:
        raise settings_error(exc, "plan settings") from None


def _config(fields: dict[str, Any]) -> RunConfig:
    try:
        return RunConfig.model_validate(fields)
    except ValidationError as exc:
        fix = (
            "e.g. time_budget=60 (seconds, > 0), max_trials=50 (>= 1), cv_folds between 2 and 20."
        )
        raise settings_error(exc, "run settings", fix) from None
