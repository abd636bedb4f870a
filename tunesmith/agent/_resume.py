"""Open a run's study: create it, or continue it after a stop or a killed process.

Finished trials are kept and counted again for the stopping rules; trials a killed process left
running are marked failed (``Interrupted: ...``) and their configurations asked again.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from tunesmith.agent._budget import Progress
from tunesmith.agent._config import RunConfig
from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._events import EventLog
from tunesmith.agent._sampling import sampler_options
from tunesmith.agent._store import INTERRUPTED, RunStore
from tunesmith.core import SearchSpaceError, TrialResult, TrialSpec

if TYPE_CHECKING:
    import pandas as pd

    from tunesmith.tools import Optimizer

logger = logging.getLogger(__name__)


def open_study(
    store: RunStore,
    plan: PlanDraft,
    config: RunConfig,
    log: EventLog,
    llm: Any = None,
    data: pd.DataFrame | None = None,
) -> tuple[Optimizer, Progress]:
    """Open (or create) the study; fail and re-ask trials a killed process left running.

    Args:
        store: The run directory (its ``study.db``).
        plan: The plan searched.
        config: The run configuration (optimiser, seed, study name).
        log: The run's event log; a ``resume`` phase is emitted if trials were interrupted.
        llm: The chat model of the ``hybrid``/``llm`` optimisers (see ``_sampling``).
        data: The training table, for the LLM's data context, if the run directory holds
            none yet (the stored one is used when it does, so a resumed session describes the
            data exactly as the first did and its prompts match the saved ones).

    Returns:
        The optimiser and the counts of the trials finished so far.
    """
    from optuna.trial import TrialState

    from tunesmith.learners import list_learners
    from tunesmith.tools import cash_space, make_optimizer, to_result

    # Every learner that can do the task, so the plan's learners may change mid-run.
    space = cash_space([x.name for x in list_learners(plan.task_type)], plan.task_type)
    optimizer = make_optimizer(
        config.optimizer,
        space,
        seed=config.seed,
        direction="minimize",
        storage=store.storage(config),
        study_name=config.study_name,
        **sampler_options(
            config.optimizer, llm, plan, _training_table(store, data), store.llm_cache_path
        ),
    )
    interrupted = optimizer.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    for trial in interrupted:
        spec = TrialSpec(number=trial.number, params=dict(trial.params))
        message = f"{INTERRUPTED} the process running this trial stopped before it finished."
        optimizer.tell(TrialResult.failed(spec, message, failure="killed"))
        try:
            optimizer.enqueue(trial.params)
        except SearchSpaceError:  # killed half-way through suggesting its parameters
            logger.info("Trial %d had incomplete parameters; not asked again.", trial.number)
    progress = Progress()
    finished = [t for t in optimizer.study.get_trials(deepcopy=False) if t.state.is_finished()]
    for trial in sorted(finished, key=_completed_at):
        progress.add(to_result(trial))
    if interrupted:
        log.emit(
            "phase",
            phase="resume",
            interrupted=[t.number for t in interrupted],
            n_trials=progress.n_counted,
        )
    return optimizer, progress


def _training_table(store: RunStore, data: pd.DataFrame | None) -> pd.DataFrame | None:
    if not store.train_path.exists():
        return data
    from tunesmith.learners import load_table

    return load_table(store.train_path)


def _completed_at(trial: Any) -> tuple[float, int]:
    done = trial.datetime_complete
    return (done.timestamp() if done is not None else math.inf, trial.number)
