"""The run loop: plan -> search (ask, execute, tell) -> stop -> refit the best -> submission.

Read it top to bottom in :meth:`RunLoop.run`. The study lives in ``RUN/study.db``; opening a run
directory again continues it: finished trials are kept, and trials a killed process left
running are marked failed (``Interrupted: ...``) and their configurations asked again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TYPE_CHECKING, Any

from tunesmith.agent._apply import apply_intent, too_late
from tunesmith.agent._budget import (
    Progress,
    search_deadline,
    stop_reason,
    trial_limit,
    trials_left,
)
from tunesmith.agent._config import RunConfig, RunSummary, StopReason
from tunesmith.agent._draft import PlanDraft, check_draft
from tunesmith.agent._events import EventLog, Listener
from tunesmith.agent._finish import finish_run
from tunesmith.agent._intents import CHANGES_RUN
from tunesmith.agent._pick import default_params, next_learner
from tunesmith.agent._plan import Plan, as_plan
from tunesmith.agent._resume import open_study
from tunesmith.agent._store import RunStore
from tunesmith.agent._submission import check_test
from tunesmith.core import (
    ConfigurationError,
    TrialResult,
    TrialSpec,
    TunesmithError,
)

if TYPE_CHECKING:
    import pandas as pd

    from tunesmith.learners import TrainingJob
    from tunesmith.llm import LLMCall
    from tunesmith.tools import Optimizer

logger = logging.getLogger(__name__)

__all__ = ["RunConfig", "RunLoop", "RunSummary", "StopReason"]


class RunLoop:
    """Run a plan in a run directory; open an existing directory to resume it.

    Args:
        out_dir: The run directory. If it holds a run, that run is resumed and ``plan`` and
            ``data`` may be left out.
        plan: The plan (a new run).
        config: The run configuration; for a resumed run, replaces the stored one (e.g. to
            extend the budget).
        data: The training table (a new run).
        test: Rows to predict at the end (a new run).
        sample_submission: The submission format: first column the id, then the prediction
            column(s), in the order to write.
        listeners: Called with every event as it is emitted (in the loop's thread).
        started: When the time budget started (``time.monotonic()``), e.g. before planning,
            so that planning counts against it; None: when the search starts.
        executor: Runs the trials (e.g. a ``RayExecutor``); it is used, not shut down. None:
            a ``LocalExecutor`` with ``config.n_workers`` workers for the search.
        llm: The chat model the ``hybrid``/``llm`` optimisers may use (see ``_sampling``).
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        plan: PlanDraft | None = None,
        config: RunConfig | None = None,
        *,
        data: pd.DataFrame | None = None,
        test: pd.DataFrame | None = None,
        sample_submission: pd.DataFrame | None = None,
        listeners: Sequence[Listener] = (),
        started: float | None = None,
        executor: Any = None,
        llm: Any = None,
        planning_calls: Sequence[LLMCall] = (),
    ) -> None:
        self.store = RunStore(out_dir)
        self.planning_calls = list(planning_calls)
        self.started = started
        self.executor = executor
        self.llm = llm
        self.plan = plan
        self.config = config
        self.data = data
        self.test = test
        self.sample_submission = sample_submission
        self.listeners = list(listeners)
        self._stop = threading.Event()
        self._intents: queue.Queue[tuple[Any, Future[str]]] = queue.Queue()
        self._closed = threading.Event()

    def stop(self) -> None:
        """Ask the run to stop (thread-safe): no new trials; running ones finish first."""
        self._stop.set()

    def send(self, intent: Any) -> Future[str]:
        """Hand a follow-up intent to the running search (thread-safe).

        The search applies it between trials and emits an ``intent`` event; the future's
        result is what it did (or its exception, a :class:`TunesmithError`, if it could not).
        """
        future: Future[str] = Future()
        if self._closed.is_set():
            future.set_exception(too_late())
        else:
            self._intents.put((intent, future))
        return future

    def run(self) -> RunSummary:
        """Search, refit the best configuration, predict the test rows; see the module doc.

        Raises:
            DataError, PlanError: The data or the plan do not fit (nothing is written then).
        """
        started = time.monotonic()
        resumed = self.store.exists
        plan, config = self._prepare()
        log = EventLog(self.store.events_path, self.listeners)
        log.emit(
            "plan_ready",
            plan=plan.model_dump(mode="json"),
            config=config.model_dump(mode="json"),
            resumed=resumed,
            out_dir=str(self.store.path),
            llm_calls=[c.model_dump(mode="json") for c in self.planning_calls],
        )
        try:
            optimizer, progress = open_study(self.store, plan, config, log, self.llm, self.data)
            log.emit("phase", phase="search")
            reason = self._search(plan, config, optimizer, progress, log)
            self._close_intents()
            # the LLM sampler's requests and tokens in this session, if it used one
            usage = optimizer.llm_usage() or {}
            log.emit("stopped", reason=reason, n_trials=progress.n_counted, **usage)
            self.store.write_leaderboard(plan.metric)
            return finish_run(self.store, plan, config, optimizer, reason, log, started)
        except BaseException as exc:
            self._close_intents()
            log.emit("stopped", reason="error", error=f"{type(exc).__name__}: {exc}")
            raise

    def _close_intents(self) -> None:
        """No more follow-ups: fail those still queued (the search has ended)."""
        self._closed.set()
        while True:
            try:
                _, future = self._intents.get_nowait()
            except queue.Empty:
                return
            if not future.done():
                future.set_exception(too_late())

    # -- set-up --------------------------------------------------------------------------------

    def _prepare(self) -> tuple[Plan, RunConfig]:
        """Validate everything first, then write the plan and tables (a new run)."""
        if self.store.exists:
            plan, stored = self.store.read_plan()
            if self.plan is not None and not _same_task(self.plan, plan):
                raise ConfigurationError(
                    f"{self.store.path} holds a run of another plan (target {plan.target!r}, "
                    f"metric {plan.metric!r}). Fix: resume it without a plan, or use a new "
                    "out_dir for the new plan."
                )
            config = self.config or stored
            # A resumed run may be given a changed plan of the same task (other learners).
            plan = as_plan(self.plan if self.plan is not None else plan, config)
            self.store.write_plan(plan, config)
            return plan, config
        if self.plan is None or self.data is None:
            raise ConfigurationError(
                f"{self.store.path} holds no run to resume, and no plan and data were given. "
                "Fix: pass plan= and data= to start a run there."
            )
        config = self.config or (
            self.plan.run_config() if isinstance(self.plan, Plan) else RunConfig()
        )
        plan, data = as_plan(self.plan, config), self.data
        check_draft(plan, data)
        data = data[data[plan.target].notna()].drop(columns=plan.ignored_columns)
        if self.test is not None:
            check_test(self.test, data, plan, self.sample_submission)
        from tunesmith.learners import write_table

        write_table(data, self.store.train_path)
        if self.test is not None:
            write_table(self.test, self.store.test_path)
        if self.sample_submission is not None:
            write_table(self.sample_submission, self.store.sample_path)
        self.store.write_plan(plan, config)
        return plan, config

    # -- search --------------------------------------------------------------------------------

    def _search(
        self,
        plan: Plan,
        config: RunConfig,
        optimizer: Optimizer,
        progress: Progress,
        log: EventLog,
    ) -> StopReason:
        from tunesmith.executors import LocalExecutor

        job = self._job(plan, config)
        deadline = search_deadline(config, self.started)
        in_flight: dict[Future[TrialResult], TrialSpec] = {}
        reason: StopReason | None = None
        own = self.executor is None
        executor = self.executor or LocalExecutor(
            n_workers=config.n_workers, memory_limit_mb=config.memory_limit_mb
        )
        with executor if own else contextlib.nullcontext(executor) as ex:
            while True:
                plan, config, deadline = self._apply_intents(plan, config, deadline, log)
                optimizer.set_deadline(deadline)  # an LLM step must not outlast the search
                reason = reason or stop_reason(
                    config, progress, deadline, stopped=self._stop.is_set()
                )
                while reason is None and len(in_flight) < config.n_workers:
                    if trials_left(config, progress) <= len(in_flight):
                        break
                    spec = self._ask(plan, config, optimizer, list(in_flight.values()))
                    # Until one trial completed, trials may run one more budget (at least a
                    # minute) past the deadline: a run that stops on time should have a model.
                    budget = config.time_budget_s or 0.0
                    extra = max(budget, 60.0) if progress.best_number is None else 0.0
                    limit = trial_limit(config, None if deadline is None else deadline + extra)
                    in_flight[ex.submit(spec, job.model_copy(update={"time_limit_s": limit}))] = (
                        spec
                    )
                    log.emit(
                        "trial_started",
                        number=spec.number,
                        params=spec.params,
                        sampler=optimizer.sampler_info(spec.number),
                    )
                if not in_flight:
                    self._apply_intents(plan, config, deadline, log, closing=True)
                    return reason or "max_trials"
                done, _ = wait(list(in_flight), timeout=0.2, return_when=FIRST_COMPLETED)
                for future in done:
                    in_flight.pop(future)
                    self._record(future.result(), plan, optimizer, progress, log)

    def _ask(
        self, plan: PlanDraft, config: RunConfig, optimizer: Optimizer, running: list[TrialSpec]
    ) -> TrialSpec:
        """Fix the next trial's learner (see ``_pick``), then let the optimiser propose."""
        from optuna.trial import TrialState

        waiting = optimizer.study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
        if not waiting:  # trials re-asked after a kill go first, as they are
            number = len(optimizer.study.get_trials(deepcopy=False))
            learner, first = next_learner(
                plan.learners, optimizer.trials, [str(s.params.get("learner")) for s in running],
                seed=config.seed, number=number,
            )  # fmt: skip
            fixed = default_params(optimizer.space, learner) if first else {"learner": learner}
            optimizer.study.enqueue_trial(fixed, skip_if_exists=False)
        spec = optimizer.ask()
        if config.fidelity is not None:
            spec = spec.model_copy(update={"fidelity": float(config.fidelity)})
        return spec

    # -- follow-up intents ---------------------------------------------------------------------

    def _apply_intents(
        self,
        plan: Plan,
        config: RunConfig,
        deadline: float | None,
        log: EventLog,
        *,
        closing: bool = False,
    ) -> tuple[Plan, RunConfig, float | None]:
        """Apply the follow-ups sent since the last call; each becomes an ``intent`` event."""
        while True:
            try:
                intent, future = self._intents.get_nowait()
            except queue.Empty:
                return plan, config, deadline
            try:
                if closing and intent.kind in CHANGES_RUN:
                    raise too_late()
                plan, config, deadline, note = self._apply(intent, plan, config, deadline)
            except TunesmithError as exc:
                log.emit("intent", intent=intent.model_dump(), applied=False, message=str(exc))
                future.set_exception(exc)
                continue
            if intent.kind in CHANGES_RUN:
                self.store.write_plan(plan, config)
            log.emit("intent", intent=intent.model_dump(), applied=True, message=note)
            future.set_result(note)

    def _apply(
        self, intent: Any, plan: Plan, config: RunConfig, deadline: float | None
    ) -> tuple[Plan, RunConfig, float | None, str]:
        if intent.kind == "stop":
            self._stop.set()
            return plan, config, deadline, "Stopping: running trials finish, then the refit."
        return apply_intent(intent, plan, config, deadline, self.store)

    def _job(self, plan: PlanDraft, config: RunConfig) -> TrainingJob:
        from tunesmith.learners import TrainingJob

        return TrainingJob(
            data_path=self.store.train_path,
            target=plan.target,
            task_type=plan.task_type,
            metric=plan.metric,
            cv_folds=config.cv_folds,
            holdout_fraction=config.holdout_fraction,
            seed=config.seed,
            time_limit_s=config.trial_timeout_s,
        )

    def _record(
        self,
        result: TrialResult,
        plan: PlanDraft,
        optimizer: Optimizer,
        progress: Progress,
        log: EventLog,
    ) -> None:
        optimizer.tell(result)
        improved = progress.add(result)
        learner = result.params.get("learner")
        if result.state != "complete":
            log.emit(
                "trial_failed",
                number=result.number,
                learner=learner,
                state=result.state,
                failure=result.failure,
                error=result.error,
                duration_s=result.duration_s,
            )
            return
        score = result.metrics.get(plan.metric)
        log.emit(
            "trial_finished",
            number=result.number,
            learner=learner,
            value=score,
            loss=result.value,
            std=result.metrics.get(f"{plan.metric}_std"),
            duration_s=result.duration_s,
        )
        if improved:
            log.emit(
                "new_best",
                number=result.number,
                learner=learner,
                value=score,
                loss=result.value,
                params=result.params,
            )


def _same_task(a: PlanDraft, b: PlanDraft) -> bool:
    return all(getattr(a, k) == getattr(b, k) for k in ("target", "task_type", "metric"))
