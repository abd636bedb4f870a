"""The ``hebo`` method's child: HEBO's optimiser behind JSON lines on stdin/stdout.

Run by the python of HEBO's own virtual environment (``scripts/setup_hebo.sh``):
``$TUNESMITH_HEBO_PYTHON _peer_hebo_child.py``. It imports nothing of tunesmith (that
environment does not have it). Protocol, one JSON object a line, each answered by one line:

* ``{"space": [HEBO parameter dicts], "seed": S, "n_init": N}`` -> ``{"hebo": VERSION}``
* ``{"op": "suggest"}`` -> ``{"params": {...}}``
* ``{"op": "observe", "params": {...}, "loss": L}`` (``L`` null: failed) -> ``{}``

An error is answered ``{"error": "..."}`` (the traceback goes to stderr) and ends the child.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any


def _start(spec: dict[str, Any]) -> Any:
    import numpy as np
    import torch
    from hebo.design_space.design_space import DesignSpace
    from hebo.optimizers.hebo import HEBO

    # HEBO draws from numpy's and torch's global generators (its evolution strategy and random
    # suggestions), so seeding them is the only way to make a run repeatable.
    seed = int(spec["seed"])
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    space = DesignSpace().parse(spec["space"])
    # Model from the first suggestion after the shared initial points on, as TPE and GP do.
    return HEBO(space, rand_sample=int(spec["n_init"]), scramble_seed=seed)


def _answer(opt: Any, message: dict[str, Any]) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    if message.get("op") == "suggest":
        row = opt.suggest(n_suggestions=1).iloc[0]
        return {"params": {k: v.item() if hasattr(v, "item") else v for k, v in row.items()}}
    if message.get("op") == "observe":
        loss = message["loss"]
        y = np.array([[np.inf if loss is None else float(loss)]])  # HEBO drops non-finite y
        opt.observe(pd.DataFrame([message["params"]]), y)
        return {}
    raise ValueError(f"unknown message {message!r}; expected op 'suggest' or 'observe'")


def main() -> None:
    """Serve one optimiser until stdin closes."""
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the protocol
    opt = None
    for line in sys.stdin:
        try:
            message = json.loads(line)
            if opt is None:
                from importlib.metadata import version

                opt = _start(message)
                reply: dict[str, Any] = {"hebo": version("hebo")}
            else:
                reply = _answer(opt, message)
        except Exception as exc:
            traceback.print_exc()
            out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            out.flush()
            sys.exit(1)
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
