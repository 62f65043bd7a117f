"""Counterfactual identity swaps for text models (counterfactual token fairness, Garg et al.
2019): swap an identity word in each message for each alternative, and measure how the score
moves and which decisions flip."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.audit._result import records
from workbench.audit._threshold import check_threshold
from workbench.models import ModelAdapter

MSG_NOT_TEXT_MODEL = "counterfactual swaps need a text model; got a {kind} model"
MSG_UNKNOWN_CATEGORY = "unknown term category {category!r}; shipped categories are {known}"
MSG_BAD_TERMS = (
    "terms must map a category to a list of sets of at least two words, e.g. "
    "{{'sexual_orientation': [['gay', 'straight']]}}; category {category!r} does not"
)
MSG_REPEATED_TERM = "term {term!r} appears in more than one set ({first} and {second})"
MSG_NOT_TEXTS = "texts must be a list of strings; item {position} is {kind}"
MSG_UNKNOWN_POSITIVE = "positive_class {positive!r} is not one of the classes {classes}"
SWAP_COLUMNS = (
    "row",
    "category",
    "term",
    "replacement",
    "text",
    "counterfactual",
    "score",
    "counterfactual_score",
    "change",
    "decision",
    "counterfactual_decision",
    "flipped",
)


@dataclass(frozen=True)
class CounterfactualResult:
    """Score changes when identity words are swapped, per term pair and per message.

    ``swaps`` has one row per (message, term, replacement); ``by_pair`` summarises each term
    pair: how many messages, mean |change in score| (the counterfactual token fairness gap),
    mean signed change, largest |change| and how many decisions flip. ``messages`` counts the
    messages given, ``messages_with_terms`` those holding a term of the ``categories``.
    """

    swaps: pd.DataFrame
    by_pair: pd.DataFrame
    by_category: pd.DataFrame
    model_name: str
    fingerprint: str
    positive_class: str
    threshold: float
    categories: tuple[str, ...]
    messages: int
    messages_with_terms: int

    @property
    def flips(self) -> pd.DataFrame:
        """The swaps whose decision differs from the original message's."""
        return self.swaps[self.swaps["flipped"]]

    @property
    def gap(self) -> float:
        """Mean |change in score| over all swaps (NaN when no message holds a term)."""
        return float(self.swaps["change"].abs().mean()) if len(self.swaps) else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready tables; NaN becomes None."""
        return {
            "params": {
                "model": self.model_name,
                "fingerprint": self.fingerprint,
                "positive_class": self.positive_class,
                "threshold": self.threshold,
                "categories": list(self.categories),
                "messages": self.messages,
                "messages_with_terms": self.messages_with_terms,
            },
            "gap": None if math.isnan(self.gap) else self.gap,
            "by_pair": records(self.by_pair),
            "by_category": records(self.by_category),
            "flips": records(self.flips.set_index("row")),
        }


def shipped_categories() -> tuple[str, ...]:
    """Names of the shipped term lists."""
    folder = resources.files("workbench.audit") / "terms"
    return tuple(
        sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))
    )


def load_terms(categories: Sequence[str] | None = None) -> dict[str, list[list[str]]]:
    """Shipped term sets by category (all categories when none are named)."""
    known = shipped_categories()
    chosen = known if categories is None else tuple(categories)
    terms = {}
    for category in chosen:
        if category not in known:
            raise AuditError(MSG_UNKNOWN_CATEGORY.format(category=category, known=list(known)))
        file = resources.files("workbench.audit") / "terms" / f"{category}.json"
        terms[category] = json.loads(file.read_text(encoding="utf-8"))["sets"]
    return terms


def counterfactual_swaps(
    model: ModelAdapter,
    texts: Sequence[str] | pd.Series,
    *,
    categories: Sequence[str] | None = None,
    terms: Mapping[str, Sequence[Sequence[str]]] | None = None,
    positive_class: str | None = None,
    threshold: float = 0.5,
) -> CounterfactualResult:
    """Swap identity words in each message for every alternative of their set; score both.

    ``terms`` replaces the shipped lists (``categories`` picks among those). Matching is
    whole-word and case-insensitive; the replacement takes the case of the word it replaces.
    The score is the probability of ``positive_class`` (default: the model's); a decision
    is score >= ``threshold``, or the arg-max class for a model with more than two classes.
    """
    if model.kind != "text":
        raise AuditError(MSG_NOT_TEXT_MODEL.format(kind=model.kind))
    threshold = check_threshold(threshold)
    messages = _texts(texts)
    term_sets = _validated(load_terms(categories) if terms is None else terms)
    lookup = {
        term.lower(): (category, members)
        for category, sets in term_sets.items()
        for members in sets
        for term in members
    }
    finder = _pattern(lookup)
    variants = []
    for row, text in enumerate(messages):
        found = dict.fromkeys(match.group(0).lower() for match in finder.finditer(text))
        for term in found:
            category, members = lookup[term]
            for replacement in members:
                if replacement.lower() != term:
                    swapped = _swap(text, term, replacement)
                    variants.append((row, category, term, replacement, text, swapped))
    index = _positive_index(model, positive_class)
    swaps = pd.DataFrame(variants, columns=list(SWAP_COLUMNS[:6]))
    rows = sorted({v[0] for v in variants})
    position = {r: i for i, r in enumerate(rows)}
    original = model.predict_proba([messages[r] for r in rows])
    before = original[[position[r] for r in swaps["row"]]]
    after = model.predict_proba(swaps["counterfactual"].tolist())
    swaps["score"] = before[:, index]
    swaps["counterfactual_score"] = after[:, index]
    swaps["change"] = swaps["counterfactual_score"] - swaps["score"]
    swaps["decision"] = _decide(model, before, index, threshold)
    swaps["counterfactual_decision"] = _decide(model, after, index, threshold)
    swaps["flipped"] = swaps["decision"] != swaps["counterfactual_decision"]
    return CounterfactualResult(
        swaps,
        _by_pair(swaps),
        _by_category(swaps),
        model_name=model.name,
        fingerprint=model.fingerprint,
        positive_class=model.class_names[index],
        threshold=threshold,
        categories=tuple(term_sets),
        messages=len(messages),
        messages_with_terms=len(rows),
    )


def _texts(texts: Any) -> list[str]:
    if isinstance(texts, str):
        raise AuditError(MSG_NOT_TEXTS.format(position=0, kind="one string, not a list"))
    messages = list(texts)
    for position, text in enumerate(messages):
        if not isinstance(text, str):
            raise AuditError(MSG_NOT_TEXTS.format(position=position, kind=type(text).__name__))
    return messages


def _validated(terms: Mapping[str, Sequence[Sequence[str]]]) -> dict[str, list[list[str]]]:
    checked: dict[str, list[list[str]]] = {}
    seen: dict[str, str] = {}
    for category, sets in terms.items():
        if isinstance(sets, str) or not all(
            not isinstance(members, str)
            and len(members) >= 2
            and all(isinstance(t, str) and t.strip() for t in members)
            for members in sets
        ):
            raise AuditError(MSG_BAD_TERMS.format(category=category))
        checked[category] = [[t.strip() for t in members] for members in sets]
        for number, members in enumerate(checked[category]):
            where = f"{category} set {number + 1}"
            for term in members:
                if term.lower() in seen:
                    raise AuditError(
                        MSG_REPEATED_TERM.format(term=term, first=seen[term.lower()], second=where)
                    )
                seen[term.lower()] = where
    return checked


def _pattern(terms: Mapping[str, Any]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives or '(?!)'})(?!\w)", re.IGNORECASE)


def _swap(text: str, term: str, replacement: str) -> str:
    def cased(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.isupper() and len(word) > 1:
            return replacement.upper()
        if word[0].isupper():
            return replacement[0].upper() + replacement[1:]
        return replacement

    return re.sub(rf"(?<!\w){re.escape(term)}(?!\w)", cased, text, flags=re.IGNORECASE)


def _positive_index(model: ModelAdapter, positive_class: str | None) -> int:
    if positive_class is None:
        return model.positive_index if model.positive_index is not None else 1
    if positive_class not in model.class_names:
        raise AuditError(
            MSG_UNKNOWN_POSITIVE.format(positive=positive_class, classes=list(model.class_names))
        )
    return model.class_names.index(positive_class)


def _decide(model: ModelAdapter, probabilities: np.ndarray, index: int, threshold: float) -> Any:
    if len(model.class_names) > 2:
        return probabilities.argmax(axis=1) == index
    return probabilities[:, index] >= threshold


def _by_pair(swaps: pd.DataFrame) -> pd.DataFrame:
    grouped = swaps.assign(abs_change=swaps["change"].abs()).groupby(
        ["category", "term", "replacement"], sort=True
    )
    table = pd.DataFrame(
        {
            "messages": grouped.size(),
            "mean_abs_change": grouped["abs_change"].mean(),
            "mean_change": grouped["change"].mean(),
            "max_abs_change": grouped["abs_change"].max(),
            "flips": grouped["flipped"].sum().astype(np.int64),
        }
    )
    table["flip_share"] = table["flips"] / table["messages"]
    return table


def _by_category(swaps: pd.DataFrame) -> pd.DataFrame:
    grouped = swaps.assign(abs_change=swaps["change"].abs()).groupby("category", sort=True)
    return pd.DataFrame(
        {
            "messages": grouped["row"].nunique(),
            "swaps": grouped.size(),
            "mean_abs_change": grouped["abs_change"].mean(),
            "flips": grouped["flipped"].sum().astype(np.int64),
        }
    )
