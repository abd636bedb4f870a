"""The hybrid sampler drives Ray Tune through ``OptunaSearch`` (in a fresh process: Ray keeps
per-process state that other Ray tests of this session must not inherit)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("ray.tune")

SCRIPT = textwrap.dedent(
    """
    import json, math, sys
    import ray
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch
    from tests.tools._fake_reader import ScriptedReader
    from tunesmith.core import FloatParam, SearchSpace
    from tunesmith.llm.testing import ScriptedChatModel
    from tunesmith.tools._llm_sampler import HybridSampler

    space = SearchSpace(params=(FloatParam(name="x", low=0.0, high=1.0),))
    loss = lambda c: (c["x"] - 0.7) ** 2
    reply = json.dumps({"configs": [{"x": 0.5}, {"x": 0.9}]})
    sampler = HybridSampler(
        space, llm=ScriptedChatModel(replies=[reply] * 20),
        reader=ScriptedReader(true_value=loss), seed=0, n_warmup=2,
    )
    search = OptunaSearch(
        space=space.distributions(), sampler=sampler, metric="loss", mode="min"
    )
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    tuner = tune.Tuner(
        lambda c: {"loss": loss(c)},
        tune_config=tune.TuneConfig(search_alg=search, num_samples=6, max_concurrent_trials=1),
    )
    results = tuner.fit()
    print(json.dumps({
        "n": len(results), "best": results.get_best_result("loss", "min").metrics["loss"],
        "sources": sampler.stats.sources,
    }))
    """
)


@pytest.mark.slow
def test_hybrid_sampler_runs_under_ray_tune_optuna_search(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=root, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(root), "RAY_USAGE_STATS_ENABLED": "0", "HOME": str(tmp_path),
             "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["n"] == 6
    assert result["sources"].get("llm-warm-start", 0) >= 1
    scored = ("llm-candidate", "pool-candidate", "screen-candidate", "gp-llm-scored")
    assert sum(result["sources"].get(name, 0) for name in scored) >= 1
    assert result["best"] < 0.05
