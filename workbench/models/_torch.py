"""Adapters for torch text classifiers (module + tokenizer) and torch tabular classifiers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from workbench._errors import ModelLoadError
from workbench.models._base import ModelAdapter, ModelInfo, ModelKind, check_numeric
from workbench.models._tabular_encoder import TabularEncoder
from workbench.models._tokenizer import TextTokenizer, TokenBatch

ModelOutput = Literal["logits", "probabilities"]
MSG_ENCODER_COLUMNS = (
    "the encoder encodes columns {encoded} but the model info names feature columns {named}; "
    "give the model info the encoder's columns, in the encoder's order"
)


def output_tensor(output: Any) -> torch.Tensor:
    """The scores in a module's output: the output itself, its first element, or its logits."""
    if isinstance(output, tuple | list):
        output = output[0]
    if hasattr(output, "logits"):
        output = output.logits
    return output


def is_single_column(output: torch.Tensor) -> bool:
    """Whether ``output`` holds one binary score per row rather than one per class."""
    return output.dim() == 1 or output.shape[-1] == 1


def to_probabilities(output: Any, kind: ModelOutput) -> torch.Tensor:
    """Turn a model's (batch, classes) output, or one binary logit per row, into probabilities."""
    output = output_tensor(output)
    if is_single_column(output):
        positive = output.reshape(-1)
        positive = positive if kind == "probabilities" else torch.sigmoid(positive)
        return torch.stack([1 - positive, positive], dim=-1)
    return output if kind == "probabilities" else torch.softmax(output, dim=-1)


def find_submodule(module: nn.Module, path: str | None) -> nn.Module:
    """The submodule at dotted ``path``, or the first ``nn.Embedding`` when no path is given."""
    if path:
        try:
            return module.get_submodule(path)
        except AttributeError:
            names = [n for n, _ in module.named_modules() if n][:15]
            raise ModelLoadError(
                f"model has no submodule {path!r} for the embedding layer; it has {names}"
            ) from None
    for submodule in module.modules():
        if isinstance(submodule, nn.Embedding):
            return submodule
    raise ModelLoadError(
        "model has no nn.Embedding; name its embedding layer with 'embedding_layer' in the spec"
    )


class DifferentiableTextModel:
    """What Captum needs of a text model: module, embedding layer, tokenizer and a forward."""

    module: nn.Module
    embedding_layer: nn.Module
    tokenizer: TextTokenizer
    output: ModelOutput
    kinds: tuple[ModelKind, ...] = ("text",)

    @property
    def differentiable(self) -> bool:
        return True

    def encode(self, texts: Sequence[str]) -> TokenBatch:
        """Token ids and attention mask for ``texts``."""
        return self.tokenizer.encode(list(texts))

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Class probabilities as a differentiable tensor of shape (batch, classes)."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        return to_probabilities(self.module(input_ids, attention_mask), self.output)

    def _predict_batch(self, batch: list[str]) -> np.ndarray:
        """Probabilities of one batch of checked texts, without gradients."""
        tokens = self.encode(batch)
        with torch.no_grad():
            return self.forward(tokens.input_ids, tokens.attention_mask).double().numpy()


class DifferentiableTabularModel:
    """What Captum needs of a tabular model: module, encoder, feature groups and a forward."""

    module: nn.Module
    encoder: TabularEncoder
    output: ModelOutput
    kinds: tuple[ModelKind, ...] = ("tabular",)

    @property
    def differentiable(self) -> bool:
        return True

    def encode(self, frame: pd.DataFrame) -> torch.Tensor:
        """Encoded float tensor of validated rows, shape (rows, encoded columns)."""
        return torch.from_numpy(self.encoder.transform(frame))

    @property
    def feature_mask(self) -> torch.Tensor:
        """Captum feature mask grouping one-hot columns into their source feature, (1, encoded)."""
        return torch.from_numpy(self.encoder.feature_index)[None, :]

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Class probabilities as a differentiable tensor of shape (batch, classes)."""
        return to_probabilities(self.module(inputs), self.output)


class TorchTextAdapter(DifferentiableTextModel, ModelAdapter):
    """Any ``nn.Module`` called as ``module(input_ids, attention_mask)`` plus a tokenizer."""

    framework = "torch"

    def __init__(
        self,
        module: nn.Module,
        tokenizer: TextTokenizer,
        info: ModelInfo,
        *,
        embedding_layer: str | None = None,
        output: ModelOutput = "logits",
        batch_size: int = 64,
    ) -> None:
        super().__init__(info, batch_size=batch_size)
        self.module = module.eval()
        self.tokenizer = tokenizer
        self.embedding_layer = find_submodule(module, embedding_layer)
        self.output = output


class TorchTabularAdapter(DifferentiableTabularModel, ModelAdapter):
    """Any ``nn.Module`` over an encoded float matrix, plus the encoder of the raw columns.

    The info's feature columns are the encoder's, in the encoder's order.
    """

    framework = "torch"

    def __init__(
        self,
        module: nn.Module,
        encoder: TabularEncoder,
        info: ModelInfo,
        *,
        output: ModelOutput = "logits",
        batch_size: int = 256,
    ) -> None:
        super().__init__(info, batch_size=batch_size)
        if self.feature_columns != encoder.feature_columns:
            raise ModelLoadError(
                MSG_ENCODER_COLUMNS.format(
                    encoded=list(encoder.feature_columns), named=list(self.feature_columns)
                )
            )
        self.module = module.eval()
        self.encoder = encoder
        self.output = output

    def _predict_batch(self, batch: pd.DataFrame) -> np.ndarray:
        check_numeric(batch, list(self.encoder.numeric))
        with torch.no_grad():
            return self.forward(self.encode(batch)).double().numpy()
