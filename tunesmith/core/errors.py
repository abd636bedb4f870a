"""Typed errors shared by every tunesmith package.

Each message says what went wrong, what was expected, what was found, and how to fix it.
Errors subclass ``ValueError`` (bad input) or ``RuntimeError`` (a failing environment), so
callers that catch the builtin types keep working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class TunesmithError(Exception):
    """Base class of every error tunesmith raises on purpose."""


class ConfigurationError(TunesmithError, ValueError):
    """A setting, argument or specification string is malformed."""


class LLMSpecError(ConfigurationError):
    """An ``--llm`` / ``TUNESMITH_LLM`` specification cannot be parsed."""


class MissingExtraError(TunesmithError, RuntimeError):
    """An optional dependency is needed but not installed."""

    def __init__(self, feature: str, extra: str | None, package: str) -> None:
        self.feature = feature
        self.extra = extra
        self.package = package
        command = f"pip install 'tunesmith[{extra}]'" if extra else f"pip install '{package}'"
        super().__init__(
            f"{feature} needs the Python package '{package}', which is not installed. "
            f"Install it with: {command}"
        )


class ModelFileError(TunesmithError, FileNotFoundError):
    """A local model file or directory is missing or unreadable."""


class ModelIntegrityError(TunesmithError, RuntimeError):
    """A model file does not have the expected checksum."""


class LLMConnectionError(TunesmithError, RuntimeError):
    """An LLM server cannot be reached or answered with an error."""


class LLMDeadlineError(TunesmithError, TimeoutError):
    """An LLM step reached its deadline (``tunesmith.llm.deadline``) and was stopped.

    The work finished before the cut is kept where the backend allows (llama.cpp and
    transformers keep the evaluated part of the prompt's cache), so a later step resumes it.
    """


class StructuredOutputError(TunesmithError, RuntimeError):
    """The LLM did not produce a valid instance of a schema within the allowed attempts.

    Attributes:
        replies: The raw text of every reply, in order.
        errors: The parse or validation error of every reply, in order.
    """

    def __init__(self, schema_name: str, replies: Sequence[str], errors: Sequence[str]) -> None:
        self.schema_name = schema_name
        self.replies = list(replies)
        self.errors = list(errors)
        last = self.errors[-1] if self.errors else "no reply"
        super().__init__(
            f"The LLM gave no valid {schema_name} in {len(self.replies)} attempt(s). "
            f"Last error: {last}. Try a larger model (--llm), or a backend with constrained "
            f"decoding (embedded, gguf:, or an OpenAI-compatible server with JSON schema support)."
        )


class DataError(TunesmithError, ValueError):
    """Input data is missing, empty, unreadable or does not fit the request."""


class PlanError(TunesmithError, ValueError):
    """A plan does not fit the data it is meant for."""


class ClarificationNeeded(PlanError):
    """The request leaves something open that the planner must not guess (e.g. the target).

    Attributes:
        question: One question for the user.
        candidates: The likely answers (e.g. candidate target columns), best first.
    """

    def __init__(self, question: str, candidates: Sequence[str] = ()) -> None:
        self.question = question
        self.candidates = list(candidates)
        listed = f" Candidates: {', '.join(self.candidates)}." if self.candidates else ""
        super().__init__(f"{question}{listed} Fix: name the column in the request.")


def close_matches(name: str, options: Sequence[str], n: int = 3) -> list[str]:
    """Return up to ``n`` options that look like ``name`` (case-insensitive), best first."""
    import difflib

    lowered = {o.lower(): o for o in options}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)
    return [lowered[h] for h in hits]


class SearchSpaceError(ConfigurationError):
    """A search space is malformed, or a configuration does not fit its search space."""


class OptimizerError(ConfigurationError):
    """An optimiser name, option or storage does not fit the study it is asked to run."""


class TrialPruned(TunesmithError):
    """Raised inside an objective to stop a trial that a pruner has asked to stop."""


class ExecutorError(TunesmithError, RuntimeError):
    """An executor cannot run trials: shut down, misconfigured, or its workers cannot start."""


def validation_issues(exc: Any) -> list[tuple[str, str, Any]]:
    """``(location, message, input)`` for each problem of a pydantic ``ValidationError``.

    The location is the dotted field path (``"learners.0"``), empty for the whole object.
    """
    return [
        (".".join(str(part) for part in error["loc"]), error["msg"], error.get("input"))
        for error in exc.errors()
    ]
