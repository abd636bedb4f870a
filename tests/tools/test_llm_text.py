from __future__ import annotations

import pytest

from tunesmith.core import BoolParam, CategoricalParam, FloatParam, IntParam, SearchSpace
from tunesmith.tools._llm_text import (
    Observation,
    ScoreCodes,
    describe_param,
    format_config,
    format_value,
    select_history,
)


@pytest.mark.parametrize(
    ("param", "value", "text"),
    [
        (FloatParam(name="f", low=0.0, high=0.5), 0.3, ".3"),  # LLAMBO printed "0"
        (FloatParam(name="f", low=0.01, high=0.99), 0.2731, ".27"),  # 2% of the range
        (FloatParam(name="f", low=0.0, high=0.05), 0.01234, ".012"),
        (FloatParam(name="f", low=1.0, high=1000.0), 417.36, "417"),
        (FloatParam(name="f", low=-1.0, high=1.0), -0.4567, "-.46"),
        (FloatParam(name="f", low=-1.0, high=1.0), -0.001234, "0"),  # below the resolution
        (FloatParam(name="f", low=1e-5, high=1e-1, log=True), 1.9e-5, "1.9e-5"),
        (FloatParam(name="f", low=1e-5, high=1e-1, log=True), 0.0123, "1.2e-2"),
        (IntParam(name="i", low=1, high=15), 9, "9"),
        (CategoricalParam(name="c", choices=("gini", "entropy")), "gini", "gini"),
        (BoolParam(name="b"), True, "true"),
    ],
)
def test_values_keep_the_digits_their_parameter_needs(
    param: object, value: object, text: str
) -> None:
    assert format_value(param, value) == text


def test_configs_and_ranges_print_without_branch_prefixes() -> None:
    space = SearchSpace(
        params=(
            IntParam(name="rf.max_depth", low=1, high=15),
            FloatParam(name="rf.min_impurity_decrease", low=0.0, high=0.5),
            FloatParam(name="svm.C", low=1.0, high=1e3, log=True, description="inverse penalty"),
        )
    )
    assert (
        format_config(space, {"rf.max_depth": 9, "rf.min_impurity_decrease": 0.48})
        == "max_depth=9, min_impurity_decrease=.48"
    )
    assert describe_param(space.params[1]) == "min_impurity_decrease: float in [0, .5]"
    assert describe_param(space.params[2]) == (
        "C: float in [1.0e0, 1.0e3], log scale (inverse penalty)"
    )


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_codes_put_worst_at_10_and_best_at_90(direction: str) -> None:
    values = [0.2, 0.5, 0.8]
    codes = ScoreCodes(values, direction)  # type: ignore[arg-type]
    best, worst = (0.2, 0.8) if direction == "minimize" else (0.8, 0.2)
    assert codes.code(best) == 90
    assert codes.code(worst) == 10
    assert codes.code(0.5) == 50
    assert codes.value(90) == pytest.approx(best)
    assert codes.text(best + (best - worst)) == "99"  # clipped, written with two digits
    assert codes.text(worst - 10 * (best - worst)) == "00"


def test_equal_scores_code_as_the_middle() -> None:
    assert ScoreCodes([0.7, 0.7], "maximize").code(0.7) == 50


def test_history_cap_keeps_the_best_and_the_most_recent_in_trial_order() -> None:
    history = [Observation(n, {"x": n}, float(v)) for n, v in enumerate([5, 1, 7, 2, 9, 8, 6, 4])]
    kept = select_history(history, "minimize", cap=5, n_best=2)
    assert [o.number for o in kept] == [1, 3, 5, 6, 7]  # best: 1 (1.0), 3 (2.0); recent: 5-7
    assert select_history(history, "minimize", cap=20) == history


def test_rows_round_trip_and_bad_rows_are_refused() -> None:
    from tunesmith.tools._llm_text import format_row, parse_row

    space = SearchSpace(
        params=(
            IntParam(name="depth", low=1, high=9),
            FloatParam(name="lr", low=1e-4, high=1.0, log=True),
            CategoricalParam(name="criterion", choices=("gini", "entropy")),
            BoolParam(name="bootstrap"),
        )
    )
    config = {"depth": 4, "lr": 0.0123, "criterion": "entropy", "bootstrap": False}
    row = format_row(space, config)
    assert row == "4,1.2e-2,entropy,false"
    assert parse_row(space, row) == {**config, "lr": 0.012, "depth": 4.0}
    assert parse_row(space, "4, 1.2e-2 ,entropy, false") == parse_row(space, row)
    assert parse_row(space, "4, 0.01, entropy") is None  # a value is missing
    assert parse_row(space, "4, fast, entropy, false") is None
    assert parse_row(space, "4, 0.01, log_loss, false") is None
    assert parse_row(space, "4, nan, gini, true") is None
