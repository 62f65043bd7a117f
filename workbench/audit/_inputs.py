"""What an audit compares: true labels and decisions, from a model or from predictions made
anywhere, as one binary (one-vs-rest) column per audited class."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.audit._groups import group_name
from workbench.models import ModelAdapter

MSG_NOT_FRAME = "data must be a pandas DataFrame with the label and protected columns; got {kind}"
MSG_NO_LABEL_COLUMN = "label column {label!r} is not in the data; its columns are {columns}"
MSG_LENGTH = "{what} has {got} values but the data has {rows} rows; give one per row"
MSG_NO_LABELS = "the label has no values at all; there is nothing to audit"
MSG_LABELS_MISSING = "label: {count} row(s) have no label value; fill or drop them first"
MSG_LABELS_DROPPED = "label: {count} row(s) have no label value; they were left out of the audit"
MSG_LABELS_NOT_BINARY = (
    "labels have {count} values {values}, but a binary metric needs two; name the class to "
    "audit against all others with positive_class=..."
)
MSG_NAME_POSITIVE = (
    "labels have the values {values}; say which one is the positive class with positive_class=..."
)
MSG_POSITIVE_ABSENT = "positive_class {positive!r} is not among the label values {values}"
MSG_LABELS_NOT_CLASSES = (
    "labels {values} are not among the model's classes {classes}; the label column must hold "
    "class names"
)
MSG_UNKNOWN_POSITIVE = "positive_class {positive!r} is not one of the classes {classes}"
MSG_NOT_NUMERIC = "predictions must be numbers (scores or 0/1 decisions); got {kind}"
MSG_SHAPE = (
    "predictions must be one score per row or one column per class; got an array of shape {shape}"
)
MSG_BAD_SCORES = (
    "scores must be probabilities between 0 and 1 (apply a sigmoid or softmax to logits); "
    "found values such as {examples}"
)
MSG_CLASS_COUNT = "classes= names {count} classes but the predictions have {columns} columns"
MSG_NO_TEXT_COLUMN = (
    "a text model needs the column of messages: pass text_column=...; the data's columns are "
    "{columns}"
)


@dataclass(frozen=True)
class Outcomes:
    """True labels and scores per audited class, for the rows that have a label.

    Counted outcomes (stored predictions reduced to group counts) have a row per distinct
    combination, ``weights`` its number of rows, and ``decided`` the decisions already made.
    """

    classes: tuple[str, ...]
    y_true: np.ndarray
    scores: np.ndarray
    argmax: np.ndarray | None
    kept: np.ndarray
    notes: tuple[str, ...]
    source: dict[str, str]
    weights: np.ndarray | None = None
    decided: np.ndarray | None = None

    @property
    def rows(self) -> int:
        """Number of audited rows (the sum of the weights of counted outcomes)."""
        return int(self.kept.sum() if self.weights is None else self.weights.sum())

    @property
    def multiclass(self) -> bool:
        """Whether decisions are the arg-max class of a model with more than two classes."""
        return self.argmax is not None

    def decisions(self, thresholds: float | np.ndarray) -> np.ndarray:
        """Decisions per audited class, shape (rows, classes): score >= threshold, or arg-max."""
        if self.argmax is not None:
            return self.argmax
        if self.decided is not None:
            return self.decided
        return self.scores >= np.reshape(thresholds, (-1, 1))


def resolve_outcomes(
    model_or_scores: Any,
    data: pd.DataFrame,
    *,
    label: str | Sequence[Any] | np.ndarray | pd.Series,
    positive_class: Any = None,
    classes: Sequence[str] | None = None,
    text_column: str | None = None,
) -> Outcomes:
    """Binary label and score columns from a model adapter, or from an array of predictions."""
    if not isinstance(data, pd.DataFrame):
        raise AuditError(MSG_NOT_FRAME.format(kind=type(data).__name__))
    labels = _label_values(data, label)
    kept = labels.notna().to_numpy()
    if not kept.any():
        raise AuditError(MSG_NO_LABELS)
    notes = [] if kept.all() else [MSG_LABELS_DROPPED.format(count=int((~kept).sum()))]
    codes, uniques = pd.factorize(labels[kept])
    names = [group_name(value) for value in uniques]
    if isinstance(model_or_scores, ModelAdapter):
        probabilities = _predict(model_or_scores, data.loc[kept], text_column=text_column)
        class_names = model_or_scores.class_names
        default_positive = model_or_scores.positive_class
        source = {"model": model_or_scores.name, "fingerprint": model_or_scores.fingerprint}
    else:
        probabilities = _predictions(model_or_scores, rows=len(data))[kept]
        class_names = _class_names(probabilities, classes)
        default_positive = None
        source = {"predictions": "given"}
    _check_probabilities(probabilities)
    if probabilities.ndim == 1:
        positive = _binary_positive(names, positive_class)
        y_true = _is_label(codes, names, positive)[:, None]
        return Outcomes(
            (positive,), y_true, probabilities[:, None], None, kept, tuple(notes), source
        )
    unknown = sorted(set(names) - set(class_names))
    if unknown:
        raise AuditError(
            MSG_LABELS_NOT_CLASSES.format(values=unknown[:5], classes=list(class_names))
        )
    if positive_class is not None and group_name(positive_class) not in class_names:
        raise AuditError(
            MSG_UNKNOWN_POSITIVE.format(positive=positive_class, classes=list(class_names))
        )
    if len(class_names) == 2:
        chosen = next(
            (c for c in (positive_class, default_positive) if c is not None), class_names[1]
        )
        positive = group_name(chosen)
        index = class_names.index(positive)
        y_true = _is_label(codes, names, positive)[:, None]
        scores = probabilities[:, [index]]
        return Outcomes((positive,), y_true, scores, None, kept, tuple(notes), source)
    audited = class_names if positive_class is None else (group_name(positive_class),)
    indices = [class_names.index(name) for name in audited]
    y_true = np.column_stack([_is_label(codes, names, name) for name in audited])
    argmax = probabilities.argmax(axis=1)[:, None] == np.asarray(indices)[None, :]
    return Outcomes(
        tuple(audited),
        y_true,
        probabilities[:, indices],
        argmax,
        kept,
        tuple(notes),
        source,
    )


def binary_truth(data: pd.DataFrame, *, label: Any, positive_class: Any = None) -> np.ndarray:
    """Whether each row's label is the positive class; every row must have a label."""
    labels = _label_values(data, label)
    missing = int(labels.isna().sum())
    if missing:
        raise AuditError(MSG_LABELS_MISSING.format(count=missing))
    codes, uniques = pd.factorize(labels)
    names = [group_name(value) for value in uniques]
    return _is_label(codes, names, _binary_positive(names, positive_class))


def text_column_of(data: pd.DataFrame, text_column: str | None) -> str:
    """The column of messages a text model reads: ``text_column``, else a column named 'text'."""
    column = text_column or "text"
    if column not in data.columns:
        raise AuditError(MSG_NO_TEXT_COLUMN.format(columns=list(data.columns)))
    return column


def _label_values(data: pd.DataFrame, label: Any) -> pd.Series:
    if isinstance(label, str):
        if label not in data.columns:
            raise AuditError(MSG_NO_LABEL_COLUMN.format(label=label, columns=list(data.columns)))
        return data[label].reset_index(drop=True)
    values = pd.Series(np.asarray(label, dtype=object))
    if len(values) != len(data):
        raise AuditError(MSG_LENGTH.format(what="label", got=len(values), rows=len(data)))
    return values


def _predict(model: ModelAdapter, rows: pd.DataFrame, *, text_column: str | None) -> np.ndarray:
    if model.kind == "text":
        column = text_column_of(rows, text_column)
        return model.predict_proba(rows[column].tolist())
    return model.predict_proba(rows)


def _predictions(values: Any, *, rows: int) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise AuditError(MSG_NOT_NUMERIC.format(kind=type(values).__name__)) from None
    if array.ndim not in (1, 2) or (array.ndim == 2 and array.shape[1] < 2):
        raise AuditError(MSG_SHAPE.format(shape=array.shape))
    if len(array) != rows:
        raise AuditError(MSG_LENGTH.format(what="predictions", got=len(array), rows=rows))
    return array


def _class_names(probabilities: np.ndarray, classes: Sequence[str] | None) -> tuple[str, ...]:
    if probabilities.ndim == 1:
        return ()
    columns = probabilities.shape[1]
    if classes is None:
        return tuple(str(i) for i in range(columns))
    names = tuple(group_name(c) for c in classes)
    if len(names) != columns:
        raise AuditError(MSG_CLASS_COUNT.format(count=len(names), columns=columns))
    return names


def _check_probabilities(probabilities: np.ndarray) -> None:
    bad = ~np.isfinite(probabilities) | (probabilities < 0) | (probabilities > 1)
    if bad.any():
        examples = np.unique(probabilities[bad])[:3].tolist()
        raise AuditError(MSG_BAD_SCORES.format(examples=examples))


def _binary_positive(names: list[str], positive_class: Any) -> str:
    present = sorted(set(names))
    if positive_class is not None:
        positive = group_name(positive_class)
        if positive not in present:
            raise AuditError(MSG_POSITIVE_ABSENT.format(positive=positive, values=present))
        return positive
    for negative, positive in (("0", "1"), ("False", "True")):
        if set(present) <= {negative, positive}:
            return positive
    if len(present) > 2:
        raise AuditError(MSG_LABELS_NOT_BINARY.format(count=len(present), values=present[:5]))
    raise AuditError(MSG_NAME_POSITIVE.format(values=present))


def _is_label(codes: np.ndarray, names: list[str], name: str) -> np.ndarray:
    matching = [i for i, value in enumerate(names) if value == name]
    return np.isin(codes, matching)
