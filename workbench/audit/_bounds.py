"""Fairness bounds on the between-group metrics, and each breach stated in plain words."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

import pandas as pd

from workbench._errors import AuditError
from workbench.audit._registry import BOUNDED, REGISTRY
from workbench.audit._strength import q_values

Strength = Literal["robust", "possible"]

MSG_BAD_LIMIT = "fairness bound {name!r} must be a positive number or None; got {value!r}"
MSG_BAD_RANGE = (
    "fairness bound 'disparate_impact' must be a pair (low, high) with 0 < low <= 1 <= high, "
    "or None; got {value!r}"
)
MSG_UNKNOWN_BOUND = "unknown fairness bound {name!r}; known bounds: {known}"
MSG_BOUNDS_NOT_MAPPING = "fairness bounds must be a mapping of bound name to limit; got {kind}"

@dataclass(frozen=True)
class FairnessBounds:
    """Limits on the between-group metrics; a limit of None switches that check off.

    Differences must lie within ``[-limit, +limit]``, disparate impact within ``(low, high)``,
    and gaps (equalized odds, average absolute odds) and the between-group Theil index below
    their limit. The calibration differences (expected calibration error, Brier score, ROC AUC)
    are checked where the predictions are scores.
    """

    disparate_impact: tuple[float, float] | None = REGISTRY["disparate_impact"].bound
    statistical_parity_difference: float | None = REGISTRY["statistical_parity_difference"].bound
    equal_opportunity_difference: float | None = REGISTRY["equal_opportunity_difference"].bound
    average_odds_difference: float | None = REGISTRY["average_odds_difference"].bound
    false_negative_rate_difference: float | None = REGISTRY["false_negative_rate_difference"].bound
    error_rate_difference: float | None = REGISTRY["error_rate_difference"].bound
    false_positive_rate_difference: float | None = REGISTRY["false_positive_rate_difference"].bound
    precision_difference: float | None = REGISTRY["precision_difference"].bound
    equalized_odds_difference: float | None = REGISTRY["equalized_odds_difference"].bound
    average_abs_odds_difference: float | None = REGISTRY["average_abs_odds_difference"].bound
    between_group_theil_index: float | None = REGISTRY["between_group_theil_index"].bound
    ece_difference: float | None = REGISTRY["ece_difference"].bound
    brier_score_difference: float | None = REGISTRY["brier_score_difference"].bound
    roc_auc_difference: float | None = REGISTRY["roc_auc_difference"].bound

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
        kind = REGISTRY[metric].kind
        if kind == "ratio":
            return value
        if kind in ("gap", "index"):
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
    """One between-group metric outside its bound, for one group against its reference.

    ``strength`` is ``robust`` when its whole confidence interval lies outside the allowed range
    and its disparity stays significant after Benjamini-Hochberg control of the false discovery
    rate over every group and metric the audit tested (``q_value``, from the ``p_value`` of its
    test of no disparity; without the bootstrap, the q-value alone decides); otherwise
    ``possible``: the estimate is outside, but chance may have put it there.
    """

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
    strength: Strength
    p_value: float
    q_value: float

    @property
    def robust(self) -> bool:
        """Whether the breach is robust, not merely possible."""
        return self.strength == "robust"

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields of the breach."""
        values = asdict(self)
        values["bound"] = [None if math.isinf(v) else v for v in self.bound]
        for key in ("low", "high", "p_value", "q_value"):
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


def tested_p_values(differences: pd.DataFrame) -> pd.DataFrame:
    """p-values of every test the audit ran, one column per between-group metric: bounded,
    defined metrics of groups not flagged small (NaN elsewhere)."""
    p = differences.loc[:, [f"{metric}_p" for metric in BOUNDED]]
    p.columns = list(BOUNDED)
    return p.where(differences["caveats"] != "small", axis=0)


def find_breaches(
    differences: pd.DataFrame,
    by_group: pd.DataFrame,
    bounds: FairnessBounds,
    *,
    confidence: float,
    false_discovery_rate: float,
    multiclass: bool,
) -> list[Breach]:
    """Every bounded metric outside its bound, for groups of at least the minimum size, with
    its p-value, its Benjamini-Hochberg q-value over every test and its strength."""
    tested = tested_p_values(differences)
    q = tested.copy()
    q.loc[:, :] = q_values(tested.to_numpy().ravel()).reshape(tested.shape)
    breaches = []
    for (key, row), (_, p_row), (_, q_row) in zip(
        differences.iterrows(), tested.iterrows(), q.iterrows()
    ):
        if row["caveats"] == "small":
            continue
        positive, attribute, group = key
        for metric in BOUNDED:
            limits = bounds.limits(metric)
            value = row[metric]
            if limits is None or math.isnan(value) or limits[0] <= value <= limits[1]:
                continue
            rates = by_group.loc[(positive, attribute, group)]
            low, high = float(row[f"{metric}_low"]), float(row[f"{metric}_high"])
            q_value = float(q_row[metric])
            robust = q_value <= false_discovery_rate and (
                math.isnan(low) or high < limits[0] or low > limits[1]
            )
            breach = Breach(
                positive_class=positive,
                attribute=attribute,
                group=group,
                reference=row["reference"],
                metric=metric,
                value=float(value),
                low=low,
                high=high,
                bound=limits,
                message="",
                strength="robust" if robust else "possible",
                p_value=float(p_row[metric]),
                q_value=q_value,
            )
            message = _describe(breach, rates, row, confidence=confidence, multiclass=multiclass)
            breaches.append(replace(breach, message=message))
    return breaches


def _describe(
    breach: Breach, rates: pd.Series, versus: pd.Series, *, confidence: float, multiclass: bool
) -> str:
    metric = REGISTRY[breach.metric]
    reference = "the rest" if breach.reference == "rest" else breach.reference
    prefix = f"class '{breach.positive_class}': " if multiclass else ""
    ratio = metric.kind == "ratio"
    pattern = "{:+.3f}" if metric.signed else "{:.3f}"
    text = (
        f"{prefix}{breach.attribute} = {breach.group} vs {reference}: {metric.long_label} is "
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
    if metric.compares is not None:
        own = float(rates[metric.compares])
        if metric.compares == "accuracy":
            own = 1.0 - own
        gap = versus["statistical_parity_difference"] if ratio else breach.value
        other = own - gap
        text += f"; {metric.compared_words} {own:.3f} vs {other:.3f}"
    above, below = metric.directions
    direction = above if breach.value > (metric.ideal or 0.0) else below
    return (
        text
        + ": "
        + metric.consequence.format(
            positive=breach.positive_class, direction=direction, reference=reference
        )
        + "."
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
