"""An ask/tell optimiser over frozen records, backed by an Optuna study and its storage."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tunesmith.core import OptimizerError, SearchSpace, TrialResult, TrialSpec
from tunesmith.tools._samplers import OPTIMIZERS, build_pruner, build_sampler, resolve_options

if TYPE_CHECKING:
    import optuna
    from optuna.storages import BaseStorage
    from optuna.trial import FrozenTrial

Direction = Literal["minimize", "maximize"]
_SPACE_ATTR = "tunesmith:space"
_JOURNAL_SUFFIXES = (".log", ".journal", ".jsonl")


def open_storage(storage: str | os.PathLike[str] | BaseStorage | None) -> str | BaseStorage | None:
    """Turn a storage argument into what ``optuna.create_study`` takes.

    Args:
        storage: None (in memory); an Optuna storage object; any SQLAlchemy URL
            (``sqlite:///run.db``, ``postgresql://...``); or a file path: ``*.log``,
            ``*.journal`` or ``*.jsonl`` give a JournalStorage (safe for several local
            processes), anything else an SQLite file.

    Returns:
        A URL string, a storage object, or None.
    """
    if storage is None or not isinstance(storage, str | os.PathLike):
        return storage
    text = os.fspath(storage)
    if "://" in text:
        return text
    path = Path(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix in _JOURNAL_SUFFIXES:
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        return JournalStorage(JournalFileBackend(str(path)))
    return f"sqlite:///{path}"


def derive_seed(seed: int | None, *salt: int) -> int | None:
    """A 32-bit seed derived from ``seed`` and ``salt`` (None stays None)."""
    if seed is None:
        return None
    return int(np.random.SeedSequence([seed, *salt]).generate_state(1)[0])


class Optimizer:
    """Ask/tell over frozen records; the study lives in Optuna storage.

    Build it with :func:`make_optimizer`. ``ask()`` returns a :class:`TrialSpec`; evaluate it
    anywhere, optionally ``report()`` intermediate values (multi-fidelity optimisers answer
    whether to prune), then ``tell()`` a :class:`TrialResult`.
    """

    def __init__(
        self,
        name: str,
        space: SearchSpace,
        *,
        seed: int | None = None,
        directions: Sequence[Direction] = ("minimize",),
        storage: str | os.PathLike[str] | BaseStorage | None = None,
        study_name: str | None = None,
        **options: Any,
    ) -> None:
        self.name = name
        self.space = space
        self.seed = seed
        self.directions = tuple(directions)
        self.options = resolve_options(name, options)
        self._check_args()
        self.study = self._open_study(storage, study_name)
        self._running: dict[int, optuna.Trial] = {}
        mf = OPTIMIZERS[name].multi_fidelity
        self._fidelity = float(self.options["max_resource"]) if mf else None

    def _check_args(self) -> None:
        if self.seed is not None and self.seed < 0:
            raise OptimizerError(f"seed must be a non-negative integer or None, got {self.seed}.")
        bad = [d for d in self.directions if d not in ("minimize", "maximize")]
        if not self.directions or bad:
            raise OptimizerError(
                f"Expected directions among 'minimize'/'maximize', got {list(self.directions)}."
            )
        if len(self.directions) > 1 and not OPTIMIZERS[self.name].multi_objective:
            multi = [n for n, i in OPTIMIZERS.items() if i.multi_objective]
            raise OptimizerError(
                f"Optimiser '{self.name}' is single-objective, but {len(self.directions)} "
                f"directions were given. Fix: use one of {multi}."
            )

    def _open_study(
        self, storage: str | os.PathLike[str] | BaseStorage | None, study_name: str | None
    ) -> optuna.Study:
        import optuna

        resolved = open_storage(storage)
        if resolved is not None and study_name is None:
            study_name = "tunesmith"
        study = optuna.create_study(
            storage=resolved,
            study_name=study_name,
            directions=list(self.directions),
            sampler=optuna.samplers.RandomSampler(seed=0),  # replaced below
            load_if_exists=True,
        )
        got = tuple(d.name.lower() for d in study.directions)
        if got != self.directions:
            raise OptimizerError(
                f"Study '{study.study_name}' in storage has directions {list(got)}, but "
                f"{list(self.directions)} were asked for. Fix: use a new study_name."
            )
        self._check_space(study)
        n_existing = len(study.get_trials(deepcopy=False))
        stateless = OPTIMIZERS[self.name].stateless
        # A resumed RNG-based sampler must not replay the draws of the first session.
        seed = self.seed if stateless or n_existing == 0 else derive_seed(self.seed, n_existing)
        study.sampler = build_sampler(self.name, self.space, seed, self.options)
        pruner = build_pruner(self.name, self.options)
        study.pruner = pruner if pruner is not None else optuna.pruners.NopPruner()
        return study

    def _check_space(self, study: optuna.Study) -> None:
        stored = study.user_attrs.get(_SPACE_ATTR)
        if stored is None:
            study.set_user_attr(_SPACE_ATTR, self.space.model_dump(mode="json"))
        elif SearchSpace.model_validate(stored) != self.space:
            raise OptimizerError(
                f"Study '{study.study_name}' in storage was created with a different search "
                "space. Fix: pass the same space to resume it, or use a new study_name."
            )

    # -- ask / report / tell -----------------------------------------------------------------

    def ask(self) -> TrialSpec:
        """Start a trial and return what to evaluate."""
        trial = self.study.ask()
        params = self.space.suggest(trial)
        self._running[trial.number] = trial
        return TrialSpec(
            number=trial.number,
            params=params,
            fidelity=self._fidelity,
            seed=derive_seed(self.seed, trial.number),
        )

    def set_deadline(self, at: float | None) -> None:
        """Tell the sampler when the search stops asking for trials (``time.monotonic()``
        seconds; None: no limit). An LLM sampler then starts no LLM step that would not end
        by it, and stops one at it; other samplers ignore it."""
        setter = getattr(self.study.sampler, "set_deadline", None)
        if callable(setter):
            setter(at)

    def sampler_info(self, number: int) -> dict[str, Any] | None:
        """What an LLM sampler recorded for running trial ``number`` (its source and counts)."""
        trial = self._running.get(number)
        if trial is None:
            return None
        attrs = self.study._storage.get_trial_system_attrs(trial._trial_id)
        info = attrs.get("tunesmith:sampler")
        return dict(info) if isinstance(info, dict) else None

    def llm_usage(self) -> dict[str, Any] | None:
        """An LLM sampler's totals so far (``llm_calls``, ``prompt_tokens``,
        ``completion_tokens``, ``cached_tokens``, ``llm_seconds``, ``llm_failures``); None for
        samplers that use no LLM."""
        stats = getattr(self.study.sampler, "stats", None)
        if stats is None or not hasattr(stats, "counts"):
            return None
        counts = dict(stats.counts())
        counts["llm_calls"] = counts.pop("llm_requests")
        return counts

    def enqueue(self, config: Mapping[str, Any]) -> None:
        """Queue a configuration (validated) to be returned by a later ``ask()``."""
        self.space.validate(config)
        self.study.enqueue_trial(dict(config))

    def report(self, number: int, step: int, value: float) -> bool:
        """Record an intermediate value of a running trial; return whether to prune it."""
        if len(self.directions) > 1:
            raise OptimizerError("report() needs a single-objective study; Optuna cannot prune")
        trial = self._trial(number)
        trial.report(float(value), int(step))
        return bool(trial.should_prune())

    def tell(self, result: TrialResult) -> None:
        """Finish a running trial with its result (complete, failed or pruned)."""
        from optuna.trial import TrialState

        trial = self._trial(result.number)
        values = result.objectives if result.state == "complete" else None
        if values is not None and len(values) != len(self.directions):
            raise OptimizerError(
                f"Trial {result.number} has {len(values)} value(s) but the study has "
                f"{len(self.directions)} direction(s) {list(self.directions)}."
            )
        if result.error is not None:
            trial.set_user_attr("tunesmith:error", result.error)
        if result.duration_s:
            trial.set_user_attr("tunesmith:duration_s", result.duration_s)
        if result.intermediate and len(self.directions) == 1:
            done = self.study._storage.get_trial(trial._trial_id).intermediate_values
            for step, value in result.intermediate:
                if step not in done:
                    trial.report(value, step)
        state = {
            "complete": TrialState.COMPLETE,
            "failed": TrialState.FAIL,
            "pruned": TrialState.PRUNED,
        }[result.state]
        self.study.tell(trial, values=None if values is None else list(values), state=state)
        self._running.pop(result.number, None)

    def _trial(self, number: int) -> optuna.Trial:
        import optuna
        from optuna.trial import TrialState

        storage = self.study._storage
        if number in self._running:
            trial_id = self._running[number]._trial_id
        else:
            try:
                trial_id = storage.get_trial_id_from_study_id_trial_number(
                    self.study._study_id, number
                )
            except KeyError as exc:
                raise OptimizerError(f"Trial {number} does not exist in this study.") from exc
        # Another process sharing the storage may have finished it.
        state = storage.get_trial(trial_id).state
        if state != TrialState.RUNNING:
            self._running.pop(number, None)
            raise OptimizerError(
                f"Trial {number} is {state.name.lower()}, not running: each asked trial is "
                "told exactly once."
            )
        if number not in self._running:  # asked by another process sharing the storage
            self._running[number] = optuna.Trial(self.study, trial_id)
        return self._running[number]

    # -- results -----------------------------------------------------------------------------

    @property
    def trials(self) -> list[TrialResult]:
        """Every finished trial (complete, failed or pruned), by number."""
        from optuna.trial import TrialState

        states = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
        return [to_result(t) for t in self.study.get_trials(deepcopy=False, states=states)]

    @property
    def best(self) -> TrialResult | None:
        """The best complete trial of a single-objective study, or None before the first."""
        if len(self.directions) > 1:
            raise OptimizerError("This study is multi-objective: use .pareto_front, not .best.")
        try:
            return to_result(self.study.best_trial)
        except ValueError:
            return None

    @property
    def pareto_front(self) -> list[TrialResult]:
        """The non-dominated complete trials (one best trial for a single objective)."""
        return [to_result(t) for t in self.study.best_trials]

    @property
    def exhausted(self) -> bool:
        """True when a grid optimiser has asked every grid point."""
        is_exhausted = getattr(self.study.sampler, "is_exhausted", None)
        return bool(is_exhausted(self.study)) if is_exhausted is not None else False


def to_result(t: FrozenTrial) -> TrialResult:
    """Convert an Optuna trial (finished) into a :class:`TrialResult`."""
    from optuna.trial import TrialState

    state = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned"}.get(t.state, "failed")
    multi = t.values is not None and len(t.values) > 1
    duration = t.user_attrs.get("tunesmith:duration_s")
    if duration is None:
        duration = t.duration.total_seconds() if t.duration is not None else 0.0
    return TrialResult(
        number=t.number,
        params=dict(t.params),
        value=None if multi or t.values is None else t.values[0],
        values=tuple(t.values) if multi and t.values is not None else None,
        state=state,  # type: ignore[arg-type]
        error=t.user_attrs.get("tunesmith:error"),
        duration_s=max(float(duration), 0.0),
        intermediate=tuple(sorted(t.intermediate_values.items())),
    )


def make_optimizer(
    name: str,
    space: SearchSpace,
    *,
    seed: int | None = None,
    direction: Direction = "minimize",
    directions: Sequence[Direction] | None = None,
    storage: str | os.PathLike[str] | BaseStorage | None = None,
    study_name: str | None = None,
    **options: Any,
) -> Optimizer:
    """Create (or resume) an ask/tell optimiser.

    Args:
        name: One of ``tunesmith.tools.OPTIMIZERS`` (random, sobol, grid, tpe, gp, cmaes, de,
            hyperband, asha, bohb, nsga2, motpe).
        space: The search space.
        seed: Seed; the same seed gives the same trials, also in a fresh process.
        direction: ``"minimize"`` or ``"maximize"`` for a single objective.
        directions: Several directions for a multi-objective study (overrides ``direction``).
        storage: None (memory), a path (SQLite file; ``*.log`` / ``*.journal`` for a journal
            file shared by several processes), a SQLAlchemy URL, or an Optuna storage.
        study_name: The study's name in storage (default ``"tunesmith"`` when a storage is
            given); an existing study of that name is resumed.
        **options: Optimiser options, see ``OPTIMIZERS[name].options``.

    Returns:
        The optimiser.
    """
    dirs: Sequence[Direction] = directions if directions is not None else (direction,)
    return Optimizer(
        name, space, seed=seed, directions=dirs, storage=storage, study_name=study_name, **options
    )
