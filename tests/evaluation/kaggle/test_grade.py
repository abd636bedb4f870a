from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from tunesmith.core.errors import DataError
from tunesmith.evaluation.kaggle import BuiltTask, Grade, get_task, grade


def _answers(task: BuiltTask) -> pd.DataFrame:
    return pd.read_csv(Path(task.path) / "private" / "answers.csv")


def _submit(tmp_path: Path, frame: pd.DataFrame, name: str = "submission.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _invalid(result: Grade, *phrases: str) -> None:
    assert not result.valid
    assert result.score is None
    assert result.medal is None
    assert result.error is not None
    for phrase in phrases:
        assert phrase in result.error, result.error


def test_a_perfect_label_submission_scores_one(
    suite: dict[str, BuiltTask], tmp_path: Path
) -> None:
    for name in ("penguins", "breast_cancer", "digits"):
        path = _submit(tmp_path, _answers(suite[name]), f"{name}.csv")
        result = grade(suite[name].path, path)
        assert result.valid, result.error
        assert result.score == 1.0
        assert result.error is None


def test_a_perfect_probability_submission_has_no_loss(
    suite: dict[str, BuiltTask], tmp_path: Path
) -> None:
    answers = _answers(suite["unemployment_benefits"])
    answers["ui"] = (answers["ui"] == "yes").astype(float)
    result = grade(suite["unemployment_benefits"].path, _submit(tmp_path, answers))
    assert result.valid, result.error
    assert result.score is not None
    assert result.score < 1e-6
    assert not result.greater_is_better


def test_the_sample_submission_is_valid_and_scores_as_a_constant(
    suite: dict[str, BuiltTask],
) -> None:
    folder = Path(suite["penguins"].path)
    sample = pd.read_csv(folder / "public" / "sample_submission.csv")
    answers = _answers(suite["penguins"])
    result = grade(folder, folder / "public" / "sample_submission.csv")
    assert result.valid, result.error
    assert sample["species"].nunique() == 1
    assert result.score == pytest.approx((answers["species"] == sample["species"][0]).mean())


def test_probability_scores_match_scikit_learn(
    suite: dict[str, BuiltTask], tmp_path: Path
) -> None:
    answers = _answers(suite["unemployment_benefits"])
    rng = np.random.default_rng(0)
    truth = (answers["ui"] == "yes").to_numpy()
    proba = np.clip(truth * 0.6 + rng.uniform(0, 0.4, len(truth)), 0, 1)
    submission = answers.assign(ui=proba).sample(frac=1.0, random_state=0)  # any order
    result = grade(suite["unemployment_benefits"].path, _submit(tmp_path, submission))
    assert result.valid, result.error
    assert result.score == pytest.approx(skm.log_loss(truth, proba))


def test_binary_f1_uses_the_positive_class(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    answers = _answers(suite["breast_cancer"])
    guess = answers.assign(diagnosis="malignant")
    result = grade(suite["breast_cancer"].path, _submit(tmp_path, guess))
    share = (answers["diagnosis"] == "malignant").mean()
    assert result.score == pytest.approx(2 * share / (1 + share))


def test_integral_labels_written_as_floats_are_accepted(
    suite: dict[str, BuiltTask], tmp_path: Path
) -> None:
    answers = _answers(suite["digits"])
    path = _submit(tmp_path, answers.assign(digit=answers["digit"].astype(float)))
    assert "3.0" in path.read_text()
    assert grade(suite["digits"].path, path).score == 1.0


def test_a_kaggle_task_is_graded_in_memory_like_its_folder(
    suite: dict[str, BuiltTask], tmp_path: Path
) -> None:
    path = _submit(tmp_path, _answers(suite["penguins"]).assign(species="Gentoo"))
    from_folder = grade(suite["penguins"].path, path)
    in_memory = grade(get_task("penguins"), path, seed=0)
    assert in_memory.score == from_folder.score
    assert grade(Path(suite["penguins"].path) / "public", path).score == from_folder.score


def test_a_missing_id_is_invalid(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    answers = _answers(suite["penguins"])
    result = grade(suite["penguins"].path, _submit(tmp_path, answers.iloc[1:]))
    _invalid(result, "1 id(s) of test.csv are missing", str(answers["id"][0]))


def test_a_duplicate_id_is_invalid(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    answers = _answers(suite["penguins"])
    doubled = pd.concat([answers, answers.iloc[[0]]])
    _invalid(grade(suite["penguins"].path, _submit(tmp_path, doubled)), "more than once")


def test_an_unknown_id_is_invalid(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    answers = _answers(suite["penguins"])
    answers.loc[0, "id"] = 99_999
    result = grade(suite["penguins"].path, _submit(tmp_path, answers))
    _invalid(result, "not in test.csv", "99999", "missing")


def test_an_empty_id_is_invalid(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    answers = _answers(suite["penguins"]).astype({"id": float})
    answers.loc[0, "id"] = np.nan
    _invalid(grade(suite["penguins"].path, _submit(tmp_path, answers)), "have no 'id'")


_WRONG_COLUMNS = {
    "extra": lambda f: f.assign(extra=1),
    "renamed": lambda f: f.rename(columns={"species": "Species"}),
    "no-target": lambda f: f[["id"]],
}


@pytest.mark.parametrize("change", list(_WRONG_COLUMNS))
def test_wrong_columns_are_invalid(
    suite: dict[str, BuiltTask], tmp_path: Path, change: str
) -> None:
    frame = _WRONG_COLUMNS[change](_answers(suite["penguins"]))
    result = grade(suite["penguins"].path, _submit(tmp_path, frame))
    _invalid(result, f"columns are {list(frame.columns)}", "expected exactly ['id', 'species']")


def test_an_index_column_gets_a_hint(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    path = tmp_path / "indexed.csv"
    _answers(suite["penguins"]).to_csv(path)
    _invalid(grade(suite["penguins"].path, path), "index=False")


def test_columns_in_another_order_are_fine(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    frame = _answers(suite["penguins"])[["species", "id"]]
    assert grade(suite["penguins"].path, _submit(tmp_path, frame)).score == 1.0


@pytest.mark.parametrize("bad", [np.nan, np.inf, "abc"])
def test_a_missing_or_non_finite_probability_is_invalid(
    suite: dict[str, BuiltTask], tmp_path: Path, bad: object
) -> None:
    sample = pd.read_csv(
        Path(suite["unemployment_benefits"].path) / "public" / "sample_submission.csv"
    )
    sample = sample.astype({"ui": object})
    sample.loc[3, "ui"] = bad
    result = grade(suite["unemployment_benefits"].path, _submit(tmp_path, sample))
    _invalid(result, "not finite numbers", f"(id {sample['id'][3]})")


@pytest.mark.parametrize("bad", [1.5, -0.01])
def test_a_probability_out_of_range_is_invalid(
    suite: dict[str, BuiltTask], tmp_path: Path, bad: float
) -> None:
    sample = pd.read_csv(
        Path(suite["unemployment_benefits"].path) / "public" / "sample_submission.csv"
    )
    sample.loc[0, "ui"] = bad
    result = grade(suite["unemployment_benefits"].path, _submit(tmp_path, sample))
    _invalid(result, "outside [0, 1]", f"{bad:g}", "probability that 'ui' is 'yes'")


def test_labels_instead_of_probabilities_are_invalid(
    suite: dict[str, BuiltTask], tmp_path: Path
) -> None:
    answers = _answers(suite["unemployment_benefits"])
    _invalid(grade(suite["unemployment_benefits"].path, _submit(tmp_path, answers)), "not finite")


def test_an_unknown_label_is_invalid(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    answers = _answers(suite["penguins"])
    answers.loc[2, "species"] = "Emperor"
    answers.loc[4, "species"] = np.nan
    result = grade(suite["penguins"].path, _submit(tmp_path, answers))
    _invalid(result, "2 value(s)", "'Emperor'", "Expected one of: Adelie, Chinstrap, Gentoo")


@pytest.mark.parametrize(
    "content",
    [b"", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\x00binary", b'id,species\n1,"Adelie\n'],
    ids=["empty", "binary", "unclosed-quote"],
)
def test_an_unparseable_file_is_invalid(
    suite: dict[str, BuiltTask], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    result = grade(suite["penguins"].path, path)
    _invalid(result)
    assert "Cannot parse" in (result.error or "") or "columns" in (result.error or "")


def test_a_missing_file_is_invalid(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    _invalid(grade(suite["penguins"].path, tmp_path / "nope.csv"), "No submission file")


def test_a_folder_that_is_not_a_task_raises(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("id,y\n0,1\n")
    with pytest.raises(DataError, match="not a built task folder"):
        grade(tmp_path, tmp_path / "s.csv")
