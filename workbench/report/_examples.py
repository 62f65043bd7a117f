"""Example explanations as a report shows them: identifiers redacted, tags kept whole.

The message explained is the one the model was given and audited, identifiers and all, so the
explanation describes the audited prediction. Only what is shown is redacted: the message, and
its tokens, where the tokens that make up an identifier (``jane``, ``.``, ``doe``, ``@``...) are
shown as one tag such as ``[EMAIL]`` carrying their summed attribution (:func:`redact_tokens`).
The explainer's notes, which may quote tokens, are left out of such an example; where the tokens
cannot be matched to the message, the token highlights are withheld.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from workbench._errors import ReportError
from workbench.explain import Explanation
from workbench.privacy import PhiKind, find_phi, redact, tag

MSG_TEXT_NEEDED = (
    "example {number} explains a message but carries no text; give Example(text=...) the "
    "message exactly as the model was given it"
)
MSG_NOT_EXAMPLE = "example {number} must be a workbench.report.Example; got {kind}"
MSG_WITHHELD = (
    "Token highlights withheld: this message holds identifiers and its tokens could not be "
    "matched to its words, so they might show them."
)
_TAGS = {tag(kind).lower(): tag(kind) for kind in PhiKind}
_LONGEST_TAG = 6  # tokens a tokenizer may split one tag into, e.g. "[", "e", "##mail", "]"


@dataclass(frozen=True, eq=False)
class Example:
    """One model input and its explanation, for a report to show.

    ``text`` is the message exactly as the model was given it (text models); ``values`` the
    row's feature values (tabular models). ``row`` is its position in the data, ``groups``
    its protected groups, ``reason`` why it was chosen, ``notes`` caveats for the reader;
    ``redactions`` the kinds of identifier removed from the text before it was explained.
    """

    explanation: Explanation
    text: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    row: int | None = None
    label: str | None = None
    prediction: str | None = None
    groups: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""
    notes: tuple[str, ...] = ()
    redactions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Token:
    """A token (or a table feature with its ``value``) and its attribution.

    ``tag`` marks a redaction tag such as ``[EMAIL]``, merged from the tokens it was split into.
    """

    text: str
    attribution: float
    value: str | None = None
    tag: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "feature": self.text,
            "attribution": self.attribution,
            "value": self.value,
            "tag": self.tag,
        }


@dataclass(frozen=True, eq=False)
class ShownExample:
    """An example as the report shows it: text redacted (unless redaction is off) and its
    tokens with their attributions (empty when withheld, see :data:`MSG_WITHHELD`)."""

    kind: str
    text: str | None
    tokens: tuple[Token, ...]
    method: str
    target_name: str
    score: float
    row: int | None
    label: str | None
    prediction: str | None
    groups: Mapping[str, str]
    reason: str
    redactions: tuple[str, ...]
    notes: tuple[str, ...]
    params: Mapping[str, Any]
    faithfulness: Mapping[str, Any] | None
    convergence_delta: float | None
    completeness_gap: float | None = None
    completeness_exceeded: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", MappingProxyType(dict(self.groups)))
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @property
    def withheld(self) -> bool:
        """Whether the token highlights were withheld to keep identifiers out."""
        return MSG_WITHHELD in self.notes

    def top(self, k: int = 5) -> list[Token]:
        """The ``k`` tokens with the largest |attribution|."""
        order = np.argsort([-abs(token.attribution) for token in self.tokens], kind="stable")
        return [self.tokens[i] for i in order[:k]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the same (redacted) text and tokens as the HTML."""
        return {
            "row": self.row,
            "kind": self.kind,
            "text": self.text,
            "label": self.label,
            "prediction": self.prediction,
            "groups": dict(self.groups),
            "reason": self.reason,
            "redactions": list(self.redactions),
            "method": self.method,
            "target_name": self.target_name,
            "score": self.score,
            "params": dict(self.params),
            "convergence_delta": self.convergence_delta,
            "completeness_gap": _finite_or_none(self.completeness_gap),
            "completeness_exceeded": self.completeness_exceeded,
            "notes": list(self.notes),
            "attributions": [token.to_dict() for token in self.tokens],
            "faithfulness": None if self.faithfulness is None else dict(self.faithfulness),
        }


def show_examples(examples: Sequence[Example], *, redact_text: bool) -> tuple[ShownExample, ...]:
    """Each example as the report shows it (see :func:`show_example`)."""
    shown = []
    for number, example in enumerate(examples, start=1):
        if not isinstance(example, Example):
            raise ReportError(MSG_NOT_EXAMPLE.format(number=number, kind=type(example).__name__))
        shown.append(show_example(example, redact_text=redact_text, number=number))
    return tuple(shown)


def show_example(example: Example, *, redact_text: bool, number: int = 1) -> ShownExample:
    """The example with identifiers in its text (and table values) replaced by tags."""
    explanation = example.explanation
    notes = [*explanation.notes, *example.notes]
    redactions = list(example.redactions)
    text = None
    if explanation.kind == "text":
        if example.text is None:
            raise ReportError(MSG_TEXT_NEEDED.format(number=number))
        redacted = redact(example.text, enabled=redact_text)
        text = redacted.text
        redactions += [kind.value for kind in redacted.kinds]
        if redacted.spans:
            found = redact_tokens(example.text, explanation.features, explanation.attributions)
            tokens: tuple[Token, ...] = () if found is None else found
            # the explanation's notes may quote tokens
            notes = [*example.notes, *(() if found is not None else (MSG_WITHHELD,))]
        else:
            tokens = merge_tags(explanation.features, explanation.attributions)
    else:
        tokens = tuple(
            _feature(name, float(value), example.values, redact_text, redactions)
            for name, value in zip(explanation.features, explanation.attributions)
        )
    return ShownExample(
        kind=explanation.kind,
        text=text,
        tokens=tokens,
        method=explanation.method,
        target_name=explanation.target_name,
        score=float(explanation.score),
        row=example.row,
        label=example.label,
        prediction=example.prediction,
        groups=example.groups,
        reason=example.reason,
        redactions=tuple(redactions),
        notes=tuple(dict.fromkeys(notes)),
        params=explanation.params,
        faithfulness=None
        if explanation.faithfulness is None
        else explanation.faithfulness.to_dict(),
        convergence_delta=explanation.convergence_delta,
        completeness_gap=explanation.completeness_gap,
        completeness_exceeded=explanation.completeness_exceeded,
    )


def _finite_or_none(value: float | None) -> float | None:
    return value if value is None or np.isfinite(value) else None


def merge_tags(features: Sequence[str], attributions: Sequence[float]) -> tuple[Token, ...]:
    """Tokens with each redaction tag (split by the tokenizer) merged back into one token.

    The merged token carries the sum of its pieces' attributions.
    """
    merged: list[Token] = []
    position = 0
    while position < len(features):
        found = _tag_at(features, position)
        if found:
            end, name = found
            total = float(np.sum(attributions[position:end]))
            merged.append(Token(name, total, tag=True))
            position = end
        else:
            merged.append(Token(features[position], float(attributions[position])))
            position += 1
    return tuple(merged)


def redact_tokens(
    text: str, features: Sequence[str], attributions: Sequence[float]
) -> tuple[Token, ...] | None:
    """The tokens of ``text`` with those inside an identifier (:func:`workbench.privacy.find_phi`)
    merged into its tag, carrying their summed attribution; None when the tokens cannot be
    matched to the text in order (then they might show an identifier).

    A token is matched case-blind at its first place after the previous one (word-piece marks
    such as ``##`` dropped); a bracketed token the text does not hold (``[UNK]``, ``[CLS]``)
    stands for the text skipped before the next match, so an unknown word of a name is tagged.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        return None
    spans = find_phi(text)
    placed: list[tuple[int, int] | None] = []
    pending: list[int] = []
    cursor = 0
    for position, feature in enumerate(features):
        piece = _bare(feature)
        start = lowered.find(piece, cursor) if piece else -1
        if start < 0:
            if not (feature.startswith(("[", "<")) and feature.endswith(("]", ">"))):
                return None
            placed.append(None)
            pending.append(position)
            continue
        for skipped in pending:
            placed[skipped] = _stripped(text, cursor, start)
        pending = []
        placed.append((start, start + len(piece)))
        cursor = start + len(piece)
    for skipped in pending:
        placed[skipped] = _stripped(text, cursor, len(text))
    tokens: list[Token] = []
    last_span = None
    for feature, value, where in zip(features, attributions, placed):
        hit = None
        if where is not None:
            hit = next((s for s in spans if s.start < where[1] and where[0] < s.end), None)
        if hit is None:
            tokens.append(Token(feature, float(value)))
        elif hit is last_span:
            tokens[-1] = Token(tokens[-1].text, tokens[-1].attribution + float(value), tag=True)
        else:
            tokens.append(Token(tag(hit.kind), float(value), tag=True))
        last_span = hit
    return tuple(tokens)


def _bare(feature: str) -> str:
    return feature.removeprefix("##").lstrip("\u0120\u2581").lower()


def _stripped(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The stretch ``start:end`` of ``text`` without surrounding spaces; None when empty."""
    inner = text[start:end]
    if not inner.strip():
        return None
    left = start + len(inner) - len(inner.lstrip())
    return left, end - (len(inner) - len(inner.rstrip()))


def _tag_at(features: Sequence[str], position: int) -> tuple[int, str] | None:
    if not features[position].startswith("["):
        return None
    joined = ""
    for end in range(position, min(position + _LONGEST_TAG, len(features))):
        joined += features[end].removeprefix("##").lower()
        if joined in _TAGS:
            return end + 1, _TAGS[joined]
    return None


def _feature(
    name: str, value: float, values: Mapping[str, Any], redact_text: bool, redactions: list[str]
) -> Token:
    if name not in values:
        return Token(name, value)
    raw = values[name]
    if isinstance(raw, str):
        redacted = redact(raw, enabled=redact_text)
        redactions.extend(kind.value for kind in redacted.kinds)
        return Token(name, value, value=redacted.text)
    return Token(name, value, value=_plain(raw))


def _plain(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return str(value.item() if isinstance(value, np.generic) else value)
