"""Adapter for scikit-learn estimators and Pipelines that have ``predict_proba``, read from
skops files (or, when trusted, pickles)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import ModelLoadError, UnsafeFormatError
from workbench.models._base import ModelAdapter, ModelInfo, run_model_code
from workbench.models._loading import MSG_PICKLE_REFUSED
from workbench.spec import ModelSpec

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
SAFE_SKOPS_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


class SklearnAdapter(ModelAdapter):
    """A fitted estimator: text pipelines take raw strings, tabular ones a DataFrame.

    The estimator's ``classes_`` (through ``label_map`` when given) are matched to
    ``class_names`` by name, else by position when they are the integers ``0..k-1``, so output
    columns follow the spec.
    """

    framework = "sklearn"

    def __init__(
        self,
        estimator: Any,
        info: ModelInfo,
        *,
        label_map: dict[str, str] | None = None,
        batch_size: int = 1024,
    ) -> None:
        super().__init__(info, batch_size=batch_size)
        if not hasattr(estimator, "predict_proba"):
            raise ModelLoadError(
                f"{type(estimator).__name__} has no predict_proba; use a probabilistic "
                "classifier (e.g. LogisticRegression) or wrap it with CalibratedClassifierCV"
            )
        self.estimator = estimator
        fitted = getattr(estimator, "classes_", None)
        if fitted is not None and label_map:
            fitted = [label_map.get(str(value), value) for value in fitted]
        self._column_order = _column_order(fitted, self.class_names)

    def _predict_batch(self, batch: list[str] | pd.DataFrame) -> np.ndarray:
        scores = run_model_code(self.name, "predict_proba", self.estimator.predict_proba, batch)
        return np.asarray(scores)[:, self._column_order]


def load_sklearn(
    spec: ModelSpec, info: ModelInfo, batch: dict[str, int], *, trust_pickle: bool
) -> SklearnAdapter:
    """A scikit-learn adapter for the estimator in the spec's weights."""
    estimator = _read_estimator(spec.weights, trust_pickle=trust_pickle)
    return SklearnAdapter(estimator, info, label_map=dict(spec.label_map), **batch)


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


def _read_estimator(weights: Path, *, trust_pickle: bool) -> Any:
    if weights.suffix in PICKLE_SUFFIXES:
        if not trust_pickle:
            raise UnsafeFormatError(
                MSG_PICKLE_REFUSED.format(
                    path=weights,
                    fmt="pickle/joblib",
                    safe="skops: skops.io.dump(model, 'model.skops')",
                )
            )
        import joblib

        try:
            return joblib.load(weights)
        except Exception as err:  # a trusted pickle may fail in any way its code does
            raise ModelLoadError(f"cannot load trusted pickle {weights}: {err}") from None
    if weights.suffix != ".skops":
        raise ModelLoadError(
            f"unknown scikit-learn format {weights.suffix!r} for {weights}; save with "
            "skops.io.dump(model, 'model.skops')"
        )
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=weights)
    except Exception as err:  # skops raises many types for a corrupt archive
        raise ModelLoadError(f"cannot read skops file {weights}: {err}") from None
    unsafe = [t for t in untrusted if not t.startswith(SAFE_SKOPS_PREFIXES)]
    if unsafe and not trust_pickle:
        raise UnsafeFormatError(
            f"refusing to load {weights}: it holds types outside scikit-learn, numpy and scipy "
            f"({unsafe[:5]}) whose loading can run code; pass trust_pickle=True "
            "(--trust-pickle) if you trust who made this file"
        )
    try:
        return skops.io.load(weights, trusted=untrusted)
    except Exception as err:  # skops raises many types for a corrupt archive
        raise ModelLoadError(f"cannot load skops file {weights}: {err}") from None
