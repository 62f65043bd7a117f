"""Explanations of model outputs: Captum and LIME attributions behind one result type.

``explain(model, input)`` returns an :class:`Explanation` for any loaded model and method that
applies to it (:func:`applicable_methods`); faithfulness, agreement between methods, global and
per-group views, batch explanation and a cache build on that one type.
"""

from workbench._lazy import lazy_names

_HOMES = {
    "METHODS": "workbench.explain._methods",
    "Agreement": "workbench.explain._agreement",
    "Explanation": "workbench.explain._explanation",
    "ExplanationCache": "workbench.explain._cache",
    "Faithfulness": "workbench.explain._explanation",
    "MethodInfo": "workbench.explain._methods",
    "Param": "workbench.explain._methods",
    "agreement": "workbench.explain._agreement",
    "applicable_methods": "workbench.explain._methods",
    "default_cache": "workbench.explain._cache",
    "default_method": "workbench.explain._methods",
    "evaluate_faithfulness": "workbench.explain._explain",
    "explain": "workbench.explain._explain",
    "explain_batch": "workbench.explain._explain",
    "global_importance": "workbench.explain._aggregate",
    "group_importance": "workbench.explain._aggregate",
    "resolve_target": "workbench.explain._checks",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
