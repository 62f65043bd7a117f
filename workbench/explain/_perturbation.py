"""Captum perturbation methods over features switched on and off, for any model.

The input is a vector of ones (every token or feature present) and the baseline a vector of
zeros; the forward function scores presence masks through the explained input, which drops
absent words or sets absent table features to their baseline. No gradients are needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from captum.attr import FeatureAblation, KernelShap, Occlusion, ShapleyValueSampling

from workbench.explain._inputs import ExplainedInput, RawAttribution, choose_targets
from workbench.explain._torch_wrappers import seeded

PERTURBATIONS_PER_EVAL = 256


def presence_forward(model: Any, item: ExplainedInput) -> Callable[[torch.Tensor], torch.Tensor]:
    """Captum forward function: presence masks (masks, features) to class probabilities."""

    def forward(presence: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(item.probabilities(model, presence.detach().numpy()))

    return forward


def feature_ablation(
    model: Any, items: Sequence[ExplainedInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """Score drop when each token or feature alone is removed."""
    scores, targets = choose_targets(model, items, requested)
    for item, score, target in zip(items, scores, targets):
        yield _raw(score, target, _attribute(FeatureAblation, model, item, target))


def occlusion(
    model: Any, items: Sequence[ExplainedInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """Score drop when a sliding window of ``window`` tokens is removed, shared over the window."""
    scores, targets = choose_targets(model, items, requested)
    for item, score, target in zip(items, scores, targets):
        window = min(settings["window"], len(item.features))
        attributions = _attribute(
            Occlusion, model, item, target, sliding_window_shapes=(window,), strides=(1,)
        )
        yield _raw(score, target, attributions)


def shapley_sampling(
    model: Any, items: Sequence[ExplainedInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """Shapley values estimated from ``n_samples`` random feature orders."""
    yield from _sampled(ShapleyValueSampling, model, items, requested, settings)


def kernel_shap(
    model: Any, items: Sequence[ExplainedInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """Kernel SHAP: a weighted linear fit over ``n_samples`` random feature coalitions."""
    yield from _sampled(KernelShap, model, items, requested, settings)


def _sampled(
    method: type,
    model: Any,
    items: Sequence[ExplainedInput],
    requested: int | None,
    settings: Mapping,
) -> Iterator[RawAttribution]:
    """Shapley values by a sampling ``method``, seeded for each input on its own."""
    # Captum's Kernel SHAP sampler fails on one feature, whose Shapley value is simply its
    # removal effect (what Shapley sampling computes for it too).
    scores, targets = choose_targets(model, items, requested)
    for item, score, target in zip(items, scores, targets):
        if len(item.features) == 1:
            removed = item.probabilities(model, np.zeros((1, 1)))[0, target]
            yield _raw(score, target, torch.tensor([[score[target] - removed]]))
            continue
        with seeded(settings["seed"]):
            attributions = _attribute(method, model, item, target, n_samples=settings["n_samples"])
        yield _raw(score, target, attributions)


def _attribute(
    method: type, model: Any, item: ExplainedInput, target: int, **options: Any
) -> torch.Tensor:
    """Attributions of Captum's perturbation ``method`` from all features present to none."""
    return method(presence_forward(model, item)).attribute(
        _present(item),
        baselines=0.0,
        target=target,
        perturbations_per_eval=PERTURBATIONS_PER_EVAL,
        **options,
    )


def _present(item: ExplainedInput) -> torch.Tensor:
    return torch.ones((1, len(item.features)), dtype=torch.float64)


def _raw(score: np.ndarray, target: int, attributions: torch.Tensor) -> RawAttribution:
    return RawAttribution(
        attributions=np.asarray(attributions.detach().double()[0]),
        target=target,
        probabilities=score,
    )
