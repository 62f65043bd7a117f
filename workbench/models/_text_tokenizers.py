"""The tokenizer a spec names for a torch text model: the model's own (a Hugging Face tokenizer
folder, a ``tokenizers`` JSON file, or a Python function that returns ids and mask) or the
workbench's word tokenizer; and a plain description of the tokenizer a model uses."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from workbench._errors import ModelLoadError, WorkbenchError
from workbench.models._base import run_model_code
from workbench.models._loading import import_object
from workbench.models._tokenizer import TokenBatch, WordTokenizer
from workbench.spec import ModelSpec

PAD_TOKEN_NAMES = ("[PAD]", "<pad>", "<|pad|>", "<PAD>")
UNLIMITED_LENGTH = 100_000
MSG_UNKNOWN_TOKENIZER_JSON = (
    "tokenizer file {path} is neither a word tokenizer JSON ('vocabulary', 'max_length') nor a "
    "tokenizers JSON ('model', as written by tokenizers.Tokenizer.save); name the model's own "
    "tokenizer file, its Hugging Face tokenizer folder, or a function 'file.py:function'"
)
MSG_NO_PAD_TOKEN = (
    "the tokenizers file {path} names no padding token (no 'padding' settings and none of the "
    "special tokens {names}); enable padding before saving: "
    "tokenizer.enable_padding(pad_id=..., pad_token=...)"
)
MSG_TOKENIZER_RESULT = (
    "tokenizer function {reference!r} must return input ids and attention mask for a list of "
    "texts: a mapping with 'input_ids' and 'attention_mask' (and, optionally, 'tokens', the "
    "readable tokens of each text), or a pair (input_ids, attention_mask), each of shape "
    "(texts, length); got {problem}"
)
MSG_NEEDS_TRANSFORMERS = (
    "reading the tokenizer {path} needs the transformers package, a dependency of the "
    "workbench: reinstall it (pip install mh-workbench) or pip install transformers tokenizers"
)
MSG_CANNOT_READ_TOKENIZER = "cannot read the tokenizer {path}: {err}"
DESCRIBE_WORD = (
    "the workbench's word tokenizer (lower-cased words and punctuation marks) with the "
    "vocabulary {path}"
)
DESCRIBE_FOLDER = "the model's own Hugging Face tokenizer in {path}"
DESCRIBE_TOKENIZERS_FILE = "the model's own tokenizers file {path}"
DESCRIBE_FUNCTION = "the model's own tokenizer function {reference}"
DESCRIBE_TRANSFORMERS = "the tokenizer saved with the transformers model in {path}"
DESCRIBE_RAW_TEXT = (
    "none: the model reads the raw text (the workbench splits it into words only to explain it)"
)


def load_text_tokenizer(spec: ModelSpec, *, model: str) -> Any:
    """The tokenizer a torch text model's spec names, with the spec's ``max_length``."""
    if isinstance(spec.tokenizer, str):
        function = import_object(spec.tokenizer, base=spec.folder, model=model)
        return CallableTokenizer(
            function, reference=spec.tokenizer, model=model, pad_id=spec.pad_id
        )
    path = spec.tokenizer
    if path.is_dir():
        return _hugging_face(path, spec.max_length, lambda auto: auto.from_pretrained(path))
    if _is_word_tokenizer(path):
        tokenizer = WordTokenizer.load(path)
        if spec.max_length:
            tokenizer.max_length = spec.max_length
        return tokenizer
    return _hugging_face(path, spec.max_length, lambda _auto: _tokenizers_file(path))


def describe_tokenizer(spec: ModelSpec) -> str:
    """In plain words, the tokenizer the model of ``spec`` uses, and where it comes from."""
    if spec.framework == "transformers":
        return DESCRIBE_TRANSFORMERS.format(path=spec.weights)
    if spec.framework != "torch" or spec.kind != "text":
        return DESCRIBE_RAW_TEXT
    if isinstance(spec.tokenizer, str):
        return DESCRIBE_FUNCTION.format(reference=spec.tokenizer)
    if spec.tokenizer.is_dir():
        return DESCRIBE_FOLDER.format(path=spec.tokenizer)
    if _is_word_tokenizer(spec.tokenizer):
        return DESCRIBE_WORD.format(path=spec.tokenizer)
    return DESCRIBE_TOKENIZERS_FILE.format(path=spec.tokenizer)


class CallableTokenizer:
    """A Python function ``texts -> (input_ids, attention_mask)`` behind the workbench
    tokenizer interface; the function pads and truncates as the model expects.

    The function may return a mapping with ``input_ids``, ``attention_mask`` and, optionally,
    ``tokens`` (each text's readable tokens); without them a token is shown as its id.
    """

    def __init__(
        self, function: Callable[[list[str]], Any], *, reference: str, model: str, pad_id: int
    ) -> None:
        self.function = function
        self.reference = reference
        self.model = model
        self.pad_id = int(pad_id)
        self.baseline_id = self.pad_id
        self.special_ids = frozenset({self.pad_id})
        self.max_length = UNLIMITED_LENGTH

    def encode(self, texts: Sequence[str]) -> TokenBatch:
        """The function's ids and mask for ``texts``, checked for shape."""
        input_ids, attention_mask, _ = self._call(list(texts))
        return TokenBatch(input_ids=input_ids, attention_mask=attention_mask)

    def tokens(self, text: str) -> list[str]:
        """The function's readable tokens of ``text``, or each id as ``#id``."""
        input_ids, _, tokens = self._call([text])
        if tokens is not None:
            return [str(token) for token in tokens[0]]
        return [f"#{i}" for i in input_ids[0].tolist()]

    def is_truncated(self, text: str) -> bool:
        """Never known: the function truncates as its model expects."""
        return False

    def _call(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor, Any]:
        result = run_model_code(self.model, f"tokenizer {self.reference}", self.function, texts)
        tokens = None
        if isinstance(result, dict) or hasattr(result, "keys"):
            if "input_ids" not in result or "attention_mask" not in result:
                self._refuse(f"a mapping with keys {sorted(result.keys())}")
            input_ids, attention_mask = result["input_ids"], result["attention_mask"]
            tokens = result.get("tokens")
        elif isinstance(result, tuple | list) and len(result) == 2:
            input_ids, attention_mask = result
        else:
            self._refuse(type(result).__name__)
        try:
            input_ids = torch.as_tensor(input_ids, dtype=torch.long)
            attention_mask = torch.as_tensor(attention_mask, dtype=torch.long)
        except (TypeError, ValueError, RuntimeError) as err:
            self._refuse(f"values torch cannot read as whole numbers ({err})")
        expected_rows = len(texts)
        if input_ids.dim() != 2 or input_ids.shape[0] != expected_rows:
            self._refuse(f"input_ids of shape {tuple(input_ids.shape)} for {expected_rows} texts")
        if attention_mask.shape != input_ids.shape:
            self._refuse(
                f"attention_mask of shape {tuple(attention_mask.shape)} and input_ids of shape "
                f"{tuple(input_ids.shape)}"
            )
        if tokens is not None and (
            len(tokens) != expected_rows or any(len(t) != input_ids.shape[1] for t in tokens)
        ):
            self._refuse("'tokens' that do not match input_ids one for one")
        return input_ids, attention_mask, tokens

    def _refuse(self, problem: str) -> None:
        raise ModelLoadError(MSG_TOKENIZER_RESULT.format(reference=self.reference, problem=problem))


def _is_word_tokenizer(path: Path) -> bool:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelLoadError(MSG_CANNOT_READ_TOKENIZER.format(path=path, err=err)) from None
    if isinstance(payload, dict) and "vocabulary" in payload:
        return True
    if isinstance(payload, dict) and "model" in payload:
        return False
    raise ModelLoadError(MSG_UNKNOWN_TOKENIZER_JSON.format(path=path))


def _hugging_face(path: Path, max_length: int | None, build: Callable[[Any], Any]) -> Any:
    """A transformers tokenizer made by ``build(AutoTokenizer)``, behind the workbench's
    tokenizer interface."""
    try:
        from transformers import AutoTokenizer

        from workbench.models._transformers import HuggingFaceTokenizer
    except ImportError:
        raise ModelLoadError(MSG_NEEDS_TRANSFORMERS.format(path=path)) from None
    try:
        tokenizer = build(AutoTokenizer)
    except WorkbenchError:
        raise
    except Exception as err:  # transformers and tokenizers raise many types for a bad file
        raise ModelLoadError(MSG_CANNOT_READ_TOKENIZER.format(path=path, err=err)) from None
    return HuggingFaceTokenizer(tokenizer, max_length=max_length)


def _tokenizers_file(path: Path) -> Any:
    """A fast transformers tokenizer over a ``tokenizers`` JSON file, its padding token and
    special tokens as the file names them."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer.from_file(str(path))
    specials = [
        token.content for token in tokenizer.get_added_tokens_decoder().values() if token.special
    ]
    padding = tokenizer.padding
    if padding is not None:
        pad_token = padding["pad_token"]
    else:
        pad_token = next((name for name in PAD_TOKEN_NAMES if name in specials), None)
    if pad_token is None:
        raise ModelLoadError(MSG_NO_PAD_TOKEN.format(path=path, names=list(PAD_TOKEN_NAMES)))
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token=pad_token,
        additional_special_tokens=[name for name in specials if name != pad_token],
    )
