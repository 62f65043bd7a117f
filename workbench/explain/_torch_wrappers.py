"""Views of a differentiable model that some Captum methods need, and seeding of their RNGs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from workbench.models import is_single_column, output_tensor


class ProbabilityModule(nn.Module):
    """The model's module with its last nonlinearity as an ``nn.Sigmoid``, for DeepLift."""

    # Softmax is rewritten as p_c = sigmoid(z_c - logsumexp(z_others)), the same numbers, so
    # DeepLift's rescale rule applies to a sigmoid whose input is linear in the logits of a
    # two-class model: completeness then holds exactly, and approximately for more classes.

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.inner = model.module
        self.logits = model.output == "logits"
        self.sigmoid = nn.Sigmoid()

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        """Class probabilities, shape (batch, classes)."""
        output = output_tensor(self.inner(*inputs))
        if is_single_column(output):
            positive = output.reshape(-1)
            if not self.logits:
                return torch.stack([1 - positive, positive], dim=-1)
            return self.sigmoid(torch.stack([-positive, positive], dim=-1))
        if not self.logits:
            return output
        own = torch.eye(output.shape[-1], dtype=torch.bool, device=output.device)
        others = output.unsqueeze(-2).masked_fill(own, float("-inf")).logsumexp(dim=-1)
        return self.sigmoid(output - others)


class EmbeddingForward:
    """The model's probabilities as a function of its token embeddings, the ids kept.

    The model still reads the message's own ids (and so builds any mask of its own from them);
    only the embedding layer's output is replaced, so a baseline changes the embeddings alone.
    """

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(
        self, embeddings: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """Run the model on ``input_ids``, the embedding layer returning ``embeddings``."""
        handle = self.model.embedding_layer.register_forward_hook(lambda *_: embeddings)
        try:
            return self.model.forward(input_ids, attention_mask)
        finally:
            handle.remove()


class EmbeddingProbabilityModule(nn.Module):
    """:class:`ProbabilityModule` as a function of the token embeddings (the ids kept), for
    DeepLift over embeddings: the baseline changes the embeddings, never the mask."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.probability = ProbabilityModule(model)
        self.embedding_layer = model.embedding_layer

    def forward(
        self, embeddings: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        """Class probabilities, shape (batch, classes)."""
        handle = self.embedding_layer.register_forward_hook(lambda *_: embeddings)
        try:
            return self.probability(input_ids, attention_mask)
        finally:
            handle.remove()


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed torch and numpy's global RNGs (which Captum draws from), restoring them after."""
    state = np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)
