"""Shared test data: tiny known-answer models, inputs, and the table of method configurations."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
import pytest
import torch
from tiny_models import TINY_MODELS_FILE
from torch import nn

import workbench
from workbench.models import split_words

CLASSES = ("routine", "urgent")
MESSAGES = [
    "I feel hopeless tonight",
    "Need a refill for my appointment",
    "hopeless, tonight, and an appointment",
    "I feel hopeless tonight and I need a refill",
]
# Logit contribution of each word to "urgent" in the callable (black-box) text model.
WORD_WEIGHTS = {"hopeless": 3.0, "tonight": 1.0, "appointment": -2.0, "refill": -2.0}
ROWS = pd.DataFrame(
    {
        "phq9": [20.0, 5.0, 12.0, 15.0],
        "missed": [4.0, 0.0, 2.0, 3.0],
        "insurance": ["public", "private", "public", "private"],
    }
)
BACKGROUND = pd.DataFrame(
    {
        "phq9": [10.0, 12.0, 8.0, 14.0, 6.0, 10.0],
        "missed": [2.0, 1.0, 3.0, 2.0, 1.0, 3.0],
        "insurance": ["private", "public", "private", "public", "private", "private"],
    }
)
# Weights of the linear-probability tabular model over the encoded columns
# (phq9, missed, insurance=private, insurance=public).
LINEAR_WEIGHTS = [0.05, -0.04, -0.03, 0.06]


class LinearProbabilities(nn.Module):
    """Probabilities (0.5 - w.x, 0.5 + w.x): Integrated Gradients is exactly (x - b) * w."""

    def __init__(self, weights: list[float]) -> None:
        super().__init__()
        self.weights = nn.Parameter(torch.tensor(weights), requires_grad=False)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        positive = 0.5 + inputs @ self.weights
        return torch.stack([1 - positive, positive], dim=-1)


def word_logit_model(texts: list[str]) -> np.ndarray:
    """A black-box text model: urgent logit is the sum of the words' weights."""
    logits = np.array([sum(WORD_WEIGHTS.get(w, 0.0) for w in split_words(t)) for t in texts])
    urgent = 1 / (1 + np.exp(-logits))
    return np.column_stack([1 - urgent, urgent])


def sigmoid(value: float) -> float:
    return 1 / (1 + math.exp(-value))


@dataclass(frozen=True)
class MethodCase:
    """One row of the method table: a method, the model fixture it runs on, fast parameters."""

    method: str
    model: str
    params: dict = field(default_factory=dict)
    stochastic: bool = False
    completeness: bool = False

    @property
    def id(self) -> str:
        return f"{self.method}-{self.model}"


FAST_LIME = {"n_samples": 300}
METHOD_CASES = [
    MethodCase("ig", "text_model", {"n_steps": 20}, completeness=True),
    MethodCase("saliency", "text_model"),
    MethodCase("input_x_gradient", "text_model"),
    MethodCase("deeplift", "text_model", completeness=True),
    MethodCase("gradient_shap", "text_model", {"n_samples": 10}, stochastic=True),
    MethodCase("occlusion", "text_model", {"window": 2}),
    MethodCase("feature_ablation", "text_model"),
    MethodCase("shapley_sampling", "text_model", {"n_samples": 5}, stochastic=True),
    MethodCase("kernel_shap", "text_model", {"n_samples": 50}, stochastic=True),
    MethodCase("lime", "text_model", FAST_LIME, stochastic=True),
    MethodCase("occlusion", "callable_text_model"),
    MethodCase("feature_ablation", "callable_text_model"),
    MethodCase("kernel_shap", "callable_text_model", {"n_samples": 50}, stochastic=True),
    MethodCase("lime", "callable_text_model", FAST_LIME, stochastic=True),
    MethodCase("ig", "tabular_model", {"n_steps": 20}, completeness=True),
    MethodCase("deeplift", "tabular_model", completeness=True),
    MethodCase("gradient_shap", "tabular_model", {"n_samples": 10}, stochastic=True),
    MethodCase("feature_ablation", "tabular_model"),
    MethodCase("shapley_sampling", "tabular_model", {"n_samples": 5}, stochastic=True),
    MethodCase("kernel_shap", "tabular_model", {"n_samples": 50}, stochastic=True),
    MethodCase("lime", "tabular_model", FAST_LIME, stochastic=True),
    MethodCase("feature_ablation", "sklearn_tabular_model"),
    MethodCase("shapley_sampling", "sklearn_tabular_model", {"n_samples": 5}, stochastic=True),
    MethodCase("lime", "sklearn_tabular_model", FAST_LIME, stochastic=True),
]


@cache
def _load_sample(name: str) -> tuple | None:
    specs = workbench.sample_model_specs()
    if name not in specs:
        return None
    truth = json.loads((specs[name].parent / "truth.json").read_text(encoding="utf-8"))
    return workbench.load_model(specs[name]), workbench.load_dataset(specs[name]), truth


def sample(name: str) -> tuple[workbench.ModelAdapter, pd.DataFrame, dict]:
    """A bundled sample model, its data and its truth.json, or skip when it is not built."""
    loaded = _load_sample(name)
    if loaded is None:
        pytest.skip(f"sample model {name} is not built (python -m sample_models.train)")
    return loaded


TINY_TEXT_SPEC = {
    "name": "tiny",
    "kind": "text",
    "framework": "torch",
    "architecture": f"{TINY_MODELS_FILE}:MeanEmbeddingText",
    "weights": "weights.safetensors",
    "tokenizer": "tokenizer.json",
    "data": "messages.csv",
    "classes": list(CLASSES),
    "positive_class": "urgent",
    "label_column": "label",
    "text_column": "text",
}
