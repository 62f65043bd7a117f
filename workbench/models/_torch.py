"""Adapters for torch text classifiers (module + tokenizer) and torch tabular classifiers, and
their loading from a spec's safetensors or state-dict weights."""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from workbench._errors import ModelLoadError, UnsafeFormatError
from workbench.models._base import ModelAdapter, ModelInfo, ModelKind, check_numeric
from workbench.models._loading import MSG_PICKLE_REFUSED, import_object
from workbench.models._tabular_encoder import TabularEncoder
from workbench.models._tokenizer import TextTokenizer, TokenBatch, WordTokenizer
from workbench.spec import ModelSpec

ModelOutput = Literal["logits", "probabilities"]
TORCH_PICKLE_SUFFIXES = (".pt", ".pth", ".bin")
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


def load_torch(
    spec: ModelSpec, info: ModelInfo, batch: dict[str, int], *, trust_pickle: bool
) -> ModelAdapter:
    """A torch adapter for the spec: its module, and its word tokenizer or column encoder."""
    module = _torch_module(spec, trust_pickle=trust_pickle)
    output = spec.output
    if spec.kind == "text":
        tokenizer = WordTokenizer.load(spec.tokenizer)
        if spec.max_length:
            tokenizer.max_length = spec.max_length
        return TorchTextAdapter(
            module, tokenizer, info, embedding_layer=spec.embedding_layer, output=output, **batch
        )
    if spec.preprocessing is not None:
        encoder = TabularEncoder.load(spec.preprocessing)
        if set(encoder.feature_columns) != set(spec.feature_columns):
            raise ModelLoadError(
                f"preprocessing {spec.preprocessing} encodes columns "
                f"{list(encoder.feature_columns)} but the spec's feature_columns are "
                f"{list(spec.feature_columns)}; make them the same"
            )
        # The encoder's column order is the model's: its one-hot blocks follow it.
        info = replace(info, feature_columns=encoder.feature_columns)
    else:
        identity = dict.fromkeys(spec.feature_columns, (0.0, 1.0))
        encoder = TabularEncoder(numeric=identity, feature_columns=spec.feature_columns)
    return TorchTabularAdapter(module, encoder, info, output=output, **batch)


def _torch_module(spec: ModelSpec, *, trust_pickle: bool) -> torch.nn.Module:
    weights = spec.weights
    if weights.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            state = load_file(str(weights))
        except (SafetensorError, OSError, ValueError) as err:
            raise ModelLoadError(f"cannot read safetensors file {weights}: {err}") from None
    elif weights.suffix in TORCH_PICKLE_SUFFIXES:
        state = _torch_load(weights, trust_pickle=trust_pickle)
        if isinstance(state, torch.nn.Module):
            return state
    else:
        raise ModelLoadError(
            f"unknown torch weights format {weights.suffix!r} for {weights}; use .safetensors "
            "(preferred) or a state dict saved with torch.save as .pt"
        )
    if not spec.architecture:
        raise ModelLoadError(
            f"{weights} holds only weights; name the model class with 'architecture' "
            "('module:Class' or 'file.py:Class') and its 'architecture_params'"
        )
    cls = import_object(spec.architecture, base=spec.folder)
    try:
        module = cls(**spec.architecture_params)
    except TypeError as err:
        raise ModelLoadError(
            f"cannot build {spec.architecture} with architecture_params "
            f"{spec.architecture_params}: {err}"
        ) from None
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as err:
        first = str(err).splitlines()[0:3]
        raise ModelLoadError(
            f"weights {weights.name} do not fit {spec.architecture} built with "
            f"{spec.architecture_params}: {' '.join(first)}"
        ) from None
    return module


def _torch_load(weights: Path, *, trust_pickle: bool) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(weights, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if not trust_pickle:
            raise UnsafeFormatError(
                MSG_PICKLE_REFUSED.format(
                    path=weights,
                    fmt="this torch file holds more than tensors; such pickle",
                    safe="safetensors, or a plain state dict",
                )
                + f" (torch said: {str(err).splitlines()[0]})"
            ) from None
    except (RuntimeError, OSError, EOFError) as err:
        raise ModelLoadError(f"cannot read torch weights {weights}: {err}") from None
    try:
        return torch.load(weights, map_location="cpu", weights_only=False)
    except Exception as err:  # a trusted pickle may fail in any way its code does
        raise ModelLoadError(f"cannot load trusted torch file {weights}: {err}") from None
