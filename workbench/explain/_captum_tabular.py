"""Captum gradient methods for differentiable tabular models, over the encoded row.

Attributions of the encoded columns of one feature (the one-hot columns of a category) are
summed into one attribution per source feature.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from captum.attr import DeepLift, GradientShap, IntegratedGradients

from workbench.explain._captum_text import DEEPLIFT_HOOK_WARNING, completeness_gap
from workbench.explain._inputs import (
    EncodedRow,
    RawAttribution,
    choose_targets,
    targets_of,
)
from workbench.explain._torch_wrappers import ProbabilityModule, seeded


def integrated_gradients(
    model: Any, items: Sequence[EncodedRow], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """Integrated Gradients from the baseline row to the row."""
    inputs, baselines = _stack(items)
    with torch.no_grad():
        ends = model.forward(torch.cat([inputs, baselines])).double().cpu()
    scores = ends[: len(items)].numpy()
    targets = targets_of(scores, requested)
    attributions = IntegratedGradients(model.forward).attribute(
        inputs, baselines=baselines, target=targets, n_steps=settings["n_steps"]
    )
    delta = completeness_gap(attributions, ends, targets)
    start = ends[len(items) :].numpy()
    yield from _by_feature(items, attributions, scores, targets, delta, start)


def deeplift(
    model: Any, items: Sequence[EncodedRow], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """DeepLift (rescale rule) from the baseline row to the row."""
    scores, targets = choose_targets(model, items, requested)
    inputs, baselines = _stack(items)
    with torch.no_grad():
        start = model.forward(baselines).double().cpu().numpy()
    inputs.requires_grad_()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=DEEPLIFT_HOOK_WARNING)
        attributions, delta = DeepLift(ProbabilityModule(model)).attribute(
            inputs, baselines=baselines, target=targets, return_convergence_delta=True
        )
    yield from _by_feature(items, attributions, scores, targets, delta, start)


def gradient_shap(
    model: Any, items: Sequence[EncodedRow], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """GradientShap with the background rows (or the baseline row) as baseline distribution."""
    # Each row is seeded on its own, so a row gets the same numbers alone or in a batch.
    scores, targets = choose_targets(model, items, requested)
    method = GradientShap(model.forward)
    for item, score, target in zip(items, scores, targets):
        distribution = item.background if item.background is not None else item.baseline
        with torch.no_grad():
            start = model.forward(distribution).double().mean(dim=0, keepdim=True).cpu().numpy()
        with seeded(settings["seed"]):
            attributions, delta = method.attribute(
                item.x,
                baselines=distribution,
                n_samples=settings["n_samples"],
                stdevs=settings["stdevs"],
                target=target,
                return_convergence_delta=True,
            )
        mean_delta = delta.mean()[None]
        yield from _by_feature([item], attributions, [score], [target], mean_delta, start)


def _stack(items: Sequence[EncodedRow]) -> tuple[torch.Tensor, torch.Tensor]:
    inputs = torch.cat([s.x for s in items])
    baselines = torch.cat([s.baseline for s in items])
    return inputs, baselines


def _by_feature(
    items: Sequence[EncodedRow],
    attributions: torch.Tensor,
    scores: Sequence[np.ndarray],
    targets: Sequence[int],
    delta: torch.Tensor,
    start: np.ndarray,
) -> Iterator[RawAttribution]:
    index = items[0].feature_index
    grouped = torch.zeros((len(items), len(items[0].features)), dtype=torch.float64)
    grouped.index_add_(1, index, attributions.detach().double().cpu())
    for row, target in enumerate(targets):
        yield RawAttribution(
            attributions=grouped[row].numpy(),
            target=target,
            probabilities=scores[row],
            delta=float(delta[row]),
            baseline_score=float(start[row, target]),
        )
