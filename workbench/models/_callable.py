"""Adapter for any Python function that returns class probabilities (a black box)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.models._base import ModelAdapter, ModelKind


class CallableAdapter(ModelAdapter):
    """Wraps ``predict_proba(inputs) -> array (n, classes)``; only perturbation methods apply.

    The function receives a list of str for text models and a DataFrame of the feature columns
    for tabular models.
    """

    framework = "callable"

    def __init__(
        self,
        predict_proba: Callable[[Any], Any],
        *,
        kind: ModelKind,
        class_names: Sequence[str],
        name: str = "callable model",
        positive_class: str | None = None,
        feature_columns: Sequence[str] = (),
        batch_size: int = 256,
        fingerprint: str = "",
    ) -> None:
        super().__init__(
            name=name,
            kind=kind,
            class_names=class_names,
            positive_class=positive_class,
            feature_columns=feature_columns,
            batch_size=batch_size,
            fingerprint=fingerprint,
        )
        self.function = predict_proba

    def _predict_batch(self, batch: list[str] | pd.DataFrame) -> np.ndarray:
        return np.asarray(self.function(batch), dtype=float)
