"""Adapter for any Python function that returns class probabilities (a black box)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from workbench.models._base import ModelAdapter, ModelInfo


class CallableAdapter(ModelAdapter):
    """Wraps ``predict_proba(inputs) -> array (n, classes)``; only perturbation methods apply.

    The function receives a list of str for text models and a DataFrame of the feature columns
    for tabular models.
    """

    framework = "callable"

    def __init__(
        self, predict_proba: Callable[[Any], Any], info: ModelInfo, *, batch_size: int = 256
    ) -> None:
        super().__init__(info, batch_size=batch_size)
        self.function = predict_proba

    def _predict_batch(self, batch: list[str] | pd.DataFrame) -> np.ndarray:
        return np.asarray(self.function(batch), dtype=float)
