"""Decision thresholds: one for all rows, one per group as a what-if, and metrics swept over
a range of thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.audit._groups import GroupCodes, group_name
from workbench.audit._metrics import BETWEEN, RATES, aggregate, level_of, level_tables
from workbench.audit._prepare import group_labels, prepare, reference_of
from workbench.audit._result import INDEX, indexed

MSG_BAD_THRESHOLD = "a decision threshold must be a number from 0 to 1; got {value!r}"
MSG_THRESHOLD_ATTRIBUTE = (
    "group thresholds are set on {attribute!r}, which is not an audited protected attribute "
    "{protected}"
)
MSG_THRESHOLD_GROUP = (
    "group thresholds name group {group!r} of {attribute!r}, which is not in the data; its "
    "groups are {groups}"
)
MSG_SWEEP_MULTICLASS = (
    "a threshold sweep needs one score per row or a binary model; a model with more than two "
    "classes decides by its most probable class, which no threshold changes"
)
MSG_NO_THRESHOLDS = "thresholds must be a non-empty list of numbers from 0 to 1"
DEFAULT_SWEEP = tuple(round(t, 2) for t in np.linspace(0.05, 0.95, 19))


@dataclass(frozen=True)
class GroupThresholds:
    """Per-group decision thresholds on one protected attribute (a what-if); other groups use
    ``default``."""

    attribute: str
    thresholds: Mapping[Any, float] = field(default_factory=dict)
    default: float = 0.5

    def __post_init__(self) -> None:
        check_threshold(self.default)
        for value in self.thresholds.values():
            check_threshold(value)
        named = {group_name(group): float(value) for group, value in self.thresholds.items()}
        object.__setattr__(self, "thresholds", named)

    def per_row(self, groups: GroupCodes) -> np.ndarray:
        """The threshold of each row, from its group on ``attribute``."""
        if self.attribute not in groups.attributes:
            raise AuditError(
                MSG_THRESHOLD_ATTRIBUTE.format(
                    attribute=self.attribute, protected=list(groups.attributes)
                )
            )
        names = groups.categories[groups.attributes.index(self.attribute)]
        unknown = [g for g in self.thresholds if g not in names]
        if unknown:
            raise AuditError(
                MSG_THRESHOLD_GROUP.format(
                    group=unknown[0], attribute=self.attribute, groups=list(names)
                )
            )
        lookup = np.asarray([self.thresholds.get(name, self.default) for name in names])
        return lookup[groups.codes_of(self.attribute)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "attribute": self.attribute,
            "thresholds": dict(self.thresholds),
            "default": self.default,
        }


def check_threshold(value: Any) -> float:
    """A threshold as float, or ``AuditError`` unless it is a number from 0 to 1."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.number)
        or not math.isfinite(value)
        or not 0 <= value <= 1
    ):
        raise AuditError(MSG_BAD_THRESHOLD.format(value=value))
    return float(value)


def row_thresholds(threshold: float | GroupThresholds, groups: GroupCodes) -> float | np.ndarray:
    """One threshold for all rows, or each row's group threshold."""
    if isinstance(threshold, GroupThresholds):
        return threshold.per_row(groups)
    return check_threshold(threshold)


def threshold_sweep(
    model_or_scores: Any,
    data: pd.DataFrame,
    *,
    label: Any,
    protected: str | Sequence[str],
    thresholds: Sequence[float] = DEFAULT_SWEEP,
    positive_class: Any = None,
    privileged: Mapping[str, Any] | None = None,
    intersections: bool = True,
    classes: Sequence[str] | None = None,
    text_column: str | None = None,
) -> pd.DataFrame:
    """Group rates and between-group metrics at each threshold, without bootstrap.

    Indexed by (threshold, class, attribute, group); the model is run once.
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
        privileged=privileged,
        intersections=intersections,
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
            reference, reference_name = reference_of(groups, level, key)
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
