"""Explanations as the interactive views ask for them: fast settings, two methods side by side,
and importance over many rows, overall or per group.

Interactive views need an answer in well under a second, so :data:`FAST_PARAMS` lowers the
step and sample counts of the slow methods (Integrated Gradients 32 steps, LIME 500 samples);
results are cached by :mod:`workbench.explain`, so asking again is instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import ExplanationError
from workbench.app.browse import Subject
from workbench.explain import (
    METHODS,
    Agreement,
    Explanation,
    agreement,
    default_method,
    global_importance,
    group_importance,
)
from workbench.models import ModelAdapter
from workbench.privacy import find_phi, redact
from workbench.report import redact_tokens

FAST_PARAMS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "ig": {"n_steps": 32},
        "gradient_shap": {"n_samples": 10},
        "shapley_sampling": {"n_samples": 10},
        "kernel_shap": {"n_samples": 100},
        "lime": {"n_samples": 500},
    }
)
SECOND_METHOD = "lime"
IMPORTANCE_ROWS = 200
TEXT_MIN_COUNT = 3
MSG_NO_MODEL = "choose a model first"
MSG_BAD_ROWS = "rows must be a positive whole number; got {value!r}"
MSG_UNKNOWN_ATTRIBUTE = "{attribute!r} is not a protected attribute; choose one of {choices}"
MSG_EXPLAINED_REDACTED = (
    "The tokens of this message could not be matched to its words, so the redacted message "
    "is explained instead; its score may differ from the message as written."
)


@dataclass(frozen=True, eq=False)
class ExplanationPair:
    """One message explained by two methods for the same class, and how far they agree.

    ``text`` is the message explained (as written), shown with identifiers redacted
    (``redacted`` names the kinds removed); in both explanations the tokens of an identifier
    are shown as its tag; both carry their faithfulness scores.
    """

    text: str
    redacted: tuple[str, ...]
    first: Explanation
    second: Explanation
    agreement: Agreement


@dataclass(frozen=True, eq=False)
class Importance:
    """Mean |attribution| of each token or feature over ``rows`` explained rows.

    Without ``attribute``, ``table`` is :func:`~workbench.explain.global_importance`'s (one row
    per feature); with it, :func:`~workbench.explain.group_importance`'s (one column per group
    and ``difference``).
    """

    table: pd.DataFrame
    method: str
    target_name: str
    rows: int
    attribute: str | None = None


def fast_params(model: ModelAdapter, method: str) -> dict[str, Any]:
    """The interactive settings of ``method`` that apply to ``model``'s kind."""
    accepted = METHODS[method].params.get(model.kind, {}) if method in METHODS else {}
    return {k: v for k, v in FAST_PARAMS.get(method, {}).items() if k in accepted}


def quick_explain(
    model: ModelAdapter,
    inputs: Any,
    *,
    method: str | None = None,
    target: int | str | None = None,
    background: pd.DataFrame | None = None,
) -> Explanation:
    """Explain one message or row with interactive settings, faithfulness included.

    A message is explained as written; the tokens of an identifier come back as its tag, so
    no identifier reaches the result (see :func:`shown_explanation`).
    """
    from workbench.explain import explain  # torch and Captum load with the first explanation

    if model is None:
        raise ExplanationError(MSG_NO_MODEL)
    method = method or default_method(model)
    settings = {
        "method": method,
        "target": target,
        "background": background,
        "faithfulness": True,
        **fast_params(model, method),
    }
    explanation = explain(model, inputs, **settings)
    if not isinstance(inputs, str):
        return explanation
    shown = shown_explanation(inputs, explanation)
    if shown is None:
        fallback = explain(model, redact(inputs).text, **settings)
        return replace(fallback, notes=(*fallback.notes, MSG_EXPLAINED_REDACTED))
    return shown


def shown_explanation(text: str, explanation: Explanation) -> Explanation | None:
    """The explanation of ``text`` with the tokens of each identifier merged into its tag
    (their attributions summed) and without the explainer's notes, which may quote tokens;
    unchanged when ``text`` holds no identifier; None when its tokens cannot be matched."""
    if not find_phi(text):
        return explanation
    tokens = redact_tokens(text, explanation.features, explanation.attributions)
    if tokens is None:
        return None
    return replace(
        explanation,
        features=tuple(token.text for token in tokens),
        attributions=np.array([token.attribution for token in tokens]),
        notes=(),
    )


def explain_pair(
    model: ModelAdapter,
    text: str,
    *,
    method: str | None = None,
    other: str = SECOND_METHOD,
    target: int | str | None = None,
) -> ExplanationPair:
    """Explain a message with ``method`` (default: the model's) and ``other`` (LIME).

    Both explain the same class: ``target``, or the class the model predicts. The message is
    explained as written and shown redacted.
    """
    if model is None:
        raise ExplanationError(MSG_NO_MODEL)
    redacted = redact(text)
    first = quick_explain(model, text, method=method, target=target)
    second = quick_explain(model, text, method=other, target=first.target)
    return ExplanationPair(
        text=redacted.text,
        redacted=tuple(kind.value for kind in redacted.kinds),
        first=first,
        second=second,
        agreement=agreement(first, second),
    )


def importance(
    subject: Subject,
    *,
    method: str | None = None,
    attribute: str | None = None,
    rows: int = IMPORTANCE_ROWS,
    seed: int = 0,
) -> Importance:
    """Explain a seeded sample of ``rows`` rows for the positive class and aggregate them.

    With ``attribute`` the result is per group of that protected attribute. Tokens seen fewer
    than three times are left out of a text model's table; messages are explained as written,
    the tokens of an identifier counted as its tag (rows whose tokens cannot be matched are
    left out).
    """
    from workbench.explain import explain_batch  # torch and Captum load with the first one

    if subject is None:
        raise ExplanationError(MSG_NO_MODEL)
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ExplanationError(MSG_BAD_ROWS.format(value=rows))
    if attribute is not None and attribute not in subject.protected:
        raise ExplanationError(
            MSG_UNKNOWN_ATTRIBUTE.format(attribute=attribute, choices=list(subject.protected))
        )
    method = method or default_method(subject.model)
    count = len(subject.data)
    chosen = np.sort(np.random.default_rng(seed).permutation(count)[: min(rows, count)])
    tabular = subject.model.kind == "tabular"
    inputs = subject.inputs(chosen.tolist())
    explanations = explain_batch(
        subject.model,
        inputs,
        method=method,
        target=subject.positive_class,
        background=subject.data if tabular else None,
        progress=False,
        **fast_params(subject.model, method),
    )
    if not tabular:
        shown = [shown_explanation(text, found) for text, found in zip(inputs, explanations)]
        kept = [i for i, found in enumerate(shown) if found is not None]
        explanations = [shown[i] for i in kept]
        chosen = chosen[kept]
    min_count = 1 if tabular else TEXT_MIN_COUNT
    if attribute is None:
        table = global_importance(explanations, min_count=min_count)
    else:
        groups = subject.examples[attribute].iloc[chosen].tolist()
        table = group_importance(explanations, groups, min_count=min_count)
        table = table.dropna(how="all", subset=[c for c in table.columns if c != "difference"])
    return Importance(
        table=table,
        method=method,
        target_name=explanations[0].target_name,
        rows=len(chosen),
        attribute=attribute,
    )
