"""Audits of stored predictions too large for memory: Parquet files reduced to group counts
with ``dask.dataframe``, then audited exactly as rows held in memory.

The files hold one row per message or case: the protected attributes, the true label (a class
name), and ``score_<class>``, the model's probability of each class. Every fairness number of
the audit, its bootstrap intervals included (resampling rows is a multinomial draw over the
counts), comes from the counts of (groups, label, decision); calibration needs every row's
score and is not measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.audit._audit import audit_prepared
from workbench.audit._groups import group_name
from workbench.audit._inputs import (
    MSG_LABELS_DROPPED,
    MSG_LABELS_NOT_CLASSES,
    MSG_UNKNOWN_POSITIVE,
    Outcomes,
)
from workbench.audit._options import DEFAULT_OPTIONS, AuditOptions
from workbench.audit._prepare import prepare_outcomes
from workbench.audit._result import AuditResult
from workbench.audit._threshold import check_threshold

SCORE_PREFIX = "score_"
COUNT_COLUMN = "__rows"
DECIDED_PREFIX = "__decided_"
MSG_NO_FILES = (
    "cannot read stored predictions from {source}: {reason}. Give a folder of Parquet files or "
    "a glob such as 'predictions/*.parquet'"
)
MSG_MISSING_COLUMNS = (
    "the stored predictions lack columns {missing}; they need the label column {label!r}, the "
    "protected attributes {protected} and a probability column score_<class> for every class "
    "({scores}); they have {columns}"
)
MSG_STORED_BAD_SCORES = (
    "{count} stored score(s) in {columns} are missing or outside 0 to 1; store probabilities "
    "(apply a sigmoid or softmax to logits)"
)
MSG_STORED_NO_LABELS = "the stored predictions have no row with a label; there is nothing to audit"
MSG_GROUP_THRESHOLDS = (
    "stored predictions are audited at one decision threshold; per-group thresholds need the "
    "rows in memory"
)


def audit_stored_predictions(
    source: str | Path,
    *,
    classes: Sequence[str],
    label: str,
    protected: str | Sequence[str],
    options: AuditOptions = DEFAULT_OPTIONS,
    positive_class: Any = None,
    model_name: str | None = None,
) -> AuditResult:
    """Audit the predictions stored in the Parquet files of ``source`` (a folder or a glob),
    counting groups with ``dask.dataframe``; the result equals :func:`~workbench.audit.audit` of
    the same rows held in memory, without calibration.

    ``classes`` name the model's classes in order (each has a ``score_<class>`` column);
    ``positive_class`` is as :func:`~workbench.audit.audit` takes it.
    """
    if not isinstance(options.threshold, int | float):
        raise AuditError(MSG_GROUP_THRESHOLDS)
    classes = tuple(group_name(name) for name in classes)
    names = [protected] if isinstance(protected, str) else list(protected)
    counts, dropped = _count(
        source,
        classes=classes,
        label=label,
        protected=names,
        positive_class=positive_class,
        threshold=check_threshold(options.threshold),
    )
    outcomes = _outcomes(counts, classes, label, positive_class, dropped, model_name)
    prepared = prepare_outcomes(
        outcomes,
        counts,
        protected=names,
        privileged=options.privileged,
        intersections=options.intersections,
    )
    return audit_prepared(prepared, options)


def _count(
    source: str | Path,
    *,
    classes: tuple[str, ...],
    label: str,
    protected: list[str],
    positive_class: Any,
    threshold: float,
) -> tuple[pd.DataFrame, int]:
    """Rows per (protected values, label, decision of each audited class), and the number of
    rows without a label."""
    import dask
    import dask.dataframe as dd

    try:
        frame = dd.read_parquet(str(source))
    except (OSError, ValueError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        raise AuditError(MSG_NO_FILES.format(source=source, reason=reason)) from None
    scores = [f"{SCORE_PREFIX}{name}" for name in classes]
    present = [name for name in protected if name in frame.columns]
    needed = [label, *present, *scores]
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise AuditError(
            MSG_MISSING_COLUMNS.format(
                missing=missing,
                label=label,
                protected=protected,
                scores=", ".join(scores),
                columns=list(frame.columns),
            )
        )
    audited = _audited(classes, positive_class)
    frame = frame[needed]
    unlabelled = frame[label].isna().sum()
    bad = sum(((frame[s] < 0) | (frame[s] > 1) | frame[s].isna()).sum() for s in scores)
    decided = frame[~frame[label].isna()].map_partitions(
        _decide,
        columns=[label, *present],
        scores=scores,
        indices=[classes.index(name) for name in audited],
        threshold=threshold if len(classes) == 2 else None,
    )
    keys = [label, *present, *(f"{DECIDED_PREFIX}{j}" for j in range(len(audited)))]
    sizes = decided.groupby(keys, dropna=False, observed=True).size()
    sizes, unlabelled, bad = dask.compute(sizes, unlabelled, bad)
    if int(bad):
        raise AuditError(MSG_STORED_BAD_SCORES.format(count=int(bad), columns=scores))
    counts = sizes.rename(COUNT_COLUMN).reset_index()
    if counts.empty:
        raise AuditError(MSG_STORED_NO_LABELS)
    return counts, int(unlabelled)


def _decide(
    part: pd.DataFrame,
    *,
    columns: list[str],
    scores: list[str],
    indices: list[int],
    threshold: float | None,
) -> pd.DataFrame:
    """The label and protected columns of a partition with the decision of each audited class:
    its score at least the threshold (two classes), else the most probable class."""
    decided = part[columns].copy()
    values = part[scores].to_numpy(dtype=np.float64)
    if threshold is not None:
        decided[f"{DECIDED_PREFIX}0"] = values[:, indices[0]] >= threshold
        return decided
    most = values.argmax(axis=1)
    for j, index in enumerate(indices):
        decided[f"{DECIDED_PREFIX}{j}"] = most == index
    return decided


def _audited(classes: tuple[str, ...], positive_class: Any) -> tuple[str, ...]:
    """The classes audited one against the rest: the positive class (of two, the second when
    none is named), or every class of a multiclass model."""
    if positive_class is not None and group_name(positive_class) not in classes:
        known = list(classes)
        raise AuditError(MSG_UNKNOWN_POSITIVE.format(positive=positive_class, classes=known))
    if positive_class is not None:
        return (group_name(positive_class),)
    return (classes[1],) if len(classes) == 2 else classes


def _outcomes(
    counts: pd.DataFrame,
    classes: tuple[str, ...],
    label: str,
    positive_class: Any,
    dropped: int,
    model_name: str | None,
) -> Outcomes:
    """Counted outcomes: one row per distinct combination, weighted by its rows."""
    names = np.asarray([group_name(value) for value in counts[label]], dtype=object)
    unknown = sorted(set(names) - set(classes))
    if unknown:
        raise AuditError(MSG_LABELS_NOT_CLASSES.format(values=unknown[:5], classes=list(classes)))
    audited = _audited(classes, positive_class)
    decided = counts[[f"{DECIDED_PREFIX}{j}" for j in range(len(audited))]].to_numpy(dtype=bool)
    y_true = np.column_stack([names == name for name in audited])
    notes = (MSG_LABELS_DROPPED.format(count=dropped),) if dropped else ()
    return Outcomes(
        classes=audited,
        y_true=y_true,
        scores=np.full(y_true.shape, np.nan),
        argmax=decided if len(classes) > 2 else None,
        kept=np.ones(len(counts), dtype=bool),
        notes=notes,
        source={"predictions": "stored", **({"model": model_name} if model_name else {})},
        weights=counts[COUNT_COLUMN].to_numpy(dtype=np.float64),
        decided=None if len(classes) > 2 else decided,
    )
