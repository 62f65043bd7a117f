"""Fairness bounds on the between-group metrics, and each breach stated in plain words."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import pandas as pd

from workbench._errors import AuditError

MSG_BAD_LIMIT = "fairness bound {name!r} must be a positive number or None; got {value!r}"
MSG_BAD_RANGE = (
    "fairness bound 'disparate_impact' must be a pair (low, high) with 0 < low <= 1 <= high, "
    "or None; got {value!r}"
)
MSG_UNKNOWN_BOUND = "unknown fairness bound {name!r}; known bounds: {known}"
MSG_BOUNDS_NOT_MAPPING = "fairness bounds must be a mapping of bound name to limit; got {kind}"

_WORDS = {
    "statistical_parity_difference": (
        "statistical parity difference",
        "selection_rate",
        "selection rate",
        "the model predicts '{positive}' {direction} often for this group",
    ),
    "disparate_impact": (
        "disparate impact",
        "selection_rate",
        "selection rate",
        "the model predicts '{positive}' {direction} often for this group",
    ),
    "equal_opportunity_difference": (
        "equal opportunity difference",
        "tpr",
        "true positive rate",
        "the model finds {direction} of the truly '{positive}' cases in this group",
    ),
    "average_odds_difference": (
        "average odds difference",
        None,
        "",
        "true and false positive rates together are {direction} for this group",
    ),
    "false_negative_rate_difference": (
        "false negative rate difference",
        "fnr",
        "false negative rate",
        "the model misses {direction} of the truly '{positive}' cases in this group",
    ),
    "error_rate_difference": (
        "error rate difference",
        "accuracy",
        "error rate",
        "the model is wrong {direction} often for this group",
    ),
    "between_group_theil_index": (
        "between-group Theil index",
        None,
        "",
        "the benefit of the decisions is spread unequally between this group and {reference}",
    ),
}
_SIGNED = {
    "statistical_parity_difference",
    "equal_opportunity_difference",
    "average_odds_difference",
    "false_negative_rate_difference",
    "error_rate_difference",
}


@dataclass(frozen=True)
class FairnessBounds:
    """Limits on the between-group metrics; a limit of None switches that check off.

    Differences must lie within ``[-limit, +limit]``, disparate impact within ``(low, high)``
    and the between-group Theil index below its limit.
    """

    disparate_impact: tuple[float, float] | None = (0.8, 1.25)
    statistical_parity_difference: float | None = 0.1
    equal_opportunity_difference: float | None = 0.1
    average_odds_difference: float | None = 0.1
    false_negative_rate_difference: float | None = 0.1
    error_rate_difference: float | None = 0.1
    between_group_theil_index: float | None = None

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                continue
            if item.name == "disparate_impact":
                pair = tuple(value) if isinstance(value, list | tuple) else ()
                if len(pair) != 2 or not all(_is_number(v) for v in pair):
                    raise AuditError(MSG_BAD_RANGE.format(value=value))
                if not 0 < pair[0] <= 1 <= pair[1]:
                    raise AuditError(MSG_BAD_RANGE.format(value=value))
                object.__setattr__(self, item.name, (float(pair[0]), float(pair[1])))
            elif not _is_number(value) or value <= 0:
                raise AuditError(MSG_BAD_LIMIT.format(name=item.name, value=value))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> FairnessBounds:
        """Bounds from a mapping such as a parsed JSON file; unnamed bounds keep their defaults."""
        if not isinstance(mapping, Mapping):
            raise AuditError(MSG_BOUNDS_NOT_MAPPING.format(kind=type(mapping).__name__))
        known = [item.name for item in fields(cls)]
        for name in mapping:
            if name not in known:
                raise AuditError(MSG_UNKNOWN_BOUND.format(name=name, known=known))
        return cls(**dict(mapping))

    def limits(self, metric: str) -> tuple[float, float] | None:
        """Allowed (low, high) range of a metric, or None when it is not checked."""
        value = getattr(self, metric)
        if value is None:
            return None
        if metric == "disparate_impact":
            return value
        if metric == "between_group_theil_index":
            return (-math.inf, float(value))
        return (-float(value), float(value))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping of bound name to limit."""
        values = asdict(self)
        if values["disparate_impact"] is not None:
            values["disparate_impact"] = list(values["disparate_impact"])
        return values


@dataclass(frozen=True)
class Breach:
    """One between-group metric outside its bound, for one group against its reference."""

    positive_class: str
    attribute: str
    group: str
    reference: str
    metric: str
    value: float
    low: float
    high: float
    bound: tuple[float, float]
    message: str

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields of the breach."""
        values = asdict(self)
        values["bound"] = [None if math.isinf(v) else v for v in self.bound]
        for key in ("low", "high"):
            values[key] = None if math.isnan(values[key]) else values[key]
        return values


def excess(breach: Breach) -> float:
    """How far a breach's value lies outside its bound, relative to the bound (0 at the bound)."""
    low, high = breach.bound
    value = breach.value
    if breach.metric == "disparate_impact":
        if value <= 0:
            return math.inf
        return max(low / value, value / high) - 1.0
    limit = high if math.isinf(low) else max(abs(low), abs(high))
    return (abs(value) - limit) / limit


def find_breaches(
    differences: pd.DataFrame,
    by_group: pd.DataFrame,
    bounds: FairnessBounds,
    *,
    confidence: float,
    multiclass: bool,
) -> list[Breach]:
    """Every bounded metric outside its bound, for groups of at least the minimum size."""
    breaches = []
    for (positive, attribute, group), row in differences.iterrows():
        if "small" in row["caveats"].split(", "):
            continue
        for metric in _WORDS:
            limits = bounds.limits(metric)
            value = row[metric]
            if limits is None or math.isnan(value) or limits[0] <= value <= limits[1]:
                continue
            rates = by_group.loc[(positive, attribute, group)]
            breach = Breach(
                positive_class=positive,
                attribute=attribute,
                group=group,
                reference=row["reference"],
                metric=metric,
                value=float(value),
                low=float(row[f"{metric}_low"]),
                high=float(row[f"{metric}_high"]),
                bound=limits,
                message="",
            )
            message = _describe(breach, rates, row, confidence=confidence, multiclass=multiclass)
            breaches.append(replace(breach, message=message))
    return breaches


def _describe(
    breach: Breach, rates: pd.Series, versus: pd.Series, *, confidence: float, multiclass: bool
) -> str:
    label, rate_column, rate_words, consequence = _WORDS[breach.metric]
    reference = "the rest" if breach.reference == "rest" else breach.reference
    prefix = f"class '{breach.positive_class}': " if multiclass else ""
    ratio = breach.metric == "disparate_impact"
    pattern = "{:+.3f}" if breach.metric in _SIGNED else "{:.3f}"
    text = (
        f"{prefix}{breach.attribute} = {breach.group} vs {reference}: {label} is "
        f"{pattern.format(breach.value)}"
    )
    if not math.isnan(breach.low):
        text += (
            f" ({round(confidence * 100)}% CI {pattern.format(breach.low)} to "
            f"{pattern.format(breach.high)})"
        )
    low, high = breach.bound
    if ratio:
        text += f", allowed {low:g} to {high:g}"
    elif math.isinf(low):
        text += f", allowed at most {high:g}"
    else:
        text += f", allowed within ±{high:g}"
    if rate_column is not None:
        own = float(rates[rate_column])
        if rate_column == "accuracy":
            own = 1.0 - own
        gap = versus["statistical_parity_difference"] if ratio else breach.value
        other = own - gap
        text += f"; {rate_words} {own:.3f} vs {other:.3f}"
    direction = _direction(breach.metric, breach.value, ratio=ratio)
    return (
        text
        + ": "
        + consequence.format(
            positive=breach.positive_class, direction=direction, reference=reference
        )
        + "."
    )


def _direction(metric: str, value: float, *, ratio: bool) -> str:
    higher = value > (1.0 if ratio else 0.0)
    if metric in ("equal_opportunity_difference", "false_negative_rate_difference"):
        return "more" if higher else "fewer"
    if metric == "average_odds_difference":
        return "higher" if higher else "lower"
    return "more" if higher else "less"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
