"""Render the Jinja2 prompt templates shipped in ``tunesmith/prompts/templates``."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from tunesmith.core.errors import ConfigurationError

_SUFFIX = ".j2"


@functools.lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("tunesmith.prompts", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def available() -> list[str]:
    """Return the names of all prompt templates, without the ``.j2`` suffix."""
    folder = resources.files("tunesmith.prompts") / "templates"
    return sorted(p.name[: -len(_SUFFIX)] for p in folder.iterdir() if p.name.endswith(_SUFFIX))


def render(name: str, **variables: Any) -> str:
    """Render the prompt template ``name`` with ``variables``.

    Args:
        name: Template name without the ``.j2`` suffix, e.g. ``"repair"``.
        **variables: Values for the template. A variable the template uses but the caller
            did not pass raises an error instead of rendering as an empty string.

    Returns:
        The rendered prompt, stripped of surrounding whitespace.

    Raises:
        ConfigurationError: The template does not exist or a variable is missing.
    """
    import jinja2

    try:
        template = _environment().get_template(name + _SUFFIX)
    except jinja2.TemplateNotFound:
        raise ConfigurationError(
            f"There is no prompt template named {name!r}. Available: {', '.join(available())}."
        ) from None
    try:
        return str(template.render(**variables)).strip()
    except jinja2.UndefinedError as exc:
        raise ConfigurationError(
            f"Prompt template {name!r} needs a value that was not given: {exc.message}. "
            f"Given: {', '.join(sorted(variables)) or 'nothing'}."
        ) from None
