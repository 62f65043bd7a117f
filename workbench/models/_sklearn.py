"""Adapter for scikit-learn estimators and Pipelines that have ``predict_proba``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import ModelLoadError
from workbench.models._base import ModelAdapter, ModelInfo


class SklearnAdapter(ModelAdapter):
    """A fitted estimator: text pipelines take raw strings, tabular ones a DataFrame.

    The estimator's ``classes_`` are matched to ``class_names`` by name when they are strings,
    and by position when they are the integers ``0..k-1``, so output columns follow the spec.
    """

    framework = "sklearn"

    def __init__(self, estimator: Any, info: ModelInfo, *, batch_size: int = 1024) -> None:
        super().__init__(info, batch_size=batch_size)
        if not hasattr(estimator, "predict_proba"):
            raise ModelLoadError(
                f"{type(estimator).__name__} has no predict_proba; use a probabilistic "
                "classifier (e.g. LogisticRegression) or wrap it with CalibratedClassifierCV"
            )
        self.estimator = estimator
        self._column_order = _column_order(getattr(estimator, "classes_", None), self.class_names)

    def _predict_batch(self, batch: list[str] | pd.DataFrame) -> np.ndarray:
        return np.asarray(self.estimator.predict_proba(batch))[:, self._column_order]


def _column_order(fitted_classes: Any, class_names: tuple[str, ...]) -> np.ndarray:
    if fitted_classes is None:
        raise ModelLoadError("the scikit-learn estimator is not fitted (it has no classes_)")
    fitted = list(fitted_classes)
    if len(fitted) != len(class_names):
        raise ModelLoadError(
            f"the estimator was fitted on {len(fitted)} classes {fitted} but the spec names "
            f"{len(class_names)}: {list(class_names)}"
        )
    as_text = [str(c) for c in fitted]
    if sorted(as_text) == sorted(class_names):
        return np.asarray([as_text.index(name) for name in class_names])
    if as_text == [str(i) for i in range(len(fitted))]:
        return np.arange(len(fitted))
    raise ModelLoadError(
        f"the estimator's classes {fitted} match neither the spec's class names "
        f"{list(class_names)} nor the positions 0..{len(fitted) - 1}"
    )
