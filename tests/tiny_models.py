"""Tiny models with hand-set weights and known answers, importable by spec files in tests."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

TINY_MODELS_FILE = Path(__file__).resolve()

TINY_VOCABULARY = ["[PAD]", "[UNK]", "hopeless", "tonight", "appointment", "refill", "i", "feel"]
# Each word's embedding is its (routine, urgent) logit contribution.
TINY_EMBEDDING = [
    [0.0, 0.0],
    [0.0, 0.0],
    [0.0, 3.0],
    [0.0, 1.0],
    [2.0, 0.0],
    [2.0, 0.0],
    [0.0, 0.0],
    [0.0, 0.0],
]


class MeanEmbeddingText(nn.Module):
    """Logits are the masked mean of word embeddings: a known-answer text model."""

    def __init__(self, vocab_size: int = len(TINY_VOCABULARY), num_classes: int = 2) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, num_classes, padding_idx=0)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask = attention_mask.unsqueeze(-1).float()
        summed = (self.embedding(input_ids) * mask).sum(dim=1)
        return summed / mask.sum(dim=1).clamp(min=1.0)


class LinearTabular(nn.Module):
    """Two-class logits (0, w.x + b): a known-answer tabular model."""

    def __init__(self, n_inputs: int = 3) -> None:
        super().__init__()
        self.linear = nn.Linear(n_inputs, 1)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        positive = self.linear(inputs)
        return torch.cat([torch.zeros_like(positive), positive], dim=-1)


# Tokenizers of each sub-word family and tiny transformers classifiers, all built locally.
TOKENIZER_FAMILIES = ("wordpiece", "bpe", "unigram")
TINY_MAX_LENGTH = 48
_SPECIALS = {
    "wordpiece": {"pad": "[PAD]", "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"},
    "bpe": {"pad": "<pad>", "unk": "<unk>", "cls": "<s>", "sep": "</s>", "mask": "<mask>"},
    "unigram": {"pad": "<pad>", "unk": "<unk>", "cls": "<s>", "sep": "</s>", "mask": "<mask>"},
}


def training_messages(n: int = 300, seed: int = 0) -> list[str]:
    """Synthetic crisis messages to train the tiny tokenizers on."""
    from sample_models.synthetic.crisis_messages import generate_crisis_messages

    return generate_crisis_messages(n, seed=seed)["text"].tolist()


def tiny_tokenizer_of(family: str, *, vocab_size: int | None = None):
    """A ``PreTrainedTokenizerFast`` of ``family`` (WordPiece with [CLS]/[SEP], byte-level BPE
    with Ġ and <s></s>, or Unigram with ▁ and <s></s>), trained on synthetic messages."""
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import PreTrainedTokenizerFast

    names = _SPECIALS[family]
    specials = [names["pad"], names["unk"], names["cls"], names["sep"], names["mask"]]
    if family == "wordpiece":
        tokenizer = Tokenizer(models.WordPiece(unk_token=names["unk"]))
        tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
        tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tokenizer.decoder = decoders.WordPiece()
        trainer = trainers.WordPieceTrainer(vocab_size=vocab_size or 150, special_tokens=specials)
    elif family == "bpe":
        tokenizer = Tokenizer(models.BPE(unk_token=None))
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size or 400,
            special_tokens=specials,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
    elif family == "unigram":
        tokenizer = Tokenizer(models.Unigram())
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
        tokenizer.decoder = decoders.Metaspace()
        trainer = trainers.UnigramTrainer(
            vocab_size=vocab_size or 150, special_tokens=specials, unk_token=names["unk"]
        )
    else:
        raise ValueError(f"unknown tokenizer family {family!r}; one of {TOKENIZER_FAMILIES}")
    tokenizer.train_from_iterator(training_messages(), trainer)
    cls_id, sep_id = tokenizer.token_to_id(names["cls"]), tokenizer.token_to_id(names["sep"])
    if family == "bpe":
        tokenizer.post_processor = processors.RobertaProcessing(
            (names["sep"], sep_id), (names["cls"], cls_id), trim_offsets=True
        )
    else:
        tokenizer.post_processor = processors.TemplateProcessing(
            single=f"{names['cls']} $A {names['sep']}",
            special_tokens=[(names["cls"], cls_id), (names["sep"], sep_id)],
        )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        model_max_length=TINY_MAX_LENGTH,
        pad_token=names["pad"],
        unk_token=names["unk"],
        cls_token=names["cls"],
        sep_token=names["sep"],
        bos_token=names["cls"],
        eos_token=names["sep"],
        mask_token=names["mask"],
    )


def tiny_transformer_of(family: str, *, seed: int = 0, num_labels: int = 2):
    """A randomly initialised tiny classifier and its ``family`` tokenizer: BERT for WordPiece,
    RoBERTa for byte-level BPE and Unigram."""
    import transformers

    tokenizer = tiny_tokenizer_of(family)
    torch.manual_seed(seed)
    sizes = {
        "vocab_size": len(tokenizer),
        "hidden_size": 16,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "intermediate_size": 32,
        "num_labels": num_labels,
        "pad_token_id": tokenizer.pad_token_id,
    }
    if family == "wordpiece":
        config = transformers.BertConfig(max_position_embeddings=TINY_MAX_LENGTH, **sizes)
        model = transformers.BertForSequenceClassification(config)
    else:
        # RoBERTa counts positions from pad_token_id + 1.
        positions = TINY_MAX_LENGTH + tokenizer.pad_token_id + 1
        config = transformers.RobertaConfig(max_position_embeddings=positions, **sizes)
        model = transformers.RobertaForSequenceClassification(config)
    return model.eval(), tokenizer


def tiny_transformers_adapter(family: str, *, seed: int = 0, name: str | None = None):
    """The workbench adapter of :func:`tiny_transformer_of` (classes routine and urgent)."""
    from workbench.models import ModelInfo
    from workbench.models._transformers import TransformersAdapter

    model, tokenizer = tiny_transformer_of(family, seed=seed)
    info = ModelInfo(
        name=name or f"tiny {family}",
        kind="text",
        class_names=("routine", "urgent"),
        positive_class="urgent",
    )
    return TransformersAdapter(model, tokenizer, info, max_length=TINY_MAX_LENGTH)


class MaskFromIds(MeanEmbeddingText):
    """:class:`MeanEmbeddingText` that ignores the mask it is given and builds its own from the
    ids (every non-pad token), as many hand-written models do."""

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return super().forward(input_ids, (input_ids != 0).long())
