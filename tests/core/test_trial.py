from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from tunesmith.core import TrialResult, TrialSpec


def test_records_are_frozen() -> None:
    spec = TrialSpec(number=0, params={"x": 1.0})
    with pytest.raises(ValidationError, match="frozen"):
        spec.number = 1  # type: ignore[misc]


def test_complete_needs_a_value_and_rejects_nan() -> None:
    with pytest.raises(ValidationError, match="complete but has no value"):
        TrialResult(number=0, params={})
    with pytest.raises(ValidationError, match="NaN value"):
        TrialResult(number=0, params={}, value=math.nan)
    TrialResult(number=0, params={}, state="failed", error="boom")


def test_constructors_and_objectives() -> None:
    spec = TrialSpec(number=3, params={"x": 1.0}, fidelity=27.0, seed=5)
    one = TrialResult.complete(spec, 0.5, duration_s=1.0)
    assert (one.value, one.values, one.objectives) == (0.5, None, (0.5,))
    two = TrialResult.complete(spec, [0.5, 2.0])
    assert (two.value, two.values, two.objectives) == (None, (0.5, 2.0), (0.5, 2.0))
    bad = TrialResult.failed(spec, "ValueError: x", duration_s=0.1)
    assert (bad.state, bad.error, bad.objectives, bad.number) == (
        "failed",
        "ValueError: x",
        None,
        3,
    )
    assert TrialResult.model_validate_json(two.model_dump_json()) == two
