"""Small, CPU-fast torch classifiers of the sample models (differentiable, for Captum)."""

from __future__ import annotations

import torch
from torch import nn


class TextClassifier(nn.Module):
    """Word embeddings, masked mean pooling, then Linear-ReLU-Linear to class logits."""

    def __init__(
        self, vocab_size: int, num_classes: int, embedding_dim: int = 32, hidden_dim: int = 32
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.hidden = nn.Linear(embedding_dim, hidden_dim)
        self.activation = nn.ReLU()
        self.output = nn.Linear(hidden_dim, num_classes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, classes); padded positions (mask 0) are ignored."""
        embedded = self.embedding(input_ids)
        mask = attention_mask.unsqueeze(-1).to(embedded.dtype)
        count = mask.sum(dim=1).clamp(min=1.0)
        pooled = (embedded * mask).sum(dim=1) / count
        return self.output(self.activation(self.hidden(pooled)))


class TabularMLP(nn.Module):
    """Two hidden ReLU layers over an encoded float matrix, to class logits."""

    def __init__(self, n_inputs: int, num_classes: int, hidden: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_inputs, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, classes)."""
        return self.net(x)
