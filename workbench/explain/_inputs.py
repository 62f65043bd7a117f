"""Inputs prepared for explaining: their features, and the model's score with features removed.

Every prepared input can score any set of "presence" masks, shape (masks, features), 1 keeping a
feature and 0 removing it. Perturbation methods, LIME's neighbourhoods and the faithfulness curves
all go through these masks, so removal means the same thing everywhere: a removed word is dropped
from the message, a removed table feature takes its baseline value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch.nn.utils.rnn import pad_sequence

from workbench._errors import ExplanationError
from workbench.models import ModelAdapter, split_words

MSG_NEEDS_BACKGROUND = (
    "the {baseline!r} baseline of a tabular explanation is computed from background rows; pass "
    "background=<a DataFrame of training or evaluation rows>{alternative}"
)
MSG_TOKENS_MISALIGNED = (
    "the tokenizer of model {model!r} gave {tokens} readable tokens but {ids} ids for one "
    "message; tokens(text) must align with encode([text])"
)
MSG_NO_OFFSETS = (
    "the tokenizer of model {model!r} gives no character offsets and its tokens are not the "
    "message's words, so its token attributions cannot be summed into words; give the tokenizer "
    "an offsets(text) method, or explain with unit='subword'"
)
MSG_NO_SUBWORDS = (
    "method {method!r} on model {model!r} perturbs the words of the message, so it has no "
    "sub-word view; use unit='word', or a method over the model's tokens ({methods})"
)
MSG_NO_MASK_TOKEN = "the tokenizer of model {model!r} has no mask token; use baseline='pad'"

TabularBaseline = Literal["mean", "median", "zero"]
TextBaseline = Literal["pad", "mask"]
TextUnit = Literal["word", "subword"]


@dataclass(frozen=True, eq=False)
class TokenInput:
    """A message as the token ids of a differentiable model, explained per word or per token.

    ``features`` are the message's words (``unit='word'``) or its tokens (``unit='subword'``);
    ``membership[i, j]`` is 1 when token ``i`` belongs to feature ``j`` (words that one token
    covers together are one word). Special tokens belong to no feature and are always kept;
    removing a feature drops its tokens.
    """

    features: tuple[str, ...]
    ids: torch.Tensor
    special: torch.Tensor
    membership: np.ndarray
    truncated: bool
    notes: tuple[str, ...]

    def probabilities(self, model: Any, presence: np.ndarray) -> np.ndarray:
        """Class probabilities of the message with the absent features' tokens removed."""
        absent = (np.asarray(presence) <= 0.5).astype(float)
        keep = torch.as_tensor(absent @ (self.membership > 0).T.astype(float) == 0)
        parts = []
        with torch.no_grad():
            for start in range(0, len(keep), model.batch_size):
                ids, mask = compact(self.ids, keep[start : start + model.batch_size], model)
                parts.append(model.forward(ids, mask).double().cpu().numpy())
        return np.concatenate(parts, axis=0)

    def pool(self, token_values: np.ndarray) -> np.ndarray:
        """Per-feature sums of per-token values (special tokens' values are left out)."""
        return np.asarray(token_values, dtype=float) @ self.membership


@dataclass(frozen=True, eq=False)
class WordInput:
    """A message as its words (lower case) and their spans in the text; removal drops words."""

    features: tuple[str, ...]
    text: str
    spans: tuple[tuple[int, int], ...]
    truncated: bool
    notes: tuple[str, ...]

    def texts(self, presence: np.ndarray) -> list[str]:
        """The message with absent words replaced by a space, once per presence mask."""
        pieces, cut = [], 0
        for start, end in self.spans:
            pieces.append(self.text[cut:start])
            cut = end
        tail = self.text[cut:]
        words = [self.text[start:end] for start, end in self.spans]
        return [
            "".join(gap + (word if kept else " ") for gap, word, kept in zip(pieces, words, row))
            + tail
            for row in np.asarray(presence) > 0.5
        ]

    def probabilities(self, model: ModelAdapter, presence: np.ndarray) -> np.ndarray:
        """Class probabilities of the message with the absent words removed."""
        with torch.no_grad():
            return model.predict_proba(self.texts(presence), allow_empty=True)


@dataclass(frozen=True, eq=False)
class EncodedRow:
    """A row encoded for a differentiable tabular model; removal sets a feature to baseline."""

    features: tuple[str, ...]
    x: torch.Tensor
    baseline: torch.Tensor
    background: torch.Tensor | None
    feature_index: torch.Tensor
    truncated: bool = False
    notes: tuple[str, ...] = ()

    def probabilities(self, model: Any, presence: np.ndarray) -> np.ndarray:
        """Class probabilities of the row with absent features at their baseline."""
        keep = torch.as_tensor(np.asarray(presence), dtype=self.x.dtype)[:, self.feature_index]
        mixed = self.baseline + (self.x - self.baseline) * keep.to(self.x.device)
        with torch.no_grad():
            return model.forward(mixed).double().cpu().numpy()


@dataclass(frozen=True, eq=False)
class RawRow:
    """A row of raw feature values, for any tabular model; removal sets a feature to baseline."""

    features: tuple[str, ...]
    row: pd.DataFrame
    baseline: pd.DataFrame
    background: pd.DataFrame
    truncated: bool = False
    notes: tuple[str, ...] = ()

    def rows(self, presence: np.ndarray) -> pd.DataFrame:
        """One row per presence mask, absent features at their baseline."""
        keep = np.asarray(presence) > 0.5
        return pd.DataFrame(
            {
                name: np.where(keep[:, j], self.row[name].iloc[0], self.baseline[name].iloc[0])
                for j, name in enumerate(self.features)
            }
        )

    def probabilities(self, model: ModelAdapter, presence: np.ndarray) -> np.ndarray:
        """Class probabilities of the row with absent features at their baseline."""
        with torch.no_grad():
            return model.predict_proba(self.rows(presence))


ExplainedInput = TokenInput | WordInput | EncodedRow | RawRow


@dataclass(frozen=True, eq=False)
class RawAttribution:
    """What a method returns for one explained input, before it becomes an :class:`Explanation`.

    ``baseline_score`` is the target's probability at the baseline of a gradient method.
    """

    attributions: np.ndarray
    target: int
    probabilities: np.ndarray
    delta: float | None = None
    baseline_score: float | None = None


def compact(ids: torch.Tensor, keep: torch.Tensor, model: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Ids and attention mask with the dropped tokens removed; an empty row is one pad token."""
    # One attended pad token is how the word tokenizer encodes an empty message.
    width = ids.shape[0]
    order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)
    gathered = ids.expand(len(keep), width).gather(1, order)
    lengths = keep.sum(dim=1, keepdim=True)
    mask = torch.arange(width)[None, :] < lengths
    gathered = torch.where(mask, gathered, model.tokenizer.pad_id)
    mask[:, 0] = True
    longest = max(int(lengths.max()), 1)
    return gathered[:, :longest], mask[:, :longest].long()


def pad(
    model: Any, items: Sequence[TokenInput], baseline_id: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Padded ids, attention mask and baseline ids (special tokens kept) of the messages, on
    the model's device."""
    pad_id = model.tokenizer.pad_id
    fill = pad_id if baseline_id is None else baseline_id
    ids = pad_sequence([s.ids for s in items], batch_first=True, padding_value=pad_id)
    lengths = torch.tensor([len(s.ids) for s in items])
    mask = (torch.arange(ids.shape[1])[None, :] < lengths[:, None]).long()
    special = pad_sequence([s.special for s in items], batch_first=True)
    baselines = torch.where(special | (mask == 0), ids, fill)
    return ids.to(model.device), mask.to(model.device), baselines.to(model.device)


def token_input(model: Any, text: str, *, unit: TextUnit = "word") -> TokenInput:
    """The message as the ids of a differentiable text model, its features words or tokens.

    Words are those of :func:`word_input` (the segmentation every text method shares); each
    token joins the words its character span overlaps (the tokenizer's ``offsets``), or, for a
    tokenizer without offsets whose tokens are the words themselves, the word in its place.
    """
    encoded = _encode(model, text)
    tokens, ids, special = encoded.tokens, encoded.ids, encoded.special
    if len(tokens) != len(ids):
        raise ExplanationError(
            MSG_TOKENS_MISALIGNED.format(model=model.name, tokens=len(tokens), ids=len(ids))
        )
    truncated = _truncated(model, text, encoded)
    ordinary = np.flatnonzero(~special)
    if unit == "subword":
        features = tuple(tokens[i] for i in ordinary)
        membership = np.zeros((len(tokens), len(ordinary)))
        membership[ordinary, np.arange(len(ordinary))] = 1.0
        explained = f"{len(features)} tokens"
    else:
        words = _word_input(model, text, encoded, truncated)
        features = words.features
        membership = _word_membership(model, encoded, words.spans)
        explained = f"{len(features)} words"
    return TokenInput(
        features=features,
        ids=ids,
        special=torch.from_numpy(special),
        membership=membership,
        truncated=truncated,
        notes=_text_notes(model, ids, tokens, truncated, explained),
    )


@dataclass(frozen=True, eq=False)
class _Encoded:
    """A message as a text model's tokenizer reads it: readable tokens, ids, which ids are
    special, and each token's character span (None when the tokenizer cannot tell, or when
    tokens and ids do not align)."""

    tokens: tuple[str, ...]
    ids: torch.Tensor
    special: np.ndarray
    token_spans: list[tuple[int, int]] | None


def _encode(model: Any, text: str) -> _Encoded:
    """Tokenize ``text`` once for everything an explanation needs of its tokens."""
    tokenizer = model.tokenizer
    tokens = tuple(tokenizer.tokens(text))
    ids = model.encode([text]).input_ids[0]
    special = torch.isin(ids, torch.tensor(sorted(tokenizer.special_ids), dtype=ids.dtype)).numpy()
    token_spans = _token_spans(model, text, tokens, special) if len(tokens) == len(ids) else None
    return _Encoded(tokens=tokens, ids=ids, special=special, token_spans=token_spans)


def _truncated(model: Any, text: str, encoded: _Encoded) -> bool:
    """Whether the tokenizer cuts ``text``: only a message of ``max_length`` tokens can be cut."""
    tokenizer = model.tokenizer
    return len(encoded.tokens) >= tokenizer.max_length and tokenizer.is_truncated(text)


def _word_membership(model: Any, encoded: _Encoded, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Which word holds each token: the word its character span overlaps.

    A token over no word (a bare ``▁`` or ``Ġ`` prefix) joins the next word; special tokens and
    tokens past the last word read join none.
    """
    special, token_spans = encoded.special, encoded.token_spans
    membership = np.zeros((len(encoded.tokens), len(spans)))
    if token_spans is None:
        ordinary = np.flatnonzero(~special)
        if len(ordinary) != len(spans):
            raise ExplanationError(MSG_NO_OFFSETS.format(model=model.name))
        membership[ordinary, np.arange(len(spans))] = 1.0
        return membership
    overlaps = _overlaps(token_spans, spans) & ~special[:, None]
    membership[overlaps] = 1.0
    starts = np.array([start for start, _ in spans], dtype=int)
    ends = np.array([end for _, end in spans], dtype=int)
    for position in np.flatnonzero(~overlaps.any(axis=1) & ~special):
        start = token_spans[position][0]
        if (ends > start).any():
            membership[position, np.flatnonzero(starts >= start)[:1]] = 1.0
    return membership


def _overlaps(
    token_spans: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]
) -> np.ndarray:
    """Whether each token's character span overlaps each word's: shape (tokens, words)."""
    tokens = np.array(token_spans, dtype=int).reshape(-1, 2)
    words = np.array(spans, dtype=int).reshape(-1, 2)
    return (words[None, :, 0] < tokens[:, None, 1]) & (tokens[:, None, 0] < words[None, :, 1])


def _token_spans(
    model: Any, text: str, tokens: Sequence[str], special: np.ndarray
) -> list[tuple[int, int]] | None:
    """Character span in ``text`` of each token: the tokenizer's ``offsets``, else each
    readable token found in order in the lower-cased text; None when neither can tell."""
    offsets = getattr(model.tokenizer, "offsets", None)
    token_spans = None if offsets is None else offsets(text)
    if token_spans is not None:
        if len(token_spans) != len(tokens):
            raise ExplanationError(
                MSG_TOKENS_MISALIGNED.format(
                    model=model.name, tokens=len(token_spans), ids=len(tokens)
                )
            )
        return [(int(start), int(end)) for start, end in token_spans]
    lowered, cursor, found = text.lower(), 0, []
    if len(lowered) != len(text):
        return None
    for token, is_special in zip(tokens, special, strict=True):
        if is_special:
            found.append((cursor, cursor))
            continue
        start = lowered.find(str(token).lower(), cursor)
        if not token or start < 0:
            return None
        cursor = start + len(token)
        found.append((start, cursor))
    return found


def _merge_crossed_words(
    spans: Sequence[tuple[int, int]], token_spans: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """``spans`` with the words one token covers together merged into one word, so that no
    token of the model is split between words (e.g. a tokenizer that reads "goodbye-note" as
    one token makes it one word, not three)."""
    overlaps = _overlaps(token_spans, spans)
    # A token's words are consecutive: it joins word i to the next when it overlaps both.
    joins_next = np.append((overlaps[:, :-1] & overlaps[:, 1:]).any(axis=0), False)
    merged: list[tuple[int, int]] = []
    opened = None
    for index, (start, end) in enumerate(spans):
        opened = start if opened is None else opened
        if not joins_next[index]:
            merged.append((opened, end))
            opened = None
    return merged


def word_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The message's words (lower case, as :func:`split_words` finds them) and their spans,
    positions in ``text`` as written: the one word segmentation every explainer shares."""
    pieces = [char.lower() for char in text]
    lowered = "".join(pieces)
    origin = np.repeat(np.arange(len(text)), [len(piece) for piece in pieces])
    words = split_words(lowered)
    spans, cursor = [], 0
    for word in words:
        start = lowered.index(word, cursor)
        cursor = start + len(word)
        spans.append((int(origin[start]), int(origin[cursor - 1]) + 1))
    return words, spans


def word_input(model: ModelAdapter, text: str) -> WordInput:
    """The message as its words (lower case), cut where the model's tokenizer stops reading.

    This is the one word segmentation of a message that every text method shares; spans are
    positions in ``text`` as written.
    """
    if getattr(model, "tokenizer", None) is None:
        return _word_input(model, text, None, False)
    encoded = _encode(model, text)
    return _word_input(model, text, encoded, _truncated(model, text, encoded))


def _word_input(model: Any, text: str, encoded: _Encoded | None, truncated: bool) -> WordInput:
    """:func:`word_input` of ``text`` as the tokenizer read it (``encoded``, None for a model
    without a tokenizer), cut to the words the tokenizer reads when it is ``truncated``."""
    words, spans = word_spans(text)
    if truncated:
        tokenizer = model.tokenizer
        low, high = 1, len(spans)
        while low < high:
            middle = (low + high + 1) // 2
            if tokenizer.is_truncated(text[: spans[middle - 1][1]]):
                high = middle - 1
            else:
                low = middle
        spans = spans[:low]
        text = text[: spans[-1][1]]
        encoded = _encode(model, text)
    notes: tuple[str, ...] = ()
    features = tuple(words[: len(spans)])
    if encoded is not None:
        if encoded.token_spans is not None:
            merged = _merge_crossed_words(spans, encoded.token_spans)
            if len(merged) != len(spans):
                spans = merged
                features = tuple(text[start:end].lower() for start, end in spans)
        read = f"{len(spans)} words"
        notes = _text_notes(model, encoded.ids, encoded.tokens, truncated, read)
    return WordInput(
        features=features,
        text=text,
        spans=tuple(spans),
        truncated=truncated,
        notes=notes,
    )


def text_baseline_id(model: Any, baseline: TextBaseline) -> int:
    """Token id that replaces every non-special token in the baseline of gradient methods."""
    if baseline == "pad":
        return int(model.tokenizer.baseline_id)
    mask_id = getattr(model.tokenizer, "mask_id", None)
    if mask_id is None:
        raise ExplanationError(MSG_NO_MASK_TOKEN.format(model=model.name))
    return int(mask_id)


def encoded_rows(
    model: Any,
    rows: pd.DataFrame,
    *,
    baseline: TabularBaseline,
    background: pd.DataFrame | None,
) -> list[EncodedRow]:
    """Rows encoded for a differentiable tabular model, with the baseline of ``baseline``, on
    the model's device."""
    encoded_background = None if background is None else model.encode(background)
    if baseline == "zero":
        reference = torch.zeros((1, len(model.encoder.encoded_names)), device=model.device)
    elif encoded_background is None:
        alternative = " or baseline='zero' for the encoded zero vector"
        raise ExplanationError(
            MSG_NEEDS_BACKGROUND.format(baseline=baseline, alternative=alternative)
        )
    elif baseline == "mean":
        reference = encoded_background.mean(dim=0, keepdim=True)
    else:
        reference = encoded_background.quantile(0.5, dim=0, keepdim=True)
    x = model.encode(rows)
    index = torch.as_tensor(model.encoder.feature_index)
    features = tuple(model.feature_columns)
    return [
        EncodedRow(
            features=features,
            x=x[i : i + 1],
            baseline=reference,
            background=encoded_background,
            feature_index=index,
        )
        for i in range(len(rows))
    ]


def raw_rows(
    model: ModelAdapter,
    rows: pd.DataFrame,
    *,
    baseline: TabularBaseline,
    background: pd.DataFrame | None,
) -> list[RawRow]:
    """Rows of raw values, for any tabular model, with a baseline row from the background."""
    if background is None or baseline == "zero":
        raise ExplanationError(MSG_NEEDS_BACKGROUND.format(baseline=baseline, alternative=""))
    reference = {}
    for column in model.feature_columns:
        values = background[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            reference[column] = values.mean() if baseline == "mean" else values.median()
        else:
            reference[column] = values.mode().iloc[0]
    baseline_row = pd.DataFrame([reference])
    features = tuple(model.feature_columns)
    return [
        RawRow(
            features=features,
            row=rows.iloc[[i]].reset_index(drop=True),
            baseline=baseline_row,
            background=background,
        )
        for i in range(len(rows))
    ]


def categorical_columns(model: Any, background: pd.DataFrame) -> list[str]:
    """Feature columns to treat as categories: the encoder's, or the non-numeric ones."""
    encoder = getattr(model, "encoder", None)
    if encoder is not None:
        return [c for c in model.feature_columns if c in encoder.categorical]
    return [
        c
        for c in model.feature_columns
        if not pd.api.types.is_numeric_dtype(background[c])
        or pd.api.types.is_bool_dtype(background[c])
    ]


def _text_notes(
    model: Any, ids: torch.Tensor, tokens: Sequence[str], truncated: bool, explained: str
) -> tuple[str, ...]:
    notes = []
    if truncated:
        notes.append(
            f"the message is longer than the {model.tokenizer.max_length} tokens the model "
            f"reads; only the first {explained} are explained"
        )
    unk_id = getattr(model.tokenizer, "unk_id", None)
    if unk_id is not None:
        unknown = sorted({t for t, i in zip(tokens, ids.tolist()) if i == unk_id})
        if unknown:
            notes.append(
                f"{len(unknown)} word(s) are not in the model's vocabulary and are read as an "
                f"unknown token: {', '.join(unknown)}"
            )
    return tuple(notes)


def choose_targets(
    model: Any, items: Sequence[ExplainedInput], requested: int | None
) -> tuple[np.ndarray, list[int]]:
    """The inputs' class probabilities, and the requested target or else the predicted one."""
    scores = probabilities(model, items)
    return scores, targets_of(scores, requested)


def targets_of(scores: np.ndarray, requested: int | None) -> list[int]:
    """The requested target for every row of ``scores``, or each row's most probable class."""
    if requested is not None:
        return [requested] * len(scores)
    return [int(i) for i in np.argmax(scores, axis=1)]


def probabilities(model: Any, items: Sequence[ExplainedInput]) -> np.ndarray:
    """The model's class probabilities of each input as given, in as few calls as possible."""
    first = items[0]
    with torch.no_grad():
        if isinstance(first, TokenInput):
            parts = []
            for start in range(0, len(items), model.batch_size):
                ids, mask, _ = pad(model, items[start : start + model.batch_size])
                parts.append(model.forward(ids, mask).double().cpu().numpy())
            return np.concatenate(parts, axis=0)
        if isinstance(first, EncodedRow):
            return model.forward(torch.cat([s.x for s in items])).double().cpu().numpy()
        if isinstance(first, WordInput):
            return model.predict_proba([s.text for s in items])
        return model.predict_proba(pd.concat([s.row for s in items], ignore_index=True))


def explained_inputs(
    model: Any,
    items: Sequence[str] | pd.DataFrame,
    *,
    raw_input: bool,
    baseline: TabularBaseline | None,
    background: pd.DataFrame | None,
    unit: TextUnit = "word",
) -> list[ExplainedInput]:
    """Inputs prepared for a method: tokens or encoded rows in model space, else words or rows."""
    in_model_space = model.differentiable and not raw_input
    if model.kind == "text":
        if in_model_space:
            return [token_input(model, text, unit=unit) for text in items]
        return [word_input(model, text) for text in items]
    build_rows = encoded_rows if in_model_space else raw_rows
    return build_rows(model, items, baseline=baseline, background=background)
