"""Prefix states on disk: found by longest common prefix, superseded, evicted, checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tunesmith.llm._scoring_disk import DiskPrefixStates, model_identity


def test_the_longest_shared_prefix_is_found_and_read_back(tmp_path: Path) -> None:
    disk = DiskPrefixStates(tmp_path / "model", capacity=4)
    assert disk.best([1, 2, 3]) == (None, 0)  # nothing written yet, no folder either
    disk.put([1, 2, 3], b"abc")
    disk.put([1, 5], b"15")
    assert disk.best([1, 2, 3, 4]) == ([1, 2, 3], 3)
    assert disk.best([1, 5, 9]) == ([1, 5], 2)
    assert disk.best([7]) == (None, 0)
    assert disk.read([1, 2, 3]) == b"abc"
    assert disk.read([1, 2]) is None  # not an entry


def test_a_grown_prefix_supersedes_the_entries_it_starts_with(tmp_path: Path) -> None:
    disk = DiskPrefixStates(tmp_path, capacity=4)
    disk.put([1, 2], b"a")
    disk.put([1, 9], b"b")
    disk.put([1, 2, 3], b"c")
    assert len(disk) == 2
    assert disk.read([1, 2]) is None
    assert disk.read([1, 2, 3]) == b"c"
    assert disk.read([1, 9]) == b"b"


def test_the_least_recently_used_entry_goes_past_the_capacity(tmp_path: Path) -> None:
    disk = DiskPrefixStates(tmp_path, capacity=2)
    disk.put([1], b"a")
    disk.put([2], b"b")
    # Age both, then use the first: the second is now the least recently used.
    for path in tmp_path.glob("*.state"):
        os.utime(path, (1_000_000, 1_000_000))
    assert disk.read([1]) == b"a"
    disk.put([3], b"c")
    assert len(disk) == 2
    assert disk.read([2]) is None
    assert disk.read([1]) == b"a"
    assert disk.read([3]) == b"c"


def test_a_damaged_state_is_dropped_not_returned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    disk = DiskPrefixStates(tmp_path)
    disk.put([4, 5], b"state bytes")
    (state,) = tmp_path.glob("*.state")
    state.write_bytes(state.read_bytes()[:-3])
    assert disk.read([4, 5]) is None
    assert "damaged" in caplog.text
    assert len(disk) == 0


def test_a_failed_write_is_logged_and_loses_nothing_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    disk = DiskPrefixStates(blocker / "model")
    disk.put([1, 2], b"x")  # the folder cannot be made: logged, not raised
    assert "Could not save a prefix state" in caplog.text
    assert disk.best([1, 2]) == (None, 0)


def test_the_capacity_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DiskPrefixStates(tmp_path, capacity=0)


def test_the_model_identity_follows_the_file(tmp_path: Path) -> None:
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"weights")
    first = model_identity(model, "0.3.36")
    assert first.startswith("tiny-")
    assert model_identity(model, "0.3.36") == first
    assert model_identity(model, "0.3.37") != first  # another llama-cpp-python
    model.write_bytes(b"other weights")
    assert model_identity(model, "0.3.36") != first
