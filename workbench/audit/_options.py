"""The settings of an audit that do not vary per call, checked once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from workbench._errors import AuditError
from workbench.audit._bounds import FairnessBounds
from workbench.audit._threshold import GroupThresholds, check_threshold

DEFAULT_BOUNDS = FairnessBounds()
MSG_BAD_MIN_SIZE = "min_group_size must be a whole number of at least 1; got {value!r}"
MSG_BAD_BOOTSTRAP = "bootstrap must be 0 (off) or a whole number of replicates; got {value!r}"
MSG_BAD_CONFIDENCE = "confidence must be between 0 and 1, e.g. 0.95; got {value!r}"
MSG_BAD_BOUNDS = "bounds must be a FairnessBounds; got {kind}"
MSG_BAD_FDR = "false_discovery_rate must be between 0 and 1, e.g. 0.05; got {value!r}"
MSG_BAD_GATE = "gate must be 'robust' or 'any'; got {value!r}"
GATES = ("robust", "any")
Gate = Literal["robust", "any"]
BEST_OFF = "best_off"


@dataclass(frozen=True)
class AuditOptions:
    """How to audit: decision ``threshold`` (one number, or ``GroupThresholds`` as a what-if),
    the reference each group is compared with in ``privileged``: None for all other rows,
    ``BEST_OFF`` for the best-off group of each attribute and intersection, or the privileged
    group of every audited attribute (e.g. ``{"gender": "male", "ethnicity": None}``, None
    comparing that attribute's groups with the rest; intersections use the combination),
    fairness ``bounds``, the ``min_group_size`` checked against the bounds, ``bootstrap``
    replicates (0 for none) drawn with ``seed`` for ``confidence`` intervals, whether
    ``intersections`` of attributes are audited, the ``false_discovery_rate`` a robust breach
    is held to (Benjamini-Hochberg over every group and metric tested), the ``gate``: which
    breaches fail the audit, robust ones or any, and whether to measure ``calibration`` by group
    where the predictions are scores.

    Derive changed options with ``dataclasses.replace(options, threshold=0.7)``.
    """

    threshold: float | GroupThresholds = 0.5
    privileged: Mapping[str, Any] | Literal["best_off"] | None = None
    bounds: FairnessBounds = DEFAULT_BOUNDS
    min_group_size: int = 30
    bootstrap: int = 200
    seed: int = 0
    confidence: float = 0.95
    intersections: bool = True
    false_discovery_rate: float = 0.05
    gate: Gate = "robust"
    calibration: bool = True

    def __post_init__(self) -> None:
        if not _is_whole(self.min_group_size) or self.min_group_size < 1:
            raise AuditError(MSG_BAD_MIN_SIZE.format(value=self.min_group_size))
        if not _is_whole(self.bootstrap) or self.bootstrap < 0:
            raise AuditError(MSG_BAD_BOOTSTRAP.format(value=self.bootstrap))
        confidence = self.confidence
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            raise AuditError(MSG_BAD_CONFIDENCE.format(value=confidence))
        if not 0 < confidence < 1:
            raise AuditError(MSG_BAD_CONFIDENCE.format(value=confidence))
        fdr = self.false_discovery_rate
        if isinstance(fdr, bool) or not isinstance(fdr, int | float) or not 0 < fdr < 1:
            raise AuditError(MSG_BAD_FDR.format(value=fdr))
        if self.gate not in GATES:
            raise AuditError(MSG_BAD_GATE.format(value=self.gate))
        if not isinstance(self.bounds, FairnessBounds):
            raise AuditError(MSG_BAD_BOUNDS.format(kind=type(self.bounds).__name__))
        if not isinstance(self.threshold, GroupThresholds):
            check_threshold(self.threshold)
        object.__setattr__(self, "min_group_size", int(self.min_group_size))
        object.__setattr__(self, "bootstrap", int(self.bootstrap))
        object.__setattr__(self, "confidence", float(confidence))
        object.__setattr__(self, "false_discovery_rate", float(fdr))

    def threshold_value(self) -> Any:
        """The threshold as JSON-ready value: a number, or the group thresholds' fields."""
        if isinstance(self.threshold, GroupThresholds):
            return self.threshold.to_dict()
        return self.threshold


def _is_whole(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


DEFAULT_OPTIONS = AuditOptions()
