"""Group metrics swept over a range of decision thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.audit._metrics import BETWEEN, RATES, aggregate, confusion, level_of, level_tables
from workbench.audit._options import DEFAULT_OPTIONS, AuditOptions
from workbench.audit._prepare import group_labels, prepare, reference_of
from workbench.audit._result import INDEX, indexed
from workbench.audit._threshold import check_threshold

MSG_SWEEP_MULTICLASS = (
    "a threshold sweep needs one score per row or a binary model; a model with more than two "
    "classes decides by its most probable class, which no threshold changes"
)
MSG_NO_THRESHOLDS = "thresholds must be a non-empty list of numbers from 0 to 1"
DEFAULT_SWEEP = tuple(round(t, 2) for t in np.linspace(0.05, 0.95, 19))


def threshold_sweep(
    model_or_scores: Any,
    data: pd.DataFrame,
    *,
    label: Any,
    protected: str | Sequence[str],
    thresholds: Sequence[float] = DEFAULT_SWEEP,
    options: AuditOptions = DEFAULT_OPTIONS,
    positive_class: Any = None,
    classes: Sequence[str] | None = None,
    text_column: str | None = None,
) -> pd.DataFrame:
    """Group rates and between-group metrics at each threshold, without bootstrap.

    Indexed by (threshold, class, attribute, group); the model is run once. Of ``options``,
    the privileged groups and whether intersections are audited apply.
    """
    values = [check_threshold(t) for t in thresholds]
    if not values:
        raise AuditError(MSG_NO_THRESHOLDS)
    prepared = prepare(
        model_or_scores,
        data,
        label=label,
        protected=protected,
        positive_class=positive_class,
        classes=classes,
        text_column=text_column,
        privileged=options.privileged,
        intersections=options.intersections,
    )
    outcomes, groups = prepared.outcomes, prepared.groups
    if outcomes.multiclass:
        raise AuditError(MSG_SWEEP_MULTICLASS)
    positive = outcomes.classes[0]
    frames = []
    for threshold in values:
        decisions = outcomes.decisions(threshold)[:, 0]
        cells = aggregate(groups.codes, groups.sizes, outcomes.y_true[:, 0], decisions)
        for positions, key in prepared.plan:
            level = level_of(cells, positions)
            reference, reference_name = reference_of(
                groups,
                level,
                key,
                counts=confusion(cells, level),
                min_group_size=options.min_group_size,
            )
            group_rates, versus, _ = level_tables(cells, level, reference)
            frame = pd.DataFrame({**group_rates, **versus})
            frame.insert(0, "reference", reference_name)
            frame.insert(0, "group", group_labels(groups, level))
            frame.insert(0, "attribute", groups.level_name(positions))
            frame.insert(0, "class", positive)
            frame.insert(0, "threshold", threshold)
            frames.append(frame)
    table = indexed(pd.concat(frames, ignore_index=True), ["threshold", *INDEX])
    table["size"] = table["size"].astype(np.int64)
    return table[["reference", "size", *RATES, *BETWEEN]]
