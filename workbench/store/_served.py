"""Explanations served from the store first: the app, the report and importance ask here, and
only what the store lacks is computed (and then stored for the next visitor).

An explanation is looked up under what it depends on, the way ``workbench precompute`` stores
it: the model's fingerprint, the input, the method, its settings (the method's parameters with
their defaults filled in, the unit of words or sub-words among them, and for tabular models a
digest of the background rows), the target and the package versions. Two choices make a
precomputed entry serve what the app asks:

* **Settings:** an entry stored with the method's default settings (what ``workbench
  precompute`` stores) serves a request for faster ones (the app's fewer steps and samples): it
  is the better explanation, and it says its own settings in ``params``.
* **Target:** an entry for the predicted class (``target`` None) serves a request for that
  class by name or index, since explaining the predicted class is explaining that class.

Faithfulness is not part of the key: it is a score of the explanation, not an input. A stored
entry with faithfulness serves requests with or without it; a request for faithfulness that
finds an entry without it computes only the faithfulness (a few forward passes) and stores the
completed entry. The model's device is not part of the key either (see
:func:`~workbench.models.load_model`'s fingerprint, made of the model's files): CPU and GPU
attributions differ by float rounding only, as two GPU runs do, so an explanation computed on a
GPU worker serves every visitor.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from workbench._errors import ExplanationError
from workbench.explain._checks import (
    MSG_TEXTS_NOT_LIST,
    background_digest,
    check_background,
    check_rows,
    check_text,
    resolve_target,
)
from workbench.explain._explanation import Explanation
from workbench.explain._methods import default_method, method_info
from workbench.models import ModelAdapter
from workbench.store._engine_model import EngineModel
from workbench.store._names import SCHEDULER_ENV, default_store_folder
from workbench.store._store import ExplanationStore, StoredEntry, StoreKey, package_versions

MSG_ENGINE_NEEDS_SPEC = (
    "model %r was not loaded from a spec file, so the engine's workers cannot load it; "
    "explaining in this process"
)
MSG_NOT_KEPT = "explanations not kept in the store %s (%s); they are shown, not stored"
NOTE_PRECOMPUTED = "Precomputed: read from the explanation store, not computed for this view."

logger = logging.getLogger(__name__)
# One open store per folder in this process: the app's steps share its connections.
_opened: dict[Path, ExplanationStore] = {}


@dataclass(frozen=True)
class Served:
    """One explanation and whether it came from the store (``precomputed``)."""

    explanation: Explanation
    precomputed: bool


def shared_store(folder: str | Path | None = None) -> ExplanationStore:
    """The store in ``folder`` (default: ``$WORKBENCH_STORE``, else the data folder), opened
    once per process."""
    path = (Path(folder).expanduser() if folder else default_store_folder()).resolve()
    if path not in _opened:
        _opened[path] = ExplanationStore(path)
    return _opened[path]


def explanation_key(
    model: ModelAdapter,
    item: Any,
    *,
    method: str,
    settings: Mapping[str, Any],
    target: int | None,
    background: pd.DataFrame | None = None,
    versions: Mapping[str, str] | None = None,
) -> StoreKey:
    """The key of explaining ``item`` (a message, or a row's values by column) with ``method``
    and its full ``settings``; ``background`` are the checked background rows of a tabular
    model (see :func:`key_params`)."""
    return StoreKey.of(
        fingerprint=model.fingerprint,
        item=item,
        method=method,
        params=key_params(settings, background),
        target=target,
        versions=versions,
    )


def key_params(settings: Mapping[str, Any], background: pd.DataFrame | None) -> dict[str, Any]:
    """The settings as keyed: with a digest of the background rows when there are any."""
    if background is None:
        return dict(settings)
    return {**settings, "background": background_digest(background)}


def hashable_items(model: ModelAdapter, items: Sequence[str] | pd.DataFrame) -> list[Any]:
    """Each input as the key hashes it: a message's text, a row's values by feature column."""
    if model.kind == "text":
        return list(items)
    rows = items.loc[:, list(model.feature_columns)].reset_index(drop=True)
    return [{k: _plain(v) for k, v in row.items()} for row in rows.to_dict(orient="records")]


def explain_stored(
    model: ModelAdapter,
    inputs: Any,
    *,
    store: ExplanationStore | None,
    method: str | None = None,
    target: int | str | None = None,
    background: pd.DataFrame | None = None,
    faithfulness: bool = False,
    progress: bool = False,
    scheduler: str | None = None,
    **params: Any,
) -> list[Served]:
    """Explain each message of a list, or each row of a DataFrame, reading ``store`` first.

    Only the inputs the store lacks are explained (with :func:`~workbench.explain.explain_batch`
    and ``params``) and then stored; without a store everything is computed. With an engine,
    the Dask scheduler at ``scheduler`` (default: the one serving an :class:`EngineModel`, else
    ``$WORKBENCH_SCHEDULER``), they are explained on its workers, which load the model from its
    spec file; a model built in memory is explained here. An :class:`EngineModel` is explained
    on its engine only, faithfulness included.
    """
    if model.kind == "text":
        if isinstance(inputs, str | pd.DataFrame) or not hasattr(inputs, "__iter__"):
            raise ExplanationError(MSG_TEXTS_NOT_LIST.format(kind=type(inputs).__name__))
        items: Sequence[str] | pd.DataFrame = [check_text(text) for text in inputs]
    else:
        items = check_rows(model, inputs, single=False)
    info = method_info(model, method or default_method(model))
    requested = info.settings(model.kind, params)
    defaults = info.settings(model.kind, {})
    index = resolve_target(model, target)
    checked = None if background is None else check_background(model, background)
    engine = _engine_of(model, scheduler)
    found: list[Served | None] = [None] * len(items)
    if store is not None:
        found = _look_up(
            model,
            items,
            store=store,
            method=info.name,
            settings=[defaults, requested] if defaults != requested else [defaults],
            target=index,
            background=checked,
            faithfulness=faithfulness,
            engine=None if model.in_process else engine,
        )
    missing = [i for i, served in enumerate(found) if served is None]
    if missing:
        subset = (
            items.iloc[missing] if isinstance(items, pd.DataFrame) else [items[i] for i in missing]
        )
        keys = None
        if store is not None:
            versions = package_versions()
            keys = [
                explanation_key(
                    model,
                    value,
                    method=info.name,
                    settings=requested,
                    target=index,
                    background=checked,
                    versions=versions,
                )
                for value in hashable_items(model, subset)
            ]
        if engine is not None and model.source is None:
            logger.info(MSG_ENGINE_NEEDS_SPEC, model.name)
            engine = None
        if engine is None:
            from workbench.explain._explain import explain_batch

            computed = explain_batch(
                model,
                subset,
                method=info.name,
                target=index,
                background=background,
                faithfulness=faithfulness,
                progress=progress,
                **params,
            )
            if store is not None and keys is not None:
                _keep(store, [(key, StoredEntry(done)) for key, done in zip(keys, computed)])
        else:
            from workbench.store._precompute import explain_on_engine

            computed = explain_on_engine(
                model,
                subset,
                scheduler=engine,
                positions=missing,
                keys=keys,
                store=store,
                method=info.name,
                params=params,
                target=index,
                background=background,
                faithfulness=faithfulness,
                progress=progress,
            )
        for i, explanation in zip(missing, computed):
            found[i] = Served(explanation, precomputed=False)
    return [served for served in found if served is not None]


def _engine_of(model: ModelAdapter, scheduler: str | None) -> str | None:
    """The scheduler that explains what the store lacks: ``scheduler``, else the one serving
    an :class:`EngineModel`, else ``$WORKBENCH_SCHEDULER``; None: this process."""
    if scheduler:
        return scheduler
    if isinstance(model, EngineModel):
        return model.scheduler
    return os.environ.get(SCHEDULER_ENV) or None


def stored_rows(
    model: ModelAdapter,
    inputs: Sequence[str] | pd.DataFrame,
    *,
    methods: Sequence[str],
    store: ExplanationStore | None,
    background: pd.DataFrame | None = None,
) -> list[bool]:
    """Whether the store holds an explanation of each input, for the predicted class, by every
    one of ``methods`` with its default settings (what ``workbench precompute`` stores)."""
    if store is None or len(inputs) == 0:
        return [False] * len(inputs)
    checked = None if background is None else check_background(model, background)
    hashable = hashable_items(model, inputs)
    versions = package_versions()
    keys = [
        [
            explanation_key(
                model,
                value,
                method=name,
                settings=method_info(model, name).settings(model.kind, {}),
                target=None,
                background=checked,
                versions=versions,
            )
            for name in methods
        ]
        for value in hashable
    ]
    entries = store.get_many(key for row in keys for key in row)
    return [
        all(key.digest in entries and entries[key.digest].explanation is not None for key in row)
        for row in keys
    ]


def _look_up(
    model: ModelAdapter,
    items: Sequence[str] | pd.DataFrame,
    *,
    store: ExplanationStore,
    method: str,
    settings: list[dict[str, Any]],
    target: int | None,
    background: pd.DataFrame | None,
    faithfulness: bool,
    engine: str | None,
) -> list[Served | None]:
    """Each input's stored explanation that serves the request, or None; a request for
    faithfulness completes an entry without it (on the Dask scheduler ``engine`` if given)."""
    targets = [None] if target is None else [target, None]
    versions = package_versions()
    candidates = [
        [
            explanation_key(
                model,
                value,
                method=method,
                settings=chosen,
                target=keyed,
                background=background,
                versions=versions,
            )
            for chosen in settings
            for keyed in targets
        ]
        for value in hashable_items(model, items)
    ]
    entries = store.get_many(key for keys in candidates for key in keys)
    found: list[Served | None] = []
    incomplete: list[tuple[int, StoreKey, Explanation]] = []
    for position, keys in enumerate(candidates):
        usable = [
            (key, entries[key.digest].explanation)
            for key in keys
            if key.digest in entries
            and entries[key.digest].explanation is not None
            and (target is None or entries[key.digest].explanation.target == target)
        ]
        if not usable:
            found.append(None)
            continue
        key, explanation = next(
            (pair for pair in usable if pair[1].faithfulness is not None or not faithfulness),
            usable[0],
        )
        if faithfulness and explanation.faithfulness is None:
            incomplete.append((position, key, explanation))
        found.append(Served(explanation, precomputed=True))
    if incomplete:
        completed = _with_faithfulness(
            model, items, incomplete, store=store, background=background, engine=engine
        )
        for (position, _, _), explanation in zip(incomplete, completed):
            found[position] = Served(explanation, precomputed=True)
    return found


def _with_faithfulness(
    model: ModelAdapter,
    items: Sequence[str] | pd.DataFrame,
    incomplete: list[tuple[int, StoreKey, Explanation]],
    *,
    store: ExplanationStore,
    background: pd.DataFrame | None,
    engine: str | None,
) -> list[Explanation]:
    """The stored explanations of ``incomplete`` (position, key, explanation) with their
    faithfulness, measured on the Dask scheduler ``engine`` or here, and stored under their
    keys (from the engine, a chunk at a time as each finishes)."""
    positions = [position for position, _, _ in incomplete]
    keys = [key for _, key, _ in incomplete]
    explanations = [explanation for _, _, explanation in incomplete]
    if engine is not None:
        from workbench.store._precompute import faithfulness_on_engine

        subset = (
            items.iloc[positions]
            if isinstance(items, pd.DataFrame)
            else [items[i] for i in positions]
        )
        return faithfulness_on_engine(
            model,
            subset,
            explanations,
            scheduler=engine,
            positions=positions,
            keys=keys,
            store=store,
            background=background,
        )
    from workbench.explain._explain import evaluate_faithfulness

    completed = []
    for position, explanation in zip(positions, explanations):
        item = items.iloc[[position]] if isinstance(items, pd.DataFrame) else items[position]
        scores = evaluate_faithfulness(model, item, explanation, background=background)
        completed.append(replace(explanation, faithfulness=scores))
    _keep(store, [(key, StoredEntry(done)) for key, done in zip(keys, completed)])
    return completed


def _keep(store: ExplanationStore, entries: list[tuple[StoreKey, StoredEntry]]) -> None:
    """Store what was computed; a store that cannot be written (read-only, a full disk) costs
    the next visitor a recomputation, never this one's result."""
    from sqlalchemy.exc import OperationalError

    try:
        store.put_many(entries)
    except OperationalError as err:
        logger.warning(MSG_NOT_KEPT, store.path, type(getattr(err, "orig", err)).__name__)


def _plain(value: Any) -> Any:
    """A row's value as JSON keeps it: numpy scalars as Python numbers, missing as None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
