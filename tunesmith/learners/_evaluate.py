"""The training workload: cross-validate (or hold out) one learner configuration on a table.

:func:`evaluate` works in-process on data in memory (for the tools layer); :class:`TrainingJob`
is the same work as a picklable record an executor runs in a worker: the table is written once
with :func:`write_table` and each worker process reads it once (:func:`load_table` caches it).

Direction: :class:`Evaluation` carries the metric's natural ``value`` (e.g. ROC AUC, higher is
better; RMSE, lower is better) and ``loss``, which is always minimised (``-value`` for
greater-is-better metrics). A ``TrainingJob``'s TrialResult has ``value = loss``, so a
``direction="minimize"`` study fits every metric; the natural value is in ``metrics[metric]``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tunesmith.core._trial import TrialResult, TrialSpec
from tunesmith.core.errors import ConfigurationError, DataError, TrialPruned
from tunesmith.learners._catalogue import Learner, TaskType, get_learner
from tunesmith.learners._metrics import MetricName, check_metric, greater_is_better, score
from tunesmith.learners._tables import load_table

if TYPE_CHECKING:
    import pandas as pd

Report = Callable[[int, float], bool]


class Evaluation(BaseModel):
    """The outcome of :func:`evaluate`.

    Attributes:
        metric: The metric's name.
        greater_is_better: Whether a larger ``value`` is better.
        value: Mean of the metric over folds (or the holdout score), natural units.
        std: Standard deviation over folds (0 for a holdout).
        loss: The value to minimise: ``-value`` if greater is better, else ``value``.
        fold_values: The metric on each fold, in fold order.
        fit_time_s: Seconds spent in ``fit`` (all folds, and the refit if any).
        peak_memory_mb: Peak resident memory of this process during the evaluation, in MiB.
        model_path: Where the model refitted on all data was saved, or None.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    greater_is_better: bool
    value: float
    std: float
    loss: float
    fold_values: tuple[float, ...]
    fit_time_s: float
    peak_memory_mb: float | None
    model_path: str | None = None


def resolve_learner(
    learner: str | Learner | None, params: Mapping[str, Any], fidelity: float | None = None
) -> tuple[Learner, dict[str, Any]]:
    """Return the learner and its own parameters.

    Args:
        learner: A learner (or its name); None when ``params`` is a CASH configuration with a
            ``"learner"`` choice, e.g. ``{"learner": "svm", "svm.C": 1.0}``.
        params: The configuration.
        fidelity: A budget for the learner's fidelity knob (e.g. epochs), or None.
    """
    from tunesmith.core import SearchSpace

    if learner is None:
        if "learner" not in params:
            raise ConfigurationError(
                f"No learner given and the configuration has no 'learner' choice; got keys "
                f"{sorted(params)}. Fix: pass learner='random_forest', or a CASH config."
            )
        chosen = get_learner(str(params["learner"]))
        space = SearchSpace.conditional("learner", {chosen.name: chosen.space})
        _, own = space.split(params)
    else:
        chosen = get_learner(learner) if isinstance(learner, str) else learner
        own = dict(params)
    if fidelity is not None and chosen.fidelity is not None:
        own[chosen.fidelity.name] = max(1, round(fidelity))
    return chosen, own


def _splits(
    task_type: TaskType, y: np.ndarray, cv_folds: int, holdout: float | None, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    classify = task_type != "regression"
    index = np.arange(len(y))
    if holdout is not None:
        train, valid = train_test_split(
            index, test_size=holdout, random_state=seed, stratify=y if classify else None
        )
        return [(train, valid)]
    if classify:
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < cv_folds:
            raise DataError(
                f"Stratified {cv_folds}-fold CV needs every class at least {cv_folds} times; "
                f"the rarest class has {counts.min()}. Fix: fewer folds, or a holdout."
            )
        return list(StratifiedKFold(cv_folds, shuffle=True, random_state=seed).split(index, y))
    return list(KFold(cv_folds, shuffle=True, random_state=seed).split(index))


def _reset_peak_memory() -> None:
    # Linux resets the peak resident size (VmHWM) on writing 5; elsewhere the peak is lifelong.
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_memory_mb() -> float | None:
    """Peak resident memory of this process in MiB (since the last reset, on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except (ImportError, OSError):  # pragma: no cover - non-POSIX
        return None


def evaluate(
    learner: str | Learner | None,
    params: Mapping[str, Any],
    X: pd.DataFrame,
    y: Any,
    *,
    task_type: TaskType,
    metric: MetricName,
    cv_folds: int = 5,
    holdout_fraction: float | None = None,
    seed: int = 0,
    model_seed: int | None = None,
    fidelity: float | None = None,
    n_jobs: int = 1,
    use_gpu: bool = False,
    report: Report | None = None,
    model_path: str | Path | None = None,
) -> Evaluation:
    """Fit a learner's pipeline on each fold and score it.

    Args:
        learner: Learner or name; None for a CASH config (see :func:`resolve_learner`).
        params: The configuration.
        X: Features. y: Target.
        task_type: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        metric: roc_auc, accuracy, f1, log_loss (classification); rmse, mae, r2 (regression).
        cv_folds: Folds of shuffled k-fold CV (stratified for classification).
        holdout_fraction: If set, one stratified holdout split of this size instead of CV.
        seed: Seed of the splits (keep it fixed across trials so they are comparable).
        model_seed: Seed of the learner (``random_state``); defaults to ``seed``.
        fidelity: Budget for the learner's fidelity knob, or None for its configured value.
        n_jobs: Threads the learner may use.
        use_gpu: Train on a CUDA GPU if the learner can.
        report: ``report(fold, running_mean_loss) -> should_stop`` after each fold; when it
            returns True, :class:`~tunesmith.core.TrialPruned` is raised.
        model_path: If given, refit on all data and save the pipeline there with joblib.

    Raises:
        ConfigurationError: Unknown learner, parameter or metric. DataError: Too few rows.
        TrialPruned: ``report`` asked to stop.
    """
    from sklearn.pipeline import Pipeline

    from tunesmith.learners._preprocess import build_pipeline

    check_metric(metric, task_type)
    chosen, own = resolve_learner(learner, params, fidelity)
    y_arr = np.asarray(y)
    seed_model = seed if model_seed is None else model_seed
    _reset_peak_memory()
    fold_values: list[float] = []
    fit_time = 0.0
    for fold, (train, valid) in enumerate(
        _splits(task_type, y_arr, cv_folds, holdout_fraction, seed)
    ):
        X_train = X.iloc[train]
        pipe: Pipeline = build_pipeline(
            chosen, own, task_type, X_train, seed=seed_model, n_jobs=n_jobs, use_gpu=use_gpu
        )
        start = time.perf_counter()
        pipe.fit(X_train, y_arr[train])
        fit_time += time.perf_counter() - start
        fold_values.append(score(metric, task_type, pipe, X.iloc[valid], y_arr[valid]))
        running = float(np.mean(fold_values))
        if report is not None and report(fold, -running if greater_is_better(metric) else running):
            raise TrialPruned(f"Stopped after fold {fold} by the pruner.")
    saved = None
    if model_path is not None:
        import joblib

        pipe = build_pipeline(
            chosen, own, task_type, X, seed=seed_model, n_jobs=n_jobs, use_gpu=use_gpu
        )
        start = time.perf_counter()
        pipe.fit(X, y_arr)
        fit_time += time.perf_counter() - start
        Path(model_path).parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(pipe, model_path)
        saved = str(model_path)
    value = float(np.mean(fold_values))
    better = greater_is_better(metric)
    return Evaluation(
        metric=metric,
        greater_is_better=better,
        value=value,
        std=float(np.std(fold_values)),
        loss=-value if better else value,
        fold_values=tuple(fold_values),
        fit_time_s=fit_time,
        peak_memory_mb=peak_memory_mb(),
        model_path=saved,
    )


class TrainingJob(BaseModel):
    """A picklable training workload: ``job(spec, report) -> TrialResult`` (see module doc).

    Attributes:
        data_path: Table written by :func:`write_table` (features and target).
        target: Target column.
        task_type: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        metric: See :func:`evaluate`.
        learner: Learner name; None when trial params are CASH configs with a ``learner`` key.
        cv_folds: Folds of CV (ignored when ``holdout_fraction`` is set).
        holdout_fraction: Use one holdout split of this size instead of CV.
        seed: Seed of the splits; a trial's ``TrialSpec.seed`` seeds the learner.
        time_limit_s: Wall-clock limit per trial; None: the executor's default.
        memory_limit_mb: Memory cap per trial; None: the executor's default.
        threads: Threads per trial; None: the executor's default.
        use_gpu: Ask the executor for a GPU slot and train on it (GPU-capable learners).
        model_dir: If set, refit each trial on all data and save ``trial-NNNNN.joblib`` here.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_path: Path
    target: str
    task_type: TaskType
    metric: MetricName
    learner: str | None = None
    cv_folds: int = Field(default=5, ge=2)
    holdout_fraction: float | None = Field(default=None, gt=0.0, lt=1.0)
    seed: int = 0
    time_limit_s: float | None = Field(default=None, gt=0.0)
    memory_limit_mb: int | None = Field(default=None, gt=0)
    threads: int | None = Field(default=None, ge=1)
    use_gpu: bool = False
    model_dir: Path | None = None

    @model_validator(mode="after")
    def _check(self) -> TrainingJob:
        check_metric(self.metric, self.task_type)
        if self.learner is not None:
            get_learner(self.learner)
        return self

    def __call__(self, spec: TrialSpec, report: Report | None = None) -> TrialResult:
        """Evaluate ``spec.params`` in this process; a pruned trial comes back as pruned."""
        table = load_table(self.data_path)
        if self.target not in table.columns:
            raise DataError(
                f"Column '{self.target}' is not in {self.data_path}. "
                f"Columns: {', '.join(map(str, table.columns))}."
            )
        reported: list[tuple[int, float]] = []

        def relay(step: int, value: float) -> bool:
            reported.append((step, value))
            return bool(report(step, value)) if report is not None else False

        path = None
        if self.model_dir is not None:
            path = self.model_dir / f"trial-{spec.number:05d}.joblib"
        threads = self.threads or int(os.environ.get("TUNESMITH_THREADS", "1"))
        start = time.perf_counter()
        try:
            ev = evaluate(
                self.learner,
                spec.params,
                table.drop(columns=[self.target]),
                table[self.target],
                task_type=self.task_type,
                metric=self.metric,
                cv_folds=self.cv_folds,
                holdout_fraction=self.holdout_fraction,
                seed=self.seed,
                model_seed=spec.seed,
                fidelity=spec.fidelity,
                n_jobs=threads,
                use_gpu=self.use_gpu,
                report=relay,
                model_path=path,
            )
        except TrialPruned:
            return TrialResult(
                number=spec.number,
                params=spec.params,
                state="pruned",
                value=reported[-1][1] if reported else None,
                intermediate=tuple(reported),
                duration_s=time.perf_counter() - start,
            )
        return TrialResult(
            number=spec.number,
            params=spec.params,
            value=ev.loss,
            duration_s=time.perf_counter() - start,
            intermediate=tuple(reported),
            metrics={"loss": ev.loss, self.metric: ev.value, f"{self.metric}_std": ev.std},
            fit_time_s=ev.fit_time_s,
            peak_memory_mb=ev.peak_memory_mb,
            model_path=ev.model_path,
        )


def keep_best_models(results: Iterable[TrialResult], k: int) -> list[Path]:
    """Keep the model files of the ``k`` best complete results (lowest ``value``); delete the rest.

    Args:
        results: Results with ``model_path`` set (others are ignored); ``value`` is minimised,
            as in a TrainingJob's results.
        k: How many model files to keep (0 deletes all).

    Returns:
        The paths deleted.
    """
    complete = [r for r in results if r.model_path]
    ranked = sorted(
        (r for r in complete if r.state == "complete" and r.value is not None),
        key=lambda r: float(r.value),  # type: ignore[arg-type]
    )
    kept = {str(r.model_path) for r in ranked[: max(k, 0)]}
    deleted = []
    for r in complete:
        path = Path(str(r.model_path))
        if str(r.model_path) not in kept and path.exists():
            path.unlink()
            deleted.append(path)
    return deleted
