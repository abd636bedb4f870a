from __future__ import annotations

import pytest

from tunesmith.core.errors import ConfigurationError
from tunesmith.prompts import available, render


def test_templates_ship_with_the_package() -> None:
    assert {"repair", "structured_system", "plan_draft_system", "plan_draft_user"} <= set(
        available()
    )


def test_render_fills_variables() -> None:
    text = render("repair", schema_name="Plan", error="field 'x': missing", schema_json="{}")
    assert "Plan" in text
    assert "field 'x': missing" in text


def test_missing_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(ConfigurationError, match="schema_json"):
        render("repair", schema_name="Plan", error="e")


def test_unknown_template_lists_the_available_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"Available: .*repair"):
        render("no_such_prompt")


def test_no_prompt_text_in_python_files() -> None:
    """Prompts live in templates: no .py file holds a long instruction to the model."""
    from pathlib import Path

    import tunesmith

    root = Path(tunesmith.__file__).parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "You are " in p.read_text() or "Answer with only" in p.read_text()
    ]
    assert offenders == []
