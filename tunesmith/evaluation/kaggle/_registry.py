"""The agents ``bench kaggle`` knows, by name; ``register_agent`` adds one of your own.

Example:
    >>> from tunesmith.evaluation.kaggle import AgentOptions, register_agent
    >>> register_agent("mine", lambda options: MyAgent())  # any object with name + solve
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from tunesmith.core.errors import ConfigurationError, close_matches
from tunesmith.evaluation.kaggle._agent_peers import (
    AutoGluonAgent,
    TunesmithAgent,
    flaml_agent,
    tpe_agent,
)
from tunesmith.evaluation.kaggle._agents import Agent


@dataclasses.dataclass(frozen=True)
class AgentOptions:
    """Settings a benchmark hands every agent factory; each takes what applies to it.

    Attributes:
        llm: The LLM spec of LLM agents (``embedded``, ``gguf:PATH``, ``openai:URL#MODEL``).
        workers: Trials at once, for agents that run trials side by side.
    """

    llm: str = "embedded"
    workers: int = 1


AgentFactory = Callable[[AgentOptions], Agent]

_FACTORIES: dict[str, AgentFactory] = {
    "tunesmith": lambda o: TunesmithAgent(llm=o.llm, workers=o.workers),
    "flaml": lambda o: flaml_agent(),
    "optuna-tpe": lambda o: tpe_agent(),
    "autogluon": lambda o: AutoGluonAgent(),
}


def register_agent(name: str, factory: AgentFactory, *, replace: bool = False) -> None:
    """Make ``factory(options) -> Agent`` available as ``name`` (e.g. ``--agents name``).

    Raises:
        ConfigurationError: ``name`` is taken and ``replace`` is False.
    """
    if name in _FACTORIES and not replace:
        raise ConfigurationError(
            f"An agent named '{name}' is already registered. Fix: pick another name, or pass "
            "replace=True to override it."
        )
    _FACTORIES[name] = factory


def unregister_agent(name: str) -> None:
    """Remove the agent registered as ``name`` (nothing happens if there is none)."""
    _FACTORIES.pop(name, None)


def list_agents() -> list[str]:
    """The registered agents' names."""
    return list(_FACTORIES)


def make_agent(name: str, options: AgentOptions | None = None) -> Agent:
    """Build the agent registered as ``name``.

    Raises:
        ConfigurationError: No agent has that name (the message lists close matches).
    """
    check_agents([name])
    return _FACTORIES[name](options or AgentOptions())


def check_agents(names: list[str]) -> None:
    """Raise ConfigurationError for the first unknown agent name (with close matches)."""
    for name in names:
        if name not in _FACTORIES:
            hint = close_matches(name, list(_FACTORIES))
            fix = f" Did you mean '{hint[0]}'?" if hint else ""
            raise ConfigurationError(
                f"Unknown agent '{name}'. Agents: {', '.join(_FACTORIES)}.{fix}"
            )
