"""The model adapter contract and its torch, sklearn, transformers and callable adapters."""

from workbench.models._base import ModelAdapter, ModelInfo, ModelKind
from workbench.models._callable import CallableAdapter
from workbench.models._loading import import_object, load_model, model_sha256
from workbench.models._sklearn import SklearnAdapter
from workbench.models._tabular_encoder import TabularEncoder
from workbench.models._tokenizer import TextTokenizer, TokenBatch, WordTokenizer, split_words
from workbench.models._torch import (
    DifferentiableTabularModel,
    DifferentiableTextModel,
    TorchTabularAdapter,
    TorchTextAdapter,
    is_single_column,
    output_tensor,
)

__all__ = [
    "CallableAdapter",
    "DifferentiableTabularModel",
    "DifferentiableTextModel",
    "ModelAdapter",
    "ModelInfo",
    "ModelKind",
    "SklearnAdapter",
    "TabularEncoder",
    "TextTokenizer",
    "TokenBatch",
    "TorchTabularAdapter",
    "TorchTextAdapter",
    "WordTokenizer",
    "import_object",
    "is_single_column",
    "load_model",
    "model_sha256",
    "output_tensor",
    "split_words",
]
