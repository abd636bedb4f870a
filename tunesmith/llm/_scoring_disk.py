"""Saved prefix states on disk, so a new process (a resumed run) starts where the last one was.

One folder per model identity (its file's path, size and modification time, and the
llama-cpp-python version): the KV state of a prefix is only valid for the model and build that
wrote it. Each entry is two files, ``<digest>.tokens`` (the prefix's token ids, int32) and
``<digest>.state`` (the SHA-1 of the backend's bytes, then the bytes), written to a temporary
name and renamed into place, so a killed process leaves either a whole entry or none, and a
damaged state is found before the backend reads it. The least recently used entries
past ``capacity`` are removed, as are entries that a longer prefix supersedes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tunesmith.llm._scoring_cache import common_prefix

logger = logging.getLogger(__name__)
_SUM = 20  # bytes of the SHA-1 that starts a state file


def model_identity(model_path: str | os.PathLike[str], *parts: object) -> str:
    """A folder name for one model file (and whatever else ``parts`` names, e.g. the backend's
    version): changes when the file does."""
    path = Path(model_path).resolve()
    stat = path.stat()
    text = "|".join(str(x) for x in (path, stat.st_size, stat.st_mtime_ns, *parts))
    return f"{path.stem[:40]}-{hashlib.sha1(text.encode()).hexdigest()[:12]}"


class DiskPrefixStates:
    """Up to ``capacity`` prefix states in ``folder``, found by their longest common prefix.

    Args:
        folder: The model's folder (created on the first write).
        capacity: Entries kept; each is about 12 KB per token for the embedded 0.5B model.
    """

    def __init__(self, folder: str | os.PathLike[str], capacity: int = 8) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}.")
        self.folder = Path(folder)
        self.capacity = capacity

    def best(self, tokens: Sequence[int]) -> tuple[list[int] | None, int]:
        """The tokens of the entry sharing the most leading tokens with ``tokens``, and how
        many it shares (None and 0 without one)."""
        best: list[int] | None = None
        shared = 0
        for _, saved in self._entries():
            n = common_prefix(saved, tokens)
            if n > shared:
                best, shared = saved, n
        return best, shared

    def read(self, tokens: Sequence[int]) -> bytes | None:
        """The state saved for exactly ``tokens`` (None if it is gone or damaged: a damaged
        entry is removed); marks it as the most recently used."""
        path = self._state_path(tokens)
        try:
            data = path.read_bytes()
            os.utime(path)
        except OSError as exc:
            logger.info("Saved prefix state %s not read: %s", path.name, exc)
            return None
        state = data[_SUM:]
        if hashlib.sha1(state).digest() != data[:_SUM]:
            logger.warning("Dropped a damaged prefix state on disk (%s).", path)
            self.remove(tokens)
            return None
        return state

    def put(self, tokens: Sequence[int], state: bytes) -> None:
        """Save ``state`` for ``tokens``; drop the entries it supersedes and the oldest past
        the capacity. A write that fails (a full disk) is logged, never raised: the states on
        disk only save time."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ids = np.asarray(tokens, dtype=np.int32)
            digest = self._digest(ids)
            # The state first: an entry is listed by its tokens file, so it is never half there.
            _write(self.folder / f"{digest}.state", hashlib.sha1(state).digest() + state)
            _write(self.folder / f"{digest}.tokens", ids.tobytes())
        except OSError as exc:
            logger.warning("Could not save a prefix state in %s: %s", self.folder, exc)
            return
        kept = []
        for path, saved in self._entries():
            if path.stem != digest and common_prefix(saved, tokens) == len(saved) <= len(ids):
                self.remove(saved)
            else:
                kept.append((path, saved))
        kept.sort(key=lambda item: _used(self._state_path(item[1])))
        for _, saved in kept[: max(0, len(kept) - self.capacity)]:
            self.remove(saved)

    def remove(self, tokens: Sequence[int]) -> None:
        """Delete the entry for ``tokens`` (a state the backend would not load)."""
        digest = self._digest(np.asarray(tokens, dtype=np.int32))
        for suffix in (".tokens", ".state"):
            with contextlib.suppress(OSError):
                (self.folder / f"{digest}{suffix}").unlink()

    def __len__(self) -> int:
        return len(self._entries())

    def _entries(self) -> list[tuple[Path, list[int]]]:
        if not self.folder.is_dir():
            return []
        out = []
        for path in self.folder.glob("*.tokens"):
            try:
                out.append((path, np.frombuffer(path.read_bytes(), dtype=np.int32).tolist()))
            except OSError:  # removed by another process meanwhile
                continue
        return out

    def _state_path(self, tokens: Sequence[int]) -> Path:
        return self.folder / f"{self._digest(np.asarray(tokens, dtype=np.int32))}.state"

    @staticmethod
    def _digest(ids: np.ndarray) -> str:
        return hashlib.sha1(ids.astype(np.int32).tobytes()).hexdigest()[:20]


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
