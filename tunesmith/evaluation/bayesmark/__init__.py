"""Bayesmark, offline: its scikit-learn problems and a side-by-side optimiser benchmark.

A problem is ``(model, data set, metric)``, named like ``RF-breast-acc``: Bayesmark's nine models
(DT, MLP-adam, MLP-sgd, RF, SVM, ada, kNN, lasso, linear) on breast, digits, iris and wine
(``acc``, ``nll``) and diabetes (``mse``, ``mae``): 90 problems. The objective is Bayesmark's:
minus the mean 5-fold ``cross_val_score`` on an 80/20 split made with ``random_state=0``; the
"generalisation" loss scores the refitted model on the 20% holdout. Spaces and fixed
arguments follow ``bayesmark/sklearn_funcs.py`` (research/llambo-and-bayesmark.md, section 5).

Ports to scikit-learn 1.9, and other differences from Bayesmark 0.0.8:

* boston left scikit-learn (1.2), so its 18 problems are gone (108 -> 90).
* Bayesmark samples some parameters in a ``logit`` warp; SearchSpace has no logit warp, so
  those (DT/RF fractions, MLP ``validation_fraction``, ``beta_1``, ``beta_2``, ``power_t``,
  ``momentum``) are linear floats over the same range, as in ``tunesmith.learners``.
* Lasso/Ridge lost ``normalize`` (1.2): dropped from the lasso and linear regression spaces.
* ``LogisticRegression(penalty=..., multi_class='ovr')``: ``penalty`` is deprecated (1.8) and
  written as ``l1_ratio`` 1 (lasso) or 0 (linear); ``multi_class`` is gone and liblinear no
  longer does multiclass, so the classifier is wrapped in ``OneVsRestClassifier`` (the same
  one-vs-rest scheme, probabilities normalised as before).
* AdaBoost lost ``algorithm='SAMME.R'`` (1.6): the classifier uses SAMME, so ``ada`` losses
  differ from 2020-era Bayesmark.
* Every estimator with randomness gets ``random_state=0`` (Bayesmark left it unset), so an
  evaluation is deterministic for a given configuration. MLPs keep scikit-learn's
  ``max_iter=200`` (Bayesmark's; LLAMBO used 40 for MLP-sgd).
* Data as scikit-learn ships it (Bayesmark standardises only CSV data sets): diabetes' target is
  in original units (LLAMBO standardised it; normalised regret does not change).

Example:
    >>> from tunesmith.evaluation.bayesmark import get_problem, run_benchmark
    >>> problem = get_problem("RF-breast-acc")
    >>> problem.evaluate(problem.default_config)  # minus mean CV accuracy
    >>> run_benchmark("llambo25", ["random", "tpe", "gp"], seeds=[0, 1, 2], out="runs/hpo")
"""

from __future__ import annotations

from tunesmith.evaluation.bayesmark._bench import BenchmarkRun, resolve_problems, run_benchmark
from tunesmith.evaluation.bayesmark._data import DATASETS, Split, load_split
from tunesmith.evaluation.bayesmark._methods import (
    Method,
    configure_llm,
    get_method,
    list_methods,
    method,
    register_method,
)
from tunesmith.evaluation.bayesmark._models import MODELS, BayesmarkModel
from tunesmith.evaluation.bayesmark._problem import (
    LLAMBO_MODELS,
    SCORERS,
    BayesmarkProblem,
    get_problem,
    list_problems,
)
from tunesmith.evaluation.bayesmark._report import markdown_table, sampler_table, write_report
from tunesmith.evaluation.bayesmark._run import Evaluation, initial_points, run_cell
from tunesmith.evaluation.bayesmark._score import (
    average_ranks,
    bayesmark_optimum,
    bayesmark_score,
    best_so_far,
    bootstrap_mean,
    normalized_regret,
)
from tunesmith.evaluation.bayesmark._summary import (
    BenchmarkSummary,
    Interval,
    MethodSummary,
    summarize_run,
)

__all__ = [
    "DATASETS",
    "LLAMBO_MODELS",
    "MODELS",
    "SCORERS",
    "BayesmarkModel",
    "BayesmarkProblem",
    "BenchmarkRun",
    "BenchmarkSummary",
    "Evaluation",
    "Interval",
    "Method",
    "MethodSummary",
    "Split",
    "average_ranks",
    "bayesmark_optimum",
    "bayesmark_score",
    "best_so_far",
    "bootstrap_mean",
    "configure_llm",
    "get_method",
    "get_problem",
    "initial_points",
    "list_methods",
    "list_problems",
    "load_split",
    "markdown_table",
    "method",
    "normalized_regret",
    "register_method",
    "resolve_problems",
    "run_benchmark",
    "run_cell",
    "sampler_table",
    "summarize_run",
    "write_report",
]
