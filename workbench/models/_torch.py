"""Adapters for torch text classifiers (module + tokenizer) and torch tabular classifiers, and
their loading from a spec's safetensors or state-dict weights."""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from workbench._errors import InputError, ModelLoadError, UnsafeFormatError
from workbench.models._base import (
    ModelAdapter,
    ModelInfo,
    ModelKind,
    check_numeric,
    run_model_code,
)
from workbench.models._device import module_device, resolve_device
from workbench.models._loading import MSG_PICKLE_REFUSED, build_object, import_object
from workbench.models._tabular_encoder import TabularEncoder
from workbench.models._text_tokenizers import load_text_tokenizer
from workbench.models._tokenizer import TextTokenizer, TokenBatch
from workbench.spec import CALL_IDS, CALL_IDS_AND_MASK, ModelSpec

ModelOutput = Literal["logits", "probabilities", "log_probabilities"]
# How a text module is called: positionally with ids (and mask), or by keyword names.
CallContract = str | Mapping[str, str]
TORCH_PICKLE_SUFFIXES = (".pt", ".pth", ".bin")
SUM_TOLERANCE = 1e-4
MSG_OUTPUT_MISMATCH = (
    "model {model!r} is declared with 'output: {declared}' in its spec, but its first batch "
    "looks like {actual}: {evidence}. Set 'output: {actual}' in the model spec (the workbench "
    "turns {actual} into probabilities itself), or make the model return {declared}"
)
EVIDENCE_PROBABILITIES = "every row sums to 1 with every value in [0, 1]"
EVIDENCE_LOG_PROBABILITIES = "every value is at most 0 and each row's exponentials sum to 1"
EVIDENCE_NOT_PROBABILITIES = "values such as {value:.4g} are outside [0, 1] or rows do not sum to 1"
EVIDENCE_NOT_LOG_PROBABILITIES = (
    "values such as {value:.4g} are above 0 or rows' exponentials do not sum to 1"
)
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
    """Turn a model's (batch, classes) output, or one binary score per row, into probabilities."""
    output = output_tensor(output)
    if is_single_column(output):
        positive = output.reshape(-1)
        if kind == "logits":
            positive = torch.sigmoid(positive)
        elif kind == "log_probabilities":
            positive = positive.exp()
        return torch.stack([1 - positive, positive], dim=-1)
    if kind == "logits":
        return torch.softmax(output, dim=-1)
    return output.exp() if kind == "log_probabilities" else output


def check_declared_output(output: Any, declared: ModelOutput, *, model: str) -> None:
    """Raise an :class:`InputError` when a batch of raw model output does not look like the
    ``output`` its spec declares (probabilities under ``logits`` would be softmaxed twice)."""
    values = output_tensor(output).detach().double()
    if values.numel() == 0:
        return
    if is_single_column(values):
        positive = values.reshape(-1)
        if declared == "probabilities" and ((positive < 0) | (positive > 1)).any():
            worst = positive[(positive < 0) | (positive > 1)][0]
            _mismatch(model, declared, "logits", EVIDENCE_NOT_PROBABILITIES.format(value=worst))
        if declared == "log_probabilities" and (positive > 0).any():
            worst = positive[positive > 0][0]
            _mismatch(model, declared, "logits", EVIDENCE_NOT_LOG_PROBABILITIES.format(value=worst))
        return
    ones = torch.ones(len(values), dtype=values.dtype)
    is_probabilities = bool(
        ((values >= 0) & (values <= 1)).all()
        and torch.allclose(values.sum(-1), ones, atol=SUM_TOLERANCE)
    )
    is_log_probabilities = bool(
        (values <= 0).all() and torch.allclose(values.exp().sum(-1), ones, atol=SUM_TOLERANCE)
    )
    if declared == "logits":
        # Logits that happen to be 0s and 1s are not taken for probabilities: real
        # probabilities have values strictly between.
        inside = bool(((values > 1e-6) & (values < 1 - 1e-6)).any())
        if is_probabilities and inside:
            _mismatch(model, declared, "probabilities", EVIDENCE_PROBABILITIES)
        if is_log_probabilities and bool((values < -1e-6).any()):
            _mismatch(model, declared, "log_probabilities", EVIDENCE_LOG_PROBABILITIES)
    elif declared == "probabilities" and not is_probabilities:
        actual = "log_probabilities" if is_log_probabilities else "logits"
        _mismatch(model, declared, actual, EVIDENCE_NOT_PROBABILITIES.format(value=_worst(values)))
    elif declared == "log_probabilities" and not is_log_probabilities:
        actual = "probabilities" if is_probabilities else "logits"
        evidence = EVIDENCE_NOT_LOG_PROBABILITIES.format(value=values.max())
        _mismatch(model, declared, actual, evidence)


def _worst(values: torch.Tensor) -> float:
    outside = values[(values < 0) | (values > 1)]
    return float(outside[0]) if outside.numel() else float(values.sum(-1).max())


def _mismatch(model: str, declared: str, actual: str, evidence: str) -> None:
    raise InputError(
        MSG_OUTPUT_MISMATCH.format(model=model, declared=declared, actual=actual, evidence=evidence)
    )


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


class DeclaredOutput:
    """Class probabilities from a module's raw output as its spec declares it, the declaration
    checked on the first batch; ``device`` is where the module and its inputs live."""

    name: str
    output: ModelOutput
    device: torch.device = torch.device("cpu")
    _output_checked: bool = False

    def _place(self, module: nn.Module, device: str | torch.device | None) -> nn.Module:
        """The module in eval mode on ``device`` (a name as the spec gives it), or where it is
        when ``device`` is None; the device is kept as :attr:`device`."""
        if device is None:
            self.device = module_device(module)
        elif isinstance(device, torch.device):
            self.device = device
        else:
            self.device = resolve_device(device, model=self.name)
        return module.eval().to(self.device)

    def _probabilities(self, raw: Any) -> torch.Tensor:
        if not self._output_checked:
            check_declared_output(raw, self.output, model=self.name)
            self._output_checked = True
        return to_probabilities(raw, self.output)


class DifferentiableTextModel(DeclaredOutput):
    """What Captum needs of a text model: module, embedding layer, tokenizer and a forward.

    ``call`` says how the module is called: ``"ids_and_mask"`` (positionally, the default),
    ``"ids"`` (ids alone), or a mapping from ``input_ids``/``attention_mask`` to the keyword
    names of the module's ``forward``.
    """

    module: nn.Module
    embedding_layer: nn.Module
    tokenizer: TextTokenizer
    kinds: tuple[ModelKind, ...] = ("text",)
    call: CallContract = CALL_IDS_AND_MASK

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
        input_ids = input_ids.to(self.device)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        attention_mask = attention_mask.to(self.device)
        raw = run_model_code(self.name, "forward", self._call, input_ids, attention_mask)
        return self._probabilities(raw)

    def _call(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Any:
        if self.call == CALL_IDS_AND_MASK:
            return self.module(input_ids, attention_mask)
        if self.call == CALL_IDS:
            return self.module(input_ids)
        arguments = {self.call["input_ids"]: input_ids}
        if "attention_mask" in self.call:
            arguments[self.call["attention_mask"]] = attention_mask
        return self.module(**arguments)

    def _predict_batch(self, batch: list[str]) -> np.ndarray:
        """Probabilities of one batch of checked texts, without gradients."""
        tokens = self.encode(batch)
        with torch.no_grad():
            return self.forward(tokens.input_ids, tokens.attention_mask).double().cpu().numpy()


class DifferentiableTabularModel(DeclaredOutput):
    """What Captum needs of a tabular model: module, encoder, feature groups and a forward."""

    module: nn.Module
    encoder: TabularEncoder
    kinds: tuple[ModelKind, ...] = ("tabular",)

    @property
    def differentiable(self) -> bool:
        return True

    def encode(self, frame: pd.DataFrame) -> torch.Tensor:
        """Encoded float tensor of validated rows on the model's device, (rows, encoded columns)."""
        return torch.from_numpy(self.encoder.transform(frame)).to(self.device)

    @property
    def feature_mask(self) -> torch.Tensor:
        """Captum feature mask grouping one-hot columns into their source feature, (1, encoded)."""
        return torch.from_numpy(self.encoder.feature_index)[None, :].to(self.device)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Class probabilities as a differentiable tensor of shape (batch, classes)."""
        inputs = inputs.to(self.device)
        return self._probabilities(run_model_code(self.name, "forward", self.module, inputs))


class TorchTextAdapter(DifferentiableTextModel, ModelAdapter):
    """Any ``nn.Module`` called with token ids (and attention mask, see ``call``) plus a
    tokenizer: the workbench's word tokenizer or the model's own.

    ``device`` (auto, cpu, cuda, cuda:N, mps or a ``torch.device``) is where the module runs;
    None leaves it where it is. Probabilities come back as CPU numpy arrays.
    """

    framework = "torch"

    def __init__(
        self,
        module: nn.Module,
        tokenizer: TextTokenizer,
        info: ModelInfo,
        *,
        embedding_layer: str | None = None,
        output: ModelOutput = "logits",
        call: CallContract = CALL_IDS_AND_MASK,
        batch_size: int = 64,
        device: str | torch.device | None = None,
    ) -> None:
        super().__init__(info, batch_size=batch_size)
        self.module = self._place(module, device)
        self.tokenizer = tokenizer
        self.embedding_layer = find_submodule(module, embedding_layer)
        self.output = output
        self.call = call


class TorchTabularAdapter(DifferentiableTabularModel, ModelAdapter):
    """Any ``nn.Module`` over an encoded float matrix, plus the encoder of the raw columns.

    The info's feature columns are the encoder's, in the encoder's order; ``device`` is as
    :class:`TorchTextAdapter`'s.
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
        device: str | torch.device | None = None,
    ) -> None:
        super().__init__(info, batch_size=batch_size)
        if self.feature_columns != encoder.feature_columns:
            raise ModelLoadError(
                MSG_ENCODER_COLUMNS.format(
                    encoded=list(encoder.feature_columns), named=list(self.feature_columns)
                )
            )
        self.module = self._place(module, device)
        self.encoder = encoder
        self.output = output

    def _predict_batch(self, batch: pd.DataFrame) -> np.ndarray:
        check_numeric(batch, list(self.encoder.numeric))
        with torch.no_grad():
            return self.forward(self.encode(batch)).double().cpu().numpy()


def load_torch(
    spec: ModelSpec, info: ModelInfo, batch: dict[str, int], *, trust_pickle: bool
) -> ModelAdapter:
    """A torch adapter for the spec: its module, and its tokenizer or column encoder."""
    module = _torch_module(spec, trust_pickle=trust_pickle)
    output = spec.output
    if spec.kind == "text":
        tokenizer = load_text_tokenizer(spec, model=info.name)
        return TorchTextAdapter(
            module,
            tokenizer,
            info,
            embedding_layer=spec.embedding_layer,
            output=output,
            call=spec.call,
            device=spec.device,
            **batch,
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
    return TorchTabularAdapter(
        module, encoder, info, output=output, device=spec.device, **batch
    )


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
    cls = import_object(spec.architecture, base=spec.folder, model=spec.name)
    module = build_object(
        cls, spec.architecture_params, reference=spec.architecture, model=spec.name
    )
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
