"""A run going on in a background thread: watch its events, send follow-ups, stop it.

``Assistant.start(...)`` returns a :class:`LiveRun`; ``Assistant.stream(...)`` iterates over
one. The UI and the CLI hold a LiveRun while the search goes on.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from tunesmith.agent._events import Event
from tunesmith.agent._intents import CHANGES_RUN, answer, interpret
from tunesmith.agent._loop import RunLoop
from tunesmith.core.errors import ConfigurationError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from tunesmith.agent._assistant import Run
    from tunesmith.agent._config import RunSummary

_DONE = object()


class LiveRun:
    """A run in a background thread (it starts at once).

    Args:
        make_loop: Builds the run loop (planning happens here, in the background thread).
        model: The chat model that reads follow-up messages rules cannot read (lazy).
    """

    def __init__(
        self,
        make_loop: Callable[[], RunLoop],
        model: Callable[[], BaseChatModel] | None = None,
    ) -> None:
        self._make_loop = make_loop
        self._model = model
        self._queue: queue.Queue[Any] = queue.Queue()
        self._loop: RunLoop | None = None
        self._stop_asked = threading.Event()
        self._ready = threading.Event()
        self.summary: RunSummary | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="tunesmith-run", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            loop = self._make_loop()
            loop.listeners.append(self._queue.put)
            self._loop = loop
            self._ready.set()
            if self._stop_asked.is_set():
                loop.stop()
            self.summary = loop.run()
        except BaseException as exc:
            self.error = exc
        finally:
            self._ready.set()
            self._queue.put(_DONE)

    @property
    def done(self) -> bool:
        """Whether the run has ended (finished, stopped, or failed)."""
        return not self._thread.is_alive()

    def events(self) -> Iterator[Event]:
        """Yield the run's events as they happen, until it ends; re-raise its error then.

        Meant for one consumer.
        """
        while (item := self._queue.get()) is not _DONE:
            yield item
        self._queue.put(_DONE)  # a second call ends at once
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Ask the run to stop: no new trials; running ones finish, the best is refitted."""
        self._stop_asked.set()
        if self._loop is not None:
            self._loop.stop()

    def send(self, message: Any, timeout: float = 30.0) -> str:
        """Apply a follow-up (a chat message or an intent) and return what it did or the answer.

        Raises:
            ConfigurationError: The message is not a follow-up tunesmith understands, or a change
                came after the search ended (resume the run instead).
        """
        model = self._model() if self._model is not None and isinstance(message, str) else None
        intent = interpret(model, message) if isinstance(message, str) else message
        if intent.kind == "stop":
            self.stop()
            return "Stopping: running trials finish, then the best is refitted."
        self._ready.wait(timeout)
        if self._loop is None:
            raise ConfigurationError(
                f"The run did not start ({self.error}); there is nothing to change or explain."
            )
        if intent.kind not in CHANGES_RUN:
            return answer(intent, self._loop.store)
        return self._loop.send(intent).result(timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the run's thread to end, without raising its error."""
        self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> Run:
        """Wait for the run to end and return it; re-raise its error."""
        from tunesmith.agent._assistant import Run

        self._thread.join(timeout)
        if self.error is not None:
            raise self.error
        if self._loop is None or self.summary is None:
            raise TimeoutError(f"The run did not end within {timeout} s.")
        return Run(self._loop.store.path, self.summary)

    @property
    def out_dir(self) -> Any:
        """The run directory, once the run has started (else None)."""
        return None if self._loop is None else self._loop.store.path
