"""Faithfulness of an explanation: does removing its top features change the model's score?

ERASER comprehensiveness and sufficiency (AOPC over bins of the top features), deletion and
insertion curves, and Captum's infidelity for tabular rows. Features are ranked by signed
attribution, most supportive of the target first; removal is the explained input's (words dropped,
table features set to their baseline). All perturbed inputs are scored in one batched call.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from captum.metrics import infidelity

from workbench.explain._explanation import Explanation, Faithfulness
from workbench.explain._inputs import ExplainedInput
from workbench.explain._perturbation import presence_forward

BINS = (1.0, 5.0, 10.0, 20.0, 50.0)
MAX_CURVE_STEPS = 50
INFIDELITY_SAMPLES = 64


def faithfulness_of(
    model: Any,
    item: ExplainedInput,
    explanation: Explanation,
    *,
    bins: Sequence[float] = BINS,
    seed: int = 0,
) -> Faithfulness:
    """Faithfulness of ``explanation``, the attribution of ``item`` by ``model``."""
    count = len(explanation.features)
    order = np.argsort(-explanation.attributions, kind="stable")
    sizes = [min(count, max(1, math.ceil(count * b / 100))) for b in bins]
    points = min(count, MAX_CURVE_STEPS)
    steps = sorted({round(count * i / points) for i in range(points + 1)})
    removed = [_mask(order, count, k, keep_top=False) for k in sizes + steps]
    kept = [_mask(order, count, k, keep_top=True) for k in sizes + steps]
    scores = item.probabilities(model, np.vstack(removed + kept))[:, explanation.target]
    without_top, only_top = scores[: len(removed)], scores[len(removed) :]
    n_bins = len(sizes)
    return Faithfulness(
        bins=tuple(float(b) for b in bins),
        comprehensiveness_by_bin=tuple(float(explanation.score - s) for s in without_top[:n_bins]),
        sufficiency_by_bin=tuple(float(explanation.score - s) for s in only_top[:n_bins]),
        steps=tuple(steps),
        deletion_curve=tuple(float(s) for s in without_top[n_bins:]),
        insertion_curve=tuple(float(s) for s in only_top[n_bins:]),
        infidelity=(
            _infidelity(model, item, explanation, seed=seed)
            if explanation.kind == "tabular"
            else None
        ),
    )


def _mask(order: np.ndarray, count: int, k: int, *, keep_top: bool) -> np.ndarray:
    mask = np.zeros(count) if keep_top else np.ones(count)
    mask[order[:k]] = 1.0 if keep_top else 0.0
    return mask


def _infidelity(model: Any, item: ExplainedInput, explanation: Explanation, *, seed: int) -> float:
    generator = torch.Generator().manual_seed(seed)

    def perturb(inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        kept = torch.bernoulli(torch.full_like(inputs, 0.5), generator=generator)
        return inputs - inputs * kept, inputs * kept

    present = torch.ones((1, len(explanation.features)), dtype=torch.float64)
    value = infidelity(
        presence_forward(model, item),
        perturb,
        present,
        torch.tensor(explanation.attributions, dtype=torch.float64)[None, :],
        target=explanation.target,
        n_perturb_samples=INFIDELITY_SAMPLES,
    )
    return float(value[0])
