"""The model adapter contract, its torch, sklearn, transformers and callable adapters, and the
table of frameworks a spec may name (``FRAMEWORKS``)."""

from workbench._lazy import lazy_names

_HOMES = {
    "FRAMEWORKS": "workbench.models._frameworks",
    "CallableAdapter": "workbench.models._callable",
    "DifferentiableTabularModel": "workbench.models._torch",
    "DifferentiableTextModel": "workbench.models._torch",
    "Framework": "workbench.models._frameworks",
    "ModelAdapter": "workbench.models._base",
    "ModelInfo": "workbench.models._base",
    "ModelKind": "workbench.models._base",
    "Need": "workbench.models._frameworks",
    "SklearnAdapter": "workbench.models._sklearn",
    "TabularEncoder": "workbench.models._tabular_encoder",
    "TextTokenizer": "workbench.models._tokenizer",
    "TokenBatch": "workbench.models._tokenizer",
    "TorchTabularAdapter": "workbench.models._torch",
    "TorchTextAdapter": "workbench.models._torch",
    "TransformersAdapter": "workbench.models._transformers",
    "WordTokenizer": "workbench.models._tokenizer",
    "import_object": "workbench.models._loading",
    "is_single_column": "workbench.models._torch",
    "load_model": "workbench.models._loading",
    "model_sha256": "workbench.models._loading",
    "output_tensor": "workbench.models._torch",
    "split_words": "workbench.models._tokenizer",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
