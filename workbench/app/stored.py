"""The app's explanations served from the explanation store first (``$WORKBENCH_STORE``, else
the data folder): what ``workbench precompute`` stored is shown at once and marked
precomputed; only what the store lacks is computed, then stored for the next visitor."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pandas as pd

from workbench._errors import StoreError
from workbench.explain import Explanation
from workbench.models import ModelAdapter

SECOND_METHOD = "lime"
MSG_NO_STORE = "explaining without the explanation store: %s"
logger = logging.getLogger(__name__)


def explained_methods(model: ModelAdapter) -> tuple[str, ...]:
    """The methods the app's *Explain* click uses: the model's default, and LIME beside it for
    text models."""
    from workbench.explain import default_method

    first = default_method(model)
    if model.kind == "text" and first != SECOND_METHOD:
        return (first, SECOND_METHOD)
    return (first,)


def precomputed_rows(
    model: ModelAdapter,
    inputs: list[str] | pd.DataFrame,
    *,
    background: pd.DataFrame | None = None,
) -> list[bool]:
    """Whether the store holds each input's explanation by every one of
    :func:`explained_methods` (a store not made yet holds nothing, and is not made here)."""
    from workbench.store import store_exists

    if not store_exists():
        return [False] * len(inputs)
    from workbench.store import shared_store, stored_rows

    return stored_rows(
        model,
        inputs,
        methods=explained_methods(model),
        store=shared_store(),
        background=background,
    )


def served_explanations(model: ModelAdapter, inputs: Any, **options: Any) -> list[Any]:
    """Explain ``inputs`` (a list of messages or a table of rows) through the shared store,
    with :func:`~workbench.store.explain_stored`'s ``options``: each a
    :class:`~workbench.store.Served`."""
    from workbench.store import explain_stored, shared_store

    try:
        store = shared_store()
    except StoreError as err:  # no usable store folder: explain without one
        logger.warning(MSG_NO_STORE, err)
        store = None
    return explain_stored(model, inputs, store=store, **options)


def marked(explanation: Explanation, *, precomputed: bool) -> Explanation:
    """``explanation`` with a note saying it came from the store, when it did."""
    if not precomputed:
        return explanation
    from workbench.store import NOTE_PRECOMPUTED

    return replace(explanation, notes=(*explanation.notes, NOTE_PRECOMPUTED))
