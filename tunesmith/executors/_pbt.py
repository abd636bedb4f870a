"""Population Based Training of a checkpointing learner (the torch MLP) with Ray Tune.

Each member of the population trains a model epoch by epoch and reports its validation score;
every ``perturbation_interval`` epochs Ray Tune's ``PopulationBasedTraining`` scheduler lets the
worst quarter copy the weights and hyper-parameters of the best quarter (exploit) and then
perturbs them (explore: x0.8 / x1.2, or a fresh draw). The learned *schedule* (the
hyper-parameter values over the epochs of the best member, through every exploit in its
lineage) comes from PBT's policy log.

Example:
    >>> summary = run_pbt(X, y, "multiclass", "accuracy", population=4, epochs=12, seed=0)
    >>> summary.best_value, [(s.epoch, s.params["learning_rate"]) for s in summary.schedule]
"""

from __future__ import annotations

import json
import pickle
import random
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from tunesmith.core import SearchSpace
from tunesmith.core.errors import ConfigurationError
from tunesmith.executors._ray_cluster import connect, import_ray
from tunesmith.learners import (
    Learner,
    TaskType,
    build_preprocessor,
    check_metric,
    get_learner,
    greater_is_better,
    score,
)

# Hyper-parameters that may change during training, per learner; the others (architecture)
# stay as each member was initialised.
MUTABLE: dict[str, tuple[str, ...]] = {
    "torch_mlp": ("learning_rate", "weight_decay", "dropout", "batch_size"),
}
_STATE_FILE = "state.pkl"


class PBTStep(BaseModel):
    """The hyper-parameters in force from ``epoch`` on (until the next step)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    epoch: int
    params: dict[str, Any]


class PBTSummary(BaseModel):
    """The outcome of :func:`run_pbt`.

    Attributes:
        learner: The learner trained.
        metric: The validation metric; ``greater_is_better`` says its direction.
        best_value: The best member's validation score at its last epoch.
        best_params: Its final hyper-parameters.
        schedule: Its discovered schedule: the hyper-parameters from epoch 0 on, and each change
            that an exploit/explore step made in its lineage, in epoch order.
        n_exploits: How many exploit steps the whole population made.
        member_values: Each member's final validation score (NaN for a failed member), in
            member order.
        epochs: Epochs each member trained.
        duration_s: Wall time of the run.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    learner: str
    metric: str
    greater_is_better: bool
    best_value: float
    best_params: dict[str, Any]
    schedule: tuple[PBTStep, ...]
    n_exploits: int
    member_values: tuple[float, ...]
    epochs: int
    duration_s: float


def _train_member(
    config: dict[str, Any],
    *,
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    learner_name: str,
    task_type: TaskType,
    metric: str,
    epochs: int,
    interval: int,
) -> None:
    """Ray Tune function trainable: train one member, reporting every epoch.

    The checkpoint holds the model and its schedule so far: ``[(epoch, mutable params), ...]``.
    After an exploit, Tune restarts this function with the clone's checkpoint and the explored
    config, so the schedule follows the weights through every exploit of the lineage.
    """
    from ray import tune

    X_train, y_train, X_val, y_val = data
    names = MUTABLE[learner_name]
    params = {k: v for k, v in config.items() if k != "seed"}
    checkpoint = tune.get_checkpoint()
    if checkpoint is None:
        model = get_learner(learner_name).build(params, task_type, seed=config["seed"])
        schedule: list[tuple[int, dict[str, Any]]] = []
    else:
        with checkpoint.as_directory() as folder:
            model, schedule = pickle.loads((Path(folder) / _STATE_FILE).read_bytes())
        model.set_params(**{k: params[k] for k in names})
    current = {k: params[k] for k in names}
    at = getattr(model, "epochs_trained_", 0)
    if schedule and schedule[-1][0] == at:
        schedule[-1] = (at, current)  # the values before were in force for no epoch
    elif not schedule or schedule[-1][1] != current:
        schedule.append((at, current))
    while getattr(model, "epochs_trained_", 0) < epochs:
        model.continue_fit(X_train, y_train, epochs=1)
        done = model.epochs_trained_
        metrics = {
            "value": score(metric, task_type, model, X_val, y_val),
            "epoch": done,
            "schedule": json.dumps(schedule),
        }
        if done % interval == 0 or done >= epochs:
            with tempfile.TemporaryDirectory() as folder:
                (Path(folder) / _STATE_FILE).write_bytes(pickle.dumps((model, schedule)))
                tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(folder))
        else:
            tune.report(metrics)


def _split(
    X: Any, y: Any, task_type: TaskType, learner: Learner, fraction: float, seed: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hold out ``fraction`` of the rows (stratified for classification); preprocess once."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    target = np.asarray(y)
    stratify = None if task_type == "regression" else target
    X_tr, X_va, y_tr, y_va = train_test_split(
        frame, target, test_size=fraction, random_state=seed, stratify=stratify
    )
    pre = build_preprocessor(learner, X_tr).fit(X_tr, y_tr)
    as_float = np.float32
    return (
        np.asarray(pre.transform(X_tr), dtype=as_float),
        y_tr,
        np.asarray(pre.transform(X_va), dtype=as_float),
        y_va,
    )


def _mutations(
    space: SearchSpace, names: Sequence[str], rng: np.random.Generator
) -> dict[str, Any]:
    """Resampling functions for PBT's explore step, drawing from our seeded generator."""

    def draw(name: str) -> Callable[[], Any]:
        sub = SearchSpace(params=(space[name],))
        return lambda: sub.from_unit(rng.random(1))[name]

    return {name: draw(name) for name in names}


def run_pbt(
    X: Any,
    y: Any,
    task_type: TaskType,
    metric: str,
    *,
    learner: str = "torch_mlp",
    population: int = 4,
    epochs: int = 20,
    perturbation_interval: int = 4,
    params: Mapping[str, Any] | None = None,
    validation_fraction: float = 0.25,
    quantile_fraction: float = 0.25,
    resample_probability: float = 0.25,
    synch: bool = True,
    seed: int | None = None,
    address: str | None = None,
    cpus_per_trial: float = 1.0,
    time_budget_s: float | None = None,
    storage_path: str | None = None,
) -> PBTSummary:
    """Run Population Based Training of ``learner`` on (X, y) and return the best schedule.

    Args:
        X: Features (DataFrame or array); preprocessed once as the learner's pipeline would.
        y: Target.
        task_type: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        metric: Validation metric (e.g. ``"accuracy"``, ``"roc_auc"``, ``"rmse"``).
        learner: A learner with ``continue_fit`` (only ``"torch_mlp"`` today).
        population: Number of members trained side by side.
        epochs: Epochs each member trains (its fidelity budget).
        perturbation_interval: Epochs between exploit/explore steps.
        params: Fixed hyper-parameters for every member (the rest are sampled from the
            learner's space); mutable ones given here are still perturbed later.
        validation_fraction: Share of rows held out to score members.
        quantile_fraction: Share of the population that exploits / is exploited.
        resample_probability: Chance that explore redraws a value instead of scaling it.
        synch: Synchronous PBT: every member waits at each perturbation point until all have
            reached it, so exploit decisions compare members at the same epoch and do not
            depend on which process the machine happened to run first. Asynchronous PBT
            (``False``) keeps every CPU busy but decides on whoever has reported so far.
        seed: Seeds the initial population, the split, the models and PBT's explore step.
            With ``synch=False`` scheduling still makes runs differ in which exploits happen.
        address: Ray address (None: a local instance; ``"auto"`` or ``"HOST:PORT"``: a cluster).
        cpus_per_trial: CPUs Ray reserves for each member.
        time_budget_s: Stop the whole run after this many seconds (None: no limit).
        storage_path: Where Ray Tune keeps checkpoints and logs (None: a temporary directory,
            removed afterwards). Several Ray nodes need a path they all share.

    Returns:
        A frozen :class:`PBTSummary`.

    Raises:
        ConfigurationError: Unknown or non-checkpointing learner, bad metric or settings.
        MissingExtraError: Ray Tune is not installed.
    """
    spec = get_learner(learner)
    if learner not in MUTABLE:
        raise ConfigurationError(
            f"PBT needs a learner that continues training from a checkpoint; got '{learner}'. "
            f"Expected one of: {', '.join(MUTABLE)}."
        )
    check_metric(metric, task_type)
    if population < 2 or epochs < 1 or not 1 <= perturbation_interval <= epochs:
        raise ConfigurationError(
            f"PBT needs population >= 2 and 1 <= perturbation_interval <= epochs; got "
            f"population={population}, epochs={epochs}, "
            f"perturbation_interval={perturbation_interval}. Fix: e.g. population=4, epochs=20, "
            "perturbation_interval=4."
        )
    import_ray("Population Based Training")
    started = connect(address, feature="Population Based Training")
    try:
        with tempfile.TemporaryDirectory(prefix="tunesmith-pbt-") as scratch:
            return _fit(
                X, y, task_type, metric, spec, population, epochs, perturbation_interval,
                dict(params or {}), validation_fraction, quantile_fraction,
                resample_probability, synch, seed, cpus_per_trial, time_budget_s,
                storage_path or scratch,
            )  # fmt: skip
    finally:
        if started:
            import_ray("Population Based Training").shutdown()


def _fit(
    X: Any,
    y: Any,
    task_type: TaskType,
    metric: str,
    spec: Learner,
    population: int,
    epochs: int,
    interval: int,
    fixed: dict[str, Any],
    validation_fraction: float,
    quantile_fraction: float,
    resample_probability: float,
    synch: bool,
    seed: int | None,
    cpus_per_trial: float,
    time_budget_s: float | None,
    storage: str,
) -> PBTSummary:
    from ray import tune
    from ray.tune.schedulers import PopulationBasedTraining
    from ray.tune.search import BasicVariantGenerator

    rng = np.random.default_rng(seed)
    names = MUTABLE[spec.name]
    mode = "max" if greater_is_better(metric) else "min"
    members = [
        {**spec.space.clip({**c, **fixed}), "seed": int(rng.integers(2**31))}
        for c in spec.space.sample(population, seed=int(rng.integers(2**31)))
    ]
    scheduler = PopulationBasedTraining(
        time_attr="epoch",
        perturbation_interval=interval,
        hyperparam_mutations=_mutations(spec.space, names, rng),
        quantile_fraction=quantile_fraction,
        resample_probability=resample_probability,
        synch=synch,
        custom_explore_fn=lambda c: {**c, **spec.space.clip(c)},
    )
    data = _split(X, y, task_type, spec, validation_fraction, int(rng.integers(2**31)))
    trainable = tune.with_parameters(
        _train_member, data=data, learner_name=spec.name, task_type=task_type, metric=metric,
        epochs=epochs, interval=interval,
    )  # fmt: skip
    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": cpus_per_trial}),
        # Placeholders: every member's values come from points_to_evaluate.
        param_space=dict.fromkeys(members[0]),
        tune_config=tune.TuneConfig(
            metric="value", mode=mode, scheduler=scheduler, num_samples=population,
            search_alg=BasicVariantGenerator(points_to_evaluate=members),
            time_budget_s=time_budget_s, reuse_actors=True,
        ),
        run_config=tune.RunConfig(
            name="pbt", storage_path=storage, verbose=0,
            checkpoint_config=tune.CheckpointConfig(num_to_keep=4),
            failure_config=tune.FailureConfig(max_failures=1),
        ),
    )  # fmt: skip
    start = time.perf_counter()
    # Ray's explore step draws from Python's global `random`: seed it for this run only.
    saved = random.getstate()
    random.seed(seed)
    try:
        grid = tuner.fit()
    finally:
        random.setstate(saved)
    return _summarize(grid, spec, metric, mode, names, epochs, time.perf_counter() - start)


def _summarize(
    grid: Any,
    spec: Learner,
    metric: str,
    mode: str,
    names: Sequence[str],
    epochs: int,
    duration: float,
) -> PBTSummary:
    finished = [r for r in grid if r.error is None and r.metrics and "value" in r.metrics]
    if not finished:
        errors = "; ".join(str(r.error) for r in grid if r.error is not None)[:2000]
        raise RuntimeError(f"Every PBT member failed. Errors: {errors or 'none reported'}")
    done = {id(r) for r in finished}
    best = grid.get_best_result(metric="value", mode=mode, scope="last")
    experiment = Path(grid.experiment_path)
    global_log = experiment / "pbt_global.txt"
    n_exploits = len(global_log.read_text().splitlines()) if global_log.is_file() else 0
    params = {k: v for k, v in best.config.items() if k != "seed"}
    return PBTSummary(
        learner=spec.name,
        metric=metric,
        greater_is_better=mode == "max",
        best_value=float(best.metrics["value"]),
        best_params=params,
        schedule=tuple(
            PBTStep(epoch=epoch, params=values)
            for epoch, values in json.loads(best.metrics["schedule"])
        ),
        n_exploits=n_exploits,
        member_values=tuple(
            float(r.metrics["value"]) if id(r) in done else float("nan") for r in grid
        ),
        epochs=epochs,
        duration_s=duration,
    )
