"""profile(): kinds, targets, task types and meta-features on real tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pydantic
import pytest
from palmerpenguins import load_penguins
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

from tunesmith.core.errors import DataError
from tunesmith.tools._profile import SAMPLE_ROWS, profile


@pytest.fixture(scope="module")
def penguins() -> pd.DataFrame:
    return load_penguins()


def test_penguins_target_is_inferred_with_counts_and_meta(penguins: pd.DataFrame) -> None:
    prof = profile(penguins)
    assert (prof.n_rows, prof.n_columns) == (344, 8)
    assert prof.target == "species"
    assert prof.target_inferred
    assert prof.task_type == "multiclass"
    assert prof.class_counts == {"Adelie": 152, "Gentoo": 124, "Chinstrap": 68}
    assert prof.meta.llambo() == {
        "num_samples": 344,
        "tot_feats": 7,
        "cat_feats": 2,
        "num_feats": 5,
        "n_classes": 3,
    }
    assert prof.meta.class_imbalance_ratio == pytest.approx(152 / 68)
    assert "named like a label" in prof.target_candidates[0].reasons
    sex = prof.column("sex")
    assert (sex.kind, sex.missing, sex.n_unique) == ("categorical", 11, 2)
    assert prof.column("bill_length_mm").min == pytest.approx(32.1)
    assert not prof.sampled


def test_given_target_decides_task_type(penguins: pd.DataFrame) -> None:
    reg = profile(penguins, "body_mass_g")
    assert (reg.task_type, reg.class_counts, reg.target_inferred) == ("regression", None, False)
    assert reg.meta.num_samples == 342
    assert any("missing in 2 rows" in w for w in reg.warnings)
    binary = profile(penguins, "sex")
    assert binary.task_type == "binary"
    assert binary.class_counts == {"male": 168, "female": 165}


def test_wrong_target_names_the_close_match(penguins: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"'speceis' is not in the data.*Did you mean 'species'"):
        profile(penguins, "speceis")


@pytest.mark.parametrize(
    ("loader", "task_type", "n_classes", "n_feats"),
    [
        (load_breast_cancer, "binary", 2, 30),
        (load_iris, "multiclass", 3, 4),
        (load_diabetes, "regression", None, 10),
    ],
)
def test_sklearn_frames(
    loader: object, task_type: str, n_classes: int | None, n_feats: int
) -> None:
    frame = loader(as_frame=True).frame  # type: ignore[operator]
    prof = profile(frame)
    assert prof.target == "target"
    assert prof.task_type == task_type
    assert prof.meta.n_classes == n_classes
    assert (prof.meta.tot_feats, prof.meta.num_feats, prof.meta.cat_feats) == (n_feats, n_feats, 0)
    assert {"named like a label", "last column"} <= set(prof.target_candidates[0].reasons)


def test_kinds_of_id_text_date_and_boolean_columns(penguins: pd.DataFrame) -> None:
    frame = penguins.copy()
    n = len(frame)
    rng = np.random.default_rng(0)
    frame.insert(0, "PenguinId", np.arange(1000, 1000 + n))
    frame["tag"] = [f"T{x:06d}" for x in rng.permutation(n)]
    frame["note"] = [f"seen near nest {i} on the north beach at dawn" for i in range(n)]
    frame["seen_on"] = [f"2008-0{1 + i % 9}-1{i % 10}" for i in range(n)]
    frame["banded"] = rng.choice(["yes", "no"], size=n)
    frame["measured"] = rng.random(n) < 0.5
    prof = profile(frame, "species")
    kinds = {c.name: c.kind for c in prof.columns}
    assert kinds["PenguinId"] == "id"
    assert kinds["tag"] == "id"
    assert kinds["note"] == "text"
    assert kinds["seen_on"] == "datetime"
    assert kinds["banded"] == "boolean"
    assert kinds["measured"] == "boolean"
    assert kinds["island"] == "categorical"
    assert prof.meta.cat_feats == 2 + 2  # island, sex, banded, measured
    assert any("'PenguinId' looks like an identifier" in w for w in prof.warnings)
    assert "PenguinId" not in {c.name for c in prof.target_candidates}


def test_no_obvious_target_leaves_it_open() -> None:
    frame = load_diabetes(as_frame=True).data
    prof = profile(frame)
    assert prof.target is None
    assert prof.task_type is None
    assert prof.meta.n_classes is None
    assert [c.name for c in prof.target_candidates] == ["s6"]
    assert prof.target_candidates[0].reasons == ("last column",)
    assert "No target given" in prof.to_text()


def test_reads_csv_path(penguins: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "penguins.csv"
    penguins.to_csv(path, index=False)
    prof = profile(path, "species")
    assert (prof.n_rows, prof.n_columns, prof.task_type) == (344, 8, "multiclass")


def test_bad_inputs_say_what_is_wrong(penguins: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="empty"):
        profile(pd.DataFrame())
    with pytest.raises(DataError, match="repeat"):
        profile(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    with pytest.raises(DataError, match="does not exist"):
        profile(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="expected a pandas DataFrame"):
        profile([[1, 2]])  # type: ignore[arg-type]


def test_profile_is_frozen_and_text_mentions_target(penguins: pd.DataFrame) -> None:
    prof = profile(penguins)
    with pytest.raises(pydantic.ValidationError):
        prof.target = "island"  # type: ignore[misc]
    text = prof.to_text()
    assert "Target: species (inferred); task: multiclass." in text
    assert "Adelie: 152" in text


def _big_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(10)})
    frame.insert(0, "customer_id", np.arange(n))
    frame["city"] = rng.choice(["Oslo", "Lima", "Pune", "Kyiv", "Doha"], size=n)
    frame.loc[rng.random(n) < 0.1, "city"] = None
    frame["plan"] = pd.Categorical(rng.choice(["free", "pro", "team"], size=n))
    frame["active"] = rng.random(n) < 0.3
    frame["signup"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(
        rng.integers(0, 1000, n), unit="D"
    )
    frame["churn"] = (rng.random(n) < 0.2).astype(int)
    return frame


@pytest.mark.slow
def test_million_rows_profile_samples_but_counts_exactly() -> None:
    frame = _big_frame(1_000_000, seed=0)
    prof = profile(frame, seed=1)
    assert prof.sampled
    assert prof.sample_rows == SAMPLE_ROWS
    assert prof.n_rows == 1_000_000
    kinds = {c.name: c.kind for c in prof.columns}
    assert kinds == {
        "customer_id": "id",
        **{f"x{i}": "numeric" for i in range(10)},
        "city": "categorical",
        "plan": "categorical",
        "active": "boolean",
        "signup": "datetime",
        "churn": "boolean",
    }
    assert prof.target == "churn"
    assert prof.task_type == "binary"
    expected = frame["churn"].value_counts()
    assert prof.class_counts == {"0": int(expected[0]), "1": int(expected[1])}
    assert prof.column("city").missing == int(frame["city"].isna().sum())
    assert prof.column("city").n_unique == 5
    assert prof.meta.num_samples == 1_000_000
    assert profile(frame, seed=1) == prof


def test_identifier_target_has_no_task_and_many_classes_are_capped() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "user": [f"u{i:05d}" for i in range(500)],
            "x": rng.normal(size=500),
            "label": [f"c{i % 80}" for i in range(500)],
        }
    )
    by_id = profile(frame, "user")
    assert by_id.task_type is None
    assert "id" in by_id.task_type_reason
    many = profile(frame, "label")
    assert many.task_type == "multiclass"
    assert many.meta.n_classes == 80
    assert many.class_counts is not None
    assert len(many.class_counts) == 50
