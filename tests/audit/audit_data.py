"""Shared data for the audit tests: seeded random predictions and row-level reference values."""

from __future__ import annotations

import logging
import warnings
from dataclasses import fields
from functools import cache

import numpy as np
import pandas as pd

from workbench.audit import AuditOptions
from workbench.audit._groups import JOIN
from workbench.models import CallableAdapter, ModelInfo

GROUPS = {
    "gender": ("female", "male", "nonbinary"),
    "ethnicity": ("asian", "black", "hispanic", "white"),
    "age_band": (1, 2, 3),
}
SHARES = {
    "gender": (0.5, 0.42, 0.08),
    "ethnicity": (0.15, 0.25, 0.2, 0.4),
    "age_band": (0.3, 0.4, 0.3),
}
TOLERANCE = 1e-9


def with_options(arguments: dict) -> dict:
    """Keyword arguments of an audit call with those naming AuditOptions fields as ``options``."""
    names = {field.name for field in fields(AuditOptions)}
    options = {name: value for name, value in arguments.items() if name in names}
    rest = {name: value for name, value in arguments.items() if name not in names}
    return {**rest, "options": AuditOptions(**options)}


def random_frame(seed: int, n: int = 3000, *, attributes: tuple[str, ...] = tuple(GROUPS)):
    """Protected columns, a 0/1 ``label`` and a ``score`` that is worse for black patients."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {a: rng.choice(np.asarray(GROUPS[a], dtype=object), n, p=SHARES[a]) for a in attributes}
    )
    label = rng.random(n) < 0.4
    penalty = 0.15 * (frame["ethnicity"] == "black").to_numpy() if "ethnicity" in frame else 0
    score = np.clip(0.15 + 0.3 * label + 0.55 * rng.random(n) - penalty, 0, 1)
    frame["label"] = label.astype(int)
    frame["score"] = score
    return frame


@cache
def aif360_classes():
    """AIF360's dataset and metric classes, imported with its notices silenced."""
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from aif360.datasets import BinaryLabelDataset
            from aif360.metrics import ClassificationMetric
    finally:
        logging.disable(logging.NOTSET)
    return BinaryLabelDataset, ClassificationMetric


def level_codes(frame: pd.DataFrame, attributes: list[str]) -> tuple[np.ndarray, list[str]]:
    """Each row's intersection group as an integer code, and the group names by code."""
    names = frame[attributes[0]].astype(str)
    for attribute in attributes[1:]:
        names = names + JOIN + frame[attribute].astype(str)
    codes, uniques = pd.factorize(names, sort=True)
    return codes, list(uniques)


def row_level_metric(y_true, y_pred, codes, unprivileged: int, privileged: int | None):
    """AIF360 ClassificationMetric on the individual rows: one group against another (or the
    rest when ``privileged`` is None)."""
    dataset_class, metric_class = aif360_classes()
    frame = pd.DataFrame({"code": codes.astype(float), "label": np.asarray(y_true, dtype=float)})
    truth = dataset_class(df=frame, label_names=["label"], protected_attribute_names=["code"])
    predicted = truth.copy(deepcopy=True)
    predicted.labels = np.asarray(y_pred, dtype=float)[:, None]
    unprivileged_groups = [{"code": float(unprivileged)}]
    if privileged is None:
        others = sorted(set(codes.tolist()) - {unprivileged})
        privileged_groups = [{"code": float(c)} for c in others]
    else:
        privileged_groups = [{"code": float(privileged)}]
    return metric_class(
        truth,
        predicted,
        unprivileged_groups=unprivileged_groups,
        privileged_groups=privileged_groups,
    )


def text_model(scorer, *, classes=("routine", "urgent")) -> CallableAdapter:
    """A text model whose positive-class probability is ``scorer(text)``."""

    def predict(texts):
        positive = np.asarray([scorer(t) for t in texts], dtype=float)
        return np.column_stack([1 - positive, positive])

    info = ModelInfo(name="tiny text", kind="text", class_names=classes, positive_class=classes[1])
    return CallableAdapter(predict, info)
