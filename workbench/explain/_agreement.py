"""Agreement of two explanations of the same input: rank correlation and top-k overlap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench._errors import ExplanationError
from workbench.explain._explanation import Explanation

MSG_FEATURES_DIFFER = (
    "the explanations cover different features ({n} and {m}); compare explanations of the same "
    "input in the same unit (words in both, or sub-words in both)"
)
MSG_TARGETS_DIFFER = (
    "the explanations are for different classes ({first!r} and {second!r}); explain both for the "
    "same target"
)
MSG_BAD_K = "k must be a positive whole number; got {k!r}"


@dataclass(frozen=True)
class Agreement:
    """How much two explanations agree; ``spearman`` is NaN when a ranking is constant."""

    methods: tuple[str, str]
    spearman: float
    top_k_overlap: float
    k: int
    n_features: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "methods": list(self.methods),
            "spearman": None if np.isnan(self.spearman) else self.spearman,
            "top_k_overlap": self.top_k_overlap,
            "k": self.k,
            "n_features": self.n_features,
        }


def agreement(first: Explanation, second: Explanation, *, k: int = 5) -> Agreement:
    """Spearman correlation of signed attributions and the shared share of the top-k by size."""
    from scipy.stats import spearmanr  # on first use: the app's first page needs no SciPy

    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ExplanationError(MSG_BAD_K.format(k=k))
    if first.features != second.features:
        raise ExplanationError(
            MSG_FEATURES_DIFFER.format(n=len(first.features), m=len(second.features))
        )
    if first.target != second.target:
        raise ExplanationError(
            MSG_TARGETS_DIFFER.format(first=first.target_name, second=second.target_name)
        )
    a, b = first.attributions, second.attributions
    count = len(a)
    constant = count < 2 or np.ptp(a) == 0 or np.ptp(b) == 0
    rho = float("nan") if constant else float(spearmanr(a, b).statistic)
    size = min(k, count)
    top_a = set(np.argsort(-np.abs(a), kind="stable")[:size].tolist())
    top_b = set(np.argsort(-np.abs(b), kind="stable")[:size].tolist())
    return Agreement(
        methods=(first.method, second.method),
        spearman=rho,
        top_k_overlap=len(top_a & top_b) / size,
        k=size,
        n_features=count,
    )
