"""Adapter for Hugging Face ``transformers`` sequence classifiers loaded from a local folder."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from workbench._errors import ModelLoadError, UnsafeFormatError
from workbench.models._base import ModelAdapter, ModelInfo
from workbench.models._tokenizer import TokenBatch
from workbench.models._torch import DifferentiableTextModel
from workbench.spec import ModelSpec

MSG_NO_TRANSFORMERS = (
    "the transformers package is not installed; it is a dependency of the workbench: "
    "reinstall it (pip install mh-workbench) or pip install transformers tokenizers"
)


class HuggingFaceTokenizer:
    """A ``transformers`` tokenizer behind the workbench tokenizer interface."""

    def __init__(self, tokenizer: Any, *, max_length: int | None = None) -> None:
        self.tokenizer = tokenizer
        limit = getattr(tokenizer, "model_max_length", 512) or 512
        self.max_length = int(min(max_length or limit, limit, 100_000))
        if tokenizer.pad_token_id is None:
            raise ModelLoadError("the tokenizer has no padding token; set tokenizer.pad_token")
        self.pad_id = int(tokenizer.pad_token_id)
        mask_id = getattr(tokenizer, "mask_token_id", None)
        self.mask_id = None if mask_id is None else int(mask_id)
        self.baseline_id = self.pad_id
        unk_id = getattr(tokenizer, "unk_token_id", None)
        self.unk_id = None if unk_id is None else int(unk_id)
        # The unknown token stands for words of the message: it is no special token.
        self.special_ids = frozenset(int(i) for i in tokenizer.all_special_ids) - {self.unk_id}

    def encode(self, texts: Sequence[str]) -> TokenBatch:
        """Padded ids and attention mask, truncated to ``max_length``."""
        encoded = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return TokenBatch(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"])

    def tokens(self, text: str) -> list[str]:
        """Readable sub-word tokens, special tokens included, aligned with the ids."""
        ids = self.encode([text]).input_ids[0].tolist()
        return list(self.tokenizer.convert_ids_to_tokens(ids))

    def offsets(self, text: str) -> list[tuple[int, int]] | None:
        """Character span in ``text`` of each token (as ``tokens`` gives them); None when the
        tokenizer is not a fast one and cannot tell."""
        if not getattr(self.tokenizer, "is_fast", False):
            return None
        encoded = self.tokenizer(
            text, truncation=True, max_length=self.max_length, return_offsets_mapping=True
        )
        return [(int(start), int(end)) for start, end in encoded["offset_mapping"]]

    def is_truncated(self, text: str) -> bool:
        """Whether ``text`` has more tokens than the model reads."""
        full = self.tokenizer(text, truncation=False)["input_ids"]
        return len(full) > self.max_length


class TransformersAdapter(DifferentiableTextModel, ModelAdapter):
    """A ``PreTrainedModel`` for sequence classification plus its tokenizer; ``device`` is as
    :class:`~workbench.models.TorchTextAdapter`'s."""

    framework = "transformers"

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        info: ModelInfo,
        *,
        max_length: int | None = None,
        batch_size: int = 16,
        device: str | torch.device | None = None,
    ) -> None:
        super().__init__(info, batch_size=batch_size)
        classes = self.class_names
        labels = getattr(model.config, "num_labels", len(classes))
        if labels != len(classes):
            raise ModelLoadError(
                f"the transformers model has {labels} labels but the spec names "
                f"{len(classes)} classes: {list(classes)}"
            )
        self.module = self._place(model, device)
        positions = getattr(model.config, "max_position_embeddings", None)
        self.tokenizer = HuggingFaceTokenizer(tokenizer, max_length=max_length or positions)
        self.embedding_layer = model.get_input_embeddings()
        self.output = "logits"


def load_transformers(
    spec: ModelSpec, info: ModelInfo, batch: dict[str, int], *, trust_pickle: bool
) -> TransformersAdapter:
    """A transformers adapter for the model and tokenizer in the spec's weights folder."""
    model, tokenizer = read_transformers_folder(
        spec.weights, trust_pickle=trust_pickle, auto_class="AutoModelForSequenceClassification"
    )
    return TransformersAdapter(
        model, tokenizer, info, max_length=spec.max_length, device=spec.device, **batch
    )


def read_transformers_folder(
    folder: Path, *, trust_pickle: bool, auto_class: str
) -> tuple[Any, Any]:
    """Model (built by the transformers ``auto_class``, e.g. AutoModelForCausalLM) and
    tokenizer from a local folder; never reaches a model hub, prints no loading progress."""
    try:
        import transformers
        from transformers import AutoTokenizer
    except ImportError:
        raise ModelLoadError(MSG_NO_TRANSFORMERS) from None
    if not folder.is_dir():
        raise ModelLoadError(
            f"transformers weights must be a local folder (config.json, model.safetensors, "
            f"tokenizer files); {folder} is not a folder"
        )
    has_safetensors = any(folder.glob("*.safetensors"))
    if not has_safetensors and not trust_pickle:
        raise UnsafeFormatError(
            f"{folder} holds no .safetensors weights; pickle-based weights (pytorch_model.bin) "
            "can run code when loaded. Convert them with model.save_pretrained("
            "safe_serialization=True), or pass trust_pickle=True if you trust the source"
        )
    try:
        with _quiet_loading(transformers):
            model = getattr(transformers, auto_class).from_pretrained(
                folder, local_files_only=True, use_safetensors=has_safetensors or None
            )
            tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError) as err:
        raise ModelLoadError(f"cannot load the transformers model in {folder}: {err}") from None
    return model, tokenizer


@contextmanager
def _quiet_loading(transformers: Any) -> Iterator[None]:
    """No "Loading weights" progress bar and no warnings from transformers on stderr."""
    logging = transformers.utils.logging
    verbosity = logging.get_verbosity()
    bars = logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(verbosity)
        if bars:
            logging.enable_progress_bar()
