"""The dependency rule of DESIGN.md, checked on every import statement in the package.

One amendment: ``llm`` may import ``prompts`` (a leaf), because structured output's repair
message is a prompt and prompts live only in ``tunesmith/prompts``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import tunesmith

ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "prompts": set(),
    "learners": set(),
    "llm": {"prompts"},
    "tools": {"llm", "prompts", "learners"},
    "executors": {"learners"},
    "agent": {"tools", "executors", "learners", "llm", "prompts"},
    "evaluation": {"agent", "tools", "executors", "learners", "llm", "prompts"},
    "ui": {"agent", "tools", "executors", "learners", "llm", "prompts"},
}
ROOT = Path(tunesmith.__file__).parent


def _imported_subpackages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "tunesmith" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_subpackage_is_covered() -> None:
    subpackages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert subpackages == set(ALLOWED)


def test_imports_follow_the_dependency_rule() -> None:
    violations = []
    for package, allowed in ALLOWED.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            bad = _imported_subpackages(path) - allowed - {package, "core"}
            if bad:
                violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert violations == []


def test_checker_catches_a_violation(tmp_path: Path) -> None:
    source = tmp_path / "bad.py"
    source.write_text("from tunesmith.agent import draft_plan\nimport tunesmith.ui\n")
    assert _imported_subpackages(source) == {"agent", "ui"}
