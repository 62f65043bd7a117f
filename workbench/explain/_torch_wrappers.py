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
        own = torch.eye(output.shape[-1], dtype=torch.bool)
        others = output.unsqueeze(-2).masked_fill(own, float("-inf")).logsumexp(dim=-1)
        return self.sigmoid(output - others)


class EmbeddingForward:
    """The model's probabilities as a function of its token embeddings instead of its ids."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, embeddings: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Run the model with the embedding layer's output replaced by ``embeddings``."""
        ids = torch.full(embeddings.shape[:2], self.model.tokenizer.pad_id, dtype=torch.long)
        handle = self.model.embedding_layer.register_forward_hook(lambda *_: embeddings)
        try:
            return self.model.forward(ids, attention_mask)
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
