"""HTML building blocks of the report: every piece of text goes through :func:`html.escape`."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
     border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.55rem; text-align: left;
         vertical-align: top; }
th { background: #f5f5f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 14rem; } code, pre { font-size: 0.85rem; }
pre { background: #f8f8f8; padding: 0.5rem; overflow-x: auto; white-space: pre-wrap; }
.note { color: #666; font-style: italic; } .muted { color: #666; }
img.plot { max-width: 100%; display: block; margin: 0.5rem 0; }
"""


class Markup(str):
    """A string that is HTML already: :func:`value_html` inserts it as it is."""

    __slots__ = ()


def text(value: Any) -> str:
    """Escape ``value`` (as :func:`scalar` writes it) for HTML."""
    return html.escape(scalar(value))


def scalar(value: Any) -> str:
    """A number, boolean, None or string, written for people."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def value_html(value: Any) -> str:
    """Any JSON value: dicts as key/value tables, lists of records as tables, lists inline."""
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, Mapping):
        return key_values(value) if value else '<span class="muted">none</span>'
    if isinstance(value, list | tuple):
        if not value:
            return '<span class="muted">none</span>'
        if all(isinstance(v, Mapping) for v in value):
            return records_table(list(value))
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            return html.escape(", ".join(scalar(v) for v in value))
        return "<ul>" + "".join(f"<li>{value_html(v)}</li>" for v in value) + "</ul>"
    return text(value)


def key_values(mapping: Mapping[str, Any]) -> str:
    """A two-column table: one row per key, the value rendered by :func:`value_html`."""
    rows = "".join(
        f"<tr><th>{text(key)}</th><td>{value_html(v)}</td></tr>" for key, v in mapping.items()
    )
    return f'<table class="kv">{rows}</table>'


def records_table(records: Sequence[Mapping[str, Any]]) -> str:
    """A table of records; its columns are the union of their keys, in first-seen order."""
    columns = list(dict.fromkeys(key for record in records for key in record))
    return table(columns, [[record.get(c) for c in columns] for record in records])


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A table; numbers are right-aligned, other cells rendered by :func:`value_html`."""
    head = "".join(f"<th>{text(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="num">{text(value)}</td>'
    return f"<td>{value_html(value)}</td>"


def note(message: str) -> str:
    """A one-line note (e.g. why a section is empty)."""
    return f'<p class="note">{html.escape(message)}</p>'


def section(title: str, body: str) -> str:
    """A titled section; ``body`` is HTML already."""
    return f"<section><h2>{html.escape(title)}</h2>\n{body}\n</section>"


def page(title: str, subtitle: str, sections: Sequence[str]) -> str:
    """The whole self-contained document (inline CSS, no scripts, no external resources)."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<h1>{html.escape(title)}</h1>\n<p class="muted">{html.escape(subtitle)}</p>\n'
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )
