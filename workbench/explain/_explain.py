"""The one entry point: explain a message or a row (or many) with any applicable method."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from workbench._errors import ExplanationError
from workbench.explain._cache import ExplanationCache, cache_key, default_cache
from workbench.explain._checks import (
    MSG_TEXTS_NOT_LIST,
    background_digest,
    check_background,
    check_rows,
    check_text,
    resolve_target,
)
from workbench.explain._explanation import Explanation, Faithfulness
from workbench.explain._faithfulness import faithfulness_of
from workbench.explain._inputs import MSG_NO_SUBWORDS, RawAttribution, TokenInput, explained_inputs
from workbench.explain._methods import (
    METHODS,
    MethodInfo,
    applicable_methods,
    default_method,
    method_info,
)
from workbench.models import ModelAdapter

MSG_NOTHING_TO_EXPLAIN = "explain_batch got no inputs to explain"
MSG_BACKGROUND_TEXT = "background rows set the baseline of tabular models; a text model takes none"
MSG_GENERATIVE = (
    "{name!r} is a generative model (a chatbot): explain its response to a prompt with "
    "workbench.chat.explain_response or `workbench explain --model SPEC --text PROMPT`"
)
MSG_NOT_IN_PROCESS = (
    "model {name!r} is served by a Dask engine, not loaded in this process, so it is explained "
    "on the engine's workers: use workbench.store.explain_stored (as the app does)"
)
MSG_BAD_BATCH_SIZE = "batch_size must be a positive whole number; got {value!r}"
MSG_FEATURES_DIFFER = (
    "the explanation's {n} features do not match the {m} the input has for method {method!r}; "
    "compute faithfulness with the same input and the same unit (words or sub-words)"
)

NOTE_ZERO_SAME_SCORE = (
    "all attributions are zero: the baseline scores the same as the input, so there is no "
    "score change to attribute; try the other baseline or another method"
)
NOTE_ZERO_GRADIENT = (
    "all attributions are zero: the score does not change with the embedding layer's output "
    "(the model ignores that layer, or its output is saturated); check the spec's "
    "embedding_layer, or use a perturbation method"
)
NOTE_ZERO_REMOVAL = (
    "all attributions are zero: removing words or features one by one does not change the "
    "model's score"
)


def explain(
    model: ModelAdapter,
    inputs: Any,
    *,
    method: str | None = None,
    target: int | str | None = None,
    background: pd.DataFrame | None = None,
    faithfulness: bool = False,
    cache: ExplanationCache | None = default_cache,
    **params: Any,
) -> Explanation:
    """Explain one message (str) or one row (one-row DataFrame, Series or dict).

    ``method`` defaults to Integrated Gradients for models with gradients and feature ablation
    otherwise; ``target`` (a class name or index) to the predicted class. Tabular baselines are
    the mean (or ``baseline='median'``) of ``background`` rows. ``params`` are the method's
    parameters (see :data:`METHODS`); ``faithfulness`` adds ERASER and deletion/insertion scores.
    """
    _refuse_generative(model)
    if model.kind == "text":
        items: Sequence[str] | pd.DataFrame = [check_text(inputs)]
        model.check_limits(items)
    else:
        items = check_rows(model, inputs, single=True)
    return _explain_items(
        model,
        items,
        method=method,
        target=target,
        background=background,
        faithfulness=faithfulness,
        cache=cache,
        progress=False,
        batch_size=None,
        params=params,
    )[0]


def _refuse_generative(model: ModelAdapter) -> None:
    if model.kind == "generative":
        raise ExplanationError(MSG_GENERATIVE.format(name=model.name))


def _refuse_elsewhere(model: ModelAdapter) -> None:
    """A model served by other processes has no forward pass or gradients here."""
    if not model.in_process:
        raise ExplanationError(MSG_NOT_IN_PROCESS.format(name=model.name))


def explain_batch(
    model: ModelAdapter,
    inputs: Any,
    *,
    method: str | None = None,
    target: int | str | None = None,
    background: pd.DataFrame | None = None,
    faithfulness: bool = False,
    cache: ExplanationCache | None = default_cache,
    progress: bool = True,
    batch_size: int | None = None,
    **params: Any,
) -> list[Explanation]:
    """Explain every message of a list (or Series), or every row of a DataFrame, in batches.

    Gradient methods run ``batch_size`` inputs per pass (default: the model's batch size), the
    messages sorted by length to save padding; cached explanations are not recomputed.
    """
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ExplanationError(MSG_BAD_BATCH_SIZE.format(value=batch_size))
    _refuse_generative(model)
    if model.kind == "text":
        if isinstance(inputs, str | pd.DataFrame) or not hasattr(inputs, "__iter__"):
            raise ExplanationError(MSG_TEXTS_NOT_LIST.format(kind=type(inputs).__name__))
        items: Sequence[str] | pd.DataFrame = [check_text(text) for text in inputs]
        model.check_limits(items)
    else:
        items = check_rows(model, inputs, single=False)
    if len(items) == 0:
        raise ExplanationError(MSG_NOTHING_TO_EXPLAIN)
    return _explain_items(
        model,
        items,
        method=method,
        target=target,
        background=background,
        faithfulness=faithfulness,
        cache=cache,
        progress=progress,
        batch_size=batch_size,
        params=params,
    )


def evaluate_faithfulness(
    model: ModelAdapter,
    inputs: Any,
    explanation: Explanation,
    *,
    background: pd.DataFrame | None = None,
) -> Faithfulness:
    """Faithfulness of an existing explanation of ``inputs`` (give the same background)."""
    _refuse_elsewhere(model)
    info = method_info(model, explanation.method)
    if model.kind == "text":
        items: Sequence[str] | pd.DataFrame = [check_text(inputs)]
        model.check_limits(items)
    else:
        items = check_rows(model, inputs, single=True)
        background = None if background is None else check_background(model, background)
    prepared = explained_inputs(
        model,
        items,
        raw_input=info.raw_input,
        baseline=explanation.params.get("baseline"),
        background=background,
        unit=explanation.params.get("unit", "word"),
    )[0]
    if prepared.features != explanation.features:
        raise ExplanationError(
            MSG_FEATURES_DIFFER.format(
                n=len(explanation.features), m=len(prepared.features), method=info.name
            )
        )
    return faithfulness_of(model, prepared, explanation)


def _explain_items(
    model: ModelAdapter,
    items: Sequence[str] | pd.DataFrame,
    *,
    method: str | None,
    target: int | str | None,
    background: pd.DataFrame | None,
    faithfulness: bool,
    cache: ExplanationCache | None,
    progress: bool,
    batch_size: int | None,
    params: dict[str, Any],
) -> list[Explanation]:
    _refuse_elsewhere(model)
    info = method_info(model, method or default_method(model))
    settings = info.settings(model.kind, params)
    requested = resolve_target(model, target)
    if settings.get("unit") == "subword" and (info.raw_input or not model.differentiable):
        token_methods = [
            name for name in applicable_methods(model) if not METHODS[name].raw_input
        ]
        raise ExplanationError(
            MSG_NO_SUBWORDS.format(
                method=info.name,
                model=model.name,
                methods=", ".join(token_methods) if model.differentiable else "none applies",
            )
        )
    if background is not None:
        if model.kind == "text":
            raise ExplanationError(MSG_BACKGROUND_TEXT)
        background = check_background(model, background)
    keys = _keys(model, items, info, requested, settings, background, faithfulness, cache)
    results: list[Explanation | None] = [cache.get(k) if k else None for k in keys]
    missing = [i for i, found in enumerate(results) if found is None]
    if not missing:
        return results
    to_explain = (
        items.iloc[missing] if isinstance(items, pd.DataFrame) else [items[i] for i in missing]
    )
    prepared = explained_inputs(
        model,
        to_explain,
        raw_input=info.raw_input,
        baseline=settings.get("baseline"),
        background=background,
        unit=settings.get("unit", "word"),
    )
    order = list(range(len(prepared)))
    if isinstance(prepared[0], TokenInput):
        order.sort(key=lambda i: len(prepared[i].ids))
    size = (batch_size or model.batch_size) if info.batched else len(order)
    bar = tqdm(total=len(order), desc=f"explain ({info.name})") if progress else None
    try:
        for start in range(0, len(order), size):
            chunk = order[start : start + size]
            explained = _explain_chunk(
                model,
                info,
                [prepared[i] for i in chunk],
                requested=requested,
                settings=_recorded(settings, background),
                faithfulness=faithfulness,
            )
            for i, explanation in zip(chunk, explained):
                results[missing[i]] = explanation
                if keys[missing[i]]:
                    cache.put(keys[missing[i]], explanation)
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return results


def _explain_chunk(
    model: ModelAdapter,
    info: MethodInfo,
    prepared: list[Any],
    *,
    requested: int | None,
    settings: dict[str, Any],
    faithfulness: bool,
) -> Iterator[Explanation]:
    raws = info.runner(model.kind)(model, prepared, requested, settings)
    for item, raw in zip(prepared, raws):
        explanation = Explanation(
            method=info.name,
            kind=model.kind,
            features=item.features,
            attributions=raw.attributions,
            target=raw.target,
            target_name=model.class_names[raw.target],
            score=float(raw.probabilities[raw.target]),
            params=settings,
            convergence_delta=raw.delta,
            baseline_score=raw.baseline_score,
            truncated=item.truncated,
            notes=(*item.notes, *_zero_notes(info, raw)),
        )
        if faithfulness:
            explanation = replace(
                explanation, faithfulness=faithfulness_of(model, item, explanation)
            )
        yield explanation


def _zero_notes(info: MethodInfo, raw: RawAttribution) -> tuple[str, ...]:
    """Why every attribution is zero, when they all are."""
    if np.any(raw.attributions != 0):
        return ()
    target_score = float(raw.probabilities[raw.target])
    if raw.baseline_score is not None and abs(target_score - raw.baseline_score) < 1e-9:
        return (NOTE_ZERO_SAME_SCORE,)
    return (NOTE_ZERO_GRADIENT if info.needs_gradients else NOTE_ZERO_REMOVAL,)


def _keys(
    model: ModelAdapter,
    items: Sequence[str] | pd.DataFrame,
    info: MethodInfo,
    target: int | None,
    settings: dict[str, Any],
    background: pd.DataFrame | None,
    faithfulness: bool,
    cache: ExplanationCache | None,
) -> list[str]:
    if cache is None or not model.fingerprint:
        return [""] * len(items)
    rows = items.to_numpy(dtype=object).tolist() if isinstance(items, pd.DataFrame) else items
    digest = background_digest(background)
    return [
        cache_key(
            fingerprint=model.fingerprint,
            item=row,
            method=info.name,
            target=target,
            settings=settings,
            background=digest,
            faithfulness=faithfulness,
        )
        for row in rows
    ]


def _recorded(settings: dict[str, Any], background: pd.DataFrame | None) -> dict[str, Any]:
    if background is None or "baseline" not in settings:
        return settings
    return {**settings, "background_rows": len(background)}
