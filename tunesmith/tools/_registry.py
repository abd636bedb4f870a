"""Declare a tool once, as a typed Python function; expose it to Python and to the LLM.

The registry derives each tool's JSON schema from the function's signature and Google-style
docstring (through langchain-core), validates the LLM's arguments against it, and turns every
error into a message the LLM can act on. Python callers call the functions directly and get
the exceptions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from tunesmith.core.errors import (
    ConfigurationError,
    TunesmithError,
    close_matches,
    validation_issues,
)

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool


class ToolResult(BaseModel):
    """What a tool call gave back to the LLM: a JSON-able result, or an error to act on."""

    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    content: Any = None
    error: str | None = None

    def as_text(self) -> str:
        """The text the LLM reads: the result as JSON, or ``Error: ...``."""
        if self.ok:
            return json.dumps(self.content, default=str)
        return f"Error: {self.error}"


def _validation_message(name: str, exc: ValidationError) -> str:
    problems = "; ".join(
        f"'{loc or '(arguments)'}': {msg}" for loc, msg, _ in validation_issues(exc)
    )
    return f"The arguments of {name} are invalid: {problems}. Fix them and call {name} again."


def _make_tool(name: str, function: Callable[..., Any]) -> BaseTool:
    from langchain_core.tools import StructuredTool

    try:
        return StructuredTool.from_function(
            function, parse_docstring=True, error_on_invalid_docstring=True
        )
    except ValueError as exc:
        raise ConfigurationError(
            f"Tool '{name}' does not document its parameters ({exc}). Give it a Google-style "
            f"docstring with a summary line and an Args: entry per parameter."
        ) from None


def _check_documented(name: str, tool: BaseTool) -> None:
    """The LLM sees only the docstring: a parameter without a description is a defect."""
    properties = tool.tool_call_schema.model_json_schema().get("properties", {})  # type: ignore[union-attr]
    missing = [arg for arg, spec in properties.items() if not spec.get("description")]
    if not tool.description or missing:
        raise ConfigurationError(
            f"Tool '{name}' does not document: {', '.join(missing) or 'itself'}. Give it a "
            f"Google-style docstring with a summary line and an Args: entry per parameter."
        )


class ToolRegistry:
    """A set of tools, each one typed and documented Python function.

    Args:
        functions: The tool functions. Each needs type hints and a Google-style docstring
            with an ``Args:`` entry per parameter; the function name is the tool name.
    """

    def __init__(self, functions: Sequence[Callable[..., Any]]) -> None:
        self._functions = {f.__name__: f for f in functions}
        if len(self._functions) != len(functions):
            raise ConfigurationError("Two tools have the same name; tool names must be unique.")
        self._tools = {name: _make_tool(name, f) for name, f in self._functions.items()}
        for name, tool in self._tools.items():
            _check_documented(name, tool)

    @property
    def names(self) -> list[str]:
        """Tool names, in registration order."""
        return list(self._functions)

    @property
    def tools(self) -> list[BaseTool]:
        """langchain-core tools, e.g. for ``chat_model.bind_tools(registry.tools)``."""
        return list(self._tools.values())

    def function(self, name: str) -> Callable[..., Any]:
        """The plain Python function behind tool ``name``."""
        return self._functions[self._check_name(name)]

    def schemas(self) -> list[dict[str, Any]]:
        """OpenAI-style function schemas of every tool (what an LLM is shown)."""
        from langchain_core.utils.function_calling import convert_to_openai_tool

        return [convert_to_openai_tool(tool) for tool in self._tools.values()]

    def call(self, name: str, arguments: Mapping[str, Any] | str | None = None) -> ToolResult:
        """Call a tool on behalf of the LLM; never raises for bad input.

        Args:
            name: The tool name.
            arguments: The arguments as a mapping or a JSON object string.

        Returns:
            A :class:`ToolResult` with the result, or with an error message that says what
            was wrong and how to fix it.
        """
        try:
            self._check_name(name)
        except ConfigurationError as exc:
            return ToolResult(name=name, ok=False, error=str(exc))
        try:
            args = self._parse_arguments(name, arguments)
            validated = self._tools[name].args_schema.model_validate(args)  # type: ignore[union-attr]
        except ValueError as exc:
            message = (
                _validation_message(name, exc) if isinstance(exc, ValidationError) else str(exc)
            )
            return ToolResult(name=name, ok=False, error=message)
        try:
            content = self._functions[name](**dict(validated))
        except (TunesmithError, ValidationError, ValueError, KeyError, FileNotFoundError) as exc:
            return ToolResult(name=name, ok=False, error=f"{type(exc).__name__}: {exc}")
        return ToolResult(name=name, ok=True, content=content)

    def _check_name(self, name: str) -> str:
        if name not in self._functions:
            hint = close_matches(name, self.names)
            fix = f" Did you mean '{hint[0]}'?" if hint else ""
            raise ConfigurationError(
                f"There is no tool named '{name}'. Tools: {', '.join(self.names)}.{fix}"
            )
        return name

    @staticmethod
    def _parse_arguments(name: str, arguments: Mapping[str, Any] | str | None) -> dict[str, Any]:
        if arguments is None:
            return {}
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f"The arguments of {name} are not valid JSON ({exc.msg} at char "
                    f"{exc.pos}). Send one JSON object."
                ) from None
        if not isinstance(arguments, Mapping):
            raise ValueError(f"The arguments of {name} must be a JSON object, got {arguments!r}.")
        return dict(arguments)


def default_tools() -> list[Callable[..., Any]]:
    """The tool layer's tools, in the order an LLM is shown them."""
    from tunesmith.tools import _agent_tools as tools

    return [
        tools.profile_table,
        tools.list_learners,
        tools.propose_search_space,
        tools.run_search,
        tools.read_leaderboard,
        tools.explain_trial,
    ]


def default_registry() -> ToolRegistry:
    """A registry of :func:`default_tools`."""
    return ToolRegistry(default_tools())
