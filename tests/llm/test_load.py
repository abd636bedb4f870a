from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from tunesmith.core.errors import LLMConnectionError, MissingExtraError, ModelFileError
from tunesmith.llm import load


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_missing_gguf_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"does not exist.*never downloads"):
        load(f"gguf:{tmp_path / 'absent.gguf'}")


def test_file_that_is_not_gguf(tmp_path: Path) -> None:
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04 not a gguf")
    with pytest.raises(ModelFileError, match="is not a GGUF file"):
        load(f"gguf:{fake}")


def test_hf_directory_without_config(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"no config.json"):
        load(f"hf:{tmp_path}")


def test_unreachable_server_says_how_to_start_one() -> None:
    port = _free_port()
    with pytest.raises(LLMConnectionError, match=r"Cannot reach .*vllm serve"):
        load(f"openai:http://127.0.0.1:{port}/v1#any")


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if llama-cpp-python were absent
    with pytest.raises(MissingExtraError, match=r"pip install 'tunesmith\[local\]'"):
        load("embedded")


def test_missing_torch_names_the_torch_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(MissingExtraError, match=r"tunesmith\[torch\]"):
        load(f"hf:{tmp_path}")
