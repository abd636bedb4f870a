"""Run events: frozen records of what happened, kept in an append-only JSON-lines log.

The UI, the CLI and ``Assistant.stream`` only read events; the run loop is their one writer.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tunesmith.core._event import Event, EventKind

logger = logging.getLogger(__name__)

Listener = Callable[[Event], None]


def read_events(path: str | os.PathLike[str]) -> list[Event]:
    """Read every event of a log, in order.

    A last line cut short (the process was killed while writing it) is skipped with a warning;
    a malformed line elsewhere is an error.

    Raises:
        ValueError: A line other than the last is not a valid event.
    """
    path = Path(path)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    events = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            events.append(Event.model_validate_json(line))
        except ValidationError as exc:
            if index == len(lines) - 1:
                logger.warning("Skipping a truncated last line in %s.", path)
                break
            raise ValueError(
                f"Line {index + 1} of {path} is not a valid event ({exc.error_count()} "
                f"error(s)): {line[:200]!r}. Fix: repair or delete that line."
            ) from None
    return events


class EventLog:
    """Append-only event log: numbers, timestamps, writes and broadcasts each event.

    Opening an existing log continues its numbering. ``emit`` is thread-safe.

    Args:
        path: The JSON-lines file.
        listeners: Called with each event after it is written, in the emitting thread.
    """

    def __init__(self, path: str | os.PathLike[str], listeners: list[Listener] | None = None):
        self.path = Path(path)
        self.listeners = list(listeners or [])
        self._lock = threading.Lock()
        self._repair_tail()
        existing = read_events(self.path)
        self._next = existing[-1].seq + 1 if existing else 0

    def _repair_tail(self) -> None:
        # A write cut by kill -9 leaves a partial last line; end it so the next event starts
        # on a line of its own (read_events skips the fragment only when it is last).
        if self.path.exists() and self.path.stat().st_size > 0:
            with self.path.open("rb+") as handle:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    text = self.path.read_text(encoding="utf-8")
                    kept = text[: text.rfind("\n") + 1]
                    handle.seek(0)
                    handle.truncate()
                    handle.write(kept.encode("utf-8"))

    def emit(self, kind: EventKind, **payload: Any) -> Event:
        """Write an event of ``kind`` with ``payload`` and tell the listeners.

        Returns:
            The event written.
        """
        with self._lock:
            event = Event(kind=kind, seq=self._next, time=time.time(), payload=payload)
            line = json.dumps(event.model_dump(mode="json"), default=str)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            self._next += 1
        for listener in self.listeners:
            listener(event)
        return event

    def __iter__(self) -> Iterator[Event]:
        return iter(read_events(self.path))
