"""Captum gradient methods for differentiable text models, over the embedding layer.

Every method attributes the target's probability to the embedding of each token; a token's
attribution is the sum over the embedding dimension, and a word's the sum over its tokens.
Messages are explained in padded batches, with the attention mask passed through to the model.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from captum.attr import (
    DeepLift,
    GradientShap,
    LayerGradientXActivation,
    LayerIntegratedGradients,
)

from workbench.explain._inputs import (
    RawAttribution,
    TokenInput,
    choose_targets,
    pad,
    targets_of,
    text_baseline_id,
)
from workbench.explain._torch_wrappers import (
    EmbeddingForward,
    EmbeddingProbabilityModule,
    seeded,
)

DEEPLIFT_HOOK_WARNING = "Setting forward, backward hooks and attributes on non-linear"


def integrated_gradients(
    model: Any, items: Sequence[TokenInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """Layer Integrated Gradients from the baseline tokens to the message."""
    ids, mask, baselines = pad(model, items, text_baseline_id(model, settings["baseline"]))
    with torch.no_grad():
        ends = torch.cat(
            [model.forward(ids, mask), baseline_probabilities(model, ids, mask, baselines)]
        ).double().cpu()
    scores = ends[: len(items)].numpy()
    targets = targets_of(scores, requested)
    method = LayerIntegratedGradients(model.forward, model.embedding_layer)
    attributions = method.attribute(
        ids,
        baselines=baselines,
        target=targets,
        additional_forward_args=(mask,),
        n_steps=settings["n_steps"],
    ).sum(dim=-1)
    delta = completeness_gap(attributions, ends, targets)
    start = ends[len(items) :].numpy()
    yield from _split(items, attributions, mask, scores, targets, delta, start)


def saliency(
    model: Any, items: Sequence[TokenInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """Absolute gradient of the target with respect to each token's embedding."""
    scores, targets = choose_targets(model, items, requested)
    ids, mask, _ = pad(model, items)
    method = LayerGradientXActivation(
        model.forward, model.embedding_layer, multiply_by_inputs=False
    )
    gradients = method.attribute(ids, target=targets, additional_forward_args=(mask,))
    yield from _split(items, gradients.abs().sum(dim=-1), mask, scores, targets)


def input_x_gradient(
    model: Any, items: Sequence[TokenInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """Gradient times embedding for each token."""
    scores, targets = choose_targets(model, items, requested)
    ids, mask, _ = pad(model, items)
    method = LayerGradientXActivation(model.forward, model.embedding_layer)
    attributions = method.attribute(ids, target=targets, additional_forward_args=(mask,))
    yield from _split(items, attributions.sum(dim=-1), mask, scores, targets)


def deeplift(
    model: Any, items: Sequence[TokenInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """DeepLift (rescale rule) over token embeddings, from the baseline tokens' embeddings."""
    scores, targets = choose_targets(model, items, requested)
    ids, mask, baselines = pad(model, items, text_baseline_id(model, settings["baseline"]))
    with torch.no_grad():
        embeddings = model.embedding_layer(ids)
        baseline_embeddings = model.embedding_layer(baselines)
        start = baseline_probabilities(model, ids, mask, baselines).double().cpu().numpy()
    method = DeepLift(EmbeddingProbabilityModule(model))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=DEEPLIFT_HOOK_WARNING)
        attributions, delta = method.attribute(
            embeddings.requires_grad_(),
            baselines=baseline_embeddings,
            target=targets,
            additional_forward_args=(ids, mask),
            return_convergence_delta=True,
        )
    yield from _split(items, attributions.sum(dim=-1), mask, scores, targets, delta, start)


def gradient_shap(
    model: Any, items: Sequence[TokenInput], requested: int | None, settings: Mapping
) -> Iterator[RawAttribution]:
    """GradientShap over token embeddings (ids cannot be interpolated, so not the layer form)."""
    scores, targets = choose_targets(model, items, requested)
    baseline_id = text_baseline_id(model, settings["baseline"])
    method = GradientShap(EmbeddingForward(model))
    for item, score, target in zip(items, scores, targets):
        ids, mask, baselines = pad(model, [item], baseline_id)
        with torch.no_grad():
            embeddings = model.embedding_layer(ids)
            baseline_embeddings = model.embedding_layer(baselines)
            start = baseline_probabilities(model, ids, mask, baselines).double().cpu().numpy()
        with seeded(settings["seed"]):
            attributions, delta = method.attribute(
                embeddings,
                baselines=baseline_embeddings,
                n_samples=settings["n_samples"],
                stdevs=settings["stdevs"],
                target=target,
                additional_forward_args=(ids, mask),
                return_convergence_delta=True,
            )
        yield RawAttribution(
            attributions=item.pool(attributions.sum(dim=-1)[0].detach().double().cpu().numpy()),
            target=target,
            probabilities=score,
            delta=float(delta.mean()),
            baseline_score=float(start[0, target]),
        )


def baseline_probabilities(
    model: Any, ids: torch.Tensor, mask: torch.Tensor, baselines: torch.Tensor
) -> torch.Tensor:
    """Class probabilities at the baseline: the baseline tokens' embeddings, read with the
    message's own ids and mask (what the gradient methods integrate from)."""
    return EmbeddingForward(model)(model.embedding_layer(baselines), ids, mask)


def completeness_gap(
    attributions: torch.Tensor, ends: torch.Tensor, targets: Sequence[int]
) -> torch.Tensor:
    """Sum of attributions minus the score difference, from the scores of inputs then baselines
    (on the CPU)."""
    # Captum's return_convergence_delta computes the same with one more forward pass per call.
    rows = torch.arange(len(targets))
    chosen = torch.as_tensor(list(targets))
    half = len(targets)
    difference = ends[:half][rows, chosen] - ends[half:][rows, chosen]
    return attributions.detach().double().cpu().reshape(half, -1).sum(dim=1) - difference


def _split(
    items: Sequence[TokenInput],
    attributions: torch.Tensor,
    mask: torch.Tensor,
    scores: np.ndarray,
    targets: Sequence[int],
    delta: torch.Tensor | None = None,
    start: np.ndarray | None = None,
) -> Iterator[RawAttribution]:
    values = attributions.detach().double().cpu()
    mask = mask.cpu()
    for row, (item, target) in enumerate(zip(items, targets)):
        yield RawAttribution(
            attributions=item.pool(values[row][mask[row].bool()].numpy()),
            target=target,
            probabilities=scores[row],
            delta=None if delta is None else float(delta[row]),
            baseline_score=None if start is None else float(start[row, target]),
        )
