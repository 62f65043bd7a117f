"""Explanations of model outputs: Captum and LIME attributions behind one result type.

``explain(model, input)`` returns an :class:`Explanation` for any loaded model and method that
applies to it (:func:`applicable_methods`); faithfulness, agreement between methods, global and
per-group views, batch explanation and a cache build on that one type.
"""

from workbench.explain._aggregate import global_importance, group_importance
from workbench.explain._agreement import Agreement, agreement
from workbench.explain._cache import ExplanationCache, default_cache
from workbench.explain._explain import (
    evaluate_faithfulness,
    explain,
    explain_batch,
    resolve_target,
)
from workbench.explain._explanation import Explanation, Faithfulness, merge_subwords
from workbench.explain._methods import (
    METHODS,
    MethodInfo,
    Param,
    applicable_methods,
    default_method,
)

__all__ = [
    "METHODS",
    "Agreement",
    "Explanation",
    "ExplanationCache",
    "Faithfulness",
    "MethodInfo",
    "Param",
    "agreement",
    "applicable_methods",
    "default_cache",
    "default_method",
    "evaluate_faithfulness",
    "explain",
    "explain_batch",
    "global_importance",
    "group_importance",
    "merge_subwords",
    "resolve_target",
]
