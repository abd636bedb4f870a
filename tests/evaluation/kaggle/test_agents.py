"""The agent interface: child processes and their hard limit, the registry, the tunesmith agent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.kaggle import (
    Agent,
    AgentOptions,
    AgentTask,
    BuiltTask,
    grade,
    list_agents,
    make_agent,
    register_agent,
)
from tunesmith.evaluation.kaggle._agents import run_child


def test_a_child_past_its_hard_limit_is_killed(tmp_path: Path) -> None:
    code = "import time; print('started', flush=True); time.sleep(60)"
    outcome = run_child([sys.executable, "-c", code], tmp_path, limit_s=2.0)
    assert outcome.returncode is None
    assert 2.0 <= outcome.wall_s < 20
    assert "started" in outcome.tail
    error = outcome.error(2.0)
    assert error is not None
    assert "killed at the hard limit of 2 s" in error


def test_a_failing_child_reports_its_last_lines(tmp_path: Path) -> None:
    code = "import sys; print('step one'); sys.exit('no model fitted')"
    outcome = run_child([sys.executable, "-c", code], tmp_path, limit_s=30)
    assert outcome.returncode == 1
    error = outcome.error(30)
    assert error is not None
    assert "exited with code 1" in error
    assert "no model fitted" in error
    assert (tmp_path / "agent.log").read_text().startswith("step one")


def test_registry_builds_every_built_in_agent() -> None:
    assert {"tunesmith", "flaml", "optuna-tpe", "autogluon"} <= set(list_agents())
    for name in ("tunesmith", "flaml", "optuna-tpe", "autogluon"):
        agent = make_agent(name, AgentOptions(llm="embedded"))
        assert isinstance(agent, Agent)
        assert agent.name == name
    with pytest.raises(ConfigurationError, match="Did you mean 'optuna-tpe'"):
        make_agent("optuna_tpe")
    with pytest.raises(ConfigurationError, match="already registered"):
        register_agent("flaml", lambda options: make_agent("flaml"))


def test_agent_task_carries_the_public_facts_only(suite: dict[str, BuiltTask]) -> None:
    task = AgentTask.from_task_dir(suite["breast_cancer"].path)
    assert task.public_dir.name == "public"
    assert (task.target, task.metric, task.prediction, task.positive_label) == (
        "diagnosis", "f1", "label", "malignant",
    )  # fmt: skip
    assert "answers" not in str(task.to_json())


@pytest.mark.llm
@pytest.mark.slow
def test_tunesmith_agent_runs_the_cli_with_the_embedded_model(
    suite: dict[str, BuiltTask], tmp_path: Path
) -> None:
    built = suite["penguins"]
    agent = make_agent("tunesmith", AgentOptions(llm="embedded"))
    task = AgentTask.from_info(built.info, built.public_dir)
    result = agent.solve(task, tmp_path / "run", budget_s=10, seed=0)
    assert result.error is None, result.error
    assert result.submission is not None
    assert grade(built.path, result.submission).valid
    assert result.details["llm"] == "embedded"
    assert result.details["n_complete"] >= 1
    # The run store records no token counts today: unknown, never a made-up number.
    for tokens in (result.prompt_tokens, result.completion_tokens):
        assert tokens is None or tokens > 0
