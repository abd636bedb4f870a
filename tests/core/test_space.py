from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from pydantic import ValidationError

from tunesmith.core import (
    BoolParam,
    CategoricalParam,
    Condition,
    FloatParam,
    IntParam,
    SearchSpace,
    SearchSpaceError,
)


def flat_space() -> SearchSpace:
    return SearchSpace(
        params=[
            FloatParam(name="C", low=1e-2, high=1e2, log=True),
            IntParam(name="max_depth", low=1, high=15),
            CategoricalParam(name="kernel", choices=["rbf", "linear"]),
            BoolParam(name="fit_intercept"),
            FloatParam(name="alpha", low=-1.0, high=1.0),
            IntParam(name="n_estimators", low=10, high=1000, log=True),
        ]
    )


def cash_space() -> SearchSpace:
    rf = SearchSpace(
        params=[
            IntParam(name="max_depth", low=1, high=15),
            FloatParam(name="max_features", low=0.1, high=1.0),
        ]
    )
    svm = SearchSpace(
        params=[
            FloatParam(name="C", low=1e-3, high=1e3, log=True),
            CategoricalParam(name="kernel", choices=["rbf", "poly"]),
            IntParam(name="degree", low=2, high=5),
        ],
        conditions={"degree": Condition(parent="kernel", value="poly")},
    )
    return SearchSpace.conditional(
        "learner", {"random_forest": rf, "svm": svm, "naive_bayes": SearchSpace()}
    )


# -- construction ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: FloatParam(name="C", low=1.0, high=1.0), r"'C'.*low < high.*low=1.0, high=1.0"),
        (lambda: IntParam(name="k", low=5, high=2), r"'k'.*low < high.*low=5, high=2"),
        (lambda: FloatParam(name="lr", low=0.0, high=1.0, log=True), r"'lr'.*log.*low > 0"),
        (
            lambda: IntParam(name="n", low=0, high=9, log=True),
            r"'n'.*log scale needs low > 0, got low=0",
        ),
        (lambda: CategoricalParam(name="k", choices=[]), r"'k' has no choices"),
        (lambda: CategoricalParam(name="k", choices=["a", "a"]), r"'k' lists a choice twice"),
        (lambda: FloatParam(name="x", low=0, high=math.inf), r"'x'.*finite"),
    ],
)
def test_invalid_parameters_are_rejected_with_a_clear_message(make, match) -> None:
    with pytest.raises(ValidationError, match=match):
        make()


def test_space_structure_is_validated() -> None:
    x = FloatParam(name="x", low=0, high=1)
    with pytest.raises(ValidationError, match=r"'x' appears twice"):
        SearchSpace(params=[x, x])
    with pytest.raises(ValidationError, match=r"conditional on 'p', which is not listed before"):
        SearchSpace(params=[x], conditions={"x": Condition(parent="p", value="a")})
    p = CategoricalParam(name="p", choices=["a", "b"])
    with pytest.raises(ValidationError, match=r"p='zzz'.*use one of its choices"):
        SearchSpace(params=[p, x], conditions={"x": Condition(parent="p", value="zzz")})
    with pytest.raises(ValidationError, match=r"only categorical or bool parents"):
        SearchSpace(
            params=[x, FloatParam(name="y", low=0, high=1)],
            conditions={"y": Condition(parent="x", value=0.5)},
        )


def test_conditional_flattens_names_and_split_recovers_the_branch() -> None:
    space = cash_space()
    assert space.names == [
        "learner",
        "random_forest.max_depth",
        "random_forest.max_features",
        "svm.C",
        "svm.kernel",
        "svm.degree",
    ]
    assert space.conditions["svm.degree"] == Condition(parent="svm.kernel", value="poly")
    config = {"learner": "svm", "svm.C": 2.0, "svm.kernel": "poly", "svm.degree": 3}
    assert space.split(config) == ("svm", {"C": 2.0, "kernel": "poly", "degree": 3})
    assert space.split({"learner": "naive_bayes"}) == ("naive_bayes", {})
    with pytest.raises(SearchSpaceError, match="one root parameter"):
        flat_space().split({"C": 1.0})


def test_space_round_trips_through_json() -> None:
    space = cash_space()
    assert SearchSpace.model_validate_json(space.model_dump_json()) == space


# -- validate / clip -------------------------------------------------------------------------


def _valid_flat() -> dict[str, object]:
    return {
        "C": 1.0,
        "max_depth": 3,
        "kernel": "rbf",
        "fit_intercept": True,
        "alpha": 0.0,
        "n_estimators": 100,
    }


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"C": 500.0}, r"'C' = 500.0 is above its upper bound high=100.0.*log scale.*clip"),
        ({"max_depth": 0}, r"'max_depth' = 0 is below its lower bound low=1"),
        ({"max_depth": 2.5}, r"'max_depth' = 2.5 is not an integer"),
        ({"kernel": "poly"}, r"'kernel' = 'poly' is not a valid choice.*\['rbf', 'linear'\]"),
        ({"fit_intercept": 1}, r"'fit_intercept' = 1 is not a valid choice"),
        ({"alpha": math.nan}, r"'alpha' = nan is not a finite number"),
        ({"alpha": "0.5"}, r"'alpha' = '0.5' is not a finite number"),
        ({"max_dept": 3}, r"Unknown parameter 'max_dept'.*Did you mean 'max_depth'"),
    ],
)
def test_validate_names_parameter_bound_and_value(change, match) -> None:
    config = {**_valid_flat(), **change}
    with pytest.raises(SearchSpaceError, match=match):
        flat_space().validate(config)


def test_validate_conditional_activity() -> None:
    space = cash_space()
    space.validate({"learner": "svm", "svm.C": 1.0, "svm.kernel": "rbf"})
    with pytest.raises(SearchSpaceError, match=r"'svm.degree' is missing"):
        space.validate({"learner": "svm", "svm.C": 1.0, "svm.kernel": "poly"})
    with pytest.raises(SearchSpaceError, match=r"'svm.C' is set but inactive.*learner='svm'"):
        space.validate({"learner": "naive_bayes", "svm.C": 1.0})
    assert isinstance(SearchSpaceError("x"), ValueError)


def test_clip_repairs_numbers_and_drops_inactive_keys() -> None:
    space = cash_space()
    got = space.clip(
        {
            "learner": "random_forest",
            "random_forest.max_depth": 99.7,
            "random_forest.max_features": -3,
            "svm.C": 5.0,
        }
    )
    assert got == {
        "learner": "random_forest",
        "random_forest.max_depth": 15,
        "random_forest.max_features": 0.1,
    }
    space.validate(got)
    with pytest.raises(SearchSpaceError, match=r"'learner' = 'knn' is not a valid choice"):
        space.clip({"learner": "knn"})


# -- unit cube, sampling ---------------------------------------------------------------------


def test_unit_cube_round_trip_is_exact_for_discrete_and_close_for_floats() -> None:
    space = flat_space()
    for config in space.sample(200, seed=0):
        u = space.to_unit(config)
        assert np.all((u >= 0) & (u <= 1))
        back = space.from_unit(u)
        for name, value in config.items():
            if isinstance(value, float):
                assert back[name] == pytest.approx(value, rel=1e-12, abs=1e-12)
            else:
                assert back[name] == value
                assert type(back[name]) is type(value)


def test_unit_cube_scales() -> None:
    space = flat_space()
    lo = space.from_unit(np.zeros(len(space)))
    hi = space.from_unit(np.ones(len(space)))
    assert (lo["C"], hi["C"]) == (pytest.approx(1e-2), pytest.approx(1e2))
    assert (lo["max_depth"], hi["max_depth"]) == (1, 15)
    assert (lo["kernel"], hi["kernel"]) == ("rbf", "linear")
    mid = space.from_unit(np.full(len(space), 0.5))
    assert mid["C"] == pytest.approx(1.0)  # log scale: geometric middle
    assert mid["alpha"] == pytest.approx(0.0)
    # Integers get equal-width bins: each of 1..15 takes 1/15 of [0, 1].
    depths = [
        space.from_unit([0.5, u, 0.5, 0.5, 0.5, 0.5])["max_depth"] for u in np.linspace(0, 1, 1501)
    ]
    counts = np.bincount(depths)[1:]
    assert counts.min() >= 99
    assert counts.max() <= 101


def test_conditional_unit_cube_marks_inactive_and_decodes_only_active() -> None:
    space = cash_space()
    config = {
        "learner": "random_forest",
        "random_forest.max_depth": 4,
        "random_forest.max_features": 0.5,
    }
    u = space.to_unit(config)
    assert np.isnan(u[3:]).all()
    assert not np.isnan(u[:3]).any()
    assert space.from_unit(u)["random_forest.max_depth"] == 4
    assert set(space.from_unit(u)) == set(config)


def test_sample_is_seeded_valid_and_covers_branches() -> None:
    space = cash_space()
    a, b = space.sample(300, seed=7), space.sample(300, seed=7)
    assert a == b
    assert a != space.sample(300, seed=8)
    for config in a:
        space.validate(config)
    assert {c["learner"] for c in a} == {"random_forest", "svm", "naive_bayes"}
    assert {c.get("svm.kernel") for c in a} >= {"rbf", "poly"}


# -- Optuna ----------------------------------------------------------------------------------


def test_distributions_and_suggest_follow_the_conditional_structure() -> None:
    space = cash_space()
    dists = space.distributions()
    assert dists["svm.C"] == optuna.distributions.FloatDistribution(1e-3, 1e3, log=True)
    assert set(dists) == set(space.names)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = set()
    for _ in range(40):
        trial = study.ask()
        config = space.suggest(trial)
        space.validate(config)
        assert set(trial.params) == set(config)
        seen.add(config["learner"])
        study.tell(trial, 0.0)
    assert seen == {"random_forest", "svm", "naive_bayes"}


# -- JSON schema -----------------------------------------------------------------------------


def test_json_schema_of_a_flat_space() -> None:
    schema = flat_space().json_schema()
    props = schema["properties"]
    assert props["C"] == {
        "type": "number",
        "minimum": 0.01,
        "maximum": 100.0,
        "description": "(log scale)",
    }
    assert props["max_depth"] == {"type": "integer", "minimum": 1, "maximum": 15}
    assert props["kernel"] == {"enum": ["rbf", "linear"]}
    assert props["fit_intercept"] == {"type": "boolean"}
    assert schema["required"] == flat_space().names
    assert schema["additionalProperties"] is False


def test_json_schema_of_a_conditional_space_accepts_exactly_the_valid_configs() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    space = cash_space()
    schema = space.json_schema()
    assert len(schema["anyOf"]) == 4  # random_forest, svm+rbf, svm+poly, naive_bayes
    for config in space.sample(100, seed=1):
        jsonschema.validate(config, schema)
    bad = [
        {"learner": "svm", "svm.C": 1.0, "svm.kernel": "poly"},  # degree missing
        {"learner": "naive_bayes", "svm.C": 1.0},  # inactive key
        {"learner": "svm", "svm.C": 1e4, "svm.kernel": "rbf"},  # above bound
        {"learner": "knn"},
    ]
    for config in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(config, schema)
