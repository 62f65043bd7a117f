"""Decision thresholds: one for all rows, or one per group as a what-if."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench._errors import AuditError
from workbench.audit._groups import GroupCodes, group_name

MSG_BAD_THRESHOLD = "a decision threshold must be a number from 0 to 1; got {value!r}"
MSG_THRESHOLD_ATTRIBUTE = (
    "group thresholds are set on {attribute!r}, which is not an audited protected attribute "
    "{protected}"
)
MSG_THRESHOLD_GROUP = (
    "group thresholds name group {group!r} of {attribute!r}, which is not in the data; its "
    "groups are {groups}"
)


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
