"""GPU discovery and GPU slots (one or several trials per GPU, an optional share for an LLM)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from typing import Literal

from tunesmith.core.errors import ConfigurationError

GpuSpec = Literal["auto"] | int | Sequence[int | str] | None


@dataclasses.dataclass(frozen=True)
class GpuSlot:
    """A place for one trial on one GPU.

    Attributes:
        device: The value of ``CUDA_VISIBLE_DEVICES`` the worker gets (an index or a UUID).
        memory_fraction: The share of the GPU's memory a trial may take (torch enforces it
            through ``torch.cuda.set_per_process_memory_fraction``), or None for all of it.
    """

    device: str
    memory_fraction: float | None = None

    def env(self) -> dict[str, str]:
        """Environment variables of a worker that owns this slot."""
        env = {"CUDA_VISIBLE_DEVICES": self.device}
        if self.memory_fraction is not None:
            env["TUNESMITH_GPU_MEMORY_FRACTION"] = f"{self.memory_fraction:.4f}"
        return env


def detect_gpus() -> list[str]:
    """Return the CUDA devices this process may use, as ``CUDA_VISIBLE_DEVICES`` values.

    Honours an existing ``CUDA_VISIBLE_DEVICES``; otherwise asks ``nvidia-smi -L``, and falls
    back to torch only when torch is already imported. No GPU: an empty list.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [d.strip() for d in visible.split(",") if d.strip() and d.strip() != "-1"]
    smi = shutil.which("nvidia-smi")
    if smi is not None:
        try:
            out = subprocess.run(
                [smi, "-L"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        found = re.findall(r"^GPU (\d+):", out, flags=re.MULTILINE)
        if found:
            return found
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return [str(i) for i in range(torch.cuda.device_count())]
    return []


def gpu_slots(
    gpus: GpuSpec = "auto", trials_per_gpu: int = 1, reserve_gpu_memory_for_llm: float = 0.0
) -> list[GpuSlot]:
    """Return the GPU slots to hand out to trials.

    Args:
        gpus: ``"auto"`` (every detected GPU), a count (the first N detected), explicit device
            ids, or None / 0 / ``[]`` for CPU only.
        trials_per_gpu: Trials that share one GPU, each with an equal memory fraction.
        reserve_gpu_memory_for_llm: Share of every GPU's memory kept free for an LLM server
            (e.g. vLLM with ``--gpu-memory-utilization`` equal to this share); trials split
            the rest.

    Raises:
        ConfigurationError: A bad count, fraction, or more GPUs asked for than detected.
    """
    if isinstance(trials_per_gpu, bool) or not isinstance(trials_per_gpu, int):
        raise ConfigurationError(f"trials_per_gpu must be an int >= 1; got {trials_per_gpu!r}.")
    if trials_per_gpu < 1:
        raise ConfigurationError(f"trials_per_gpu must be >= 1; got {trials_per_gpu}.")
    if not 0.0 <= reserve_gpu_memory_for_llm < 1.0:
        raise ConfigurationError(
            f"reserve_gpu_memory_for_llm must be in [0, 1); got {reserve_gpu_memory_for_llm}. "
            "E.g. 0.3 keeps 30% of each GPU's memory for the LLM server."
        )
    if gpus is None or gpus == 0:
        devices: list[str] = []
    elif gpus == "auto":
        devices = detect_gpus()
    elif isinstance(gpus, int) and not isinstance(gpus, bool):
        found = detect_gpus()
        if gpus > len(found):
            raise ConfigurationError(
                f"gpus={gpus} asked for more GPUs than detected ({len(found)}: {found}). "
                "Fix: gpus='auto', a smaller count, or explicit ids."
            )
        devices = found[:gpus]
    elif isinstance(gpus, Sequence) and not isinstance(gpus, str):
        devices = [str(g) for g in gpus]
    else:
        raise ConfigurationError(
            f"gpus must be 'auto', an int, a list of device ids or None; got {gpus!r}."
        )
    share = 1.0 - reserve_gpu_memory_for_llm
    fraction = None if trials_per_gpu == 1 and share == 1.0 else share / trials_per_gpu
    return [GpuSlot(d, fraction) for d in devices for _ in range(trials_per_gpu)]
