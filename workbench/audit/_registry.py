"""Every metric the audit computes, described once: its labels, kind, default bound, the way to
its ideal value and its plain words; and the ordered selections of metrics the views show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MetricKind = Literal["count", "group rate", "calibration", "difference", "gap", "ratio", "index"]
Bound = float | tuple[float, float] | None


@dataclass(frozen=True)
class Metric:
    """One metric: names for tables and for sentences, what it is and how it is judged.

    ``ideal`` is the value of no disparity (None for counts and group rates); ``signed`` whether
    it is shown with its sign; ``bound`` its default fairness bound (None: not checked);
    ``compares`` the group rate whose gap it measures and ``compared_words`` that rate's name
    in a breach sentence; ``consequence`` what a breach means, with ``{positive}``,
    ``{direction}`` (one of ``directions``: above the ideal, below it) and ``{reference}``.
    """

    name: str
    label: str
    long_label: str
    kind: MetricKind
    ideal: float | None = None
    signed: bool = False
    bound: Bound = None
    compares: str | None = None
    compared_words: str = ""
    consequence: str = ""
    directions: tuple[str, str] = ("more", "less")


def _rate(name: str, label: str, long_label: str) -> Metric:
    return Metric(name=name, label=label, long_label=long_label, kind="group rate")


def _calibration(name: str, label: str, long_label: str, ideal: float) -> Metric:
    return Metric(name=name, label=label, long_label=long_label, kind="calibration", ideal=ideal)


REGISTRY: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric(name="size", label="rows", long_label="number of rows", kind="count"),
        _rate("base_rate", "base rate", "base rate"),
        _rate("selection_rate", "selection rate", "selection rate"),
        _rate("tpr", "TPR", "true positive rate"),
        _rate("fpr", "FPR", "false positive rate"),
        _rate("fnr", "FNR", "false negative rate"),
        _rate("precision", "precision", "precision"),
        _rate("accuracy", "accuracy", "accuracy"),
        Metric(
            name="statistical_parity_difference",
            label="statistical parity diff.",
            long_label="statistical parity difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            bound=0.1,
            compares="selection_rate",
            compared_words="selection rate",
            consequence="the model predicts '{positive}' {direction} often for this group",
        ),
        Metric(
            name="disparate_impact",
            label="disparate impact",
            long_label="disparate impact",
            kind="ratio",
            ideal=1.0,
            bound=(0.8, 1.25),
            compares="selection_rate",
            compared_words="selection rate",
            consequence="the model predicts '{positive}' {direction} often for this group",
        ),
        Metric(
            name="equal_opportunity_difference",
            label="equal opportunity diff.",
            long_label="equal opportunity difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            bound=0.1,
            compares="tpr",
            compared_words="true positive rate",
            consequence="the model finds {direction} of the truly '{positive}' cases in this group",
            directions=("more", "fewer"),
        ),
        Metric(
            name="average_odds_difference",
            label="average odds diff.",
            long_label="average odds difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            bound=0.1,
            consequence="true and false positive rates together are {direction} for this group",
            directions=("higher", "lower"),
        ),
        Metric(
            name="false_negative_rate_difference",
            label="FNR diff.",
            long_label="false negative rate difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            bound=0.1,
            compares="fnr",
            compared_words="false negative rate",
            consequence=(
                "the model misses {direction} of the truly '{positive}' cases in this group"
            ),
            directions=("more", "fewer"),
        ),
        Metric(
            name="error_rate_difference",
            label="error rate diff.",
            long_label="error rate difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            bound=0.1,
            compares="accuracy",
            compared_words="error rate",
            consequence="the model is wrong {direction} often for this group",
        ),
        Metric(
            name="false_positive_rate_difference",
            label="FPR diff.",
            long_label="false positive rate difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            bound=0.1,
            compares="fpr",
            compared_words="false positive rate",
            consequence=(
                "the model flags {direction} of the truly not '{positive}' cases in this group"
            ),
            directions=("more", "fewer"),
        ),
        Metric(
            name="precision_difference",
            label="precision diff.",
            long_label="precision (predictive parity) difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            bound=0.1,
            compares="precision",
            compared_words="precision",
            consequence="a '{positive}' decision is right {direction} often for this group",
        ),
        Metric(
            name="equalized_odds_difference",
            label="equalized odds diff.",
            long_label="equalized odds difference",
            kind="gap",
            ideal=0.0,
            bound=0.1,
            consequence=(
                "the true or the false positive rate of this group differs from that of "
                "{reference}"
            ),
        ),
        Metric(
            name="average_abs_odds_difference",
            label="average abs. odds diff.",
            long_label="average absolute odds difference",
            kind="gap",
            ideal=0.0,
            bound=0.1,
            consequence=(
                "the true and false positive rates of this group differ from those of {reference}"
            ),
        ),
        Metric(
            name="between_group_theil_index",
            label="Theil index (between)",
            long_label="between-group Theil index",
            kind="index",
            ideal=0.0,
            consequence=(
                "the benefit of the decisions is spread unequally between this group and "
                "{reference}"
            ),
        ),
        Metric(
            name="theil_index",
            label="Theil index",
            long_label="Theil index",
            kind="index",
            ideal=0.0,
        ),
        _calibration("ece", "ECE", "expected calibration error", 0.0),
        _calibration("brier_score", "Brier score", "Brier score", 0.0),
        _calibration("roc_auc", "ROC AUC", "area under the ROC curve", 1.0),
        Metric(
            name="ece_difference",
            label="ECE diff.",
            long_label="expected calibration error difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            bound=0.1,
            compares="ece",
            compared_words="expected calibration error",
            consequence=(
                "the score's stated risk of '{positive}' matches the observed rate {direction} "
                "closely for this group: the same score means something else"
            ),
            directions=("less", "more"),
        ),
        Metric(
            name="brier_score_difference",
            label="Brier score diff.",
            long_label="Brier score difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            compares="brier_score",
            compared_words="Brier score",
            consequence="the scores of '{positive}' are {direction} accurate for this group",
            directions=("less", "more"),
        ),
        Metric(
            name="roc_auc_difference",
            label="ROC AUC diff.",
            long_label="ROC AUC difference",
            kind="difference",
            ideal=0.0,
            signed=True,
            bound=0.1,
            compares="roc_auc",
            compared_words="ROC AUC",
            consequence=(
                "the score ranks the truly '{positive}' cases above the others {direction} "
                "reliably for this group"
            ),
            directions=("more", "less"),
        ),
        Metric(name="groups", label="groups", long_label="number of groups", kind="count"),
        Metric(
            name="between_all_groups_theil_index",
            label="Theil index (all groups)",
            long_label="between-all-groups Theil index",
            kind="index",
            ideal=0.0,
        ),
    )
}

# What the audit computes per group, and per group against its reference.
RATES = tuple(name for name, metric in REGISTRY.items() if metric.kind == "group rate")
BETWEEN = (
    "statistical_parity_difference",
    "disparate_impact",
    "equal_opportunity_difference",
    "average_odds_difference",
    "false_negative_rate_difference",
    "error_rate_difference",
    "false_positive_rate_difference",
    "precision_difference",
    "equalized_odds_difference",
    "average_abs_odds_difference",
    "between_group_theil_index",
)
# What the audit computes from the scores (not the decisions) per group, and against its
# reference: calibration and ranking. The Brier score depends on a group's base rate as much as
# on its calibration, so its difference has no default bound.
CALIBRATION = tuple(name for name, metric in REGISTRY.items() if metric.kind == "calibration")
CALIBRATION_BETWEEN = ("ece_difference", "brier_score_difference", "roc_auc_difference")
# Every between-group metric that may carry a bound, in the order of FairnessBounds.
BOUNDED = (*BETWEEN, *CALIBRATION_BETWEEN)
# The group rates a before/after comparison covers: the decisions do not change the base rate.
COMPARED_RATES = RATES[1:]
# What the views show: the group-rate and difference columns of a metrics table (the Theil index
# has no bound by default), and the metrics of a mitigation's before/after table (the false
# negative rate difference is minus the equal opportunity difference, so it is left out there),
# and the columns of a calibration table.
TABLE_RATES = ("size", *RATES)
TABLE_DIFFERENCES = BETWEEN[:-1]
TABLE_CALIBRATION = ("size", *CALIBRATION, *CALIBRATION_BETWEEN)
MITIGATION_METRICS = (
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "accuracy",
    "statistical_parity_difference",
    "equal_opportunity_difference",
    "average_odds_difference",
)


def metric_label(name: str) -> str:
    """The short label of a metric (for table heads); other names with spaces for underscores."""
    return REGISTRY[name].label if name in REGISTRY else name.replace("_", " ")


def metric_words(name: str) -> str:
    """The long label of a metric (for sentences); other names with spaces for underscores."""
    return REGISTRY[name].long_label if name in REGISTRY else name.replace("_", " ")
