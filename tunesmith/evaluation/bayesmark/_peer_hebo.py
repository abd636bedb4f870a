"""The ``hebo`` method: HEBO 0.3.6 from its own virtual environment, as a subprocess.

HEBO pins ``numpy<1.25`` and ``pymoo==0.6.0``, which tunesmith's environment cannot take, so
``scripts/setup_hebo.sh`` builds ``.venv-hebo`` and ``TUNESMITH_HEBO_PYTHON`` names its python.
Each cell starts one child (``_peer_hebo_child.py``) and talks JSON lines to it; the child stops
when the optimiser is garbage-collected. HEBO runs with its defaults (GP with input warping and
power-transformed losses, the MACE acquisition optimised by NSGA-II), modelling from the first
suggestion after the shared initial points (``rand_sample=n_init``), seeded with the cell's
seed. The space is HEBO's own types: ``pow`` / ``pow_int`` for log scales, ``num`` / ``int``,
``cat`` for choices.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import weakref
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tunesmith.core import FloatParam, IntParam, OptimizerError, SearchSpace
from tunesmith.evaluation.bayesmark._peers import PeerOptimizer, flat_params, from_peer, to_peer

if TYPE_CHECKING:
    from tunesmith.evaluation.bayesmark._problem import BayesmarkProblem

HEBO_PYTHON_ENV = "TUNESMITH_HEBO_PYTHON"
CHILD = Path(__file__).with_name("_peer_hebo_child.py")
FIX = (
    "Fix: run ./scripts/setup_hebo.sh (builds .venv-hebo, about a minute) and "
    f"export {HEBO_PYTHON_ENV}=$PWD/.venv-hebo/bin/python."
)


def hebo_unavailable() -> str | None:
    """Why the ``hebo`` method cannot run here, or None when it can."""
    python = os.getenv(HEBO_PYTHON_ENV, "")
    if not python:
        return f"HEBO is not installed: {HEBO_PYTHON_ENV} is not set. {FIX}"
    if not Path(python).is_file():
        return f"HEBO is not installed: {HEBO_PYTHON_ENV}={python} does not exist. {FIX}"
    check = "import importlib.util, sys; sys.exit(importlib.util.find_spec('hebo') is None)"
    if subprocess.run([python, "-c", check], capture_output=True, check=False).returncode:
        return f"HEBO is not installed: {python} cannot import hebo. {FIX}"
    return None


def hebo_space(space: SearchSpace) -> list[dict[str, Any]]:
    """``space`` as HEBO's ``DesignSpace().parse`` takes it."""
    out: list[dict[str, Any]] = []
    for p in flat_params(space, "hebo").params:
        if isinstance(p, FloatParam | IntParam):
            kind = ("pow" if p.log else "num") if isinstance(p, FloatParam) else "int"
            kind = "pow_int" if kind == "int" and p.log else kind
            out.append({"name": p.name, "type": kind, "lb": p.low, "ub": p.high})
        else:
            labels = [str(i) for i in range(len(p.choices))]
            out.append({"name": p.name, "type": "cat", "categories": labels})
    return out


def _stop(proc: subprocess.Popen[str], log: IO[str]) -> None:
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


class HeboPeer:
    """HEBO in a child process, as a :class:`~tunesmith.evaluation.bayesmark._peers.Peer`.

    Args:
        space: A flat search space.
        seed: HEBO's seed.
        n_init: Observations before HEBO starts modelling (the shared initial points).
        python: The interpreter of HEBO's environment.
    """

    def __init__(self, space: SearchSpace, seed: int, n_init: int, python: str) -> None:
        self.space = space
        self._log = tempfile.TemporaryFile("w+")  # the child's stderr, quoted on failure
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        self._proc = subprocess.Popen(
            [python, str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._log, text=True, env=env,
        )  # fmt: skip
        weakref.finalize(self, _stop, self._proc, self._log)
        start = {"space": hebo_space(space), "seed": seed, "n_init": n_init}
        self.version = str(self._call(start)["hebo"])

    def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None
        assert stdout is not None
        try:
            stdin.write(json.dumps(message) + "\n")
            stdin.flush()
            line = stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        reply = json.loads(line) if line else {"error": "the HEBO child exited"}
        if "error" in reply:
            self._log.seek(0)
            tail = self._log.read()[-2000:]
            raise OptimizerError(f"HEBO failed: {reply['error']}. Its stderr ends:\n{tail}")
        return dict(reply)

    def suggest(self) -> dict[str, Any]:
        """HEBO's next configuration."""
        return from_peer(self.space, self._call({"op": "suggest"})["params"])

    def observe(self, params: dict[str, Any], loss: float | None, *, suggested: bool) -> None:
        """Tell HEBO the result (a failed evaluation is dropped by HEBO)."""
        self._call({"op": "observe", "params": to_peer(self.space, params), "loss": loss})


def build_hebo(problem: BayesmarkProblem, seed: int, n_init: int) -> PeerOptimizer:
    """The ``hebo`` method's optimiser for ``problem``."""
    reason = hebo_unavailable()
    if reason is not None:
        raise OptimizerError(reason)
    python = os.environ[HEBO_PYTHON_ENV]
    return PeerOptimizer(problem.space, HeboPeer(problem.space, seed, n_init, python))
