from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from langchain_core.language_models import BaseChatModel

SERVED_ALIAS = "tunesmith-embedded"


@pytest.fixture(scope="session")
def embedded_chat() -> BaseChatModel:
    from tunesmith.llm import load

    return load("embedded")


@pytest.fixture(scope="session")
def real_tables() -> Iterator[dict[str, pd.DataFrame]]:
    """Small real tables shipped by packages: penguins, diabetes and breast cancer."""
    from palmerpenguins import load_penguins
    from sklearn.datasets import load_breast_cancer, load_diabetes

    cancer = load_breast_cancer(as_frame=True)
    breast = cancer.frame.rename(columns={"target": "diagnosis"})
    breast["diagnosis"] = cancer.target_names[breast["diagnosis"]]
    diabetes = load_diabetes(as_frame=True, scaled=False).frame.rename(
        columns={"target": "progression"}
    )
    return {"penguins": load_penguins(), "diabetes": diabetes, "breast": breast}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real llama_cpp.server (OpenAI-compatible) on the embedded GGUF, as ``SERVED_ALIAS``."""
    from tunesmith.llm import ensure_embedded_model

    model = ensure_embedded_model(echo=lambda _: None).path
    port = _free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", SERVED_ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
    ]  # fmt: skip
    log_path = tmp_path_factory.mktemp("server") / "llama_cpp_server.log"
    log = log_path.open("wb")  # a file, not a pipe: a full pipe would block the server
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                output = log_path.read_text(errors="replace")[-4000:]
                pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{output}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")[-4000:]
                pytest.fail(f"llama_cpp.server did not start within 180 s:\n{output}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def hf_checkpoint() -> Path:
    """A transformers checkpoint of the embedded model, built once from its GGUF and cached.

    tunesmith never downloads from a hub, so the tests make their own local checkpoint
    (transformers dequantises GGUF files) next to the embedded weights.
    """
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    from tunesmith.llm import cache_dir, ensure_embedded_model

    target = cache_dir() / "hf" / "qwen2.5-coder-0.5b-instruct-from-gguf"
    if not (target / "config.json").is_file():
        gguf = ensure_embedded_model(echo=lambda _: None).path
        tokenizer = transformers.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = transformers.AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        # The weights are dequantised already; drop the GGUF marker so they save as plain
        # safetensors.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        partial = target.with_name(target.name + ".partial")
        for stale in (partial, target):  # left by an interrupted run
            shutil.rmtree(stale, ignore_errors=True)
        tokenizer.save_pretrained(partial)
        model.save_pretrained(partial)
        partial.rename(target)
    return target
