"""Gradio chat UI: a thin view over the agent's event stream and run directories.

``tunesmith ui`` serves it; :func:`build_app` builds it for embedding or tests.
"""

from __future__ import annotations

from tunesmith.ui._app import build_app, launch
from tunesmith.ui._session import Session

__all__ = ["Session", "build_app", "launch"]
