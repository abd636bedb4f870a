from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tunesmith import __version__
from tunesmith.cli import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"tunesmith {__version__}"


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "plan" in result.output
    assert "llm-info" in result.output


def test_plan_with_a_missing_file_fails_clearly(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    result = runner.invoke(app, ["plan", "predict y", "--data", str(missing), "--llm", "embedded"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_plan_with_an_empty_file_fails_clearly(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = runner.invoke(app, ["plan", "predict y", "--data", str(empty)])
    assert result.exit_code == 2
    assert "Cannot read" in result.output


def test_plan_with_a_bad_llm_spec_fails_clearly(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("a,y\n1,0\n2,1\n")
    result = runner.invoke(app, ["plan", "predict y", "--data", str(data), "--llm", "gpt4"])
    assert result.exit_code == 2
    assert "Accepted forms" in result.output
