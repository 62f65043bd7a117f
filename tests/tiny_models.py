"""Tiny models with hand-set weights and known answers, importable by spec files in tests."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

TINY_MODELS_FILE = Path(__file__).resolve()

TINY_VOCABULARY = ["[PAD]", "[UNK]", "hopeless", "tonight", "appointment", "refill", "i", "feel"]
# Each word's embedding is its (routine, urgent) logit contribution.
TINY_EMBEDDING = [
    [0.0, 0.0],
    [0.0, 0.0],
    [0.0, 3.0],
    [0.0, 1.0],
    [2.0, 0.0],
    [2.0, 0.0],
    [0.0, 0.0],
    [0.0, 0.0],
]


class MeanEmbeddingText(nn.Module):
    """Logits are the masked mean of word embeddings: a known-answer text model."""

    def __init__(self, vocab_size: int = len(TINY_VOCABULARY), num_classes: int = 2) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, num_classes, padding_idx=0)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask = attention_mask.unsqueeze(-1).float()
        summed = (self.embedding(input_ids) * mask).sum(dim=1)
        return summed / mask.sum(dim=1).clamp(min=1.0)


class LinearTabular(nn.Module):
    """Two-class logits (0, w.x + b): a known-answer tabular model."""

    def __init__(self, n_inputs: int = 3) -> None:
        super().__init__()
        self.linear = nn.Linear(n_inputs, 1)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        positive = self.linear(inputs)
        return torch.cat([torch.zeros_like(positive), positive], dim=-1)
