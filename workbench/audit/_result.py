"""The audit result: computed once, then queried cheaply (like fairlearn's MetricFrame)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.audit._bounds import Breach
from workbench.audit._options import BEST_OFF
from workbench.audit._registry import BETWEEN, COMPARED_RATES, RATES

if TYPE_CHECKING:
    from workbench.audit._options import AuditOptions

MSG_UNKNOWN_METRIC = "unknown metric {metric!r}; choose one of {choices}"
MSG_UNKNOWN_METHOD = "method must be 'between_groups' or 'to_overall'; got {method!r}"
INDEX = ["class", "attribute", "group"]


@dataclass(frozen=True)
class AuditResult:
    """Group metrics of one model (or set of predictions) on one dataset.

    ``by_group`` is indexed by (class, attribute, group): one row per group of each protected
    attribute and intersection, for each audited positive class (one class for a binary model,
    every class one-vs-rest for a multiclass model). ``differences`` holds AIF360's
    between-group metrics of each group against its reference (the privileged group, or all
    other rows). Columns ending ``_low``/``_high`` are bootstrap confidence limits; in
    ``differences``, ``_p`` columns hold each test's p-value of no disparity (NaN where the
    metric is unbounded) and ``_detectable`` columns the smallest gap of a rate that the audit
    would call a robust breach with 80% power. Where the predictions are scores, ``overall``
    and ``by_group`` also hold each group's calibration (``ece``, ``brier_score``, ``roc_auc``)
    and ``differences`` their gaps against the reference; ``reliability``, indexed by (class,
    attribute, group, bin), is each group's reliability curve: rows, mean score and observed
    rate per non-empty score bin (empty for 0/1 decisions). ``breaches`` are robust or possible;
    ``failing_breaches`` those that fail the audit under the options' gate.
    ``options`` are the settings used; ``rows`` the rows audited (those with a label) over the
    ``protected`` attributes, each compared with its ``privileged`` group if one was given;
    ``model_name`` and ``fingerprint`` name the model audited (None for given predictions).
    """

    overall: pd.DataFrame
    by_group: pd.DataFrame
    differences: pd.DataFrame
    by_attribute: pd.DataFrame
    reliability: pd.DataFrame
    breaches: tuple[Breach, ...]
    warnings: tuple[str, ...]
    skipped: tuple[str, ...]
    options: AuditOptions
    multiclass: bool
    rows: int
    protected: tuple[str, ...]
    privileged: Mapping[str, str]
    model_name: str | None = None
    fingerprint: str | None = None

    @property
    def passed(self) -> bool:
        """Whether the audit passes its gate: no robust breach (or none at all, gate 'any')."""
        return not self.failing_breaches

    @property
    def robust_breaches(self) -> tuple[Breach, ...]:
        """The breaches that are robust, not merely possible."""
        return tuple(breach for breach in self.breaches if breach.robust)

    @property
    def failing_breaches(self) -> tuple[Breach, ...]:
        """The breaches that fail the audit under its options' gate: robust ones, or all."""
        return self.breaches if self.options.gate == "any" else self.robust_breaches

    @property
    def reference(self) -> str:
        """What groups were compared with: 'best_off', 'privileged' (some attribute has a
        privileged group) or 'rest'."""
        if self.options.privileged == BEST_OFF:
            return BEST_OFF
        return "privileged" if self.privileged else "rest"

    @property
    def classes(self) -> tuple[str, ...]:
        """The audited positive classes."""
        return tuple(self.overall.index)

    @property
    def positive_class(self) -> str | None:
        """The audited positive class of a binary model (None when every class is audited)."""
        return None if self.multiclass else self.classes[0]

    def _params(self) -> dict[str, Any]:
        """The settings and inputs of the audit as the JSON ``params``."""
        source = (
            {"predictions": "given"}
            if self.model_name is None
            else {"model": self.model_name, "fingerprint": self.fingerprint}
        )
        options = self.options
        return {
            "classes": list(self.classes),
            "multiclass": self.multiclass,
            "rows": self.rows,
            "protected": list(self.protected),
            "reference": self.reference,
            "privileged": dict(self.privileged),
            "threshold": options.threshold_value(),
            "min_group_size": options.min_group_size,
            "bootstrap": options.bootstrap,
            "confidence": options.confidence,
            "seed": options.seed,
            "false_discovery_rate": options.false_discovery_rate,
            "gate": options.gate,
            "calibration": options.calibration,
            "bounds": options.bounds.to_dict(),
            **source,
        }

    def difference(self, metric: str, *, method: str = "between_groups") -> pd.Series:
        """Per (class, attribute): largest gap in a group metric, as fairlearn's ``difference``.

        ``between_groups`` is the largest minus the smallest group value; ``to_overall`` the
        largest absolute gap between a group and the overall value.
        """
        values = self._group_values(metric)
        grouped = values.groupby(level=["class", "attribute"], sort=False)
        if method == "between_groups":
            return grouped.max() - grouped.min()
        if method == "to_overall":
            overall = self.overall[metric].reindex(values.index.get_level_values("class"))
            gaps = (values - overall.to_numpy()).abs()
            return gaps.groupby(level=["class", "attribute"], sort=False).max()
        raise AuditError(MSG_UNKNOWN_METHOD.format(method=method))

    def ratio(self, metric: str, *, method: str = "between_groups") -> pd.Series:
        """Per (class, attribute): smallest ratio of group values, as fairlearn's ``ratio``.

        ``between_groups`` is the smallest over the largest group value; ``to_overall`` the
        smallest ratio (taken below 1) between a group and the overall value.
        """
        values = self._group_values(metric)
        grouped = values.groupby(level=["class", "attribute"], sort=False)
        if method == "between_groups":
            return grouped.min() / grouped.max()
        if method == "to_overall":
            overall = self.overall[metric].reindex(values.index.get_level_values("class"))
            ratios = values / overall.to_numpy()
            ratios = ratios.where(~(ratios > 1), 1 / ratios)
            return ratios.groupby(level=["class", "attribute"], sort=False).min()
        raise AuditError(MSG_UNKNOWN_METHOD.format(method=method))

    def compare(self, other: AuditResult) -> pd.DataFrame:
        """This result (before) against another (after): one row per class, group and metric.

        Overall rates appear under attribute and group ``all``; only groups present in both
        results are compared.
        """
        rows = []
        for positive in self.overall.index.intersection(other.overall.index, sort=False):
            mine, theirs = self.overall.loc[positive], other.overall.loc[positive]
            for metric in RATES:
                rows.append((positive, "all", "all", metric, mine[metric], theirs[metric]))
        for table, metrics in (("by_group", COMPARED_RATES), ("differences", BETWEEN)):
            mine, theirs = getattr(self, table), getattr(other, table)
            for key in mine.index.intersection(theirs.index, sort=False):
                for metric in metrics:
                    rows.append((*key, metric, mine.loc[key, metric], theirs.loc[key, metric]))
        frame = pd.DataFrame(
            rows, columns=["class", "attribute", "group", "metric", "before", "after"]
        ).astype({"before": float, "after": float})
        frame["change"] = frame["after"] - frame["before"]
        return indexed(frame, ["class", "attribute", "group", "metric"])

    def to_dict(self) -> dict[str, Any]:
        """Everything in the result as JSON-ready dicts and lists (NaN becomes None)."""
        return {
            "passed": self.passed,
            "params": _clean(self._params()),
            "overall": records(self.overall),
            "by_group": records(self.by_group),
            "differences": records(self.differences),
            "by_attribute": records(self.by_attribute),
            "reliability": records(self.reliability),
            "robust_breaches": len(self.robust_breaches),
            "possible_breaches": len(self.breaches) - len(self.robust_breaches),
            "breaches": [breach.to_dict() for breach in self.breaches],
            "warnings": list(self.warnings),
            "skipped": list(self.skipped),
        }

    def _group_values(self, metric: str) -> pd.Series:
        choices = ["size", *RATES]
        if metric not in choices:
            raise AuditError(MSG_UNKNOWN_METRIC.format(metric=metric, choices=choices))
        return self.by_group[metric].astype(float)


def indexed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame`` indexed by ``columns``; several levels are sorted, for fast ``.loc`` lookups."""
    table = frame.set_index(columns)
    return table.sort_index(kind="stable") if len(columns) > 1 else table


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a table as dicts, index levels included, NaN as None."""
    flat = frame.reset_index()
    return [
        {key: _clean(value) for key, value in row.items()} for row in flat.to_dict(orient="records")
    ]


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
