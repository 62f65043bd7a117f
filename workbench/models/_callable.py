"""Adapter for any Python function that returns class probabilities (a black box)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import ModelLoadError
from workbench.models._base import ModelAdapter, ModelInfo, run_model_code
from workbench.models._loading import import_object
from workbench.spec import ModelSpec


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
        scores = run_model_code(self.name, "predict_proba", self.function, batch)
        return np.asarray(scores, dtype=float)


def load_callable(
    spec: ModelSpec, info: ModelInfo, batch: dict[str, int], *, trust_pickle: bool
) -> CallableAdapter:
    """A callable adapter for the function the spec's ``entry`` names; no weights are read."""
    function = import_object(spec.entry, base=spec.folder, model=spec.name)
    if not callable(function):
        raise ModelLoadError(f"entry {spec.entry!r} is not callable; name a function")
    return CallableAdapter(function, info, **batch)
