"""Bias audit: AIF360 group metrics across protected attributes and their intersections,
counterfactual identity swaps for text models, and mitigation with before/after audits."""

from workbench._errors import AuditError
from workbench.audit._audit import audit
from workbench.audit._bounds import Breach, FairnessBounds, excess
from workbench.audit._counterfactual import (
    CounterfactualResult,
    counterfactual_swaps,
    load_terms,
    shipped_categories,
)
from workbench.audit._groups import JOIN, MISSING_GROUP, group_name
from workbench.audit._mitigation import (
    POSTPROCESSORS,
    MitigationResult,
    postprocess,
    reweigh,
    reweighing_weights,
)
from workbench.audit._options import DEFAULT_BOUNDS, DEFAULT_OPTIONS, AuditOptions
from workbench.audit._registry import (
    BETWEEN,
    COMPARED_RATES,
    MITIGATION_METRICS,
    RATES,
    REGISTRY,
    TABLE_DIFFERENCES,
    TABLE_RATES,
    Metric,
    MetricKind,
    metric_label,
    metric_words,
)
from workbench.audit._result import AuditResult
from workbench.audit._sweep import threshold_sweep
from workbench.audit._threshold import GroupThresholds

__all__ = [
    "BETWEEN",
    "COMPARED_RATES",
    "DEFAULT_BOUNDS",
    "DEFAULT_OPTIONS",
    "JOIN",
    "MISSING_GROUP",
    "MITIGATION_METRICS",
    "POSTPROCESSORS",
    "RATES",
    "REGISTRY",
    "TABLE_DIFFERENCES",
    "TABLE_RATES",
    "AuditError",
    "AuditOptions",
    "AuditResult",
    "Breach",
    "CounterfactualResult",
    "FairnessBounds",
    "GroupThresholds",
    "Metric",
    "MetricKind",
    "MitigationResult",
    "audit",
    "counterfactual_swaps",
    "excess",
    "group_name",
    "load_terms",
    "metric_label",
    "metric_words",
    "postprocess",
    "reweigh",
    "reweighing_weights",
    "shipped_categories",
    "threshold_sweep",
]
