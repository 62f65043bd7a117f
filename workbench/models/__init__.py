"""The model adapter contract, its torch, sklearn, transformers and callable adapters, and the
table of frameworks a spec may name (``FRAMEWORKS``)."""

from workbench._lazy import lazy_names

_HOMES = {
    "FRAMEWORKS": "workbench.models._frameworks",
    "CallableAdapter": "workbench.models._callable",
    "CallableGenerativeModel": "workbench.models._generative",
    "CallableTokenizer": "workbench.models._text_tokenizers",
    "DifferentiableTabularModel": "workbench.models._torch",
    "DifferentiableTextModel": "workbench.models._torch",
    "Framework": "workbench.models._frameworks",
    "GenerationSettings": "workbench.models._generation",
    "GenerativeInfo": "workbench.models._generative",
    "GenerativeModel": "workbench.models._generative",
    "InputLimits": "workbench.models._base",
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
    "TransformersGenerativeModel": "workbench.models._generative",
    "WordTokenizer": "workbench.models._tokenizer",
    "check_declared_output": "workbench.models._torch",
    "classifier_info": "workbench.models._loading",
    "describe_tokenizer": "workbench.models._text_tokenizers",
    "import_object": "workbench.models._loading",
    "is_single_column": "workbench.models._torch",
    "load_callable_generative": "workbench.models._generative",
    "load_classifier": "workbench.models._loading",
    "load_model": "workbench.models._loading",
    "load_text_tokenizer": "workbench.models._text_tokenizers",
    "load_transformers_generative": "workbench.models._generative",
    "model_sha256": "workbench.models._fingerprint",
    "require_classifier": "workbench.models._loading",
    "output_tensor": "workbench.models._torch",
    "run_model_code": "workbench.models._base",
    "split_words": "workbench.models._tokenizer",
}

__all__ = sorted(_HOMES)
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
