"""A Gaussian-process surrogate on the unit cube, for the hybrid sampler's mixture.

Its Gaussian prediction is also written as a distribution over the LLM's quality codes, so the
two surrogates' predictions can be mixed and their log-likelihoods compared on one footing.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tunesmith.core import SearchSpace
from tunesmith.tools._llm_surrogate import Prediction
from tunesmith.tools._llm_text import N_CODES, Observation, ScoreCodes


class GPSurrogate:
    """Matern-5/2 GP regression (scikit-learn) on unit-cube coordinates.

    With a handful of points, the fitted GP is over-confident (on three Bayesmark problems
    only 40% of held-out scores fell within one predicted standard deviation). With
    ``calibrate``, the predicted standard deviation is widened by the root mean square of the
    leave-one-out standardised residuals of the history (never narrowed), so the GP's
    log-likelihood can be compared with the LLM's on fair terms.

    Args:
        space: The (flat) space the configurations come from.
        seed: Seed of the kernel optimiser's restarts.
        calibrate: Widen the predictive spread by the leave-one-out factor.
    """

    def __init__(
        self, space: SearchSpace, *, seed: int | None = 0, calibrate: bool = True
    ) -> None:
        self.space = space
        self.seed = seed
        self.calibrate = calibrate

    def _x(self, configs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return np.array([self.space.to_unit(c, inactive=0.5) for c in configs])

    def predict(
        self, history: Sequence[Observation], candidates: Sequence[Mapping[str, Any]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the objective at ``candidates``."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        x = self._x([o.params for o in history])
        y = np.array([o.value for o in history], dtype=float)
        d = x.shape[1]
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(
            length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5
        ) + WhiteKernel(1e-3, (1e-6, 1e-1))
        gp = GaussianProcessRegressor(
            kernel=kernel, normalize_y=True, n_restarts_optimizer=2, random_state=self.seed
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(x, y)
        mean, std = gp.predict(self._x(candidates), return_std=True)
        self.scale_ = loo_scale(gp) if self.calibrate else 1.0
        return np.asarray(mean), np.maximum(self.scale_ * np.asarray(std), 1e-9)


def loo_scale(gp: Any, most: float = 10.0) -> float:
    """How much wider the GP's spread must be for its leave-one-out residuals to have unit
    variance: ``sqrt(mean(z**2))``, clipped into [1, ``most``].

    Closed form (Rasmussen & Williams, eq. 5.12): with ``K`` the training covariance, the
    held-out residual of point i is ``(K^-1 y)_i / (K^-1)_ii`` and its variance ``1 / (K^-1)_ii``.
    """
    from scipy.linalg import cho_solve

    k_inv = cho_solve((gp.L_, True), np.eye(gp.L_.shape[0]))
    z = np.asarray(gp.alpha_).ravel() / np.sqrt(np.maximum(np.diag(k_inv), 1e-300))
    return float(np.clip(np.sqrt(np.mean(z**2)), 1.0, most))


def gaussian_codes(mean: np.ndarray, std: np.ndarray, codes: ScoreCodes) -> Prediction:
    """Gaussian predictions (objective units) as distributions over the quality codes."""
    from scipy.stats import norm

    centre = codes.slope * np.asarray(mean) + codes.offset
    spread = np.maximum(abs(codes.slope) * np.asarray(std), 1e-3)
    edges = np.arange(N_CODES + 1, dtype=float) - 0.5
    edges[0], edges[-1] = -np.inf, np.inf
    cdf = norm.cdf((edges[None, :] - centre[:, None]) / spread[:, None])
    probs = np.maximum(np.diff(cdf, axis=1), 0.0)
    probs /= probs.sum(axis=1, keepdims=True)
    return Prediction(probs, codes)
