"""A PyTorch MLP with the scikit-learn estimator interface (torch is imported inside fit)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder

from tunesmith.core import FloatParam, IntParam, SearchSpace
from tunesmith.learners._catalogue import TASK_TYPES, Fidelity, Learner, TaskType

_PREDICT_BATCH = 65536


class _TorchMLP(BaseEstimator):
    """Shared fit/predict of the torch MLP; the subclasses pick the loss and the outputs."""

    def __init__(
        self,
        *,
        hidden_size: int = 128,
        n_layers: int = 2,
        dropout: float = 0.1,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        batch_size: int = 128,
        epochs: int = 20,
        device: str = "auto",
        random_state: int | None = None,
    ) -> None:
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.device = device
        self.random_state = random_state

    def _targets(self, y: Any) -> tuple[np.ndarray, int]:
        raise NotImplementedError

    def _transform_targets(self, y: Any) -> np.ndarray:
        raise NotImplementedError

    def _loss(self) -> Any:
        raise NotImplementedError

    def _network(self, n_in: int, n_out: int) -> Any:
        import torch

        layers: list[Any] = []
        width = n_in
        for _ in range(self.n_layers):
            layers += [
                torch.nn.Linear(width, self.hidden_size),
                torch.nn.ReLU(),
                torch.nn.Dropout(self.dropout),
            ]
            width = self.hidden_size
        layers.append(torch.nn.Linear(width, n_out))
        return torch.nn.Sequential(*layers)

    def _resolve_device(self) -> str:
        import torch

        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self.device

    def fit(self, X: Any, y: Any) -> _TorchMLP:
        """Train for ``epochs`` passes over (X, y) with AdamW; GPU when one is available."""
        import torch

        features = np.asarray(X, dtype=np.float32)
        targets, n_out = self._targets(y)
        device = self._resolve_device()
        seed = self.random_state
        rng = np.random.default_rng(seed)
        # fork_rng keeps our seeding (weights, dropout) from touching the global torch RNG.
        with torch.random.fork_rng(devices=[] if device == "cpu" else None):
            torch.manual_seed(int(rng.integers(2**31)) if seed is not None else torch.seed())
            net = self._network(features.shape[1], n_out).to(device)
            optimiser = torch.optim.AdamW(
                net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
            )
            self._train(net, optimiser, features, targets, self.epochs, rng, device)
        # Kept on the CPU so a fitted model pickles and loads on machines without a GPU.
        self.module_ = net.cpu().eval()
        self.n_features_in_ = features.shape[1]
        self.epochs_trained_ = self.epochs
        for stale in ("optimizer_state_", "rng_"):
            self.__dict__.pop(stale, None)
        return self

    def continue_fit(self, X: Any, y: Any, *, epochs: int) -> _TorchMLP:
        """Train ``epochs`` more passes, from the current weights and optimiser state.

        Starts from scratch when the model is not fitted yet. The current ``learning_rate``,
        ``weight_decay``, ``dropout`` and ``batch_size`` apply, so they may change between calls
        (Population Based Training mutates them); ``hidden_size`` and ``n_layers`` are fixed by
        the first call. The optimiser state (``optimizer_state_``), a random generator (``rng_``)
        and the epoch count (``epochs_trained_``) are kept, so a pickled model resumes where it
        stopped.

        Args:
            X: Training features (the same columns on every call).
            y: Training targets (the same classes on every call).
            epochs: How many more passes over (X, y) to train.

        Returns:
            self.
        """
        import torch

        features = np.asarray(X, dtype=np.float32)
        device = self._resolve_device()
        fresh = not hasattr(self, "module_")
        if fresh:
            targets, n_out = self._targets(y)
            self.rng_ = np.random.default_rng(self.random_state)
            self.epochs_trained_ = 0
        else:
            targets = self._transform_targets(y)
            if not hasattr(self, "rng_"):
                self.rng_ = np.random.default_rng(self.random_state)
        with torch.random.fork_rng(devices=[] if device == "cpu" else None):
            torch.manual_seed(int(self.rng_.integers(2**31)))
            net = self._network(features.shape[1], n_out) if fresh else self.module_
            for layer in net.modules():
                if isinstance(layer, torch.nn.Dropout):
                    layer.p = self.dropout
            net = net.to(device)
            optimiser = torch.optim.AdamW(
                net.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
            )
            if hasattr(self, "optimizer_state_"):
                optimiser.load_state_dict(self.optimizer_state_)
                # load_state_dict restores the saved lr / weight decay; the current ones win.
                for group in optimiser.param_groups:
                    group.update(lr=self.learning_rate, weight_decay=self.weight_decay)
            self._train(net, optimiser, features, targets, epochs, self.rng_, device)
        self.module_ = net.cpu().eval()
        self.optimizer_state_: dict[str, Any] = _to_cpu(optimiser.state_dict())
        self.n_features_in_ = features.shape[1]
        self.epochs_trained_ += epochs
        return self

    def _train(
        self,
        net: Any,
        optimiser: Any,
        features: np.ndarray,
        targets: np.ndarray,
        epochs: int,
        rng: np.random.Generator,
        device: str,
    ) -> None:
        import torch

        loss_fn = self._loss()
        x_all = torch.from_numpy(features).to(device)
        y_all = torch.from_numpy(targets).to(device)
        net.train()
        for _ in range(epochs):
            order = torch.from_numpy(rng.permutation(len(features))).to(device)
            for start in range(0, len(features), self.batch_size):
                idx = order[start : start + self.batch_size]
                optimiser.zero_grad()
                loss_fn(net(x_all[idx]), y_all[idx]).backward()
                optimiser.step()

    def _forward(self, X: Any) -> np.ndarray:
        import torch

        features = np.asarray(X, dtype=np.float32)
        outputs = []
        with torch.no_grad():
            for start in range(0, len(features), _PREDICT_BATCH):
                batch = torch.from_numpy(features[start : start + _PREDICT_BATCH])
                outputs.append(self.module_(batch).numpy())
        return np.concatenate(outputs) if outputs else np.empty((0, 1), dtype=np.float32)


class TorchMLPClassifier(ClassifierMixin, _TorchMLP):
    """Multi-layer perceptron classifier in PyTorch (cross-entropy, AdamW)."""

    def _targets(self, y: Any) -> tuple[np.ndarray, int]:
        self.encoder_ = LabelEncoder().fit(y)
        self.classes_ = self.encoder_.classes_
        return self._transform_targets(y), len(self.classes_)

    def _transform_targets(self, y: Any) -> np.ndarray:
        return np.asarray(self.encoder_.transform(y), dtype=np.int64)

    def _loss(self) -> Any:
        import torch

        return torch.nn.CrossEntropyLoss()

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        logits = self._forward(X)
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class label."""
        return np.asarray(self.classes_[np.argmax(self._forward(X), axis=1)])


class TorchMLPRegressor(RegressorMixin, _TorchMLP):
    """Multi-layer perceptron regressor in PyTorch (MSE on a standardised target, AdamW)."""

    def _targets(self, y: Any) -> tuple[np.ndarray, int]:
        values = np.asarray(y, dtype=np.float64)
        self.y_mean_ = float(values.mean())
        self.y_scale_ = float(values.std()) or 1.0
        return self._transform_targets(values), 1

    def _transform_targets(self, y: Any) -> np.ndarray:
        scaled = (np.asarray(y, dtype=np.float64) - self.y_mean_) / self.y_scale_
        return scaled.astype(np.float32).reshape(-1, 1)

    def _loss(self) -> Any:
        import torch

        return torch.nn.MSELoss()

    def predict(self, X: Any) -> np.ndarray:
        """Predicted target values."""
        return np.asarray(self._forward(X)[:, 0], dtype=np.float64) * self.y_scale_ + self.y_mean_


def _to_cpu(state: Any) -> Any:
    """A copy of an optimiser state dict with every tensor on the CPU (so it pickles anywhere)."""
    import torch

    if isinstance(state, torch.Tensor):
        return state.detach().cpu()
    if isinstance(state, dict):
        return {key: _to_cpu(value) for key, value in state.items()}
    if isinstance(state, list | tuple):
        return type(state)(_to_cpu(value) for value in state)
    return state


def _torch_mlp(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    cls = TorchMLPRegressor if task == "regression" else TorchMLPClassifier
    return cls(device="auto" if gpu else "cpu", random_state=seed, **c)


def torch_learners() -> list[Learner]:
    """Return the torch MLP learner."""
    return [
        Learner(
            name="torch_mlp",
            task_types=frozenset(TASK_TYPES),
            default_config={
                "hidden_size": 128,
                "n_layers": 2,
                "dropout": 0.1,
                "learning_rate": 1e-3,
                "weight_decay": 1e-5,
                "batch_size": 128,
            },
            space=SearchSpace(
                params=(
                    IntParam(name="hidden_size", low=16, high=512, log=True),
                    IntParam(name="n_layers", low=1, high=4),
                    FloatParam(name="dropout", low=0.0, high=0.5),
                    FloatParam(name="learning_rate", low=1e-4, high=1e-1, log=True),
                    FloatParam(name="weight_decay", low=1e-8, high=1e-2, log=True),
                    IntParam(name="batch_size", low=16, high=1024, log=True),
                )
            ),
            fidelity=Fidelity(name="epochs", low=1, high=200, default=20),
            uses_gpu=True,
            encoding="onehot",
            needs_scaling=True,
            handles_missing=False,
            description="PyTorch MLP (ReLU, dropout, AdamW); trains on a CUDA GPU when asked.",
            factory=_torch_mlp,
        )
    ]
