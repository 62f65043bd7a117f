"""Bias audit: AIF360 group metrics across protected attributes and their intersections,
counterfactual identity swaps for text models, and mitigation with before/after audits."""

from workbench._lazy import lazy_names

_HOMES = {
    "BEST_OFF": "workbench.audit._options",
    "BETWEEN": "workbench.audit._registry",
    "COMPARED_RATES": "workbench.audit._registry",
    "DEFAULT_BOUNDS": "workbench.audit._options",
    "DEFAULT_OPTIONS": "workbench.audit._options",
    "DETECTABLE": "workbench.audit._strength",
    "JOIN": "workbench.audit._groups",
    "MISSING_GROUP": "workbench.audit._groups",
    "MITIGATION_METRICS": "workbench.audit._registry",
    "POSTPROCESSORS": "workbench.audit._mitigation",
    "RATES": "workbench.audit._registry",
    "REGISTRY": "workbench.audit._registry",
    "TABLE_DIFFERENCES": "workbench.audit._registry",
    "TABLE_RATES": "workbench.audit._registry",
    "AuditError": "workbench._errors",
    "AuditOptions": "workbench.audit._options",
    "AuditResult": "workbench.audit._result",
    "Breach": "workbench.audit._bounds",
    "CounterfactualResult": "workbench.audit._counterfactual",
    "FairnessBounds": "workbench.audit._bounds",
    "GroupThresholds": "workbench.audit._threshold",
    "Metric": "workbench.audit._registry",
    "MetricKind": "workbench.audit._registry",
    "MitigationResult": "workbench.audit._mitigation",
    "audit": "workbench.audit._audit",
    "counterfactual_swaps": "workbench.audit._counterfactual",
    "excess": "workbench.audit._bounds",
    "group_name": "workbench.audit._groups",
    "load_terms": "workbench.audit._counterfactual",
    "metric_label": "workbench.audit._registry",
    "metric_words": "workbench.audit._registry",
    "postprocess": "workbench.audit._mitigation",
    "reweigh": "workbench.audit._mitigation",
    "reweighing_weights": "workbench.audit._mitigation",
    "shipped_categories": "workbench.audit._counterfactual",
    "threshold_sweep": "workbench.audit._sweep",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
