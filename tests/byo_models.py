"""Models written "elsewhere", as a user brings them: their own tokenizers (a tokenizers JSON
file, a Hugging Face tokenizer folder, a Python function) and the files behind the README's
bring-your-own-model examples, built in a given folder."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import torch
from safetensors.torch import save_file
from tiny_models import MeanEmbeddingText

# The user's tokenizer keeps hyphenated words whole and drops punctuation; the workbench's word
# tokenizer would split "goodbye-note!!" into goodbye, -, note, !, !.
OWN_VOCABULARY = [
    "[PAD]",
    "[UNK]",
    "i",
    "wrote",
    "a",
    "goodbye-note",
    "goodbye",
    "note",
    "tonight",
    "appointment",
    "refill",
    "feel",
    "-",
    "!",
]
OWN_SPLIT = r"[\s!.,?]+"
# Each word's embedding is its (routine, urgent) logit contribution.
OWN_EMBEDDING = {
    "i": [0.2, 0.0],
    "wrote": [0.0, 0.6],
    "a": [0.1, 0.0],
    "goodbye-note": [0.0, 4.0],
    "goodbye": [0.0, 1.0],
    "note": [0.8, 0.0],
    "tonight": [0.0, 1.5],
    "appointment": [2.0, 0.0],
    "refill": [2.0, 0.0],
    "feel": [0.3, 0.2],
    "-": [0.5, 0.0],
    "!": [0.4, 0.0],
}
OWN_TEXTS = [
    "I WROTE a goodbye-note!!",
    "i wrote a goodbye note.",
    "Refill, appointment tonight?",
    "i feel a goodbye-note tonight",
]
OWN_TOKENIZE_FUNCTION = '''
import re

VOCABULARY = {vocabulary!r}


def encode(texts):
    """Lower-case, split on spaces and punctuation, keep hyphenated words; pad with 0."""
    rows = [[w for w in re.split({split!r}, text.lower()) if w] for text in texts]
    width = max(1, max(len(row) for row in rows))
    ids = [[VOCABULARY.index(w) if w in VOCABULARY else 1 for w in row] for row in rows]
    return {{
        "input_ids": [row + [0] * (width - len(row)) for row in ids],
        "attention_mask": [[1] * len(row) + [0] * (width - len(row)) for row in ids],
        "tokens": [row + ["[PAD]"] * (width - len(row)) for row in rows],
    }}
'''


def own_module() -> MeanEmbeddingText:
    """The user's mean-embedding model over :data:`OWN_VOCABULARY`, with known weights."""
    module = MeanEmbeddingText(vocab_size=len(OWN_VOCABULARY))
    with torch.no_grad():
        module.embedding.weight.zero_()
        for word, row in OWN_EMBEDDING.items():
            module.embedding.weight[OWN_VOCABULARY.index(word)] = torch.tensor(row)
    return module.eval()


def own_tokenizers_object():
    """The user's tokenizer as a ``tokenizers.Tokenizer`` that pads with ``[PAD]``."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

    vocabulary = {word: i for i, word in enumerate(OWN_VOCABULARY)}
    tokenizer = Tokenizer(models.WordLevel(vocabulary, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Split(Regex(OWN_SPLIT), behavior="removed")
    tokenizer.add_special_tokens(["[PAD]", "[UNK]"])
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def write_own_model(folder: Path) -> dict[str, Path]:
    """The user's weights and the three forms of their tokenizer in ``folder``: a tokenizers
    JSON file, a Hugging Face tokenizer folder and a Python function file."""
    from transformers import PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    save_file(own_module().state_dict(), str(folder / "weights.safetensors"))
    tokenizer = own_tokenizers_object()
    tokenizer.save(str(folder / "tokenizer.json"))
    PreTrainedTokenizerFast(
        tokenizer_object=own_tokenizers_object(), pad_token="[PAD]", unk_token="[UNK]"
    ).save_pretrained(str(folder / "hf_tokenizer"))
    function = OWN_TOKENIZE_FUNCTION.format(vocabulary=OWN_VOCABULARY, split=OWN_SPLIT)
    (folder / "own_tokenize.py").write_text(function, encoding="utf-8")
    return {
        "weights": folder / "weights.safetensors",
        "tokenizers_file": folder / "tokenizer.json",
        "folder": folder / "hf_tokenizer",
        "function": folder / "own_tokenize.py",
    }


def own_code_scores(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """What the user's own code computes: softmax of their module on their tokenizer's ids."""
    with torch.no_grad():
        return torch.softmax(own_module()(ids, mask), dim=-1).double()


def own_split(text: str) -> list[str]:
    """The user's word split, in plain Python."""
    return [word for word in re.split(OWN_SPLIT, text.lower()) if word]


# --- the files behind the README's bring-your-own-model examples ---

MESSAGES = [
    ("I feel hopeless tonight, I wrote a goodbye-note", 1, "female"),
    ("Can I move my appointment to Tuesday?", 0, "male"),
    ("Please refill my prescription", 0, "female"),
    ("I can't go on, tonight is the end", 1, "male"),
    ("Thanks for the appointment reminder", 0, "nonbinary"),
    ("Everything feels hopeless and I am alone tonight", 1, "female"),
    ("What time is my next appointment?", 0, "male"),
    ("I wrote goodbye letters to my family", 1, "nonbinary"),
]


def write_messages(folder: Path) -> None:
    """``messages.csv``: synthetic messages, integer labels (1 urgent) and a gender column."""
    frame = pd.DataFrame(MESSAGES, columns=["text", "label", "gender"])
    frame.to_csv(folder / "messages.csv", index=False)


def build_torch_example(folder: Path) -> None:
    """Weights of the README's TriageNet (its code written from the README) and its own
    tokenizer as a tokenizers JSON file."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    write_messages(folder)
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]"], vocab_size=40)
    tokenizer.train_from_iterator([text for text, _, _ in MESSAGES], trainer=trainer)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.save(str(folder / "tokenizer.json"))
    torch.manual_seed(0)
    state = {
        "embed.words.weight": torch.randn(40, 8),
        "out.weight": torch.randn(2, 8),
        "out.bias": torch.zeros(2),
    }
    save_file(state, str(folder / "weights.safetensors"))


def build_transformers_example(folder: Path) -> None:
    """A 2-layer BERT with a WordPiece tokenizer, built locally, its config naming id2label."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    write_messages(folder)
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    trainer = trainers.WordPieceTrainer(vocab_size=120, special_tokens=specials)
    tokenizer.train_from_iterator([text for text, _, _ in MESSAGES], trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=64,
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        id2label={0: "routine", 1: "urgent"},
        label2id={"routine": 0, "urgent": 1},
    )
    model = BertForSequenceClassification(config)
    model.save_pretrained(str(folder / "bert"), safe_serialization=True)
    fast.save_pretrained(str(folder / "bert"))


def build_sklearn_example(folder: Path) -> None:
    """A TF-IDF + logistic-regression pipeline fitted on integer labels, saved with skops."""
    import skops.io
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    write_messages(folder)
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression())
    pipeline.fit([text for text, _, _ in MESSAGES], [label for _, label, _ in MESSAGES])
    skops.io.dump(pipeline, folder / "pipeline.skops")


def build_callable_example(folder: Path) -> None:
    """Nothing beyond the README's own file: the callable example needs no weights."""
    write_messages(folder)


EXAMPLE_BUILDERS = {
    "triage_torch": build_torch_example,
    "triage_bert": build_transformers_example,
    "triage_sklearn": build_sklearn_example,
    "triage_callable": build_callable_example,
}
