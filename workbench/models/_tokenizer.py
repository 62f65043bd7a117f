"""Word tokenizer of the torch text models: text to ids, and ids back to readable tokens."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch

from workbench._errors import ModelLoadError
from workbench._files import write_text_atomically
from workbench.models._base import WORD_PATTERN

PAD_TOKEN = "[PAD]"
UNK_TOKEN = "[UNK]"


@dataclass(frozen=True)
class TokenBatch:
    """Padded token ids and attention mask of a batch of texts, both of shape (batch, length)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor


class TextTokenizer(Protocol):
    """What the explainers need of a tokenizer: ids for the model, readable tokens for people."""

    pad_id: int
    baseline_id: int
    max_length: int
    special_ids: frozenset[int]

    def encode(self, texts: Sequence[str]) -> TokenBatch: ...

    def tokens(self, text: str) -> list[str]: ...

    def is_truncated(self, text: str) -> bool: ...


class WordTokenizer:
    """Lower-cased word and punctuation tokens looked up in a fixed vocabulary.

    Unknown words map to ``[UNK]``; id 0 is ``[PAD]`` and is also the baseline for attributions.
    An empty text encodes as a single ``[PAD]`` token so that perturbation methods can score it.
    """

    def __init__(self, vocabulary: Sequence[str], *, max_length: int = 64) -> None:
        if list(vocabulary[:2]) != [PAD_TOKEN, UNK_TOKEN]:
            raise ModelLoadError(
                f"tokenizer vocabulary must start with {PAD_TOKEN!r}, {UNK_TOKEN!r}; "
                f"got {list(vocabulary[:2])!r}"
            )
        if len(set(vocabulary)) != len(vocabulary):
            raise ModelLoadError("tokenizer vocabulary has repeated entries; each token once")
        self.vocabulary = tuple(vocabulary)
        self._ids = {token: i for i, token in enumerate(self.vocabulary)}
        self.max_length = int(max_length)
        self.pad_id = 0
        self.unk_id = 1
        self.baseline_id = self.pad_id
        self.special_ids = frozenset({self.pad_id})

    @classmethod
    def fit(
        cls, texts: Iterable[str], *, min_count: int = 2, max_length: int = 64
    ) -> WordTokenizer:
        """Build a vocabulary from training texts, most frequent words first."""
        counts = Counter(token for text in texts for token in split_words(text))
        kept = sorted(
            (t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t)
        )
        return cls([PAD_TOKEN, UNK_TOKEN, *kept], max_length=max_length)

    @classmethod
    def load(cls, path: str | Path) -> WordTokenizer:
        """Read a tokenizer saved by :meth:`save`."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            return cls(payload["vocabulary"], max_length=payload["max_length"])
        except FileNotFoundError:
            raise ModelLoadError(f"tokenizer file not found: {path}") from None
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ModelLoadError(
                f"tokenizer file {path} is not a word tokenizer JSON with 'vocabulary' and "
                f"'max_length' ({err}); re-save it with WordTokenizer.save"
            ) from None

    def save(self, path: str | Path) -> None:
        """Write the vocabulary and maximum length as JSON."""
        payload = {"vocabulary": list(self.vocabulary), "max_length": self.max_length}
        write_text_atomically(path, json.dumps(payload, indent=0))

    @property
    def vocab_size(self) -> int:
        """Number of ids, special tokens included."""
        return len(self.vocabulary)

    def tokens(self, text: str) -> list[str]:
        """Readable tokens of ``text`` as the model sees them, after truncation."""
        return split_words(text)[: self.max_length]

    def is_truncated(self, text: str) -> bool:
        """Whether ``text`` has more tokens than the model reads."""
        return len(split_words(text)) > self.max_length

    def ids(self, text: str) -> list[int]:
        """Token ids of ``text`` after truncation; ``[PAD]`` alone for an empty text."""
        ids = [self._ids.get(token, self.unk_id) for token in self.tokens(text)]
        return ids or [self.pad_id]

    def encode(self, texts: Sequence[str]) -> TokenBatch:
        """Pad the ids of ``texts`` to the longest one; mask is 1 on real tokens."""
        rows = [self.ids(text) for text in texts]
        width = max((len(r) for r in rows), default=1)
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            input_ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
            attention_mask[i, : len(row)] = 1
        return TokenBatch(input_ids=input_ids, attention_mask=attention_mask)


def split_words(text: str) -> list[str]:
    """Lower-case ``text`` and split it into words (with inner apostrophes) and punctuation."""
    return WORD_PATTERN.findall(text.lower())
