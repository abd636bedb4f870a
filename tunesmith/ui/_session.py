"""One browser session's state: its uploads, its plan, its run and its run directories."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunesmith.agent import LiveRun, Plan, RunView


@dataclasses.dataclass
class Session:
    """What one browser tab holds (kept in a ``gr.State``, so no two tabs share it).

    Attributes:
        root: This session's folder; each run gets ``root/run-N``.
        files: Upload slot (train, test, sample) -> the uploaded file's path.
        rows: Training rows (for the plan message).
        request: The request the plan was made for. plan: The plan shown, not yet run.
        live: The run going on (or the last one). out_dir: Its run directory.
        runs: Runs started so far. announced: Whether the end of ``live`` was told in the chat.
        ranked_at: Complete trials when parameter importance was last computed.
        view: The last view of the run. chat: The chat's messages (Gradio messages format).
    """

    root: Path
    files: dict[str, str] = dataclasses.field(default_factory=dict)
    rows: int = 0
    request: str | None = None
    plan: Plan | None = None
    live: LiveRun | None = None
    out_dir: Path | None = None
    runs: int = 0
    announced: bool = False
    ranked_at: int = -1
    view: RunView | None = None
    chat: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @classmethod
    def new(cls, runs_dir: str | Path) -> Session:
        """A session with a fresh folder name under ``runs_dir`` (created on the first run)."""
        return cls(root=Path(runs_dir) / f"session-{uuid.uuid4().hex[:8]}")

    def next_out_dir(self) -> Path:
        """The run directory of the next run."""
        self.runs += 1
        self.out_dir = self.root / f"run-{self.runs}"
        return self.out_dir

    @property
    def running(self) -> bool:
        """Whether a run is going on."""
        return self.live is not None and not self.live.done
