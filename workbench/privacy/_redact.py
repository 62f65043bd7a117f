"""Replace protected health information in free text with tags such as ``[NAME]``."""

from __future__ import annotations

from dataclasses import dataclass

from workbench._errors import InputError
from workbench.privacy._patterns import Candidate, PhiKind, find_candidates

MSG_NOT_TEXT = "redact takes a string; got {kind}"


@dataclass(frozen=True)
class PhiSpan:
    """Where one identifier (in the original text) or its tag (in the redacted text) sits."""

    kind: PhiKind
    start: int
    end: int


@dataclass(frozen=True)
class Redacted:
    """Text with identifiers replaced by ``[KIND]`` tags; the original values are not kept."""

    text: str
    spans: tuple[PhiSpan, ...] = ()

    @property
    def kinds(self) -> tuple[PhiKind, ...]:
        """The kind of each identifier removed, in the order they appear."""
        return tuple(span.kind for span in self.spans)


def tag(kind: PhiKind) -> str:
    """The placeholder written in place of an identifier of ``kind``."""
    return f"[{kind.value}]"


def find_phi(text: str) -> tuple[PhiSpan, ...]:
    """Where each identifier sits in ``text`` itself: the stretches :func:`redact` replaces."""
    if not isinstance(text, str):
        raise InputError(MSG_NOT_TEXT.format(kind=type(text).__name__))
    return tuple(
        PhiSpan(candidate.kind, candidate.start, candidate.end)
        for candidate in _resolve(find_candidates(text))
    )


def redact(text: str, *, enabled: bool = True) -> Redacted:
    """Replace names, places, contacts, dates, ages over 89 and ID numbers with tags.

    With ``enabled=False`` the text comes back unchanged (for synthetic data known to be clean).
    """
    if not isinstance(text, str):
        raise InputError(MSG_NOT_TEXT.format(kind=type(text).__name__))
    if not enabled:
        return Redacted(text=text)
    found = find_phi(text)
    pieces: list[str] = []
    spans: list[PhiSpan] = []
    length = 0
    position = 0
    for found_span in found:
        before = text[position : found_span.start]
        placeholder = tag(found_span.kind)
        pieces += [before, placeholder]
        length += len(before)
        spans.append(PhiSpan(found_span.kind, length, length + len(placeholder)))
        length += len(placeholder)
        position = found_span.end
    pieces.append(text[position:])
    return Redacted(text="".join(pieces), spans=tuple(spans))


def _resolve(candidates: list[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates in text order: the longer stretch wins, then the lower rank."""
    chosen: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: (c.start - c.end, c.rank, c.start)):
        if candidate.start < candidate.end and all(
            candidate.end <= other.start or other.end <= candidate.start for other in chosen
        ):
            chosen.append(candidate)
    return sorted(chosen, key=lambda c: c.start)
