"""Prompt templates: one Jinja2 file per prompt, rendered with strict undefined variables."""

from __future__ import annotations

from tunesmith.prompts._render import available, render

__all__ = ["available", "render"]
