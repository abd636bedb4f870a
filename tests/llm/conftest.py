from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from langchain_core.language_models import BaseChatModel


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
