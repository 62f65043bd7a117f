"""A short summary of a model card (the Markdown file a spec names) for people to read first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from workbench._errors import SpecError
from workbench.spec import ModelSpec, load_spec

SUMMARY_SECTIONS = ("Intended use", "Known biases", "Limitations")
MSG_UNREADABLE = "cannot read the model card {path}: {reason}"
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_MARKUP = re.compile(r"\*\*|__|`")


@dataclass(frozen=True)
class ModelCard:
    """A model card's title, opening paragraphs and the points of the sections people need.

    ``sections`` maps a heading (one of :data:`SUMMARY_SECTIONS`, as the card spells it) to its
    paragraphs and bullet points, as plain text without Markdown emphasis.
    """

    title: str
    summary: tuple[str, ...]
    sections: tuple[tuple[str, tuple[str, ...]], ...]


def read_model_card(spec: str | Path | ModelSpec) -> ModelCard | None:
    """The summary of the card a spec names, or None when it names none."""
    spec = load_spec(spec)
    if spec.model_card is None:
        return None
    try:
        text = spec.model_card.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise SpecError(MSG_UNREADABLE.format(path=spec.model_card, reason=reason)) from None
    return parse_model_card(text, default_title=spec.name)


def parse_model_card(text: str, *, default_title: str = "Model card") -> ModelCard:
    """Parse Markdown: the first heading is the title, text before the next heading the summary,
    and the level-2 sections whose heading starts with one of :data:`SUMMARY_SECTIONS`."""
    title = default_title
    blocks: list[tuple[str, list[str]]] = [("", [])]
    for line in text.splitlines():
        heading = _HEADING.match(line.strip())
        if heading is None:
            blocks[-1][1].append(line)
        elif len(heading.group(1)) == 1 and title == default_title and len(blocks) == 1:
            title = _plain(heading.group(2))
        elif len(heading.group(1)) == 2:
            blocks.append((_plain(heading.group(2)), []))
        else:
            blocks[-1][1].append("")
    sections = tuple(
        (name, _points(lines))
        for name, lines in blocks[1:]
        if name.lower().startswith(tuple(s.lower() for s in SUMMARY_SECTIONS))
    )
    return ModelCard(title=title, summary=_points(blocks[0][1]), sections=sections)


def _points(lines: list[str]) -> tuple[str, ...]:
    """Paragraphs and bullet points as single lines of plain text; code blocks are skipped."""
    points: list[str] = []
    current: list[str] = []
    in_code = False
    for raw in lines + [""]:
        line = raw.strip()
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        bullet = line.startswith(("- ", "* "))
        if not line or bullet or line.startswith("|"):
            if current:
                points.append(_plain(" ".join(current)))
            current = []
        if bullet:
            current = [line[2:]]
        elif line and not line.startswith("|"):
            current.append(line.lstrip("> "))
    return tuple(p for p in points if p)


def _plain(text: str) -> str:
    return _MARKUP.sub("", text).strip()
