"""Metrics of the sample models: overall and per protected group, as stored in metrics.json."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench import ModelAdapter, ModelSpec, load_dataset, load_spec
from workbench.models import load_classifier


def predict_labels(model: ModelAdapter, frame: pd.DataFrame, spec: ModelSpec) -> np.ndarray:
    """Predicted class names for the rows of ``frame`` (text column or feature columns)."""
    inputs = frame[spec.text_column] if spec.kind == "text" else frame
    probabilities = model.predict_proba(inputs)
    return np.asarray(model.class_names, dtype=object)[probabilities.argmax(axis=1)]


def compute_metrics(
    frame: pd.DataFrame,
    predicted: Sequence[str] | np.ndarray,
    *,
    classes: Sequence[str],
    positive_class: str,
    label_column: str = "label",
    protected_attributes: Sequence[str] = (),
) -> dict[str, Any]:
    """Accuracy, macro-F1 and positive-class rates overall and for each protected group."""
    truth = frame[label_column].astype(str).to_numpy()
    guess = np.asarray(predicted, dtype=str)
    classes = [str(c) for c in classes]
    per_group: dict[str, dict[str, Any]] = {}
    gaps: dict[str, dict[str, Any]] = {}
    for attribute in protected_attributes:
        values = frame[attribute].astype(str).to_numpy()
        groups = {
            str(g): _rates(truth[values == g], guess[values == g], classes, positive_class)
            for g in sorted(set(values))
        }
        per_group[attribute] = groups
        gaps[attribute] = _gaps(groups)
    return {
        "n": int(len(truth)),
        "label_column": label_column,
        "classes": classes,
        "positive_class": positive_class,
        "overall": _rates(truth, guess, classes, positive_class),
        "per_group": per_group,
        "gaps": gaps,
    }


def evaluate_spec(spec: str | ModelSpec) -> dict[str, Any]:
    """Metrics of a model on its spec's data, computed through ``load_classifier``."""
    spec = load_spec(spec)
    model = load_classifier(spec, task="the sample models' evaluation")
    frame = load_dataset(spec)
    return compute_metrics(
        frame,
        predict_labels(model, frame, spec),
        classes=spec.classes,
        positive_class=spec.positive_class,
        label_column=spec.label_column or "label",
        protected_attributes=spec.protected_attributes,
    )


def compare_metrics(expected: Any, actual: Any, *, tolerance: float, where: str = "") -> list[str]:
    """Differences between two metrics trees; numbers may differ by ``tolerance``."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        problems = [f"{where}/{k}: missing" for k in expected if k not in actual]
        problems += [f"{where}/{k}: unexpected" for k in actual if k not in expected]
        for key in expected.keys() & actual.keys():
            problems += compare_metrics(
                expected[key], actual[key], tolerance=tolerance, where=f"{where}/{key}"
            )
        return problems
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        problems = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            problems += compare_metrics(e, a, tolerance=tolerance, where=f"{where}[{i}]")
        return problems
    numbers = (int, float)
    if (
        isinstance(expected, numbers)
        and isinstance(actual, numbers)
        and not isinstance(expected, bool)
        and not isinstance(actual, bool)
    ):
        if abs(expected - actual) <= tolerance:
            return []
        return [f"{where}: {expected!r} != {actual!r}"]
    return [] if expected == actual else [f"{where}: {expected!r} != {actual!r}"]


def _rates(
    truth: np.ndarray, guess: np.ndarray, classes: list[str], positive: str
) -> dict[str, Any]:
    is_pos, said_pos = truth == positive, guess == positive
    rates: dict[str, Any] = {
        "n": int(len(truth)),
        "n_positive": int(is_pos.sum()),
        "accuracy": _ratio((truth == guess).sum(), len(truth)),
        "macro_f1": _macro_f1(truth, guess, classes),
        "tpr": _ratio((is_pos & said_pos).sum(), is_pos.sum()),
        "fnr": _ratio((is_pos & ~said_pos).sum(), is_pos.sum()),
        "fpr": _ratio((~is_pos & said_pos).sum(), (~is_pos).sum()),
        "selection_rate": _ratio(said_pos.sum(), len(truth)),
    }
    if len(classes) > 2:
        rates["recall_by_class"] = {
            c: _ratio(((truth == c) & (guess == c)).sum(), (truth == c).sum()) for c in classes
        }
        rates["fpr_by_class"] = {
            c: _ratio(((truth != c) & (guess == c)).sum(), (truth != c).sum()) for c in classes
        }
    return rates


def _macro_f1(truth: np.ndarray, guess: np.ndarray, classes: list[str]) -> float | None:
    if len(truth) == 0:
        return None
    scores = []
    for c in classes:
        hit = int(((truth == c) & (guess == c)).sum())
        denominator = int((truth == c).sum() + (guess == c).sum())
        scores.append(2.0 * hit / denominator if denominator else 0.0)
    return float(np.mean(scores))


def _gaps(groups: dict[str, dict[str, Any]]) -> dict[str, Any]:
    gaps: dict[str, Any] = {}
    for metric in ("accuracy", "tpr", "fnr", "fpr", "selection_rate"):
        values = {g: r[metric] for g, r in groups.items() if r[metric] is not None}
        if not values:
            continue
        low, high = min(values, key=values.get), max(values, key=values.get)
        gaps[metric] = {
            "max_group": high,
            "min_group": low,
            "difference": values[high] - values[low],
            "ratio": values[high] / values[low] if values[low] > 0 else None,
        }
    return gaps


def _ratio(numerator: Any, denominator: Any) -> float | None:
    return float(numerator) / float(denominator) if denominator else None
